package dispute

// 以案定补: each closed case credits the register mediators who worked it,
// at an amount per case set by the county by complexity and outcome, and
// a monthly sheet per mediator sums the credits.
//
// Decisions: rates are per county (the county's 司法局 pays), set by those
// holding dispute.subsidy over the whole county; a town's 司法所 holding it
// over its town reads the county's table and its town's sheets. A case's
// amount is split equally among its mediators (each distinct across its
// sessions), the remainder fen going to the first by name, so the county
// pays a case once whatever the number of mediators. A change of the
// table never changes a credit already made.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// SubsidyOutcomes are the outcomes a case closes with, as the rate table
// names them.
var SubsidyOutcomes = []string{"agreement", "oral_agreement", "failed"}

// MaxRateYuan is the most one case may be paid.
const MaxRateYuan = 100000

// Rate is the amount in yuan a case of a complexity and an outcome pays,
// and who set it when (empty when never set: nothing is paid).
type Rate struct {
	Complexity string  `json:"complexity"`
	Outcome    string  `json:"outcome"`
	Amount     float64 `json:"amount"`
	Set        bool    `json:"set"`
	SetByName  string  `json:"set_by_name,omitempty"`
	SetAt      int64   `json:"set_at,omitempty"`
}

// RateChange is one change of the table: the amount before (nil when
// first set) and after, who made it and when.
type RateChange struct {
	Complexity string   `json:"complexity"`
	Outcome    string   `json:"outcome"`
	Old        *float64 `json:"old"`
	New        float64  `json:"new"`
	ByName     string   `json:"by_name"`
	At         int64    `json:"at"`
}

// RateTable is a county's table, its history newest first, and whether the
// caller may change it.
type RateTable struct {
	OrgID   string       `json:"org_id"`
	OrgName string       `json:"org_name"`
	Rates   []Rate       `json:"rates"`
	History []RateChange `json:"history"`
	CanEdit bool         `json:"can_edit"`
}

// RateIn is one amount of the table, in yuan with at most two decimals.
type RateIn struct {
	Complexity string   `json:"complexity"`
	Outcome    string   `json:"outcome"`
	Amount     *float64 `json:"amount"`
}

// RatesInput changes some amounts of a county's table (OrgID, default the
// caller's county).
type RatesInput struct {
	OrgID string   `json:"org_id"`
	Rates []RateIn `json:"rates"`
}

// countyOf returns the county at or above path (id, path, name); none is
// sql.ErrNoRows. Paths are "/id/id/…/", so each ancestor is a prefix
// ending at a slash.
func countyOf(ctx context.Context, q db.Querier, path string) (id, cpath, name string, err error) {
	for i := len(path); i > 1; i-- {
		if path[i-1] != '/' {
			continue
		}
		at, err := org.IDAt(ctx, q, path[:i])
		if err != nil {
			continue
		}
		if kind, err := org.KindOf(ctx, q, at, ""); err != nil || kind != "county" {
			continue
		}
		name, err := org.NameOf(ctx, q, at)
		return at, path[:i], name, err
	}
	return "", "", "", sql.ErrNoRows
}

// rateCounty resolves the county of a rate table: orgID, which must be a
// county whose table the caller may read (holding dispute.subsidy over it
// or over part of it), or by default the county of the caller's first
// dispute.subsidy area.
func (s *Service) rateCounty(ctx context.Context, q db.Querier, orgID string) (id, path, name string, err error) {
	scopes := authz.From(ctx).Scopes(authz.DisputeSubsidy)
	if orgID == "" {
		for _, sc := range scopes {
			if id, path, name, err = countyOf(ctx, q, sc); err == nil {
				return
			}
		}
		return "", "", "", apperr.Refuse("org_id", "dispute.required")
	}
	path, err = org.PathOf(ctx, q, orgID, "org_id")
	reads := slices.ContainsFunc(scopes, func(sc string) bool { return strings.HasPrefix(sc, path) || strings.HasPrefix(path, sc) })
	if err != nil || !reads {
		return "", "", "", apperr.NotFoundf("org")
	}
	if kind, err := org.KindOf(ctx, q, orgID, "org_id"); err != nil || kind != "county" {
		return "", "", "", apperr.Refuse("org_id", "dispute.subsidy_county_only")
	}
	name, err = org.NameOf(ctx, q, orgID)
	return orgID, path, name, err
}

// Rates returns a county's table with its history.
func (s *Service) Rates(ctx context.Context, orgID string) (RateTable, error) {
	return s.rates(ctx, s.db.Reader(), orgID)
}

