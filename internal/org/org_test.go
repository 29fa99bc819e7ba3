package org_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

type node struct {
	ID         string `json:"id"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	ParentID   string `json:"parent_id"`
	Version    int    `json:"version"`
	ChildCount int    `json:"child_count"`
	GridCount  int    `json:"grid_count"`
	Households int    `json:"households"`
	Ancestors  []struct {
		Code string `json:"code"`
	} `json:"ancestors"`
}

type nodes struct {
	Items []node `json:"items"`
}

type grid struct {
	ID         string                        `json:"id"`
	Code       string                        `json:"code"`
	Name       string                        `json:"name"`
	Layer      string                        `json:"layer"`
	OrgID      string                        `json:"org_id"`
	Households int                           `json:"households"`
	Version    int                           `json:"version"`
	Status     string                        `json:"status"`
	Team       []struct{ Role, Name string } `json:"team"`
	Geometry   json.RawMessage               `json:"geometry"`
}

// tree walks the demo: county, its first town, that town's first village.
func tree(t *testing.T, c *testapp.Client) (county, town, village node) {
	t.Helper()
	var roots, towns, villages nodes
	c.Do("GET", "/api/v1/org/roots", nil, &roots)
	if len(roots.Items) != 1 {
		t.Fatalf("roots: %+v", roots)
	}
	county = roots.Items[0]
	c.Do("GET", "/api/v1/org/nodes?parent_id="+county.ID, nil, &towns)
	town = towns.Items[0]
	c.Do("GET", "/api/v1/org/nodes?parent_id="+town.ID, nil, &villages)
	village = villages.Items[0]
	return
}

func gridsOf(t *testing.T, c *testapp.Client, orgID, layer string) []grid {
	t.Helper()
	var out struct {
		Items      []grid `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	if st := c.Do("GET", "/api/v1/grids?limit=500&org_id="+orgID+"&layer="+layer, nil, &out); st != 200 {
		t.Fatalf("grids: %d", st)
	}
	return out.Items
}

func TestTreeCountsAndScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	leader := a.Login("leader")
	county, town, village := tree(t, leader)
	if county.Code != "441602" || county.Kind != "county" || county.ChildCount != 8 || county.GridCount != a.Demo.Grids || county.Households != a.Demo.Households {
		t.Fatalf("county: %+v (demo %d grids, %d households)", county, a.Demo.Grids, a.Demo.Households)
	}
	if town.Kind != "town" || !strings.HasPrefix(town.Code, "441602") || len(town.Code) != 9 {
		t.Fatalf("town: %+v", town)
	}
	var detail node
	leader.Do("GET", "/api/v1/org/nodes/"+village.ID, nil, &detail)
	if len(detail.Ancestors) != 3 || detail.Ancestors[0].Code != "4416" || detail.Ancestors[2].Code != town.Code {
		t.Fatalf("ancestors: %+v", detail.Ancestors)
	}
	grids := gridsOf(t, leader, village.ID, "zz")
	if len(grids) != village.GridCount || len(grids) == 0 {
		t.Fatalf("village grids: %d, count says %d", len(grids), village.GridCount)
	}
	for i, g := range grids {
		if g.Code != fmt.Sprintf("%s%03d", village.Code, i+1) {
			t.Fatalf("grid %d code %s", i, g.Code)
		}
	}

	// The grid member's scope is one village: the county is invisible, so
	// is any grid of another village, even by id; lists are filtered.
	gm := a.Login("grid_member")
	var roots nodes
	gm.Do("GET", "/api/v1/org/roots", nil, &roots)
	if len(roots.Items) != 1 || roots.Items[0].Kind != "village" {
		t.Fatalf("grid member roots: %+v", roots)
	}
	own := roots.Items[0]
	for _, path := range []string{"/api/v1/org/nodes/" + county.ID, "/api/v1/org/nodes?parent_id=" + county.ID} {
		if p := gm.Fail("GET", path, nil); p.Status != 404 {
			t.Errorf("%s: %d", path, p.Status)
		}
	}
	var other grid
	for _, g := range gridsOf(t, leader, county.ID, "zz") {
		if !strings.HasPrefix(g.Code, own.Code) {
			other = g
			break
		}
	}
	if p := gm.Fail("GET", "/api/v1/grids/"+other.ID, nil); p.Status != 404 {
		t.Errorf("other village's grid by id: %d", p.Status)
	}
	if p := gm.Fail("GET", "/api/v1/grids?org_id="+county.ID, nil); p.Status != 400 || p.Errors[0].Field != "org_id" {
		t.Fatalf("grid member lists grids under the county: %+v", p)
	}
	mine := gridsOf(t, gm, "", "zz")
	if len(mine) == 0 {
		t.Fatal("grid member sees no grids")
	}
	for _, g := range mine {
		if !strings.HasPrefix(g.Code, own.Code) {
			t.Fatalf("grid member sees %s outside %s", g.Code, own.Code)
		}
	}
	// A resident holds no permission at all: denied by default, and audited.
	res := a.Login("resident")
	if p := res.Fail("GET", "/api/v1/org/roots", nil); p.Status != 403 {
		t.Fatalf("resident roots: %d", p.Status)
	}
}

