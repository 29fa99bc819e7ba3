// Package volunteer keeps the volunteers of the red grid (红袖章 / 红袖标,
// 平安志愿者, 法律明白人, 邻里志愿队): the teams of an area and the register
// of their members (phones sealed, shown masked), the patrol shifts a team
// publishes and its volunteers sign up for on the phone (capacity kept, no
// two shifts of one volunteer overlapping, cancelled only before the
// start), the hours counted from shifts actually walked and the hours the
// team's area records for other service, the clues volunteers report, and
// the recognition (优秀志愿者) a team's area gives.
//
// A volunteer is a roster entry of the grid workforce (org's workers,
// employment other): a shift is walked as a patrol of that entry through
// the patrol room (start, check-ins with position, the 位置记录中 banner,
// positions only while recording, their retention), and a check-in inside
// the shift's time is its attendance. An ordinary clue becomes an event
// (casework, channel volunteer); a clue marked for the police (涉稳/治安)
// never becomes an event: it stays here, read only by the holders of
// volunteer.police over its area (the 派出所), every read audited.
//
// It owns volunteer_teams, volunteers, volunteer_shifts, volunteer_signups,
// volunteer_hours, volunteer_clues and volunteer_awards.
package volunteer

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Roster is what the volunteer room needs of the org room's roster: a
// volunteer's entry made inside the register's own write, and its phone
// (sealed on the roster entry: the register keeps only the mask).
type Roster interface {
	EnrolTx(ctx context.Context, tx *db.Tx, orgID, name, startedOn, phone, userID string) (string, error)
	SetPhoneTx(ctx context.Context, tx *db.Tx, workerID, phone string) (string, error)
	SetAccountTx(ctx context.Context, tx *db.Tx, workerID, username string, perm authz.Perm) (string, error)
}

// Patrols is what it needs of the patrol room: a shift is walked as a
// patrol of the volunteer's roster entry.
type Patrols interface {
	Start(ctx context.Context, in patrol.StartInput, key idem.Key) (patrol.Patrol, error)
	CheckIn(ctx context.Context, patrolID string, in patrol.CheckinInput, key idem.Key) (patrol.Patrol, error)
	End(ctx context.Context, patrolID string, in patrol.EndInput) (patrol.Patrol, error)
}

// Events is what it needs of casework: an ordinary clue is reported as an
// event under the volunteer's own name.
type Events interface {
	Create(ctx context.Context, r casework.Report, key casework.Idempotency) (casework.Event, bool, error)
}

// Service runs teams, the register, shifts, hours, clues and recognition.
type Service struct {
	db      *db.DB
	audit   *audit.Log
	vault   *pii.Vault
	roster  Roster
	patrols Patrols
	events  Events
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, roster Roster, patrols Patrols, events Events) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), roster: roster, patrols: patrols, events: events, Now: time.Now}
}

// Zone is the county's clock.
var Zone = time.FixedZone("CST", 8*3600)

const (
	minute = int64(60 * 1000)
	hour   = 60 * minute
)

func (s *Service) now() int64 { return s.Now().UnixMilli() }

// record audits one action inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// SealClue seals a clue's text as the phone's report does, for the demo.
func (s *Service) SealClue(id, text string) string {
	return s.vault.Seal("volunteer_clues.text", id, text)
}
