package assess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/tally"
)

// Period kinds of the boards (日清周评月考核).
var Periods = []string{"day", "week", "month"}

// Levels a board aggregates members by.
var Levels = []string{"member", "grid", "village", "town"}

// Span is a board's period: [From, To) in Unix milliseconds, China time,
// and its label (2026-05-06, the week from its Monday, 2026-05).
type Span struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	From  int64  `json:"from"`
	To    int64  `json:"to"`
}

// spanOf reads a period: kind day or week with date (YYYY-MM-DD, default
// today), month with month (YYYY-MM, default this month).
func spanOf(kind, date, month string, now time.Time) (Span, error) {
	today := now.In(zone)
	switch kind {
	case "day", "week":
		d := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, zone)
		if date != "" {
			var err error
			if d, err = time.ParseInLocation("2006-01-02", date, zone); err != nil {
				return Span{}, apperr.Refuse("date", "assess.date_format")
			}
		}
		if kind == "day" {
			return Span{Kind: kind, Label: d.Format("2006-01-02"), From: d.UnixMilli(), To: d.AddDate(0, 0, 1).UnixMilli()}, nil
		}
		mon := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		return Span{Kind: kind, Label: mon.Format("2006-01-02"), From: mon.UnixMilli(), To: mon.AddDate(0, 0, 7).UnixMilli()}, nil
	case "month", "":
		m, err := monthStart(month, today)
		if err != nil {
			return Span{}, err
		}
		return Span{Kind: "month", Label: m.Format("2006-01"), From: m.UnixMilli(), To: m.AddDate(0, 1, 0).UnixMilli()}, nil
	}
	return Span{}, apperr.Refuse("period", "assess.period_unknown", "value", kind)
}

// monthStart is the first moment of month (YYYY-MM; default the month of today).
func monthStart(month string, today time.Time) (time.Time, error) {
	if month == "" {
		return time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, zone), nil
	}
	m, err := time.ParseInLocation("2006-01", month, zone)
	if err != nil {
		return time.Time{}, apperr.Refuse("month", "assess.month_format")
	}
	return m, nil
}

// MetricScore is one metric of a member (or, on aggregate rows, the
// members' counts summed and their points averaged).
type MetricScore struct {
	Metric     string  `json:"metric"`
	Done       int     `json:"done"`
	Due        int     `json:"due"`
	Seconds    int64   `json:"seconds,omitempty"`
	Points     float64 `json:"points"`
	Weight     float64 `json:"weight"`
	Applicable bool    `json:"applicable"`
}

// MemberScore is a member's period: each metric, the online score (the
// applicable metrics' points scaled up to the full weight), the offline
// points of the month and the total.
type MemberScore struct {
	WorkerID   string        `json:"worker_id"`
	Name       string        `json:"name"`
	Employment string        `json:"employment"`
	OrgID      string        `json:"org_id"`
	GridID     string        `json:"grid_id,omitempty"`
	Metrics    []MetricScore `json:"metrics"`
	Online     float64       `json:"online"`
	Offline    float64       `json:"offline"`
	Total      float64       `json:"total"`
	path       string
	total      int64
}

// scoreMember scores one member's counts against a county's weights.
func scoreMember(ws []weight, counts map[string]tally.Count) (metrics []MetricScore, online int64) {
	var got, applicable, full int64
	for _, w := range ws {
		c := counts[w.metric]
		pts, ok := w.score(countIn{Done: c.Done, Due: c.Due, Seconds: c.Seconds})
		metrics = append(metrics, MetricScore{Metric: w.metric, Done: c.Done, Due: c.Due, Seconds: c.Seconds, Points: points(pts), Weight: points(w.w), Applicable: ok})
		full += w.w
		if ok {
			got += pts
			applicable += w.w
		}
	}
	if applicable == 0 {
		return metrics, 0
	}
	return metrics, roundDiv(got*full, applicable)
}

