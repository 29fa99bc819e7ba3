package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/duty"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestMobileTodayCloseAndCarry: the demo's grid member opens 今日 on a
// 390 px phone, closes one of today's tasks with its result, loses the
// signal half-way and carries another to tomorrow with a reason (queued on
// the phone, sent when the network is back), and "close the day" shows the
// one still open.
func TestMobileTodayCloseAndCarry(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	ctx := audit.WithMeta(authz.WithPrincipal(context.Background(), authz.System()), audit.Meta{RequestID: "e2e", IP: "local"})
	var worker, grid string
	q := app.DB.Reader()
	q.QueryRowContext(ctx, "SELECT w.id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.username = 'gridmember'").Scan(&worker)
	q.QueryRowContext(ctx, "SELECT grid_id FROM grid_members WHERE worker_id = ? LIMIT 1", worker).Scan(&grid)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	var ids []string
	for _, title := range []string{"走访独居老人李奶奶", "核查新迁入租户", "巡查河道护栏"} {
		out, err := app.Duty.Push(ctx, duty.PushInput{GridID: grid, WorkerIDs: []string{worker}, Title: title, Detail: "中心下发", DueOn: today})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.Items[0].ID)
	}

	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	acc := app.Account("grid_member")
	p.login(acc, app.NextOTP(acc))
	p.click("#m-tab-today")
	p.visible("#m-today")
	p.waitText("#d-open-count", "3")
	p.noRawKeys("the member's day")
	p.shot("mobile-today-01-tasks")

	// close the first with its result
	card := `#m-today .d-task[data-task="` + ids[0] + `"]`
	p.click(card + " .d-close")
	p.typeInto(card+" .d-text", "已上门，老人身体良好")
	p.click(card + " .d-confirm")
	p.waitText("#d-open-count", "2")
	p.waitFor("the close sent", `!document.querySelector('#d-queue')`, `document.querySelector('#d-queue')?.innerText`)
	gm := app.Login("grid_member")
	var tk duty.Task
	if gm.Do("GET", "/api/v1/duty/tasks/"+ids[0], nil, &tk); tk.Status != "closed" || tk.Result != "已上门，老人身体良好" {
		t.Fatalf("closed on the phone: %+v", tk)
	}

	// the signal goes: the carry waits on the phone
	p.network(false)
	card = `#m-today .d-task[data-task="` + ids[1] + `"]`
	p.click(card + " .d-carry")
	p.typeInto(card+" .d-text", "租户白天上班不在家")
	p.click(card + " .d-confirm")
	p.waitFor("the carry queued offline", `document.querySelector('#d-queue-count')?.innerText === '1'`, `document.querySelector('#m-today')?.innerText`)
	p.shot("mobile-today-02-queued")
	if gm.Do("GET", "/api/v1/duty/tasks/"+ids[1], nil, &tk); tk.Status != "open" {
		t.Fatalf("offline, yet the task is %s", tk.Status)
	}
	p.network(true)
	p.waitFor("the queue sent when the network is back", `!document.querySelector('#d-queue')`, `document.querySelector('#d-queue')?.innerText`)
	if gm.Do("GET", "/api/v1/duty/tasks/"+ids[1], nil, &tk); tk.Status != "carried" || tk.CarryReason != "租户白天上班不在家" {
		t.Fatalf("carried from the phone: %+v", tk)
	}

	// offline again, the member closes the third while the centre changes
	// it: back online the close is refused with the centre's version, and
	// the member sends theirs on top of it
	p.network(false)
	card = `#m-today .d-task[data-task="` + ids[2] + `"]`
	p.click(card + " .d-close")
	p.typeInto(card+" .d-text", "护栏完好")
	p.click(card + " .d-confirm")
	p.waitFor("the close queued offline", `document.querySelector('#d-queue-count')?.innerText === '1'`, `document.querySelector('#m-today')?.innerText`)
	if st := app.Login("intake").Do("PUT", "/api/v1/duty/tasks/"+ids[2], map[string]any{"version": 1, "title": "巡查河道护栏（含北岸）", "due_on": today}, nil); st != 200 {
		t.Fatalf("the centre's change: %d", st)
	}
	p.network(true)
	p.click("#d-send-now")
	p.waitFor("the conflict shown", `!!document.querySelector('#d-queue .d-merge')`, `document.querySelector('#d-queue')?.innerText`)
	p.noRawKeys("the conflict")
	p.shot("mobile-today-03-conflict")
	p.click("#d-queue .d-merge-send")
	p.waitFor("the merged close sent", `!document.querySelector('#d-queue')`, `document.querySelector('#d-queue')?.innerText`)
	if gm.Do("GET", "/api/v1/duty/tasks/"+ids[2], nil, &tk); tk.Status != "closed" || tk.Title != "巡查河道护栏（含北岸）" || tk.Result != "护栏完好" {
		t.Fatalf("merged on the phone: %+v", tk)
	}

	// close the day: nothing left open
	p.click("#d-close-day")
	p.visible("#d-closing")
	p.visible("#d-all-clear")
	p.noRawKeys("closing the day")
	p.shot("mobile-today-04-close-day")
}

