package petition_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

type month struct {
	Month       string `json:"month"`
	Received    int    `json:"received"`
	Closed      int    `json:"closed"`
	Satisfied   int    `json:"satisfied"`
	Repeat      int    `json:"repeat"`
	Collective  int    `json:"collective"`
	OverLevel   int    `json:"over_level"`
	NotAccepted int    `json:"not_accepted"`
	Share       *int   `json:"share_pct"`
}

// The figures by month against counts made by hand.
func TestFiguresAgainstHandCounts(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ar := places(t, a)
	clerk := a.LoginAs("xfclerk")
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, cst).AddDate(0, -1, 0) // last month's first day
	lastMonth, thisMonth := first.Format("2006-01"), now.Format("2006-01")
	d := first.Format("2006-01-02")
	today := day(0)
	closeWith := func(id, sat string) {
		do(t, clerk, "/api/v1/petitions/"+id+"/accept", map[string]any{"accepted": true, "on": d})
		do(t, clerk, "/api/v1/petitions/"+id+"/reply", map[string]any{"reply": "已答复", "on": today})
		do(t, clerk, "/api/v1/petitions/"+id+"/close", map[string]any{"satisfaction": sat, "on": today})
	}
	// Last month: five received — one collective and over-level, one
	// repeat (the same phone again), one not accepted; three closed this
	// month: satisfied, basically satisfied, dissatisfied.
	p1 := register(t, clerk, newPetition(ar.villageA, d, "甲", "", "13500000001", 1))
	p2 := register(t, clerk, newPetition(ar.villageA, d, "甲", "", "13500000001", 1))
	col := newPetition(ar.villageB, d, "乙", "", "", 8)
	col["over_level"] = true
	p3 := register(t, clerk, col)
	p4 := register(t, clerk, newPetition(ar.villageB, d, "丙", "", "", 1))
	p5 := register(t, clerk, newPetition(ar.villageB, d, "丁", "", "", 1))
	closeWith(p1.ID, "satisfied")
	closeWith(p2.ID, "basically")
	closeWith(p3.ID, "dissatisfied")
	do(t, clerk, "/api/v1/petitions/"+p4.ID+"/accept", map[string]any{"accepted": false, "on": d, "reason": "不属于信访受理范围"})
	_ = p5
	// This month: two received, one a repeat of 甲.
	register(t, clerk, newPetition(ar.villageA, today, "甲", "", "13500000001", 1))
	register(t, clerk, newPetition(ar.villageA, today, "戊", "", "", 2))

	var f struct {
		Months []month `json:"months"`
		Total  month   `json:"total"`
	}
	if st := clerk.Do("GET", "/api/v1/petitions/figures?from="+lastMonth+"&to="+thisMonth, nil, &f); st != 200 || len(f.Months) != 2 {
		t.Fatalf("figures: %d %+v", st, f)
	}
	lm, tm := f.Months[0], f.Months[1]
	if lm.Month != lastMonth || lm.Received != 5 || lm.Repeat != 1 || lm.Collective != 1 || lm.OverLevel != 1 || lm.NotAccepted != 1 || lm.Closed != 0 || lm.Share != nil {
		t.Errorf("last month: %+v", lm)
	}
	if tm.Received != 2 || tm.Repeat != 1 || tm.Closed != 3 || tm.Satisfied != 2 || tm.Share == nil || *tm.Share != 67 {
		t.Errorf("this month: %+v", tm)
	}
	if f.Total.Received != 7 || f.Total.Closed != 3 || f.Total.Satisfied != 2 || f.Total.Repeat != 2 {
		t.Errorf("total: %+v", f.Total)
	}
	if pr := clerk.Fail("GET", "/api/v1/petitions/figures?from=2026-13", nil); !hasField(pr, "from") {
		t.Errorf("a bad month: %+v", pr)
	}
	// By child area of the county (the clerk's): town A's and town B's, the
	// window's petitions in each; by type, all of them are neighbours'.
	var g struct {
		Groups []struct {
			Key, Name string
			Counts    month
		}
	}
	if st := clerk.Do("GET", "/api/v1/petitions/figures?from="+lastMonth+"&to="+thisMonth+"&by=area", nil, &g); st != 200 {
		t.Fatalf("by area: %d", st)
	}
	byArea := map[string]month{}
	for _, x := range g.Groups {
		byArea[x.Key] = x.Counts
		if x.Name == "" {
			t.Errorf("a group without its area's name: %+v", x)
		}
	}
	a1, b1 := byArea[ar.townA], byArea[ar.townB]
	if len(g.Groups) != 2 || a1.Received != 4 || a1.Repeat != 2 || a1.Closed != 2 || a1.Satisfied != 2 || b1.Received != 3 || b1.Collective != 1 ||
		b1.NotAccepted != 1 || b1.Closed != 1 || b1.Satisfied != 0 {
		t.Errorf("by area: %+v", g.Groups)
	}
	if st := clerk.Do("GET", "/api/v1/petitions/figures?from="+lastMonth+"&to="+thisMonth+"&by=type", nil, &g); st != 200 || len(g.Groups) != 1 || g.Groups[0].Counts.Received != 7 {
		t.Errorf("by type: %d %+v", st, g.Groups)
	}
	if pr := clerk.Fail("GET", "/api/v1/petitions/figures?by=route", nil); !hasField(pr, "by") {
		t.Errorf("an unknown grouping: %+v", pr)
	}
	// The town B filter counts only its own.
	clerk.Do("GET", "/api/v1/petitions/figures?from="+lastMonth+"&to="+thisMonth+"&org_id="+ar.townB, nil, &f)
	if f.Total.Received != 3 || f.Total.Collective != 1 || f.Total.Closed != 1 || f.Total.Satisfied != 0 {
		t.Errorf("town B: %+v", f.Total)
	}
}

