package visit

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Task is a visit due on a member's list, with its light: green (open,
// not yet due), yellow (due today or tomorrow), red (past its day), done.
type Task struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	SubjectType  string `json:"subject_type"`
	SubjectID    string `json:"subject_id"`
	SubjectLabel string `json:"subject_label"`
	GridID       string `json:"grid_id,omitempty"`
	GridName     string `json:"grid_name,omitempty"`
	OrgID        string `json:"org_id"`
	OrgName      string `json:"org_name"`
	WorkerID     string `json:"worker_id,omitempty"`
	WorkerName   string `json:"worker_name,omitempty"`
	DueOn        string `json:"due_on"`
	Status       string `json:"status"`
	Light        string `json:"light"`
	RecordID     string `json:"record_id,omitempty"`
	DoneAt       *int64 `json:"done_at,omitempty"`
	Version      int    `json:"version"`
	path         string
}

// TaskQuery filters the task lists. Light is green, yellow, red or done;
// Status open or done (open when empty and Light is not done).
type TaskQuery struct {
	OrgID, Status, Light, Kind string
	Limit                      int
}

// TaskList is a list of tasks with the counts of their lights.
type TaskList struct {
	Items  []Task         `json:"items"`
	Counts map[string]int `json:"counts"`
}

const taskCols = `t.id, t.trigger_kind, t.subject_type, t.subject_id, t.subject_label, COALESCE(t.grid_id, ''), COALESCE(g.name, ''), t.org_id, o.name,
	COALESCE(t.worker_id, ''), t.due_on, t.status, COALESCE(t.record_id, ''), t.done_at, t.version, t.path
	FROM visit_tasks t JOIN org_nodes o ON o.id = t.org_id LEFT JOIN grids g ON g.id = t.grid_id`

func (s *Service) scanTask(sc interface{ Scan(...any) error }) (Task, error) {
	var t Task
	err := sc.Scan(&t.ID, &t.Kind, &t.SubjectType, &t.SubjectID, &t.SubjectLabel, &t.GridID, &t.GridName, &t.OrgID, &t.OrgName,
		&t.WorkerID, &t.DueOn, &t.Status, &t.RecordID, &t.DoneAt, &t.Version, &t.path)
	t.Light = s.light(t.Status, t.DueOn)
	return t, err
}

// light is a task's light today.
func (s *Service) light(status, dueOn string) string {
	today := dayOf(s.Now().UnixMilli())
	switch {
	case status == "done":
		return "done"
	case today > dueOn:
		return "red"
	case addDays(today, 1) >= dueOn:
		return "yellow"
	}
	return "green"
}

// lightSQL is the condition of a light, and its arguments.
func (s *Service) lightSQL(light string) (string, []any) {
	today := dayOf(s.Now().UnixMilli())
	switch light {
	case "done":
		return "t.status = 'done'", nil
	case "red":
		return "t.status = 'open' AND t.due_on < ?", []any{today}
	case "yellow":
		return "t.status = 'open' AND t.due_on >= ? AND t.due_on <= ?", []any{today, addDays(today, 1)}
	case "green":
		return "t.status = 'open' AND t.due_on > ?", []any{addDays(today, 1)}
	}
	return "t.status = 'open'", nil
}

// Tasks lists the visit tasks of an area (gridwork.read), soonest due
// first, with the counts of the lights.
func (s *Service) Tasks(ctx context.Context, q TaskQuery) (TaskList, error) {
	where, args := authz.ScopeSQL("t.path", authz.From(ctx).Scopes(authz.GridworkRead))
	if q.OrgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkRead, q.OrgID, "org_id")
		if err != nil {
			return TaskList{}, err
		}
		c, a := authz.Under("t.path", path)
		where, args = where+" AND "+c, append(args, a...)
	}
	return s.tasks(ctx, where, args, q)
}

// MyTasks lists the open visit tasks on the caller's own list (their
// roster entry), and those done today.
func (s *Service) MyTasks(ctx context.Context, q TaskQuery) (TaskList, error) {
	p := authz.From(ctx)
	w, err := org.WorkerOfUser(ctx, s.db.Reader(), p.UserID)
	if err != nil {
		return TaskList{Items: []Task{}, Counts: map[string]int{}}, nil // no roster entry: no list
	}
	where, args := authz.ScopeSQL("t.path", p.Scopes(authz.GridworkDo))
	where, args = where+" AND t.worker_id = ?", append(args, w.ID)
	return s.tasks(ctx, where, args, q)
}

func (s *Service) tasks(ctx context.Context, where string, args []any, q TaskQuery) (TaskList, error) {
	if q.Kind != "" {
		where, args = where+" AND t.trigger_kind = ?", append(args, q.Kind)
	}
	out := TaskList{Items: []Task{}, Counts: map[string]int{}}
	// The counts of the lights over the same filter, without the light.
	today := dayOf(s.Now().UnixMilli())
	var red, yellow, green, done int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN t.status = 'open' AND t.due_on < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.status = 'open' AND t.due_on >= ? AND t.due_on <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.status = 'open' AND t.due_on > ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.status = 'done' AND t.done_at >= ? THEN 1 ELSE 0 END), 0)
		FROM visit_tasks t WHERE `+where, append([]any{today, today, addDays(today, 1), addDays(today, 1), startOf(today)}, args...)...).Scan(&red, &yellow, &green, &done); err != nil {
		return out, err
	}
	out.Counts = map[string]int{"red": red, "yellow": yellow, "green": green, "done_today": done}
	c, a := s.lightSQL(q.Light)
	if q.Status == "done" {
		c, a = "t.status = 'done'", nil
	}
	where, args = where+" AND "+c, append(args, a...)
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	order := " ORDER BY t.due_on, t.id"
	if q.Status == "done" || q.Light == "done" {
		order = " ORDER BY t.done_at DESC, t.id"
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+taskCols+" WHERE "+where+order+" LIMIT "+itoa(limit), args...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		t, err := s.scanTask(rows)
		if err != nil {
			rows.Close()
			return out, err
		}
		out.Items = append(out.Items, t)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return out, err
	}
	ids := make([]string, len(out.Items))
	for i, t := range out.Items {
		ids[i] = t.WorkerID
	}
	names, err := org.WorkerNames(ctx, s.db.Reader(), ids)
	for i := range out.Items {
		out.Items[i].WorkerName = names[out.Items[i].WorkerID]
	}
	return out, err
}

// task reads one task the caller covers with perm; others are not found.
func (s *Service) task(ctx context.Context, q db.Querier, id string, perm authz.Perm) (Task, error) {
	t, err := s.scanTask(q.QueryRowContext(ctx, "SELECT "+taskCols+" WHERE t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(perm, t.path)) {
		return Task{}, apperr.NotFoundf("visit_task")
	}
	return t, err
}

// HandOver moves the open visit tasks of roster member from to member to
// inside tx (a member moved or leaving), and returns how many moved.
func (s *Service) HandOver(ctx context.Context, tx *db.Tx, from, to string) (int, error) {
	res, err := tx.ExecContext(ctx, "UPDATE visit_tasks SET worker_id = ?, version = version + 1 WHERE worker_id = ? AND status = 'open'", to, from)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
