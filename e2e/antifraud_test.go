package e2e

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestAntifraud: the police push a list pasted from their sheet — a bad
// phone named by its row first, nothing taken — and see how many were
// matched to a grid; the centre sees the figures per town, the masked
// names, and places a person no register knew on a grid.
func TestAntifraud(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	p := newPage(t, app.URL)
	p.loginAs(app, "police")
	p.open("/antifraud")
	p.waitFor("the figures per town", `document.querySelectorAll('[data-test=af-figures] .el-table__body tr').length === 9`,
		`document.querySelector('[data-test=af-figures]')?.innerText`)
	p.click("[data-test=af-push]")
	p.typeInto(".af-ref input", "FZYJ-E2E-001")
	p.setTextArea(".af-rows textarea", "张三\t1380013\t某小区\t高\t正在被诱导转账\n李四\t13900139000\t某村\t中\t接到冒充客服电话")
	p.click("[data-test=af-send]")
	p.waitText("[data-test=af-row-errors]", "第 1 行")
	p.shot("antifraud-01-row-error")
	p.setTextArea(".af-rows textarea", "张三\t13800138000\t某小区\t高\t正在被诱导转账\n李四\t13900139000\t某村\t中\t接到冒充客服电话")
	p.click("[data-test=af-send]")
	p.waitFor("the list taken", `!document.querySelector('[data-test=af-push-dialog] .af-rows')?.offsetParent`, `document.querySelector('[data-test=af-row-errors]')?.innerText`)
	var total, matched int
	app.DB.Reader().QueryRowContext(context.Background(), "SELECT total, matched FROM antifraud_batches WHERE source_ref = 'FZYJ-E2E-001'").Scan(&total, &matched)
	if total != 2 || matched != 0 {
		t.Fatalf("the list: %d people, %d matched", total, matched)
	}

	c := newPage(t, app.URL)
	c.loginAs(app, "intake")
	c.open("/antifraud")
	c.waitFor("the figures per town", `document.querySelectorAll('[data-test=af-figures] .el-table__body tr').length === 9`,
		`document.querySelector('[data-test=af-figures]')?.innerText`)
	c.clickText("[data-test=af-status] .el-radio-button", "未匹配网格")
	c.waitText("[data-test=af-list]", "未匹配到网格")
	noClear := evalJS[bool](c, "no name in clear", `!document.querySelector('[data-test=af-list]').innerText.includes('张三')`)
	if !noClear {
		t.Fatal("a name in clear on the centre's list")
	}
	c.noRawKeys("the centre's list")
	c.shot("antifraud-02-unmatched")
	c.clickText("[data-test=af-list] .el-table__body tr", "张*")
	c.waitText("[data-test=af-drawer]", "指定网格")
	c.click("[data-test=af-grid]")
	c.clickText(".el-select-dropdown__item", "第1网格")
	c.click("[data-test=af-assign]")
	c.waitText("[data-test=af-drawer]", "第1网格")
	c.shot("antifraud-03-assigned")
}
