package safety

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// YearItemKinds are the year's items for an area: points added (加分),
// points taken (扣分), and a veto (一票否决) that fails the area whatever
// its score.
var YearItemKinds = []string{"bonus", "deduction", "veto"}

// Grades of the year, by the final score: excellent from 90, good from
// 80, pass from 60; fail below, or with a veto.
const (
	GradeExcellent = "excellent"
	GradeGood      = "good"
	GradePass      = "pass"
	GradeFail      = "fail"
)

// Year is the year's assessment (年考评) of a root's counties and towns:
// the average of its published months, the year's items, the final score,
// rank and grade. Published, its items no longer change.
type Year struct {
	RootID      string     `json:"root_id"`
	RootName    string     `json:"root_name"`
	Year        int        `json:"year"`
	Published   bool       `json:"published"`
	PublishedAt *int64     `json:"published_at"`
	Areas       []YearArea `json:"areas"`
	Items       []YearItem `json:"items"`
	CanManage   bool       `json:"can_manage"`
}

// YearArea is an area's line of the year.
type YearArea struct {
	AreaID  string   `json:"area_id"`
	Name    string   `json:"name"`
	Level   string   `json:"level"`
	Months  int      `json:"months"` // published months counted
	Average *float64 `json:"average"`
	Items   float64  `json:"items"` // bonus minus deductions
	Veto    bool     `json:"veto"`
	Final   *float64 `json:"final"`
	Rank    int      `json:"rank"`
	Grade   string   `json:"grade"`
}

// YearItem is one bonus, deduction or veto.
type YearItem struct {
	ID        string  `json:"id"`
	AreaID    string  `json:"area_id"`
	AreaName  string  `json:"area_name"`
	Kind      string  `json:"kind"`
	Points    float64 `json:"points"`
	Reason    string  `json:"reason"`
	ByName    string  `json:"by_name"`
	CreatedAt int64   `json:"created_at"`
}

// YearItemInput is an item to add: a bonus up to 10 points, a deduction
// up to 20, a veto with no points; always with its reason.
type YearItemInput struct {
	AreaID string  `json:"area_id"`
	Kind   string  `json:"kind"`
	Points float64 `json:"points"`
	Reason string  `json:"reason"`
}

func yearOf(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.Field("year", "safety.year_invalid")
	}
	return y, nil
}

// gradeOf is the grade of a final score.
func gradeOf(final *float64, veto bool) string {
	switch {
	case veto || final == nil || *final < 60:
		return GradeFail
	case *final >= 90:
		return GradeExcellent
	case *final >= 80:
		return GradeGood
	}
	return GradePass
}

// Year returns the root's assessment of a year.
func (s *Service) Year(ctx context.Context, rootID, year string) (Year, error) {
	y, err := yearOf(year)
	if err != nil {
		return Year{}, err
	}
	q := s.db.Reader()
	path, err := rootPath(ctx, q, authz.SafetyRead, rootID)
	if err != nil {
		return Year{}, err
	}
	out := Year{RootID: rootID, Year: y, Areas: []YearArea{}, Items: []YearItem{}, CanManage: authz.From(ctx).Covers(authz.SafetyWrite, path)}
	if out.RootName, err = org.NameOf(ctx, q, rootID); err != nil {
		return out, err
	}
	err = q.QueryRowContext(ctx, "SELECT published_at FROM safety_years WHERE root_id = ? AND year = ?", rootID, y).Scan(&out.PublishedAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, err
	}
	out.Published = out.PublishedAt != nil
	// The published months' indices of every area.
	rows, err := q.QueryContext(ctx, `SELECT a.area_id, o.name, a.level, count(*), avg(a.score) FROM safety_areas a JOIN safety_months m ON m.id = a.month_id
		JOIN org_nodes o ON o.id = a.area_id WHERE m.root_id = ? AND m.status = ? AND m.month >= ? AND m.month <= ?
		GROUP BY a.area_id, o.name, o.code, a.level ORDER BY CASE a.level WHEN 'county' THEN 0 ELSE 1 END, o.code`, rootID, Published, fmt.Sprintf("%d-01", y), fmt.Sprintf("%d-12", y))
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var a YearArea
		var avg float64
		if err := rows.Scan(&a.AreaID, &a.Name, &a.Level, &a.Months, &avg); err != nil {
			rows.Close()
			return out, err
		}
		v := round2(avg)
		a.Average = &v
		out.Areas = append(out.Areas, a)
	}
	if err := rows.Close(); err != nil {
		return out, err
	}
	items, err := q.QueryContext(ctx, `SELECT i.id, i.area_id, o.name, i.kind, i.points, i.reason, i.by_name, i.created_at FROM safety_year_items i
		JOIN org_nodes o ON o.id = i.area_id WHERE i.root_id = ? AND i.year = ? ORDER BY i.created_at, i.id`, rootID, y)
	if err != nil {
		return out, err
	}
	for items.Next() {
		var it YearItem
		if err := items.Scan(&it.ID, &it.AreaID, &it.AreaName, &it.Kind, &it.Points, &it.Reason, &it.ByName, &it.CreatedAt); err != nil {
			items.Close()
			return out, err
		}
		out.Items = append(out.Items, it)
	}
	if err := items.Close(); err != nil {
		return out, err
	}
	for i := range out.Areas {
		a := &out.Areas[i]
		for _, it := range out.Items {
			if it.AreaID != a.AreaID {
				continue
			}
			switch it.Kind {
			case "bonus":
				a.Items += it.Points
			case "deduction":
				a.Items -= it.Points
			case "veto":
				a.Veto = true
			}
		}
		a.Items = round2(a.Items)
		f := round2(math.Max(0, math.Min(100, *a.Average+a.Items)))
		a.Final = &f
		a.Grade = gradeOf(a.Final, a.Veto)
	}
	// Ranked within each level by the final score; a veto ranks last.
	slices.SortStableFunc(out.Areas, func(a, b YearArea) int {
		if a.Level != b.Level {
			return slices.Index(Levels, a.Level) - slices.Index(Levels, b.Level)
		}
		if a.Veto != b.Veto {
			return boolInt(a.Veto) - boolInt(b.Veto)
		}
		return cmpDesc(a.Final, b.Final)
	})
	// Standard competition ranking (1, 2, 2, 4) within each level.
	for i := range out.Areas {
		a := &out.Areas[i]
		first := firstOfLevel(out.Areas, a.Level)
		a.Rank = i - first + 1
		if p := out.Areas[max(i-1, 0)]; i > first && p.Veto == a.Veto && *p.Final == *a.Final {
			a.Rank = p.Rank
		}
	}
	return out, nil
}

