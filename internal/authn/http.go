package authn

import (
	"context"
	"net/http"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/auth/totp"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp,omitempty"`
}

// RoleView is one role assignment as the caller sees it.
type RoleView struct {
	AssignmentID string `json:"assignment_id"`
	Role         string `json:"role"`
	RoleName     string `json:"role_name"`
	OrgID        string `json:"org_id"`
	OrgCode      string `json:"org_code"`
	OrgName      string `json:"org_name"`
}

// Me is the signed-in user.
type Me struct {
	ID              string `json:"id"`
	Username        string `json:"username"`
	DisplayName     string `json:"display_name"`
	OrgID           string `json:"org_id"`
	UnitID          string `json:"unit_id"` // the unit the user works for, if any
	CSRFToken       string `json:"csrf_token"`
	PasswordExpired bool   `json:"password_expired"`
	TOTPEnabled     bool   `json:"totp_enabled"`
	// TOTPMissing: TOTP must be enrolled before anything else.
	TOTPMissing bool         `json:"totp_missing"`
	Roles       []RoleView   `json:"roles"`
	Permissions []authz.Perm `json:"permissions"`
}

// LoginResponse is the answer to a successful login.
type LoginResponse struct {
	User      Me     `json:"user"`
	CSRFToken string `json:"csrf_token"`
}

// PasswordChange is the body of POST /me/password.
type PasswordChange struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// TOTPSetup is a new TOTP secret waiting for its first code.
type TOTPSetup struct {
	Secret string `json:"secret"`
	URI    string `json:"uri"`
}

// TOTPConfirm is the body that turns TOTP on.
type TOTPConfirm struct {
	Secret string `json:"secret"`
	Code   string `json:"code"`
	// Password is the account's current password, needed to turn TOTP on
	// or replace it: a stolen session must not lock the owner out.
	Password string `json:"password"`
}

// LocalizeRoles gives built-in roles their name in lang; custom roles keep
// the name their creator gave them.
func LocalizeRoles(lang string, roles []RoleView) {
	for i, r := range roles {
		if name, ok := i18n.Messages(lang)["role."+r.Role]; ok {
			roles[i].RoleName = name
		}
	}
}

// MeView renders a principal with role names in lang.
func MeView(p *authz.Principal, lang string) Me {
	m := Me{ID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, OrgID: p.OrgID, UnitID: p.UnitID, CSRFToken: p.CSRFToken,
		PasswordExpired: p.PasswordExpired, TOTPEnabled: p.TOTPEnabled, TOTPMissing: p.TOTPMissing, Roles: []RoleView{}, Permissions: p.Permissions()}
	for _, g := range p.Grants {
		m.Roles = append(m.Roles, RoleView{g.AssignmentID, g.Role, g.RoleName, g.OrgID, g.OrgCode, g.OrgName})
	}
	if m.Permissions == nil {
		m.Permissions = []authz.Perm{}
	}
	LocalizeRoles(lang, m.Roles)
	return m
}

// ownAccount is the access rule of the routes on the caller's own account.
const ownAccount = "any signed-in user, for their own account"

// Routes returns the sign-in endpoints. Login and logout write the session
// cookie, so they keep a handler of their own.
func (s *Service) Routes() []httpx.Route {
	h := handler{s}
	return []httpx.Route{
		{Method: "POST", Path: "/api/v1/auth/login", Tag: "auth", Summary: "Sign in with username, password and TOTP code",
			Public: true, In: LoginRequest{}, Out: LoginResponse{}, Handler: h.login},
		{Method: "POST", Path: "/api/v1/auth/logout", Tag: "auth", Summary: "End the session", Access: ownAccount,
			AllowExpired: true, Status: 204, Handler: h.logout},
		{Method: "GET", Path: "/api/v1/me", Tag: "auth", Summary: "The signed-in user, roles and permissions", Access: ownAccount,
			AllowExpired: true, Do: httpx.Get(h.me)},
		{Method: "POST", Path: "/api/v1/me/password", Tag: "auth", Summary: "Change one's own password", Access: ownAccount,
			AllowExpired: true, Status: 204, MaxBody: 4096, Do: httpx.Call(h.changePassword)},
		{Method: "POST", Path: "/api/v1/me/totp/setup", Tag: "auth", Summary: "Start TOTP enrolment: a new secret", Access: ownAccount,
			AllowExpired: true, Do: httpx.Get(h.setupTOTP)},
		{Method: "POST", Path: "/api/v1/me/totp/confirm", Tag: "auth", Summary: "Turn TOTP on with the secret, a first code and the current password", Access: ownAccount,
			AllowExpired: true, Status: 204, MaxBody: 4096, Do: httpx.Call(h.confirmTOTP)},
	}
}

// handler holds the endpoints of Routes.
type handler struct{ s *Service }

func (h handler) login(w http.ResponseWriter, r *http.Request) error {
	var in LoginRequest
	if err := httpx.Decode(r, &in, 4096); err != nil {
		return err
	}
	res, err := h.s.Login(r.Context(), in.Username, in.Password, in.OTP, r.UserAgent())
	if err != nil {
		return err
	}
	h.s.SetCookie(w, res)
	httpx.JSON(w, http.StatusOK, LoginResponse{User: MeView(res.Principal, i18n.Lang(r)), CSRFToken: res.Principal.CSRFToken})
	return nil
}

func (h handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.s.Logout(r.Context(), authz.From(r.Context())); err != nil {
		return err
	}
	h.s.ClearCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h handler) me(r *http.Request) (Me, error) {
	return MeView(authz.From(r.Context()), i18n.Lang(r)), nil
}

func (h handler) changePassword(r *http.Request, in PasswordChange) (httpx.None, error) {
	return httpx.None{}, h.s.ChangePassword(r.Context(), authz.From(r.Context()), in.OldPassword, in.NewPassword)
}

func (h handler) setupTOTP(r *http.Request) (TOTPSetup, error) {
	sec, err := totp.NewSecret()
	if err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{Secret: sec, URI: totp.URI("gridgov", authz.From(r.Context()).Username, sec)}, nil
}

func (h handler) confirmTOTP(r *http.Request, in TOTPConfirm) (httpx.None, error) {
	return httpx.None{}, h.s.EnableTOTP(r.Context(), authz.From(r.Context()), in)
}

// EnableTOTP turns TOTP on for the caller, or replaces their secret, once
// the secret's first code and the account's password check out.
func (s *Service) EnableTOTP(ctx context.Context, p *authz.Principal, in TOTPConfirm) error {
	step, ok := totp.Verify(in.Secret, in.Code, s.Now(), 0)
	if !ok {
		return apperr.Field("code", "auth.otp_invalid")
	}
	var hash string
	var enrolled bool
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT password_hash, COALESCE(totp_secret, '') <> '' FROM users WHERE id = ?", p.UserID).Scan(&hash, &enrolled); err != nil {
		return apperr.Wrap(err, "load user")
	}
	if ok, _, _ := password.Verify(in.Password, hash); !ok {
		// Counted like a failed sign-in: a stolen session cannot guess
		// the password here unthrottled.
		set, err := s.settings.get(ctx)
		if err != nil {
			return err
		}
		return s.failAs(ctx, set, p.Username, p.UserID, "totp_enable_bad_password", apperr.Field("password", "auth.totp_password"))
	}
	detail := ""
	if enrolled {
		detail = "replaced"
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = ?, totp_last_step = ?, updated_at = ? WHERE id = ?",
			s.SealTOTP(p.UserID, in.Secret), step, db.Now(), p.UserID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "", auditEntry("auth.totp_enable", "user", p.UserID, detail))
	})
}
