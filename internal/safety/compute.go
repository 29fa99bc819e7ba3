package safety

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Light is the light of value v for an indicator: green at or beyond the
// green threshold, red at or beyond the red one (in the worse direction),
// yellow between; none when there was nothing to count.
func Light(ind Indicator, v *float64) string {
	switch {
	case v == nil:
		return None
	case better(ind, *v, ind.Green):
		return Green
	case better(ind, ind.Red, *v):
		return Red
	}
	return Yellow
}

// better reports whether a is at least as good as b in the indicator's
// direction.
func better(ind Indicator, a, b float64) bool {
	if ind.Direction == "lower" {
		return a <= b
	}
	return a >= b
}

// Points is an indicator's score for value v: its whole weight at or
// beyond the green threshold, nothing at or beyond the red one, and in
// between a straight line from red to green. Nothing to count scores
// nothing, and the indicator is left out of the index (see score): an
// area earns no points for what it did not do.
func Points(ind Indicator, v *float64) float64 {
	if v == nil {
		return 0
	}
	var f float64
	switch Light(ind, v) {
	case Green:
		f = 1
	case Red:
		f = 0
	default:
		f = (*v - ind.Red) / (ind.Green - ind.Red)
	}
	return round2(float64(ind.Weight) * f)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// valueOf is a metric's value from its counts: a percentage (nil with
// nothing to count) or the count itself — a reported one nil while no
// town's figure was reported.
func valueOf(m Metric, num, den int) *float64 {
	if den == 0 && (m.Unit == "percent" || m.Reported) {
		return nil
	}
	if m.Unit != "percent" {
		v := float64(num)
		return &v
	}
	v := round2(100 * float64(num) / float64(den))
	return &v
}

// input is one record a metric counted.
type input struct {
	source, id, label, path string
	hits, total             int
}

// counts are a metric's numerator and denominator for one area.
type counts struct{ num, den int }

// Compute computes the month (YYYY-MM, not in the future) for the root
// area and every county and town under it, with the root's catalogue in
// force, replacing an earlier computation of that month; a published month
// is refused. Audited.
func (s *Service) Compute(ctx context.Context, rootID, month string) (Month, error) {
	from, to, err := monthRange(month)
	if err != nil {
		return Month{}, err
	}
	now := s.Now().In(Zone)
	if from.After(now) {
		return Month{}, apperr.Field("month", "safety.month_future")
	}
	end := to
	if now.Before(end) {
		end = now
	}
	var id string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := rootPath(ctx, tx, authz.SafetyWrite, rootID)
		if err != nil {
			return err
		}
		var status string
		err = tx.QueryRowContext(ctx, "SELECT id, status FROM safety_months WHERE root_id = ? AND month = ?", rootID, month).Scan(&id, &status)
		if err == nil && status == Published {
			return apperr.E(apperr.Conflict, "safety.month_published", "month", month)
		}
		cat, err := s.inForce(ctx, tx, rootID)
		if err != nil {
			return err
		}
		inputs, err := gatherAll(ctx, tx, path, span{from, to, end, rootID, month, cat.ID}, cat)
		if err != nil {
			return err
		}
		areas, err := org.AreasUnder(ctx, tx, path, Levels...)
		if err != nil {
			return err
		}
		rows := score(cat, areas, inputs)
		if err := s.previous(ctx, tx, rootID, from.AddDate(0, -1, 0).Format("2006-01"), rows); err != nil {
			return err
		}
		at, uid := db.Now(), authz.From(ctx).UserID
		action := "safety.month.compute"
		if id == "" {
			id = db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO safety_months (id, root_id, root_path, month, catalogue_id, status, computed_at, computed_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, rootID, path, month, cat.ID, Computed, at, uid); err != nil {
				return err
			}
		} else {
			action = "safety.month.recompute"
			for _, t := range []string{"DELETE FROM safety_inputs WHERE month_id = ?", "DELETE FROM safety_values WHERE month_id = ?", "DELETE FROM safety_areas WHERE month_id = ?"} {
				if _, err := tx.ExecContext(ctx, t, id); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "UPDATE safety_months SET catalogue_id = ?, computed_at = ?, computed_by = ? WHERE id = ?", cat.ID, at, uid, id); err != nil {
				return err
			}
		}
		if err := write(ctx, tx, id, inputs, rows); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, action, "safety_month", id,
			fmt.Sprintf("%s, catalogue version %d, %d areas, %d records", month, cat.Version, len(rows), len(inputs)))
	})
	if err != nil {
		return Month{}, err
	}
	return s.Ranking(ctx, rootID, month, "")
}