// scores computes the members of path over span: from the frozen results
// where the member's county closed the month, else from the sources now.
// Offline points count in month spans only.
func (s *Service) scores(ctx context.Context, path string, sp Span) ([]MemberScore, bool, error) {
	q := s.db.Reader()
	frozen := map[string]MemberScore{}
	var closedPaths []string
	if sp.Kind == "month" {
		var err error
		if closedPaths, err = s.closedCounties(ctx, q, sp.Label); err != nil {
			return nil, false, err
		}
		under, args := authz.Under("path", path)
		rows, err := q.QueryContext(ctx, "SELECT worker_id, score FROM assess_results WHERE month = ? AND "+under, append([]any{sp.Label}, args...)...)
		if err != nil {
			return nil, false, err
		}
		for rows.Next() {
			var id, js string
			if err := rows.Scan(&id, &js); err != nil {
				rows.Close()
				return nil, false, err
			}
			var m stored
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				rows.Close()
				return nil, false, err
			}
			frozen[id] = m.member()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, err
		}
	}
	workers, err := org.WorkersIn(ctx, q, path)
	if err != nil {
		return nil, false, err
	}
	var live []org.Worker
	for _, w := range workers {
		if !slices.ContainsFunc(closedPaths, func(c string) bool { return strings.HasPrefix(w.Path, c) }) {
			live = append(live, w)
		}
	}
	out := make([]MemberScore, 0, len(workers)+len(frozen))
	for _, m := range frozen {
		out = append(out, m)
	}
	if len(live) > 0 {
		ms, err := s.compute(ctx, q, path, sp, live)
		if err != nil {
			return nil, false, err
		}
		out = append(out, ms...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WorkerID < out[j].WorkerID })
	allClosed := len(live) == 0 && len(frozen) > 0
	return out, allClosed, nil
}