func firstOfLevel(list []YearArea, level string) int {
	return slices.IndexFunc(list, func(a YearArea) bool { return a.Level == level })
}

// yearOpen checks the caller keeps the root and the year is not
// published.
func yearOpen(ctx context.Context, tx *db.Tx, rootID string, y int) (string, error) {
	path, err := rootPath(ctx, tx, authz.SafetyWrite, rootID)
	if err != nil {
		return "", err
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM safety_years WHERE root_id = ? AND year = ?", rootID, y).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "", apperr.E(apperr.Conflict, "safety.year_published", "year", y)
	}
	return path, nil
}

// AddYearItem adds a bonus, deduction or veto for a county or town under
// the root, with its reason, while the year is not published. Audited.
func (s *Service) AddYearItem(ctx context.Context, rootID, year string, in YearItemInput) (Year, error) {
	y, err := yearOf(year)
	if err != nil {
		return Year{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := yearOpen(ctx, tx, rootID, y)
		if err != nil {
			return err
		}
		var f apperr.Fields
		in.Reason = strings.TrimSpace(in.Reason)
		p, perr := org.PathOf(ctx, tx, in.AreaID, "area_id")
		kind, _ := org.KindOf(ctx, tx, in.AreaID, "area_id")
		if perr != nil || !strings.HasPrefix(p, path) || !slices.Contains(Levels, kind) {
			f.Add("area_id", "safety.year_area")
		}
		switch in.Kind {
		case "bonus", "deduction":
			max := 10.0
			if in.Kind == "deduction" {
				max = 20
			}
			if math.IsNaN(in.Points) || in.Points <= 0 || in.Points > max {
				f.Add("points", "validation.range", "min", 0.5, "max", max)
			}
		case "veto":
			in.Points = 0
		default:
			f.Add("kind", "validation.one_of", "values", strings.Join(YearItemKinds, ", "))
		}
		if n := len([]rune(in.Reason)); n < 4 || n > 500 {
			f.Add("reason", "validation.length", "min", 4, "max", 500)
		}
		if err := f.Err(); err != nil {
			return err
		}
		pr, id := authz.From(ctx), db.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO safety_year_items (id, root_id, year, area_id, kind, points, reason, created_by, by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, rootID, y, in.AreaID, in.Kind, round2(in.Points), in.Reason, pr.UserID, pr.DisplayName, db.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.year.item_add", "safety_year_item", id, fmt.Sprintf("%d %s %.2f: %s", y, in.Kind, in.Points, in.Reason))
	})
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, rootID, year)
}

// RemoveYearItem removes an item while the year is not published. Audited.
func (s *Service) RemoveYearItem(ctx context.Context, rootID, year, itemID string) (Year, error) {
	y, err := yearOf(year)
	if err != nil {
		return Year{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := yearOpen(ctx, tx, rootID, y); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM safety_year_items WHERE id = ? AND root_id = ? AND year = ?", itemID, rootID, y)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("safety_year_item")
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.year.item_remove", "safety_year_item", itemID, strconv.Itoa(y))
	})
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, rootID, year)
}

// PublishYear fixes a year that has ended: its items no longer change, and
// its months are all published already. Audited.
func (s *Service) PublishYear(ctx context.Context, rootID, year string) (Year, error) {
	y, err := yearOf(year)
	if err != nil {
		return Year{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := yearOpen(ctx, tx, rootID, y); err != nil {
			return err
		}
		if s.Now().In(Zone).Year() <= y {
			return apperr.E(apperr.Conflict, "safety.year_running", "year", y)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO safety_years (root_id, year, published_at, published_by) VALUES (?, ?, ?, ?)",
			rootID, y, db.Now(), authz.From(ctx).UserID); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.year.publish", "safety_year", rootID, strconv.Itoa(y))
	})
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, rootID, year)
}
