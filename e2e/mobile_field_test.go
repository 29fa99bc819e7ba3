package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// fieldEvent is the part of an event the phone tests check.
type fieldEvent struct {
	State    string `json:"state"`
	Timeline []struct {
		Action string `json:"action"`
		Note   string `json:"note"`
		Media  []struct {
			Kind string `json:"kind"`
		} `json:"media"`
	} `json:"timeline"`
}

// step is the event's last timeline step of an action (nil when none).
func (e fieldEvent) step(action string) *struct {
	Action string `json:"action"`
	Note   string `json:"note"`
	Media  []struct {
		Kind string `json:"kind"`
	} `json:"media"`
} {
	for i := len(e.Timeline) - 1; i >= 0; i-- {
		if e.Timeline[i].Action == action {
			return &e.Timeline[i]
		}
	}
	return nil
}

// TestMobileGridMemberTodo: the demo's grid member signs in on a 390 px
// phone and lands on 待办: passes an on-site re-check with a photo and a
// note, and records a visit to a key person whose visit falls due.
func TestMobileGridMemberTodo(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	if _, err := demo.FieldWork(context.Background(), app.DB, 2026, time.Now()); err != nil {
		t.Fatal(err)
	}
	photo := photoFile(t, "核查.png")
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	acc := app.Account("grid_member")
	p.login(acc, app.NextOTP(acc))
	p.visible("#m-today") // a grid member on a phone lands on the day's tasks (今日), then 待办
	p.click("#m-tab-todo")
	p.visible("#m-todo")
	p.visible("#m-tab-report")
	p.visible("#m-tab-mine")
	p.waitText("#m-checks-count", "3")
	p.visible("#m-todo .task")
	p.noRawKeys("the grid member's to-do")
	p.shot("mobile-field-01-todo")

	// the re-check: a photo, a note, pass
	id := evalJS[string](p, "the first re-check", `document.querySelector('#m-todo .recheck').dataset.eventId`)
	card := `#m-todo .recheck[data-event-id="` + id + `"]`
	p.click(card + " .r-check")
	p.visible("#m-check-sheet")
	p.settle()
	p.do("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#m-check-photo"), []string{photo}))
	p.waitFor("the photo's preview", `!!document.querySelector('#m-check-sheet .pick img')`, `document.querySelector('#m-check-sheet')?.innerHTML`)
	p.typeInto("#m-check-note", "现场已清理干净，无残留")
	p.noRawKeys("the re-check sheet")
	p.shot("mobile-field-02-recheck")
	p.click("#m-check-pass")
	p.waitFor("the sheet closed", `!document.querySelector('#m-check-sheet')`, "")
	p.waitFor("the re-check done", `!document.querySelector(`+jsString(card)+`)`, `document.querySelector('#m-todo')?.innerText`)
	p.waitText("#m-checks-count", "2")

	gm := app.Login("grid_member")
	var ev fieldEvent
	gm.Do("GET", "/api/v1/events/"+id, nil, &ev)
	pass := ev.step("check_pass")
	if ev.State != "closed" || pass == nil || pass.Note != "现场已清理干净，无残留" || len(pass.Media) != 1 || pass.Media[0].Kind != "after" {
		t.Fatalf("after the phone's re-check: %+v", ev)
	}

	// a visit from the visits due
	kp := evalJS[string](p, "the first visit due", `document.querySelector('#m-todo .task').dataset.keyPersonId`)
	var before struct {
		LastVisitAt *int64 `json:"last_visit_at"`
	}
	gm.Do("GET", "/api/v1/key-persons/"+kp, nil, &before)
	p.click(`#m-todo .task[data-key-person-id="` + kp + `"] .t-visit`)
	p.visible("#m-visit-sheet")
	p.settle()
	p.click("#m-visit-method .el-radio-button:nth-child(2)") // by phone
	p.click("#m-visit-finding .el-radio-button:nth-child(2)")
	p.typeInto("#m-visit-note", "电话联系本人，近期情绪稳定，按时服药")
	p.shot("mobile-field-03-visit")
	p.click("#m-visit-save")
	p.waitFor("the visit saved", `!document.querySelector('#m-visit-sheet')`, "")
	var after struct {
		LastVisitAt *int64 `json:"last_visit_at"`
		Visits      []struct {
			Method  string `json:"method"`
			Finding string `json:"finding"`
		} `json:"visits"`
	}
	gm.Do("GET", "/api/v1/key-persons/"+kp, nil, &after)
	if after.LastVisitAt == nil || (before.LastVisitAt != nil && *after.LastVisitAt <= *before.LastVisitAt) ||
		len(after.Visits) == 0 || after.Visits[0].Method != "phone" || after.Visits[0].Finding != "attention" {
		t.Fatalf("the phone's visit: before %v, after %+v", before.LastVisitAt, after)
	}
}

