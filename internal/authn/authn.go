// Package authn signs people in and keeps their sessions: argon2id
// passwords with a policy and rotation, lockout after repeated failures (the
// same answer for unknown names and wrong passwords), TOTP as the second
// factor, and server-side sessions stored by the hash of their token with an
// idle and an absolute timeout. Sessions live in the database, so any node
// serves any request.
package authn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/auth/totp"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/secret"
)

// CookieName is the session cookie.
const CookieName = "gridgov_session"

// Service is the sign-in service.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	keys     *secret.Keys
	settings settingsCache
	// Params are the argon2id parameters for new hashes (cheaper in tests).
	Params password.Params
	// SecureCookie marks the cookie Secure (behind TLS).
	SecureCookie bool
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	s := &Service{db: d, audit: log, keys: keys, Params: password.DefaultParams, Now: time.Now}
	s.settings.load = func(ctx context.Context) (Settings, error) { return loadSettings(ctx, d.Reader()) }
	return s
}

// HashPassword hashes with the service's parameters.
func (s *Service) HashPassword(plain string) (string, error) {
	return password.HashWith(plain, s.Params)
}

// CheckPassword applies the password policy, as field errors on field.
func CheckPassword(field, plain, username string) error {
	var f apperr.Fields
	for _, v := range password.DefaultPolicy.Check(plain, username) {
		kv := make([]any, 0, 2*len(v.Params))
		for k, p := range v.Params {
			kv = append(kv, k, p)
		}
		f.Add(field, v.Code, kv...)
	}
	return f.Err()
}

// SealTOTP seals a TOTP secret for the user's row.
func (s *Service) SealTOTP(userID, secretB32 string) string {
	return s.keys.Seal(secretB32, "users.totp_secret:"+userID)
}

func auditEntry(action, objType, objID, detail string) audit.Entry {
	return audit.Entry{Action: action, ObjectType: objType, ObjectID: objID, Detail: detail}
}

type userRow struct {
	id, username, hash, status string
	totpSealed                 sql.NullString
	totpLast                   int64
	changedAt                  int64
	mustChange                 bool
}

// hashSlots bounds concurrent password checks: each argon2id verification
// takes ~64 MiB, so a burst of logins must queue rather than exhaust memory.
var hashSlots = make(chan struct{}, 4)

// LoginResult is a new session.
type LoginResult struct {
	Token     string
	Principal *authz.Principal
	Expires   time.Time
}

// ipFailureLimit is how many failed sign-ins one address may make inside
// the lockout window, over all names, before it is slowed down: far above
// what the staff of one office behind one address mistype.
const ipFailureLimit = 30

// addressDelayMax caps the wait of a throttled address: an office behind
// one proxy address still signs in, a few seconds slower.
const addressDelayMax = 3 * time.Second

// AddressDelay is how long a sign-in from an address that failed failures
// times inside the lockout window waits before its password is checked:
// nothing below ipFailureLimit, then a quarter second more for each
// further failure, at most addressDelayMax. Password spraying from one
// address slows to a crawl, while a right password still gets in.
func AddressDelay(failures int) time.Duration {
	if failures < ipFailureLimit {
		return 0
	}
	return min(time.Duration(failures-ipFailureLimit+1)*250*time.Millisecond, addressDelayMax)
}

// errReplayed is a TOTP code whose step another sign-in took first.
var errReplayed = errors.New("totp step already used")

