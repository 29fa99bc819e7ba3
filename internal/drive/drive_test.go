package drive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/drive"
	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/xuri/excelize/v2"
)

func fields(p testapp.Problem) map[string]string {
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Code
	}
	return out
}

// A campaign end to end: planned with bad input named, edited as a draft,
// started — each action pushed to every town, grid and unit of its level —
// reported on by a grid member for its own grids only and by a unit's
// staff, rolled up per town; closed with its results, after which nothing
// more is taken and what was left undone is red.
func TestCampaign(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	intake, leader, gm, police := a.Login("intake"), a.Login("leader"), a.Login("grid_member"), a.LoginAs("police")
	var county, town1, town2, gaUnit string
	q := a.DB.Reader()
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602001'").Scan(&town1)
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602002'").Scan(&town2)
	q.QueryRowContext(ctx, "SELECT id FROM units WHERE code = '441602-ga'").Scan(&gaUnit)
	today := time.Now().In(drive.Zone)
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }

	p := intake.Fail("POST", "/api/v1/drives", drive.Input{RootID: county, Name: "断", Kind: "x", StartsOn: day(0), EndsOn: day(-1),
		TownIDs: []string{gaUnit}, Actions: []drive.ActionInput{{Title: "入户宣传", Level: "unit", DueOn: day(1)}, {Title: "张贴海报", Level: "grid", Target: 10, DueOn: "2026/1/1"}}})
	f := fields(p)
	if f["name"] == "" || f["kind"] == "" || f["ends_on"] != "drive.ends_before_start" || f["town_ids[0]"] != "drive.town" ||
		f["actions[0].level"] != "drive.unit_level" || f["actions[1].measure"] != "drive.measure" || f["actions[1].due_on"] != "validation.date" {
		t.Fatalf("bad plan: %+v", p)
	}
	in := drive.Input{RootID: county, Name: "“断卡”专项行动", Kind: "anti_fraud", Aim: "打击治理电信网络诈骗，断卡断流", StartsOn: day(-1), EndsOn: day(40),
		TakesClues: true, TownIDs: []string{town1, town2}, UnitIDs: []string{gaUnit},
		Actions: []drive.ActionInput{
			{Title: "召开部署会", Level: "town", DueOn: day(5)},
			{Title: "入户宣传防范电信诈骗", Level: "grid", Target: 30, Measure: "户", DueOn: day(20)},
			{Title: "打击涉卡违法犯罪", Level: "unit", Target: 5, Measure: "起", DueOn: day(30)},
		}}
	var d drive.Drive
	if st := intake.Do("POST", "/api/v1/drives", in, &d); st != 201 || d.Status != drive.Draft || len(d.Actions) != 3 || len(d.Towns) != 2 || d.Units[0].Name != "源城区公安分局" {
		t.Fatalf("create: %d %+v", st, d)
	}
	if st := leader.Do("POST", "/api/v1/drives", in, nil); st != 403 {
		t.Fatalf("a leader plans: %d", st)
	}
	in.Version = d.Version + 1
	if st := intake.Do("PUT", "/api/v1/drives/"+d.ID, in, nil); st != 409 {
		t.Fatalf("a stale edit: %d", st)
	}
	in.Version, in.Aim = d.Version, "打击治理电信网络诈骗，“断卡”“断流”"
	if st := intake.Do("PUT", "/api/v1/drives/"+d.ID, in, &d); st != 200 || !strings.Contains(d.Aim, "断流") {
		t.Fatalf("edit: %d %+v", st, d)
	}
	if st := intake.Do("POST", "/api/v1/drives/"+d.ID+"/start", struct{}{}, &d); st != 200 || d.Status != drive.Running {
		t.Fatalf("start: %d %+v", st, d)
	}
	var grids int
	q.QueryRowContext(ctx, `SELECT count(*) FROM grids g JOIN org_nodes t ON g.path >= t.path AND g.path < t.path || '~'
		WHERE t.id IN (?, ?) AND g.layer = 'zz' AND g.status = 'active'`, town1, town2).Scan(&grids)
	if grids == 0 || d.Assigned != 2+grids+1 || d.Done != 0 {
		t.Fatalf("pushed: %d assignments, %d grids", d.Assigned, grids)
	}
	if st := intake.Do("PUT", "/api/v1/drives/"+d.ID, in, nil); st != 409 {
		t.Fatalf("a running campaign edited: %d", st)
	}
	var list drive.Page[drive.Drive]
	if st := leader.Do("GET", "/api/v1/drives?root_id="+county, nil, &list); st != 200 || len(list.Items) == 0 || list.Items[0].ID != d.ID || list.Items[0].CanWrite {
		t.Fatalf("leader's list: %d %+v", st, list)
	}

	// The grid member's page: its own grids' assignments, reported.
	var mine drive.Mine
	if st := gm.Do("GET", "/api/v1/drives/mine", nil, &mine); st != 200 || len(mine.Assignments) == 0 || !slices.Contains(mine.ClueDrives, drive.Ref{ID: d.ID, Name: d.Name}) {
		t.Fatalf("mine: %d %+v", st, mine)
	}
	var own drive.Assignment
	for _, x := range mine.Assignments {
		if x.DriveID == d.ID && x.Level == "grid" {
			own = x
		}
		if x.Level == "grid" && x.TownID != town1 {
			t.Errorf("another town's grid on the member's page: %+v", x)
		}
	}
	if own.ID == "" || own.Light != drive.Green || own.Why != "on_track" {
		t.Fatalf("own assignment: %+v", own)
	}
	if p := gm.Fail("POST", "/api/v1/drive-assignments/"+own.ID+"/report", drive.ReportInput{Count: 12, Done: true}); fields(p)["note"] != "drive.short_note" {
		t.Fatalf("done short of the target without a word: %+v", p)
	}
	var got drive.Assignment
	if st := gm.Do("POST", "/api/v1/drive-assignments/"+own.ID+"/report", drive.ReportInput{Count: 12, Note: "已走访12户"}, &got); st != 200 || got.Count != 12 || got.Done {
		t.Fatalf("report: %d %+v", st, got)
	}
	var others drive.Page[drive.Assignment]
	if st := leader.Do("GET", "/api/v1/drives/"+d.ID+"/assignments?town="+town2, nil, &others); st != 200 || len(others.Items) == 0 || others.Items[0].CanReport {
		t.Fatalf("town 2: %d %+v", st, others)
	}
	if st := gm.Do("POST", "/api/v1/drive-assignments/"+others.Items[0].ID+"/report", drive.ReportInput{Count: 1}, nil); st != 404 {
		t.Fatalf("another town's assignment: %d", st)
	}

	// The police's unit reports on its own line.
	if st := police.Do("GET", "/api/v1/drives/mine", nil, &mine); st != 200 {
		t.Fatalf("police mine: %d", st)
	}
	var unitLine drive.Assignment
	for _, x := range mine.Assignments {
		if x.DriveID == d.ID && x.Level == "unit" {
			unitLine = x
		}
	}
	if st := police.Do("POST", "/api/v1/drive-assignments/"+unitLine.ID+"/report", drive.ReportInput{Count: 6, Note: "破获涉卡案件6起", Done: true}, &got); st != 200 || !got.Done || got.Light != drive.Green {
		t.Fatalf("unit report: %d %+v", st, got)
	}

	var fig drive.Figures
	if st := leader.Do("GET", "/api/v1/drives/"+d.ID+"/figures", nil, &fig); st != 200 || len(fig.Rows) != 3 {
		t.Fatalf("figures: %d %+v", st, fig)
	}
	gridAction, unitAction := d.Actions[1].ID, d.Actions[2].ID
	if fig.Total.Counts[gridAction] != 12 || fig.Total.Counts[unitAction] != 6 || fig.Total.Done != 1 || fig.Total.Assigned != d.Assigned ||
		fig.Rows[0].Counts[gridAction] != 12 || fig.Rows[2].Kind != "unit" || fig.Rows[2].Done != 1 {
		t.Fatalf("figures: %+v", fig)
	}

	// The figures and lines as a workbook: the total row carries the counts.
	res := leader.Raw("GET", "/api/v1/drives/"+d.ID+"/export", "", nil)
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if res.Status != 200 || err != nil {
		t.Fatalf("export: %d %v", res.Status, err)
	}
	sheets := x.GetSheetList()
	byArea, _ := x.GetRows(sheets[0])
	lines, _ := x.GetRows(sheets[1])
	x.Close()
	head, total := []string{}, byArea[len(byArea)-1]
	for _, r := range byArea {
		if slices.Contains(r, "入户宣传防范电信诈骗（户）") {
			head = r
		}
	}
	if i := slices.Index(head, "入户宣传防范电信诈骗（户）"); i < 0 || len(total) <= i || total[i] != "12" || len(lines) < d.Assigned {
		t.Fatalf("export: %v / %v, %d lines", head, total, len(lines))
	}

	// Closed: nothing more is taken; what is left undone is red.
	if p := intake.Fail("POST", "/api/v1/drives/"+d.ID+"/close", drive.CloseInput{}); fields(p)["summary"] == "" {
		t.Fatalf("close without results: %+v", p)
	}
	if st := intake.Do("POST", "/api/v1/drives/"+d.ID+"/close", drive.CloseInput{Summary: "宣传入户12户，破获涉卡案件6起"}, &d); st != 200 || d.Status != drive.Closed {
		t.Fatalf("close: %d %+v", st, d)
	}
	if st := gm.Do("POST", "/api/v1/drive-assignments/"+own.ID+"/report", drive.ReportInput{Count: 30, Done: true}, nil); st != 409 {
		t.Fatalf("a report after the close: %d", st)
	}
	if st := leader.Do("GET", "/api/v1/drives/"+d.ID+"/assignments?light=red", nil, &others); st != 200 || len(others.Items) != d.Assigned-1 || others.Items[0].Why != "undone" {
		t.Fatalf("undone after the close: %d %d of %d", st, len(others.Items), d.Assigned)
	}
}