func (s *Service) rates(ctx context.Context, q db.Querier, orgID string) (RateTable, error) {
	id, path, name, err := s.rateCounty(ctx, q, orgID)
	if err != nil {
		return RateTable{}, err
	}
	t := RateTable{OrgID: id, OrgName: name, Rates: []Rate{}, History: []RateChange{}, CanEdit: authz.From(ctx).Covers(authz.DisputeSubsidy, path)}
	rows, err := q.QueryContext(ctx, `SELECT complexity, outcome, seq, amount_fen, old_fen, set_by_name, set_at FROM dispute_subsidy_rates
		WHERE org_id = ? ORDER BY set_at DESC, seq DESC`, id)
	if err != nil {
		return RateTable{}, err
	}
	defer rows.Close()
	current := map[string]Rate{}
	for rows.Next() {
		var ch RateChange
		var seq int
		var amount int64
		var old sql.NullInt64
		if err := rows.Scan(&ch.Complexity, &ch.Outcome, &seq, &amount, &old, &ch.ByName, &ch.At); err != nil {
			return RateTable{}, err
		}
		ch.New = yuan(amount)
		if old.Valid {
			o := yuan(old.Int64)
			ch.Old = &o
		}
		t.History = append(t.History, ch)
		key := ch.Complexity + "." + ch.Outcome
		if r, ok := current[key]; !ok || r.SetAt < ch.At {
			current[key] = Rate{Complexity: ch.Complexity, Outcome: ch.Outcome, Amount: ch.New, Set: true, SetByName: ch.ByName, SetAt: ch.At}
		}
	}
	if err := rows.Err(); err != nil {
		return RateTable{}, err
	}
	for _, c := range Complexities {
		for _, o := range SubsidyOutcomes {
			r, ok := current[c+"."+o]
			if !ok {
				r = Rate{Complexity: c, Outcome: o}
			}
			t.Rates = append(t.Rates, r)
		}
	}
	return t, nil
}

// SetRates changes amounts of a county's table, for holders of
// dispute.subsidy over the whole county. Each changed amount is a new row
// (the old one kept) and the change is audited; an unchanged amount writes
// nothing.
func (s *Service) SetRates(ctx context.Context, in RatesInput) (RateTable, error) {
	var f apperr.Fields
	if len(in.Rates) == 0 {
		f.Add("rates", "dispute.required")
	}
	seen := map[string]bool{}
	fens := make([]int64, len(in.Rates))
	for i, r := range in.Rates {
		at := "rates[" + itoa(i) + "]."
		if !Known(Complexities, r.Complexity) {
			f.Add(at+"complexity", "dispute.code_unknown", "value", r.Complexity)
		}
		if !Known(SubsidyOutcomes, r.Outcome) {
			f.Add(at+"outcome", "dispute.code_unknown", "value", r.Outcome)
		}
		if seen[r.Complexity+"."+r.Outcome] {
			f.Add(at+"outcome", "dispute.rate_twice")
		}
		seen[r.Complexity+"."+r.Outcome] = true
		switch {
		case r.Amount == nil:
			f.Add(at+"amount", "dispute.required")
		case *r.Amount < 0 || *r.Amount > MaxRateYuan || math.IsNaN(*r.Amount):
			f.Add(at+"amount", "dispute.rate_range", "max", MaxRateYuan)
		case math.Abs(*r.Amount*100-math.Round(*r.Amount*100)) > 1e-6:
			f.Add(at+"amount", "dispute.rate_decimals")
		default:
			fens[i] = int64(math.Round(*r.Amount * 100))
		}
	}
	if err := f.Refuse(); err != nil {
		return RateTable{}, err
	}
	p := authz.From(ctx)
	var out RateTable
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		id, path, _, err := s.rateCounty(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		if !p.Covers(authz.DisputeSubsidy, path) {
			return apperr.E(apperr.Forbidden, "dispute.subsidy_county_only")
		}
		by := p.DisplayName
		if by == "" {
			by = p.Username
		}
		now := s.now()
		var changes []string
		for i, r := range in.Rates {
			var seq int
			var old sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT seq, amount_fen FROM dispute_subsidy_rates WHERE org_id = ? AND complexity = ? AND outcome = ?
				ORDER BY seq DESC LIMIT 1`, id, r.Complexity, r.Outcome).Scan(&seq, &old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if old.Valid && old.Int64 == fens[i] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dispute_subsidy_rates (org_id, complexity, outcome, seq, amount_fen, old_fen, set_by, set_by_name, set_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, r.Complexity, r.Outcome, seq+1, fens[i], old, p.UserID, by, now); err != nil {
				return err
			}
			was := "—"
			if old.Valid {
				was = money(old.Int64)
			}
			changes = append(changes, r.Complexity+"/"+r.Outcome+" "+was+" → "+money(fens[i]))
		}
		if len(changes) > 0 {
			e := auditEntry("subsidy_rates", id)
			e.ObjectType, e.Detail = "org", strings.Join(changes, "; ")
			if err := s.audit.Record(ctx, tx, authz.DisputeSubsidy, e); err != nil {
				return err
			}
		}
		out, err = s.rates(ctx, tx, id)
		return err
	})
	return out, err
}

// credit credits the mediators of case c, closing now as outcome at at,
// inside the closing transaction: each distinct mediator of its sessions
// gets an equal share of the county's amount in force (the remainder fen
// to the first by name), for the month of closing. A case without a
// mediator credits nobody and says so on its timeline. A case and a
// mediator are credited once (the key of the credits).
func (s *Service) credit(ctx context.Context, tx *db.Tx, p *authz.Principal, c Case, outcome string, at int64) error {
	ms, err := CaseMediators(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return s.step(ctx, tx, p, authz.DisputeWrite, c.ID, "subsidy_none", "", at)
	}
	var rate int64
	county, _, _, err := countyOf(ctx, tx, c.path)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err == nil {
		err = tx.QueryRowContext(ctx, `SELECT amount_fen FROM dispute_subsidy_rates WHERE org_id = ? AND complexity = ? AND outcome = ?
			ORDER BY seq DESC LIMIT 1`, county, c.Complexity, outcome).Scan(&rate)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	month := time.UnixMilli(at).In(zone).Format("2006-01")
	n := int64(len(ms))
	var notes []string
	for i, m := range ms {
		share := rate / n
		if i == 0 {
			share += rate % n
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dispute_subsidy_credits (dispute_id, mediator_id, path, month, complexity, outcome, rate_fen, amount_fen, closed_at, created_at)
			SELECT ?, id, path, ?, ?, ?, ?, ?, ?, ? FROM mediators WHERE id = ?
			ON CONFLICT (dispute_id, mediator_id) DO NOTHING`, c.ID, month, c.Complexity, outcome, rate, share, at, s.now(), m.MediatorID); err != nil {
			return err
		}
		notes = append(notes, m.Name+" "+money(share))
	}
	return s.step(ctx, tx, p, authz.DisputeWrite, c.ID, "subsidy", month+" "+money(rate)+": "+strings.Join(notes, "、"), at)
}

