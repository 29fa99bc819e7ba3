package account

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
)

// Role is a named set of permissions.
type Role struct {
	ID          string       `json:"id"`
	Code        string       `json:"code"`
	Name        string       `json:"name"`
	Builtin     bool         `json:"builtin"`
	Admin       bool         `json:"admin"` // holds a permission of an administrator family
	NeedsTOTP   bool         `json:"needs_totp"`
	Permissions []authz.Perm `json:"permissions"`
	Version     int          `json:"version"`
}

// RoleInput creates or changes a role.
type RoleInput struct {
	Code        string       `json:"code,omitempty"`
	Name        string       `json:"name"`
	Permissions []authz.Perm `json:"permissions"`
}

// Assignment grants a role over an org node.
type Assignment struct {
	RoleID string `json:"role_id"`
	OrgID  string `json:"org_id"`
}

// EnsureBuiltins creates the built-in roles and keeps their permissions
// equal to the code's catalogue (so a new release's permissions arrive).
func EnsureBuiltins(ctx context.Context, d *db.DB) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		for _, b := range authz.Builtins {
			perms := joinPerms(b.Perms)
			now := db.Now()
			if _, err := tx.ExecContext(ctx, `INSERT INTO roles (id, code, name, builtin, permissions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, permissions = excluded.permissions, builtin = excluded.builtin`,
				db.NewID(), b.Code, i18n.T("zh-CN", "role."+b.Code, nil), true, perms, now, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func joinPerms(ps []authz.Perm) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

// ListRoles returns every role.
func (s *Service) ListRoles(ctx context.Context) ([]Role, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, code, name, builtin, permissions, version FROM roles ORDER BY builtin DESC, code")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Role{}
	for rows.Next() {
		var r Role
		var perms string
		if err := rows.Scan(&r.ID, &r.Code, &r.Name, &r.Builtin, &perms, &r.Version); err != nil {
			return nil, err
		}
		r.Permissions = splitPerms(perms)
		r.Admin, r.NeedsTOTP = authz.HoldsAdmin(r.Permissions), authz.NeedsTOTP(r.Permissions)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Service) role(ctx context.Context, q db.Querier, id string) (Role, error) {
	var r Role
	var perms string
	err := q.QueryRowContext(ctx, "SELECT id, code, name, builtin, permissions, version FROM roles WHERE id = ?", id).
		Scan(&r.ID, &r.Code, &r.Name, &r.Builtin, &perms, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFoundf("role")
	}
	r.Permissions = splitPerms(perms)
	r.Admin, r.NeedsTOTP = authz.HoldsAdmin(r.Permissions), authz.NeedsTOTP(r.Permissions)
	return r, err
}

func splitPerms(s string) []authz.Perm {
	out := []authz.Perm{}
	for _, f := range strings.Fields(s) {
		out = append(out, authz.Perm(f))
	}
	return out
}

// heldPerms is the union of the permissions userID holds through every
// role but skipRole ("" for none).
func heldPerms(ctx context.Context, q db.Querier, userID, skipRole string) ([]authz.Perm, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.permissions FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
		WHERE ra.user_id = ? AND ra.role_id <> ?`, userID, skipRole)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []authz.Perm
	for rows.Next() {
		var perms string
		if err := rows.Scan(&perms); err != nil {
			return nil, err
		}
		out = append(out, splitPerms(perms)...)
	}
	return out, rows.Err()
}

var roleCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

func checkRole(in *RoleInput, withCode bool) error {
	var f apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	if withCode && !roleCodeRe.MatchString(in.Code) {
		f.Add("code", "role.code_format")
	}
	if n := utf8.RuneCountInString(in.Name); n < 1 || n > 64 {
		f.Add("name", "validation.length", "min", 1, "max", 64)
	}
	for i, p := range in.Permissions {
		if !authz.Known(p) {
			f.Add("permissions["+strconv.Itoa(i)+"]", "role.unknown_permission", "perm", p)
		}
	}
	// 三员分立: a role holds the permissions of one family at most.
	if a, b, clash := authz.Clash(in.Permissions); clash {
		f.Add("permissions", "role.family_clash", "perm_a", a, "perm_b", b)
	}
	return f.Err()
}

// CreateRole adds a custom role.
func (s *Service) CreateRole(ctx context.Context, in RoleInput) (Role, error) {
	if err := checkRole(&in, true); err != nil {
		return Role{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		_, err := tx.ExecContext(ctx, "INSERT INTO roles (id, code, name, builtin, permissions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, in.Code, in.Name, false, joinPerms(in.Permissions), now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("code", "role.code_taken")
		}
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.RoleWrite, audit.Entry{Action: "role.create", ObjectType: "role", ObjectID: id,
			Detail: in.Code + ": " + joinPerms(in.Permissions)})
	})
	if err != nil {
		return Role{}, err
	}
	return s.role(ctx, s.db.Reader(), id)
}

// UpdateRole renames a role or changes its permissions. The built-in roles
// are fixed by the code; only custom roles change here.
func (s *Service) UpdateRole(ctx context.Context, id string, in RoleInput) (Role, error) {
	if err := checkRole(&in, false); err != nil {
		return Role{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.role(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Builtin {
			return apperr.E(apperr.Forbidden, "role.builtin_fixed")
		}
		// The changed role must not mix families in any holder's hands.
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT u.id, u.username FROM role_assignments ra JOIN users u ON u.id = ra.user_id
			WHERE ra.role_id = ? ORDER BY u.username`, id)
		if err != nil {
			return err
		}
		type holder struct{ id, name string }
		var holders []holder
		for rows.Next() {
			var h holder
			if err := rows.Scan(&h.id, &h.name); err != nil {
				rows.Close()
				return err
			}
			holders = append(holders, h)
		}
		rows.Close()
		for _, h := range holders {
			other, err := heldPerms(ctx, tx, h.id, id)
			if err != nil {
				return err
			}
			if a, b, clash := authz.Clash(append(other, in.Permissions...)); clash {
				return apperr.Field("permissions", "role.family_clash_holder", "user", h.name, "perm_a", a, "perm_b", b)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE roles SET name = ?, permissions = ?, version = version + 1, updated_at = ? WHERE id = ?",
			in.Name, joinPerms(in.Permissions), db.Now(), id); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.RoleWrite, audit.Entry{Action: "role.update", ObjectType: "role", ObjectID: id,
			Detail: r.Code + ": " + joinPerms(in.Permissions)})
	})
	if err != nil {
		return Role{}, err
	}
	return s.role(ctx, s.db.Reader(), id)
}

