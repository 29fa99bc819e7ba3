package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// regPersonFull is a person as the edit test reads it back.
type regPersonFull struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Note          string `json:"note"`
	Status        string `json:"status"`
	IDMasked      string `json:"id_number_masked"`
	PhoneMasked   string `json:"phone_masked"`
	AddressMasked string `json:"address_detail_masked"`
	Version       int    `json:"version"`
}

// setTextArea replaces the value of a textarea and tells Vue (an input event).
func (p *page) setTextArea(sel, value string) {
	p.t.Helper()
	p.visible(sel)
	evalJS[bool](p, "set "+sel, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(el, %s);
		el.dispatchEvent(new Event('input', { bubbles: true }));
		return true;
	})()`, jsString(sel), jsString(value)))
}

// TestRegistryPersonEditKeepsSealed edits a person's name and note from
// their page without touching the sealed fields: they come empty with the
// masked value in the placeholder, the save goes through (no demand to
// enter them again), and the ID number, phone and precise address stay as
// they were, masked and in full. A second edit ticks 清空 beside the phone:
// the phone is gone, the rest kept. Once the person is recorded deceased,
// the page offers no status change (no move out, no move back in).
func TestRegistryPersonEditKeepsSealed(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")

	var people struct{ Items []regPersonFull }
	if st := api.Do("GET", "/api/v1/people?limit=200", nil, &people); st != 200 {
		t.Fatalf("GET /people: %d", st)
	}
	var x regPersonFull
	for _, c := range people.Items {
		if c.Status == "active" && c.IDMasked != "" && c.PhoneMasked != "" {
			x = c
			break
		}
	}
	if x.ID == "" {
		t.Fatalf("none of the grid member's %d people is active with an ID number and a phone", len(people.Items))
	}
	get := func() regPersonFull {
		t.Helper()
		var out regPersonFull
		if st := api.Do("GET", "/api/v1/people/"+x.ID, nil, &out); st != 200 {
			t.Fatalf("GET /people/%s: %d", x.ID, st)
		}
		return out
	}
	reveal := func() map[string]string {
		t.Helper()
		var out map[string]string
		body := map[string]any{"fields": []string{"id_number", "phone", "address_detail"}, "reason": "核对修改结果（测试）"}
		if st := api.Do("POST", "/api/v1/people/"+x.ID+"/reveal", body, &out); st != 200 {
			t.Fatalf("POST /people/%s/reveal: %d", x.ID, st)
		}
		return out
	}
	x = get()
	full := reveal()

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/people/" + x.ID)
	p.waitFor("the person's page", fmt.Sprintf(`document.querySelector('#person-detail')?.dataset.personId === %s`, jsString(x.ID)), `location.hash`)
	p.waitText("#person-phone-masked", x.PhoneMasked)

	// The sealed fields come empty, the masked value in the placeholder.
	p.openDialog("#person-edit", "#person-form")
	p.waitFor("the name prefilled", `document.querySelector('#person-form-name')?.value === `+jsString(x.Name),
		`document.querySelector('#person-form-name')?.value`)
	for sel, masked := range map[string]string{"#person-form-id": x.IDMasked, "#person-form-phone": x.PhoneMasked} {
		f := evalJS[[]string](p, sel, fmt.Sprintf(`(e => [e.value, e.placeholder])(document.querySelector(%s))`, jsString(sel)))
		if f[0] != "" || !strings.Contains(f[1], masked) {
			t.Errorf("the sealed field %s holds %q with placeholder %q; want it empty, the placeholder naming %s", sel, f[0], f[1], masked)
		}
	}
	name, note := x.Name+"改", "表单修改备注（测试）"
	p.setInput("#person-form-name", name)
	p.setTextArea("#person-form-note", note)
	p.noRawKeys("person form")
	p.shot("registry-person-edit-01-form")
	p.click("#person-save")
	p.dialogClosed()
	p.waitText("#person-detail .person-name", name)
	p.waitText("#person-detail", note)
	p.waitText("#person-phone-masked", x.PhoneMasked)
	p.waitText("#person-id-masked", x.IDMasked)
	p.noFullIDs("person page after the edit")

	after := get()
	if after.Name != name || after.Note != note || after.Version != x.Version+1 {
		t.Errorf("after the edit the API has name %q, note %q, version %d; want %q, %q, %d", after.Name, after.Note, after.Version, name, note, x.Version+1)
	}
	if after.IDMasked != x.IDMasked || after.PhoneMasked != x.PhoneMasked || after.AddressMasked != x.AddressMasked {
		t.Errorf("the edit changed sealed values: before %+v after %+v", x, after)
	}
	if r := reveal(); r["id_number"] != full["id_number"] || r["phone"] != full["phone"] || r["address_detail"] != full["address_detail"] {
		t.Errorf("the stored values changed with the edit: before %v after %v", full, r)
	}

	// 清空 beside the phone removes it; the ID number stays.
	p.openDialog("#person-edit", "#person-form")
	p.click(".el-checkbox:has(#person-form-phone-clear)")
	p.waitFor("the phone field disabled", `document.querySelector('#person-form-phone')?.disabled === true`, "")
	p.shot("registry-person-edit-02-clear-phone")
	p.click("#person-save")
	p.dialogClosed()
	p.waitFor("the phone gone from the page", `document.querySelector('#person-phone-masked')?.innerText.trim() === '—'`,
		`document.querySelector('#person-phone-masked')?.innerText`)
	p.waitText("#person-id-masked", x.IDMasked)
	cleared := get()
	if cleared.PhoneMasked != "" || cleared.IDMasked != x.IDMasked || cleared.AddressMasked != x.AddressMasked || cleared.Name != name {
		t.Errorf("after 清空 the API has %+v; want no phone, the ID number %s, address and name kept", cleared, x.IDMasked)
	}
	if r := reveal(); r["phone"] != "" || r["id_number"] != full["id_number"] || r["address_detail"] != full["address_detail"] {
		t.Errorf("the stored values after 清空: %v; want no phone, the rest as before %v", r, full)
	}

	// A deceased person neither moves out nor back in: no status menu.
	if st := api.Do("POST", "/api/v1/people/"+x.ID+"/status", map[string]any{"status": "deceased", "version": cleared.Version}, nil); st != 200 {
		t.Fatalf("POST /people/%s/status deceased: %d", x.ID, st)
	}
	p.do("reload", chromedp.Reload())
	p.waitFor("the deceased status", `document.querySelector('#person-status')?.dataset.status === 'deceased'`,
		`document.querySelector('#person-status')?.dataset.status`)
	p.visible("#person-edit")
	if evalJS[bool](p, "status menu", `!!document.querySelector('#person-status-menu')`) {
		t.Error("the page of a deceased person offers a status change (the server refuses moving them out or back in)")
	}
	p.shot("registry-person-edit-03-deceased")
}
