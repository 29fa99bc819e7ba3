package registry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// An edit that leaves out the sealed values (lists and pages show them only
// masked) keeps them; a new value replaces one; "clear" empties one.
func TestUpdateKeepsSealedValues(t *testing.T) {
	a := testapp.New(t)
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1972, 4, 5, 0, 0, 0, 0, time.UTC), 71, true)
	var p person
	body := newPerson("周建华", idNo, grid, map[string]any{"phone": "13902761111", "address_detail": "建设大道9号2栋0801房"})
	if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	reveal := func() map[string]string {
		var r map[string]string
		gm.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number", "phone", "address_detail"}, "reason": "核对修改结果"}, &r)
		return r
	}

	// Only the name sent (and empty sealed fields, as a form sends them).
	var upd person
	edit := map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "id_number": "", "phone": "", "version": p.Version}
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, edit, &upd); st != 200 {
		t.Fatalf("update: %d %+v", st, gm.Fail("PUT", "/api/v1/people/"+p.ID, edit))
	}
	if upd.IDMasked != p.IDMasked || upd.PhoneMasked != p.PhoneMasked || upd.AddrMasked != p.AddrMasked || upd.Name != "周建国" {
		t.Errorf("sealed values lost: before %+v after %+v", p, upd)
	}
	if r := reveal(); r["id_number"] != idNo || r["phone"] != "13902761111" || r["address_detail"] != "建设大道9号2栋0801房" {
		t.Errorf("stored values after the edit: %v", r)
	}
	var page1 person
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &page1)
	if strings.Join(page1.History[0].Fields, ",") != "name" {
		t.Errorf("history names %v, want only name", page1.History[0].Fields)
	}

	// A new phone replaces the old; clearing the address empties it.
	edit = map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "phone": "13902762222", "clear": []string{"address_detail"}, "version": upd.Version}
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, edit, &upd); st != 200 || upd.PhoneMasked != "139****2222" || upd.AddrMasked != "" || upd.IDMasked != p.IDMasked {
		t.Fatalf("replace and clear: %d %+v", st, upd)
	}
	if r := reveal(); r["phone"] != "13902762222" || r["address_detail"] != "" || r["id_number"] != idNo {
		t.Errorf("stored values after replace and clear: %v", r)
	}
	// A value and a clear of the same field, an unknown field, and clearing
	// the ID number of a registered resident are refused.
	edit = map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "phone": "13902763333", "clear": []string{"phone", "name"}, "version": upd.Version}
	pr := gm.Fail("PUT", "/api/v1/people/"+p.ID, edit)
	codes := map[string]string{}
	for _, e := range pr.Errors {
		codes[e.Field] = e.Code
	}
	if codes["phone"] != "registry.clear_conflict" || codes["clear"] != "registry.code_unknown" {
		t.Errorf("clear with a value: %+v", pr)
	}
	edit = map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "clear": []string{"id_number"}, "version": upd.Version}
	if pr := gm.Fail("PUT", "/api/v1/people/"+p.ID, edit); pr.Errors[0].Field != "id_number" || pr.Errors[0].Code != "registry.id_required" {
		t.Errorf("clearing a required ID: %+v", pr)
	}

	// Houses: the room and the owner's phone stay when left out.
	type house struct {
		ID               string `json:"id"`
		RoomMasked       string `json:"room_masked"`
		OwnerPhoneMasked string `json:"owner_phone_masked"`
		Purpose          string `json:"purpose"`
		Version          int    `json:"version"`
		History          []struct {
			Fields []string `json:"fields"`
		} `json:"history"`
	}
	var h, h2 house
	hb := map[string]any{"address": "建设大道9号", "room": "0801", "purpose": "self_use", "owner_name": "周建华", "owner_phone": "13902761111", "grid_code": grid}
	if st := gm.Do("POST", "/api/v1/houses", hb, &h); st != 201 {
		t.Fatalf("house: %d", st)
	}
	hb = map[string]any{"address": "建设大道9号", "purpose": "rental", "owner_name": "周建华", "grid_code": grid, "version": h.Version}
	if st := gm.Do("PUT", "/api/v1/houses/"+h.ID, hb, &h2); st != 200 || h2.RoomMasked != h.RoomMasked || h2.OwnerPhoneMasked != h.OwnerPhoneMasked || h2.Purpose != "rental" {
		t.Fatalf("house update: %d before %+v after %+v", st, h, h2)
	}
	gm.Do("GET", "/api/v1/houses/"+h.ID, nil, &h2)
	if strings.Join(h2.History[0].Fields, ",") != "purpose" {
		t.Errorf("house history names %v, want only purpose", h2.History[0].Fields)
	}
	hb = map[string]any{"address": "建设大道9号", "purpose": "rental", "owner_name": "周建华", "owner_phone": "13902764444", "clear": []string{"room"}, "grid_code": grid, "version": h2.Version}
	if st := gm.Do("PUT", "/api/v1/houses/"+h.ID, hb, &h2); st != 200 || h2.RoomMasked != "" || h2.OwnerPhoneMasked != "139****4444" {
		t.Errorf("house replace and clear: %d %+v", st, h2)
	}

	// Units: the phone stays when left out.
	type unit struct {
		ID          string `json:"id"`
		PhoneMasked string `json:"phone_masked"`
		Version     int    `json:"version"`
	}
	var u, u2 unit
	ub := map[string]any{"name": "建华便利店", "kind": "shop", "phone": "13902765555", "grid_code": grid}
	if st := gm.Do("POST", "/api/v1/register-units", ub, &u); st != 201 {
		t.Fatalf("unit: %d", st)
	}
	ub = map[string]any{"name": "建华超市", "kind": "shop", "grid_code": grid, "version": u.Version}
	if st := gm.Do("PUT", "/api/v1/register-units/"+u.ID, ub, &u2); st != 200 || u2.PhoneMasked != "139****5555" {
		t.Errorf("unit update: %d %+v", st, u2)
	}
}

