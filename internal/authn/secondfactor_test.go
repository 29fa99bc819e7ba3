package authn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// One TOTP code sent by several sign-ins at once opens exactly one session:
// the code's step is taken atomically.
func TestOneCodeOpensOneSessionUnderConcurrency(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	acc := a.Account("sys_admin")
	body, _ := json.Marshal(login{acc.Username, acc.Password, a.NextOTP(acc)})
	const n = 8
	statuses := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			r, err := a.Anon().Send("POST", "/api/v1/auth/login", "application/json", body, nil)
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = r.Status
		}()
	}
	start.Done()
	done.Wait()
	ok := 0
	for _, st := range statuses {
		switch st {
		case 200:
			ok++
		case 401, 423: // the code was taken; enough replays lock the account
		default:
			t.Errorf("status %d", st)
		}
	}
	var sessions int
	if err := a.DB.Reader().QueryRowContext(context.Background(),
		"SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ?", acc.Username).Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || sessions != 1 {
		t.Fatalf("%d sign-ins succeeded, %d sessions (statuses %v); want one", ok, sessions, statuses)
	}
}

// A right password without its code (otp_required) counts as a failed
// attempt: five in a row lock the account. A success ends the run, so an
// honest two-step sign-in (password, then code) never locks.
func TestOTPRequiredCountsTowardsLockout(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	acc := a.Account("sys_admin")
	c := a.Anon()
	for round := range 2 {
		for i := range 4 {
			if p := c.Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, ""}); p.Code != "auth.otp_required" {
				t.Fatalf("round %d, attempt %d without a code: %d %s", round, i+1, p.Status, p.Code)
			}
		}
		if st := c.Do("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, a.NextOTP(acc)}, nil); st != 200 {
			t.Fatalf("round %d: with the code: %d", round, st)
		}
	}
	for i := range 5 {
		p := c.Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, ""})
		if want := map[bool]string{true: "auth.locked", false: "auth.otp_required"}[i == 4]; p.Code != want {
			t.Fatalf("attempt %d without a code: %s, want %s", i+1, p.Code, want)
		}
	}
	if p := c.Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, testapp.OTP(acc)}); p.Code != "auth.locked" {
		t.Fatalf("locked account with the code: %s", p.Code)
	}
	var failures int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND detail = 'otp_required'").Scan(&failures)
	if failures != 13 {
		t.Errorf("%d otp_required failures audited, want 13", failures)
	}
}

// The client address of audit rows and of the sign-in throttle comes from
// X-Forwarded-For only when the peer is a configured trusted proxy, and
// then it is the rightmost address that is not a trusted proxy.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	acc := a.Account("leader")
	body, _ := json.Marshal(login{acc.Username, acc.Password, ""})
	lastIP := func() (audited, attempt string) {
		t.Helper()
		if err := a.DB.Reader().QueryRowContext(ctx, "SELECT ip FROM audit_log WHERE action = 'auth.login' ORDER BY seq DESC LIMIT 1").Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Reader().QueryRowContext(ctx, "SELECT ip FROM login_attempts ORDER BY at DESC LIMIT 1").Scan(&attempt); err != nil {
			t.Fatal(err)
		}
		return
	}
	signIn := func(xff string) {
		t.Helper()
		if r := a.Anon().RawWith("POST", "/api/v1/auth/login", "application/json", body, map[string]string{"X-Forwarded-For": xff}); r.Status != 200 {
			t.Fatalf("sign-in: %d", r.Status)
		}
	}
	// No trusted proxies (the default): the header is ignored.
	signIn("203.0.113.9")
	if audited, attempt := lastIP(); audited != "127.0.0.1" || attempt != "127.0.0.1" {
		t.Fatalf("untrusted peer: audited %s, attempt %s; want the peer 127.0.0.1", audited, attempt)
	}
	// A trusted peer: the rightmost address that is not a trusted proxy.
	a.Router.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	signIn("198.51.100.7, 203.0.113.9, 10.1.2.3")
	if audited, attempt := lastIP(); audited != "203.0.113.9" || attempt != "203.0.113.9" {
		t.Fatalf("trusted peer: audited %s, attempt %s; want 203.0.113.9", audited, attempt)
	}
	// Another peer is not trusted even when the header names a trusted one.
	a.Router.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}
	signIn("192.0.2.1")
	if audited, _ := lastIP(); audited != "127.0.0.1" {
		t.Fatalf("peer not in the list: audited %s", audited)
	}
}

// A wrong current password when changing the password counts like a failed
// sign-in, so a stolen session cannot guess the password there.
func TestWrongOldPasswordCountsTowardsLockout(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	acc := a.Account("leader")
	c := a.Login("leader")
	for i := range 5 {
		p := c.Fail("POST", "/api/v1/me/password", map[string]string{"old_password": fmt.Sprint("Guess#Pass-", i), "new_password": "Str0ng-and-l0ng!"})
		if (i < 4 && (p.Status != 400 || p.Errors[0].Code != "auth.old_password_wrong")) || (i == 4 && p.Code != "auth.locked") {
			t.Fatalf("guess %d: %d %s", i+1, p.Status, p.Code)
		}
	}
	if p := a.Anon().Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, ""}); p.Code != "auth.locked" {
		t.Fatalf("sign-in after five guesses: %s", p.Code)
	}
}
