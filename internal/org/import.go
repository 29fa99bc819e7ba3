package org

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/i18n"
)

// ImportOptions says where imported grids go and how to read them.
type ImportOptions struct {
	OrgID   string // a village, or an ancestor when features carry 15-digit codes
	Layer   string
	CRS     geo.CRS
	DryRun  bool
	Replace bool // retire the villages' current grids of the layer first
	Lang    string
}

// ImportProblem is one finding of an import, tied to a feature.
type ImportProblem struct {
	Feature int     `json:"feature"`
	Other   *int    `json:"other,omitempty"`
	Code    string  `json:"code,omitempty"` // an existing grid involved
	Kind    string  `json:"kind"`
	Message string  `json:"message"`
	At      *LatLng `json:"at,omitempty"`
}

// ImportReport is what an import found and did.
type ImportReport struct {
	Read     int             `json:"read"`
	Valid    int             `json:"valid"`
	Imported int             `json:"imported"`
	Problems []ImportProblem `json:"problems"`
}

// importError carries the report in a 422 answer.
type importError struct {
	err *apperr.Error
	rep ImportReport
}

func (e importError) Error() string { return e.err.Error() }
func (e importError) Unwrap() error { return e.err }
func (e importError) Report() any   { return e.rep }

type importFeature struct {
	idx        int
	code, name string
	households int
	geom       geo.MultiPolygon
	village    Node
	ok         bool
}

// blocking reports whether a problem kind stops the import (gaps only warn).
func blocking(kind string) bool { return kind != geo.KindGap }

