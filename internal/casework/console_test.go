package casework_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

// handledBy takes a new event to handled, the result reported by the
// given client of unit cg.
func handledBy(t *testing.T, a *testapp.App, fixer *testapp.Client, cg string) event {
	t.Helper()
	intake, disp := a.Login("intake"), a.Login("dispatcher")
	var e event
	if st := a.Login("grid_member").Do("POST", "/api/v1/events", report(a, nil), &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	act(t, intake, &e, "file", nil)
	act(t, disp, &e, "dispatch", map[string]any{"unit_ids": []string{cg}})
	act(t, fixer, &e, "sign", nil)
	act(t, fixer, &e, "report_result", map[string]any{"note": "已清理"})
	return e
}

// newChecker makes a second re-checker over the county: separation of
// duties keeps the grid member who handled an event from checking it.
func newChecker(t *testing.T, a *testapp.App) *testapp.Client {
	t.Helper()
	if st := a.Login("sec_admin").Do("POST", "/api/v1/roles", map[string]any{"code": "checker", "name": "核查员",
		"permissions": []string{"org.read", "event.read", "event.check"}}, nil); st != 201 {
		t.Fatalf("create role: %d", st)
	}
	return newStaff(t, a, "checker.li", "", "checker")
}

// Separation of duties: whoever reported an event's result may not
// re-check it, unless the deployment turns the rule off.
func TestWhoHandledMayNotCheck(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	sec := a.Login("sec_admin")
	// one role that may both handle and check (a grid member's work in a unit)
	if st := sec.Do("POST", "/api/v1/roles", map[string]any{"code": "fixer", "name": "处置核查员",
		"permissions": []string{"org.read", "event.read", "event.handle", "event.check"}}, nil); st != 201 {
		t.Fatalf("create role: %d", st)
	}
	cg := unitID(t, a.Login("dispatcher"), "441602-cg")
	fixer := newStaff(t, a, "fixer.zhang", cg, "fixer")
	fixer.Lang = "zh-CN"

	e := handledBy(t, a, fixer, cg)
	// the page offers the handler no re-check, and offers it to another
	var mine, theirs struct {
		OwnResult bool `json:"own_result"`
	}
	fixer.Do("GET", "/api/v1/events/"+e.ID, nil, &mine)
	a.Login("grid_member").Do("GET", "/api/v1/events/"+e.ID, nil, &theirs)
	if !mine.OwnResult || theirs.OwnResult {
		t.Fatalf("own_result: handler %v, grid member %v", mine.OwnResult, theirs.OwnResult)
	}
	for _, action := range []string{"check_pass", "check_fail"} {
		p := fixer.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": action, "version": e.Version, "note": "自查"})
		if p.Status != 403 || p.Code != "event.check_own_result" || !strings.Contains(p.Detail, "职责分离") {
			t.Fatalf("%s by the handler: %+v", action, p)
		}
	}
	// nothing changed; someone else checks it
	act(t, a.Login("grid_member"), &e, "check_pass", nil)
	if e.State != "closed" {
		t.Fatalf("checked by another: %s", e.State)
	}
	// the refusal reads in English too
	fixer.Lang = "en"
	en := fixer.Fail("POST", "/api/v1/events/"+handledBy(t, a, fixer, cg).ID+"/actions", map[string]any{"action": "check_pass", "version": 5})
	if en.Code != "event.check_own_result" || !strings.Contains(en.Detail, "Separation of duties") {
		t.Fatalf("english refusal: %+v", en)
	}

	// A deployment where one person does both turns the rule off.
	a.Events.SelfCheckAllowed = true
	e = handledBy(t, a, fixer, cg)
	mine.OwnResult = false
	if fixer.Do("GET", "/api/v1/events/"+e.ID, nil, &mine); mine.OwnResult {
		t.Fatal("own_result set where the deployment allows checking one's own result")
	}
	act(t, fixer, &e, "check_pass", nil)
	if e.State != "closed" {
		t.Fatalf("self-check allowed: %s", e.State)
	}
}

type merged struct {
	event
	MergedInto *struct{ ID, No, State string }  `json:"merged_into"`
	MergedFrom []struct{ ID, No, State string } `json:"merged_from"`
	Duplicates []struct{ ID, State string }     `json:"duplicates"`
}

// Only open events are merge targets; a merged event links to the one it
// went into, and that one lists it back.
func TestMergeLinksBothWays(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, intake := a.Login("grid_member"), a.Login("intake")
	var target, closed, dup merged
	gm.Do("POST", "/api/v1/events", report(a, map[string]any{"description": "路灯不亮，晚上很黑"}), &target)
	gm.Do("POST", "/api/v1/events", report(a, map[string]any{"description": "路灯坏了，已经上报过"}), &closed)
	gm.Do("POST", "/api/v1/events", report(a, map[string]any{"description": "小区门口路灯不亮"}), &dup)
	// one candidate is finished: refused
	act(t, intake, &closed.event, "refuse", map[string]any{"note": "重复反映"})

	intake.Do("GET", "/api/v1/events/"+dup.ID, nil, &dup)
	for _, d := range dup.Duplicates {
		if d.ID == closed.ID || !strings.Contains("reported filed dispatched handling handled", d.State) {
			t.Fatalf("a finished event offered as a merge target: %+v", d)
		}
	}
	if p := intake.Fail("POST", "/api/v1/events/"+dup.ID+"/actions", map[string]any{"action": "merge", "version": dup.Version, "into_id": closed.ID}); p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != "into_id" {
		t.Fatalf("merge into a refused event: %+v", p)
	}
	act(t, intake, &dup.event, "merge", map[string]any{"into_id": target.ID})
	intake.Do("GET", "/api/v1/events/"+dup.ID, nil, &dup)
	if dup.State != "merged" || dup.MergedInto == nil || dup.MergedInto.ID != target.ID || dup.MergedInto.No != target.No {
		t.Fatalf("merged event's link: %+v", dup.MergedInto)
	}
	intake.Do("GET", "/api/v1/events/"+target.ID, nil, &target)
	if len(target.MergedFrom) != 1 || target.MergedFrom[0].ID != dup.ID || target.MergedFrom[0].State != "merged" {
		t.Fatalf("target's merged events: %+v", target.MergedFrom)
	}
	if target.MergedInto != nil {
		t.Fatalf("target links onward: %+v", target.MergedInto)
	}
	// The timeline note names the number.
	var tl struct {
		Timeline []struct{ Action, Note string }
	}
	intake.Do("GET", "/api/v1/events/"+target.ID, nil, &tl)
	if last := tl.Timeline[len(tl.Timeline)-1]; last.Action != "merged_in" || last.Note != "合并了事件 "+dup.No {
		t.Fatalf("target's timeline: %+v", last)
	}
}

// The days to a deadline count calendar days in China, not 24-hour periods.
func TestDueDaysCountCalendarDays(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	var e struct {
		ID           string `json:"id"`
		StageDueAt   int64  `json:"stage_due_at"`
		StageDueDays *int   `json:"stage_due_days"`
	}
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	due := time.UnixMilli(e.StageDueAt)
	cst := time.FixedZone("CST", 8*3600)
	y, m, d := due.In(cst).Date()
	for _, c := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(y, m, d, 23, 59, 0, 0, cst), 0},   // later the same day: still "due today"
		{time.Date(y, m, d, 0, 1, 0, 0, cst), 0},     // early the same day
		{time.Date(y, m, d+2, 0, 30, 0, 0, cst), -2}, // two dates on, though under 48 hours
		{time.Date(y, m, d-3, 23, 0, 0, 0, cst), 3},
	} {
		a.Events.Now = func() time.Time { return c.now }
		gm.Do("GET", "/api/v1/events/"+e.ID, nil, &e)
		if e.StageDueDays == nil || *e.StageDueDays != c.want {
			t.Errorf("at %s, due %s: %v days, want %d", c.now, due.In(cst), e.StageDueDays, c.want)
		}
	}
}

