package org

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
)

const gridCols = `g.id, g.code, g.name, g.layer, g.org_id, o.name, g.households, g.status, g.version, g.center_lat, g.center_lng, g.path`

func scanGrid(sc interface{ Scan(...any) error }) (Grid, error) {
	var g Grid
	err := sc.Scan(&g.ID, &g.Code, &g.Name, &g.Layer, &g.OrgID, &g.OrgName, &g.Households, &g.Status, &g.Version,
		&g.Center.Lat, &g.Center.Lng, &g.path)
	return g, err
}

// grid loads a grid the caller may see with perm.
func (s *Service) grid(ctx context.Context, q db.Querier, perm authz.Perm, id string, withGeom bool) (Grid, error) {
	cols := gridCols
	if withGeom {
		cols += ", g.geometry"
	}
	row := q.QueryRowContext(ctx, "SELECT "+cols+" FROM grids g JOIN org_nodes o ON o.id = g.org_id WHERE g.id = ?", id)
	var g Grid
	var geom string
	var err error
	if withGeom {
		err = row.Scan(&g.ID, &g.Code, &g.Name, &g.Layer, &g.OrgID, &g.OrgName, &g.Households, &g.Status, &g.Version,
			&g.Center.Lat, &g.Center.Lng, &g.path, &geom)
		g.Geometry = json.RawMessage(geom)
	} else {
		g, err = scanGrid(row)
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(perm, g.path)) {
		return Grid{}, apperr.NotFoundf("grid")
	}
	return g, err
}