// A status change carries the version read: a stale page cannot undo a
// death, and a deceased person does not move back in.
func TestStatusNeedsVersion(t *testing.T) {
	a := testapp.New(t)
	gm := a.Login("grid_member")
	id := addPeople(t, a, 1)[0]
	status := func(s string, version int) (int, string) {
		var p person
		body := map[string]any{"status": s, "version": version}
		st := gm.Do("POST", "/api/v1/people/"+id+"/status", body, &p)
		if st >= 400 {
			return st, gm.Fail("POST", "/api/v1/people/"+id+"/status", body).Code
		}
		return st, p.Status
	}
	if st, code := status("moved_out", 0); st != 409 || code != "registry.stale" {
		t.Errorf("without a version: %d %s", st, code)
	}
	if st, s := status("moved_out", 1); st != 200 || s != "moved_out" {
		t.Fatalf("move out: %d %s", st, s)
	}
	if st, s := status("deceased", 2); st != 200 || s != "deceased" {
		t.Fatalf("death: %d %s", st, s)
	}
	// A page read before the death tries to move the person back in.
	if st, code := status("active", 2); st != 409 || code != "registry.stale" {
		t.Errorf("stale move back: %d %s", st, code)
	}
	for _, s := range []string{"active", "moved_out"} {
		if st, code := status(s, 3); st != 409 || code != "registry.person_deceased" {
			t.Errorf("%s after death: %d %s", s, st, code)
		}
	}
}