// TestMobileHandlerInbox: the demo's handler signs in on a 390 px phone
// and lands on their unit's orders: signs one, asks for more time, and
// replies with the result and an after-photo; returns another with its
// reason.
func TestMobileHandlerInbox(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	if _, err := demo.FieldWork(context.Background(), app.DB, 2026, time.Now()); err != nil {
		t.Fatal(err)
	}
	photo := photoFile(t, "处置后.png")
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.login(app.Account("dept_handler"), "")
	p.visible("#m-inbox")
	p.waitText("#m-box-dispatched", "3")
	if evalJS[bool](p, "the report tab", `!!document.querySelector('#m-tab-report')`) {
		t.Errorf("a handler who does not report has a report tab")
	}
	p.noRawKeys("the handler's inbox")
	p.shot("mobile-field-04-inbox")

	id := evalJS[string](p, "the first order", `document.querySelector('#m-inbox .order').dataset.eventId`)
	card := `#m-inbox .order[data-event-id="` + id + `"]`
	p.click(card + " .o-sign")
	p.waitFor("the order in hand", `document.querySelector(`+jsString(card)+`)?.dataset.state === 'handling'`, `document.querySelector('#m-inbox')?.innerText`)
	p.waitText("#m-box-handling", "2")

	p.click(card + " .o-extend")
	p.visible("#m-order-sheet")
	p.settle()
	p.typeInto("#m-order-note", "需调运清运车辆，今日无法完成")
	p.click("#m-order-submit")
	p.waitFor("the sheet closed", `!document.querySelector('#m-order-sheet')`, "")
	p.visible(card + " .card-tag")

	p.click(card + " .o-reply")
	p.visible("#m-order-sheet")
	p.settle()
	p.do("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#m-order-photo"), []string{photo}))
	p.waitFor("the photo's preview", `!!document.querySelector('#m-order-sheet .pick img')`, `document.querySelector('#m-order-sheet')?.innerHTML`)
	p.typeInto("#m-order-note", "占道摊点已清理，现场恢复通行")
	p.shot("mobile-field-05-reply")
	p.click("#m-order-submit")
	p.waitFor("the order answered", `!document.querySelector(`+jsString(card)+`)`, `document.querySelector('#m-inbox')?.innerText`)

	// a wrong dispatch goes back with its reason
	p.waitFor("the sheet closed", `!document.querySelector('#m-order-sheet')`, "")
	p.click("#m-box-dispatched")
	other := pollJS[string](p, "an order to sign", `document.querySelector('#m-inbox .order[data-state="dispatched"]')?.dataset.eventId`)
	otherCard := `#m-inbox .order[data-event-id="` + other + `"]`
	p.click(otherCard + " .o-return")
	p.visible("#m-order-sheet")
	p.settle()
	p.click("#m-order-submit") // no reason: the sheet says it is required
	p.visible("#m-order-sheet .m-error")
	p.typeInto("#m-order-note", "不属于本单位职责，请改派")
	p.click("#m-order-submit")
	p.waitFor("the order returned", `!document.querySelector(`+jsString(otherCard)+`)`, `document.querySelector('#m-inbox')?.innerText`)

	h := app.Login("dept_handler")
	var returned fieldEvent
	if st := h.Do("GET", "/api/v1/events/"+other, nil, &returned); st != 200 {
		// the unit no longer reads an order it returned: the dispatcher does
		app.Login("dispatcher").Do("GET", "/api/v1/events/"+other, nil, &returned)
	}
	if ret := returned.step("return"); returned.State != "filed" || ret == nil || ret.Note != "不属于本单位职责，请改派" {
		t.Fatalf("after the phone's return: %+v", returned)
	}

	var ev fieldEvent
	h.Do("GET", "/api/v1/events/"+id, nil, &ev)
	ext, res := ev.step("request_extension"), ev.step("report_result")
	if ev.State != "handled" || ext == nil || ext.Note != "需调运清运车辆，今日无法完成" ||
		res == nil || res.Note != "占道摊点已清理，现场恢复通行" || len(res.Media) != 1 || res.Media[0].Kind != "after" {
		t.Fatalf("after the phone's work: %+v", ev)
	}
}
