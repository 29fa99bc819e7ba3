package keyperson_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The responsible-member list offers exactly the accounts the server
// accepts: active, holding keyperson read and write over the person's area
// and granted the category; the grid's own member first and marked as the
// default; display names and roles, nothing more.
func TestKeyPersonResponsibleCandidates(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ids := addPeople(t, a, 2)
	gm, police, health, justice := a.Login("grid_member"), a.Login("police"), a.Login("health"), a.Login("justice")
	gmID, policeID, healthID, justiceID := meID(gm), meID(police), meID(health), meID(justice)

	list := func(c *testapp.Client, path string) []candidate {
		t.Helper()
		var pg page[candidate]
		if st := c.Do("GET", path, nil, &pg); st != 200 {
			t.Fatalf("GET %s: %d %+v", path, st, c.Fail("GET", path, nil))
		}
		return pg.Items
	}
	idsOf := func(cs []candidate) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }

	drug := list(police, "/api/v1/key-persons/responsible-candidates?person_id="+ids[0]+"&category=drug_user")
	// the county's police officer and the town's police-station chief both serve the person's area
	if got, want := idsOf(drug), sorted(gmID, policeID, meID(a.LoginAs("pcschief")), healthID); !slices.Equal(got, want) {
		t.Fatalf("drug_user candidates %+v, want the grid member, the police and health", drug)
	}
	if c := drug[0]; c.ID != gmID || !c.ServesGrid || !c.Default || c.Role != "grid_member" || c.DisplayName == "" {
		t.Errorf("first candidate %+v, want the grid member serving the grid, the default", c)
	}
	for _, c := range drug[1:] {
		if c.ServesGrid || c.Default || c.Role == "" {
			t.Errorf("officer candidate %+v", c)
		}
	}
	// Nothing personal beyond the display name.
	raw := police.Raw("GET", "/api/v1/key-persons/responsible-candidates?person_id="+ids[0]+"&category=drug_user", "", nil)
	var items struct{ Items []map[string]any }
	json.Unmarshal(raw.Body, &items)
	for k := range items.Items[0] {
		if !slices.Contains([]string{"id", "display_name", "role", "role_name", "serves_grid", "default"}, k) {
			t.Errorf("candidate carries %q", k)
		}
	}
	// HIV risk: grid members are not granted it; health keeps it.
	if got := idsOf(list(health, "/api/v1/key-persons/responsible-candidates?person_id="+ids[0]+"&category=hiv_risk")); !slices.Equal(got, []string{healthID}) {
		t.Errorf("hiv_risk candidates %v, want only health", got)
	}
	// The caller must be able to register the category there.
	if pr := justice.Fail("GET", "/api/v1/key-persons/responsible-candidates?person_id="+ids[0]+"&category=drug_user", nil); pr.Code != "registry.category_forbidden" {
		t.Errorf("justice asking for drug_user: %+v", pr)
	}
	if pr := gm.Fail("GET", "/api/v1/key-persons/responsible-candidates?person_id="+ids[0]+"&category=nope", nil); pr.Errors[0].Field != "category" {
		t.Errorf("unknown category: %+v", pr)
	}

	// Registering with a candidate keeps it; an existing record offers the
	// same list; every candidate is accepted by PATCH, anyone else refused.
	var k keyPerson
	body := map[string]string{"person_id": ids[0], "category": "drug_user", "risk_level": "yellow", "responsible_id": healthID}
	if st := police.Do("POST", "/api/v1/key-persons", body, &k); st != 201 || k.ResponsibleID != healthID {
		t.Fatalf("register with health responsible: %d %+v", st, k)
	}
	cands := list(gm, "/api/v1/key-persons/"+k.ID+"/responsible-candidates")
	if !slices.Equal(idsOf(cands), idsOf(drug)) {
		t.Errorf("candidates of the record %+v, want %+v", cands, drug)
	}
	for _, c := range cands {
		if st := gm.Do("PATCH", "/api/v1/key-persons/"+k.ID, map[string]any{"responsible_id": c.ID, "version": k.Version}, &k); st != 200 || k.ResponsibleID != c.ID {
			t.Errorf("PATCH responsible %s: %d %+v", c.DisplayName, st, k)
		}
	}
	if pr := gm.Fail("PATCH", "/api/v1/key-persons/"+k.ID, map[string]any{"responsible_id": justiceID, "version": k.Version}); pr.Errors[0].Code != "registry.responsible_unfit" {
		t.Errorf("justice as responsible for a drug user: %+v", pr)
	}
	// An account switched off leaves the list.
	disable(t, a, policeID)
	if got := idsOf(list(gm, "/api/v1/key-persons/"+k.ID+"/responsible-candidates")); slices.Contains(got, policeID) {
		t.Errorf("a disabled account offered: %v", got)
	}
	if st := justice.Do("GET", "/api/v1/key-persons/"+k.ID+"/responsible-candidates", nil, nil); st != 404 {
		t.Errorf("justice reads the candidates of a drug user's record: %d", st)
	}
}

