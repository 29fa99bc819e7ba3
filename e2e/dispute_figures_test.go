package e2e

import (
	"context"
	"github.com/gridgov/gridgov/internal/testapp"

	"fmt"
	"strconv"
	"testing"
	"time"
)

// TestDisputeFigures: the county's leader opens 纠纷统计, reads the year's
// figures of the county's towns, clicks a count and lands on the case list
// with exactly that many cases; the dashboard shows the dispute card,
// which links back to the figures.
func TestDisputeFigures(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	acc := accountNamed(app, "leader")
	p.login(acc, app.NextOTP(acc))
	p.landed()

	now := time.Now().In(time.FixedZone("CST", 8*3600))
	// A petition of 上城街道 this month: the desk's figures by area name the town.
	var town string
	if err := app.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = ?", townCode).Scan(&town); err != nil {
		t.Fatal(err)
	}
	if st := app.LoginAs("xfclerk").Do("POST", "/api/v1/petitions", map[string]any{"received_on": now.Format("2006-01-02"), "channel": "visit", "org_id": town,
		"type": "property_mgmt", "title": "物业服务纠纷", "content": "反映小区物业服务不到位。", "people_count": 1,
		"petitioners": []map[string]string{{"name": "赵六", "phone": "13600001111"}}}, nil); st != 201 {
		t.Fatalf("a petition: %d", st)
	}
	p.open(fmt.Sprintf("/disputes/figures?from=%d-01&to=%s&by=area", now.Year(), now.Format("2006-01")))
	p.visible("#figures-table")
	p.waitFor("the figures", `document.querySelectorAll('#figures-table .figure-row').length > 0`, `document.querySelector('#figures-table')?.innerText`)
	p.waitText("#figures-petition-groups", "上城街道")
	p.noRawKeys("the figures page")
	p.settle()
	p.shot("dispute-figures-01-table")

	// A count of one row that fits one page of the list (50 cases).
	n := evalJS[int](p, "a count to follow", `(() => {
		for (const a of document.querySelectorAll('#figures-table .figure-row a.count')) {
			const n = Number(a.innerText)
			if (n > 1 && n <= 50) { a.id = 'figure-follow'; return n }
		}
		return 0
	})()`)
	if n == 0 {
		t.Fatal("no count between 2 and 50 to follow on the figures page")
	}
	p.click("#figure-follow")
	p.waitFor("the case list", `location.hash.startsWith('#/disputes?')`, `location.hash`)
	p.visible("#dispute-table")
	p.waitFor("the drilled-down cases", `document.querySelectorAll('#dispute-table .dispute-row').length === `+strconv.Itoa(n)+` && !document.querySelector('#dispute-more')`,
		`document.querySelectorAll('#dispute-table .dispute-row').length`)
	p.visible("#dispute-drill")
	p.settle()
	p.shot("dispute-figures-02-drilled")

	p.open("/dashboard")
	p.visible("#dash-disputes")
	p.waitFor("the dispute card", `Number(document.querySelector('#dash-disputes [data-dispute="year_accepted"] .num')?.innerText) > 0`,
		`document.querySelector('#dash-disputes')?.innerText`)
	p.settle()
	p.shot("dispute-figures-03-dashboard-card")
	p.click("#dash-disputes-more")
	p.waitFor("the figures from the card", `location.hash.startsWith('#/disputes/figures')`, `location.hash`)
	p.visible("#figures-table")
}

// TestEscalateOnCasePage: the village's mediator opens an open case of the
// village, sends it up to the town with a reason, and sees the level change
// and the step on the timeline.
func TestEscalateOnCasePage(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	var l struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	app.LoginAs("vmediator").Do("GET", "/api/v1/disputes?status=mediating&level=village&limit=1", nil, &l)
	if len(l.Items) == 0 {
		t.Fatal("no open village case in the demo")
	}
	p := newPage(t, app.URL)
	acc := accountNamed(app, "vmediator")
	p.login(acc, app.NextOTP(acc))
	p.landed()
	p.open("/disputes/" + l.Items[0].ID)
	p.waitFor("the village level", `document.querySelector('#dispute-level')?.dataset.level === 'village'`, `document.querySelector('#dispute-level')?.outerHTML`)
	p.settle()
	p.click("#tab-escalate")
	p.click("#escalate-submit") // no reason: refused under the field
	p.waitFor("the reason's error", `!!document.querySelector('#dispute-steps .el-form-item.is-error')`, `document.querySelector('#dispute-steps')?.innerText`)
	p.typeInto("#escalate-reason", "涉及两村土地边界，村级无法调处")
	p.click("#escalate-submit")
	p.waitFor("the town level", `document.querySelector('#dispute-level')?.dataset.level === 'town'`, `document.querySelector('#dispute-level')?.outerHTML`)
	p.waitFor("the step on the timeline", `!!document.querySelector('#dispute-timeline .dispute-step[data-action="escalate"]')`, `document.querySelector('#dispute-timeline')?.innerText`)
	p.noRawKeys("the escalated case")
	p.settle()
	p.shot("dispute-figures-04-escalated")
}
