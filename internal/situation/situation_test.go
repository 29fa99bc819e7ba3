package situation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/situation"
	"github.com/gridgov/gridgov/internal/testapp"
)

func fields(p testapp.Problem) map[string]string {
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Code
	}
	return out
}

// place is the demo's grid member's grid: its id, name, centre, village
// and the county's id.
type place struct {
	county, grid, gridName, village, villageCode, town string
	lat, lng                                           float64
}

func demoPlace(t testing.TB, a *testapp.App) place {
	t.Helper()
	var p place
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT c.id, g.id, g.name, v.id, v.code, v.parent_id, g.center_lat, g.center_lng
		FROM grid_members m JOIN workers w ON w.id = m.worker_id JOIN users u ON u.id = w.user_id JOIN grids g ON g.id = m.grid_id
		JOIN org_nodes v ON v.id = g.org_id JOIN org_nodes c ON c.code = '441602'
		WHERE u.username = 'gridmember' ORDER BY m.is_primary DESC LIMIT 1`).Scan(&p.county, &p.grid, &p.gridName, &p.village, &p.villageCode, &p.town, &p.lat, &p.lng)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// yesterday is the day before today in China Standard Time: a whole day
// behind us, whatever the hour the test runs.
var yesterday = time.Now().In(situation.Zone).AddDate(0, 0, -1).Format("2006-01-02")

// at is a time of yesterday: 10:00 and the minutes after.
func at(minutes int) string {
	t, _ := time.ParseInLocation("2006-01-02 15:04", yesterday+" 10:00", situation.Zone)
	return t.Add(time.Duration(minutes) * time.Minute).Format("2006-01-02 15:04")
}

// Situations by hand and by sheet: bad fields named and nothing written; a
// point located to its grid; a major one pushed to its town at once; the
// people sealed at rest, counted in lists, masked on the page and opened
// only by the police (audited); the day's analysis with its counts, its
// cluster and the person met twice; the analyst's judgement; the close.
func TestSituations(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	q := a.DB.Reader()
	intake, leader, police, pcs := a.Login("intake"), a.Login("leader"), a.Login("police"), a.LoginAs("pcschief")
	p := demoPlace(t, a)
	base := "/api/v1/situation-areas/" + p.county

	bad := intake.Fail("POST", base+"/situations", situation.Input{Kind: "police", Category: "gossip", OccurredAt: "yesterday", Place: "x", Summary: "短",
		People: []situation.Person{{Name: "某人", IDNumber: "123"}}})
	if f := fields(bad); f["category"] == "" || f["occurred_at"] != "validation.datetime" || f["place"] == "" || f["summary"] == "" || f["people[0].id_number"] != "id.length" || f["area"] != "situation.area" {
		t.Fatalf("bad input: %+v", bad)
	}
	lat, lng := p.lat, p.lng
	id := pii.MakeID("441602", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 7, true)
	var major situation.Situation
	if st := intake.Do("POST", base+"/situations", situation.Input{Kind: "petition", Category: "collective", Level: "major", OccurredAt: at(0),
		Place: "建设路12号门前", Lat: &lat, Lng: &lng, Summary: "十余名业主聚集反映房屋延期交付",
		People: []situation.Person{{Name: "王建国", IDNumber: id, Phone: "13800138000", Role: "组织者"}}}, &major); st != 201 {
		t.Fatalf("enter: %d", st)
	}
	if major.GridID != p.grid || major.AreaID != p.village || major.TownID != p.town || major.PeopleCount != 1 || len(major.People) != 1 || major.People[0].Name != "王**" || major.People[0].IDNumber != "" {
		t.Fatalf("placed: %+v", major)
	}
	var sealed int
	q.QueryRowContext(ctx, "SELECT count(*) FROM situations WHERE people_sealed LIKE '%王建国%' OR people_sealed LIKE ?", "%"+id+"%").Scan(&sealed)
	if sealed != 0 {
		t.Fatal("the people in clear at rest")
	}
	var pushed string
	q.QueryRowContext(ctx, `SELECT i.text FROM inbox i JOIN users u ON u.id = i.user_id WHERE u.username = 'pcschief' AND i.kind = 'situation'`).Scan(&pushed)
	if !strings.Contains(pushed, "重大访情") || strings.Contains(pushed, "王") {
		t.Fatalf("the town's police were told %q", pushed)
	}
	// listed finds the major situation in a list: people counted, not named.
	listed := func(c *testapp.Client, url string) bool {
		var list situation.Page[situation.Situation]
		if st := c.Do("GET", url, nil, &list); st != 200 {
			t.Fatalf("%s: %d", url, st)
		}
		for _, x := range list.Items {
			if x.ID == major.ID {
				return x.People == nil && x.PeopleCount == 1
			}
		}
		return false
	}
	if !listed(leader, base+"/situations?kind=petition&level=major&from="+yesterday+"&to="+yesterday) || !listed(pcs, "/api/v1/situation-areas/"+p.town+"/situations?q=建设路12号") {
		t.Fatal("the major situation in the leader's and the town's lists")
	}
	if listed(leader, base+"/situations?kind=police") {
		t.Fatal("a petition listed as a police situation")
	}
	if st := leader.Do("GET", "/api/v1/situations/"+major.ID+"/people", nil, nil); st != 403 {
		t.Fatalf("the leader opens the people: %d", st)
	}
	var people situation.Page[situation.Person]
	if st := police.Do("GET", "/api/v1/situations/"+major.ID+"/people", nil, &people); st != 200 || len(people.Items) != 1 || people.Items[0].IDNumber != id {
		t.Fatalf("the police open the people: %d %+v", st, people)
	}
	var audited int
	q.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'situation.people' AND object_id = ? AND username = 'police'", major.ID).Scan(&audited)
	if audited != 1 {
		t.Fatalf("the opening audited %d times", audited)
	}

	// A sheet: a bad row names itself and nothing is taken; then three
	// police situations a few hundred metres apart, one with the same
	// person, and one off any point.
	code := p.villageCode
	rows := []situation.Input{
		{Kind: "police", Category: "public_order", OccurredAt: at(30), Place: "建设路夜市", Lat: &lat, Lng: &lng, Summary: "夜市摊主争执推搡"},
		{Kind: "police", Category: "dispute", OccurredAt: at(60), Place: "无名村", Area: "无此村", Summary: "邻里噪音纠纷报警"},
	}
	if f := fields(intake.Fail("POST", base+"/sheet", situation.SheetInput{Items: rows})); f["items[1].area"] != "situation.area" || len(f) != 1 {
		t.Fatalf("a bad row: %+v", f)
	}
	var n int
	q.QueryRowContext(ctx, "SELECT count(*) FROM situations WHERE place = '建设路夜市'").Scan(&n)
	if n != 0 {
		t.Fatal("a refused sheet was written")
	}
	lat2, lat3 := lat+0.001, lat+0.002
	rows[1].Area, rows[1].Place = code, "村委会旁"
	rows[1].People = []situation.Person{{Name: "王建国", IDNumber: id}}
	rows = append(rows, situation.Input{Kind: "police", Category: "dispute", OccurredAt: at(90), Place: "建设路14号", Lat: &lat2, Lng: &lng, Area: code, Summary: "商铺占道经营引发口角"},
		situation.Input{Kind: "opinion", Category: "negative", OccurredAt: at(100), Place: "建设路16号", Lat: &lat3, Lng: &lng, Area: code, Summary: "网帖称楼盘延期交付"})
	var sheet situation.SheetAnswer
	if st := intake.Do("POST", base+"/sheet", situation.SheetInput{Items: rows}, &sheet); st != 201 || sheet.Created != 4 {
		t.Fatalf("sheet: %d %+v", st, sheet)
	}

	var day situation.Analysis
	if st := leader.Do("GET", base+"/analysis?day="+yesterday, nil, &day); st != 200 {
		t.Fatalf("analysis: %d", st)
	}
	if day.Total < 5 || day.CanJudge {
		t.Fatalf("the day: %d can judge %v", day.Total, day.CanJudge)
	}
	kinds := map[string]int{}
	for _, k := range day.ByKind {
		kinds[k.Key] = k.Count
	}
	if kinds["police"] < 3 || kinds["petition"] < 1 || kinds["opinion"] < 1 {
		t.Fatalf("by kind: %+v", day.ByKind)
	}
	found := false
	for _, c := range day.Clusters {
		found = found || len(c.IDs) >= 4 && strings.Contains(strings.Join(c.Kinds, ","), "police")
	}
	if !found {
		t.Fatalf("no cluster of the four on 建设路: %+v", day.Clusters)
	}
	twice := false
	for _, r := range day.RepeatPeople {
		twice = twice || r.Name == "王**" && r.Count == 2
	}
	if !twice {
		t.Fatalf("the person met twice: %+v", day.RepeatPeople)
	}
	if st := leader.Do("PUT", base+"/judgements/"+day.Day, situation.JudgementInput{Text: "建设路一带涉楼盘交付矛盾升温"}, nil); st != 403 {
		t.Fatalf("the leader judges: %d", st)
	}
	if st := intake.Do("PUT", base+"/judgements/"+day.Day, situation.JudgementInput{Text: "建设路一带涉楼盘交付矛盾升温，建议本周调度。"}, nil); st != 200 {
		t.Fatalf("judge: %d", st)
	}
	intake.Do("GET", base+"/analysis?day="+day.Day, nil, &day)
	if day.Judgement == nil || !strings.Contains(day.Judgement.Text, "建设路") || !day.CanJudge {
		t.Fatalf("the judgement: %+v", day.Judgement)
	}

	if st := intake.Do("POST", "/api/v1/situations/"+major.ID+"/close", situation.CloseInput{Note: "开发商承诺交付时间，业主已散去"}, &major); st != 200 || major.Status != "closed" {
		t.Fatalf("close: %d %+v", st, major)
	}
	if st := intake.Do("POST", "/api/v1/situations/"+major.ID+"/close", situation.CloseInput{Note: "再次关闭"}, nil); st != 409 {
		t.Fatalf("closed twice: %d", st)
	}
}

// sign sends a feed request as a source would.
func sign(c *testapp.Client, key, secret string, ts time.Time, in any) testapp.Response {
	body, _ := json.Marshal(in)
	stamp := strconv.FormatInt(ts.Unix(), 10)
	return c.RawWith("POST", "/api/v1/situation-feed", "application/json", body, map[string]string{
		"X-API-Key": key, "X-Timestamp": stamp, "X-Signature": situation.Sign(secret, stamp, body)})
}

// The feed: a source registered with its key and secret; unsigned, badly
// signed and stale requests refused; each record created, rejected with
// its errors, unchanged on a replay or updated when corrected; the day's
// traffic counted; a revoked key refused.
func TestFeed(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	a.Situations.FeedPerMinute = 6
	intake, anon := a.Login("intake"), a.Anon()
	p := demoPlace(t, a)
	base := "/api/v1/situation-areas/" + p.county

	var src situation.NewSource
	if st := intake.Do("POST", base+"/sources", situation.SourceInput{Name: "110接处警系统", Kind: "police"}, &src); st != 201 || src.Key == "" || src.Secret == "" {
		t.Fatalf("source: %d %+v", st, src)
	}
	lat, lng := p.lat, p.lng
	feed := situation.FeedInput{Items: []situation.Input{
		{ExternalID: "JJ-1", Category: "criminal", OccurredAt: time.Now().Add(-time.Hour).Format(time.RFC3339), Place: "建设路22号", Lat: &lat, Lng: &lng, Summary: "入室盗窃报警"},
		{ExternalID: "JJ-2", Category: "traffic", OccurredAt: time.Now().Add(-time.Hour).Format(time.RFC3339), Place: "建设路口", Area: p.villageCode, Summary: "两车剐蹭"},
		{ExternalID: "JJ-3", Kind: "opinion", Category: "negative", OccurredAt: "later", Place: "某处", Area: p.villageCode, Summary: "不是警情"},
	}}
	if r := anon.RawWith("POST", "/api/v1/situation-feed", "application/json", []byte(`{"items":[]}`), map[string]string{"X-API-Key": src.Key}); r.Status != 403 {
		t.Fatalf("unsigned: %d", r.Status)
	}
	if r := sign(anon, src.Key, "wrong", time.Now(), feed); r.Status != 403 {
		t.Fatalf("a wrong signature: %d", r.Status)
	}
	if r := sign(anon, src.Key, src.Secret, time.Now().Add(-10*time.Minute), feed); r.Status != 403 {
		t.Fatalf("a stale request: %d", r.Status)
	}
	var ans situation.FeedAnswer
	r := sign(anon, src.Key, src.Secret, time.Now(), feed)
	json.Unmarshal(r.Body, &ans)
	if r.Status != 200 || len(ans.Results) != 3 || ans.Results[0].Status != "created" || ans.Results[1].Status != "created" || ans.Results[2].Status != "rejected" {
		t.Fatalf("feed: %d %s", r.Status, r.Body)
	}
	errs := map[string]string{}
	for _, e := range ans.Results[2].Errors {
		errs[e.Field] = e.Code
	}
	if errs["kind"] != "situation.source_kind" || errs["occurred_at"] != "validation.datetime" {
		t.Fatalf("the rejected record: %+v", ans.Results[2])
	}
	// A replay changes nothing; a corrected record is updated in place.
	r = sign(anon, src.Key, src.Secret, time.Now(), situation.FeedInput{Items: feed.Items[:2]})
	json.Unmarshal(r.Body, &ans)
	if ans.Results[0].Status != "unchanged" || ans.Results[1].Status != "unchanged" {
		t.Fatalf("replay: %s", r.Body)
	}
	first := ans.Results[0].ID
	feed.Items[0].Summary = "入室盗窃报警，已出警"
	r = sign(anon, src.Key, src.Secret, time.Now(), situation.FeedInput{Items: feed.Items[:1]})
	json.Unmarshal(r.Body, &ans)
	if ans.Results[0].Status != "updated" || ans.Results[0].ID != first {
		t.Fatalf("corrected: %s", r.Body)
	}
	var one situation.Situation
	intake.Do("GET", "/api/v1/situations/"+first, nil, &one)
	if one.Summary != "入室盗窃报警，已出警" || one.Origin != "feed" || one.SourceName != "110接处警系统" || one.ExternalID != "JJ-1" || one.GridID != p.grid {
		t.Fatalf("the fed situation: %+v", one)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM situations WHERE source_id = ?", src.ID).Scan(&n)
	if n != 2 {
		t.Fatalf("%d situations from the feed", n)
	}
	var sources situation.Page[situation.Source]
	intake.Do("GET", base+"/sources", nil, &sources)
	var mine situation.Source
	for _, x := range sources.Items {
		if x.ID == src.ID {
			mine = x
		}
	}
	if len(mine.Days) != 1 {
		t.Fatalf("sources: %+v", sources.Items)
	}
	if d := mine.Days[0]; d.Received != 6 || d.Created != 2 || d.Updated != 1 || d.Rejected != 1 || d.LagMS < 3500_000 {
		t.Fatalf("the day's traffic: %+v", d)
	}
	// Six requests this minute: the seventh waits.
	if r := sign(anon, src.Key, src.Secret, time.Now(), situation.FeedInput{Items: feed.Items[:1]}); r.Status != 429 {
		t.Fatalf("over the rate: %d", r.Status)
	}
	if st := intake.Do("POST", "/api/v1/situation-sources/"+src.ID+"/revoke", nil, nil); st != 200 {
		t.Fatalf("revoke: %d", st)
	}
	if r := sign(anon, src.Key, src.Secret, time.Now(), feed); r.Status != 403 {
		t.Fatalf("a revoked key: %d", r.Status)
	}
}

// The weekly meeting: its agenda holds the fortnight's serious and major
// situations; a decision pushes a task to the town, whose light and replies
// follow the situation; held with its minutes it changes no more.
func TestMeetings(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	intake, leader := a.Login("intake"), a.Login("leader")
	p := demoPlace(t, a)
	base := "/api/v1/situation-areas/" + p.county
	var x situation.Situation
	if st := intake.Do("POST", base+"/situations", situation.Input{Kind: "petition", Category: "over_level", Level: "serious", OccurredAt: at(0),
		Place: "县信访局", Area: p.villageCode, Summary: "三名村民拟赴市上访反映征地补偿"}, &x); st != 201 {
		t.Fatalf("enter: %d", st)
	}
	today := time.Now().In(situation.Zone).Format("2006-01-02")
	if st := leader.Do("POST", base+"/meetings", situation.MeetingInput{WeekOf: today, Chair: "黄书记"}, nil); st != 403 {
		t.Fatalf("the leader opens a meeting: %d", st)
	}
	// The demo opened this week's meeting; a new root's week would be opened so.
	var ms situation.Page[situation.Meeting]
	if st := leader.Do("GET", base+"/meetings", nil, &ms); st != 200 || len(ms.Items) < 2 || ms.Items[0].Status != "open" || ms.Items[1].Status != "held" || ms.Items[1].DecisionCount == 0 {
		t.Fatalf("meetings: %d %d", st, len(ms.Items))
	}
	var m situation.Meeting
	if st := intake.Do("GET", "/api/v1/situation-meetings/"+ms.Items[0].ID, nil, &m); st != 200 || !m.CanEdit {
		t.Fatalf("this week's meeting: %d %v", st, m.CanEdit)
	}
	if f := fields(intake.Fail("POST", base+"/meetings", situation.MeetingInput{WeekOf: today, Chair: "政法委 黄书记"})); f["week_of"] != "situation.meeting_week" {
		t.Fatalf("a second meeting of the week: %+v", f)
	}
	onAgenda := false
	for _, s := range m.Agenda {
		onAgenda = onAgenda || s.ID == x.ID
	}
	if !onAgenda {
		t.Fatalf("the agenda lacks the situation: %d items", len(m.Agenda))
	}
	due := time.Now().In(situation.Zone).AddDate(0, 0, 14).Format("2006-01-02")
	if f := fields(intake.Fail("POST", "/api/v1/situation-meetings/"+m.ID+"/decisions", situation.DecisionInput{SituationID: x.ID, Decision: "镇里包案稳控",
		Task: &situation.TaskOrder{AreaID: p.town, DueOn: "2001-01-01"}})); f["task.due_on"] == "" {
		t.Fatalf("a task due before its start: %+v", f)
	}
	if st := intake.Do("POST", "/api/v1/situation-meetings/"+m.ID+"/decisions", situation.DecisionInput{SituationID: x.ID, Decision: "由镇里包案稳控，信访局三日内答复",
		Task: &situation.TaskOrder{AreaID: p.town, DueOn: due}}, &m); st != 200 || len(m.Decisions) != 1 || m.Decisions[0].Task == nil {
		t.Fatalf("decide: %d %d decisions", st, len(m.Decisions))
	}
	task := m.Decisions[0].Task
	if task.Source != "schedule" || task.AreaID != p.town || task.Light != "green" || !strings.Contains(task.Detail, "征地补偿") {
		t.Fatalf("the task: %+v", task)
	}
	if st := intake.Do("POST", "/api/v1/safety/tasks/"+task.ID+"/progress", map[string]any{"text": "已上门做工作，三人暂缓赴市"}, nil); st != 200 {
		t.Fatalf("reply: %d", st)
	}
	if st := leader.Do("GET", "/api/v1/situations/"+x.ID, nil, &x); st != 200 || len(x.FollowUp) != 1 || x.FollowUp[0].Task == nil ||
		len(x.FollowUp[0].Task.Progress) != 1 || x.FollowUp[0].Task.Progress[0].Text != "已上门做工作，三人暂缓赴市" {
		t.Fatalf("the follow-up: %d %+v", st, x.FollowUp)
	}
	if f := fields(intake.Fail("POST", "/api/v1/situation-meetings/"+m.ID+"/hold", situation.MeetingInput{Chair: "政法委 黄书记", Version: m.Version})); f["minutes"] != "situation.minutes_required" {
		t.Fatalf("held without minutes: %+v", f)
	}
	in := situation.MeetingInput{Chair: "政法委 黄书记", Attendees: m.Attendees, Minutes: "会议听取本周三情研判，对涉征地补偿越级访作出部署。", Version: m.Version}
	if st := intake.Do("POST", "/api/v1/situation-meetings/"+m.ID+"/hold", in, &m); st != 200 || m.Status != "held" || m.CanEdit {
		t.Fatalf("hold: %d %+v", st, m)
	}
	if st := intake.Do("POST", "/api/v1/situation-meetings/"+m.ID+"/decisions", situation.DecisionInput{Decision: "补充决定"}, nil); st != 409 {
		t.Fatalf("a decision after the meeting: %d", st)
	}
}

// A 平安稳定专报 from draft to reply: bad input named; the draft seen by the
// centre and the leader only, with live figures; sent back with a reason,
// submitted again, issued by the leader to two units with the year's
// number and its figures frozen; the town's police station reads it (its
// receipt) and replies; a unit it was not sent to sees nothing; the
// archive finds it by a word of its title.
func TestBriefings(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	intake, leader, police, pcs, handler := a.Login("intake"), a.Login("leader"), a.Login("police"), a.LoginAs("pcschief"), a.Login("dept_handler")
	p := demoPlace(t, a)
	base := "/api/v1/situation-areas/" + p.county
	var pcsUnit, gaUnit string
	a.DB.Reader().QueryRowContext(ctx, "SELECT unit_id FROM users WHERE username = 'pcschief'").Scan(&pcsUnit)
	a.DB.Reader().QueryRowContext(ctx, "SELECT unit_id FROM users WHERE username = 'police'").Scan(&gaUnit)
	week := time.Now().In(situation.Zone).AddDate(0, 0, -7).Format("2006-01-02")

	if f := fields(intake.Fail("POST", base+"/briefings", situation.BriefingInput{Title: "专报", PeriodFrom: yesterday, PeriodTo: week})); f["title"] == "" || f["period_to"] != "situation.period" {
		t.Fatalf("bad draft: %+v", f)
	}
	var b situation.Briefing
	in := situation.BriefingInput{Title: "建设路一带群体性诉求专题研判", PeriodFrom: week, PeriodTo: yesterday}
	if st := intake.Do("POST", base+"/briefings", in, &b); st != 201 || b.Status != "draft" || !b.CanEdit || b.Figures == nil || b.Figures.Total == 0 || b.Figures.FrozenAt != nil {
		t.Fatalf("draft: %d %+v", st, b.Figures)
	}
	if st := police.Do("GET", "/api/v1/situation-briefings/"+b.ID, nil, nil); st != 404 {
		t.Fatalf("the police read a draft: %d", st)
	}
	if st := leader.Do("GET", "/api/v1/situation-briefings/"+b.ID, nil, nil); st != 200 {
		t.Fatalf("the leader reads the draft: %d", st)
	}
	if f := fields(intake.Fail("POST", "/api/v1/situation-briefings/"+b.ID+"/submit", nil)); f["body"] != "situation.body_required" {
		t.Fatalf("submitted with no text: %+v", f)
	}
	in.Body, in.Version = "一周来，下城社区阳光花园因交房延期，业主集体访、网上舆情和现场聚集相互叠加，已出现越级上访苗头。建议由上城街道牵头包案。", b.Version
	if st := intake.Do("PUT", "/api/v1/situation-briefings/"+b.ID, in, &b); st != 200 {
		t.Fatalf("save: %d", st)
	}
	if st := intake.Do("PUT", "/api/v1/situation-briefings/"+b.ID, in, nil); st != 409 {
		t.Fatalf("a stale save: %d", st)
	}
	if st := intake.Do("POST", "/api/v1/situation-briefings/"+b.ID+"/submit", nil, &b); st != 200 || b.Status != "review" || b.CanEdit {
		t.Fatalf("submit: %d %s", st, b.Status)
	}
	if st := intake.Do("POST", "/api/v1/situation-briefings/"+b.ID+"/issue", situation.IssueInput{UnitIDs: []string{pcsUnit}}, nil); st != 403 {
		t.Fatalf("the centre issues: %d", st)
	}
	if st := leader.Do("POST", "/api/v1/situation-briefings/"+b.ID+"/return", situation.NoteInput{Text: "请补充公安分局处置情况"}, &b); st != 200 || b.Status != "draft" || b.ReviewNote == "" {
		t.Fatalf("return: %d %+v", st, b.Status)
	}
	intake.Do("POST", "/api/v1/situation-briefings/"+b.ID+"/submit", nil, &b)
	if f := fields(leader.Fail("POST", "/api/v1/situation-briefings/"+b.ID+"/issue", situation.IssueInput{UnitIDs: []string{"nope"}})); f["unit_ids[0]"] != "situation.unit" {
		t.Fatalf("a unit of nowhere: %+v", f)
	}
	if st := leader.Do("POST", "/api/v1/situation-briefings/"+b.ID+"/issue", situation.IssueInput{UnitIDs: []string{pcsUnit, gaUnit}}, &b); st != 200 || b.Status != "issued" ||
		b.Seq < 1 || b.Number != fmt.Sprintf("%d年第%d期", b.Year, b.Seq) || b.Figures.FrozenAt == nil || len(b.Recipients) != 2 || b.Signer == "" {
		t.Fatalf("issue: %d %+v", st, b)
	}
	frozen := b.Figures.Total
	lat, lng := p.lat, p.lng
	intake.Do("POST", base+"/situations", situation.Input{Kind: "police", Category: "dispute", OccurredAt: at(10), Place: "建设路", Lat: &lat, Lng: &lng, Summary: "印发后补录的警情"}, nil)

	var mine situation.Page[situation.Briefing]
	if st := pcs.Do("GET", "/api/v1/situation-briefings/mine", nil, &mine); st != 200 || len(mine.Items) != 1 || mine.Items[0].Read != 0 {
		t.Fatalf("the station's briefings: %d %+v", st, mine.Items)
	}
	if st := pcs.Do("GET", "/api/v1/situation-briefings/"+b.ID, nil, &b); st != 200 || !b.CanReply || b.Figures.Total != frozen {
		t.Fatalf("the station reads it: %d %v %d/%d", st, b.CanReply, b.Figures.Total, frozen)
	}
	if st := pcs.Do("POST", "/api/v1/situation-briefings/"+b.ID+"/reply", situation.NoteInput{Text: "已安排民警驻点阳光花园，做好现场秩序维护"}, &b); st != 200 ||
		len(b.Recipients) != 1 || b.Recipients[0].UnitID != pcsUnit || b.Recipients[0].Reply == "" {
		t.Fatalf("reply: %d %+v", st, b.Recipients) // its own receipt only
	}
	if st := handler.Do("GET", "/api/v1/situation-briefings/"+b.ID, nil, nil); st != 404 {
		t.Fatalf("a unit it was not sent to: %d", st)
	}
	intake.Do("GET", "/api/v1/situation-briefings/"+b.ID, nil, &b)
	got := map[string]situation.Recipient{}
	for _, r := range b.Recipients {
		got[r.UnitID] = r
	}
	if r := got[pcsUnit]; r.ReadAt == nil || r.Reply == "" || r.RepliedBy == "" || got[gaUnit].ReadAt != nil || b.Read != 1 {
		t.Fatalf("receipts: %+v", b.Recipients)
	}
	var list situation.Page[situation.Briefing]
	if st := police.Do("GET", base+"/briefings?q=建设路一带", nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].ID != b.ID {
		t.Fatalf("the archive: %d %d", st, len(list.Items))
	}
}