// A closed (解除) key person leaves the lists; re-opened, its clock starts
// afresh from now, and its responsible member must still be fit.
func TestKeyPersonReopen(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ids := addPeople(t, a, 1)
	gm, police := a.Login("grid_member"), a.Login("police")
	var k keyPerson
	body := map[string]string{"person_id": ids[0], "category": "drug_user", "risk_level": "red", "responsible_id": meID(police)}
	if st := gm.Do("POST", "/api/v1/key-persons", body, &k); st != 201 {
		t.Fatalf("register: %d", st)
	}
	patch := func(body map[string]any) (int, keyPerson) {
		var out keyPerson
		st := gm.Do("PATCH", "/api/v1/key-persons/"+k.ID, body, &out)
		return st, out
	}
	count := func() int {
		var pg page[keyPerson]
		gm.Do("GET", "/api/v1/key-persons", nil, &pg)
		return len(pg.Items)
	}
	st, closed := patch(map[string]any{"status": "closed", "version": k.Version})
	if st != 200 || count() != 0 {
		t.Fatalf("close: %d %+v, %d listed", st, closed, count())
	}
	// Forty days later: re-opened, the first visit is due a period from
	// then (red: 7 days), not long overdue.
	later := time.Now().Add(40 * 24 * time.Hour)
	a.Registry.Now = func() time.Time { return later }
	if st, _ := patch(map[string]any{"status": "active", "version": k.Version}); st != 409 {
		t.Errorf("stale re-open: %d", st)
	}
	// The police account was switched off meanwhile: the re-open names another.
	disable(t, a, meID(police))
	if pr := gm.Fail("PATCH", "/api/v1/key-persons/"+k.ID, map[string]any{"status": "active", "version": closed.Version}); len(pr.Errors) == 0 || pr.Errors[0].Code != "registry.responsible_unfit" {
		t.Fatalf("re-open with an unfit responsible: %+v", pr)
	}
	st, open := patch(map[string]any{"status": "active", "responsible_id": meID(gm), "version": closed.Version})
	want := later.UnixMilli() + 7*24*int64(time.Hour/time.Millisecond)
	if st != 200 || open.Light != "green" || open.NextVisitDue < want-60000 || open.NextVisitDue > want+60000 || open.ResponsibleID != meID(gm) {
		t.Errorf("re-open: %d %+v, want due about %d", st, open, want)
	}
	if count() != 1 {
		t.Errorf("the re-opened record is not listed")
	}
	// A person who moved out is not re-opened.
	patch(map[string]any{"status": "closed", "version": open.Version})
	var p person
	gm.Do("GET", "/api/v1/people/"+ids[0], nil, &p)
	if st := gm.Do("POST", "/api/v1/people/"+ids[0]+"/status", map[string]any{"status": "moved_out", "version": p.Version}, nil); st != 200 {
		t.Fatalf("move out: %d", st)
	}
	if pr := gm.Fail("PATCH", "/api/v1/key-persons/"+k.ID, map[string]any{"status": "active", "version": open.Version + 1}); pr.Code != "registry.person_not_active" {
		t.Errorf("re-open after moving out: %+v", pr)
	}
}

