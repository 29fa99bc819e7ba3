package screening_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/xuri/excelize/v2"
)

type round struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Villages int    `json:"villages"`
	Reported int    `json:"reported"`
	Percent  int    `json:"percent"`
	Findings int    `json:"findings"`
	Red      int    `json:"red"`
	Yellow   int    `json:"yellow"`
	Green    int    `json:"green"`
	Resolved int    `json:"resolved"`
}

type completeness struct {
	Villages int      `json:"villages"`
	Reported int      `json:"reported"`
	Percent  int      `json:"percent"`
	Missing  []string `json:"missing"`
	Rows     []struct {
		OrgID    string `json:"org_id"`
		OrgName  string `json:"org_name"`
		Status   string `json:"status"`
		Findings int    `json:"findings"`
	} `json:"rows"`
}

type finding struct {
	ID         string   `json:"id"`
	No         string   `json:"no"`
	RoundID    string   `json:"round_id"`
	OrgID      string   `json:"org_id"`
	Parties    []string `json:"parties"`
	Status     string   `json:"status"`
	Light      string   `json:"light"`
	ResultNote string   `json:"result_note"`
	CaseID     string   `json:"case_id"`
}

type page[T any] struct {
	Items []T `json:"items"`
}

// day is n days from today in the county's zone (UTC+8), as the server counts days.
func day(n int) string {
	return time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, n).Format("2006-01-02")
}

// fields lists a problem's fields and codes as "field code".
func fields(pr testapp.Problem) []string {
	var out []string
	for _, e := range pr.Errors {
		out = append(out, e.Field+" "+e.Code)
	}
	return out
}

// place finds the demo village of the grid member, its town, the town's
// villages and a village of another town.
type place struct {
	village, town, other, elsewhere string
	villages                        []string // the town's village ids
}

func demoPlace(t *testing.T, a *testapp.App) place {
	t.Helper()
	ctx := context.Background()
	q := a.DB.Reader()
	var p place
	if err := q.QueryRowContext(ctx, "SELECT id, parent_id FROM org_nodes WHERE code = ?", a.Account("grid_member").OrgCode).Scan(&p.village, &p.town); err != nil {
		t.Fatal(err)
	}
	rows, err := q.QueryContext(ctx, "SELECT id FROM org_nodes WHERE parent_id = ? AND kind = 'village' AND status = 'active' ORDER BY code", p.town)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		p.villages = append(p.villages, id)
	}
	rows.Close()
	for _, v := range p.villages {
		if v != p.village {
			p.other = v
			break
		}
	}
	if err := q.QueryRowContext(ctx, `SELECT v.id FROM org_nodes v JOIN org_nodes t ON t.id = v.parent_id
		WHERE v.kind = 'village' AND t.id <> ? AND t.parent_id = (SELECT parent_id FROM org_nodes WHERE id = ?) ORDER BY v.code LIMIT 1`,
		p.town, p.town).Scan(&p.elsewhere); err != nil {
		t.Fatal(err)
	}
	if len(p.villages) < 3 || p.other == "" {
		t.Fatalf("the demo town has too few villages: %+v", p)
	}
	return p
}

func findingBody(roundID, orgID string) map[string]any {
	return map[string]any{"round_id": roundID, "org_id": orgID, "type": "neighbour", "description": "两户因排水沟堵塞互相指责，多次争吵",
		"parties": []string{"张三丰", "李四"}, "risk": "medium", "leader": "王副镇长", "person": "村调解员 黄桂兰", "measures": "组织双方现场协商，村委出资疏通排水沟",
		"deadline": day(10)}
}

