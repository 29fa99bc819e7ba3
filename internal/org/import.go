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
	im := &importRun{s: s, opt: opt, rep: ImportReport{Problems: []ImportProblem{}}, villages: map[string]Node{}}
	if err := im.start(ctx); err != nil {
		return im.rep, err
	}
	fc, err := im.parse(body)
	if err != nil {
		return im.rep, err
	}
	feats, err := im.readFeatures(ctx, fc)
	if err != nil {
		return im.rep, err
	}
	byVillage := featuresByVillage(feats)
	if err := im.checkTiling(ctx, feats, byVillage); err != nil {
		return im.rep, err
	}
	refused := im.tally(feats)
	if opt.DryRun {
		return im.rep, nil
	}
	if refused {
		return im.rep, importError{apperr.E(apperr.Unprocessable, "grid.import_refused"), im.rep}
	}
	if err := im.write(ctx, feats, byVillage); err != nil {
		return im.rep, err
	}
	s.index.invalidate()
	im.rep.Imported = len(feats)
	return im.rep, nil
}

// importRun is one import under way: its options, the node it goes under
// and the report it builds.
type importRun struct {
	s    *Service
	opt  ImportOptions
	root Node
	rep  ImportReport
	// villages caches villageOf by 12-digit code; a zero Node is a code
	// that names no usable village.
	villages map[string]Node
}

// start checks the options and finds the node the grids go under.
func (im *importRun) start(ctx context.Context) error {
	if !slices.Contains(Layers, im.opt.Layer) {
		return apperr.Field("layer", "grid.layer_unknown", "layer", im.opt.Layer)
	}
	if !im.opt.CRS.Valid() {
		return apperr.Field("crs", "validation.one_of", "values", "wgs84, gcj02, bd09")
	}
	root, err := im.s.node(ctx, im.s.db.Reader(), authz.GridImport, im.opt.OrgID)
	if err != nil {
		return apperr.Field("org_id", "org.not_found")
	}
	im.root = root
	return nil
}

// add puts a problem in the report.
func (im *importRun) add(p ImportProblem) { im.rep.Problems = append(im.rep.Problems, p) }

// msg is a message in the import's language.
func (im *importRun) msg(key string, kv ...any) string {
	params := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		params[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return i18n.T(im.opt.Lang, key, params)
}

// parse reads the document; one that does not parse is refused with the
// parser's finding in the report.
func (im *importRun) parse(body []byte) (geo.FeatureCollection, error) {
	fc, err := geo.ParseFeatureCollection(body)
	if err != nil {
		pe, _ := err.(*geo.ParseError)
		p := ImportProblem{Feature: -1, Kind: "parse", Message: im.msg("geo.invalid", "detail", err.Error())}
		if pe != nil {
			p.Feature = pe.Feature
		}
		im.add(p)
		return fc, importError{apperr.E(apperr.Unprocessable, "grid.import_refused"), im.rep}
	}
	im.rep.Read = len(fc.Features)
	if im.rep.Read == 0 {
		return fc, apperr.Field("features", "grid.import_empty")
	}
	if im.rep.Read > 5000 {
		return fc, apperr.Field("features", "grid.import_too_many", "max", 5000)
	}
	return fc, nil
}

// readFeatures checks each feature on its own: code, village, name,
// households and shape.
func (im *importRun) readFeatures(ctx context.Context, fc geo.FeatureCollection) ([]importFeature, error) {
	feats := make([]importFeature, len(fc.Features))
	seen := map[string]int{} // code → the feature that had it first
	for i, f := range fc.Features {
		ft, err := im.readFeature(ctx, i, f, seen)
		if err != nil {
			return nil, err
		}
		feats[i] = ft
	}
	return feats, nil
}

func (im *importRun) readFeature(ctx context.Context, i int, f geo.Feature, seen map[string]int) (importFeature, error) {
	ft := importFeature{idx: i, code: strings.TrimSpace(f.PropString("code")), name: strings.TrimSpace(f.PropString("name")), ok: true}
	bad := func(kind, text string) {
		ft.ok = false
		im.add(ImportProblem{Feature: i, Kind: kind, Message: text})
	}
	if h := f.PropString("households"); h != "" {
		if _, err := fmt.Sscan(h, &ft.households); err != nil || ft.households < 0 || ft.households > 100000 {
			bad("households", im.msg("validation.range", "min", 0, "max", 100000))
		}
	}
	switch {
	case ft.code != "" && (len(ft.code) != 15 || !allDigits(ft.code)):
		bad("code", im.msg("grid.code_format", "village", "…"))
	case ft.code != "":
		if v, ok := im.villageOf(ctx, ft.code); ok {
			ft.village = v
		} else {
			bad("code", im.msg("grid.village_unknown", "code", ft.code[:12]))
		}
		if j, dup := seen[ft.code]; dup {
			bad("code", im.msg("grid.code_duplicate", "other", j))
		}
		if err := checkCodeLayer("code", ft.code, im.opt.Layer); err != nil {
			e := apperr.As(err).Fields[0]
			bad("code", i18n.T(im.opt.Lang, e.Code, e.Params))
		}
		if !im.opt.Replace {
			var n int
			if err := im.s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM grids WHERE layer = ? AND code = ?", im.opt.Layer, ft.code).Scan(&n); err != nil {
				return ft, err
			}
			if n > 0 {
				bad("code", im.msg("grid.code_taken", "code", ft.code))
			}
		}
		seen[ft.code] = i
	case im.root.Kind == "village":
		ft.village = im.root
	default:
		bad("code", im.msg("grid.import_needs_code"))
	}
	if ft.name == "" {
		ft.name = ft.code
	}
	if ft.name == "" {
		ft.name = fmt.Sprintf("%s-%d", im.root.Name, i+1)
	}
	if len([]rune(ft.name)) > 64 {
		bad("name", im.msg("validation.length", "min", 1, "max", 64))
	}
	g, err := geo.ToWGS84(im.opt.CRS, f.Geometry)
	if err != nil {
		bad("crs", err.Error())
	}
	ft.geom = g
	for _, p := range geo.ValidateMultiPolygon(g) {
		ft.ok = false
		im.add(ImportProblem{Feature: i, Kind: p.Kind, Message: im.msg("geo."+p.Kind, "detail", p.Detail), At: latlng(p.At)})
	}
	return ft, nil
}

