package petition

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// Week is the weekly review's (每周研判) material for one week: the
// petitions received in it, those overdue today, the repeat, collective
// and over-level ones received in it or still open, with counts, and the
// meetings recorded for the week.
type Week struct {
	Week       string     `json:"week"` // the Monday
	End        string     `json:"end"`  // the Sunday
	New        []Petition `json:"new"`
	Overdue    []Petition `json:"overdue"`
	Repeat     []Petition `json:"repeat"`
	Collective []Petition `json:"collective"`
	OverLevel  []Petition `json:"over_level"`
	Counts     struct {
		New        int `json:"new"`
		Overdue    int `json:"overdue"`
		Repeat     int `json:"repeat"`
		Collective int `json:"collective"`
		OverLevel  int `json:"over_level"`
	} `json:"counts"`
	Reviews []Review `json:"reviews"`
}

// monday returns the Monday of the week holding day (YYYY-MM-DD).
func monday(day string) (string, error) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", err
	}
	back := (int(t.Weekday()) + 6) % 7
	return t.AddDate(0, 0, -back).Format(time.DateOnly), nil
}

// Week gathers the weekly review's lists for the week holding day (today
// when empty) over the caller's areas, or org_id's.
func (s *Service) Week(ctx context.Context, day, orgID string) (Week, error) {
	if day == "" {
		day = s.today()
	}
	mon, err := monday(day)
	if err != nil {
		return Week{}, apperr.Field("week", "petition.date_invalid")
	}
	w := Week{Week: mon, End: addDays(mon, 6), New: []Petition{}, Overdue: []Petition{}, Repeat: []Petition{}, Collective: []Petition{}, OverLevel: []Petition{}}
	var f apperr.Fields
	where, args, err := s.filter(ctx, ListQuery{OrgID: orgID}, &f)
	if err != nil {
		return w, err
	}
	if err := f.Err(); err != nil {
		return w, err
	}
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, "SELECT "+petitionCols+" WHERE "+where+` AND ((p.received_on >= ? AND p.received_on <= ?) OR p.status IN ('registered', 'accepted'))
		AND p.received_on <= ? ORDER BY p.received_on, p.no`, append(args, w.Week, w.End, w.End)...)
	if err != nil {
		return w, err
	}
	p, today := authz.From(ctx), s.today()
	var all []Petition
	for rows.Next() {
		x, err := scanPetition(rows)
		if err != nil {
			rows.Close()
			return w, err
		}
		x.Content = ""
		s.shown(p, &x, today)
		all = append(all, x)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return w, err
	}
	ids := make([]string, len(all))
	for i, x := range all {
		ids[i] = x.ID
	}
	pets, err := s.petitionersByPetition(ctx, q, ids)
	if err != nil {
		return w, err
	}
	for _, x := range all {
		x.Petitioners = pets[x.ID]
		inWeek := x.ReceivedOn >= w.Week && x.ReceivedOn <= w.End
		if inWeek {
			w.New = append(w.New, x)
		}
		if x.Light == "red" {
			w.Overdue = append(w.Overdue, x)
		}
		if x.Repeated {
			w.Repeat = append(w.Repeat, x)
		}
		if x.Collective {
			w.Collective = append(w.Collective, x)
		}
		if x.OverLevel {
			w.OverLevel = append(w.OverLevel, x)
		}
	}
	w.Counts.New, w.Counts.Overdue, w.Counts.Repeat, w.Counts.Collective, w.Counts.OverLevel = len(w.New), len(w.Overdue), len(w.Repeat), len(w.Collective), len(w.OverLevel)
	w.Reviews, err = s.reviews(ctx, w.Week)
	return w, err
}

// DecisionKinds are what a weekly review decides on a petition: the
// leader who takes the case (包案领导), a new deadline, a change of route,
// or a note.
var DecisionKinds = []string{"lead_leader", "deadline", "route", "note"}

// DecisionInput is one decision of a review on one petition.
type DecisionInput struct {
	PetitionID string `json:"petition_id"`
	Kind       string `json:"kind"`
	Value      string `json:"value,omitempty"` // the leader's name, the new deadline (YYYY-MM-DD) or the route
	Note       string `json:"note,omitempty"`
}

// ReviewInput records a weekly review meeting.
type ReviewInput struct {
	Week      string          `json:"week"` // any day of the week reviewed
	HeldOn    string          `json:"held_on"`
	OrgID     string          `json:"org_id"`
	Chair     string          `json:"chair"`
	Attendees string          `json:"attendees"`
	Notes     string          `json:"notes,omitempty"`
	Decisions []DecisionInput `json:"decisions"`
}

// Review is a recorded meeting with its decisions.
type Review struct {
	ID        string     `json:"id"`
	Week      string     `json:"week"`
	HeldOn    string     `json:"held_on"`
	OrgID     string     `json:"org_id"`
	OrgName   string     `json:"org_name"`
	Chair     string     `json:"chair"`
	Attendees string     `json:"attendees"`
	Notes     string     `json:"notes"`
	Decisions []Decision `json:"decisions"`
}

