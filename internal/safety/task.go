package safety

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// TaskSources are where a task comes from: the responsibility letters
// (责任书), a special campaign (专项行动), the three lists (问题清单、责任清单、
// 整改清单), a leader's 包联 of a demonstration town or village (提质示范) and
// a decision of the weekly scheduling of the 三情 (调度).
var TaskSources = []string{"letter", "campaign", "problem", "responsibility", "rectification", "demonstration", "schedule"}

// Task statuses.
const (
	TaskOpen   = "open"
	TaskDone   = "done"
	TaskFailed = "failed"
)

// Task is a task of 平安建设 with its light: green on track or done,
// yellow at risk (a milestone overdue, or due within a week with no
// progress reported), red overdue or failed.
type Task struct {
	ID         string      `json:"id"`
	RootID     string      `json:"root_id"`
	Source     string      `json:"source"`
	Title      string      `json:"title"`
	Detail     string      `json:"detail"`
	AreaID     string      `json:"area_id"`
	UnitID     string      `json:"unit_id"`
	Assignee   string      `json:"assignee"` // the area's or the unit's name
	TownID     string      `json:"town_id"`  // the town the area lies in (a root's list)
	Leader     string      `json:"leader"`
	StartOn    string      `json:"start_on"`
	DueOn      string      `json:"due_on"`
	Status     string      `json:"status"`
	ClosedAt   *int64      `json:"closed_at"`
	CloseNote  string      `json:"close_note"`
	Light      string      `json:"light"`
	Why        string      `json:"why"` // what makes the light: done, failed, overdue, milestone_overdue, no_progress, on_track
	Milestones []Milestone `json:"milestones"`
	Reports    int         `json:"reports"`
	LastReport *int64      `json:"last_report"`
	Progress   []Progress  `json:"progress,omitempty"` // a task's page only
	CanReport  bool        `json:"can_report"`
	CanManage  bool        `json:"can_manage"`
	path       string
}

// Milestone is a step of a task with its own deadline.
type Milestone struct {
	Seq    int    `json:"seq"`
	Title  string `json:"title"`
	DueOn  string `json:"due_on"`
	DoneAt *int64 `json:"done_at"`
}

// Progress is one progress report on a task.
type Progress struct {
	Text      string `json:"text"`
	Evidence  string `json:"evidence"`
	Milestone *int   `json:"milestone"`
	Completes bool   `json:"completes"`
	ByName    string `json:"by_name"`
	At        int64  `json:"at"`
}

// TaskInput is a new task: to an area (a town or village under the root)
// or to a unit of the root's area, with its milestones.
type TaskInput struct {
	Source     string           `json:"source"`
	Title      string           `json:"title"`
	Detail     string           `json:"detail"`
	AreaID     string           `json:"area_id"`
	UnitID     string           `json:"unit_id"`
	Leader     string           `json:"leader"`
	StartOn    string           `json:"start_on"`
	DueOn      string           `json:"due_on"`
	Milestones []MilestoneInput `json:"milestones"`
}

// MilestoneInput is a milestone of a new task.
type MilestoneInput struct {
	Title string `json:"title"`
	DueOn string `json:"due_on"`
}

// ProgressInput is a progress report: what was done, its evidence, the
// milestone it reaches (0 for none) and whether it completes the task.
type ProgressInput struct {
	Text      string `json:"text"`
	Evidence  string `json:"evidence"`
	Milestone int    `json:"milestone"`
	Completes bool   `json:"completes"`
}

// FailInput is why the committee judges a task failed.
type FailInput struct {
	Reason string `json:"reason"`
}

// Rollup is the lights of one assignee's tasks: its light is its worst.
type Rollup struct {
	Kind   string `json:"kind"` // area, unit
	ID     string `json:"id"`
	Name   string `json:"name"`
	Green  int    `json:"green"`
	Yellow int    `json:"yellow"`
	Red    int    `json:"red"`
	Light  string `json:"light"`
}

// TaskList is a root's tasks with their lights rolled up per assignee.
type TaskList struct {
	Items  []Task   `json:"items"`
	Rollup []Rollup `json:"rollup"`
}