// compute scores members from the sources' tallies and the offline points.
func (s *Service) compute(ctx context.Context, q db.Querier, path string, sp Span, workers []org.Worker) ([]MemberScore, error) {
	sheets := tally.Sheets{}
	for _, src := range s.sources {
		sh, err := src.Tally(ctx, tally.Period{From: sp.From, To: sp.To, Path: path})
		if err != nil {
			return nil, err
		}
		for metric, byWorker := range sh {
			for id, c := range byWorker {
				sheets.Add(metric, id, c)
			}
		}
	}
	offline := map[string]int64{}
	if sp.Kind == "month" {
		under, args := authz.Under("path", path)
		rows, err := q.QueryContext(ctx, "SELECT worker_id, CAST(sum(points_x100) AS BIGINT) FROM assess_offline WHERE month = ? AND "+under+" GROUP BY worker_id",
			append([]any{sp.Label}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var p int64
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return nil, err
			}
			offline[id] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	all, err := loadWeights(ctx, q)
	if err != nil {
		return nil, err
	}
	tables := map[string][]weight{} // by county id ("" the defaults)
	out := make([]MemberScore, 0, len(workers))
	for _, w := range workers {
		county := ""
		for _, seg := range strings.Split(strings.Trim(w.Path, "/"), "/") {
			if _, ok := all[seg]; ok {
				county = seg
			}
		}
		ws, ok := tables[county]
		if !ok {
			ws = weightsOf(all, county)
			tables[county] = ws
		}
		counts := map[string]tally.Count{}
		for metric, byWorker := range sheets {
			if c, ok := byWorker[w.ID]; ok {
				counts[metric] = c
			}
		}
		metrics, online := scoreMember(ws, counts)
		m := MemberScore{WorkerID: w.ID, Name: w.Name, Employment: w.Employment, OrgID: w.OrgID, GridID: w.PrimaryGrid,
			Metrics: metrics, Online: points(online), Offline: points(offline[w.ID]), path: w.Path, total: online + offline[w.ID]}
		m.Total = points(m.total)
		out = append(out, m)
	}
	return out, nil
}

// stored is a member's month as frozen when the month was closed.
type stored struct {
	MemberScore
	Path   string `json:"path"`
	TotalX int64  `json:"total_x100"`
}

func (m stored) member() MemberScore {
	out := m.MemberScore
	out.path, out.total = m.Path, m.TotalX
	return out
}

// closedCounties are the paths of the counties that closed month.
func (s *Service) closedCounties(ctx context.Context, q db.Querier, month string) ([]string, error) {
	ids, err := db.Strings(ctx, q, "SELECT org_id FROM assess_closes WHERE month = ?", month)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		p, err := org.PathOf(ctx, q, id, "")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// BoardQuery picks a board: the period (day, week, month) with its date
// or month, the level rows are (member, grid, village, town) and the area
// (default the caller's first assess.read area).
type BoardQuery struct {
	Period, Date, Month, Level, OrgID string
}

// Row is a line of a board: a member, or the average of the members of a
// grid, a village or a town (counts summed, points averaged).
type Row struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	OrgName    string        `json:"org_name,omitempty"`
	Employment string        `json:"employment,omitempty"`
	Members    int           `json:"members"`
	Metrics    []MetricScore `json:"metrics"`
	Online     float64       `json:"online"`
	Offline    float64       `json:"offline"`
	Total      float64       `json:"total"`
	Rank       int           `json:"rank,omitempty"`
}

// Board is a period's scores of an area at one level.
type Board struct {
	Span    Span     `json:"span"`
	Level   string   `json:"level"`
	OrgID   string   `json:"org_id"`
	OrgName string   `json:"org_name"`
	Closed  bool     `json:"closed"`
	Metrics []string `json:"metrics"`
	Rows    []Row    `json:"rows"`
}

// area resolves the area of a board: orgID within the caller's perm, or
// the caller's first area holding it.
func (s *Service) area(ctx context.Context, perm authz.Perm, orgID string) (id, path string, err error) {
	q := s.db.Reader()
	if orgID != "" {
		path, err = org.PathIn(ctx, q, perm, orgID, "org_id")
		return orgID, path, err
	}
	scopes := authz.From(ctx).Scopes(perm)
	if len(scopes) == 0 {
		return "", "", apperr.NotFoundf("org")
	}
	id, err = org.IDAt(ctx, q, scopes[0])
	return id, scopes[0], err
}

// Board returns the scores of an area over a period at a level.
func (s *Service) Board(ctx context.Context, bq BoardQuery) (Board, error) {
	var f apperr.Fields
	if bq.Level == "" {
		bq.Level = "member"
	}
	if !slices.Contains(Levels, bq.Level) {
		f.Add("level", "assess.level_unknown", "value", bq.Level)
	}
	if bq.Period == "" {
		bq.Period = "month"
	}
	if err := f.Refuse(); err != nil {
		return Board{}, err
	}
	sp, err := spanOf(bq.Period, bq.Date, bq.Month, s.Now())
	if err != nil {
		return Board{}, err
	}
	id, path, err := s.area(ctx, authz.AssessRead, bq.OrgID)
	if err != nil {
		return Board{}, err
	}
	ms, closed, err := s.scores(ctx, path, sp)
	if err != nil {
		return Board{}, err
	}
	name, err := org.NameOf(ctx, s.db.Reader(), id)
	if err != nil {
		return Board{}, err
	}
	b := Board{Span: sp, Level: bq.Level, OrgID: id, OrgName: name, Closed: closed, Metrics: Metrics()}
	b.Rows, err = s.rows(ctx, ms, bq.Level)
	return b, err
}

// rows groups member scores at a level, best total first.
func (s *Service) rows(ctx context.Context, ms []MemberScore, level string) ([]Row, error) {
	q := s.db.Reader()
	names := map[string]string{}
	nameOf := func(id string, grid bool) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		var n string
		var err error
		if grid {
			n, err = org.GridName(ctx, q, id)
		} else {
			n, err = org.NameOf(ctx, q, id)
		}
		names[id] = n
		return n, err
	}
	kinds := map[string]string{}
	groups := map[string][]MemberScore{}
	var order []string
	for _, m := range ms {
		key := m.WorkerID
		switch level {
		case "grid":
			key = m.GridID
		case "village":
			key = m.OrgID
		case "town":
			key = m.OrgID
			k, ok := kinds[m.OrgID]
			if !ok {
				var err error
				if k, err = org.KindOf(ctx, q, m.OrgID, ""); err != nil {
					return nil, err
				}
				kinds[m.OrgID] = k
			}
			if k == "village" { // the town is the village's parent
				segs := strings.Split(strings.Trim(m.path, "/"), "/")
				if len(segs) >= 2 {
					key = segs[len(segs)-2]
				}
			}
		}
		if key == "" {
			continue // a member on no grid has no grid row
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], m)
	}
	out := make([]Row, 0, len(order))
	for _, key := range order {
		g := groups[key]
		r := Row{ID: key, Members: len(g)}
		var err error
		if level == "member" {
			m := g[0]
			r.Name, r.Employment, r.Metrics, r.Online, r.Offline, r.Total = m.Name, m.Employment, m.Metrics, m.Online, m.Offline, m.Total
			r.OrgName, err = nameOf(m.OrgID, false)
		} else {
			r.Name, err = nameOf(key, level == "grid")
			r.Metrics, r.Online, r.Offline, r.Total = average(g)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	rankRows(out)
	return out, nil
}

// average sums the members' counts and averages their points.
func average(g []MemberScore) ([]MetricScore, float64, float64, float64) {
	var metrics []MetricScore
	var on, off, tot int64
	n := int64(len(g))
	pts := map[int]int64{}
	for _, m := range g {
		for i, x := range m.Metrics {
			if len(metrics) <= i {
				metrics = append(metrics, MetricScore{Metric: x.Metric, Weight: x.Weight})
			}
			metrics[i].Done += x.Done
			metrics[i].Due += x.Due
			metrics[i].Seconds += x.Seconds
			metrics[i].Applicable = metrics[i].Applicable || x.Applicable
			pts[i] += hundredths(x.Points)
		}
		on += hundredths(m.Online)
		off += hundredths(m.Offline)
		tot += hundredths(m.Total)
	}
	for i := range metrics {
		metrics[i].Points = points(roundSigned(pts[i], n))
	}
	return metrics, points(roundSigned(on, n)), points(roundSigned(off, n)), points(roundSigned(tot, n))
}

func hundredths(x float64) int64 {
	if x < 0 {
		return -int64(-x*100 + 0.5)
	}
	return int64(x*100 + 0.5)
}

func roundSigned(a, b int64) int64 {
	if a < 0 {
		return -roundDiv(-a, b)
	}
	return roundDiv(a, b)
}

// rankRows orders rows by total, best first, and ranks them: rows with
// the same total share a rank and the next rank skips (1, 2, 2, 4); within
// a tie by name, then id.
func rankRows(rs []Row) {
	sort.SliceStable(rs, func(i, j int) bool {
		ti, tj := hundredths(rs[i].Total), hundredths(rs[j].Total)
		if ti != tj {
			return ti > tj
		}
		if rs[i].Name != rs[j].Name {
			return rs[i].Name < rs[j].Name
		}
		return rs[i].ID < rs[j].ID
	})
	for i := range rs {
		if i > 0 && hundredths(rs[i].Total) == hundredths(rs[i-1].Total) {
			rs[i].Rank = rs[i-1].Rank
		} else {
			rs[i].Rank = i + 1
		}
	}
}

// Ranked reports whether a roster member takes part in the ranking: the
// full-time and part-time 网格员 (not volunteers or building heads).
func Ranked(employment string) bool { return employment == "full_time" || employment == "part_time" }

// Mine is the caller's own month: their score with each metric and their
// rank in their village or town.
type Mine struct {
	Span   Span        `json:"span"`
	Score  MemberScore `json:"score"`
	Rank   int         `json:"rank"`
	Of     int         `json:"of"`
	Closed bool        `json:"closed"`
}

// MyMonth returns the caller's score of a month (default this month).
func (s *Service) MyMonth(ctx context.Context, month string) (Mine, error) {
	p := authz.From(ctx)
	w, err := org.WorkerOfUser(ctx, s.db.Reader(), p.UserID)
	if err != nil {
		return Mine{}, apperr.NotFoundf("worker")
	}
	sp, err := spanOf("month", "", month, s.Now())
	if err != nil {
		return Mine{}, err
	}
	ms, closed, err := s.scores(ctx, w.Path, sp)
	if err != nil {
		return Mine{}, err
	}
	var rows []Row
	var out Mine
	out.Span, out.Closed = sp, closed
	for _, m := range ms {
		if m.WorkerID == w.ID {
			out.Score = m
		}
		if Ranked(m.Employment) || m.WorkerID == w.ID {
			rows = append(rows, Row{ID: m.WorkerID, Name: m.Name, Total: m.Total})
		}
	}
	rankRows(rows)
	for _, r := range rows {
		if r.ID == w.ID {
			out.Rank = r.Rank
		}
	}
	out.Of = len(rows)
	return out, nil
}

// CloseInput closes a county's month.
type CloseInput struct {
	OrgID string `json:"org_id"`
	Month string `json:"month"`
}

// Closed is a closed month.
type Closed struct {
	OrgID    string `json:"org_id"`
	Month    string `json:"month"`
	Members  int    `json:"members"`
	ByName   string `json:"by_name"`
	ClosedAt int64  `json:"closed_at"`
}

// CloseMonth freezes a county's month once it has ended: each member's
// score is stored as computed now, and the boards, the ranking and the
// 十佳 read the stored scores from then on, so a later fix of the data
// (a report refiled, a patrol corrected) does not change a published
// ranking. Offline points of a closed month are refused. Audited.
func (s *Service) CloseMonth(ctx context.Context, in CloseInput) (Closed, error) {
	p := authz.From(ctx)
	if in.Month == "" {
		return Closed{}, apperr.Refuse("month", "assess.required")
	}
	sp, err := spanOf("month", "", in.Month, s.Now())
	if err != nil {
		return Closed{}, err
	}
	if sp.To > s.now() {
		return Closed{}, apperr.Refuse("month", "assess.month_not_over")
	}
	id, path, err := s.county(ctx, s.db.Reader(), authz.AssessWrite, in.OrgID)
	if err != nil {
		return Closed{}, err
	}
	if !p.Covers(authz.AssessWrite, path) {
		return Closed{}, apperr.E(apperr.Forbidden, "assess.county_only")
	}
	ms, _, err := s.scores(ctx, path, sp)
	if err != nil {
		return Closed{}, err
	}
	out := Closed{OrgID: id, Month: sp.Label, Members: len(ms), ByName: byName(p), ClosedAt: s.now()}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM assess_closes WHERE org_id = ? AND month = ?", id, sp.Label).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.E(apperr.Conflict, "assess.month_closed")
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO assess_closes (org_id, month, closed_by, closed_name, closed_at) VALUES (?, ?, ?, ?, ?)",
			id, sp.Label, p.UserID, out.ByName, out.ClosedAt); err != nil {
			return err
		}
		for _, m := range ms {
			js, err := json.Marshal(stored{MemberScore: m, Path: m.path, TotalX: m.total})
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO assess_results (org_id, month, worker_id, path, score, total_x100) VALUES (?, ?, ?, ?, ?, ?)",
				id, sp.Label, m.WorkerID, m.path, string(js), m.total); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, "close_month", "org", id, sp.Label)
	})
	return out, err
}

// monthClosed reports whether the month of the member at path is closed.
func (s *Service) monthClosed(ctx context.Context, q db.Querier, path, month string) (bool, error) {
	county, _, err := countyOf(ctx, q, path)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var n int
	err = q.QueryRowContext(ctx, "SELECT count(*) FROM assess_closes WHERE org_id = ? AND month = ?", county, month).Scan(&n)
	return n > 0, err
}