// The audit page reads an event's rows by number, with the states in words.
func TestAuditRowsOfEventsInWords(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	var e event
	a.Login("grid_member").Do("POST", "/api/v1/events", report(a, nil), &e)
	act(t, a.Login("intake"), &e, "file", nil)
	var rows struct {
		Items []struct {
			Action     string `json:"action"`
			ObjectName string `json:"object_name"`
			Summary    string `json:"summary"`
		}
	}
	auditor := a.Login("audit_admin")
	auditor.Lang = "zh-CN"
	auditor.Do("GET", "/api/v1/audit?object_id="+e.ID, nil, &rows)
	if len(rows.Items) != 2 {
		t.Fatalf("rows: %+v", rows.Items)
	}
	for _, r := range rows.Items {
		if r.ObjectName != e.No {
			t.Errorf("%s: object %q, want %s", r.Action, r.ObjectName, e.No)
		}
	}
	if got := rows.Items[0].Summary; got != "事件 "+e.No+"：待受理 → 待派遣" {
		t.Errorf("filing: %q", got)
	}
	if got := rows.Items[1].Summary; got != "事件 "+e.No+" 登记（渠道：网格员上报）" {
		t.Errorf("report: %q", got)
	}
	// a user's rows by the account name
	var users struct {
		Items []struct {
			Username   string `json:"username"`
			ObjectID   string `json:"object_id"`
			UserID     string `json:"user_id"`
			ObjectName string `json:"object_name"`
		}
	}
	auditor.Do("GET", "/api/v1/audit?object_type=user&limit=20", nil, &users)
	named := 0
	for _, r := range users.Items {
		if r.ObjectID == r.UserID && r.ObjectName != r.Username {
			t.Errorf("%s's own row named %q", r.Username, r.ObjectName)
		}
		if r.ObjectName != "" {
			named++
		}
	}
	if named == 0 {
		t.Errorf("no user row named: %+v", users.Items)
	}
	auditor.Lang = "en"
	auditor.Do("GET", "/api/v1/audit?object_id="+e.ID, nil, &rows)
	if got := rows.Items[0].Summary; !strings.HasPrefix(got, "Event "+e.No+": ") || strings.Contains(got, "reported→") {
		t.Errorf("filing in English: %q", got)
	}
}

