package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
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
	photoCols = []string{"id", "patrol_id", "point_id", "content_type", "size", "data", "created_by", "created_at"}
)

// recentDays is how many past days every planned member's patrols cover
// here; the members of the demo grid member's village have the whole year
// (PatrolYear writes the older days of the others).
const (
	recentDays = 7
	// photoDays is how many recent days have photos at check-ins.
	photoDays = 2
)

// patrolMember is a planned member of the demo county: their primary
// grid's centre, the way they walk across it and how reliably they walk
// their windows.
type patrolMember struct {
	id, userID, grid, path string
	lat, lng               float64
	heading                float64 // the direction of their usual route across the grid
	year                   bool    // a whole year of patrols
	rel                    float64 // the chance they walk a window on an ordinary day
}

// patrolNotes are what members write at a check-in: mostly nothing
// special, sometimes a matter (those from index 1 on get a photo on
// recent days).
var patrolNotes = []string{
	"巡查正常，无异常情况",
	"路灯不亮，已拍照记录",
	"楼道堆放杂物，已提醒住户清理",
	"消防通道被电动车占用",
	"井盖松动，已设置提示",
	"流动摊贩占道经营，已劝离",
	"护栏松动，需维修",
	"垃圾桶满溢，已通知保洁",
	"墙面新增小广告",
}

// festivals are the public holidays of 2025–2027 (春节, 清明, 劳动节,
// 端午, 中秋, 国庆): fewer windows are walked on them.
var festivals = [][2]string{
	{"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"}, {"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"},
	{"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"}, {"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"},
	{"2026-10-01", "2026-10-07"}, {"2027-02-05", "2027-02-13"}, {"2027-04-03", "2027-04-05"}, {"2027-05-01", "2027-05-05"},
}

// dayFactor scales the members' reliability on a day: the Spring Festival
// and the other holidays, and the county's bad-weather days (heavy rain
// and typhoons, most often from May to September), drawn once a day.
func dayFactor(day time.Time, rng *mrand.Rand) (float64, bool) {
	key := day.Format(time.DateOnly)
	f := 1.0
	for _, h := range festivals {
		if key >= h[0] && key <= h[1] {
			f = 0.75
			if h[0][5:7] <= "02" { // the Spring Festival
				f = 0.45
			}
		}
	}
	wet := 0.04
	if m := day.Month(); m >= time.May && m <= time.September {
		wet = 0.12
	}
	if rng.Float64() < wet {
		return f * 0.5, true
	}
	return f, false
}

// streetPhoto is the demo's photo at a check-in: a street with a kerb and
// a lamp post, drawn as a JPEG.
func streetPhoto() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 480, 360))
	for y := range 360 {
		for x := range 480 {
			c := color.RGBA{120, 120, 118, 255} // the road
			switch {
			case y < 110:
				c = color.RGBA{180, 205, 225, 255} // the sky
			case y < 200:
				c = color.RGBA{196, 180, 160, 255} // the houses
				if x%60 < 20 && y%45 < 25 {
					c = color.RGBA{90, 110, 130, 255} // their windows
				}
			case y < 215:
				c = color.RGBA{200, 200, 195, 255} // the kerb
			}
			if x >= 300 && x < 306 && y >= 60 && y < 215 {
				c = color.RGBA{60, 60, 60, 255} // the lamp post
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes(), err
}

// Patrols writes the patrols (一日三巡) of the first county: the default
// three windows a day for every planned member over the last week, and for the members of the demo grid member's
// village over the whole year. The rest of the county's year (1.3 million
// windows and a million patrols, measured at six minutes with this writer)
// is PatrolYear's, written inside the database. Each window is walked or missed by the member's own
// reliability (a few members are weaker than the others), less often on
// holidays and on bad-weather days; a walked window has a patrol of two or
// three check-ins along the member's route across the grid. Positions are
// written only for the days inside the retention (the older patrols keep
// their counts, as the retention job leaves them); with the patrol service
// some check-ins carry a sealed note, and those with a matter of the last
// days a photo. The demo grid member's town sets the standing plan. With
// today, today's finished windows are walked too and some members are out
// now, in a window or, between windows, ad hoc (never the demo grid
// member, whose phone starts the day). It returns how many patrols it wrote.
func Patrols(ctx context.Context, d *db.DB, svc *patrol.Service, countyCode string, seed int64, now time.Time, today bool) (int, error) {
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
		m.year = orgID == homeVillage
		m.rel = 0.72 + 0.25*rng.Float64()
		if rng.IntN(12) == 0 { // a weaker member
			m.rel = 0.35 + 0.2*rng.Float64()
		}
		m.heading = rng.Float64() * math.Pi
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
	var photo []byte
	if svc != nil {
		if photo, err = streetPhoto(); err != nil {
			return 0, err
		}
	}
	photoFrom := day0.AddDate(0, 0, -photoDays).UnixMilli()
	var tasks, patrols, points, photos [][]any
	flush := func() error {
		for _, t := range []struct {
			name string
			cols []string
			rows *[][]any
		}{{"patrol_tasks", append(patrol.TaskCols[:len(patrol.TaskCols):len(patrol.TaskCols)], "patrol_id", "walked_at"), &tasks}, {"patrols", patrolCols, &patrols},
			{"patrol_points", pointCols, &points}, {"patrol_photos", photoCols, &photos}} {
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
		// along the member's route across the grid, a few metres off it
		dir := 1.0
		if rng.IntN(2) == 0 {
			dir = -1
		}
		for k := 0; k < n; k++ {
			at := start + (last-start)*int64(k+1)/int64(n)
			f := dir * (-1 + 2*(float64(k)+0.5)/float64(n))
			pid, note := db.NewID(), ""
			if svc != nil && rng.IntN(10) < 3 {
				i := 0
				if rng.IntN(3) > 0 {
					i = 1 + rng.IntN(len(patrolNotes)-1)
				}
				note = svc.SealNote(pid, patrolNotes[i])
				if i > 0 && start >= photoFrom && rng.IntN(4) == 0 {
					var by any = "demo"
					if m.userID != "" {
						by = m.userID
					}
					photos = append(photos, []any{db.NewID(), id, pid, "image/jpeg", len(photo), photo, by, at})
				}
			}
			points = append(points, []any{pid, id, at, m.lat + f*0.0022*math.Sin(m.heading) + (rng.Float64()-0.5)*0.0004,
				m.lng + f*0.0026*math.Cos(m.heading) + (rng.Float64()-0.5)*0.0004, float64(5 + rng.IntN(30)), note, stamp})
		}
		return id
	}
	for ago := 365; ago >= 0; ago-- {
		if ago == 0 && !today {
			break
		}
		day := day0.AddDate(0, 0, -ago)
		key := day.Format(time.DateOnly)
		factor, wet := dayFactor(day, rng)
		for _, m := range members {
			if ago > recentDays && !m.year {
				continue
			}
			for i, w := range patrol.DefaultWindows {
				from, to := windowBounds(day, w)
				taskID := db.NewID()
				var patrolID, walkedAt any
				chance := m.rel * factor
				if wet && i == len(patrol.DefaultWindows)-1 {
					chance *= 0.8 // the evening window in the rain
				}
				switch {
				case to <= stamp && rng.Float64() < chance: // walked
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
		if len(points) > 20000 || len(tasks) > 20000 || len(photos) > 200 {
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
