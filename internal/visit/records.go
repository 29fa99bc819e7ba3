package visit

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Methods and findings of a visit (those of the key persons' visits).
var (
	Methods       = []string{"home", "phone", "video", "office"}
	Findings      = []string{"normal", "attention", "abnormal"}
	FollowUpKinds = []string{"note", "event", "dispute"}
)

// FollowUpInput is what a visit asks to be done next: a note, an event
// reported to the centre (CategoryCode), or a dispute case (DisputeType,
// PartyName: the applicant).
type FollowUpInput struct {
	Kind         string `json:"kind"`
	Text         string `json:"text"`
	CategoryCode string `json:"category_code,omitempty"`
	DisputeType  string `json:"dispute_type,omitempty"`
	PartyName    string `json:"party_name,omitempty"`
}

// VisitInput records a visit: of a task's subject (TaskID), of a person
// of the registers (PersonID), or of an ordinary household in an area
// (OrgID with Label, its address). The note is sealed.
type VisitInput struct {
	TaskID    string          `json:"task_id,omitempty"`
	PersonID  string          `json:"person_id,omitempty"`
	OrgID     string          `json:"org_id,omitempty"`
	Label     string          `json:"label,omitempty"`
	Method    string          `json:"method"`
	Finding   string          `json:"finding"`
	Note      string          `json:"note,omitempty"`
	At        *int64          `json:"at,omitempty"`
	FollowUps []FollowUpInput `json:"follow_ups,omitempty"`
}

// FollowUp is a follow-up as recorded, with the event or case it became.
type FollowUp struct {
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	RefID string `json:"ref_id,omitempty"`
}

// Record is a visit made.
type Record struct {
	ID           string     `json:"id"`
	TaskID       string     `json:"task_id,omitempty"`
	Kind         string     `json:"kind,omitempty"` // the trigger of its task
	SubjectType  string     `json:"subject_type"`
	SubjectID    string     `json:"subject_id,omitempty"`
	SubjectLabel string     `json:"subject_label"`
	OrgID        string     `json:"org_id"`
	OrgName      string     `json:"org_name"`
	WorkerID     string     `json:"worker_id,omitempty"`
	WorkerName   string     `json:"worker_name,omitempty"`
	Method       string     `json:"method"`
	Finding      string     `json:"finding"`
	Note         string     `json:"note"`
	HasNote      bool       `json:"has_note"`
	VisitedAt    int64      `json:"visited_at"`
	Version      int        `json:"version"`
	FollowUps    []FollowUp `json:"follow_ups"`
	path         string
}

func checkVisit(f *apperr.Fields, method, finding, note string) {
	regkit.OneOf(f, "method", method, Methods, true)
	regkit.OneOf(f, "finding", finding, Findings, true)
	regkit.CheckLen(f, "note", note, 2000)
}

// RecordVisit records a visit, closing its task when it names one; the
// follow-ups become events or dispute cases. key makes a retry from the
// phone's outbox answer with the first record.
func (s *Service) RecordVisit(ctx context.Context, in VisitInput, key idem.Key) (Record, error) {
	p := authz.From(ctx)
	now := s.Now().UnixMilli()
	in.Note, in.Label = strings.TrimSpace(in.Note), strings.TrimSpace(in.Label)
	if in.Finding == "" {
		in.Finding = "normal"
	}
	var f apperr.Fields
	checkVisit(&f, in.Method, in.Finding, in.Note)
	regkit.CheckLen(&f, "label", in.Label, 200)
	if in.At != nil && (*in.At > now+5*60*1000 || *in.At < now-30*Day) {
		f.Add("at", "visit.time")
	}
	if len(in.FollowUps) > 10 {
		f.Add("follow_ups", "visit.too_many", "max", 10)
	}
	for i := range in.FollowUps {
		checkFollowUp(&f, "follow_ups["+itoa(i)+"].", &in.FollowUps[i])
	}
	// Where the visit was: the task's subject, the person's, or the area named.
	sub := subject{typ: "household"}
	var tk Task
	switch {
	case in.TaskID != "":
		var err error
		if tk, err = s.task(ctx, s.db.Reader(), in.TaskID, authz.GridworkDo); err != nil {
			return Record{}, err
		}
		sub = subject{typ: tk.SubjectType, id: tk.SubjectID, label: tk.SubjectLabel, gridID: tk.GridID, orgID: tk.OrgID, path: tk.path}
	case in.PersonID != "":
		fs, err := registry.FactsOf(ctx, s.db.Reader(), []string{in.PersonID})
		if err != nil {
			return Record{}, err
		}
		pf, ok := fs[in.PersonID]
		if !ok || !p.Covers(authz.GridworkDo, pf.Path) {
			f.Add("person_id", "visit.person_unknown")
		}
		sub = subject{typ: "person", id: pf.PersonID, label: pf.Label, gridID: pf.GridID, orgID: pf.OrgID, path: pf.Path}
	case in.OrgID != "":
		path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkDo, in.OrgID, "org_id")
		if err := regkit.Collect(&f, err); err != nil {
			return Record{}, err
		}
		if in.Label == "" {
			f.Add("label", "visit.required")
		}
		sub = subject{typ: "household", label: in.Label, orgID: in.OrgID, path: path}
	default:
		f.Add("task_id", "visit.subject_required")
	}
	if err := f.Err(); err != nil {
		return Record{}, err
	}
	at := now
	if in.At != nil {
		at = *in.At
	}
	worker := ""
	if w, err := org.WorkerOfUser(ctx, s.db.Reader(), p.UserID); err == nil {
		worker = w.ID
	}
	// Events first, each under its own key derived from the visit's: a
	// retry finds them made and answers with them.
	refs := make([]string, len(in.FollowUps))
	for i, fu := range in.FollowUps {
		if fu.Kind != "event" {
			continue
		}
		k := idem.Key{}
		if key.Key != "" {
			k = idem.Key{Scope: key.Scope + ":event", Key: key.Key + "/" + itoa(i), Fingerprint: key.Fingerprint}
		}
		e, err := s.report(ctx, sub.orgID, sub.gridID, casework.Report{CategoryCode: fu.CategoryCode, Description: fu.Text, Address: sub.label}, k)
		if err != nil {
			return Record{}, prefix(err, "follow_ups["+itoa(i)+"].")
		}
		refs[i] = e.ID
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			id := db.NewID()
			if tk.ID != "" {
				res, err := tx.ExecContext(ctx, "UPDATE visit_tasks SET status = 'done', record_id = ?, done_at = ?, version = version + 1 WHERE id = ? AND status = 'open'", id, at, tk.ID)
				if err != nil {
					return "", err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return "", apperr.E(apperr.Conflict, "visit.task_done")
				}
			}
			note := ""
			if in.Note != "" {
				note = s.vault.Seal("visit_records.note", id, in.Note)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO visit_records (id, task_id, subject_type, subject_id, subject_label, grid_id, org_id, path, worker_id, user_id,
				method, finding, note_sealed, visited_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, nullable(tk.ID), sub.typ, sub.id, sub.label, nullable(sub.gridID), sub.orgID, sub.path, nullable(worker), nullable(p.UserID),
				in.Method, in.Finding, note, at, now, now); err != nil {
				return "", err
			}
			for i, fu := range in.FollowUps {
				if fu.Kind == "dispute" {
					party := dispute.PartyIn{Role: "applicant", Name: fu.PartyName}
					if sub.typ == "person" {
						party.PersonID = sub.id
					}
					c, err := s.disputes.OpenTx(ctx, tx, p, dispute.Intake{Source: "grid", SourceRef: id, OrgID: sub.orgID, Type: fu.DisputeType,
						Title: title(fu.Text), Facts: fu.Text, Parties: []dispute.PartyIn{party}})
					if err != nil {
						return "", prefix(err, "follow_ups["+itoa(i)+"].")
					}
					refs[i] = c.ID
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO visit_follow_ups (id, record_id, seq, kind, text, ref_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
					db.NewID(), id, i+1, fu.Kind, pii.MaskText(fu.Text), refs[i], now); err != nil {
					return "", err
				}
			}
			return id, s.record(ctx, tx, authz.GridworkDo, "visit.record", "visit_record", id, sub.typ+","+in.Method+","+in.Finding)
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.RecordVisit(ctx, in, key)
	}
	if err != nil {
		return Record{}, err
	}
	return s.visit(ctx, s.db.Reader(), id, authz.GridworkDo)
}

func checkFollowUp(f *apperr.Fields, at string, fu *FollowUpInput) {
	fu.Text, fu.PartyName = strings.TrimSpace(fu.Text), strings.TrimSpace(fu.PartyName)
	regkit.OneOf(f, at+"kind", fu.Kind, FollowUpKinds, true)
	if fu.Text == "" {
		f.Add(at+"text", "visit.required")
	}
	regkit.CheckLen(f, at+"text", fu.Text, 1000)
	switch fu.Kind {
	case "event":
		if fu.CategoryCode == "" {
			f.Add(at+"category_code", "visit.required")
		}
	case "dispute":
		regkit.OneOf(f, at+"dispute_type", fu.DisputeType, dispute.Types, true)
		if fu.PartyName == "" {
			f.Add(at+"party_name", "visit.required")
		}
		regkit.CheckLen(f, at+"party_name", fu.PartyName, 50)
	}
}

// report files an event placed inside the subject's grid (or the area's
// first grid), so that it lands where the visit was.
func (s *Service) report(ctx context.Context, orgID, gridID string, r casework.Report, k idem.Key) (casework.Event, error) {
	pt, ok, err := org.InsidePoint(ctx, s.db.Reader(), orgID, gridID)
	if err != nil {
		return casework.Event{}, err
	}
	if ok {
		r.Lat, r.Lng = &pt.Lat, &pt.Lng
	}
	e, _, err := s.events.Create(ctx, r, k)
	return e, err
}

// title is the first line of a text, at most 30 characters.
func title(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	if r := []rune(line); len(r) > 30 {
		return string(r[:30])
	}
	return line
}

// prefix puts the field problems of err under a prefix (a follow-up's
// place in the list).
func prefix(err error, at string) error {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, fe := range e.Fields {
		fe.Field = at + fe.Field
		out.Fields[i] = fe
	}
	return &out
}

const recordCols = `r.id, COALESCE(r.task_id, ''), COALESCE(t.trigger_kind, ''), r.subject_type, r.subject_id, r.subject_label, r.org_id, o.name,
	COALESCE(r.worker_id, ''), r.method, r.finding, r.note_sealed, r.visited_at, r.version, r.path
	FROM visit_records r JOIN org_nodes o ON o.id = r.org_id LEFT JOIN visit_tasks t ON t.id = r.task_id`

func (s *Service) scanRecord(sc interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var sealed string
	if err := sc.Scan(&r.ID, &r.TaskID, &r.Kind, &r.SubjectType, &r.SubjectID, &r.SubjectLabel, &r.OrgID, &r.OrgName,
		&r.WorkerID, &r.Method, &r.Finding, &sealed, &r.VisitedAt, &r.Version, &r.path); err != nil {
		return r, err
	}
	r.FollowUps = []FollowUp{}
	r.HasNote = sealed != ""
	if sealed != "" {
		var err error
		if r.Note, err = s.vault.Open("visit_records.note", r.ID, sealed); err != nil {
			return r, err
		}
	}
	return r, nil
}

// visit reads one record with its follow-ups; outside the caller's perm
// it is not found.
func (s *Service) visit(ctx context.Context, q db.Querier, id string, perm authz.Perm) (Record, error) {
	r, err := s.scanRecord(q.QueryRowContext(ctx, "SELECT "+recordCols+" WHERE r.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(perm, r.path)) {
		return Record{}, apperr.NotFoundf("visit_record")
	}
	if err != nil {
		return r, err
	}
	rows, err := q.QueryContext(ctx, "SELECT kind, text, ref_id FROM visit_follow_ups WHERE record_id = ? ORDER BY seq", id)
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var fu FollowUp
		if err := rows.Scan(&fu.Kind, &fu.Text, &fu.RefID); err != nil {
			rows.Close()
			return r, err
		}
		r.FollowUps = append(r.FollowUps, fu)
	}
	return r, errors.Join(rows.Err(), rows.Close())
}

// VisitPatch corrects a visit record: the version read is checked, and a
// stale one answers 409 with the current record for the user to merge.
type VisitPatch struct {
	Method  string `json:"method"`
	Finding string `json:"finding"`
	Note    string `json:"note"`
	Version int    `json:"version"`
}

// UpdateVisit corrects a visit record, audited.
func (s *Service) UpdateVisit(ctx context.Context, id string, in VisitPatch) (Record, error) {
	in.Note = strings.TrimSpace(in.Note)
	var f apperr.Fields
	checkVisit(&f, in.Method, in.Finding, in.Note)
	if err := f.Err(); err != nil {
		return Record{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.visit(ctx, tx, id, authz.GridworkDo)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return apperr.E(apperr.Conflict, "visit.stale", "version", cur.Version, "current", cur)
		}
		note := ""
		if in.Note != "" {
			note = s.vault.Seal("visit_records.note", id, in.Note)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE visit_records SET method = ?, finding = ?, note_sealed = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			in.Method, in.Finding, note, s.Now().UnixMilli(), id, in.Version); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkDo, "visit.update", "visit_record", id, in.Method+","+in.Finding)
	})
	if err != nil {
		return Record{}, err
	}
	return s.visit(ctx, s.db.Reader(), id, authz.GridworkDo)
}

