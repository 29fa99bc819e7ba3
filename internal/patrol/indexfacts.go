package patrol

import (
	"context"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// PatrolledDaysIn gives, for the safety index (package safety), each
// main-layer grid and day (YYYY-MM-DD, China Standard Time) of [from, to)
// on which a patrol with at least one check-in was started on the grid
// under path, once each, from one query.
func PatrolledDaysIn(ctx context.Context, q db.Querier, path string, from, to time.Time, each func(gridID, day string)) error {
	under, args := authz.Under("path", path)
	// The day is counted from from (a midnight in the county's zone) in
	// whole days, so the database groups the patrols into grid-days.
	const dayMs = 24 * 3600 * 1000
	start := from.UnixMilli()
	rows, err := q.QueryContext(ctx, `SELECT grid_id, (started_at - ?) / `+strconv.Itoa(dayMs)+` FROM patrols
		WHERE `+under+` AND started_at >= ? AND started_at < ? AND checkins > 0 AND grid_id <> ''
		GROUP BY 1, 2 ORDER BY 1, 2`, append(append([]any{start}, args...), start, to.UnixMilli())...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var grid string
		var n int
		if err := rows.Scan(&grid, &n); err != nil {
			return err
		}
		each(grid, from.In(Zone).AddDate(0, 0, n).Format("2006-01-02"))
	}
	return rows.Err()
}
