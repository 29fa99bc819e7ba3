package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// choose opens the el-select whose input is sel and picks the option
// containing text.
func (p *page) choose(sel, text string) {
	p.t.Helper()
	wrapper := ".el-select:has(" + sel + ") .el-select__wrapper"
	p.waitFor(sel+" enabled", fmt.Sprintf(`!!document.querySelector(%s) && !document.querySelector(%s).classList.contains('is-disabled')`,
		jsString(wrapper), jsString(wrapper)), `'disabled or missing'`)
	p.click(wrapper)
	p.pickOption(text)
	// the list fades out over the fields below: a click there would hit it
	p.waitFor("the options of "+sel+" to close", `[...document.querySelectorAll('.el-select__popper')].every(e => getComputedStyle(e).display === 'none')`,
		`document.querySelectorAll('.el-select__popper').length`)
}

// fieldErrorJS is the error text under the form item holding sel.
func fieldErrorJS(sel string) string {
	return fmt.Sprintf(`document.querySelector('.el-form-item:has(%s) .el-form-item__error')?.innerText.trim() || ''`, sel)
}

// waitFieldError waits until the form item holding sel shows the error want.
func (p *page) waitFieldError(sel, want string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("the error %q beside %s", want, sel), fieldErrorJS(sel)+" === "+jsString(want),
		`[...document.querySelectorAll('.el-form-item__error')].map(e => e.innerText)`)
}

// formErrors are the field errors a form shows.
func (p *page) formErrors(form string) []string {
	p.t.Helper()
	return evalJS[[]string](p, "errors of "+form, fmt.Sprintf(`[...document.querySelectorAll('%s .el-form-item__error')].map(e => e.innerText.trim())`, form))
}

// replaceInput sets a text or number input (by id) to value as a person
// would end an edit: an input event, then a change event (what
// el-input-number commits on).
func (p *page) replaceInput(sel, value string) {
	p.t.Helper()
	p.setInput(sel, value)
	evalJS[bool](p, "commit "+sel, fmt.Sprintf(`(document.querySelector(%s).dispatchEvent(new Event('change', { bubbles: true })), true)`, jsString(sel)))
}

// openDialog clicks button until the form inside the dialog it opens is
// visible: a page may still re-render under the first click, which is then lost.
func (p *page) openDialog(button, form string) {
	p.t.Helper()
	p.visible(button)
	p.waitFor(form+" open", fmt.Sprintf(`!!document.querySelector(%s)?.offsetParent || (document.querySelector(%s)?.click(), false)`,
		jsString(form), jsString(button)), `'closed'`)
	p.visible(form)
	p.settle() // a click on the opening (moving) dialog is lost
}

// dialogClosed waits until no dialog is open.
func (p *page) dialogClosed() {
	p.t.Helper()
	p.waitFor("the dialog to close", `[...document.querySelectorAll('.el-dialog')].every(d => d.offsetParent === null)`, "")
}

type regHouse struct {
	ID          string   `json:"id"`
	Address     string   `json:"address"`
	RoomMasked  string   `json:"room_masked"`
	Purpose     string   `json:"purpose"`
	AreaM2      *float64 `json:"area_m2"`
	OwnerName   string   `json:"owner_name"`
	PhoneMasked string   `json:"owner_phone_masked"`
	GridCode    string   `json:"grid_code"`
	CompoundID  string   `json:"compound_id"`
	BuildingID  string   `json:"building_id"`
}

// compoundChoice is a compound the house form offers, with its buildings.
type compoundChoice struct {
	ID, Name  string
	Buildings []struct{ ID, Name string }
}

type regUnit struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	CreditCode  string `json:"credit_code"`
	LegalPerson string `json:"legal_person"`
	PhoneMasked string `json:"phone_masked"`
	Employees   *int   `json:"employees"`
	Version     int    `json:"version"`
}

