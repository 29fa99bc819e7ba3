package safety

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Review is the quarterly review (季研判) of a root: every area's index in
// the quarter's months, its average against the quarter before, the town
// indicators that moved worst, and the committee's conclusion and
// decisions.
type Review struct {
	RootID     string       `json:"root_id"`
	RootName   string       `json:"root_name"`
	Period     string       `json:"period"` // 2026-Q4
	Months     []string     `json:"months"` // the quarter's computed months
	Areas      []ReviewArea `json:"areas"`
	Indicators []Moving     `json:"indicators"` // worst-moving first
	Conclusion string       `json:"conclusion"`
	Version    int          `json:"version"`
	Decisions  []Decision   `json:"decisions"`
	CanManage  bool         `json:"can_manage"`
}

// ReviewArea is an area's quarter: its index in each month (nil when not
// computed), the average and the previous quarter's.
type ReviewArea struct {
	AreaID   string     `json:"area_id"`
	Name     string     `json:"name"`
	Level    string     `json:"level"`
	Scores   []*float64 `json:"scores"` // by Months
	Average  *float64   `json:"average"`
	Previous *float64   `json:"previous"`
	Change   *float64   `json:"change"`
}

// Moving is a town indicator's achievement over the quarter — the points
// the towns earned as a share of the points they could (%), where there
// was something to count — against the quarter before, and its red lights.
type Moving struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Share    *float64 `json:"share"`
	Previous *float64 `json:"previous"`
	Change   *float64 `json:"change"`
	Reds     int      `json:"reds"` // town-months in red this quarter
}

// Decision is a decision of the review: what, who carries it out, by when.
type Decision struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Owner     string `json:"owner"`
	DueOn     string `json:"due_on"`
	ByName    string `json:"by_name"`
	CreatedAt int64  `json:"created_at"`
}

// ReviewInput is the committee's conclusion, edited from version.
type ReviewInput struct {
	Version    int    `json:"version"`
	Conclusion string `json:"conclusion"`
}

// DecisionInput is a decision to record.
type DecisionInput struct {
	Text  string `json:"text"`
	Owner string `json:"owner"`
	DueOn string `json:"due_on"`
}

var quarterRE = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)

// quarterMonths are the quarter's three months and the quarter before's.
func quarterMonths(period string) ([]string, []string, error) {
	m := quarterRE.FindStringSubmatch(period)
	if m == nil {
		return nil, nil, apperr.Field("period", "safety.period_invalid")
	}
	y, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	first := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, Zone)
	var cur, prev []string
	for i := range 3 {
		cur = append(cur, first.AddDate(0, i, 0).Format("2006-01"))
		prev = append(prev, first.AddDate(0, i-3, 0).Format("2006-01"))
	}
	return cur, prev, nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func strArgs(head []any, list []string) []any {
	for _, s := range list {
		head = append(head, s)
	}
	return head
}

func mean(vs []float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	m := round2(sum / float64(len(vs)))
	return &m
}

func diff(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	d := round2(*a - *b)
	return &d
}

