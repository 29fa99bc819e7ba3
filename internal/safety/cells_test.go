package safety_test

import (
	"context"
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
