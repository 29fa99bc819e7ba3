package duty

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/tally"
)

// Today is a member's day on the phone: today's tasks (the carry-overs
// among them name yesterday's reason), tasks left open from before, the
// next week's, the tasks they carried yesterday, and the tasks of the
// grids they serve that are someone else's (the police officer's with a
// grid member's, and the other way round).
type Today struct {
	Day      string `json:"day"`
	WorkerID string `json:"worker_id,omitempty"`
	Name     string `json:"name,omitempty"`
	Tasks    []Task `json:"tasks"`
	Upcoming []Task `json:"upcoming"`
	Carried  []Task `json:"carried"` // yesterday's tasks carried to today, with their reasons
	Shared   []Task `json:"shared"`
	// ToClose is how many of today's tasks are still open: "close the day"
	// asks for each to be closed or carried.
	ToClose   int `json:"to_close"`
	CloseHour int `json:"close_hour"`
}

// Today gathers the caller's day. A caller on no roster has an empty day.
func (s *Service) Today(ctx context.Context) (Today, error) {
	q := s.db.Reader()
	day := s.today()
	out := Today{Day: day, Tasks: []Task{}, Upcoming: []Task{}, Carried: []Task{}, Shared: []Task{}, CloseHour: s.CloseHour(ctx)}
	v, err := s.viewerOf(ctx, q)
	if err != nil || v.worker.ID == "" {
		return out, err
	}
	out.WorkerID, out.Name = v.worker.ID, v.worker.Name
	rs, err := s.queryTasks(ctx, q, `t.id IN (SELECT task_id FROM duty_assignees WHERE worker_id = ?)
		AND (t.due_on = ? OR (t.status = 'open' AND t.due_on <= ?) OR (t.status = 'carried' AND t.due_on = ?))`,
		"ORDER BY t.due_on, t.created_at, t.id", v.worker.ID, day, addDays(day, 7), addDays(day, -1))
	if err != nil {
		return out, err
	}
	for _, r := range rs {
		t, _ := s.show(v, r)
		switch {
		case t.Status == "carried" && t.DueOn < day:
			out.Carried = append(out.Carried, t)
		case t.DueOn > day:
			out.Upcoming = append(out.Upcoming, t)
		default:
			out.Tasks = append(out.Tasks, t)
			if t.Status == "open" {
				out.ToClose++
			}
		}
	}
	var grids []any
	for g := range v.grids {
		grids = append(grids, g)
	}
	sort.Slice(grids, func(i, j int) bool { return grids[i].(string) < grids[j].(string) })
	if len(grids) > 0 {
		in := "?"
		for range grids[1:] {
			in += ", ?"
		}
		args := append(append([]any{}, grids...), day, v.worker.ID)
		rs, err := s.queryTasks(ctx, q, "t.grid_id IN ("+in+") AND t.due_on = ? AND t.id NOT IN (SELECT task_id FROM duty_assignees WHERE worker_id = ?)",
			"ORDER BY t.grid_id, t.created_at, t.id", args...)
		if err != nil {
			return out, err
		}
		for _, r := range rs {
			if t, ok := s.show(v, r); ok {
				out.Shared = append(out.Shared, t)
			}
		}
	}
	return out, nil
}

// ListQuery filters the centres' task list.
type ListQuery struct {
	OrgID, Day, Status, WorkerID, Source string
	Limit                                int
}

// List returns the tasks of the caller's areas (gridwork.read), or
// org_id's, newest due day first.
func (s *Service) List(ctx context.Context, lq ListQuery) (Items[Task], error) {
	q := s.db.Reader()
	p := authz.From(ctx)
	where, args := "1 = 1", []any{}
	if lq.OrgID != "" {
		path, err := org.PathIn(ctx, q, authz.GridworkRead, lq.OrgID, "org_id")
		if err != nil {
			return Items[Task]{}, err
		}
		cond, a := authz.Under("t.path", path)
		where, args = cond, a
	} else {
		cond, a := authz.ScopeSQL("t.path", p.Scopes(authz.GridworkRead))
		where, args = cond, a
	}
	if lq.Day != "" {
		if !validDay(lq.Day) {
			return Items[Task]{}, apperr.Field("day", "duty.day_invalid")
		}
		where, args = where+" AND t.due_on = ?", append(args, lq.Day)
	}
	if lq.Status != "" {
		var f apperr.Fields
		regkit.OneOf(&f, "status", lq.Status, Statuses, false)
		if err := f.Err(); err != nil {
			return Items[Task]{}, err
		}
		where, args = where+" AND t.status = ?", append(args, lq.Status)
	}
	if lq.Source != "" {
		where, args = where+" AND t.source = ?", append(args, lq.Source)
	}
	if lq.WorkerID != "" {
		where, args = where+" AND t.id IN (SELECT task_id FROM duty_assignees WHERE worker_id = ?)", append(args, lq.WorkerID)
	}
	limit := regkit.ClampLimit(lq.Limit)
	rs, err := s.queryTasks(ctx, q, where, "ORDER BY t.due_on DESC, t.created_at DESC, t.id LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return Items[Task]{}, err
	}
	v := viewer{p: p}
	out := Items[Task]{Items: []Task{}}
	for _, r := range rs {
		if t, ok := s.show(v, r); ok {
			out.Items = append(out.Items, t)
		}
	}
	return out, nil
}