// Review returns the root's review of a quarter.
func (s *Service) Review(ctx context.Context, rootID, period string) (Review, error) {
	cur, prev, err := quarterMonths(period)
	if err != nil {
		return Review{}, err
	}
	q := s.db.Reader()
	path, err := rootPath(ctx, q, authz.SafetyRead, rootID)
	if err != nil {
		return Review{}, err
	}
	r := Review{RootID: rootID, Period: period, Months: []string{}, Areas: []ReviewArea{}, Indicators: []Moving{}, Decisions: []Decision{},
		CanManage: authz.From(ctx).Covers(authz.SafetyWrite, path)}
	if r.RootName, err = org.NameOf(ctx, q, rootID); err != nil {
		return r, err
	}
	both := append(append([]string{}, cur...), prev...)
	rows, err := q.QueryContext(ctx, `SELECT m.month, a.area_id, o.name, a.level, a.score FROM safety_areas a JOIN safety_months m ON m.id = a.month_id
		JOIN org_nodes o ON o.id = a.area_id WHERE m.root_id = ? AND m.month IN (`+placeholders(len(both))+`) ORDER BY CASE a.level WHEN 'county' THEN 0 ELSE 1 END, o.code`,
		strArgs([]any{rootID}, both)...)
	if err != nil {
		return r, err
	}
	index := map[string]int{}
	prevScores := map[string][]float64{}
	seen := map[string]bool{}
	for rows.Next() {
		var month, id, name, level string
		var score float64
		if err := rows.Scan(&month, &id, &name, &level, &score); err != nil {
			rows.Close()
			return r, err
		}
		if i := slices.Index(cur, month); i >= 0 {
			seen[month] = true
			k, ok := index[id]
			if !ok {
				k, index[id] = len(r.Areas), len(r.Areas)
				r.Areas = append(r.Areas, ReviewArea{AreaID: id, Name: name, Level: level, Scores: make([]*float64, 3)})
			}
			v := score
			r.Areas[k].Scores[i] = &v
		} else {
			prevScores[id] = append(prevScores[id], score)
		}
	}
	if err := rows.Close(); err != nil {
		return r, err
	}
	var cols []int
	for i, m := range cur {
		if seen[m] {
			r.Months = append(r.Months, m)
			cols = append(cols, i)
		}
	}
	for k := range r.Areas {
		a := &r.Areas[k]
		var got []float64
		scores := []*float64{}
		for _, i := range cols {
			scores = append(scores, a.Scores[i])
			if a.Scores[i] != nil {
				got = append(got, *a.Scores[i])
			}
		}
		a.Scores, a.Average, a.Previous = scores, mean(got), mean(prevScores[a.AreaID])
		a.Change = diff(a.Average, a.Previous)
	}
	// Towns by their quarter's average, best first.
	slices.SortStableFunc(r.Areas, func(a, b ReviewArea) int {
		if a.Level != b.Level {
			return slices.Index(Levels, a.Level) - slices.Index(Levels, b.Level)
		}
		return cmpDesc(a.Average, b.Average)
	})
	if r.Indicators, err = moving(ctx, q, rootID, cur, prev); err != nil {
		return r, err
	}
	err = q.QueryRowContext(ctx, "SELECT conclusion, version FROM safety_reviews WHERE root_id = ? AND period = ?", rootID, period).Scan(&r.Conclusion, &r.Version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	ds, err := q.QueryContext(ctx, "SELECT id, text, owner, due_on, by_name, created_at FROM safety_review_decisions WHERE root_id = ? AND period = ? ORDER BY created_at, id", rootID, period)
	if err != nil {
		return r, err
	}
	defer ds.Close()
	for ds.Next() {
		var d Decision
		if err := ds.Scan(&d.ID, &d.Text, &d.Owner, &d.DueOn, &d.ByName, &d.CreatedAt); err != nil {
			return r, err
		}
		r.Decisions = append(r.Decisions, d)
	}
	return r, ds.Err()
}

// cmpDesc orders by a value, highest first, nil last.
func cmpDesc(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	case *a > *b:
		return -1
	case *a < *b:
		return 1
	}
	return 0
}

