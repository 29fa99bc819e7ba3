package dispute_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/xuri/excelize/v2"
)

type sheetRow struct {
	MediatorID string         `json:"mediator_id"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	OrgID      string         `json:"org_id"`
	Counts     map[string]int `json:"counts"`
	Cases      int            `json:"cases"`
	Total      float64        `json:"total"`
}

type sheet struct {
	Month string     `json:"month"`
	Rows  []sheetRow `json:"rows"`
	Cases int        `json:"cases"`
	Total float64    `json:"total"`
	Rates []struct {
		Complexity string  `json:"complexity"`
		Outcome    string  `json:"outcome"`
		Amount     float64 `json:"amount"`
		Cases      int     `json:"cases"`
	} `json:"rates"`
}

type credited struct {
	DisputeID string  `json:"dispute_id"`
	Rate      float64 `json:"rate"`
	Amount    float64 `json:"amount"`
}

type candidate struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	OrgID string `json:"org_id"`
	Mine  bool   `json:"mine"`
}

func month() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01") }

func sheetOf(t *testing.T, c *testapp.Client, query string) sheet {
	t.Helper()
	var s sheet
	if st := c.Do("GET", "/api/v1/dispute-subsidies?month="+month()+query, nil, &s); st != 200 {
		t.Fatalf("sheet: %d", st)
	}
	// The sheet adds up: each row's counts make its cases, the rows make
	// the total, the rates used make the cases.
	var total float64
	cases := 0
	for _, r := range s.Rows {
		n := 0
		for _, v := range r.Counts {
			n += v
		}
		if n != r.Cases {
			t.Errorf("%s: counts %v, cases %d", r.Name, r.Counts, r.Cases)
		}
		total += r.Total
	}
	for _, u := range s.Rates {
		cases += u.Cases
	}
	if d := total - s.Total; d > 0.001 || d < -0.001 || cases != s.Cases {
		t.Errorf("sheet: rows total %.2f, total %.2f; rates' cases %d, cases %d", total, s.Total, cases, s.Cases)
	}
	return s
}

func rowOf(s sheet, id string) sheetRow {
	for _, r := range s.Rows {
		if r.MediatorID == id {
			return r
		}
	}
	return sheetRow{Counts: map[string]int{}}
}

// mediateCase takes a case in at orgID as c, classifies it as complexity,
// holds a session with mediators and closes it with an agreement (or the
// outcome given); it returns the case id.
func mediateCase(t *testing.T, c *testapp.Client, orgID, complexity string, mediators []string, outcome string) string {
	t.Helper()
	var cf caseFile
	if st := c.Do("POST", "/api/v1/disputes", intake(orgID), &cf); st != 201 {
		t.Fatalf("intake: %d", st)
	}
	post := func(path string, body any) {
		t.Helper()
		if st := c.Do("POST", "/api/v1/disputes/"+cf.ID+"/"+path, body, nil); st != 200 {
			t.Fatalf("%s: %d %+v", path, st, c.Fail("POST", "/api/v1/disputes/"+cf.ID+"/"+path, body))
		}
	}
	post("route", map[string]string{"complexity": complexity, "route": "people_mediation", "reason": "按案情分流"})
	now := time.Now().UnixMilli()
	post("sessions", map[string]any{"at": now, "place": "调解室", "kind": "mediation", "record": "双方陈述。", "mediator_ids": mediators})
	if outcome == "agreement" {
		post("agreement", map[string]any{"facts": "事实", "issues": "争议", "responsibilities": "责任", "terms": "赔偿500元", "manner": "现金",
			"deadline": time.Now().AddDate(0, 0, 5).Format("2006-01-02"), "committee": "下城社区人民调解委员会", "signed_at": now})
	} else {
		post("outcome", map[string]any{"outcome": outcome, "note": "双方口头达成一致", "next_route": map[string]string{"failed": "litigation"}[outcome]})
	}
	return cf.ID
}

// candidates lists the register mediators that may mediate case id.
func candidates(t *testing.T, c *testapp.Client, orgID string) []candidate {
	t.Helper()
	var cf caseFile
	if st := c.Do("POST", "/api/v1/disputes", intake(orgID), &cf); st != 201 {
		t.Fatalf("intake: %d", st)
	}
	var out struct{ Items []candidate }
	if st := c.Do("GET", "/api/v1/disputes/"+cf.ID+"/mediators", nil, &out); st != 200 {
		t.Fatalf("candidates: %d", st)
	}
	return out.Items
}

// TestSubsidyCredits: a case closed with two register mediators credits
// each half the county's amount in force; a later change of the table
// leaves past credits alone and pays the next case at the new amount; an
// odd amount splits with the remainder fen to the first; each case and
// mediator is credited once; the monthly sheet adds the credits up.
func TestSubsidyCredits(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	tm, justice, sfs := a.LoginAs("townmediator"), a.LoginAs("justice"), a.LoginAs("sfschief")

	cands := candidates(t, tm, pl.village)
	var mine, chair, member, county candidate
	for _, m := range cands {
		switch {
		case m.Mine:
			mine = m
		case m.Name == "黄桂兰":
			chair = m
		case m.Kind == "committee" && m.OrgID == pl.village && member.ID == "":
			member = m
		case m.Name == "周平":
			county = m
		}
	}
	if mine.ID == "" || chair.ID == "" || member.ID == "" || county.ID == "" || cands[0].OrgID != pl.village {
		t.Fatalf("candidates of a village case (the village first, the town's and the county's too): %+v", cands)
	}
	for _, m := range candidates(t, tm, pl.sibling) {
		if m.ID == chair.ID {
			t.Errorf("another village's chair may mediate a case of %s", pl.sibling)
		}
	}

	before := sheetOf(t, sfs, "&org_id="+pl.town)
	first := mediateCase(t, tm, pl.village, "simple", []string{chair.ID, mine.ID}, "agreement")
	after := sheetOf(t, sfs, "&org_id="+pl.town)
	for _, id := range []string{chair.ID, mine.ID} {
		b, c := rowOf(before, id), rowOf(after, id)
		if c.Cases != b.Cases+1 || c.Counts["simple.agreement"] != b.Counts["simple.agreement"]+1 || c.Total-b.Total != 50 {
			t.Errorf("%s: before %+v after %+v, want one more simple agreement and 50.00", id, b, c)
		}
	}
	if after.Total-before.Total != 100 || after.Cases != before.Cases+1 {
		t.Errorf("the town's month: %.2f → %.2f, %d → %d cases", before.Total, after.Total, before.Cases, after.Cases)
	}
	var cf caseFile
	tm.Do("GET", "/api/v1/disputes/"+first, nil, &cf)
	if got := actions(cf); got != "register,classify,reroute,session,agreement,close,subsidy" {
		t.Errorf("timeline: %s", got)
	}

	// The table changes: refusals first, naming the field and writing nothing.
	for _, bad := range []struct {
		rate  map[string]any
		field string
		code  string
	}{
		{map[string]any{"complexity": "simple", "outcome": "agreement", "amount": -1}, "rates[0].amount", "dispute.rate_range"},
		{map[string]any{"complexity": "hard", "outcome": "agreement", "amount": 10}, "rates[0].complexity", "dispute.code_unknown"},
		{map[string]any{"complexity": "simple", "outcome": "won", "amount": 10}, "rates[0].outcome", "dispute.code_unknown"},
		{map[string]any{"complexity": "simple", "outcome": "agreement", "amount": 10.005}, "rates[0].amount", "dispute.rate_decimals"},
		{map[string]any{"complexity": "simple", "outcome": "agreement"}, "rates[0].amount", "dispute.required"},
	} {
		wantField(t, justice.Fail("PUT", "/api/v1/dispute-subsidy-rates", map[string]any{"rates": []any{bad.rate}}), bad.field, bad.code)
	}
	body := map[string]any{"rates": []any{map[string]any{"complexity": "simple", "outcome": "agreement", "amount": 120}}}
	if p := sfs.Fail("PUT", "/api/v1/dispute-subsidy-rates", body); p.Status != 403 || p.Code != "dispute.subsidy_county_only" {
		t.Errorf("a town's 司法所 changed the county's rates: %+v", p)
	}
	var table struct {
		OrgID   string `json:"org_id"`
		CanEdit bool   `json:"can_edit"`
		Rates   []struct {
			Complexity, Outcome string
			Amount              float64
		}
		History []struct {
			Old *float64
			New float64
		}
	}
	if st := justice.Do("PUT", "/api/v1/dispute-subsidy-rates", body, &table); st != 200 || !table.CanEdit {
		t.Fatalf("change the rates: %d", st)
	}
	if h := table.History[0]; h.Old == nil || *h.Old != 100 || h.New != 120 || len(table.History) != 7 {
		t.Errorf("history: %+v", table.History)
	}
	sfs.Do("GET", "/api/v1/dispute-subsidy-rates", nil, &table)
	if table.CanEdit || table.Rates[0].Complexity != "simple" || table.Rates[0].Outcome != "agreement" || table.Rates[0].Amount != 120 {
		t.Errorf("the town reads the county's table: %+v", table)
	}
	var audit int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'dispute.subsidy_rates' AND object_id = ?", table.OrgID).Scan(&audit)
	if audit != 2 { // the demo's table and this change
		t.Errorf("rate changes audited: %d", audit)
	}

	// Past credits keep their amount; the next case pays the new one, and
	// three mediators split an oral agreement of 50.00 as 16.68 + 16.66 + 16.66.
	var cases struct{ Items []credited }
	sfs.Do("GET", "/api/v1/dispute-subsidies/"+chair.ID+"/cases?month="+month(), nil, &cases)
	i := slices.IndexFunc(cases.Items, func(c credited) bool { return c.DisputeID == first })
	if i < 0 || cases.Items[i].Rate != 100 || cases.Items[i].Amount != 50 {
		t.Errorf("the first case after the change: %+v", cases.Items)
	}
	second := mediateCase(t, tm, pl.village, "simple", []string{chair.ID, mine.ID}, "agreement")
	third := mediateCase(t, tm, pl.village, "simple", []string{member.ID, chair.ID, mine.ID}, "oral_agreement")
	amounts := map[string]int64{}
	rows, err := a.DB.Reader().QueryContext(context.Background(), "SELECT dispute_id, mediator_id, amount_fen FROM dispute_subsidy_credits WHERE dispute_id IN (?, ?, ?)", first, second, third)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d, m string
		var fen int64
		rows.Scan(&d, &m, &fen)
		amounts[d+" "+m] = fen
	}
	rows.Close()
	names := map[string]string{chair.ID: chair.Name, mine.ID: mine.Name, member.ID: member.Name}
	firstByName := member.ID
	for id, n := range names {
		if n < names[firstByName] {
			firstByName = id
		}
	}
	want := map[string]int64{first + " " + chair.ID: 5000, first + " " + mine.ID: 5000, second + " " + chair.ID: 6000, second + " " + mine.ID: 6000}
	for id := range names {
		want[third+" "+id] = 1666
	}
	want[third+" "+firstByName] = 1668
	for k, v := range want {
		if amounts[k] != v {
			t.Errorf("credit %s: %d fen, want %d", k, amounts[k], v)
		}
	}
	if len(amounts) != len(want) {
		t.Errorf("credits: %v", amounts)
	}
	// Once per case and mediator: a closed case does not close again, and
	// the key refuses a second row.
	if st := tm.Do("POST", "/api/v1/disputes/"+first+"/outcome", map[string]string{"outcome": "oral_agreement", "note": "再次结案"}, nil); st != 409 {
		t.Errorf("a closed case closed again: %d", st)
	}
	dup := a.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO dispute_subsidy_credits (dispute_id, mediator_id, path, month, complexity, outcome, rate_fen, amount_fen, closed_at, created_at)
			SELECT dispute_id, mediator_id, path, month, complexity, outcome, rate_fen, amount_fen, closed_at, created_at FROM dispute_subsidy_credits WHERE dispute_id = ?`, first)
		return err
	})
	if dup == nil {
		t.Error("a case credited twice to a mediator")
	}
	final := sheetOf(t, sfs, "&org_id="+pl.town)
	if final.Total-before.Total != 100+120+50 || final.Cases != before.Cases+3 {
		t.Errorf("the town's month after three cases: %.2f → %.2f", before.Total, final.Total)
	}
}

