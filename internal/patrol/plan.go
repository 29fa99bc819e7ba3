package patrol

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Window is one patrol window of a day, in the county's hours ("08:30").
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Slot is the window as stored: "08:30-10:00".
func (w Window) Slot() string { return w.From + "-" + w.To }

// DefaultWindows are the three patrols of a day (一日三巡) where no centre
// has set a plan: morning, afternoon and evening.
var DefaultWindows = []Window{{"08:30", "10:00"}, {"14:00", "15:30"}, {"19:00", "20:30"}}

// MaxWindows is the most windows a day may have.
const MaxWindows = 6

// Plan is the patrol windows an area sets: its standing plan (Day empty)
// or the plan of one day, which overrides the standing plans.
type Plan struct {
	ID        string   `json:"id"`
	OrgID     string   `json:"org_id"`
	OrgName   string   `json:"org_name"`
	Day       string   `json:"day"`
	Windows   []Window `json:"windows"`
	Version   int      `json:"version"`
	UpdatedAt int64    `json:"updated_at"`
	// Inherited: the plan is set above the area asked about, and reaches it.
	Inherited bool   `json:"inherited"`
	path      string `json:"-"`
}

// PlanInput sets an area's standing plan (day empty) or the plan of one
// day. Version is the version shown (0 for a new plan); an empty list of
// windows means no patrol that day.
type PlanInput struct {
	OrgID   string   `json:"org_id"`
	Day     string   `json:"day"`
	Windows []Window `json:"windows"`
	Version int      `json:"version"`
}

// Plans is what an area's day looks like: the plans set at the area and
// above it, and the windows that hold on the day asked about.
type Plans struct {
	OrgID   string   `json:"org_id"`
	Day     string   `json:"day"`
	Windows []Window `json:"windows"`
	// From is the plan the day's windows come from; empty for the default.
	From  string `json:"from"`
	Items []Plan `json:"items"`
}

func parseWindows(s string) []Window {
	out := []Window{}
	for _, part := range strings.Split(s, ",") {
		if from, to, ok := strings.Cut(part, "-"); ok {
			out = append(out, Window{from, to})
		}
	}
	return out
}

func joinWindows(ws []Window) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Slot()
	}
	return strings.Join(parts, ",")
}

func validHHMM(s string) bool {
	t, err := time.Parse("15:04", s)
	return err == nil && t.Format("15:04") == s
}

// checkPlan validates the input and sorts its windows by start.
func checkPlan(in *PlanInput, today string) error {
	var f apperr.Fields
	if in.OrgID == "" {
		f.Add("org_id", "validation.required")
	}
	if in.Day != "" {
		d, err := time.Parse(time.DateOnly, in.Day)
		if err != nil || d.Format(time.DateOnly) != in.Day {
			f.Add("day", "patrol.day_invalid")
		} else if in.Day < today {
			f.Add("day", "patrol.day_past")
		}
	}
	if len(in.Windows) > MaxWindows {
		f.Add("windows", "patrol.too_many_windows", "max", MaxWindows)
	}
	for i, w := range in.Windows {
		name := fmt.Sprintf("windows[%d]", i)
		switch {
		case !validHHMM(w.From) || !validHHMM(w.To):
			f.Add(name, "patrol.window_time")
		case w.To <= w.From:
			f.Add(name, "patrol.window_order")
		}
	}
	if len(f) == 0 {
		sort.Slice(in.Windows, func(i, j int) bool { return in.Windows[i].From < in.Windows[j].From })
		for i := 1; i < len(in.Windows); i++ {
			if in.Windows[i].From < in.Windows[i-1].To {
				f.Add(fmt.Sprintf("windows[%d]", i), "patrol.window_overlap")
			}
		}
	}
	if in.Version < 0 {
		f.Add("version", "validation.range", "min", 0, "max", 1<<30)
	}
	return f.Refuse()
}

// staleError is the 409 of a plan changed since it was shown: it carries
// the plan as it is now, for the screen to show and merge.
type staleError struct {
	err *apperr.Error
	cur Plan
}

func (e staleError) Error() string { return e.err.Error() }
func (e staleError) Unwrap() error { return e.err }
func (e staleError) Report() any   { return e.cur }

const planCols = `p.id, p.org_id, COALESCE(o.name, ''), p.day, p.windows, p.version, p.updated_at, p.path`

func scanPlan(sc interface{ Scan(...any) error }) (Plan, error) {
	var p Plan
	var ws string
	err := sc.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.Day, &ws, &p.Version, &p.UpdatedAt, &p.path)
	p.Windows = parseWindows(ws)
	return p, err
}

