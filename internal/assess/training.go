package assess

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	ledger "github.com/gridgov/gridgov/internal/points"
)

// MaxHours is the longest training session, in hours.
const MaxHours = 40

// TrainingInput is a 网格学堂 session of an area with who attended.
type TrainingInput struct {
	OrgID     string   `json:"org_id"`
	Title     string   `json:"title"`
	HeldOn    string   `json:"held_on"`
	Hours     *float64 `json:"hours"`
	Trainer   string   `json:"trainer"`
	WorkerIDs []string `json:"worker_ids"`
}

// AttendanceInput replaces the attendance of a session; Version is the
// session's version as read.
type AttendanceInput struct {
	WorkerIDs []string `json:"worker_ids"`
	Version   int      `json:"version"`
}

// Training is a session with its attendance.
type Training struct {
	ID        string     `json:"id"`
	OrgID     string     `json:"org_id"`
	OrgName   string     `json:"org_name"`
	Title     string     `json:"title"`
	HeldOn    string     `json:"held_on"`
	Hours     float64    `json:"hours"`
	Trainer   string     `json:"trainer"`
	Attendees int        `json:"attendees"`
	Version   int        `json:"version"`
	Attended  []Attendee `json:"attended,omitempty"`
}

// Attendee is a roster member at a session.
type Attendee struct {
	WorkerID string `json:"worker_id"`
	Name     string `json:"name"`
}

// CreateTraining records a session of an area the caller holds
// assess.write over, with its attendance (members of the area's roster).
func (s *Service) CreateTraining(ctx context.Context, in TrainingInput) (Training, error) {
	var f apperr.Fields
	in.Title, in.Trainer = strings.TrimSpace(in.Title), strings.TrimSpace(in.Trainer)
	text := func(name, v string, max int) {
		if v == "" {
			f.Add(name, "assess.required")
		} else if utf8.RuneCountInString(v) > max {
			f.Add(name, "assess.too_long", "max", max)
		}
	}
	text("title", in.Title, 100)
	text("trainer", in.Trainer, 50)
	if in.OrgID == "" {
		f.Add("org_id", "assess.required")
	}
	if d, err := time.ParseInLocation("2006-01-02", in.HeldOn, zone); err != nil {
		f.Add("held_on", "assess.date_format")
	} else if d.After(s.Now().In(zone).AddDate(0, 0, 90)) {
		f.Add("held_on", "assess.date_range")
	}
	var x10 int64
	if in.Hours == nil {
		f.Add("hours", "assess.required")
	} else if h := *in.Hours; math.IsNaN(h) || h <= 0 || h > MaxHours || math.Abs(h*10-math.Round(h*10)) > 1e-6 {
		f.Add("hours", "assess.hours_range", "max", MaxHours)
	} else {
		x10 = int64(math.Round(h * 10))
	}
	if err := f.Refuse(); err != nil {
		return Training{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := org.PathIn(ctx, tx, authz.AssessWrite, in.OrgID, "org_id")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assess_trainings (id, org_id, path, title, held_on, hours_x10, trainer, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.OrgID, path, in.Title, in.HeldOn, x10, in.Trainer, authz.From(ctx).UserID, s.now()); err != nil {
			return err
		}
		if err := s.attend(ctx, tx, id, path, in.HeldOn, nil, in.WorkerIDs); err != nil {
			return err
		}
		return s.record(ctx, tx, "training", "training", id, in.HeldOn+" "+in.Title+" ("+strconv.Itoa(len(in.WorkerIDs))+")")
	})
	if err != nil {
		return Training{}, err
	}
	return s.Training(ctx, id)
}

// attend writes the attendance of session id, held on heldOn, that was
// before: each worker must be an active member of the roster under path.
// The party members among them get the training's points, and those taken
// off lose them again.
func (s *Service) attend(ctx context.Context, tx *db.Tx, id, path, heldOn string, before, workerIDs []string) error {
	var f apperr.Fields
	seen := map[string]bool{}
	users := map[string]string{} // worker → account
	for i, w := range workerIDs {
		wk, err := org.WorkerByID(ctx, tx, w)
		if err != nil || !strings.HasPrefix(wk.Path, path) || wk.Status != "active" || seen[w] {
			f.Add("worker_ids["+strconv.Itoa(i)+"]", "assess.worker_unknown")
		}
		seen[w], users[w] = true, wk.UserID
	}
	if err := f.Refuse(); err != nil {
		return err
	}
	for _, w := range workerIDs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO assess_attendance (training_id, worker_id) VALUES (?, ?)", id, w); err != nil {
			return err
		}
	}
	for _, w := range before {
		if !seen[w] {
			wk, err := org.WorkerByID(ctx, tx, w)
			if err != nil {
				return err
			}
			users[w] = wk.UserID
		}
	}
	for w, user := range users {
		if err := ledger.SettleUserTx(ctx, tx, user, ledger.Training, "training", id, ledger.NoonOf(heldOn), seen[w],
			"培训签到更正"); err != nil {
			return err
		}
	}
	return nil
}

