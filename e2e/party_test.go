package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/testapp"
)

// clickText clicks the first visible element under sel whose text contains text.
func (p *page) clickText(sel, text string) {
	p.t.Helper()
	p.waitFor("an element with "+text, fmt.Sprintf(`(() => {
		document.querySelectorAll('[data-e2e-click]').forEach(e => e.removeAttribute('data-e2e-click'));
		const e = [...document.querySelectorAll(%s)].find(e => e.offsetParent !== null && e.innerText.includes(%s));
		if (!e) return false;
		e.setAttribute('data-e2e-click', '1');
		return true;
	})()`, jsString(sel), jsString(text)), `document.querySelector(`+jsString(sel)+`)?.innerText`)
	p.click(`[data-e2e-click="1"]`)
}

// openTab opens the Element Plus tab labelled label and waits until it is
// the active one. The click is repeated from the page itself while the tab
// is not active: a dialog fading out may still cover the tab bar and take a
// pointer click.
func (p *page) openTab(label string) {
	p.t.Helper()
	p.waitFor("the tab "+label, fmt.Sprintf(`(() => {
		const t = [...document.querySelectorAll('.el-tabs__item')].find(e => e.offsetParent !== null && e.innerText.trim() === %s);
		if (!t) return false;
		if (t.classList.contains('is-active')) return true;
		t.click();
		return false;
	})()`, jsString(label)), `[...document.querySelectorAll('.el-tabs__item')].map(e => e.innerText + (e.classList.contains('is-active') ? '*' : '')).join(' ')`)
	p.settle()
}

// TestPartyTreeConsole: the community's party secretary opens 红色网格, sees
// the tree of their community beside the map, gives a 党员中心户 of the
// community's organisation a household found by its 户号 ("+ 联系户") and
// takes it off again (the tag's ×); opens a branch's page with its members
// (phones masked) and the branch's grid drawn; then on 小区 they raise a
// problem in a compound's ledger and work it to solved — asked by name for
// who answers for it before it may be solved.
func TestPartyTreeConsole(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	// A 党员中心户 of the community's own organisation (the page opened
	// first) and a household of the registers in their grid.
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	var top, grid string
	if err := app.DB.Reader().QueryRowContext(ctx, `SELECT p.id, (SELECT g.id FROM grids g WHERE g.org_id = p.org_id AND g.layer = 'zz' ORDER BY g.code LIMIT 1)
		FROM party_orgs p JOIN role_assignments ra ON ra.org_id = p.org_id JOIN users u ON u.id = ra.user_id
		WHERE u.username = 'partysec' AND p.form = 'area'`).Scan(&top, &grid); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Registry.SaveHousehold(ctx, "", registry.HouseholdInput{No: "E2EH01", Address: "测试路8号3栋502室", PlaceInput: registry.PlaceInput{GridID: grid}}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Party.CreateMember(ctx, party.MemberInput{PartyOrgID: top, Name: "测中心户", GridID: grid, CenterHousehold: true}); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, app.URL)
	acc := app.Account("party_secretary")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.open("/party")
	p.waitFor("the tree", `document.querySelectorAll('#party-tree-page .tree-org').length >= 5`, `document.querySelector('#party-tree-page')?.innerText.slice(0, 300)`)
	p.waitFor("the map drawn", `document.querySelectorAll('#party-map path.leaflet-interactive').length > 0`, "")
	p.noRawKeys("the party tree")

	row := `[...document.querySelectorAll('#party-members .el-table__row')].find(r => r.innerText.includes('测中心户'))`
	p.waitFor("the centre household's + 联系户", `(() => { const b = `+row+`?.querySelector('.household-add'); b?.setAttribute('data-e2e-add', '1'); return !!b })()`,
		`document.querySelector('#party-members')?.innerText.slice(0, 300)`)
	p.click(`[data-e2e-add="1"]`)
	p.visible("#party-household-pick")
	p.settle()
	p.click(".el-select:has(#party-household-pick) .el-select__wrapper")
	p.typeInto("#party-household-pick", "e2eh")
	p.pickOption("E2EH01 · 测试路8号3栋***室") // the room masked
	p.click("#party-household-save")
	p.waitFor("the household's tag", row+`?.querySelector('.served-tag')?.innerText.includes('E2EH01')`, row+`?.innerText`)
	p.waitFor("the tag's ×", `(() => { const x = `+row+`?.querySelector('.served-tag .el-tag__close'); x?.setAttribute('data-e2e-unlink', '1'); return !!x })()`, "")
	p.click(`[data-e2e-unlink="1"]`)
	p.click(".el-message-box__btns .el-button--primary")
	p.waitFor("the tag gone", `!!`+row+` && !`+row+`.querySelector('.served-tag')`, row+`?.innerText`)

	p.clickText("#party-tree-page .tree-org", "党小组")
	p.waitFor("the group's page", `document.querySelector('#party-org-name')?.innerText.includes('党小组')`, `document.querySelector('#party-org')?.innerText.slice(0, 200)`)
	p.waitFor("members with masked phones", `/\d{3}\*{4}\d{4}/.test(document.querySelector('#party-members')?.innerText || '')`, `document.querySelector('#party-members')?.innerText`)
	p.shot("party-01-tree")

	p.open("/compounds")
	p.waitFor("the compounds", `document.querySelectorAll('#compound-list .el-table__row').length > 0`, "")
	p.noRawKeys("the compounds")
	p.click("#compound-list .el-table__row")
	p.visible("#compound-detail")
	p.waitFor("the ledger", `document.querySelectorAll('#problem-list .el-table__row').length > 0`, "")
	p.click("#problem-raise")
	p.visible("#problem-title")
	p.settle()
	p.typeInto("#problem-title", "三号楼电梯困人")
	p.click("#problem-raise-save")
	p.waitFor("the problem listed", `document.querySelector('#problem-list')?.innerText.includes('三号楼电梯困人')`, "")
	p.settle()
	// the newest problem comes first
	p.waitFor("ours first", `document.querySelector('#problem-list .el-table__row')?.innerText.includes('三号楼电梯困人')`, "")
	p.clickText("#problem-list .el-table__row:first-child button", "办理")
	p.visible("#problem-step")
	p.settle()
	p.typeInto("#problem-step", "物业公司更换曳引机")
	p.clickText("#problem-status .el-radio-button", "已解决")
	p.click("#problem-work-save")
	p.waitFor("who answers asked by name", `[...document.querySelectorAll('.el-form-item__error')].some(e => e.offsetParent !== null && e.innerText.includes('必填'))`,
		`[...document.querySelectorAll('.el-form-item__error')].map(e => e.innerText).join('|')`)
	p.click(".el-select:has(#problem-responsible) .el-select__wrapper")
	p.pickOption("物业公司")
	p.click("#problem-work-save")
	p.waitFor("the problem solved", `(() => { const r = [...document.querySelectorAll('#problem-list .el-table__row')].find(r => r.innerText.includes('三号楼电梯困人')); return !!r && r.innerText.includes('已解决') && r.innerText.includes('物业公司更换曳引机') })()`,
		`document.querySelector('#problem-list')?.innerText.slice(0, 400)`)
	p.shot("party-02-problem-solved")
}

