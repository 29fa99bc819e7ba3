package duty

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Assignee is a roster member a task is theirs.
type Assignee struct {
	WorkerID string `json:"worker_id"`
	Name     string `json:"name"`
}

// Task is one day's duty of one or more roster members.
type Task struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	Path        string     `json:"-"`
	GridID      string     `json:"grid_id,omitempty"`
	GridName    string     `json:"grid_name,omitempty"`
	Title       string     `json:"title"`
	Detail      string     `json:"detail"`
	Source      string     `json:"source"`
	DecisionID  string     `json:"decision_id,omitempty"`
	CarriedFrom string     `json:"carried_from,omitempty"`
	DueOn       string     `json:"due_on"`
	Status      string     `json:"status"`
	Result      string     `json:"result,omitempty"`
	ClosedOn    string     `json:"closed_on,omitempty"`
	ClosedBy    string     `json:"closed_by,omitempty"` // the roster member who closed or carried it
	CarryReason string     `json:"carry_reason,omitempty"`
	CarriedAuto bool       `json:"carried_auto"` // carried by the end-of-day job: not closed, no reason
	Version     int        `json:"version"`
	CreatedAt   int64      `json:"created_at"`
	Assignees   []Assignee `json:"assignees"`
	// For a carried task, what the day before said: its day, the reason,
	// and whether the job carried it with none.
	FromDay    string `json:"carried_from_day,omitempty"`
	FromReason string `json:"carried_reason,omitempty"`
	FromAuto   bool   `json:"carried_from_auto,omitempty"`
	// Mine: the caller is an assignee and may close or carry it. Shared:
	// the caller sees it as one of the grid's team (the police officer in
	// full, the others without the detail and result).
	Mine   bool `json:"mine"`
	Shared bool `json:"shared"`
}

// Items is a list answer.
type Items[T any] struct {
	Items []T `json:"items"`
}

const taskCols = `t.id, t.org_id, t.path, COALESCE(t.grid_id, ''), t.title, t.detail_sealed, t.source, COALESCE(t.decision_id, ''),
	COALESCE(t.carried_from, ''), t.due_on, t.status, t.result_sealed, t.closed_on, COALESCE(t.closed_by_worker, ''), t.carry_reason_sealed,
	t.carried_auto, t.version, t.created_at, COALESCE(f.due_on, ''), COALESCE(f.carry_reason_sealed, ''), COALESCE(f.carried_auto, 0)`

const taskFrom = ` FROM duty_tasks t LEFT JOIN duty_tasks f ON f.id = t.carried_from `

// raw is a task row before its sealed values are opened.
type raw struct {
	Task
	detail, result, reason, fromReason string
}

func scanTask(sc interface{ Scan(...any) error }) (raw, error) {
	var r raw
	var auto, fromAuto int
	err := sc.Scan(&r.ID, &r.OrgID, &r.Path, &r.GridID, &r.Title, &r.detail, &r.Source, &r.DecisionID, &r.CarriedFrom, &r.DueOn, &r.Status,
		&r.result, &r.ClosedOn, &r.ClosedBy, &r.reason, &auto, &r.Version, &r.CreatedAt, &r.FromDay, &r.fromReason, &fromAuto)
	r.CarriedAuto, r.FromAuto = auto == 1, fromAuto == 1
	return r, err
}

// queryTasks reads the tasks of a condition on t (and f), with their
// assignees and grid names, sealed values still sealed.
func (s *Service) queryTasks(ctx context.Context, q db.Querier, where, order string, args ...any) ([]raw, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+taskCols+taskFrom+"WHERE "+where+" "+order, args...)
	if err != nil {
		return nil, err
	}
	var out []raw
	for rows.Next() {
		r, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return out, s.fill(ctx, q, out)
}

