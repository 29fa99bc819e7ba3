package safety_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
)

// system is a context acting as the system, as the demo does.
func system() context.Context {
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	return audit.WithMeta(ctx, audit.Meta{RequestID: "test", IP: "local"})
}

// fixture is a county of its own made for the hand counts: two towns, a
// village and a grid in each, and the month before now's.
type fixture struct {
	a                    *testapp.App
	county, t1, t2       string
	v1, v2, g1, g2       string
	month                string
	from, end            time.Time
	days                 int
	countyPath, t1p, t2p string
}

func (f *fixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	err := f.a.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (f *fixture) one(t *testing.T, query string, args ...any) string {
	t.Helper()
	var s string
	if err := f.a.DB.Reader().QueryRowContext(context.Background(), query, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

// at is a moment of the fixture's month: day d at hour h, China time.
func (f *fixture) at(d, h int) int64 {
	return f.from.AddDate(0, 0, d-1).Add(time.Duration(h) * time.Hour).UnixMilli()
}

// newFixture writes the county and, in it, records whose counts the test
// knows by hand (see each indicator's comment in TestComputedIndicators).
func newFixture(t *testing.T, a *testapp.App) *fixture {
	f := &fixture{a: a}
	now := time.Now().In(safety.Zone)
	f.from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, safety.Zone).AddDate(0, -1, 0)
	f.end = f.from.AddDate(0, 1, 0)
	f.month = f.from.Format("2006-01")
	f.days = int(f.end.Sub(f.from).Hours()/24 + 0.5)
	cityID, cityPath := f.one(t, "SELECT parent_id FROM org_nodes WHERE code = '441602'"), ""
	cityPath = f.one(t, "SELECT path FROM org_nodes WHERE id = ?", cityID)
	ms := db.Now()
	node := func(code, name, kind, parent, parentPath string) (string, string) {
		id := db.NewID()
		path := parentPath + id + "/"
		f.exec(t, "INSERT INTO org_nodes (id, code, name, kind, parent_id, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			id, code, name, kind, parent, path, ms, ms)
		return id, path
	}
	f.county, f.countyPath = node("441699", "测试县", "county", cityID, cityPath)
	f.t1, f.t1p = node("441699001", "甲镇", "town", f.county, f.countyPath)
	f.t2, f.t2p = node("441699002", "乙镇", "town", f.county, f.countyPath)
	var v1p, v2p string
	f.v1, v1p = node("441699001001", "甲村", "village", f.t1, f.t1p)
	f.v2, v2p = node("441699002001", "乙村", "village", f.t2, f.t2p)
	grid := func(code, name, village, path string) string {
		id := db.NewID()
		f.exec(t, `INSERT INTO grids (id, code, name, layer, org_id, path, geometry, min_lng, min_lat, max_lng, max_lat, center_lat, center_lng, created_at, updated_at)
			VALUES (?, ?, ?, 'zz', ?, ?, '{}', 0, 0, 0, 0, 0, 0, ?, ?)`, id, code, name, village, path, ms, ms)
		return id
	}
	f.g1 = grid("441699001001001", "甲村第一网格", f.v1, v1p)
	f.g2 = grid("441699002001001", "乙村第一网格", f.v2, v2p)
	cat := f.one(t, "SELECT code FROM categories ORDER BY code LIMIT 1")
	user := f.one(t, "SELECT id FROM users ORDER BY username LIMIT 1")

	// Events: closed in the month on time, late, and before the month.
	event := func(no, village, path string, closed, due *int64, rating string, ratedAt int64) string {
		id := db.NewID()
		var r any
		if rating != "" {
			r = rating
		}
		f.exec(t, `INSERT INTO events (id, no, channel, category_code, urgency, description, org_id, path, level, state, stage, stage_started_at,
			closed_at, due_at, rating, created_at, updated_at) VALUES (?, ?, 'grid', ?, 'normal', '测试', ?, ?, 'village', 'closed', 'none', ?, ?, ?, ?, ?, ?)`,
			id, no, cat, village, path, ms, closed, due, r, ms, ms)
		if rating != "" {
			f.exec(t, `INSERT INTO event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state) VALUES (?, 1, ?, 'x', '回访员', 'intake', 'rate', 'closed', 'closed')`, id, ratedAt)
		}
		return id
	}
	p := func(v int64) *int64 { return &v }
	event("T-0001", f.v1, v1p, p(f.at(3, 10)), nil, "satisfied", f.at(3, 11))
	event("T-0002", f.v1, v1p, p(f.at(4, 10)), p(f.at(5, 0)), "", 0)
	e3 := event("T-0003", f.v1, v1p, p(f.at(6, 10)), p(f.at(5, 0)), "dissatisfied", f.at(7, 9))
	event("T-0004", f.v1, v1p, p(f.at(-2, 10)), p(f.at(5, 0)), "satisfied", f.at(-1, 10)) // the month before
	e5 := event("T-0005", f.v2, v2p, p(f.at(8, 10)), p(f.at(9, 0)), "basically", f.at(8, 12))
	// Supervision orders: open past due at month end; closed in the month; due after it.
	sup := func(event string, due int64, closed *int64) {
		f.exec(t, "INSERT INTO supervisions (id, event_id, by_user, note, due_at, closed_at, created_at) VALUES (?, ?, ?, '督办', ?, ?, ?)",
			db.NewID(), event, user, due, closed, f.at(2, 9))
	}
	sup(e3, f.at(10, 0), nil)
	sup(e3, f.at(10, 0), p(f.at(12, 0)))
	sup(e5, f.end.AddDate(0, 0, 3).UnixMilli(), nil)

	// Dispute cases closed in the month: settled, failed; one still open.
	dispute := func(no, village, path, status string, closed *int64) {
		f.exec(t, `INSERT INTO disputes (id, no, source, org_id, path, type, title, facts, status, registered_at, due_at, closed_at, created_by, created_at, updated_at)
			VALUES (?, ?, 'walk_in', ?, ?, 'neighbour', '纠纷', '事实', ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), no, village, path, status, f.at(1, 9), f.at(28, 9), closed, user, ms, ms)
	}
	dispute("D-0001", f.v1, v1p, "settled", p(f.at(10, 9)))
	dispute("D-0002", f.v1, v1p, "failed", p(f.at(11, 9)))
	dispute("D-0003", f.v2, v2p, "settled", p(f.at(12, 9)))
	dispute("D-0004", f.v2, v2p, "mediating", nil)

	// Petitions received in the month, one a repeat.
	petition := func(no, village, path string, day int, repeated bool) {
		d := f.from.AddDate(0, 0, day-1).Format("2006-01-02")
		f.exec(t, `INSERT INTO petitions (id, no, received_on, channel, org_id, path, type, title, content, repeated, status, accept_due, created_by, created_at, updated_at)
			VALUES (?, ?, ?, 'visit', ?, ?, 'neighbour', '来访', '内容', ?, 'registered', ?, ?, ?, ?)`, db.NewID(), no, d, village, path, repeated, d, user, ms, ms)
	}
	petition("X-0001", f.v1, v1p, 5, true)
	petition("X-0002", f.v1, v1p, 6, false)
	petition("X-0003", f.v2, v2p, 7, false)

	// Key persons: visited 5 days before month end (every 30 days); never
	// visited, registered 60 days before; visited 10 days before (every 7).
	endMs := f.end.UnixMilli()
	day := int64(24 * 3600 * 1000)
	keyPerson := func(village, path string, every int, created int64, visited int64) {
		person, kp := db.NewID(), db.NewID()
		f.exec(t, "INSERT INTO people (id, name, kind, org_id, path, created_at, updated_at) VALUES (?, '某某', 'registered', ?, ?, ?, ?)", person, village, path, ms, ms)
		f.exec(t, `INSERT INTO key_persons (id, person_id, category_sealed, category_blind, risk_level, visit_every_days, next_visit_due, path, created_at, updated_at)
			VALUES (?, ?, 'x', ?, 'yellow', ?, 0, ?, ?, ?)`, kp, person, kp, every, path, created, ms)
		if visited != 0 {
			f.exec(t, `INSERT INTO visits (id, subject_type, subject_id, person_id, agency, method, user_id, at, created_at) VALUES (?, 'key_person', ?, ?, 'grid', 'home', ?, ?, ?)`,
				db.NewID(), kp, person, user, visited, visited)
		}
	}
	keyPerson(f.v1, v1p, 30, endMs-90*day, endMs-5*day)
	keyPerson(f.v1, v1p, 30, endMs-60*day, 0)
	keyPerson(f.v2, v2p, 7, endMs-90*day, endMs-10*day)

	// Patrols on the first grid on days 1 and 2 with check-ins, on day 3
	// without; none on the second grid.
	worker := db.NewID()
	f.exec(t, "INSERT INTO workers (id, org_id, path, name, employment, created_at, updated_at) VALUES (?, ?, ?, '巡查员', 'full_time', ?, ?)", worker, f.v1, v1p, ms, ms)
	patrol := func(d, checkins int) {
		f.exec(t, `INSERT INTO patrols (id, worker_id, grid_id, path, status, started_at, checkins, created_at, updated_at) VALUES (?, ?, ?, ?, 'ended', ?, ?, ?, ?)`,
			db.NewID(), worker, f.g1, v1p, f.at(d, 9), checkins, ms, ms)
	}
	patrol(1, 2)
	patrol(1, 1) // a second patrol the same day counts the grid-day once
	patrol(2, 3)
	patrol(3, 0)

	// Screening: a town round over 甲镇 (its one village filed a zero
	// report) and a village round of 乙村 (nothing filed).
	round := func(org, path string, day int) string {
		id := db.NewID()
		d := f.from.AddDate(0, 0, day-1).Format("2006-01-02")
		f.exec(t, `INSERT INTO screening_rounds (id, title, kind, org_id, path, period_from, period_to, due_date, types, created_by, created_at)
			VALUES (?, '月度排查', 'monthly', ?, ?, ?, ?, ?, 'neighbour', ?, ?)`, id, org, path, d, d, d, user, ms)
		return id
	}
	r1 := round(f.t1, f.t1p, 5)
	round(f.v2, v2p, 10)
	f.exec(t, "INSERT INTO screening_zero_reports (round_id, org_id, path, by_user, created_at) VALUES (?, ?, ?, ?, ?)", r1, f.v1, v1p, user, ms)
	return f
}

// TestComputedIndicators checks every computed indicator of a month for
// the fixture's two towns and its county against a hand count, the
// drill-down against the figures, the lights and points, the ranking, and
// freezing on publication — on SQLite, and on PostgreSQL with
// GRIDGOV_TEST_DATABASE_URL.
func TestComputedIndicators(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	f := newFixture(t, a)
	ctx := system()
	m, err := a.Safety.Compute(ctx, f.county, f.month)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != safety.Computed || m.Version != 1 || len(m.Areas) != 3 {
		t.Fatalf("month: %+v", m)
	}
	type want struct{ num, den int }
	d := f.days
	hand := map[string]map[string]want{
		// 甲镇: T-0001 (no deadline) and T-0002 on time, T-0003 late; T-0004 closed the month before.
		"event_on_time": {f.t1: {2, 3}, f.t2: {1, 1}, f.county: {3, 4}},
		// Rated in the month: T-0001 satisfied, T-0003 dissatisfied, T-0005 basically; T-0004 the month before.
		"satisfaction": {f.t1: {1, 2}, f.t2: {1, 1}, f.county: {2, 3}},
		// Closed in the month: D-0001 settled, D-0002 failed, D-0003 settled; D-0004 open.
		"mediation_success": {f.t1: {1, 2}, f.t2: {1, 1}, f.county: {2, 3}},
		// X-0001 a repeat; X-0002 and X-0003 not.
		"repeat_petitions": {f.t1: {1, 2}, f.t2: {0, 1}, f.county: {1, 3}},
		// Visited 5 days before month end every 30: due; never visited in 60 days of 30: overdue; 10 days of 7: overdue.
		"keyperson_visits": {f.t1: {1, 2}, f.t2: {0, 1}, f.county: {1, 3}},
		// Grid 1 patrolled with check-ins on days 1 and 2 (day 3 without); grid 2 never.
		"patrol_coverage": {f.t1: {2, d}, f.t2: {0, d}, f.county: {2, 2 * d}},
		// 甲镇's round: 甲村 filed a zero report; 乙村's round: nothing filed.
		"screening_completeness": {f.t1: {1, 1}, f.t2: {0, 1}, f.county: {1, 2}},
		// One order open past due at month end; one closed in time; one due after.
		"overdue_supervisions": {f.t1: {1, 0}, f.t2: {0, 0}, f.county: {1, 0}},
	}
	for code, areas := range hand {
		for area, w := range areas {
			am, err := a.Safety.Area(ctx, area, f.month)
			if err != nil {
				t.Fatal(err)
			}
			var v *safety.Value
			for i := range am.Values {
				if am.Values[i].Code == code {
					v = &am.Values[i]
				}
			}
			if v == nil {
				t.Fatalf("%s has no %s: %+v", am.Name, code, am.Values)
			}
			if v.Numerator != w.num || v.Denominator != w.den {
				t.Errorf("%s %s: %d/%d, want %d/%d", am.Name, code, v.Numerator, v.Denominator, w.num, w.den)
			}
			if v.Unit == "percent" && (v.Value == nil || math.Abs(*v.Value-math.Round(10000*float64(w.num)/float64(w.den))/100) > 1e-9) {
				t.Errorf("%s %s: value %v", am.Name, code, v.Value)
			}
			if v.Light != safety.Light(v.Indicator, v.Value) || v.Points != safety.Points(v.Indicator, v.Value) {
				t.Errorf("%s %s: light %s points %v", am.Name, code, v.Light, v.Points)
			}
			// The drill-down: its hits sum to the numerator and its totals to
			// the denominator; one row a record, so the rows with a hit are
			// as many as the numerator — but a grid, which counts its days.
			dr, err := a.Safety.Drill(ctx, area, f.month, code)
			if err != nil {
				t.Fatal(err)
			}
			hits, total, hitRows := 0, 0, 0
			for _, r := range dr.Rows {
				hits, total = hits+r.Hits, total+r.Total
				if r.Hits > 0 {
					hitRows++
				}
			}
			if hits != v.Numerator || (v.Unit == "percent" && total != v.Denominator) || (v.Unit == "count" && len(dr.Rows) != v.Numerator) {
				t.Errorf("%s %s drill-down: %d rows, %d hits, %d total for %d/%d", am.Name, code, len(dr.Rows), hits, total, v.Numerator, v.Denominator)
			}
			if dr.Records != "grid" && (hitRows != v.Numerator || (v.Unit == "percent" && len(dr.Rows) != v.Denominator)) {
				t.Errorf("%s %s drill-down: %d rows, %d with a hit, for %d/%d", am.Name, code, len(dr.Rows), hitRows, v.Numerator, v.Denominator)
			}
		}
	}
	// The drill-down names records by number, never by person.
	dr, err := a.Safety.Drill(ctx, f.t1, f.month, "event_on_time")
	if err != nil || dr.Records != "event" || len(dr.Rows) != 3 || dr.Rows[0].Label != "T-0001" || dr.Rows[0].Hits != 1 || dr.Rows[2].Label != "T-0003" || dr.Rows[2].Hits != 0 {
		t.Errorf("drill-down: %+v %v", dr, err)
	}
	// A grid's row counts its days: 甲村第一网格 patrolled on two of them.
	dr, err = a.Safety.Drill(ctx, f.county, f.month, "patrol_coverage")
	if err != nil || dr.Records != "grid" || len(dr.Rows) != 2 || dr.Rows[0].Label != "甲村第一网格" || dr.Rows[0].Hits != 2 || dr.Rows[0].Total != f.days || dr.Rows[1].Hits != 0 {
		t.Errorf("patrol drill-down: %+v %v", dr, err)
	}
	// The index is the points over the weights of the indicators with
	// something to count, out of 100; ranks follow it.
	am, _ := a.Safety.Area(ctx, f.t1, f.month)
	sum, weights := 0.0, 0
	for _, v := range am.Values {
		if v.Value != nil {
			sum += v.Points
			weights += v.Indicator.Weight
		}
	}
	if sum = 100 * sum / float64(weights); math.Abs(sum-am.Score) > 0.011 || am.Of != 2 {
		t.Errorf("甲镇's index %v, points %v, of %d", am.Score, sum, am.Of)
	}
	rk, err := a.Safety.Ranking(ctx, f.county, f.month, "town")
	if err != nil || len(rk.Areas) != 2 || rk.Areas[0].Rank != 1 || rk.Areas[0].Score < rk.Areas[1].Score || len(rk.Indicators) != 8 || len(rk.Areas[0].Lights) != 8 {
		t.Errorf("ranking: %+v %v", rk, err)
	}

	// A recomputation gives the same month; a new catalogue version is
	// taken by an unpublished month but not by a published one.
	again, err := a.Safety.Compute(ctx, f.county, f.month)
	if err != nil || asJSON(again.Areas) != asJSON(m.Areas) {
		t.Fatalf("recompute: %v\n%+v\n%+v", err, again.Areas, m.Areas)
	}
	if _, err := a.Safety.Publish(ctx, f.county, f.month); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Safety.Compute(ctx, f.county, f.month); !apperr.Is(err, "safety.month_published") || apperr.As(err).Kind != apperr.Conflict {
		t.Fatalf("recompute after publishing: %v", err)
	}
	cat, err := a.Safety.Catalogue(ctx, f.county)
	if err != nil || cat.Version != 1 {
		t.Fatalf("catalogue: %+v %v", cat, err)
	}
	for i := range cat.Indicators {
		if cat.Indicators[i].Code == "event_on_time" {
			cat.Indicators[i].Green, cat.Indicators[i].Red = 99, 98
		}
	}
	next, err := a.Safety.SaveCatalogue(ctx, f.county, safety.CatalogueInput{Version: 1, Indicators: cat.Indicators})
	if err != nil || next.Version != 2 {
		t.Fatalf("save: %+v %v", next, err)
	}
	if _, err := a.Safety.SaveCatalogue(ctx, f.county, safety.CatalogueInput{Version: 1, Indicators: cat.Indicators}); !apperr.Is(err, "safety.catalogue_changed") {
		t.Fatalf("a stale version: %v", err)
	}
	frozen, err := a.Safety.Ranking(ctx, f.county, f.month, "")
	if err != nil || frozen.Version != 1 || frozen.Status != safety.Published || asJSON(frozen.Areas) != asJSON(m.Areas) {
		t.Fatalf("the published month changed: %+v %v", frozen, err)
	}
	cur := time.Now().In(safety.Zone).Format("2006-01")
	now, err := a.Safety.Compute(ctx, f.county, cur)
	if err != nil || now.Version != 2 {
		t.Fatalf("this month with the new version: %+v %v", now, err)
	}
	for _, r := range now.Areas {
		if r.Change == nil {
			t.Errorf("%s has no change from the published month", r.Name)
		}
	}
	if _, err := a.Safety.Compute(ctx, f.county, time.Now().In(safety.Zone).AddDate(0, 2, 0).Format("2006-01")); !apperr.Is(err, "safety.month_future") {
		t.Errorf("a future month: %v", err)
	}

	// A town's leader sees their town, not the other town nor the county's
	// ranking (not found, as outside any scope).
	u, err := a.Accounts.CreateUser(ctx, account.NewUser{Username: "jia.leader", DisplayName: "甲镇 领导", Password: "Matrix@Check2026", OrgID: f.t1})
	if err != nil {
		t.Fatal(err)
	}
	role := f.one(t, "SELECT id FROM roles WHERE code = 'leader'")
	if _, err := a.Accounts.Assign(ctx, u.ID, account.Assignment{RoleID: role, OrgID: f.t1}); err != nil {
		t.Fatal(err)
	}
	grants, err := authn.LoadGrants(context.Background(), a.DB.Reader(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	town := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: u.ID, Username: "jia.leader", Grants: grants})
	if _, err := a.Safety.Area(town, f.t1, f.month); err != nil {
		t.Errorf("own town: %v", err)
	}
	if _, err := a.Safety.Drill(town, f.t1, f.month, "patrol_coverage"); err != nil {
		t.Errorf("own town's drill-down: %v", err)
	}
	for _, err := range []error{
		func() error { _, err := a.Safety.Area(town, f.t2, f.month); return err }(),
		func() error { _, err := a.Safety.Drill(town, f.t2, f.month, "patrol_coverage"); return err }(),
		func() error { _, err := a.Safety.Ranking(town, f.county, f.month, ""); return err }(),
		func() error { _, err := a.Safety.Compute(town, f.t1, f.month); return err }(),
	} {
		if apperr.As(err).Kind != apperr.NotFound {
			t.Errorf("outside the town: %v", err)
		}
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestLightsAndPoints checks the lights and the linear points of both
// directions at and between the thresholds.
func TestLightsAndPoints(t *testing.T) {
	hi := safety.Indicator{Direction: "higher", Green: 90, Red: 70, Weight: 20}
	lo := safety.Indicator{Direction: "lower", Green: 10, Red: 30, Weight: 10}
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		ind    safety.Indicator
		v      *float64
		light  string
		points float64
	}{
		{hi, f(95), "green", 20}, {hi, f(90), "green", 20}, {hi, f(80), "yellow", 10}, {hi, f(70), "red", 0}, {hi, f(10), "red", 0},
		{lo, f(5), "green", 10}, {lo, f(10), "green", 10}, {lo, f(25), "yellow", 2.5}, {lo, f(30), "red", 0}, {lo, f(90), "red", 0},
		{hi, nil, "none", 0}, {lo, nil, "none", 0},
	} {
		if l, p := safety.Light(c.ind, c.v), safety.Points(c.ind, c.v); l != c.light || p != c.points {
			t.Errorf("%s %v: %s %v, want %s %v", c.ind.Direction, c.v, l, p, c.light, c.points)
		}
	}
}

// TestCatalogueAndAccess checks through the API that a bad catalogue names
// each wrong field, that the committee's staff may save one and leaders
// only read it, and that the demo's month is there to read.
func TestCatalogueAndAccess(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	intake, leader, member := a.Login("intake"), a.Login("leader"), a.Login("grid_member")
	county := ""
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	base := "/api/v1/safety/roots/" + county
	var cat safety.Catalogue
	if st := leader.Do("GET", base+"/catalogue", nil, &cat); st != 200 || cat.Version != 1 || len(cat.Indicators) != 38 || len(cat.Reporters) != 8 {
		t.Fatalf("catalogue: %d %+v", st, cat)
	}
	bad := append([]safety.Indicator{}, cat.Indicators...)
	bad[3].Weight = 101
	bad[4].Direction = "lower" // its green is above its red
	bad[5].Source = "nothing"
	p := intake.Fail("PUT", base+"/catalogue", safety.CatalogueInput{Version: cat.Version, Indicators: bad})
	fields := map[string]string{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Code
	}
	if fields["indicators[3].weight"] != "validation.range" || fields["indicators[4].red"] != "safety.thresholds_direction" ||
		fields["indicators[5].source"] != "validation.one_of" || fields["indicators"] != "safety.weights_sum" {
		t.Fatalf("bad catalogue: %+v", p)
	}
	if st := leader.Do("PUT", base+"/catalogue", safety.CatalogueInput{Version: cat.Version, Indicators: cat.Indicators}, nil); st != 403 {
		t.Fatalf("a leader saves no catalogue: %d", st)
	}
	// The demo computed last month and published it.
	last := time.Now().In(safety.Zone).AddDate(0, -1, 0)
	last = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, safety.Zone)
	var m safety.Month
	if st := leader.Do("GET", base+"/months/"+last.Format("2006-01")+"?level=town", nil, &m); st != 200 || m.Status != safety.Published || len(m.Areas) == 0 {
		t.Fatalf("last month: %d %+v", st, m)
	}
	if st := leader.Do("POST", base+"/months/"+last.Format("2006-01")+"/compute", map[string]any{}, nil); st != 403 {
		t.Fatalf("a leader computes nothing: %d", st)
	}
	if p := intake.Fail("POST", base+"/months/"+last.Format("2006-01")+"/compute", map[string]any{}); p.Code != "safety.month_published" {
		t.Fatalf("recompute a published month: %+v", p)
	}
	if st := member.Do("GET", "/api/v1/safety/areas/"+m.Areas[0].AreaID+"/months/"+m.Month, nil, nil); st != 403 {
		t.Fatalf("a grid member reads no index: %d", st)
	}
	var dr safety.Drill
	if st := leader.Do("GET", "/api/v1/safety/areas/"+m.Areas[0].AreaID+"/months/"+m.Month+"/indicators/event_on_time", nil, &dr); st != 200 {
		t.Fatalf("drill-down: %d", st)
	}
}
