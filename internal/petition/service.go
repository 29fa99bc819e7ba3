// Package petition keeps the petition desk's work (信访): the register of
// petitions with their petitioners (sealed, masked and blind-indexed like
// the registers' people), channels, repeat (重复访) and over-level (越级)
// flags, the link to a key-petitioner record, acceptance, routing (访调裁审处,
// the words of package dispute), the leader's reception (领导接访), the
// reply and the petitioner's satisfaction; the leaders' supervision orders
// with their own deadlines, checked by a sweep (周一集中督办日); the weekly
// review (每周研判) with its decisions; the leaders' monthly 面对面 sessions
// with the problems raised and their follow-ups; and the desk's figures.
//
// A petition is never published and never shown to residents: every read
// needs petition.read over its area, and another area's petition answers
// 404 like one that does not exist. It owns petitions, petitioners,
// petition_log, petition_supervisions, petition_reviews,
// petition_decisions, face_sessions, face_problems and face_followups.
package petition

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// The 信访条例's time limits, in calendar days: a petition is accepted or
// refused within 15 days of its receipt, and a matter accepted is handled
// and answered within 60 days of its acceptance.
const (
	AcceptDays = 15
	CloseDays  = 60
	// RepeatDays is how far back a petition of the same petitioner makes a
	// new one a repeat (重复访).
	RepeatDays = 180
	// CollectiveSize is the number of people that makes a visit collective
	// (集体访).
	CollectiveSize = 5
	// SoonDays is how close a deadline lights a petition yellow.
	SoonDays = 3
)

// Channels are the ways a petition comes in.
var Channels = []string{"visit", "letter", "online", "hotline"}

// Satisfactions are the petitioner's answers to the reply.
var Satisfactions = []string{"satisfied", "basically", "dissatisfied"}

// Statuses are a petition's states: registered → accepted → replied →
// closed, or not_accepted with a reason.
var Statuses = []string{"registered", "accepted", "not_accepted", "replied", "closed"}

// mediationRoutes are the routes that open a dispute case.
var mediationRoutes = []string{"people_mediation", "admin_mediation", "industry_mediation"}

// Service runs the petition desk.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	reg   *registry.Service
	kp    *keyperson.Service
	// cases opens dispute cases for petitions routed to mediation.
	cases *dispute.Service
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service over the registers (for the link of a petitioner
// to a register person) and the key persons (for the key-petitioner link).
func New(d *db.DB, log *audit.Log, keys *secret.Keys, reg *registry.Service, kp *keyperson.Service, cases *dispute.Service) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), reg: reg, kp: kp, cases: cases, Now: time.Now}
}

// shanghai is the desk's day: dates are days in China Standard Time.
var shanghai = time.FixedZone("CST", 8*3600)

// today is the current day, YYYY-MM-DD.
func (s *Service) today() string { return s.Now().In(shanghai).Format(time.DateOnly) }

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

// appendLog writes one step of a petition's timeline inside tx.
func (s *Service) appendLog(ctx context.Context, tx db.Querier, petitionID, action, note string) error {
	var actorID any
	actor := "system"
	if p := authz.From(ctx); p != nil {
		actorID, actor = p.UserID, p.DisplayName
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO petition_log (id, petition_id, at, action, actor_id, actor_name, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
		db.NewID(), petitionID, s.Now().UnixMilli(), action, actorID, actor, note)
	return err
}