// today is the date in China Standard Time.
func (s *Service) today() string { return s.Now().In(Zone).Format("2006-01-02") }

// light sets a task's light as of today.
func (t *Task) light(today string) {
	soon := mustDate(today).AddDate(0, 0, 7).Format("2006-01-02")
	switch {
	case t.Status == TaskDone:
		t.Light, t.Why = Green, "done"
	case t.Status == TaskFailed:
		t.Light, t.Why = Red, "failed"
	case t.DueOn < today:
		t.Light, t.Why = Red, "overdue"
	case slices.ContainsFunc(t.Milestones, func(m Milestone) bool { return m.DoneAt == nil && m.DueOn < today }):
		t.Light, t.Why = Yellow, "milestone_overdue"
	case t.DueOn <= soon && t.Reports == 0:
		t.Light, t.Why = Yellow, "no_progress"
	default:
		t.Light, t.Why = Green, "on_track"
	}
}

func mustDate(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", s, Zone)
	return t
}

const taskCols = `t.id, t.root_id, t.source, t.title, t.detail, COALESCE(t.area_id, ''), COALESCE(t.unit_id, ''), COALESCE(o.name, ''), t.leader,
	t.start_on, t.due_on, t.status, t.closed_at, t.close_note, t.path`

// readTasks reads tasks (cond on t.) with their milestones and report
// counts, names the units, and lights them.
func (s *Service) readTasks(ctx context.Context, q db.Querier, cond string, args ...any) ([]Task, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+taskCols+" FROM safety_tasks t LEFT JOIN org_nodes o ON o.id = t.area_id WHERE "+cond+" ORDER BY t.due_on, t.created_at", args...)
	if err != nil {
		return nil, err
	}
	out := []Task{}
	index := map[string]int{}
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.ID, &t.RootID, &t.Source, &t.Title, &t.Detail, &t.AreaID, &t.UnitID, &t.Assignee, &t.Leader,
			&t.StartOn, &t.DueOn, &t.Status, &t.ClosedAt, &t.CloseNote, &t.path); err != nil {
			rows.Close()
			return nil, err
		}
		t.Milestones = []Milestone{}
		index[t.ID] = len(out)
		out = append(out, t)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ms, err := q.QueryContext(ctx, "SELECT m.task_id, m.seq, m.title, m.due_on, m.done_at FROM safety_task_milestones m JOIN safety_tasks t ON t.id = m.task_id WHERE "+cond+" ORDER BY m.seq", args...)
	if err != nil {
		return nil, err
	}
	for ms.Next() {
		var id string
		var m Milestone
		if err := ms.Scan(&id, &m.Seq, &m.Title, &m.DueOn, &m.DoneAt); err != nil {
			ms.Close()
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Milestones = append(out[i].Milestones, m)
		}
	}
	if err := ms.Close(); err != nil {
		return nil, err
	}
	ps, err := q.QueryContext(ctx, "SELECT p.task_id, count(*), max(p.at) FROM safety_task_progress p JOIN safety_tasks t ON t.id = p.task_id WHERE "+cond+" GROUP BY p.task_id", args...)
	if err != nil {
		return nil, err
	}
	for ps.Next() {
		var id string
		var n int
		var last int64
		if err := ps.Scan(&id, &n, &last); err != nil {
			ps.Close()
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Reports, out[i].LastReport = n, &last
		}
	}
	if err := ps.Close(); err != nil {
		return nil, err
	}
	units := map[string]string{}
	today := s.today()
	for i := range out {
		t := &out[i]
		if t.UnitID != "" {
			if _, ok := units[t.UnitID]; !ok {
				name, _, err := casework.UnitAt(ctx, q, t.UnitID)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return nil, err
				}
				units[t.UnitID] = name
			}
			t.Assignee = units[t.UnitID]
		}
		t.light(today)
	}
	return out, nil
}

