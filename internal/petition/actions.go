package petition

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/pii"
)

func auditEntry(action, objectType, id, detail string) audit.Entry {
	return audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail}
}

// step runs one change of a petition: it loads the petition under a row
// lock, checks the caller writes over its area (another area's is not
// found) and that its status is one of from, runs fn, then writes the
// timeline step and the audit row — all in one transaction.
func (s *Service) step(ctx context.Context, id, action string, from []string, fn func(tx *db.Tx, x *Petition) (note string, err error)) (Petition, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, "SELECT status FROM petitions WHERE id = ?"+tx.ForUpdate(), id).Scan(&status); errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("petition")
		} else if err != nil {
			return err
		}
		x, err := s.load(ctx, tx, id, authz.PetitionWrite)
		if err != nil {
			return err
		}
		if !slices.Contains(from, x.Status) {
			return apperr.E(apperr.Conflict, "petition.wrong_status", "status", x.Status)
		}
		note, err := fn(tx, &x)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE petitions SET updated_at = ? WHERE id = ?", s.Now().UnixMilli(), id); err != nil {
			return err
		}
		if err := s.appendLog(ctx, tx, id, action, note); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.PetitionWrite, "petition."+action, "petition", id, x.No)
	})
	if err != nil {
		return Petition{}, err
	}
	return s.view(ctx, id)
}

var open = []string{"registered", "accepted"}

// AcceptInput accepts a petition (受理) or refuses it with a reason.
type AcceptInput struct {
	Accepted bool   `json:"accepted"`
	On       string `json:"on"` // YYYY-MM-DD
	Reason   string `json:"reason,omitempty"`
}

// Accept accepts a registered petition, which sets its handling deadline
// (CloseDays from acceptance), or records it not accepted with a reason.
func (s *Service) Accept(ctx context.Context, id string, in AcceptInput) (Petition, error) {
	var f apperr.Fields
	in.Reason = strings.TrimSpace(in.Reason)
	s.checkDay(&f, "on", in.On, true)
	if !in.Accepted {
		required(&f, "reason", in.Reason)
	}
	checkLen(&f, "reason", in.Reason, 500)
	if err := f.Err(); err != nil {
		return Petition{}, err
	}
	action := "accept"
	if !in.Accepted {
		action = "not_accept"
	}
	return s.step(ctx, id, action, []string{"registered"}, func(tx *db.Tx, x *Petition) (string, error) {
		if in.On < x.ReceivedOn {
			return "", apperr.Field("on", "petition.before_received")
		}
		if !in.Accepted {
			if _, err := tx.ExecContext(ctx, "UPDATE petitions SET status = 'not_accepted', accepted_on = ?, refusal_reason = ? WHERE id = ?", in.On, in.Reason, id); err != nil {
				return "", err
			}
			return in.Reason, s.closeSupervisions(ctx, tx, id)
		}
		due := addDays(in.On, CloseDays)
		_, err := tx.ExecContext(ctx, "UPDATE petitions SET status = 'accepted', accepted_on = ?, close_due = ? WHERE id = ?", in.On, due, id)
		return in.On + " → " + due, err
	})
}

// RouteInput sends a petition down one of the dispute routes (访调裁审处).
type RouteInput struct {
	Route    string `json:"route"`
	Reason   string `json:"reason"`
	UnitID   string `json:"unit_id,omitempty"`
	OpenCase bool   `json:"open_case,omitempty"` // open a dispute case (mediation routes only)
}

