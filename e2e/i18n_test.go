package e2e

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestLanguageSwitch switches the console from Chinese to English with the
// header's language switch: the menu, the page title, the org page and the
// role name from /me change; the choice survives a reload and reaches the
// login page.
func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	chromePath(t) // skip before starting the server when there is no browser
	app := testapp.New(t)
	anon := app.Anon()
	zh := messages(t, anon, "zh-CN")
	en := messages(t, anon, "en")
	for _, k := range []string{"ui.menu.org", "ui.menu.grids", "ui.org.tree", "ui.login.title", "role.leader"} {
		if zh[k] == "" || en[k] == "" || zh[k] == en[k] {
			t.Fatalf("message %s: zh %q en %q, want two different texts", k, zh[k], en[k])
		}
	}

	p := newPage(t, app.URL)
	p.loginAndWait(app.Account("leader"), "", "政法委 黄书记")
	p.open("/org")
	p.waitText(`#side-menu [data-menu="org"]`, zh["ui.menu.org"])
	p.waitText(".header-title", zh["ui.menu.org"])
	p.waitText(".org-tree-card", zh["ui.org.tree"])
	if lang := evalJS[string](p, "lang", `document.documentElement.lang`); lang != "zh-CN" {
		t.Errorf("html lang %q before the switch, want zh-CN", lang)
	}

	p.click(`#lang-switch label:has(input[value="en"])`)
	p.waitText(`#side-menu [data-menu="org"]`, en["ui.menu.org"])
	p.waitText(`#side-menu [data-menu="grids"]`, en["ui.menu.grids"])
	p.waitText(".header-title", en["ui.menu.org"])
	p.waitText(".org-tree-card", en["ui.org.tree"])
	// The role name comes from GET /me, asked again in English.
	if apiRole := meRoleName(t, app, "en"); apiRole != en["role.leader"] {
		t.Errorf("GET /me with Accept-Language: en gives role_name %q, want %q", apiRole, en["role.leader"])
	}
	p.waitText(headerUser+" .user-role", en["role.leader"])
	if lang := evalJS[string](p, "lang", `document.documentElement.lang`); lang != "en" {
		t.Errorf("html lang %q after the switch, want en", lang)
	}
	// No Chinese left in the menu (every item has an English text).
	menu := evalJS[[]string](p, "menu", `[...document.querySelectorAll('#side-menu [data-menu]')].map(e => e.innerText.trim())`)
	han := regexp.MustCompile(`\p{Han}`)
	for _, m := range menu {
		if han.MatchString(m) {
			t.Errorf("menu item %q is not in English", m)
		}
	}
	p.noRawKeys("org page in English")
	p.shot("06-english-org")

	// The choice is kept (localStorage) across a reload.
	p.do("reload", chromedp.Reload())
	p.waitText(`#side-menu [data-menu="org"]`, en["ui.menu.org"])

	// And the login page is in English after logout.
	p.click("#logout-button")
	p.visible("#login-username")
	p.waitText(".login-title", en["ui.login.title"])
	p.noRawKeys("login page in English")
	p.shot("06-english-login")
	if got := p.text(".login-title"); got != en["ui.login.title"] {
		t.Errorf("login title %q, want %q", got, en["ui.login.title"])
	}
}

// meRoleName is the role_name of the leader's first role in GET /me asked in lang.
func meRoleName(t *testing.T, app *testapp.App, lang string) string {
	t.Helper()
	c := app.Login("leader")
	c.Lang = lang
	var me struct {
		Roles []struct {
			RoleName string `json:"role_name"`
		} `json:"roles"`
	}
	if st := c.Do("GET", "/api/v1/me", nil, &me); st != 200 || len(me.Roles) == 0 {
		t.Fatalf("GET /me: %d, %d roles", st, len(me.Roles))
	}
	return me.Roles[0].RoleName
}