// Tasks lists the root's tasks, of one source when given, with the lights
// rolled up per town (a village's tasks count for its town) and per unit.
func (s *Service) Tasks(ctx context.Context, rootID, source string) (TaskList, error) {
	q := s.db.Reader()
	path, err := rootPath(ctx, q, authz.SafetyRead, rootID)
	if err != nil {
		return TaskList{}, err
	}
	cond, args := "t.root_id = ?", []any{rootID}
	if source != "" {
		if !slices.Contains(TaskSources, source) {
			return TaskList{}, apperr.Field("source", "validation.one_of", "values", strings.Join(TaskSources, ", "))
		}
		cond, args = cond+" AND t.source = ?", append(args, source)
	}
	tasks, err := s.readTasks(ctx, q, cond, args...)
	if err != nil {
		return TaskList{}, err
	}
	towns, err := org.AreasUnder(ctx, q, path, "town")
	if err != nil {
		return TaskList{}, err
	}
	canManage := authz.From(ctx).Covers(authz.SafetyWrite, path)
	for i := range tasks {
		tasks[i].CanManage = canManage
		tasks[i].CanReport = canReport(ctx, tasks[i])
	}
	// Open tasks first, the worst lights and the nearest deadlines first;
	// then the closed ones, the latest first.
	rank := map[string]int{Red: 0, Yellow: 1, Green: 2}
	slices.SortStableFunc(tasks, func(a, b Task) int {
		ao, bo := a.Status == TaskOpen, b.Status == TaskOpen
		switch {
		case ao != bo:
			return boolInt(!ao) - boolInt(!bo)
		case !ao:
			return strings.Compare(b.DueOn, a.DueOn)
		case a.Light != b.Light:
			return rank[a.Light] - rank[b.Light]
		}
		return strings.Compare(a.DueOn, b.DueOn)
	})
	return TaskList{Items: tasks, Rollup: rollup(tasks, towns)}, nil
}

// rollup counts the lights per town (a task of a village under it counts
// for it, and is given its town) and per unit, worst first.
func rollup(tasks []Task, towns []org.Area) []Rollup {
	var out []Rollup
	add := func(kind, id, name, light string) {
		i := slices.IndexFunc(out, func(r Rollup) bool { return r.ID == id })
		if i < 0 {
			out = append(out, Rollup{Kind: kind, ID: id, Name: name})
			i = len(out) - 1
		}
		switch light {
		case Green:
			out[i].Green++
		case Yellow:
			out[i].Yellow++
		case Red:
			out[i].Red++
		}
	}
	for i, t := range tasks {
		if t.UnitID != "" {
			add("unit", t.UnitID, t.Assignee, t.Light)
			continue
		}
		for _, town := range towns {
			if strings.HasPrefix(t.path, town.Path) {
				tasks[i].TownID = town.ID
				add("area", town.ID, town.Name, t.Light)
			}
		}
	}
	for i := range out {
		r := &out[i]
		r.Light = Green
		if r.Yellow > 0 {
			r.Light = Yellow
		}
		if r.Red > 0 {
			r.Light = Red
		}
	}
	worst := func(r Rollup) int { return r.Red*1000 + r.Yellow }
	slices.SortStableFunc(out, func(a, b Rollup) int { return worst(b) - worst(a) })
	return out
}

// unitStaff is whether the caller works for the unit and reports for
// the index (safety.task or safety.report).
func unitStaff(p *authz.Principal, unitID string) bool {
	return unitID != "" && p.UnitID == unitID && (len(p.Scopes(authz.SafetyTask)) > 0 || len(p.Scopes(authz.SafetyReport)) > 0)
}

// canReport is whether the caller reports progress on the task: a unit's
// task its staff; an area's task those holding safety.task over it; any
// task the committee.
func canReport(ctx context.Context, t Task) bool {
	p := authz.From(ctx)
	if t.UnitID != "" {
		return unitStaff(p, t.UnitID) || p.Covers(authz.SafetyWrite, t.path)
	}
	return p.Covers(authz.SafetyTask, t.path) || p.Covers(authz.SafetyWrite, t.path)
}

