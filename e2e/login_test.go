package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestLoginLeaderThenAdminWithOTP signs in as the leader (password only),
// signs out, then signs in as the system administrator, who needs a
// one-time code: the first submit without it is answered with the OTP prompt,
// the second with the code gets in.
func TestLoginLeaderThenAdminWithOTP(t *testing.T) {
	t.Parallel()
	chromePath(t) // skip before starting the server when there is no browser
	app := testapp.New(t)
	p := newPage(t, app.URL)
	leader := app.Account("leader")

	// The login page, with the form filled in.
	p.open("/login")
	p.visible("#login-username")
	p.visible("#login-otp") // always shown
	p.typeInto("#login-username", leader.Username)
	p.typeInto("#login-password", leader.Password)
	p.noRawKeys("login page")
	p.shot("01-login-form")

	p.click("#login-submit")
	p.visible(headerUser)
	p.waitText(headerUser+" .user-name", "政法委 黄书记")
	p.waitText(headerUser+" .user-role", messages(t, app.Anon(), "zh-CN")["role.leader"]) // the role, as /me names it
	p.waitFor("a page of the console (not the login page)",
		`location.hash !== '' && !location.hash.startsWith('#/login') && !!document.querySelector('#side-menu [data-menu="org"]')`,
		`location.hash`)
	p.noRawKeys("console after the leader's login")
	p.shot("01-login-leader")

	// Sign out: back to the login page.
	p.click("#logout-button")
	p.visible("#login-username")
	p.waitFor("the login page after logout", `location.hash.startsWith('#/login')`, `location.hash`)

	// The system administrator: password right, no code → asked for the code.
	admin := app.Account("sys_admin")
	if admin.TOTPSecret == "" {
		t.Fatal("the demo sysadmin has no TOTP secret")
	}
	p.typeInto("#login-username", admin.Username)
	p.typeInto("#login-password", admin.Password)
	status := p.submitLogin()
	if status != 401 {
		t.Fatalf("sysadmin without a code: status %d, want 401 auth.otp_required", status)
	}
	p.visible("#login-error")
	zh := messages(t, app.Anon(), "zh-CN")
	p.waitText("#login-error", zh["auth.otp_required"])
	p.waitFor("the OTP field to be marked as needed",
		`!!document.querySelector('.otp-needed #login-otp')`, `document.querySelector('#login-form').outerHTML.length`)
	p.shot("01-login-otp-required")

	// Now with the code.
	p.typeInto("#login-otp", testapp.OTP(admin))
	if status := p.submitLogin(); status != 200 {
		t.Fatalf("sysadmin with a code: status %d, error %q", status, p.text("#login-error"))
	}
	p.visible(headerUser)
	p.waitText(headerUser+" .user-name", "系统管理员")
	p.waitFor("the users menu of the system administrator", `!!document.querySelector('#side-menu [data-menu="users"]')`,
		`[...document.querySelectorAll('#side-menu [data-menu]')].map(e => e.dataset.menu)`)
	p.noRawKeys("console after the sysadmin's login")
	p.shot("01-login-sysadmin")
}

// TestLoginLockout fails the intake clerk's password five times: the fifth
// answer is 423 auth.locked and the page shows the locked message; then the
// right password is refused the same way.
func TestLoginLockout(t *testing.T) {
	t.Parallel()
	chromePath(t) // skip before starting the server when there is no browser
	app := testapp.New(t)
	p := newPage(t, app.URL)
	acc := app.Account("intake")
	zh := messages(t, app.Anon(), "zh-CN")
	lockedRE := templateRE(zh["auth.locked"])
	wrongText := zh["auth.invalid_credentials"]
	if zh["auth.locked"] == "" || wrongText == "" {
		t.Fatal("no auth.locked / auth.invalid_credentials message in GET /i18n/zh-CN")
	}

	p.open("/login")
	p.visible("#login-username")
	p.typeInto("#login-username", acc.Username)
	p.typeInto("#login-password", acc.Password+"-wrong")
	for i := 1; i <= 5; i++ {
		status := p.submitLogin()
		p.visible("#login-error")
		msg := p.text("#login-error")
		locked := evalJS[bool](p, "locked class", `!!document.querySelector('#login-error.login-locked')`)
		t.Logf("wrong password %d: %d %q", i, status, msg)
		if i < 5 {
			if status != 401 || !strings.Contains(msg, wrongText) || locked {
				t.Fatalf("wrong password %d: status %d, message %q (locked style %v), want 401 %q", i, status, msg, locked, wrongText)
			}
			continue
		}
		if status != 423 || !lockedRE.MatchString(msg) || !locked {
			t.Fatalf("wrong password %d: status %d, message %q (locked style %v), want 423 matching %q", i, status, msg, locked, zh["auth.locked"])
		}
	}
	p.shot("05-lockout-locked")

	// The right password is refused while locked.
	p.setInput("#login-password", acc.Password)
	status := p.submitLogin()
	msg := p.text("#login-error")
	if status != 423 || !lockedRE.MatchString(msg) {
		t.Fatalf("right password while locked: status %d, message %q, want 423 matching %q", status, msg, zh["auth.locked"])
	}
	if !regexp.MustCompile(`\d+`).MatchString(msg) {
		t.Errorf("locked message %q names no number of minutes", msg)
	}
	if h := evalJS[string](p, "hash", `location.hash`); !strings.HasPrefix(h, "#/login") {
		t.Errorf("still locked, but the page went to %s", h)
	}
	if n := evalJS[int](p, "header", `document.querySelectorAll('.header-user, #header-user').length`); n != 0 {
		t.Errorf("locked account reached the console (header shown)")
	}
	p.shot("05-lockout-right-password-refused")

	// The API agrees.
	prob := app.Anon().Fail("POST", "/api/v1/auth/login", map[string]string{"username": acc.Username, "password": acc.Password})
	if prob.Status != 423 || prob.Code != "auth.locked" {
		t.Errorf("API login while locked: %d %s, want 423 auth.locked", prob.Status, prob.Code)
	}
}