// ImportGrids reads a FeatureCollection and, unless it is a dry run or a
// blocking problem is found, creates its grids in one transaction: all or
// nothing.
func (s *Service) ImportGrids(ctx context.Context, opt ImportOptions, body []byte) (ImportReport, error) {
	rep := ImportReport{Problems: []ImportProblem{}}
	if !slices.Contains(Layers, opt.Layer) {
		return rep, apperr.Field("layer", "grid.layer_unknown", "layer", opt.Layer)
	}
	if !opt.CRS.Valid() {
		return rep, apperr.Field("crs", "validation.one_of", "values", "wgs84, gcj02, bd09")
	}
	root, err := s.node(ctx, s.db.Reader(), authz.GridImport, opt.OrgID)
	if err != nil {
		return rep, apperr.Field("org_id", "org.not_found")
	}
	add := func(p ImportProblem) { rep.Problems = append(rep.Problems, p) }
	msg := func(key string, kv ...any) string {
		params := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			params[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return i18n.T(opt.Lang, key, params)
	}
	fc, err := geo.ParseFeatureCollection(body)
	if err != nil {
		pe, _ := err.(*geo.ParseError)
		p := ImportProblem{Feature: -1, Kind: "parse", Message: msg("geo.invalid", "detail", err.Error())}
		if pe != nil {
			p.Feature = pe.Feature
		}
		add(p)
		return rep, importError{apperr.E(apperr.Unprocessable, "grid.import_refused"), rep}
	}
	rep.Read = len(fc.Features)
	if rep.Read == 0 {
		return rep, apperr.Field("features", "grid.import_empty")
	}
	if rep.Read > 5000 {
		return rep, apperr.Field("features", "grid.import_too_many", "max", 5000)
	}

	villages := map[string]Node{}
	villageOf := func(code string) (Node, bool) {
		vcode := code[:12]
		if v, ok := villages[vcode]; ok {
			return v, v.ID != ""
		}
		var id string
		err := s.db.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ? AND kind = 'village'", vcode).Scan(&id)
		var v Node
		if err == nil {
			v, err = s.node(ctx, s.db.Reader(), authz.GridImport, id)
		}
		if err != nil || !strings.HasPrefix(v.path, root.path) || v.Status != "active" {
			v = Node{}
		}
		villages[vcode] = v
		return v, v.ID != ""
	}
	feats := make([]importFeature, len(fc.Features))
	seen := map[string]int{}
	for i, f := range fc.Features {
		ft := importFeature{idx: i, code: strings.TrimSpace(f.PropString("code")), name: strings.TrimSpace(f.PropString("name")), ok: true}
		bad := func(kind, text string) {
			ft.ok = false
			add(ImportProblem{Feature: i, Kind: kind, Message: text})
		}
		if h := f.PropString("households"); h != "" {
			if _, err := fmt.Sscan(h, &ft.households); err != nil || ft.households < 0 || ft.households > 100000 {
				bad("households", msg("validation.range", "min", 0, "max", 100000))
			}
		}
		switch {
		case ft.code != "" && (len(ft.code) != 15 || !allDigits(ft.code)):
			bad("code", msg("grid.code_format", "village", "…"))
		case ft.code != "":
			if v, ok := villageOf(ft.code); ok {
				ft.village = v
			} else {
				bad("code", msg("grid.village_unknown", "code", ft.code[:12]))
			}
			if j, dup := seen[ft.code]; dup {
				bad("code", msg("grid.code_duplicate", "other", j))
			}
			if !opt.Replace {
				var n int
				if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM grids WHERE layer = ? AND code = ?", opt.Layer, ft.code).Scan(&n); err != nil {
					return rep, err
				}
				if n > 0 {
					bad("code", msg("grid.code_taken", "code", ft.code))
				}
			}
			seen[ft.code] = i
		case root.Kind == "village":
			ft.village = root
		default:
			bad("code", msg("grid.import_needs_code"))
		}
		if ft.name == "" {
			ft.name = ft.code
		}
		if ft.name == "" {
			ft.name = fmt.Sprintf("%s-%d", root.Name, i+1)
		}
		if len([]rune(ft.name)) > 64 {
			bad("name", msg("validation.length", "min", 1, "max", 64))
		}
		g, err := geo.ToWGS84(opt.CRS, f.Geometry)
		if err != nil {
			bad("crs", err.Error())
		}
		ft.geom = g
		for _, p := range geo.ValidateMultiPolygon(g) {
			ft.ok = false
			add(ImportProblem{Feature: i, Kind: p.Kind, Message: msg("geo."+p.Kind, "detail", p.Detail), At: latlng(p.At)})
		}
		feats[i] = ft
	}

	// Tiling checks per village: the imported grids with the grids that stay.
	byVillage := map[string][]int{}
	for i, ft := range feats {
		if ft.village.ID != "" && ft.geom != nil {
			byVillage[ft.village.ID] = append(byVillage[ft.village.ID], i)
		}
	}
	for vid, idxs := range byVillage {
		_, area, err := s.village(ctx, s.db.Reader(), vid)
		if err != nil {
			return rep, err
		}
		children := make([]geo.MultiPolygon, 0, len(idxs))
		for _, i := range idxs {
			children = append(children, feats[i].geom)
		}
		var existing []string
		if !opt.Replace {
			rows, err := s.db.Reader().QueryContext(ctx, "SELECT code, geometry FROM grids WHERE org_id = ? AND layer = ? AND status = 'active' ORDER BY code", vid, opt.Layer)
			if err != nil {
				return rep, err
			}
			for rows.Next() {
				var code, geom string
				if err := rows.Scan(&code, &geom); err != nil {
					rows.Close()
					return rep, err
				}
				m, err := geo.ParseGeometry([]byte(geom))
				if err != nil {
					rows.Close()
					return rep, apperr.Wrap(err, "stored grid geometry")
				}
				existing = append(existing, code)
				children = append(children, m)
			}
			rows.Close()
		}
		feature := func(k int) (int, string) {
			if k < len(idxs) {
				return idxs[k], ""
			}
			return -1, existing[k-len(idxs)]
		}
		for _, p := range geo.ValidateTiling(area, children) {
			if area == nil && p.Kind != geo.KindOverlap {
				continue
			}
			ip := ImportProblem{Feature: -1, Kind: p.Kind, At: latlng(p.At)}
			if p.Feature >= 0 {
				ip.Feature, ip.Code = feature(p.Feature)
			}
			if p.Other >= 0 {
				o, code := feature(p.Other)
				if code != "" {
					ip.Code = code
				} else {
					ip.Other = &o
				}
			}
			if ip.Feature < 0 && ip.Other != nil { // an existing grid first, a new one second
				ip.Feature, ip.Other = *ip.Other, nil
			}
			ip.Message = msg("geo."+p.Kind, "detail", p.Detail)
			if ip.Feature >= 0 && blocking(p.Kind) {
				feats[ip.Feature].ok = false
			}
			add(ip)
		}
	}
	refused := false
	for _, ft := range feats {
		if ft.ok {
			rep.Valid++
		}
	}
	for _, p := range rep.Problems {
		refused = refused || blocking(p.Kind)
	}
	if opt.DryRun {
		return rep, nil
	}
	if refused {
		return rep, importError{apperr.E(apperr.Unprocessable, "grid.import_refused"), rep}
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if opt.Replace {
			// Grids of the villages that the file does not name again retire.
			for vid, idxs := range byVillage {
				keep := []any{db.Now(), vid, opt.Layer}
				ph := ""
				for _, i := range idxs {
					if feats[i].code != "" {
						keep = append(keep, feats[i].code)
						ph += ", ?"
					}
				}
				q := "UPDATE grids SET status = 'retired', version = version + 1, updated_at = ? WHERE org_id = ? AND layer = ? AND status = 'active'"
				if ph != "" {
					q += " AND code NOT IN (" + ph[2:] + ")"
				}
				if _, err := tx.ExecContext(ctx, q, keep...); err != nil {
					return err
				}
			}
		}
		for _, ft := range feats {
			code := ft.code
			if code == "" {
				var err error
				if code, err = nextCode(ctx, tx, ft.village, opt.Layer); err != nil {
					return err
				}
			} else if opt.Replace {
				// A grid named again keeps its id (events refer to it): update it in place.
				updated, err := replaceGrid(ctx, tx, ft.village, opt.Layer, code, ft.name, ft.households, ft.geom)
				if err != nil {
					return err
				}
				if updated {
					continue
				}
			}
			if err := insertGrid(ctx, tx, db.NewID(), ft.village, opt.Layer, code, ft.name, ft.households, ft.geom); err != nil {
				return err
			}
		}
		if err := bumpGrids(ctx, tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.GridImport, audit.Entry{Action: "grid.import", ObjectType: "org", ObjectID: root.ID,
			Detail: fmt.Sprintf("layer=%s features=%d replace=%v", opt.Layer, len(feats), opt.Replace)})
	})
	if err != nil {
		return rep, err
	}
	s.index.invalidate()
	rep.Imported = len(feats)
	return rep, nil
}

// replaceGrid overwrites the grid of a layer with a code, whatever its
// status, and reports whether there was one.
func replaceGrid(ctx context.Context, tx *db.Tx, village Node, layer, code, name string, households int, m geo.MultiPolygon) (bool, error) {
	geom, bb, c, err := geomRow(m)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE grids SET name = ?, households = ?, geometry = ?, min_lng = ?, min_lat = ?, max_lng = ?, max_lat = ?,
		center_lat = ?, center_lng = ?, org_id = ?, path = ?, status = 'active', version = version + 1, updated_at = ? WHERE layer = ? AND code = ?`,
		name, households, geom, bb.MinLng, bb.MinLat, bb.MaxLng, bb.MaxLat, c.Lat, c.Lng, village.ID, village.path, db.Now(), layer, code)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func latlng(p *geo.Point) *LatLng {
	if p == nil {
		return nil
	}
	return &LatLng{Lat: p.Lat, Lng: p.Lng}
}