// RecordQuery filters the visit records: an area, the caller's own
// (Mine), a span of days.
type RecordQuery struct {
	OrgID, From, To string
	Mine            bool
	Limit           int
}

// Records lists visit records newest first: of the caller's areas
// (gridwork.read), or their own (Mine, gridwork.do).
func (s *Service) Records(ctx context.Context, q RecordQuery) ([]Record, error) {
	p := authz.From(ctx)
	perm := authz.GridworkRead
	if q.Mine {
		perm = authz.GridworkDo
	}
	where, args := authz.ScopeSQL("r.path", p.Scopes(perm))
	if q.Mine {
		where, args = where+" AND r.user_id = ?", append(args, p.UserID)
	}
	if q.OrgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), perm, q.OrgID, "org_id")
		if err != nil {
			return nil, err
		}
		c, a := authz.Under("r.path", path)
		where, args = where+" AND "+c, append(args, a...)
	}
	if q.From != "" {
		where, args = where+" AND r.visited_at >= ?", append(args, startOf(q.From))
	}
	if q.To != "" {
		where, args = where+" AND r.visited_at <= ?", append(args, endOf(q.To))
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+recordCols+" WHERE "+where+" ORDER BY r.visited_at DESC, r.id LIMIT "+itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	out := []Record{}
	for rows.Next() {
		r, err := s.scanRecord(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if !q.Mine {
			r.Note = "" // the centre's lists show that there is a note, not what it says
		}
		out = append(out, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = r.WorkerID
	}
	names, err := org.WorkerNames(ctx, s.db.Reader(), ids)
	for i := range out {
		out[i].WorkerName = names[out[i].WorkerID]
	}
	return out, err
}