// TestSubsidyScope: the sheet holds the mediators of the caller's area
// only; another area's mediator answers 404; accounts without
// dispute.subsidy are refused; the month is checked.
func TestSubsidyScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	tm, justice, sfs := a.LoginAs("townmediator"), a.LoginAs("justice"), a.LoginAs("sfschief")
	var county candidate
	for _, m := range candidates(t, tm, pl.village) {
		if m.Name == "周平" {
			county = m
		}
	}
	mediateCase(t, tm, pl.village, "complex", []string{county.ID}, "agreement")
	if r := rowOf(sheetOf(t, justice, ""), county.ID); r.Cases == 0 || r.Counts["complex.agreement"] == 0 {
		t.Errorf("the county sees its own mediator's credit: %+v", r)
	}
	if r := rowOf(sheetOf(t, sfs, ""), county.ID); r.Cases != 0 {
		t.Errorf("the town's 司法所 sees the county's mediator: %+v", r)
	}
	if st := sfs.Do("GET", "/api/v1/dispute-subsidies/"+county.ID+"/cases?month="+month(), nil, nil); st != 404 {
		t.Errorf("the county's mediator's cases for the town: %d, want 404", st)
	}
	far, unknown := sfs.Fail("GET", "/api/v1/dispute-subsidies?month="+month()+"&org_id="+pl.farVillage, nil),
		sfs.Fail("GET", "/api/v1/dispute-subsidies?month="+month()+"&org_id=no-such-area", nil)
	if far.Status != unknown.Status || far.Code != unknown.Code || far.Status == 200 {
		t.Errorf("another town's sheet answers %+v, an unknown area %+v", far, unknown)
	}
	for _, who := range []string{"vmediator", "townmediator", "gridmember"} {
		if st := a.LoginAs(who).Do("GET", "/api/v1/dispute-subsidies?month="+month(), nil, nil); st != 403 {
			t.Errorf("%s reads the sheet: %d", who, st)
		}
	}
	wantField(t, sfs.Fail("GET", "/api/v1/dispute-subsidies?month=2026-13", nil), "month", "dispute.month_format")
	wantField(t, sfs.Fail("GET", "/api/v1/dispute-subsidies", nil), "month", "dispute.required")
	wantField(t, sfs.Fail("GET", "/api/v1/dispute-subsidies/export?month=26-01", nil), "month", "dispute.month_format")
	// The export: a workbook of the sheet's rows, its total and the rates
	// used, audited.
	sh := sheetOf(t, sfs, "")
	res := sfs.Raw("GET", "/api/v1/dispute-subsidies/export?month="+month(), "", nil)
	if res.Status != 200 {
		t.Fatalf("export: %d", res.Status)
	}
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := x.GetRows(x.GetSheetList()[0])
	var text []string
	for _, l := range lines {
		text = append(text, strings.Join(l, "|"))
	}
	all := strings.Join(text, "\n")
	total := fmt.Sprintf("%.2f", sh.Total)
	if !strings.Contains(all, "Total") || !strings.Contains(all, total) || !strings.Contains(all, "Rates applied this month") || len(sh.Rows) == 0 ||
		!strings.Contains(all, sh.Rows[0].Name) || strings.Contains(all, "周平") {
		t.Errorf("the workbook (total %s): %s", total, all)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'dispute.subsidy_export'").Scan(&n)
	if n != 1 {
		t.Errorf("exports audited: %d", n)
	}
}

