package petition

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// PetitionsIn gives, for the safety index (package safety), the petitions
// under path received on the days of [from, to) (China Standard Time) in
// one query: each with its id, its number, its area path, and hit when it
// is a repeat petition (重复访) — a petitioner of it had a petition received
// within RepeatDays before, as the desk's register marks it (cameBefore, or
// the desk's correction).
func PetitionsIn(ctx context.Context, q db.Querier, path string, from, to time.Time, each func(id, label, path string, hit bool)) error {
	under, args := authz.Under("path", path)
	first, end := from.In(shanghai).Format("2006-01-02"), to.In(shanghai).Format("2006-01-02")
	rows, err := q.QueryContext(ctx, `SELECT id, no, path, repeated FROM petitions
		WHERE `+under+` AND received_on >= ? AND received_on < ? ORDER BY no`, append(args, first, end)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, no, p string
		var repeated bool
		if err := rows.Scan(&id, &no, &p, &repeated); err != nil {
			return err
		}
		each(id, no, p, repeated)
	}
	return rows.Err()
}
