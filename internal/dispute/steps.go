package dispute

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// RouteInput classifies a case or changes its route (繁简分流 and the
// route), always with a reason.
type RouteInput struct {
	Complexity string `json:"complexity"`
	Route      string `json:"route"`
	Reason     string `json:"reason"`
}

// SessionInput records a mediation session. MediatorIDs are entries of
// the mediators' register serving the case's area (see Candidates;
// default: the caller's own entry); a joint session names the units
// invited and whether each came.
type SessionInput struct {
	At          int64    `json:"at"`
	Place       string   `json:"place"`
	Kind        string   `json:"kind"`                 // mediation, joint
	JointKind   string   `json:"joint_kind,omitempty"` // four_heads, three_links
	MediatorIDs []string `json:"mediator_ids,omitempty"`
	Attendees   string   `json:"attendees"`
	Record      string   `json:"record"`
	Units       []UnitIn `json:"units,omitempty"`
}

// UnitIn is a unit invited to a joint session.
type UnitIn struct {
	UnitID   string `json:"unit_id"`
	Attended bool   `json:"attended"`
}

// OutcomeInput closes a case without a written agreement: an oral
// agreement (art. 28, its terms in Note) or a failed mediation sent on to
// NextRoute with the reason in Note.
type OutcomeInput struct {
	Outcome   string `json:"outcome"` // oral_agreement, failed
	NextRoute string `json:"next_route,omitempty"`
	Note      string `json:"note"`
}

// AgreementInput is the written agreement (人民调解协议书, art. 29).
// Deadline is the date performance is due (YYYY-MM-DD); SignedAt when the
// parties and mediators signed (Unix ms).
type AgreementInput struct {
	Facts            string `json:"facts"`
	Issues           string `json:"issues"`
	Responsibilities string `json:"responsibilities"`
	Terms            string `json:"terms"`
	Manner           string `json:"manner"`
	Deadline         string `json:"deadline"`
	Committee        string `json:"committee"`
	SignedAt         int64  `json:"signed_at"`
}

// FollowUpInput records a follow-up (回访) of the agreement's performance.
type FollowUpInput struct {
	At          int64  `json:"at"`
	Method      string `json:"method"`      // visit, phone
	Performance string `json:"performance"` // performed, partly, not_performed
	Note        string `json:"note,omitempty"`
}

// ConfirmationInput is the parties' joint application for judicial
// confirmation (司法确认), within ConfirmWithin days of the agreement.
type ConfirmationInput struct {
	Court     string `json:"court"`
	AppliedAt int64  `json:"applied_at"`
	Note      string `json:"note,omitempty"`
}

// DecisionInput is the court's decision on the application.
type DecisionInput struct {
	Decision  string `json:"decision"` // confirmed, rejected
	DecidedAt int64  `json:"decided_at"`
	RulingNo  string `json:"ruling_no"`
	Note      string `json:"note,omitempty"`
}

var (
	sessionKinds  = []string{"mediation", "joint"}
	outcomes      = []string{"oral_agreement", "failed"}
	followMethods = []string{"visit", "phone"}
	performances  = []string{"performed", "partly", "not_performed"}
	decisions     = []string{"confirmed", "rejected"}
)

// checkAt adds a problem when at is missing, before the case was
// registered or in the future.
func checkAt(f *apperr.Fields, name string, at, registered, now int64) {
	switch {
	case at == 0:
		f.Add(name, "dispute.required")
	case at < registered:
		f.Add(name, "dispute.before_registration")
	case at > now+futureSlack:
		f.Add(name, "dispute.in_future")
	}
}

func required(f *apperr.Fields, name, v string, max int) string {
	v = strings.TrimSpace(v)
	if v == "" {
		f.Add(name, "dispute.required")
	}
	regkit.CheckLen(f, name, v, max)
	return v
}

// change runs one step on case id in a transaction: the case is loaded
// under dispute.write (another area's case is not found) and do writes the
// step; the answer is the case file.
func (s *Service) change(ctx context.Context, id string, do func(tx *db.Tx, p *authz.Principal, c Case, now int64) error) (Case, error) {
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.scoped(ctx, tx, p, id, authz.DisputeWrite)
		if err != nil {
			return err
		}
		return do(tx, p, c, s.now())
	})
	if err != nil {
		return Case{}, err
	}
	return s.file(ctx, id, authz.DisputeWrite)
}

func mustBeOpen(c Case) error {
	if !open(c.Status) {
		return apperr.E(apperr.Conflict, "dispute.closed")
	}
	return nil
}

