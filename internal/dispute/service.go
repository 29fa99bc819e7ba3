package dispute

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// Day is a day in Unix milliseconds.
const Day = int64(24 * time.Hour / time.Millisecond)

// TargetDays is the one-month target of a case, in calendar days from its
// registration (人民调解 settles within about 30 days); WarnDays before it
// the light turns yellow.
const (
	TargetDays     = 30
	WarnDays       = 5
	ConfirmWithin  = 30 // days after the agreement to apply for judicial confirmation (司法确认)
	futureSlack    = 5 * 60 * 1000
	maxAmountYuan  = 1e10
	maxTextLong    = 4000
	maxTextShort   = 200
	maxPartiesCase = 20
)

// Statuses of a case: registered (filed, not yet classified), accepted
// (classified and routed), mediating (a session was held), then closed as
// settled (an agreement, written or oral) or failed (sent on to its next
// route).
var Statuses = []string{"registered", "accepted", "mediating", "settled", "failed"}

// Roles of the parties.
var Roles = []string{"applicant", "respondent", "third"}

// JointKinds are the joint sessions: the town's four heads (四长联调: the
// grid chief with the police station, the justice office and the
// tribunal), and the people's, administrative and judicial mediation
// together (三调对接).
var JointKinds = []string{"four_heads", "three_links"}

// Service runs dispute cases. Now is the clock, replaceable in tests and by
// the demo, which writes a year of cases through it.
type Service struct {
	db     *db.DB
	audit  *audit.Log
	vault  *pii.Vault
	events *casework.Service
	reg    *registry.Service
	Now    func() time.Time
}

// New makes the service over the event loop (for cases turned from events
// and the units invited to joint sessions) and the registers (for parties
// linked to people).
func New(d *db.DB, log *audit.Log, keys *secret.Keys, events *casework.Service, reg *registry.Service) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), events: events, reg: reg, Now: time.Now}
}

// WithClock returns a copy of the service reading time from now: the demo
// writes each step of a past case at its own date.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.Now = now
	return &c
}

func (s *Service) now() int64 { return s.Now().UnixMilli() }

// record writes the audit row of a step inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: "dispute." + action, ObjectType: "dispute", ObjectID: id, Detail: detail})
}

// step writes a timeline row of case id at at, and the audit row.
func (s *Service) step(ctx context.Context, tx *db.Tx, p *authz.Principal, perm authz.Perm, id, action, note string, at int64) error {
	var seq int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(max(seq), 0) + 1 FROM dispute_log WHERE dispute_id = ?", id).Scan(&seq); err != nil {
		return err
	}
	name := p.DisplayName
	if name == "" {
		name = p.Username
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO dispute_log (dispute_id, seq, at, actor_id, actor_name, action, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
		id, seq, at, p.UserID, name, action, note); err != nil {
		return err
	}
	return s.record(authz.WithPrincipal(ctx, p), tx, perm, action, id, "")
}

// nextNo draws the case number of the day: JF + yyyymmdd + 4 digits.
func nextNo(ctx context.Context, tx *db.Tx, prefix, counter string) (string, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, n) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n`, counter).Scan(&n); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%04d", prefix, n), nil
}

// zone is China Standard Time: the day of a case number, the month filter.
var zone = time.FixedZone("CST", 8*3600)

var errNoRows = sql.ErrNoRows

// scoped loads the case id when p holds perm over its area; any other case
// is not found, so another area's id answers as an unknown one does.
func (s *Service) scoped(ctx context.Context, q db.Querier, p *authz.Principal, id string, perm authz.Perm) (Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseCols+caseFrom+" WHERE d.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(perm, c.path)) {
		return Case{}, apperr.NotFoundf("dispute")
	}
	if err != nil {
		return Case{}, err
	}
	c.light(s.now())
	return c, nil
}

// open reports whether a case of status is still being worked.
func open(status string) bool {
	return status == "registered" || status == "accepted" || status == "mediating"
}

// Light is a case's light at now against the one-month target: none once
// closed, red past the target, yellow within WarnDays of it, else green.
func Light(status string, dueAt, now int64) string {
	switch {
	case !open(status):
		return "none"
	case now >= dueAt:
		return "red"
	case now >= dueAt-WarnDays*Day:
		return "yellow"
	}
	return "green"
}

// lightSQL is the condition of a light on the list.
func lightSQL(light string, now int64) (string, []any, error) {
	const isOpen = "d.status IN ('registered', 'accepted', 'mediating')"
	switch light {
	case "red":
		return isOpen + " AND d.due_at <= ?", []any{now}, nil
	case "yellow":
		return isOpen + " AND d.due_at > ? AND d.due_at <= ?", []any{now, now + WarnDays*Day}, nil
	case "green":
		return isOpen + " AND d.due_at > ?", []any{now + WarnDays*Day}, nil
	case "none":
		return "d.status IN ('settled', 'failed')", nil, nil
	}
	return "", nil, apperr.Refuse("light", "dispute.code_unknown", "value", light)
}

// auditEntry is the audit row of an action on case id.
func auditEntry(action, id string) audit.Entry {
	return audit.Entry{Action: "dispute." + action, ObjectType: "dispute", ObjectID: id}
}