// TestFindingToSubsidy walks the whole path the issue names: a screening
// finding becomes a case, is classified, mediated by register mediators,
// settled with a written agreement, judicially confirmed, and the month's
// subsidy sheet shows the credits.
func TestFindingToSubsidy(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	tm, sfs := a.LoginAs("townmediator"), a.LoginAs("sfschief")
	before := sheetOf(t, sfs, "&org_id="+pl.village)

	var f struct {
		ID     string `json:"id"`
		CaseID string `json:"case_id"`
	}
	finding := map[string]any{"org_id": pl.village, "type": "neighbour", "description": "两户因排水沟堵塞互相指责，多次争吵",
		"parties": []string{"张三丰", "李四"}, "risk": "medium", "leader": "王副镇长", "person": "村调解员 黄桂兰", "measures": "组织双方现场协商",
		"deadline": time.Now().AddDate(0, 0, 10).Format("2006-01-02")}
	if st := tm.Do("POST", "/api/v1/screening/findings", finding, &f); st != 201 {
		t.Fatalf("finding: %d %+v", st, tm.Fail("POST", "/api/v1/screening/findings", finding))
	}
	if st := tm.Do("POST", "/api/v1/screening/findings/"+f.ID+"/to-case", nil, &f); st != 200 || f.CaseID == "" {
		t.Fatalf("to case: %d", st)
	}
	id := f.CaseID
	step := func(path string, body any) {
		t.Helper()
		if st := tm.Do("POST", "/api/v1/disputes/"+id+"/"+path, body, nil); st != 200 {
			t.Fatalf("%s: %d %+v", path, st, tm.Fail("POST", "/api/v1/disputes/"+id+"/"+path, body))
		}
	}
	step("route", map[string]string{"complexity": "complex", "route": "people_mediation", "reason": "涉及多户，转为复杂案件"})
	var cands struct{ Items []candidate }
	tm.Do("GET", "/api/v1/disputes/"+id+"/mediators", nil, &cands)
	var ids []string
	for _, m := range cands.Items {
		if m.Mine || m.Name == "黄桂兰" {
			ids = append(ids, m.ID)
		}
	}
	now := time.Now().UnixMilli()
	step("sessions", map[string]any{"at": now, "place": "下城社区调解室", "kind": "mediation", "record": "双方陈述，同意疏通排水沟。", "mediator_ids": ids})
	step("agreement", map[string]any{"facts": "排水沟堵塞。", "issues": "疏通费用。", "responsibilities": "双方各半。", "terms": "双方各承担疏通费500元",
		"manner": "现金", "deadline": time.Now().AddDate(0, 0, 10).Format("2006-01-02"), "committee": "下城社区人民调解委员会", "signed_at": now})
	step("confirmation", map[string]any{"court": "上城人民法庭", "applied_at": time.Now().UnixMilli()})
	step("confirmation/decision", map[string]any{"decision": "confirmed", "decided_at": time.Now().UnixMilli(), "ruling_no": "（2026）粤1602民特9号"})
	var c caseFile
	tm.Do("GET", "/api/v1/disputes/"+id, nil, &c)
	if c.Source != "screening" || c.Confirmation == nil || c.Confirmation.Status != "confirmed" || len(c.Mediators) != 2 {
		t.Fatalf("the case: %+v", c)
	}
	after := sheetOf(t, sfs, "&org_id="+pl.village)
	// the village's chair is in the village's sheet (the town mediator is
	// registered at the town): 300.00 split in two
	if after.Total-before.Total != 150 || after.Cases != before.Cases+1 {
		t.Errorf("the village's sheet: %.2f → %.2f, %d → %d cases", before.Total, after.Total, before.Cases, after.Cases)
	}
	town := sheetOf(t, sfs, "&org_id="+pl.town)
	for _, mid := range ids {
		var cases struct{ Items []credited }
		sfs.Do("GET", "/api/v1/dispute-subsidies/"+mid+"/cases?month="+month(), nil, &cases)
		if !slices.ContainsFunc(cases.Items, func(x credited) bool { return x.DisputeID == id && x.Rate == 300 && x.Amount == 150 }) {
			t.Errorf("mediator %s's cases: %+v", mid, cases.Items)
		}
		if rowOf(town, mid).Counts["complex.agreement"] == 0 {
			t.Errorf("mediator %s is not on the town's sheet", mid)
		}
	}
}

