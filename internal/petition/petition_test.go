package petition_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

type petitioner struct {
	Name        string `json:"name"`
	IDMasked    string `json:"id_masked"`
	PhoneMasked string `json:"phone_masked"`
}

type petition struct {
	ID           string       `json:"id"`
	No           string       `json:"no"`
	Status       string       `json:"status"`
	Repeated     bool         `json:"repeated"`
	OverLevel    bool         `json:"over_level"`
	Collective   bool         `json:"collective"`
	AcceptDue    string       `json:"accept_due"`
	CloseDue     string       `json:"close_due"`
	LeadLeader   string       `json:"lead_leader"`
	LeaderName   string       `json:"leader_name"`
	Satisfaction string       `json:"satisfaction"`
	Light        string       `json:"light"`
	Route        string       `json:"route"`
	Petitioners  []petitioner `json:"petitioners"`
	Supervision  *struct {
		OverdueAt *int64 `json:"overdue_at"`
	} `json:"supervision"`
	Timeline []struct {
		Action string `json:"action"`
		Note   string `json:"note"`
	} `json:"timeline"`
}

type areas struct{ county, townA, townB, villageA, villageB string }

// places finds the demo county, two of its towns and a village of each.
func places(t *testing.T, a *testapp.App) areas {
	t.Helper()
	ctx := context.Background()
	var ar areas
	q := a.DB.Reader()
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&ar.county); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602001'").Scan(&ar.townA); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE parent_id = ? AND kind = 'town' AND code <> '441602001' ORDER BY code LIMIT 1", ar.county).Scan(&ar.townB); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE parent_id = ? ORDER BY code LIMIT 1", ar.townA).Scan(&ar.villageA); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE parent_id = ? ORDER BY code LIMIT 1", ar.townB).Scan(&ar.villageB); err != nil {
		t.Fatal(err)
	}
	return ar
}

func day(offset int) string {
	return time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, offset).Format("2006-01-02")
}

func newPetition(org, received, name, id, phone string, people int) map[string]any {
	return map[string]any{"received_on": received, "channel": "visit", "org_id": org, "type": "land_acquisition",
		"title": "征地补偿款未到位", "content": "反映村里征地补偿款迟迟未发放。", "people_count": people,
		"petitioners": []map[string]string{{"name": name, "id_number": id, "phone": phone}}}
}

func register(t *testing.T, c *testapp.Client, in map[string]any) petition {
	t.Helper()
	var p petition
	if st := c.Do("POST", "/api/v1/petitions", in, &p); st != 201 {
		t.Fatalf("register: %d %+v", st, c.Fail("POST", "/api/v1/petitions", in))
	}
	return p
}

func do(t *testing.T, c *testapp.Client, path string, in any) petition {
	t.Helper()
	var p petition
	if st := c.Do("POST", path, in, &p); st != 200 {
		t.Fatalf("%s: %d %+v", path, st, c.Fail("POST", path, in))
	}
	return p
}

const (
	idA = "441602199001011234"
	idB = "441602198505052345"
)