// Route classifies a registered case or changes an open case's route.
func (s *Service) Route(ctx context.Context, id string, in RouteInput) (Case, error) {
	var f apperr.Fields
	checkRoute(&f, in.Complexity, in.Route, in.Reason)
	for i := range f { // the reason travels as "reason" here
		if f[i].Field == "route_reason" {
			f[i].Field = "reason"
		}
	}
	if err := f.Refuse(); err != nil {
		return Case{}, err
	}
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		if err := mustBeOpen(c); err != nil {
			return err
		}
		status, action := c.Status, "reroute"
		if status == "registered" {
			status, action = "accepted", "classify"
		}
		reason := strings.TrimSpace(in.Reason)
		if _, err := tx.ExecContext(ctx, "UPDATE disputes SET complexity = ?, route = ?, route_reason = ?, status = ?, updated_at = ?, version = version + 1 WHERE id = ?",
			in.Complexity, in.Route, reason, status, now, id); err != nil {
			return err
		}
		note := in.Complexity + " → " + in.Route + ": " + reason
		if action == "reroute" {
			note = c.Route + " → " + in.Route + " (" + in.Complexity + "): " + reason
		}
		return s.step(ctx, tx, p, authz.DisputeWrite, id, action, note, now)
	})
}

// AddSession records a mediation session, plain or joint. The case must be
// classified and open; the session may not be dated before the case was
// registered.
func (s *Service) AddSession(ctx context.Context, id string, in SessionInput) (Case, error) {
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		if err := mustBeOpen(c); err != nil {
			return err
		}
		if c.Status == "registered" {
			return apperr.E(apperr.Conflict, "dispute.not_classified")
		}
		var f apperr.Fields
		checkAt(&f, "at", in.At, dayStart(c.RegisteredAt), now)
		place := required(&f, "place", in.Place, maxTextShort)
		record := required(&f, "record", in.Record, maxTextLong)
		regkit.CheckLen(&f, "attendees", in.Attendees, maxTextShort*5)
		regkit.OneOf(&f, "kind", in.Kind, sessionKinds, true)
		if in.Kind == "joint" {
			regkit.OneOf(&f, "joint_kind", in.JointKind, JointKinds, true)
			if len(in.Units) == 0 {
				f.Add("units", "dispute.units_required")
			}
		} else if in.JointKind != "" || len(in.Units) > 0 {
			f.Add("kind", "dispute.joint_only")
		}
		serving, err := s.serving(ctx, tx, c.path, nil)
		if err != nil {
			return err
		}
		ids := uniq(in.MediatorIDs)
		if len(ids) == 0 { // the caller's own entry, when they have one
			for _, m := range serving {
				if m.Mine {
					ids = []string{m.ID}
					break
				}
			}
		}
		var mediators []Mediator
		for _, id := range ids {
			i := slices.IndexFunc(serving, func(m Mediator) bool { return m.ID == id })
			if i < 0 {
				f.Add("mediator_ids", "dispute.mediator_unknown", "value", id)
				continue
			}
			mediators = append(mediators, serving[i])
		}
		if len(ids) == 0 {
			f.Add("mediator_ids", "dispute.required")
		}
		var units []SessionUnit
		if len(in.Units) > 0 {
			invited, err := s.events.Units(ctx, c.OrgID)
			if err != nil {
				return err
			}
			names := map[string]string{}
			for _, u := range invited {
				names[u.ID] = u.Name
			}
			seen := map[string]bool{}
			for i, u := range in.Units {
				name, ok := names[u.UnitID]
				if !ok || seen[u.UnitID] {
					f.Add("units["+itoa(i)+"].unit_id", "dispute.unit_unknown")
				}
				seen[u.UnitID] = true
				units = append(units, SessionUnit{UnitID: u.UnitID, UnitName: name, Attended: u.Attended})
			}
		}
		if err := f.Refuse(); err != nil {
			return err
		}
		sid := db.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO dispute_sessions (id, dispute_id, at, place, kind, joint_kind, attendees, record, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sid, id, in.At, place, in.Kind, in.JointKind, strings.TrimSpace(in.Attendees), record, p.UserID, now); err != nil {
			return err
		}
		for _, m := range mediators {
			if _, err := tx.ExecContext(ctx, "INSERT INTO dispute_mediators (session_id, dispute_id, mediator_id, name) VALUES (?, ?, ?, ?)", sid, id, m.ID, m.Name); err != nil {
				return err
			}
		}
		came := []string{}
		for _, u := range units {
			attended := 0
			if u.Attended {
				attended = 1
				came = append(came, u.UnitName)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO dispute_session_units (session_id, unit_id, unit_name, attended) VALUES (?, ?, ?, ?)", sid, u.UnitID, u.UnitName, attended); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE disputes SET status = 'mediating', updated_at = ?, version = version + 1 WHERE id = ?", now, id); err != nil {
			return err
		}
		action, note := "session", place
		if in.Kind == "joint" {
			action, note = "joint_session", in.JointKind+": "+strings.Join(came, "、")
		}
		return s.step(ctx, tx, p, authz.DisputeWrite, id, action, note, in.At)
	})
}

