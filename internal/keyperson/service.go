// Package keyperson keeps the records the registers' people carry beyond
// the register itself: key persons (重点人员) with their visit clocks and
// responsible members, care targets (重点服务对象) with their services, the
// visits of both, and the person's page that shows them with the register
// record.
//
// A key person's category is sealed and blind-indexed like any personal
// value: the record is shown only to a caller granted its category
// (pii.sensitive.<category>) over its area, and is absent for everyone
// else. It builds on the registers (package registry): a key person or
// care target is always one of its people.
package keyperson

import (
	"context"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// Service runs key persons, care targets and their visits. Its clock is
// the registers' (registry.Service.Now).
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	reg   *registry.Service
}

// New makes the service over the registers reg, and has it follow their
// people (registry.Follower).
func New(d *db.DB, log *audit.Log, keys *secret.Keys, reg *registry.Service) *Service {
	s := &Service{db: d, audit: log, vault: pii.NewVault(keys), reg: reg}
	reg.Follow(s)
	return s
}

// record audits one action on a record inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// readAudited writes the audit row of a read of personal data.
func (s *Service) readAudited(ctx context.Context, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.RecordAlone(ctx, s.db, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}