// gatherAll reads the records of every metric the catalogue uses, each
// metric once for the whole root.
func gatherAll(ctx context.Context, q db.Querier, path string, m span, cat Catalogue) ([]input, error) {
	var inputs []input
	for _, metric := range Metrics {
		if !slices.ContainsFunc(cat.Indicators, func(i Indicator) bool { return i.Source == metric.Code }) {
			continue
		}
		err := metric.gather(ctx, q, path, m, func(rid, label, p string, hits, total int) {
			inputs = append(inputs, input{metric.Code, rid, label, p, hits, total})
		})
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", metric.Code, err)
		}
	}
	return inputs, nil
}

// Records runs the queries a month's computation starts with — every
// metric's records under the root, with the catalogue in force — and
// returns how many records they gave, storing nothing: the bare cost the
// computation is measured against (docs/benchmarks.md).
func (s *Service) Records(ctx context.Context, rootID, month string) (int, error) {
	from, to, err := monthRange(month)
	if err != nil {
		return 0, err
	}
	q := s.db.Reader()
	path, err := rootPath(ctx, q, authz.SafetyRead, rootID)
	if err != nil {
		return 0, err
	}
	cat, err := current(ctx, q, rootID)
	if err != nil {
		return 0, err
	}
	end := to
	if now := s.Now().In(Zone); now.Before(end) {
		end = now
	}
	inputs, err := gatherAll(ctx, q, path, span{from, to, end, rootID, month, cat.ID}, cat)
	return len(inputs), err
}

// areaRow is an area's figures of a month as computed.
type areaRow struct {
	area    org.Area
	level   string
	values  []valueRow
	score   float64
	rank    int
	prev    *float64
	reds    int
	yellows int
}

type valueRow struct {
	code     string
	num, den int
	value    *float64
	light    string
	points   float64
}

// score groups the records by area — a record counts for every area whose
// path its path lies under — and scores each area's indicators of its
// level, sums its index and ranks the areas of each level.
func score(cat Catalogue, areas []org.Area, inputs []input) []*areaRow {
	byPath := map[string]int{}
	for i, a := range areas {
		byPath[a.Path] = i
	}
	sums := make([]map[string]counts, len(areas))
	for i := range sums {
		sums[i] = map[string]counts{}
	}
	for _, in := range inputs {
		// Every ancestor path of the record's: "/a/", "/a/b/", …
		for i := 1; i < len(in.path); i++ {
			if in.path[i] != '/' {
				continue
			}
			if a, ok := byPath[in.path[:i+1]]; ok {
				c := sums[a][in.source]
				c.num += in.hits
				c.den += in.total
				sums[a][in.source] = c
			}
		}
	}
	var rows []*areaRow
	for i, a := range areas {
		r := &areaRow{area: a, level: a.Kind}
		weights := 0 // of the indicators with something to count
		for _, ind := range cat.Indicators {
			if ind.Level != a.Kind {
				continue
			}
			c := sums[i][ind.Source]
			v := valueOf(metricOf(ind.Source), c.num, c.den)
			vr := valueRow{code: ind.Code, num: c.num, den: c.den, value: v, light: Light(ind, v), points: Points(ind, v)}
			if ind.Unit != "percent" {
				vr.den = 0
			}
			switch vr.light {
			case Red:
				r.reds++
			case Yellow:
				r.yellows++
			}
			if v != nil {
				r.score += vr.points
				weights += ind.Weight
			}
			r.values = append(r.values, vr)
		}
		// The index is out of 100 over the indicators with something to
		// count: one with nothing neither gives points nor takes them.
		if weights > 0 {
			r.score = round2(100 * r.score / float64(weights))
		}
		rows = append(rows, r)
	}
	// Standard competition ranking (1, 2, 2, 4) within each level.
	for _, level := range Levels {
		var same []*areaRow
		for _, r := range rows {
			if r.level == level {
				same = append(same, r)
			}
		}
		slices.SortStableFunc(same, func(a, b *areaRow) int {
			if a.score != b.score {
				if a.score > b.score {
					return -1
				}
				return 1
			}
			return strings.Compare(a.area.Code, b.area.Code)
		})
		for i, r := range same {
			r.rank = i + 1
			if i > 0 && r.score == same[i-1].score {
				r.rank = same[i-1].rank
			}
		}
	}
	return rows
}