// TestMobileTodayCloseDayLists: "close the day" lists only what is still open.
func TestMobileTodayCloseDayLists(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	ctx := audit.WithMeta(authz.WithPrincipal(context.Background(), authz.System()), audit.Meta{RequestID: "e2e", IP: "local"})
	var worker, grid string
	q := app.DB.Reader()
	q.QueryRowContext(ctx, "SELECT w.id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.username = 'gridmember'").Scan(&worker)
	q.QueryRowContext(ctx, "SELECT grid_id FROM grid_members WHERE worker_id = ? LIMIT 1", worker).Scan(&grid)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	var ids []string
	for _, title := range []string{"走访独居老人李奶奶", "核查新迁入租户"} {
		out, err := app.Duty.Push(ctx, duty.PushInput{GridID: grid, WorkerIDs: []string{worker}, Title: title, DueOn: today})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.Items[0].ID)
	}
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	acc := app.Account("grid_member")
	p.login(acc, app.NextOTP(acc))
	p.click("#m-tab-today")
	p.waitText("#d-open-count", "2")
	card := `#m-today .d-task[data-task="` + ids[0] + `"]`
	p.click(card + " .d-close")
	p.typeInto(card+" .d-text", "已上门")
	p.click(card + " .d-confirm")
	p.waitText("#d-open-count", "1")
	p.click("#d-close-day")
	p.visible("#d-closing")
	p.waitFor("only the open task", `document.querySelectorAll('#d-tasks .d-task').length === 1 && !!document.querySelector('#d-tasks .d-task[data-task="`+ids[1]+`"]')`,
		`document.querySelector('#d-tasks')?.innerText`)
	p.shot("mobile-today-05-close-day-open")
}

// TestDutyConsoleOnTheDemo: with the demo's year of member tasks, the
// county centre opens 任务与日清 from the grid-work menu: the day board
// with yesterday's carry-overs and their reasons, by member and by grid,
// and a town–police-station meeting with its decisions' tasks.
func TestDutyConsoleOnTheDemo(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	if _, err := demo.Duty(context.Background(), demo.Deps{DB: app.DB, Authn: app.Authn, Duty: app.Duty}, "441602", 2026, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.click(`#side-menu [data-menu-group="gridwork"]`)
	p.click(`#side-menu [data-menu="duty"]`)
	p.visible("#duty-board")
	p.waitFor("the carry-overs", `document.querySelectorAll('#duty-carried-in .el-table__row').length > 0`, `document.querySelector('#duty-board')?.innerText`)
	p.waitFor("the members' lines", `document.querySelectorAll('#duty-members .el-table__row').length > 0`, `document.querySelector('#duty-members')?.innerText`)
	p.waitFor("the towns' lines", `document.querySelectorAll('#duty-areas .el-table__row').length > 1`, `document.querySelector('#duty-board')?.innerText`)
	p.settle()
	p.noRawKeys("the day board")
	p.shot("duty-01-board")

	// the centre records a close for a member without an account
	p.click(`#tab-tasks`)
	p.click(`.duty-page .filter label:nth-child(2)`) // open
	p.waitFor("the open tasks", `document.querySelectorAll('#duty-tasks .record-close').length > 0`, `document.querySelector('#duty-tasks')?.innerText`)
	before := evalJS[int](p, "open tasks", `document.querySelectorAll('#duty-tasks .record-close').length`)
	p.click(`#duty-tasks .record-close`)
	p.visible(".el-message-box__input input")
	p.typeInto(".el-message-box__input input", "电话报告已办结")
	p.noRawKeys("recording a close")
	p.click(".el-message-box__btns .el-button--primary")
	p.waitFor("one open task fewer", `document.querySelectorAll('#duty-tasks .record-close').length === `+strconv.Itoa(before-1),
		`document.querySelectorAll('#duty-tasks .record-close').length`)
	p.shot("duty-02-tasks")

	p.click(`#tab-meetings`)
	p.waitFor("the meetings", `document.querySelectorAll('#duty-meetings .el-table__row').length >= 11`, `document.querySelector('#duty-meetings')?.innerText`)
	p.click(`#duty-meetings .el-table__row`)
	p.visible("#duty-meeting")
	p.waitFor("the decisions' tasks", `document.querySelectorAll('#duty-meeting .dtask').length > 0`, `document.querySelector('#duty-meeting')?.innerText`)
	p.settle()
	p.noRawKeys("a meeting")
	p.shot("duty-03-meeting")
}
