package account_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

const initialPassword = "Wangge#2026-qx"

// sep is a test's server with the security administrator signed in and
// the role ids by code.
type sep struct {
	t      *testing.T
	a      *testapp.App
	sec    *testapp.Client
	county string
	roles  map[string]string
}

func newSep(t *testing.T) *sep {
	a := testapp.New(t)
	s := &sep{t: t, a: a, sec: a.Login("sec_admin"), roles: map[string]string{}}
	s.county = orgID(t, s.sec)
	var roles struct{ Items []role }
	s.sec.Do("GET", "/api/v1/roles", nil, &roles)
	for _, r := range roles.Items {
		s.roles[r.Code] = r.ID
	}
	return s
}

// system is a context acting as `gridgov user …` on the server.
func system() context.Context {
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	return audit.WithMeta(ctx, audit.Meta{RequestID: "test", IP: "local"})
}

// user creates an account at the county with an initial password.
func (s *sep) user(name string) string {
	s.t.Helper()
	u, err := s.a.Accounts.CreateUser(system(), account.NewUser{Username: name, DisplayName: name, Password: initialPassword, OrgID: s.county})
	if err != nil {
		s.t.Fatal(err)
	}
	return u.ID
}

// customRole creates a role through the API and returns its id.
func (s *sep) customRole(code string, perms ...string) string {
	s.t.Helper()
	var r role
	if st := s.sec.Do("POST", "/api/v1/roles", map[string]any{"code": code, "name": code, "permissions": perms}, &r); st != 201 {
		s.t.Fatalf("role %s %v: %d", code, perms, st)
	}
	s.roles[code] = r.ID
	return r.ID
}

func (s *sep) grant(userID, roleCode string) testapp.Problem {
	s.t.Helper()
	r := s.sec.Raw("POST", "/api/v1/users/"+userID+"/roles", "application/json",
		[]byte(`{"role_id":"`+s.roles[roleCode]+`","org_id":"`+s.county+`"}`))
	if r.Status == 201 {
		return testapp.Problem{Status: 201}
	}
	return s.sec.Fail("POST", "/api/v1/users/"+userID+"/roles", map[string]string{"role_id": s.roles[roleCode], "org_id": s.county})
}

