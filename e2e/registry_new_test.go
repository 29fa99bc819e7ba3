package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/pii"
)

// TestRegistryAddPersonAndHouseOnPhone: a grid member on a 390 px phone
// adds a person through 新增 on 实有人口. Saved with an ID number already
// registered, the form says so beside the ID number, as an import would;
// with a new one, the person's page opens with the ID number and phone
// masked, in the grid member's grid. Then a house through 新增 on 实有房屋,
// its form (with the compound and building pickers) inside the screen,
// whose page opens with the room masked.
func TestRegistryAddPersonAndHouseOnPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	zh := messages(t, app.Anon(), "zh-CN")
	const name, phone = "手机新增人员", "13800138066"
	taken := pii.MakeID("441602", time.Date(1979, 6, 1, 0, 0, 0, 0, time.UTC), 81, true)
	fresh := pii.MakeID("441602", time.Date(1979, 6, 2, 0, 0, 0, 0, time.UTC), 82, false)
	var first struct{ ID string }
	if st := api.Do("POST", "/api/v1/people", map[string]any{"name": "已登记人员", "id_number": taken, "kind": "registered", "grid_code": memberGrid}, &first); st != 201 {
		t.Fatalf("POST /people: %d", st)
	}

	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "grid_member")
	p.open("/people")
	p.visible("#people-table")
	p.openDialog("#people-new", "#person-new-form")
	p.typeInto("#person-new-name", name)
	p.choose("#person-new-kind", zh["ui.reg.person_kind.registered"])
	p.typeInto("#person-new-id", taken)
	p.typeInto("#person-new-phone", phone)
	p.choose("#person-new-grid", memberGrid)
	p.noRawKeys("new person form")
	p.click("#person-new-save")
	p.waitFieldError("#person-new-id", zh["registry.id_taken"])
	p.shot("registry-new-01-person-id-taken")
	// The dialog fits the screen: nothing of the form is off its edge.
	if out := evalJS[bool](p, "the dialog's width", `(() => { const r = document.querySelector('.el-dialog').getBoundingClientRect();
		return r.left < 0 || r.right > innerWidth })()`); out {
		t.Error("the dialog reaches past the edge of the screen")
	}

	p.setInput("#person-new-id", fresh)
	p.click("#person-new-save")
	p.waitFor("the new person's page", `location.hash.startsWith('#/people/') && !!document.querySelector('#person-detail')`, `location.hash`)
	p.waitText("#person-detail", name)
	p.waitText("#person-detail", "138****8066")
	p.noFullIDs("new person's page")
	if body := evalJS[string](p, "page text", `document.body.innerText`); strings.Contains(body, phone) {
		t.Error("the person's page shows the whole phone number")
	}
	p.shot("registry-new-02-person-page")
	id := strings.TrimPrefix(evalJS[string](p, "URL", `location.hash`), "#/people/")
	var got struct {
		Name, GridCode string
		IDMasked       string `json:"id_number_masked"`
	}
	if st := api.Do("GET", "/api/v1/people/"+id, nil, &got); st != 200 || got.Name != name || got.IDMasked != fresh[:6]+"************" {
		t.Fatalf("GET /people/%s: %d %+v", id, st, got)
	}

	const address = "下城社区手机新增路6号"
	p.open("/houses")
	p.visible("#houses-table")
	p.openDialog("#houses-new", "#house-form")
	p.typeInto("#house-form-address", address)
	p.typeInto("#house-form-room", "702")
	p.choose("#house-form-purpose", zh["ui.reg.purpose.self_use"])
	p.choose("#house-form-grid", memberGrid)
	// The compound and building pickers sit side by side inside the screen.
	p.visible("#house-form-building")
	if out := evalJS[bool](p, "the pickers' width", `[...document.querySelectorAll('.compound-select .el-select')].some(e => {
		const r = e.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth })`); out {
		t.Error("the compound pickers reach past the edge of the screen")
	}
	p.shot("registry-new-03-house-form")
	p.click("#house-save")
	p.waitText("#house-detail .title", address)
	p.waitText("#house-detail", "7**")
	p.shot("registry-new-04-house-page")
}
