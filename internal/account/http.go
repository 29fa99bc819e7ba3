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

// Routes registers the administrators' endpoints.
func (s *Service) Routes(rt *httpx.Router) {
	id := func(r *http.Request) string { return r.PathValue("id") }
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/users", Tag: "accounts", Summary: "List users in scope", Perm: authz.UserRead,
		Params: []httpx.Param{{Name: "q", In: "query"}, {Name: "org_id", In: "query"}, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
		Out:    UserList{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			limit, _ := strconv.Atoi(q.Get("limit"))
			users, next, err := s.ListUsers(r.Context(), UserQuery{Q: q.Get("q"), OrgID: q.Get("org_id"), After: q.Get("cursor"), Limit: limit})
			if err != nil {
				return err
			}
			for _, u := range users {
				authn.LocalizeRoles(i18n.Lang(r), u.Roles)
			}
			httpx.JSON(w, 200, UserList{Items: users, NextCursor: next})
			return nil
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/users", Tag: "accounts", Summary: "Create a user", Perm: authz.UserWrite,
		In: NewUser{}, Out: User{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in NewUser
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			u, err := s.CreateUser(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 201, u)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/users/{id}", Tag: "accounts", Summary: "One user", Perm: authz.UserRead,
		Out: User{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			u, err := s.GetUser(r.Context(), id(r))
			if err != nil {
				return err
			}
			authn.LocalizeRoles(i18n.Lang(r), u.Roles)
			httpx.JSON(w, 200, u)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "PATCH", Path: "/api/v1/users/{id}", Tag: "accounts", Summary: "Change a user's name or status",
		Access: "user.write over the account's org for its name and unit; its status as for a reset: " + resetAccess, In: UserPatch{}, Out: User{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in UserPatch
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			u, err := s.UpdateUser(r.Context(), id(r), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 200, u)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/users/{id}/reset-password", Tag: "accounts", Summary: "Set an initial password the user must change",
		Access: resetAccess, In: PasswordReset{}, Status: 204, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in PasswordReset
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			return noContent(w, s.ResetPassword(r.Context(), id(r), in.Password))
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/users/{id}/unlock", Tag: "accounts", Summary: "Lift a lockout",
		Access: resetAccess, Status: 204, Handler: func(w http.ResponseWriter, r *http.Request) error {
			return noContent(w, s.Unlock(r.Context(), id(r)))
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/users/{id}/reset-totp", Tag: "accounts", Summary: "Remove the TOTP secret: the user enrols a new one at the next sign-in",
		Access: resetAccess, Status: 204, Handler: func(w http.ResponseWriter, r *http.Request) error {
			return noContent(w, s.ResetTOTP(r.Context(), id(r)))
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/users/{id}/roles", Tag: "accounts", Summary: "Grant a role over an org node",
		Perm: authz.RoleAssign, In: Assignment{}, Out: idResponse{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in Assignment
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			aid, err := s.Assign(r.Context(), id(r), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 201, idResponse{aid})
			return nil
		}})
	rt.Handle(httpx.Route{Method: "DELETE", Path: "/api/v1/users/{id}/roles/{assignment}", Tag: "accounts", Summary: "Remove a grant",
		Perm: authz.RoleAssign, Status: 204, Handler: func(w http.ResponseWriter, r *http.Request) error {
			return noContent(w, s.Unassign(r.Context(), id(r), r.PathValue("assignment")))
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/permissions", Tag: "accounts", Summary: "The permission catalogue", Perm: authz.RoleRead,
		Out: items[PermView]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			lang := i18n.Lang(r)
			out := make([]PermView, len(authz.Catalogue))
			for i, c := range authz.Catalogue {
				out[i] = PermView{c.Code, i18n.T(lang, "perm."+string(c.Code), nil), c.Group}
			}
			httpx.JSON(w, 200, items[PermView]{out})
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/roles", Tag: "accounts", Summary: "Roles and their permissions", Perm: authz.RoleRead,
		Out: items[Role]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			roles, err := s.ListRoles(r.Context())
			if err != nil {
				return err
			}
			for i, role := range roles {
				if name, ok := i18n.Messages(i18n.Lang(r))["role."+role.Code]; ok && role.Builtin {
					roles[i].Name = name
				}
			}
			httpx.JSON(w, 200, items[Role]{roles})
			return nil
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/roles", Tag: "accounts", Summary: "Create a custom role", Perm: authz.RoleWrite,
		In: RoleInput{}, Out: Role{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in RoleInput
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			role, err := s.CreateRole(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 201, role)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "PUT", Path: "/api/v1/roles/{id}", Tag: "accounts", Summary: "Change a custom role", Perm: authz.RoleWrite,
		In: RoleInput{}, Out: Role{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in RoleInput
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			role, err := s.UpdateRole(r.Context(), id(r), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 200, role)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/settings/security", Tag: "accounts", Summary: "Security settings", Perm: authz.SecurityRead,
		Out: authn.Settings{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			set, err := s.authn.Settings(r.Context())
			if err != nil {
				return err
			}
			httpx.JSON(w, 200, set)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "PUT", Path: "/api/v1/settings/security", Tag: "accounts", Summary: "Change security settings", Perm: authz.SecurityWrite,
		In: authn.Settings{}, Out: authn.Settings{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in authn.Settings
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			set, err := s.authn.SaveSettings(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, 200, set)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/audit", Tag: "audit", Summary: "Search the audit log, newest first", Perm: authz.AuditRead,
		Params: []httpx.Param{{Name: "from", In: "query", Desc: "RFC 3339"}, {Name: "to", In: "query", Desc: "RFC 3339"}, {Name: "username", In: "query"},
			{Name: "action", In: "query", Desc: "prefix"}, {Name: "result", In: "query"}, {Name: "object_type", In: "query"}, {Name: "object_id", In: "query"},
			{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
		Out: AuditList{}, Handler: s.handleAuditSearch})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/audit/verify", Tag: "audit", Summary: "Check the audit hash chain", Perm: authz.AuditRead,
		Out: audit.VerifyResult{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			res, err := s.audit.Verify(r.Context(), s.db.Reader())
			if err != nil {
				return err
			}
			httpx.JSON(w, 200, res)
			return nil
		}})
}

func (s *Service) handleAuditSearch(w http.ResponseWriter, r *http.Request) error {
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
		return err
	}
	rows, next, err := s.audit.Search(r.Context(), s.db.Reader(), query)
	if err != nil {
		return err
	}
	out := AuditList{Items: rows}
	if next > 0 {
		out.NextCursor = strconv.FormatInt(next, 10)
	}
	httpx.JSON(w, 200, out)
	return nil
}

func noContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}