// TestSessionMediators: a session names register entries serving the
// case's area; another village's committee, one who left, or no one at
// all for a caller without an entry is refused naming mediator_ids, and
// the refused session writes nothing.
func TestSessionMediators(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	tm, vm, sfs := a.LoginAs("townmediator"), a.LoginAs("vmediator"), a.LoginAs("sfschief")
	var cf caseFile
	if st := tm.Do("POST", "/api/v1/disputes", intake(pl.village), &cf); st != 201 {
		t.Fatalf("intake: %d", st)
	}
	session := func(ids ...string) map[string]any {
		return map[string]any{"at": time.Now().UnixMilli(), "place": "调解室", "kind": "mediation", "record": "双方陈述。", "mediator_ids": ids}
	}
	var other struct{ Items []candidate }
	tm.Do("GET", "/api/v1/mediators?kind=committee&org_id="+pl.sibling, nil, &other)
	if len(other.Items) == 0 {
		t.Fatal("the sibling village has no committee")
	}
	wantField(t, tm.Fail("POST", "/api/v1/disputes/"+cf.ID+"/sessions", session(other.Items[0].ID)), "mediator_ids", "dispute.mediator_unknown")
	wantField(t, sfs.Fail("POST", "/api/v1/disputes/"+cf.ID+"/sessions", session()), "mediator_ids", "dispute.required")

	var own struct {
		Items []struct {
			ID      string `json:"id"`
			Kind    string `json:"kind"`
			Name    string `json:"name"`
			Version int    `json:"version"`
		}
	}
	vm.Do("GET", "/api/v1/mediators?kind=legal_helper&org_id="+pl.village, nil, &own)
	helper := own.Items[0]
	if st := vm.Do("PUT", "/api/v1/mediators/"+helper.ID, map[string]any{"kind": helper.Kind, "name": helper.Name, "active": false, "version": helper.Version}, nil); st != 200 {
		t.Fatalf("leave: %d", st)
	}
	wantField(t, tm.Fail("POST", "/api/v1/disputes/"+cf.ID+"/sessions", session(helper.ID)), "mediator_ids", "dispute.mediator_unknown")
	tm.Do("GET", "/api/v1/disputes/"+cf.ID, nil, &cf)
	if len(cf.Sessions) != 0 || cf.Status != "accepted" {
		t.Errorf("refused sessions wrote: %d sessions, %s", len(cf.Sessions), cf.Status)
	}
	// The caller's own entry is the default.
	if st := tm.Do("POST", "/api/v1/disputes/"+cf.ID+"/sessions", session(), &cf); st != 200 || len(cf.Mediators) != 1 || cf.Mediators[0].Name != "李秀英" || !cf.Mediators[0].HasAccount {
		t.Errorf("a session by default: %d %+v", st, cf.Mediators)
	}
}
