package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Exact look-ups need personal.lookup, leave an audit row naming the kind of
// value and the number of matches (never the value), and stop at the 21st in
// ten minutes with 429 registry.lookup_limited and an audited refusal.
func TestLookupPermissionAuditAndLimit(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1971, 4, 5, 0, 0, 0, 0, time.UTC), 17, true)
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("查找对象", idNo, grid, map[string]any{"phone": "13902765555"}), &p); st != 201 {
		t.Fatalf("create: %d", st)
	}

	// A leader reads the registers (masked) but may not look up exact values.
	if pr := a.Login("leader").Fail("POST", "/api/v1/people/lookup", map[string]string{"id_number": idNo}); pr.Status != 403 {
		t.Errorf("leader lookup: %+v", pr)
	}

	for i := range registry.LookupShortMax {
		body := map[string]string{"id_number": idNo}
		if i%2 == 1 {
			body = map[string]string{"phone": "13902765555"}
		}
		var found page[person]
		if st := gm.Do("POST", "/api/v1/people/lookup", body, &found); st != 200 || len(found.Items) != 1 || found.Items[0].ID != p.ID {
			t.Fatalf("lookup %d: %d %+v", i+1, st, found)
		}
	}
	pr := gm.Fail("POST", "/api/v1/people/lookup", map[string]string{"id_number": idNo})
	if pr.Status != 429 || pr.Code != "registry.lookup_limited" || !strings.Contains(pr.Detail, "try again after") {
		t.Errorf("21st lookup: %+v", pr)
	}

	rows, err := a.DB.Reader().QueryContext(context.Background(),
		"SELECT object_id, result, detail FROM audit_log WHERE action = 'registry.lookup' AND username = ? ORDER BY seq", a.Account("grid_member").Username)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var results []string
	for rows.Next() {
		var obj, result, detail string
		if err := rows.Scan(&obj, &result, &detail); err != nil {
			t.Fatal(err)
		}
		results = append(results, result)
		if strings.Contains(detail, idNo) || strings.Contains(detail, "5555") || strings.Contains(detail, idNo[6:14]) {
			t.Errorf("audit detail shows the value: %q", detail)
		}
		if result == "success" && (obj != p.ID || (detail != "id_number matched 1" && detail != "phone matched 1")) {
			t.Errorf("audit row: %q %q", obj, detail)
		}
	}
	if len(results) != registry.LookupShortMax+1 || results[len(results)-1] != "denied" {
		t.Errorf("audit results: %v", results)
	}

	// Another user's count is their own.
	var found page[person]
	if st := a.Login("police").Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": idNo}, &found); st != 200 || len(found.Items) != 1 {
		t.Errorf("police lookup: %d %+v", st, found)
	}
}