// fill reads the assignees and grid names of rs.
func (s *Service) fill(ctx context.Context, q db.Querier, rs []raw) error {
	if len(rs) == 0 {
		return nil
	}
	at := map[string]int{}
	var grids []string
	for i := range rs {
		at[rs[i].ID] = i
		rs[i].Assignees = []Assignee{}
		if rs[i].GridID != "" && !slices.Contains(grids, rs[i].GridID) {
			grids = append(grids, rs[i].GridID)
		}
	}
	for start := 0; start < len(rs); start += 500 {
		part := rs[start:min(start+500, len(rs))]
		args := make([]any, len(part))
		for i, r := range part {
			args[i] = r.ID
		}
		rows, err := q.QueryContext(ctx, "SELECT task_id, worker_id, name FROM duty_assignees WHERE task_id IN (?"+strings.Repeat(", ?", len(part)-1)+") ORDER BY name, worker_id", args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var a Assignee
			if err := rows.Scan(&id, &a.WorkerID, &a.Name); err != nil {
				rows.Close()
				return err
			}
			rs[at[id]].Assignees = append(rs[at[id]].Assignees, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	names, err := org.GridNames(ctx, q, grids)
	if err != nil {
		return err
	}
	for i := range rs {
		rs[i].GridName = names[rs[i].GridID]
	}
	return nil
}

// viewer is what the caller is to the tasks: their roster entry (if any)
// and the grids they serve, with the ones they serve as police.
type viewer struct {
	p      *authz.Principal
	worker org.Worker
	grids  map[string]bool // grids served in any role
	police map[string]bool // grids served as the police officer
}

func (s *Service) viewerOf(ctx context.Context, q db.Querier) (viewer, error) {
	v := viewer{p: authz.From(ctx), grids: map[string]bool{}, police: map[string]bool{}}
	if v.p == nil || !v.p.Has(authz.GridworkDo) {
		return v, nil
	}
	w, err := org.WorkerOfUser(ctx, q, v.p.UserID)
	if apperr.Is(err, "not_found") {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.worker = w
	places, err := org.GridsServed(ctx, q, w.ID)
	if err != nil {
		return v, err
	}
	for _, pl := range places {
		v.grids[pl.GridID] = true
		if pl.Role == "police" {
			v.police[pl.GridID] = true
		}
	}
	return v, nil
}

// mine reports whether the viewer is an assignee of r.
func (v viewer) mine(r raw) bool {
	if v.worker.ID == "" {
		return false
	}
	for _, a := range r.Assignees {
		if a.WorkerID == v.worker.ID {
			return true
		}
	}
	return false
}

// show opens r for the viewer, or reports that they may not see it: the
// centres (gridwork.read over its area) and its assignees see it in full,
// the police officer of its grid too, the rest of the grid's team without
// the detail, result and reasons.
func (s *Service) show(v viewer, r raw) (Task, bool) {
	t := r.Task
	t.Mine = v.mine(r)
	full := t.Mine || v.p.Covers(authz.GridworkRead, r.Path) || (r.GridID != "" && v.police[r.GridID])
	if !full {
		if r.GridID == "" || !v.grids[r.GridID] {
			return Task{}, false
		}
		t.Shared = true
		return t, true
	}
	t.Shared = !t.Mine && r.GridID != "" && v.grids[r.GridID]
	t.Detail = s.open("duty_tasks.detail", r.ID, r.detail)
	t.Result = s.open("duty_tasks.result", r.ID, r.result)
	t.CarryReason = s.open("duty_tasks.carry_reason", r.ID, r.reason)
	if r.CarriedFrom != "" {
		t.FromReason = s.open("duty_tasks.carry_reason", r.CarriedFrom, r.fromReason)
	}
	return t, true
}

// Get returns a task the caller may see; any other is not found.
func (s *Service) Get(ctx context.Context, id string) (Task, error) {
	q := s.db.Reader()
	v, err := s.viewerOf(ctx, q)
	if err != nil {
		return Task{}, err
	}
	rs, err := s.queryTasks(ctx, q, "t.id = ?", "", id)
	if err != nil {
		return Task{}, err
	}
	if len(rs) == 0 {
		return Task{}, apperr.NotFoundf("task")
	}
	t, ok := s.show(v, rs[0])
	if !ok {
		return Task{}, apperr.NotFoundf("task")
	}
	return t, nil
}

// PushInput pushes a task to one or more roster members of an area or a
// grid: one task each, or one joint task for all (Joint).
type PushInput struct {
	OrgID     string   `json:"org_id,omitempty"`  // the area, when the task is not a grid's
	GridID    string   `json:"grid_id,omitempty"` // the grid the task is about
	WorkerIDs []string `json:"worker_ids"`
	Joint     bool     `json:"joint,omitempty"`
	Title     string   `json:"title"`
	Detail    string   `json:"detail,omitempty"`
	DueOn     string   `json:"due_on"`
	Source    string   `json:"source,omitempty"` // pushed (default), visit, other
}

// place is where a new task lives.
type place struct {
	orgID, path, gridID string
}

// placeOf resolves a task's area from a grid or an area the caller steers;
// one outside their areas is not found under its field.
func (s *Service) placeOf(ctx context.Context, q db.Querier, f *apperr.Fields, orgID, gridID string) (place, error) {
	p := authz.From(ctx)
	if gridID != "" {
		g, err := org.MainGrid(ctx, q, gridID, "")
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.GridworkSteer, g.Path)) {
			f.Add("grid_id", "duty.grid_unknown")
			return place{}, nil
		}
		return place{orgID: g.OrgID, path: g.Path, gridID: g.ID}, err
	}
	if orgID == "" {
		f.Add("org_id", "duty.required")
		return place{}, nil
	}
	path, err := org.ActivePathIn(ctx, q, authz.GridworkSteer, orgID, "org_id")
	if err := regkit.Collect(f, err); err != nil {
		return place{}, err
	}
	return place{orgID: orgID, path: path}, nil
}

// members checks that ids name active roster members under path (each
// once) and returns them; field names the input for the problems.
func members(ctx context.Context, q db.Querier, f *apperr.Fields, field, path string, ids []string) ([]org.Worker, error) {
	if len(ids) == 0 {
		f.Add(field, "duty.required")
		return nil, nil
	}
	if len(ids) > 50 {
		f.Add(field, "duty.too_many", "max", 50)
		return nil, nil
	}
	roster, err := org.WorkersIn(ctx, q, path)
	if err != nil {
		return nil, err
	}
	by := map[string]org.Worker{}
	for _, w := range roster {
		by[w.ID] = w
	}
	var out []org.Worker
	seen := map[string]bool{}
	for _, id := range ids {
		w, ok := by[id]
		if !ok {
			f.Add(field, "duty.worker_unknown", "id", id)
			return nil, nil
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, w)
		}
	}
	return out, nil
}

// Push makes the tasks of in: one for each member, or one joint task.
func (s *Service) Push(ctx context.Context, in PushInput) (Items[Task], error) {
	var ids []string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		ids, err = s.PushTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return Items[Task]{}, err
	}
	return s.byIDs(ctx, ids)
}

