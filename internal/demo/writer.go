package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/org"
)

// writer batches the demo's rows into multi-row INSERTs inside one
// transaction per flush, parents before children.
type writer struct {
	ctx   context.Context
	db    *db.DB
	tx    *db.Tx
	err   error
	paths map[string]string // node id → path
	rows  map[string][][]any
	now   int64
}

var tables = []struct {
	name string
	cols []string
}{
	{"org_nodes", []string{"id", "code", "name", "kind", "parent_id", "path", "status", "geometry", "center_lat", "center_lng", "created_at", "updated_at"}},
	{"grids", []string{"id", "code", "name", "layer", "org_id", "path", "geometry", "min_lng", "min_lat", "max_lng", "max_lat", "center_lat", "center_lng", "households", "status", "created_at", "updated_at"}},
	{"workers", []string{"id", "org_id", "path", "name", "employment", "status", "started_on", "created_at", "updated_at"}},
	{"grid_members", []string{"id", "grid_id", "role", "name", "worker_id", "is_primary", "created_at"}},
	{"worker_log", []string{"id", "worker_id", "path", "action", "detail", "at"}},
}

func newWriter(ctx context.Context, d *db.DB) *writer {
	return &writer{ctx: ctx, db: d, paths: map[string]string{}, rows: map[string][][]any{}, now: db.Now()}
}

func geomJSON(m geo.MultiPolygon) string {
	b, err := geo.MarshalGeometry(m)
	if err != nil {
		panic(err) // generated shapes always marshal
	}
	return string(b)
}

func (w *writer) node(code, name, kind, parentID, parentPath string, m geo.MultiPolygon) string {
	id := db.NewID()
	path := parentPath + id + "/"
	if parentPath == "" {
		path = "/" + id + "/"
	}
	w.paths[id] = path
	var parent, geom, lat, lng any
	if parentID != "" {
		parent = parentID
	}
	if m != nil {
		geom = geomJSON(m)
		if p, ok := m.InteriorPoint(); ok {
			lat, lng = p.Lat, p.Lng
		}
	}
	w.rows["org_nodes"] = append(w.rows["org_nodes"], []any{id, code, name, kind, parent, path, "active", geom, lat, lng, w.now, w.now})
	return id
}

func (w *writer) grid(code, name, layer, villageID string, m geo.MultiPolygon, center geo.Point, households int) string {
	id := db.NewID()
	b := m.Bounds()
	w.rows["grids"] = append(w.rows["grids"], []any{id, code, name, layer, villageID, w.paths[villageID], geomJSON(m),
		b.MinLng, b.MinLat, b.MaxLng, b.MaxLat, center.Lat, center.Lng, households, "active", w.now, w.now})
	return id
}

// worker puts a person on the roster of a village and returns their id.
func (w *writer) worker(villageID, name, employment, startedOn string) string {
	id := db.NewID()
	w.rows["workers"] = append(w.rows["workers"], []any{id, villageID, w.paths[villageID], name, employment, "active", startedOn, w.now, w.now})
	// the history starts on the first day (08:30 China time)
	at := w.now
	if d, err := time.Parse(time.DateOnly, startedOn); err == nil {
		at = d.Add(30 * time.Minute).UnixMilli()
	}
	w.rows["worker_log"] = append(w.rows["worker_log"], []any{db.NewID(), id, w.paths[villageID], "joined", "", at})
	return id
}

// member gives a roster entry a place on a grid's team.
func (w *writer) member(gridID, role, workerID, name string, primary bool) {
	w.rows["grid_members"] = append(w.rows["grid_members"], []any{db.NewID(), gridID, role, name, workerID, primary, w.now})
}

// otherLayers lays the other grid layers over a village (多网合一): the
// 安全生产 grid is the whole village, 城管 grids follow the 综治 grids of
// urban communities, and small 专属 grids mark a school, hospital, market
// or enterprise inside some of its grids.
func (w *writer) otherLayers(rng *mrand.Rand, v geo.TileVillage, villageID string) {
	p := v.Interior
	// Each layer numbers its grids in its own range (org.CodeOf): a code
	// names one grid.
	w.grid(org.CodeOf(v.Code, "aqsc", 1), v.Name+"安全生产网格", "aqsc", villageID, v.Geom, p, 0)
	if strings.HasSuffix(v.Name, "社区") {
		for _, g := range v.Grids {
			w.grid(org.CodeOf(v.Code, "cg", g.Seq), fmt.Sprintf("%s城管第%d网格", v.Name, g.Seq), "cg", villageID, geo.MultiPolygon{g.Geom}, g.Interior, 0)
		}
	}
	kinds := []struct{ layer, label string }{{"school", "学校"}, {"hospital", "卫生院"}, {"market", "农贸市场"}, {"enterprise", "企业"}}
	for _, k := range kinds {
		if rng.IntN(4) != 0 || len(v.Grids) == 0 {
			continue
		}
		g := v.Grids[rng.IntN(len(v.Grids))]
		sq := square(g.Interior, 0.0004)
		if probs := geo.ValidateTiling(geo.MultiPolygon{g.Geom}, []geo.MultiPolygon{sq}); hasKind(probs, geo.KindOutsideParent) {
			continue
		}
		w.grid(org.CodeOf(v.Code, k.layer, 1), v.Name+k.label+"专属网格", k.layer, villageID, sq, g.Interior, 0)
	}
}

func hasKind(probs []geo.Problem, kind string) bool {
	for _, p := range probs {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// square is an axis-aligned square of half-side h degrees around c, counter-clockwise.
func square(c geo.Point, h float64) geo.MultiPolygon {
	r := geo.Ring{{Lng: c.Lng - h, Lat: c.Lat - h}, {Lng: c.Lng + h, Lat: c.Lat - h}, {Lng: c.Lng + h, Lat: c.Lat + h},
		{Lng: c.Lng - h, Lat: c.Lat + h}, {Lng: c.Lng - h, Lat: c.Lat - h}}
	return geo.MultiPolygon{geo.Polygon{r}}
}

// flush writes the pending rows in the open transaction.
func (w *writer) flush() error {
	if w.err != nil {
		return w.err
	}
	if w.tx == nil {
		if w.tx, w.err = w.db.Begin(w.ctx); w.err != nil {
			return w.err
		}
	}
	for _, t := range tables {
		if w.err = insertRows(w.ctx, w.tx, t.name, t.cols, w.rows[t.name]); w.err != nil {
			return w.err
		}
		w.rows[t.name] = nil
	}
	return nil
}

// insertRows writes rows into table in multi-row INSERTs of up to 8,000
// values each (under both databases' limits on parameters).
func insertRows(ctx context.Context, tx *db.Tx, table string, cols []string, rows [][]any) error {
	per := max(1, 8000/len(cols))
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for len(rows) > 0 {
		n := min(per, len(rows))
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, n*len(cols))
		for i, r := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(ph)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// commit flushes, stamps the grid change and commits.
func (w *writer) commit() error {
	if err := w.flush(); err != nil {
		return err
	}
	if err := org.BumpGrids(w.ctx, w.tx); err != nil {
		return err
	}
	err := w.tx.Commit()
	w.tx = nil
	return err
}

func (w *writer) rollback() {
	if w.tx != nil {
		w.tx.Rollback()
	}
}
