package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/situation"
	"github.com/gridgov/gridgov/internal/testapp"
)

// clickIn clicks the element matching button inside the first visible
// element under rows whose text contains text (a row's action button).
func (p *page) clickIn(rows, text, button string) {
	p.t.Helper()
	p.waitFor("a row with "+text, fmt.Sprintf(`(() => {
		document.querySelectorAll('[data-e2e-click]').forEach(e => e.removeAttribute('data-e2e-click'));
		const r = [...document.querySelectorAll(%s)].find(e => e.offsetParent !== null && e.innerText.includes(%s));
		const b = r && r.querySelector(%s);
		if (!b) return false;
		b.setAttribute('data-e2e-click', '1');
		return true;
	})()`, jsString(rows), jsString(text), jsString(button)), `document.querySelector(`+jsString(rows)+`)?.innerText`)
	p.click(`[data-e2e-click="1"]`)
}

// TestSituationRoom: the centre's office reads the day's 三情 — counts by
// kind beside the day before — and records its judgement; enters a
// situation by hand (a bad ID number named beside its person first), picking
// the town and village, and finds it in the register and its drawer with
// the person masked; pastes two rows from a sheet, the bad one named by its
// row, then fixed and taken; and at this week's scheduling meeting decides
// on a serious situation of the agenda, pushing a task to its town, whose
// light then shows.
func TestSituationRoom(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	intake := app.Login("intake")
	county := apiRoots(t, intake)[0]
	town := apiChildren(t, intake, county.ID)[0]
	village := apiChildren(t, intake, town.ID)[0]
	base := "/api/v1/situation-areas/" + county.ID

	// A serious situation of today for the agenda, and one of yesterday
	// for the change (whatever the demo holds besides).
	now := time.Now().In(situation.Zone)
	minute := func(t time.Time) string { return t.Format("2006-01-02 15:04") }
	for _, in := range []situation.Input{
		{Kind: "police", Category: "public_order", Level: "serious", OccurredAt: minute(now), Place: "E2E 调度事项 建设路口", Area: village.ID, Summary: "两伙人在路口发生冲突，已控制"},
		{Kind: "opinion", Category: "negative", OccurredAt: minute(now.Add(-24 * time.Hour)), Place: "E2E 昨日舆情 县政府网站", Area: town.ID, Summary: "网民发帖反映道路施工扰民"},
	} {
		if st := intake.Do("POST", base+"/situations", in, nil); st != 201 {
			t.Fatalf("enter %s: %d", in.Place, st)
		}
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/situations")

	// 今日研判: the day's counts and the judgement.
	p.waitText("[data-test=sit-total]", "当日共")
	p.waitText("[data-test=sit-kinds]", "警情")
	p.waitText("[data-test=sit-day-items]", "E2E 调度事项")
	p.visible(".sit-judge-text textarea")
	p.noRawKeys("the analysis")
	p.shot("situation-01-analysis")
	p.setTextArea(".sit-judge-text textarea", "今日警情以治安为主，建设路口冲突已控制，请城区派出所加强夜间巡逻。")
	p.click("[data-test=sit-judge]")
	p.waitText("[data-test=sit-judgement]", "研判人")
	evalJS[bool](p, "the judgement into view", `(document.querySelector('[data-test=sit-judgement]').scrollIntoView({ block: 'end' }), true)`)
	p.shot("situation-02-judgement")

	// 三情台账: one by hand, a bad ID number named beside its person first.
	p.openTab("三情台账")
	p.waitText("[data-test=sit-list]", "E2E 调度事项")
	p.openDialog("[data-test=sit-enter]", "[data-test=sit-enter-dialog] .sit-enter-form")
	p.clickText("[data-test=sit-e-kind] .el-radio-button", "访情")
	p.clickText("[data-test=sit-e-category] .el-radio-button", "集体访")
	p.typeInto(".sit-e-place input", "E2E 登记 人民广场东侧")
	p.choose("#sit-e-town", town.Name)
	p.choose("#sit-e-village", village.Name)
	p.setTextArea(".sit-e-summary textarea", "二十余名业主聚集反映房屋延期交付")
	p.click("[data-test=sit-e-add-person]")
	p.typeInto(".sit-e-pname input", "王建国")
	p.typeInto(".sit-e-pid input", "123")
	p.click("[data-test=sit-e-save]")
	p.visible("[data-test=sit-e-person-error]")
	p.shot("situation-03-enter-error")
	p.setInput(".sit-e-pid input", "")
	p.click("[data-test=sit-e-save]")
	p.dialogClosed()
	p.clickText("[data-test=sit-list] .el-table__body tr", "E2E 登记 人民广场东侧")
	p.waitText("[data-test=sit-drawer]", "王**")
	p.waitText("[data-test=sit-drawer]", village.Name)
	if strings.Contains(p.text("[data-test=sit-drawer]"), "王建国") {
		t.Fatal("the person in clear in the drawer")
	}
	p.noRawKeys("the drawer")
	p.shot("situation-04-drawer")
	p.click("[data-test=sit-drawer] .el-drawer__close-btn")
	p.waitFor("the drawer to close", `!document.querySelector('[data-test=sit-drawer]')?.offsetParent`, "")

	// 从表格粘贴: two rows, the second with a category no one knows.
	row := func(place, category string) string {
		return strings.Join([]string{minute(now), "警情", category, "一般", place, village.Code, "", "", "商铺门前两车剐蹭引发争执", "李某、赵某", ""}, "\t")
	}
	p.openDialog("[data-test=sit-paste]", "[data-test=sit-sheet-dialog] .sit-sheet-text")
	p.setTextArea(".sit-sheet-text textarea", row("E2E 粘贴 一号路", "交通")+"\n"+row("E2E 粘贴 二号路", "乱停车"))
	p.waitText("[data-test=sit-sheet-preview]", "E2E 粘贴 二号路")
	p.click("[data-test=sit-sheet-send]")
	p.waitText("[data-test=sit-sheet-errors]", "第 2 行「分类」")
	p.shot("situation-05-sheet-error")
	p.setTextArea(".sit-sheet-text textarea", row("E2E 粘贴 一号路", "交通")+"\n"+row("E2E 粘贴 二号路", "纠纷"))
	p.click("[data-test=sit-sheet-send]")
	p.dialogClosed()
	p.waitText("[data-test=sit-list]", "E2E 粘贴 二号路")

	// 每周调度: this week's meeting (called now when there is none), a
	// decision on the serious one pushing a task to its town.
	p.openTab("每周调度")
	p.click("[data-test=sit-week-meeting]")
	opened := pollJS[string](p, "the meeting or its dialog", `document.querySelector('[data-test=sit-meeting] [data-test=sit-agenda]')?.offsetParent ? 'meeting'
		: document.querySelector('[data-test=sit-meeting-dialog] .sit-m-chair')?.offsetParent ? 'dialog' : ''`)
	if opened == "dialog" {
		p.settle()
		p.typeInto(".sit-m-chair input", "张副县长")
		p.click("[data-test=sit-m-create]")
	}
	p.waitText("[data-test=sit-agenda]", "E2E 调度事项")
	p.clickIn("[data-test=sit-agenda] .el-table__body tr", "E2E 调度事项", "[data-test=sit-decide]")
	p.visible("[data-test=sit-decide-dialog] .sit-d-text textarea")
	p.settle()
	p.setTextArea(".sit-d-text textarea", "由所在镇牵头，派出所配合，三日内化解矛盾并回访")
	p.choose("#sit-d-town", town.Name)
	p.click("[data-test=sit-d-save]")
	p.waitFor("the decision's task to the town with its light", fmt.Sprintf(`[...document.querySelectorAll('[data-test=sit-meeting] [data-test=sit-decision]')].some(d =>
		d.innerText.includes('E2E 调度事项') && d.querySelector('[data-test=sit-task]')?.innerText.includes(%s) && /绿灯|黄灯|红灯/.test(d.querySelector('[data-test=sit-task] .el-tag')?.innerText))`, jsString(town.Name)),
		`[...document.querySelectorAll('[data-test=sit-meeting] [data-test=sit-decision]')].map(d => d.innerText).join(' | ')`)
	evalJS[bool](p, "the decision into view", `([...document.querySelectorAll('[data-test=sit-meeting] [data-test=sit-decision]')].find(d => d.innerText.includes('E2E 调度事项')).scrollIntoView({ block: 'center' }), true)`)
	p.noRawKeys("the meeting")
	p.shot("situation-06-meeting")

	// 数据接入: a new feeding system's key and secret, shown once.
	p.click("[data-test=sit-meeting] .el-drawer__close-btn")
	p.waitFor("the meeting to close", `!document.querySelector('[data-test=sit-meeting]')?.offsetParent`, "")
	p.openTab("数据接入")
	p.openDialog("[data-test=sit-source-new]", "[data-test=sit-source-dialog] .sit-s-name")
	p.typeInto(".sit-s-name input", "E2E 舆情监测系统")
	p.clickText("[data-test=sit-source-dialog] .el-radio-button", "舆情")
	p.click("[data-test=sit-s-create]")
	p.waitFor("the key shown", `/^gsk_/.test(document.querySelector('[data-test=sit-key]')?.innerText)`, `document.querySelector('[data-test=sit-source-secret]')?.innerText`)
	p.waitText("[data-test=sit-sources]", "E2E 舆情监测系统")
	p.noRawKeys("the feeds")
	p.shot("situation-07-source")
}