// The visit-light filter is applied by the database, before the page
// limit: pages are full, the cursor walks every match, and an export
// filtered by light has every row, also beyond the export's first 500.
// The visit tasks (due order) page by due time.
func TestKeyPersonLightPaging(t *testing.T) {
	a := testapp.New(t)
	ctx := context.Background()
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	const people = 90
	csv := "姓名,公民身份号码,人口类型,网格编码\n"
	for i := range people {
		csv += fmt.Sprintf("测试%d,%s,户籍人口,%s\n", i, pii.MakeID("441602", time.Date(1982, 2, 3, 0, 0, 0, 0, time.UTC), 100+i, i%2 == 0), grid)
	}
	if job := importFile(t, gm, "people", "all", "人口.csv", []byte(csv)); job["imported"].(float64) != people {
		t.Fatalf("import: %v", job)
	}
	var ids []string
	rows, err := a.DB.Reader().QueryContext(ctx, "SELECT id FROM people WHERE name LIKE '测试%' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	// One record per category the grid member may keep, through the API
	// (green: the first visit is weeks away);
	// the same categories for the other people written directly (fast),
	// with chosen due times: 5 overdue, the last 10 due within hours, the
	// rest weeks away.
	var templates []string
	for _, c := range []string{"community_correction", "mental_disorder", "drug_user", "key_petitioner", "released_prisoner", "key_youth"} {
		var k keyPerson
		if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[0], "category": c, "risk_level": "green"}, &k); st != 201 {
			t.Fatalf("key person %s: %d", c, st)
		}
		templates = append(templates, k.ID)
	}
	now := time.Now().UnixMilli()
	hour := int64(time.Hour / time.Millisecond)
	total := len(templates) * len(ids)
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		n := len(templates)
		for _, pid := range ids[1:] {
			for _, tmpl := range templates {
				due := now + 60*24*hour
				switch {
				case n >= total-10: // the later written, the sooner due: due order is not id order
					due = now + 2*hour + int64(total-n)*60000
				case n%100 == 50:
					due = now - 24*hour
				}
				n++
				if _, err := tx.ExecContext(ctx, `INSERT INTO key_persons (id, person_id, category_sealed, category_blind, risk_level, visit_every_days,
					next_visit_due, responsible_id, path, created_at, updated_at) SELECT ?, ?, category_sealed, category_blind, risk_level, visit_every_days,
					?, responsible_id, path, created_at, updated_at FROM key_persons WHERE id = ?`, db.NewID(), pid, due, tmpl); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	walk := func(query string) []keyPerson {
		t.Helper()
		var all []keyPerson
		cursor := ""
		for range 100 {
			var pg page[keyPerson]
			if st := gm.Do("GET", "/api/v1/key-persons?"+query+"&cursor="+cursor, nil, &pg); st != 200 {
				t.Fatalf("%s: %d", query, st)
			}
			all = append(all, pg.Items...)
			if pg.NextCursor == "" {
				return all
			}
			if len(pg.Items) == 0 {
				t.Fatalf("%s: an empty page with a cursor", query)
			}
			cursor = pg.NextCursor
		}
		t.Fatalf("%s: too many pages", query)
		return nil
	}
	count := func(items []keyPerson, light string) int {
		seen := map[string]bool{}
		for _, k := range items {
			if k.Light != light || seen[k.ID] {
				t.Errorf("%s list holds %s %s (seen %v)", light, k.Light, k.ID, seen[k.ID])
			}
			seen[k.ID] = true
		}
		return len(seen)
	}
	var first page[keyPerson]
	gm.Do("GET", "/api/v1/key-persons?light=yellow&limit=4", nil, &first)
	if len(first.Items) != 4 || first.NextCursor == "" {
		t.Errorf("first yellow page: %d items, cursor %q", len(first.Items), first.NextCursor)
	}
	if n := count(walk("light=yellow&limit=4"), "yellow"); n != 10 {
		t.Errorf("yellow: %d, want 10", n)
	}
	if n := count(walk("light=red&limit=2"), "red"); n != 5 {
		t.Errorf("red: %d, want 5", n)
	}
	if n := count(walk("light=green&limit=500"), "green"); n != total-15 {
		t.Errorf("green: %d, want %d", n, total-15)
	}
	// The visit tasks, three at a time in due order: the overdue, then
	// those due within the week.
	tasks := walk("mine=true&due_within_days=7&limit=3")
	seen := map[string]bool{}
	for i, k := range tasks {
		if seen[k.ID] || (i > 0 && k.NextVisitDue < tasks[i-1].NextVisitDue) {
			t.Errorf("task %d out of order or repeated: %+v", i, k)
		}
		seen[k.ID] = true
	}
	if len(tasks) != 15 {
		t.Errorf("visit tasks: %d, want 15", len(tasks))
	}
	if pr := gm.Fail("GET", "/api/v1/key-persons?mine=true&cursor=nonsense", nil); pr.Errors[0].Field != "cursor" {
		t.Errorf("bad cursor: %+v", pr)
	}

	var ex exportRow
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "key_persons", "light": "yellow", "format": "csv"}, &ex); st != 201 || ex.Rows != 10 {
		t.Errorf("export of the yellow ones: %d %+v", st, ex)
	}
	var sum struct {
		Red    int `json:"visits_overdue"`
		Yellow int `json:"visits_due_soon"`
	}
	gm.Do("GET", "/api/v1/registry/summary", nil, &sum)
	if sum.Red != 5 || sum.Yellow != 10 {
		t.Errorf("summary: %+v", sum)
	}
}

