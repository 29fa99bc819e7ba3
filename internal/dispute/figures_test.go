package dispute_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

type figureRow struct {
	Key     string             `json:"key"`
	Name    string             `json:"name"`
	Figures map[string]float64 `json:"figures"`
	Rates   map[string]*float64
	Drill   map[string]string `json:"drill"`
}

type figureTable struct {
	OrgID string      `json:"org_id"`
	Rows  []figureRow `json:"rows"`
	Total figureRow   `json:"total"`
}

// drillOf is the list filter of each figure, as the console links it.
var drillOf = map[string]map[string]string{
	"accepted":          {},
	"mediated":          {"status": "settled"},
	"closed":            {"light": "none"},
	"red":               {"light": "red"},
	"yellow":            {"light": "yellow"},
	"confirm_applied":   {"confirmation": "applied"},
	"confirmed":         {"confirmation": "confirmed"},
	"referrals":         {"source": "court_referral"},
	"referrals_settled": {"source": "court_referral", "status": "settled"},
	"litigation":        {"route": "litigation"},
	"sent_to_court":     {"next_route": "litigation"},
	"settled_village":   {"settled_level": "village"},
	"settled_town":      {"settled_level": "town"},
	"settled_county":    {"settled_level": "county"},
	"settled_city":      {"settled_level": "city"},
}

