package screening

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/points"
)

// Risks are a finding's risk levels: red, yellow and green on the forms
// (高, 中, 低).
var Risks = []string{"high", "medium", "low"}

// FindingInput files a finding.
type FindingInput struct {
	RoundID     string   `json:"round_id,omitempty"` // empty: filed ad hoc, outside any round
	OrgID       string   `json:"org_id,omitempty"`   // the village; the grid's, or the caller's own, when empty
	GridID      string   `json:"grid_id,omitempty"`
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Parties     []string `json:"parties,omitempty"` // names only
	Risk        string   `json:"risk"`
	Leader      string   `json:"leader"`   // 包案领导
	Person      string   `json:"person"`   // 责任人
	Measures    string   `json:"measures"` // 化解措施
	Deadline    string   `json:"deadline"` // YYYY-MM-DD
}

// Finding is a finding as the caller may see it. Lists mask the parties'
// names; one finding shows them.
type Finding struct {
	ID          string   `json:"id"`
	No          string   `json:"no"`
	RoundID     string   `json:"round_id"`
	RoundTitle  string   `json:"round_title"`
	OrgID       string   `json:"org_id"`
	OrgName     string   `json:"org_name"`
	GridID      string   `json:"grid_id"`
	GridName    string   `json:"grid_name"`
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Parties     []string `json:"parties"`
	Risk        string   `json:"risk"`
	Leader      string   `json:"leader"`
	Person      string   `json:"person"`
	Measures    string   `json:"measures"`
	Deadline    string   `json:"deadline"`
	Status      string   `json:"status"` // open, resolved, case
	Light       string   `json:"light"`  // red (overdue), yellow (due soon), green; empty once closed
	ResultNote  string   `json:"result_note"`
	CaseID      string   `json:"case_id"`
	CaseNo      string   `json:"case_no"`
	CreatedBy   string   `json:"created_by"`
	CreatedAt   int64    `json:"created_at"`
	ClosedAt    *int64   `json:"closed_at"`
	path        string
}

// soon is the last day an open finding is yellow rather than green.
func (s *Service) soon() string {
	return s.Now().In(zone).AddDate(0, 0, s.YellowDays).Format("2006-01-02")
}

// lightOf is an open finding's light: red past its deadline, yellow within
// the warning days of it, green before; none once closed.
func lightOf(status, deadline, today, soon string) string {
	switch {
	case status != "open":
		return ""
	case deadline < today:
		return "red"
	case deadline <= soon:
		return "yellow"
	default:
		return "green"
	}
}

// checkFinding checks the fields of a finding; the place is checked after.
func (s *Service) checkFinding(in *FindingInput) apperr.Fields {
	var f apperr.Fields
	text := func(field string, v *string, max int, required bool) {
		*v = strings.TrimSpace(*v)
		switch {
		case *v == "" && required:
			f.Add(field, "screening.required")
		case len([]rune(*v)) > max:
			f.Add(field, "screening.too_long", "max", max)
		}
	}
	if !dispute.Known(dispute.Types, in.Type) {
		f.Add("type", "screening.type_unknown", "value", in.Type)
	}
	text("description", &in.Description, 500, true)
	if !slices.Contains(Risks, in.Risk) {
		f.Add("risk", "screening.risk_unknown")
	}
	text("leader", &in.Leader, 30, true)
	text("person", &in.Person, 30, true)
	text("measures", &in.Measures, 500, true)
	if !validDate(in.Deadline) || in.Deadline < s.today() {
		f.Add("deadline", "screening.deadline_invalid")
	}
	var parties []string
	for _, n := range in.Parties {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if len([]rune(n)) > 20 || strings.ContainsAny(n, "0123456789、,") {
			f.Add("parties", "screening.party_name")
			break
		}
		parties = append(parties, n)
	}
	if len(parties) > 10 {
		f.Add("parties", "screening.too_many", "max", 10)
	}
	in.Parties = parties
	return f
}