// Assign grants a role to a user over an org node in the caller's scope. No
// one grants themselves, and one person holds at most one of the three
// administrator families, nor one of them and personal data (三员分立).
func (s *Service) Assign(ctx context.Context, userID string, in Assignment) (string, error) {
	p := authz.From(ctx)
	if userID == p.UserID {
		return "", apperr.E(apperr.Forbidden, "role.no_self_grant")
	}
	if _, err := s.GetUser(ctx, userID); err != nil {
		return "", err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.role(ctx, tx, in.RoleID)
		if err != nil {
			return apperr.Field("role_id", "role.not_found")
		}
		if _, err := org.ActivePathIn(ctx, tx, authz.RoleAssign, in.OrgID, "org_id"); err != nil {
			return err
		}
		// 三员分立 on permissions: the account's grants together keep
		// to one family, whatever the roles are called.
		// Two grants made at once wait for each other on the user's row.
		var version int
		if err := tx.QueryRowContext(ctx, "SELECT version FROM users WHERE id = ?"+tx.ForUpdate(), userID).Scan(&version); err != nil {
			return err
		}
		held, err := heldPerms(ctx, tx, userID, "")
		if err != nil {
			return err
		}
		if a, b, clash := authz.Clash(append(held, r.Permissions...)); clash {
			return apperr.Field("role_id", "role.admin_separation", "perm_a", a, "perm_b", b)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO role_assignments (id, user_id, role_id, org_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
			id, userID, in.RoleID, in.OrgID, db.Now(), p.UserID)
		if db.IsUniqueViolation(err) {
			return apperr.E(apperr.Conflict, "role.already_assigned")
		}
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.RoleAssign, audit.Entry{Action: "role.assign", ObjectType: "user", ObjectID: userID,
			Detail: r.Code + "@" + in.OrgID})
	})
	return id, err
}

// Unassign removes a grant in the caller's scope.
func (s *Service) Unassign(ctx context.Context, userID, assignmentID string) error {
	p := authz.From(ctx)
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var path, code string
		err := tx.QueryRowContext(ctx, `SELECT o.path, r.code FROM role_assignments ra JOIN org_nodes o ON o.id = ra.org_id
			JOIN roles r ON r.id = ra.role_id WHERE ra.id = ? AND ra.user_id = ?`, assignmentID, userID).Scan(&path, &code)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.RoleAssign, path)) {
			return apperr.NotFoundf("assignment")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM role_assignments WHERE id = ?", assignmentID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.RoleAssign, audit.Entry{Action: "role.unassign", ObjectType: "user", ObjectID: userID, Detail: code})
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