// submitLogin clicks the login button and returns the status of the
// POST /auth/login it sends, once the form has shown the outcome (the
// button is no longer busy).
func (p *page) submitLogin() int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	ev, err := chromedp.Run(ctx, chromedp.WaitEvent(network.ResponseReceived,
		func(ev network.EventResponseReceived) bool {
			return strings.HasSuffix(ev.Response.URL, "/api/v1/auth/login")
		},
		chromedp.Click(chromedp.CSS("#login-submit"))))
	if err != nil {
		p.t.Fatalf("submit the login form: %v", err)
	}
	p.waitFor("the login form to finish",
		`(() => { const b = document.querySelector('#login-submit'); return !b || !b.classList.contains('is-loading') })()`+
			` && (!location.hash.startsWith('#/login') || !!document.querySelector('#login-error'))`,
		`location.hash`)
	return ev.Response.Status
}

// TestTOTPEnrolmentAfterReset: the security administrator resets the audit
// administrator's TOTP; at the next sign-in (password only) the console
// opens on the enrolment page and nothing else, and binding a new
// authenticator with its code and the password opens the console.
func TestTOTPEnrolmentAfterReset(t *testing.T) {
	t.Parallel()
	chromePath(t) // skip before starting the server when there is no browser
	app := testapp.New(t)
	auditor := app.Account("audit_admin")
	var who struct{ ID string }
	aud := app.Login("audit_admin")
	aud.Do("GET", "/api/v1/me", nil, &who)
	if st := app.Login("sec_admin").Do("POST", "/api/v1/users/"+who.ID+"/reset-totp", nil, nil); st != 204 {
		t.Fatalf("reset the audit admin's TOTP: %d", st)
	}
	p := newPage(t, app.URL)
	p.login(auditor, "")
	p.visible("#totp-form")
	p.waitFor("the enrolment page", `location.hash.startsWith('#/totp')`, `location.hash`)
	p.waitFor("a secret to bind", `document.querySelector('#totp-secret').value.length >= 32`, `document.querySelector('#totp-secret').value`)
	p.noRawKeys("TOTP enrolment page")
	p.shot("06-totp-enrolment")
	// Another page is refused until the authenticator is bound.
	p.open("/audit")
	p.waitFor("back on the enrolment page", `location.hash.startsWith('#/totp')`, `location.hash`)

	secret := evalJS[string](p, "secret", `document.querySelector('#totp-secret').value`)
	p.typeInto("#totp-code", testapp.OTP(demo.Account{TOTPSecret: secret}))
	p.typeInto("#totp-password", auditor.Password)
	p.click("#totp-save")
	p.waitFor("the audit page after binding", `!!document.querySelector('#side-menu [data-menu="audit"]') && !location.hash.startsWith('#/totp')`, `location.hash`)
	p.shot("06-totp-bound")
}

// TestGridMemberBindsTOTPOnAPhone: grid members see personal data, so they
// sign in with a code, and they bind their authenticator on the phone they
// patrol with. After the system administrator resets it, the enrolment
// page at 390 px shows the step alone, every field within the screen.
func TestGridMemberBindsTOTPOnAPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	gm := app.Account("grid_member")
	var who struct{ ID string }
	app.Login("grid_member").Do("GET", "/api/v1/me", nil, &who)
	if st := app.Login("sys_admin").Do("POST", "/api/v1/users/"+who.ID+"/reset-totp", nil, nil); st != 204 {
		t.Fatalf("reset the grid member's TOTP: %d", st)
	}
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.login(gm, "")
	p.visible("#totp-form")
	p.waitFor("a secret to bind", `document.querySelector('#totp-secret').value.length >= 32`, `document.querySelector('#totp-secret').value`)
	p.noRawKeys("TOTP enrolment on a phone")
	fits := evalJS[bool](p, "the form within the screen", `!document.querySelector('#side-menu')
		&& ['#totp-secret', '#totp-code', '#totp-password', '#totp-save'].every(s => { const r = document.querySelector(s).getBoundingClientRect(); return r.left >= 0 && r.right <= 390 && r.width > 0 })`)
	if !fits {
		t.Error("the enrolment form does not fit a 390 px screen without the menu")
	}
	p.shot("06-totp-enrolment-phone")
	secret := evalJS[string](p, "secret", `document.querySelector('#totp-secret').value`)
	p.typeInto("#totp-code", testapp.OTP(demo.Account{TOTPSecret: secret}))
	p.typeInto("#totp-password", gm.Password)
	p.click("#totp-save")
	p.waitFor("the first page after binding", `!location.hash.startsWith('#/totp') && !location.hash.startsWith('#/login')`, `location.hash`)
}