func TestNodeEditsAndBadInput(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	admin := a.Login("sys_admin")
	county, town, village := tree(t, admin)

	cases := []struct {
		name  string
		body  any
		field string
		code  string
	}{
		{"code of another county", map[string]any{"parent_id": county.ID, "code": "441621999", "name": "新镇"}, "code", "org.code_parent_mismatch"},
		{"code too short", map[string]any{"parent_id": county.ID, "code": "44160299", "name": "新镇"}, "code", "org.code_format"},
		{"code taken", map[string]any{"parent_id": county.ID, "code": town.Code, "name": "新镇"}, "code", "org.code_taken"},
		{"village under county", map[string]any{"parent_id": county.ID, "code": "441602999", "name": "新镇", "kind": "village"}, "kind", "org.kind_under_parent"},
		{"empty name", map[string]any{"parent_id": county.ID, "code": "441602999", "name": "  "}, "name", "validation.length"},
		{"name too long", map[string]any{"parent_id": county.ID, "code": "441602999", "name": strings.Repeat("镇", 65)}, "name", "validation.length"},
		{"unknown field", map[string]any{"parent_id": county.ID, "code": "441602999", "name": "新镇", "colour": "red"}, "colour", "request.unknown_field"},
		{"wrong type", map[string]any{"parent_id": county.ID, "code": 441602999, "name": "新镇"}, "code", "request.wrong_type"},
	}
	for _, tc := range cases {
		p := admin.Fail("POST", "/api/v1/org/nodes", tc.body)
		if p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code || p.Errors[0].Message == "" {
			t.Errorf("%s: %+v", tc.name, p)
		}
	}
	if r := admin.Raw("POST", "/api/v1/org/nodes", "application/json", []byte(`{"parent_id": "x",`)); r.Status != 400 || !strings.Contains(string(r.Body), "request.malformed_json") {
		t.Errorf("malformed JSON: %d %s", r.Status, r.Body)
	}
	var before nodes
	admin.Do("GET", "/api/v1/org/nodes?parent_id="+county.ID+"&status=all", nil, &before)
	if len(before.Items) != 8 {
		t.Fatalf("a refused create left something behind: %d towns", len(before.Items))
	}

	// Create, rename (with a stale version refused), move, retire.
	var n node
	if st := admin.Do("POST", "/api/v1/org/nodes", map[string]any{"parent_id": county.ID, "code": "441602999", "name": "测试镇"}, &n); st != 201 || n.Kind != "town" {
		t.Fatalf("create: %d %+v", st, n)
	}
	var v node
	if st := admin.Do("POST", "/api/v1/org/nodes", map[string]any{"parent_id": n.ID, "code": "441602999001", "name": "测试村"}, &v); st != 201 || v.Kind != "village" {
		t.Fatalf("create village: %d %+v", st, v)
	}
	if st := admin.Do("PATCH", "/api/v1/org/nodes/"+n.ID, map[string]any{"name": "测试二镇", "version": n.Version}, &n); st != 200 || n.Name != "测试二镇" {
		t.Fatalf("rename: %d %+v", st, n)
	}
	if p := admin.Fail("PATCH", "/api/v1/org/nodes/"+n.ID, map[string]any{"name": "x", "version": n.Version - 1}); p.Status != 409 || p.Code != "conflict.version" {
		t.Fatalf("stale version: %+v", p)
	}
	// A town cannot move under its own village (a cycle), nor under a village.
	if p := admin.Fail("POST", "/api/v1/org/nodes/"+n.ID+"/move", map[string]any{"parent_id": v.ID, "code": "441602999", "version": n.Version}); p.Status != 400 {
		t.Fatalf("cycle: %+v", p)
	}
	// Move the village to another town: its code follows the new parent.
	if st := admin.Do("POST", "/api/v1/org/nodes/"+v.ID+"/move", map[string]any{"parent_id": town.ID, "code": town.Code + "998", "version": v.Version}, &v); st != 200 || v.Code != town.Code+"998" || v.ParentID != town.ID {
		t.Fatalf("move: %d %+v", st, v)
	}
	// A village with grids cannot be retired; an empty town can.
	if p := admin.Fail("POST", "/api/v1/org/nodes/"+village.ID+"/retire", map[string]any{"version": village.Version}); p.Status != 409 || p.Code != "org.has_active_children" {
		t.Fatalf("retire busy village: %+v", p)
	}
	if st := admin.Do("POST", "/api/v1/org/nodes/"+n.ID+"/retire", map[string]any{"version": n.Version}, &n); st != 200 {
		t.Fatalf("retire empty town: %d", st)
	}
	// Every change is in the audit log, which the system administrator cannot read.
	if p := admin.Fail("GET", "/api/v1/audit", nil); p.Status != 403 {
		t.Fatalf("sys admin reads audit: %d", p.Status)
	}
	var rows struct {
		Items []struct{ Action, ObjectID string } `json:"items"`
	}
	a.Login("audit_admin").Do("GET", "/api/v1/audit?action=org.", nil, &rows)
	got := map[string]int{}
	for _, r := range rows.Items {
		got[r.Action]++
	}
	if got["org.create"] != 2 || got["org.update"] != 1 || got["org.move"] != 1 || got["org.retire"] != 1 {
		t.Fatalf("audit: %v", got)
	}
}

