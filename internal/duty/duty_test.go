package duty_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/duty"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/tally"
	"github.com/gridgov/gridgov/internal/testapp"
)

var cst = time.FixedZone("CST", 8*3600)

// day is n days from today in China Standard Time.
func day(n int) string { return time.Now().In(cst).AddDate(0, 0, n).Format(time.DateOnly) }

// place is the demo grid member's village, grid and roster entry, a
// teammate on the same grid, the village's police officer, and a member
// of another village.
type place struct {
	village, town, grid, otherGrid string
	member, mate, police           string // worker ids
	elsewhere, elsewhereVillage    string
}

func demoPlace(t *testing.T, a *testapp.App) place {
	t.Helper()
	q := a.DB.Reader()
	ctx := context.Background()
	one := func(query string, args ...any) string {
		t.Helper()
		var s string
		if err := q.QueryRowContext(ctx, query, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return s
	}
	var p place
	p.member = one("SELECT w.id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.username = 'gridmember'")
	p.village = one("SELECT org_id FROM workers WHERE id = ?", p.member)
	p.town = one("SELECT parent_id FROM org_nodes WHERE id = ?", p.village)
	p.grid = one("SELECT grid_id FROM grid_members WHERE worker_id = ? ORDER BY is_primary DESC LIMIT 1", p.member)
	p.otherGrid = one("SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' AND id <> ? ORDER BY code LIMIT 1", p.village, p.grid)
	p.mate = one("SELECT worker_id FROM grid_members WHERE grid_id = ? AND role = 'grid_chief' LIMIT 1", p.grid)
	p.police = one("SELECT worker_id FROM grid_members WHERE grid_id = ? AND role = 'police' LIMIT 1", p.grid)
	p.elsewhereVillage = one("SELECT id FROM org_nodes WHERE kind = 'village' AND parent_id = ? AND id <> ? ORDER BY code LIMIT 1", p.town, p.village)
	p.elsewhere = one("SELECT w.id FROM workers w WHERE w.org_id = ? ORDER BY w.id LIMIT 1", p.elsewhereVillage)
	return p
}

// system is a context acting as the system, as the jobs do.
func system() context.Context {
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	return audit.WithMeta(ctx, audit.Meta{RequestID: "test", IP: "local"})
}

// as is a context acting as the account id with its grants.
func as(t *testing.T, a *testapp.App, id string) context.Context {
	t.Helper()
	grants, err := authn.LoadGrants(context.Background(), a.DB.Reader(), id)
	if err != nil {
		t.Fatal(err)
	}
	return authz.WithPrincipal(system(), &authz.Principal{UserID: id, Username: "u" + id[:6], Grants: grants})
}

// villagePolice makes an account for the village's police officer (role
// police over the village) and links it to their roster entry.
func villagePolice(t *testing.T, a *testapp.App, p place) context.Context {
	t.Helper()
	ctx := system()
	u, err := a.Accounts.CreateUser(ctx, account.NewUser{Username: "cun.jing", DisplayName: "民警 社区", Password: "Matrix@Check2026", OrgID: p.village})
	if err != nil {
		t.Fatal(err)
	}
	var role string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM roles WHERE code = 'police'").Scan(&role)
	if _, err := a.Accounts.Assign(ctx, u.ID, account.Assignment{RoleID: role, OrgID: p.village}); err != nil {
		t.Fatal(err)
	}
	if err := exec(a, "UPDATE workers SET user_id = ? WHERE id = ?", u.ID, p.police); err != nil {
		t.Fatal(err)
	}
	return as(t, a, u.ID)
}

// exec runs one write of a test's setup.
func exec(a *testapp.App, query string, args ...any) error {
	return a.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), query, args...)
		return err
	})
}

func push(t *testing.T, s *duty.Service, in duty.PushInput) []duty.Task {
	t.Helper()
	out, err := s.Push(system(), in)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return out.Items
}

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	for _, f := range apperr.As(err).Fields {
		out[f.Field] = f.Code
	}
	return out
}

