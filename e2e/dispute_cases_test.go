package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

func accountNamed(app *testapp.App, username string) demo.Account {
	for _, a := range app.Demo.Accounts {
		if a.Username == username {
			return a
		}
	}
	return demo.Account{}
}

// waitCase waits for the case page to show the case in status.
func (p *page) waitCase(status string) {
	p.t.Helper()
	p.waitFor("the case "+status, fmt.Sprintf(`document.querySelector('#dispute-detail')?.dataset.status === %s`, jsString(status)),
		`document.querySelector('#dispute-detail')?.dataset.status`)
	p.settle()
}

// clickTab opens a pane of the case's step tabs.
func (p *page) clickTab(name string) {
	p.t.Helper()
	p.settle()
	p.click("#tab-" + name)
	p.settle()
}

// TestDisputeCaseDesktop walks one case through as the town's mediator:
// the intake form, a change of route, a session, the written agreement, and
// its A4 print view with the parties and the terms.
func TestDisputeCaseDesktop(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser walk: the full suite runs it")
	}
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	acc := accountNamed(app, "townmediator")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()

	p.open("/disputes")
	p.visible("#dispute-table")
	p.waitFor("the town's cases", `document.querySelectorAll('#dispute-table .dispute-row').length > 0`, `document.querySelectorAll('#dispute-table .dispute-row').length`)
	if names := p.text("#dispute-table .parties-masked"); !strings.Contains(names, "*") {
		t.Errorf("the list shows names unmasked: %q", names)
	}
	p.noRawKeys("the dispute list")
	p.shot("dispute-01-list")

	p.click("#dispute-new")
	p.visible("#dispute-form")
	p.settle()
	p.choose("#dispute-type", "邻里纠纷")
	p.setInput("#dispute-title", "E2E 楼道堆物纠纷")
	p.setTextArea("#dispute-facts", "两户因楼道堆放杂物多次争吵。")
	p.setInput(`[data-party="0"] .party-name input`, "周明远")
	p.setInput(`[data-party="0"] .party-phone input`, "13911112222")
	p.setInput(`[data-party="1"] .party-name input`, "吴晓红")
	p.click("#dispute-complexity label:first-child")
	p.choose("#dispute-route", "人民调解")
	p.setInput("#dispute-route-reason", "邻里小事，适宜人民调解")
	p.noRawKeys("the intake form")
	p.click("#dispute-submit")
	p.waitCase("accepted")
	p.waitText("#dispute-parties", "周明远")
	p.waitText("#dispute-parties", "139****2222")
	p.shot("dispute-02-case")

	p.clickTab("route")
	p.choose("#route-route", "行政调解")
	p.setInput("#route-reason", "涉及物业管理，转行政调解")
	p.click("#route-submit")
	p.waitText("#dispute-route-now", "行政调解")
	p.waitFor("the re-routing step", `!!document.querySelector('#dispute-timeline .dispute-step[data-action="reroute"]')`, `document.querySelector('#dispute-timeline')?.innerText`)

	p.clickTab("session")
	// The mediators are the register's: the town mediator's own entry is preselected.
	p.waitText(".el-form-item:has(#session-mediators)", "李秀英")
	p.setInput("#session-place", "上城街道调解室")
	p.setTextArea("#session-record", "双方陈述，同意清理楼道。")
	p.click("#session-submit")
	p.waitCase("mediating")

	p.clickTab("agreement")
	p.setTextArea("#agreement-issues", "楼道杂物的清理与今后使用。")
	p.setTextArea("#agreement-responsibilities", "堆物一方负主要责任。")
	p.setTextArea("#agreement-terms", "吴晓红于三日内清理楼道杂物，今后不再堆放")
	p.setInput("#agreement-manner", "自行清理")
	p.click("#agreement-submit")
	p.waitCase("settled")
	// 以案定补: closing credited the session's mediator.
	p.waitFor("the subsidy step", `!!document.querySelector('#dispute-timeline .dispute-step[data-action="subsidy"]')`, `document.querySelector('#dispute-timeline')?.innerText`)
	p.waitText(`#dispute-timeline .dispute-step[data-action="subsidy"]`, "李秀英")
	p.noRawKeys("the settled case")
	p.shot("dispute-03-settled")

	p.click("#dispute-print")
	p.visible("#agreement-sheet")
	p.waitText("#agreement-sheet h1", "人民调解协议书")
	p.waitText("#agreement-parties", "周明远")
	p.waitText("#agreement-parties", "吴晓红")
	p.waitText("#agreement-terms", "吴晓红于三日内清理楼道杂物")
	p.shot("dispute-04-agreement")
}

