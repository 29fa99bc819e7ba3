package casework_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// The demo county's organisation for disputes: the city's centre above the
// county's, and at every town a 派出所, a 司法所 and a 人民法庭 or 法官工作站,
// at every village a 人民调解委员会 and a 法官工作室, named as the county's
// offices name them; the units list of a town shows them.
func TestDemoDisputeUnits(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	q := a.DB.Reader()

	var cityName, cityLevel string
	if err := q.QueryRowContext(ctx, "SELECT name, level FROM units WHERE code = '4416-center'").Scan(&cityName, &cityLevel); err != nil {
		t.Fatalf("the city's centre: %v", err)
	}
	if cityName != "河源市综治中心" || cityLevel != "city" {
		t.Errorf("the city's centre is %s at level %s", cityName, cityLevel)
	}

	// Every town and village of the county has its units.
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	towns := count("SELECT count(*) FROM org_nodes WHERE kind = 'town' AND code LIKE '441602%'")
	villages := count("SELECT count(*) FROM org_nodes WHERE kind = 'village' AND code LIKE '441602%'")
	if towns == 0 || villages == 0 {
		t.Fatalf("%d towns, %d villages", towns, villages)
	}
	for kind, want := range map[string]int{"police_station": towns, "justice_office": towns, "tribunal": towns,
		"mediation_committee": villages, "judge_studio": villages} {
		level := "town"
		if want == villages {
			level = "village"
		}
		if n := count("SELECT count(*) FROM units u JOIN org_nodes o ON o.id = u.org_id WHERE u.kind = ? AND u.level = ? AND o.kind = ? AND u.code LIKE '441602%'",
			kind, level, level); n != want {
			t.Errorf("%d units of kind %s at the %s level, want %d", n, kind, level, want)
		}
	}

	// The units list of the first town, as the org page asks for it.
	var town struct{ ID string }
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602001'").Scan(&town.ID); err != nil {
		t.Fatal(err)
	}
	var units struct {
		Items []struct {
			Code, Name, Kind, Level string
			OrgID                   string `json:"org_id"`
		}
	}
	if st := a.Login("sys_admin").Do("GET", "/api/v1/units?org_id="+town.ID, nil, &units); st != 200 {
		t.Fatalf("units: %d", st)
	}
	own := map[string]string{}
	for _, u := range units.Items {
		if strings.EqualFold(u.OrgID, town.ID) {
			own[u.Kind] = u.Name
		}
	}
	want := map[string]string{"center": "上城街道综治中心", "police_station": "源城区公安分局上城派出所",
		"justice_office": "源城区司法局上城司法所", "tribunal": "源城区人民法院上城人民法庭"}
	for kind, name := range want {
		if own[kind] != name {
			t.Errorf("the town's %s is %q, want %q", kind, own[kind], name)
		}
	}
	var committees int
	for _, u := range units.Items {
		if u.Kind == "mediation_committee" && strings.HasSuffix(u.Name, "人民调解委员会") && u.Level == "village" {
			committees++
		}
	}
	if committees == 0 {
		t.Error("the town's units list names none of its villages' 人民调解委员会")
	}
}

// An event rises village → town → county → city, and no further; at the
// city it is dispatched to the city's centre.
func TestEscalationReachesTheCity(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	disp := a.Login("dispatcher")
	var e event
	if st := a.Login("grid_member").Do("POST", "/api/v1/events", report(a, map[string]any{"category_code": "1101", "description": "两户邻居因排水沟堵塞多次争吵"}), &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	if e.Level != "village" {
		t.Fatalf("reported at level %s", e.Level)
	}
	for _, want := range []string{"town", "county", "city"} {
		act(t, disp, &e, "escalate", map[string]any{"note": "本级调解不成，上报"})
		if e.Level != want {
			t.Fatalf("escalated to %s, want %s", e.Level, want)
		}
	}
	body := map[string]any{"action": "escalate", "version": e.Version, "note": "再上报"}
	if p := disp.Fail("POST", "/api/v1/events/"+e.ID+"/actions", body); p.Status != 409 || p.Code != "event.top_level" {
		t.Errorf("escalating above the city: %d %s", p.Status, p.Code)
	}
	var city string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM units WHERE code = '4416-center'").Scan(&city); err != nil {
		t.Fatal(err)
	}
	act(t, disp, &e, "dispatch", map[string]any{"unit_ids": []string{city}})
	if e.LeadUnitID != city || e.State != "dispatched" {
		t.Errorf("dispatched at the city: lead %s, state %s", e.LeadUnitID, e.State)
	}
}