// A task pushed to three members is three tasks, one each; a joint task
// is one with both; the centre's board and the members' phones show them.
func TestPushMakesATaskPerMember(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	intake := a.Login("intake")
	var out struct {
		Items []duty.Task `json:"items"`
	}
	in := map[string]any{"grid_id": p.grid, "worker_ids": []string{p.member, p.mate, p.police}, "title": "排查出租屋消防隐患", "detail": "建设路12号", "due_on": day(0)}
	if st := intake.Do("POST", "/api/v1/duty/tasks", in, &out); st != 201 || len(out.Items) != 3 {
		t.Fatalf("push: %d %+v", st, out)
	}
	for _, tk := range out.Items {
		if len(tk.Assignees) != 1 || tk.Status != "open" || tk.Source != "pushed" || tk.Detail != "建设路12号" || tk.Version != 1 {
			t.Errorf("pushed task: %+v", tk)
		}
	}
	in["joint"] = true
	in["worker_ids"] = []string{p.police, p.member}
	if st := intake.Do("POST", "/api/v1/duty/tasks", in, &out); st != 201 || len(out.Items) != 1 || len(out.Items[0].Assignees) != 2 {
		t.Fatalf("joint push: %d %+v", st, out)
	}
	var sealed string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT detail_sealed FROM duty_tasks WHERE id = ?", out.Items[0].ID).Scan(&sealed)
	if sealed == "" || sealed == "建设路12号" {
		t.Errorf("detail not sealed: %q", sealed)
	}

	// Bad input names the field and the reason; a member of another
	// village is not on the area's roster.
	pr := intake.Fail("POST", "/api/v1/duty/tasks", map[string]any{"grid_id": p.grid, "worker_ids": []string{p.elsewhere}, "title": "", "due_on": day(-1)})
	got := map[string]string{}
	for _, e := range pr.Errors {
		got[e.Field] = e.Code
	}
	if got["title"] != "duty.required" || got["due_on"] != "duty.day_past" || got["worker_ids"] != "duty.worker_unknown" {
		t.Errorf("bad push: %+v", pr)
	}

	// The grid member's day: their two tasks today (the own and the joint one).
	var today duty.Today
	if st := a.Login("grid_member").Do("GET", "/api/v1/duty/today", nil, &today); st != 200 || len(today.Tasks) != 2 || today.ToClose != 2 {
		t.Fatalf("today: %d %+v", st, today)
	}
	// The board of the village counts four tasks due: three pushed alone, one joint.
	var board duty.Board
	if st := intake.Do("GET", "/api/v1/duty/board?org_id="+p.village, nil, &board); st != 200 || board.Total.Due != 4 || board.Total.Open != 4 {
		t.Fatalf("board: %d %+v", st, board.Total)
	}
}

// Each decision of a town–police-station meeting becomes a task for each
// member it names, due on its day.
func TestMeetingDecisionsBecomeTasks(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	intake := a.Login("intake")
	in := map[string]any{"org_id": p.town, "held_on": day(0), "place": "派出所二楼会议室", "attendee_ids": []string{p.police, p.member},
		"officials": []string{"派出所所长 陈国栋", "镇综治办 王主任"}, "minutes": "通报本月警情，研究联合巡逻",
		"decisions": []map[string]any{
			{"text": "联合走访辖区出租屋", "worker_ids": []string{p.police, p.member}, "grid_id": p.grid, "due_on": day(3)},
			{"text": "排查独居老人安全隐患", "worker_ids": []string{p.mate}, "due_on": day(5)},
		}}
	var m duty.Meeting
	if st := intake.Do("POST", "/api/v1/duty/meetings", in, &m); st != 201 {
		t.Fatalf("meeting: %d %+v", st, intake.Fail("POST", "/api/v1/duty/meetings", in))
	}
	if len(m.Decisions) != 2 || len(m.Decisions[0].Tasks) != 2 || len(m.Decisions[1].Tasks) != 1 || m.Tasks != 3 || len(m.Attendees) != 2 ||
		len(m.Officials) != 2 || m.Minutes != "通报本月警情，研究联合巡逻" {
		t.Fatalf("meeting: %+v", m)
	}
	tk := m.Decisions[0].Tasks[0]
	if tk.Source != "meeting" || tk.DueOn != day(3) || tk.GridID != p.grid || tk.Title != "联合走访辖区出租屋" || tk.DecisionID != m.Decisions[0].ID {
		t.Errorf("decision task: %+v", tk)
	}
	var list struct {
		Items []duty.Meeting `json:"items"`
	}
	if st := a.Login("leader").Do("GET", "/api/v1/duty/meetings?org_id="+p.town, nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].Minutes != "" {
		t.Fatalf("meetings: %d %+v", st, list)
	}
	// A decision naming nobody is refused by its field.
	in["decisions"] = []map[string]any{{"text": "无人承办", "due_on": day(1)}}
	pr := intake.Fail("POST", "/api/v1/duty/meetings", in)
	if len(pr.Errors) == 0 || pr.Errors[0].Field != "decisions[0].worker_ids" {
		t.Errorf("decision without members: %+v", pr)
	}
}

