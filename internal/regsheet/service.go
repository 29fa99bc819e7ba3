// Package regsheet moves the registers in and out of spreadsheets: imports
// (templates, a check of every row before anything is written, annotated
// error sheets) and exports (masked, watermarked, above a threshold only
// after a second person's approval).
//
// It builds on the registers (package registry), whose rows it checks and
// writes through their bulk-load functions, and on package keyperson for
// the key-person and care-target lists it exports.
package regsheet

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// Service runs imports and exports. Its clock is the registers'.
type Service struct {
	db    *db.DB
	audit *audit.Log
	keys  *secret.Keys
	reg   *registry.Service
	kp    *keyperson.Service
}

// New makes the service over the registers reg and the key-person room kp.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, reg *registry.Service, kp *keyperson.Service) *Service {
	return &Service{db: d, audit: log, keys: keys, reg: reg, kp: kp}
}

// record audits one action inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// exec runs one statement in its own transaction.
func (s *Service) exec(ctx context.Context, q string, args ...any) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// ExpireErrorSheets erases the annotated error sheets of imports older than
// the registers' setting (error_sheet_days). It runs as a scheduled job,
// with the registers' Expire.
func (s *Service) ExpireErrorSheets(ctx context.Context) error {
	ctx = authz.WithPrincipal(ctx, authz.System())
	v, err := s.reg.Settings(ctx)
	if err != nil {
		return err
	}
	return s.exec(ctx, "UPDATE imports SET error_sheet = '' WHERE error_sheet <> '' AND updated_at < ?",
		s.reg.Now().Add(-time.Duration(v.ErrorSheetDays)*24*time.Hour).UnixMilli())
}