// FileFinding files a finding into an open round of the caller's area, or
// ad hoc outside any round. Filing one answers for the village in the
// round: a zero report it had made is withdrawn.
func (s *Service) FileFinding(ctx context.Context, in FindingInput, key idem.Key) (Finding, error) {
	p := authz.From(ctx)
	f := s.checkFinding(&in)
	q := s.db.Reader()
	var gridPath string
	if in.GridID != "" {
		g, err := org.MainGrid(ctx, q, in.GridID, "")
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.DisputeReport, g.Path)):
			f.Add("grid_id", "screening.area_unknown")
		case err != nil:
			return Finding{}, err
		case in.OrgID != "" && in.OrgID != g.OrgID:
			f.Add("grid_id", "screening.grid_outside")
		default:
			in.OrgID, gridPath = g.OrgID, g.Path
		}
	}
	if in.OrgID == "" && in.GridID == "" {
		in.OrgID = p.OrgID
	}
	var path string
	if in.OrgID != "" && (in.GridID == "" || gridPath != "") {
		var err error
		path, err = org.PathIn(ctx, q, authz.DisputeReport, in.OrgID, "org_id")
		if apperr.Is(err, "org.not_found") {
			f.Add("org_id", "screening.area_unknown")
		} else if err != nil {
			return Finding{}, err
		} else if kind, err := org.KindOf(ctx, q, in.OrgID, "org_id"); err != nil {
			return Finding{}, err
		} else if kind != "village" {
			f.Add("org_id", "screening.village_only")
		}
	}
	if err := f.Err(); err != nil {
		return Finding{}, err
	}
	id, err := s.create(ctx, key, func(tx *db.Tx) (string, error) {
		return s.insertFinding(ctx, tx, p, in, path)
	})
	if err != nil {
		return Finding{}, err
	}
	return s.Finding(ctx, id)
}

// create runs a write under the request's idempotency key: a retry with
// the same key and fields (a phone's queue sending again after a lost
// answer) answers with the finding the first made, and makes none.
func (s *Service) create(ctx context.Context, key idem.Key, write func(tx *db.Tx) (string, error)) (string, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) { return write(tx) })
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.create(ctx, key, write) // another request with the key committed first: answer as it did
	}
	return id, err
}

