package petition

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// ProblemInput is one problem raised at a 面对面 session.
type ProblemInput struct {
	Description string `json:"description"`
	Unit        string `json:"unit"` // the responsible unit, by name
	DueOn       string `json:"due_on"`
}

// SessionInput records a leader's monthly 面对面 session.
type SessionInput struct {
	Month        string         `json:"month"` // YYYY-MM
	Theme        string         `json:"theme"`
	Leader       string         `json:"leader"`
	Place        string         `json:"place"`
	OrgID        string         `json:"org_id"`
	Participants string         `json:"participants"` // names and units
	Residents    int            `json:"residents"`    // the number of residents who came
	Problems     []ProblemInput `json:"problems,omitempty"`
}

// Session is a 面对面 session with its problems.
type Session struct {
	ID           string    `json:"id"`
	Month        string    `json:"month"`
	Theme        string    `json:"theme"`
	Leader       string    `json:"leader"`
	Place        string    `json:"place"`
	OrgID        string    `json:"org_id"`
	OrgName      string    `json:"org_name"`
	Participants string    `json:"participants"`
	Residents    int       `json:"residents"`
	Open         int       `json:"open"`
	Closed       int       `json:"closed"`
	Red          int       `json:"red"`
	Problems     []Problem `json:"problems,omitempty"`
	path         string
}

// Problem is one problem raised with its follow-ups and light.
type Problem struct {
	ID          string     `json:"id"`
	Seq         int        `json:"seq"`
	Description string     `json:"description"`
	Unit        string     `json:"unit"`
	DueOn       string     `json:"due_on"`
	Status      string     `json:"status"` // open, closed
	Result      string     `json:"result"`
	ClosedOn    string     `json:"closed_on,omitempty"`
	Light       string     `json:"light"`
	FollowUps   []FollowUp `json:"follow_ups"`
}

// FollowUp is one note of a problem's follow-up.
type FollowUp struct {
	At   int64  `json:"at"`
	By   string `json:"by"`
	Note string `json:"note"`
}

func (s *Service) checkProblem(f *apperr.Fields, field string, in *ProblemInput) {
	in.Description, in.Unit = strings.TrimSpace(in.Description), strings.TrimSpace(in.Unit)
	required(f, field+"description", in.Description)
	checkLen(f, field+"description", in.Description, 1000)
	required(f, field+"unit", in.Unit)
	checkLen(f, field+"unit", in.Unit, 100)
	if in.DueOn == "" {
		f.Add(field+"due_on", "petition.required")
	} else if _, err := time.Parse(time.DateOnly, in.DueOn); err != nil {
		f.Add(field+"due_on", "petition.date_invalid")
	}
}

