package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

type regMe struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
}

func whoAmI(t *testing.T, c *testapp.Client) regMe {
	t.Helper()
	var me regMe
	if st := c.Do("GET", "/api/v1/me", nil, &me); st != 200 {
		t.Fatalf("GET /me: %d", st)
	}
	return me
}

type regKeyPersonState struct {
	ID            string `json:"id"`
	ResponsibleID string `json:"responsible_id"`
	Status        string `json:"status"`
	NextVisitDue  int64  `json:"next_visit_due"`
	Light         string `json:"light"`
}

// TestRegistryKeyPersonManage registers a key person (吸毒人员) from the
// person's page choosing the police officer as responsible member from the
// select, which offers only those who may keep the category there, the
// grid's own member marked as the default; the key person's page names the
// officer. 解除列管 closes the record; 重新列管 re-opens it keeping the
// officer, the next visit due one period from now; 更换责任人 then hands it
// to the grid member.
func TestRegistryKeyPersonManage(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	gm, police, justice := whoAmI(t, api), whoAmI(t, app.Login("police")), whoAmI(t, app.Login("justice"))
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
	taken := map[string]bool{}
	for _, k := range kps.Items {
		taken[k.PersonID] = true
	}
	var id, name string
	for _, x := range people.Items {
		if x.Status == "active" && !taken[x.ID] {
			id, name = x.ID, x.Name
			break
		}
	}
	if id == "" {
		t.Fatal("no active person without a key-person record in the grid member's scope")
	}
	keyPerson := func(kpID string) regKeyPersonState {
		t.Helper()
		var k regKeyPersonState
		if st := api.Do("GET", "/api/v1/key-persons/"+kpID, nil, &k); st != 200 {
			t.Fatalf("GET /key-persons/%s: %d", kpID, st)
		}
		return k
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/people/" + id)
	p.waitFor("the person's page", fmt.Sprintf(`document.querySelector('#person-detail')?.dataset.personId === %s`, jsString(id)), `location.hash`)

	// 登记为重点人员, the officer chosen as responsible.
	p.openDialog("#person-register-key", "#kp-register-form")
	p.choose("#kp-register-category", zh["pii.category.drug_user"])
	p.choose("#kp-register-responsible", police.DisplayName)
	options := evalJS[[]string](p, "the responsible options", `[...document.querySelectorAll('.responsible-option')].map(e => e.innerText.replace(/\s+/g, ' '))`)
	var gmOption string
	for _, o := range options {
		if strings.Contains(o, justice.DisplayName) {
			t.Errorf("the select offers %q: justice staff may not see drug users", o)
		}
		if strings.Contains(o, gm.DisplayName) {
			gmOption = o
		}
	}
	if !strings.Contains(gmOption, zh["ui.key_person.serves_grid"]) || !strings.Contains(gmOption, zh["ui.key_person.default_tag"]) {
		t.Errorf("the grid member's option reads %q, want it marked as serving the grid and the default; options %q", gmOption, options)
	}
	p.noRawKeys("key person form")
	p.shot("registry-kp-manage-01-register")
	p.click("#kp-register-save")
	p.waitFor("the new key person's page", `location.hash.startsWith('#/key-persons/') && !!document.querySelector('#kp-detail')`, `location.hash`)
	kpID := strings.TrimPrefix(evalJS[string](p, "URL", `location.hash`), "#/key-persons/")
	p.waitText("#kp-detail", name)
	p.waitText("#kp-responsible", police.DisplayName)
	if k := keyPerson(kpID); k.ResponsibleID != police.ID || k.Status != "active" {
		t.Fatalf("the registered key person %+v: want the officer %s responsible, active", k, police.ID)
	}

	// 解除列管 (the page may still re-render after its data arrived: click
	// until the question is up).
	p.waitFor("the close question", `!!document.querySelector('.el-message-box')?.offsetParent || (document.querySelector('#kp-close')?.click(), false)`, `'closed'`)
	p.waitText(".el-message-box", name)
	p.settle()
	p.click(".el-message-box__btns .el-button--primary")
	p.noMessageBox()
	p.visible("#kp-closed")
	p.visible("#kp-reopen")
	if k := keyPerson(kpID); k.Status != "closed" {
		t.Fatalf("after 解除列管 the record is %q", k.Status)
	}
	api.Do("GET", "/api/v1/key-persons?limit=500", nil, &kps)
	for _, k := range kps.Items {
		if k.ID == kpID {
			t.Error("the closed record is still on the key persons list")
		}
	}
	p.shot("registry-kp-manage-02-closed")

	// 重新列管: the officer is still fit and preselected.
	p.openDialog("#kp-reopen", "#kp-responsible-form")
	p.waitText(".el-select:has(#kp-responsible-value)", police.DisplayName)
	p.noRawKeys("re-open dialog")
	p.shot("registry-kp-manage-03-reopen")
	p.click("#kp-responsible-save")
	p.dialogClosed()
	p.visible("#kp-visit")
	p.waitFor("the closed tag gone", `!document.querySelector('#kp-closed')`, "")
	p.waitText("#kp-responsible", police.DisplayName)
	k := keyPerson(kpID)
	due := time.Now().Add(15 * 24 * time.Hour).UnixMilli() // drug user, yellow: every 15 days
	if k.Status != "active" || k.ResponsibleID != police.ID || k.Light != "green" || k.NextVisitDue < due-600000 || k.NextVisitDue > due+600000 {
		t.Errorf("the re-opened record %+v: want active, the officer, green, due in 15 days (%d)", k, due)
	}

	// 更换责任人: the grid member takes it over.
	p.openDialog("#kp-responsible-change", "#kp-responsible-form")
	p.choose("#kp-responsible-value", gm.DisplayName)
	p.click("#kp-responsible-save")
	p.dialogClosed()
	p.waitText("#kp-responsible", gm.DisplayName)
	p.noRawKeys("key person page")
	p.shot("registry-kp-manage-04-responsible-changed")
	if k := keyPerson(kpID); k.ResponsibleID != gm.ID {
		t.Errorf("after 更换责任人 the responsible is %s, want the grid member %s", k.ResponsibleID, gm.ID)
	}
}

// TestRegistryKeyPersonManageCare ends a care target (不再关爱) with a
// reason and a note on 关爱对象: it leaves the default list and shows, with
// its reason, under 状态 不再关爱; 重新关爱 brings it back.
func TestRegistryKeyPersonManageCare(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	zh := messages(t, app.Anon(), "zh-CN")

	type care struct {
		ID         string `json:"id"`
		PersonName string `json:"person_name"`
		Status     string `json:"status"`
		EndReason  string `json:"end_reason"`
		EndNote    string `json:"end_note"`
	}
	list := func(status string) []care {
		t.Helper()
		var out struct{ Items []care }
		if st := api.Do("GET", "/api/v1/care-targets?limit=50&status="+status, nil, &out); st != 200 {
			t.Fatalf("GET /care-targets: %d", st)
		}
		return out.Items
	}
	has := func(items []care, id string) *care {
		for _, c := range items {
			if c.ID == id {
				return &c
			}
		}
		return nil
	}
	active := list("")
	if len(active) == 0 {
		t.Fatal("the demo gives the grid member no care targets")
	}
	c := active[0]
	row := "#care-table .care-" + c.ID
	const note = "随子女迁居市区（测试）"

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/care-targets")
	p.visible(row)
	p.openDialog(row+" .care-end", "#care-end-form")
	p.click("#care-end-save") // no reason: refused beside the field
	p.waitFieldError("#care-end-reason", zh["registry.required"])
	p.click(`#care-end-reason label:has(input[value="moved_away"])`)
	p.typeInto("#care-end-note", note)
	p.noRawKeys("end care form")
	p.shot("registry-kp-manage-05-end-care")
	p.click("#care-end-save")
	p.dialogClosed()
	p.waitFor("the ended target to leave the list", fmt.Sprintf(`!document.querySelector(%s)`, jsString(row)), "")
	if has(list(""), c.ID) != nil {
		t.Error("the API still lists the ended care target by default")
	}
	if e := has(list("ended"), c.ID); e == nil || e.Status != "ended" || e.EndReason != "moved_away" || e.EndNote != note {
		t.Fatalf("the ended list has %+v, want %s ended, moved away, with the note", e, c.ID)
	}

	// 状态 不再关爱: the target with its reason; 重新关爱 brings it back.
	p.choose("#care-status", zh["ui.reg.care_state.ended"])
	p.waitText(row, c.PersonName)
	p.waitText(row, zh["ui.reg.care_end.moved_away"])
	p.waitText(row, note)
	p.noRawKeys("ended care targets")
	p.shot("registry-kp-manage-06-ended-list")
	p.waitFor("the re-open question", `!!document.querySelector('.el-message-box')?.offsetParent || (document.querySelector(`+jsString(row+" .care-reopen")+`)?.click(), false)`, `'closed'`)
	p.waitText(".el-message-box", c.PersonName)
	p.settle()
	p.click(".el-message-box__btns .el-button--primary")
	p.noMessageBox()
	p.waitFor("the re-opened target to leave the ended list", fmt.Sprintf(`!document.querySelector(%s)`, jsString(row)), "")
	p.choose("#care-status", zh["ui.reg.care_state.active"])
	p.visible(row + " .care-service")
	if a := has(list(""), c.ID); a == nil || a.EndReason != "" {
		t.Errorf("after 重新关爱 the API lists %+v, want it active without a reason", a)
	}
}