// Closing the day: one task is closed, another carried with a reason to
// tomorrow; tomorrow's list and board show the carry-over with it.
func TestCloseTheDay(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	ts := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "核实新迁入人员", DueOn: day(0)})
	ts2 := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "回访调解当事人", DueOn: day(0)})
	gm := a.Login("grid_member")
	var closed duty.Task
	if st := gm.Do("POST", "/api/v1/duty/tasks/"+ts[0].ID+"/close", map[string]any{"version": 1, "result": "已核实，登记两人"}, &closed); st != 200 ||
		closed.Status != "closed" || closed.Result != "已核实，登记两人" || closed.ClosedOn != day(0) || closed.ClosedBy != p.member {
		t.Fatalf("close: %d %+v", st, closed)
	}
	if pr := gm.Fail("POST", "/api/v1/duty/tasks/"+ts2[0].ID+"/carry", map[string]any{"version": 1, "reason": ""}); len(pr.Errors) == 0 || pr.Errors[0].Field != "reason" {
		t.Errorf("carry without a reason: %+v", pr)
	}
	var next duty.Task
	if st := gm.Do("POST", "/api/v1/duty/tasks/"+ts2[0].ID+"/carry", map[string]any{"version": 1, "reason": "当事人外出务工"}, &next); st != 200 {
		t.Fatalf("carry: %d", st)
	}
	if next.DueOn != day(1) || next.Source != "carried" || next.CarriedFrom != ts2[0].ID || next.FromReason != "当事人外出务工" || next.FromAuto ||
		next.Status != "open" || len(next.Assignees) != 1 {
		t.Fatalf("carried task: %+v", next)
	}
	// The village centre records a close for the mate, who has no account.
	mates := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.mate}, Title: "清点消防器材", DueOn: day(0)})
	var rec duty.Task
	if st := a.Login("intake").Do("POST", "/api/v1/duty/tasks/"+mates[0].ID+"/close", map[string]any{"version": 1, "result": "电话报告已清点"}, &rec); st != 200 ||
		rec.Status != "closed" || rec.ClosedBy != p.mate {
		t.Fatalf("recorded for the mate: %d %+v", st, rec)
	}
	var byUser string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT closed_by_user FROM duty_tasks WHERE id = ?", mates[0].ID).Scan(&byUser)
	if byUser != userOf(t, a, "intake") {
		t.Errorf("the acting account: %q", byUser)
	}
	if pr := a.Login("intake").Fail("POST", "/api/v1/duty/tasks/"+ts2[0].ID+"/close", map[string]any{"version": 1, "result": "代办", "worker_id": p.mate}); len(pr.Errors) == 0 ||
		pr.Errors[0].Code != "duty.not_assignee" {
		t.Errorf("a close for someone not on the task: %+v", pr)
	}

	// A closed task cannot be carried: 409 with the task as it is.
	r := gm.Raw("POST", "/api/v1/duty/tasks/"+ts[0].ID+"/carry", "application/json", []byte(`{"version":2,"reason":"再顺延"}`))
	if r.Status != 409 {
		t.Errorf("carry a closed task: %d", r.Status)
	}

	// Tomorrow: the carry-over is on the member's list and the board.
	a.Duty.Now = func() time.Time { return time.Now().AddDate(0, 0, 1) }
	var today duty.Today
	if st := gm.Do("GET", "/api/v1/duty/today", nil, &today); st != 200 || len(today.Tasks) != 1 || today.Tasks[0].FromReason != "当事人外出务工" ||
		len(today.Carried) != 1 {
		t.Fatalf("tomorrow: %d %+v", st, today)
	}
	var board duty.Board
	if st := a.Login("intake").Do("GET", "/api/v1/duty/board?org_id="+p.village+"&day="+day(1), nil, &board); st != 200 ||
		len(board.CarriedIn) != 1 || board.CarriedIn[0].FromReason != "当事人外出务工" {
		t.Fatalf("tomorrow's board: %d %+v", st, board)
	}
	var yesterday duty.Board
	a.Login("intake").Do("GET", "/api/v1/duty/board?org_id="+p.village+"&day="+day(0), nil, &yesterday)
	if yesterday.Total.Due != 3 || yesterday.Total.Closed != 2 || yesterday.Total.Carried != 1 || yesterday.Total.ClearedShare != 100 {
		t.Errorf("today's board: %+v", yesterday.Total)
	}
	// The town's board counts the village's tasks on the village's line.
	var town duty.Board
	a.Login("intake").Do("GET", "/api/v1/duty/board?org_id="+p.town+"&day="+day(0), nil, &town)
	if len(town.Areas) != 1 || town.Areas[0].ID != p.village || town.Areas[0].Due != 3 {
		t.Errorf("the town's board by village: %+v", town.Areas)
	}
}