func uniq(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// hasSession reports whether case id had a session.
func hasSession(ctx context.Context, q db.Querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM dispute_sessions WHERE dispute_id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.E(apperr.Conflict, "dispute.no_session")
	}
	return nil
}

// closeCase closes case c as status with outcome, inside tx. This is the
// one place a case closes: the case then holds its complexity, outcome
// and (CaseMediators) the mediators who worked it, and they are credited
// their subsidies (以案定补) in the same transaction.
func (s *Service) closeCase(ctx context.Context, tx *db.Tx, p *authz.Principal, c Case, status, outcome, nextRoute, note string, at int64) error {
	// A settled case keeps the level it was settled at (小事不出村).
	settledLevel := ""
	if status == "settled" {
		settledLevel = c.Level
	}
	if _, err := tx.ExecContext(ctx, `UPDATE disputes SET status = ?, outcome = ?, next_route = ?, outcome_note = ?, closed_at = ?, settled_level = ?, updated_at = ?, version = version + 1
		WHERE id = ?`, status, outcome, nextRoute, note, at, settledLevel, s.now(), c.ID); err != nil {
		return err
	}
	logNote := outcome
	if nextRoute != "" {
		logNote += " → " + nextRoute
	}
	if err := s.step(ctx, tx, p, authz.DisputeWrite, c.ID, "close", logNote, at); err != nil {
		return err
	}
	return s.credit(ctx, tx, p, c, outcome, at) // 以案定补, see subsidy.go
}

// Outcome closes a mediated case with an oral agreement or as failed (sent
// on to its next route). A written agreement closes it through Agreement.
func (s *Service) Outcome(ctx context.Context, id string, in OutcomeInput) (Case, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "outcome", in.Outcome, outcomes, true)
	note := required(&f, "note", in.Note, maxTextLong)
	if in.Outcome == "failed" {
		regkit.OneOf(&f, "next_route", in.NextRoute, Routes, true)
	} else if in.NextRoute != "" {
		f.Add("next_route", "dispute.failed_only")
	}
	if err := f.Refuse(); err != nil {
		return Case{}, err
	}
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		if err := mustBeOpen(c); err != nil {
			return err
		}
		if err := hasSession(ctx, tx, id); err != nil {
			return err
		}
		status := "settled"
		if in.Outcome == "failed" {
			status = "failed"
		}
		return s.closeCase(ctx, tx, p, c, status, in.Outcome, in.NextRoute, note, now)
	})
}

