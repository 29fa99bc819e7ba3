package authn_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth/totp"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/testapp"
)

type login struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp,omitempty"`
}

func TestLoginAndLockout(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	leader := a.Account("leader")
	c := a.Anon()

	var me struct {
		Username    string   `json:"username"`
		Permissions []string `json:"permissions"`
		Roles       []struct {
			RoleName string `json:"role_name"`
		} `json:"roles"`
	}
	if st := c.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("me before login: %d", st)
	}
	// Unknown names and wrong passwords get the same answer, and both lock.
	for _, name := range []string{leader.Username, "no-such-user"} {
		for i := 1; i <= 5; i++ {
			p := c.Fail("POST", "/api/v1/auth/login", login{name, "Wrong-password-1", ""})
			want := "auth.invalid_credentials"
			if i == 5 {
				want = "auth.locked"
			}
			if p.Code != want {
				t.Fatalf("%s attempt %d: %s (%d), want %s", name, i, p.Code, p.Status, want)
			}
		}
		p := c.Fail("POST", "/api/v1/auth/login", login{name, leader.Password, ""})
		if p.Status != 423 || p.Code != "auth.locked" {
			t.Fatalf("%s after lockout with the right password: %d %s", name, p.Status, p.Code)
		}
	}
	// The system administrator unlocks; the right password works again.
	admin := a.Login("sys_admin")
	var users struct {
		Items []struct {
			ID     string `json:"id"`
			Locked bool   `json:"locked"`
		} `json:"items"`
	}
	admin.Do("GET", "/api/v1/users?q="+leader.Username, nil, &users)
	if len(users.Items) != 1 || !users.Items[0].Locked {
		t.Fatalf("locked flag: %+v", users.Items)
	}
	if st := admin.Do("POST", "/api/v1/users/"+users.Items[0].ID+"/unlock", nil, nil); st != 204 {
		t.Fatalf("unlock: %d", st)
	}
	if st := c.Do("POST", "/api/v1/auth/login", login{leader.Username, leader.Password, ""}, nil); st != 200 {
		t.Fatalf("login after unlock: %d", st)
	}
	c.Do("GET", "/api/v1/me", nil, &me)
	if me.Username != leader.Username || len(me.Permissions) == 0 || len(me.Roles) != 1 || me.Roles[0].RoleName != "Leader" {
		t.Fatalf("me: %+v", me)
	}
	// Audit: failures, lockouts, the unlock and the success are all recorded;
	// tries against a locked name are counted, one row a minute.
	if err := a.Audit.FlushRefusals(context.Background(), a.DB); err != nil {
		t.Fatal(err)
	}
	audit := a.Login("audit_admin")
	var rows struct {
		Items []struct {
			Action, Result, Username, IP, RequestID string
		} `json:"items"`
	}
	audit.Do("GET", "/api/v1/audit?limit=500", nil, &rows)
	count := map[string]int{}
	for _, r := range rows.Items {
		count[r.Action+"/"+r.Result]++
		if r.IP == "" {
			t.Errorf("audit row without source address: %+v", r)
		}
	}
	if count["auth.login/failure"] < 10 || count["auth.login/denied"] != 1 || count["auth.lockout/success"] != 2 || count["user.unlock/success"] != 1 || count["auth.login/success"] < 3 {
		t.Fatalf("audit counts: %v", count)
	}
}

func TestTOTPRequiredForAdministrators(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	acc := a.Account("sys_admin")
	c := a.Anon()
	if p := c.Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, ""}); p.Code != "auth.otp_required" {
		t.Fatalf("no code: %s", p.Code)
	}
	if p := c.Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, "000000"}); p.Code != "auth.invalid_credentials" && p.Code != "auth.otp_invalid" {
		t.Fatalf("wrong code: %s", p.Code)
	}
	code, _ := totp.Code(acc.TOTPSecret, time.Now())
	if st := c.Do("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, code}, nil); st != 200 {
		t.Fatalf("right code: %d", st)
	}
	// The same code cannot be used twice.
	if p := a.Anon().Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, code}); p.Status != 401 {
		t.Fatalf("replayed code: %d %s", p.Status, p.Code)
	}
}