// Grid returns one grid with geometry, team and ancestors.
func (s *Service) Grid(ctx context.Context, id string) (Grid, error) {
	q := s.db.Reader()
	g, err := s.grid(ctx, q, authz.GridRead, id, true)
	if err != nil {
		return g, err
	}
	if g.Ancestors, err = s.ancestors(ctx, q, g.path, ""); err != nil {
		return g, err
	}
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.role, m.name, COALESCE(u.username, ''), COALESCE(m.worker_id, ''), COALESCE(w.employment, ''), m.is_primary, m.version
		FROM grid_members m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN workers w ON w.id = m.worker_id
		WHERE m.grid_id = ? ORDER BY CASE m.role WHEN 'grid_chief' THEN 0 WHEN 'grid_member' THEN 1 WHEN 'assistant' THEN 2 WHEN 'police' THEN 3
		WHEN 'building_head' THEN 4 WHEN 'volunteer' THEN 5 ELSE 6 END, m.name, m.id`, id)
	if err != nil {
		return g, err
	}
	defer rows.Close()
	g.Team = []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.ID, &m.Role, &m.Name, &m.Username, &m.WorkerID, &m.Employment, &m.Primary, &m.Version); err != nil {
			return g, err
		}
		g.Team = append(g.Team, m)
	}
	return g, rows.Err()
}

// GridQuery filters the grid list.
type GridQuery struct {
	OrgID, Layer, Status, Q, After string
	Limit                          int
}

// ListGrids lists grids under an org node (any depth) in the caller's
// scope, by code, keyset-paged.
func (s *Service) ListGrids(ctx context.Context, f GridQuery) ([]Grid, string, error) {
	where, args, err := s.gridFilter(ctx, f.OrgID, f.Layer, f.Status)
	if err != nil {
		return nil, "", err
	}
	if f.Q != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(f.Q) + "%"
		where += " AND (g.code LIKE ? OR g.name LIKE ?)"
		args = append(args, like, like)
	}
	if f.After != "" {
		where += " AND g.code > ?"
		args = append(args, f.After)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+gridCols+" FROM grids g JOIN org_nodes o ON o.id = g.org_id WHERE "+where+
		" ORDER BY g.code LIMIT "+strconv.Itoa(f.Limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []Grid{}
	for rows.Next() {
		g, err := scanGrid(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, g)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[f.Limit-1].Code
	}
	return out, next, rows.Err()
}

// gridFilter builds the WHERE of grid lists: caller's scope, the subtree of
// orgID, a layer and a status.
func (s *Service) gridFilter(ctx context.Context, orgID, layer, status string) (string, []any, error) {
	p := authz.From(ctx)
	where, args := authz.ScopeSQL("g.path", p.Scopes(authz.GridRead))
	if orgID != "" {
		n, err := s.node(ctx, s.db.Reader(), authz.GridRead, orgID)
		if err != nil {
			return "", nil, apperr.Field("org_id", "org.not_found")
		}
		under, uargs := authz.Under("g.path", n.path)
		where += " AND " + under
		args = append(args, uargs...)
	}
	if layer != "" {
		if !slices.Contains(Layers, layer) {
			return "", nil, apperr.Field("layer", "grid.layer_unknown", "layer", layer)
		}
		where += " AND g.layer = ?"
		args = append(args, layer)
	}
	switch status {
	case "", "active":
		where += " AND g.status = 'active'"
	case "retired":
		where += " AND g.status = 'retired'"
	case "all":
	default:
		return "", nil, apperr.Field("status", "validation.one_of", "values", "active, retired, all")
	}
	return where, args, nil
}

// GridFeatures returns the grids under an org node as GeoJSON features.
func (s *Service) GridFeatures(ctx context.Context, orgID, layer string) (geo.FeatureCollection, error) {
	if orgID == "" {
		return geo.FeatureCollection{}, apperr.Field("org_id", "validation.required")
	}
	where, args, err := s.gridFilter(ctx, orgID, layer, "active")
	if err != nil {
		return geo.FeatureCollection{}, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+gridCols+", g.geometry, o.code FROM grids g JOIN org_nodes o ON o.id = g.org_id WHERE "+where+" ORDER BY g.code", args...)
	if err != nil {
		return geo.FeatureCollection{}, err
	}
	defer rows.Close()
	fc := geo.FeatureCollection{Features: []geo.Feature{}}
	for rows.Next() {
		var g Grid
		var geom, villageCode string
		if err := rows.Scan(&g.ID, &g.Code, &g.Name, &g.Layer, &g.OrgID, &g.OrgName, &g.Households, &g.Status, &g.Version,
			&g.Center.Lat, &g.Center.Lng, &g.path, &geom, &villageCode); err != nil {
			return fc, err
		}
		m, err := geo.ParseGeometry([]byte(geom))
		if err != nil {
			return fc, apperr.Wrap(err, "stored geometry of grid "+g.Code)
		}
		fc.Features = append(fc.Features, geo.Feature{ID: g.ID, Geometry: m, Properties: map[string]any{
			"id": g.ID, "code": g.Code, "name": g.Name, "layer": g.Layer, "households": g.Households,
			"org_id": g.OrgID, "org_name": g.OrgName, "village_code": villageCode, "status": g.Status}})
	}
	return fc, rows.Err()
}

// NodeFeatures returns a node's own area and its children's areas.
func (s *Service) NodeFeatures(ctx context.Context, id string) (geo.FeatureCollection, error) {
	if _, err := s.node(ctx, s.db.Reader(), authz.OrgRead, id); err != nil {
		return geo.FeatureCollection{}, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, code, name, kind, geometry, CASE WHEN id = ? THEN 'self' ELSE 'child' END
		FROM org_nodes WHERE (id = ? OR parent_id = ?) AND status = 'active' AND geometry IS NOT NULL ORDER BY code`, id, id, id)
	if err != nil {
		return geo.FeatureCollection{}, err
	}
	defer rows.Close()
	fc := geo.FeatureCollection{Features: []geo.Feature{}}
	for rows.Next() {
		var r Ref
		var geom, role string
		if err := rows.Scan(&r.ID, &r.Code, &r.Name, &r.Kind, &geom, &role); err != nil {
			return fc, err
		}
		m, err := geo.ParseGeometry([]byte(geom))
		if err != nil {
			return fc, apperr.Wrap(err, "stored geometry of org "+r.Code)
		}
		fc.Features = append(fc.Features, geo.Feature{ID: r.ID, Geometry: m, Properties: map[string]any{
			"id": r.ID, "code": r.Code, "name": r.Name, "kind": r.Kind, "role": role}})
	}
	return fc, rows.Err()
}