// plansAround lists the plans that may reach path on day (set at path or
// above it, standing or of that day) and, when below, those set under it.
func plansAround(ctx context.Context, q db.Querier, path, day string, below bool) ([]Plan, error) {
	at, args := authz.AtOrAbove("p.path", path)
	cond := at
	if below {
		under, uargs := authz.Under("p.path", path)
		cond = "(" + at + " OR " + under + ")"
		args = append(args, uargs...)
	}
	query := `SELECT ` + planCols + ` FROM patrol_plans p LEFT JOIN org_nodes o ON o.id = p.org_id WHERE ` + cond
	if day != "*" {
		query += " AND p.day IN ('', ?)"
		args = append(args, day)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY length(p.path), p.day", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// pick chooses among plans the one that holds at path on day: a plan of
// the day beats a standing plan wherever it is set, and among those of one
// kind the one nearest the area wins. ok is false when none reaches path.
func pick(plans []Plan, path, day string) (Plan, bool) {
	var best Plan
	found := false
	for _, p := range plans {
		if !strings.HasPrefix(path, p.path) || (p.Day != "" && p.Day != day) {
			continue
		}
		better := !found ||
			(p.Day != "" && best.Day == "") ||
			((p.Day != "") == (best.Day != "") && len(p.path) > len(best.path))
		if better {
			best, found = p, true
		}
	}
	return best, found
}

// PlansOf returns the plans that reach the area orgID and the windows that
// hold there on day (today when empty).
func (s *Service) PlansOf(ctx context.Context, orgID, day string) (Plans, error) {
	p := authz.From(ctx)
	q := s.db.Reader()
	if day == "" {
		day = s.today()
	} else if _, err := time.Parse(time.DateOnly, day); err != nil {
		return Plans{}, apperr.Refuse("day", "patrol.day_invalid")
	}
	path, err := s.readablePath(ctx, q, p, orgID)
	if err != nil {
		return Plans{}, err
	}
	all, err := plansAround(ctx, q, path, "*", false)
	if err != nil {
		return Plans{}, err
	}
	out := Plans{OrgID: orgID, Day: day, Windows: DefaultWindows, Items: []Plan{}}
	if cur, ok := pick(all, path, day); ok {
		out.Windows, out.From = cur.Windows, cur.ID
	}
	for _, pl := range all {
		if pl.Day != "" && pl.Day < s.today() {
			continue // past days' plans are history
		}
		pl.Inherited = pl.path != path
		out.Items = append(out.Items, pl)
	}
	return out, nil
}

// readablePath is the path of orgID when the caller may read or steer the
// patrols there; the caller's own top area when orgID is empty.
func (s *Service) readablePath(ctx context.Context, q db.Querier, p *authz.Principal, orgID string) (string, error) {
	if orgID == "" {
		scopes := append(p.Scopes(authz.GridworkRead), p.Scopes(authz.GridworkSteer)...)
		if len(scopes) == 0 {
			return "", apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.GridworkRead)
		}
		sort.Slice(scopes, func(i, j int) bool { return len(scopes[i]) < len(scopes[j]) })
		return scopes[0], nil
	}
	path, err := org.PathOf(ctx, q, orgID, "org_id")
	if err == nil && !p.Covers(authz.GridworkRead, path) && !p.Covers(authz.GridworkSteer, path) {
		err = apperr.Field("org_id", "org.not_found")
	}
	return path, err
}

// SetPlan sets an area's standing plan or the plan of one day. A plan set
// before with another version than the one shown is refused with the plan
// as it is now (409). The undone tasks of today and later under the area
// are made again from the new plan.
func (s *Service) SetPlan(ctx context.Context, in PlanInput) (Plan, error) {
	if err := checkPlan(&in, s.today()); err != nil {
		return Plan{}, err
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := org.ActivePathIn(ctx, tx, authz.GridworkSteer, in.OrgID, "org_id")
		if err != nil {
			return err
		}
		cur, err := scanPlan(tx.QueryRowContext(ctx, `SELECT `+planCols+` FROM patrol_plans p LEFT JOIN org_nodes o ON o.id = p.org_id
			WHERE p.org_id = ? AND p.day = ?`, in.OrgID, in.Day))
		now := s.now()
		who := authz.From(ctx).UserID
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if in.Version != 0 {
				return apperr.E(apperr.Conflict, "patrol.plan_gone")
			}
			id = db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_plans (id, org_id, path, day, windows, version, updated_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`, id, in.OrgID, path, in.Day, joinWindows(in.Windows), who, now, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case cur.Version != in.Version:
			return staleError{err: apperr.E(apperr.Conflict, "patrol.plan_stale", "version", cur.Version), cur: cur}
		default:
			id = cur.ID
			if _, err := tx.ExecContext(ctx, `UPDATE patrol_plans SET windows = ?, version = version + 1, updated_by = ?, updated_at = ? WHERE id = ?`,
				joinWindows(in.Windows), who, now, id); err != nil {
				return err
			}
		}
		if err := s.replan(ctx, tx, path, in.Day); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkSteer, "patrol.plan", "patrol_plan", id, in.Day+" "+joinWindows(in.Windows))
	})
	if err != nil {
		return Plan{}, err
	}
	return s.plan(ctx, id)
}

// DeletePlan removes an area's plan (its standing plan or a day's): the
// plans above it, or the default, hold again.
func (s *Service) DeletePlan(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var path, day string
		err := tx.QueryRowContext(ctx, "SELECT path, day FROM patrol_plans WHERE id = ?", id).Scan(&path, &day)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.GridworkSteer, path)) {
			return apperr.NotFoundf("patrol_plan")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM patrol_plans WHERE id = ?", id); err != nil {
			return err
		}
		if err := s.replan(ctx, tx, path, day); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkSteer, "patrol.plan_delete", "patrol_plan", id, day)
	})
}

func (s *Service) plan(ctx context.Context, id string) (Plan, error) {
	p, err := scanPlan(s.db.Reader().QueryRowContext(ctx, `SELECT `+planCols+` FROM patrol_plans p LEFT JOIN org_nodes o ON o.id = p.org_id WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFoundf("patrol_plan")
	}
	return p, err
}

// replan drops the undone tasks under path that a changed plan may no
// longer hold (today's, or the plan's own day when later) and makes
// today's again. Walked tasks stay: they happened.
func (s *Service) replan(ctx context.Context, tx *db.Tx, path, day string) error {
	today := s.today()
	if day != "" && day < today {
		return nil
	}
	under, args := authz.Under("path", path)
	cond := "day >= ?"
	arg := today
	if day != "" {
		cond, arg = "day = ?", day
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM patrol_tasks WHERE walked_at IS NULL AND "+cond+" AND "+under, append([]any{arg}, args...)...); err != nil {
		return err
	}
	if day == "" || day == today {
		_, err := s.materialise(ctx, tx, path, today)
		return err
	}
	return nil
}
