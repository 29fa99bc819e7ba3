package safety_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
)

// BenchmarkComputeCity computes one month for a city of 2,000 towns (each
// with a village and a grid) on a catalogue of 32 indicators a level, over
// a month of records of every kind the metrics count — 30 closed events,
// 15 ratings, 5 closed disputes, 3 petitions, 10 key persons, a grid's
// patrols every day, a screening round, a task, a supervision order and a
// unit's 8 reported figures per town (150,000 records) — and, as its
// ceiling, the bare queries alone (safety.Records: the same records read,
// nothing scored or stored):
//
//	go test -run '^$' -bench ComputeCity -benchtime 3x ./internal/safety/
//
// GRIDGOV_BENCH_TOWNS changes the number of towns.
func BenchmarkComputeCity(b *testing.B) {
	towns := 2000
	if n, err := strconv.Atoi(os.Getenv("GRIDGOV_BENCH_TOWNS")); err == nil && n > 0 {
		towns = n
	}
	a := testapp.New(b)
	ctx := system()
	start := time.Now()
	root, month := cityFixture(b, a, towns)
	b.Logf("%d towns and their month of records written in %v", towns, time.Since(start).Round(time.Millisecond))

	var records int
	b.Run("bare-queries", func(b *testing.B) {
		for b.Loop() {
			n, err := a.Safety.Records(ctx, root, month)
			if err != nil {
				b.Fatal(err)
			}
			records = n
		}
		b.ReportMetric(float64(records), "records")
	})
	b.Run("compute", func(b *testing.B) {
		var m safety.Month
		for b.Loop() {
			var err error
			if m, err = a.Safety.Compute(ctx, root, month); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(m.Areas)), "areas")
		b.ReportMetric(float64(len(m.Indicators)), "indicators")
	})
}