// TestDisputeSubsidies: a case of the town closes this month; the town's
// 司法所 opens 以案定补 from the menu, reads the county's rates (not its to
// change), finds its mediators' sheet with the credit, and opens a row's
// cases; the county's 司法局 changes a rate and the change is listed.
func TestDisputeSubsidies(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser walk: the full suite runs it")
	}
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	tm := app.LoginAs("townmediator")
	var c struct {
		ID    string `json:"id"`
		OrgID string `json:"org_id"`
	}
	var home string
	app.DB.Reader().QueryRowContext(t.Context(), "SELECT org_id FROM mediators WHERE name = '李秀英'").Scan(&home)
	if st := tm.Do("POST", "/api/v1/disputes", map[string]any{"source": "walk_in", "org_id": home, "type": "neighbour", "title": "E2E 以案定补",
		"facts": "两户争吵。", "complexity": "simple", "route": "people_mediation", "route_reason": "邻里小事",
		"parties": []map[string]string{{"role": "applicant", "name": "周明远"}}}, &c); st != 201 {
		t.Fatalf("intake: %d", st)
	}
	now := time.Now().UnixMilli()
	for _, s := range []struct {
		path string
		body any
	}{
		{"sessions", map[string]any{"at": now, "place": "调解室", "kind": "mediation", "record": "双方陈述。"}},
		{"outcome", map[string]any{"outcome": "oral_agreement", "note": "双方口头达成一致"}},
	} {
		if st := tm.Do("POST", "/api/v1/disputes/"+c.ID+"/"+s.path, s.body, nil); st != 200 {
			t.Fatalf("%s: %d", s.path, st)
		}
	}

	p := newPage(t, app.URL)
	acc := accountNamed(app, "sfschief")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.click(`#side-menu [data-menu="dispute-subsidies"]`)
	p.waitText("#subsidy-rates", "50.00")
	p.waitFor("the month's sheet", `[...document.querySelectorAll('#subsidy-sheet .subsidy-row')].some(r => r.innerText.includes('李秀英'))`,
		`document.querySelector('#subsidy-sheet')?.innerText`)
	if n := evalJS[int](p, "rate inputs", `document.querySelectorAll('#subsidy-rates input').length`); n != 0 {
		t.Errorf("the town's 司法所 may edit the county's rates: %d inputs", n)
	}
	p.noRawKeys("the subsidy sheet")
	p.shot("subsidy-01-sheet")
	p.settle()
	p.do("open a row", chromedp.Click(chromedp.CSS(`#subsidy-sheet .subsidy-row`)))
	p.waitFor("the row's cases", `document.querySelectorAll('#subsidy-cases .el-table__row').length > 0`, `document.querySelector('#subsidy-cases')?.innerText`)
	p.shot("subsidy-02-cases")

	q := newPage(t, app.URL)
	jus := accountNamed(app, "justice")
	q.login(jus, app.NextOTP(jus))
	q.visible(headerUser)
	q.landed()
	q.open("/dispute-subsidies")
	q.visible("#rate-simple-failed")
	q.settle()
	q.setInput("#rate-simple-failed", "35")
	evalJS[bool](q, "commit the amount", `(() => { document.querySelector('#rate-simple-failed').dispatchEvent(new Event('change', { bubbles: true })); return true })()`)
	q.click("#subsidy-rates-save")
	q.waitFor("the change listed", `document.querySelector('.el-collapse')?.innerText.includes('调整记录')`, `document.body.innerText.slice(0, 400)`)
	var table struct {
		Rates []struct {
			Complexity, Outcome string
			Amount              float64
		}
	}
	app.LoginAs("justice").Do("GET", "/api/v1/dispute-subsidy-rates", nil, &table)
	for _, r := range table.Rates {
		if r.Complexity == "simple" && r.Outcome == "failed" && r.Amount != 35 {
			t.Errorf("the rate saved: %+v", r)
		}
	}
	q.shot("subsidy-03-rates")
}

