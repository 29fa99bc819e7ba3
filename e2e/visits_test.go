package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/gridgov/gridgov/internal/visit"
)

// TestVisitPhoneOffline: a grid member on a 390 px phone finds a new
// arrival of their grid on the 走访 tab, records the visit with no network
// (it waits on the phone, the task still open on the server), and it goes
// when the network is back, closing the task. A correction that crosses
// another made meanwhile is shown beside it to merge. The centre sees the
// task done on its page.
func TestVisitPhoneOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser walk: the full suite runs it")
	}
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	var gridCode, village string
	if err := app.DB.Reader().QueryRowContext(ctx, `SELECT g.code, g.org_id FROM grids g JOIN grid_members m ON m.grid_id = g.id JOIN users u ON u.id = m.user_id
		WHERE u.username = 'gridmember' AND g.layer = 'zz' ORDER BY g.code LIMIT 1`).Scan(&gridCode, &village); err != nil {
		t.Fatal(err)
	}
	person, err := app.Registry.CreatePerson(ctx, registry.PersonInput{Name: "E2E新住户", Kind: "unregistered", BirthDate: "1990-01-01", Address: "建设路18号",
		PlaceInput: registry.PlaceInput{GridCode: gridCode}}, idem.Key{})
	if err != nil {
		t.Fatal(err)
	}
	path, _ := org.PathOf(ctx, app.DB.Reader(), village, "")
	if n, err := app.Visits.SweepUnder(ctx, path); err != nil || n == 0 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	var taskID string
	app.DB.Reader().QueryRowContext(ctx, "SELECT id FROM visit_tasks WHERE subject_id = ? AND trigger_kind = 'new_arrival'", person.ID).Scan(&taskID)

	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "grid_member")
	p.visible(".m-head")
	// 待办 says there are visits on the list, and leads there.
	p.click("#m-tab-todo")
	p.visible("#m-visits-banner")
	p.settle()
	p.click("#m-visits-banner")
	task := `.m-visit-task[data-task-id="` + taskID + `"]`
	p.visible(task)
	p.noRawKeys("the phone's visits")
	p.shot("visit-01-phone-tasks")
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page is %v px wide", w)
	}

	// No network: the visit waits on the phone.
	p.network(false)
	p.click(task + " .m-visit-open")
	p.visible("#m-visit-sheet")
	p.click(`#m-visit-sheet [data-finding="attention"]`)
	p.setTextArea("#m-visit-note", "E2E 新迁入一家三口，孩子需办理入学")
	p.shot("visit-02-phone-sheet")
	p.click("#m-visit-save")
	p.visible("#m-visit-queue")
	p.waitFor("the task leaves the list while its visit waits", `!document.querySelector('`+task+`')`, `document.querySelector('#m-visits')?.innerText`)
	p.shot("visit-03-phone-queued")
	var status string
	app.DB.Reader().QueryRowContext(ctx, "SELECT status FROM visit_tasks WHERE id = ?", taskID).Scan(&status)
	if status != "open" {
		t.Fatalf("offline, yet the task is %s", status)
	}

	// Back online: it goes, once, and closes the task.
	p.network(true)
	p.waitFor("the queue sent", `!document.querySelector('#m-visit-queue')`, `document.querySelector('#m-visit-queue')?.innerText`)
	app.DB.Reader().QueryRowContext(ctx, "SELECT status FROM visit_tasks WHERE id = ?", taskID).Scan(&status)
	var records int
	app.DB.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM visit_records WHERE task_id = ?", taskID).Scan(&records)
	if status != "done" || records != 1 {
		t.Fatalf("after sync: task %s, %d records", status, records)
	}

	// A correction crossing another: the phone shows theirs to merge.
	var recID string
	var version int
	app.DB.Reader().QueryRowContext(ctx, "SELECT id, version FROM visit_records WHERE task_id = ?", taskID).Scan(&recID, &version)
	p.visible(`.m-visit-record[data-record-id="` + recID + `"]`)
	p.settle() // the list reloads once the queue is sent
	p.click(`.m-visit-record[data-record-id="` + recID + `"] .m-visit-edit`)
	p.visible("#m-visit-edit")
	if _, err := app.Visits.UpdateVisit(ctx, recID, visit.VisitPatch{Method: "phone", Finding: "attention", Note: "E2E 另一人补充：已联系学校", Version: version}); err != nil {
		t.Fatal(err)
	}
	p.setTextArea("#m-edit-note", "E2E 本机修改：孩子已入学")
	p.click("#m-edit-save")
	p.visible("#m-visit-merge")
	p.shot("visit-04-phone-merge")
	p.click("#m-merge-note")
	p.click("#m-edit-save")
	p.waitFor("the merged record saved", `!document.querySelector('#m-visit-merge')`, `document.querySelector('#m-visit-edit')?.innerText`)
	p.shot("visit-05-phone-merged")
	r, err := app.Visits.Records(authz.WithPrincipal(context.Background(), authz.System()), visit.RecordQuery{Mine: false, OrgID: village})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range r {
		if x.ID == recID && x.Version != version+2 {
			t.Errorf("merged record at version %d, want %d", x.Version, version+2)
		}
	}

	// The centre's page shows the task done.
	q := newPage(t, app.URL)
	q.loginAs(app, "intake")
	q.open("/home-visits")
	q.visible("#visit-tasks")
	q.settle()
	q.shot("visit-06-console-open")
	q.click(`#visit-lights label:last-child`)
	q.waitFor("the done task on the centre's board", `document.querySelector('#visit-tasks')?.innerText.includes('新迁入')`, `document.querySelector('#visit-tasks')?.innerText`)
	q.noRawKeys("the centre's visits")
	q.shot("visit-07-console-done")
	q.click(`#tab-triggers`)
	q.visible("#visit-triggers")
	q.shot("visit-08-console-triggers")

	// The centre records a reception day at its desk.
	q.click(`#tab-receptions`)
	q.visible("#reception-new")
	q.settle()
	q.click("#reception-new")
	q.visible("#reception-save")
	q.shot("visit-09-console-reception-form")
	q.click("#reception-save")
	q.waitFor("the form names what is missing", `document.querySelectorAll('.el-dialog .el-form-item__error, .el-dialog .rc-error').length > 0`, `document.querySelector('.el-dialog')?.innerText`)
	q.noRawKeys("the reception form")
}