// parseGridGeometry reads and checks a grid's geometry (WGS-84).
func parseGridGeometry(field string, raw json.RawMessage) (geo.MultiPolygon, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, apperr.Field(field, "validation.required")
	}
	m, err := geo.ParseGeometry(raw)
	if err != nil {
		return nil, apperr.Field(field, "geo.invalid", "detail", err.Error())
	}
	for _, poly := range m {
		if probs := geo.ValidatePolygon(poly); len(probs) > 0 {
			return nil, apperr.Field(field, "geo."+probs[0].Kind, "detail", probs[0].Detail)
		}
	}
	return m, nil
}

// village loads a village node for grid writes.
func (s *Service) village(ctx context.Context, q db.Querier, id string) (Node, geo.MultiPolygon, error) {
	n, err := s.node(ctx, q, authz.GridWrite, id)
	if err != nil {
		return n, nil, apperr.Field("org_id", "org.not_found")
	}
	if n.Kind != "village" {
		return n, nil, apperr.Field("org_id", "grid.org_not_village")
	}
	if n.Status != "active" {
		return n, nil, apperr.Field("org_id", "org.retired")
	}
	var geom sql.NullString
	if err := q.QueryRowContext(ctx, "SELECT geometry FROM org_nodes WHERE id = ?", id).Scan(&geom); err != nil {
		return n, nil, err
	}
	if !geom.Valid {
		return n, nil, nil
	}
	area, err := geo.ParseGeometry([]byte(geom.String))
	return n, area, apperr.Wrap(err, "village geometry")
}

