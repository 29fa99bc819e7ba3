package dispute

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// ClosedCasesIn gives, for the safety index (package safety), the dispute
// cases under path closed in [from, to) — settled or failed (结案) — in one
// query: each with its id, its case number, its area path, and hit when
// settled with an agreement, written or oral (调处成功), as the figures
// count 调解成功.
func ClosedCasesIn(ctx context.Context, q db.Querier, path string, from, to time.Time, each func(id, label, path string, hit bool)) error {
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, `SELECT id, no, path, CASE WHEN status = 'settled' THEN 1 ELSE 0 END FROM disputes
		WHERE `+under+` AND status IN ('settled', 'failed') AND closed_at >= ? AND closed_at < ? ORDER BY no`,
		append(args, from.UnixMilli(), to.UnixMilli())...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, no, p string
		var hit int
		if err := rows.Scan(&id, &no, &p, &hit); err != nil {
			return err
		}
		each(id, no, p, hit == 1)
	}
	return rows.Err()
}