// SheetQuery picks the monthly sheet: the month (YYYY-MM, China time) and
// the area (default the caller's dispute.subsidy areas).
type SheetQuery struct {
	Month string
	OrgID string
}

// SheetRow is one mediator's month: the cases credited by complexity and
// outcome ("simple.agreement" …) and the amount.
type SheetRow struct {
	MediatorID string         `json:"mediator_id"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	OrgID      string         `json:"org_id"`
	OrgName    string         `json:"org_name"`
	Counts     map[string]int `json:"counts"`
	Cases      int            `json:"cases"`
	Total      float64        `json:"total"`
}

// UsedRate is an amount per case the month's credits were made at.
type UsedRate struct {
	Complexity string  `json:"complexity"`
	Outcome    string  `json:"outcome"`
	Amount     float64 `json:"amount"`
	Cases      int     `json:"cases"`
}

// Sheet is a month's subsidy sheet of an area.
type Sheet struct {
	Month string     `json:"month"`
	Rows  []SheetRow `json:"rows"`
	Cases int        `json:"cases"`
	Total float64    `json:"total"`
	Rates []UsedRate `json:"rates"`
}

// CreditedCase is one case of a mediator's month.
type CreditedCase struct {
	DisputeID  string  `json:"dispute_id"`
	No         string  `json:"no"`
	Title      string  `json:"title"`
	OrgName    string  `json:"org_name"`
	Complexity string  `json:"complexity"`
	Outcome    string  `json:"outcome"`
	ClosedAt   int64   `json:"closed_at"`
	Rate       float64 `json:"rate"`
	Amount     float64 `json:"amount"`
}

// sheetWhere is the condition on credits of q within the caller's
// dispute.subsidy scope.
func (s *Service) sheetWhere(ctx context.Context, q SheetQuery) (string, []any, error) {
	var f apperr.Fields
	if q.Month == "" {
		f.Add("month", "dispute.required")
	} else if _, err := time.ParseInLocation("2006-01", q.Month, zone); err != nil {
		f.Add("month", "dispute.month_format")
	}
	if err := f.Refuse(); err != nil {
		return "", nil, err
	}
	where, args := authz.ScopeSQL("c.path", authz.From(ctx).Scopes(authz.DisputeSubsidy))
	where += " AND c.month = ?"
	args = append(args, q.Month)
	if q.OrgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.DisputeSubsidy, q.OrgID, "org_id")
		if err != nil {
			return "", nil, err
		}
		w, a := authz.Under("c.path", path)
		where, args = where+" AND "+w, append(args, a...)
	}
	return where, args, nil
}

// SubsidySheet returns the month's sheet: one row per mediator of the
// area credited that month, with the rates the credits were made at.
func (s *Service) SubsidySheet(ctx context.Context, q SheetQuery) (Sheet, error) {
	where, args, err := s.sheetWhere(ctx, q)
	if err != nil {
		return Sheet{}, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.mediator_id, m.name, m.kind, m.org_id, o.name, c.complexity, c.outcome, count(*), CAST(sum(c.amount_fen) AS BIGINT)
		FROM dispute_subsidy_credits c JOIN mediators m ON m.id = c.mediator_id JOIN org_nodes o ON o.id = m.org_id
		WHERE `+where+` GROUP BY c.mediator_id, m.name, m.kind, m.org_id, o.name, c.path, c.complexity, c.outcome
		ORDER BY c.path, m.name, c.mediator_id`, args...)
	if err != nil {
		return Sheet{}, err
	}
	defer rows.Close()
	out := Sheet{Month: q.Month, Rows: []SheetRow{}, Rates: []UsedRate{}}
	var fen, total int64
	for rows.Next() {
		var r SheetRow
		var complexity, outcome string
		var n int
		var sum int64
		if err := rows.Scan(&r.MediatorID, &r.Name, &r.Kind, &r.OrgID, &r.OrgName, &complexity, &outcome, &n, &sum); err != nil {
			return Sheet{}, err
		}
		if len(out.Rows) == 0 || out.Rows[len(out.Rows)-1].MediatorID != r.MediatorID {
			r.Counts = map[string]int{}
			out.Rows = append(out.Rows, r)
			fen = 0
		}
		last := &out.Rows[len(out.Rows)-1]
		last.Counts[complexity+"."+outcome] += n
		last.Cases += n
		fen += sum
		total += sum
		last.Total = yuan(fen)
	}
	if err := rows.Err(); err != nil {
		return Sheet{}, err
	}
	out.Total = yuan(total)
	// the cases of the month, each once, and the amounts they were paid at
	rr, err := s.db.Reader().QueryContext(ctx, `SELECT complexity, outcome, rate_fen, count(*) FROM (SELECT DISTINCT c.dispute_id, c.complexity, c.outcome, c.rate_fen
		FROM dispute_subsidy_credits c WHERE `+where+`) x GROUP BY complexity, outcome, rate_fen ORDER BY complexity DESC, outcome, rate_fen`, args...)
	if err != nil {
		return Sheet{}, err
	}
	defer rr.Close()
	for rr.Next() {
		var u UsedRate
		var fen int64
		if err := rr.Scan(&u.Complexity, &u.Outcome, &fen, &u.Cases); err != nil {
			return Sheet{}, err
		}
		u.Amount = yuan(fen)
		out.Cases += u.Cases
		out.Rates = append(out.Rates, u)
	}
	return out, rr.Err()
}