// insertFinding checks the round and writes the finding with its audit row.
func (s *Service) insertFinding(ctx context.Context, tx *db.Tx, p *authz.Principal, in FindingInput, path string) (string, error) {
	id := db.NewID()
	now := s.Now()
	err := func() error {
		var roundID any
		if in.RoundID != "" {
			r, err := s.roundRow(ctx, tx, in.RoundID)
			if apperr.Is(err, "not_found") || (err == nil && !covers(p, r.path) && !s.roundAbove(ctx, p, r)) {
				return apperr.Field("round_id", "screening.round_unknown")
			}
			if err != nil {
				return err
			}
			var f apperr.Fields
			if r.Status != "open" {
				f.Add("round_id", "screening.round_closed")
			}
			if !strings.HasPrefix(path, r.path) {
				f.Add("org_id", "screening.outside_round")
			}
			if !slices.Contains(r.Types, in.Type) {
				f.Add("type", "screening.type_not_in_round")
			}
			if err := f.Err(); err != nil {
				return err
			}
			roundID = r.ID
			if _, err := tx.ExecContext(ctx, "DELETE FROM screening_zero_reports WHERE round_id = ? AND org_id = ?", r.ID, in.OrgID); err != nil {
				return err
			}
		}
		no, err := s.nextNo(ctx, tx, now)
		if err != nil {
			return err
		}
		var grid any
		if in.GridID != "" {
			grid = in.GridID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO screening_findings (id, no, round_id, org_id, path, grid_id, type, description, parties, risk,
			leader_name, person_name, measures, deadline, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, no, roundID, in.OrgID, path, grid, in.Type, in.Description, strings.Join(in.Parties, "、"), in.Risk,
			in.Leader, in.Person, in.Measures, in.Deadline, p.UserID, now.UnixMilli()); err != nil {
			return err
		}
		if _, err := points.CreditUserTx(ctx, tx, p.UserID, points.Screening, "screening_finding", id, now.UnixMilli()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DisputeReport, "screening.finding_file", "screening_finding", id, no+" "+in.Type+" "+in.Risk)
	}()
	return id, err
}

// nextNo draws a finding's number: PC, the day, and a sequence of the day.
func (s *Service) nextNo(ctx context.Context, tx *db.Tx, now time.Time) (string, error) {
	day := now.In(zone).Format("20060102")
	var n int
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, n) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n`, "screening:"+day).Scan(&n)
	return fmt.Sprintf("PC%s%04d", day, n), err
}

const findingCols = `f.id, f.no, COALESCE(f.round_id, ''), COALESCE(r.title, ''), f.org_id, o.name, COALESCE(f.grid_id, ''), COALESCE(g.name, ''),
	f.type, f.description, f.parties, f.risk, f.leader_name, f.person_name, f.measures, f.deadline, f.status, f.result_note,
	COALESCE(f.case_id, ''), COALESCE(f.case_no, ''), u.display_name, f.created_at, f.closed_at, f.path
	FROM screening_findings f JOIN org_nodes o ON o.id = f.org_id JOIN users u ON u.id = f.created_by
	LEFT JOIN grids g ON g.id = f.grid_id LEFT JOIN screening_rounds r ON r.id = f.round_id`

func (s *Service) scanFinding(sc interface{ Scan(...any) error }, today, soon string) (Finding, error) {
	var f Finding
	var parties string
	var closed sql.NullInt64
	err := sc.Scan(&f.ID, &f.No, &f.RoundID, &f.RoundTitle, &f.OrgID, &f.OrgName, &f.GridID, &f.GridName, &f.Type, &f.Description, &parties,
		&f.Risk, &f.Leader, &f.Person, &f.Measures, &f.Deadline, &f.Status, &f.ResultNote, &f.CaseID, &f.CaseNo, &f.CreatedBy, &f.CreatedAt, &closed, &f.path)
	f.Parties = []string{}
	if parties != "" {
		f.Parties = strings.Split(parties, "、")
	}
	if closed.Valid {
		f.ClosedAt = &closed.Int64
	}
	f.Light = lightOf(f.Status, f.Deadline, today, soon)
	return f, err
}

// FindingQuery filters the list of findings.
type FindingQuery struct {
	RoundID string
	OrgID   string // the village
	Status  string // open, resolved, case
	Light   string // red, yellow, green (open findings only)
	Type    string
}

// findingOrder puts the open findings first, the nearest deadline (the red)
// at the top, then the closed ones, newest first.
const findingOrder = `CASE WHEN f.status = 'open' THEN 0 ELSE 1 END, CASE WHEN f.status = 'open' THEN f.deadline ELSE '' END,
	f.created_at DESC, f.id DESC`

// Findings lists the findings of the caller's area (at most 500, in
// findingOrder), the parties' names masked.
func (s *Service) Findings(ctx context.Context, fq FindingQuery) ([]Finding, error) {
	if err := mayRead(authz.From(ctx)); err != nil {
		return nil, err
	}
	cond, args := authz.ScopeSQL("f.path", readScopes(authz.From(ctx)))
	for col, v := range map[string]string{"f.round_id": fq.RoundID, "f.org_id": fq.OrgID, "f.status": fq.Status, "f.type": fq.Type} {
		if v != "" {
			cond += " AND " + col + " = ?"
			args = append(args, v)
		}
	}
	today, soon := s.today(), s.soon()
	switch fq.Light {
	case "":
	case "red":
		cond += " AND f.status = 'open' AND f.deadline < ?"
		args = append(args, today)
	case "yellow":
		cond += " AND f.status = 'open' AND f.deadline >= ? AND f.deadline <= ?"
		args = append(args, today, soon)
	case "green":
		cond += " AND f.status = 'open' AND f.deadline > ?"
		args = append(args, soon)
	default:
		return nil, apperr.Field("light", "screening.light_unknown")
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+findingCols+" WHERE "+cond+" ORDER BY "+findingOrder+" LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		f, err := s.scanFinding(rows, today, soon)
		if err != nil {
			return nil, err
		}
		for i, n := range f.Parties {
			f.Parties[i] = pii.MaskName(n)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Finding returns one finding of the caller's area, with the names.
func (s *Service) Finding(ctx context.Context, id string) (Finding, error) {
	f, err := s.scanFinding(s.db.Reader().QueryRowContext(ctx, "SELECT "+findingCols+" WHERE f.id = ?", id), s.today(), s.soon())
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !covers(authz.From(ctx), f.path)) {
		return Finding{}, apperr.NotFoundf("screening_finding")
	}
	return f, err
}

// ResolveInput closes a finding on the spot.
type ResolveInput struct {
	ResultNote string `json:"result_note"`
}

// openFinding loads a finding for a change by a holder of one of perms over
// its area; another area's finding is not found, a closed one a conflict.
func (s *Service) openFinding(ctx context.Context, tx *db.Tx, id string, perms ...authz.Perm) (Finding, error) {
	f, err := s.scanFinding(tx.QueryRowContext(ctx, "SELECT "+findingCols+" WHERE f.id = ?", id), s.today(), s.soon())
	if errors.Is(err, sql.ErrNoRows) {
		return f, apperr.NotFoundf("screening_finding")
	}
	if err != nil {
		return f, err
	}
	p := authz.From(ctx)
	if !slices.ContainsFunc(perms, func(perm authz.Perm) bool { return p.Covers(perm, f.path) }) {
		return f, apperr.NotFoundf("screening_finding")
	}
	if f.Status != "open" {
		return f, apperr.E(apperr.Conflict, "screening.finding_closed", "status", f.Status)
	}
	return f, nil
}

// Resolve closes a finding on the spot (就地化解) with a note of the result.
func (s *Service) Resolve(ctx context.Context, id string, in ResolveInput) (Finding, error) {
	in.ResultNote = strings.TrimSpace(in.ResultNote)
	if in.ResultNote == "" {
		return Finding{}, apperr.Field("result_note", "screening.result_required")
	}
	if len([]rune(in.ResultNote)) > 500 {
		return Finding{}, apperr.Field("result_note", "screening.too_long", "max", 500)
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.openFinding(ctx, tx, id, authz.DisputeReport, authz.DisputeWrite); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE screening_findings SET status = 'resolved', result_note = ?, closed_by = ?, closed_at = ? WHERE id = ?",
			in.ResultNote, p.UserID, s.Now().UnixMilli(), id); err != nil {
			return err
		}
		perm := authz.DisputeWrite
		if !p.Has(perm) {
			perm = authz.DisputeReport
		}
		return s.record(ctx, tx, perm, "screening.finding_resolve", "screening_finding", id, "")
	})
	if err != nil {
		return Finding{}, err
	}
	return s.Finding(ctx, id)
}

// ToCase turns a finding into a dispute case, opened by the dispute room in
// the same transaction that marks the finding. The case waits as
// registered for the mediator to classify; the parties come as they were
// filed, by name, the first as the applicant.
func (s *Service) ToCase(ctx context.Context, id string) (Finding, error) {
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		f, err := s.openFinding(ctx, tx, id, authz.DisputeWrite)
		if err != nil {
			return err
		}
		title := []rune(f.Description)
		if len(title) > 40 {
			title = append(title[:40], '…')
		}
		in := dispute.Intake{Source: "screening", SourceRef: f.No, OrgID: f.OrgID, Type: f.Type, Title: string(title), Facts: f.Description + "\n" + f.Measures}
		for i, name := range f.Parties {
			role := "respondent"
			if i == 0 {
				role = "applicant"
			}
			in.Parties = append(in.Parties, dispute.PartyIn{Role: role, Name: name})
		}
		c, err := s.cases.OpenTx(ctx, tx, p, in)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE screening_findings SET status = 'case', case_id = ?, case_no = ?, closed_by = ?, closed_at = ? WHERE id = ?",
			c.ID, c.No, p.UserID, s.Now().UnixMilli(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DisputeWrite, "screening.finding_to_case", "screening_finding", id, c.No)
	})
	if err != nil {
		return Finding{}, err
	}
	return s.Finding(ctx, id)
}
