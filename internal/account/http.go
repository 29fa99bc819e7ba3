package account

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

// UserList is a page of users.
type UserList struct {
	Items      []User `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// PasswordReset is the body of a password reset.
type PasswordReset struct {
	Password string `json:"password"`
}

// PermView is a catalogue entry with its display name.
type PermView struct {
	Code  authz.Perm `json:"code"`
	Name  string     `json:"name"`
	Group string     `json:"group"`
}

// AuditList is a page of audit rows.
type AuditList struct {
	Items      []audit.Entry `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

type items[T any] struct {
	Items []T `json:"items"`
}

type idResponse struct {
	ID string `json:"id"`
}

// resetAccess says who resets credentials, unlocks, disables and enables
// an account (Service.resetAuthority).
const resetAccess = "user.write over the account's org for an ordinary account; security.write for an account holding a system or audit administrator's permission; " +
	"nobody for their own account or a security administrator's (only `gridgov user reset` on the server)"

// Routes returns the administrators' endpoints.
func (s *Service) Routes() []httpx.Route {
	h := handler{s}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/users", Tag: "accounts", Summary: "List users in scope", Perm: authz.UserRead,
			Params: []httpx.Param{{Name: "q", In: "query"}, {Name: "org_id", In: "query"}, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
			Do:     httpx.Get(h.listUsers)},
		{Method: "POST", Path: "/api/v1/users", Tag: "accounts", Summary: "Create a user", Perm: authz.UserWrite,
			Status: 201, Do: httpx.Call(h.createUser)},
		{Method: "GET", Path: "/api/v1/users/{id}", Tag: "accounts", Summary: "One user", Perm: authz.UserRead,
			Do: httpx.Get(h.user)},
		{Method: "PATCH", Path: "/api/v1/users/{id}", Tag: "accounts", Summary: "Change a user's name or status",
			Access: "user.write over the account's org for its name and unit; its status as for a reset: " + resetAccess,
			Do:     httpx.Call(h.updateUser)},
		{Method: "POST", Path: "/api/v1/users/{id}/reset-password", Tag: "accounts", Summary: "Set an initial password the user must change",
			Access: resetAccess, Status: 204, Do: httpx.Call(h.resetPassword)},
		{Method: "POST", Path: "/api/v1/users/{id}/unlock", Tag: "accounts", Summary: "Lift a lockout",
			Access: resetAccess, Status: 204, Do: httpx.Get(h.unlock)},
		{Method: "POST", Path: "/api/v1/users/{id}/reset-totp", Tag: "accounts", Summary: "Remove the TOTP secret: the user enrols a new one at the next sign-in",
			Access: resetAccess, Status: 204, Do: httpx.Get(h.resetTOTP)},
		{Method: "POST", Path: "/api/v1/users/{id}/roles", Tag: "accounts", Summary: "Grant a role over an org node",
			Perm: authz.RoleAssign, Status: 201, Do: httpx.Call(h.assign)},
		{Method: "DELETE", Path: "/api/v1/users/{id}/roles/{assignment}", Tag: "accounts", Summary: "Remove a grant",
			Perm: authz.RoleAssign, Status: 204, Do: httpx.Get(h.unassign)},
		{Method: "GET", Path: "/api/v1/permissions", Tag: "accounts", Summary: "The permission catalogue", Perm: authz.RoleRead,
			Do: httpx.Get(h.permissions)},
		{Method: "GET", Path: "/api/v1/roles", Tag: "accounts", Summary: "Roles and their permissions", Perm: authz.RoleRead,
			Do: httpx.Get(h.roles)},
		{Method: "POST", Path: "/api/v1/roles", Tag: "accounts", Summary: "Create a custom role", Perm: authz.RoleWrite,
			Status: 201, Do: httpx.Call(h.createRole)},
		{Method: "PUT", Path: "/api/v1/roles/{id}", Tag: "accounts", Summary: "Change a custom role", Perm: authz.RoleWrite,
			Do: httpx.Call(h.updateRole)},
		{Method: "GET", Path: "/api/v1/settings/security", Tag: "accounts", Summary: "Security settings", Perm: authz.SecurityRead,
			Do: httpx.Get(h.securitySettings)},
		{Method: "PUT", Path: "/api/v1/settings/security", Tag: "accounts", Summary: "Change security settings", Perm: authz.SecurityWrite,
			Do: httpx.Call(h.saveSecuritySettings)},
		{Method: "GET", Path: "/api/v1/audit", Tag: "audit", Summary: "Search the audit log, newest first", Perm: authz.AuditRead,
			Params: []httpx.Param{{Name: "from", In: "query", Desc: "RFC 3339"}, {Name: "to", In: "query", Desc: "RFC 3339"}, {Name: "username", In: "query"},
				{Name: "action", In: "query", Desc: "prefix"}, {Name: "result", In: "query"}, {Name: "object_type", In: "query"}, {Name: "object_id", In: "query"},
				{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
			Do: httpx.Get(h.searchAudit)},
		{Method: "POST", Path: "/api/v1/audit/verify", Tag: "audit", Summary: "Check the audit hash chain", Perm: authz.AuditRead,
			Do: httpx.Get(h.verifyAudit)},
	}
}

// handler holds the endpoints of Routes: each reads the request, calls the
// service and returns what the router writes.
type handler struct{ s *Service }

func pathID(r *http.Request) string { return r.PathValue("id") }

func (h handler) listUsers(r *http.Request) (UserList, error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	users, next, err := h.s.ListUsers(r.Context(), UserQuery{Q: q.Get("q"), OrgID: q.Get("org_id"), After: q.Get("cursor"), Limit: limit})
	if err != nil {
		return UserList{}, err
	}
	for _, u := range users {
		authn.LocalizeRoles(i18n.Lang(r), u.Roles)
	}
	return UserList{Items: users, NextCursor: next}, nil
}

func (h handler) createUser(r *http.Request, in NewUser) (User, error) {
	return h.s.CreateUser(r.Context(), in)
}

func (h handler) user(r *http.Request) (User, error) {
	u, err := h.s.GetUser(r.Context(), pathID(r))
	if err != nil {
		return User{}, err
	}
	authn.LocalizeRoles(i18n.Lang(r), u.Roles)
	return u, nil
}

func (h handler) updateUser(r *http.Request, in UserPatch) (User, error) {
	return h.s.UpdateUser(r.Context(), pathID(r), in)
}

func (h handler) resetPassword(r *http.Request, in PasswordReset) (httpx.None, error) {
	return httpx.None{}, h.s.ResetPassword(r.Context(), pathID(r), in.Password)
}

func (h handler) unlock(r *http.Request) (httpx.None, error) {
	return httpx.None{}, h.s.Unlock(r.Context(), pathID(r))
}

func (h handler) resetTOTP(r *http.Request) (httpx.None, error) {
	return httpx.None{}, h.s.ResetTOTP(r.Context(), pathID(r))
}

func (h handler) assign(r *http.Request, in Assignment) (idResponse, error) {
	aid, err := h.s.Assign(r.Context(), pathID(r), in)
	return idResponse{aid}, err
}

func (h handler) unassign(r *http.Request) (httpx.None, error) {
	return httpx.None{}, h.s.Unassign(r.Context(), pathID(r), r.PathValue("assignment"))
}

func (h handler) permissions(r *http.Request) (items[PermView], error) {
	lang := i18n.Lang(r)
	out := make([]PermView, len(authz.Catalogue))
	for i, c := range authz.Catalogue {
		out[i] = PermView{c.Code, i18n.T(lang, "perm."+string(c.Code), nil), c.Group}
	}
	return items[PermView]{out}, nil
}

func (h handler) roles(r *http.Request) (items[Role], error) {
	roles, err := h.s.ListRoles(r.Context())
	if err != nil {
		return items[Role]{}, err
	}
	for i, role := range roles {
		if name, ok := i18n.Messages(i18n.Lang(r))["role."+role.Code]; ok && role.Builtin {
			roles[i].Name = name
		}
	}
	return items[Role]{roles}, nil
}

func (h handler) createRole(r *http.Request, in RoleInput) (Role, error) {
	return h.s.CreateRole(r.Context(), in)
}

func (h handler) updateRole(r *http.Request, in RoleInput) (Role, error) {
	return h.s.UpdateRole(r.Context(), pathID(r), in)
}

func (h handler) securitySettings(r *http.Request) (authn.Settings, error) {
	return h.s.authn.Settings(r.Context())
}

func (h handler) saveSecuritySettings(r *http.Request, in authn.Settings) (authn.Settings, error) {
	return h.s.authn.SaveSettings(r.Context(), in)
}

func (h handler) searchAudit(r *http.Request) (AuditList, error) {
	q := r.URL.Query()
	var f apperr.Fields
	num := func(name string) int64 {
		v := q.Get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			f.Add(name, "validation.integer")
		}
		return n
	}
	query := audit.Query{From: httpx.QueryTime(q, "from", &f), To: httpx.QueryTime(q, "to", &f), Username: q.Get("username"), Action: q.Get("action"), Result: q.Get("result"),
		ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Before: num("cursor"), Limit: int(num("limit"))}
	if err := f.Err(); err != nil {
		return AuditList{}, err
	}
	rows, next, err := h.s.audit.Search(r.Context(), h.s.db.Reader(), query)
	if err != nil {
		return AuditList{}, err
	}
	h.s.audit.Describe(i18n.Lang(r), rows)
	out := AuditList{Items: rows}
	if next > 0 {
		out.NextCursor = strconv.FormatInt(next, 10)
	}
	return out, nil
}

func (h handler) verifyAudit(r *http.Request) (audit.VerifyResult, error) {
	return h.s.audit.Verify(r.Context(), h.s.db.Reader())
}