// villageOf is the active village, under the import's node and in the
// caller's scope, of a 15-digit grid code.
func (im *importRun) villageOf(ctx context.Context, code string) (Node, bool) {
	vcode := code[:12]
	if v, ok := im.villages[vcode]; ok {
		return v, v.ID != ""
	}
	var id string
	err := im.s.db.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ? AND kind = 'village'", vcode).Scan(&id)
	var v Node
	if err == nil {
		v, err = im.s.node(ctx, im.s.db.Reader(), authz.GridImport, id)
	}
	if err != nil || !strings.HasPrefix(v.path, im.root.path) || v.Status != "active" {
		v = Node{}
	}
	im.villages[vcode] = v
	return v, v.ID != ""
}

// featuresByVillage lists the features with a village and a shape by
// village id.
func featuresByVillage(feats []importFeature) map[string][]int {
	byVillage := map[string][]int{}
	for i, ft := range feats {
		if ft.village.ID != "" && ft.geom != nil {
			byVillage[ft.village.ID] = append(byVillage[ft.village.ID], i)
		}
	}
	return byVillage
}

// checkTiling checks per village that the imported grids, with the grids
// that stay, tile the village's area.
func (im *importRun) checkTiling(ctx context.Context, feats []importFeature, byVillage map[string][]int) error {
	for vid, idxs := range byVillage {
		if err := im.checkVillage(ctx, feats, vid, idxs); err != nil {
			return err
		}
	}
	return nil
}

func (im *importRun) checkVillage(ctx context.Context, feats []importFeature, vid string, idxs []int) error {
	_, area, err := im.s.village(ctx, im.s.db.Reader(), vid)
	if err != nil {
		return err
	}
	children := make([]geo.MultiPolygon, 0, len(idxs))
	for _, i := range idxs {
		children = append(children, feats[i].geom)
	}
	var existing []string
	if !im.opt.Replace {
		codes, shapes, err := im.staying(ctx, vid)
		if err != nil {
			return err
		}
		existing, children = codes, append(children, shapes...)
	}
	// The k-th child is an imported feature, or after them a grid that stays.
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
		ip.Message = im.msg("geo."+p.Kind, "detail", p.Detail)
		if ip.Feature >= 0 && blocking(p.Kind) {
			feats[ip.Feature].ok = false
		}
		im.add(ip)
	}
	return nil
}

// staying returns the codes and shapes of the village's active grids of
// the layer, which an import without replace keeps.
func (im *importRun) staying(ctx context.Context, vid string) ([]string, []geo.MultiPolygon, error) {
	rows, err := im.s.db.Reader().QueryContext(ctx, "SELECT code, geometry FROM grids WHERE org_id = ? AND layer = ? AND status = 'active' ORDER BY code", vid, im.opt.Layer)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var codes []string
	var shapes []geo.MultiPolygon
	for rows.Next() {
		var code, geom string
		if err := rows.Scan(&code, &geom); err != nil {
			return nil, nil, err
		}
		m, err := geo.ParseGeometry([]byte(geom))
		if err != nil {
			return nil, nil, apperr.Wrap(err, "stored grid geometry")
		}
		codes = append(codes, code)
		shapes = append(shapes, m)
	}
	return codes, shapes, nil
}

// tally counts the valid features and reports whether a blocking problem
// refuses the import.
func (im *importRun) tally(feats []importFeature) bool {
	for _, ft := range feats {
		if ft.ok {
			im.rep.Valid++
		}
	}
	refused := false
	for _, p := range im.rep.Problems {
		refused = refused || blocking(p.Kind)
	}
	return refused
}

// write creates the grids in one transaction; with replace, the villages'
// grids the file does not name again retire and those it names are
// updated in place.
func (im *importRun) write(ctx context.Context, feats []importFeature, byVillage map[string][]int) error {
	opt := im.opt
	return im.s.db.InTx(ctx, func(tx *db.Tx) error {
		if opt.Replace {
			for vid, idxs := range byVillage {
				if err := retireUnnamed(ctx, tx, feats, vid, idxs, opt.Layer); err != nil {
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
		return im.s.audit.Record(ctx, tx, authz.GridImport, audit.Entry{Action: "grid.import", ObjectType: "org", ObjectID: im.root.ID,
			Detail: fmt.Sprintf("layer=%s features=%d replace=%v", opt.Layer, len(feats), opt.Replace)})
	})
}

// retireUnnamed retires the active grids of a village and layer whose
// codes the file does not name again.
func retireUnnamed(ctx context.Context, tx *db.Tx, feats []importFeature, vid string, idxs []int, layer string) error {
	keep := []any{db.Now(), vid, layer}
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
	_, err := tx.ExecContext(ctx, q, keep...)
	return err
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
