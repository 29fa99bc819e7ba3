package org

import (
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

// Routes registers the tree and grid endpoints.
func (s *Service) Routes(rt *httpx.Router) {
	id := func(r *http.Request) string { return r.PathValue("id") }
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/org/roots", Tag: "org", Summary: "Top nodes of the caller's scope", Perm: authz.OrgRead,
		Out: nodeList{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			nodes, err := s.Roots(r.Context())
			return httpx.Reply(w, nodeList{nodes}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/org/nodes", Tag: "org", Summary: "Children of a node", Perm: authz.OrgRead,
		Params: []httpx.Param{{Name: "parent_id", In: "query", Required: true}, {Name: "status", In: "query", Desc: "active (default), retired or all"}},
		Out:    nodeList{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			if q.Get("parent_id") == "" {
				return apperr.Field("parent_id", "validation.required")
			}
			nodes, err := s.Children(r.Context(), q.Get("parent_id"), q.Get("status"))
			return httpx.Reply(w, nodeList{nodes}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/org/nodes/{id}", Tag: "org", Summary: "One node with its ancestors", Perm: authz.OrgRead,
		Out: Node{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			n, err := s.Node(r.Context(), id(r))
			return httpx.Reply(w, n, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/org/nodes", Tag: "org", Summary: "Add a node under a parent", Perm: authz.OrgWrite,
		In: NodeInput{}, Out: Node{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in NodeInput
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			n, err := s.CreateNode(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 201, n)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "PATCH", Path: "/api/v1/org/nodes/{id}", Tag: "org", Summary: "Rename a node", Perm: authz.OrgWrite,
		In: NodePatch{}, Out: Node{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in NodePatch
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			n, err := s.UpdateNode(r.Context(), id(r), in)
			return httpx.Reply(w, n, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/org/nodes/{id}/move", Tag: "org", Summary: "Move a node under another parent with a new code",
		Perm: authz.OrgWrite, In: NodeMove{}, Out: Node{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in NodeMove
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			n, err := s.MoveNode(r.Context(), id(r), in)
			return httpx.Reply(w, n, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/org/nodes/{id}/retire", Tag: "org", Summary: "Retire a node with nothing active under it",
		Perm: authz.OrgWrite, In: VersionOnly{}, Out: Node{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in VersionOnly
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			n, err := s.RetireNode(r.Context(), id(r), in.Version)
			return httpx.Reply(w, n, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/org/nodes/{id}/geojson", Tag: "org", Summary: "The node's area and its children's areas (GeoJSON)",
		Perm: authz.OrgRead, Out: featureCollection{}, OutType: "application/geo+json", Handler: func(w http.ResponseWriter, r *http.Request) error {
			fc, err := s.NodeFeatures(r.Context(), id(r))
			return geoReply(w, fc, err, "")
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/layers", Tag: "grids", Summary: "Grid layers", Perm: authz.GridRead,
		Out: layerList{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			lang := i18n.Lang(r)
			out := make([]LayerView, len(Layers))
			for i, l := range Layers {
				out[i] = LayerView{l, i18n.T(lang, "layer."+l, nil)}
			}
			httpx.JSON(w, 200, layerList{out})
			return nil
		}})
	gridFilters := []httpx.Param{{Name: "org_id", In: "query"}, {Name: "layer", In: "query"}}
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/grids", Tag: "grids", Summary: "Grids under an org node, by code", Perm: authz.GridRead,
		Params: append(gridFilters, httpx.Param{Name: "status", In: "query"}, httpx.Param{Name: "q", In: "query"},
			httpx.Param{Name: "cursor", In: "query"}, httpx.Param{Name: "limit", In: "query", Type: "integer"}),
		Out: GridList{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			limit, _ := strconv.Atoi(q.Get("limit"))
			grids, next, err := s.ListGrids(r.Context(), GridQuery{OrgID: q.Get("org_id"), Layer: q.Get("layer"), Status: q.Get("status"),
				Q: q.Get("q"), After: q.Get("cursor"), Limit: limit})
			return httpx.Reply(w, GridList{grids, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/grids/geojson", Tag: "grids", Summary: "Grids under an org node as GeoJSON", Perm: authz.GridRead,
		Params: gridFilters, Out: featureCollection{}, OutType: "application/geo+json", Handler: func(w http.ResponseWriter, r *http.Request) error {
			fc, err := s.GridFeatures(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("layer"))
			return geoReply(w, fc, err, "")
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/grids/export", Tag: "grids", Summary: "Download grids under an org node as a GeoJSON file",
		Perm: authz.GridExport, Params: gridFilters, Out: featureCollection{}, OutType: "application/geo+json",
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			fc, err := s.GridFeatures(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("layer"))
			return geoReply(w, fc, err, "grids.geojson")
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/grids/import", Tag: "grids", Summary: "Import grids from a GeoJSON FeatureCollection",
		Perm: authz.GridImport, In: featureCollection{}, Out: ImportReport{},
		Params: []httpx.Param{{Name: "org_id", In: "query", Required: true}, {Name: "layer", In: "query", Required: true},
			{Name: "crs", In: "query", Desc: "wgs84 (default), gcj02 or bd09"}, {Name: "dry_run", In: "query", Type: "boolean"},
			{Name: "replace", In: "query", Type: "boolean", Desc: "retire the villages' current grids of the layer"}},
		Handler: s.handleImport})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/grids", Tag: "grids", Summary: "Add a grid to a village", Perm: authz.GridWrite,
		In: GridInput{}, Out: Grid{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in GridInput
			if err := httpx.Decode(r, &in, 4<<20); err != nil {
				return err
			}
			g, err := s.CreateGrid(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 201, g)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/grids/{id}", Tag: "grids", Summary: "One grid with shape, team and ancestors", Perm: authz.GridRead,
		Out: Grid{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			g, err := s.Grid(r.Context(), id(r))
			return httpx.Reply(w, g, err)
		}})
	rt.Handle(httpx.Route{Method: "PATCH", Path: "/api/v1/grids/{id}", Tag: "grids", Summary: "Change a grid's name, households or shape", Perm: authz.GridWrite,
		In: GridPatch{}, Out: Grid{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in GridPatch
			if err := httpx.Decode(r, &in, 4<<20); err != nil {
				return err
			}
			g, err := s.UpdateGrid(r.Context(), id(r), in)
			return httpx.Reply(w, g, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/grids/{id}/move", Tag: "grids", Summary: "Move a grid to another village", Perm: authz.GridWrite,
		In: GridMove{}, Out: Grid{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in GridMove
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			g, err := s.MoveGrid(r.Context(), id(r), in)
			return httpx.Reply(w, g, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/grids/{id}/retire", Tag: "grids", Summary: "Retire a grid", Perm: authz.GridWrite,
		In: VersionOnly{}, Out: Grid{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in VersionOnly
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			g, err := s.RetireGrid(r.Context(), id(r), in.Version)
			return httpx.Reply(w, g, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/locate", Tag: "grids", Summary: "The grid of each layer holding a WGS-84 point", Perm: authz.GridRead,
		Params: []httpx.Param{{Name: "lat", In: "query", Type: "number", Required: true}, {Name: "lng", In: "query", Type: "number", Required: true}},
		Out:    []Hit{}, Handler: s.handleLocate})
}

func (s *Service) handleLocate(w http.ResponseWriter, r *http.Request) error {
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
		return err
	}
	hits, err := s.Locate(r.Context(), i18n.Lang(r), p)
	return httpx.Reply(w, hits, err)
}

func (s *Service) handleImport(w http.ResponseWriter, r *http.Request) error {
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
	rep, err := s.ImportGrids(r.Context(), ImportOptions{OrgID: q.Get("org_id"), Layer: q.Get("layer"), CRS: geo.CRS(crs),
		DryRun: q.Get("dry_run") == "true", Replace: q.Get("replace") == "true", Lang: i18n.Lang(r)}, body)
	return httpx.Reply(w, rep, err)
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