// 待办 lists what waits for the caller's own step; 已办 what they acted on.
func TestTodoAndDoneTabs(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, intake, disp, handler := a.Login("grid_member"), a.Login("intake"), a.Login("dispatcher"), a.Login("dept_handler")
	var e event
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	type list struct {
		Items []struct{ ID, State string }
	}
	has := func(c *testapp.Client, tab string) bool {
		t.Helper()
		var l list
		if st := c.Do("GET", "/api/v1/events?limit=200&tab="+tab, nil, &l); st != 200 {
			t.Fatalf("tab %s: %d", tab, st)
		}
		found := false
		for _, it := range l.Items {
			if it.ID == e.ID {
				found = true
			}
			if tab == "todo" && c == intake && it.State != "reported" {
				t.Fatalf("intake's todo holds a %s event", it.State)
			}
		}
		return found
	}
	if !has(intake, "todo") || has(disp, "todo") || has(intake, "done") {
		t.Fatal("a new report waits for the intake desk only")
	}
	act(t, intake, &e, "file", nil)
	cg := unitID(t, disp, "441602-cg")
	if has(intake, "todo") || !has(intake, "done") || !has(disp, "todo") {
		t.Fatal("filed: waits for dispatch, done by intake")
	}
	act(t, disp, &e, "dispatch", map[string]any{"unit_ids": []string{cg}})
	if has(disp, "todo") || !has(handler, "todo") || has(handler, "done") {
		t.Fatal("dispatched: waits for the unit to sign")
	}
	act(t, handler, &e, "sign", nil)
	act(t, handler, &e, "report_result", map[string]any{"note": "已清理"})
	if has(handler, "todo") || !has(handler, "done") || !has(gm, "todo") {
		t.Fatal("handled: waits for the re-check")
	}
	if p := gm.Fail("GET", "/api/v1/events?tab=mine", nil); p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != "tab" {
		t.Fatalf("unknown tab: %+v", p)
	}
}
