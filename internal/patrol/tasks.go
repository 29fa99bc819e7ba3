package patrol

import (
	"context"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Task is one patrol window of one member's day. It is walked when a
// check-in of a patrol of theirs falls inside the window.
type Task struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	GridID   string `json:"grid_id"`
	Day      string `json:"day"`
	Slot     string `json:"slot"`
	StartsAt int64  `json:"starts_at"`
	EndsAt   int64  `json:"ends_at"`
	PatrolID string `json:"patrol_id,omitempty"`
	WalkedAt int64  `json:"walked_at,omitempty"`
}

// Planned reports whether a roster member gets patrol tasks: the full-time
// and part-time grid members (专职、兼职网格员) with a primary grid. Others on
// a team (assistants, the village police officer, building heads,
// volunteers) may patrol when they like; their patrols are not planned.
func Planned(w org.Worker) bool {
	return w.PrimaryGrid != "" && (w.Employment == "full_time" || w.Employment == "part_time")
}

// bounds is the start and end of a window on day, in Unix milliseconds.
func bounds(day string, w Window) (int64, int64) {
	d, err := time.ParseInLocation(time.DateOnly, day, Zone)
	if err != nil {
		return 0, 0
	}
	at := func(hhmm string) int64 {
		t, _ := time.Parse("15:04", hhmm)
		return d.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute).UnixMilli()
	}
	return at(w.From), at(w.To)
}

// Materialise makes the patrol tasks of day for the planned members under
// path, and returns how many it made. Tasks are made for a day when first
// asked for (the member's phone, the centre's board, the hourly job): a
// member who already has tasks that day is passed over, and a task that
// exists is never made twice (one per member, day and window), so running
// it again changes nothing.
func (s *Service) Materialise(ctx context.Context, path, day string) (int, error) {
	var n int
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		n, err = s.materialise(ctx, tx, path, day)
		return err
	})
	return n, err
}

func (s *Service) materialise(ctx context.Context, tx *db.Tx, path, day string) (int, error) {
	workers, err := org.WorkersIn(ctx, tx, path)
	if err != nil {
		return 0, err
	}
	under, uargs := authz.Under("path", path)
	have, err := db.Strings(ctx, tx, "SELECT DISTINCT worker_id FROM patrol_tasks WHERE day = ? AND "+under, append([]any{day}, uargs...)...)
	if err != nil {
		return 0, err
	}
	done := map[string]bool{}
	for _, id := range have {
		done[id] = true
	}
	plans, err := plansAround(ctx, tx, path, day, true)
	if err != nil {
		return 0, err
	}
	now := s.now()
	var rows [][]any
	for _, w := range workers {
		if !Planned(w) || done[w.ID] {
			continue
		}
		windows := DefaultWindows
		if p, ok := pick(plans, w.Path, day); ok {
			windows = p.Windows
		}
		for _, win := range windows {
			from, to := bounds(day, win)
			rows = append(rows, []any{db.NewID(), w.ID, w.PrimaryGrid, w.Path, day, win.Slot(), from, to, now})
		}
	}
	if err := insertTasks(ctx, tx, rows); err != nil {
		return 0, err
	}
	if len(rows) > 0 {
		// A patrol walked before its tasks were made still counts.
		if err := markWalked(ctx, tx, "day = ? AND "+under, append([]any{day}, uargs...)); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// TaskCols are the columns of patrol_tasks in the order insertTasks takes
// its rows (the demo writes tasks the same way).
var TaskCols = []string{"id", "worker_id", "grid_id", "path", "day", "slot", "starts_at", "ends_at", "created_at"}

func insertTasks(ctx context.Context, tx *db.Tx, rows [][]any) error {
	per := 8000 / len(TaskCols)
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(TaskCols)), ", ") + ")"
	for len(rows) > 0 {
		n := min(per, len(rows))
		var sb strings.Builder
		sb.WriteString("INSERT INTO patrol_tasks (" + strings.Join(TaskCols, ", ") + ") VALUES ")
		args := make([]any, 0, n*len(TaskCols))
		for i, r := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(ph)
			args = append(args, r...)
		}
		sb.WriteString(" ON CONFLICT (worker_id, day, slot) DO NOTHING")
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// markWalked marks the undone tasks matching cond walked by the first
// check-in of their member inside their window, if there is one.
func markWalked(ctx context.Context, tx *db.Tx, cond string, args []any) error {
	first := `FROM patrol_points pp JOIN patrols p ON p.id = pp.patrol_id
		WHERE p.worker_id = patrol_tasks.worker_id AND pp.at >= patrol_tasks.starts_at AND pp.at < patrol_tasks.ends_at`
	_, err := tx.ExecContext(ctx, `UPDATE patrol_tasks SET walked_at = (SELECT min(pp.at) `+first+`),
		patrol_id = (SELECT p.id `+first+` ORDER BY pp.at LIMIT 1)
		WHERE walked_at IS NULL AND `+cond+` AND EXISTS (SELECT 1 `+first+`)`, args...)
	return err
}

// tasksOf lists a member's tasks of day, by start.
func tasksOf(ctx context.Context, q db.Querier, workerID, day string) ([]Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, worker_id, grid_id, day, slot, starts_at, ends_at, COALESCE(patrol_id, ''), COALESCE(walked_at, 0)
		FROM patrol_tasks WHERE worker_id = ? AND day = ? ORDER BY starts_at`, workerID, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.ID, &t.WorkerID, &t.GridID, &t.Day, &t.Slot, &t.StartsAt, &t.EndsAt, &t.PatrolID, &t.WalkedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
