package e2e

import (
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestSafetyIndex: the county's leader opens 平安指数 and sees last month's
// ranking of the towns (published by the demo) with a light in every
// indicator column, opens a town's indicators and the records behind its
// patrol coverage.
func TestSafetyIndex(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.loginAs(app, "leader")
	p.open("/safety-index")
	p.waitText(".safety .toolbar", "已发布")
	p.waitFor("the towns' ranking with lights", `document.querySelectorAll('[data-test=safety-ranking] .el-table__body tr').length > 1
		&& document.querySelectorAll('[data-test=safety-ranking] .el-table__body tr .light').length >= 8`, `document.querySelector('.safety')?.innerText`)
	p.noRawKeys("the ranking")
	p.shot("safety-01-ranking")

	p.click("[data-test=safety-ranking] .el-table__body tr:first-child .el-link")
	p.waitText(".el-drawer", "网格巡查覆盖率")
	p.clickText(".el-drawer .el-table__body tr", "网格巡查覆盖率")
	p.waitFor("the patrol coverage's grids", `document.querySelectorAll('[data-test=safety-drill] .el-table__body tr').length > 0`,
		`document.querySelector('[data-test=safety-drill]')?.innerText`)
	p.waitText("[data-test=safety-drill]", "已巡")
	p.noRawKeys("the drill-down")
	p.shot("safety-02-drill-down")
}
