package assess

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Formula kinds.
const (
	Rate  = "rate"  // weight × Done / Due; nothing due leaves the metric out
	Count = "count" // per item up to the weight
	Time  = "time"  // full marks at or under the target, falling linearly to 0 at the limit
)

// Weight is how a county scores one metric.
type Weight struct {
	Metric  string  `json:"metric"`
	Kind    string  `json:"kind"`
	Weight  float64 `json:"weight"`
	PerItem float64 `json:"per_item,omitempty"`
	TargetS int64   `json:"target_s,omitempty"`
	LimitS  int64   `json:"limit_s,omitempty"`
	// Default: the county has not set this metric; SetByName and SetAt say
	// who set it when it has.
	Default   bool   `json:"default"`
	SetByName string `json:"set_by_name,omitempty"`
	SetAt     int64  `json:"set_at,omitempty"`
}

// weight is Weight in hundredths, as scored.
type weight struct {
	metric, kind    string
	w, perItem      int64
	targetS, limitS int64
	isDefault       bool
	setBy           string
	setAt           int64
}

func (w weight) out() Weight {
	return Weight{Metric: w.metric, Kind: w.kind, Weight: points(w.w), PerItem: points(w.perItem), TargetS: w.targetS, LimitS: w.limitS,
		Default: w.isDefault, SetByName: w.setBy, SetAt: w.setAt}
}

// Defaults are the weights of a county that has set none: 100 points in
// all. The metric codes are those the work rooms tally.
var Defaults = []weight{
	{metric: "report.filed", kind: Rate, w: 2000},
	{metric: "recheck.on_time", kind: Rate, w: 1000},
	{metric: "register.corrections", kind: Count, w: 1000, perItem: 50},
	{metric: "patrol.coverage", kind: Rate, w: 2500},
	{metric: "visit.on_time", kind: Rate, w: 2000},
	{metric: "callkey.accept", kind: Time, w: 1000, targetS: 300, limitS: 1800},
	{metric: "task.same_day", kind: Rate, w: 500},
}

// Metrics are the metric codes, in the boards' order.
func Metrics() []string {
	out := make([]string, len(Defaults))
	for i, d := range Defaults {
		out[i] = d.metric
	}
	return out
}

// MaxWeight is the most points one metric may give.
const MaxWeight = 100

// WeightTable is a county's weights and whether the caller may change them.
type WeightTable struct {
	OrgID   string   `json:"org_id"`
	OrgName string   `json:"org_name"`
	Weights []Weight `json:"weights"`
	Total   float64  `json:"total"`
	CanEdit bool     `json:"can_edit"`
}

// WeightIn is one metric of a county's table.
type WeightIn struct {
	Metric  string   `json:"metric"`
	Kind    string   `json:"kind"`
	Weight  *float64 `json:"weight"`
	PerItem float64  `json:"per_item"`
	TargetS int64    `json:"target_s"`
	LimitS  int64    `json:"limit_s"`
}

// WeightsInput sets some metrics of a county's table (OrgID, default the
// caller's county).
type WeightsInput struct {
	OrgID   string     `json:"org_id"`
	Weights []WeightIn `json:"weights"`
}

// countyOf returns the county at or above path (id and path); none is
// sql.ErrNoRows. Paths are "/id/id/…/", so each ancestor is a prefix.
func countyOf(ctx context.Context, q db.Querier, path string) (id, cpath string, err error) {
	for i := len(path); i > 1; i-- {
		if path[i-1] != '/' {
			continue
		}
		at, err := org.IDAt(ctx, q, path[:i])
		if err != nil {
			continue
		}
		if kind, err := org.KindOf(ctx, q, at, ""); err == nil && kind == "county" {
			return at, path[:i], nil
		}
	}
	return "", "", sql.ErrNoRows
}

// county resolves the county a table is about: orgID, which must be a
// county the caller reads (holding perm over it or over part of it), or
// by default the county of the caller's first area holding perm.
func (s *Service) county(ctx context.Context, q db.Querier, perm authz.Perm, orgID string) (id, path string, err error) {
	scopes := authz.From(ctx).Scopes(perm)
	if orgID == "" {
		for _, sc := range scopes {
			if id, path, err = countyOf(ctx, q, sc); err == nil {
				return id, path, nil
			}
		}
		return "", "", apperr.Refuse("org_id", "assess.required")
	}
	path, err = org.PathOf(ctx, q, orgID, "org_id")
	reads := slices.ContainsFunc(scopes, func(sc string) bool { return strings.HasPrefix(sc, path) || strings.HasPrefix(path, sc) })
	if err != nil || !reads {
		return "", "", apperr.NotFoundf("org")
	}
	if kind, err := org.KindOf(ctx, q, orgID, "org_id"); err != nil || kind != "county" {
		return "", "", apperr.Refuse("org_id", "assess.county_only")
	}
	return orgID, path, nil
}

// Weights returns a county's table.
func (s *Service) Weights(ctx context.Context, orgID string) (WeightTable, error) {
	return s.weightTable(ctx, s.db.Reader(), orgID)
}

func (s *Service) weightTable(ctx context.Context, q db.Querier, orgID string) (WeightTable, error) {
	id, path, err := s.county(ctx, q, authz.AssessRead, orgID)
	if err != nil {
		return WeightTable{}, err
	}
	name, err := org.NameOf(ctx, q, id)
	if err != nil {
		return WeightTable{}, err
	}
	all, err := loadWeights(ctx, q)
	if err != nil {
		return WeightTable{}, err
	}
	t := WeightTable{OrgID: id, OrgName: name, Weights: []Weight{}, CanEdit: authz.From(ctx).Covers(authz.AssessWrite, path)}
	var total int64
	for _, w := range weightsOf(all, id) {
		t.Weights = append(t.Weights, w.out())
		total += w.w
	}
	t.Total = points(total)
	return t, nil
}

