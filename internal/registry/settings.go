package registry

import (
	"context"
	"errors"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Settings are the registers' data-protection rules, kept by the security
// administrator.
type Settings struct {
	// ExportApprovalRows: an export of more rows waits for a second person.
	ExportApprovalRows int `json:"export_approval_rows"`
	// RetentionDays: a person who moved out or died is deleted for good this
	// many days later (PIPL art. 19: no longer than needed); 0 keeps them.
	RetentionDays int `json:"retention_days"`
	// ErrorSheetDays: an import's annotated error sheet is erased after so many days.
	ErrorSheetDays int `json:"error_sheet_days"`
}

// DefaultSettings: 500 rows, five years, a week.
func DefaultSettings() Settings {
	return Settings{ExportApprovalRows: 500, RetentionDays: 1825, ErrorSheetDays: 7}
}

// Validate checks ranges.
func (v Settings) Validate() error {
	var f apperr.Fields
	rng := func(field string, n, lo, hi int) {
		if n < lo || n > hi {
			f.Add(field, "validation.range", "min", lo, "max", hi)
		}
	}
	rng("export_approval_rows", v.ExportApprovalRows, 1, 1_000_000)
	rng("retention_days", v.RetentionDays, 0, 36500)
	rng("error_sheet_days", v.ErrorSheetDays, 1, 90)
	return f.Err()
}

// Settings returns the registers' settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	v := DefaultSettings()
	return v, db.LoadSetting(ctx, s.db.Reader(), "registry", &v)
}

// SaveSettings validates and stores the settings, audited.
func (s *Service) SaveSettings(ctx context.Context, v Settings) (Settings, error) {
	if err := v.Validate(); err != nil {
		return v, err
	}
	return v, s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := db.SaveSetting(ctx, tx, "registry", v)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SecurityWrite, "registry.settings", "settings", "registry", b)
	})
}

// Expire deletes for good the people whose retention ended. It runs as a
// scheduled job (with regsheet's ExpireErrorSheets); each deletion is
// audited.
func (s *Service) Expire(ctx context.Context) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	v, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	if v.RetentionDays == 0 {
		return 0, nil
	}
	cutoff := now.Add(-time.Duration(v.RetentionDays) * 24 * time.Hour).UnixMilli()
	n := 0
	for {
		var ids []string
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM people WHERE status IN ('moved_out', 'deceased') AND moved_out_at < ? ORDER BY id LIMIT 200`, cutoff)
		if err != nil {
			return n, err
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return n, err
		}
		if len(ids) == 0 {
			return n, nil
		}
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			for _, id := range ids {
				if err := s.purgePerson(ctx, tx, id, "expired"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(ids)
	}
}