// The end-of-day job carries what is left only from the configured hour,
// marked "not closed, no reason", and that counts against 日清.
func TestJobCarriesLeftoversAtTheHour(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	ctx := system()
	if err := exec(a, "INSERT INTO settings (key, value, updated_at) VALUES ('duty.close_hour', '20', 0)"); err != nil {
		t.Fatal(err)
	}
	// Today at 19:59 and 20:00 in China Standard Time.
	d := time.Now().In(cst)
	at := func(h, m int) func() time.Time {
		return func() time.Time { return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, cst) }
	}
	ts := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member, p.mate}, Title: "夜间巡查", DueOn: day(0)})
	done := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "已办任务", DueOn: day(0)})
	if _, err := a.Duty.Close(as(t, a, userOf(t, a, "gridmember")), done[0].ID, duty.CloseInput{Version: 1, Result: "已办完"}, idem.Key{}); err != nil {
		t.Fatal(err)
	}
	a.Duty.Now = at(19, 59)
	if n, err := a.Duty.CarryLeftovers(ctx); err != nil || n != 0 {
		t.Fatalf("before the hour: %d %v", n, err)
	}
	a.Duty.Now = at(20, 0)
	if n, err := a.Duty.CarryLeftovers(ctx); err != nil || n != 2 {
		t.Fatalf("at the hour: %d %v", n, err)
	}
	if n, _ := a.Duty.CarryLeftovers(ctx); n != 0 {
		t.Errorf("a second run carried %d more", n)
	}
	old, err := a.Duty.Get(ctx, ts[0].ID)
	if err != nil || old.Status != "carried" || !old.CarriedAuto || old.CarryReason != "" {
		t.Fatalf("the job's carry: %+v %v", old, err)
	}
	var board duty.Board
	if st := a.Login("intake").Do("GET", "/api/v1/duty/board?org_id="+p.village+"&day="+day(1), nil, &board); st != 200 || len(board.CarriedIn) != 2 ||
		!board.CarriedIn[0].FromAuto {
		t.Fatalf("next day's board: %d %+v", st, board)
	}
	var today duty.Board
	a.Login("intake").Do("GET", "/api/v1/duty/board?org_id="+p.village+"&day="+day(0), nil, &today)
	if today.Total.Due != 3 || today.Total.CarriedAuto != 2 || today.Total.Closed != 1 || today.Total.ClearedShare != 33 {
		t.Errorf("today's board: %+v", today.Total)
	}
}

