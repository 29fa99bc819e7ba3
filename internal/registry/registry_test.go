package registry_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

func TestPeopleRegister(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1968, 3, 9, 0, 0, 0, 0, time.UTC), 12, true)

	var hh struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/households", map[string]any{"no": "H0001", "address": "建设大道56号3栋", "situation": "三口之家", "grid_code": grid}, &hh); st != 201 {
		t.Fatalf("household: %d %+v", st, gm.Fail("POST", "/api/v1/households", map[string]any{"no": "H0001", "grid_code": grid}))
	}

	var p person
	body := newPerson("李建国", idNo, grid, map[string]any{"phone": "13902761234", "address": "新风社区建设大道56号3栋",
		"address_detail": "广东省河源市源城区新江街道新风社区建设大道56号3栋1502房", "household_id": hh.ID, "relation": "head"})
	if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
		t.Fatalf("create: %d %+v", st, gm.Fail("POST", "/api/v1/people", body))
	}
	if p.IDMasked != idNo[:6]+"************" || p.PhoneMasked != "139****1234" || strings.Contains(p.AddrMasked, "1502") {
		t.Errorf("masking: %q %q %q", p.IDMasked, p.PhoneMasked, p.AddrMasked)
	}
	if age, _ := pii.Age("1968-03-09", time.Now().In(time.FixedZone("CST", 8*3600))); p.Sex != "male" || p.Age == nil || *p.Age != age || p.GridCode != grid {
		t.Errorf("derived: %+v", p)
	}

	// One person per ID; a wrong check digit names the field.
	dup := gm.Fail("POST", "/api/v1/people", newPerson("李建国二", idNo, grid, nil))
	if dup.Errors[0].Field != "id_number" || dup.Errors[0].Code != "registry.id_taken" {
		t.Errorf("duplicate: %+v", dup)
	}
	bad := idNo[:17] + map[bool]string{true: "0", false: "1"}[idNo[17] != '0']
	if pr := gm.Fail("POST", "/api/v1/people", newPerson("王五", bad, grid, nil)); pr.Errors[0].Field != "id_number" || pr.Errors[0].Code != "id.check_digit" {
		t.Errorf("check digit: %+v", pr)
	}
	if pr := gm.Fail("POST", "/api/v1/people", newPerson("王五", "", "999999999999999", nil)); len(pr.Errors) < 2 {
		t.Errorf("want id_number and grid problems, got %+v", pr)
	}

	// Exact lookup by ID through the blind index, in a body.
	var found page[person]
	gm.Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": strings.ToLower(idNo)}, &found)
	if len(found.Items) != 1 || found.Items[0].ID != p.ID {
		t.Errorf("lookup: %+v", found)
	}

	// Reveal needs a reason and is audited without the value.
	if pr := gm.Fail("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": ""}); pr.Errors[0].Field != "reason" {
		t.Errorf("reveal without reason: %+v", pr)
	}
	var rev struct {
		IDNumber *string `json:"id_number"`
		Phone    *string `json:"phone"`
	}
	if st := gm.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number", "phone"}, "reason": "办理低保核查"}, &rev); st != 200 ||
		rev.IDNumber == nil || *rev.IDNumber != idNo || *rev.Phone != "13902761234" {
		t.Fatalf("reveal: %d %+v", st, rev)
	}
	var detail string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'registry.person_reveal' AND object_id = ?", p.ID).Scan(&detail); err != nil ||
		!strings.Contains(detail, "办理低保核查") || strings.Contains(detail, idNo) {
		t.Errorf("reveal audit: %q %v", detail, err)
	}
	// A leader may read the register but not reveal.
	leader := a.Login("leader")
	if st := leader.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": "查看一下"}, nil); st != 403 {
		t.Errorf("leader reveal: %d", st)
	}
	// A resident may not list people at all.
	if st := a.Login("resident").Do("GET", "/api/v1/people", nil, nil); st != 403 {
		t.Errorf("resident list: %d", st)
	}

	// The person's page: household members, history; an audited read.
	spouse := newPerson("陈秀英", pii.MakeID("441602", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC), 24, false), grid,
		map[string]any{"household_id": hh.ID, "relation": "spouse"})
	var sp person
	if st := gm.Do("POST", "/api/v1/people", spouse, &sp); st != 201 || sp.Sex != "female" {
		t.Fatalf("spouse: %d %+v", st, sp)
	}
	var page1 person
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &page1)
	if len(page1.Members) != 1 || page1.Members[0].Name != "陈秀英" || len(page1.History) != 1 || page1.History[0].Action != "created" {
		t.Errorf("page: %+v", page1)
	}

	// Optimistic versions: a stale edit loses.
	body["name"], body["version"] = "李建国", p.Version
	body["phone"] = "13902769999"
	var upd person
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, body, &upd); st != 200 || upd.Version != p.Version+1 || upd.PhoneMasked != "139****9999" {
		t.Fatalf("update: %d %+v", st, upd)
	}
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, body, nil); st != 409 {
		t.Errorf("stale update: %d", st)
	}
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &page1)
	if page1.History[0].Action != "changed" || strings.Join(page1.History[0].Fields, ",") != "phone" {
		t.Errorf("history: %+v", page1.History)
	}

	// Move out and back.
	var moved person
	gm.Do("POST", "/api/v1/people/"+sp.ID+"/status", map[string]any{"status": "moved_out", "version": sp.Version}, &moved)
	if moved.Status != "moved_out" {
		t.Errorf("move out: %+v", moved)
	}

	// Chinese search: a partial word of a name, scoped.
	var hits page[struct{ Type, ID, Title string }]
	gm.Do("POST", "/api/v1/registry/search", map[string]string{"q": "建国"}, &hits)
	if len(hits.Items) != 1 || hits.Items[0].ID != p.ID {
		t.Errorf("search 建国: %+v", hits)
	}
	gm.Do("POST", "/api/v1/registry/search", map[string]string{"q": "建设大道"}, &hits)
	types := map[string]bool{}
	for _, h := range hits.Items {
		types[h.Type] = true
	}
	if !types["person"] || !types["household"] {
		t.Errorf("search 建设大道: %+v", hits)
	}

	// Delete: gone for good, sealed values included.
	if st := gm.Do("DELETE", "/api/v1/people/"+sp.ID, nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st := gm.Do("GET", "/api/v1/people/"+sp.ID, nil, nil); st != 404 {
		t.Errorf("deleted person: %d", st)
	}
}

// TestPlantedIDNeverStored plants an ID number and a phone and looks for
// them in every file of the data dir (database, WAL, backup) and in the
// server's log.
func TestPlantedIDNeverStored(t *testing.T) {
	a := testapp.New(t)
	if a.DB.Path() == "" {
		t.Skip("file check needs SQLite")
	}
	var logs bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1977, 11, 23, 0, 0, 0, 0, time.UTC), 57, true)
	phone := "13712345678"
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("孙悟", idNo, grid, map[string]any{"phone": phone, "address_detail": "建设大道88号2栋0707房"}), &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	gm.Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": idNo}, nil)
	gm.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": "入户核查身份"}, nil)
	gm.Do("POST", "/api/v1/people", newPerson("孙悟", idNo, grid, nil), nil) // a refused duplicate
	backup := filepath.Join(a.Cfg.DataDir, "backup.db")
	if err := a.DB.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for _, planted := range []string{idNo, phone, "0707房"} {
		if strings.Contains(logs.String(), planted) {
			t.Errorf("log holds %q", planted)
		}
		filepath.Walk(a.Cfg.DataDir, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte(planted)) {
				t.Errorf("%s holds %q", filepath.Base(path), planted)
			}
			return nil
		})
	}
}
