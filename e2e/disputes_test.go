package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestTownDisputeUnits signs in as each of the town's dispute accounts: each
// lands on a page of its menu, in words. The town's mediator opens its town
// on the org page and finds the units disputes go to: the 综治中心, 派出所,
// 司法所 and 人民法庭; a village shows its 人民调解委员会 and 法官工作室.
func TestTownDisputeUnits(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)

	for i, user := range []string{"sfschief", "pcschief", "judge", "townmediator"} {
		if i > 0 {
			p.logout()
		}
		var acc = app.Account("resident")
		for _, a := range app.Demo.Accounts {
			if a.Username == user {
				acc = a
			}
		}
		p.login(acc, app.NextOTP(acc))
		p.visible(headerUser)
		p.landed()
		p.waitFor(user+"'s first page", `!!document.querySelector('#side-menu .el-menu-item.is-active')`, `location.hash`)
		p.noRawKeys(user + "'s first page")
	}

	var town, village string
	q := app.DB.Reader()
	if err := q.QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = ?", townCode).Scan(&town); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = '441602001003'").Scan(&village); err != nil {
		t.Fatal(err)
	}
	p.open("/org?id=" + town)
	p.waitText("#org-detail .org-code", townCode)
	for kind, name := range map[string]string{"center": "上城街道综治中心", "police_station": "源城区公安分局上城派出所",
		"justice_office": "源城区司法局上城司法所", "tribunal": "源城区人民法院上城人民法庭"} {
		p.waitText(fmt.Sprintf(`#org-units tr:has(.unit-kind[data-kind="%s"]) .unit-name`, kind), name)
	}
	p.waitText(`#org-units .unit-kind[data-kind="police_station"]`, "派出所")
	p.noRawKeys("the town's units")
	p.shot("disputes-01-town-units")

	p.open("/org?id=" + village)
	p.waitText("#org-detail .org-code", "441602001003")
	p.waitText(`#org-units tr:has(.unit-kind[data-kind="mediation_committee"]) .unit-name`, "下城社区人民调解委员会")
	p.waitText(`#org-units tr:has(.unit-kind[data-kind="judge_studio"]) .unit-name`, "下城社区法官工作室")
	p.noRawKeys("the village's units")
}

// TestTownUnitsOnAPhone: the town's mediator, out in the town with a 390 px
// phone, opens the town on the org page and reads its dispute units within
// the screen.
func TestTownUnitsOnAPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, a := range app.Demo.Accounts {
		if a.Username == "townmediator" {
			p.login(a, app.NextOTP(a))
		}
	}
	p.visible("#menu-button")
	p.landed()
	var town string
	if err := app.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = ?", townCode).Scan(&town); err != nil {
		t.Fatal(err)
	}
	p.open("/org?id=" + town)
	p.waitText(`#org-units tr:has(.unit-kind[data-kind="tribunal"]) .unit-name`, "源城区人民法院上城人民法庭")
	// within the screen, and the screen's width rather than squeezed beside the tree
	p.waitFor("the units within the screen", `document.documentElement.scrollWidth <= innerWidth
		&& document.querySelector('#org-units').getBoundingClientRect().right <= innerWidth
		&& document.querySelector('#org-units').getBoundingClientRect().width >= 300`,
		`[document.documentElement.scrollWidth, innerWidth, document.querySelector('#org-units').getBoundingClientRect().right]`)
	p.noRawKeys("the town's units on a phone")
	p.shot("disputes-02-town-units-phone")
}