func userOf(t *testing.T, a *testapp.App, username string) string {
	t.Helper()
	var id string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM users WHERE username = ?", username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The tally counts, per member, the tasks due in the period and those
// closed by their day, as a hand count of the same tasks says.
func TestTallyMatchesAHandCount(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	ctx := system()
	gm := as(t, a, userOf(t, a, "gridmember"))
	// The member: three tasks today (one closed, one carried with a reason,
	// one left), a joint one with the mate (closed), and one due tomorrow.
	var ids []string
	for _, title := range []string{"甲", "乙", "丙"} {
		ids = append(ids, push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: title, DueOn: day(0)})[0].ID)
	}
	joint := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member, p.mate}, Joint: true, Title: "联合", DueOn: day(0)})[0].ID
	push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "明天", DueOn: day(1)})
	for _, id := range []string{ids[0], joint} {
		if _, err := a.Duty.Close(gm, id, duty.CloseInput{Version: 1, Result: "办结"}, idem.Key{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Duty.Carry(gm, ids[1], duty.CarryInput{Version: 1, Reason: "户主不在"}, idem.Key{}); err != nil {
		t.Fatal(err)
	}
	path := pathOf(t, a, p.village)
	start := time.Date(time.Now().In(cst).Year(), time.Now().In(cst).Month(), time.Now().In(cst).Day(), 0, 0, 0, 0, cst)
	sheets, err := a.Duty.Tally(ctx, tally.Period{From: start.UnixMilli(), To: start.AddDate(0, 0, 1).UnixMilli(), Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if got := sheets[duty.MetricSameDay][p.member]; got != (tally.Count{Done: 2, Due: 4}) {
		t.Errorf("member same day: %+v, want 2 of 4", got)
	}
	if got := sheets[duty.MetricCleared][p.member]; got != (tally.Count{Done: 3, Due: 4}) {
		t.Errorf("member cleared: %+v, want 3 of 4", got)
	}
	if got := sheets[duty.MetricSameDay][p.mate]; got != (tally.Count{Done: 1, Due: 1}) {
		t.Errorf("mate: %+v, want 1 of 1", got)
	}
	// Two days: tomorrow's task and the carried one are due too, none done.
	sheets, _ = a.Duty.Tally(ctx, tally.Period{From: start.UnixMilli(), To: start.AddDate(0, 0, 2).UnixMilli(), Path: path})
	if got := sheets[duty.MetricSameDay][p.member]; got != (tally.Count{Done: 2, Due: 6}) {
		t.Errorf("two days: %+v, want 2 of 6", got)
	}
	// Another village's period counts none of them.
	sheets, _ = a.Duty.Tally(ctx, tally.Period{From: start.UnixMilli(), To: start.AddDate(0, 0, 2).UnixMilli(), Path: pathOf(t, a, p.elsewhereVillage)})
	if len(sheets[duty.MetricSameDay]) != 0 {
		t.Errorf("another village: %+v", sheets)
	}
}

func pathOf(t *testing.T, a *testapp.App, id string) string {
	t.Helper()
	var path string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT path FROM org_nodes WHERE id = ?", id).Scan(&path); err != nil {
		t.Fatal(err)
	}
	return path
}

// A task changed by two people: the later write answers 409 with the
// task as it is now; a phone's retry with the same key answers as the
// first did.
func TestStaleVersionConflicts(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	ts := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "走访低保户", DueOn: day(1)})
	intake, gm := a.Login("intake"), a.Login("grid_member")
	var edited duty.Task
	if st := intake.Do("PUT", "/api/v1/duty/tasks/"+ts[0].ID, map[string]any{"version": 1, "title": "走访低保户（带上表格）", "due_on": day(1)}, &edited); st != 200 || edited.Version != 2 {
		t.Fatalf("edit: %d %+v", st, edited)
	}
	body := []byte(`{"version":1,"result":"已走访"}`)
	r := gm.RawWith("POST", "/api/v1/duty/tasks/"+ts[0].ID+"/close", "application/json", body, map[string]string{"Idempotency-Key": "k1"})
	var problem struct {
		Code   string `json:"code"`
		Params struct {
			Version int       `json:"version"`
			Current duty.Task `json:"current"`
		} `json:"params"`
	}
	json.Unmarshal(r.Body, &problem)
	if r.Status != 409 || problem.Code != "duty.stale" || problem.Params.Version != 2 || problem.Params.Current.Title != "走访低保户（带上表格）" {
		t.Fatalf("stale close: %d %s", r.Status, r.Body)
	}
	body = []byte(`{"version":2,"result":"已走访"}`)
	first := gm.RawWith("POST", "/api/v1/duty/tasks/"+ts[0].ID+"/close", "application/json", body, map[string]string{"Idempotency-Key": "k2"})
	again := gm.RawWith("POST", "/api/v1/duty/tasks/"+ts[0].ID+"/close", "application/json", body, map[string]string{"Idempotency-Key": "k2"})
	if first.Status != 200 || again.Status != 200 {
		t.Fatalf("close and its retry: %d %d %s", first.Status, again.Status, again.Body)
	}
	// The centre's edit of the closed task is refused with the task.
	r = intake.Raw("PUT", "/api/v1/duty/tasks/"+ts[0].ID, "application/json", []byte(`{"version":3,"title":"改","due_on":"`+day(1)+`"}`))
	if r.Status != 409 {
		t.Errorf("edit a closed task: %d %s", r.Status, r.Body)
	}
}

// Police–grid fusion: the village police officer sees the tasks of the
// grids they serve in full, the grid member sees the officer's tasks on
// their grid without the detail, and nobody sees another village's.
func TestPoliceSeeTheirGridsTasksOnly(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	police := villagePolice(t, a, p)
	mine := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "走访刑满释放人员", Detail: "王某，每周一次", DueOn: day(0)})
	theirs := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.police}, Title: "核查可疑出租屋", Detail: "警情线索", DueOn: day(0)})
	joint := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.police, p.member}, Joint: true, Title: "联合巡逻", DueOn: day(0)})
	away := push(t, a.Duty, duty.PushInput{OrgID: p.elsewhereVillage, WorkerIDs: []string{p.elsewhere}, Title: "邻村任务", DueOn: day(0)})

	today, err := a.Duty.Today(police)
	if err != nil {
		t.Fatal(err)
	}
	if len(today.Tasks) != 2 || len(today.Shared) != 1 || today.Shared[0].ID != mine[0].ID || today.Shared[0].Detail != "王某，每周一次" {
		t.Fatalf("the officer's day: %+v", today)
	}
	if _, err := a.Duty.Get(police, away[0].ID); !apperr.Is(err, "not_found") {
		t.Errorf("another village's task: %v", err)
	}
	if _, err := a.Duty.Board(police, p.elsewhereVillage, ""); err == nil {
		t.Errorf("another village's board")
	}
	// The member sees the officer's own task on their grid as shared, without its detail.
	gm := as(t, a, userOf(t, a, "gridmember"))
	mday, err := a.Duty.Today(gm)
	if err != nil {
		t.Fatal(err)
	}
	if len(mday.Tasks) != 2 || len(mday.Shared) != 1 || mday.Shared[0].ID != theirs[0].ID || mday.Shared[0].Detail != "" || !mday.Shared[0].Shared {
		t.Fatalf("the member's day: %+v", mday)
	}
	// The joint task: either may close it; the other cannot close the officer's own.
	if _, err := a.Duty.Close(gm, theirs[0].ID, duty.CloseInput{Version: 1, Result: "代办"}, idem.Key{}); !apperr.Is(err, "duty.not_yours") {
		t.Errorf("closing another's task: %v", err)
	}
	if _, err := a.Duty.Close(police, joint[0].ID, duty.CloseInput{Version: 1, Result: "巡逻完毕"}, idem.Key{}); err != nil {
		t.Errorf("the officer closes the joint task: %v", err)
	}
	// A grid member of another village does not see the grid's tasks.
	if _, err := a.Duty.Get(as(t, a, userOf(t, a, "partymember")), mine[0].ID); !apperr.Is(err, "not_found") {
		t.Errorf("a party member: %v", err)
	}
}

