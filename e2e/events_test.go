package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestEventLoop follows one event through the whole loop in the console,
// each role in its turn: the grid member reports it on the report form, the
// intake clerk files it, the dispatcher sends it to the 城管 department, the
// department's handler signs for it and reports the result, and the grid
// member passes the check. The detail then shows it closed, with every step
// in the timeline.
func TestEventLoop(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	lat, lng := pointInGrid(t, app.Login("grid_member"), "441602001003")

	// 1. The grid member reports it.
	p.loginAs(app, "grid_member")
	p.open("/events/new")
	p.visible("#report-form")
	p.click("#report-category")
	p.pickOption("暴露垃圾")
	p.typeInto("#report-description", "E2E 小区门口垃圾堆积")
	p.setNumber("#report-lat", lat)
	p.setNumber("#report-lng", lng)
	p.waitFor("the grid of the point", `!!document.querySelector('#report-grid')`, `document.querySelector('.pick-info')?.innerText`)
	p.noRawKeys("report form")
	p.shot("01-events-report-form")
	p.click("#report-submit")
	p.visible("#report-done")
	id := evalJS[string](p, "the new event's id", `document.querySelector('#report-done').dataset.eventId`)
	if id == "" {
		t.Fatal("no event id after the report")
	}
	p.shot("02-events-reported")

	// 2. The intake clerk files it (the queue shows it first).
	p.logout()
	p.loginAs(app, "intake")
	p.open("/events")
	row := fmt.Sprintf(`#event-table tr[data-event-id="%s"]`, id)
	p.visible(row)
	p.noRawKeys("event queue")
	p.shot("03-events-queue")
	p.click(row + " td:nth-child(5)")
	p.waitState("reported")
	p.click("#action-file")
	p.visible("#action-confirm")
	p.settle()
	// A grid member's report is private until the clerk publishes it with a
	// summary for the public; the internal note stays inside.
	p.click("#action-publish .el-radio-button:first-child")
	p.visible("#action-public-description")
	p.typeInto("#action-public-description", "E2E 下城社区垃圾清运")
	p.typeInto("#action-note", "E2E 内部意见")
	p.typeInto("#action-public-note", "E2E 已立案")
	p.shot("04-events-file-dialog")
	p.click("#action-confirm")
	p.waitState("filed")
	p.waitText("#event-published", "已公开")

	// 3. The dispatcher sends it to the 城管 department, as lead.
	p.logout()
	p.loginAs(app, "dispatcher")
	p.open("/events/" + id)
	p.waitState("filed")
	p.click("#action-dispatch")
	p.visible("#action-units")
	p.settle() // a click on the opening (moving) dialog is lost
	p.click("#action-units")
	p.pickOption("城市管理")
	p.click(".el-dialog__header") // close the dropdown
	p.waitFor("the lead unit", `!!document.querySelector('#action-lead')?.closest('.el-select')?.innerText.includes('城市管理')`,
		`document.querySelector('#action-lead')?.closest('.el-select')?.innerText`)
	p.shot("05-events-dispatch-dialog")
	p.click("#action-confirm")
	p.waitState("dispatched")

	// 4. The handler of the department signs and reports the result.
	p.logout()
	p.loginAs(app, "dept_handler")
	p.open("/events/" + id)
	p.waitState("dispatched")
	p.click("#action-sign")
	p.settle() // a click on the opening (moving) dialog is lost
	p.click("#action-confirm")
	p.waitState("handling")
	p.click("#action-report_result")
	p.visible("#action-note")
	p.typeInto("#action-note", "已清运完毕")
	p.shot("06-events-report-result")
	p.click("#action-confirm")
	p.waitState("handled")

	// 5. The grid member passes the check: closed.
	p.logout()
	p.loginAs(app, "grid_member")
	p.open("/events/" + id)
	p.waitState("handled")
	p.click("#action-check_pass")
	p.settle() // a click on the opening (moving) dialog is lost
	p.click("#action-confirm")
	p.waitState("closed")
	p.waitText("#event-state", "已结案")
	steps := evalJS[[]string](p, "the timeline", `[...document.querySelectorAll('#event-timeline .tl-step')].map(e => e.dataset.action)`)
	for _, want := range []string{"report", "file", "dispatch", "sign", "report_result", "check_pass"} {
		if !slices.Contains(steps, want) {
			t.Errorf("timeline %v lacks %s", steps, want)
		}
	}
	p.waitText("#event-timeline", "核查通过")
	p.waitText("#event-timeline", "城市管理")
	p.waitText("#event-timeline", "E2E 已立案")
	p.noRawKeys("closed event")
	p.shot("07-events-closed")

	// Open311 shows the summary and the note for the public, not the
	// description or the internal note.
	var ev struct{ No string }
	app.Login("intake").Do("GET", "/api/v1/events/"+id, nil, &ev)
	body := string(app.Anon().Raw("GET", "/open311/v2/requests/"+ev.No+".json", "", nil).Body)
	if !strings.Contains(body, "E2E 下城社区垃圾清运") || strings.Contains(body, "小区门口垃圾堆积") || strings.Contains(body, "内部意见") {
		t.Errorf("Open311 answer: %s", body)
	}
}

