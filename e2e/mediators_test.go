package e2e

import (
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestMediators: the village mediator opens 调解力量 from the menu, sees its
// committee with itself as chair and the village's 法律明白人, adds a new
// 法律明白人 with the land disputes they know best, and finds them listed
// with the phone masked.
func TestMediators(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	acc := app.Account("mediator")
	for _, a := range app.Demo.Accounts {
		if a.Username == "vmediator" {
			acc = a
		}
	}
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.click(`#side-menu [data-menu="mediators"]`)
	p.waitFor("the village's mediators", `document.querySelectorAll('#mediator-table .mediator-row').length >= 6`,
		`location.hash + ' ' + document.querySelector('#mediator-table')?.innerText`)
	first := p.text("#mediator-table .mediator-row:first-child")
	if !strings.Contains(first, "黄桂兰") || !strings.Contains(first, "主任") || !strings.Contains(first, "有账号") || !strings.Contains(first, "****") {
		t.Errorf("the first row is the committee's chair, masked: %q", first)
	}
	p.waitText("#mediator-counts", "法律明白人")
	p.noRawKeys("the mediators")
	p.shot("mediators-01-list")

	p.settle()
	p.click("#mediator-new")
	p.visible("#mediator-form-name")
	// The area is the village's own: every mediator listed is of it.
	p.waitText(".el-form-item:has(#mediator-form-org)", "下城社区")
	p.typeInto("#mediator-form-name", "罗永康")
	p.typeInto("#mediator-form-phone", "13927650011")
	p.click(".el-select:has(#mediator-form-specs) .el-select__wrapper")
	p.pickOption("山林土地纠纷")
	p.click("#mediator-form-name") // closes the options
	p.shot("mediators-02-new")
	p.click("#mediator-save")
	p.waitFor("the new 法律明白人 in the list", `[...document.querySelectorAll('#mediator-table .mediator-row')].some(r => r.innerText.includes('罗永康'))`,
		`document.querySelector('.el-form-item__error')?.innerText || document.querySelector('#mediator-table')?.innerText`)
	row := evalJS[string](p, "the new row", `[...document.querySelectorAll('#mediator-table .mediator-row')].find(r => r.innerText.includes('罗永康')).innerText`)
	if !strings.Contains(row, "法律明白人") || !strings.Contains(row, "山林土地纠纷") || !strings.Contains(row, "139****0011") {
		t.Errorf("the new row: %q", row)
	}
}