// A member moved or gone hands their open tasks to the successor.
func TestHandOver(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := demoPlace(t, a)
	ctx := system()
	open := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "待办", DueOn: day(0)})
	joint := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member, p.mate}, Joint: true, Title: "共办", DueOn: day(0)})
	done := push(t, a.Duty, duty.PushInput{GridID: p.grid, WorkerIDs: []string{p.member}, Title: "已办", DueOn: day(0)})
	if _, err := a.Duty.Close(as(t, a, userOf(t, a, "gridmember")), done[0].ID, duty.CloseInput{Version: 1, Result: "完成"}, idem.Key{}); err != nil {
		t.Fatal(err)
	}
	var n int
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		n, err = a.Duty.HandOver(ctx, tx, p.member, p.mate)
		return err
	})
	if err != nil || n != 1 {
		t.Fatalf("hand over: %d %v", n, err)
	}
	for id, want := range map[string]string{open[0].ID: p.mate, done[0].ID: p.member} {
		tk, _ := a.Duty.Get(ctx, id)
		if len(tk.Assignees) != 1 || tk.Assignees[0].WorkerID != want {
			t.Errorf("task %s: %+v, want %s", tk.Title, tk.Assignees, want)
		}
	}
	tk, _ := a.Duty.Get(ctx, joint[0].ID)
	if len(tk.Assignees) != 1 || tk.Assignees[0].WorkerID != p.mate {
		t.Errorf("joint task: %+v", tk.Assignees)
	}
}
