package patrol

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"regexp"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/points"
)

// Patrol is one walk of a member: started on the phone, in a window of
// their day or ad hoc, with its check-ins and what was reported from it.
type Patrol struct {
	ID         string `json:"id"`
	WorkerID   string `json:"worker_id"`
	WorkerName string `json:"worker_name"`
	GridID     string `json:"grid_id"`
	TaskID     string `json:"task_id,omitempty"`
	Status     string `json:"status"` // open, ended
	StartedAt  int64  `json:"started_at"`
	EndedAt    int64  `json:"ended_at,omitempty"`
	Checkins   int    `json:"checkins"`
	Reports    int    `json:"reports"`
	LastAt     int64  `json:"last_at,omitempty"`
	Version    int    `json:"version"`
	// Points and Links are filled when one patrol is asked for.
	Points []Point `json:"points,omitempty"`
	Links  []Link  `json:"links,omitempty"`
	path   string
	userID string
}

// Point is a check-in: where and when (the phone's time), how precise the
// position is, and what was seen.
type Point struct {
	ID       string  `json:"id"`
	At       int64   `json:"at"`
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	Accuracy float64 `json:"accuracy"`
	Note     string  `json:"note,omitempty"`
	// Photos are the ids of the check-in's photos (GET
	// /api/v1/patrol/patrols/{id}/photos/{photo}).
	Photos []string `json:"photos,omitempty"`
}

// Link is an event or a screening finding reported from inside a patrol.
type Link struct {
	Kind string `json:"kind"` // event, finding
	Ref  string `json:"ref"`  // the event's number or id, the finding's id
	At   int64  `json:"at"`
}

// StartInput starts a patrol: in one of today's windows (TaskID) or ad hoc.
// At is the phone's time (now when absent). ID, when given, is the
// patrol's id as the phone made it (a UUID): a phone without signal starts
// the patrol on its own and queues the start before the check-ins that
// name it.
type StartInput struct {
	ID     string `json:"id"`
	TaskID string `json:"task_id"`
	At     *int64 `json:"at"`
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// CheckinInput is a check-in at a point: the phone's time and position
// (WGS-84), its accuracy in metres and an optional note. ID, when given,
// is the check-in's id as the phone made it (a UUID), for the photos the
// phone sends after it.
type CheckinInput struct {
	ID       string   `json:"id"`
	At       *int64   `json:"at"`
	Lat      *float64 `json:"lat"`
	Lng      *float64 `json:"lng"`
	Accuracy float64  `json:"accuracy"`
	Note     string   `json:"note"`
}

// EndInput ends a patrol at the phone's time.
type EndInput struct {
	At *int64 `json:"at"`
}

// LinkInput links a report made from inside the patrol.
type LinkInput struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
	At   *int64 `json:"at"`
}

// LinkKinds are what a patrol may link.
var LinkKinds = []string{"event", "finding"}

var refPattern = regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)

const patrolCols = `p.id, p.worker_id, p.grid_id, COALESCE(p.task_id, ''), p.status, p.started_at, COALESCE(p.ended_at, 0),
	p.checkins, p.reports, COALESCE(p.last_at, 0), p.version, p.path, COALESCE(p.user_id, '')`

func scanPatrol(sc interface{ Scan(...any) error }) (Patrol, error) {
	var p Patrol
	err := sc.Scan(&p.ID, &p.WorkerID, &p.GridID, &p.TaskID, &p.Status, &p.StartedAt, &p.EndedAt, &p.Checkins, &p.Reports,
		&p.LastAt, &p.Version, &p.path, &p.userID)
	return p, err
}