func (s *sep) demoUserID(role string) string {
	s.t.Helper()
	id, err := s.a.Accounts.UserID(system(), s.a.Account(role).Username)
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// A role whose permissions come from two families (the system, security
// and audit administrators', personal data) is refused when created or
// changed, naming the two permissions; read permissions go with any.
func TestRoleMixingFamiliesIsRefused(t *testing.T) {
	t.Parallel()
	s := newSep(t)
	for _, perms := range [][]string{
		{"audit.read", "role.assign", "personal.reveal"}, // the example
		{"user.write", "audit.read"},
		{"org.write", "role.assign"},
		{"security.write", "event.config"},
		{"audit.read", "personal.reveal"},
		{"grid.import", "pii.sensitive.drug_user"},
		{"registry.read", "personal.reveal", "role.read"},
	} {
		p := s.sec.Fail("POST", "/api/v1/roles", map[string]any{"code": "mixed", "name": "混合", "permissions": perms})
		if p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "permissions" || p.Errors[0].Code != "role.family_clash" {
			t.Errorf("role of %v: %+v", perms, p)
		}
	}
	// One family with neutral reads is fine.
	s.customRole("org_keeper", "org.read", "org.write", "grid.read", "user.read")
	s.customRole("auditor2", "audit.read", "org.read", "user.read")
	revealer := s.customRole("revealer", "registry.read", "personal.reveal")
	// Changing a role to mix is refused too.
	p := s.sec.Fail("PUT", "/api/v1/roles/"+revealer, map[string]any{"name": "x", "permissions": []string{"personal.reveal", "audit.read"}})
	if p.Status != 400 || p.Errors[0].Code != "role.family_clash" {
		t.Fatalf("changing a role to mix: %+v", p)
	}
	// A change that keeps the role in one family but would mix in a
	// holder's hands is refused, naming the holder.
	u := s.user("li.na")
	if p := s.grant(u, "revealer"); p.Status != 201 {
		t.Fatalf("grant revealer: %+v", p)
	}
	if p := s.grant(u, "org_keeper"); p.Status != 400 || p.Errors[0].Code != "role.admin_separation" {
		t.Fatalf("revealer + org keeper: %+v", p)
	}
	if p := s.grant(u, "leader"); p.Status != 201 {
		t.Fatalf("grant leader: %+v", p)
	}
	leaderLike := s.customRole("watcher", "event.read")
	if p := s.grant(u, "watcher"); p.Status != 201 {
		t.Fatalf("grant watcher: %+v", p)
	}
	p = s.sec.Fail("PUT", "/api/v1/roles/"+leaderLike, map[string]any{"name": "x", "permissions": []string{"event.read", "event.config"}})
	if p.Status != 400 || p.Errors[0].Code != "role.family_clash_holder" || !containsText(p.Errors[0].Message, "li.na") {
		t.Fatalf("changing a held role to mix in its holder's hands: %+v", p)
	}
}

func containsText(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Granting a role is refused when the account's grants together would mix
// families, whatever the roles are called: two administrators, an
// administrator and personal data, custom roles of different families.
func TestAssigningRolesWhoseUnionMixesIsRefused(t *testing.T) {
	t.Parallel()
	s := newSep(t)
	s.customRole("auditor2", "audit.read")
	s.customRole("configurer", "event.config")
	s.customRole("revealer", "registry.read", "personal.reveal")
	s.customRole("viewer", "org.read", "grid.read", "event.read")
	for _, c := range []struct{ first, second string }{
		{"auditor2", "sys_admin"},
		{"sys_admin", "auditor2"},
		{"grid_member", "configurer"},
		{"sec_admin", "configurer"},
		{"police", "audit_admin"},
		{"revealer", "sec_admin"},
		{"audit_admin", "revealer"},
		{"configurer", "civil_affairs"},
	} {
		u := s.user("u." + c.first + "." + c.second)
		if p := s.grant(u, c.first); p.Status != 201 {
			t.Fatalf("grant %s: %+v", c.first, p)
		}
		p := s.grant(u, c.second)
		if p.Status != 400 || p.Errors[0].Field != "role_id" || p.Errors[0].Code != "role.admin_separation" {
			t.Errorf("%s then %s: %+v", c.first, c.second, p)
		}
	}
	// The demo's system administrator cannot be given personal data or audit.
	sys := s.demoUserID("sys_admin")
	for _, r := range []string{"civil_affairs", "revealer", "auditor2", "audit_admin"} {
		if p := s.grant(sys, r); p.Status != 400 || p.Errors[0].Code != "role.admin_separation" {
			t.Errorf("sysadmin given %s: %+v", r, p)
		}
	}
	// Roles of one family, or of none, go together.
	u := s.user("u.ok")
	for _, r := range []string{"sys_admin", "configurer", "viewer"} {
		if p := s.grant(u, r); p.Status != 201 {
			t.Errorf("grant %s: %+v", r, p)
		}
	}
}

// Grants that mix families behind the application's back (a changed
// database) open no session and end the sessions open: refused and audited.
func TestMixedGrantsInTheDatabaseAreRefusedAtSignIn(t *testing.T) {
	t.Parallel()
	s := newSep(t)
	sysC := s.a.Login("sys_admin")
	sys := s.demoUserID("sys_admin")
	ctx := context.Background()
	if err := s.a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO role_assignments (id, user_id, role_id, org_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
			db.NewID(), sys, s.roles["audit_admin"], s.county, db.Now(), "tamper")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if st := sysC.Do("GET", "/api/v1/org/roots", nil, nil); st != 401 {
		t.Fatalf("open session of an account with mixed grants: %d", st)
	}
	acc := s.a.Account("sys_admin")
	p := s.a.Anon().Fail("POST", "/api/v1/auth/login", map[string]string{"username": acc.Username, "password": acc.Password, "otp": s.a.NextOTP(acc)})
	if p.Status != 403 || p.Code != "auth.separation_broken" {
		t.Fatalf("sign-in with mixed grants: %+v", p)
	}
	var n int
	if err := s.a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE user_id = ? AND result = ? AND detail LIKE ?",
		sys, audit.Denied, "separation_broken%").Scan(&n); err != nil || n != 2 {
		t.Fatalf("audit rows of the refusals: %d %v", n, err)
	}
}

// No administrator resets another's credentials with the powers of their
// own family: the system administrator resets ordinary accounts only, the
// security administrator the other administrators (not another security
// administrator, nor themselves), the server's command line anyone. Each
// reset is audited and forces a change at the next sign-in.
func TestCredentialResetsFollowSeparationOfDuties(t *testing.T) {
	t.Parallel()
	s := newSep(t)
	sys := s.a.Login("sys_admin")
	auditID := s.demoUserID("audit_admin")
	secID := s.demoUserID("sec_admin")
	sysID := s.demoUserID("sys_admin")
	intakeID := s.demoUserID("intake")
	const temp = "Temp#Reset-2026x"
	pw := map[string]string{"password": temp}

	for _, c := range []struct {
		who  *testapp.Client
		user string
		code string
	}{
		{sys, auditID, "user.reset_needs_security_admin"},
		{sys, secID, "user.reset_security_admin"},
		{sys, sysID, "user.reset_self"},
		{s.sec, secID, "user.reset_self"},
		{s.sec, intakeID, "user.reset_needs_system_admin"},
	} {
		for _, path := range []string{"/reset-password", "/reset-totp"} {
			var body any
			if path == "/reset-password" {
				body = pw
			}
			if p := c.who.Fail("POST", "/api/v1/users/"+c.user+path, body); p.Status != 403 || p.Code != c.code {
				t.Errorf("%s of %s: %d %s, want 403 %s", path, c.user, p.Status, p.Code, c.code)
			}
		}
	}
	// A second security administrator: only the command line resets them.
	sec2 := s.user("sec.two")
	if p := s.grant(sec2, "sec_admin"); p.Status != 201 {
		t.Fatalf("grant sec_admin: %+v", p)
	}
	if p := s.sec.Fail("POST", "/api/v1/users/"+sec2+"/reset-totp", nil); p.Code != "user.reset_security_admin" {
		t.Errorf("sec admin resets another sec admin: %+v", p)
	}
	if err := s.a.Accounts.ResetTOTP(system(), sec2); err != nil {
		t.Errorf("command line resets a sec admin: %v", err)
	}

	// The system administrator resets an ordinary account.
	if st := sys.Do("POST", "/api/v1/users/"+intakeID+"/reset-password", pw, nil); st != 204 {
		t.Fatalf("sysadmin resets intake: %d", st)
	}
	// The security administrator resets the audit administrator's password
	// and TOTP: audited, and the audit administrator must change the
	// password and enrol a new authenticator before anything else.
	if st := s.sec.Do("POST", "/api/v1/users/"+auditID+"/reset-password", pw, nil); st != 204 {
		t.Fatalf("secadmin resets the audit admin's password: %d", st)
	}
	if st := s.sec.Do("POST", "/api/v1/users/"+auditID+"/reset-totp", nil, nil); st != 204 {
		t.Fatalf("secadmin resets the audit admin's TOTP: %d", st)
	}
	ctx := context.Background()
	for _, action := range []string{"user.reset_password", "user.reset_totp"} {
		var n int
		if err := s.a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = ? AND object_id = ? AND username = ? AND result = ?",
			action, auditID, s.a.Account("sec_admin").Username, audit.Success).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit rows of %s by the security administrator: %d %v", action, n, err)
		}
	}
	var denied int
	s.a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action LIKE 'user.reset_%' AND result = ?", audit.Denied).Scan(&denied)
	if denied < 11 {
		t.Errorf("%d refused resets audited, want 11", denied)
	}
	aud := s.a.Anon()
	var me struct {
		PasswordExpired bool `json:"password_expired"`
		TOTPMissing     bool `json:"totp_missing"`
	}
	acc := s.a.Account("audit_admin")
	if st := aud.Do("POST", "/api/v1/auth/login", map[string]string{"username": acc.Username, "password": temp}, &struct{ User any }{}); st != 200 {
		t.Fatalf("audit admin signs in with the temporary password: %d", st)
	}
	aud.Do("GET", "/api/v1/me", nil, &me)
	if !me.PasswordExpired || !me.TOTPMissing {
		t.Fatalf("after the resets: %+v", me)
	}
	if p := aud.Fail("GET", "/api/v1/audit", nil); p.Code != "auth.password_expired" {
		t.Fatalf("audit log before the change: %+v", p)
	}
}