// Count is one line of the day board: the tasks due that day, how many
// were closed, carried with a reason, carried by the job with none, and
// still open, and the share cleared (closed or carried with a reason).
type Count struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Due          int    `json:"due"`
	Closed       int    `json:"closed"`
	Carried      int    `json:"carried"`
	CarriedAuto  int    `json:"carried_auto"`
	Open         int    `json:"open"`
	ClearedShare int    `json:"cleared_percent"`
}

func (c *Count) add(t Task) {
	c.Due++
	switch {
	case t.Status == "closed":
		c.Closed++
	case t.Status == "carried" && t.CarriedAuto:
		c.CarriedAuto++
	case t.Status == "carried":
		c.Carried++
	default:
		c.Open++
	}
	c.ClearedShare = (c.Closed + c.Carried) * 100 / c.Due
}

// Board is the day board of an area (日清): the day's totals, by member and
// by grid, the tasks carried in from the day before with their reasons,
// and the day's own carried tasks.
type Board struct {
	Day       string  `json:"day"`
	OrgID     string  `json:"org_id"`
	Total     Count   `json:"total"`
	Areas     []Count `json:"areas"` // by area directly under the board's (towns of a county, villages of a town)
	Members   []Count `json:"members"`
	Grids     []Count `json:"grids"`
	CarriedIn []Task  `json:"carried_in"`
	Carried   []Task  `json:"carried"`
	Open      []Task  `json:"open"`
}

// Board reads the day board of org_id (the caller's first area when
// empty) for day (today when empty).
func (s *Service) Board(ctx context.Context, orgID, day string) (Board, error) {
	q := s.db.Reader()
	p := authz.From(ctx)
	if day == "" {
		day = s.today()
	}
	if !validDay(day) {
		return Board{}, apperr.Field("day", "duty.day_invalid")
	}
	var path string
	var err error
	if orgID == "" {
		scopes := p.Scopes(authz.GridworkRead)
		if len(scopes) == 0 {
			return Board{}, apperr.NotFoundf("org")
		}
		if orgID, err = org.TopUnder(ctx, q, scopes[0]); err != nil {
			return Board{}, err
		}
	}
	if path, err = org.PathIn(ctx, q, authz.GridworkRead, orgID, "org_id"); err != nil {
		return Board{}, err
	}
	under, args := authz.Under("t.path", path)
	rs, err := s.queryTasks(ctx, q, under+" AND t.due_on = ?", "ORDER BY t.created_at, t.id", append(args, day)...)
	if err != nil {
		return Board{}, err
	}
	out := Board{Day: day, OrgID: orgID, Areas: []Count{}, Members: []Count{}, Grids: []Count{}, CarriedIn: []Task{}, Carried: []Task{}, Open: []Task{}}
	members, grids := map[string]*Count{}, map[string]*Count{}
	children, err := org.Children(ctx, q, orgID)
	if err != nil {
		return Board{}, err
	}
	type child struct {
		path  string
		count *Count
	}
	var areas []child
	for _, c := range children {
		cp, err := org.PathOf(ctx, q, c.ID, "")
		if err != nil {
			return Board{}, err
		}
		areas = append(areas, child{cp, &Count{ID: c.ID, Name: c.Name}})
	}
	v := viewer{p: p}
	for _, r := range rs {
		t, _ := s.show(v, r)
		out.Total.add(t)
		for _, a := range t.Assignees {
			c := members[a.WorkerID]
			if c == nil {
				c = &Count{ID: a.WorkerID, Name: a.Name}
				members[a.WorkerID] = c
			}
			c.add(t)
		}
		for _, a := range areas {
			if strings.HasPrefix(r.Path, a.path) {
				a.count.add(t)
				break
			}
		}
		g := t.GridID
		c := grids[g]
		if c == nil {
			c = &Count{ID: g, Name: t.GridName}
			grids[g] = c
		}
		c.add(t)
		if t.CarriedFrom != "" {
			out.CarriedIn = append(out.CarriedIn, t)
		}
		switch t.Status {
		case "carried":
			out.Carried = append(out.Carried, t)
		case "open":
			out.Open = append(out.Open, t)
		}
	}
	for _, a := range areas {
		if a.count.Due > 0 {
			out.Areas = append(out.Areas, *a.count)
		}
	}
	for _, c := range members {
		out.Members = append(out.Members, *c)
	}
	for _, c := range grids {
		out.Grids = append(out.Grids, *c)
	}
	order := func(cs []Count) {
		sort.Slice(cs, func(i, j int) bool {
			if cs[i].ClearedShare != cs[j].ClearedShare {
				return cs[i].ClearedShare < cs[j].ClearedShare
			}
			return cs[i].Name < cs[j].Name
		})
	}
	order(out.Areas)
	order(out.Members)
	order(out.Grids)
	return out, nil
}