// Clues: given by a resident (a retry under the same key makes one), the
// committee counts them and reads none, the giver sees only a status; the
// police of the clue's area alone open it (audited) and record a finding;
// what it says is sealed at rest.
func TestClues(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	intake, leader, resident, pcs := a.Login("intake"), a.Login("leader"), a.Login("resident"), a.LoginAs("pcschief")
	var county, town1, town2, village2 string
	q := a.DB.Reader()
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602001'").Scan(&town1)
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602002'").Scan(&town2)
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE parent_id = ? ORDER BY code LIMIT 1", town2).Scan(&village2)
	day := func(n int) string { return time.Now().In(drive.Zone).AddDate(0, 0, n).Format("2006-01-02") }
	var d drive.Drive
	in := drive.Input{RootID: county, Name: "扫黑除恶线索征集", Kind: "anti_gang", StartsOn: day(0), EndsOn: day(60), TakesClues: true,
		TownIDs: []string{town1, town2}, Actions: []drive.ActionInput{{Title: "公布举报渠道", Level: "village", DueOn: day(7)}}}
	if st := intake.Do("POST", "/api/v1/drives", in, &d); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if st := resident.Do("POST", "/api/v1/drives/"+d.ID+"/clues", drive.ClueInput{Text: "某KTV有人放高利贷、暴力催收"}, nil); st != 409 {
		t.Fatalf("a clue to a draft: %d", st)
	}
	intake.Do("POST", "/api/v1/drives/"+d.ID+"/start", struct{}{}, &d)

	if p := resident.Fail("POST", "/api/v1/drives/"+d.ID+"/clues", drive.ClueInput{Text: "有"}); fields(p)["text"] == "" {
		t.Fatalf("a short clue: %+v", p)
	}
	secret := "城东某KTV老板纠集人员放高利贷、暴力催收"
	clue := drive.ClueInput{Text: secret, Place: "建设路88号", Contact: "13800138000"}
	body, _ := json.Marshal(clue)
	hdr := map[string]string{"Idempotency-Key": "clue-1"}
	var first, again drive.MyClue
	r := resident.RawWith("POST", "/api/v1/drives/"+d.ID+"/clues", "application/json", body, hdr)
	json.Unmarshal(r.Body, &first)
	r2 := resident.RawWith("POST", "/api/v1/drives/"+d.ID+"/clues", "application/json", body, hdr)
	json.Unmarshal(r2.Body, &again)
	if r.Status != 201 || r2.Status != 201 || first.ID == "" || first.ID != again.ID || first.Status != drive.ClueReceived || strings.Contains(string(r.Body), secret) {
		t.Fatalf("give: %d %d %s %s", r.Status, r2.Status, r.Body, r2.Body)
	}
	// A clue of town 2, anonymous, from the centre.
	var other drive.MyClue
	if st := intake.Do("POST", "/api/v1/drives/"+d.ID+"/clues", drive.ClueInput{Text: "某村有人组织聚众赌博", AreaID: village2, Anonymous: true}, &other); st != 201 {
		t.Fatalf("centre's clue: %d", st)
	}
	var n int
	q.QueryRowContext(ctx, "SELECT count(*) FROM drive_clues WHERE text_sealed LIKE ? OR place_sealed LIKE ? OR contact_sealed LIKE ? OR by_name_sealed LIKE ?",
		"%高利贷%", "%建设路%", "%13800138000%", "%郑春梅%").Scan(&n)
	if n != 0 {
		t.Fatalf("%d clues in clear at rest", n)
	}

	// The committee counts, never reads.
	if st := leader.Do("GET", "/api/v1/drive-clues", nil, nil); st != 403 {
		t.Fatalf("a leader lists clues: %d", st)
	}
	if st := intake.Do("GET", "/api/v1/drive-clues/"+first.ID, nil, nil); st != 403 {
		t.Fatalf("the centre opens a clue: %d", st)
	}
	var fig drive.Figures
	leader.Do("GET", "/api/v1/drives/"+d.ID+"/figures", nil, &fig)
	if fig.Total.Clues != 2 || fig.Rows[0].Clues != 1 || fig.Rows[1].Clues != 1 {
		t.Fatalf("clue counts: %+v", fig)
	}

	// The town's police see their town's clue only, and open it.
	var clues drive.Page[drive.Clue]
	if st := pcs.Do("GET", "/api/v1/drive-clues", nil, &clues); st != 200 || clues.Items[0].ID != first.ID || clues.Items[0].Text != "" {
		t.Fatalf("police list: %d %+v", st, clues)
	}
	for _, c := range clues.Items {
		if c.ID == other.ID {
			t.Fatalf("another town's clue listed: %+v", c)
		}
	}
	if st := pcs.Do("GET", "/api/v1/drive-clues/"+other.ID, nil, nil); st != 404 {
		t.Fatalf("another town's clue: %d", st)
	}
	var c drive.Clue
	if st := pcs.Do("GET", "/api/v1/drive-clues/"+first.ID, nil, &c); st != 200 || c.Text != secret || c.Contact != "13800138000" || c.Giver == "" {
		t.Fatalf("open: %d %+v", st, c)
	}
	var audited int
	q.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'drive.clue_read' AND object_id = ?", first.ID).Scan(&audited)
	if audited != 1 {
		t.Fatalf("opening audited %d times", audited)
	}
	if p := pcs.Fail("POST", "/api/v1/drive-clues/"+first.ID+"/handle", drive.HandleInput{Status: drive.ClueConfirmed}); fields(p)["note"] != "drive.finding_note" {
		t.Fatalf("a finding without a note: %+v", p)
	}
	if st := pcs.Do("POST", "/api/v1/drive-clues/"+first.ID+"/handle", drive.HandleInput{Status: drive.ClueConfirmed, Note: "已立案侦查"}, &c); st != 200 || c.Status != drive.ClueConfirmed || c.Note != "已立案侦查" {
		t.Fatalf("handle: %d %+v", st, c)
	}
	if st := pcs.Do("POST", "/api/v1/drive-clues/"+first.ID+"/handle", drive.HandleInput{Status: drive.ClueUnfounded, Note: "x"}, nil); st != 409 {
		t.Fatalf("a second finding: %d", st)
	}
	var mine drive.Mine
	if st := resident.Do("GET", "/api/v1/drives/mine", nil, &mine); st != 200 || mine.Clues[0].ID != first.ID || mine.Clues[0].Status != "handled" || len(mine.Assignments) != 0 {
		t.Fatalf("the giver's page: %d %+v", st, mine)
	}
	leader.Do("GET", "/api/v1/drives/"+d.ID+"/figures", nil, &fig)
	if fig.Total.Confirmed != 1 || fig.Rows[0].Confirmed != 1 {
		t.Fatalf("confirmed: %+v", fig.Total)
	}
}