func TestGridEditsLocateAndMove(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	admin := a.Login("sys_admin")
	_, town, village := tree(t, admin)
	grids := gridsOf(t, admin, village.ID, "zz")
	var g grid
	admin.Do("GET", "/api/v1/grids/"+grids[0].ID, nil, &g)
	if len(g.Team) < 4 || g.Team[0].Role != "grid_chief" || len(g.Geometry) == 0 {
		t.Fatalf("grid detail: %+v", g)
	}

	// Locate: the demo centre lies in exactly one grid of the main layer.
	var hits []struct {
		Layer    string `json:"layer"`
		GridCode string `json:"grid_code"`
		GridID   string `json:"grid_id"`
	}
	q := fmt.Sprintf("/api/v1/locate?lat=%f&lng=%f", a.Demo.Center.Lat, a.Demo.Center.Lng)
	admin.Do("GET", q, nil, &hits)
	layers := map[string]int{}
	for _, h := range hits {
		layers[h.Layer]++
	}
	if layers["zz"] != 1 || layers["aqsc"] != 1 {
		t.Fatalf("locate: %+v", hits)
	}
	if p := admin.Fail("GET", "/api/v1/locate?lat=91&lng=abc", nil); len(p.Errors) != 2 {
		t.Fatalf("bad coordinates: %+v", p)
	}
	var none []any
	admin.Do("GET", "/api/v1/locate?lat=10&lng=10", nil, &none)
	if len(none) != 0 {
		t.Fatalf("point in the sea: %+v", none)
	}

	// A new grid overlapping an existing one, or outside the village, is refused.
	p := admin.Fail("POST", "/api/v1/grids", map[string]any{"org_id": village.ID, "layer": "zz", "name": "重叠网格", "geometry": g.Geometry})
	if p.Status != 400 || p.Errors[0].Code != "grid.overlaps" {
		t.Fatalf("overlap: %+v", p)
	}
	far := `{"type":"Polygon","coordinates":[[[100,30],[100.01,30],[100.01,30.01],[100,30.01],[100,30]]]}`
	p = admin.Fail("POST", "/api/v1/grids", map[string]any{"org_id": village.ID, "layer": "zz", "name": "远处网格", "geometry": json.RawMessage(far)})
	if p.Errors[0].Code != "grid.outside_village" {
		t.Fatalf("outside: %+v", p)
	}
	bow := `{"type":"Polygon","coordinates":[[[100,30],[100.01,30.01],[100.01,30],[100,30.01],[100,30]]]}`
	p = admin.Fail("POST", "/api/v1/grids", map[string]any{"org_id": village.ID, "layer": "zz", "name": "自交", "geometry": json.RawMessage(bow)})
	if p.Errors[0].Field != "geometry" || p.Errors[0].Code != "geo.self_intersection" {
		t.Fatalf("bow tie: %+v", p)
	}
	if p := admin.Fail("POST", "/api/v1/grids", map[string]any{"org_id": town.ID, "layer": "zz", "name": "x", "geometry": g.Geometry}); p.Errors[0].Code != "grid.org_not_village" {
		t.Fatalf("grid under a town: %+v", p)
	}
	// The same shape on another layer is fine (多网合一): it gets the next code.
	var school grid
	if st := admin.Do("POST", "/api/v1/grids", map[string]any{"org_id": village.ID, "layer": "market", "name": "菜市场", "households": 0, "geometry": g.Geometry}, &school); st != 201 {
		t.Fatalf("market grid: %d", st)
	}
	if !strings.HasPrefix(school.Code, village.Code) || len(school.Code) != 15 {
		t.Fatalf("market code %s", school.Code)
	}
	admin.Do("GET", q, nil, &hits)

	// Rename and change households; retire; the index follows.
	var changed grid
	if st := admin.Do("PATCH", "/api/v1/grids/"+g.ID, map[string]any{"name": "新名字", "households": 260, "version": g.Version}, &changed); st != 200 || changed.Name != "新名字" || changed.Households != 260 {
		t.Fatalf("patch: %d %+v", st, changed)
	}
	if st := admin.Do("POST", "/api/v1/grids/"+g.ID+"/retire", map[string]any{"version": changed.Version}, &changed); st != 200 || changed.Status != "retired" {
		t.Fatalf("retire: %d %+v", st, changed)
	}
	centre := func(id string) (float64, float64) {
		var full struct {
			Center struct{ Lat, Lng float64 } `json:"center"`
		}
		admin.Do("GET", "/api/v1/grids/"+id, nil, &full)
		return full.Center.Lat, full.Center.Lng
	}
	lat, lng := centre(g.ID)
	admin.Do("GET", fmt.Sprintf("/api/v1/locate?lat=%f&lng=%f", lat, lng), nil, &hits)
	for _, h := range hits {
		if h.GridID == g.ID {
			t.Fatalf("retired grid still located")
		}
	}
}

