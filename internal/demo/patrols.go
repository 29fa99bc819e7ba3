package demo

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/patrol"
)

var (
	patrolCols = []string{"id", "worker_id", "user_id", "grid_id", "path", "task_id", "status", "started_at", "ended_at", "checkins", "reports", "last_at",
		"version", "created_at", "updated_at"}
	pointCols = []string{"id", "patrol_id", "at", "lat", "lng", "accuracy", "note_sealed", "created_at"}
)

// recentDays is how many past days every planned member's patrols cover;
// the demo grid member's village has the whole year.
const recentDays = 7

// patrolMember is a planned member of the demo county: their primary
// grid's centre and how reliably they walk their windows.
type patrolMember struct {
	id, userID, grid, path string
	lat, lng               float64
	home                   bool    // of the demo grid member's village: a whole year
	rel                    float64 // the chance they walk a window
}

// Patrols writes the patrols (一日三巡) of the first county: the default
// three windows a day for every planned member over the last week, and
// for the members of the demo grid member's village over the whole year,
// each window walked or missed by the member's own reliability, walked
// windows with a patrol of two or three check-ins inside them. Positions
// are written only for the days inside the retention (the older patrols
// keep their counts, as the retention job leaves them). The demo grid
// member's town sets the standing plan. With today, today's finished
// windows are walked too and some members are out now, in a window or,
// between windows, ad hoc (never the demo grid member, whose phone starts
// the day). It returns how many patrols it wrote.
func Patrols(ctx context.Context, d *db.DB, countyCode string, seed int64, now time.Time, today bool) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 33))
	q := d.Reader()
	var countyPath, homeVillage, homeTown, gmUser string
	err := q.QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE code = ?", countyCode).Scan(&countyPath)
	if err != nil {
		return 0, err
	}
	err = q.QueryRowContext(ctx, `SELECT u.id, v.id, v.parent_id FROM users u JOIN org_nodes v ON v.id = u.org_id WHERE u.username = 'gridmember'`).Scan(&gmUser, &homeVillage, &homeTown)
	if err != nil {
		return 0, nil // no demo accounts (a bench data set)
	}
	under, args := authz.Under("w.path", countyPath)
	rows, err := q.QueryContext(ctx, `SELECT w.id, COALESCE(w.user_id, ''), g.id, w.path, COALESCE(g.center_lat, 0), COALESCE(g.center_lng, 0), w.org_id
		FROM workers w JOIN grid_members m ON m.worker_id = w.id AND m.is_primary = ? JOIN grids g ON g.id = m.grid_id
		WHERE w.status = 'active' AND w.employment IN ('full_time', 'part_time') AND `+under+` ORDER BY w.id`, append([]any{true}, args...)...)
	if err != nil {
		return 0, err
	}
	var members []patrolMember
	seen := map[string]bool{}
	for rows.Next() {
		var m patrolMember
		var orgID string
		if err := rows.Scan(&m.id, &m.userID, &m.grid, &m.path, &m.lat, &m.lng, &orgID); err != nil {
			rows.Close()
			return 0, err
		}
		if seen[m.id] {
			continue
		}
		seen[m.id] = true
		m.home = orgID == homeVillage
		m.rel = 0.55 + 0.43*rng.Float64()
		if m.userID == gmUser {
			m.rel = 0.93
		}
		members = append(members, m)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}

	day0 := dayStart(now.In(cst))
	keepFrom := day0.AddDate(0, 0, -patrol.DefaultSettings().PositionDays).UnixMilli()
	tx, err := d.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var tasks, patrols, points [][]any
	flush := func() error {
		for _, t := range []struct {
			name string
			cols []string
			rows *[][]any
		}{{"patrol_tasks", append(patrol.TaskCols[:len(patrol.TaskCols):len(patrol.TaskCols)], "patrol_id", "walked_at"), &tasks}, {"patrols", patrolCols, &patrols}, {"patrol_points", pointCols, &points}} {
			if err := insertRows(ctx, tx, t.name, t.cols, *t.rows); err != nil {
				return err
			}
			*t.rows = nil
		}
		return nil
	}
	stamp := now.UnixMilli()
	nPatrols := 0
	// walk writes one patrol of m from start with n check-ins up to last
	// (open when not ended).
	walk := func(m patrolMember, taskID any, start, last int64, n int, ended bool) string {
		id := db.NewID()
		var user any
		if m.userID != "" {
			user = m.userID
		}
		status, endAt := "ended", any(last+int64(3+rng.IntN(10))*60000)
		if !ended {
			status, endAt = "open", nil
		}
		patrols = append(patrols, []any{id, m.id, user, m.grid, m.path, taskID, status, start, endAt, n, 0, last, 1, start, stamp})
		nPatrols++
		if start < keepFrom {
			return id
		}
		for k := 0; k < n; k++ {
			at := start + (last-start)*int64(k+1)/int64(n)
			points = append(points, []any{db.NewID(), id, at, m.lat + (rng.Float64()-0.5)*0.004, m.lng + (rng.Float64()-0.5)*0.004,
				float64(5 + rng.IntN(30)), "", stamp})
		}
		return id
	}
	for ago := 365; ago >= 0; ago-- {
		if ago == 0 && !today {
			break
		}
		day := day0.AddDate(0, 0, -ago)
		key := day.Format(time.DateOnly)
		for _, m := range members {
			if ago > recentDays && !m.home {
				continue
			}
			for _, w := range patrol.DefaultWindows {
				from, to := windowBounds(day, w)
				taskID := db.NewID()
				var patrolID, walkedAt any
				switch {
				case to <= stamp && rng.Float64() < m.rel: // walked
					start := from + int64(rng.IntN(20))*60000
					last := min(start+int64(20+rng.IntN(50))*60000, to-60000)
					n := 2 + rng.IntN(2)
					patrolID, walkedAt = walk(m, taskID, start, last, n, true), start+(last-start)/int64(n)
				case from <= stamp && stamp < to && m.userID != gmUser && rng.Float64() < 0.5: // out now
					start := from + int64(rng.IntN(int(max(1, (stamp-from)/60000))))*60000
					last := max(start, stamp-int64(rng.IntN(5))*60000)
					n := 1 + int((last-start)/(15*60000))
					patrolID, walkedAt = walk(m, taskID, start, last, n, false), start+(last-start)/int64(n)
				}
				tasks = append(tasks, []any{taskID, m.id, m.grid, m.path, key, w.Slot(), from, to, stamp, patrolID, walkedAt})
			}
		}
		// Outside the windows in the day, some members are out on an ad hoc
		// patrol all the same (never the demo grid member).
		if ago == 0 && !inWindow(day, stamp) && now.In(cst).Hour() >= 7 && now.In(cst).Hour() < 22 {
			for _, m := range members {
				if m.userID == gmUser || rng.Float64() >= 0.08 {
					continue
				}
				start := stamp - int64(10+rng.IntN(30))*60000
				walk(m, nil, start, stamp-int64(rng.IntN(5))*60000, 1+rng.IntN(3), false)
			}
		}
		if len(points) > 20000 || len(tasks) > 20000 {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	// The demo grid member's town sets the standing plan: the three windows.
	if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_plans (id, org_id, path, day, windows, version, updated_by, created_at, updated_at)
		SELECT ?, id, path, '', ?, 1, '', ?, ? FROM org_nodes WHERE id = ?`, db.NewID(), "08:30-10:00,14:00-15:30,19:00-20:30", stamp, stamp, homeTown); err != nil {
		return 0, fmt.Errorf("patrol plan: %w", err)
	}
	return nPatrols, tx.Commit()
}

// inWindow reports whether the time at falls in one of day's default windows.
func inWindow(day time.Time, at int64) bool {
	for _, w := range patrol.DefaultWindows {
		if from, to := windowBounds(day, w); from <= at && at < to {
			return true
		}
	}
	return false
}

// windowBounds is a window of day in Unix milliseconds.
func windowBounds(day time.Time, w patrol.Window) (int64, int64) {
	at := func(hhmm string) int64 {
		t, _ := time.Parse("15:04", hhmm)
		return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, cst).UnixMilli()
	}
	return at(w.From), at(w.To)
}