// A leader's 面对面 session: problems raised, followed up and closed.
func TestFaceToFace(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ar := places(t, a)
	leader := a.LoginAs("leader")
	bad := leader.Fail("POST", "/api/v1/face-to-face", map[string]any{"month": "2026-13", "theme": "", "leader": "黄书记", "place": "区信访局", "org_id": ar.county,
		"participants": "群众代表", "problems": []map[string]string{{"description": "", "unit": "住建局", "due_on": day(5)}}})
	for _, f := range []string{"month", "theme", "problems[0].description"} {
		if !hasField(bad, f) {
			t.Errorf("no problem named %s: %+v", f, bad)
		}
	}
	type problem struct {
		ID, Status, Light, Result string
		FollowUps                 []struct{ Note string } `json:"follow_ups"`
	}
	var s struct {
		ID       string    `json:"id"`
		Open     int       `json:"open"`
		Closed   int       `json:"closed"`
		Red      int       `json:"red"`
		Problems []problem `json:"problems"`
	}
	in := map[string]any{"month": day(0)[:7], "theme": "物业管理", "leader": "区委书记 黄书记", "place": "上城街道综治中心", "org_id": ar.county,
		"participants": "住建局、上城街道、业主代表", "residents": 12, "problems": []map[string]string{
			{"description": "小区电梯长期故障", "unit": "住建局", "due_on": day(-1)}, {"description": "物业费公示不透明", "unit": "上城街道", "due_on": day(20)}}}
	if st := leader.Do("POST", "/api/v1/face-to-face", in, &s); st != 201 || len(s.Problems) != 2 || s.Red != 1 || s.Open != 2 {
		t.Fatalf("session: %d %+v", st, s)
	}
	path := "/api/v1/face-to-face/" + s.ID + "/problems/" + s.Problems[0].ID
	if st := leader.Do("POST", path, map[string]any{"note": "已联系维保单位"}, &s); st != 200 || len(s.Problems[0].FollowUps) != 1 {
		t.Fatalf("follow-up: %d %+v", st, s)
	}
	if pr := leader.Fail("POST", path, map[string]any{"note": "已修复", "close": true}); !hasField(pr, "result") {
		t.Errorf("closing without a result: %+v", pr)
	}
	leader.Do("POST", path, map[string]any{"note": "已修复", "close": true, "result": "电梯已更换主板，恢复运行"}, &s)
	if s.Problems[0].Status != "closed" || s.Closed != 1 || s.Red != 0 {
		t.Errorf("closed: %+v", s)
	}
	if pr := leader.Fail("POST", path, map[string]any{"note": "再次跟进"}); pr.Code != "petition.problem_closed" {
		t.Errorf("a closed problem followed up: %+v", pr)
	}
	leader.Do("POST", "/api/v1/face-to-face/"+s.ID+"/problems", map[string]any{"description": "停车位不足", "unit": "交警大队", "due_on": day(30)}, &s)
	var list struct {
		Items []struct {
			Theme string
			Open  int
		} `json:"items"`
	}
	leader.Do("GET", "/api/v1/face-to-face", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Open != 2 {
		t.Errorf("sessions: %+v", list)
	}
	if st := a.LoginAs("resident").Do("GET", "/api/v1/face-to-face/"+s.ID, nil, nil); st != 403 {
		t.Errorf("a resident: %d", st)
	}
}

// The list exported: a spreadsheet of the caller's petitions, names
// masked, the export audited.
func TestExportList(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ar := places(t, a)
	clerk := a.LoginAs("xfclerk")
	register(t, clerk, newPetition(ar.villageA, day(0), "欧阳修", "", "13911112222", 1))
	r := clerk.Raw("GET", "/api/v1/petitions/export", "", nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "PK") {
		t.Fatalf("export: %d %.100s", r.Status, r.Body)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'petition.export'").Scan(&n)
	if n != 1 {
		t.Errorf("%d export audit rows", n)
	}
	if st := a.LoginAs("resident").Do("GET", "/api/v1/petitions/export", nil, nil); st != 403 {
		t.Errorf("a resident exported: %d", st)
	}
}
