package dispute_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

type mediatorRow struct {
	ID          string   `json:"id"`
	OrgID       string   `json:"org_id"`
	OrgName     string   `json:"org_name"`
	Kind        string   `json:"kind"`
	Duty        string   `json:"duty"`
	Name        string   `json:"name"`
	PhoneMasked string   `json:"phone_masked"`
	Specialties []string `json:"specialties"`
	HasAccount  bool     `json:"has_account"`
	Active      bool     `json:"active"`
	Version     int      `json:"version"`
}

func listMediators(t *testing.T, c *testapp.Client, query string) []mediatorRow {
	t.Helper()
	var out struct{ Items []mediatorRow }
	if st := c.Do("GET", "/api/v1/mediators"+query, nil, &out); st != 200 {
		t.Fatalf("mediators%s: %d", query, st)
	}
	return out.Items
}

func mediatorFields(p testapp.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

// A village's 调解力量 is read within its area: the village mediator sees
// the committee it chairs and the village's 法律明白人, the town's mediator
// the town's full-time mediators and all its villages, and neither sees
// another area's; phones are masked in every list.
func TestMediatorsByArea(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	own := listMediators(t, a.LoginAs("vmediator"), "")
	kinds := map[string]int{}
	var chair mediatorRow
	for _, m := range own {
		kinds[m.Kind]++
		if m.Duty == "chair" {
			chair = m
		}
		if !strings.Contains(m.PhoneMasked, "****") {
			t.Errorf("%s's phone is not masked: %q", m.Name, m.PhoneMasked)
		}
	}
	if kinds["committee"] < 4 || kinds["legal_helper"] < 2 || kinds["full_time"] != 0 || len(own) != kinds["committee"]+kinds["legal_helper"] {
		t.Fatalf("the village's mediators by kind: %v", kinds)
	}
	if chair.Name != "黄桂兰" || !chair.HasAccount || own[0].ID != chair.ID {
		t.Errorf("the committee's chair comes first and is the demo account: %+v", own[0])
	}
	town := listMediators(t, a.LoginAs("townmediator"), "")
	full := 0
	villages := map[string]bool{}
	for _, m := range town {
		if m.Kind == "full_time" {
			full++
		} else {
			villages[m.OrgID] = true
		}
	}
	if full != 2 || len(villages) < 2 || !villages[chair.OrgID] {
		t.Errorf("the town's mediators: %d full-time, %d villages", full, len(villages))
	}
	// Another village of the town answers as an area that does not exist.
	unknown := a.LoginAs("vmediator").Fail("GET", "/api/v1/mediators?org_id=no-such-area", nil)
	for id := range villages {
		if id != chair.OrgID {
			if p := a.LoginAs("vmediator").Fail("GET", "/api/v1/mediators?org_id="+id, nil); p.Status != unknown.Status || p.Code != unknown.Code ||
				len(p.Errors) != 1 || p.Errors[0].Field != "org_id" {
				t.Errorf("another village's mediators: %+v, an unknown area: %+v", p, unknown)
			}
			break
		}
	}
	// A grid member holds no dispute.read.
	if st := a.LoginAs("gridmember").Do("GET", "/api/v1/mediators", nil, nil); st != 403 {
		t.Errorf("grid member: %d, want 403", st)
	}
}

// Adding a 法律明白人 checks every field by name and writes nothing when one
// is wrong; the phone is sealed at rest; a change needs the version read,
// and one who leaves drops out of the list but stays on record.
func TestMediatorAddChangeLeave(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.LoginAs("vmediator")
	village := listMediators(t, c, "")[0].OrgID
	before := len(listMediators(t, c, "?all=true"))

	p := c.Fail("POST", "/api/v1/mediators", map[string]any{"org_id": village, "kind": "committee", "name": " ",
		"phone": "12345", "specialties": []string{"gossip"}, "since": "2024-13-01"})
	if got := mediatorFields(p); !slices.Equal(got, []string{"duty", "name", "phone", "since", "specialties"}) {
		t.Fatalf("problems: %v (%+v)", got, p)
	}
	p = c.Fail("POST", "/api/v1/mediators", map[string]any{"org_id": village, "kind": "legal_helper", "duty": "chair", "name": "刘明"})
	if got := mediatorFields(p); !slices.Equal(got, []string{"duty"}) {
		t.Fatalf("a 法律明白人 holds no committee office: %v", got)
	}
	if n := len(listMediators(t, c, "?all=true")); n != before {
		t.Fatalf("a refused form wrote a mediator: %d → %d", before, n)
	}

	var m mediatorRow
	if st := c.Do("POST", "/api/v1/mediators", map[string]any{"org_id": village, "kind": "legal_helper", "name": "刘明",
		"phone": "139 2765 4321", "specialties": []string{"land_forest", "neighbour"}, "since": "2025-03-15"}, &m); st != 201 {
		t.Fatalf("add: %d", st)
	}
	if m.PhoneMasked != "139****4321" || !slices.Equal(m.Specialties, []string{"land_forest", "neighbour"}) || !m.Active {
		t.Fatalf("added: %+v", m)
	}
	var clear int
	if err := a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM mediators WHERE phone_sealed LIKE '%13927654321%'").Scan(&clear); err != nil || clear != 0 {
		t.Errorf("the phone is stored in clear (%v)", err)
	}

	change := map[string]any{"kind": "legal_helper", "name": "刘明", "specialties": []string{"land_forest"}, "version": m.Version}
	var changed mediatorRow
	if st := c.Do("PUT", "/api/v1/mediators/"+m.ID, change, &changed); st != 200 || changed.PhoneMasked != m.PhoneMasked || len(changed.Specialties) != 1 {
		t.Fatalf("change: %d %+v", st, changed)
	}
	if st := c.Do("PUT", "/api/v1/mediators/"+m.ID, change, nil); st != 409 {
		t.Errorf("a stale version: %d, want 409", st)
	}
	change["active"], change["version"] = false, changed.Version
	if st := c.Do("PUT", "/api/v1/mediators/"+m.ID, change, nil); st != 200 {
		t.Fatalf("leave: %d", st)
	}
	for _, x := range listMediators(t, c, "") {
		if x.ID == m.ID {
			t.Error("one who left is still listed")
		}
	}
	if n := len(listMediators(t, c, "?all=true")); n != before+1 {
		t.Errorf("with those who left: %d, want %d", n, before+1)
	}
	// Another village's mediator is not found for the village mediator.
	for _, x := range listMediators(t, a.LoginAs("townmediator"), "") {
		if x.OrgID != village {
			other := map[string]any{"kind": x.Kind, "duty": x.Duty, "name": "改名", "version": x.Version}
			if st := c.Do("PUT", "/api/v1/mediators/"+x.ID, other, nil); st != 404 {
				t.Errorf("another village's mediator changed: %d, want 404", st)
			}
			if st := c.Do("POST", "/api/v1/mediators/"+x.ID+"/reveal", map[string]string{"reason": "联系调解员出席"}, nil); st != 403 && st != 404 {
				t.Errorf("another village's mediator's phone: %d", st)
			}
			break
		}
	}
}

