package keyperson

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// VisitsDueAt gives, for the safety index (package safety), the active key
// persons under path registered before the moment at, in one query: each
// with its id, a label naming only its area and its last visit before at
// (never the person or the category), its path, and hit when its visit was
// not overdue at that moment — its last visit before at (or, never
// visited, its registration) plus its visit frequency in days is not
// before at.
func VisitsDueAt(ctx context.Context, q db.Querier, path string, at time.Time, each func(id, label, path string, hit bool)) error {
	under, args := authz.Under("k.path", path)
	ms := at.UnixMilli()
	rows, err := q.QueryContext(ctx, `SELECT k.id, COALESCE(o.name, ''), k.path, k.visit_every_days, k.created_at,
		(SELECT max(v.at) FROM visits v WHERE v.subject_type = 'key_person' AND v.subject_id = k.id AND v.at < ?)
		FROM key_persons k LEFT JOIN org_nodes o ON o.path = k.path
		WHERE `+under+` AND k.status = 'active' AND k.created_at < ? ORDER BY k.path, k.id`, append(append([]any{ms}, args...), ms)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	zone := time.FixedZone("CST", 8*3600)
	for rows.Next() {
		var id, area, p string
		var every int
		var created int64
		var last *int64
		if err := rows.Scan(&id, &area, &p, &every, &created, &last); err != nil {
			return err
		}
		base, label := created, area+" · 未走访"
		if last != nil {
			base, label = *last, area+" · 上次走访 "+time.UnixMilli(*last).In(zone).Format("2006-01-02")
		}
		each(id, label, p, base+int64(every)*24*3600*1000 >= ms)
	}
	return rows.Err()
}