// Agreement writes the written agreement and closes the case as settled.
// It needs terms, with the manner and deadline of performance.
func (s *Service) Agreement(ctx context.Context, id string, in AgreementInput) (Case, error) {
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		if err := mustBeOpen(c); err != nil {
			return err
		}
		if err := hasSession(ctx, tx, id); err != nil {
			return err
		}
		var f apperr.Fields
		facts := required(&f, "facts", in.Facts, maxTextLong)
		issues := required(&f, "issues", in.Issues, maxTextLong)
		resp := required(&f, "responsibilities", in.Responsibilities, maxTextLong)
		terms := strings.TrimSpace(in.Terms)
		if terms == "" {
			f.Add("terms", "dispute.terms_required")
		}
		regkit.CheckLen(&f, "terms", terms, maxTextLong)
		manner := required(&f, "manner", in.Manner, maxTextShort*5)
		committee := required(&f, "committee", in.Committee, 100)
		checkAt(&f, "signed_at", in.SignedAt, dayStart(c.RegisteredAt), now)
		if in.Deadline == "" {
			f.Add("deadline", "dispute.required")
		} else if d, err := time.ParseInLocation("2006-01-02", in.Deadline, zone); err != nil {
			f.Add("deadline", "dispute.date_format")
		} else if in.SignedAt != 0 && d.UnixMilli() < dayStart(in.SignedAt) {
			f.Add("deadline", "dispute.deadline_before_signing")
		}
		if err := f.Refuse(); err != nil {
			return err
		}
		year := time.UnixMilli(in.SignedAt).In(zone).Format("2006")
		no, err := nextNo(ctx, tx, "", "dispute_agreement:"+year)
		if err != nil {
			return err
		}
		no = "（" + year + "）调协字第" + no + "号"
		_, err = tx.ExecContext(ctx, `INSERT INTO dispute_agreements (dispute_id, no, facts, issues, responsibilities, terms, manner, deadline, committee, signed_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, no, facts, issues, resp, terms, manner, in.Deadline, committee, in.SignedAt, p.UserID, now)
		if db.IsUniqueViolation(err) {
			return apperr.E(apperr.Conflict, "dispute.agreement_exists")
		}
		if err != nil {
			return err
		}
		if err := s.step(ctx, tx, p, authz.DisputeWrite, id, "agreement", no, in.SignedAt); err != nil {
			return err
		}
		return s.closeCase(ctx, tx, p, c, "settled", "agreement", "", "", in.SignedAt)
	})
}

// FollowUp records a follow-up of an agreement's performance.
func (s *Service) FollowUp(ctx context.Context, id string, in FollowUpInput) (Case, error) {
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		if c.Outcome != "agreement" && c.Outcome != "oral_agreement" {
			return apperr.E(apperr.Conflict, "dispute.no_agreement")
		}
		var f apperr.Fields
		checkAt(&f, "at", in.At, dayStart(c.RegisteredAt), now)
		regkit.OneOf(&f, "method", in.Method, followMethods, true)
		regkit.OneOf(&f, "performance", in.Performance, performances, true)
		regkit.CheckLen(&f, "note", in.Note, maxTextLong)
		if err := f.Refuse(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dispute_follow_ups (id, dispute_id, at, method, performance, note, user_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), id, in.At, in.Method, in.Performance, strings.TrimSpace(in.Note), p.UserID, now); err != nil {
			return err
		}
		return s.step(ctx, tx, p, authz.DisputeWrite, id, "follow_up", in.Performance, in.At)
	})
}

// ApplyConfirmation records the joint application for judicial
// confirmation of the written agreement, which must come within
// ConfirmWithin days of its signing.
func (s *Service) ApplyConfirmation(ctx context.Context, id string, in ConfirmationInput) (Case, error) {
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		a, err := agreement(ctx, tx, id)
		if err != nil {
			return err
		}
		if a == nil {
			return apperr.E(apperr.Conflict, "dispute.no_agreement")
		}
		var f apperr.Fields
		court := required(&f, "court", in.Court, 100)
		regkit.CheckLen(&f, "note", in.Note, maxTextLong)
		switch {
		case in.AppliedAt == 0:
			f.Add("applied_at", "dispute.required")
		case in.AppliedAt < dayStart(a.SignedAt):
			f.Add("applied_at", "dispute.before_agreement")
		case in.AppliedAt > a.SignedAt+ConfirmWithin*Day:
			f.Add("applied_at", "dispute.confirmation_late", "days", ConfirmWithin)
		case in.AppliedAt > now+futureSlack:
			f.Add("applied_at", "dispute.in_future")
		}
		if err := f.Refuse(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO dispute_confirmations (dispute_id, court, applied_at, status, note) VALUES (?, ?, ?, 'applied', ?)",
			id, court, in.AppliedAt, strings.TrimSpace(in.Note))
		if db.IsUniqueViolation(err) {
			return apperr.E(apperr.Conflict, "dispute.confirmation_exists")
		}
		if err != nil {
			return err
		}
		return s.step(ctx, tx, p, authz.DisputeWrite, id, "confirmation_applied", court, in.AppliedAt)
	})
}

// DecideConfirmation records the court's decision on the application.
func (s *Service) DecideConfirmation(ctx context.Context, id string, in DecisionInput) (Case, error) {
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		cf, err := confirmation(ctx, tx, id)
		if err != nil {
			return err
		}
		if cf == nil || cf.Status != "applied" {
			return apperr.E(apperr.Conflict, "dispute.not_applied")
		}
		var f apperr.Fields
		regkit.OneOf(&f, "decision", in.Decision, decisions, true)
		ruling := required(&f, "ruling_no", in.RulingNo, 100)
		regkit.CheckLen(&f, "note", in.Note, maxTextLong)
		switch {
		case in.DecidedAt == 0:
			f.Add("decided_at", "dispute.required")
		case in.DecidedAt < dayStart(cf.AppliedAt):
			f.Add("decided_at", "dispute.before_application")
		case in.DecidedAt > now+futureSlack:
			f.Add("decided_at", "dispute.in_future")
		}
		if err := f.Refuse(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE dispute_confirmations SET status = ?, decided_at = ?, ruling_no = ?, note = ? WHERE dispute_id = ?",
			in.Decision, in.DecidedAt, ruling, strings.TrimSpace(in.Note), id); err != nil {
			return err
		}
		return s.step(ctx, tx, p, authz.DisputeWrite, id, "confirmation_"+in.Decision, ruling, in.DecidedAt)
	})
}
