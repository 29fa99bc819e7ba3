package safety_test

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Safe cells: the demo's coverage counts each town's valid cells against
// the villages and the committee's counts; an application goes through
// self-assessment, inspection and decision, each step only in its turn,
// bad input named; the rule revokes a cell when an urgent event of a
// listed kind happens in it; the kinds are the city's to edit.
func TestSafeCells(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	intake, leader := a.Login("intake"), a.Login("leader")
	var county, town, village, villages string
	r := a.DB.Reader()
	r.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	r.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602001'").Scan(&town)
	r.QueryRowContext(ctx, `SELECT o.id FROM org_nodes o WHERE o.kind = 'village' AND o.code LIKE '441602%' AND NOT EXISTS
		(SELECT 1 FROM safety_cells c WHERE c.area_id = o.id AND c.kind = 'village') ORDER BY o.code LIMIT 1`).Scan(&village)
	r.QueryRowContext(ctx, "SELECT count(*) FROM org_nodes WHERE kind = 'village' AND code LIKE '441602%'").Scan(&villages)
	base := "/api/v1/safety/roots/" + county

	var cov safety.Coverage
	if st := leader.Do("GET", base+"/cell-coverage", nil, &cov); st != 200 || len(cov.Kinds) != 10 || len(cov.Towns) != 8 ||
		cov.Totals.Created["village"] == 0 || cov.Totals.Eligible["campus"] != 40 || cov.Totals.Eligible["town"] != 8 {
		t.Fatalf("coverage: %d %+v", st, cov.Totals)
	}
	if n := cov.Totals.Eligible["village"]; n == 0 || n > 100 || villages != strconv.Itoa(n) {
		t.Fatalf("villages eligible: %d, villages %s", n, villages)
	}
	created := cov.Totals.Created["village"]
	var list safety.Page[safety.Cell]
	if st := leader.Do("GET", base+"/cells?kind=village", nil, &list); st != 200 || len(list.Items) == 0 || list.Items[0].TownID == "" {
		t.Fatalf("cells: %d %d", st, len(list.Items))
	}

	// An application: bad input named, then made.
	p := intake.Fail("POST", base+"/cells", safety.CellInput{Kind: "village", AreaID: town, SelfCheck: []safety.SelfCheck{{Met: true}}})
	fields := map[string]string{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Code
	}
	if fields["area_id"] != "safety.cell_area_village" || fields["self_check"] != "safety.cell_checks" {
		t.Fatalf("bad application: %+v", p)
	}
	checks := make([]safety.SelfCheck, 5)
	for i := range checks {
		checks[i] = safety.SelfCheck{Met: true, Evidence: "台账"}
	}
	var c safety.Cell
	if st := intake.Do("POST", base+"/cells", safety.CellInput{Kind: "village", AreaID: village, SelfCheck: checks}, &c); st != 201 || c.Status != safety.CellApplied || len(c.Criteria) != 5 {
		t.Fatalf("apply: %d %+v", st, c)
	}
	if p := intake.Fail("POST", base+"/cells", safety.CellInput{Kind: "village", AreaID: village, SelfCheck: checks}); p.Code != "safety.cell_exists" {
		t.Fatalf("apply twice: %+v", p)
	}
	if st := leader.Do("POST", base+"/cells", safety.CellInput{Kind: "village", AreaID: village, SelfCheck: checks}, nil); st != 403 {
		t.Fatalf("a leader applies: %d", st)
	}
	if p := intake.Fail("POST", "/api/v1/safety/cells/"+c.ID+"/decide", safety.DecideInput{Approve: true}); p.Code != "safety.cell_status" {
		t.Fatalf("decide before inspection: %+v", p)
	}
	pass := make([]safety.Check, 5)
	for i := range pass {
		pass[i] = safety.Check{Passed: true}
	}
	if st := intake.Do("POST", "/api/v1/safety/cells/"+c.ID+"/inspect", safety.InspectInput{Checks: pass, Note: "现场检查合格"}, &c); st != 200 || c.Status != safety.CellInspected || c.InspectedAt == nil {
		t.Fatalf("inspect: %d %+v", st, c)
	}
	if p := intake.Fail("POST", "/api/v1/safety/cells/"+c.ID+"/decide", safety.DecideInput{}); p.Errors[0].Field != "note" {
		t.Fatalf("reject without a reason: %+v", p)
	}
	today := time.Now().In(safety.Zone)
	if st := intake.Do("POST", "/api/v1/safety/cells/"+c.ID+"/decide", safety.DecideInput{Approve: true}, &c); st != 200 || c.Status != safety.CellApproved ||
		c.ValidFrom != today.Format("2006-01-02") || c.ValidUntil != today.AddDate(0, 24, -1).Format("2006-01-02") {
		t.Fatalf("approve: %d %+v", st, c)
	}
	leader.Do("GET", base+"/cell-coverage", nil, &cov)
	if cov.Totals.Created["village"] != created+1 {
		t.Fatalf("coverage after approval: %d, was %d", cov.Totals.Created["village"], created)
	}

	// An urgent gas leak in the village revokes it; a non-urgent one would not.
	var path, cat string
	r.QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", village).Scan(&path)
	cat = "0503"
	ms := db.Now()
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO events (id, no, channel, category_code, urgency, description, org_id, path, level, state, stage, stage_started_at, created_at, updated_at)
			VALUES (?, 'T-GAS-1', 'grid', ?, 'urgent', '燃气泄漏', ?, ?, 'village', 'filed', 'none', ?, ?, ?)`, db.NewID(), cat, village, path, ms, ms+1000, ms)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var swept safety.Page[safety.Cell]
	if st := intake.Do("POST", base+"/cells/sweep", map[string]any{}, &swept); st != 200 {
		t.Fatalf("sweep: %d", st)
	}
	found := false
	for _, x := range swept.Items {
		found = found || (x.ID == c.ID && x.Status == safety.CellRevoked && strings.Contains(x.RevokeReason, "T-GAS-1"))
	}
	if !found {
		t.Fatalf("the cell is not revoked for T-GAS-1: %+v", swept.Items)
	}

	// The kinds are the city's: bad ones named; a changed checklist is
	// what the next application answers.
	var kinds safety.KindList
	intake.Do("GET", base+"/cell-kinds", nil, &kinds)
	bad := append([]safety.CellKind{}, kinds.Kinds...)
	bad[0].Criteria = nil
	bad[1].Subject = "planet"
	if p := intake.Fail("PUT", base+"/cell-kinds", safety.KindList{Kinds: bad}); len(p.Errors) != 2 {
		t.Fatalf("bad kinds: %+v", p)
	}
	kinds.Kinds[0].Criteria = []string{"无刑事案件", "无群体性事件"}
	if st := intake.Do("PUT", base+"/cell-kinds", kinds, &kinds); st != 200 || len(kinds.Kinds[0].Criteria) != 2 {
		t.Fatalf("save kinds: %d %+v", st, kinds.Kinds[0])
	}
	if st := leader.Do("PUT", base+"/cell-kinds", kinds, nil); st != 403 {
		t.Fatalf("a leader edits kinds: %d", st)
	}
}

// The safe places' coverage of the index (place_cell_coverage), counted by
// hand on the fixture's county: a record a town and place kind with an
// eligible count above 0, its valid cells at the month's end capped at the
// count; the drill-down's rows sum to the figures, and the coverage table
// reads the same eligible counts.
func TestPlaceCellCoverage(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	f := newFixture(t, a)
	ctx := system()
	v1p := f.one(t, "SELECT path FROM org_nodes WHERE id = ?", f.v1)
	v2p := f.one(t, "SELECT path FROM org_nodes WHERE id = ?", f.v2)
	user := f.one(t, "SELECT id FROM users ORDER BY username LIMIT 1")
	ms := db.Now()
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	before, after := day(f.from.AddDate(0, -3, 0)), day(f.end.AddDate(0, 20, 0))
	cell := func(kind, village, path, name, status, from, until string) {
		f.exec(t, `INSERT INTO safety_cells (id, root_id, kind, area_id, path, name, criteria, self_check, inspection, inspect_note, status,
			applied_at, applied_by, inspected_by, decide_note, valid_from, valid_until, revoke_reason, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, '[]', '[]', '[]', '', ?, ?, ?, '', '', ?, ?, '', ?)`,
			db.NewID(), f.county, kind, village, path, name, status, ms, user, from, until, ms)
	}
	target := func(kind, town string, n int) {
		f.exec(t, "INSERT INTO safety_cell_targets (root_id, kind, area_id, eligible) VALUES (?, ?, ?, ?)", f.county, kind, town, n)
	}
	// 甲镇: schools 3 to create, 2 valid, one expired in the month: 2/3;
	// markets 2 to create, 3 valid: 2/2, the third not counted.
	target("campus", f.t1, 3)
	cell("campus", f.v1, v1p, "甲镇中心小学", safety.CellApproved, before, after)
	cell("campus", f.v1, v1p, "甲镇第一中学", safety.CellApproved, before, after)
	cell("campus", f.v1, v1p, "甲镇第二小学", safety.CellApproved, before, day(f.from.AddDate(0, 0, 9)))
	target("market", f.t1, 2)
	for _, n := range []string{"甲镇农贸市场", "甲镇综合市场", "甲镇水产市场"} {
		cell("market", f.v1, v1p, n, safety.CellApproved, before, after)
	}
	// A count for a kind that is not a place kind is not one.
	target("village", f.t1, 99)
	// 乙镇: schools 2 to create, 1 valid, 1 revoked: 1/2; a market to
	// create, one applied and one approved only after the month: 0/1; a
	// valid hospital with no count to create: no record.
	target("campus", f.t2, 2)
	cell("campus", f.v2, v2p, "乙镇中心小学", safety.CellApproved, before, after)
	cell("campus", f.v2, v2p, "乙镇第一中学", safety.CellRevoked, before, after)
	target("market", f.t2, 1)
	cell("market", f.v2, v2p, "乙镇农贸市场", safety.CellApplied, "", "")
	cell("market", f.v2, v2p, "乙镇综合市场", safety.CellApproved, day(f.end), after)
	target("hospital", f.t2, 0)
	cell("hospital", f.v2, v2p, "乙镇卫生院", safety.CellApproved, before, after)

	// The indicator at both levels, its points taken from event_on_time.
	cat, err := a.Safety.Catalogue(ctx, f.county)
	if err != nil {
		t.Fatal(err)
	}
	var sug *safety.Suggestion
	for _, m := range cat.Metrics {
		if m.Code == "place_cell_coverage" {
			sug = m.Suggested
		}
	}
	if sug == nil {
		t.Fatalf("no suggestion for place_cell_coverage: %+v", cat.Metrics)
	}
	for _, level := range safety.Levels {
		for i := range cat.Indicators {
			if cat.Indicators[i].Level == level && cat.Indicators[i].Code == "event_on_time" {
				cat.Indicators[i].Weight -= 10
			}
		}
		cat.Indicators = append(cat.Indicators, safety.Indicator{Code: "place_cell_coverage", Name: sug.Name, Definition: sug.Definition, Direction: sug.Direction,
			Weight: 10, Green: sug.Green, Red: sug.Red, Level: level, Source: "place_cell_coverage"})
	}
	if _, err := a.Safety.SaveCatalogue(ctx, f.county, safety.CatalogueInput{Version: cat.Version, Indicators: cat.Indicators}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Safety.Compute(ctx, f.county, f.month); err != nil {
		t.Fatal(err)
	}
	type row struct{ hits, total int }
	hand := map[string]struct {
		name     string
		num, den int
		light    string
		rows     map[string]row
	}{
		f.t1:     {"甲镇", 4, 5, safety.Green, map[string]row{"甲镇 · 平安校园": {2, 3}, "甲镇 · 平安市场": {2, 2}}},
		f.t2:     {"乙镇", 1, 3, safety.Red, map[string]row{"乙镇 · 平安校园": {1, 2}, "乙镇 · 平安市场": {0, 1}}},
		f.county: {"测试县", 5, 8, safety.Yellow, map[string]row{"甲镇 · 平安校园": {2, 3}, "甲镇 · 平安市场": {2, 2}, "乙镇 · 平安校园": {1, 2}, "乙镇 · 平安市场": {0, 1}}},
	}
	for area, w := range hand {
		dr, err := a.Safety.Drill(ctx, area, f.month, "place_cell_coverage")
		if err != nil {
			t.Fatal(err)
		}
		v := dr.Value
		if v.Numerator != w.num || v.Denominator != w.den || v.Value == nil || math.Abs(*v.Value-math.Round(10000*float64(w.num)/float64(w.den))/100) > 1e-9 ||
			v.Light != w.light || v.Points != safety.Points(v.Indicator, v.Value) {
			t.Errorf("%s: %d/%d = %s %s %v points, want %d/%d %s", w.name, v.Numerator, v.Denominator, asJSON(v.Value), v.Light, v.Points, w.num, w.den, w.light)
		}
		hits, total := 0, 0
		got := map[string]row{}
		for _, r := range dr.Rows {
			hits, total = hits+r.Hits, total+r.Total
			got[r.Label] = row{r.Hits, r.Total}
		}
		if dr.Records != "place_kind" || len(dr.Rows) != len(w.rows) || hits != v.Numerator || total != v.Denominator {
			t.Errorf("%s drill-down: %s, %d rows, %d/%d for %d/%d", w.name, dr.Records, len(dr.Rows), hits, total, v.Numerator, v.Denominator)
		}
		for label, r := range w.rows {
			if got[label] != r {
				t.Errorf("%s drill-down %s: %+v, want %+v", w.name, label, got[label], r)
			}
		}
	}

	// The coverage table counts against the same eligible counts (its
	// created cells are today's, not capped).
	cov, err := a.Safety.CellCoverage(ctx, f.county)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cov.Towns {
		want := map[string]int{"campus": 3, "market": 2, "village": 1}
		if r.AreaID == f.t2 {
			want = map[string]int{"campus": 2, "market": 1, "hospital": 0, "village": 1}
		}
		for kind, n := range want {
			if e, ok := r.Eligible[kind]; !ok || e != n {
				t.Errorf("%s eligible %s: %d, want %d", r.Name, kind, e, n)
			}
		}
		if r.AreaID == f.t1 && r.Created["market"] != 3 {
			t.Errorf("%s created markets: %d", r.Name, r.Created["market"])
		}
	}
}