// Decision is one recorded decision.
type Decision struct {
	PetitionID string `json:"petition_id"`
	PetitionNo string `json:"petition_no"`
	Kind       string `json:"kind"`
	Value      string `json:"value"`
	Note       string `json:"note"`
}

// RecordReview writes a weekly review meeting and applies each decision
// to its petition (包案领导, deadline, route), each written on the
// petition's timeline; one transaction with its audit row. Every petition
// must be open or replied and under the review's area.
func (s *Service) RecordReview(ctx context.Context, in ReviewInput) (Review, error) {
	var f apperr.Fields
	in.Chair, in.Attendees, in.Notes = strings.TrimSpace(in.Chair), strings.TrimSpace(in.Attendees), strings.TrimSpace(in.Notes)
	mon, err := monday(in.Week)
	if in.Week == "" {
		f.Add("week", "petition.required")
	} else if err != nil {
		f.Add("week", "petition.date_invalid")
	}
	s.checkDay(&f, "held_on", in.HeldOn, true)
	required(&f, "chair", in.Chair)
	checkLen(&f, "chair", in.Chair, 50)
	required(&f, "attendees", in.Attendees)
	checkLen(&f, "attendees", in.Attendees, 500)
	checkLen(&f, "notes", in.Notes, 2000)
	if len(in.Decisions) > 100 {
		f.Add("decisions", "petition.too_many", "max", 100)
	}
	for i, d := range in.Decisions {
		field := "decisions[" + strconv.Itoa(i) + "]."
		if d.PetitionID == "" {
			f.Add(field+"petition_id", "petition.required")
		}
		oneOf(&f, field+"kind", d.Kind, DecisionKinds)
		switch d.Kind {
		case "lead_leader":
			required(&f, field+"value", d.Value)
			checkLen(&f, field+"value", d.Value, 50)
		case "deadline":
			if _, err := time.Parse(time.DateOnly, d.Value); err != nil {
				f.Add(field+"value", "petition.date_invalid")
			}
		case "route":
			if !dispute.Known(dispute.Routes, d.Value) {
				f.Add(field+"value", "petition.value_unknown", "value", d.Value)
			}
		case "note":
			required(&f, field+"note", d.Note)
		}
		checkLen(&f, field+"note", d.Note, 500)
	}
	var path string
	if in.OrgID == "" {
		f.Add("org_id", "petition.required")
	} else {
		path, err = org.PathIn(ctx, s.db.Reader(), authz.PetitionWrite, in.OrgID, "org_id")
		if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid {
			f = append(f, e.Fields...)
		} else if err != nil {
			return Review{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Review{}, err
	}
	p := authz.From(ctx)
	id, now := db.NewID(), s.Now().UnixMilli()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO petition_reviews (id, week, held_on, org_id, path, chair, attendees, notes, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, mon, in.HeldOn, in.OrgID, path, in.Chair, in.Attendees, in.Notes, p.UserID, now); err != nil {
			return err
		}
		for i, d := range in.Decisions {
			field := "decisions[" + strconv.Itoa(i) + "]."
			var status string
			if err := tx.QueryRowContext(ctx, "SELECT status FROM petitions WHERE id = ?"+tx.ForUpdate(), d.PetitionID).Scan(&status); errors.Is(err, sql.ErrNoRows) {
				return apperr.Field(field+"petition_id", "petition.petition_unknown")
			} else if err != nil {
				return err
			}
			x, err := s.load(ctx, tx, d.PetitionID, authz.PetitionWrite)
			if apperr.Is(err, "not_found") || (err == nil && !strings.HasPrefix(x.path, path)) {
				return apperr.Field(field+"petition_id", "petition.petition_unknown")
			} else if err != nil {
				return err
			}
			if !slices.Contains([]string{"registered", "accepted", "replied"}, x.Status) {
				return apperr.Field(field+"petition_id", "petition.wrong_status", "status", x.Status)
			}
			switch d.Kind {
			case "lead_leader":
				_, err = tx.ExecContext(ctx, "UPDATE petitions SET lead_leader = ? WHERE id = ?", d.Value, x.ID)
			case "deadline":
				col := "close_due"
				if x.Status == "registered" {
					col = "accept_due"
				}
				_, err = tx.ExecContext(ctx, "UPDATE petitions SET "+col+" = ? WHERE id = ?", d.Value, x.ID)
			case "route":
				_, err = tx.ExecContext(ctx, "UPDATE petitions SET route = ?, route_reason = ? WHERE id = ?", d.Value, d.Note, x.ID)
			}
			if err != nil {
				return err
			}
			note := pii.MaskText(strings.TrimSpace(d.Value + " " + d.Note))
			if _, err := tx.ExecContext(ctx, "INSERT INTO petition_decisions (id, review_id, petition_id, kind, value, note) VALUES (?, ?, ?, ?, ?, ?)",
				db.NewID(), id, x.ID, d.Kind, d.Value, pii.MaskText(d.Note)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE petitions SET updated_at = ? WHERE id = ?", now, x.ID); err != nil {
				return err
			}
			// The step names the decision's kind (review_lead_leader, review_deadline, …).
			if err := s.appendLog(ctx, tx, x.ID, "review_"+d.Kind, mon+" · "+note); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.PetitionWrite, "petition.review", "petition_review", id, mon)
	})
	if err != nil {
		return Review{}, err
	}
	rs, err := s.reviews(ctx, mon)
	if err != nil {
		return Review{}, err
	}
	for _, r := range rs {
		if r.ID == id {
			return r, nil
		}
	}
	return Review{}, apperr.NotFoundf("petition_review")
}

