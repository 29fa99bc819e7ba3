package casework

import (
	"context"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// The facts the safety index (package safety) counts of the events under
// an area, one query each over the whole area: each record is given to
// each with its id, a short label (the event number, never the reporter),
// its area path and whether it counts in the indicator's numerator.

// ClosuresIn gives the events closed in [from, to); hit when closed by the
// whole matter's deadline (an event with no deadline, closed on the spot,
// is on time), as the dashboard's on-time rate counts them.
func ClosuresIn(ctx context.Context, q db.Querier, path string, from, to time.Time, each func(id, label, path string, hit bool)) error {
	under, args := authz.Under("path", path)
	return scanFacts(ctx, q, `SELECT id, no, path, CASE WHEN due_at IS NULL OR closed_at <= due_at THEN 1 ELSE 0 END FROM events
		WHERE `+under+` AND state = 'closed' AND closed_at >= ? AND closed_at < ? ORDER BY no`,
		append(args, from.UnixMilli(), to.UnixMilli()), each)
}

// RatingsIn gives the events whose rating (the resident's verdict or the
// centre's callback) was recorded in [from, to) and still stands; hit when
// satisfied or basically satisfied. The month's ratings are read once (IN,
// not a correlated EXISTS, which SQLite ran through the month's log for
// every event).
func RatingsIn(ctx context.Context, q db.Querier, path string, from, to time.Time, each func(id, label, path string, hit bool)) error {
	under, args := authz.Under("e.path", path)
	return scanFacts(ctx, q, `SELECT e.id, e.no, e.path, CASE WHEN e.rating IN ('satisfied', 'basically') THEN 1 ELSE 0 END FROM events e
		WHERE `+under+` AND e.rating IS NOT NULL
		AND e.id IN (SELECT l.event_id FROM event_log l WHERE l.action = 'rate' AND l.at >= ? AND l.at < ?) ORDER BY e.no`,
		append(args, from.UnixMilli(), to.UnixMilli()), each)
}

// OverdueSupervisionsAt gives the supervision orders (督办单) open at the
// moment at and past their own deadline then; each is labelled with its
// event's number and counts (hit).
func OverdueSupervisionsAt(ctx context.Context, q db.Querier, path string, at time.Time, each func(id, label, path string, hit bool)) error {
	under, args := authz.Under("e.path", path)
	ms := at.UnixMilli()
	return scanFacts(ctx, q, `SELECT e.id, e.no, e.path, 1 FROM supervisions s JOIN events e ON e.id = s.event_id
		WHERE `+under+` AND s.created_at < ? AND s.due_at < ? AND (s.closed_at IS NULL OR s.closed_at >= ?) ORDER BY e.no, s.id`,
		append(args, ms, ms, ms), each)
}

func scanFacts(ctx context.Context, q db.Querier, query string, args []any, each func(id, label, path string, hit bool)) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, label, path string
		var hit int
		if err := rows.Scan(&id, &label, &path, &hit); err != nil {
			return err
		}
		each(id, label, path, hit == 1)
	}
	return rows.Err()
}

// UrgentEventsSince gives the urgent events reported under path since the
// moment given whose category starts with one of prefixes (a category and
// its children), oldest first: what revokes a safe cell (平安细胞) under
// the committee's rule.
func UrgentEventsSince(ctx context.Context, q db.Querier, path string, since time.Time, prefixes []string, each func(id, no string)) error {
	if len(prefixes) == 0 {
		return nil
	}
	under, args := authz.Under("path", path)
	var like []string
	for _, p := range prefixes {
		like = append(like, "category_code LIKE ?")
		args = append(args, p+"%")
	}
	rows, err := q.QueryContext(ctx, `SELECT id, no FROM events WHERE `+under+` AND urgency = 'urgent' AND (`+strings.Join(like, " OR ")+`)
		AND created_at >= ? ORDER BY created_at, no`, append(args, since.UnixMilli())...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, no string
		if err := rows.Scan(&id, &no); err != nil {
			return err
		}
		each(id, no)
	}
	return rows.Err()
}
