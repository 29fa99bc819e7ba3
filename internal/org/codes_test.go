package org_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/testapp"
)

// A grid code names one grid: in the demo no two grids share a code and
// each grid's sequence lies in its layer's range; a code of another
// layer's range is refused by name on create and on import; a new grid
// without a code gets the next one of its layer's range.
func TestGridCodeNamesOneGrid(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	admin := a.Login("sys_admin")
	ctx := context.Background()

	rows, err := a.DB.Reader().QueryContext(ctx, "SELECT code, layer FROM grids")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	layers := map[string]int{}
	for rows.Next() {
		var code, layer string
		if err := rows.Scan(&code, &layer); err != nil {
			t.Fatal(err)
		}
		if other, dup := seen[code]; dup {
			t.Errorf("the demo's grid code %s names a %s grid and a %s grid", code, other, layer)
		}
		seen[code] = layer
		layers[layer]++
		first, last := org.SeqRange(layer)
		if seq, _ := strconv.Atoi(code[12:]); seq < first || seq > last {
			t.Errorf("the demo's %s grid %s lies outside its range %03d–%03d", layer, code, first, last)
		}
	}
	rows.Close()
	if layers["zz"] == 0 || layers["cg"] == 0 || layers["aqsc"] == 0 {
		t.Fatalf("the demo's layers: %v", layers)
	}

	// A village with a 综治 grid, and that grid's shape.
	var villageID, villageCode, zzCode string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT o.id, o.code, g.code FROM grids g JOIN org_nodes o ON o.id = g.org_id
		WHERE g.layer = 'zz' AND g.status = 'active' ORDER BY g.code LIMIT 1`).Scan(&villageID, &villageCode, &zzCode); err != nil {
		t.Fatal(err)
	}
	var g struct {
		Geometry json.RawMessage `json:"geometry"`
	}
	var zzID string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM grids WHERE code = ? AND layer = 'zz'", zzCode).Scan(&zzID)
	if st := admin.Do("GET", "/api/v1/grids/"+zzID, nil, &g); st != 200 {
		t.Fatalf("GET grid: %d", st)
	}

	// The 综治 grid's code on the market layer names the code and the layer.
	p := admin.Fail("POST", "/api/v1/grids", map[string]any{"org_id": villageID, "layer": "market", "name": "菜市场", "code": zzCode, "geometry": g.Geometry})
	if len(p.Errors) != 1 || p.Errors[0].Field != "code" || p.Errors[0].Code != "grid.code_layer" || !strings.Contains(p.Errors[0].Message, zzCode) {
		t.Errorf("a 综治 code on the market layer: %+v", p)
	}
	var market struct{ Code string }
	if st := admin.Do("POST", "/api/v1/grids", map[string]any{"org_id": villageID, "layer": "market", "name": "菜市场", "geometry": g.Geometry}, &market); st != 201 {
		t.Fatalf("market grid: %d", st)
	}
	if first, last := org.SeqRange("market"); market.Code[:12] != villageCode || market.Code < org.CodeOf(villageCode, "market", 1) ||
		market.Code > org.CodeOf(villageCode, "market", last-first+1) {
		t.Errorf("the new market grid's code %s is not in the village's market range", market.Code)
	}

	// An import naming a 综治-range code on the 城管 layer.
	fc := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":%q,"name":"城管一格"},"geometry":%s}]}`, zzCode, g.Geometry)
	var rep struct {
		Problems []struct {
			Kind, Message string
		} `json:"problems"`
	}
	r := admin.Raw("POST", "/api/v1/grids/import?layer=cg&dry_run=true&org_id="+villageID, "application/json", []byte(fc))
	json.Unmarshal(r.Body, &rep)
	found := false
	for _, pr := range rep.Problems {
		found = found || (pr.Kind == "code" && strings.Contains(pr.Message, zzCode) && strings.Contains(pr.Message, "700"))
	}
	if !found {
		t.Errorf("the import takes a 综治 code on the 城管 layer: %d %s", r.Status, r.Body)
	}
}

// The migration renumbers the grids of a database made before the rule:
// each layer counted from 001, so one code named up to one grid a layer.
// Each grid outside its layer's range gets the next free sequence of the
// range in its village; 综治 codes stay; the ids do not change.
func TestGridCodeMigrationRenumbers(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := d.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Back to the schema before the rule, with grids numbered the old way.
	exec("DROP INDEX grids_code_active")
	exec("DELETE FROM schema_migrations WHERE version = '0019_grid_code_per_layer'")
	exec("INSERT INTO org_nodes (id, code, name, kind, path, created_at, updated_at) VALUES ('v1', '441602001003', '下城社区', 'village', '/v1/', 0, 0)")
	grid := func(id, code, layer, status string) {
		exec(`INSERT INTO grids (id, code, name, layer, org_id, path, geometry, min_lng, min_lat, max_lng, max_lat, center_lat, center_lng, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'v1', '/v1/', '{}', 0, 0, 0, 0, 0, 0, ?, 0, 0)`, id, code, id, layer, status)
	}
	grid("zz1", "441602001003001", "zz", "active")
	grid("zz2", "441602001003002", "zz", "active")
	grid("cg1", "441602001003001", "cg", "active")
	grid("cg2", "441602001003002", "cg", "retired")
	grid("cg3", "441602001003701", "cg", "active") // already in range: kept, the others follow it
	grid("aq1", "441602001003001", "aqsc", "active")
	grid("sc1", "441602001003001", "school", "active")
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"zz1": "441602001003001", "zz2": "441602001003002", "cg3": "441602001003701", "cg1": "441602001003702",
		"cg2": "441602001003703", "aq1": "441602001003800", "sc1": "441602001003500"}
	for id, code := range want {
		var got string
		if err := d.Reader().QueryRowContext(ctx, "SELECT code FROM grids WHERE id = ?", id).Scan(&got); err != nil || got != code {
			t.Errorf("grid %s: code %q (%v), want %s", id, got, err, code)
		}
	}
	// The index now refuses a second active grid of a code, whatever its layer.
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO grids (id, code, name, layer, org_id, path, geometry, min_lng, min_lat, max_lng, max_lat, center_lat, center_lng, created_at, updated_at)
			VALUES ('mk1', '441602001003001', 'x', 'market', 'v1', '/v1/', '{}', 0, 0, 0, 0, 0, 0, 0, 0)`)
		return err
	})
	if !db.IsUniqueViolation(err) {
		t.Errorf("a market grid with a 综治 grid's code: %v", err)
	}
}