// reviews lists the meetings of a week over the caller's areas, with their
// decisions on petitions the caller may read.
func (s *Service) reviews(ctx context.Context, week string) ([]Review, error) {
	p := authz.From(ctx)
	q := s.db.Reader()
	scope, args := authz.ScopeSQL("r.path", p.Scopes(authz.PetitionRead))
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.week, r.held_on, r.org_id, o.name, r.chair, r.attendees, r.notes FROM petition_reviews r
		JOIN org_nodes o ON o.id = r.org_id WHERE r.week = ? AND `+scope+" ORDER BY r.held_on, r.created_at", append([]any{week}, args...)...)
	if err != nil {
		return nil, err
	}
	out := []Review{}
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.ID, &r.Week, &r.HeldOn, &r.OrgID, &r.OrgName, &r.Chair, &r.Attendees, &r.Notes); err != nil {
			rows.Close()
			return nil, err
		}
		r.Decisions = []Decision{}
		out = append(out, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	pscope, pargs := authz.ScopeSQL("p.path", p.Scopes(authz.PetitionRead))
	for i := range out {
		rows, err := q.QueryContext(ctx, `SELECT d.petition_id, p.no, d.kind, d.value, d.note FROM petition_decisions d JOIN petitions p ON p.id = d.petition_id
			WHERE d.review_id = ? AND `+pscope+" ORDER BY p.no, d.kind", append([]any{out[i].ID}, pargs...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var d Decision
			if err := rows.Scan(&d.PetitionID, &d.PetitionNo, &d.Kind, &d.Value, &d.Note); err != nil {
				rows.Close()
				return nil, err
			}
			out[i].Decisions = append(out[i].Decisions, d)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Monday is the Monday supervision list (周一集中督办日): the open
// petitions past their deadline and every petition under an open
// supervision order, with counts.
type Monday struct {
	Items             []Petition `json:"items"`
	Overdue           int        `json:"overdue"`
	Supervised        int        `json:"supervised"`
	SupervisedOverdue int        `json:"supervised_overdue"`
}

// MondayList gathers the Monday supervision list over the caller's areas.
func (s *Service) MondayList(ctx context.Context, orgID string) (Monday, error) {
	// Every unsettled petition of the area is looked at, however many.
	all, err := s.listUpTo(ctx, ListQuery{OrgID: orgID, unsettled: true, Limit: math.MaxInt32}, math.MaxInt32)
	if err != nil {
		return Monday{}, err
	}
	out := Monday{Items: []Petition{}}
	for _, x := range all.Items {
		over, sup := x.Light == "red", x.Supervision != nil
		if !over && !sup {
			continue
		}
		if over {
			out.Overdue++
		}
		if sup {
			out.Supervised++
			if x.Supervision.OverdueAt != nil {
				out.SupervisedOverdue++
			}
		}
		out.Items = append(out.Items, x)
	}
	return out, nil
}

// SweepSupervision marks each open supervision order past its own
// deadline overdue, once, with a step on the petition's timeline and an
// audit row; it returns how many it marked.
func (s *Service) SweepSupervision(ctx context.Context) (int, error) {
	now := s.Now().UnixMilli()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, petition_id FROM petition_supervisions WHERE closed_at IS NULL AND overdue_at IS NULL AND due_at <= ?
		ORDER BY due_at LIMIT 500`, now)
	if err != nil {
		return 0, err
	}
	type order struct{ id, petition string }
	var orders []order
	for rows.Next() {
		var o order
		if err := rows.Scan(&o.id, &o.petition); err != nil {
			rows.Close()
			return 0, err
		}
		orders = append(orders, o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	n := 0
	for _, o := range orders {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			// Marked under the condition: another node's sweep, or a close, may have come first.
			res, err := tx.ExecContext(ctx, "UPDATE petition_supervisions SET overdue_at = ? WHERE id = ? AND overdue_at IS NULL AND closed_at IS NULL", now, o.id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			var no string
			if err := tx.QueryRowContext(ctx, "SELECT no FROM petitions WHERE id = ?", o.petition).Scan(&no); err != nil {
				return err
			}
			if err := s.appendLog(authz.WithPrincipal(ctx, nil), tx, o.petition, "supervision_overdue", ""); err != nil {
				return err
			}
			return s.audit.Record(ctx, tx, "", audit.Entry{Username: "system", Action: "petition.supervision_overdue", ObjectType: "petition", ObjectID: o.petition, Detail: no})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
