package visit

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Kinds are the facts that call for a visit (八必访), in the order the
// configuration shows them.
var Kinds = []string{"new_arrival", "tenant", "birth", "death", "elderly_alone", "care_target", "hardship", "dispute", "event"}

// Care kinds behind the care triggers (package keyperson's CareKinds).
var (
	elderlyKinds  = []string{"elderly_alone"}
	hardshipKinds = []string{"low_income"}
	otherCare     = []string{"left_behind_elderly", "left_behind_woman", "left_behind_child", "disabled"}
)

// LookbackDays is how far back a one-time fact (an arrival, a birth, a
// death, a dispute, an event) still calls for a visit when the sweep
// first meets it.
const LookbackDays = 30

// Trigger is one line of a county's list: whether it is on, the days
// within which the visit is due, and, for a lasting condition, the days
// between visits while it holds (0: one visit).
type Trigger struct {
	Kind       string   `json:"kind"`
	Enabled    bool     `json:"enabled"`
	DueDays    int      `json:"due_days"`
	EveryDays  int      `json:"every_days"`
	Categories []string `json:"categories"` // event categories (kind event)
	OrgID      string   `json:"org_id,omitempty"`
	Version    int      `json:"version"` // 0: the default, never saved
	path       string
}

// Defaults are the triggers of a county that has set none.
func Defaults() []Trigger {
	return []Trigger{
		{Kind: "new_arrival", Enabled: true, DueDays: 3},
		{Kind: "tenant", Enabled: true, DueDays: 7, EveryDays: 90},
		{Kind: "birth", Enabled: true, DueDays: 7},
		{Kind: "death", Enabled: true, DueDays: 3},
		{Kind: "elderly_alone", Enabled: true, DueDays: 3, EveryDays: 7},
		{Kind: "care_target", Enabled: true, DueDays: 7, EveryDays: 30},
		{Kind: "hardship", Enabled: true, DueDays: 7, EveryDays: 30},
		{Kind: "dispute", Enabled: true, DueDays: 3},
		{Kind: "event", Enabled: false, DueDays: 3},
	}
}

func defaultOf(kind string) Trigger {
	for _, t := range Defaults() {
		if t.Kind == kind {
			return t
		}
	}
	return Trigger{Kind: kind}
}

// allTriggers reads every saved trigger, shallowest area first.
func allTriggers(ctx context.Context, q db.Querier) ([]Trigger, error) {
	rows, err := q.QueryContext(ctx, "SELECT org_id, path, kind, enabled, due_days, every_days, categories, version FROM visit_triggers ORDER BY path, kind")
	if err != nil {
		return nil, err
	}
	out := []Trigger{}
	for rows.Next() {
		var t Trigger
		var enabled int
		var cats string
		if err := rows.Scan(&t.OrgID, &t.path, &t.Kind, &enabled, &t.DueDays, &t.EveryDays, &cats, &t.Version); err != nil {
			rows.Close()
			return nil, err
		}
		t.Enabled = enabled == 1
		t.Categories = splitList(cats)
		out = append(out, t)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// effective is the trigger of kind that holds at path: the one saved at
// the deepest area at or above path, else the default.
func effective(saved []Trigger, kind, path string) Trigger {
	best := defaultOf(kind)
	depth := -1
	for _, t := range saved {
		if t.Kind == kind && strings.HasPrefix(path, t.path) && len(t.path) > depth {
			best, depth = t, len(t.path)
		}
	}
	return best
}

// Triggers returns the list that holds at area orgID, every kind.
func (s *Service) Triggers(ctx context.Context, orgID string) ([]Trigger, error) {
	path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkRead, orgID, "org_id")
	if err != nil {
		return nil, err
	}
	saved, err := allTriggers(ctx, s.db.Reader())
	if err != nil {
		return nil, err
	}
	out := make([]Trigger, 0, len(Kinds))
	for _, k := range Kinds {
		t := effective(saved, k, path)
		if t.Categories == nil {
			t.Categories = []string{}
		}
		out = append(out, t)
	}
	return out, nil
}

// TriggerInput sets one trigger of an area (a county, usually).
type TriggerInput struct {
	OrgID      string   `json:"org_id"`
	Kind       string   `json:"kind"`
	Enabled    bool     `json:"enabled"`
	DueDays    int      `json:"due_days"`
	EveryDays  int      `json:"every_days"`
	Categories []string `json:"categories,omitempty"`
	Version    int      `json:"version"` // the version read (0 for a default); a stale one answers 409
}

// SetTrigger saves one trigger of an area, audited.
func (s *Service) SetTrigger(ctx context.Context, in TriggerInput) (Trigger, error) {
	var f apperr.Fields
	if !slices.Contains(Kinds, in.Kind) {
		f.Add("kind", "visit.kind_unknown", "value", in.Kind)
	}
	if in.DueDays < 0 || in.DueDays > 90 {
		f.Add("due_days", "visit.days_range", "min", 0, "max", 90)
	}
	if in.EveryDays < 0 || in.EveryDays > 365 {
		f.Add("every_days", "visit.days_range", "min", 0, "max", 365)
	}
	if len(in.Categories) > 20 {
		f.Add("categories", "visit.too_many", "max", 20)
	}
	for i, c := range in.Categories {
		if c = strings.TrimSpace(c); c == "" || len(c) > 40 || strings.Contains(c, ",") {
			f.Add("categories["+itoa(i)+"]", "visit.category_invalid")
		}
	}
	if in.Kind == "event" && in.Enabled && len(in.Categories) == 0 {
		f.Add("categories", "visit.categories_required")
	}
	if in.OrgID == "" {
		f.Add("org_id", "visit.required")
	}
	if err := f.Err(); err != nil {
		return Trigger{}, err
	}
	path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkSteer, in.OrgID, "org_id")
	if err != nil {
		return Trigger{}, err
	}
	enabled := 0
	if in.Enabled {
		enabled = 1
	}
	cats := strings.Join(in.Categories, ",")
	now := s.Now().UnixMilli()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var have int
		err := tx.QueryRowContext(ctx, "SELECT version FROM visit_triggers WHERE org_id = ? AND kind = ?", in.OrgID, in.Kind).Scan(&have)
		if errors.Is(err, sql.ErrNoRows) {
			have = 0
		} else if err != nil {
			return err
		}
		if have != in.Version {
			return apperr.E(apperr.Conflict, "visit.stale", "version", have)
		}
		if have == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO visit_triggers (id, org_id, path, kind, enabled, due_days, every_days, categories, version, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, db.NewID(), in.OrgID, path, in.Kind, enabled, in.DueDays, in.EveryDays, cats, authz.From(ctx).UserID, now)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE visit_triggers SET enabled = ?, due_days = ?, every_days = ?, categories = ?, version = version + 1, updated_by = ?, updated_at = ?
				WHERE org_id = ? AND kind = ?`, enabled, in.DueDays, in.EveryDays, cats, authz.From(ctx).UserID, now, in.OrgID, in.Kind)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkSteer, "visit.trigger_set", "visit_trigger", in.OrgID, in.Kind)
	})
	if err != nil {
		return Trigger{}, err
	}
	return Trigger{Kind: in.Kind, Enabled: in.Enabled, DueDays: in.DueDays, EveryDays: in.EveryDays, Categories: splitList(cats), OrgID: in.OrgID, Version: in.Version + 1}, nil
}