// A care target is ended (不再关爱) with a reason and leaves the default
// list; it takes no more services until re-opened.
func TestCareTargetEndAndReopen(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ids := addPeople(t, a, 2)
	gm, leader := a.Login("grid_member"), a.Login("leader")
	type care struct {
		ID        string `json:"id"`
		PersonID  string `json:"person_id"`
		Status    string `json:"status"`
		EndReason string `json:"end_reason"`
		EndNote   string `json:"end_note"`
		EndedAt   *int64 `json:"ended_at"`
		Version   int    `json:"version"`
	}
	var c, other care
	if st := gm.Do("POST", "/api/v1/care-targets", map[string]string{"person_id": ids[0], "kind": "elderly_alone"}, &c); st != 201 || c.Version != 1 || c.Status != "active" {
		t.Fatalf("care target: %d %+v", st, c)
	}
	gm.Do("POST", "/api/v1/care-targets", map[string]string{"person_id": ids[1], "kind": "disabled"}, &other)
	listed := func(q string) []string {
		var pg page[care]
		if st := gm.Do("GET", "/api/v1/care-targets"+q, nil, &pg); st != 200 {
			t.Fatalf("list %s: %d", q, st)
		}
		var out []string
		for _, x := range pg.Items {
			out = append(out, x.ID)
		}
		return out
	}
	status := "/api/v1/care-targets/" + c.ID + "/status"

	if pr := gm.Fail("POST", status, map[string]any{"status": "ended", "version": c.Version}); pr.Errors[0].Field != "reason" || pr.Errors[0].Code != "registry.required" {
		t.Errorf("end without a reason: %+v", pr)
	}
	if pr := gm.Fail("POST", status, map[string]any{"status": "ended", "reason": "moved_away", "version": 0}); pr.Code != "registry.stale" {
		t.Errorf("stale end: %+v", pr)
	}
	if st := leader.Do("POST", status, map[string]any{"status": "ended", "reason": "moved_away", "version": c.Version}, nil); st != 403 {
		t.Errorf("a leader ends a care target: %d", st)
	}
	var ended care
	if st := gm.Do("POST", status, map[string]any{"status": "ended", "reason": "moved_away", "note": "随子女迁居市区", "version": c.Version}, &ended); st != 200 ||
		ended.Status != "ended" || ended.EndReason != "moved_away" || ended.EndNote != "随子女迁居市区" || ended.EndedAt == nil || ended.Version != 2 {
		t.Fatalf("end: %d %+v", st, ended)
	}
	if got := listed(""); !slices.Equal(got, []string{other.ID}) {
		t.Errorf("default list %v, want only the other", got)
	}
	if got := listed("?status=ended"); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("ended list %v", got)
	}
	if pr := gm.Fail("GET", "/api/v1/care-targets?status=gone", nil); pr.Errors[0].Field != "status" {
		t.Errorf("unknown status: %+v", pr)
	}
	if pr := gm.Fail("POST", "/api/v1/care-targets/"+c.ID+"/services", map[string]string{"method": "home"}); pr.Code != "registry.care_target_ended" {
		t.Errorf("service to an ended target: %+v", pr)
	}
	var sum struct {
		CareTargets int `json:"care_targets"`
	}
	gm.Do("GET", "/api/v1/registry/summary", nil, &sum)
	if sum.CareTargets != 1 {
		t.Errorf("summary counts %d care targets, want 1", sum.CareTargets)
	}
	var ex exportRow
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "care_targets", "status": "ended"}, &ex); st != 201 || ex.Rows != 1 {
		t.Errorf("export of the ended: %d %+v", st, ex)
	}

	// Re-opened: back in the list, the reason gone, services taken again.
	var open care
	if st := gm.Do("POST", status, map[string]any{"status": "active", "version": ended.Version}, &open); st != 200 ||
		open.Status != "active" || open.EndReason != "" || open.EndNote != "" || open.EndedAt != nil || open.Version != 3 {
		t.Fatalf("re-open: %d %+v", st, open)
	}
	if got := listed(""); len(got) != 2 {
		t.Errorf("default list after re-open %v", got)
	}
	if st := gm.Do("POST", "/api/v1/care-targets/"+c.ID+"/services", map[string]string{"method": "home"}, nil); st != 200 {
		t.Errorf("service after re-open: %d", st)
	}

	// A person who died is not cared for again.
	gm.Do("POST", status, map[string]any{"status": "ended", "reason": "deceased", "version": open.Version}, nil)
	var p person
	gm.Do("GET", "/api/v1/people/"+ids[0], nil, &p)
	gm.Do("POST", "/api/v1/people/"+ids[0]+"/status", map[string]any{"status": "deceased", "version": p.Version}, nil)
	if pr := gm.Fail("POST", status, map[string]any{"status": "active", "version": open.Version + 1}); pr.Code != "registry.person_not_active" {
		t.Errorf("re-open for a deceased person: %+v", pr)
	}
}

