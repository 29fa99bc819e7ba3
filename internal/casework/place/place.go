// Package place answers what a reporter needs to place a report on the
// map before filing it, under the right to report (event.report) alone:
// the outlines of the grids of their own area, the grid a point of that
// area falls in — the very grid the report will be filed in — the open
// public reports near it ("is it already reported?") and the categories
// their channel reports most. It shows names and codes of grids and what
// a public face (casework/public) shows of events, nothing personal; a
// point outside the reporter's area is answered as a point in no grid.
package place

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/casework/public"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// MaxGrids is the most grid outlines one answer draws: a village's or a
// town's grids; a county's staff place their reports on the console.
const MaxGrids = 400

// NearMeters is how far around a point the open public reports are shown.
const NearMeters = 300

// Common is how many categories the short list holds.
const Common = 6

// Service answers the report page's map.
type Service struct {
	db    *db.DB
	grids casework.Locator
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service; grids is the same locator casework files reports
// with, so the page and the filing agree on the grid.
func New(d *db.DB, grids casework.Locator) *Service {
	return &Service{db: d, grids: grids, Now: time.Now}
}

// Grid is a main-layer grid of the reporter's area with its outline.
type Grid struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	OrgName  string          `json:"org_name"`
	Geometry json.RawMessage `json:"geometry"` // GeoJSON MultiPolygon, WGS-84
}

// Area is the reporter's area on the map.
type Area struct {
	Grids []Grid `json:"grids"`
	// More is true when the area holds more than MaxGrids grids: only the
	// first are drawn.
	More bool `json:"more"`
}

// Spot is the grid a point falls in.
type Spot struct {
	GridCode string `json:"grid_code"`
	GridName string `json:"grid_name"`
	OrgName  string `json:"org_name"`
}

// Nearby is an open public report near a point, as the public sees it.
type Nearby struct {
	No           string   `json:"no"`
	CategoryCode string   `json:"category_code"`
	CategoryName string   `json:"category_name"`
	Description  string   `json:"description"`
	State        string   `json:"state"`
	Lat          *float64 `json:"lat"`
	Lng          *float64 `json:"lng"`
	CreatedAt    int64    `json:"created_at"`
	Meters       int      `json:"meters"`
}

// Category is a category of the short list.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Items is a list answer.
type Items[T any] struct {
	Items []T `json:"items"`
}

// Routes are the report page's map endpoints.
func (s *Service) Routes() []httpx.Route {
	point := []httpx.Param{{Name: "lat", In: "query", Required: true, Desc: "WGS-84"}, {Name: "lng", In: "query", Required: true, Desc: "WGS-84"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/report/grids", Tag: "events", Summary: "The outlines of the grids the caller reports in (names and codes only)",
			Perm: authz.EventReport, Do: httpx.Get(s.area)},
		{Method: "GET", Path: "/api/v1/report/locate", Tag: "events", Summary: "The grid of the caller's area a report at the point is filed in",
			Perm: authz.EventReport, Params: point, Do: httpx.Get(s.locate)},
		{Method: "GET", Path: "/api/v1/report/nearby", Tag: "events", Summary: "Open public reports near a point of the caller's area (as Open311 shows them)",
			Perm: authz.EventReport, Params: point, Do: httpx.Get(s.nearby)},
		{Method: "GET", Path: "/api/v1/report/categories", Tag: "events", Summary: "The categories the caller's channel reports most",
			Perm: authz.EventReport, Do: httpx.Get(s.common)},
	}
}

func (s *Service) area(r *http.Request) (Area, error) {
	out, more, err := org.MainGridOutlines(r.Context(), s.db.Reader(), authz.From(r.Context()).Scopes(authz.EventReport), MaxGrids)
	if err != nil {
		return Area{}, err
	}
	a := Area{Grids: make([]Grid, len(out)), More: more}
	for i, o := range out {
		a.Grids[i] = Grid{Code: o.Code, Name: o.Name, OrgName: o.OrgName, Geometry: json.RawMessage(o.Geometry)}
	}
	return a, nil
}

func (s *Service) locate(r *http.Request) (Spot, error) {
	p, err := point(r)
	if err != nil {
		return Spot{}, err
	}
	hit, err := s.spot(r.Context(), p)
	return Spot{GridCode: hit.GridCode, GridName: hit.GridName, OrgName: hit.orgName}, err
}

// hit is a located grid with its area's name.
type hit struct {
	casework.GridHit
	orgName string
}