// Login checks a username, password and one-time code and opens a session.
func (s *Service) Login(ctx context.Context, username, plain, otp, userAgent string) (*LoginResult, error) {
	set, err := s.settings.get(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.waitIfSpraying(ctx, set); err != nil {
		return nil, err
	}
	select {
	case hashSlots <- struct{}{}:
		defer func() { <-hashSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	now := s.Now()
	username = strings.TrimSpace(username)
	if username == "" || len(username) > 64 || len(plain) > password.MaxBytes*4 {
		return nil, s.fail(ctx, set, username, "", "bad_input")
	}
	if err := s.checkLocked(ctx, username, plain, now); err != nil {
		return nil, err
	}
	u, rehash, err := s.checkPassword(ctx, set, username, plain)
	if err != nil {
		return nil, err
	}
	grants, err := s.loginGrants(ctx, u, username)
	if err != nil {
		return nil, err
	}
	step, err := s.checkOTP(ctx, set, u, username, otp, now)
	if err != nil {
		return nil, err
	}
	// An account that must use TOTP and has none (new, or reset by an
	// administrator) gets a session that can only enrol it.
	detail := ""
	if step == 0 && needsTOTP(set, grants) {
		detail = "totp_enrolment"
	}
	return s.openSession(ctx, set, newSession{user: u, username: username, plain: plain, rehash: rehash, grants: grants,
		step: step, detail: detail, userAgent: userAgent, now: now})
}

// waitIfSpraying makes an address that failed many times inside the
// window, over any names (password spraying, which the per-name lockout
// does not see), wait before its password is checked, without holding a
// hash slot.
func (s *Service) waitIfSpraying(ctx context.Context, set Settings) error {
	ip := audit.MetaFrom(ctx).IP
	if ip == "" {
		return nil
	}
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM login_attempts WHERE ip = ? AND ok = ? AND at > ?",
		ip, false, s.Now().UnixMilli()-int64(set.LockoutWindowMinutes)*60_000).Scan(&n); err != nil {
		return err
	}
	if d := AddressDelay(n); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// checkLocked refuses a name that is locked out, after as much work as a
// password check.
func (s *Service) checkLocked(ctx context.Context, username, plain string, now time.Time) error {
	var lockedUntil int64
	err := s.db.Reader().QueryRowContext(ctx, "SELECT locked_until FROM lockouts WHERE username = ?", username).Scan(&lockedUntil)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if lockedUntil <= now.UnixMilli() {
		return nil
	}
	password.DummyVerify(plain)
	mins := (lockedUntil - now.UnixMilli() + 59_999) / 60_000
	// Counted, not written one by one: a flood against a locked name
	// must not fill the log.
	s.audit.Refuse(ctx, audit.Refusal{Action: "auth.login", Route: "POST /api/v1/auth/login", ObjectID: username, Detail: "locked"})
	return apperr.E(apperr.Locked, "auth.locked", "minutes", mins)
}

// checkPassword loads the active account of username and checks its
// password; it reports whether the hash wants its parameters renewed.
// An unknown name costs as much as a wrong password and answers the same.
func (s *Service) checkPassword(ctx context.Context, set Settings, username, plain string) (userRow, bool, error) {
	var u userRow
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, username, password_hash, status, totp_secret, totp_last_step, password_changed_at, must_change_password
		FROM users WHERE username = ?`, username).Scan(&u.id, &u.username, &u.hash, &u.status, &u.totpSealed, &u.totpLast, &u.changedAt, &u.mustChange)
	if errors.Is(err, sql.ErrNoRows) {
		password.DummyVerify(plain)
		return u, false, s.fail(ctx, set, username, "", "unknown_user")
	}
	if err != nil {
		return u, false, err
	}
	ok, rehash, err := password.Verify(plain, u.hash)
	if err != nil || !ok {
		return u, false, s.fail(ctx, set, username, u.id, "bad_password")
	}
	if u.status != "active" {
		return u, false, s.fail(ctx, set, username, u.id, "disabled")
	}
	return u, rehash, nil
}

// loginGrants loads the account's grants. The last check of 三员分立:
// grants that mix families (a database changed behind the application's
// back) open no session.
func (s *Service) loginGrants(ctx context.Context, u userRow, username string) ([]authz.Grant, error) {
	grants, err := LoadGrants(ctx, s.db.Reader(), u.id)
	if err != nil {
		return nil, err
	}
	if a, b, clash := authz.Clash(authz.PermsOf(grants)); clash {
		s.audit.RecordAlone(ctx, s.db, "", audit.Entry{UserID: u.id, Username: username, Action: "auth.login",
			ObjectType: "user", ObjectID: u.id, Result: audit.Denied, Detail: "separation_broken: " + string(a) + " " + string(b)})
		return nil, apperr.E(apperr.Forbidden, "auth.separation_broken", "perm_a", a, "perm_b", b)
	}
	return grants, nil
}

// checkOTP checks the one-time code of an account with TOTP and returns
// its time step, to be taken when the session opens; 0 for an account
// without TOTP.
func (s *Service) checkOTP(ctx context.Context, set Settings, u userRow, username, otp string, now time.Time) (int64, error) {
	if !u.totpSealed.Valid || u.totpSealed.String == "" {
		return 0, nil
	}
	if strings.TrimSpace(otp) == "" {
		// A right password without its code counts as a failure, so
		// the code cannot be skipped to test passwords unthrottled.
		return 0, s.failAs(ctx, set, username, u.id, "otp_required", apperr.E(apperr.Unauthenticated, "auth.otp_required"))
	}
	sec, err := s.keys.Open(u.totpSealed.String, "users.totp_secret:"+u.id)
	if err != nil {
		return 0, apperr.Wrap(err, "open totp secret")
	}
	step, ok := totp.Verify(sec, otp, now, u.totpLast)
	if !ok {
		return 0, s.fail(ctx, set, username, u.id, "bad_otp")
	}
	return step, nil
}

// newSession is what openSession needs of a sign-in that passed its checks.
type newSession struct {
	user      userRow
	username  string // as typed, trimmed: attempts and lockouts go by it
	plain     string // the password, hashed again when rehash says so
	rehash    bool
	grants    []authz.Grant
	step      int64  // the TOTP step to take; 0 without TOTP
	detail    string // for the audit row
	userAgent string
	now       time.Time
}

// openSession takes the TOTP step, records the success and stores a new
// session, in one transaction, and returns it.
func (s *Service) openSession(ctx context.Context, set Settings, ns newSession) (*LoginResult, error) {
	u, username := ns.user, ns.username
	raw := make([]byte, 32)
	rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	csrf := make([]byte, 24)
	rand.Read(csrf)
	expires := ns.now.Add(time.Duration(set.AbsoluteTimeoutHours) * time.Hour)
	ip := audit.MetaFrom(ctx).IP
	userAgent := ns.userAgent
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		ms := ns.now.UnixMilli()
		if ns.step > 0 {
			// Take the step atomically: of several sign-ins sent with one
			// code at once, exactly one finds the older step here.
			res, err := tx.ExecContext(ctx, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", ns.step, u.id, ns.step)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errReplayed
			}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO login_attempts (id, username, at, ok, ip) VALUES (?, ?, ?, ?, ?)",
			db.NewID(), username, ms, true, ip); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM lockouts WHERE username = ?", username); err != nil {
			return err
		}
		if ns.rehash && s.Params == password.DefaultParams {
			if h, err := password.Hash(ns.plain); err == nil {
				tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", h, u.id)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hashToken(token), u.id, hex.EncodeToString(csrf), ms, ms, expires.UnixMilli(), ip, userAgent); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "", audit.Entry{UserID: u.id, Username: username, Role: strings.Join(roleCodes(ns.grants), ","),
			Action: "auth.login", ObjectType: "user", ObjectID: u.id, Detail: ns.detail})
	})
	if errors.Is(err, errReplayed) {
		return nil, s.fail(ctx, set, username, u.id, "otp_replayed")
	}
	if err != nil {
		return nil, err
	}
	p, err := s.principal(ctx, hashToken(token))
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, apperr.E(apperr.Unauthenticated, "auth.invalid_credentials")
	}
	return &LoginResult{Token: token, Principal: p, Expires: expires}, nil
}

// needsTOTP reports whether an account with grants must sign in with TOTP:
// always when they hold an administrator's permission or personal.reveal,
// and for the roles the settings add.
func needsTOTP(set Settings, grants []authz.Grant) bool {
	if authz.NeedsTOTP(authz.PermsOf(grants)) {
		return true
	}
	return slices.ContainsFunc(grants, func(g authz.Grant) bool { return slices.Contains(set.TOTPRequiredRoles, g.Role) })
}

// fail records a failed attempt, locks the name once it reaches the
// threshold inside the window, and answers the same for every cause.
func (s *Service) fail(ctx context.Context, set Settings, username, userID, why string) error {
	return s.failAs(ctx, set, username, userID, why, apperr.E(apperr.Unauthenticated, "auth.invalid_credentials"))
}

// failAs is fail answering with answer unless the name is now locked.
func (s *Service) failAs(ctx context.Context, set Settings, username, userID, why string, answer error) error {
	now := s.Now().UnixMilli()
	window := int64(set.LockoutWindowMinutes) * 60_000
	locked := false
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO login_attempts (id, username, at, ok, ip) VALUES (?, ?, ?, ?, ?)",
			db.NewID(), username, now, false, audit.MetaFrom(ctx).IP); err != nil {
			return err
		}
		// Failures since the last success, inside the window.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE username = ? AND ok = ? AND at > ?
			AND at > COALESCE((SELECT max(at) FROM login_attempts WHERE username = ? AND ok = ?), 0)`,
			username, false, now-window, username, true).Scan(&n); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, tx, "", audit.Entry{UserID: userID, Username: username, Action: "auth.login",
			ObjectType: "user", ObjectID: username, Result: audit.Failure, Detail: why}); err != nil {
			return err
		}
		if n < set.LockoutThreshold {
			return nil
		}
		locked = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO lockouts (username, locked_until) VALUES (?, ?)
			ON CONFLICT (username) DO UPDATE SET locked_until = excluded.locked_until`, username, now+window); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "", audit.Entry{UserID: userID, Username: username, Action: "auth.lockout",
			ObjectType: "user", ObjectID: username, Detail: "failures=" + strconv.Itoa(n)})
	})
	if err != nil {
		return err
	}
	if locked {
		return apperr.E(apperr.Locked, "auth.locked", "minutes", set.LockoutWindowMinutes)
	}
	return answer
}

// roleCodes lists the distinct role codes of grants (for audit rows).
func roleCodes(grants []authz.Grant) []string {
	var out []string
	for _, g := range grants {
		if !slices.Contains(out, g.Role) {
			out = append(out, g.Role)
		}
	}
	return out
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SetCookie writes the session cookie.
func (s *Service) SetCookie(w http.ResponseWriter, res *LoginResult) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: res.Token, Path: "/", HttpOnly: true,
		Secure: s.SecureCookie, SameSite: http.SameSiteStrictMode, Expires: res.Expires})
}

// ClearCookie removes the session cookie.
func (s *Service) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true,
		Secure: s.SecureCookie, SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// touchEvery limits how often a session's last-seen time is written.
const touchEvery = 30 * time.Second

// Authenticate resolves the session cookie of r (httpx.Authenticator). An
// expired session is deleted and the request is anonymous.
func (s *Service) Authenticate(w http.ResponseWriter, r *http.Request) (*authz.Principal, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	ctx := r.Context()
	if len(c.Value) > 100 {
		s.refuseCookie(w, r, "malformed")
		return nil, nil
	}
	set, err := s.settings.get(ctx)
	if err != nil {
		return nil, err
	}
	h := hashToken(c.Value)
	var lastSeen, expires int64
	err = s.db.Reader().QueryRowContext(ctx, "SELECT last_seen_at, expires_at FROM sessions WHERE token_hash = ?", h).Scan(&lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		why := "no_session"
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil || len(b) != 32 {
			why = "malformed"
		}
		s.refuseCookie(w, r, why)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.Now().UnixMilli()
	if now >= expires || now-lastSeen >= int64(set.IdleTimeoutMinutes)*60_000 {
		s.db.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", h)
			return err
		})
		s.ClearCookie(w)
		return nil, nil
	}
	if now-lastSeen >= touchEvery.Milliseconds() {
		if err := s.db.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", now, h)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return s.principal(ctx, h)
}

// refuseCookie counts a session cookie that matches no session for the
// audit log: forged, or left from a session pruned after its timeout (an
// expired session still found is normal and not counted). The cookie is
// cleared, so an honest browser sends it once.
func (s *Service) refuseCookie(w http.ResponseWriter, r *http.Request, why string) {
	s.audit.Refuse(r.Context(), audit.Refusal{Action: audit.ActionSessionUnknown, Route: r.Pattern, Detail: why})
	s.ClearCookie(w)
}

func (s *Service) principal(ctx context.Context, tokenHash string) (*authz.Principal, error) {
	set, err := s.settings.get(ctx)
	if err != nil {
		return nil, err
	}
	p := &authz.Principal{SessionHash: tokenHash}
	var orgID sql.NullString
	var changedAt int64
	var mustChange bool
	var totpSealed, unitID sql.NullString
	err = s.db.Reader().QueryRowContext(ctx, `SELECT u.id, u.username, u.display_name, u.org_id, u.unit_id, u.password_changed_at, u.must_change_password, u.totp_secret, s.csrf_token
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND u.status = 'active'`, tokenHash).
		Scan(&p.UserID, &p.Username, &p.DisplayName, &orgID, &unitID, &changedAt, &mustChange, &totpSealed, &p.CSRFToken)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.OrgID, p.UnitID = orgID.String, unitID.String
	p.TOTPEnabled = totpSealed.Valid && totpSealed.String != ""
	rotation := int64(set.PasswordRotationDays) * 24 * 3600 * 1000
	p.PasswordExpired = mustChange || (rotation > 0 && s.Now().UnixMilli()-changedAt > rotation)
	if p.Grants, err = LoadGrants(ctx, s.db.Reader(), p.UserID); err != nil {
		return nil, err
	}
	if a, b, clash := authz.Clash(p.Permissions()); clash {
		// Grants that mix families end the session: refused and audited once.
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
				return err
			}
			return s.audit.Record(ctx, tx, "", audit.Entry{UserID: p.UserID, Username: p.Username, Action: "auth.session",
				ObjectType: "user", ObjectID: p.UserID, Result: audit.Denied, Detail: "separation_broken: " + string(a) + " " + string(b)})
		})
		return nil, err
	}
	p.TOTPMissing = !p.TOTPEnabled && needsTOTP(set, p.Grants)
	return p, nil
}

// LoadGrants reads a user's role assignments with their permissions and scope.
func LoadGrants(ctx context.Context, q db.Querier, userID string) ([]authz.Grant, error) {
	rows, err := q.QueryContext(ctx, `SELECT ra.id, r.code, r.name, r.permissions, o.id, o.path, o.code, o.name
		FROM role_assignments ra JOIN roles r ON r.id = ra.role_id JOIN org_nodes o ON o.id = ra.org_id
		WHERE ra.user_id = ? ORDER BY r.code, o.code`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []authz.Grant
	for rows.Next() {
		var g authz.Grant
		var perms string
		if err := rows.Scan(&g.AssignmentID, &g.Role, &g.RoleName, &perms, &g.OrgID, &g.OrgPath, &g.OrgCode, &g.OrgName); err != nil {
			return nil, err
		}
		for _, f := range strings.Fields(perms) {
			g.Perms = append(g.Perms, authz.Perm(f))
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, p *authz.Principal) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", p.SessionHash); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "", auditEntry("auth.logout", "user", p.UserID, ""))
	})
}

// ChangePassword replaces the caller's password after checking the old one
// and the policy; every other session of the user ends.
func (s *Service) ChangePassword(ctx context.Context, p *authz.Principal, oldPlain, newPlain string) error {
	var hash string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = ?", p.UserID).Scan(&hash); err != nil {
		return apperr.Wrap(err, "load user")
	}
	if ok, _, _ := password.Verify(oldPlain, hash); !ok {
		// Counted like a failed sign-in: a stolen session cannot guess
		// the password here unthrottled.
		set, err := s.settings.get(ctx)
		if err != nil {
			return err
		}
		return s.failAs(ctx, set, p.Username, p.UserID, "password_change_bad_password", apperr.Field("old_password", "auth.old_password_wrong"))
	}
	if err := CheckPassword("new_password", newPlain, p.Username); err != nil {
		return err
	}
	if oldPlain == newPlain {
		return apperr.Field("new_password", "password.same_as_old")
	}
	h, err := s.HashPassword(newPlain)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ?, updated_at = ?, version = version + 1 WHERE id = ?",
			h, s.Now().UnixMilli(), false, db.Now(), p.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", p.UserID, p.SessionHash); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "", auditEntry("auth.password_change", "user", p.UserID, ""))
	})
}

// attemptsKept is how long sign-in attempts are kept: the lockout needs
// 15 minutes of them, the law's six months of security logs are the audit
// log's sign-in rows, so a year is ample.
const attemptsKept = 365 * 24 * time.Hour

// Prune deletes sessions that have expired (absolutely, or idle past the
// timeout) without their owner coming back, and sign-in attempts older
// than a year, for unknown names too.
func (s *Service) Prune(ctx context.Context) error {
	set, err := s.settings.get(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
			now.UnixMilli(), now.Add(-time.Duration(set.IdleTimeoutMinutes)*time.Minute).UnixMilli()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM login_attempts WHERE at < ?", now.Add(-attemptsKept).UnixMilli())
		return err
	})
}