// A petition goes from the desk through acceptance, routing, a leader's
// reception, a supervision order that runs out, the weekly review and
// the Monday list, to a reply and the petitioner's satisfaction; each
// step on its timeline with an audit row, the personal values sealed.
func TestPetitionThroughReviewAndSupervisionToClosure(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	ar := places(t, a)
	clerk, leader := a.LoginAs("xfclerk"), a.LoginAs("leader")
	idA := fixID(t, idA)
	p := register(t, clerk, newPetition(ar.villageA, day(-2), "张三丰", idA, "13812345678", 6))
	if !strings.HasPrefix(p.No, "XF"+day(-2)[:4]+"-") || p.Status != "registered" || !p.Collective || p.AcceptDue != addDays(day(-2), 15) || p.Light != "green" {
		t.Fatalf("registered: %+v", p)
	}
	if pt := p.Petitioners[0]; pt.Name != "张三丰" || strings.Contains(pt.IDMasked, "1234") || pt.PhoneMasked != "138****5678" {
		t.Errorf("petitioner as shown: %+v", pt)
	}
	// Sealed: neither number is stored in clear.
	var idS, phoneS, idM string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id_sealed, phone_sealed, id_masked FROM petitioners WHERE petition_id = ?", p.ID).Scan(&idS, &phoneS, &idM)
	if idS == "" || strings.Contains(idS, idA) || strings.Contains(phoneS, "13812345678") || idM == idA {
		t.Errorf("sealed columns: %q %q %q", idS, phoneS, idM)
	}
	// The list masks the name.
	var list struct {
		Items []petition `json:"items"`
		Total int        `json:"total"`
	}
	clerk.Do("GET", "/api/v1/petitions", nil, &list)
	if list.Total != 1 || list.Items[0].Petitioners[0].Name != "张**" {
		t.Errorf("list: %+v", list)
	}

	p = do(t, clerk, "/api/v1/petitions/"+p.ID+"/accept", map[string]any{"accepted": true, "on": day(-1)})
	if p.Status != "accepted" || p.CloseDue != addDays(day(-1), 60) {
		t.Fatalf("accepted: %+v", p)
	}
	p = do(t, clerk, "/api/v1/petitions/"+p.ID+"/route", map[string]any{"route": "admin_handling", "reason": "征地补偿属政府职责"})
	p = do(t, leader, "/api/v1/petitions/"+p.ID+"/reception", map[string]any{"leader": "黄书记", "on": day(0)})
	if p.Route != "admin_handling" || p.LeaderName != "黄书记" {
		t.Errorf("routed and received: %+v", p)
	}
	// A supervision order whose day has passed is marked overdue by the sweep, once.
	p = do(t, leader, "/api/v1/petitions/"+p.ID+"/supervise", map[string]any{"due": day(0), "note": "周一集中督办：本周内答复"})
	a.Petitions.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	if n, err := a.Petitions.SweepSupervision(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, _ := a.Petitions.SweepSupervision(ctx); n != 0 {
		t.Errorf("the sweep marked an order twice")
	}
	a.Petitions.Now = time.Now
	var monday struct {
		Items             []petition `json:"items"`
		Supervised        int        `json:"supervised"`
		SupervisedOverdue int        `json:"supervised_overdue"`
	}
	leader.Do("GET", "/api/v1/petitions/monday", nil, &monday)
	if len(monday.Items) != 1 || monday.Supervised != 1 || monday.SupervisedOverdue != 1 {
		t.Errorf("the Monday list: %+v", monday)
	}

	// The weekly review lists it as new and collective, and its decision lands on the timeline.
	var week struct {
		Counts struct{ New, Collective, Repeat int } `json:"counts"`
	}
	clerk.Do("GET", "/api/v1/petitions/review?week="+day(-2), nil, &week)
	if week.Counts.New != 1 || week.Counts.Collective != 1 {
		t.Errorf("week: %+v", week)
	}
	bad := clerk.Fail("POST", "/api/v1/petitions/review", map[string]any{"week": day(0), "held_on": day(0), "org_id": ar.county, "chair": "",
		"attendees": "信访局、司法局", "decisions": []map[string]string{{"petition_id": p.ID, "kind": "deadline", "value": "soon"}}})
	if !hasField(bad, "chair") || !hasField(bad, "decisions[0].value") {
		t.Errorf("a bad review: %+v", bad)
	}
	var review struct {
		ID        string `json:"id"`
		Decisions []struct{ Kind, Value string }
	}
	in := map[string]any{"week": day(0), "held_on": day(0), "org_id": ar.county, "chair": "政法委 黄书记", "attendees": "信访局、司法局、上城街道",
		"decisions": []map[string]string{{"petition_id": p.ID, "kind": "lead_leader", "value": "李副区长"}, {"petition_id": p.ID, "kind": "deadline", "value": day(10)}}}
	if st := clerk.Do("POST", "/api/v1/petitions/review", in, &review); st != 201 || len(review.Decisions) != 2 {
		t.Fatalf("review: %d %+v", st, review)
	}
	p = do(t, clerk, "/api/v1/petitions/"+p.ID+"/reply", map[string]any{"reply": "补偿款已于本周拨付到户。", "on": day(0)})
	if bad := clerk.Fail("POST", "/api/v1/petitions/"+p.ID+"/close", map[string]any{"satisfaction": "happy", "on": day(0)}); !hasField(bad, "satisfaction") {
		t.Errorf("an unknown satisfaction: %+v", bad)
	}
	p = do(t, clerk, "/api/v1/petitions/"+p.ID+"/close", map[string]any{"satisfaction": "basically", "on": day(0)})
	if p.Status != "closed" || p.Satisfaction != "basically" || p.LeadLeader != "李副区长" || p.CloseDue != day(10) || p.Supervision != nil {
		t.Errorf("closed: %+v", p)
	}
	var steps []string
	for _, s := range p.Timeline {
		steps = append(steps, s.Action)
	}
	// The sweep ran on a clock two days ahead: its step comes last.
	want := "register accept route reception supervise review_lead_leader review_deadline reply close supervision_overdue"
	if strings.Join(steps, " ") != want {
		t.Errorf("timeline %v, want %s", steps, want)
	}
	var n int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE object_id = ? AND action LIKE 'petition.%' AND action <> 'petition.read'", p.ID).Scan(&n)
	if n != 8 { // register, accept, route, reception, supervise, the sweep's overdue, reply, close
		t.Errorf("audit rows: %d", n)
	}
	// Closed: no more replies.
	if pr := clerk.Fail("POST", "/api/v1/petitions/"+p.ID+"/reply", map[string]any{"reply": "x", "on": day(0)}); pr.Code != "petition.wrong_status" {
		t.Errorf("reply to a closed petition: %+v", pr)
	}
}

func addDays(d string, n int) string {
	t, _ := time.Parse("2006-01-02", d)
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

func hasField(p testapp.Problem, field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// fixID gives an ID number its right check digit.
func fixID(t *testing.T, s string) string {
	t.Helper()
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * w[i]
	}
	return s[:17] + string("10X98765432"[sum%11])
}

// Bad input names each field and writes nothing.
func TestRegisterRefusalsNameTheField(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ar := places(t, a)
	clerk := a.LoginAs("xfclerk")
	pr := clerk.Fail("POST", "/api/v1/petitions", map[string]any{"received_on": day(3), "channel": "fax", "org_id": ar.county, "type": "gossip",
		"title": "", "content": "x", "petitioners": []map[string]string{{"name": "", "id_number": "123", "phone": "12"}}})
	for _, f := range []string{"received_on", "channel", "type", "title", "petitioners[0].name", "petitioners[0].id_number", "petitioners[0].phone"} {
		if !hasField(pr, f) {
			t.Errorf("no problem named %s: %+v", f, pr)
		}
	}
	clerk.Lang = "zh-CN"
	zh := clerk.Fail("POST", "/api/v1/petitions", map[string]any{"received_on": day(0), "channel": "visit", "org_id": ar.county, "type": "other", "title": "", "content": "x",
		"petitioners": []map[string]string{{"name": "李四"}}})
	if len(zh.Errors) != 1 || zh.Errors[0].Field != "title" || !strings.Contains(zh.Errors[0].Message, "必填") {
		t.Errorf("zh-CN: %+v", zh)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM petitions").Scan(&n)
	if n != 0 {
		t.Errorf("%d petitions written", n)
	}
	// A case opened from litigation is refused, and nothing changes.
	p := register(t, clerk, newPetition(ar.villageA, day(0), "王五", "", "13900001111", 1))
	do(t, clerk, "/api/v1/petitions/"+p.ID+"/accept", map[string]any{"accepted": true, "on": day(0)})
	if pr := clerk.Fail("POST", "/api/v1/petitions/"+p.ID+"/route", map[string]any{"route": "litigation", "reason": "起诉", "open_case": true}); !hasField(pr, "open_case") {
		t.Errorf("a case from litigation: %+v", pr)
	}
	var got petition
	clerk.Do("GET", "/api/v1/petitions/"+p.ID, nil, &got)
	if got.Route != "" || len(got.Timeline) != 2 {
		t.Errorf("after refusals: %+v", got)
	}
	if pr := clerk.Fail("POST", "/api/v1/petitions/"+p.ID+"/accept", map[string]any{"accepted": false, "on": day(0), "reason": "重复受理"}); pr.Code != "petition.wrong_status" {
		t.Errorf("accepted twice: %+v", pr)
	}
}

// The same petitioner, by ID number or phone, within 180 days: a repeat.
func TestRepeatFlag(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ar := places(t, a)
	clerk := a.LoginAs("xfclerk")
	id := fixID(t, idB)
	first := register(t, clerk, newPetition(ar.villageA, day(-200), "赵六", id, "", 1))
	if first.Repeated {
		t.Error("a first petition is a repeat")
	}
	old := register(t, clerk, newPetition(ar.villageA, day(-10), "赵六", id, "", 1))
	if old.Repeated {
		t.Error("190 days later is a repeat")
	}
	again := register(t, clerk, newPetition(ar.villageB, day(0), "赵六", "", "13700002222", 1))
	if again.Repeated {
		t.Error("another phone is a repeat")
	}
	same := register(t, clerk, newPetition(ar.villageB, day(0), "赵六", id, "", 1))
	byPhone := register(t, clerk, newPetition(ar.villageB, day(0), "赵六", "", "137-0000-2222", 1))
	if !same.Repeated || !byPhone.Repeated {
		t.Errorf("repeat by ID %v, by phone %v", same.Repeated, byPhone.Repeated)
	}
	in := newPetition(ar.villageB, day(0), "钱七", "", "", 1)
	in["repeated"], in["over_level"] = true, true
	if p := register(t, clerk, in); !p.Repeated || !p.OverLevel {
		t.Errorf("set by hand: %+v", p)
	}
	p := do(t, clerk, "/api/v1/petitions/"+first.ID+"/flags", map[string]any{"repeated": false, "over_level": true})
	if !p.OverLevel || p.Repeated {
		t.Errorf("flags: %+v", p)
	}
}

// The county's desk sees every town's petitions; a town account sees its
// own town's, and another town's answers 404 like one that does not exist.
func TestPetitionScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	ar := places(t, a)
	clerk := a.LoginAs("xfclerk")
	inA := register(t, clerk, newPetition(ar.villageA, day(0), "孙八", "", "", 1))
	inB := register(t, clerk, newPetition(ar.villageB, day(0), "周九", "", "", 1))
	// The leader's grant is moved down to town A.
	var uid string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'leader'").Scan(&uid)
	tx, err := a.DB.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE role_assignments SET org_id = ? WHERE user_id = ?", ar.townA, uid); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	town := a.LoginAs("leader")
	if st := town.Do("GET", "/api/v1/petitions/"+inA.ID, nil, nil); st != 200 {
		t.Errorf("own town's petition: %d", st)
	}
	for _, path := range []string{"/api/v1/petitions/" + inB.ID, "/api/v1/petitions/no-such-id"} {
		if st := town.Do("GET", path, nil, nil); st != 404 {
			t.Errorf("%s: %d", path, st)
		}
	}
	if st := town.Do("POST", "/api/v1/petitions/"+inB.ID+"/supervise", map[string]any{"due": day(3), "note": "督办"}, nil); st != 404 {
		t.Errorf("supervise another town's: %d", st)
	}
	var list struct{ Total int }
	town.Do("GET", "/api/v1/petitions", nil, &list)
	if list.Total != 1 {
		t.Errorf("the town's list: %d", list.Total)
	}
	clerk.Do("GET", "/api/v1/petitions", nil, &list)
	if list.Total != 2 {
		t.Errorf("the county's list: %d", list.Total)
	}
	if pr := town.Fail("POST", "/api/v1/petitions", newPetition(ar.villageB, day(0), "吴十", "", "", 1)); !hasField(pr, "org_id") {
		t.Errorf("registered in another town: %+v", pr)
	}
	// Residents and grid members never see a petition.
	for _, u := range []string{"resident", "gridmember"} {
		if st := a.LoginAs(u).Do("GET", "/api/v1/petitions/"+inA.ID, nil, nil); st != 403 {
			t.Errorf("%s: %d", u, st)
		}
	}
}
