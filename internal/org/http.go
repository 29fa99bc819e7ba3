package org

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

type nodeList struct {
	Items []Node `json:"items"`
}

// GridList is a page of grids.
type GridList struct {
	Items      []Grid `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// LayerView is a layer with its display name.
type LayerView struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type layerList struct {
	Items []LayerView `json:"items"`
}

// featureCollection documents GeoJSON bodies in the OpenAPI document.
type featureCollection struct {
	Type     string           `json:"type"`
	Features []map[string]any `json:"features"`
}

// maxImport is the largest GeoJSON file an import takes.
const maxImport = 32 << 20

// maxShape is the largest body of a grid's add or change, which carries
// its shape.
const maxShape = 4 << 20

// Routes returns the tree and grid endpoints. The GeoJSON answers and the
// import, read by a parser of its own, keep handlers of their own.
func (s *Service) Routes() []httpx.Route {
	h := handler{s}
	gridFilters := []httpx.Param{{Name: "org_id", In: "query"}, {Name: "layer", In: "query"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/org/roots", Tag: "org", Summary: "Top nodes of the caller's scope", Perm: authz.OrgRead,
			Do: httpx.Get(h.roots)},
		{Method: "GET", Path: "/api/v1/org/nodes", Tag: "org", Summary: "Children of a node", Perm: authz.OrgRead,
			Params: []httpx.Param{{Name: "parent_id", In: "query", Required: true}, {Name: "status", In: "query", Desc: "active (default), retired or all"}},
			Do:     httpx.Get(h.children)},
		{Method: "GET", Path: "/api/v1/org/nodes/{id}", Tag: "org", Summary: "One node with its ancestors", Perm: authz.OrgRead,
			Do: httpx.Get(h.node)},
		{Method: "POST", Path: "/api/v1/org/nodes", Tag: "org", Summary: "Add a node under a parent", Perm: authz.OrgWrite,
			Status: 201, Do: httpx.Call(h.createNode)},
		{Method: "PATCH", Path: "/api/v1/org/nodes/{id}", Tag: "org", Summary: "Rename a node", Perm: authz.OrgWrite,
			Do: httpx.Call(h.updateNode)},
		{Method: "POST", Path: "/api/v1/org/nodes/{id}/move", Tag: "org", Summary: "Move a node under another parent with a new code",
			Perm: authz.OrgWrite, Do: httpx.Call(h.moveNode)},
		{Method: "POST", Path: "/api/v1/org/nodes/{id}/retire", Tag: "org", Summary: "Retire a node with nothing active under it",
			Perm: authz.OrgWrite, Do: httpx.Call(h.retireNode)},
		{Method: "GET", Path: "/api/v1/org/nodes/{id}/geojson", Tag: "org", Summary: "The node's area and its children's areas (GeoJSON)",
			Perm: authz.OrgRead, Out: featureCollection{}, OutType: "application/geo+json", Handler: h.nodeGeoJSON},
		{Method: "GET", Path: "/api/v1/layers", Tag: "grids", Summary: "Grid layers", Perm: authz.GridRead,
			Do: httpx.Get(h.layers)},
		{Method: "GET", Path: "/api/v1/grids", Tag: "grids", Summary: "Grids under an org node, by code", Perm: authz.GridRead,
			Params: append(gridFilters, httpx.Param{Name: "status", In: "query"}, httpx.Param{Name: "q", In: "query"},
				httpx.Param{Name: "cursor", In: "query"}, httpx.Param{Name: "limit", In: "query", Type: "integer"}),
			Do: httpx.Get(h.grids)},
		{Method: "GET", Path: "/api/v1/grids/geojson", Tag: "grids", Summary: "Grids under an org node as GeoJSON", Perm: authz.GridRead,
			Params: gridFilters, Out: featureCollection{}, OutType: "application/geo+json", Handler: h.gridsGeoJSON},
		{Method: "GET", Path: "/api/v1/grids/export", Tag: "grids", Summary: "Download grids under an org node as a GeoJSON file",
			Perm: authz.GridExport, Params: gridFilters, Out: featureCollection{}, OutType: "application/geo+json", Handler: h.exportGrids},
		{Method: "POST", Path: "/api/v1/grids/import", Tag: "grids", Summary: "Import grids from a GeoJSON FeatureCollection",
			Perm: authz.GridImport, In: featureCollection{}, Out: ImportReport{},
			Params: []httpx.Param{{Name: "org_id", In: "query", Required: true}, {Name: "layer", In: "query", Required: true},
				{Name: "crs", In: "query", Desc: "wgs84 (default), gcj02 or bd09"}, {Name: "dry_run", In: "query", Type: "boolean"},
				{Name: "replace", In: "query", Type: "boolean", Desc: "retire the villages' current grids of the layer"}},
			Handler: h.importGrids},
		{Method: "POST", Path: "/api/v1/grids", Tag: "grids", Summary: "Add a grid to a village", Perm: authz.GridWrite,
			Status: 201, MaxBody: maxShape, Do: httpx.Call(h.createGrid)},
		{Method: "GET", Path: "/api/v1/grids/{id}", Tag: "grids", Summary: "One grid with shape, team and ancestors", Perm: authz.GridRead,
			Do: httpx.Get(h.grid)},
		{Method: "PATCH", Path: "/api/v1/grids/{id}", Tag: "grids", Summary: "Change a grid's name, households or shape", Perm: authz.GridWrite,
			MaxBody: maxShape, Do: httpx.Call(h.updateGrid)},
		{Method: "POST", Path: "/api/v1/grids/{id}/move", Tag: "grids", Summary: "Move a grid to another village", Perm: authz.GridWrite,
			Do: httpx.Call(h.moveGrid)},
		{Method: "POST", Path: "/api/v1/grids/{id}/retire", Tag: "grids", Summary: "Retire a grid", Perm: authz.GridWrite,
			Do: httpx.Call(h.retireGrid)},
		{Method: "POST", Path: "/api/v1/grids/{id}/team", Tag: "teams", Summary: "Give a roster entry (or a new one) a place on the grid's team",
			Perm: authz.WorkforceWrite, Status: 201, Do: httpx.Call(h.addPlace)},
		{Method: "PATCH", Path: "/api/v1/team-places/{id}", Tag: "teams", Summary: "Change a team place's role, or make it the person's primary place",
			Perm: authz.WorkforceWrite, Do: httpx.Call(h.updatePlace)},
		{Method: "POST", Path: "/api/v1/team-places/{id}/remove", Tag: "teams", Summary: "Take a place off a grid's team",
			Perm: authz.WorkforceWrite, Do: httpx.Call(h.removePlace)},
		{Method: "GET", Path: "/api/v1/workers", Tag: "teams", Summary: "The roster of the grid workforce (花名册)", Perm: authz.WorkforceRead,
			Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "employment", In: "query"}, {Name: "status", In: "query", Desc: "active (default), left or all"},
				{Name: "role", In: "query"}, {Name: "grid_id", In: "query"}, {Name: "q", In: "query", Desc: "a name (a phone number is looked up by POST /api/v1/workers/lookup)"},
				{Name: "page", In: "query", Type: "integer"}, {Name: "size", In: "query", Type: "integer"}},
			Do: httpx.Get(h.workers)},
		{Method: "GET", Path: "/api/v1/workers/export", Tag: "teams", Summary: "The roster as a spreadsheet (xlsx; phones masked, watermarked, audited)",
			Perm: authz.WorkforceRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "employment", In: "query"}, {Name: "status", In: "query"},
				{Name: "role", In: "query"}, {Name: "grid_id", In: "query"}, {Name: "q", In: "query"}},
			OutType: "application/octet-stream", Out: []byte{}, Handler: h.exportWorkers},
		{Method: "POST", Path: "/api/v1/workers/lookup", Tag: "teams", Summary: "Roster entries with a phone number (in the body, never the URL; audited)",
			Perm: authz.WorkforceRead, Do: httpx.Call(h.lookupWorkers)},
		{Method: "POST", Path: "/api/v1/workers", Tag: "teams", Summary: "Put a person on the roster of a village or town", Perm: authz.WorkforceWrite,
			Status: 201, Do: httpx.Call(h.createWorker)},
		{Method: "GET", Path: "/api/v1/workers/{id}", Tag: "teams", Summary: "One roster entry with its places and history", Perm: authz.WorkforceRead,
			Do: httpx.Get(h.worker)},
		{Method: "PATCH", Path: "/api/v1/workers/{id}", Tag: "teams", Summary: "Change a roster entry", Perm: authz.WorkforceWrite,
			Do: httpx.Call(h.updateWorker)},
		{Method: "POST", Path: "/api/v1/workers/{id}/move", Tag: "teams", Summary: "Move a member to another grid, or record that they left; a successor takes their places and open work",
			Perm: authz.WorkforceWrite, Do: httpx.Call(h.moveWorker)},
		{Method: "POST", Path: "/api/v1/workers/{id}/reveal", Tag: "teams", Summary: "A roster entry's full phone number, for a reason (audited)",
			Perm: authz.WorkforceRead, Do: httpx.Call(h.revealWorker)},
		{Method: "GET", Path: "/api/v1/locate", Tag: "grids", Summary: "The grid of each layer holding a WGS-84 point", Perm: authz.GridRead,
			Params: []httpx.Param{{Name: "lat", In: "query", Type: "number", Required: true}, {Name: "lng", In: "query", Type: "number", Required: true}},
			Do:     httpx.Get(h.locate)},
	}
}

// handler holds the endpoints of Routes.
type handler struct{ s *Service }

func pathID(r *http.Request) string { return r.PathValue("id") }

func (h handler) roots(r *http.Request) (nodeList, error) {
	nodes, err := h.s.Roots(r.Context())
	return nodeList{nodes}, err
}

func (h handler) children(r *http.Request) (nodeList, error) {
	q := r.URL.Query()
	if q.Get("parent_id") == "" {
		return nodeList{}, apperr.Field("parent_id", "validation.required")
	}
	nodes, err := h.s.Children(r.Context(), q.Get("parent_id"), q.Get("status"))
	return nodeList{nodes}, err
}

func (h handler) node(r *http.Request) (Node, error) {
	return h.s.Node(r.Context(), pathID(r))
}

func (h handler) createNode(r *http.Request, in NodeInput) (Node, error) {
	return h.s.CreateNode(r.Context(), in)
}

func (h handler) updateNode(r *http.Request, in NodePatch) (Node, error) {
	return h.s.UpdateNode(r.Context(), pathID(r), in)
}

func (h handler) moveNode(r *http.Request, in NodeMove) (Node, error) {
	return h.s.MoveNode(r.Context(), pathID(r), in)
}

func (h handler) retireNode(r *http.Request, in VersionOnly) (Node, error) {
	return h.s.RetireNode(r.Context(), pathID(r), in.Version)
}

func (h handler) nodeGeoJSON(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.s.NodeFeatures(r.Context(), pathID(r))
	return geoReply(w, fc, err, "")
}

func (h handler) layers(r *http.Request) (layerList, error) {
	lang := i18n.Lang(r)
	out := make([]LayerView, len(Layers))
	for i, l := range Layers {
		out[i] = LayerView{l, i18n.T(lang, "layer."+l, nil)}
	}
	return layerList{out}, nil
}

func (h handler) grids(r *http.Request) (GridList, error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	grids, next, err := h.s.ListGrids(r.Context(), GridQuery{OrgID: q.Get("org_id"), Layer: q.Get("layer"), Status: q.Get("status"),
		Q: q.Get("q"), After: q.Get("cursor"), Limit: limit})
	return GridList{grids, next}, err
}

func (h handler) gridsGeoJSON(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.s.GridFeatures(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("layer"))
	return geoReply(w, fc, err, "")
}

func (h handler) exportGrids(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.s.GridFeatures(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("layer"))
	return geoReply(w, fc, err, "grids.geojson")
}

func (h handler) createGrid(r *http.Request, in GridInput) (Grid, error) {
	return h.s.CreateGrid(r.Context(), in)
}

func (h handler) grid(r *http.Request) (Grid, error) {
	return h.s.Grid(r.Context(), pathID(r))
}

func (h handler) updateGrid(r *http.Request, in GridPatch) (Grid, error) {
	return h.s.UpdateGrid(r.Context(), pathID(r), in)
}

func (h handler) moveGrid(r *http.Request, in GridMove) (Grid, error) {
	return h.s.MoveGrid(r.Context(), pathID(r), in)
}

func (h handler) retireGrid(r *http.Request, in VersionOnly) (Grid, error) {
	return h.s.RetireGrid(r.Context(), pathID(r), in.Version)
}

func (h handler) locate(r *http.Request) ([]Hit, error) {
	var f apperr.Fields
	coord := func(name string, lim float64) float64 {
		v, err := strconv.ParseFloat(r.URL.Query().Get(name), 64)
		if err != nil || v != v || v < -lim || v > lim {
			f.Add(name, "validation.coordinate", "min", -lim, "max", lim)
		}
		return v
	}
	p := geo.Point{Lat: coord("lat", 90), Lng: coord("lng", 180)}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return h.s.Locate(r.Context(), i18n.Lang(r), p)
}

// importGrids reads the file itself: up to maxImport bytes, checked as
// text, then parsed as GeoJSON by the import.
func (h handler) importGrids(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	crs := q.Get("crs")
	if crs == "" {
		crs = "wgs84"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImport))
	if err != nil {
		return apperr.E(apperr.Invalid, "request.too_large", "limit", maxImport)
	}
	if err := httpx.CheckJSON(body); err != nil {
		return err
	}
	rep, err := h.s.ImportGrids(r.Context(), ImportOptions{OrgID: q.Get("org_id"), Layer: q.Get("layer"), CRS: geo.CRS(crs),
		DryRun: q.Get("dry_run") == "true", Replace: q.Get("replace") == "true", Lang: i18n.Lang(r)}, body)
	return httpx.Reply(w, rep, err)
}

func (h handler) addPlace(r *http.Request, in PlaceInput) (Grid, error) {
	return h.s.AddPlace(r.Context(), pathID(r), in)
}

func (h handler) updatePlace(r *http.Request, in PlacePatch) (Grid, error) {
	return h.s.UpdatePlace(r.Context(), pathID(r), in)
}

func (h handler) removePlace(r *http.Request, in VersionOnly) (Grid, error) {
	return h.s.RemovePlace(r.Context(), pathID(r), in.Version)
}

func (h handler) workers(r *http.Request) (Roster, error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("size"))
	return h.s.ListWorkers(r.Context(), RosterQuery{OrgID: q.Get("org_id"), Employment: q.Get("employment"), Status: q.Get("status"),
		Role: q.Get("role"), GridID: q.Get("grid_id"), Q: q.Get("q"), Page: page, Size: size})
}

func (h handler) exportWorkers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var buf bytes.Buffer
	if _, err := h.s.WriteRoster(r.Context(), &buf, RosterQuery{OrgID: q.Get("org_id"), Employment: q.Get("employment"), Status: q.Get("status"),
		Role: q.Get("role"), GridID: q.Get("grid_id"), Q: q.Get("q")}, i18n.Lang(r)); err != nil {
		return err
	}
	httpx.Download(w, i18n.T(i18n.Lang(r), "ui.menu.roster", nil)+".xlsx", httpx.XLSX, buf.Bytes())
	return nil
}

func (h handler) lookupWorkers(r *http.Request, in PhoneLookup) (Roster, error) {
	return h.s.LookupWorkers(r.Context(), in)
}

func (h handler) createWorker(r *http.Request, in WorkerInput) (WorkerEntry, error) {
	return h.s.CreateWorker(r.Context(), in)
}

func (h handler) worker(r *http.Request) (WorkerEntry, error) {
	return h.s.Worker(r.Context(), pathID(r))
}

func (h handler) updateWorker(r *http.Request, in WorkerPatch) (WorkerEntry, error) {
	return h.s.UpdateWorker(r.Context(), pathID(r), in)
}

func (h handler) moveWorker(r *http.Request, in MoveInput) (MoveResult, error) {
	return h.s.MoveWorker(r.Context(), pathID(r), in)
}

func (h handler) revealWorker(r *http.Request, in RevealInput) (Revealed, error) {
	return h.s.RevealWorkerPhone(r.Context(), pathID(r), in)
}

func geoReply(w http.ResponseWriter, fc geo.FeatureCollection, err error, download string) error {
	if err != nil {
		return err
	}
	b, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	if download != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+download+`"`)
	}
	w.Write(b)
	return nil
}