// A town's weekly round: the grid member files a finding from the field,
// another village makes a zero report, the completeness follows the hand
// count, the finding is closed on the spot, and the closed round takes
// nothing more.
func TestScreeningRound(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := demoPlace(t, a)
	town, gm, county := a.LoginAs("townmediator"), a.LoginAs("gridmember"), a.LoginAs("mediator")

	// Refusals name their fields and write nothing.
	pr := town.Fail("POST", "/api/v1/screening/rounds", map[string]any{"title": "", "kind": "daily", "org_id": pl.town,
		"period_from": day(0), "period_to": day(-1), "due_date": day(-1), "types": []string{"neighbour", "quarrel"}})
	if want := []string{"title screening.required", "kind screening.kind_unknown", "period_to screening.period_invalid",
		"due_date screening.deadline_invalid", "types screening.type_unknown"}; !slices.Equal(fields(pr), want) {
		t.Errorf("bad round: %v", fields(pr))
	}
	if pr := town.Fail("POST", "/api/v1/screening/rounds", map[string]any{"title": "x", "kind": "weekly", "org_id": pl.elsewhere,
		"period_from": day(0), "period_to": day(6), "due_date": day(6), "types": []string{"neighbour"}}); !slices.Equal(fields(pr), []string{"org_id screening.area_unknown"}) {
		t.Errorf("a round over another town's village: %v", fields(pr))
	}
	if st := gm.Do("POST", "/api/v1/screening/rounds", map[string]any{}, nil); st != 403 {
		t.Errorf("a grid member launched a round: %d", st)
	}
	var rounds page[round]
	town.Do("GET", "/api/v1/screening/rounds?org_id="+pl.town, nil, &rounds)
	before := len(rounds.Items)

	var r round
	if st := town.Do("POST", "/api/v1/screening/rounds", map[string]any{"title": "上城街道第49周矛盾纠纷排查", "kind": "weekly", "org_id": pl.town,
		"period_from": day(0), "period_to": day(6), "due_date": day(6), "types": []string{"neighbour", "marriage_family", "land_forest"}}, &r); st != 201 {
		t.Fatalf("launch: %d", st)
	}
	if r.Villages != len(pl.villages) || r.Reported != 0 || r.Status != "open" {
		t.Fatalf("a new round: %+v, want %d villages none reported", r, len(pl.villages))
	}
	town.Do("GET", "/api/v1/screening/rounds?org_id="+pl.town, nil, &rounds)
	if len(rounds.Items) != before+1 {
		t.Errorf("rounds listed: %d, want %d", len(rounds.Items), before+1)
	}

	// The grid member files from the phone: no village named, their own.
	body := findingBody(r.ID, "")
	bad := findingBody(r.ID, "")
	bad["type"], bad["risk"], bad["deadline"], bad["parties"], bad["measures"] = "quarrel", "critical", day(-1), []string{"张三 13800138000"}, " "
	if pr := gm.Fail("POST", "/api/v1/screening/findings", bad); !slices.Equal(fields(pr), []string{"type screening.type_unknown", "risk screening.risk_unknown",
		"measures screening.required", "deadline screening.deadline_invalid", "parties screening.party_name"}) {
		t.Errorf("bad finding: %v", fields(pr))
	}
	bad = findingBody(r.ID, "")
	bad["type"] = "traffic"
	if pr := gm.Fail("POST", "/api/v1/screening/findings", bad); !slices.Equal(fields(pr), []string{"type screening.type_not_in_round"}) {
		t.Errorf("a type the round does not cover: %v", fields(pr))
	}
	// The county mediator may file anywhere in the county, but not into a
	// round outside its area.
	if pr := county.Fail("POST", "/api/v1/screening/findings", findingBody(r.ID, pl.elsewhere)); !slices.Equal(fields(pr), []string{"org_id screening.outside_round"}) {
		t.Errorf("a finding outside the round's area: %v", fields(pr))
	}
	if pr := gm.Fail("POST", "/api/v1/screening/findings", findingBody(r.ID, pl.other)); !slices.Equal(fields(pr), []string{"org_id screening.area_unknown"}) {
		t.Errorf("a grid member filed in another village: %v", fields(pr))
	}
	var f1, f2 finding
	if st := gm.Do("POST", "/api/v1/screening/findings", body, &f1); st != 201 || f1.OrgID != pl.village || f1.Light != "green" || f1.No == "" {
		t.Fatalf("file: %d %+v", st, f1)
	}
	soon := findingBody(r.ID, "")
	soon["deadline"], soon["risk"], soon["type"] = day(1), "high", "land_forest"
	if st := gm.Do("POST", "/api/v1/screening/findings", soon, &f2); st != 201 || f2.Light != "yellow" {
		t.Fatalf("a finding due tomorrow: %d %+v", st, f2)
	}

	// Zero reports: the grid member's village has findings; the county
	// mediator reports none for another village, once.
	if st := a.LoginAs("vmediator").Do("POST", "/api/v1/screening/rounds/"+r.ID+"/zero-reports", map[string]string{}, nil); st != 409 {
		t.Errorf("a zero report over findings: %d", st)
	}
	if pr := county.Fail("POST", "/api/v1/screening/rounds/"+r.ID+"/zero-reports", map[string]string{"org_id": pl.elsewhere}); !slices.Equal(fields(pr), []string{"org_id screening.outside_round"}) {
		t.Errorf("a zero report outside the round: %v", fields(pr))
	}
	var c completeness
	if st := county.Do("POST", "/api/v1/screening/rounds/"+r.ID+"/zero-reports", map[string]string{"org_id": pl.other, "note": "本周未发现矛盾纠纷"}, &c); st != 200 {
		t.Fatalf("zero report: %d", st)
	}
	if st := county.Do("POST", "/api/v1/screening/rounds/"+r.ID+"/zero-reports", map[string]string{"org_id": pl.other}, nil); st != 409 {
		t.Errorf("a second zero report: %d", st)
	}

	// Completeness by hand: two villages of the town reported.
	town.Do("GET", "/api/v1/screening/rounds/"+r.ID+"/completeness", nil, &c)
	n := len(pl.villages)
	if c.Villages != n || c.Reported != 2 || c.Percent != 200/n || len(c.Missing) != n-2 {
		t.Errorf("completeness: %+v, want 2 of %d (%d%%)", c, n, 200/n)
	}
	for _, row := range c.Rows {
		want := map[string]string{pl.village: "findings", pl.other: "zero"}[row.OrgID]
		if want == "" {
			want = "missing"
		}
		if row.Status != want || (row.OrgID == pl.village && row.Findings != 2) {
			t.Errorf("village %s: %+v, want %s", row.OrgName, row, want)
		}
		if want == "missing" && !slices.Contains(c.Missing, row.OrgName) {
			t.Errorf("%s is not among the missing %v", row.OrgName, c.Missing)
		}
	}
	town.Do("GET", "/api/v1/screening/rounds/"+r.ID, nil, &r)
	if r.Findings != 2 || r.Green != 1 || r.Yellow != 1 || r.Reported != 2 {
		t.Errorf("round lights: %+v", r)
	}
	// The grid member sees their own village's part of the town's round.
	gm.Do("GET", "/api/v1/screening/rounds/"+r.ID+"/completeness", nil, &c)
	if c.Villages != 1 || c.Reported != 1 || c.Rows[0].OrgID != pl.village {
		t.Errorf("the grid member's completeness: %+v", c)
	}

	// Names are masked in lists, shown on the finding.
	var list page[finding]
	town.Do("GET", "/api/v1/screening/findings?round_id="+r.ID, nil, &list)
	if len(list.Items) != 2 || !slices.Contains(list.Items[1].Parties, "张**") {
		t.Errorf("list: %+v", list.Items)
	}
	var got finding
	town.Do("GET", "/api/v1/screening/findings/"+f1.ID, nil, &got)
	if !slices.Equal(got.Parties, []string{"张三丰", "李四"}) {
		t.Errorf("finding parties: %v", got.Parties)
	}
	town.Do("GET", "/api/v1/screening/findings?light=yellow&round_id="+r.ID, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != f2.ID {
		t.Errorf("yellow findings: %+v", list.Items)
	}

	// Ten days on, the first is due today (yellow) and the second overdue (red).
	a.Screening.Now = func() time.Time { return time.Now().AddDate(0, 0, 10) }
	town.Do("GET", "/api/v1/screening/rounds/"+r.ID, nil, &r)
	if r.Red != 1 || r.Yellow != 1 || r.Green != 0 {
		t.Errorf("lights ten days on: %+v", r)
	}
	a.Screening.Now = time.Now

	// The round as a workbook: its villages and its findings.
	res := town.Raw("GET", "/api/v1/screening/rounds/"+r.ID+"/export", "", nil)
	if res.Status != 200 {
		t.Fatalf("export: %d", res.Status)
	}
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	sheets := x.GetSheetList()
	villages, _ := x.GetRows(sheets[0])
	findings, _ := x.GetRows(sheets[1])
	if len(sheets) != 2 || len(villages) != n+2 || len(findings) != 4 || !slices.Contains(findings[2], f2.No) && !slices.Contains(findings[3], f2.No) {
		t.Errorf("export: %v %d village rows, findings %v", sheets, len(villages), findings)
	}
	x.Close()

	// Closed on the spot, with a result.
	if pr := gm.Fail("POST", "/api/v1/screening/findings/"+f1.ID+"/resolve", map[string]string{"result_note": " "}); !slices.Equal(fields(pr), []string{"result_note screening.result_required"}) {
		t.Errorf("closing without a result: %v", fields(pr))
	}
	if st := gm.Do("POST", "/api/v1/screening/findings/"+f1.ID+"/resolve", map[string]string{"result_note": "双方达成口头协议，排水沟已疏通"}, &got); st != 200 || got.Status != "resolved" || got.Light != "" {
		t.Fatalf("resolve: %d %+v", st, got)
	}
	if st := gm.Do("POST", "/api/v1/screening/findings/"+f1.ID+"/resolve", map[string]string{"result_note": "再次"}, nil); st != 409 {
		t.Errorf("resolved twice: %d", st)
	}

	// Closing the round: no more findings or zero reports.
	if st := town.Do("POST", "/api/v1/screening/rounds/"+r.ID+"/close", nil, &r); st != 200 || r.Status != "closed" || r.Resolved != 1 {
		t.Fatalf("close: %d %+v", st, r)
	}
	if pr := gm.Fail("POST", "/api/v1/screening/findings", findingBody(r.ID, "")); !slices.Equal(fields(pr), []string{"round_id screening.round_closed"}) {
		t.Errorf("a finding into a closed round: %v", fields(pr))
	}
	for _, v := range pl.villages {
		if v != pl.village && v != pl.other {
			if st := county.Do("POST", "/api/v1/screening/rounds/"+r.ID+"/zero-reports", map[string]string{"org_id": v}, nil); st != 409 {
				t.Errorf("a zero report into a closed round: %d", st)
			}
			break
		}
	}

	// Every write left its audit row.
	var audited int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action LIKE 'screening.%' AND object_id IN (?, ?, ?)", r.ID, f1.ID, f2.ID).Scan(&audited)
	if audited != 7 { // launch, two findings, a zero report, export, resolve, close
		t.Errorf("audit rows: %d, want 7", audited)
	}
}

// Another area's round and finding answer as ones that do not exist.
func TestScreeningScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := demoPlace(t, a)
	county, gm, vm := a.LoginAs("mediator"), a.LoginAs("gridmember"), a.LoginAs("vmediator")
	var elsewhere, other round
	if st := county.Do("POST", "/api/v1/screening/rounds", map[string]any{"title": "节前排查", "kind": "holiday", "org_id": pl.elsewhere,
		"period_from": day(0), "period_to": day(3), "due_date": day(3), "types": []string{"labour_wages"}}, &elsewhere); st != 201 {
		t.Fatalf("launch elsewhere: %d", st)
	}
	if st := county.Do("POST", "/api/v1/screening/rounds", map[string]any{"title": "月排查", "kind": "monthly", "org_id": pl.other,
		"period_from": day(0), "period_to": day(3), "due_date": day(3), "types": []string{"neighbour"}}, &other); st != 201 {
		t.Fatalf("launch other: %d", st)
	}
	var f finding
	if st := county.Do("POST", "/api/v1/screening/findings", findingBody(other.ID, pl.other), &f); st != 201 {
		t.Fatalf("file: %d", st)
	}
	for _, path := range []string{"/api/v1/screening/rounds/" + elsewhere.ID, "/api/v1/screening/rounds/" + other.ID + "/completeness",
		"/api/v1/screening/findings/" + f.ID, "/api/v1/screening/rounds/does-not-exist"} {
		for name, c := range map[string]*testapp.Client{"gridmember": gm, "vmediator": vm} {
			if st := c.Do("GET", path, nil, nil); st != 404 {
				t.Errorf("%s GET %s: %d, want 404", name, path, st)
			}
		}
	}
	if st := vm.Do("POST", "/api/v1/screening/findings/"+f.ID+"/resolve", map[string]string{"result_note": "x"}, nil); st != 404 {
		t.Errorf("another village's finding resolved: %d", st)
	}
	if st := vm.Do("POST", "/api/v1/screening/rounds/"+other.ID+"/close", nil, nil); st != 404 {
		t.Errorf("another village's round closed: %d", st)
	}
	var list page[finding]
	gm.Do("GET", "/api/v1/screening/findings", nil, &list)
	for _, x := range list.Items {
		if x.OrgID != pl.village {
			t.Errorf("the grid member lists a finding of %s", x.OrgID)
		}
	}
	if st := a.LoginAs("health").Do("GET", "/api/v1/screening/rounds", nil, nil); st != 403 {
		t.Errorf("an account without dispute permissions listed rounds: %d", st)
	}
}

