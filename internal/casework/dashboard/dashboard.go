// Package dashboard is the leaders' view of casework: the rates and
// breakdowns of an area's events over a window, and its open events on the
// map. It reads the events casework stores and changes nothing.
package dashboard

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
)

// Service answers the dashboard and the map.
type Service struct {
	db     *db.DB
	events *casework.Service // its clock: tests move it
}

// New makes the service over casework's events.
func New(d *db.DB, events *casework.Service) *Service {
	return &Service{db: d, events: events}
}

// Routes are the dashboard's endpoints.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/events/map", Tag: "events", Summary: "Open events with a position under an org node, for the map",
			Perm: authz.EventRead, Params: []httpx.Param{{Name: "org_id", In: "query", Required: true}}, Do: httpx.Get(s.eventMap)},
		{Method: "GET", Path: "/api/v1/dashboard", Tag: "events", Summary: "Rates and breakdowns of an area's events over a window",
			Perm: authz.EventRead, Params: []httpx.Param{{Name: "org_id", In: "query", Required: true},
				{Name: "from", In: "query", Desc: "RFC 3339, default 12 months ago"}, {Name: "to", In: "query", Desc: "RFC 3339, default now"}},
			Do: httpx.Get(s.dashboard)},
		{Method: "GET", Path: "/api/v1/dashboard/export", Tag: "events", Summary: "The dashboard's tables (by area, category, channel, month) as an xlsx workbook",
			Perm: authz.EventRead, Params: []httpx.Param{{Name: "org_id", In: "query", Required: true},
				{Name: "from", In: "query", Desc: "RFC 3339, default 12 months ago"}, {Name: "to", In: "query", Desc: "RFC 3339, default now"}},
			OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportTables},
	}
}

func (s *Service) eventMap(r *http.Request) (casework.Items[casework.MapPoint], error) {
	pts, err := s.OpenOnMap(r.Context(), r.URL.Query().Get("org_id"), 5000)
	return casework.Items[casework.MapPoint]{Items: pts}, err
}

func (s *Service) dashboard(r *http.Request) (casework.Dashboard, error) {
	from, to, err := s.window(r)
	if err != nil {
		return casework.Dashboard{}, err
	}
	return s.Dashboard(r.Context(), r.URL.Query().Get("org_id"), from, to, i18n.Lang(r))
}

// window is a request's from and to: by default the last 12 months.
func (s *Service) window(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	to, from = s.events.Now(), s.events.Now().AddDate(-1, 0, 0)
	var f apperr.Fields
	if ms := httpx.QueryTime(q, "from", &f); ms != 0 {
		from = time.UnixMilli(ms)
	}
	if ms := httpx.QueryTime(q, "to", &f); ms != 0 {
		to = time.UnixMilli(ms)
	}
	return from, to, f.Err()
}

// figureCols sums the figures over the rows of a query; ? is now (twice).
var figureCols = `count(*),
	COALESCE(sum(CASE WHEN e.state NOT IN ('reported', 'refused') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.dispatched_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.signed_at IS NOT NULL AND e.signed_at <= e.response_due_at THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND (e.due_at IS NULL OR e.closed_at <= e.due_at) THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.rating IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.rating IN ('satisfied', 'basically') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state IN ` + casework.OpenStatesSQL + ` THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state IN ` + casework.OpenStatesSQL + ` AND e.parked = ? AND e.stage_due_at <= ? THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND e.resolved_level = 'grid' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND e.resolved_level = 'village' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND e.resolved_level = 'town' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND e.resolved_level = 'county' THEN 1 ELSE 0 END), 0)`

func scanFigures(sc interface{ Scan(...any) error }, extra ...any) (casework.Figures, error) {
	var f casework.Figures
	dst := append(extra, &f.Received, &f.Accepted, &f.Dispatched, &f.Responded, &f.Closed, &f.OnTime, &f.Rated,
		&f.Satisfied, &f.Open, &f.Overdue, &f.Grid, &f.Village, &f.Town, &f.County)
	return f, sc.Scan(dst...)
}

