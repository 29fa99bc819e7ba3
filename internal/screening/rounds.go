package screening

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/org"
)

// RoundKinds are the kinds of round: 周排查, 月排查, 节前排查, 敏感节点排查.
var RoundKinds = []string{"weekly", "monthly", "holiday", "sensitive"}

// RoundInput launches a round.
type RoundInput struct {
	Title      string   `json:"title"`
	Kind       string   `json:"kind"`
	OrgID      string   `json:"org_id"`      // a town (covering its villages) or a village
	PeriodFrom string   `json:"period_from"` // YYYY-MM-DD
	PeriodTo   string   `json:"period_to"`
	DueDate    string   `json:"due_date"` // when every village must have reported
	Types      []string `json:"types"`    // the dispute types to go over (dispute.Types)
}

// Round is a round with its totals over what the caller may see.
type Round struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Kind       string   `json:"kind"`
	OrgID      string   `json:"org_id"`
	OrgName    string   `json:"org_name"`
	PeriodFrom string   `json:"period_from"`
	PeriodTo   string   `json:"period_to"`
	DueDate    string   `json:"due_date"`
	Types      []string `json:"types"`
	Status     string   `json:"status"`
	CreatedBy  string   `json:"created_by"`
	CreatedAt  int64    `json:"created_at"`
	ClosedAt   *int64   `json:"closed_at"`
	// Villages, Reported and Percent are the round's completeness.
	Villages int `json:"villages"`
	Reported int `json:"reported"`
	Percent  int `json:"percent"`
	Lights
	path string
}

// Lights counts findings by state: open ones by their light, and the closed.
type Lights struct {
	Findings int `json:"findings"`
	Red      int `json:"red"`
	Yellow   int `json:"yellow"`
	Green    int `json:"green"`
	Resolved int `json:"resolved"`
	Cases    int `json:"cases"`
}

func (l *Lights) add(status, light string) {
	l.Findings++
	switch {
	case status == "resolved":
		l.Resolved++
	case status == "case":
		l.Cases++
	case light == "red":
		l.Red++
	case light == "yellow":
		l.Yellow++
	default:
		l.Green++
	}
}

// VillageReport is one village's part of a round.
type VillageReport struct {
	OrgID    string `json:"org_id"`
	OrgName  string `json:"org_name"`
	Status   string `json:"status"` // findings, zero, missing
	ZeroNote string `json:"zero_note,omitempty"`
	Lights
}

// Completeness is a round's reporting per village: who reported findings,
// who reported none (零报告), and who has not reported yet.
type Completeness struct {
	RoundID  string          `json:"round_id"`
	Villages int             `json:"villages"`
	Reported int             `json:"reported"`
	Percent  int             `json:"percent"`
	Missing  []string        `json:"missing"` // the names of the villages that have not reported
	Rows     []VillageReport `json:"rows"`
}

// validDate reports whether v is a YYYY-MM-DD date.
func validDate(v string) bool {
	_, err := time.Parse("2006-01-02", v)
	return err == nil
}