// PushTx is Push inside the caller's transaction, for the rooms whose
// work gives a member a task (a visit's follow-up, source "visit"): the
// principal in ctx must steer the task's area (a trigger job acts as the
// system). It returns the new tasks' ids.
func (s *Service) PushTx(ctx context.Context, tx *db.Tx, in PushInput) ([]string, error) {
	var f apperr.Fields
	in.Title, in.Detail = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail)
	if in.Source == "" {
		in.Source = "pushed"
	}
	regkit.OneOf(&f, "source", in.Source, []string{"pushed", "visit", "other"}, true)
	checkTask(&f, in.Title, in.Detail, in.DueOn, s.today())
	pl, err := s.placeOf(ctx, tx, &f, in.OrgID, in.GridID)
	if err != nil {
		return nil, err
	}
	var ws []org.Worker
	if pl.path != "" {
		if ws, err = members(ctx, tx, &f, "worker_ids", pl.path, in.WorkerIDs); err != nil {
			return nil, err
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	groups := [][]org.Worker{ws}
	if !in.Joint {
		groups = nil
		for _, w := range ws {
			groups = append(groups, []org.Worker{w})
		}
	}
	var ids []string
	for _, g := range groups {
		id, err := s.insertTask(ctx, tx, newTask{place: pl, title: in.Title, detail: in.Detail, source: in.Source, dueOn: in.DueOn}, g)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, s.record(ctx, tx, authz.GridworkSteer, "duty.push", "duty_task", ids[0], strings.Join(ids, ","))
}

// checkTask checks a task's title, detail and due day (not before today).
func checkTask(f *apperr.Fields, title, detail, due, today string) {
	if title == "" {
		f.Add("title", "duty.required")
	}
	regkit.CheckLen(f, "title", title, maxTitle)
	regkit.CheckLen(f, "detail", detail, maxText)
	switch {
	case due == "":
		f.Add("due_on", "duty.required")
	case !validDay(due):
		f.Add("due_on", "duty.day_invalid")
	case due < today:
		f.Add("due_on", "duty.day_past")
	}
}

// byIDs returns the tasks ids as the caller sees them, in order.
func (s *Service) byIDs(ctx context.Context, ids []string) (Items[Task], error) {
	out := Items[Task]{Items: []Task{}}
	for _, id := range ids {
		t, err := s.Get(ctx, id)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, t)
	}
	return out, nil
}

// newTask is a task about to be written.
type newTask struct {
	place
	title, detail, source, dueOn string
	decisionID, carriedFrom      string
}

// insertTask writes a task and its assignees inside tx.
func (s *Service) insertTask(ctx context.Context, tx *db.Tx, t newTask, ws []org.Worker) (string, error) {
	id := db.NewID()
	var by any
	if p := authz.From(ctx); p != nil {
		by = p.UserID
	}
	now := s.Now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `INSERT INTO duty_tasks (id, org_id, path, grid_id, title, detail_sealed, source, decision_id, carried_from, due_on,
		status, created_by, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, 1, ?, ?)`,
		id, t.orgID, t.path, regkit.Nullable(t.gridID), t.title, s.seal("duty_tasks.detail", id, t.detail), t.source,
		regkit.Nullable(t.decisionID), regkit.Nullable(t.carriedFrom), t.dueOn, by, now, now); err != nil {
		return "", err
	}
	for _, w := range ws {
		if _, err := tx.ExecContext(ctx, "INSERT INTO duty_assignees (task_id, worker_id, name) VALUES (?, ?, ?)", id, w.ID, w.Name); err != nil {
			return "", err
		}
	}
	return id, nil
}