// The care targets list pages like the other lists.
func TestCareTargetsPage(t *testing.T) {
	a := testapp.New(t)
	gm := a.Login("grid_member")
	ids := addPeople(t, a, 3)
	for i, id := range ids {
		if st := gm.Do("POST", "/api/v1/care-targets", map[string]string{"person_id": id, "kind": []string{"elderly_alone", "disabled", "low_income"}[i]}, nil); st != 201 {
			t.Fatalf("care target %d: %d", i, st)
		}
	}
	type care struct {
		ID       string `json:"id"`
		PersonID string `json:"person_id"`
	}
	var p1, p2 page[care]
	gm.Do("GET", "/api/v1/care-targets?limit=2", nil, &p1)
	if len(p1.Items) != 2 || p1.NextCursor == "" {
		t.Fatalf("first page: %+v", p1)
	}
	gm.Do("GET", "/api/v1/care-targets?limit=2&cursor="+p1.NextCursor, nil, &p2)
	if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].PersonID != ids[2] {
		t.Errorf("second page: %+v", p2)
	}
	gm.Do("GET", "/api/v1/care-targets?kind=disabled", nil, &p2)
	if len(p2.Items) != 1 || p2.Items[0].PersonID != ids[1] {
		t.Errorf("by kind: %+v", p2)
	}
	var ex exportRow
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "care_targets"}, &ex); st != 201 || ex.Rows != 3 {
		t.Errorf("export: %d %+v", st, ex)
	}
}

// Without a named responsible member, a key person is kept by the account
// serving the person's grid whoever registers it, provided that account
// may see the category; else by the registering officer.
func TestKeyPersonResponsibleDefault(t *testing.T) {
	a := testapp.New(t)
	ids := addPeople(t, a, 2)
	userID := func(c *testapp.Client) string {
		var me struct {
			ID string `json:"id"`
		}
		c.Do("GET", "/api/v1/me", nil, &me)
		return me.ID
	}
	gm, police, health := a.Login("grid_member"), a.Login("police"), a.Login("health")
	var k keyPerson
	if st := police.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[0], "category": "drug_user", "risk_level": "yellow"}, &k); st != 201 ||
		k.ResponsibleID != userID(gm) {
		t.Errorf("registered by the police: %d %+v, want the grid member responsible", st, k)
	}
	// Grid members may not see HIV risk: the health officer keeps it.
	if st := health.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[1], "category": "hiv_risk", "risk_level": "yellow"}, &k); st != 201 ||
		k.ResponsibleID != userID(health) {
		t.Errorf("HIV risk: %d %+v, want the health officer responsible", st, k)
	}
	if pr := health.Fail("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[0], "category": "hiv_risk", "risk_level": "red", "responsible_id": userID(gm)}); pr.Errors[0].Field != "responsible_id" ||
		pr.Errors[0].Code != "registry.responsible_unfit" {
		t.Errorf("a responsible who may not see the category: %+v", pr)
	}
}