// checkPlacement refuses a grid that leaves its village's area or overlaps
// an active grid of the same layer in that village.
func (s *Service) checkPlacement(ctx context.Context, q db.Querier, villageID string, area geo.MultiPolygon, layer, selfID string, m geo.MultiPolygon) error {
	if area != nil {
		for _, p := range geo.ValidateTiling(area, []geo.MultiPolygon{m}) {
			if p.Kind == "outside_parent" {
				return apperr.Field("geometry", "grid.outside_village")
			}
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT code, geometry FROM grids WHERE org_id = ? AND layer = ? AND status = 'active' AND id <> ?
		AND min_lng <= ? AND max_lng >= ? AND min_lat <= ? AND max_lat >= ?`, villageID, layer, selfID,
		m.Bounds().MaxLng, m.Bounds().MinLng, m.Bounds().MaxLat, m.Bounds().MinLat)
	if err != nil {
		return err
	}
	defer rows.Close()
	var codes []string
	others := []geo.MultiPolygon{m}
	for rows.Next() {
		var code, geom string
		if err := rows.Scan(&code, &geom); err != nil {
			return err
		}
		o, err := geo.ParseGeometry([]byte(geom))
		if err != nil {
			return apperr.Wrap(err, "stored grid geometry")
		}
		codes = append(codes, code)
		others = append(others, o)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(others) == 1 {
		return nil
	}
	for _, p := range geo.ValidateTiling(nil, others) {
		if p.Kind == "overlap" && (p.Feature == 0 || p.Other == 0) {
			other := max(p.Feature, p.Other)
			return apperr.Field("geometry", "grid.overlaps", "code", codes[other-1])
		}
	}
	return nil
}

func checkGridFields(f *apperr.Fields, name *string, households *int) {
	if name != nil {
		*name = checkName(f, "name", *name)
	}
	if households != nil && (*households < 0 || *households > 100000) {
		f.Add("households", "validation.range", "min", 0, "max", 100000)
	}
}

// nextCode is the village code plus the next free sequence in the layer's
// range (SeqRange).
func nextCode(ctx context.Context, q db.Querier, village Node, layer string) (string, error) {
	first, last := SeqRange(layer)
	var maxCode sql.NullString
	if err := q.QueryRowContext(ctx, "SELECT max(code) FROM grids WHERE layer = ? AND code >= ? AND code <= ?",
		layer, CodeOf(village.Code, layer, 1), CodeOf(village.Code, layer, last-first+1)).Scan(&maxCode); err != nil {
		return "", err
	}
	seq := first - 1
	if maxCode.Valid && len(maxCode.String) == 15 {
		seq, _ = strconv.Atoi(maxCode.String[12:])
	}
	if seq >= last {
		return "", apperr.Field("org_id", "grid.sequence_full", "layer", layer, "first", fmt.Sprintf("%03d", first), "last", fmt.Sprintf("%03d", last))
	}
	return fmt.Sprintf("%s%03d", village.Code, seq+1), nil
}

func geomRow(m geo.MultiPolygon) (string, geo.BBox, geo.Point, error) {
	b, err := geo.MarshalGeometry(m)
	if err != nil {
		return "", geo.BBox{}, geo.Point{}, err
	}
	c, ok := m.InteriorPoint()
	if !ok {
		c = m.Bounds().Center()
	}
	return string(b), m.Bounds(), c, nil
}

// insertGrid writes a new grid row (no checks: callers check).
func insertGrid(ctx context.Context, tx *db.Tx, id string, village Node, layer, code, name string, households int, m geo.MultiPolygon) error {
	geom, bb, c, err := geomRow(m)
	if err != nil {
		return err
	}
	now := db.Now()
	_, err = tx.ExecContext(ctx, `INSERT INTO grids (id, code, name, layer, org_id, path, geometry, min_lng, min_lat, max_lng, max_lat, center_lat, center_lng, households, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
		id, code, name, layer, village.ID, village.path, geom, bb.MinLng, bb.MinLat, bb.MaxLng, bb.MaxLat, c.Lat, c.Lng, households, now, now)
	if db.IsUniqueViolation(err) {
		return apperr.Field("code", "grid.code_taken", "code", code)
	}
	return err
}

// CreateGrid adds a grid to a village.
func (s *Service) CreateGrid(ctx context.Context, in GridInput) (Grid, error) {
	var f apperr.Fields
	checkGridFields(&f, &in.Name, &in.Households)
	if !slices.Contains(Layers, in.Layer) {
		f.Add("layer", "grid.layer_unknown", "layer", in.Layer)
	}
	m, err := parseGridGeometry("geometry", in.Geometry)
	if err != nil {
		f = append(f, apperr.As(err).Fields...)
	}
	if err := f.Err(); err != nil {
		return Grid{}, err
	}
	id := db.NewID()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		village, area, err := s.village(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		if in.Code == "" {
			if in.Code, err = nextCode(ctx, tx, village, in.Layer); err != nil {
				return err
			}
		} else if len(in.Code) != 15 || !allDigits(in.Code) || !strings.HasPrefix(in.Code, village.Code) {
			return apperr.Field("code", "grid.code_format", "village", village.Code)
		} else if err := checkCodeLayer("code", in.Code, in.Layer); err != nil {
			return err
		}
		if err := s.checkPlacement(ctx, tx, village.ID, area, in.Layer, "", m); err != nil {
			return err
		}
		if err := insertGrid(ctx, tx, id, village, in.Layer, in.Code, in.Name, in.Households, m); err != nil {
			return err
		}
		if err := bumpGrids(ctx, tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.GridWrite, audit.Entry{Action: "grid.create", ObjectType: "grid", ObjectID: id, Detail: in.Code})
	})
	if err != nil {
		return Grid{}, err
	}
	s.index.invalidate()
	return s.Grid(ctx, id)
}

// writeGrid loads a grid for writing with a version check, runs fn, audits.
func (s *Service) writeGrid(ctx context.Context, id string, version int, action string, fn func(tx *db.Tx, g Grid) (string, error)) (Grid, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "SELECT version FROM grids WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("grid")
		} else if err != nil {
			return err
		}
		g, err := s.grid(ctx, tx, authz.GridWrite, id, true)
		if err != nil {
			return err
		}
		if g.Version != version {
			return apperr.E(apperr.Conflict, "conflict.version")
		}
		detail, err := fn(tx, g)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE grids SET version = version + 1, updated_at = ? WHERE id = ?", db.Now(), id); err != nil {
			return err
		}
		if err := bumpGrids(ctx, tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.GridWrite, audit.Entry{Action: action, ObjectType: "grid", ObjectID: id, Detail: detail})
	})
	if err != nil {
		return Grid{}, err
	}
	s.index.invalidate()
	return s.Grid(ctx, id)
}