// MyTasks lists the tasks the caller reports on: its unit's and those of
// the areas it holds safety.task over, open ones first.
func (s *Service) MyTasks(ctx context.Context) ([]Task, error) {
	p := authz.From(ctx)
	if len(p.Scopes(authz.SafetyTask)) == 0 && len(p.Scopes(authz.SafetyReport)) == 0 {
		return nil, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.SafetyTask)
	}
	scope, args := authz.ScopeSQL("t.path", p.Scopes(authz.SafetyTask))
	cond := "(t.area_id IS NOT NULL AND " + scope + ")"
	if unitStaff(p, p.UnitID) {
		cond, args = "("+cond+" OR t.unit_id = ?)", append(args, p.UnitID)
	}
	tasks, err := s.readTasks(ctx, s.db.Reader(), cond, args...)
	if err != nil {
		return nil, err
	}
	for i := range tasks {
		tasks[i].CanReport = true
		tasks[i].CanManage = p.Covers(authz.SafetyWrite, tasks[i].path)
	}
	slices.SortStableFunc(tasks, func(a, b Task) int {
		return boolInt(a.Status != TaskOpen) - boolInt(b.Status != TaskOpen)
	})
	return tasks, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// task reads one task the caller may see: the committee (safety.read over
// its root) and those who report on it; otherwise not found.
func (s *Service) task(ctx context.Context, q db.Querier, id string) (Task, error) {
	list, err := s.readTasks(ctx, q, "t.id = ?", id)
	if err != nil {
		return Task{}, err
	}
	if len(list) == 0 {
		return Task{}, apperr.NotFoundf("safety_task")
	}
	t := list[0]
	t.CanReport = canReport(ctx, t)
	rp, err := org.PathOf(ctx, q, t.RootID, "")
	if err != nil {
		return t, err
	}
	t.CanManage = authz.From(ctx).Covers(authz.SafetyWrite, rp)
	if !t.CanReport && !authz.From(ctx).Covers(authz.SafetyRead, rp) {
		return Task{}, apperr.NotFoundf("safety_task")
	}
	return t, nil
}

// Task returns a task with its progress reports, newest first.
func (s *Service) Task(ctx context.Context, id string) (Task, error) {
	q := s.db.Reader()
	t, err := s.task(ctx, q, id)
	if err != nil {
		return t, err
	}
	rows, err := q.QueryContext(ctx, "SELECT text, evidence, milestone, completes, by_name, at FROM safety_task_progress WHERE task_id = ? ORDER BY at DESC, id DESC", id)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	t.Progress = []Progress{}
	for rows.Next() {
		var p Progress
		if err := rows.Scan(&p.Text, &p.Evidence, &p.Milestone, &p.Completes, &p.ByName, &p.At); err != nil {
			return t, err
		}
		t.Progress = append(t.Progress, p)
	}
	return t, rows.Err()
}

// CreateTask adds a task of the root to a town or village under it, or to
// a unit of its area, with up to 12 milestones within the task's period.
// Audited.
func (s *Service) CreateTask(ctx context.Context, rootID string, in TaskInput) (Task, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.CreateTaskTx(ctx, tx, rootID, in)
		return err
	})
	if err != nil {
		return Task{}, err
	}
	return s.Task(ctx, id)
}

