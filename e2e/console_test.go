package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestEachRoleLandsOnItsWork signs in as the roles of the loop: each lands
// on its own work (the to-do tab of the event list, the auditor on the
// audit log), the tabs switch between 待办, 已办 and 全部, a merged event
// links to the one it went into and back, and the audit log names the event
// by its number with its change in words. The API documentation is in the
// menu only of those who use the API.
func TestEachRoleLandsOnItsWork(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	gm, intake := app.Login("grid_member"), app.Login("intake")
	lat, lng := pointInGrid(t, gm, "441602001003")
	type ev struct {
		ID, No  string
		Version int
	}
	var target, dup ev
	for i, e := range []*ev{&target, &dup} {
		body := map[string]any{"category_code": "0101", "description": fmt.Sprintf("E2E 路灯不亮 %d", i), "lat": lat, "lng": lng}
		if st := gm.Do("POST", "/api/v1/events", body, e); st != 201 {
			t.Fatalf("report: %d", st)
		}
	}
	if st := intake.Do("POST", "/api/v1/events/"+dup.ID+"/actions", map[string]any{"action": "merge", "version": dup.Version, "into_id": target.ID}, nil); st != 200 {
		t.Fatalf("merge: %d", st)
	}

	// The intake desk lands on its to-do: 待受理.
	p.loginAs(app, "intake")
	p.waitFor("the to-do tab", `location.hash.startsWith('#/events?tab=todo')`, `location.hash`)
	p.visible("#event-tabs")
	p.waitText("#event-tabs .is-active", "待办")
	p.waitText("#event-todo-hint", "待受理")
	p.visible(fmt.Sprintf(`#event-table tr[data-event-id="%s"]`, target.ID))
	p.noRawKeys("intake's to-do")
	p.shot("console-01-intake-todo")
	if evalJS[bool](p, "the API docs item", `!!document.querySelector('#side-menu [data-menu="api-docs"]')`) {
		t.Error("the intake desk has the API documentation in its menu")
	}
	p.click(`#event-tabs #tab-all`)
	p.waitFor("the all tab", `!location.hash.includes('tab=')`, `location.hash`)
	p.click(`#event-tabs #tab-done`)
	p.waitFor("the done tab", `location.hash.includes('tab=done')`, `location.hash`)
	p.visible(fmt.Sprintf(`#event-table tr[data-event-id="%s"]`, dup.ID)) // the intake desk merged it

	// The merged event links to the one it went into, and that one back.
	p.open("/events/" + dup.ID)
	p.waitState("merged")
	p.waitText("#event-merged-into", target.No)
	p.noRawKeys("merged event")
	p.click("#event-merged-into")
	p.waitFor("the target's page", fmt.Sprintf(`document.querySelector('#event-detail')?.dataset.eventId === %s`, jsString(target.ID)), `location.hash`)
	p.waitText("#event-merged-from", dup.No)
	p.shot("console-02-merged-from")
	p.click(fmt.Sprintf(`#event-merged-from [data-event-id="%s"] a`, dup.ID))
	p.waitFor("back on the merged event", fmt.Sprintf(`document.querySelector('#event-detail')?.dataset.eventId === %s`, jsString(dup.ID)), `location.hash`)

	// A department's handler lands on 待签收; the grid member on its own to-do.
	for _, c := range []struct{ role, queue string }{{"dept_handler", "待签收"}, {"grid_member", "待核查"}} {
		p.logout()
		p.loginAs(app, c.role)
		p.waitFor(c.role+"'s to-do", `location.hash.startsWith('#/events?tab=todo')`, `location.hash`)
		p.waitText("#event-todo-hint", c.queue)
		p.noRawKeys(c.role + "'s to-do")
	}

	// The auditor lands on the audit log, where the merge reads in words.
	p.logout()
	p.loginAs(app, "audit_admin")
	p.waitFor("the audit log", `location.hash.startsWith('#/audit')`, `location.hash`)
	p.visible("#audit-table")
	p.waitText("#audit-table", "事件 "+dup.No+"：待受理 → 已合并")
	body := evalJS[string](p, "the audit table", `document.querySelector('#audit-table').innerText`)
	for _, code := range []string{"reported→", "event.merge", dup.ID} {
		if strings.Contains(body, code) {
			t.Errorf("the audit table shows %q", code)
		}
	}
	p.noRawKeys("audit log")
	p.shot("console-03-audit-words")

	// The system administrator connects outside systems: the API documentation is in the menu.
	p.logout()
	p.loginAs(app, "sys_admin")
	p.visible(`#side-menu [data-menu="api-docs"]`)

	// In English a button says what to do ("Rate"), the timeline what was done.
	var closed ev
	gm.Do("POST", "/api/v1/events", map[string]any{"category_code": "0101", "description": "E2E 垃圾已清", "lat": lat, "lng": lng}, &closed)
	disp, handler := app.Login("dispatcher"), app.Login("dept_handler")
	cg := unitOf(t, disp, "441602-cg")
	for _, s := range []struct {
		c    *testapp.Client
		body map[string]any
	}{
		{intake, map[string]any{"action": "file"}},
		{disp, map[string]any{"action": "dispatch", "unit_ids": []string{cg}}},
		{handler, map[string]any{"action": "sign"}},
		{handler, map[string]any{"action": "report_result", "note": "已清运"}},
		{gm, map[string]any{"action": "check_pass"}},
	} {
		s.body["version"] = closed.Version
		if st := s.c.Do("POST", "/api/v1/events/"+closed.ID+"/actions", s.body, &closed); st != 200 {
			t.Fatalf("%v: %d", s.body["action"], st)
		}
	}
	p.logout()
	p.loginAs(app, "intake")
	p.open("/events/" + closed.ID)
	p.waitState("closed")
	p.click(`#lang-switch label:has(input[value="en"])`)
	p.waitText("#action-rate", "Rate")
	if got := p.text("#action-rate"); strings.TrimSpace(got) != "Rate" {
		t.Errorf("the rate button reads %q", got)
	}
	p.waitText("#event-timeline", "re-check passed")
	p.noRawKeys("closed event in English")
	p.shot("console-04-rate-in-english")
	p.click(`#lang-switch label:has(input[value="zh-CN"])`)
}

// unitOf returns the id of the unit with the given code.
func unitOf(t *testing.T, c *testapp.Client, code string) string {
	t.Helper()
	var units struct{ Items []struct{ ID, Code string } }
	c.Do("GET", "/api/v1/units", nil, &units)
	for _, u := range units.Items {
		if u.Code == code {
			return u.ID
		}
	}
	t.Fatalf("no unit %s", code)
	return ""
}
