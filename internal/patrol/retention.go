package patrol

import (
	"context"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Settings are the patrols' data-protection rule, kept by the security
// administrator.
type Settings struct {
	// PositionDays: check-in positions (and their notes and photos) older than this
	// are deleted; the patrol keeps its counts and the tasks stay walked.
	PositionDays int `json:"position_days"`
}

// DefaultSettings keeps positions 180 days.
func DefaultSettings() Settings { return Settings{PositionDays: 180} }

// Settings returns the patrols' settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	v := DefaultSettings()
	return v, db.LoadSetting(ctx, s.db.Reader(), "patrol", &v)
}

// SaveSettings validates and stores the settings, audited.
func (s *Service) SaveSettings(ctx context.Context, v Settings) (Settings, error) {
	if v.PositionDays < 1 || v.PositionDays > 3650 {
		return v, apperr.Field("position_days", "validation.range", "min", 1, "max", 3650)
	}
	return v, s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := db.SaveSetting(ctx, tx, "patrol", v)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SecurityWrite, "patrol.settings", "settings", "patrol", b)
	})
}

// Sweep is the hourly job: it makes today's tasks over the whole tree,
// ends the patrols left open longer than MaxHours (at their last check-in)
// and deletes the positions past their retention. It returns how many
// positions it deleted.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	if _, err := s.Materialise(ctx, "/", s.today()); err != nil {
		return 0, err
	}
	now := s.now()
	if err := s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE patrols SET status = 'ended', ended_at = COALESCE(last_at, started_at), version = version + 1, updated_at = ?
			WHERE status = 'open' AND started_at < ?`, now, now-MaxHours*hour)
		return err
	}); err != nil {
		return 0, err
	}
	return s.Prune(ctx)
}

// Prune deletes the check-in positions older than the retention, with
// their notes and photos, audited as one row with the count.
func (s *Service) Prune(ctx context.Context) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	v, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := s.Now().Add(-time.Duration(v.PositionDays) * 24 * time.Hour).UnixMilli()
	var n int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM patrol_photos WHERE point_id IN (SELECT id FROM patrol_points WHERE at < ?)", cutoff); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM patrol_points WHERE at < ?", cutoff)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.record(ctx, tx, authz.SecurityWrite, "patrol.prune", "patrol_points", "", strconv.FormatInt(n, 10))
	})
	return int(n), err
}

// HandOver gives the open patrol tasks (windows not yet over and not
// walked) of roster member from to member to, in the caller's
// transaction, when a member is moved or leaves; a window to already has
// is dropped. It returns how many tasks moved.
func (s *Service) HandOver(ctx context.Context, tx *db.Tx, from, to string) (int, error) {
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE patrol_tasks SET worker_id = ? WHERE worker_id = ? AND walked_at IS NULL AND ends_at > ?
		AND NOT EXISTS (SELECT 1 FROM patrol_tasks t2 WHERE t2.worker_id = ? AND t2.day = patrol_tasks.day AND t2.slot = patrol_tasks.slot)`,
		to, from, now, to)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM patrol_tasks WHERE worker_id = ? AND walked_at IS NULL AND ends_at > ?", from, now)
	return int(n), err
}