// TestDisputePhoneFiling: a grid member on a 390 px phone files a dispute
// from the field with one thumb; it lands as registered for the centre.
// Filed offline it waits on the phone and goes when the network is back.
func TestDisputePhoneFiling(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser walk: the full suite runs it")
	}
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "grid_member")
	p.visible(".m-head")
	p.click("#m-tab-dispute")
	p.visible("#m-dispute")
	p.settle()
	p.click(`#m-dispute-types [data-type="marriage_family"]`)
	p.setTextArea("#m-dispute-facts", "E2E 夫妻因赡养老人问题争吵，邻居报告。")
	p.setInput(`#m-dispute [data-party="0"] .m-party-name input`, "郑国平")
	p.setInput(`#m-dispute [data-party="0"] .m-party-phone input`, "13922223333")
	p.setInput(`#m-dispute [data-party="1"] .m-party-name input`, "郑秀兰")
	p.noRawKeys("the phone's dispute form")
	p.shot("dispute-05-phone-form")
	p.click("#m-dispute-submit")
	p.waitText("#m-dispute-done", "已上报")
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page is %v px wide", w)
	}

	// Offline: it waits on the phone, and goes when the phone is online.
	p.network(false)
	p.click(`#m-dispute-types [data-type="neighbour"]`)
	p.setTextArea("#m-dispute-facts", "E2E 离线上报的邻里纠纷。")
	p.setInput(`#m-dispute [data-party="0"] .m-party-name input`, "钱多多")
	p.click("#m-dispute-submit")
	p.waitText("#m-dispute-done", "已保存在手机上")
	p.visible("#m-dispute-queue")
	p.network(true)
	p.waitFor("the queue sent", `!document.querySelector('#m-dispute-queue')`, `document.querySelector('#m-dispute-queue')?.innerText`)

	var l struct {
		Items []struct{ Status, Source, Title string }
	}
	app.LoginAs("townmediator").Do("GET", "/api/v1/disputes?source=grid&status=registered&limit=200", nil, &l)
	found := 0
	for _, c := range l.Items {
		if strings.Contains(c.Title, "E2E") {
			found++
		}
	}
	if found != 2 {
		t.Errorf("the town's mediator sees %d of the phone's two reports: %+v", found, l.Items)
	}
}

// TestDisputeFromEventPage: on an event of a dispute category the town's
// mediator turns it into a case; the case links back to the event, and the
// event page then links to the case instead of offering the button again.
func TestDisputeFromEventPage(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser walk: the full suite runs it")
	}
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	ctx := audit.WithMeta(authz.WithPrincipal(context.Background(), authz.System()), audit.Meta{RequestID: "e2e", IP: "local"})
	var lat, lng float64
	if err := app.DB.Reader().QueryRowContext(ctx, `SELECT g.center_lat, g.center_lng FROM grids g JOIN org_nodes o ON o.id = g.org_id
		WHERE o.code = '441602001003' AND g.layer = 'zz' ORDER BY g.code LIMIT 1`).Scan(&lat, &lng); err != nil {
		t.Fatal(err)
	}
	ev, _, err := app.Events.Create(ctx, casework.Report{Channel: "grid", CategoryCode: "1101", Description: "E2E 两户因院墙归属争吵", Lat: &lat, Lng: &lng,
		ReporterName: "何大爷"}, casework.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	p := newPage(t, app.URL)
	acc := accountNamed(app, "townmediator")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.open("/events/" + ev.ID)
	p.visible("#event-to-dispute")
	p.settle()
	p.click("#event-to-dispute")
	p.waitCase("registered")
	p.waitText("#dispute-event-link", ev.No)
	p.waitText("#dispute-parties", "何大爷")
	p.click("#dispute-event-link")
	p.waitText("#event-dispute-link", "JF")
	p.noRawKeys("the event with its case")
}