// cityFixture writes a city of n towns beside the demo's, its
// catalogue of 32 indicators a level and last month's records, and returns
// the city's id and the month.
func cityFixture(b *testing.B, a *testapp.App, n int) (string, string) {
	ctx := context.Background()
	now := time.Now().In(safety.Zone)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, safety.Zone).AddDate(0, -1, 0)
	days := int(from.AddDate(0, 1, 0).Sub(from).Hours()/24 + 0.5)
	at := func(d, h int) int64 { return from.AddDate(0, 0, d%days).Add(time.Duration(h) * time.Hour).UnixMilli() }
	date := func(d int) string { return from.AddDate(0, 0, d%days).Format("2006-01-02") }
	ms := db.Now()
	var cat, user string
	r := a.DB.Reader()
	r.QueryRowContext(ctx, "SELECT code FROM categories ORDER BY code LIMIT 1").Scan(&cat)
	r.QueryRowContext(ctx, "SELECT id FROM users ORDER BY username LIMIT 1").Scan(&user)

	rows := map[string][][]any{}
	add := func(table string, vals ...any) { rows[table] = append(rows[table], vals) }
	city := db.NewID()
	cpath := "/" + city + "/"
	add("org_nodes (id, code, name, kind, parent_id, path, created_at, updated_at)", city, "449900", "基准市", "city", nil, cpath, ms, ms)
	unit := db.NewID()
	add("units (id, code, name, kind, level, org_id, path, created_at)", unit, "449900-ga", "基准市公安局", "department", "city", city, cpath, ms)
	report := db.NewID()
	add("safety_reports (id, root_id, month, unit_id, evidence, submitted_at, submitted_by, updated_at, updated_by, version)",
		report, city, from.Format("2006-01"), unit, "基准报表", at(3, 10), user, at(3, 10), user, 1)
	worker := db.NewID()
	add("workers (id, org_id, path, name, employment, created_at, updated_at)", worker, city, cpath, "巡查员", "full_time", ms, ms)
	ev, no := 0, 0
	for t := range n {
		town, village, grid := db.NewID(), db.NewID(), db.NewID()
		tpath := cpath + town + "/"
		vpath := tpath + village + "/"
		code := fmt.Sprintf("4499%05d", t)
		add("org_nodes (id, code, name, kind, parent_id, path, created_at, updated_at)", town, code, "镇"+strconv.Itoa(t), "town", city, tpath, ms, ms)
		add("org_nodes (id, code, name, kind, parent_id, path, created_at, updated_at)", village, code+"001", "村"+strconv.Itoa(t), "village", town, vpath, ms, ms)
		add("grids (id, code, name, layer, org_id, path, geometry, min_lng, min_lat, max_lng, max_lat, center_lat, center_lng, created_at, updated_at)",
			grid, code+"001001", "网格"+strconv.Itoa(t), "zz", village, vpath, "{}", 0, 0, 0, 0, 0, 0, ms, ms)
		for e := range 30 {
			id := db.NewID()
			ev++
			var rating any
			if e%2 == 0 {
				rating = []string{"satisfied", "basically", "dissatisfied"}[e%3]
				add("event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state)", id, 1, at(e, 12), "x", "回访员", "intake", "rate", "closed", "closed")
			}
			add("events (id, no, channel, category_code, urgency, description, org_id, path, level, state, stage, stage_started_at, closed_at, due_at, rating, created_at, updated_at)",
				id, fmt.Sprintf("B%08d", ev), "grid", cat, "normal", "基准", village, vpath, "village", "closed", "none", ms, at(e, 10), at(e+e%3, 9), rating, ms, ms)
			if e == 0 {
				add("supervisions (id, event_id, by_user, note, due_at, closed_at, created_at)", db.NewID(), id, user, "督办", at(5, 0), nil, at(1, 9))
			}
		}
		for d := range 5 {
			no++
			add("disputes (id, no, source, org_id, path, type, title, facts, status, registered_at, due_at, closed_at, created_by, created_at, updated_at)",
				db.NewID(), fmt.Sprintf("BD%08d", no), "walk_in", village, vpath, "neighbour", "纠纷", "事实", []string{"settled", "settled", "failed"}[d%3], at(d, 9), at(d+20, 9), at(d+10, 9), user, ms, ms)
		}
		for p := range 3 {
			no++
			add("petitions (id, no, received_on, channel, org_id, path, type, title, content, repeated, status, accept_due, created_by, created_at, updated_at)",
				db.NewID(), fmt.Sprintf("BX%08d", no), date(p*7), "visit", village, vpath, "neighbour", "来访", "内容", p == 2, "registered", date(p*7), user, ms, ms)
		}
		for k := range 10 {
			person, kp := db.NewID(), db.NewID()
			add("people (id, name, kind, org_id, path, created_at, updated_at)", person, "某某", "registered", village, vpath, ms, ms)
			add("key_persons (id, person_id, category_sealed, category_blind, risk_level, visit_every_days, next_visit_due, path, created_at, updated_at)",
				kp, person, "x", kp, "yellow", 30, 0, vpath, at(0, 0)-90*86400000, ms)
			if k%3 > 0 {
				add("visits (id, subject_type, subject_id, person_id, agency, method, user_id, at, created_at)", db.NewID(), "key_person", kp, person, "grid", "home", user, at(20+k, 9), ms)
			}
		}
		for d := range days {
			if (d+t)%7 != 0 {
				add("patrols (id, worker_id, grid_id, path, status, started_at, checkins, created_at, updated_at)", db.NewID(), worker, grid, vpath, "ended", at(d, 9), 2, ms, ms)
			}
		}
		round := db.NewID()
		add("screening_rounds (id, title, kind, org_id, path, period_from, period_to, due_date, types, created_by, created_at)",
			round, "月度排查", "monthly", town, tpath, date(4), date(4), date(10), "neighbour", user, ms)
		if t%4 > 0 {
			add("screening_zero_reports (round_id, org_id, path, by_user, created_at)", round, village, vpath, user, ms)
		}
		status, closed := "done", any(at(12, 10))
		if t%5 == 0 {
			status, closed = "open", nil
		}
		add("safety_tasks (id, root_id, source, title, detail, area_id, path, leader, start_on, due_on, status, closed_at, close_note, created_by, created_at, updated_at)",
			db.NewID(), city, "problem", "任务", "", town, tpath, "", date(0), date(14), status, closed, "", user, ms, ms)
		for i, src := range []string{"criminal_cases", "police_calls", "fraud_cases", "fraud_losses", "drug_cases", "fire_accidents", "traffic_deaths", "work_accidents"} {
			add("safety_report_values (report_id, source, area_id, value)", report, src, town, (t+i)%5)
		}
	}
	order := []string{"org_nodes", "units", "workers", "grids", "events", "event_log", "supervisions", "disputes", "petitions", "people", "key_persons",
		"visits", "patrols", "screening_rounds", "screening_zero_reports", "safety_tasks", "safety_reports", "safety_report_values"}
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, name := range order {
			for head, list := range rows {
				if !strings.HasPrefix(head, name+" ") {
					continue
				}
				cols := strings.Count(head, ",") + 1
				for len(list) > 0 {
					k := min(len(list), 900/cols)
					row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
					var args []any
					for _, r := range list[:k] {
						args = append(args, r...)
					}
					if _, err := tx.ExecContext(ctx, "INSERT INTO "+head+" VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", k), ", "), args...); err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					list = list[k:]
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}

	// 32 indicators a level: every metric, and the first ones a second time
	// with stricter lines; the police unit reports the reported figures.
	in := safety.CatalogueInput{}
	for _, level := range safety.Levels {
		weight := 100
		var list []safety.Indicator
		for i := range 32 {
			m := safety.Metrics[i%len(safety.Metrics)]
			ind := safety.Indicator{Code: m.Code, Name: m.Code, Direction: "higher", Level: level, Source: m.Code, Weight: 3, Green: 90, Red: 60}
			if i >= len(safety.Metrics) {
				ind.Code, ind.Green, ind.Red = m.Code+"_strict", 95, 80
			}
			if m.Unit != "percent" {
				ind.Direction, ind.Green, ind.Red = "lower", 2, 10
			}
			weight -= 3
			list = append(list, ind)
		}
		list[0].Weight += weight
		in.Indicators = append(in.Indicators, list...)
	}
	for _, m := range safety.Metrics {
		if m.Reported {
			in.Reporters = append(in.Reporters, safety.Reporter{Source: m.Code, UnitID: unit, DueDay: 5})
		}
	}
	if _, err := a.Safety.SaveCatalogue(system(), city, in); err != nil {
		b.Fatal(err)
	}
	return city, from.Format("2006-01")
}
