package keyperson_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

func TestKeyPersonsSharedRecord(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("赵某", pii.MakeID("441602", time.Date(1985, 7, 1, 0, 0, 0, 0, time.UTC), 31, true), grid, nil), &p); st != 201 {
		t.Fatalf("person: %d", st)
	}
	var k keyPerson
	if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": p.ID, "category": "drug_user", "risk_level": "red"}, &k); st != 201 {
		t.Fatalf("key person: %d %+v", st, gm.Fail("POST", "/api/v1/key-persons", map[string]string{"person_id": p.ID, "category": "drug_user", "risk_level": "red"}))
	}
	if k.Category != "drug_user" || k.VisitEveryDays != 7 || k.Light != "green" || k.ResponsibleID == "" {
		t.Errorf("created: %+v", k)
	}
	// A grid member may not register a category they are not granted.
	if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": p.ID, "category": "hiv_risk", "risk_level": "red"}, nil); st != 403 {
		t.Errorf("hiv_risk by grid member: %d", st)
	}

	// The category is sealed at rest.
	var sealed string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT category_sealed FROM key_persons WHERE id = ?", k.ID).Scan(&sealed)
	if strings.Contains(sealed, "drug") {
		t.Errorf("category stored in clear: %q", sealed)
	}

	// Justice staff are not granted drug users: the record is absent from
	// their lists and from the person's page, not hidden.
	justice := a.Login("justice")
	var list page[keyPerson]
	justice.Do("GET", "/api/v1/key-persons", nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("justice sees %+v", list.Items)
	}
	if st := justice.Do("GET", "/api/v1/key-persons/"+k.ID, nil, nil); st != 404 {
		t.Errorf("justice reads key person: %d", st)
	}
	raw := justice.Raw("GET", "/api/v1/people/"+p.ID, "", nil)
	if raw.Status != 200 || bytes.Contains(raw.Body, []byte("drug_user")) || bytes.Contains(raw.Body, []byte("key_persons")) {
		t.Errorf("person page for justice: %d %s", raw.Status, raw.Body)
	}

	// Police add a follow-up to the same record; the clock restarts.
	police := a.Login("police")
	var v struct{ Agency string }
	if st := police.Do("POST", "/api/v1/key-persons/"+k.ID+"/visits", map[string]string{"method": "home", "finding": "attention", "note": "近期情绪不稳"}, &v); st != 200 || v.Agency != "police" {
		t.Fatalf("police visit: %d %+v", st, v)
	}
	var got keyPerson
	gm.Do("GET", "/api/v1/key-persons/"+k.ID, nil, &got)
	if len(got.Visits) != 1 || got.Visits[0].Agency != "police" || got.Visits[0].Note != "近期情绪不稳" || got.NextVisitDue <= k.NextVisitDue-1000 {
		t.Errorf("shared record: %+v", got)
	}

	// Eight days later the visit is overdue: red on the list and in the
	// town's summary.
	a.Registry.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	gm.Do("GET", "/api/v1/key-persons?light=red", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Light != "red" {
		t.Errorf("overdue: %+v", list.Items)
	}
	var sum struct {
		KeyPersons int `json:"key_persons"`
		VisitsRed  int `json:"visits_overdue"`
		Children   []struct {
			VisitsRed int `json:"visits_overdue"`
		} `json:"children"`
	}
	gm.Do("GET", "/api/v1/registry/summary", nil, &sum)
	if sum.KeyPersons != 1 || sum.VisitsRed != 1 {
		t.Errorf("summary: %+v", sum)
	}
	// Raising the level shortens the period from the last visit.
	var patched keyPerson
	if st := gm.Do("PATCH", "/api/v1/key-persons/"+k.ID, map[string]any{"risk_level": "green", "version": got.Version}, &patched); st != 200 ||
		patched.VisitEveryDays != 30 || patched.Light != "green" {
		t.Errorf("patch: %d %+v", st, patched)
	}
}