// moving is each town indicator's share of its points over the quarter
// and the quarter before, worst change first.
func moving(ctx context.Context, q db.Querier, rootID string, cur, prev []string) ([]Moving, error) {
	both := append(append([]string{}, cur...), prev...)
	rows, err := q.QueryContext(ctx, `SELECT m.month, v.code, i.name, sum(v.score), sum(i.weight), sum(CASE WHEN v.light = 'red' THEN 1 ELSE 0 END)
		FROM safety_values v JOIN safety_months m ON m.id = v.month_id
		JOIN safety_areas a ON a.month_id = v.month_id AND a.area_id = v.area_id AND a.level = 'town'
		JOIN safety_indicators i ON i.catalogue_id = m.catalogue_id AND i.level = 'town' AND i.code = v.code
		WHERE m.root_id = ? AND v.light <> 'none' AND m.month IN (`+placeholders(len(both))+`) GROUP BY m.month, v.code, i.name`, strArgs([]any{rootID}, both)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type acc struct{ points, weights [2]float64 }
	sums := map[string]*acc{}
	out := []Moving{}
	for rows.Next() {
		var month, code, name string
		var points, weights float64
		var reds int
		if err := rows.Scan(&month, &code, &name, &points, &weights, &reds); err != nil {
			return nil, err
		}
		k := 1
		if slices.Contains(cur, month) {
			k = 0
		}
		a, ok := sums[code]
		if !ok {
			a = &acc{}
			sums[code] = a
			out = append(out, Moving{Code: code, Name: name})
		}
		a.points[k] += points
		a.weights[k] += weights
		if k == 0 {
			i := slices.IndexFunc(out, func(m Moving) bool { return m.Code == code })
			out[i].Reds += reds
			out[i].Name = name
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	share := func(p, w float64) *float64 {
		if w == 0 {
			return nil
		}
		v := round2(100 * p / w)
		return &v
	}
	for i := range out {
		a := sums[out[i].Code]
		out[i].Share, out[i].Previous = share(a.points[0], a.weights[0]), share(a.points[1], a.weights[1])
		out[i].Change = diff(out[i].Share, out[i].Previous)
	}
	// The worst-moving first; those with no comparison last.
	slices.SortStableFunc(out, func(a, b Moving) int {
		switch {
		case a.Change == nil && b.Change == nil:
			return b.Reds - a.Reds
		case a.Change == nil:
			return 1
		case b.Change == nil:
			return -1
		case *a.Change != *b.Change:
			if *a.Change < *b.Change {
				return -1
			}
			return 1
		}
		return b.Reds - a.Reds
	})
	return out, nil
}

// SaveReview saves the committee's conclusion on a quarter. Audited.
func (s *Service) SaveReview(ctx context.Context, rootID, period string, in ReviewInput) (Review, error) {
	if _, _, err := quarterMonths(period); err != nil {
		return Review{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SafetyWrite, rootID); err != nil {
			return err
		}
		in.Conclusion = strings.TrimSpace(in.Conclusion)
		if len([]rune(in.Conclusion)) > 4000 {
			return apperr.Field("conclusion", "validation.length", "min", 0, "max", 4000)
		}
		var id string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT id, version FROM safety_reviews WHERE root_id = ? AND period = ?", rootID, period).Scan(&id, &version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if in.Version != version {
			return apperr.E(apperr.Conflict, "safety.review_changed", "version", version)
		}
		now, uid := db.Now(), authz.From(ctx).UserID
		if id == "" {
			id = db.NewID()
			_, err = tx.ExecContext(ctx, "INSERT INTO safety_reviews (id, root_id, period, conclusion, updated_at, updated_by, version) VALUES (?, ?, ?, ?, ?, ?, 1)",
				id, rootID, period, in.Conclusion, now, uid)
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE safety_reviews SET conclusion = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ?", in.Conclusion, now, uid, id)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.review.save", "safety_review", id, period)
	})
	if err != nil {
		return Review{}, err
	}
	return s.Review(ctx, rootID, period)
}

// AddDecision records a decision of a quarter's review. Audited.
func (s *Service) AddDecision(ctx context.Context, rootID, period string, in DecisionInput) (Review, error) {
	if _, _, err := quarterMonths(period); err != nil {
		return Review{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SafetyWrite, rootID); err != nil {
			return err
		}
		var f apperr.Fields
		in.Text, in.Owner = strings.TrimSpace(in.Text), strings.TrimSpace(in.Owner)
		if n := len([]rune(in.Text)); n < 2 || n > 1000 {
			f.Add("text", "validation.length", "min", 2, "max", 1000)
		}
		if n := len([]rune(in.Owner)); n > 100 {
			f.Add("owner", "validation.length", "min", 0, "max", 100)
		}
		if in.DueOn != "" {
			if _, err := time.Parse("2006-01-02", in.DueOn); err != nil {
				f.Add("due_on", "validation.date")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		p, id := authz.From(ctx), db.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO safety_review_decisions (id, root_id, period, text, owner, due_on, created_by, by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, rootID, period, in.Text, in.Owner, in.DueOn, p.UserID, p.DisplayName, db.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.review.decide", "safety_review", id, fmt.Sprintf("%s: %s", period, in.Text))
	})
	if err != nil {
		return Review{}, err
	}
	return s.Review(ctx, rootID, period)
}