// EditInput changes an open task's title, detail or due day; Version is
// the version the editor read.
type EditInput struct {
	Version int    `json:"version"`
	Title   string `json:"title"`
	Detail  string `json:"detail,omitempty"`
	DueOn   string `json:"due_on"`
}

// Edit changes an open task of an area the caller steers.
func (s *Service) Edit(ctx context.Context, id string, in EditInput) (Task, error) {
	var f apperr.Fields
	in.Title, in.Detail = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail)
	checkTask(&f, in.Title, in.Detail, in.DueOn, s.today())
	if err := f.Err(); err != nil {
		return Task{}, err
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Covers(authz.GridworkSteer, cur.path) {
			return apperr.NotFoundf("task")
		}
		if cur.status != "open" {
			return errNotOpen
		}
		if err := s.bump(ctx, tx, id, in.Version, cur.version, "title = ?, detail_sealed = ?, due_on = ?",
			in.Title, s.seal("duty_tasks.detail", id, in.Detail), in.DueOn); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkSteer, "duty.edit", "duty_task", id, "")
	})
	if err != nil {
		return Task{}, s.conflict(ctx, id, err)
	}
	return s.Get(ctx, id)
}

// locked is what a write checks of a task it holds.
type locked struct {
	path, status, dueOn string
	version             int
}

// lock reads a task's state inside tx, holding the row on PostgreSQL.
func (s *Service) lock(ctx context.Context, tx *db.Tx, id string) (locked, error) {
	var l locked
	err := tx.QueryRowContext(ctx, "SELECT path, status, due_on, version FROM duty_tasks WHERE id = ?"+tx.ForUpdate(), id).Scan(&l.path, &l.status, &l.dueOn, &l.version)
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.NotFoundf("task")
	}
	return l, err
}

// errStale and errNotOpen are the two conflicts of a task's writes; the
// answer carries the task as it is now (see conflict).
var (
	errStale   = apperr.E(apperr.Conflict, "duty.stale")
	errNotOpen = apperr.E(apperr.Conflict, "duty.not_open")
)

// bump updates a task when its version is still the one the writer read.
func (s *Service) bump(ctx context.Context, tx *db.Tx, id string, want, have int, set string, args ...any) error {
	if want != have {
		return errStale
	}
	res, err := tx.ExecContext(ctx, "UPDATE duty_tasks SET "+set+", version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
		append(args, s.Now().UnixMilli(), id, want)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStale
	}
	return nil
}

// conflict turns a stale or closed task's error into a 409 that carries
// the task as the caller may see it now (params version and current), so
// the phone can ask the user to merge; other errors pass.
func (s *Service) conflict(ctx context.Context, id string, err error) error {
	if err != errStale && err != errNotOpen {
		return err
	}
	cur, gerr := s.Get(ctx, id)
	if gerr != nil {
		return gerr
	}
	return apperr.E(apperr.Conflict, err.(*apperr.Error).Code, "version", cur.Version, "status", cur.Status, "current", cur)
}

// CloseInput closes a task with its result; Version is the version the
// member's phone read.
type CloseInput struct {
	Version int    `json:"version"`
	Result  string `json:"result"`
	// WorkerID: a centre recording the close for an assignee without an
	// account names them (the first assignee when empty).
	WorkerID string `json:"worker_id,omitempty"`
}