// Dashboard computes the figures of the events reported in [from, to)
// under an org node in the caller's scope, with breakdowns.
func (s *Service) Dashboard(ctx context.Context, orgID string, from, to time.Time, lang string) (casework.Dashboard, error) {
	d := casework.Dashboard{OrgID: orgID, From: from.UnixMilli(), To: to.UnixMilli(), ByArea: []casework.Row{}, ByCategory: []casework.Row{}, ByChannel: []casework.Row{}, ByMonth: []casework.Row{}}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return d, apperr.Field("to", "dashboard.window")
	}
	path, err := org.PathIn(ctx, s.db.Reader(), authz.EventRead, orgID, "org_id")
	if err != nil {
		return d, err
	}
	under, in := authz.Under("e.path", path)
	where := " FROM events e WHERE " + under + " AND e.created_at >= ? AND e.created_at < ? AND e.state <> 'merged'"
	args := append(append([]any{false, s.events.Now().UnixMilli()}, in...), d.From, d.To)
	// One pass over the window's events, grouped by child area, top-level
	// category, channel and month (China Standard Time); the figures are
	// counts, so the totals and each breakdown are sums of these groups.
	var months []time.Time
	monthCase := "CASE"
	for m := time.Date(from.In(casework.Zone).Year(), from.In(casework.Zone).Month(), 1, 0, 0, 0, 0, casework.Zone); m.Before(to); m = m.AddDate(0, 1, 0) {
		months = append(months, m)
		monthCase += " WHEN e.created_at < " + strconv.FormatInt(m.AddDate(0, 1, 0).UnixMilli(), 10) + " THEN " + itoa(len(months)-1)
	}
	monthCase += " END"
	area := "substr(e.path, 1, " + itoa(len(path)+37) + ")" // the child node's path (ids are 36 characters)
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, "SELECT "+area+", substr(e.category_code, 1, 2), e.channel, "+monthCase+", "+figureCols+where+
		" GROUP BY "+area+", substr(e.category_code, 1, 2), e.channel, "+monthCase, args...)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	byArea, byCat, byChan, byMonth := map[string]*casework.Figures{}, map[string]*casework.Figures{}, map[string]*casework.Figures{}, map[int]*casework.Figures{}
	for rows.Next() {
		var a, c, ch string
		var m int
		f, err := scanFigures(rows, &a, &c, &ch, &m)
		if err != nil {
			return d, err
		}
		d.Totals.Add(f)
		for key, into := range map[string]map[string]*casework.Figures{a: byArea, c: byCat, ch: byChan} {
			if into[key] == nil {
				into[key] = &casework.Figures{}
			}
			into[key].Add(f)
		}
		if byMonth[m] == nil {
			byMonth[m] = &casework.Figures{}
		}
		byMonth[m].Add(f)
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	d.Rates = d.Totals.Rates()
	d.ByArea = sortedRows(byArea, func(key string) (string, string) {
		parts := strings.Split(strings.Trim(key, "/"), "/")
		id := parts[len(parts)-1]
		name, _ := org.NameOf(ctx, q, id) // an area gone since keeps its figures, unnamed
		return id, name
	})
	d.ByCategory = sortedRows(byCat, func(code string) (string, string) {
		name := ""
		q.QueryRowContext(ctx, "SELECT name FROM categories WHERE code = ?", code).Scan(&name)
		return code, name
	})
	d.ByChannel = sortedRows(byChan, func(ch string) (string, string) { return ch, i18n.T(lang, "channel."+ch, nil) })
	for i, m := range months {
		f := casework.Figures{}
		if byMonth[i] != nil {
			f = *byMonth[i]
		}
		d.ByMonth = append(d.ByMonth, casework.Row{Key: m.Format("2006-01"), Name: m.Format("2006-01"), Figures: f, Rates: f.Rates()})
	}
	return d, nil
}

// sortedRows turns grouped figures into rows ordered by group key; name
// gives each row's key and display name.
func sortedRows(groups map[string]*casework.Figures, name func(key string) (string, string)) []casework.Row {
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := []casework.Row{}
	for _, k := range keys {
		r := casework.Row{Figures: *groups[k], Rates: groups[k].Rates()}
		r.Key, r.Name = name(k)
		out = append(out, r)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// OpenOnMap returns the open events with a position under an org node, most
// urgent first, at most limit of them.
func (s *Service) OpenOnMap(ctx context.Context, orgID string, limit int) ([]casework.MapPoint, error) {
	path, err := org.PathIn(ctx, s.db.Reader(), authz.EventRead, orgID, "org_id")
	if err != nil {
		return nil, err
	}
	under, args := authz.Under("e.path", path)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT e.id, e.no, e.lat, e.lng, e.state, e.stage_warn_at, e.stage_due_at, e.parked, e.category_code FROM events e
		WHERE e.state IN `+casework.OpenStatesSQL+` AND `+under+` AND e.lat IS NOT NULL
		ORDER BY e.stage_due_at LIMIT `+itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.events.Now().UnixMilli()
	out := []casework.MapPoint{}
	for rows.Next() {
		var m casework.MapPoint
		var warn, due sql.Null[int64]
		var parked bool
		if err := rows.Scan(&m.ID, &m.No, &m.Lat, &m.Lng, &m.State, &warn, &due, &parked, &m.Category); err != nil {
			return nil, err
		}
		m.Light = casework.Light(m.State, parked, ptr(warn), ptr(due), now)
		out = append(out, m)
	}
	return out, rows.Err()
}

func ptr(n sql.Null[int64]) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.V
}
