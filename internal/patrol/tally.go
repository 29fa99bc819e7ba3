package patrol

import (
	"context"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/tally"
)

// MetricCoverage is the share of planned patrol windows a member walked:
// Done the windows with a check-in of theirs inside, Due the windows
// planned, over the tasks whose window starts in the period.
const MetricCoverage = "patrol.coverage"

// Tally counts each member's patrol coverage over the period, in one
// grouped query over the tasks (a task carries whether it was walked).
func (s *Service) Tally(ctx context.Context, p tally.Period) (tally.Sheets, error) {
	return CoverageTally(ctx, s.db.Reader(), p)
}

// CoverageTally is Tally over a querier (the benchmark calls it bare).
func CoverageTally(ctx context.Context, q db.Querier, p tally.Period) (tally.Sheets, error) {
	under, args := authz.Under("path", p.Path)
	rows, err := q.QueryContext(ctx, `SELECT worker_id, count(*), count(walked_at) FROM patrol_tasks
		WHERE starts_at >= ? AND starts_at < ? AND `+under+` GROUP BY worker_id`, append([]any{p.From, p.To}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := tally.Sheets{}
	for rows.Next() {
		var w string
		var c tally.Count
		if err := rows.Scan(&w, &c.Due, &c.Done); err != nil {
			return nil, err
		}
		out.Add(MetricCoverage, w, c)
	}
	return out, rows.Err()
}
