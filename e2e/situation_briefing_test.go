package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestSituationBriefing: the centre's office finds the county's 平安稳定专报
// in the archive (the demo's issued ones numbered, this period's waiting for
// sign-off) and searches it; drafts a new one of the last seven days, its
// figures live, writes its text, saves it and sends it for sign-off. The
// leader opens it and issues it to the default units (the towns' centres
// and the police): it is numbered and its figures frozen. A town's
// mediator, whose unit is one of them and who holds no 三情 permission,
// finds 平安稳定专报 in the menu, reads it (the unit's receipt) and replies.
// Back at the centre the unit's receipt and reply show among the units',
// and the A4 page carries the masthead, the number, the signer and the
// units it was sent to.
func TestSituationBriefing(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	var unit string
	if err := app.DB.Reader().QueryRowContext(context.Background(),
		"SELECT n.name FROM users u JOIN units n ON n.id = u.unit_id WHERE u.username = 'townmediator'").Scan(&unit); err != nil {
		t.Fatalf("the town mediator's unit: %v", err)
	}
	const (
		title = "E2E 近期矛盾纠纷类警情研判"
		body  = "一、总体情况\n本期三情总体平稳，矛盾纠纷类警情有所上升。\n\n二、需要关注的问题\n邻里纠纷和物业纠纷反复出现，个别有激化苗头。\n\n三、工作建议\n请各镇（街道）综治中心逐件落实包案化解，公安分局加强重点部位巡逻。"
		reply = "已传达学习，逐件落实包案化解，三日内报送进展。"
	)
	rows := "[data-test=sit-b-list] .el-table__body tr"

	// The archive: issued ones numbered, this period's awaiting sign-off.
	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/situations?tab=briefings")
	p.waitFor("the demo's issued briefings", fmt.Sprintf(`[...document.querySelectorAll(%s)].filter(r => /\d{4}年第\d+期/.test(r.innerText)).length >= 10`, jsString(rows)),
		`document.querySelector('[data-test=sit-b-list]')?.innerText`)
	p.waitText("[data-test=sit-b-list]", "待签发")
	p.waitText("[data-test=sit-b-list]", "/")
	p.noRawKeys("the archive")
	p.typeInto(".sit-b-q input", "电信网络诈骗")
	p.waitFor("the search", fmt.Sprintf(`(() => { const r = [...document.querySelectorAll(%s)]; return r.length === 1 && r[0].innerText.includes('近期电信网络诈骗警情分析') })()`, jsString(rows)),
		`document.querySelector('[data-test=sit-b-list]')?.innerText`)
	p.setInput(".sit-b-q input", "")
	p.waitFor("the whole archive again", fmt.Sprintf(`document.querySelectorAll(%s).length > 10`, jsString(rows)), "")

	// A new draft: the last seven days by default, its figures live.
	p.openDialog("[data-test=sit-b-draft]", "[data-test=sit-b-dialog] .sit-b-title")
	p.typeInto(".sit-b-title input", title)
	p.click("[data-test=sit-b-create]")
	p.dialogClosed()
	p.visible("[data-test=sit-briefing] .sit-b-body textarea")
	p.waitText("[data-test=sit-b-number]", "草稿")
	p.waitText("[data-test=sit-b-asof]", "实时数据")
	p.visible("[data-test=sit-b-by-town]")
	id := evalJS[string](p, "the briefing's id", `document.querySelector('[data-test=sit-b-head]').dataset.id`)
	version := evalJS[string](p, "the version", `document.querySelector('[data-test=sit-b-head]').dataset.version`)
	p.settle()
	p.setTextArea(".sit-b-body textarea", body)
	p.click("[data-test=sit-b-save]")
	p.waitFor("the text saved", fmt.Sprintf(`document.querySelector('[data-test=sit-b-head]')?.dataset.version !== %s`, jsString(version)),
		`document.querySelector('[data-test=sit-b-head]')?.dataset.version`)
	p.noRawKeys("the draft")
	p.shot("situation-08-briefing")
	p.click("[data-test=sit-b-submit]")
	p.waitText("[data-test=sit-b-number]", "待签发")
	p.waitText("[data-test=sit-b-text]", "逐件落实包案化解")

	// The leader signs it off and issues it to the default units.
	l := newPage(t, app.URL)
	l.loginAs(app, "leader")
	l.open("/situations?tab=briefings")
	l.clickText(rows, title)
	l.visible("[data-test=sit-b-issue]")
	l.waitText("[data-test=sit-b-text]", "邻里纠纷")
	l.click("[data-test=sit-b-issue]")
	l.visible("[data-test=sit-b-issue-dialog] [data-test=sit-b-issue-send]")
	l.settle()
	n := pollJS[float64](l, "the default units", `Number((/已选 (\d+) 个单位/.exec(document.querySelector('[data-test=sit-b-units-n]')?.innerText || '') || [])[1] || 0)`)
	if n < 2 {
		t.Fatalf("%v units chosen by default", n)
	}
	l.click("[data-test=sit-b-issue-send]")
	l.dialogClosed()
	number := pollJS[string](l, "the number", `(() => { const s = (document.querySelector('[data-test=sit-b-number]')?.innerText || '').trim(); return /^\d{4}年第\d+期$/.test(s) ? s : '' })()`)
	l.waitText("[data-test=sit-b-asof]", "印发时冻结")
	l.waitFor("the mediator's unit unread", fmt.Sprintf(`[...document.querySelectorAll('[data-test=sit-b-recipients] .el-table__body tr')].some(r => r.innerText.includes(%s) && r.innerText.includes('未读'))`, jsString(unit)),
		`document.querySelector('[data-test=sit-b-recipients]')?.innerText`)
	l.noRawKeys("the issued briefing")

	// The town's mediator: the menu's 平安稳定专报, the reading, the reply.
	m := newPage(t, app.URL)
	acc := demoAccount(t, app, "townmediator")
	m.login(acc, app.NextOTP(acc))
	m.visible(headerUser)
	m.landed()
	m.waitText("#side-menu", "平安稳定专报")
	m.clickText("#side-menu .el-menu-item", "平安稳定专报")
	m.clickText("[data-test=sit-b-mine] .el-table__body tr", title)
	m.waitText("[data-test=sit-briefing] [data-test=sit-b-number]", number)
	m.waitText("[data-test=sit-b-text]", "逐件落实包案化解")
	m.setTextArea(".sit-b-reply textarea", reply)
	m.click("[data-test=sit-b-reply-send]")
	m.waitText("[data-test=sit-b-our-reply]", reply)
	if strings.Contains(m.text("[data-test=sit-briefing]"), "未读") {
		t.Error("the units' receipts shown to a unit")
	}
	m.noRawKeys("the reading view")
	m.shot("situation-10-briefing-reply")

	// The centre sees the unit's receipt and reply.
	p.click("[data-test=sit-briefing] .el-drawer__close-btn")
	p.waitFor("the drawer to close", `!document.querySelector('[data-test=sit-briefing]')?.offsetParent`, "")
	p.clickText(rows, title)
	p.waitFor("the unit's receipt and reply", fmt.Sprintf(`[...document.querySelectorAll('[data-test=sit-b-recipients] .el-table__body tr')].some(r => r.innerText.includes(%s) && r.innerText.includes(%s) && !r.innerText.includes('未读'))`,
		jsString(unit), jsString(reply)), `document.querySelector('[data-test=sit-b-recipients]')?.innerText`)
	p.waitText("[data-test=sit-b-number]", number)
	p.waitFor("the archive's row numbered", fmt.Sprintf(`[...document.querySelectorAll(%s)].some(r => r.innerText.includes(%s) && r.innerText.includes(%s))`, jsString(rows), jsString(title), jsString(number)),
		`document.querySelector('[data-test=sit-b-list]')?.innerText`)
	p.waitFor("the receipts in view", `(() => {
		const e = document.querySelector('[data-test=sit-b-recipients]');
		e.scrollIntoView({ block: 'center' });
		const r = e.getBoundingClientRect();
		return r.top >= 0 && r.top < innerHeight - 120;
	})()`, "")
	p.shot("situation-11-briefing-receipts")

	// The A4 page.
	p.click("[data-test=sit-b-print]")
	p.visible("#briefing-sheet")
	p.waitText("#briefing-sheet .mast", "平安稳定专报")
	p.waitText("[data-test=sheet-number]", number)
	p.waitText("#briefing-sheet .title", title)
	p.waitText("[data-test=sheet-signer]", "黄书记")
	p.waitText("[data-test=sheet-sent]", unit)
	p.waitText("[data-test=sheet-by-town]", "合计")
	if !strings.HasSuffix(evalJS[string](p, "the address", `location.hash`), "/situation-briefings/"+id+"/print") {
		t.Errorf("the print view's address: %s", evalJS[string](p, "the address", `location.hash`))
	}
	p.noRawKeys("the print view")
	p.shot("situation-09-briefing-print")
	p.waitFor("the units sent to in view", `(() => {
		const e = document.querySelector('[data-test=sheet-sent]');
		e.scrollIntoView({ block: 'end' });
		return e.getBoundingClientRect().bottom <= innerHeight + 1;
	})()`, "")
	p.shot("situation-12-briefing-print-foot")
}