// An ordinary account given a role that reveals personal data must use
// TOTP, whatever the role is called and whatever the settings say: it
// signs in to a session that can only change the password and enrol an
// authenticator (with its password), and from then on needs the code.
func TestOrdinaryAccountWithARevealRoleMustUseTOTP(t *testing.T) {
	t.Parallel()
	s := newSep(t)
	s.customRole("helper", "registry.read", "personal.reveal")
	id := s.user("wang.fang")
	if p := s.grant(id, "helper"); p.Status != 201 {
		t.Fatalf("grant: %+v", p)
	}
	c := s.a.Anon()
	var login struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": "wang.fang", "password": initialPassword}, &login); st != 200 {
		t.Fatalf("first sign-in: %d", st)
	}
	c.CSRF = login.CSRFToken
	const newPassword = "Wangfang#2026-new"
	if st := c.Do("POST", "/api/v1/me/password", map[string]string{"old_password": initialPassword, "new_password": newPassword}, nil); st != 204 {
		t.Fatalf("change the initial password: %d", st)
	}
	if p := c.Fail("GET", "/api/v1/people", nil); p.Status != 403 || p.Code != "auth.totp_enrolment_required" {
		t.Fatalf("before enrolling TOTP: %+v", p)
	}
	var setup struct{ Secret string }
	if st := c.Do("POST", "/api/v1/me/totp/setup", nil, &setup); st != 200 {
		t.Fatalf("setup: %d", st)
	}
	code := testapp.OTP(demo.Account{TOTPSecret: setup.Secret})
	if p := c.Fail("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code}); p.Errors[0].Field != "password" {
		t.Fatalf("enrol without the password: %+v", p)
	}
	if st := c.Do("POST", "/api/v1/me/totp/confirm", map[string]string{"secret": setup.Secret, "code": code, "password": newPassword}, nil); st != 204 {
		t.Fatalf("enrol: %d", st)
	}
	if st := c.Do("GET", "/api/v1/people", nil, nil); st != 200 {
		t.Fatalf("after enrolling: %d", st)
	}
	if p := s.a.Anon().Fail("POST", "/api/v1/auth/login", map[string]string{"username": "wang.fang", "password": newPassword}); p.Code != "auth.otp_required" {
		t.Fatalf("sign-in without a code: %+v", p)
	}
}