// SetAttendance replaces who attended a session of the caller's
// assess.write area, when the session is still at the version read (two
// clerks at once cannot both win: the later one is told the current
// version). Audited.
func (s *Service) SetAttendance(ctx context.Context, id string, in AttendanceInput) (Training, error) {
	if in.Version <= 0 {
		return Training{}, apperr.Refuse("version", "assess.required")
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var path, heldOn string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT path, held_on, version FROM assess_trainings WHERE id = ?", id).Scan(&path, &heldOn, &version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.AssessWrite, path)) {
			return apperr.NotFoundf("training")
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE assess_trainings SET version = version + 1 WHERE id = ? AND version = ?", id, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "assess.stale", "version", version)
		}
		before, err := db.Strings(ctx, tx, "SELECT worker_id FROM assess_attendance WHERE training_id = ?", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM assess_attendance WHERE training_id = ?", id); err != nil {
			return err
		}
		if err := s.attend(ctx, tx, id, path, heldOn, before, in.WorkerIDs); err != nil {
			return err
		}
		return s.record(ctx, tx, "attendance", "training", id, strconv.Itoa(len(in.WorkerIDs)))
	})
	if err != nil {
		return Training{}, err
	}
	return s.Training(ctx, id)
}

const trainingCols = `t.id, t.org_id, o.name, t.title, t.held_on, t.hours_x10, t.trainer,
	(SELECT count(*) FROM assess_attendance a WHERE a.training_id = t.id), t.version, t.path`

func scanTraining(sc interface{ Scan(...any) error }) (Training, string, error) {
	var t Training
	var x10 int64
	var path string
	err := sc.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.Title, &t.HeldOn, &x10, &t.Trainer, &t.Attendees, &t.Version, &path)
	t.Hours = float64(x10) / 10
	return t, path, err
}

// Training returns a session with its attendance; another area's is not found.
func (s *Service) Training(ctx context.Context, id string) (Training, error) {
	q := s.db.Reader()
	t, path, err := scanTraining(q.QueryRowContext(ctx, "SELECT "+trainingCols+" FROM assess_trainings t JOIN org_nodes o ON o.id = t.org_id WHERE t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.AssessRead, path)) {
		return Training{}, apperr.NotFoundf("training")
	}
	if err != nil {
		return Training{}, err
	}
	ids, err := db.Strings(ctx, q, "SELECT worker_id FROM assess_attendance WHERE training_id = ? ORDER BY worker_id", id)
	if err != nil {
		return Training{}, err
	}
	t.Attended = []Attendee{}
	for _, w := range ids {
		wk, err := org.WorkerByID(ctx, q, w)
		if err != nil {
			return Training{}, err
		}
		t.Attended = append(t.Attended, Attendee{WorkerID: w, Name: wk.Name})
	}
	slices.SortFunc(t.Attended, func(a, b Attendee) int { return strings.Compare(a.Name, b.Name) })
	return t, nil
}

// Trainings lists the sessions of an area (default the caller's) in a
// year (default this year), newest first, with each member's hours.
type Trainings struct {
	Year     string        `json:"year"`
	Sessions []Training    `json:"sessions"`
	Hours    []MemberHours `json:"hours"`
}

// MemberHours is a roster member's training in a year.
type MemberHours struct {
	WorkerID string  `json:"worker_id"`
	Name     string  `json:"name"`
	OrgID    string  `json:"org_id"`
	Hours    float64 `json:"hours"`
	Sessions int     `json:"sessions"`
}

// TrainingList returns an area's sessions of a year and the hours each
// active member of its roster took (members with none included).
func (s *Service) TrainingList(ctx context.Context, orgID, year string) (Trainings, error) {
	if year == "" {
		year = strconv.Itoa(s.Now().In(zone).Year())
	} else if y, err := strconv.Atoi(year); err != nil || len(year) != 4 || y < 2000 {
		return Trainings{}, apperr.Refuse("year", "assess.year_format")
	}
	_, path, err := s.area(ctx, authz.AssessRead, orgID)
	if err != nil {
		return Trainings{}, err
	}
	q := s.db.Reader()
	under, args := authz.Under("t.path", path)
	rows, err := q.QueryContext(ctx, "SELECT "+trainingCols+" FROM assess_trainings t JOIN org_nodes o ON o.id = t.org_id WHERE "+under+
		" AND t.held_on >= ? AND t.held_on < ? ORDER BY t.held_on DESC, t.id", append(args, year+"-01-01", year+"-12-32")...)
	if err != nil {
		return Trainings{}, err
	}
	out := Trainings{Year: year, Sessions: []Training{}, Hours: []MemberHours{}}
	for rows.Next() {
		t, _, err := scanTraining(rows)
		if err != nil {
			rows.Close()
			return Trainings{}, err
		}
		out.Sessions = append(out.Sessions, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Trainings{}, err
	}
	// each member's hours of the year: attendance at any session (the
	// county's, the town's or the village's)
	hr, err := q.QueryContext(ctx, `SELECT a.worker_id, CAST(sum(t.hours_x10) AS BIGINT), count(*) FROM assess_attendance a JOIN assess_trainings t ON t.id = a.training_id
		WHERE t.held_on >= ? AND t.held_on < ? GROUP BY a.worker_id`, year+"-01-01", year+"-12-32")
	if err != nil {
		return Trainings{}, err
	}
	took := map[string][2]int64{}
	for hr.Next() {
		var id string
		var x10, n int64
		if err := hr.Scan(&id, &x10, &n); err != nil {
			hr.Close()
			return Trainings{}, err
		}
		took[id] = [2]int64{x10, n}
	}
	hr.Close()
	if err := hr.Err(); err != nil {
		return Trainings{}, err
	}
	workers, err := org.WorkersIn(ctx, q, path)
	if err != nil {
		return Trainings{}, err
	}
	for _, w := range workers {
		t := took[w.ID]
		out.Hours = append(out.Hours, MemberHours{WorkerID: w.ID, Name: w.Name, OrgID: w.OrgID, Hours: float64(t[0]) / 10, Sessions: int(t[1])})
	}
	slices.SortStableFunc(out.Hours, func(a, b MemberHours) int {
		if a.Hours != b.Hours {
			if a.Hours > b.Hours {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}