// Metrics of Tally.
const (
	// MetricSameDay: Done = tasks closed on or before their due day, Due =
	// tasks due in the period (a carried task is one not closed that day).
	MetricSameDay = "task.same_day"
	// MetricCleared: Done = tasks closed or carried with a reason on their
	// day (日清), Due = tasks due in the period; the job's carries count
	// against it.
	MetricCleared = "task.day_cleared"
)

// dayOf is the CST day of a Unix millisecond time.
func dayOf(ms int64) string { return time.UnixMilli(ms).In(shanghai).Format(time.DateOnly) }

// Tally counts, per roster member, the tasks due in p (by due day, the
// CST days of [From, To)) under p.Path: how many were closed on or before
// their day, and how many were cleared that day.
func (s *Service) Tally(ctx context.Context, p tally.Period) (tally.Sheets, error) {
	from, to := dayOf(p.From), dayOf(p.To-1)
	under, args := authz.Under("t.path", p.Path)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT a.worker_id, count(*),
		sum(CASE WHEN t.status = 'closed' AND t.closed_on <= t.due_on THEN 1 ELSE 0 END),
		sum(CASE WHEN (t.status = 'closed' AND t.closed_on <= t.due_on) OR (t.status = 'carried' AND t.carried_auto = 0) THEN 1 ELSE 0 END)
		FROM duty_assignees a JOIN duty_tasks t ON t.id = a.task_id
		WHERE t.due_on >= ? AND t.due_on <= ? AND `+under+` GROUP BY a.worker_id`, append([]any{from, to}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := tally.Sheets{}
	for rows.Next() {
		var w string
		var due, same, cleared int
		if err := rows.Scan(&w, &due, &same, &cleared); err != nil {
			return nil, err
		}
		out.Add(MetricSameDay, w, tally.Count{Done: same, Due: due})
		out.Add(MetricCleared, w, tally.Count{Done: cleared, Due: due})
	}
	return out, rows.Err()
}

// HandOver gives the open tasks of roster member from to member to (a
// member moved or gone): to takes from's place on each, or from just
// leaves a joint task to already holds. It returns how many tasks moved.
func (s *Service) HandOver(ctx context.Context, tx *db.Tx, from, to string) (int, error) {
	names, err := org.WorkerNames(ctx, tx, []string{to})
	if err != nil {
		return 0, err
	}
	name, ok := names[to]
	if !ok {
		return 0, apperr.Field("successor", "duty.worker_unknown", "id", to)
	}
	open := "task_id IN (SELECT id FROM duty_tasks WHERE status = 'open')"
	if _, err := tx.ExecContext(ctx, `DELETE FROM duty_assignees WHERE worker_id = ? AND `+open+`
		AND task_id IN (SELECT task_id FROM duty_assignees WHERE worker_id = ?)`, from, to); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, "UPDATE duty_assignees SET worker_id = ?, name = ? WHERE worker_id = ? AND "+open, to, name, from)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		if err := s.record(ctx, tx, authz.WorkforceWrite, "duty.hand_over", "worker", from, "to "+to); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// CarryLeftovers is the end-of-day job (日清): from the close hour on, it
// carries every task still open and due today or before to tomorrow,
// marked "not closed, no reason"; before the hour, what is left of earlier
// days goes to today. It returns how many tasks it carried.
func (s *Service) CarryLeftovers(ctx context.Context) (int, error) {
	now := s.Now().In(shanghai)
	today := now.Format(time.DateOnly)
	cutoff := addDays(today, -1)
	if now.Hour() >= s.CloseHour(ctx) {
		cutoff = today
	}
	to := addDays(cutoff, 1)
	total := 0
	for {
		ids, err := db.Strings(ctx, s.db.Reader(), "SELECT id FROM duty_tasks WHERE status = 'open' AND due_on <= ? ORDER BY id LIMIT 500", cutoff)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			for _, id := range ids {
				if _, err := s.carry(ctx, tx, id, to, "", org.Worker{}); err != nil && err != errStale {
					return err
				}
			}
			return s.record(ctx, tx, "", "duty.auto_carry", "duty_task", ids[0], strconv.Itoa(len(ids))+" to "+to)
		})
		if err != nil {
			return total, err
		}
		total += len(ids)
	}
}