// neighbourGrid is a 综治 grid of a village other than the grid member's,
// in the same town, and that town's id.
func neighbourGrid(t *testing.T, a *testapp.App) (grid, townID string) {
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT g.code, t.id FROM grids g JOIN org_nodes v ON v.id = g.org_id JOIN org_nodes t ON t.id = v.parent_id
		WHERE g.layer = 'zz' AND g.status = 'active' AND v.parent_id = (SELECT m.parent_id FROM org_nodes m JOIN users u ON u.org_id = m.id WHERE u.username = ?)
		AND v.id <> (SELECT org_id FROM users WHERE username = ?) ORDER BY g.code LIMIT 1`,
		a.Account("grid_member").Username, a.Account("grid_member").Username).Scan(&grid, &townID)
	if err != nil {
		t.Fatal(err)
	}
	return grid, townID
}

// shape is a create answer without what differs between any two people
// (ids, names, ID-derived values, times), for comparing two answers.
func shape(t *testing.T, body []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	for _, k := range []string{"id", "name", "id_number_masked", "sex", "age", "created_at", "updated_at", "moved_in_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("answer lacks %s: %s", k, body)
		}
		delete(m, k)
	}
	return m
}

type review struct {
	ID       string  `json:"id"`
	Status   string  `json:"status"`
	OrgID    string  `json:"org_id"`
	Person   *person `json:"person"`
	Existing *person `json:"existing"`
}

// A village grid member registering the ID number of a person held in
// another village gets the same answer as for a new person; a duplicate
// review lands with the town, whose keepers transfer the registered person
// into the new village or reject the new copy. Within the caller's area the
// duplicate is still refused with registry.id_taken.
func TestDuplicateOutsideScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, ca := a.Login("grid_member"), a.Login("civil_affairs")
	grid := gridCode(t, a)
	otherGrid, townID := neighbourGrid(t, a)
	birth := time.Date(1966, 7, 8, 0, 0, 0, 0, time.UTC)
	known := []string{pii.MakeID("441602", birth, 31, true), pii.MakeID("441602", birth, 32, false), pii.MakeID("441602", birth, 33, true)}
	var existing []person
	for i, id := range known {
		var p person
		if st := ca.Do("POST", "/api/v1/people", newPerson(fmt.Sprintf("原登记%d", i), id, otherGrid, map[string]any{"phone": "13800001111"}), &p); st != 201 {
			t.Fatalf("existing %d: %d", i, st)
		}
		existing = append(existing, p)
	}

	// The same request with a fresh ID number and with the out-of-area one.
	fresh := pii.MakeID("441602", birth, 34, true)
	create := func(name, id string) testapp.Response {
		b, _ := json.Marshal(newPerson(name, id, grid, map[string]any{"phone": "13900002222", "address": "建设路1号"}))
		return gm.Raw("POST", "/api/v1/people", "application/json", b)
	}
	rNew, rDup := create("新登记", fresh), create("重复登记", known[0])
	if rNew.Status != 201 || rDup.Status != rNew.Status {
		t.Fatalf("status: new %d %s, duplicate %d %s", rNew.Status, rNew.Body, rDup.Status, rDup.Body)
	}
	if sn, sd := shape(t, rNew.Body), shape(t, rDup.Body); fmt.Sprint(sn) != fmt.Sprint(sd) {
		t.Errorf("answers differ:\nnew       %v\nduplicate %v", sn, sd)
	}
	var pNew, pDup person
	json.Unmarshal(rNew.Body, &pNew)
	json.Unmarshal(rDup.Body, &pDup)
	// The pages, the list and a look-up tell them apart no more.
	var pageNew, pageDup map[string]any
	gm.Do("GET", "/api/v1/people/"+pNew.ID, nil, &pageNew)
	gm.Do("GET", "/api/v1/people/"+pDup.ID, nil, &pageDup)
	if fmt.Sprint(pageNew["history"] != nil, len(pageNew)) != fmt.Sprint(pageDup["history"] != nil, len(pageDup)) {
		t.Errorf("pages differ: %v / %v", pageNew, pageDup)
	}
	var list page[person]
	gm.Do("GET", "/api/v1/people?limit=500", nil, &list)
	seen := 0
	for _, p := range list.Items {
		if p.ID == pNew.ID || p.ID == pDup.ID {
			seen++
		}
		if slices.ContainsFunc(existing, func(e person) bool { return e.ID == p.ID }) {
			t.Errorf("the other village's person is in the grid member's list")
		}
	}
	if seen != 2 {
		t.Errorf("list holds %d of the two", seen)
	}
	for _, id := range []string{fresh, known[0]} {
		var found page[person]
		gm.Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": id}, &found)
		if len(found.Items) != 1 {
			t.Errorf("lookup: %+v", found)
		}
	}
	// A second registration of either is refused alike: the caller sees the first.
	for _, id := range []string{fresh, known[0]} {
		if pr := gm.Fail("POST", "/api/v1/people", newPerson("再登记", id, grid, nil)); len(pr.Errors) != 1 || pr.Errors[0].Code != "registry.id_taken" {
			t.Errorf("second registration of %s: %+v", id[:6], pr)
		}
	}
	// Within the keeper's own area the duplicate is refused as before.
	if pr := ca.Fail("POST", "/api/v1/people", newPerson("县里再登记", known[1], grid, nil)); pr.Errors[0].Code != "registry.id_taken" {
		t.Errorf("in-scope duplicate: %+v", pr)
	}

	// An edit and an import carrying out-of-area ID numbers are reviewed too.
	body := newPerson("新登记", known[1], grid, map[string]any{"version": pNew.Version})
	var edited person
	if st := gm.Do("PUT", "/api/v1/people/"+pNew.ID, body, &edited); st != 200 {
		t.Fatalf("edit to an out-of-area ID: %d %+v", st, gm.Fail("PUT", "/api/v1/people/"+pNew.ID, body))
	}
	job := importFile(t, gm, "people", "all", "人口.csv", []byte("姓名,公民身份号码,人口类型,网格编码\n导入重复,"+known[2]+",户籍人口,"+grid+"\n"))
	if job["imported"].(float64) != 1 {
		t.Fatalf("import: %v", job)
	}

	// The grid member sees no review; the town's keepers (here the county's
	// civil-affairs staff) see three, reviewed at the town.
	var mine page[review]
	if st := gm.Do("GET", "/api/v1/duplicate-reviews", nil, &mine); st != 200 || len(mine.Items) != 0 {
		t.Errorf("grid member's reviews: %d %+v", st, mine)
	}
	var reviews page[review]
	ca.Do("GET", "/api/v1/duplicate-reviews", nil, &reviews)
	if len(reviews.Items) != 3 {
		t.Fatalf("reviews: %+v", reviews)
	}
	byExisting := map[string]review{}
	for _, r := range reviews.Items {
		if r.OrgID != townID || r.Person == nil || r.Existing == nil || r.Status != "pending" {
			t.Errorf("review: %+v", r)
			continue
		}
		byExisting[r.Existing.ID] = r
	}

	// Transfer: the registered person (with their history) moves into the
	// grid member's village, the new copy is gone.
	r0 := byExisting[existing[0].ID]
	var done review
	if st := ca.Do("POST", "/api/v1/duplicate-reviews/"+r0.ID+"/resolve", map[string]string{"decision": "transfer"}, &done); st != 200 || done.Status != "transferred" || done.Person != nil {
		t.Fatalf("transfer: %d %+v", st, done)
	}
	if st := gm.Do("GET", "/api/v1/people/"+pDup.ID, nil, nil); st != 404 {
		t.Errorf("new copy after transfer: %d", st)
	}
	var moved person
	if st := gm.Do("GET", "/api/v1/people/"+existing[0].ID, nil, &moved); st != 200 || moved.GridCode != grid || moved.PhoneMasked != "139****2222" ||
		moved.History[0].Action != "transferred_in" || moved.History[len(moved.History)-1].Action != "created" {
		t.Errorf("transferred person: %d %+v", st, moved)
	}
	var rev struct{ Phone *string }
	if st := gm.Do("POST", "/api/v1/people/"+existing[0].ID+"/reveal", map[string]any{"fields": []string{"phone"}, "reason": "核对迁入信息"}, &rev); st != 200 || *rev.Phone != "13900002222" {
		t.Errorf("the newer phone opens under the registered record: %d %+v", st, rev)
	}
	if pr := ca.Fail("POST", "/api/v1/duplicate-reviews/"+r0.ID+"/resolve", map[string]string{"decision": "reject", "reason": "重复"}); pr.Code != "registry.review_decided" {
		t.Errorf("deciding twice: %+v", pr)
	}

	// Reject: the edited record is removed, the registered one stays where it was.
	r1 := byExisting[existing[1].ID]
	if pr := ca.Fail("POST", "/api/v1/duplicate-reviews/"+r1.ID+"/resolve", map[string]string{"decision": "reject"}); pr.Errors[0].Field != "reason" {
		t.Errorf("reject without a reason: %+v", pr)
	}
	if pr := gm.Fail("POST", "/api/v1/duplicate-reviews/"+r1.ID+"/resolve", map[string]string{"decision": "reject", "reason": "不是同一人"}); pr.Status != 404 {
		t.Errorf("grid member deciding: %+v", pr)
	}
	if st := ca.Do("POST", "/api/v1/duplicate-reviews/"+r1.ID+"/resolve", map[string]string{"decision": "reject", "reason": "不是同一人"}, &done); st != 200 || done.Status != "rejected" {
		t.Fatalf("reject: %d %+v", st, done)
	}
	if st := gm.Do("GET", "/api/v1/people/"+pNew.ID, nil, nil); st != 404 {
		t.Errorf("rejected copy: %d", st)
	}
	var kept person
	if ca.Do("GET", "/api/v1/people/"+existing[1].ID, nil, &kept); kept.GridCode != otherGrid {
		t.Errorf("registered person after reject: %+v", kept)
	}

	// Deleting the registered record of a pending duplicate makes the copy
	// the registered one: its ID number is then unique again.
	if st := ca.Do("DELETE", "/api/v1/people/"+existing[2].ID, nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	ca.Do("GET", "/api/v1/duplicate-reviews", nil, &reviews)
	if len(reviews.Items) != 0 {
		t.Errorf("reviews left: %+v", reviews)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM people WHERE dup_of IS NOT NULL").Scan(&n)
	if n != 0 {
		t.Errorf("%d pending duplicates left", n)
	}

	// Every decision is audited.
	for _, action := range []string{"registry.duplicate_open", "registry.duplicate_transfer", "registry.duplicate_reject", "registry.duplicate_withdraw"} {
		var c int
		a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = ?", action).Scan(&c)
		if c == 0 {
			t.Errorf("no %s audit row", action)
		}
	}
}