// A mediator's full phone is shown only to personal.reveal over the area,
// for a reason, and the audit row keeps the reason and never the number.
func TestMediatorPhoneReveal(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	m := listMediators(t, a.LoginAs("vmediator"), "")[0]
	if st := a.LoginAs("vmediator").Do("POST", "/api/v1/mediators/"+m.ID+"/reveal", map[string]string{"reason": "联系调解员出席调解会"}, nil); st != 403 {
		t.Errorf("without personal.reveal: %d, want 403", st)
	}
	chief := a.LoginAs("sfschief")
	if p := chief.Fail("POST", "/api/v1/mediators/"+m.ID+"/reveal", map[string]string{"reason": "联"}); len(p.Errors) != 1 || p.Errors[0].Field != "reason" {
		t.Errorf("a reason too short: %+v", p)
	}
	var r struct{ Phone string }
	if st := chief.Do("POST", "/api/v1/mediators/"+m.ID+"/reveal", map[string]string{"reason": "联系调解员出席调解会"}, &r); st != 200 ||
		len(r.Phone) != 11 || r.Phone[:3] != m.PhoneMasked[:3] || r.Phone[7:] != m.PhoneMasked[7:] {
		t.Fatalf("reveal: %d %q (mask %q)", st, r.Phone, m.PhoneMasked)
	}
	var detail string
	if err := a.DB.Reader().QueryRowContext(t.Context(), "SELECT detail FROM audit_log WHERE action = 'mediator.reveal' AND object_id = ?", m.ID).Scan(&detail); err != nil ||
		!strings.Contains(detail, "联系调解员出席调解会") || strings.Contains(detail, r.Phone) {
		t.Errorf("audit row: %q (%v)", detail, err)
	}
}
