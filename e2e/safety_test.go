package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/safety"
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

	// The map: the towns coloured by their index, a tooltip on each.
	p.do("close the drawer", chromedp.KeyEvent("\x1b"))
	p.openTab("地图")
	p.waitFor("the towns on the map", `document.querySelectorAll('[data-test=safety-map] path.leaflet-interactive').length === 8`,
		`document.querySelector('[data-test=safety-map]')?.innerHTML.length`)
	p.shot("safety-08-map")

	// The quarter's review and the year's assessment.
	p.openTab("季研判")
	p.waitFor("the quarter's areas and decisions", `document.querySelectorAll('[data-test=review-areas] .el-table__body tr').length === 9
		&& document.querySelectorAll('[data-test=review-decisions] .el-table__body tr').length === 2`, `document.querySelector('[data-test=safety-review]')?.innerText`)
	p.noRawKeys("the review")
	p.shot("safety-09-review")
	p.openTab("年考评")
	p.waitFor("the year's areas and items", `document.querySelectorAll('[data-test=year-areas] .el-table__body tr').length === 9
		&& document.querySelectorAll('[data-test=year-items] .el-table__body tr').length === 3`, `document.querySelector('[data-test=safety-year]')?.innerText`)
	p.noRawKeys("the year")
	p.shot("safety-10-year")
}

// TestSafetyReport: the police's statistician fills in this month's
// figures of every town with the document they come from and submits them
// on time; the committee's office sees the police's report green and the
// emergency bureau's still due, and opens the figures.
func TestSafetyReport(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	month := time.Now().In(safety.Zone).Format("2006-01")
	p := newPage(t, app.URL)
	p.loginAs(app, "safety_reporter")
	p.open("/safety-report?month=" + month)
	p.waitText("[data-test=report-status]", "未到截止日")
	p.waitFor("the towns' inputs", `document.querySelectorAll('[data-test=report-table] input').length === 48`, `document.querySelector('.safety-report')?.innerText`)
	evalJS[bool](p, "fill every figure", `(() => {
		const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
		document.querySelectorAll('[data-test=report-table] input').forEach((el, i) => {
			set.call(el, String(i % 4));
			el.dispatchEvent(new Event('input', { bubbles: true }));
			el.dispatchEvent(new Event('change', { bubbles: true }));
		});
		return true;
	})()`)
	p.typeInto(".evidence textarea", "公安分局本月警情统计月报")
	p.noRawKeys("the report form")
	p.shot("safety-03-unit-report")
	p.click("[data-test=report-submit]")
	p.waitText("[data-test=report-status]", "按时报送")

	l := newPage(t, app.URL)
	l.loginAs(app, "intake")
	l.open("/safety-index")
	l.openTab("上报情况")
	l.waitFor("both units' reports", `document.querySelectorAll('[data-test=safety-unit-reports] .el-table__body tr').length === 2`,
		`document.querySelector('[data-test=safety-unit-reports]')?.innerText`)
	l.waitText("[data-test=safety-unit-reports]", "应急管理局")
	l.waitText("[data-test=safety-unit-reports]", "按时报送")
	l.clickText("[data-test=safety-unit-reports] .el-table__body tr:first-child button", "查看")
	l.waitText("[data-test=safety-unit-report]", "月度统计报表")
	l.noRawKeys("the units' reports")
	l.shot("safety-04-unit-reports")
}

// TestSafetyBulletin: the committee's office opens last month's bulletin
// (issued by the demo) — its number, the towns' ranking, the charts and
// the comments on an A4 sheet — and drafts this month's comments, which
// cannot be issued before the month is published.
func TestSafetyBulletin(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/safety-index")
	p.waitText(".safety .toolbar", "已发布")
	p.click("[data-test=safety-bulletin]")
	p.waitText("[data-test=bulletin-status]", "年第")
	p.waitFor("the ranking and the charts", `document.querySelectorAll('[data-test=bulletin-ranking] tbody tr').length === 8
		&& document.querySelectorAll('#bulletin-sheet svg rect').length === 8 && document.querySelectorAll('#bulletin-sheet svg circle').length === 12`,
		`document.querySelector('#bulletin-sheet')?.innerText`)
	p.waitText("[data-test=bulletin-summary]", "平安指数为")
	p.waitText("[data-test=bulletin-comments-text]", "排名末位")
	p.noRawKeys("the bulletin")
	p.shot("safety-05-bulletin")

	root := evalJS[string](p, "the root", `location.hash.split('/')[3]`)
	p.open("/print/safety/" + root + "/" + time.Now().In(safety.Zone).Format("2006-01"))
	p.waitText("[data-test=bulletin-status]", "草稿")
	p.typeInto(".print-tools.edit textarea", "请各乡镇（街道）对照红灯指标逐项整改。")
	p.click("[data-test=bulletin-save]")
	p.waitText("[data-test=bulletin-comments-text]", "逐项整改")
	p.waitFor("issuing waits for publication", `document.querySelector('[data-test=bulletin-issue]').disabled`, `document.querySelector('.print-tools.edit')?.innerText`)
}