// CarryInput carries a task due today (or before) to the next day.
type CarryInput struct {
	Version  int    `json:"version"`
	Reason   string `json:"reason"`
	WorkerID string `json:"worker_id,omitempty"` // as in CloseInput
}

// Close closes one of the caller's tasks with its result, under the
// request's idempotency key (a phone's outbox sends it again after a lost
// answer and gets the same answer).
func (s *Service) Close(ctx context.Context, id string, in CloseInput, key idem.Key) (Task, error) {
	in.Result = strings.TrimSpace(in.Result)
	var f apperr.Fields
	if len([]rune(in.Result)) < 2 {
		f.Add("result", "duty.result_required")
	}
	regkit.CheckLen(&f, "result", in.Result, maxText)
	if err := f.Err(); err != nil {
		return Task{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		_, _, err := idem.Do(ctx, tx, key, func() (string, error) {
			w, perm, err := s.actor(ctx, tx, id, in.WorkerID)
			if err != nil {
				return "", err
			}
			cur, err := s.lock(ctx, tx, id)
			if err != nil {
				return "", err
			}
			if cur.status != "open" {
				return "", errNotOpen
			}
			if err := s.bump(ctx, tx, id, in.Version, cur.version, "status = 'closed', result_sealed = ?, closed_on = ?, closed_at = ?, closed_by_worker = ?, closed_by_user = ?",
				s.seal("duty_tasks.result", id, in.Result), s.today(), s.Now().UnixMilli(), w.ID, regkit.Nullable(w.UserID)); err != nil {
				return "", err
			}
			return id, s.record(ctx, tx, perm, "duty.close", "duty_task", id, "for "+w.ID)
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.Close(ctx, id, in, key)
	}
	if err != nil {
		return Task{}, s.conflict(ctx, id, err)
	}
	return s.Get(ctx, id)
}

// actor returns the assignee of task id a close or carry is for, with
// the account acting (kept as closed_by_user) and the permission it acts
// under: the caller themself when they are an assignee (gridwork.do), or —
// when a centre steering the task's area records it for a member without
// an account — the assignee named by workerID (the first when empty). A
// task the caller may see but may not act on is forbidden, one they may
// not see is not found.
func (s *Service) actor(ctx context.Context, tx *db.Tx, id, workerID string) (org.Worker, authz.Perm, error) {
	v, err := s.viewerOf(ctx, tx)
	if err != nil {
		return org.Worker{}, "", err
	}
	rs, err := s.queryTasks(ctx, tx, "t.id = ?", "", id)
	if err != nil {
		return org.Worker{}, "", err
	}
	if len(rs) == 0 {
		return org.Worker{}, "", apperr.NotFoundf("task")
	}
	r := rs[0]
	if _, ok := s.show(v, r); !ok {
		return org.Worker{}, "", apperr.NotFoundf("task")
	}
	if v.mine(r) && (workerID == "" || workerID == v.worker.ID) {
		return v.worker, authz.GridworkDo, nil
	}
	if !v.p.Covers(authz.GridworkSteer, r.Path) {
		return org.Worker{}, "", apperr.E(apperr.Forbidden, "duty.not_yours")
	}
	for _, a := range r.Assignees {
		if workerID == "" || a.WorkerID == workerID {
			w := org.Worker{ID: a.WorkerID, Name: a.Name}
			if v.p.UserID != authz.System().UserID {
				w.UserID = v.p.UserID // the centre's account acted
			}
			return w, authz.GridworkSteer, nil
		}
	}
	return org.Worker{}, "", apperr.Field("worker_id", "duty.not_assignee")
}

// Carry carries one of the caller's open tasks due today or before to
// tomorrow with a reason: the task is marked carried and a new task
// (source carried) takes its place on the next day's list.
func (s *Service) Carry(ctx context.Context, id string, in CarryInput, key idem.Key) (Task, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	var f apperr.Fields
	if len([]rune(in.Reason)) < 2 {
		f.Add("reason", "duty.reason_required")
	}
	regkit.CheckLen(&f, "reason", in.Reason, maxReason)
	if err := f.Err(); err != nil {
		return Task{}, err
	}
	var next string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		next, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			w, perm, err := s.actor(ctx, tx, id, in.WorkerID)
			if err != nil {
				return "", err
			}
			cur, err := s.lock(ctx, tx, id)
			if err != nil {
				return "", err
			}
			if cur.status != "open" {
				return "", errNotOpen
			}
			today := s.today()
			if cur.dueOn > today {
				return "", apperr.E(apperr.Conflict, "duty.not_due", "due_on", cur.dueOn)
			}
			if cur.version != in.Version {
				return "", errStale
			}
			next, err := s.carry(ctx, tx, id, addDays(today, 1), in.Reason, w)
			if err != nil {
				return "", err
			}
			return next, s.record(ctx, tx, perm, "duty.carry", "duty_task", id, "to "+next+" for "+w.ID)
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.Carry(ctx, id, in, key)
	}
	if err != nil {
		return Task{}, s.conflict(ctx, id, err)
	}
	return s.Get(ctx, next)
}

// carry marks task id carried (with reason, or auto when by is the zero
// worker and reason empty) and writes the task that takes its place on
// day to, with the same area, grid, title, detail and assignees. It
// returns the new task's id.
func (s *Service) carry(ctx context.Context, tx *db.Tx, id, to, reason string, by org.Worker) (string, error) {
	rs, err := s.queryTasks(ctx, tx, "t.id = ?", "", id)
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return "", apperr.NotFoundf("task")
	}
	r := rs[0]
	auto := 0
	if by.ID == "" {
		auto = 1
	}
	res, err := tx.ExecContext(ctx, `UPDATE duty_tasks SET status = 'carried', carry_reason_sealed = ?, carried_auto = ?, closed_on = ?, closed_at = ?,
		closed_by_worker = ?, closed_by_user = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = 'open'`,
		s.seal("duty_tasks.carry_reason", id, reason), auto, s.today(), s.Now().UnixMilli(), regkit.Nullable(by.ID), regkit.Nullable(by.UserID),
		s.Now().UnixMilli(), id)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", errStale
	}
	ws := make([]org.Worker, len(r.Assignees))
	for i, a := range r.Assignees {
		ws[i] = org.Worker{ID: a.WorkerID, Name: a.Name}
	}
	return s.insertTask(ctx, tx, newTask{place: place{orgID: r.OrgID, path: r.Path, gridID: r.GridID}, title: r.Title,
		detail: s.open("duty_tasks.detail", r.ID, r.detail), source: "carried", dueOn: to, decisionID: r.DecisionID, carriedFrom: id}, ws)
}

