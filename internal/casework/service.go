package casework

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workcal"
)

// Locator finds the grids holding a point (the org service).
type Locator interface {
	Locate(ctx context.Context, lang string, p geo.Point) ([]GridHit, error)
}

// GridHit is the main-layer grid that holds a point, with its area's id
// and path.
type GridHit struct {
	GridID, GridCode, GridName, OrgID, Path string
}

// Service runs the loop.
type Service struct {
	db    *db.DB
	audit *audit.Log
	keys  *secret.Keys
	grids Locator
	// PhotoQuota is the bytes of photos one user may store in 30 days;
	// 0 means DefaultPhotoQuota.
	PhotoQuota int64
	// OtherPhotos counts the photos a user stored in the other rooms (a
	// patrol's check-ins): one quota holds for all of them.
	OtherPhotos photo.Usage
	// SelfCheckAllowed lifts the separation of duties between handling an
	// event and re-checking it (GRIDGOV_SEPARATE_CHECK=false); by default
	// whoever reported the result may not pass or fail the check.
	SelfCheckAllowed bool
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, grids Locator) *Service {
	log.Summarize("event", summarizeEvent)
	return &Service{db: d, audit: log, keys: keys, grids: grids, Now: time.Now}
}

// calendar returns the work calendar: the zone and working hours of
// settings 'calendar', and the holidays and swapped workdays of the years
// loaded in workcal. A year not loaded counts weekends alone; dates the
// settings list for a loaded year give way to the loaded year's.
func (s *Service) calendar(ctx context.Context) (*calendar.Calendar, error) {
	var raw string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'calendar'").Scan(&raw)
	var cfg calendar.Config
	if err == nil {
		if err := cfg.UnmarshalJSON([]byte(raw)); err != nil {
			return nil, apperr.Wrap(err, "calendar settings")
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	years, err := workcal.Days(ctx, s.db.Reader())
	if err != nil {
		return nil, err
	}
	loaded := func(d calendar.Date) bool { return years.Has(d.Year) }
	cfg.Holidays = append(slices.DeleteFunc(cfg.Holidays, loaded), years.Holidays...)
	cfg.Workdays = append(slices.DeleteFunc(cfg.Workdays, loaded), years.Workdays...)
	return calendar.New(cfg)
}

// schedule sets the stage clock of an event entering state at now.
type schedule struct {
	stage         string
	start         int64
	warnAt, dueAt *int64
}

// scheduleFor computes the stage, its deadline and its yellow mark: yellow
// from the moment 80 % of the time to the deadline has gone.
func (s *Service) scheduleFor(ctx context.Context, c Category, urgency, state string, now time.Time) (schedule, error) {
	sc := schedule{stage: stageOf[state], start: now.UnixMilli()}
	if sc.stage == "" {
		sc.stage = "none"
		return sc, nil
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return sc, err
	}
	lim, err := parseLimit(c.limit(urgency, sc.stage))
	if err != nil {
		return sc, err
	}
	due := cal.Add(now, lim).UnixMilli()
	warn := sc.start + (due-sc.start)*8/10
	sc.dueAt, sc.warnAt = &due, &warn
	return sc, nil
}

func parseLimit(text string) (calendar.Limit, error) {
	l, err := calendar.ParseLimit(text)
	return l, apperr.Wrap(err, "time limit")
}

// Light tells the deadline light at now of an event in state, parked or
// not, with its stage's yellow mark warnAt and deadline dueAt: none,
// green, yellow or red.
func Light(state string, parked bool, warnAt, dueAt *int64, now int64) string {
	switch {
	case dueAt == nil || !Open(state) || parked:
		return "none"
	case now >= *dueAt:
		return "red"
	case warnAt != nil && now >= *warnAt:
		return "yellow"
	}
	return "green"
}

// light sets the event's light at now, and the calendar days to its
// stage deadline where the light counts one.
func light(e *Event, now int64) string {
	l := Light(e.State, e.Parked, e.warnAt, e.StageDueAt, now)
	if l != "none" {
		d := calendar.DaysUntilMs(now, *e.StageDueAt)
		e.StageDueDays = &d
	}
	return l
}

// nextNo is the next event number of the day: yyyymmdd + 4 digits (more when needed).
func nextNo(ctx context.Context, tx *db.Tx, now time.Time) (string, error) {
	day := now.In(Zone).Format("20060102")
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, n) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n`, "event:"+day).Scan(&n); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%04d", day, n), nil
}

// Zone is China Standard Time: the day of an event's number, the months
// of the figures.
var Zone = time.FixedZone("CST", 8*3600)

// appendLog adds a timeline entry and returns its sequence number.
func (s *Service) appendLog(ctx context.Context, tx *db.Tx, eventID, action, from, to, unitID, note string, now time.Time) (int, error) {
	return s.appendStep(ctx, tx, eventID, action, from, to, unitID, note, "", now)
}

// appendStep is appendLog with a note for the public beside the internal one.
func (s *Service) appendStep(ctx context.Context, tx *db.Tx, eventID, action, from, to, unitID, note, publicNote string, now time.Time) (int, error) {
	p := authz.From(ctx)
	var seq int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(max(seq), 0) + 1 FROM event_log WHERE event_id = ?", eventID).Scan(&seq); err != nil {
		return 0, err
	}
	var unit any
	if unitID != "" {
		unit = unitID
	}
	name, role := "system", ""
	if p != nil {
		name, role = p.DisplayName, p.RoleFor("")
		if name == "" {
			name = p.Username
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state, unit_id, note, public_note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, eventID, seq, now.UnixMilli(), actorID(p), name, role, action, from, to, unit, note, publicNote)
	return seq, err
}

func actorID(p *authz.Principal) string {
	if p == nil {
		return "system"
	}
	return p.UserID
}

// notify puts a message in the inboxes of the users holding perm over the
// event's area (or of one unit), and one line in the outbox for the
// SMS/webhook adapters — all inside the change's transaction.
func (s *Service) notify(ctx context.Context, tx *db.Tx, e *Event, kind, text string, perm authz.Perm, unitID string) error {
	users, err := recipients(ctx, tx, e, perm, unitID)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, e, kind, text, users)
}

// recipients are the users holding perm over the event's area, or the
// active members of one unit.
func recipients(ctx context.Context, tx *db.Tx, e *Event, perm authz.Perm, unitID string) ([]string, error) {
	if unitID != "" {
		return account.UnitMembers(ctx, tx, unitID)
	}
	holders, args := authz.Holders(perm, e.path)
	return db.Strings(ctx, tx, holders, args...)
}

// send writes one inbox message to each user and one outbox line for all.
func (s *Service) send(ctx context.Context, tx *db.Tx, e *Event, kind, text string, users []string) error {
	return sendTo(ctx, tx, e.ID, e.No, kind, text, users)
}

// Notify puts a message with no event behind it (a red order's reminder)
// in the inboxes of users, and one line in the outbox, inside the caller's
// transaction. The text names no person: an inbox is not a register.
func (s *Service) Notify(ctx context.Context, tx *db.Tx, users []string, kind, text string) error {
	if len(users) == 0 {
		return nil
	}
	return sendTo(ctx, tx, "", "", kind, text, users)
}

func sendTo(ctx context.Context, tx *db.Tx, eventID, eventNo, kind, text string, users []string) error {
	now := db.Now()
	var event any // NULL: a message of no event
	if eventID != "" {
		event = eventID
	}
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, "INSERT INTO inbox (id, user_id, event_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			db.NewID(), u, event, kind, text, now); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO outbox (id, channel, target, payload, next_at, created_at) VALUES (?, 'log', ?, ?, ?, ?)",
		db.NewID(), strings.Join(users, ","), mustJSON(map[string]string{"event": eventNo, "kind": kind, "text": text}), now, now)
	return err
}