// UpdateGrid changes a grid's name, households or shape.
func (s *Service) UpdateGrid(ctx context.Context, id string, in GridPatch) (Grid, error) {
	var f apperr.Fields
	checkGridFields(&f, in.Name, in.Households)
	var m geo.MultiPolygon
	if len(in.Geometry) > 0 {
		var err error
		if m, err = parseGridGeometry("geometry", in.Geometry); err != nil {
			f = append(f, apperr.As(err).Fields...)
		}
	}
	if err := f.Err(); err != nil {
		return Grid{}, err
	}
	return s.writeGrid(ctx, id, in.Version, "grid.update", func(tx *db.Tx, g Grid) (string, error) {
		if g.Status != "active" {
			return "", apperr.E(apperr.Conflict, "grid.retired")
		}
		if in.Name != nil {
			g.Name = *in.Name
		}
		if in.Households != nil {
			g.Households = *in.Households
		}
		if m != nil {
			village, area, err := s.village(ctx, tx, g.OrgID)
			if err != nil {
				return "", err
			}
			if err := s.checkPlacement(ctx, tx, village.ID, area, g.Layer, g.ID, m); err != nil {
				return "", err
			}
			geom, bb, c, err := geomRow(m)
			if err != nil {
				return "", err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE grids SET geometry = ?, min_lng = ?, min_lat = ?, max_lng = ?, max_lat = ?, center_lat = ?, center_lng = ? WHERE id = ?",
				geom, bb.MinLng, bb.MinLat, bb.MaxLng, bb.MaxLat, c.Lat, c.Lng, id); err != nil {
				return "", err
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE grids SET name = ?, households = ? WHERE id = ?", g.Name, g.Households, id)
		return g.Code, err
	})
}

// MoveGrid moves a grid to another village, where it gets the next code.
// Its shape must lie inside the new village.
func (s *Service) MoveGrid(ctx context.Context, id string, in GridMove) (Grid, error) {
	return s.writeGrid(ctx, id, in.Version, "grid.move", func(tx *db.Tx, g Grid) (string, error) {
		village, area, err := s.village(ctx, tx, in.OrgID)
		if err != nil {
			return "", err
		}
		if village.ID == g.OrgID {
			return "", apperr.Field("org_id", "grid.same_village")
		}
		m, err := geo.ParseGeometry(g.Geometry)
		if err != nil {
			return "", apperr.Wrap(err, "stored geometry")
		}
		if err := s.checkPlacement(ctx, tx, village.ID, area, g.Layer, g.ID, m); err != nil {
			return "", err
		}
		code, err := nextCode(ctx, tx, village, g.Layer)
		if err != nil {
			return "", err
		}
		_, err = tx.ExecContext(ctx, "UPDATE grids SET org_id = ?, path = ?, code = ? WHERE id = ?", village.ID, village.path, code, id)
		return g.Code + " → " + code, err
	})
}

// RetireGrid takes a grid out of service; its code stays reserved.
func (s *Service) RetireGrid(ctx context.Context, id string, version int) (Grid, error) {
	return s.writeGrid(ctx, id, version, "grid.retire", func(tx *db.Tx, g Grid) (string, error) {
		if g.Status != "active" {
			return "", apperr.E(apperr.Conflict, "grid.retired")
		}
		_, err := tx.ExecContext(ctx, "UPDATE grids SET status = 'retired' WHERE id = ?", id)
		return g.Code, err
	})
}