// RouteTo routes an accepted petition, naming the responsible unit, and
// for a mediation route may open a dispute case (dispute.Service.OpenTx)
// in the same transaction.
func (s *Service) RouteTo(ctx context.Context, id string, in RouteInput) (Petition, error) {
	var f apperr.Fields
	in.Reason = strings.TrimSpace(in.Reason)
	oneOf(&f, "route", in.Route, dispute.Routes)
	required(&f, "reason", in.Reason)
	checkLen(&f, "reason", in.Reason, 500)
	if in.OpenCase && in.Route != "" && !slices.Contains(mediationRoutes, in.Route) {
		f.Add("open_case", "petition.case_needs_mediation")
	}
	var unitName, unitPath string
	if in.UnitID != "" {
		var err error
		unitName, unitPath, err = casework.UnitAt(ctx, s.db.Reader(), in.UnitID)
		if errors.Is(err, sql.ErrNoRows) {
			f.Add("unit_id", "petition.unit_unknown")
		} else if err != nil {
			return Petition{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Petition{}, err
	}
	return s.step(ctx, id, "route", []string{"accepted"}, func(tx *db.Tx, x *Petition) (string, error) {
		// The unit serves the petition's area: placed at or above it, or within it.
		if in.UnitID != "" && !strings.HasPrefix(x.path, unitPath) && !strings.HasPrefix(unitPath, x.path) {
			return "", apperr.Field("unit_id", "petition.unit_unknown")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE petitions SET route = ?, route_reason = ?, unit_id = ?, unit_name = ? WHERE id = ?",
			in.Route, in.Reason, nullable(in.UnitID), unitName, id); err != nil {
			return "", err
		}
		note := in.Reason // the route itself is on the petition
		if unitName != "" {
			note += " → " + unitName
		}
		if !in.OpenCase {
			return note, nil
		}
		// The petitioners are the applicants (their values sealed again by the
		// dispute room); a collective petition (集体访) is a complex case. The
		// desk, holding dispute.report alone, files it as registered for the
		// mediator to classify.
		complexity := "simple"
		if x.PeopleCount >= CollectiveSize {
			complexity = "complex"
		}
		c := dispute.Intake{Source: "petition", SourceRef: x.No, OrgID: x.OrgID, Type: x.Type, Title: x.Title, Facts: strings.TrimSpace(x.Content),
			Complexity: complexity, Route: in.Route, RouteReason: in.Reason}
		var err error
		if c.Parties, err = s.parties(ctx, tx, id); err != nil {
			return "", err
		}
		k, err := s.cases.OpenTx(ctx, tx, authz.From(ctx), c)
		if err != nil {
			return "", err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE petitions SET case_id = ?, case_no = ? WHERE id = ?", k.ID, k.No, id); err != nil {
			return "", err
		}
		return note + " · " + k.No, nil
	})
}

// parties opens the petitioners' sealed values for the dispute case.
func (s *Service) parties(ctx context.Context, tx *db.Tx, id string) ([]dispute.PartyIn, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, name, id_sealed, phone_sealed, COALESCE(person_id, '') FROM petitioners WHERE petition_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	type row struct{ id, name, idS, phoneS, person string }
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.idS, &r.phoneS, &r.person); err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	var out []dispute.PartyIn
	for _, r := range rs {
		cp := dispute.PartyIn{Role: "applicant", Name: r.name, PersonID: r.person}
		if r.idS != "" {
			if cp.IDNumber, err = s.vault.Open("petitioners.id_number", r.id, r.idS); err != nil {
				return nil, err
			}
		}
		if r.phoneS != "" {
			if cp.Phone, err = s.vault.Open("petitioners.phone", r.id, r.phoneS); err != nil {
				return nil, err
			}
		}
		out = append(out, cp)
	}
	return out, nil
}

// ReceptionInput records the leader who received the petitioner (领导接访).
type ReceptionInput struct {
	Leader string `json:"leader"`
	On     string `json:"on"`
	Note   string `json:"note,omitempty"`
}

// Reception records a leader's reception of an open petition.
func (s *Service) Reception(ctx context.Context, id string, in ReceptionInput) (Petition, error) {
	var f apperr.Fields
	in.Leader, in.Note = strings.TrimSpace(in.Leader), strings.TrimSpace(in.Note)
	required(&f, "leader", in.Leader)
	checkLen(&f, "leader", in.Leader, 50)
	s.checkDay(&f, "on", in.On, true)
	checkLen(&f, "note", in.Note, 1000)
	if err := f.Err(); err != nil {
		return Petition{}, err
	}
	return s.step(ctx, id, "reception", open, func(tx *db.Tx, x *Petition) (string, error) {
		if in.On < x.ReceivedOn {
			return "", apperr.Field("on", "petition.before_received")
		}
		_, err := tx.ExecContext(ctx, "UPDATE petitions SET leader_name = ?, received_by_leader_on = ? WHERE id = ?", in.Leader, in.On, id)
		return strings.TrimSpace(in.Leader + " " + in.On + " " + pii.MaskText(in.Note)), err
	})
}

// ReplyInput is the written reply (答复意见).
type ReplyInput struct {
	Reply string `json:"reply"`
	On    string `json:"on"`
}

// Reply answers an accepted petition.
func (s *Service) Reply(ctx context.Context, id string, in ReplyInput) (Petition, error) {
	var f apperr.Fields
	in.Reply = strings.TrimSpace(in.Reply)
	required(&f, "reply", in.Reply)
	checkLen(&f, "reply", in.Reply, 4000)
	s.checkDay(&f, "on", in.On, true)
	if err := f.Err(); err != nil {
		return Petition{}, err
	}
	return s.step(ctx, id, "reply", []string{"accepted"}, func(tx *db.Tx, x *Petition) (string, error) {
		if in.On < x.AcceptedOn {
			return "", apperr.Field("on", "petition.before_accepted")
		}
		_, err := tx.ExecContext(ctx, "UPDATE petitions SET status = 'replied', reply = ?, replied_on = ? WHERE id = ?", in.Reply, in.On, id)
		return in.On, err
	})
}

// CloseInput records the petitioner's satisfaction and closes.
type CloseInput struct {
	Satisfaction string `json:"satisfaction"`
	On           string `json:"on"`
	Note         string `json:"note,omitempty"`
}

// Close records the petitioner's satisfaction with the reply and closes
// the petition (办结); its open supervision orders close with it.
func (s *Service) Close(ctx context.Context, id string, in CloseInput) (Petition, error) {
	var f apperr.Fields
	in.Note = strings.TrimSpace(in.Note)
	oneOf(&f, "satisfaction", in.Satisfaction, Satisfactions)
	s.checkDay(&f, "on", in.On, true)
	checkLen(&f, "note", in.Note, 1000)
	if err := f.Err(); err != nil {
		return Petition{}, err
	}
	return s.step(ctx, id, "close", []string{"replied"}, func(tx *db.Tx, x *Petition) (string, error) {
		if in.On < x.RepliedOn {
			return "", apperr.Field("on", "petition.before_replied")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE petitions SET status = 'closed', satisfaction = ?, closed_on = ? WHERE id = ?", in.Satisfaction, in.On, id); err != nil {
			return "", err
		}
		return pii.MaskText(in.Note), s.closeSupervisions(ctx, tx, id)
	})
}

func (s *Service) closeSupervisions(ctx context.Context, tx *db.Tx, id string) error {
	_, err := tx.ExecContext(ctx, "UPDATE petition_supervisions SET closed_at = ? WHERE petition_id = ? AND closed_at IS NULL", s.Now().UnixMilli(), id)
	return err
}

// SuperviseInput puts a supervision order (督办) on a petition.
type SuperviseInput struct {
	Due  string `json:"due"` // YYYY-MM-DD: the order is overdue after this day
	Note string `json:"note"`
}

// Supervise puts a supervision order with its own deadline on an open or
// replied petition; a new order replaces the open one.
func (s *Service) Supervise(ctx context.Context, id string, in SuperviseInput) (Petition, error) {
	var f apperr.Fields
	in.Note = strings.TrimSpace(in.Note)
	required(&f, "note", in.Note)
	checkLen(&f, "note", in.Note, 500)
	var dueAt int64
	if in.Due == "" {
		f.Add("due", "petition.required")
	} else if t, err := time.ParseInLocation(time.DateOnly, in.Due, shanghai); err != nil {
		f.Add("due", "petition.date_invalid")
	} else if in.Due < s.today() {
		f.Add("due", "petition.date_past")
	} else {
		dueAt = t.AddDate(0, 0, 1).UnixMilli() // the end of the day
	}
	if err := f.Err(); err != nil {
		return Petition{}, err
	}
	p := authz.From(ctx)
	return s.step(ctx, id, "supervise", []string{"registered", "accepted", "replied"}, func(tx *db.Tx, x *Petition) (string, error) {
		if err := s.closeSupervisions(ctx, tx, id); err != nil {
			return "", err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO petition_supervisions (id, petition_id, by_user, by_name, note, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			db.NewID(), id, p.UserID, p.DisplayName, pii.MaskText(in.Note), dueAt, s.Now().UnixMilli())
		return in.Due + " " + pii.MaskText(in.Note), err
	})
}

// FlagsInput sets the repeat and over-level flags by hand.
type FlagsInput struct {
	Repeated  bool `json:"repeated"`
	OverLevel bool `json:"over_level"`
}

// SetFlags sets a petition's repeat (重复访) and over-level (越级) flags.
func (s *Service) SetFlags(ctx context.Context, id string, in FlagsInput) (Petition, error) {
	return s.step(ctx, id, "flags", Statuses, func(tx *db.Tx, x *Petition) (string, error) {
		_, err := tx.ExecContext(ctx, "UPDATE petitions SET repeated = ?, over_level = ? WHERE id = ?", in.Repeated, in.OverLevel, id)
		return "", err
	})
}

// RevealInput names a petitioner's values to show in full and why.
type RevealInput struct {
	Seq    int      `json:"seq"`
	Fields []string `json:"fields"` // id_number, phone
	Reason string   `json:"reason"`
}

// Revealed holds the values a reveal asked for.
type Revealed struct {
	IDNumber *string `json:"id_number,omitempty"`
	Phone    *string `json:"phone,omitempty"`
}

// Reveal shows a petitioner's ID number or phone to a caller holding
// personal.reveal over the petition's area, for a stated reason; the audit
// row names the fields and the reason, never the values.
func (s *Service) Reveal(ctx context.Context, id string, in RevealInput) (Revealed, error) {
	var out Revealed
	var f apperr.Fields
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	if len([]rune(in.Reason)) < 4 {
		f.Add("reason", "petition.reason_required")
	}
	checkLen(&f, "reason", in.Reason, 200)
	if len(in.Fields) == 0 {
		f.Add("fields", "petition.required")
	}
	for _, fl := range in.Fields {
		if fl != "id_number" && fl != "phone" {
			f.Add("fields", "petition.value_unknown", "value", fl)
		}
	}
	if err := f.Err(); err != nil {
		return out, err
	}
	x, err := s.load(ctx, s.db.Reader(), id, authz.PetitionRead)
	if err != nil {
		return out, err
	}
	if !authz.From(ctx).Covers(authz.PersonalReveal, x.path) {
		return out, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	var pid, idS, phoneS string
	err = s.db.Reader().QueryRowContext(ctx, "SELECT id, id_sealed, phone_sealed FROM petitioners WHERE petition_id = ? AND seq = ?", id, in.Seq).Scan(&pid, &idS, &phoneS)
	if errors.Is(err, sql.ErrNoRows) {
		return out, apperr.Field("seq", "petition.petitioner_unknown")
	}
	if err != nil {
		return out, err
	}
	open := func(field, sealed string) (*string, error) {
		v := ""
		if sealed == "" {
			return &v, nil
		}
		v, err := s.vault.Open(field, pid, sealed)
		return &v, err
	}
	for _, fl := range in.Fields {
		if fl == "id_number" {
			out.IDNumber, err = open("petitioners.id_number", idS)
		} else {
			out.Phone, err = open("petitioners.phone", phoneS)
		}
		if err != nil {
			return Revealed{}, err
		}
	}
	return out, s.audit.RecordAlone(ctx, s.db, authz.PersonalReveal, auditEntry("petition.reveal", "petition", id, strings.Join(in.Fields, ",")+": "+in.Reason))
}
