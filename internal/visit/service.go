// Package visit keeps the grid members' home visits (入户走访, 八必访) and
// the villages' Wednesday reception days (周三接待日).
//
// A county configures which facts of the registers and of the other rooms
// call for a visit (visit triggers: a new arrival, a tenant, a birth, a
// death, an elderly person living alone, another care target, a household
// in hardship, a party of a dispute, an event of some categories), each
// with the days within which the visit is due and, for conditions that
// last, the days between visits. A sweep asks the owning rooms for the
// facts and puts one open visit task a subject and trigger on the list of
// the roster member who answers for the subject's grid. A visit record
// closes its task; ordinary households are visited and logged without
// one. Key persons are left to their own visit clocks (package keyperson):
// the sweep makes no task for them.
//
// A reception day records who received the residents, who came and what
// they raised, each item answered on the spot or turned into an event
// (casework) or a dispute case (dispute).
//
// It owns visit_triggers, visit_tasks, visit_records, visit_follow_ups,
// reception_days and reception_items.
package visit

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Service runs visit triggers, tasks, records and reception days.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	vault    *pii.Vault
	events   *casework.Service
	disputes *dispute.Service
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service over casework (follow-ups and reception items that
// become events) and the dispute room (those that become cases).
func New(d *db.DB, log *audit.Log, keys *secret.Keys, events *casework.Service, disputes *dispute.Service) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), events: events, disputes: disputes, Now: time.Now}
}

// Day is a day in Unix milliseconds.
const Day = int64(24 * time.Hour / time.Millisecond)

// china is the work's day: dates are days in China Standard Time.
var china = time.FixedZone("CST", 8*3600)

// dayOf is the China day of t (Unix ms), YYYY-MM-DD.
func dayOf(ms int64) string { return time.UnixMilli(ms).In(china).Format(time.DateOnly) }

// endOf is the last millisecond of the day (YYYY-MM-DD) in China time.
func endOf(day string) int64 {
	t, err := time.ParseInLocation(time.DateOnly, day, china)
	if err != nil {
		return 0
	}
	return t.AddDate(0, 0, 1).UnixMilli() - 1
}

// startOf is the first millisecond of the day in China time.
func startOf(day string) int64 {
	t, err := time.ParseInLocation(time.DateOnly, day, china)
	if err != nil {
		return 0
	}
	return t.UnixMilli()
}

// addDays adds n days to a YYYY-MM-DD day.
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// record audits one action inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// SealNote seals a visit record's note as RecordVisit does; the demo's
// bulk writer uses it to write the rows the service would.
func (s *Service) SealNote(recordID, note string) string {
	return s.vault.Seal("visit_records.note", recordID, note)
}

// SealPhone seals a reception item's phone as the service does, for the
// demo's bulk writer.
func (s *Service) SealPhone(itemID, phone string) string {
	return s.vault.Seal("reception_items.phone", itemID, phone)
}