// Disabling, enabling and unlocking an account follow the authority of its
// credentials: the system administrator can neither shut the audit
// administrator out nor unlock them, the security administrator can, and a
// security administrator is disabled only on the server. Refusals are
// audited.
func TestDisablingAndUnlockingFollowSeparationOfDuties(t *testing.T) {
	t.Parallel()
	s := newSep(t)
	sys := s.a.Login("sys_admin")
	auditID := s.demoUserID("audit_admin")
	intakeID := s.demoUserID("intake")
	status := func(c *testapp.Client, id, st string) testapp.Problem {
		t.Helper()
		var u struct {
			Version int `json:"version"`
		}
		c.Do("GET", "/api/v1/users/"+id, nil, &u)
		body, _ := json.Marshal(map[string]any{"status": st, "version": u.Version})
		r := c.Raw("PATCH", "/api/v1/users/"+id, "application/json", body)
		p := testapp.Problem{Status: r.Status}
		if r.Status != 200 {
			json.Unmarshal(r.Body, &p)
		}
		return p
	}

	if p := status(sys, auditID, "disabled"); p.Status != 403 || p.Code != "user.reset_needs_security_admin" {
		t.Errorf("sysadmin disables the audit admin: %+v", p)
	}
	if p := sys.Fail("POST", "/api/v1/users/"+auditID+"/unlock", nil); p.Status != 403 || p.Code != "user.reset_needs_security_admin" {
		t.Errorf("sysadmin unlocks the audit admin: %+v", p)
	}
	if p := status(s.sec, intakeID, "disabled"); p.Status != 403 || p.Code != "user.reset_needs_system_admin" {
		t.Errorf("secadmin disables an ordinary account: %+v", p)
	}
	if p := status(sys, intakeID, "disabled"); p.Status != 200 {
		t.Errorf("sysadmin disables intake: %+v", p)
	}
	if p := status(s.sec, auditID, "disabled"); p.Status != 200 {
		t.Fatalf("secadmin disables the audit admin: %+v", p)
	}
	if p := status(s.sec, auditID, "active"); p.Status != 200 {
		t.Fatalf("secadmin enables the audit admin: %+v", p)
	}
	if st := s.sec.Do("POST", "/api/v1/users/"+auditID+"/unlock", nil, nil); st != 204 {
		t.Errorf("secadmin unlocks the audit admin: %d", st)
	}

	sec2 := s.user("sec.three")
	if p := s.grant(sec2, "sec_admin"); p.Status != 201 {
		t.Fatalf("grant sec_admin: %+v", p)
	}
	if p := status(s.sec, sec2, "disabled"); p.Code != "user.reset_security_admin" {
		t.Errorf("secadmin disables another secadmin: %+v", p)
	}
	u, err := s.a.Accounts.GetUser(system(), sec2)
	if err != nil {
		t.Fatal(err)
	}
	off := "disabled"
	if _, err := s.a.Accounts.UpdateUser(system(), sec2, account.UserPatch{Status: &off, Version: u.Version}); err != nil {
		t.Errorf("the command line disables a secadmin: %v", err)
	}

	var denied int
	if err := s.a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action IN ('user.update', 'user.unlock') AND result = ?",
		audit.Denied).Scan(&denied); err != nil || denied != 4 {
		t.Errorf("%d refused status changes and unlocks audited, want 4 (%v)", denied, err)
	}
}