// TestRegistryFormsHouse adds a house through 新增 on 实有房屋: saved
// without the standard address, the form says the address is required
// beside it and nothing is stored; with it, the house is saved in the grid
// member's grid and in a compound and building of her community picked
// from the form's lists, and its page opens with the room and the owner's
// phone masked and the compound named; the list shows it.
func TestRegistryFormsHouse(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	zh := messages(t, app.Anon(), "zh-CN")
	const address = "下城社区表单测试路88号"
	houses := func() []regHouse {
		t.Helper()
		var out struct{ Items []regHouse }
		if st := api.Do("GET", "/api/v1/houses?limit=500", nil, &out); st != 200 {
			t.Fatalf("GET /houses: %d", st)
		}
		return out.Items
	}
	before := len(houses())

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/houses")
	p.visible("#houses-table")
	p.openDialog("#houses-new", "#house-form")
	// The grid member's village is where a new house starts: its grids are offered.
	p.choose("#house-form-grid", memberGrid)
	p.choose("#house-form-purpose", zh["ui.reg.purpose.rental"])
	p.typeInto("#house-form-owner", "表单房东")
	p.setNumber("#house-form-area", 86.5)
	p.click("#house-save")
	p.waitFieldError("#house-form-address", zh["registry.required"])
	if errs := p.formErrors("#house-form"); len(errs) != 1 {
		t.Errorf("the form shows errors %q, want only the address's", errs)
	}
	p.noRawKeys("house form")
	p.shot("registry-forms-01-house-required")
	if n := len(houses()); n != before {
		t.Fatalf("the register holds %d houses after the refused save, %d before", n, before)
	}

	p.typeInto("#house-form-address", address)
	p.typeInto("#house-form-room", "1502")
	p.typeInto("#house-form-phone", "13800138088")
	village, _ := apiNodeByCode(t, api, app.Account("grid_member").OrgCode)
	var choices struct{ Items []compoundChoice }
	if st := api.Do("GET", "/api/v1/compounds/choices?org_id="+village.ID, nil, &choices); st != 200 {
		t.Fatalf("the community's compounds: %d", st)
	}
	i := slices.IndexFunc(choices.Items, func(c compoundChoice) bool { return len(c.Buildings) > 0 })
	if i < 0 {
		t.Fatalf("no compound of the community has buildings: %+v", choices.Items)
	}
	compound, building := choices.Items[i], choices.Items[i].Buildings[0]
	p.choose("#house-form-compound", compound.Name)
	p.choose("#house-form-building", building.Name)
	p.click("#house-save")
	p.waitText("#house-detail .title", address)
	p.waitText("#house-compound", compound.Name+" · "+building.Name)
	p.waitText("#house-detail", "1***")
	p.waitText("#house-detail", "表单房东")
	p.noFullIDs("new house page")
	if body := evalJS[string](p, "page text", `document.body.innerText`); strings.Contains(body, "13800138088") {
		t.Error("the house page shows the owner's whole phone number")
	}

	var got *regHouse
	for _, h := range houses() {
		if h.Address == address {
			got = &h
		}
	}
	if got == nil {
		t.Fatalf("no house at %s in the register after the save", address)
	}
	if got.Purpose != "rental" || got.RoomMasked != "1***" || got.OwnerName != "表单房东" || got.GridCode != memberGrid ||
		got.CompoundID != compound.ID || got.BuildingID != building.ID ||
		got.AreaM2 == nil || *got.AreaM2 != 86.5 || got.PhoneMasked == "" || strings.Contains(got.PhoneMasked, "138001380") {
		t.Errorf("saved house %+v (area %v): want rental, room 1***, owner 表单房东, grid %s, 86.5 m², a masked phone", *got, got.AreaM2, memberGrid)
	}
	if hash := evalJS[string](p, "URL", `location.hash`); hash != "#/houses/"+got.ID {
		t.Errorf("after the save the console is at %s, want the new house's page", hash)
	}

	p.open("/houses")
	p.waitText("#houses-table", address)
}

