package volunteer

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/patrol"
)

// Shift is a patrol shift a team published: where, when, how many places
// and how many are taken.
type Shift struct {
	ID       string `json:"id"`
	TeamID   string `json:"team_id"`
	TeamName string `json:"team_name"`
	OrgID    string `json:"org_id"`
	Place    string `json:"place"`
	StartsAt int64  `json:"starts_at"`
	EndsAt   int64  `json:"ends_at"`
	Needed   int    `json:"needed"`
	Taken    int    `json:"taken"`
	// Attended counts the volunteers who walked it (console lists).
	Attended int `json:"attended"`
	// Mine is the caller's sign-up, on the phone.
	Mine *Signup `json:"mine,omitempty"`
	path string
}

// Signup is a volunteer's place on a shift.
type Signup struct {
	ID         string `json:"id"`
	ShiftID    string `json:"shift_id"`
	Status     string `json:"status"` // signed, cancelled
	PatrolID   string `json:"patrol_id,omitempty"`
	AttendedAt int64  `json:"attended_at,omitempty"`
	Minutes    int    `json:"minutes"`
}

// ShiftInput publishes a shift of a team.
type ShiftInput struct {
	TeamID   string `json:"team_id"`
	Place    string `json:"place"`
	StartsAt int64  `json:"starts_at"`
	EndsAt   int64  `json:"ends_at"`
	Needed   int    `json:"needed"`
}

// MaxShiftHours is the longest shift.
const MaxShiftHours = 12

const shiftCols = `s.id, s.team_id, t.name, s.org_id, s.place, s.starts_at, s.ends_at, s.needed, s.taken,
	(SELECT count(*) FROM volunteer_signups a WHERE a.shift_id = s.id AND a.attended_at IS NOT NULL), s.path`

const shiftFrom = ` FROM volunteer_shifts s JOIN volunteer_teams t ON t.id = s.team_id`

func scanShift(sc interface{ Scan(...any) error }) (Shift, error) {
	var x Shift
	err := sc.Scan(&x.ID, &x.TeamID, &x.TeamName, &x.OrgID, &x.Place, &x.StartsAt, &x.EndsAt, &x.Needed, &x.Taken, &x.Attended, &x.path)
	return x, err
}

