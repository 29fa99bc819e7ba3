package casework

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

// Figures are the counts behind the rates of a set of events. The rates are
// defined in docs/casework.md; each count can be listed with the same
// filters on GET /events (drill-down).
type Figures struct {
	Received   int `json:"received"`   // reported in the window, merged ones left out
	Accepted   int `json:"accepted"`   // filed (立案): not refused, not waiting for intake
	Dispatched int `json:"dispatched"` // sent to a unit at least once
	Responded  int `json:"responded"`  // signed for within the sign limit
	Closed     int `json:"closed"`
	OnTime     int `json:"on_time"` // closed by the deadline (self-resolved ones count)
	Rated      int `json:"rated"`
	Satisfied  int `json:"satisfied"` // satisfied + basically satisfied
	Open       int `json:"open"`
	Overdue    int `json:"overdue"` // open and past the stage deadline now
	Village    int `json:"closed_village"`
	Town       int `json:"closed_town"`
	County     int `json:"closed_county"`
}

// Rates are the four rates of a set of events, as fractions (null when the
// denominator is zero).
type Rates struct {
	Response     *float64 `json:"response"`
	Resolution   *float64 `json:"resolution"`
	Satisfaction *float64 `json:"satisfaction"`
	OnTime       *float64 `json:"on_time"`
}

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

// Rates computes the rates from the figures.
func (f Figures) Rates() Rates {
	return Rates{Response: ratio(f.Responded, f.Dispatched), Resolution: ratio(f.Closed, f.Accepted),
		Satisfaction: ratio(f.Satisfied, f.Rated), OnTime: ratio(f.OnTime, f.Closed)}
}

// Row is the figures of one group (an area, a category, a channel, a month).
type Row struct {
	Key     string  `json:"key"`
	Name    string  `json:"name"`
	Figures Figures `json:"figures"`
	Rates   Rates   `json:"rates"`
}

// Dashboard is a leader's overview of an area over a window.
type Dashboard struct {
	OrgID      string  `json:"org_id"`
	From       int64   `json:"from"`
	To         int64   `json:"to"`
	Totals     Figures `json:"totals"`
	Rates      Rates   `json:"rates"`
	ByArea     []Row   `json:"by_area"`
	ByCategory []Row   `json:"by_category"`
	ByChannel  []Row   `json:"by_channel"`
	ByMonth    []Row   `json:"by_month"`
}

// figureCols sums the figures over the rows of a query; ? is now (twice).
const figureCols = `count(*),
	COALESCE(sum(CASE WHEN e.state NOT IN ('reported', 'refused') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.dispatched_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.signed_at IS NOT NULL AND e.signed_at <= e.response_due_at THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND (e.due_at IS NULL OR e.closed_at <= e.due_at) THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.rating IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.rating IN ('satisfied', 'basically') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state IN ('reported', 'filed', 'dispatched', 'handling', 'handled') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state IN ('reported', 'filed', 'dispatched', 'handling', 'handled') AND e.parked = ? AND e.stage_due_at <= ? THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND e.resolved_level = 'village' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND e.resolved_level = 'town' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND e.resolved_level = 'county' THEN 1 ELSE 0 END), 0)`

func scanFigures(sc interface{ Scan(...any) error }, extra ...any) (Figures, error) {
	var f Figures
	dst := append(extra, &f.Received, &f.Accepted, &f.Dispatched, &f.Responded, &f.Closed, &f.OnTime, &f.Rated,
		&f.Satisfied, &f.Open, &f.Overdue, &f.Village, &f.Town, &f.County)
	return f, sc.Scan(dst...)
}