// previous fills each area's index of the previous month, when that month
// was computed.
func (s *Service) previous(ctx context.Context, tx *db.Tx, rootID, month string, rows []*areaRow) error {
	prev := map[string]float64{}
	res, err := tx.QueryContext(ctx, `SELECT a.area_id, a.score FROM safety_areas a JOIN safety_months m ON m.id = a.month_id
		WHERE m.root_id = ? AND m.month = ?`, rootID, month)
	if err != nil {
		return err
	}
	for res.Next() {
		var id string
		var v float64
		if err := res.Scan(&id, &v); err != nil {
			res.Close()
			return err
		}
		prev[id] = v
	}
	if err := res.Close(); err != nil {
		return err
	}
	for _, r := range rows {
		if v, ok := prev[r.area.ID]; ok {
			r.prev = &v
		}
	}
	return nil
}

// write stores a month's records, values and areas in multi-row inserts.
func write(ctx context.Context, tx *db.Tx, monthID string, inputs []input, rows []*areaRow) error {
	b := batch{ctx: ctx, tx: tx, head: "INSERT INTO safety_inputs (month_id, source, record_id, label, path, hits, total) VALUES ", cols: 7}
	for _, in := range inputs {
		if err := b.add(monthID, in.source, in.id, in.label, in.path, in.hits, in.total); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	v := batch{ctx: ctx, tx: tx, head: "INSERT INTO safety_values (month_id, area_id, code, numerator, denominator, value, light, score) VALUES ", cols: 8}
	a := batch{ctx: ctx, tx: tx, head: "INSERT INTO safety_areas (month_id, area_id, path, level, score, area_rank, prev_score, reds, yellows) VALUES ", cols: 9}
	for _, r := range rows {
		for _, x := range r.values {
			if err := v.add(monthID, r.area.ID, x.code, x.num, x.den, x.value, x.light, x.points); err != nil {
				return err
			}
		}
		if err := a.add(monthID, r.area.ID, r.area.Path, r.level, r.score, r.rank, r.prev, r.reds, r.yellows); err != nil {
			return err
		}
	}
	if err := v.flush(); err != nil {
		return err
	}
	return a.flush()
}

// batch gathers rows of one INSERT, sent 400 rows at a time.
type batch struct {
	ctx  context.Context
	tx   *db.Tx
	head string
	cols int
	n    int
	args []any
}

func (b *batch) add(vals ...any) error {
	b.args = append(b.args, vals...)
	b.n++
	if b.n == 400 {
		return b.flush()
	}
	return nil
}

func (b *batch) flush() error {
	if b.n == 0 {
		return nil
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.cols), ", ") + ")"
	q := b.head + strings.TrimSuffix(strings.Repeat(row+", ", b.n), ", ")
	_, err := b.tx.ExecContext(b.ctx, q, b.args...)
	b.n, b.args = 0, b.args[:0]
	return err
}

// Publish freezes a computed month: it can no longer be recomputed, and
// the catalogue's later versions do not touch it. Publishing again changes
// nothing. Audited.
func (s *Service) Publish(ctx context.Context, rootID, month string) (Month, error) {
	if _, _, err := monthRange(month); err != nil {
		return Month{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SafetyWrite, rootID); err != nil {
			return err
		}
		var id, status string
		if err := tx.QueryRowContext(ctx, "SELECT id, status FROM safety_months WHERE root_id = ? AND month = ?", rootID, month).Scan(&id, &status); err != nil {
			return notFound(err, "safety_month")
		}
		if status == Published {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE safety_months SET status = ?, published_at = ?, published_by = ? WHERE id = ?",
			Published, db.Now(), authz.From(ctx).UserID, id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.month.publish", "safety_month", id, month)
	})
	if err != nil {
		return Month{}, err
	}
	return s.Ranking(ctx, rootID, month, "")
}