func shifts(ctx context.Context, q db.Querier, where string, args ...any) ([]Shift, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+shiftCols+shiftFrom+" WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Shift{}
	for rows.Next() {
		x, err := scanShift(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// CreateShift publishes a shift of a team of the caller's area.
func (s *Service) CreateShift(ctx context.Context, in ShiftInput) (Shift, error) {
	var f apperr.Fields
	in.Place = checkText(&f, "place", in.Place, 1, 200)
	if in.StartsAt <= 0 {
		f.Add("starts_at", "validation.required")
	} else if in.StartsAt < s.now()-24*hour {
		f.Add("starts_at", "volunteer.shift_past")
	}
	if in.EndsAt <= in.StartsAt || in.EndsAt-in.StartsAt > MaxShiftHours*hour {
		f.Add("ends_at", "volunteer.shift_length", "max", MaxShiftHours)
	}
	if in.Needed < 1 || in.Needed > 200 {
		f.Add("needed", "validation.range", "min", 1, "max", 200)
	}
	if err := f.Refuse(); err != nil {
		return Shift{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := team(ctx, tx, authz.VolunteerWrite, in.TeamID, "team_id")
		if err != nil {
			return err
		}
		if t.Status != "active" {
			return apperr.Refuse("team_id", "volunteer.team_retired")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_shifts (id, team_id, org_id, path, place, starts_at, ends_at, needed, taken, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`, id, t.ID, t.OrgID, t.path, in.Place, in.StartsAt, in.EndsAt, in.Needed, authz.From(ctx).UserID, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerWrite, "volunteer.shift_create", "volunteer_shift", id, "")
	})
	if err != nil {
		return Shift{}, err
	}
	out, err := shifts(ctx, s.db.Reader(), "s.id = ?", id)
	if err != nil || len(out) == 0 {
		return Shift{}, err
	}
	return out[0], nil
}

// ShiftQuery filters the shifts of an area: a team, and a time range
// (from the start of today for 30 days when absent).
type ShiftQuery struct {
	OrgID, TeamID string
	From, To      int64
}

// Shifts lists the shifts of an area, earliest first.
func (s *Service) Shifts(ctx context.Context, sq ShiftQuery) ([]Shift, error) {
	q := s.db.Reader()
	where, args, err := scope(ctx, q, authz.VolunteerRead, "s.path", sq.OrgID)
	if err != nil {
		return nil, err
	}
	if sq.From == 0 {
		sq.From = s.now() - 7*24*hour
	}
	if sq.To == 0 || sq.To < sq.From {
		sq.To = sq.From + 45*24*hour
	}
	where += " AND s.starts_at >= ? AND s.starts_at < ?"
	args = append(args, sq.From, sq.To)
	if sq.TeamID != "" {
		where += " AND s.team_id = ?"
		args = append(args, sq.TeamID)
	}
	return shifts(ctx, q, where+" ORDER BY s.starts_at, s.id LIMIT 500", args...)
}

// lockShift reads a shift of the caller's team for a write.
func lockShift(ctx context.Context, tx *db.Tx, v Volunteer, id string) (Shift, error) {
	x, err := scanShift(tx.QueryRowContext(ctx, "SELECT "+shiftCols+shiftFrom+" WHERE s.id = ?"+tx.ForUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && x.TeamID != v.TeamID) {
		return Shift{}, apperr.NotFoundf("volunteer_shift")
	}
	return x, err
}

func signupOf(ctx context.Context, q db.Querier, shiftID, volunteerID string) (Signup, error) {
	var su Signup
	var patrolID sql.NullString
	var attended sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, shift_id, status, patrol_id, attended_at, minutes FROM volunteer_signups WHERE shift_id = ? AND volunteer_id = ?`,
		shiftID, volunteerID).Scan(&su.ID, &su.ShiftID, &su.Status, &patrolID, &attended, &su.Minutes)
	su.PatrolID, su.AttendedAt = patrolID.String, attended.Int64
	return su, err
}

// SignUp gives the caller a place on a shift of their team: not one that
// has started, not when the places are taken, not two shifts of theirs
// that overlap. Signing up again for the same shift answers with the
// place.
func (s *Service) SignUp(ctx context.Context, shiftID string) (Signup, error) {
	var out Signup
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		v, err := me(ctx, tx)
		if err != nil {
			return err
		}
		if v.Status != "active" {
			return apperr.E(apperr.Conflict, "volunteer.not_active")
		}
		x, err := lockShift(ctx, tx, v, shiftID)
		if err != nil {
			return err
		}
		cur, err := signupOf(ctx, tx, x.ID, v.ID)
		if err == nil && cur.Status == "signed" {
			out = cur
			return nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if x.StartsAt <= s.now() {
			return apperr.E(apperr.Conflict, "volunteer.shift_started")
		}
		var clash int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM volunteer_signups WHERE volunteer_id = ? AND status = 'signed' AND shift_id <> ?
			AND starts_at < ? AND ends_at > ?`, v.ID, x.ID, x.EndsAt, x.StartsAt).Scan(&clash); err != nil {
			return err
		}
		if clash > 0 {
			return apperr.E(apperr.Conflict, "volunteer.double_booked")
		}
		// The place is taken only while one is left: the condition holds
		// the capacity however many sign up at once.
		res, err := tx.ExecContext(ctx, "UPDATE volunteer_shifts SET taken = taken + 1 WHERE id = ? AND taken < needed", x.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "volunteer.shift_full")
		}
		now := s.now()
		if cur.ID != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE volunteer_signups SET status = 'signed', updated_at = ? WHERE id = ?", now, cur.ID); err != nil {
				return err
			}
		} else {
			cur.ID = db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_signups (id, shift_id, volunteer_id, path, starts_at, ends_at, status, minutes, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'signed', 0, ?, ?)`, cur.ID, x.ID, v.ID, v.path, x.StartsAt, x.EndsAt, now, now); err != nil {
				return err
			}
		}
		if err := s.record(ctx, tx, authz.VolunteerDo, "volunteer.signup", "volunteer_shift", x.ID, ""); err != nil {
			return err
		}
		out, err = signupOf(ctx, tx, x.ID, v.ID)
		return err
	})
	return out, err
}

// Cancel gives up the caller's place on a shift before it starts.
func (s *Service) Cancel(ctx context.Context, shiftID string) (Signup, error) {
	var out Signup
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		v, err := me(ctx, tx)
		if err != nil {
			return err
		}
		x, err := lockShift(ctx, tx, v, shiftID)
		if err != nil {
			return err
		}
		cur, err := signupOf(ctx, tx, x.ID, v.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("volunteer_signup")
		}
		if err != nil {
			return err
		}
		if cur.Status == "cancelled" {
			out = cur
			return nil
		}
		if x.StartsAt <= s.now() {
			return apperr.E(apperr.Conflict, "volunteer.shift_started")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE volunteer_signups SET status = 'cancelled', updated_at = ? WHERE id = ?", s.now(), cur.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE volunteer_shifts SET taken = taken - 1 WHERE id = ? AND taken > 0", x.ID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, authz.VolunteerDo, "volunteer.cancel", "volunteer_shift", x.ID, ""); err != nil {
			return err
		}
		out, err = signupOf(ctx, tx, x.ID, v.ID)
		return err
	})
	return out, err
}

// signed is the caller's place on a shift, for walking it: the shift and
// the sign-up (a cancelled one is not found).
func (s *Service) signed(ctx context.Context, shiftID string) (Volunteer, Shift, Signup, error) {
	q := s.db.Reader()
	v, err := me(ctx, q)
	if err != nil {
		return v, Shift{}, Signup{}, err
	}
	x, err := scanShift(q.QueryRowContext(ctx, "SELECT "+shiftCols+shiftFrom+" WHERE s.id = ?", shiftID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && x.TeamID != v.TeamID) {
		return v, x, Signup{}, apperr.NotFoundf("volunteer_shift")
	}
	if err != nil {
		return v, x, Signup{}, err
	}
	su, err := signupOf(ctx, q, x.ID, v.ID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && su.Status != "signed") {
		return v, x, su, apperr.NotFoundf("volunteer_signup")
	}
	return v, x, su, err
}

// grace is how early a shift may be started and how late after its end a
// check-in still counts as its attendance.
const grace = 30 * minute

// WalkInput starts walking a shift: the phone's time and the patrol's id
// as the phone made it (both optional, as for a patrol).
type WalkInput struct {
	ID string `json:"id"`
	At *int64 `json:"at"`
}

// Walk starts the caller's shift as a patrol of their roster entry (the
// patrol room's start: one open patrol at a time, positions recorded only
// while it is on). Starting it again answers with the same patrol.
func (s *Service) Walk(ctx context.Context, shiftID string, in WalkInput, key idem.Key) (patrol.Patrol, error) {
	_, x, su, err := s.signed(ctx, shiftID)
	if err != nil {
		return patrol.Patrol{}, err
	}
	at := s.now()
	if in.At != nil {
		at = *in.At
	}
	if at < x.StartsAt-grace || at > x.EndsAt {
		return patrol.Patrol{}, apperr.E(apperr.Conflict, "volunteer.shift_not_now")
	}
	if su.PatrolID != "" && in.ID == "" {
		in.ID = su.PatrolID
	}
	p, err := s.patrols.Start(ctx, patrol.StartInput{ID: in.ID, At: in.At}, key)
	if err != nil {
		return p, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE volunteer_signups SET patrol_id = ?, updated_at = ? WHERE id = ?", p.ID, s.now(), su.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerDo, "volunteer.walk", "volunteer_shift", x.ID, "")
	})
	return p, err
}

// CheckIn records a check-in of the patrol the caller walks their shift
// as (the patrol room's check-in). The first check-in inside the shift's
// time (with its grace) is the shift's attendance: its hours count.
func (s *Service) CheckIn(ctx context.Context, shiftID string, in patrol.CheckinInput, key idem.Key) (patrol.Patrol, error) {
	v, x, su, err := s.signed(ctx, shiftID)
	if err != nil {
		return patrol.Patrol{}, err
	}
	if su.PatrolID == "" {
		return patrol.Patrol{}, apperr.E(apperr.Conflict, "volunteer.shift_not_walked")
	}
	at := s.now()
	if in.At != nil {
		at = *in.At
	}
	p, err := s.patrols.CheckIn(ctx, su.PatrolID, in, key)
	if err != nil {
		return p, err
	}
	if at < x.StartsAt-grace || at > x.EndsAt+grace {
		return p, nil // a check-in outside the shift is the patrol's, not the shift's
	}
	minutes := int((x.EndsAt - x.StartsAt) / minute)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE volunteer_signups SET attended_at = ?, minutes = ?, updated_at = ?
			WHERE id = ? AND status = 'signed' AND (attended_at IS NULL OR attended_at > ?)`, at, minutes, s.now(), su.ID, at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || su.AttendedAt != 0 {
			return nil
		}
		if err := credit(ctx, tx, v, "volunteer_signup", su.ID, minutes, at); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerDo, "volunteer.attended", "volunteer_shift", x.ID, "")
	})
	return p, err
}

// End ends the patrol of the caller's shift.
func (s *Service) End(ctx context.Context, shiftID string, in patrol.EndInput) (patrol.Patrol, error) {
	_, _, su, err := s.signed(ctx, shiftID)
	if err != nil {
		return patrol.Patrol{}, err
	}
	if su.PatrolID == "" {
		return patrol.Patrol{}, apperr.E(apperr.Conflict, "volunteer.shift_not_walked")
	}
	return s.patrols.End(ctx, su.PatrolID, in)
}

// Mine is the caller's phone page: their entry, their team's shifts of
// the coming two weeks (and the last two days) with their own places, and
// their hours.
type Mine struct {
	Volunteer Volunteer `json:"volunteer"`
	Shifts    []Shift   `json:"shifts"`
	Hours     MyHours   `json:"hours"`
	Clues     []Clue    `json:"clues"`
}

// MyHours are the caller's hours this month and this year, in minutes.
type MyHours struct {
	Month     int `json:"month_minutes"`
	Year      int `json:"year_minutes"`
	Shifts    int `json:"shifts_walked"`
	AwardsYTD int `json:"awards"`
}

// MyPage answers the caller's phone page.
func (s *Service) MyPage(ctx context.Context) (Mine, error) {
	q := s.db.Reader()
	v, err := me(ctx, q)
	if err != nil {
		return Mine{}, err
	}
	out := Mine{Volunteer: v}
	now := s.now()
	if out.Shifts, err = shifts(ctx, q, "s.team_id = ? AND s.ends_at >= ? AND s.starts_at < ? ORDER BY s.starts_at, s.id LIMIT 200",
		v.TeamID, now-2*24*hour, now+14*24*hour); err != nil {
		return out, err
	}
	for i := range out.Shifts {
		su, err := signupOf(ctx, q, out.Shifts[i].ID, v.ID)
		if err == nil {
			out.Shifts[i].Mine = &su
		} else if !errors.Is(err, sql.ErrNoRows) {
			return out, err
		}
	}
	year := s.Now().In(Zone).Format("2006")
	month := s.Now().In(Zone).Format("2006-01")
	tot, err := s.totals(ctx, q, []string{v.ID}, year)
	if err != nil {
		return out, err
	}
	mt, err := s.totals(ctx, q, []string{v.ID}, month)
	if err != nil {
		return out, err
	}
	out.Hours = MyHours{Month: mt[v.ID].total(), Year: tot[v.ID].total(), Shifts: tot[v.ID].Shifts}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM volunteer_awards WHERE volunteer_id = ? AND period LIKE ?", v.ID, year+"%").Scan(&out.Hours.AwardsYTD); err != nil {
		return out, err
	}
	out.Clues, err = s.clues(ctx, q, "c.volunteer_id = ? ORDER BY c.created_at DESC LIMIT 20", true, v.ID)
	return out, err
}

// key reads the request's Idempotency-Key, scoped to the caller and what.
func keyOf(header, userID, what string, in any) (idem.Key, error) {
	if err := idem.Check("Idempotency-Key", header); err != nil {
		return idem.Key{}, err
	}
	return idem.Key{Scope: "user:" + userID + ":" + what, Key: strings.TrimSpace(header), Fingerprint: idem.Fingerprint(in)}, nil
}
