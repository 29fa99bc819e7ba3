package psych

import (
	"context"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Settings are the retention of closed records, kept by the security
// administrator.
type Settings struct {
	// RetentionDays: a closed record and its entries are deleted for good
	// this many days after closing (PIPL art. 19: no longer than needed).
	RetentionDays int `json:"retention_days"`
}

// DefaultSettings keeps a closed record three years.
func DefaultSettings() Settings { return Settings{RetentionDays: 1095} }

// CloseInput closes a record: the person is out of danger, moved or dead.
type CloseInput struct {
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

// Close closes a record (version checked); it is deleted for good when
// the retention has passed.
func (s *Service) Close(ctx context.Context, id string, in CloseInput) (Record, error) {
	var f apperr.Fields
	checkText(&f, "reason", in.Reason, 500, true)
	if err := f.Err(); err != nil {
		return Record{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		version, status, err := s.lockRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Version != version {
			return apperr.E(apperr.Conflict, "psych.stale", "version", version)
		}
		if status != "active" {
			return apperr.E(apperr.Conflict, "psych.closed")
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, "UPDATE psych_records SET status = 'closed', version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			now.UnixMilli(), id, version); err != nil {
			return err
		}
		if err := s.entry(ctx, tx, id, "closing", "", "", in.Reason, now.In(shanghai).Format("2006-01-02")); err != nil {
			return err
		}
		return s.record(ctx, tx, "psych.close", id)
	})
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, id)
}

// Settings returns the retention settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	v := DefaultSettings()
	return v, db.LoadSetting(ctx, s.db.Reader(), "psych", &v)
}

// SaveSettings stores the settings, audited.
func (s *Service) SaveSettings(ctx context.Context, v Settings) (Settings, error) {
	if v.RetentionDays < 30 || v.RetentionDays > 36500 {
		return v, apperr.Field("retention_days", "validation.range", "min", 30, "max", 36500)
	}
	return v, s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := db.SaveSetting(ctx, tx, "psych", v)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.SecurityWrite, audit.Entry{Action: "psych.settings", ObjectType: "settings", ObjectID: "psych", Detail: b})
	})
}

// Expire deletes for good the records closed longer ago than the
// retention, with their entries, each deletion audited. It runs as a job.
func (s *Service) Expire(ctx context.Context) (int, error) {
	v, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := s.Now().Add(-time.Duration(v.RetentionDays) * 24 * time.Hour).UnixMilli()
	ids, err := db.Strings(ctx, s.db.Reader(), "SELECT id FROM psych_records WHERE status = 'closed' AND updated_at < ? ORDER BY id LIMIT 500", cutoff)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM psych_entries WHERE record_id IN ("+ph+")", args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM psych_records WHERE id IN ("+ph+")", args...); err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.audit.Record(ctx, tx, "", audit.Entry{Username: "system", Action: "psych.expire", ObjectType: "psych_record", ObjectID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(ids), err
}