// loadWeights reads every county's set weights, by county id then metric.
func loadWeights(ctx context.Context, q db.Querier) (map[string]map[string]weight, error) {
	rows, err := q.QueryContext(ctx, `SELECT org_id, metric, kind, weight_x100, per_item_x100, target_s, limit_s, set_by_name, set_at FROM assess_weights`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]weight{}
	for rows.Next() {
		var county string
		var w weight
		if err := rows.Scan(&county, &w.metric, &w.kind, &w.w, &w.perItem, &w.targetS, &w.limitS, &w.setBy, &w.setAt); err != nil {
			return nil, err
		}
		if out[county] == nil {
			out[county] = map[string]weight{}
		}
		out[county][w.metric] = w
	}
	return out, rows.Err()
}

// weightsOf is the table of the county id: its set weights, the defaults
// for the rest, in the metrics' order.
func weightsOf(all map[string]map[string]weight, county string) []weight {
	out := make([]weight, len(Defaults))
	for i, d := range Defaults {
		if w, ok := all[county][d.metric]; ok {
			out[i] = w
		} else {
			out[i] = d
			out[i].isDefault = true
		}
	}
	return out
}

// SetWeights changes metrics of a county's table, for holders of
// assess.write over the whole county; audited.
func (s *Service) SetWeights(ctx context.Context, in WeightsInput) (WeightTable, error) {
	var f apperr.Fields
	if len(in.Weights) == 0 {
		f.Add("weights", "assess.required")
	}
	seen := map[string]bool{}
	ws := make([]weight, len(in.Weights))
	for i, w := range in.Weights {
		at := "weights[" + itoa(i) + "]."
		if !slices.Contains(Metrics(), w.Metric) {
			f.Add(at+"metric", "assess.metric_unknown", "value", w.Metric)
		} else if seen[w.Metric] {
			f.Add(at+"metric", "assess.metric_twice")
		}
		seen[w.Metric] = true
		if !slices.Contains([]string{Rate, Count, Time}, w.Kind) {
			f.Add(at+"kind", "assess.kind_unknown", "value", w.Kind)
		}
		ws[i] = weight{metric: w.Metric, kind: w.Kind}
		switch {
		case w.Weight == nil:
			f.Add(at+"weight", "assess.required")
		case math.IsNaN(*w.Weight) || *w.Weight < 0 || *w.Weight > MaxWeight:
			f.Add(at+"weight", "assess.weight_range", "max", MaxWeight)
		default:
			ws[i].w = int64(math.Round(*w.Weight * 100))
		}
		switch w.Kind {
		case Count:
			if math.IsNaN(w.PerItem) || w.PerItem <= 0 || w.PerItem > MaxWeight {
				f.Add(at+"per_item", "assess.weight_range", "max", MaxWeight)
			}
			ws[i].perItem = int64(math.Round(w.PerItem * 100))
		case Time:
			if w.TargetS <= 0 {
				f.Add(at+"target_s", "assess.required")
			}
			if w.LimitS <= w.TargetS {
				f.Add(at+"limit_s", "assess.limit_order")
			}
			ws[i].targetS, ws[i].limitS = w.TargetS, w.LimitS
		}
	}
	if err := f.Refuse(); err != nil {
		return WeightTable{}, err
	}
	p := authz.From(ctx)
	var out WeightTable
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		id, path, err := s.county(ctx, tx, authz.AssessWrite, in.OrgID)
		if err != nil {
			return err
		}
		if !p.Covers(authz.AssessWrite, path) {
			return apperr.E(apperr.Forbidden, "assess.county_only")
		}
		now := s.now()
		var changes []string
		for _, w := range ws {
			if _, err := tx.ExecContext(ctx, `DELETE FROM assess_weights WHERE org_id = ? AND metric = ?`, id, w.metric); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO assess_weights (org_id, metric, kind, weight_x100, per_item_x100, target_s, limit_s, set_by, set_by_name, set_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, w.metric, w.kind, w.w, w.perItem, w.targetS, w.limitS, p.UserID, byName(p), now); err != nil {
				return err
			}
			changes = append(changes, w.metric+" "+w.kind+" "+fmtPoints(w.w))
		}
		if err := s.record(ctx, tx, "weights", "org", id, strings.Join(changes, "; ")); err != nil {
			return err
		}
		out, err = s.weightTable(ctx, tx, id)
		return err
	})
	return out, err
}

// score gives the points of one metric of one member, and whether the
// metric applies (a rate with nothing due, or a time with nothing done,
// does not).
func (w weight) score(c countIn) (int64, bool) {
	switch w.kind {
	case Rate:
		if c.Due <= 0 {
			return 0, false
		}
		done := min(c.Done, c.Due)
		return roundDiv(w.w*int64(done), int64(c.Due)), true
	case Count:
		return min(w.w, w.perItem*int64(c.Done)), true
	case Time:
		if c.Done <= 0 {
			return 0, false
		}
		avg := float64(c.Seconds) / float64(c.Done)
		switch {
		case avg <= float64(w.targetS):
			return w.w, true
		case avg >= float64(w.limitS):
			return 0, true
		}
		return int64(math.Round(float64(w.w) * (float64(w.limitS) - avg) / float64(w.limitS-w.targetS))), true
	}
	return 0, false
}

type countIn struct {
	Done, Due int
	Seconds   int64
}

// roundDiv is a/b rounded half up, for a, b ≥ 0.
func roundDiv(a, b int64) int64 { return (2*a + b) / (2 * b) }

func itoa(i int) string { return strconv.Itoa(i) }
