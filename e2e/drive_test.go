package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestDrives: the committee's office opens 专项行动 — the demo's running
// anti-fraud campaign with its lines lit and the figures per town, the
// clues counted but not shown — plans a new campaign, pushes its list down
// and sees every town's line; the police open a clue of their area (its
// text shown only there) and take it up.
func TestDrives(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/drives")
	p.waitFor("the county's campaigns", `document.querySelectorAll('[data-test=drive-list] .el-table__body tr').length === 4`,
		`document.querySelector('[data-test=drive-list]')?.innerText`)
	p.noRawKeys("the campaigns")
	p.shot("drive-01-list")

	p.clickText("[data-test=drive-list] .el-table__body tr", "断卡")
	p.waitFor("the lines with their lights", `document.querySelectorAll('[data-test=drive-assignments] .el-table__body tr .light').length > 100`,
		`document.querySelector('[data-test=drive-drawer]')?.innerText`)
	p.waitText("[data-test=drive-assignments]", "已逾期")
	p.clickText("[data-test=drive-filter-light] .el-radio-button", "红灯")
	p.waitFor("the red lines only", `[...document.querySelectorAll('[data-test=drive-assignments] .el-table__body tr')].every(r => r.innerText.includes('已逾期'))`,
		`document.querySelector('[data-test=drive-assignments]')?.innerText`)
	p.shot("drive-02-lines")
	p.clickText(".el-drawer .el-tabs__item", "各地成果")
	p.waitFor("a row a town, the unit and the total", `document.querySelectorAll('[data-test=drive-figures] .el-table__body tr').length === 10`,
		`document.querySelector('[data-test=drive-figures]')?.innerText`)
	p.waitText("[data-test=drive-figures]", "入户宣传")
	p.noRawKeys("the figures")
	p.shot("drive-03-figures")
	// The committee counts clues; it never reads one.
	noText := evalJS[bool](p, "no clue text on the committee's page", `!document.body.innerText.includes('收购银行卡')`)
	if !noText {
		t.Fatal("a clue's text on the committee's page")
	}

	// A new campaign: planned, then pushed down to every town.
	p.do("close the drawer", chromedp.KeyEvent("\x1b"))
	p.waitFor("the drawer to close", `!document.querySelector('[data-test=drive-drawer]')?.innerText`, `document.querySelector('[data-test=drive-drawer]')?.innerText`)
	p.click("[data-test=drive-new]")
	p.typeInto(".drive-name input", "防赌宣传月")
	p.typeInto("[data-test=drive-dialog] .atitle input", "村（社区）张贴防赌宣传海报")
	p.click("[data-test=drive-save]")
	p.waitText("[data-test=drive-drawer]", "草稿")
	p.waitText("[data-test=drive-actions]", "张贴防赌宣传海报")
	p.click("[data-test=drive-start]")
	p.click(".el-popconfirm .el-button--primary")
	p.waitText("[data-test=drive-drawer]", "进行中")
	p.waitFor("a grid line each", `document.querySelectorAll('[data-test=drive-assignments] .el-table__body tr').length > 100`,
		`document.querySelector('[data-test=drive-drawer]')?.innerText`)
	p.shot("drive-04-started")

	// The police's desk: the area's clues without their text; one opened.
	c := newPage(t, app.URL)
	c.loginAs(app, "police")
	c.open("/drive-clues")
	c.waitFor("the area's clues", `document.querySelectorAll('[data-test=clue-list] .el-table__body tr').length >= 8`,
		`document.querySelector('[data-test=clue-list]')?.innerText`)
	c.waitText("[data-test=clue-list]", "待核查")
	listed := evalJS[bool](c, "no text in the list", `!document.querySelector('[data-test=clue-list]').innerText.includes('出租屋')`)
	if !listed {
		t.Fatal("a clue's text in the list")
	}
	c.clickText("[data-test=clue-list] .el-table__body tr", "待核查")
	c.waitText("[data-test=clue-drawer]", "审计日志")
	c.waitFor("the clue's text", `document.querySelector('[data-test=clue-text]')?.innerText.length > 5`, `document.querySelector('[data-test=clue-drawer]')?.innerText`)
	c.noRawKeys("a clue")
	c.shot("drive-05-clue")
	c.click("[data-test=clue-handle]")
	c.waitText("[data-test=clue-drawer]", "核查中")
}