// LaunchRound opens a round over a town or a village.
func (s *Service) LaunchRound(ctx context.Context, in RoundInput) (Round, error) {
	p := authz.From(ctx)
	in.Title = strings.TrimSpace(in.Title)
	var f apperr.Fields
	if in.Title == "" {
		f.Add("title", "screening.required")
	} else if len([]rune(in.Title)) > 100 {
		f.Add("title", "screening.too_long", "max", 100)
	}
	if !slices.Contains(RoundKinds, in.Kind) {
		f.Add("kind", "screening.kind_unknown")
	}
	if !validDate(in.PeriodFrom) {
		f.Add("period_from", "screening.date_invalid")
	}
	if !validDate(in.PeriodTo) || (validDate(in.PeriodFrom) && in.PeriodTo < in.PeriodFrom) {
		f.Add("period_to", "screening.period_invalid")
	}
	if !validDate(in.DueDate) || in.DueDate < s.today() {
		f.Add("due_date", "screening.deadline_invalid")
	}
	if len(in.Types) == 0 {
		f.Add("types", "screening.required")
	}
	seen := map[string]bool{}
	var types []string
	for _, t := range in.Types {
		if !dispute.Known(dispute.Types, t) {
			f.Add("types", "screening.type_unknown", "value", t)
			break
		}
		if !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	var path string
	if in.OrgID == "" {
		f.Add("org_id", "screening.required")
	} else {
		var err error
		path, err = org.PathIn(ctx, s.db.Reader(), authz.DisputeWrite, in.OrgID, "org_id")
		if apperr.Is(err, "org.not_found") {
			f.Add("org_id", "screening.area_unknown")
		} else if err != nil {
			return Round{}, err
		} else if kind, err := org.KindOf(ctx, s.db.Reader(), in.OrgID, "org_id"); err != nil {
			return Round{}, err
		} else if kind != "town" && kind != "village" {
			f.Add("org_id", "screening.area_level")
		}
	}
	if err := f.Err(); err != nil {
		return Round{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO screening_rounds (id, title, kind, org_id, path, period_from, period_to, due_date, types, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Title, in.Kind, in.OrgID, path, in.PeriodFrom, in.PeriodTo, in.DueDate,
			strings.Join(types, ","), p.UserID, s.Now().UnixMilli()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DisputeWrite, "screening.round_launch", "screening_round", id, in.Kind+" "+in.PeriodFrom+"~"+in.PeriodTo)
	})
	if err != nil {
		return Round{}, err
	}
	return s.Round(ctx, id)
}

const roundCols = `r.id, r.title, r.kind, r.org_id, o.name, r.period_from, r.period_to, r.due_date, r.types, r.status, u.display_name, r.created_at, r.closed_at, r.path
	FROM screening_rounds r JOIN org_nodes o ON o.id = r.org_id JOIN users u ON u.id = r.created_by`

func scanRound(sc interface{ Scan(...any) error }) (Round, error) {
	var r Round
	var types string
	var closed sql.NullInt64
	err := sc.Scan(&r.ID, &r.Title, &r.Kind, &r.OrgID, &r.OrgName, &r.PeriodFrom, &r.PeriodTo, &r.DueDate, &types, &r.Status, &r.CreatedBy, &r.CreatedAt, &closed, &r.path)
	r.Types = strings.Split(types, ",")
	if closed.Valid {
		r.ClosedAt = &closed.Int64
	}
	return r, err
}

// roundVisible is the condition that the caller may see round r: it lies
// in their area, or their area lies in it (a village sees its town's round).
func roundVisible(p *authz.Principal) (string, []any) {
	scopes := readScopes(p)
	cond, args := authz.ScopeSQL("r.path", scopes)
	parts := []string{cond}
	for _, sc := range scopes {
		c, a := authz.AtOrAbove("r.path", sc)
		parts = append(parts, c)
		args = append(args, a...)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// RoundQuery filters the list of rounds.
type RoundQuery struct {
	Status string // open, closed
	OrgID  string // rounds over this area or inside it
}

// Rounds lists the rounds the caller may see, newest first, with their
// completeness and lights (at most 100).
func (s *Service) Rounds(ctx context.Context, q RoundQuery) ([]Round, error) {
	if err := mayRead(authz.From(ctx)); err != nil {
		return nil, err
	}
	cond, args := roundVisible(authz.From(ctx))
	if q.Status != "" {
		cond += " AND r.status = ?"
		args = append(args, q.Status)
	}
	if q.OrgID != "" {
		path, err := org.PathOf(ctx, s.db.Reader(), q.OrgID, "org_id")
		if err != nil {
			return nil, err
		}
		under, a := authz.Under("r.path", path)
		cond += " AND " + under
		args = append(args, a...)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+roundCols+" WHERE "+cond+" ORDER BY r.period_from DESC, r.created_at DESC LIMIT 100", args...)
	if err != nil {
		return nil, err
	}
	out := []Round{}
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for i := range out {
		if _, err := s.fill(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Round returns one round with its completeness and lights.
func (s *Service) Round(ctx context.Context, id string) (Round, error) {
	r, err := s.visibleRound(ctx, id)
	if err != nil {
		return r, err
	}
	_, err = s.fill(ctx, &r)
	return r, err
}

// RoundCompleteness returns a round's reporting per village.
func (s *Service) RoundCompleteness(ctx context.Context, id string) (Completeness, error) {
	r, err := s.visibleRound(ctx, id)
	if err != nil {
		return Completeness{}, err
	}
	return s.fill(ctx, &r)
}

func (s *Service) visibleRound(ctx context.Context, id string) (Round, error) {
	cond, args := roundVisible(authz.From(ctx))
	r, err := scanRound(s.db.Reader().QueryRowContext(ctx, "SELECT "+roundCols+" WHERE r.id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFoundf("screening_round")
	}
	return r, err
}

// roundRow loads a round for a change, without checking who asks.
func (s *Service) roundRow(ctx context.Context, q db.Querier, id string) (Round, error) {
	r, err := scanRound(q.QueryRowContext(ctx, "SELECT "+roundCols+" WHERE r.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFoundf("screening_round")
	}
	return r, err
}

// villages are the villages a round covers: the village itself, or the
// town's active villages.
func (s *Service) villages(ctx context.Context, q db.Querier, r Round) ([]org.Ref, error) {
	kind, err := org.KindOf(ctx, q, r.OrgID, "")
	if err != nil {
		return nil, err
	}
	if kind == "village" {
		return []org.Ref{{ID: r.OrgID, Name: r.OrgName, Kind: kind}}, nil
	}
	children, err := org.Children(ctx, q, r.OrgID)
	if err != nil {
		return nil, err
	}
	var out []org.Ref
	for _, c := range children {
		if c.Kind == "village" {
			out = append(out, c)
		}
	}
	return out, nil
}

// fill counts a round's completeness and lights over the villages the
// caller may read (a village account sees its own village of a town round).
func (s *Service) fill(ctx context.Context, r *Round) (Completeness, error) {
	p := authz.From(ctx)
	q := s.db.Reader()
	all, err := s.villages(ctx, q, *r)
	if err != nil {
		return Completeness{}, err
	}
	c := Completeness{RoundID: r.ID, Missing: []string{}, Rows: []VillageReport{}}
	index := map[string]int{}
	for _, v := range all {
		path, err := org.PathOf(ctx, q, v.ID, "")
		if err != nil {
			return c, err
		}
		if !covers(p, path) {
			continue
		}
		index[v.ID] = len(c.Rows)
		c.Rows = append(c.Rows, VillageReport{OrgID: v.ID, OrgName: v.Name, Status: "missing"})
	}
	rows, err := q.QueryContext(ctx, "SELECT org_id, status, deadline FROM screening_findings WHERE round_id = ?", r.ID)
	if err != nil {
		return c, err
	}
	today, soon := s.today(), s.soon()
	r.Lights = Lights{}
	for rows.Next() {
		var orgID, status, deadline string
		if err := rows.Scan(&orgID, &status, &deadline); err != nil {
			rows.Close()
			return c, err
		}
		i, ok := index[orgID]
		if !ok {
			continue
		}
		light := lightOf(status, deadline, today, soon)
		c.Rows[i].add(status, light)
		c.Rows[i].Status = "findings"
		r.Lights.add(status, light)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return c, err
	}
	zrows, err := q.QueryContext(ctx, "SELECT org_id, note FROM screening_zero_reports WHERE round_id = ?", r.ID)
	if err != nil {
		return c, err
	}
	for zrows.Next() {
		var orgID, note string
		if err := zrows.Scan(&orgID, &note); err != nil {
			zrows.Close()
			return c, err
		}
		if i, ok := index[orgID]; ok && c.Rows[i].Status == "missing" {
			c.Rows[i].Status, c.Rows[i].ZeroNote = "zero", note
		}
	}
	if err := errors.Join(zrows.Err(), zrows.Close()); err != nil {
		return c, err
	}
	c.Villages = len(c.Rows)
	for _, row := range c.Rows {
		if row.Status == "missing" {
			c.Missing = append(c.Missing, row.OrgName)
		} else {
			c.Reported++
		}
	}
	if c.Villages > 0 {
		c.Percent = c.Reported * 100 / c.Villages
	}
	r.Villages, r.Reported, r.Percent = c.Villages, c.Reported, c.Percent
	return c, nil
}

// CloseRound ends a round: it takes no more findings or zero reports.
func (s *Service) CloseRound(ctx context.Context, id string) (Round, error) {
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.roundRow(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Covers(authz.DisputeWrite, r.path) {
			return apperr.NotFoundf("screening_round")
		}
		if r.Status != "open" {
			return apperr.E(apperr.Conflict, "screening.round_closed")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE screening_rounds SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ?",
			p.UserID, s.Now().UnixMilli(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DisputeWrite, "screening.round_close", "screening_round", id, "")
	})
	if err != nil {
		return Round{}, err
	}
	return s.Round(ctx, id)
}

// ZeroInput is a village's zero report (零报告).
type ZeroInput struct {
	OrgID string `json:"org_id,omitempty"` // the village; the caller's own area when empty
	Note  string `json:"note,omitempty"`
}

// ZeroReport records that a village of a round found nothing this round.
func (s *Service) ZeroReport(ctx context.Context, roundID string, in ZeroInput) (Completeness, error) {
	p := authz.From(ctx)
	if in.OrgID == "" {
		in.OrgID = p.OrgID
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 200 {
		return Completeness{}, apperr.Field("note", "screening.too_long", "max", 200)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.roundRow(ctx, tx, roundID)
		if err != nil {
			return err
		}
		if !covers(p, r.path) && !s.roundAbove(ctx, p, r) {
			return apperr.NotFoundf("screening_round")
		}
		path, err := org.PathIn(ctx, tx, authz.DisputeReport, in.OrgID, "org_id")
		if err != nil {
			return err
		}
		vs, err := s.villages(ctx, tx, r)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(vs, func(v org.Ref) bool { return v.ID == in.OrgID }) {
			return apperr.Field("org_id", "screening.outside_round")
		}
		if r.Status != "open" {
			return apperr.E(apperr.Conflict, "screening.round_closed")
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM screening_findings WHERE round_id = ? AND org_id = ?", roundID, in.OrgID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.E(apperr.Conflict, "screening.has_findings", "count", n)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO screening_zero_reports (round_id, org_id, path, note, by_user, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			roundID, in.OrgID, path, in.Note, p.UserID, s.Now().UnixMilli())
		if db.IsUniqueViolation(err) {
			return apperr.E(apperr.Conflict, "screening.already_reported")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DisputeReport, "screening.zero_report", "screening_round", roundID, in.OrgID)
	})
	if err != nil {
		return Completeness{}, err
	}
	return s.RoundCompleteness(ctx, roundID)
}

// roundAbove reports whether round r lies above one of the caller's areas.
func (s *Service) roundAbove(_ context.Context, p *authz.Principal, r Round) bool {
	for _, sc := range readScopes(p) {
		if strings.HasPrefix(sc, r.path) {
			return true
		}
	}
	return false
}