// TestSafetyTasks: the committee's office sees the tasks' lights rolled
// up per town and unit, shows only the red ones, gives a town a new task;
// the police's statistician reports progress on its unit's task, reaching
// a milestone.
func TestSafetyTasks(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/safety-tasks")
	p.waitFor("the rollup and the tasks", `document.querySelectorAll('[data-test=task-rollup] .cell').length >= 8
		&& document.querySelectorAll('[data-test=task-list] .el-table__body tr').length > 20`, `document.querySelector('.safety-tasks')?.innerText`)
	p.noRawKeys("the tasks")
	p.shot("safety-06-tasks")
	p.click("[data-test=tasks-red]")
	p.waitFor("only the red tasks", `(() => {
		const rows = [...document.querySelectorAll('[data-test=task-list] .el-table__body tr')];
		return rows.length > 0 && rows.every(r => /逾期未完成|判定未完成/.test(r.innerText));
	})()`, `document.querySelector('[data-test=task-list]')?.innerText`)
	p.click("[data-test=tasks-red]")

	p.click("[data-test=task-new]")
	p.visible("[data-test=task-dialog] [data-test=task-title]")
	p.typeInto("[data-test=task-dialog] [data-test=task-title]", "节前矛盾纠纷大排查")
	p.click("[data-test=task-dialog] [data-test=task-town]")
	p.clickText(".el-select-dropdown__item", "上城街道")
	p.click("[data-test=task-create]")
	p.waitText("[data-test=task-list]", "节前矛盾纠纷大排查")

	g := newPage(t, app.URL)
	g.loginAs(app, "safety_reporter")
	g.open("/safety-tasks")
	g.waitText("[data-test=task-list]", "断卡")
	g.clickText("[data-test=task-list] .el-table__body tr", "断卡")
	g.visible("[data-test=task-report]")
	g.typeInto("[data-test=task-report] textarea", "已核查涉诈两卡开户人员 120 人")
	g.click("[data-test=task-report] .el-select")
	g.clickText(".el-select-dropdown__item", "第1阶段")
	g.click("[data-test=task-report-send]")
	g.waitText("[data-test=task-drawer] .el-timeline", "120 人")
	g.shot("safety-07-task-progress")
}

// TestSafetyCells: the committee's office sees each town's coverage of
// each kind of safe cell, applies for a 平安村 on a village with its
// self-assessment, records the inspection and approves it.
func TestSafetyCells(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/safety-cells")
	p.waitFor("the towns' coverage", `document.querySelectorAll('[data-test=cell-coverage] .el-table__body-wrapper tr').length === 9`,
		`document.querySelector('.safety-cells')?.innerText`)
	p.noRawKeys("the coverage")
	p.shot("safety-11-cells")

	p.click("[data-test=cell-new]")
	p.click("[data-test=cell-dialog] .el-select")
	p.clickText(".el-select-dropdown__item", "平安景区")
	p.click("[data-test=cell-dialog] [data-test=cell-town]")
	p.clickText(".el-select-dropdown__item", "上城街道")
	p.click("[data-test=cell-dialog] [data-test=cell-village]")
	p.clickText(".el-select-dropdown__item", "下城社区")
	p.typeInto("[data-test=cell-dialog] input[data-test=cell-name], [data-test=cell-dialog] [data-test=cell-name] input", "越王山景区")
	p.click("[data-test=cell-submit]")
	p.waitFor("the dialog closed", `[...document.querySelectorAll('.el-overlay')].every(o => o.style.display === 'none' || o.offsetParent === null)`, `document.body.innerText.slice(0, 300)`)
	p.openTab("申请与审核")
	p.waitText("[data-test=cell-list]", "越王山景区")
	p.clickText("[data-test=cell-list] .el-table__body tr", "越王山景区")
	p.visible("[data-test=cell-inspect]")
	p.typeInto("[data-test=cell-drawer] textarea", "经现场检查，各项标准达到。")
	p.click("[data-test=cell-inspect]")
	p.visible("[data-test=cell-approve]")
	p.click("[data-test=cell-approve]")
	p.waitText("[data-test=cell-drawer]", "有效期")
	p.shot("safety-12-cell-approved")
}