// A finding turned into a case opens a dispute case with the source
// "screening", in the transaction that marks the finding.
func TestFindingBecomesCase(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := demoPlace(t, a)
	town := a.LoginAs("townmediator")
	var f finding
	if st := town.Do("POST", "/api/v1/screening/findings", findingBody("", pl.village), &f); st != 201 {
		t.Fatalf("file: %d", st)
	}
	if st := town.Do("POST", "/api/v1/screening/findings/"+f.ID+"/to-case", nil, &f); st != 200 || f.Status != "case" || f.CaseID == "" {
		t.Fatalf("to case: %d %+v", st, f)
	}
	var c struct {
		Source string `json:"source"`
	}
	if st := town.Do("GET", "/api/v1/disputes/"+f.CaseID, nil, &c); st != 200 || c.Source != "screening" {
		t.Errorf("the case: %d %+v", st, c)
	}
	if st := town.Do("POST", "/api/v1/screening/findings/"+f.ID+"/to-case", nil, nil); st != 409 {
		t.Errorf("a finding turned into a case twice: %d", st)
	}
}

// The demo's year of rounds: this week's round of the grid member's town
// is open and waits for their village; past rounds have findings settled on
// the spot and some past their deadline.
func TestDemoScreening(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := demoPlace(t, a)
	gm, town := a.LoginAs("gridmember"), a.LoginAs("townmediator")
	var open page[round]
	gm.Do("GET", "/api/v1/screening/rounds?status=open", nil, &open)
	if len(open.Items) != 1 {
		t.Fatalf("open rounds the grid member sees: %+v", open.Items)
	}
	var c completeness
	gm.Do("GET", "/api/v1/screening/rounds/"+open.Items[0].ID+"/completeness", nil, &c)
	if c.Villages != 1 || c.Reported != 0 {
		t.Errorf("the grid member's village has reported in this week's round: %+v", c)
	}
	town.Do("GET", "/api/v1/screening/rounds/"+open.Items[0].ID+"/completeness", nil, &c)
	if c.Villages != len(pl.villages) || len(c.Missing) == 0 || c.Reported == 0 {
		t.Errorf("the town's open round: %+v", c)
	}
	var all page[round]
	town.Do("GET", "/api/v1/screening/rounds?org_id="+pl.town, nil, &all)
	var list page[finding]
	gm.Do("GET", "/api/v1/screening/findings?org_id="+pl.village, nil, &list)
	status := map[string]int{}
	for _, f := range list.Items {
		status[f.Status+f.Light]++
	}
	if len(all.Items) < 60 || status["resolved"] == 0 || status["openred"] == 0 {
		t.Errorf("the demo's year: %d rounds, findings %v", len(all.Items), status)
	}
}
