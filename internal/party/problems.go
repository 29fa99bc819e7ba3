package party

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// EventMaker takes in an event (casework's intake).
type EventMaker interface {
	Create(ctx context.Context, r casework.Report, key casework.Idempotency) (casework.Event, bool, error)
}

// Who raises a compound problem, who answers for it, and its states.
var (
	Raisers      = []string{"resident", "grid_member", "owners_committee", "property_company", "branch"}
	Responsibles = []string{"branch", "owners_committee", "property_company"}
	ProblemState = []string{"open", "working", "solved"}
)

// Problem is a compound problem of the ledger (小区问题台账).
type Problem struct {
	ID           string `json:"id"`
	CompoundID   string `json:"compound_id"`
	CompoundName string `json:"compound_name"`
	Path         string `json:"-"`
	RaisedBy     string `json:"raised_by"`
	RaisedOn     string `json:"raised_on"`
	Title        string `json:"title"`
	Detail       string `json:"detail"`
	Responsible  string `json:"responsible"`
	Steps        string `json:"steps"`
	Status       string `json:"status"`
	SolvedOn     string `json:"solved_on,omitempty"`
	EventID      string `json:"event_id,omitempty"`
	Version      int    `json:"version"`
}

// ProblemList is a page of the ledger with its figures.
type ProblemList struct {
	Items   []Problem `json:"items"`
	Total   int       `json:"total"`
	Open    int       `json:"open"`
	Working int       `json:"working"`
	Solved  int       `json:"solved"`
}

// ProblemInput raises a problem.
type ProblemInput struct {
	CompoundID  string `json:"compound_id"`
	RaisedBy    string `json:"raised_by"`
	RaisedOn    string `json:"raised_on,omitempty"` // today when empty
	Title       string `json:"title"`
	Detail      string `json:"detail,omitempty"`
	Responsible string `json:"responsible,omitempty"`
}

// ProblemUpdate works a problem: who answers for it, a step taken, its
// state. Solving needs a step or earlier steps.
type ProblemUpdate struct {
	Version     int    `json:"version"`
	Responsible string `json:"responsible,omitempty"`
	Step        string `json:"step,omitempty"`
	Status      string `json:"status"`
	SolvedOn    string `json:"solved_on,omitempty"` // today when solved without it
}

// EventInput hands a problem to a department as an event.
type EventInput struct {
	Version      int    `json:"version"`
	CategoryCode string `json:"category_code"`
}

const problemCols = `x.id, x.compound_id, c.name, x.path, x.raised_by, x.raised_on, x.title, x.detail, x.responsible, x.steps, x.status,
	x.solved_on, COALESCE(x.event_id, ''), x.version`

func scanProblem(sc interface{ Scan(...any) error }) (Problem, error) {
	var p Problem
	err := sc.Scan(&p.ID, &p.CompoundID, &p.CompoundName, &p.Path, &p.RaisedBy, &p.RaisedOn, &p.Title, &p.Detail, &p.Responsible, &p.Steps,
		&p.Status, &p.SolvedOn, &p.EventID, &p.Version)
	return p, err
}

