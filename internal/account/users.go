// Package account is the administrators' side of accounts: users (system
// administrator), roles, role assignments and security settings (security
// administrator), and the audit log's search and check (audit
// administrator). Every list is limited to the caller's org scope.
package account

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Service manages users, roles and grants.
type Service struct {
	db    *db.DB
	audit *audit.Log
	authn *authn.Service
}

// New makes the service.
func New(d *db.DB, log *audit.Log, an *authn.Service) *Service {
	log.Summarize("user", userName)
	return &Service{db: d, audit: log, authn: an}
}

// userName names a user's audit row by the account name rather than its
// id: the actor's own name for their sign-ins and sign-outs, the name the
// user.* rows record in their detail.
func userName(_ string, e audit.Entry) (string, string) {
	switch {
	case e.ObjectID == e.UserID && e.Username != "":
		return e.Username, ""
	case strings.HasPrefix(e.Action, "user.") && e.Detail != "" && !strings.ContainsAny(e.Detail, " :@"):
		return e.Detail, ""
	}
	return "", ""
}

// User is an account as administrators see it.
type User struct {
	ID          string           `json:"id"`
	Username    string           `json:"username"`
	DisplayName string           `json:"display_name"`
	OrgID       string           `json:"org_id"`
	OrgName     string           `json:"org_name"`
	UnitID      string           `json:"unit_id"`
	Status      string           `json:"status"`
	Locked      bool             `json:"locked"`
	TOTPEnabled bool             `json:"totp_enabled"`
	Version     int              `json:"version"`
	Roles       []authn.RoleView `json:"roles"`
}

// NewUser is the body that creates a user.
type NewUser struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
	OrgID       string `json:"org_id"`
	UnitID      string `json:"unit_id,omitempty"` // the centre or department the user works for
}

// UserPatch changes a user; absent fields stay.
type UserPatch struct {
	DisplayName *string `json:"display_name,omitempty"`
	Status      *string `json:"status,omitempty"`
	UnitID      *string `json:"unit_id,omitempty"` // "" removes the user from their unit
	Version     int     `json:"version"`
}

var usernameRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,31}$`)

// CreateUser adds an account with an initial password it must change.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	p := authz.From(ctx)
	in.Username = strings.TrimSpace(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	var f apperr.Fields
	if !usernameRe.MatchString(in.Username) {
		f.Add("username", "user.username_format")
	}
	if n := utf8.RuneCountInString(in.DisplayName); n < 1 || n > 64 {
		f.Add("display_name", "validation.length", "min", 1, "max", 64)
	}
	if in.OrgID == "" {
		f.Add("org_id", "validation.required")
	}
	if err := authn.CheckPassword("password", in.Password, in.Username); err != nil {
		f = append(f, apperr.As(err).Fields...)
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	hash, err := s.authn.HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	id := db.NewID()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := org.ActivePathIn(ctx, tx, authz.UserWrite, in.OrgID, "org_id"); err != nil {
			return err
		}
		unit, err := s.unit(ctx, tx, p, in.UnitID)
		if err != nil {
			return err
		}
		now := db.Now()
		_, err = tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, org_id, unit_id, password_hash, password_changed_at, must_change_password, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Username, in.DisplayName, in.OrgID, unit, hash, now, true, now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("username", "user.username_taken")
		}
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.UserWrite, audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: id, Detail: in.Username})
	})
	if err != nil {
		return User{}, err
	}
	return s.GetUser(ctx, id)
}

// GetUser returns one user in the caller's scope.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	users, _, err := s.listUsers(ctx, authz.UserRead, "u.id = ?", []any{id}, "", 1)
	if err != nil {
		return User{}, err
	}
	if len(users) == 0 {
		return User{}, apperr.NotFoundf("user")
	}
	return users[0], nil
}

// UserQuery filters the user list.
type UserQuery struct {
	Q, OrgID, After string
	Limit           int
}

// ListUsers lists users whose home org is in the caller's scope, by username.
func (s *Service) ListUsers(ctx context.Context, f UserQuery) ([]User, string, error) {
	where, args := []string{}, []any{}
	if f.Q != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(f.Q) + "%"
		where = append(where, "(u.username LIKE ? OR u.display_name LIKE ?)")
		args = append(args, like, like)
	}
	if f.OrgID != "" {
		path, err := org.PathOf(ctx, s.db.Reader(), f.OrgID, "org_id")
		if err != nil {
			return nil, "", err
		}
		cond, a := authz.ScopeSQL("o.path", []string{path})
		where, args = append(where, cond), append(args, a...)
	}
	return s.listUsers(ctx, authz.UserRead, strings.Join(where, " AND "), args, f.After, f.Limit)
}

func (s *Service) listUsers(ctx context.Context, perm authz.Perm, cond string, args []any, after string, limit int) ([]User, string, error) {
	p := authz.From(ctx)
	scope, sargs := authz.ScopeSQL("o.path", p.Scopes(perm))
	q := `SELECT u.id, u.username, u.display_name, u.org_id, o.name, COALESCE(u.unit_id, ''), u.status, u.totp_secret IS NOT NULL, u.version,
		COALESCE((SELECT locked_until FROM lockouts l WHERE l.username = u.username), 0)
		FROM users u JOIN org_nodes o ON o.id = u.org_id WHERE ` + scope
	args = append(sargs, args...)
	if cond != "" {
		q += " AND " + cond
	}
	if after != "" {
		q += " AND u.username > ?"
		args = append(args, after)
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q += " ORDER BY u.username LIMIT " + itoa(limit+1)
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []User{}
	now := db.Now()
	for rows.Next() {
		var u User
		var lockedUntil int64
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.OrgID, &u.OrgName, &u.UnitID, &u.Status, &u.TOTPEnabled, &u.Version, &lockedUntil); err != nil {
			return nil, "", err
		}
		u.Locked = lockedUntil > now
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Username
	}
	for i := range out {
		grants, err := authn.LoadGrants(ctx, s.db.Reader(), out[i].ID)
		if err != nil {
			return nil, "", err
		}
		out[i].Roles = []authn.RoleView{}
		for _, g := range grants {
			out[i].Roles = append(out[i].Roles, authn.RoleView{AssignmentID: g.AssignmentID, Role: g.Role, RoleName: g.RoleName, OrgID: g.OrgID, OrgCode: g.OrgCode, OrgName: g.OrgName})
		}
	}
	return out, next, nil
}

// UpdateUser changes a user's display name, unit or status, checking the
// version. A name or unit needs user.write over the user's org; disabling or
// enabling needs what resetting the account's credentials needs
// (resetAuthority), so the system administrator cannot shut the audit
// administrator out. Disabling a user ends their sessions.
func (s *Service) UpdateUser(ctx context.Context, id string, in UserPatch) (User, error) {
	var f apperr.Fields
	if in.DisplayName != nil {
		*in.DisplayName = strings.TrimSpace(*in.DisplayName)
		if n := utf8.RuneCountInString(*in.DisplayName); n < 1 || n > 64 {
			f.Add("display_name", "validation.length", "min", 1, "max", 64)
		}
	}
	if in.Status != nil && *in.Status != "active" && *in.Status != "disabled" {
		f.Add("status", "validation.one_of", "values", "active, disabled")
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	p := authz.From(ctx)
	if in.Status != nil && *in.Status == "disabled" && u.ID == p.UserID {
		return User{}, apperr.Field("status", "user.cannot_disable_self")
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		perm := authz.UserWrite
		if in.Status != nil && *in.Status != u.Status {
			if perm, err = s.resetAuthority(ctx, tx, u); err != nil {
				return err
			}
		}
		if in.DisplayName != nil || in.UnitID != nil || perm == authz.UserWrite {
			if _, err := org.ActivePathIn(ctx, tx, authz.UserWrite, u.OrgID, "org_id"); err != nil {
				return apperr.NotFoundf("user")
			}
		}
		if err := tx.QueryRowContext(ctx, "SELECT version FROM users WHERE id = ?"+tx.ForUpdate(), id).Scan(&u.Version); err != nil {
			return err
		}
		if in.Version != u.Version {
			return apperr.E(apperr.Conflict, "conflict.version")
		}
		if in.DisplayName != nil {
			u.DisplayName = *in.DisplayName
		}
		if in.Status != nil {
			u.Status = *in.Status
		}
		if in.UnitID != nil {
			u.UnitID = *in.UnitID
		}
		unit, err := s.unit(ctx, tx, p, u.UnitID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET display_name = ?, status = ?, unit_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
			u.DisplayName, u.Status, unit, db.Now(), id); err != nil {
			return err
		}
		if u.Status == "disabled" {
			if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", id); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, perm, audit.Entry{Action: "user.update", ObjectType: "user", ObjectID: id, Detail: u.Username})
	})
	if err = s.refusedReset(ctx, u, "user.update", err); err != nil {
		return User{}, err
	}
	return s.GetUser(ctx, id)
}

// ResetPassword sets a new initial password, which the user must change at
// the next sign-in; their sessions end. See resetAuthority for who may.
func (s *Service) ResetPassword(ctx context.Context, id, plain string) error {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	// Who may comes first: a refused caller learns nothing of the policy.
	if _, err := s.resetAuthority(ctx, s.db.Reader(), u); err != nil {
		return s.refusedReset(ctx, u, "user.reset_password", err)
	}
	if err := authn.CheckPassword("password", plain, u.Username); err != nil {
		return err
	}
	hash, err := s.authn.HashPassword(plain)
	if err != nil {
		return err
	}
	return s.writeCredential(ctx, u, "user.reset_password", func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ?, version = version + 1, updated_at = ? WHERE id = ?",
			hash, db.Now(), true, db.Now(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", id)
		return err
	})
}

// ResetTOTP removes the user's TOTP secret; their sessions end. An account
// that needs TOTP enrols a new one at its next sign-in, so nobody but its
// owner ever sees the secret. See resetAuthority for who may.
func (s *Service) ResetTOTP(ctx context.Context, id string) error {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	return s.writeCredential(ctx, u, "user.reset_totp", func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = NULL, version = version + 1, updated_at = ? WHERE id = ?",
			db.Now(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", id)
		return err
	})
}

// writeCredential runs fn, which resets a credential of u, when the caller
// may (resetAuthority), and audits action; a refusal is audited too.
func (s *Service) writeCredential(ctx context.Context, u User, action string, fn func(tx *db.Tx) error) error {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		perm, err := s.resetAuthority(ctx, tx, u)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: "user", ObjectID: u.ID, Detail: u.Username})
	})
	return s.refusedReset(ctx, u, action, err)
}

// refusedReset audits err when it refuses a reset, and returns it.
func (s *Service) refusedReset(ctx context.Context, u User, action string, err error) error {
	if ae := apperr.As(err); err != nil && ae.Kind == apperr.Forbidden {
		s.audit.RecordAlone(ctx, s.db, "", audit.Entry{Action: action, ObjectType: "user", ObjectID: u.ID,
			Result: audit.Denied, Detail: ae.Code})
	}
	return err
}

// resetAuthority decides whether the caller may reset the password or the
// TOTP of u, and names the permission the reset is done under. No
// administrator resets another's credentials with the powers of their own
// family (三员分立):
//   - nobody resets their own here (they change them at /me);
//   - an ordinary account is reset by the system administrator (user.write
//     over its org);
//   - an account holding a system or audit permission is reset by the
//     security administrator (security.write over its org);
//   - an account holding a security permission only on the server, with
//     `gridgov user reset|reset-totp` (the system principal, which may reset
//     anyone).
func (s *Service) resetAuthority(ctx context.Context, q db.Querier, u User) (authz.Perm, error) {
	p := authz.From(ctx)
	if p.UserID == u.ID {
		return "", apperr.E(apperr.Forbidden, "user.reset_self")
	}
	grants, err := authn.LoadGrants(ctx, q, u.ID)
	if err != nil {
		return "", err
	}
	held := authz.PermsOf(grants)
	perm := authz.UserWrite
	switch {
	case p.UserID == "system":
		return "", nil
	case authz.HoldsFamily(held, authz.SecurityFamily):
		return "", apperr.E(apperr.Forbidden, "user.reset_security_admin")
	case authz.HoldsAdmin(held):
		perm = authz.SecurityWrite
		if !p.Has(perm) {
			return "", apperr.E(apperr.Forbidden, "user.reset_needs_security_admin")
		}
	case !p.Has(perm):
		return "", apperr.E(apperr.Forbidden, "user.reset_needs_system_admin")
	}
	if _, err := org.ActivePathIn(ctx, q, perm, u.OrgID, "org_id"); err != nil {
		return "", apperr.NotFoundf("user")
	}
	return perm, nil
}

// Unlock lifts a lockout before it runs out; who may is who resets the
// account's credentials (resetAuthority).
func (s *Service) Unlock(ctx context.Context, id string) error {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	return s.writeCredential(ctx, u, "user.unlock", func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM lockouts WHERE username = ?", u.Username)
		return err
	})
}

// unit checks a unit id for a user (nil when empty): active and serving an
// area in the caller's scope.
func (s *Service) unit(ctx context.Context, q db.Querier, p *authz.Principal, id string) (any, error) {
	if id == "" {
		return nil, nil
	}
	var path string
	err := q.QueryRowContext(ctx, "SELECT path FROM units WHERE id = ? AND status = 'active'", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.UserWrite, path)) {
		return nil, apperr.Field("unit_id", "event.unit_unknown")
	}
	return id, err
}

// UserID finds a user's id by username (for operator commands).
func (s *Service) UserID(ctx context.Context, username string) (string, error) {
	var id string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = ?", username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.NotFoundf("user")
	}
	return id, err
}
