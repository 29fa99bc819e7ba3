package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/testapp"
)

type user struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Status   string `json:"status"`
	Version  int    `json:"version"`
	Roles    []struct {
		AssignmentID string `json:"assignment_id"`
		Role         string `json:"role"`
	} `json:"roles"`
}

type role struct {
	ID          string   `json:"id"`
	Code        string   `json:"code"`
	Builtin     bool     `json:"builtin"`
	Admin       bool     `json:"admin"`
	Permissions []string `json:"permissions"`
}

func orgID(t *testing.T, c *testapp.Client) string {
	var roots struct{ Items []struct{ ID string } }
	c.Do("GET", "/api/v1/org/roots", nil, &roots)
	if len(roots.Items) == 0 {
		t.Fatal("no org root")
	}
	return roots.Items[0].ID
}

func TestUsersRolesAndSeparationOfDuties(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	sys := a.Login("sys_admin")
	sec := a.Login("sec_admin")
	county := orgID(t, sys)

	// Creating a user: the password policy speaks per field.
	p := sys.Fail("POST", "/api/v1/users", map[string]string{"username": "Bad Name", "display_name": "", "password": "password123", "org_id": county})
	fields := map[string]bool{}
	for _, e := range p.Errors {
		fields[e.Field+"/"+e.Code] = true
	}
	for _, want := range []string{"username/user.username_format", "display_name/validation.length", "password/password.too_short", "password/password.common"} {
		if !fields[want] {
			t.Errorf("missing field error %s in %v", want, fields)
		}
	}
	var u user
	if st := sys.Do("POST", "/api/v1/users", map[string]string{"username": "zhang.wei", "display_name": "张伟", "password": "Wangge#2026-qx", "org_id": county}, &u); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if p := sys.Fail("POST", "/api/v1/users", map[string]string{"username": "zhang.wei", "display_name": "x", "password": "Wangge#2026-qx", "org_id": county}); p.Errors[0].Code != "user.username_taken" {
		t.Fatalf("duplicate: %+v", p)
	}
	// The new user must change the initial password before anything else.
	c := a.Anon()
	c.Do("POST", "/api/v1/auth/login", map[string]string{"username": "zhang.wei", "password": "Wangge#2026-qx"}, nil)
	if p := c.Fail("GET", "/api/v1/org/roots", nil); p.Code != "auth.password_expired" {
		t.Fatalf("initial password: %+v", p)
	}

	// The system administrator cannot grant roles; the security administrator can.
	var roles struct{ Items []role }
	if st := sys.Do("GET", "/api/v1/roles", nil, &roles); st != 403 {
		t.Fatalf("sys admin reads roles: %d", st)
	}
	sec.Do("GET", "/api/v1/roles", nil, &roles)
	byCode := map[string]role{}
	for _, r := range roles.Items {
		byCode[r.Code] = r
	}
	if len(byCode) != len(authz.Builtins) || !byCode["audit_admin"].Admin || byCode["leader"].Admin {
		t.Fatalf("roles: %+v", roles.Items)
	}
	if st := sys.Do("POST", "/api/v1/users/"+u.ID+"/roles", map[string]string{"role_id": byCode["leader"].ID, "org_id": county}, nil); st != 403 {
		t.Fatalf("sys admin grants: %d", st)
	}
	var grant struct{ ID string }
	if st := sec.Do("POST", "/api/v1/users/"+u.ID+"/roles", map[string]string{"role_id": byCode["sys_admin"].ID, "org_id": county}, &grant); st != 201 {
		t.Fatalf("grant sys_admin: %d", st)
	}
	if p := sec.Fail("POST", "/api/v1/users/"+u.ID+"/roles", map[string]string{"role_id": byCode["audit_admin"].ID, "org_id": county}); p.Errors[0].Code != "role.admin_separation" {
		t.Fatalf("second admin role: %+v", p)
	}
	if p := sec.Fail("POST", "/api/v1/users/"+u.ID+"/roles", map[string]string{"role_id": byCode["sys_admin"].ID, "org_id": county}); p.Code != "role.already_assigned" {
		t.Fatalf("same grant twice: %+v", p)
	}
	var me struct{ ID string }
	sec.Do("GET", "/api/v1/me", nil, &me)
	if p := sec.Fail("POST", "/api/v1/users/"+me.ID+"/roles", map[string]string{"role_id": byCode["audit_admin"].ID, "org_id": county}); p.Code != "role.no_self_grant" {
		t.Fatalf("self grant: %+v", p)
	}
	if st := sec.Do("DELETE", "/api/v1/users/"+u.ID+"/roles/"+grant.ID, nil, nil); st != 204 {
		t.Fatalf("unassign: %d", st)
	}
	// Built-in roles are fixed; custom roles take known permissions only.
	if p := sec.Fail("PUT", "/api/v1/roles/"+byCode["leader"].ID, map[string]any{"name": "x", "permissions": []string{"org.read"}}); p.Code != "role.builtin_fixed" {
		t.Fatalf("edit builtin: %+v", p)
	}
	if p := sec.Fail("POST", "/api/v1/roles", map[string]any{"code": "viewer", "name": "只读", "permissions": []string{"org.read", "root.everything"}}); p.Errors[0].Field != "permissions[1]" {
		t.Fatalf("unknown permission: %+v", p)
	}
	var viewer role
	if st := sec.Do("POST", "/api/v1/roles", map[string]any{"code": "viewer", "name": "只读", "permissions": []string{"org.read", "grid.read"}}, &viewer); st != 201 || viewer.Builtin {
		t.Fatalf("custom role: %d %+v", st, viewer)
	}
	// Security settings: the administrators' TOTP cannot be switched off.
	var set map[string]any
	sec.Do("GET", "/api/v1/settings/security", nil, &set)
	set["totp_required_roles"] = []string{"sys_admin"}
	if p := sec.Fail("PUT", "/api/v1/settings/security", set); p.Errors[0].Field != "totp_required_roles" {
		t.Fatalf("lift admin TOTP: %+v", p)
	}
	set["totp_required_roles"] = []string{"sys_admin", "sec_admin", "audit_admin", "leader"}
	set["idle_timeout_minutes"] = 15
	if st := sec.Do("PUT", "/api/v1/settings/security", set, nil); st != 200 {
		t.Fatalf("save settings: %d", st)
	}
	// With TOTP now required for leaders, the demo leader (no authenticator)
	// signs in to a session that can only enrol one.
	lc := a.Anon()
	var lme struct {
		TOTPMissing bool `json:"totp_missing"`
	}
	if st := lc.Do("POST", "/api/v1/auth/login", map[string]string{"username": "leader", "password": a.Account("leader").Password}, nil); st != 200 {
		t.Fatalf("leader without TOTP: %d", st)
	}
	if lc.Do("GET", "/api/v1/me", nil, &lme); !lme.TOTPMissing {
		t.Fatalf("leader's session does not ask for TOTP enrolment")
	}
	if p := lc.Fail("GET", "/api/v1/org/roots", nil); p.Code != "auth.totp_enrolment_required" {
		t.Fatalf("leader without TOTP reads the tree: %+v", p)
	}

	// Disable, and the user's sessions end.
	sys.Do("GET", "/api/v1/users/"+u.ID, nil, &u)
	if st := sys.Do("PATCH", "/api/v1/users/"+u.ID, map[string]any{"status": "disabled", "version": u.Version}, &u); st != 200 || u.Status != "disabled" {
		t.Fatalf("disable: %d %+v", st, u)
	}
	if st := c.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("disabled user's session: %d", st)
	}

	// The audit administrator sees all of it, and the chain holds.
	aud := a.Login("audit_admin")
	if err := a.Audit.FlushRefusals(context.Background(), a.DB); err != nil { // refusals are written by the minute
		t.Fatal(err)
	}
	var rows struct {
		Items []struct{ Action, Result string }
	}
	aud.Do("GET", "/api/v1/audit?limit=500", nil, &rows)
	seen := map[string]bool{}
	for _, r := range rows.Items {
		seen[r.Action+"/"+r.Result] = true
	}
	for _, want := range []string{"user.create/success", "role.assign/success", "role.unassign/success", "role.create/success",
		"security.settings/success", "user.update/success", "access.denied/denied"} {
		if !seen[want] {
			t.Errorf("audit lacks %s", want)
		}
	}
	var v struct {
		OK      bool
		Checked int
	}
	if aud.Do("POST", "/api/v1/audit/verify", nil, &v); !v.OK || v.Checked < 10 {
		t.Fatalf("verify: %+v", v)
	}
	if p := aud.Fail("GET", "/api/v1/audit?from=yesterday", nil); p.Errors[0].Field != "from" {
		t.Fatalf("bad time filter: %+v", p)
	}
	if p := aud.Fail("GET", "/api/v1/users", nil); p.Status != 403 || !strings.Contains(p.Detail, "user.read") {
		t.Fatalf("audit admin lists users: %+v", p)
	}
}