// Dashboard computes the figures of the events reported in [from, to)
// under an org node in the caller's scope, with breakdowns.
func (s *Service) Dashboard(ctx context.Context, orgID string, from, to time.Time, lang string) (Dashboard, error) {
	p := authz.From(ctx)
	d := Dashboard{OrgID: orgID, From: from.UnixMilli(), To: to.UnixMilli(), ByArea: []Row{}, ByCategory: []Row{}, ByChannel: []Row{}, ByMonth: []Row{}}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return d, apperr.Field("to", "dashboard.window")
	}
	var path string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", orgID).Scan(&path); err != nil || !p.Covers(authz.EventRead, path) {
		return d, apperr.Field("org_id", "org.not_found")
	}
	now := s.Now().UnixMilli()
	where := " FROM events e WHERE e.path >= ? AND e.path < ? AND e.created_at >= ? AND e.created_at < ? AND e.state <> 'merged'"
	args := []any{false, now, path, path + "~", d.From, d.To}
	q := s.db.Reader()
	var err error
	if d.Totals, err = scanFigures(q.QueryRowContext(ctx, "SELECT "+figureCols+where, args...)); err != nil {
		return d, err
	}
	d.Rates = d.Totals.Rates()

	group := func(key, name string, extra string) ([]Row, error) {
		rows, err := q.QueryContext(ctx, "SELECT "+key+", "+figureCols+where+extra+" GROUP BY "+key+" ORDER BY "+key, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []Row{}
		for rows.Next() {
			var r Row
			f, err := scanFigures(rows, &r.Key)
			if err != nil {
				return nil, err
			}
			r.Figures, r.Rates = f, f.Rates()
			out = append(out, r)
		}
		return out, rows.Err()
	}
	// Areas: the node's children, each the subtree under it (ids are 36 characters).
	if d.ByArea, err = group("substr(e.path, 1, "+itoa(len(path)+37)+")", "", ""); err != nil {
		return d, err
	}
	for i, r := range d.ByArea {
		parts := strings.Split(strings.Trim(r.Key, "/"), "/")
		r.Key = parts[len(parts)-1]
		q.QueryRowContext(ctx, "SELECT name FROM org_nodes WHERE id = ?", r.Key).Scan(&r.Name)
		d.ByArea[i] = r
	}
	if d.ByCategory, err = group("substr(e.category_code, 1, 2)", "", ""); err != nil {
		return d, err
	}
	for i, r := range d.ByCategory {
		q.QueryRowContext(ctx, "SELECT name FROM categories WHERE code = ?", r.Key).Scan(&d.ByCategory[i].Name)
	}
	if d.ByChannel, err = group("e.channel", "", ""); err != nil {
		return d, err
	}
	for i, r := range d.ByChannel {
		d.ByChannel[i].Name = i18n.T(lang, "channel."+r.Key, nil)
	}
	// Months in China Standard Time, one indexed range query each.
	for m := time.Date(from.In(shanghai).Year(), from.In(shanghai).Month(), 1, 0, 0, 0, 0, shanghai); m.Before(to); m = m.AddDate(0, 1, 0) {
		lo, hi := max(m.UnixMilli(), d.From), min(m.AddDate(0, 1, 0).UnixMilli(), d.To)
		margs := []any{false, now, path, path + "~", lo, hi}
		f, err := scanFigures(q.QueryRowContext(ctx, "SELECT "+figureCols+where, margs...))
		if err != nil {
			return d, err
		}
		d.ByMonth = append(d.ByMonth, Row{Key: m.Format("2006-01"), Name: m.Format("2006-01"), Figures: f, Rates: f.Rates()})
	}
	return d, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func (s *Service) dashboardRoutes(rt *httpx.Router) {
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/events/map", Tag: "events", Summary: "Open events with a position under an org node, for the map",
		Perm: authz.EventRead, Params: []httpx.Param{{Name: "org_id", In: "query", Required: true}}, Out: items[MapPoint]{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			pts, err := s.OpenOnMap(r.Context(), r.URL.Query().Get("org_id"), 5000)
			return httpx.Reply(w, items[MapPoint]{pts}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/dashboard", Tag: "events", Summary: "Rates and breakdowns of an area's events over a window",
		Perm: authz.EventRead, Params: []httpx.Param{{Name: "org_id", In: "query", Required: true},
			{Name: "from", In: "query", Desc: "RFC 3339, default 12 months ago"}, {Name: "to", In: "query", Desc: "RFC 3339, default now"}},
		Out: Dashboard{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			to, from := s.Now(), s.Now().AddDate(-1, 0, 0)
			var f apperr.Fields
			if ms := httpx.QueryTime(q, "from", &f); ms != 0 {
				from = time.UnixMilli(ms)
			}
			if ms := httpx.QueryTime(q, "to", &f); ms != 0 {
				to = time.UnixMilli(ms)
			}
			if err := f.Err(); err != nil {
				return err
			}
			d, err := s.Dashboard(r.Context(), q.Get("org_id"), from, to, i18n.Lang(r))
			return httpx.Reply(w, d, err)
		}})
}

// MapPoint is an open event on the leaders' map.
type MapPoint struct {
	ID       string  `json:"id"`
	No       string  `json:"no"`
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	State    string  `json:"state"`
	Light    string  `json:"light"`
	Category string  `json:"category_code"`
}

// OpenOnMap returns the open events with a position under an org node, most
// urgent first, at most limit of them.
func (s *Service) OpenOnMap(ctx context.Context, orgID string, limit int) ([]MapPoint, error) {
	p := authz.From(ctx)
	var path string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", orgID).Scan(&path); err != nil || !p.Covers(authz.EventRead, path) {
		return nil, apperr.Field("org_id", "org.not_found")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT e.id, e.no, e.lat, e.lng, e.state, e.stage_warn_at, e.stage_due_at, e.parked, e.category_code FROM events e
		WHERE e.state IN ('reported', 'filed', 'dispatched', 'handling', 'handled') AND e.path >= ? AND e.path < ? AND e.lat IS NOT NULL
		ORDER BY e.stage_due_at LIMIT `+itoa(limit), path, path+"~")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.Now().UnixMilli()
	out := []MapPoint{}
	for rows.Next() {
		var m MapPoint
		var e Event
		var warn, due sql.NullInt64
		if err := rows.Scan(&m.ID, &m.No, &m.Lat, &m.Lng, &m.State, &warn, &due, &e.Parked, &m.Category); err != nil {
			return nil, err
		}
		e.State, e.warnAt, e.StageDueAt = m.State, ptr(warn), ptr(due)
		m.Light = light(&e, now)
		out = append(out, m)
	}
	return out, rows.Err()
}
