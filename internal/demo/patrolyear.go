package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/patrol"
)

// PatrolYear writes the rest of the year of patrols (一日三巡) of an area
// (the first county in the demo, a town in its test) inside the database:
// the three standing windows of every planned member with a primary grid
// outside the demo grid member's village (whose year Patrols writes) for
// the days before the last week (which Patrols writes for everyone). A million rows written one by one from Go took six
// minutes; here each table is one INSERT … SELECT over a day series (the
// days and their factors, worked out here from the same holidays and
// bad-weather draw as Patrols) joined with the roster. Whether a window is
// walked, when and with how many check-ins is drawn from the row's keys by
// integer arithmetic that both databases compute alike: a member's own
// reliability (about one in twelve is weaker), fewer on holidays and on
// bad-weather days, the evening window least in the rain. Ids are made
// from the keys (the tables take any text id). Positions are written only
// for the days inside the retention; the older patrols keep their counts.
// The patrol tables' indexes are built again after the rows. It returns
// how many patrols it wrote.
func PatrolYear(ctx context.Context, d *db.DB, areaCode string, seed int64, now time.Time) (int, error) {
	q := d.Reader()
	var areaPath, homeVillage string
	if err := q.QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE code = ?", areaCode).Scan(&areaPath); err != nil {
		return 0, err
	}
	if err := q.QueryRowContext(ctx, `SELECT u.org_id FROM users u WHERE u.username = 'gridmember'`).Scan(&homeVillage); err != nil {
		return 0, nil // no demo accounts (a bench data set)
	}
	day0 := dayStart(now.In(cst))
	keepFrom := day0.AddDate(0, 0, -patrol.DefaultSettings().PositionDays).UnixMilli()
	stamp := now.UnixMilli()

	// The day series: every window of the days from a year ago to the
	// last week, with the share (per mille) of a member's reliability that
	// day leaves.
	rng := mrand.New(mrand.NewPCG(uint64(seed), 34))
	var days, recent strings.Builder
	for ago := 365; ago > recentDays; ago-- {
		day := day0.AddDate(0, 0, -ago)
		factor, wet := dayFactor(day, rng)
		for i, w := range patrol.DefaultWindows {
			from, to := windowBounds(day, w)
			f := factor
			if wet && i == len(patrol.DefaultWindows)-1 {
				f *= 0.8 // the evening window in the rain
			}
			row := fmt.Sprintf("(%d, '%s', %d, '%s', %d, %d, %d)", ago, day.Format(time.DateOnly), i, w.Slot(), from, to, int(math.Round(f*1000)))
			if days.Len() > 0 {
				days.WriteString(", ")
			}
			days.WriteString(row)
			if to > keepFrom { // inside the retention: with positions
				if recent.Len() > 0 {
					recent.WriteString(", ")
				}
				recent.WriteString(row)
			}
		}
	}
	// the directions of the members' usual routes across their grid: one
	// of eight
	headings := func(col string, f func(float64) float64) string {
		c := "CASE hi"
		for i := range 8 {
			c += fmt.Sprintf(" WHEN %d THEN %.6f", i, f(float64(i)*math.Pi/8))
		}
		return c + " END AS " + col
	}
	under, args := authz.Under("w.path", areaPath)
	args = append([]any{true}, args...)
	args = append(args, homeVillage)
	// h is a pseudo-random number in [0, 1000) from the keys: the square of
	// a mix of them modulo a prime.
	h := func(salt int, keys ...string) string {
		mix := fmt.Sprintf("CAST(%d AS BIGINT)", salt*15485863%1000003)
		for i, k := range keys {
			mix += fmt.Sprintf(" + CAST(%s AS BIGINT) * %d", k, []int{7919, 104729, 1299709}[i])
		}
		return "(((" + mix + ") * (" + mix + ")) % 1000003 % 1000)"
	}
	with := func(days string) string {
		return `WITH days (ago, day, wi, slot, s, e, fw) AS (VALUES ` + days + `),
		mem AS (SELECT w.id AS wid, w.user_id AS uid, g.id AS gid, w.path AS wpath, COALESCE(g.center_lat, 0) AS lat, COALESCE(g.center_lng, 0) AS lng,
				ROW_NUMBER() OVER (PARTITION BY w.id ORDER BY g.id) AS rk
			FROM workers w JOIN grid_members m ON m.worker_id = w.id AND m.is_primary = ? JOIN grids g ON g.id = m.grid_id
			WHERE w.status = 'active' AND w.employment IN ('full_time', 'part_time') AND ` + under + ` AND w.org_id <> ?),
		mm AS (SELECT wid, uid, gid, wpath, lat, lng, ROW_NUMBER() OVER (ORDER BY wid) AS n FROM mem WHERE rk = 1),
		mh AS (SELECT wid, uid, gid, wpath, lat, lng, n, ` + h(1, "n") + ` % 8 AS hi FROM mm),
		mr AS (SELECT wid, uid, gid, wpath, lat, lng, n, ` + headings("hs", math.Sin) + `, ` + headings("hc", math.Cos) + `,
				CASE WHEN ` + h(2, "n") + ` < 83 THEN 350 + ` + h(3, "n") + ` / 5 ELSE 720 + ` + h(4, "n") + ` / 4 END AS rel FROM mh),
		al AS (SELECT mr.*, days.*, s + (` + h(5, "ago", "n", "wi") + ` % 20) * 60000 AS st, 20 + ` + h(6, "ago", "n", "wi") + ` % 50 AS dur,
				2 + ` + h(7, "ago", "n", "wi") + ` % 2 AS nc, 3 + ` + h(8, "ago", "n", "wi") + ` % 10 AS tail,
				CASE WHEN ` + h(9, "ago", "n", "wi") + ` * 1000 < rel * fw THEN 1 ELSE 0 END AS wk
			FROM mr CROSS JOIN days),
		t AS (SELECT al.*, 'pa-' || wid || '-' || day || '-' || wi AS pid, 'pt-' || wid || '-' || day || '-' || wi AS tid,
				CASE WHEN st + dur * 60000 < e - 60000 THEN st + dur * 60000 ELSE e - 60000 END AS la FROM al),
		p AS (SELECT * FROM t WHERE wk = 1)
		`
	}
	tx, err := d.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// The tables' own indexes are built again after the rows: for the
	// county's year that is faster than keeping them up row by row.
	indexes, err := dropIndexes(ctx, tx, "patrol_tasks", "patrols", "patrol_points")
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, with(days.String())+`INSERT INTO patrols (id, worker_id, user_id, grid_id, path, task_id, status, started_at, ended_at, checkins, reports, last_at, version, created_at, updated_at)
		SELECT pid, wid, uid, gid, wpath, tid, 'ended', st, la + tail * 60000, nc, 0, la, 1, st, ? FROM p`, append(args, stamp)...)
	if err != nil {
		return 0, fmt.Errorf("patrols: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, with(days.String())+`INSERT INTO patrol_tasks (id, worker_id, grid_id, path, day, slot, starts_at, ends_at, patrol_id, walked_at, created_at)
		SELECT tid, wid, gid, wpath, day, slot, s, e, CASE WHEN wk = 1 THEN pid END, CASE WHEN wk = 1 THEN st + (la - st) / nc END, ? FROM t`, append(args, stamp)...); err != nil {
		return 0, fmt.Errorf("patrol tasks: %w", err)
	}
	// the check-ins inside the retention, along the member's route across
	// the grid, a few metres off it
	if recent.Len() > 0 {
		if _, err := tx.ExecContext(ctx, with(recent.String())+`, k (k) AS (VALUES (1), (2), (3)),
		pk AS (SELECT p.*, k.k, CASE WHEN `+h(10, "ago", "n", "wi")+` < 500 THEN 1 ELSE -1 END * (-1 + (2.0 * k.k - 1) / nc) AS f FROM p CROSS JOIN k WHERE k.k <= p.nc AND p.st >= ?)
		INSERT INTO patrol_points (id, patrol_id, at, lat, lng, accuracy, note_sealed, created_at)
		SELECT pid || '-' || pk.k, pid, st + (la - st) * pk.k / nc, lat + f * 0.0022 * hs + (`+h(11, "ago", "n", "wi*3+k")+` - 500) * 0.0000004,
			lng + f * 0.0026 * hc + (`+h(12, "ago", "n", "wi*3+k")+` - 500) * 0.0000004, 5 + `+h(13, "ago", "n", "wi*3+k")+` % 30, '', ?
		FROM pk`, append(args, keepFrom, stamp)...); err != nil {
			return 0, fmt.Errorf("patrol points: %w", err)
		}
	}
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, ix); err != nil {
			return 0, fmt.Errorf("index: %w", err)
		}
	}
	return int(n), tx.Commit()
}

// dropIndexes drops the secondary indexes of tables inside tx and returns
// the statements that build them again.
func dropIndexes(ctx context.Context, tx *db.Tx, tables ...string) ([]string, error) {
	in := "'" + strings.Join(tables, "', '") + "'"
	query := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (" + in + ")"
	if tx.DialectName() == db.Postgres {
		query = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename IN (` + in + `)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`
	}
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return nil, err
		}
	}
	return defs, nil
}