func patrolByID(ctx context.Context, q db.Querier, id string) (Patrol, error) {
	p, err := scanPatrol(q.QueryRowContext(ctx, "SELECT "+patrolCols+" FROM patrols p WHERE p.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFoundf("patrol")
	}
	if err == nil {
		p.WorkerName, err = org.WorkerName(ctx, q, p.WorkerID)
	}
	return p, err
}

// ownPatrol is the caller's patrol id; anyone else's is not found.
func ownPatrol(ctx context.Context, q db.Querier, id string) (Patrol, error) {
	p, err := patrolByID(ctx, q, id)
	if err == nil && p.userID != authz.From(ctx).UserID {
		return Patrol{}, apperr.NotFoundf("patrol")
	}
	return p, err
}

// me is the caller's roster entry: only a member on the roster patrols.
func me(ctx context.Context, q db.Querier) (org.Worker, error) {
	w, err := org.WorkerOfUser(ctx, q, authz.From(ctx).UserID)
	if err != nil && apperr.As(err).Kind == apperr.NotFound {
		return w, apperr.E(apperr.Conflict, "patrol.not_on_roster")
	}
	return w, err
}

// phoneTime checks a time the phone sent (field name) against now: not
// ahead of the server by more than the skew, not older than MaxHours.
func (s *Service) phoneTime(at *int64, name string) (int64, error) {
	now := s.now()
	if at == nil {
		return now, nil
	}
	if *at > now+skew || *at < now-MaxHours*hour {
		return 0, apperr.Refuse(name, "patrol.time_invalid")
	}
	return *at, nil
}

// Start starts a patrol of the caller's: one open at a time. Under an
// Idempotency-Key a retry answers with the patrol the first made.
func (s *Service) Start(ctx context.Context, in StartInput, key idem.Key) (Patrol, error) {
	if in.ID != "" && !uuidPattern.MatchString(in.ID) {
		return Patrol{}, apperr.Refuse("id", "patrol.id_invalid")
	}
	at, err := s.phoneTime(in.At, "at")
	if err != nil {
		return Patrol{}, err
	}
	// The day's windows exist before the patrol walks them.
	if w, err := me(ctx, s.db.Reader()); err == nil {
		if err := s.ensureDay(ctx, w, s.today()); err != nil {
			return Patrol{}, err
		}
	}
	id, err := s.create(ctx, key, func(tx *db.Tx) (string, error) {
		w, err := me(ctx, tx)
		if err != nil {
			return "", err
		}
		if in.ID != "" {
			// The phone's own id: started already (a retry with another key)
			// answers with it; someone else's is refused.
			var owner string
			err := tx.QueryRowContext(ctx, "SELECT COALESCE(user_id, '') FROM patrols WHERE id = ?", in.ID).Scan(&owner)
			if err == nil && owner == authz.From(ctx).UserID {
				return in.ID, nil
			}
			if err == nil {
				return "", apperr.Refuse("id", "patrol.id_invalid")
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return "", err
			}
		}
		var open string
		err = tx.QueryRowContext(ctx, "SELECT id FROM patrols WHERE worker_id = ? AND status = 'open'", w.ID).Scan(&open)
		if err == nil {
			cur, _ := patrolByID(ctx, tx, open)
			return "", openError{err: apperr.E(apperr.Conflict, "patrol.already_open"), cur: cur}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		grid := w.PrimaryGrid
		var task any
		if in.TaskID != "" {
			var tw, tg string
			var ends int64
			err := tx.QueryRowContext(ctx, "SELECT worker_id, grid_id, ends_at FROM patrol_tasks WHERE id = ?", in.TaskID).Scan(&tw, &tg, &ends)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && tw != w.ID) {
				return "", apperr.Refuse("task_id", "patrol.task_unknown")
			}
			if err != nil {
				return "", err
			}
			if ends < at {
				return "", apperr.Refuse("task_id", "patrol.task_over")
			}
			task, grid = in.TaskID, tg
		}
		id := in.ID
		if id == "" {
			id = db.NewID()
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO patrols (id, worker_id, user_id, grid_id, path, task_id, status, started_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'open', ?, 1, ?, ?)`, id, w.ID, authz.From(ctx).UserID, grid, w.Path, task, at, now, now); err != nil {
			return "", err
		}
		return id, s.record(ctx, tx, authz.GridworkDo, "patrol.start", "patrol", id, "")
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.Patrol(ctx, id)
}

// openError is the 409 of a second patrol while one is open: it carries
// the open one, for the phone to go back to.
type openError struct {
	err *apperr.Error
	cur Patrol
}

func (e openError) Error() string { return e.err.Error() }
func (e openError) Unwrap() error { return e.err }
func (e openError) Report() any   { return e.cur }

// create runs a write under the request's idempotency key: a retry with
// the same key and fields (the phone's queue sending again after a lost
// answer) answers with what the first made, and makes nothing.
func (s *Service) create(ctx context.Context, key idem.Key, write func(tx *db.Tx) (string, error)) (string, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) { return write(tx) })
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.create(ctx, key, write)
	}
	return id, err
}

func checkCheckin(in CheckinInput) error {
	var f apperr.Fields
	if in.ID != "" && !uuidPattern.MatchString(in.ID) {
		f.Add("id", "patrol.id_invalid")
	}
	if in.Lat == nil || math.IsNaN(*in.Lat) || *in.Lat < -90 || *in.Lat > 90 {
		f.Add("lat", "patrol.position_invalid")
	}
	if in.Lng == nil || math.IsNaN(*in.Lng) || *in.Lng < -180 || *in.Lng > 180 {
		f.Add("lng", "patrol.position_invalid")
	}
	if in.Accuracy < 0 || in.Accuracy > 100000 || math.IsNaN(in.Accuracy) {
		f.Add("accuracy", "validation.range", "min", 0, "max", 100000)
	}
	if len([]rune(in.Note)) > maxNote {
		f.Add("note", "validation.length", "min", 0, "max", maxNote)
	}
	return f.Refuse()
}

// inBounds checks that at falls within the patrol's time: not before its
// start, not after its end (an ended patrol still takes the check-ins the
// phone queued while it was on), not past MaxHours.
func inBounds(p Patrol, at int64) error {
	if at < p.StartedAt-minute || at > p.StartedAt+MaxHours*hour || (p.Status == "ended" && at > p.EndedAt+minute) {
		return apperr.E(apperr.Conflict, "patrol.outside_patrol")
	}
	return nil
}

// CheckIn records a check-in of the caller's own patrol. Positions are
// taken only inside a patrol the caller started, within its time; the
// phone's queue may send them late, and a retry under the same
// Idempotency-Key records nothing twice.
func (s *Service) CheckIn(ctx context.Context, patrolID string, in CheckinInput, key idem.Key) (Patrol, error) {
	if err := checkCheckin(in); err != nil {
		return Patrol{}, err
	}
	at, err := s.phoneTime(in.At, "at")
	if err != nil {
		return Patrol{}, err
	}
	_, err = s.create(ctx, key, func(tx *db.Tx) (string, error) {
		p, err := ownPatrol(ctx, tx, patrolID)
		if err != nil {
			return "", err
		}
		if err := inBounds(p, at); err != nil {
			return "", err
		}
		id := in.ID
		if id == "" {
			id = db.NewID()
		} else {
			// The phone's own id: recorded already (sent again under another
			// key) answers with the patrol; another's is refused.
			var of string
			err := tx.QueryRowContext(ctx, "SELECT patrol_id FROM patrol_points WHERE id = ?", id).Scan(&of)
			if err == nil && of == p.ID {
				return id, nil
			}
			if err == nil {
				return "", apperr.Refuse("id", "patrol.id_invalid")
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return "", err
			}
		}
		note := ""
		if in.Note != "" {
			note = s.vault.Seal("patrol_points.note", id, in.Note)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_points (id, patrol_id, at, lat, lng, accuracy, note_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.ID, at, *in.Lat, *in.Lng, in.Accuracy, note, s.now()); err != nil {
			return "", err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patrols SET checkins = checkins + 1, last_at = CASE WHEN last_at IS NULL OR last_at < ? THEN ? ELSE last_at END,
			version = version + 1, updated_at = ? WHERE id = ?`, at, at, s.now(), p.ID); err != nil {
			return "", err
		}
		// The windows this check-in falls in are walked.
		if _, err := tx.ExecContext(ctx, `UPDATE patrol_tasks SET walked_at = ?, patrol_id = ?
			WHERE worker_id = ? AND starts_at <= ? AND ends_at > ? AND (walked_at IS NULL OR walked_at > ?)`, at, p.ID, p.WorkerID, at, at, at); err != nil {
			return "", err
		}
		// The audit names the patrol, never the position.
		return id, s.record(ctx, tx, authz.GridworkDo, "patrol.checkin", "patrol", p.ID, "")
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.Patrol(ctx, patrolID)
}

// End ends the caller's patrol at the phone's time. Ending it again
// answers with it as it is.
func (s *Service) End(ctx context.Context, patrolID string, in EndInput) (Patrol, error) {
	at, err := s.phoneTime(in.At, "at")
	if err != nil {
		return Patrol{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := ownPatrol(ctx, tx, patrolID)
		if err != nil || p.Status == "ended" {
			return err
		}
		at = max(at, p.StartedAt, p.LastAt)
		if _, err := tx.ExecContext(ctx, "UPDATE patrols SET status = 'ended', ended_at = ?, version = version + 1, updated_at = ? WHERE id = ?",
			at, s.now(), p.ID); err != nil {
			return err
		}
		// A party member's patrol with a check-in earns the patrol's points.
		if p.Checkins > 0 {
			if _, err := points.CreditUserTx(ctx, tx, p.userID, points.Patrol, "patrol", p.ID, at); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.GridworkDo, "patrol.end", "patrol", p.ID, "")
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.Patrol(ctx, patrolID)
}

// AddLink links an event or a screening finding the caller reported from
// inside their patrol (the number or id the report returned). Linking it
// again changes nothing.
func (s *Service) AddLink(ctx context.Context, patrolID string, in LinkInput) (Patrol, error) {
	var f apperr.Fields
	if in.Kind != "event" && in.Kind != "finding" {
		f.Add("kind", "patrol.link_kind")
	}
	if !refPattern.MatchString(in.Ref) {
		f.Add("ref", "patrol.link_ref")
	}
	if err := f.Refuse(); err != nil {
		return Patrol{}, err
	}
	at, err := s.phoneTime(in.At, "at")
	if err != nil {
		return Patrol{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := ownPatrol(ctx, tx, patrolID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO patrol_reports (id, patrol_id, kind, ref, at, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (patrol_id, kind, ref) DO NOTHING`, db.NewID(), p.ID, in.Kind, in.Ref, at, s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE patrols SET reports = reports + 1, version = version + 1, updated_at = ? WHERE id = ?", s.now(), p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkDo, "patrol.link", "patrol", p.ID, in.Kind+" "+in.Ref)
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.Patrol(ctx, patrolID)
}

// Patrol returns a patrol with its check-ins and links: the caller's own,
// or one of an area where the caller reads the centre's boards (that read
// of positions is audited).
func (s *Service) Patrol(ctx context.Context, id string) (Patrol, error) {
	q := s.db.Reader()
	p, err := patrolByID(ctx, q, id)
	if err != nil {
		return p, err
	}
	who := authz.From(ctx)
	if p.userID != who.UserID {
		if !who.Covers(authz.GridworkRead, p.path) {
			return Patrol{}, apperr.NotFoundf("patrol")
		}
		if err := s.audit.RecordAlone(ctx, s.db, authz.GridworkRead, auditView(id)); err != nil {
			return Patrol{}, err
		}
	}
	photos, err := photoIDs(ctx, q, id)
	if err != nil {
		return p, err
	}
	rows, err := q.QueryContext(ctx, "SELECT id, at, lat, lng, accuracy, note_sealed FROM patrol_points WHERE patrol_id = ? ORDER BY at, id", id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	p.Points = []Point{}
	for rows.Next() {
		var pt Point
		var sealed string
		if err := rows.Scan(&pt.ID, &pt.At, &pt.Lat, &pt.Lng, &pt.Accuracy, &sealed); err != nil {
			return p, err
		}
		if sealed != "" {
			if pt.Note, err = s.vault.Open("patrol_points.note", pt.ID, sealed); err != nil {
				return p, err
			}
		}
		pt.Photos = photos[pt.ID]
		p.Points = append(p.Points, pt)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	lrows, err := q.QueryContext(ctx, "SELECT kind, ref, at FROM patrol_reports WHERE patrol_id = ? ORDER BY at", id)
	if err != nil {
		return p, err
	}
	defer lrows.Close()
	p.Links = []Link{}
	for lrows.Next() {
		var l Link
		if err := lrows.Scan(&l.Kind, &l.Ref, &l.At); err != nil {
			return p, err
		}
		p.Links = append(p.Links, l)
	}
	return p, lrows.Err()
}