// TestRegistryFormsUnit edits a unit from its page: the form comes
// prefilled, the sealed phone empty with the masked value in the
// placeholder; a wrong 统一社会信用代码 is refused by the server with the
// message beside the field and nothing changes; the fixed form saves, and
// after a reload the page shows the new legal person and employees and the
// phone kept as it was (left empty). A second edit ticks 清空: the phone is
// gone.
func TestRegistryFormsUnit(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	zh := messages(t, app.Anon(), "zh-CN")

	var units struct{ Items []regUnit }
	if st := api.Do("GET", "/api/v1/register-units?limit=100", nil, &units); st != 200 {
		t.Fatalf("GET /register-units: %d", st)
	}
	var u regUnit
	for _, x := range units.Items {
		if x.PhoneMasked != "" {
			u = x
			break
		}
	}
	if u.ID == "" {
		t.Fatalf("none of the grid member's %d units has a phone", len(units.Items))
	}
	unit := func() regUnit {
		t.Helper()
		var out regUnit
		if st := api.Do("GET", "/api/v1/register-units/"+u.ID, nil, &out); st != 200 {
			t.Fatalf("GET /register-units/%s: %d", u.ID, st)
		}
		return out
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/register-units/" + u.ID)
	p.waitText("#unit-detail .title", u.Name)
	p.openDialog("#unit-edit", "#unit-form")
	p.waitFor("the name prefilled", `document.querySelector('#unit-form-name')?.value === `+jsString(u.Name),
		`document.querySelector('#unit-form-name')?.value`)
	phone := evalJS[[]string](p, "phone field", `(e => [e.value, e.placeholder])(document.querySelector('#unit-form-phone'))`)
	if phone[0] != "" || !strings.Contains(phone[1], u.PhoneMasked) {
		t.Errorf("the sealed phone field holds %q with placeholder %q; want it empty, the placeholder naming %s", phone[0], phone[1], u.PhoneMasked)
	}
	p.replaceInput("#unit-form-legal", "表单法人")
	p.replaceInput("#unit-form-employees", "42")

	// A wrong credit code: the server refuses it, the message sits beside the field.
	p.replaceInput("#unit-form-credit", "91441602MA4UZZZZZ1")
	p.click("#unit-save")
	p.waitFieldError("#unit-form-credit", zh["registry.credit_code_invalid"])
	p.noRawKeys("unit form")
	p.shot("registry-forms-02-unit-edit")
	if v := unit().Version; v != u.Version {
		t.Fatalf("the refused save changed the unit: version %d → %d", u.Version, v)
	}

	p.replaceInput("#unit-form-credit", u.CreditCode)
	p.click("#unit-save")
	p.dialogClosed()
	p.waitText("#unit-detail", "表单法人")

	p.do("reload", chromedp.Reload())
	p.waitText("#unit-detail", "表单法人")
	p.waitText("#unit-detail", u.PhoneMasked)
	p.waitText("#unit-detail", "42")
	after := unit()
	if after.Version != u.Version+1 || after.LegalPerson != "表单法人" || after.Employees == nil || *after.Employees != 42 ||
		after.PhoneMasked != u.PhoneMasked || after.Name != u.Name || after.CreditCode != u.CreditCode {
		t.Errorf("after the edit the API has %+v; want version %d, legal person 表单法人, 42 employees, the phone %s kept, name and credit code kept",
			after, u.Version+1, u.PhoneMasked)
	}

	// 清空 removes the stored phone.
	p.openDialog("#unit-edit", "#unit-form")
	p.click(".el-checkbox:has(#unit-form-phone-clear)")
	p.waitFor("the phone field disabled", `document.querySelector('#unit-form-phone')?.disabled === true`, "")
	p.click("#unit-save")
	p.dialogClosed()
	p.waitFor("the phone gone from the page", `!document.querySelector('#unit-detail').innerText.includes(`+jsString(u.PhoneMasked)+`)`,
		`document.querySelector('#unit-detail').innerText`)
	if after := unit(); after.PhoneMasked != "" || after.LegalPerson != "表单法人" {
		t.Errorf("after 清空 the API has phone %q, legal person %q; want no phone, the rest kept", after.PhoneMasked, after.LegalPerson)
	}
}

// TestRegistryFormsPersonRoles registers a person as a key person (重点信访
// 人员, red) from the person's page: the key person's page opens and the
// key persons list has the row. Then, back on the person's page, it
// registers the person as a care target (独居老人): the page shows the new
// flag and the care targets list has the person.
func TestRegistryFormsPersonRoles(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	zh := messages(t, app.Anon(), "zh-CN")

	var people struct {
		Items []struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Status string `json:"status"`
		}
	}
	if st := api.Do("GET", "/api/v1/people?limit=200", nil, &people); st != 200 {
		t.Fatalf("GET /people: %d", st)
	}
	var kps struct{ Items []regKeyPerson }
	api.Do("GET", "/api/v1/key-persons?limit=500", nil, &kps)
	var cares struct {
		Items []struct {
			PersonID string `json:"person_id"`
			Kind     string `json:"kind"`
		}
	}
	api.Do("GET", "/api/v1/care-targets?limit=500", nil, &cares)
	taken := map[string]bool{}
	for _, k := range kps.Items {
		taken[k.PersonID] = true
	}
	for _, c := range cares.Items {
		taken[c.PersonID] = true
	}
	var id, name string
	for _, x := range people.Items {
		if x.Status == "active" && !taken[x.ID] {
			id, name = x.ID, x.Name
			break
		}
	}
	if id == "" {
		t.Fatal("no active person without key-person and care-target records in the grid member's scope")
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/people/" + id)
	p.waitFor("the person's page", fmt.Sprintf(`document.querySelector('#person-detail')?.dataset.personId === %s`, jsString(id)), `location.hash`)

	// 登记为重点人员
	p.openDialog("#person-register-key", "#kp-register-form")
	p.choose("#kp-register-category", zh["pii.category.key_petitioner"])
	p.click(`#kp-register-risk label:has(input[value="red"])`)
	p.waitFor("red chosen", `!!document.querySelector('#kp-register-risk input[value="red"]')?.checked`, "")
	p.noRawKeys("key person form")
	p.shot("registry-forms-03-register-key-person")
	p.click("#kp-register-save")
	p.waitFor("the new key person's page", `location.hash.startsWith('#/key-persons/') && !!document.querySelector('#kp-detail')`, `location.hash`)
	kpID := strings.TrimPrefix(evalJS[string](p, "URL", `location.hash`), "#/key-persons/")
	p.waitText("#kp-detail", name)
	p.waitText("#kp-risk", zh["ui.reg.risk.red"])
	var k regKeyPerson
	if st := api.Do("GET", "/api/v1/key-persons/"+kpID, nil, &k); st != 200 || k.PersonID != id || k.Category != "key_petitioner" {
		t.Fatalf("GET /key-persons/%s: %d %+v; want %s's 重点信访人员 record", kpID, st, k, name)
	}
	p.open("/key-persons")
	p.waitText("#kp-table .kp-"+kpID, name)

	// 登记为关爱对象
	p.open("/people/" + id)
	p.waitFor("the person's page", fmt.Sprintf(`document.querySelector('#person-detail')?.dataset.personId === %s`, jsString(id)), `location.hash`)
	p.waitText("#person-detail .flag-key", zh["pii.category.key_petitioner"])
	p.openDialog("#person-register-care", "#care-register-form")
	p.choose("#care-register-kind", zh["ui.reg.care_kind.elderly_alone"])
	p.typeInto("#care-register-note", "独居，需每周上门探视（表单测试）")
	p.shot("registry-forms-04-register-care-target")
	p.click("#care-register-save")
	p.dialogClosed()
	p.waitText("#person-detail .flag-care", zh["ui.reg.care_kind.elderly_alone"])
	p.noRawKeys("person page")
	p.shot("registry-forms-05-person-roles")

	p.open("/care-targets")
	p.waitText("#care-table", name)
	var after struct {
		Items []struct {
			PersonID string `json:"person_id"`
			Note     string `json:"note"`
		}
	}
	api.Do("GET", "/api/v1/care-targets?kind=elderly_alone&limit=500", nil, &after)
	found := false
	for _, c := range after.Items {
		found = found || (c.PersonID == id && strings.Contains(c.Note, "表单测试"))
	}
	if !found {
		t.Errorf("no 独居老人 care target of %s with the note in the API", name)
	}
}

// TestRegistryFormsHousehold adds a household on 户情台账 linked to one of
// the village's houses, then edits its needs from its page (the version
// goes up by one).
func TestRegistryFormsHousehold(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	const no = "H99001"

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/households")
	p.visible("#households-table")
	p.openDialog("#households-new", "#household-form")
	p.typeInto("#household-form-no", no)
	p.choose("#household-form-grid", memberGrid)
	p.choose("#household-form-house", "下城社区")
	p.typeInto("#household-form-situation", "三代同堂，老人行动不便")
	p.noRawKeys("household form")
	p.shot("registry-forms-06-household-new")
	p.click("#household-save")
	p.waitText("#household-detail .title", no)
	p.waitText("#household-detail", "三代同堂")
	id := strings.TrimPrefix(evalJS[string](p, "URL", `location.hash`), "#/households/")

	var h struct {
		No      string `json:"no"`
		HouseID string `json:"house_id"`
		Needs   string `json:"needs"`
		Version int    `json:"version"`
	}
	if st := api.Do("GET", "/api/v1/households/"+id, nil, &h); st != 200 || h.No != no || h.HouseID == "" {
		t.Fatalf("GET /households/%s: %d %+v; want %s linked to a house", id, st, h, no)
	}
	p.openDialog("#household-edit", "#household-form")
	p.waitFor("the number prefilled", `document.querySelector('#household-form-no')?.value === `+jsString(no), "")
	p.typeInto("#household-form-needs", "希望安装扶手")
	p.click("#household-save")
	p.dialogClosed()
	p.waitText("#household-detail", "希望安装扶手")
	version := h.Version
	if st := api.Do("GET", "/api/v1/households/"+id, nil, &h); st != 200 || h.Needs != "希望安装扶手" || h.Version != version+1 {
		t.Errorf("after the edit: %d %+v; want the needs saved and version %d", st, h, version+1)
	}
}