func TestImportExportGeoJSON(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	admin := a.Login("sys_admin")
	_, _, village := tree(t, admin)
	r := admin.Raw("GET", "/api/v1/grids/export?layer=zz&org_id="+village.ID, "", nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	var fc struct {
		Type     string           `json:"type"`
		Features []map[string]any `json:"features"`
	}
	if err := json.Unmarshal(r.Body, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != village.GridCount {
		t.Fatalf("export body: %v %d", err, len(fc.Features))
	}
	// Re-import the export into the same village with replace: a clean round trip.
	var rep struct {
		Read, Valid, Imported int
		Problems              []struct {
			Feature int
			Kind    string
			Message string
		}
	}
	if st := admin.Do("POST", "/api/v1/grids/import?layer=zz&dry_run=true&org_id="+village.ID, fc, &rep); st != 200 {
		t.Fatalf("dry run: %d", st)
	}
	// Without replace every feature overlaps the grid it came from.
	kinds := map[string]int{}
	for _, pr := range rep.Problems {
		kinds[pr.Kind]++
	}
	if rep.Read != village.GridCount || rep.Valid != 0 || kinds["overlap"] != village.GridCount || kinds["code"] != village.GridCount {
		t.Fatalf("dry run without replace: %+v", rep)
	}
	if st := admin.Do("POST", "/api/v1/grids/import?layer=zz&replace=true&org_id="+village.ID, fc, &rep); st != 200 || rep.Imported != village.GridCount {
		t.Fatalf("replace import: %d %+v", st, rep)
	}
	after := gridsOf(t, admin, village.ID, "zz")
	if len(after) != village.GridCount {
		t.Fatalf("after import: %d grids", len(after))
	}

	// A broken file: a bow tie and a feature missing half the village (a gap).
	feats := fc.Features
	bad := map[string]any{"type": "Feature", "properties": map[string]any{"name": "坏"},
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{114, 23}, {114.01, 23.01}, {114.01, 23}, {114, 23.01}, {114, 23}}}}}
	broken := map[string]any{"type": "FeatureCollection", "features": append([]map[string]any{bad}, feats[1:]...)}
	for i := range broken["features"].([]map[string]any)[1:] {
		delete(broken["features"].([]map[string]any)[i+1]["properties"].(map[string]any), "code")
	}
	p := admin.Fail("POST", "/api/v1/grids/import?layer=zz&replace=true&org_id="+village.ID, broken)
	if p.Status != 422 || p.Code != "grid.import_refused" {
		t.Fatalf("broken import: %+v", p)
	}
	if err := json.Unmarshal(p.Report, &rep); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, pr := range rep.Problems {
		found[pr.Kind] = true
		if pr.Message == "" {
			t.Errorf("problem without message: %+v", pr)
		}
	}
	if !found["self_intersection"] || !found["gap"] {
		t.Fatalf("problems: %+v", rep.Problems)
	}
	if n := len(gridsOf(t, admin, village.ID, "zz")); n != village.GridCount {
		t.Fatalf("refused import changed the village: %d grids", n)
	}
	// Not GeoJSON at all.
	if r := admin.Raw("POST", "/api/v1/grids/import?layer=zz&org_id="+village.ID, "application/json", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}]}`)); r.Status != 422 {
		t.Fatalf("point feature: %d %s", r.Status, r.Body)
	}
	if p := admin.Fail("POST", "/api/v1/grids/import?layer=nope&org_id="+village.ID, fc); p.Errors[0].Field != "layer" {
		t.Fatalf("bad layer: %+v", p)
	}
}