func TestSessionTimeoutsLogoutAndCSRF(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Login("leader")
	var node struct {
		Items []struct{ ID string } `json:"items"`
	}
	c.Do("GET", "/api/v1/org/roots", nil, &node)

	// Unsafe methods need the CSRF token of the session.
	token := c.CSRF
	c.CSRF = ""
	if p := c.Fail("POST", "/api/v1/auth/logout", nil); p.Code != "auth.csrf" {
		t.Fatalf("logout without token: %s", p.Code)
	}
	c.CSRF = token

	// Idle timeout: 31 minutes later the session is gone.
	clock := time.Now()
	a.Authn.Now = func() time.Time { return clock }
	if st := c.Do("GET", "/api/v1/me", nil, nil); st != 200 {
		t.Fatalf("me: %d", st)
	}
	clock = clock.Add(31 * time.Minute)
	if st := c.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("after idle 31 min: %d", st)
	}

	// Absolute timeout: active every 20 minutes, still ends after 12 h.
	a.Authn.Now = time.Now
	c = a.Login("leader")
	clock = time.Now()
	a.Authn.Now = func() time.Time { return clock }
	for i := 0; i < 35; i++ { // 35 × 20 min = 11 h 40 min
		clock = clock.Add(20 * time.Minute)
		if st := c.Do("GET", "/api/v1/me", nil, nil); st != 200 {
			t.Fatalf("active session at +%d min: %d", (i+1)*20, st)
		}
	}
	clock = clock.Add(30 * time.Minute)
	if st := c.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("after 12 h: %d", st)
	}

	// Logout kills the session on the server, not only the cookie.
	a.Authn.Now = time.Now
	c = a.Login("leader")
	r := c.Raw("POST", "/api/v1/auth/logout", "", nil)
	if r.Status != 204 || !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v", r.Status, r.Header)
	}
	var n int
	a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM sessions").Scan(&n)
	if n != 0 {
		t.Fatalf("sessions left after logout: %d", n)
	}
}

func TestPasswordChangeAndExpiry(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Login("intake")
	acc := a.Account("intake")
	p := c.Fail("POST", "/api/v1/me/password", map[string]string{"old_password": acc.Password, "new_password": "short"})
	if p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != "new_password" {
		t.Fatalf("weak password: %+v", p)
	}
	p = c.Fail("POST", "/api/v1/me/password", map[string]string{"old_password": "nope", "new_password": "Str0ng-and-l0ng!"})
	if len(p.Errors) == 0 || p.Errors[0].Field != "old_password" {
		t.Fatalf("wrong old password: %+v", p)
	}
	// Past the rotation period every call but /me and the change is refused.
	a.Authn.Now = func() time.Time { return time.Now().Add(91 * 24 * time.Hour) }
	c = a.Login("intake")
	if p := c.Fail("GET", "/api/v1/org/roots", nil); p.Code != "auth.password_expired" {
		t.Fatalf("expired password: %s", p.Code)
	}
	var me struct {
		PasswordExpired bool `json:"password_expired"`
	}
	c.Do("GET", "/api/v1/me", nil, &me)
	if !me.PasswordExpired {
		t.Fatal("me does not say the password expired")
	}
	if st := c.Do("POST", "/api/v1/me/password", map[string]string{"old_password": acc.Password, "new_password": "Str0ng-and-l0ng!"}, nil); st != 204 {
		t.Fatalf("change: %d", st)
	}
	if st := c.Do("GET", "/api/v1/org/roots", nil, nil); st != 200 {
		t.Fatalf("after change: %d", st)
	}
}