// CreditedCases returns the cases credited to a mediator in a month: the
// drill-down of a sheet's row. Another area's mediator answers as an
// unknown one.
func (s *Service) CreditedCases(ctx context.Context, mediatorID string, q SheetQuery) ([]CreditedCase, error) {
	where, args, err := s.sheetWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	var path string
	err = s.db.Reader().QueryRowContext(ctx, "SELECT path FROM mediators WHERE id = ?", mediatorID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.DisputeSubsidy, path)) {
		return nil, apperr.NotFoundf("mediator")
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.id, d.no, d.title, o.name, c.complexity, c.outcome, c.closed_at, c.rate_fen, c.amount_fen
		FROM dispute_subsidy_credits c JOIN disputes d ON d.id = c.dispute_id JOIN org_nodes o ON o.id = d.org_id
		WHERE `+where+` AND c.mediator_id = ? ORDER BY c.closed_at, d.no`, append(args, mediatorID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CreditedCase{}
	for rows.Next() {
		var c CreditedCase
		var rate, amount int64
		if err := rows.Scan(&c.DisputeID, &c.No, &c.Title, &c.OrgName, &c.Complexity, &c.Outcome, &c.ClosedAt, &rate, &amount); err != nil {
			return nil, err
		}
		c.Rate, c.Amount = yuan(rate), yuan(amount)
		out = append(out, c)
	}
	return out, rows.Err()
}

func yuan(fen int64) float64 { return float64(fen) / 100 }

func money(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
