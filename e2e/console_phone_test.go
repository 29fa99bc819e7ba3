package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestConsoleOnAPhone: a leader opens the console on a 390 px phone. The
// menu is not a sidebar squeezing the page but a drawer behind the header's
// menu button; the header and the page fit the screen; choosing a page in
// the drawer opens it and closes the drawer.
func TestConsoleOnAPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "leader")
	p.visible("#menu-button")
	fits := `document.documentElement.scrollWidth <= innerWidth
		&& ['#menu-button', '#logout-button', '#header-user'].every(s => { const r = document.querySelector(s).getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth })`
	if !evalJS[bool](p, "no sidebar", `!document.querySelector('#side-menu')`) {
		t.Error("the sidebar takes room on a phone")
	}
	p.waitFor("the header and the page within the screen", fits,
		`[document.documentElement.scrollWidth, innerWidth, document.querySelector('#logout-button').getBoundingClientRect().right]`)
	p.noRawKeys("console on a phone")
	p.shot("console-phone-01-dashboard")

	p.click("#menu-button")
	p.visible(`#side-menu [data-menu="events"]`)
	p.settle()
	p.shot("console-phone-02-menu")
	p.click(`#side-menu [data-menu="events"]`)
	p.waitFor("the event list, the drawer closed", `location.hash.startsWith('#/events') && !document.querySelector('.layout-drawer .el-drawer__body')?.offsetParent`,
		`location.hash`)
	p.waitFor("the list within the screen", fits, `document.documentElement.scrollWidth`)
	p.shot("console-phone-03-events")
}