// Turning TOTP on needs a first code; replacing a TOTP already on needs the
// current password too, so that a stolen session cannot lock the owner out.
func TestReplacingTOTPNeedsThePassword(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	acc := a.Account("sys_admin")
	c := a.Login("sys_admin")
	var setup struct{ Secret string }
	if st := c.Do("POST", "/api/v1/me/totp/setup", nil, &setup); st != 200 || setup.Secret == "" {
		t.Fatalf("setup: %d", st)
	}
	code, _ := totp.Code(setup.Secret, time.Now())
	if p := c.Fail("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code}); p.Status != 400 || p.Errors[0].Field != "password" {
		t.Fatalf("replace without the password: %+v", p)
	}
	if p := c.Fail("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code, "password": "wrong"}); p.Status != 400 || p.Errors[0].Field != "password" {
		t.Fatalf("replace with a wrong password: %+v", p)
	}
	if st := c.Do("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code, "password": acc.Password}, nil); st != 204 {
		t.Fatalf("replace with the password: %d", st)
	}
	// Turning it on for the first time needs the password too.
	leader := a.Account("leader")
	lc := a.Login("leader")
	lc.Do("POST", "/api/v1/me/totp/setup", nil, &setup)
	code, _ = totp.Code(setup.Secret, time.Now())
	if p := lc.Fail("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code}); p.Status != 400 || p.Errors[0].Field != "password" {
		t.Fatalf("first enrolment without the password: %+v", p)
	}
	if st := lc.Do("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code, "password": leader.Password}, nil); st != 204 {
		t.Fatalf("first enrolment: %d", st)
	}
	// Wrong passwords here count like failed sign-ins: with the two above,
	// three more lock the account (a stolen session cannot guess on).
	for i := range 3 {
		p := c.Fail("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code, "password": fmt.Sprint("wrong", i)})
		if (i < 2 && p.Status != 400) || (i == 2 && p.Code != "auth.locked") {
			t.Fatalf("wrong password %d at enrolment: %d %s", i+1, p.Status, p.Code)
		}
	}
	if p := a.Anon().Fail("POST", "/api/v1/auth/login", login{acc.Username, acc.Password, a.NextOTP(acc)}); p.Code != "auth.locked" {
		t.Fatalf("sign-in after five wrong passwords at TOTP enrolment: %d %s", p.Status, p.Code)
	}
}

// Prune deletes sessions nobody came back to after their timeout and
// sign-in attempts older than a year (unknown names included), and keeps
// live sessions and recent attempts.
func TestPruneSessionsAndAttempts(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := t.Context()
	live := a.Login("leader")
	a.Login("intake")
	a.Anon().Fail("POST", "/api/v1/auth/login", login{"nobody-at-all", "Wrong#Pass-2026", ""})
	count := func(table string) int {
		var n int
		if err := a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	sessions, attempts := count("sessions"), count("login_attempts")
	if err := a.Authn.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if count("sessions") != sessions || count("login_attempts") != attempts {
		t.Fatalf("prune took live sessions or recent attempts")
	}
	clock := time.Now().Add(31 * time.Minute) // both sessions idle past 30 min
	a.Authn.Now = func() time.Time { return clock }
	if err := a.Authn.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count("sessions"); n != 0 {
		t.Errorf("%d idle sessions left", n)
	}
	if count("login_attempts") != attempts {
		t.Errorf("attempts of the last hour pruned")
	}
	clock = time.Now().Add(366 * 24 * time.Hour)
	if err := a.Authn.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count("login_attempts"); n != 0 {
		t.Errorf("%d attempts older than a year left", n)
	}
	a.Authn.Now = time.Now
	if st := live.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Errorf("a pruned session still works: %d", st)
	}
}

// One address failing over many names (password spraying) is slowed down
// once it reaches 30 failures in the window, but not shut out: a right
// password still signs in from it (an office behind one proxy address).
func TestAddressSlowedNotShutAfterFailuresOverManyNames(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	leader := a.Account("leader")
	c := a.Anon()
	for i := range 31 {
		p := c.Fail("POST", "/api/v1/auth/login", login{fmt.Sprintf("sprayed-%d", i), "Spray#Pass-2026", ""})
		if p.Code != "auth.invalid_credentials" {
			t.Fatalf("attempt %d: %d %s", i+1, p.Status, p.Code)
		}
	}
	if st := c.Do("POST", "/api/v1/auth/login", login{leader.Username, leader.Password, ""}, nil); st != 200 {
		t.Fatalf("right password from an address with 31 failures: %d", st)
	}
	gm := a.Account("grid_member")
	if st := a.Anon().Do("POST", "/api/v1/auth/login", login{gm.Username, gm.Password, a.NextOTP(gm)}, nil); st != 200 {
		t.Fatalf("right password and code from the address: %d", st)
	}
	// The slowdown grows with the failures and stops at a few seconds.
	for n, want := range map[int]time.Duration{0: 0, 29: 0, 30: 250 * time.Millisecond, 33: time.Second, 41: 3 * time.Second, 5000: 3 * time.Second} {
		if got := authn.AddressDelay(n); got != want {
			t.Errorf("AddressDelay(%d) = %v, want %v", n, got, want)
		}
	}
}
