package registry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestPersonShowsAgeNotBirthDate: lists and pages show the age and a mask
// of the region only; the birth date (digits 7–14 of the ID number) is
// shown by a reveal alone, edits that leave it out keep it, and a reason
// holding the number is masked before the audit log keeps it.
func TestPersonShowsAgeNotBirthDate(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1983, 5, 17, 0, 0, 0, 0, time.UTC), 21, false)
	today := time.Now().In(time.FixedZone("CST", 8*3600))

	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("年龄甲", idNo, grid, nil), &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	// A foreign resident has no ID number: the birth date is typed in.
	var f person
	foreign := map[string]any{"name": "年龄乙", "kind": "foreign", "sex": "male", "birth_date": "1990-02-03", "grid_code": grid}
	if st := gm.Do("POST", "/api/v1/people", foreign, &f); st != 201 {
		t.Fatalf("create foreign: %d %+v", st, gm.Fail("POST", "/api/v1/people", foreign))
	}
	wantAge := func(what string, got *int, birth string) {
		t.Helper()
		want, _ := pii.Age(birth, today)
		if got == nil || *got != want {
			t.Errorf("%s: age %v, want %d", what, got, want)
		}
	}
	for _, path := range []string{"/api/v1/people/" + p.ID, "/api/v1/people?limit=500", "/api/v1/people/" + f.ID} {
		r := gm.Raw("GET", path, "", nil)
		body := string(r.Body)
		if r.Status != 200 || strings.Contains(body, `"birth_date"`) || strings.Contains(body, "1983-05-17") || strings.Contains(body, "19830517") ||
			strings.Contains(body, "1990-02-03") || strings.Contains(body, idNo[14:]) {
			t.Errorf("GET %s: %d shows a birth date or the ID's last digits: %.300s", path, r.Status, body)
		}
	}
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &p)
	if p.IDMasked != idNo[:6]+"************" {
		t.Errorf("mask %q", p.IDMasked)
	}
	wantAge("with an ID number", p.Age, "1983-05-17")
	gm.Do("GET", "/api/v1/people/"+f.ID, nil, &f)
	wantAge("typed in", f.Age, "1990-02-03")

	// An edit from the page (which never had the date) keeps it; naming it
	// in clear empties it.
	edit := map[string]any{"name": "年龄乙", "kind": "foreign", "sex": "male", "grid_code": grid, "note": "改备注", "version": f.Version}
	if st := gm.Do("PUT", "/api/v1/people/"+f.ID, edit, &f); st != 200 {
		t.Fatalf("edit: %d %+v", st, gm.Fail("PUT", "/api/v1/people/"+f.ID, edit))
	}
	wantAge("after an edit without the date", f.Age, "1990-02-03")

	// The reveal shows the date, and masks a number typed into the reason.
	var shown struct {
		BirthDate *string `json:"birth_date"`
	}
	reveal := map[string]any{"fields": []string{"birth_date"}, "reason": "核对 " + idNo + " 的出生日期"}
	if st := gm.Do("POST", "/api/v1/people/"+p.ID+"/reveal", reveal, &shown); st != 200 || shown.BirthDate == nil || *shown.BirthDate != "1983-05-17" {
		t.Fatalf("reveal birth_date: %d %+v", st, shown)
	}
	var detail string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'registry.person_reveal' AND object_id = ?", p.ID).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(detail, idNo[6:]) || !strings.Contains(detail, "birth_date: 核对 "+idNo[:6]+"************") {
		t.Errorf("audit detail %q", detail)
	}

	edit = map[string]any{"name": "年龄乙", "kind": "foreign", "sex": "male", "grid_code": grid, "clear": []string{"birth_date"}, "version": f.Version}
	if st := gm.Do("PUT", "/api/v1/people/"+f.ID, edit, &f); st != 200 || f.Age != nil {
		t.Errorf("clear birth_date: %d age %v", st, f.Age)
	}
}

// TestOldIDMasksAreRewritten: migration 0011 turns the stored masks of the
// first 6 + last 4 form, and the campaign items that copied them, into the
// region-only form.
func TestOldIDMasksAreRewritten(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1975, 8, 1, 0, 0, 0, 0, time.UTC), 33, true)
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("旧掩码", idNo, grid, nil), &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	old := idNo[:6] + "********" + idNo[14:]
	exec := func(q string, args ...any) {
		t.Helper()
		if err := a.DB.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var user, org, gridID string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT u.id, p.org_id, p.grid_id FROM users u, people p WHERE u.username = ? AND p.id = ?",
		a.Account("grid_member").Username, p.ID).Scan(&user, &org, &gridID); err != nil {
		t.Fatal(err)
	}
	exec("UPDATE people SET id_masked = ? WHERE id = ?", old, p.ID)
	exec("INSERT INTO campaigns (id, name, kind, org_id, path, due_date, created_by, created_at) VALUES ('c-old', '旧核查', 'people', ?, '/', '2026-12-31', ?, 0)", org, user)
	exec("INSERT INTO campaign_items (id, campaign_id, grid_id, path, record_id, label) VALUES ('i-old', 'c-old', ?, '/', ?, ?)", gridID, p.ID, "旧掩码 "+old)
	exec("DELETE FROM schema_migrations WHERE version = '0011_id_mask_region_only'")
	if err := a.DB.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var mask, label string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT p.id_masked, i.label FROM people p, campaign_items i WHERE p.id = ? AND i.id = 'i-old'", p.ID).Scan(&mask, &label); err != nil {
		t.Fatal(err)
	}
	if want := idNo[:6] + "************"; mask != want || label != "旧掩码 "+want {
		t.Errorf("after the migration: mask %q, label %q", mask, label)
	}
	var again person
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &again)
	if b, _ := json.Marshal(again); strings.Contains(string(b), idNo[14:]) {
		t.Errorf("the page still shows the last digits: %s", b)
	}
}