// Members lists the active roster members under an area the caller
// steers, for the forms that name who carries a task out.
func (s *Service) Members(ctx context.Context, orgID string) (Items[org.Worker], error) {
	q := s.db.Reader()
	path, err := org.PathIn(ctx, q, authz.GridworkSteer, orgID, "org_id")
	if err != nil {
		return Items[org.Worker]{}, err
	}
	ws, err := org.WorkersIn(ctx, q, path)
	return Items[org.Worker]{Items: ws}, err
}

// Written is a task as the demo's year (or an import of a county's earlier
// records) writes it with WriteTx.
type Written struct {
	OrgID, Path, GridID string
	Title, Detail       string
	Source, DueOn       string
	DecisionID          string
	Workers             []org.Worker
}

// WriteTx writes a task inside the caller's transaction, with no check of
// permission or dates: the caller vouches for it (the demo builds a year
// of past days with it). It returns the task's id.
func (s *Service) WriteTx(ctx context.Context, tx *db.Tx, w Written) (string, error) {
	return s.insertTask(ctx, tx, newTask{place: place{orgID: w.OrgID, path: w.Path, gridID: w.GridID}, title: w.Title, detail: w.Detail,
		source: w.Source, dueOn: w.DueOn, decisionID: w.DecisionID}, w.Workers)
}

// CloseTx closes an open task for its assignee by (with their account if
// they have one) as of the service's clock, inside the caller's
// transaction and with no check: the demo's past days.
func (s *Service) CloseTx(ctx context.Context, tx *db.Tx, id string, by org.Worker, result string) error {
	res, err := tx.ExecContext(ctx, `UPDATE duty_tasks SET status = 'closed', result_sealed = ?, closed_on = ?, closed_at = ?, closed_by_worker = ?,
		closed_by_user = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = 'open'`,
		s.seal("duty_tasks.result", id, result), s.today(), s.Now().UnixMilli(), by.ID, regkit.Nullable(by.UserID), s.Now().UnixMilli(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errNotOpen
	}
	return nil
}

// CarryTx carries an open task to the next day as of the service's clock
// (by and reason empty: the day's close carried it), inside the caller's
// transaction and with no check. It returns the new task's id.
func (s *Service) CarryTx(ctx context.Context, tx *db.Tx, id string, by org.Worker, reason string) (string, error) {
	return s.carry(ctx, tx, id, addDays(s.today(), 1), reason, by)
}