// CreateSession records a 面对面 session with the problems raised; one
// transaction with its audit row.
func (s *Service) CreateSession(ctx context.Context, in SessionInput) (Session, error) {
	var f apperr.Fields
	in.Theme, in.Leader, in.Place, in.Participants = strings.TrimSpace(in.Theme), strings.TrimSpace(in.Leader), strings.TrimSpace(in.Place), strings.TrimSpace(in.Participants)
	if in.Month == "" {
		f.Add("month", "petition.required")
	} else if _, err := time.Parse("2006-01", in.Month); err != nil {
		f.Add("month", "petition.date_invalid")
	}
	for _, v := range []struct {
		field, v string
		max      int
	}{{"theme", in.Theme, 100}, {"leader", in.Leader, 50}, {"place", in.Place, 100}, {"participants", in.Participants, 1000}} {
		required(&f, v.field, v.v)
		checkLen(&f, v.field, v.v, v.max)
	}
	if in.Residents < 0 || in.Residents > 10000 {
		f.Add("residents", "petition.people_count")
	}
	if len(in.Problems) > 50 {
		f.Add("problems", "petition.too_many", "max", 50)
	}
	for i := range in.Problems {
		s.checkProblem(&f, "problems["+strconv.Itoa(i)+"].", &in.Problems[i])
	}
	var path string
	if in.OrgID == "" {
		f.Add("org_id", "petition.required")
	} else {
		var err error
		path, err = org.PathIn(ctx, s.db.Reader(), authz.PetitionWrite, in.OrgID, "org_id")
		if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid {
			f = append(f, e.Fields...)
		} else if err != nil {
			return Session{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Session{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO face_sessions (id, month, theme, leader, place, org_id, path, participants, residents, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Month, in.Theme, in.Leader, in.Place, in.OrgID, path, pii.MaskText(in.Participants), in.Residents,
			authz.From(ctx).UserID, s.Now().UnixMilli()); err != nil {
			return err
		}
		for i, pr := range in.Problems {
			if _, err := tx.ExecContext(ctx, "INSERT INTO face_problems (id, session_id, seq, description, unit_name, due_on) VALUES (?, ?, ?, ?, ?, ?)",
				db.NewID(), id, i+1, pii.MaskText(pr.Description), pr.Unit, pr.DueOn); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.PetitionWrite, "petition.f2f_session", "f2f_session", id, in.Month+" "+in.Theme)
	})
	if err != nil {
		return Session{}, err
	}
	return s.Session(ctx, id)
}

const sessionCols = `f.id, f.month, f.theme, f.leader, f.place, f.org_id, o.name, f.participants, f.residents, f.path FROM face_sessions f JOIN org_nodes o ON o.id = f.org_id`

func scanSession(sc interface{ Scan(...any) error }) (Session, error) {
	var x Session
	err := sc.Scan(&x.ID, &x.Month, &x.Theme, &x.Leader, &x.Place, &x.OrgID, &x.OrgName, &x.Participants, &x.Residents, &x.path)
	return x, err
}

// Sessions lists the 面对面 sessions of the caller's areas, newest month
// first, with their problems' counts (open, closed, red: open past due).
func (s *Service) Sessions(ctx context.Context, year string) ([]Session, error) {
	scope, args := authz.ScopeSQL("f.path", authz.From(ctx).Scopes(authz.PetitionRead))
	if year != "" {
		scope += " AND f.month LIKE ?"
		args = append(args, year+"-%")
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+sessionCols+" WHERE "+scope+" ORDER BY f.month DESC, f.created_at DESC LIMIT 200", args...)
	if err != nil {
		return nil, err
	}
	out := []Session{}
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, x)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for i := range out {
		ps, err := s.problems(ctx, s.db.Reader(), out[i].ID, false)
		if err != nil {
			return nil, err
		}
		out[i].count(ps)
	}
	return out, nil
}

func (x *Session) count(ps []Problem) {
	x.Open, x.Closed, x.Red = 0, 0, 0
	for _, p := range ps {
		if p.Status == "closed" {
			x.Closed++
		} else {
			x.Open++
		}
		if p.Light == "red" {
			x.Red++
		}
	}
}

// Session returns one session with its problems and their follow-ups.
func (s *Service) Session(ctx context.Context, id string) (Session, error) {
	x, err := s.session(ctx, s.db.Reader(), id, authz.PetitionRead)
	if err != nil {
		return x, err
	}
	x.Problems, err = s.problems(ctx, s.db.Reader(), id, true)
	x.count(x.Problems)
	return x, err
}

func (s *Service) session(ctx context.Context, q db.Querier, id string, perm authz.Perm) (Session, error) {
	x, err := scanSession(q.QueryRowContext(ctx, "SELECT "+sessionCols+" WHERE f.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(perm, x.path)) {
		return Session{}, apperr.NotFoundf("f2f_session")
	}
	return x, err
}

// problems reads a session's problems, with their follow-ups when full.
func (s *Service) problems(ctx context.Context, q db.Querier, sessionID string, full bool) ([]Problem, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, seq, description, unit_name, due_on, status, result, COALESCE(closed_on, '') FROM face_problems WHERE session_id = ? ORDER BY seq", sessionID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := []Problem{}
	for rows.Next() {
		var p Problem
		if err := rows.Scan(&p.ID, &p.Seq, &p.Description, &p.Unit, &p.DueOn, &p.Status, &p.Result, &p.ClosedOn); err != nil {
			rows.Close()
			return nil, err
		}
		p.FollowUps = []FollowUp{}
		if p.Status == "open" {
			switch {
			case today > p.DueOn:
				p.Light = "red"
			case addDays(today, SoonDays) >= p.DueOn:
				p.Light = "yellow"
			default:
				p.Light = "green"
			}
		}
		out = append(out, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil || !full {
		return out, err
	}
	for i := range out {
		rows, err := q.QueryContext(ctx, "SELECT at, by_name, note FROM face_followups WHERE problem_id = ? ORDER BY at, id", out[i].ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var fu FollowUp
			if err := rows.Scan(&fu.At, &fu.By, &fu.Note); err != nil {
				rows.Close()
				return nil, err
			}
			out[i].FollowUps = append(out[i].FollowUps, fu)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddProblem adds a problem to a session.
func (s *Service) AddProblem(ctx context.Context, sessionID string, in ProblemInput) (Session, error) {
	var f apperr.Fields
	s.checkProblem(&f, "", &in)
	if err := f.Err(); err != nil {
		return Session{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.session(ctx, tx, sessionID, authz.PetitionWrite); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(max(seq), 0) FROM face_problems WHERE session_id = ?", sessionID).Scan(&n); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO face_problems (id, session_id, seq, description, unit_name, due_on) VALUES (?, ?, ?, ?, ?, ?)",
			db.NewID(), sessionID, n+1, pii.MaskText(in.Description), in.Unit, in.DueOn); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.PetitionWrite, "petition.f2f_problem", "f2f_session", sessionID, strconv.Itoa(n+1))
	})
	if err != nil {
		return Session{}, err
	}
	return s.Session(ctx, sessionID)
}

// FollowUpInput is a follow-up note on a problem, and its closing with
// the result when Close is set.
type FollowUpInput struct {
	Note   string `json:"note"`
	Close  bool   `json:"close,omitempty"`
	Result string `json:"result,omitempty"`
}

// FollowUp records a follow-up of an open problem, closing it with its
// result when asked.
func (s *Service) FollowUp(ctx context.Context, sessionID, problemID string, in FollowUpInput) (Session, error) {
	var f apperr.Fields
	in.Note, in.Result = strings.TrimSpace(in.Note), strings.TrimSpace(in.Result)
	required(&f, "note", in.Note)
	checkLen(&f, "note", in.Note, 1000)
	if in.Close {
		required(&f, "result", in.Result)
	}
	checkLen(&f, "result", in.Result, 1000)
	if err := f.Err(); err != nil {
		return Session{}, err
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.session(ctx, tx, sessionID, authz.PetitionWrite); err != nil {
			return err
		}
		var status string
		err := tx.QueryRowContext(ctx, "SELECT status FROM face_problems WHERE id = ? AND session_id = ?"+tx.ForUpdate(), problemID, sessionID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("f2f_problem")
		} else if err != nil {
			return err
		}
		if status != "open" {
			return apperr.E(apperr.Conflict, "petition.problem_closed")
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO face_followups (id, problem_id, at, by_name, note) VALUES (?, ?, ?, ?, ?)",
			db.NewID(), problemID, s.Now().UnixMilli(), p.DisplayName, pii.MaskText(in.Note)); err != nil {
			return err
		}
		action := "petition.f2f_follow_up"
		if in.Close {
			action = "petition.f2f_close"
			if _, err := tx.ExecContext(ctx, "UPDATE face_problems SET status = 'closed', result = ?, closed_on = ? WHERE id = ?", pii.MaskText(in.Result), s.today(), problemID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.PetitionWrite, action, "f2f_session", sessionID, problemID)
	})
	if err != nil {
		return Session{}, err
	}
	return s.Session(ctx, sessionID)
}
