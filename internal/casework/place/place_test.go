package place_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

type spot struct {
	GridCode string `json:"grid_code"`
	GridName string `json:"grid_name"`
	OrgName  string `json:"org_name"`
}

// gridPoints returns, for each active main-layer grid of the village with
// the code, a point the grid holds (its centre, when the centre is in it).
func gridPoints(t *testing.T, a *testapp.App, village string) map[string][2]float64 {
	t.Helper()
	rows, err := a.DB.Reader().QueryContext(t.Context(), `SELECT g.code, g.center_lat, g.center_lng FROM grids g JOIN org_nodes o ON o.id = g.org_id
		WHERE o.code = ? AND g.layer = 'zz' AND g.status = 'active' ORDER BY g.code`, village)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]float64{}
	for rows.Next() {
		var code string
		var lat, lng float64
		if err := rows.Scan(&code, &lat, &lng); err != nil {
			t.Fatal(err)
		}
		out[code] = [2]float64{lat, lng}
	}
	if len(out) == 0 {
		t.Fatalf("no grids in %s", village)
	}
	return out
}

func at(p [2]float64) string { return fmt.Sprintf("lat=%f&lng=%f", p[0], p[1]) }

// refusals flushes the refused-request counts and returns how many
// refusal rows the audit log holds.
func refusals(t *testing.T, a *testapp.App) int {
	t.Helper()
	if err := a.Audit.FlushRefusals(context.Background(), a.DB); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM audit_log WHERE action LIKE 'access.%'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A resident places a report on the map of their own area: the outlines
// of its grids (names and codes, nothing else), the grid a point falls in —
// the grid the report is then filed in — and no refusal written on the way.
// A point of another area is refused as a point in no grid is.
func TestResidentPlacesAReport(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	res := a.Login("resident")
	before := refusals(t, a)

	var area struct {
		Grids []map[string]json.RawMessage `json:"grids"`
		More  bool                         `json:"more"`
	}
	if st := res.Do("GET", "/api/v1/report/grids", nil, &area); st != 200 {
		t.Fatalf("GET /report/grids: %d", st)
	}
	own := gridPoints(t, a, "441602001003") // the resident's 下城社区
	var codes []string
	for _, g := range area.Grids {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range g {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, []string{"code", "geometry", "name", "org_name"}) {
			t.Fatalf("a grid shows %v; want only its code, name, area name and outline", keys)
		}
		var code, org string
		json.Unmarshal(g["code"], &code)
		json.Unmarshal(g["org_name"], &org)
		if org != "下城社区" {
			t.Errorf("grid %s of %s drawn for a resident of 下城社区", code, org)
		}
		codes = append(codes, code)
	}
	if len(codes) != len(own) || area.More {
		t.Fatalf("drawn %v (more %v); want the %d grids of 下城社区", codes, area.More, len(own))
	}

	// Each point of the area is said to be in the grid the report lands in.
	checked := 0
	for code, p := range own {
		var s spot
		if st := res.Do("GET", "/api/v1/report/locate?"+at(p), nil, &s); st != 200 {
			continue // a grid whose centre lies outside it (a crescent)
		}
		if s.GridCode != code || s.GridName == "" || s.OrgName != "下城社区" {
			t.Fatalf("locate %s: %+v", code, s)
		}
		if checked == 0 {
			var e struct {
				GridCode string `json:"grid_code"`
			}
			body := map[string]any{"category_code": "0101", "description": "路灯不亮，晚上很黑", "lat": p[0], "lng": p[1]}
			if st := res.Do("POST", "/api/v1/events", body, &e); st != 201 || e.GridCode != s.GridCode {
				t.Fatalf("the report at the point landed in %q (%d); the page said %s", e.GridCode, st, s.GridCode)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no grid centre located")
	}

	// Another village's grid and the open sea answer alike: no grid of yours.
	var village string
	if err := a.DB.Reader().QueryRowContext(t.Context(), `SELECT o.code FROM grids g JOIN org_nodes o ON o.id = g.org_id
		WHERE g.layer = 'zz' AND o.code <> '441602001003' ORDER BY o.code LIMIT 1`).Scan(&village); err != nil {
		t.Fatal(err)
	}
	var other [2]float64
	for _, p := range gridPoints(t, a, village) {
		other = p
		break
	}
	for _, ask := range []string{"/api/v1/report/locate?", "/api/v1/report/nearby?"} {
		far := res.Fail("GET", ask+at(other), nil)
		none := res.Fail("GET", ask+"lat=10&lng=110", nil)
		if far.Status != 400 || far.Code != none.Code || far.Detail != none.Detail || fmt.Sprint(far.Errors) != fmt.Sprint(none.Errors) ||
			len(far.Errors) != 1 || far.Errors[0].Field != "lat" || far.Errors[0].Code != "report.outside_area" {
			t.Fatalf("%s another area's grid: %+v; no grid: %+v", ask, far, none)
		}
	}
	if p := res.Fail("GET", "/api/v1/report/locate?lat=x&lng=200", nil); p.Status != 400 || len(p.Errors) != 2 {
		t.Fatalf("bad coordinates: %+v", p)
	}
	if n := refusals(t, a); n != before {
		t.Fatalf("placing reports wrote %d refusal rows", n-before)
	}
	// Someone who may not report gets nothing.
	if st := a.Login("audit_admin").Do("GET", "/api/v1/report/grids", nil, nil); st != 403 {
		t.Fatalf("the audit administrator asked the report map: %d", st)
	}
}

// Before filing, a resident sees the open public reports near the point as
// the public faces show them: the public text with numbers withheld, no
// reporter, and nothing that was not published.
func TestResidentSeesNearbyPublicReports(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	res := a.Login("resident")
	// p a point of the area, far a point of it more than 300 m away
	var p, far [2]float64
	for code, q := range gridPoints(t, a, "441602001003") {
		var s spot
		if res.Do("GET", "/api/v1/report/locate?"+at(q), nil, &s) != 200 || s.GridCode != code {
			continue
		}
		switch {
		case p == [2]float64{}:
			p = q
		case far == [2]float64{} && (q[0]-p[0])*(q[0]-p[0])+(q[1]-p[1])*(q[1]-p[1]) > 0.004*0.004:
			far = q
		}
	}
	if far == [2]float64{} {
		t.Fatal("no two grid centres 400 m apart")
	}
	report := func(c *testapp.Client, cat, desc string, extra map[string]any) string {
		body := map[string]any{"category_code": cat, "description": desc, "lat": p[0] + 0.0003, "lng": p[1]}
		for k, v := range extra {
			body[k] = v
		}
		var e struct {
			No string `json:"no"`
		}
		if st := c.Do("POST", "/api/v1/events", body, &e); st != 201 {
			t.Fatalf("report %s: %d %+v", desc, st, c.Fail("POST", "/api/v1/events", body))
		}
		return e.No
	}
	mine := report(res, "0101", "垃圾桶满了，联系我13912345678", map[string]any{"reporter_phone": "13912345678"})
	hidden := report(a.Login("grid_member"), "0101", "网格员巡查发现的内部事项", nil)     // waits for the intake desk: not public
	dispute := report(res, "1101", "邻里纠纷，声音很大", nil)                          // disputes are never published
	report(res, "0101", "远处的事", map[string]any{"lat": far[0], "lng": far[1]}) // out of the 300 m

	var near struct {
		Items []map[string]any `json:"items"`
	}
	if st := a.Login("party_member").Do("GET", "/api/v1/report/nearby?"+at(p), nil, &near); st != 200 {
		t.Fatalf("GET /report/nearby: %d", st)
	}
	if len(near.Items) != 1 || near.Items[0]["no"] != mine {
		t.Fatalf("nearby: %+v; want only %s (not %s, %s)", near.Items, mine, hidden, dispute)
	}
	raw, _ := json.Marshal(near)
	for _, leak := range []string{"13912345678", "reporter", "phone", "address", "媒体", "media"} {
		if strings.Contains(string(raw), leak) {
			t.Fatalf("nearby shows %q: %s", leak, raw)
		}
	}
	if d := near.Items[0]["description"].(string); !strings.HasPrefix(d, "垃圾桶满了，联系我") {
		t.Fatalf("description: %q", d)
	}
	if m := near.Items[0]["meters"].(float64); m < 20 || m > 50 {
		t.Fatalf("meters: %v; want about 33", m)
	}

	// The short list puts what this channel reports most here first.
	var cats struct {
		Items []struct{ Code, Name string } `json:"items"`
	}
	if st := res.Do("GET", "/api/v1/report/categories", nil, &cats); st != 200 || len(cats.Items) != 6 {
		t.Fatalf("categories: %d %+v", st, cats)
	}
	if cats.Items[0].Code != "0101" || cats.Items[1].Code != "1101" || cats.Items[0].Name == "" {
		t.Fatalf("the short list: %+v; want 0101 (3 reports) then 1101 (1)", cats.Items)
	}
}