// TestEscalateAndFigures makes a small set of cases in one town in a
// month of their own, sends some up a level, settles them, and checks
// every figure and rate against the hand count, the groupings, the
// drill-down lists, scope and the export.
func TestEscalateAndFigures(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a dozen cases step by step")
	}
	a := testapp.New(t)
	pl := placesOf(t, a)
	clock := time.Date(2031, 3, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	a.Disputes.Now = func() time.Time { return clock }
	ms := func() int64 { return clock.UnixMilli() }
	tm, vm, county := a.LoginAs("townmediator"), a.LoginAs("vmediator"), a.LoginAs("mediator")
	open := func(org string, edit func(map[string]any)) caseFile {
		t.Helper()
		in := intake(org)
		if edit != nil {
			edit(in)
		}
		var out caseFile
		if st := tm.Do("POST", "/api/v1/disputes", in, &out); st != 201 {
			t.Fatalf("intake at %s: %d", org, st)
		}
		return out
	}
	step := func(c *testapp.Client, id, path string, in map[string]any) caseFile {
		t.Helper()
		var out caseFile
		if st := c.Do("POST", "/api/v1/disputes/"+id+"/"+path, in, &out); st != 200 {
			t.Fatalf("%s on %s: %d", path, id, st)
		}
		return out
	}
	session := func(c *testapp.Client, id string) {
		step(c, id, "sessions", map[string]any{"at": ms(), "place": "调解室", "kind": "mediation", "record": "双方陈述，调解员释法说理。"})
	}
	oral := func(c *testapp.Client, id string) {
		step(c, id, "outcome", map[string]any{"outcome": "oral_agreement", "note": "双方当场达成口头协议并履行。"})
	}

	// Registered on 10 March 2031.
	A := open(pl.village, nil)
	B := open(pl.village, nil)
	C := open(pl.sibling, nil)
	D := open(pl.sibling, func(in map[string]any) {
		in["source"] = "court_referral"
		in["source_ref"] = "（2031）诉前调123号"
	})
	E := open(pl.town, func(in map[string]any) {
		in["route"], in["complexity"], in["route_reason"] = "litigation", "complex", "涉及产权确认，引导诉讼"
	})
	var got struct {
		Level        string `json:"level"`
		SettledLevel string `json:"settled_level"`
	}
	a.LoginAs("townmediator").Do("GET", "/api/v1/disputes/"+A.ID, nil, &got)
	if got.Level != "village" {
		t.Fatalf("a village case starts at %q", got.Level)
	}
	tm.Do("GET", "/api/v1/disputes/"+E.ID, nil, &got)
	if got.Level != "town" {
		t.Fatalf("a case of the town's centre starts at %q", got.Level)
	}

	// Rising up: the village sends B to the town, with a reason; it may
	// not send it further (the town handles it now) but still reads it.
	if pr := vm.Fail("POST", "/api/v1/disputes/"+B.ID+"/escalate", map[string]any{"reason": " "}); !has(fieldOf(pr), "reason:dispute.required") {
		t.Fatalf("escalate without a reason: %+v", pr)
	}
	b := step(vm, B.ID, "escalate", map[string]any{"reason": "涉及两村土地边界，村级无法调处"})
	if last := b.Timeline[len(b.Timeline)-1]; last.Action != "escalate" || !strings.Contains(last.Note, "village → town") {
		t.Fatalf("timeline after escalate: %+v", last)
	}
	if pr := vm.Fail("POST", "/api/v1/disputes/"+B.ID+"/escalate", map[string]any{"reason": "再次上报"}); pr.Status != 403 || pr.Code != "dispute.escalate_level" {
		t.Fatalf("village sends a town case up: %+v", pr)
	}
	if st := vm.Do("GET", "/api/v1/disputes/"+B.ID, nil, nil); st != 200 {
		t.Fatalf("the village no longer reads its escalated case: %d", st)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'dispute.escalate' AND object_id = ?", B.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("escalate audit rows: %d", n)
	}
	// E goes up to the county and the city; the city is the last level.
	step(tm, E.ID, "escalate", map[string]any{"reason": "需县级部门联合调处"})
	step(county, E.ID, "escalate", map[string]any{"reason": "跨县纠纷，报市综治中心"})
	if pr := a.LoginAs("intake").Fail("POST", "/api/v1/disputes/"+E.ID+"/escalate", map[string]any{"reason": "再上报"}); !has(fieldOf(pr), "level:dispute.top_level") {
		t.Fatalf("escalate beyond the city: %+v", pr)
	}
	var list page
	tm.Do("GET", "/api/v1/disputes?level=city&from=2031-03&to=2031-04&org_id="+pl.town, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != E.ID {
		t.Fatalf("level=city: %+v", list.Items)
	}

	// Settled on 15 March: A at the village, B at the town, C failed and
	// sent to court, D (a court referral) by written agreement, confirmed.
	clock = clock.AddDate(0, 0, 5)
	for _, c := range []caseFile{A, B, C, D} {
		session(tm, c.ID)
	}
	oral(vm, A.ID)
	oral(tm, B.ID)
	step(tm, C.ID, "outcome", map[string]any{"outcome": "failed", "next_route": "litigation", "note": "调解不成，告知诉讼途径。"})
	step(tm, D.ID, "agreement", map[string]any{"facts": "事实", "issues": "争议", "responsibilities": "责任", "terms": "赔偿3000元",
		"manner": "转账", "deadline": "2031-03-31", "committee": "下城社区人民调解委员会", "signed_at": ms()})
	step(tm, D.ID, "confirmation", map[string]any{"court": "上城区人民法院", "applied_at": ms()})
	step(tm, D.ID, "confirmation/decision", map[string]any{"decision": "confirmed", "decided_at": ms(), "ruling_no": "（2031）确字1号"})
	tm.Do("GET", "/api/v1/disputes/"+B.ID, nil, &got)
	if got.SettledLevel != "town" {
		t.Fatalf("B settled at %q", got.SettledLevel)
	}

	// One more in April, still open: yellow on 30 April, E red.
	clock = time.Date(2031, 4, 2, 9, 0, 0, 0, clock.Location())
	G := open(pl.village, nil)
	_ = G
	clock = time.Date(2031, 4, 30, 9, 0, 0, 0, clock.Location())

	figures := func(c *testapp.Client, q string) figureTable {
		t.Helper()
		var out figureTable
		if st := c.Do("GET", "/api/v1/disputes/figures?from=2031-03&to=2031-04&"+q, nil, &out); st != 200 {
			t.Fatalf("figures %s: %d", q, st)
		}
		return out
	}
	ft := figures(tm, "org_id="+pl.town+"&by=area")
	want := map[string]float64{"accepted": 6, "mediated": 3, "closed": 4, "red": 1, "yellow": 1, "avg_days": 5, "confirm_applied": 1, "confirmed": 1,
		"referrals": 1, "referrals_settled": 1, "litigation": 1, "sent_to_court": 1, "settled_village": 2, "settled_town": 1, "settled_county": 0, "settled_city": 0}
	for k, v := range want {
		if ft.Total.Figures[k] != v {
			t.Errorf("total %s = %v, want %v", k, ft.Total.Figures[k], v)
		}
	}
	rates := map[string]float64{"mediation": 3.0 / 6, "closure": 4.0 / 6, "diversion": 1.0 / 3, "referral_rate": 1, "village": 2.0 / 3, "town": 1}
	for k, v := range rates {
		if r := ft.Total.Rates[k]; r == nil || fmt.Sprintf("%.6f", *r) != fmt.Sprintf("%.6f", v) {
			t.Errorf("rate %s = %v, want %v", k, r, v)
		}
	}
	byKey := map[string]float64{}
	for _, r := range ft.Rows {
		byKey[r.Key] = r.Figures["accepted"]
	}
	if len(ft.Rows) != 3 || byKey[pl.village] != 3 || byKey[pl.sibling] != 2 || byKey[pl.town] != 1 {
		t.Fatalf("by area: %+v", ft.Rows)
	}
	// Every count of every row drills down to exactly that many cases.
	count := func(drill, extra map[string]string) int {
		v := url.Values{}
		for k, x := range drill {
			v.Set(k, x)
		}
		for k, x := range extra {
			v.Set(k, x)
		}
		v.Set("limit", "200")
		var l page
		if st := tm.Do("GET", "/api/v1/disputes?"+v.Encode(), nil, &l); st != 200 {
			t.Fatalf("drill %s: %d", v.Encode(), st)
		}
		return len(l.Items)
	}
	checkDrill := func(tbl figureTable) {
		for _, r := range append(tbl.Rows, tbl.Total) {
			for fig, extra := range drillOf {
				if conflicts(r.Drill, extra) { // a source row's referrals: none unless the row is the referrals'
					if r.Figures[fig] != 0 {
						t.Errorf("row %s figure %s: %v, its filters conflict", r.Name, fig, r.Figures[fig])
					}
					continue
				}
				if n := count(r.Drill, extra); float64(n) != r.Figures[fig] {
					t.Errorf("row %s figure %s: %v, list has %d", r.Name, fig, r.Figures[fig], n)
				}
			}
		}
	}
	checkDrill(ft)
	for _, by := range []string{"month", "route", "source", "type"} {
		tbl := figures(tm, "org_id="+pl.town+"&by="+by)
		if tbl.Total.Figures["accepted"] != 6 {
			t.Errorf("by %s total: %v", by, tbl.Total.Figures)
		}
		checkDrill(tbl)
		if by == "month" && (len(tbl.Rows) != 2 || tbl.Rows[0].Figures["accepted"] != 5 || tbl.Rows[1].Figures["accepted"] != 1) {
			t.Errorf("by month: %+v", tbl.Rows)
		}
		if by == "route" && len(tbl.Rows) != 2 {
			t.Errorf("by route: %+v", tbl.Rows)
		}
	}

	// Scope: the village sees its own village only; another area is not found.
	vt := figures(vm, "by=type")
	if vt.OrgID != pl.village || vt.Total.Figures["accepted"] != 3 || vt.Total.Figures["settled_town"] != 1 {
		t.Fatalf("vmediator's own figures: %+v", vt.Total)
	}
	if pr := vm.Fail("GET", "/api/v1/disputes/figures?from=2031-03&to=2031-04&org_id="+pl.town, nil); pr.Status != 404 {
		t.Fatalf("vmediator over the town: %+v", pr)
	}
	if pr := tm.Fail("GET", "/api/v1/disputes/figures?org_id="+pl.farVillage, nil); pr.Status != 404 {
		t.Fatalf("townmediator over another town: %+v", pr)
	}
	for q, f := range map[string]string{"from=2031-13": "from:dispute.month_format", "from=2031-05&to=2031-04": "to:dispute.window_order",
		"from=2020-01&to=2031-04": "to:dispute.window_long", "by=colour": "by:dispute.code_unknown"} {
		if pr := tm.Fail("GET", "/api/v1/disputes/figures?org_id="+pl.town+"&"+q, nil); !has(fieldOf(pr), f) {
			t.Errorf("%s: %+v", q, pr)
		}
	}

	// The export: a workbook, audited.
	res := tm.Raw("GET", "/api/v1/disputes/figures/export?from=2031-03&to=2031-04&by=area&org_id="+pl.town, "", nil)
	if res.Status != 200 || !strings.HasPrefix(string(res.Body), "PK") {
		t.Fatalf("export: %d", res.Status)
	}
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'dispute.figures_export'").Scan(&n)
	if n != 1 {
		t.Fatalf("export audit rows: %d", n)
	}
	// The list's export shares the drill-down filters.
	res = tm.Raw("GET", "/api/v1/disputes/export?settled_level=town&from=2031-03&to=2031-04&org_id="+pl.town, "", nil)
	if res.Status != 200 {
		t.Fatalf("list export with drill filters: %d", res.Status)
	}
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// conflicts reports whether a figure's filter names another value of a
// filter of its row: then the figure counts none (the console shows no link).
func conflicts(row, fig map[string]string) bool {
	for k, v := range fig {
		if w, ok := row[k]; ok && w != v {
			return true
		}
	}
	return false
}

// TestDemoLevels: the demo's cases rose as the demo says — some from the
// village to the town, a few to the county, one or two to the city — and
// most were settled in the village or the town.
func TestDemoLevels(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	n := map[string]int{}
	rows, err := a.DB.Reader().QueryContext(context.Background(), "SELECT level, count(*) FROM disputes GROUP BY level")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var l string
		var c int
		if err := rows.Scan(&l, &c); err != nil {
			t.Fatal(err)
		}
		n[l] = c
	}
	rows.Close()
	var settled, low, escalations int
	q := a.DB.Reader()
	q.QueryRowContext(context.Background(), "SELECT count(*), COALESCE(sum(CASE WHEN settled_level IN ('village', 'town') THEN 1 ELSE 0 END), 0) FROM disputes WHERE status = 'settled'").Scan(&settled, &low)
	q.QueryRowContext(context.Background(), "SELECT count(*) FROM dispute_log WHERE action = 'escalate'").Scan(&escalations)
	t.Logf("levels %v, settled %d (village or town %d), escalations %d", n, settled, low, escalations)
	if n["town"] == 0 || n["county"] == 0 || n["city"] < 1 || n["city"] > 2 || n["village"] <= n["town"] {
		t.Errorf("demo levels: %v", n)
	}
	if settled == 0 || float64(low)/float64(settled) < 0.8 {
		t.Errorf("demo settled low: %d of %d", low, settled)
	}
}
