package authn

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Settings are the security settings the security administrator keeps.
type Settings struct {
	PasswordRotationDays int      `json:"password_rotation_days"`
	TOTPRequiredRoles    []string `json:"totp_required_roles"`
	IdleTimeoutMinutes   int      `json:"idle_timeout_minutes"`
	AbsoluteTimeoutHours int      `json:"absolute_timeout_hours"`
	LockoutThreshold     int      `json:"lockout_threshold"`
	LockoutWindowMinutes int      `json:"lockout_window_minutes"`
}

// DefaultSettings follow 等保 level 3 practice.
func DefaultSettings() Settings {
	return Settings{PasswordRotationDays: 90, TOTPRequiredRoles: adminRoles(), IdleTimeoutMinutes: 30,
		AbsoluteTimeoutHours: 12, LockoutThreshold: 5, LockoutWindowMinutes: 15}
}

func adminRoles() []string {
	var out []string
	for _, b := range authz.Builtins {
		if authz.HoldsAdmin(b.Perms) {
			out = append(out, b.Code)
		}
	}
	return out
}

// Validate checks ranges; the administrators' TOTP requirement cannot be lifted.
func (s *Settings) Validate() error {
	var f apperr.Fields
	rng := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			f.Add(field, "validation.range", "min", lo, "max", hi)
		}
	}
	rng("password_rotation_days", s.PasswordRotationDays, 0, 365)
	rng("idle_timeout_minutes", s.IdleTimeoutMinutes, 1, 30)
	rng("absolute_timeout_hours", s.AbsoluteTimeoutHours, 1, 24)
	rng("lockout_threshold", s.LockoutThreshold, 3, 10)
	rng("lockout_window_minutes", s.LockoutWindowMinutes, 5, 1440)
	for _, r := range adminRoles() {
		if !slices.Contains(s.TOTPRequiredRoles, r) {
			f.Add("totp_required_roles", "settings.admin_totp_required", "role", r)
			break
		}
	}
	return f.Err()
}

// settingsCache keeps the settings for a few seconds: read on every request,
// changed rarely. Another node sees a change within cacheTTL.
type settingsCache struct {
	mu   sync.Mutex
	at   time.Time
	val  Settings
	load func(ctx context.Context) (Settings, error)
}

const cacheTTL = 5 * time.Second

func (c *settingsCache) get(ctx context.Context) (Settings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) < cacheTTL {
		return c.val, nil
	}
	v, err := c.load(ctx)
	if err != nil {
		return Settings{}, err
	}
	c.val, c.at = v, time.Now()
	return v, nil
}

func (c *settingsCache) reset() {
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

func loadSettings(ctx context.Context, q db.Querier) (Settings, error) {
	s := DefaultSettings()
	return s, db.LoadSetting(ctx, q, "security", &s)
}

// Settings returns the current security settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) { return s.settings.get(ctx) }

// SaveSettings validates and stores the security settings, audited.
func (s *Service) SaveSettings(ctx context.Context, v Settings) (Settings, error) {
	if err := v.Validate(); err != nil {
		return v, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := db.SaveSetting(ctx, tx, "security", v)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.SecurityWrite, auditEntry("security.settings", "settings", "security", b))
	})
	s.settings.reset()
	return v, err
}