// Recording a death closes the person's key-person records and ends their
// care; a closed record takes no more visits.
func TestDeathClosesRecords(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ids := addPeople(t, a, 1)
	gm := a.Login("grid_member")
	var k keyPerson
	if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[0], "category": "drug_user", "risk_level": "red"}, &k); st != 201 {
		t.Fatalf("register key person: %d", st)
	}
	var c struct{ ID string }
	if st := gm.Do("POST", "/api/v1/care-targets", map[string]string{"person_id": ids[0], "kind": "elderly_alone"}, &c); st != 201 {
		t.Fatalf("register care target: %d", st)
	}
	var p person
	gm.Do("GET", "/api/v1/people/"+ids[0], nil, &p)
	if st := gm.Do("POST", "/api/v1/people/"+ids[0]+"/status", map[string]any{"status": "deceased", "version": p.Version}, nil); st != 200 {
		t.Fatalf("death: %d", st)
	}
	var kp struct{ Status string }
	gm.Do("GET", "/api/v1/key-persons/"+k.ID, nil, &kp)
	var ended page[struct{ ID, Status, EndReason string }]
	gm.Do("GET", "/api/v1/care-targets?status=ended", nil, &ended)
	if kp.Status != "closed" || len(ended.Items) != 1 || ended.Items[0].ID != c.ID {
		t.Fatalf("after the death: key person %q, ended care targets %+v", kp.Status, ended.Items)
	}
	var reason string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT end_reason FROM care_targets WHERE id = ?", c.ID).Scan(&reason)
	if reason != "deceased" {
		t.Errorf("end reason %q", reason)
	}
	if pr := gm.Fail("POST", "/api/v1/key-persons/"+k.ID+"/visits", map[string]string{"method": "home", "note": "x"}); pr.Code != "registry.key_person_closed" {
		t.Errorf("visit on a closed record: %+v", pr)
	}
}

// The key-person list and its export take the person's grid as a filter.
func TestKeyPersonGridFilter(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	var other string
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT code FROM grids WHERE layer = 'zz' AND code <> ?
		AND org_id = (SELECT org_id FROM grids WHERE code = ? AND layer = 'zz') ORDER BY code LIMIT 1`, grid, grid).Scan(&other)
	if err != nil {
		t.Fatal(err)
	}
	gridIDs := map[string]string{}
	for i, code := range []string{grid, other} {
		var p person
		body := newPerson([]string{"网格甲", "网格乙"}[i], pii.MakeID("441602", time.Date(1975, 2, 3+i, 0, 0, 0, 0, time.UTC), 60+i, true), code, nil)
		if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
			t.Fatalf("person in %s: %d", code, st)
		}
		if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": p.ID, "category": "drug_user", "risk_level": "green"}, nil); st != 201 {
			t.Fatalf("key person in %s: %d", code, st)
		}
		var id string
		a.DB.Reader().QueryRowContext(context.Background(), "SELECT grid_id FROM people WHERE id = ?", p.ID).Scan(&id)
		gridIDs[code] = id
	}
	var all, one page[keyPerson]
	gm.Do("GET", "/api/v1/key-persons", nil, &all)
	gm.Do("GET", "/api/v1/key-persons?grid_id="+gridIDs[other], nil, &one)
	if len(all.Items) < 2 || len(one.Items) != 1 {
		t.Fatalf("all %d, in the other grid %d", len(all.Items), len(one.Items))
	}
	var ex struct{ ID, Status string }
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "key_persons", "format": "csv", "grid_id": gridIDs[other]}, &ex); st != 201 || ex.Status != "ready" {
		t.Fatalf("export: %d %+v", st, ex)
	}
	r := gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil)
	if !strings.Contains(string(r.Body), "网格乙") || strings.Contains(string(r.Body), "网格甲") {
		t.Errorf("export by grid:\n%s", r.Body)
	}
}
