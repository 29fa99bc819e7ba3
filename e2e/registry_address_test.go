package e2e

import (
	"net/url"
	"strings"
	"testing"
)

type regAddress struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	GridCode string `json:"grid_code"`
	Version  int    `json:"version"`
}

// TestRegistryAddress adds a standard address through 新增 on 标准地址:
// saved without the text, the form says it is required beside it and
// nothing is stored; with it, the address's page opens; 编辑 changes the
// text and the page shows the new one.
func TestRegistryAddress(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	zh := messages(t, app.Anon(), "zh-CN")
	const text, renamed = "下城社区地址测试路7号", "下城社区地址测试路9号"
	find := func(q string) []regAddress {
		t.Helper()
		var out struct{ Items []regAddress }
		if st := api.Do("GET", "/api/v1/addresses?limit=500&q="+url.QueryEscape(q), nil, &out); st != 200 {
			t.Fatalf("GET /addresses: %d", st)
		}
		return out.Items
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/addresses")
	p.visible("#addresses-table")
	p.openDialog("#addresses-new", "#address-form")
	p.choose("#address-form-grid", memberGrid)
	p.click("#address-save")
	p.waitFieldError("#address-form-text", zh["registry.required"])
	if errs := p.formErrors("#address-form"); len(errs) != 1 {
		t.Errorf("the form shows errors %q, want only the text's", errs)
	}
	p.noRawKeys("address form")
	p.shot("registry-address-01-required")
	if n := len(find("地址测试路")); n != 0 {
		t.Fatalf("the register holds %d test addresses after the refused save", n)
	}

	p.typeInto("#address-form-text", text)
	p.click("#address-save")
	p.waitText("#address-detail .title", text)
	got := find("地址测试路")
	if len(got) != 1 || got[0].Text != text || got[0].GridCode != memberGrid {
		t.Fatalf("saved addresses %+v: want one, %s in grid %s", got, text, memberGrid)
	}
	if hash := evalJS[string](p, "URL", `location.hash`); hash != "#/addresses/"+got[0].ID {
		t.Errorf("after the save the console is at %s, want the new address's page", hash)
	}
	p.noMessageBox()

	p.openDialog("#address-edit", "#address-form")
	p.waitFor("the text prefilled", `document.querySelector('#address-form-text')?.value === `+jsString(text),
		`document.querySelector('#address-form-text')?.value`)
	p.replaceInput("#address-form-text", renamed)
	p.click("#address-save")
	p.dialogClosed()
	p.waitText("#address-detail .title", renamed)
	p.noRawKeys("address page")
	p.shot("registry-address-02-renamed")
	if got := find("地址测试路"); len(got) != 1 || got[0].Text != renamed || got[0].Version != 2 {
		t.Errorf("after the edit: %+v, want %s at version 2", got, renamed)
	}

	p.open("/addresses")
	p.waitText("#addresses-table", renamed)
	if body := evalJS[string](p, "list text", `document.querySelector('#addresses-table').innerText`); strings.Contains(body, text) {
		t.Errorf("the list still shows the old text %s", text)
	}
}
