// Package duty keeps the grid members' tasks of the day, the police–grid
// fusion (警网融合) and the same-day close (日清).
//
// A centre (gridwork.steer) pushes tasks to roster members, alone or
// jointly (the village police officer with a grid member); a town–police
// station meeting (联席会议) records its decisions, each of which becomes
// a task for the members it names. A member (gridwork.do) sees their
// tasks on the phone and closes each with a result; before the day ends
// every open task due that day is closed or carried to the next day with
// a reason, and the end-of-day job carries what is left marked "not
// closed, no reason". The police officer of a grid and its team see the
// grid's tasks: the officer in full, the team without the detail. The
// centres' day board counts tasks due, closed and carried by member and
// grid, with the carry-overs and their reasons.
//
// Tasks are keyed by roster member (workers.id): most members have no
// account. Details, results, carry reasons and meeting minutes are
// sealed with the vault. It owns duty_tasks, duty_assignees,
// duty_meetings and duty_decisions.
package duty

import (
	"context"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Sources are where a task comes from.
var Sources = []string{"pushed", "meeting", "carried", "visit", "other"}

// Statuses are a task's states: open, then closed with a result or
// carried to the next day (a new task takes its place).
var Statuses = []string{"open", "closed", "carried"}

// DefaultCloseHour is the hour (China Standard Time) at which the
// end-of-day job carries what is left, unless the setting duty.close_hour
// says otherwise.
const DefaultCloseHour = 21

// Text limits.
const (
	maxTitle  = 100
	maxText   = 2000
	maxReason = 200
)

// Service runs the member tasks, meetings and the day close.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), Now: time.Now}
}

// shanghai is the working day's zone: days are days in China Standard Time.
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

// validDay reports whether s is a YYYY-MM-DD day.
func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}

// CloseHour is the hour the end-of-day job runs from: the setting
// duty.close_hour (0–23) or DefaultCloseHour.
func (s *Service) CloseHour(ctx context.Context) int {
	var v string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'duty.close_hour'").Scan(&v); err == nil {
		if h, err := strconv.Atoi(v); err == nil && h >= 0 && h <= 23 {
			return h
		}
	}
	return DefaultCloseHour
}

// record audits one action inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// open opens a sealed value of field for record id; a value that will not
// open reads empty rather than failing a whole list.
func (s *Service) open(field, id, sealed string) string {
	if sealed == "" {
		return ""
	}
	v, err := s.vault.Open(field, id, sealed)
	if err != nil {
		return ""
	}
	return v
}

// seal seals a value of field for record id; empty stays empty.
func (s *Service) seal(field, id, plain string) string {
	if plain == "" {
		return ""
	}
	return s.vault.Seal(field, id, plain)
}
