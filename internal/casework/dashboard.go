package casework

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
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
var figureCols = `count(*),
	COALESCE(sum(CASE WHEN e.state NOT IN ('reported', 'refused') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.dispatched_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.signed_at IS NOT NULL AND e.signed_at <= e.response_due_at THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state = 'closed' AND (e.due_at IS NULL OR e.closed_at <= e.due_at) THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.rating IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.rating IN ('satisfied', 'basically') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state IN ` + OpenStatesSQL + ` THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN e.state IN ` + OpenStatesSQL + ` AND e.parked = ? AND e.stage_due_at <= ? THEN 1 ELSE 0 END), 0),
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
	d := Dashboard{OrgID: orgID, From: from.UnixMilli(), To: to.UnixMilli(), ByArea: []Row{}, ByCategory: []Row{}, ByChannel: []Row{}, ByMonth: []Row{}}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return d, apperr.Field("to", "dashboard.window")
	}
	path, err := org.PathIn(ctx, s.db.Reader(), authz.EventRead, orgID, "org_id")
	if err != nil {
		return d, err
	}
	under, in := authz.Under("e.path", path)
	where := " FROM events e WHERE " + under + " AND e.created_at >= ? AND e.created_at < ? AND e.state <> 'merged'"
	args := append(append([]any{false, s.Now().UnixMilli()}, in...), d.From, d.To)
	// One pass over the window's events, grouped by child area, top-level
	// category, channel and month (China Standard Time); the figures are
	// counts, so the totals and each breakdown are sums of these groups.
	var months []time.Time
	monthCase := "CASE"
	for m := time.Date(from.In(shanghai).Year(), from.In(shanghai).Month(), 1, 0, 0, 0, 0, shanghai); m.Before(to); m = m.AddDate(0, 1, 0) {
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
	byArea, byCat, byChan, byMonth := map[string]*Figures{}, map[string]*Figures{}, map[string]*Figures{}, map[int]*Figures{}
	for rows.Next() {
		var a, c, ch string
		var m int
		f, err := scanFigures(rows, &a, &c, &ch, &m)
		if err != nil {
			return d, err
		}
		d.Totals.add(f)
		for key, into := range map[string]map[string]*Figures{a: byArea, c: byCat, ch: byChan} {
			if into[key] == nil {
				into[key] = &Figures{}
			}
			into[key].add(f)
		}
		if byMonth[m] == nil {
			byMonth[m] = &Figures{}
		}
		byMonth[m].add(f)
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
		f := Figures{}
		if byMonth[i] != nil {
			f = *byMonth[i]
		}
		d.ByMonth = append(d.ByMonth, Row{Key: m.Format("2006-01"), Name: m.Format("2006-01"), Figures: f, Rates: f.Rates()})
	}
	return d, nil
}

// add sums another group's figures into f.
func (f *Figures) add(o Figures) {
	f.Received += o.Received
	f.Accepted += o.Accepted
	f.Dispatched += o.Dispatched
	f.Responded += o.Responded
	f.Closed += o.Closed
	f.OnTime += o.OnTime
	f.Rated += o.Rated
	f.Satisfied += o.Satisfied
	f.Open += o.Open
	f.Overdue += o.Overdue
	f.Village += o.Village
	f.Town += o.Town
	f.County += o.County
}

// sortedRows turns grouped figures into rows ordered by group key; name
// gives each row's key and display name.
func sortedRows(groups map[string]*Figures, name func(key string) (string, string)) []Row {
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := []Row{}
	for _, k := range keys {
		r := Row{Figures: *groups[k], Rates: groups[k].Rates()}
		r.Key, r.Name = name(k)
		out = append(out, r)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

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
	path, err := org.PathIn(ctx, s.db.Reader(), authz.EventRead, orgID, "org_id")
	if err != nil {
		return nil, err
	}
	under, args := authz.Under("e.path", path)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT e.id, e.no, e.lat, e.lng, e.state, e.stage_warn_at, e.stage_due_at, e.parked, e.category_code FROM events e
		WHERE e.state IN `+OpenStatesSQL+` AND `+under+` AND e.lat IS NOT NULL
		ORDER BY e.stage_due_at LIMIT `+itoa(limit), args...)
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