// CreateTaskTx is CreateTask inside the caller's transaction (a scheduling
// meeting's decision and its task are written together); it returns the
// task's id.
func (s *Service) CreateTaskTx(ctx context.Context, tx *db.Tx, rootID string, in TaskInput) (string, error) {
	root, err := rootPath(ctx, tx, authz.SafetyWrite, rootID)
	if err != nil {
		return "", err
	}
	path, err := checkTask(ctx, tx, root, &in)
	if err != nil {
		return "", err
	}
	id, now := db.NewID(), db.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO safety_tasks (id, root_id, source, title, detail, area_id, unit_id, path, leader, start_on, due_on, status, close_note, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`, id, rootID, in.Source, in.Title, in.Detail, nullIf(in.AreaID), nullIf(in.UnitID), path, in.Leader,
		in.StartOn, in.DueOn, TaskOpen, authz.From(ctx).UserID, now, now); err != nil {
		return "", err
	}
	for i, m := range in.Milestones {
		if _, err := tx.ExecContext(ctx, "INSERT INTO safety_task_milestones (task_id, seq, title, due_on) VALUES (?, ?, ?, ?)", id, i+1, m.Title, m.DueOn); err != nil {
			return "", err
		}
	}
	return id, s.record(ctx, tx, authz.SafetyWrite, "safety.task.create", "safety_task", id, in.Title)
}

// TasksByID returns the tasks of ids with their lights and progress, no
// check made:
// for the room that made them (a scheduling meeting) to show their
// follow-up beside its own records.
func (s *Service) TasksByID(ctx context.Context, ids []string) ([]Task, error) {
	if len(ids) == 0 {
		return []Task{}, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q, in := s.db.Reader(), "("+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")"
	out, err := s.readTasks(ctx, q, "t.id IN "+in, args...)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT task_id, text, evidence, milestone, completes, by_name, at FROM safety_task_progress WHERE task_id IN "+in+" ORDER BY at DESC, id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	progress := map[string][]Progress{}
	for rows.Next() {
		var id string
		var p Progress
		if err := rows.Scan(&id, &p.Text, &p.Evidence, &p.Milestone, &p.Completes, &p.ByName, &p.At); err != nil {
			return nil, err
		}
		progress[id] = append(progress[id], p)
	}
	for i := range out {
		out[i].Progress = append([]Progress{}, progress[out[i].ID]...)
	}
	return out, rows.Err()
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkTask checks a new task, naming each bad field, and returns the path
// of its assignee.
func checkTask(ctx context.Context, q db.Querier, root string, in *TaskInput) (string, error) {
	var f apperr.Fields
	in.Title, in.Detail, in.Leader = strings.TrimSpace(in.Title), strings.TrimSpace(in.Detail), strings.TrimSpace(in.Leader)
	if !slices.Contains(TaskSources, in.Source) {
		f.Add("source", "validation.one_of", "values", strings.Join(TaskSources, ", "))
	}
	if n := len([]rune(in.Title)); n < 2 || n > 100 {
		f.Add("title", "validation.length", "min", 2, "max", 100)
	}
	if len([]rune(in.Detail)) > 2000 {
		f.Add("detail", "validation.length", "min", 0, "max", 2000)
	}
	if len([]rune(in.Leader)) > 40 {
		f.Add("leader", "validation.length", "min", 0, "max", 40)
	}
	start, errStart := time.ParseInLocation("2006-01-02", in.StartOn, Zone)
	due, errDue := time.ParseInLocation("2006-01-02", in.DueOn, Zone)
	switch {
	case errStart != nil:
		f.Add("start_on", "validation.date")
	case errDue != nil:
		f.Add("due_on", "validation.date")
	case due.Before(start):
		f.Add("due_on", "safety.task_due_before_start")
	}
	if len(in.Milestones) > 12 {
		f.Add("milestones", "validation.range", "min", 0, "max", 12)
	}
	for i, m := range in.Milestones {
		field := fmt.Sprintf("milestones[%d].", i)
		in.Milestones[i].Title = strings.TrimSpace(m.Title)
		if n := len([]rune(in.Milestones[i].Title)); n < 2 || n > 100 {
			f.Add(field+"title", "validation.length", "min", 2, "max", 100)
		}
		d, err := time.ParseInLocation("2006-01-02", m.DueOn, Zone)
		if err != nil {
			f.Add(field+"due_on", "validation.date")
		} else if errStart == nil && errDue == nil && (d.Before(start) || d.After(due)) {
			f.Add(field+"due_on", "safety.task_milestone_outside")
		}
	}
	var path string
	switch {
	case (in.AreaID == "") == (in.UnitID == ""):
		f.Add("area_id", "safety.task_assignee")
	case in.AreaID != "":
		p, err := org.PathOf(ctx, q, in.AreaID, "area_id")
		kind, _ := org.KindOf(ctx, q, in.AreaID, "area_id")
		if err != nil || !strings.HasPrefix(p, root) || (kind != "town" && kind != "village") {
			f.Add("area_id", "safety.task_area")
		}
		path = p
	default:
		_, p, err := casework.UnitAt(ctx, q, in.UnitID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(p, root)) {
			f.Add("unit_id", "safety.reporter_unit")
		} else if err != nil {
			return "", err
		}
		path = p
	}
	return path, f.Err()
}

// ReportProgress records progress on an open task: the text and its
// evidence, a milestone reached, or the task completed. Audited.
func (s *Service) ReportProgress(ctx context.Context, id string, in ProgressInput) (Task, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.task(ctx, tx, id)
		if err != nil {
			return err
		}
		if !t.CanReport {
			return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.SafetyTask)
		}
		if t.Status != TaskOpen {
			return apperr.E(apperr.Conflict, "safety.task_closed")
		}
		var f apperr.Fields
		in.Text, in.Evidence = strings.TrimSpace(in.Text), strings.TrimSpace(in.Evidence)
		if n := len([]rune(in.Text)); n < 2 || n > 1000 {
			f.Add("text", "validation.length", "min", 2, "max", 1000)
		}
		if len([]rune(in.Evidence)) > 500 {
			f.Add("evidence", "validation.length", "min", 0, "max", 500)
		}
		if in.Completes && in.Evidence == "" {
			f.Add("evidence", "safety.task_evidence")
		}
		var ms *int
		if in.Milestone != 0 {
			i := slices.IndexFunc(t.Milestones, func(m Milestone) bool { return m.Seq == in.Milestone })
			switch {
			case i < 0:
				f.Add("milestone", "safety.task_milestone")
			case t.Milestones[i].DoneAt != nil:
				f.Add("milestone", "safety.task_milestone_done")
			}
			ms = &in.Milestone
		}
		if err := f.Err(); err != nil {
			return err
		}
		p, now := authz.From(ctx), db.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO safety_task_progress (id, task_id, text, evidence, milestone, completes, by_user, by_name, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), id, in.Text, in.Evidence, ms, in.Completes, p.UserID, p.DisplayName, now); err != nil {
			return err
		}
		if ms != nil {
			if _, err := tx.ExecContext(ctx, "UPDATE safety_task_milestones SET done_at = ? WHERE task_id = ? AND seq = ?", now, id, *ms); err != nil {
				return err
			}
		}
		action := "safety.task.progress"
		if in.Completes {
			action = "safety.task.complete"
			if _, err := tx.ExecContext(ctx, "UPDATE safety_tasks SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?", TaskDone, now, now, id); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.SafetyTask, action, "safety_task", id, t.Title)
	})
	if err != nil {
		return Task{}, err
	}
	return s.Task(ctx, id)
}

// FailTask records the committee's judgement that an open task failed,
// with the reason: its light stays red. Audited.
func (s *Service) FailTask(ctx context.Context, id string, in FailInput) (Task, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := s.task(ctx, tx, id)
		if err != nil {
			return err
		}
		if !t.CanManage {
			return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.SafetyWrite)
		}
		if t.Status != TaskOpen {
			return apperr.E(apperr.Conflict, "safety.task_closed")
		}
		in.Reason = strings.TrimSpace(in.Reason)
		if n := len([]rune(in.Reason)); n < 2 || n > 500 {
			return apperr.Field("reason", "validation.length", "min", 2, "max", 500)
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, "UPDATE safety_tasks SET status = ?, closed_at = ?, close_note = ?, updated_at = ? WHERE id = ?", TaskFailed, now, in.Reason, now, id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.task.fail", "safety_task", id, t.Title)
	})
	if err != nil {
		return Task{}, err
	}
	return s.Task(ctx, id)
}

// tasksOnTime gives every task due in the month so far (its due date from
// the month's first day up to End) under path: a hit when it was
// completed by the end of its due date.
func tasksOnTime(ctx context.Context, q db.Querier, path string, m span, add adder) error {
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, "SELECT id, title, path, due_on, status, closed_at FROM safety_tasks WHERE "+under+" AND due_on >= ? AND due_on < ?",
		append(args, m.From.Format("2006-01-02"), m.End.Format("2006-01-02"))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	hit := one(add)
	for rows.Next() {
		var id, title, p, due, status string
		var closed *int64
		if err := rows.Scan(&id, &title, &p, &due, &status, &closed); err != nil {
			return err
		}
		end := mustDate(due).AddDate(0, 0, 1).UnixMilli()
		hit(id, title, p, status == TaskDone && closed != nil && *closed < end)
	}
	return rows.Err()
}
