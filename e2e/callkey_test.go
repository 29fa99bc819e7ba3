package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestCallKeyPhone: the demo's grid member signs in on a 390 px phone and
// finds an elderly person's 9-key call on the urgent card over every tab;
// accepts it, walks there with no signal and taps 已到达 (kept on the
// phone), the network returns and the arrival is sent; closes it with a
// note. The centre's console shows the call with its times.
func TestCallKeyPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	acc := app.Account("grid_member")
	p.login(acc, app.NextOTP(acc))
	p.visible("#ck-banner .ck-card")
	p.visible("#ck-banner .ck-accept")
	id := evalJS[string](p, "the call", `document.querySelector('#ck-banner .ck-card').dataset.id`)
	card := `#ck-banner .ck-card[data-id="` + id + `"]`
	if name := p.text(card + " .ck-name"); name == "" {
		t.Fatal("the card names no one")
	}
	// Below it on 待办: the people under psychological protection, by colour.
	p.click("#m-tab-todo")
	p.visible("#m-psych .pv-red")
	p.noRawKeys("the 9-key card")
	p.shot("callkey-01-card")
	// The card stays over the other tabs.
	p.click("#m-tab-report")
	p.visible(card)

	p.click(card + " .ck-accept")
	p.visible(card + " .ck-arrive")
	p.waitFor("the accept sent", `!document.querySelector('#ck-banner .ck-wait')`, `document.querySelector('#ck-banner')?.innerText`)

	// No signal on the way: the arrival waits on the phone.
	p.network(false)
	p.click(card + " .ck-arrive")
	p.visible(card + " .ck-note")
	p.visible(card + " .ck-wait")
	p.shot("callkey-02-offline")
	p.network(true)
	p.waitFor("the arrival sent", `!document.querySelector('#ck-banner .ck-wait')`, `document.querySelector('#ck-banner')?.innerText`)

	p.setTextArea(card+" .ck-note", "已上门测量血压，情况稳定")
	p.click(card + " .ck-close")
	p.waitFor("the card gone", `!document.querySelector(`+jsString(card)+`)`, `document.querySelector('#ck-banner')?.innerText`)
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page is %v px wide", w)
	}

	var a struct {
		Status        string `json:"status"`
		AcceptSeconds *int64 `json:"accept_seconds"`
		ArriveSeconds *int64 `json:"arrive_seconds"`
		Note          string `json:"note"`
		Steps         []struct{ Kind string }
	}
	if st := app.Login("intake").Do("GET", "/api/v1/callkey/alerts/"+id, nil, &a); st != 200 {
		t.Fatalf("the centre's view: %d", st)
	}
	if a.Status != "closed" || a.AcceptSeconds == nil || a.ArriveSeconds == nil || *a.ArriveSeconds < *a.AcceptSeconds || a.Note == "" {
		t.Fatalf("the call as recorded: %+v", a)
	}
	var audited int
	app.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE object_id = ? AND action IN ('callkey.accept', 'callkey.arrive', 'callkey.close')", id).Scan(&audited)
	if audited != 3 {
		t.Errorf("%d of the member's three steps audited", audited)
	}
}

// TestCallKeyConsole: the county centre opens 一键呼叫 from the grid-work
// menu and finds the year's calls with their times, and the registered
// numbers, masked.
func TestCallKeyConsole(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	p := newPage(t, app.URL)
	acc := app.Account("intake")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.waitText(`[data-menu-group="gridwork"]`, "一键呼叫")
	p.open("/callkey")
	p.visible("#ck-alerts .ck-row")
	p.click("#ck-status label:nth-child(3)") // all, the closed ones too
	p.waitFor("a call with its time to accept", `[...document.querySelectorAll('#ck-alerts .ck-accept-time')].some((e) => /秒/.test(e.innerText))`,
		`document.querySelector('#ck-alerts')?.innerText`)
	p.noRawKeys("the 9-key calls")
	p.shot("callkey-03-console")
	p.click("#ck-alerts .ck-row")
	p.visible("#ck-steps")
	p.noRawKeys("a call's steps")
	p.do("close the steps", chromedp.KeyEvent("\x1b"))
	p.click(`#tab-numbers`)
	p.waitFor("the numbers, masked", `/\*{4}/.test(document.querySelector('#ck-numbers')?.innerText || '')`, `document.querySelector('#ck-numbers')?.innerText`)
	p.shot("callkey-04-numbers")
}