// spot returns the main-layer grid holding p when it lies in the
// caller's area (event.report). A point in no grid and a point in another
// area's grid are refused alike, naming the field lat: the answer does
// not tell whether a grid is there.
func (s *Service) spot(ctx context.Context, p geo.Point) (hit, error) {
	// The same lookup as casework's filing: every grid, then the first.
	hits, err := s.grids.Locate(authz.WithPrincipal(ctx, authz.System()), "zh-CN", p)
	if err != nil {
		return hit{}, err
	}
	if len(hits) == 0 || !authz.From(ctx).Covers(authz.EventReport, hits[0].Path) {
		return hit{}, apperr.Field("lat", "report.outside_area")
	}
	name, err := org.NameOf(ctx, s.db.Reader(), hits[0].OrgID)
	return hit{hits[0], name}, err
}

func (s *Service) nearby(r *http.Request) (Items[Nearby], error) {
	ctx := r.Context()
	p, err := point(r)
	if err != nil {
		return Items[Nearby]{}, err
	}
	if _, err := s.spot(ctx, p); err != nil {
		return Items[Nearby]{}, err
	}
	dLat := NearMeters / 111320.0
	dLng := dLat / math.Cos(p.Lat*math.Pi/180)
	events, err := public.List(ctx, s.db.Reader(), public.Query{Status: []string{"open"}, Limit: 200,
		Paths: authz.From(ctx).Scopes(authz.EventReport),
		Box:   &public.Box{MinLat: p.Lat - dLat, MaxLat: p.Lat + dLat, MinLng: p.Lng - dLng, MaxLng: p.Lng + dLng}})
	if err != nil {
		return Items[Nearby]{}, err
	}
	out := []Nearby{}
	for _, e := range events {
		if e.Lat == nil || e.Lng == nil {
			continue
		}
		m := meters(p, geo.Point{Lat: *e.Lat, Lng: *e.Lng})
		if m > NearMeters {
			continue
		}
		desc, _ := pii.Scrub(e.Description) // the last filter of every published text, as Open311's
		out = append(out, Nearby{No: e.No, CategoryCode: e.CategoryCode, CategoryName: e.CategoryName, Description: desc,
			State: e.State, Lat: e.Lat, Lng: e.Lng, CreatedAt: e.CreatedAt, Meters: m})
	}
	slices.SortStableFunc(out, func(a, b Nearby) int { return a.Meters - b.Meters })
	if len(out) > 20 {
		out = out[:20]
	}
	return Items[Nearby]{out}, nil
}

// common lists the Common categories most reported by the caller's channel
// in the caller's area over the last year, then the first others by code: a short list to pick
// from with one thumb.
func (s *Service) common(r *http.Request) (Items[Category], error) {
	ctx := r.Context()
	p := authz.From(ctx)
	scope, args := authz.ScopeSQL("path", p.Scopes(authz.EventReport))
	args = append([]any{casework.OwnChannel(p), s.Now().AddDate(-1, 0, 0).UnixMilli()}, args...)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.code, c.name FROM categories c
		LEFT JOIN (SELECT category_code, count(*) AS n FROM events WHERE channel = ? AND created_at >= ? AND `+scope+` GROUP BY category_code) used
		ON used.category_code = c.code
		WHERE c.active = ? AND COALESCE(c.parent_code, '') <> '' ORDER BY COALESCE(used.n, 0) DESC, c.code LIMIT `+strconv.Itoa(Common),
		append(args, true)...)
	if err != nil {
		return Items[Category]{}, err
	}
	defer rows.Close()
	out := []Category{}
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.Code, &c.Name); err != nil {
			return Items[Category]{}, err
		}
		out = append(out, c)
	}
	return Items[Category]{out}, rows.Err()
}

// point reads the lat and lng of the query, naming each one that is wrong.
func point(r *http.Request) (geo.Point, error) {
	var f apperr.Fields
	coord := func(name string, lim float64) float64 {
		v, err := strconv.ParseFloat(r.URL.Query().Get(name), 64)
		if err != nil || math.IsNaN(v) || v < -lim || v > lim {
			f.Add(name, "validation.coordinate", "min", -lim, "max", lim)
		}
		return v
	}
	p := geo.Point{Lat: coord("lat", 90), Lng: coord("lng", 180)}
	return p, f.Err()
}

// meters is the distance between two near points, rounded.
func meters(a, b geo.Point) int {
	dy := (a.Lat - b.Lat) * 111320
	dx := (a.Lng - b.Lng) * 111320 * math.Cos(a.Lat*math.Pi/180)
	return int(math.Round(math.Hypot(dx, dy)))
}