// Problems lists the ledger of the caller's areas, of a compound or an
// area, newest first, with its figures.
func (s *Service) Problems(ctx context.Context, compoundID, orgID, status string, limit int) (ProblemList, error) {
	cond, args := readable(ctx, "x.path")
	if compoundID != "" {
		cond, args = cond+" AND x.compound_id = ?", append(args, compoundID)
	}
	if orgID != "" {
		c, a, err := regkit.InArea(ctx, s.db.Reader(), "x.path", orgID)
		if err != nil {
			return ProblemList{}, err
		}
		cond, args = cond+" AND "+c, append(args, a...)
	}
	out := ProblemList{Items: []Problem{}}
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN x.status = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN x.status = 'working' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN x.status = 'solved' THEN 1 ELSE 0 END), 0)
		FROM compound_problems x WHERE `+cond, args...).Scan(&out.Total, &out.Open, &out.Working, &out.Solved); err != nil {
		return out, err
	}
	if status != "" {
		var f apperr.Fields
		regkit.OneOf(&f, "status", status, ProblemState, false)
		if err := f.Err(); err != nil {
			return out, err
		}
		cond, args = cond+" AND x.status = ?", append(args, status)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+problemCols+" FROM compound_problems x JOIN compounds c ON c.id = x.compound_id WHERE "+cond+
		" ORDER BY x.raised_on DESC, x.created_at DESC, x.id LIMIT ?", append(args, regkit.ClampLimit(limit))...)
	if err != nil {
		return out, err
	}
	items, err := collect(rows, scanProblem)
	if items != nil {
		out.Items = items
	}
	return out, err
}

// Problem returns one problem of the caller's areas.
func (s *Service) Problem(ctx context.Context, id string) (Problem, error) {
	p, err := scanProblem(s.db.Reader().QueryRowContext(ctx, "SELECT "+problemCols+" FROM compound_problems x JOIN compounds c ON c.id = x.compound_id WHERE x.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.PartyRead, p.Path)) {
		return Problem{}, apperr.NotFoundf("compound_problem")
	}
	return p, err
}

func (s *Service) today() string { return s.Now().Format("2006-01-02") }

// RaiseProblem records a problem of a compound the caller keeps.
func (s *Service) RaiseProblem(ctx context.Context, in ProblemInput) (Problem, error) {
	var f apperr.Fields
	in.Title, in.Detail = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail)
	if in.Title == "" {
		f.Add("title", "party.required")
	}
	regkit.CheckLen(&f, "title", in.Title, 100)
	regkit.CheckLen(&f, "detail", in.Detail, 2000)
	regkit.OneOf(&f, "raised_by", in.RaisedBy, Raisers, true)
	regkit.OneOf(&f, "responsible", in.Responsible, Responsibles, false)
	if in.RaisedOn == "" {
		in.RaisedOn = s.today()
	} else if !validDay(in.RaisedOn) {
		f.Add("raised_on", "party.day_invalid")
	} else if in.RaisedOn > s.today() {
		f.Add("raised_on", "party.day_future")
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var c Compound
		var err error
		if in.CompoundID == "" {
			f.Add("compound_id", "party.required")
		} else {
			c, err = CompoundByID(ctx, tx, in.CompoundID, "compound_id")
			if err == nil && !authz.From(ctx).Covers(authz.PartyWrite, c.Path) {
				err = notFound(sql.ErrNoRows, "compound_id")
			}
			if err := regkit.Collect(&f, err); err != nil {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO compound_problems (id, compound_id, path, raised_by, raised_on, title, detail, responsible,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, c.ID, c.Path, in.RaisedBy, in.RaisedOn, in.Title, in.Detail,
			in.Responsible, now, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.problem_raise", ObjectType: "compound_problem", ObjectID: id})
	})
	if err != nil {
		return Problem{}, err
	}
	return s.Problem(ctx, id)
}

// lockProblem reads a problem the caller keeps inside tx.
func (s *Service) lockProblem(ctx context.Context, tx *db.Tx, id string) (Problem, error) {
	p, err := scanProblem(tx.QueryRowContext(ctx, "SELECT "+problemCols+" FROM compound_problems x JOIN compounds c ON c.id = x.compound_id WHERE x.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.PartyWrite, p.Path)) {
		return p, apperr.NotFoundf("compound_problem")
	}
	return p, err
}

// WorkProblem records who answers for a problem, a step taken and its
// state (open → working → solved; a solved problem may be reopened).
// Version-checked.
func (s *Service) WorkProblem(ctx context.Context, id string, in ProblemUpdate) (Problem, error) {
	var f apperr.Fields
	in.Step = strings.TrimSpace(in.Step)
	regkit.CheckLen(&f, "step", in.Step, 500)
	regkit.OneOf(&f, "status", in.Status, ProblemState, true)
	regkit.OneOf(&f, "responsible", in.Responsible, Responsibles, false)
	if in.SolvedOn != "" && !validDay(in.SolvedOn) {
		f.Add("solved_on", "party.day_invalid")
	} else if in.SolvedOn > s.today() {
		f.Add("solved_on", "party.day_future")
	}
	if err := f.Err(); err != nil {
		return Problem{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.lockProblem(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Responsible == "" {
			in.Responsible = cur.Responsible
		}
		steps := cur.Steps
		if in.Step != "" {
			line := s.today() + " " + in.Step
			if steps != "" {
				steps += "\n"
			}
			steps += line
		}
		solvedOn := ""
		if in.Status == "solved" {
			if in.Responsible == "" {
				return apperr.Field("responsible", "party.required")
			}
			if steps == "" {
				return apperr.Field("step", "party.step_required")
			}
			if solvedOn = in.SolvedOn; solvedOn == "" {
				solvedOn = s.today()
			}
			if solvedOn < cur.RaisedOn {
				return apperr.Field("solved_on", "party.day_before_raised")
			}
		}
		if err := s.bump(ctx, tx, "compound_problems", id, in.Version, cur.Version, "responsible = ?, steps = ?, status = ?, solved_on = ?",
			in.Responsible, steps, in.Status, solvedOn); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.problem_work", ObjectType: "compound_problem", ObjectID: id, Detail: in.Status})
	})
	if err != nil {
		return Problem{}, s.problemConflict(ctx, id, err)
	}
	return s.Problem(ctx, id)
}

func (s *Service) problemConflict(ctx context.Context, id string, err error) error {
	if !isConflict(err) {
		return err
	}
	cur, gerr := s.Problem(ctx, id)
	if gerr != nil {
		return gerr
	}
	return apperr.E(apperr.Conflict, "party.stale", "version", cur.Version, "current", cur)
}

// ProblemToEvent hands a problem that needs a department to casework as an
// event at the compound's place; the problem is then being worked.
func (s *Service) ProblemToEvent(ctx context.Context, id string, in EventInput, k idem.Key) (Problem, error) {
	if s.Events == nil {
		return Problem{}, apperr.E(apperr.Internal, "internal")
	}
	if strings.TrimSpace(in.CategoryCode) == "" {
		return Problem{}, apperr.Field("category_code", "party.required")
	}
	cur, err := s.Problem(ctx, id)
	if err != nil {
		return Problem{}, err
	}
	if !authz.From(ctx).Covers(authz.PartyWrite, cur.Path) {
		return Problem{}, apperr.NotFoundf("compound_problem")
	}
	if cur.Version != in.Version {
		return Problem{}, s.problemConflict(ctx, id, errStale)
	}
	if cur.EventID != "" {
		return Problem{}, apperr.E(apperr.Conflict, "party.already_event", "event_id", cur.EventID)
	}
	c, err := CompoundByID(ctx, s.db.Reader(), cur.CompoundID, "")
	if err != nil {
		return Problem{}, err
	}
	desc := cur.Title
	if cur.Detail != "" {
		desc += "\n" + cur.Detail
	}
	r := casework.Report{CategoryCode: in.CategoryCode, Description: "【" + c.Name + "】" + desc, Lat: c.Lat, Lng: c.Lng, Address: c.Address}
	if r.Lat == nil {
		return Problem{}, apperr.Field("compound_id", "party.position_required")
	}
	e, _, err := s.Events.Create(ctx, r, k)
	if err != nil {
		return Problem{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		status := cur.Status
		if status == "open" {
			status = "working"
		}
		if err := s.bump(ctx, tx, "compound_problems", id, in.Version, cur.Version, "event_id = ?, status = ?", e.ID, status); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.problem_event", ObjectType: "compound_problem", ObjectID: id, Detail: e.No})
	})
	if err != nil {
		return Problem{}, s.problemConflict(ctx, id, err)
	}
	return s.Problem(ctx, id)
}