// loginAs signs in as the demo account of role (with its one-time code, if it has TOTP) and waits for the console.
func (p *page) loginAs(app *testapp.App, role string) {
	p.t.Helper()
	p.login(app.Account(role), app.NextOTP(app.Account(role)))
	p.visible(headerUser + ", .m-head") // field roles on a phone land on the phone page
	p.landed()
}

// landed waits until the sign-in has left the login route for the first
// page: the header shows before that redirect is done, and a page opened
// in between would be replaced by it.
func (p *page) landed() {
	p.t.Helper()
	p.waitFor("the first page after sign-in", `!location.hash.startsWith('#/login')`, `location.hash`)
}

// logout signs out through the header button.
func (p *page) logout() {
	p.t.Helper()
	p.click("#logout-button")
	p.visible("#login-username")
}

// waitState waits for the event detail to show the state.
func (p *page) waitState(state string) {
	p.t.Helper()
	p.visible("#event-detail")
	p.waitFor("the event in state "+state,
		fmt.Sprintf(`document.querySelector('#event-state')?.dataset.state === %s && [...document.querySelectorAll('.el-dialog')].every(d => d.offsetParent === null)`, jsString(state)),
		`document.querySelector('#event-state')?.dataset.state`)
	p.settle()
}

// pickOption clicks the visible option of an open select whose text contains text.
func (p *page) pickOption(text string) {
	p.t.Helper()
	p.waitFor("option "+text, fmt.Sprintf(`(() => {
		document.querySelectorAll('[data-e2e-pick]').forEach(e => e.removeAttribute('data-e2e-pick'));
		const o = [...document.querySelectorAll('.el-select-dropdown__item')].find(e => e.offsetParent !== null && e.innerText.includes(%s));
		if (!o) return false;
		// and the dropdown has stopped moving: the popper places it after it
		// shows, and a click on a moving option is lost
		const r = o.getBoundingClientRect(), at = [r.x, r.y, r.width, r.height].join();
		if (o.dataset.e2eAt !== at) { o.dataset.e2eAt = at; return false; }
		o.setAttribute('data-e2e-pick', '1');
		return true;
	})()`, jsString(text)), `[...document.querySelectorAll('.el-select-dropdown__item')].filter(e => e.offsetParent !== null).length`)
	p.click(`[data-e2e-pick="1"]`)
	p.waitFor("the option "+text+" chosen", `!!document.querySelector('[data-e2e-pick="1"]')?.classList.contains('is-selected')`, `document.querySelector('[data-e2e-pick="1"]')?.className`)
}

// setNumber types a number into an el-input-number (by its id) and commits it.
func (p *page) setNumber(sel string, v float64) {
	p.t.Helper()
	p.visible(sel)
	input := sel
	if !evalJS[bool](p, "input of "+sel, fmt.Sprintf(`document.querySelector(%s).tagName === 'INPUT'`, jsString(sel))) {
		input = sel + " input"
	}
	p.do("type into "+input,
		chromedp.Click(chromedp.CSS(input)),
		chromedp.SendKeys(chromedp.CSS(input), fmt.Sprintf("%.6f", v)),
		chromedp.Blur(chromedp.CSS(input)))
}

// pointInGrid is a point inside one of the grids of the village with code, as /locate confirms.
func pointInGrid(t *testing.T, c *testapp.Client, code string) (lat, lng float64) {
	t.Helper()
	node, _ := apiNodeByCode(t, c, code)
	var fc struct {
		Features []struct {
			Geometry struct {
				Type        string `json:"type"`
				Coordinates any    `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if st := c.Do("GET", "/api/v1/grids/geojson?org_id="+node.ID+"&layer=zz", nil, &fc); st != 200 {
		t.Fatalf("GET /grids/geojson: %d", st)
	}
	for _, f := range fc.Features {
		ring := firstRing(f.Geometry.Coordinates)
		if len(ring) == 0 {
			continue
		}
		var sx, sy float64
		for _, pt := range ring {
			sx += pt[0]
			sy += pt[1]
		}
		lng, lat = sx/float64(len(ring)), sy/float64(len(ring))
		var found []struct {
			Layer  string `json:"layer"`
			GridID string `json:"grid_id"`
		}
		if st := c.Do("GET", fmt.Sprintf("/api/v1/locate?lat=%f&lng=%f", lat, lng), nil, &found); st == 200 {
			for _, r := range found {
				if r.Layer == "zz" && r.GridID != "" {
					return lat, lng
				}
			}
		}
	}
	t.Fatalf("no point inside a grid of %s", code)
	return 0, 0
}

// firstRing digs the first linear ring out of Polygon or MultiPolygon coordinates.
func firstRing(c any) [][2]float64 {
	arr, ok := c.([]any)
	if !ok || len(arr) == 0 {
		return nil
	}
	if pt, ok := arr[0].([]any); ok && len(pt) >= 2 {
		if _, isNum := pt[0].(float64); isNum {
			out := make([][2]float64, 0, len(arr))
			for _, e := range arr {
				q := e.([]any)
				out = append(out, [2]float64{q[0].(float64), q[1].(float64)})
			}
			if len(out) > 1 && out[0] == out[len(out)-1] {
				out = out[:len(out)-1]
			}
			return out
		}
	}
	return firstRing(arr[0])
}