// TestPartyDualRegistration: a party member on a 390 px phone registers
// with their community (双报到); the community's secretary finds it
// awaiting an answer in the console and accepts it.
func TestPartyDualRegistration(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	m := newPage(t, app.URL)
	m.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	member := app.Account("party_member")
	m.login(member, app.NextOTP(member))
	m.open("/m")
	m.visible("#m-tab-party")
	m.click("#m-tab-party")
	m.waitFor("my organisation", `!!document.querySelector('#m-party-org')?.innerText.trim()`, `document.querySelector('#m-party')?.innerText`)
	m.waitFor("the communities", `document.querySelectorAll('#m-party-village option').length > 1`, "")
	m.click("#m-party-register") // no community yet: refused by name
	m.waitFor("the community asked for", `!!document.querySelector('#m-party .m-error')`, `document.querySelector('#m-party')?.innerText`)
	evalJS[string](m, "the member's community", `(() => { const s = document.querySelector('#m-party-village'); s.value = s.options[1].value; s.dispatchEvent(new Event('change')); return s.options[1].text })()`)
	m.typeInto("#m-party-phone", "13912345678")
	m.typeInto("#m-party-address", "建设路8号")
	m.click("#m-party-register")
	m.waitFor("registered", `document.querySelector('#m-party')?.innerText.includes('待接收')`, `document.querySelector('#m-party')?.innerText`)
	m.noRawKeys("the party tab")
	m.shot("party-03-phone-registered")

	s := newPage(t, app.URL)
	sec := app.Account("party_secretary")
	s.login(sec, app.NextOTP(sec))
	s.visible(headerUser)
	s.open("/party-reports")
	s.waitFor("the board", `document.querySelectorAll('#party-board .el-table__row').length > 0`, "")
	s.waitFor("the registration awaiting", `document.querySelector('#party-report-list')?.innerText.includes('139****5678')`,
		`document.querySelector('#party-report-list')?.innerText.slice(0, 400)`)
	s.noRawKeys("the registrations")
	s.waitFor("the accept button", `(() => { const r = [...document.querySelectorAll('#party-report-list .el-table__row')].find(r => r.innerText.includes('139****5678')); r?.querySelector('.report-accept')?.setAttribute('data-e2e-accept', '1'); return !!r?.querySelector('.report-accept') })()`, "")
	s.click(`[data-e2e-accept="1"]`)
	s.visible("#report-accept-save")
	s.settle()
	s.click("#report-accept-save")
	s.waitFor("no longer awaiting", `![...document.querySelectorAll('#party-report-list .el-table__row')].some(r => r.innerText.includes('139****5678'))`, "")
	s.clickText("#party-reports-page .el-radio-button", "已接收")
	s.waitFor("accepted", `document.querySelector('#party-report-list')?.innerText.includes('139****5678')`, `document.querySelector('#party-report-list')?.innerText.slice(0, 400)`)
	s.shot("party-04-accepted")
}
