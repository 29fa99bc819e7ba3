package visit

import (
	"context"
	"errors"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/tally"
)

// MetricOnTime is the metric of visits made on time: Due counts the tasks
// due in the period (their day within it), Done those of them closed by
// the end of their day.
const MetricOnTime = "visit.on_time"

// Tally counts the visits due and made on time in the period per roster
// member, in one query. Tasks with nobody on them, and tasks withdrawn
// because their condition ended, are left out.
func (s *Service) Tally(ctx context.Context, p tally.Period) (tally.Sheets, error) {
	under, args := authz.Under("path", p.Path)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT worker_id, COUNT(*), COALESCE(SUM(CASE WHEN status = 'done' AND done_at <= due_at THEN 1 ELSE 0 END), 0)
		FROM visit_tasks WHERE worker_id IS NOT NULL AND status <> 'cancelled' AND due_at >= ? AND due_at < ? AND `+under+` GROUP BY worker_id`,
		append([]any{p.From, p.To}, args...)...)
	if err != nil {
		return nil, err
	}
	out := tally.Sheets{}
	for rows.Next() {
		var worker string
		var due, done int
		if err := rows.Scan(&worker, &due, &done); err != nil {
			rows.Close()
			return nil, err
		}
		out.Add(MetricOnTime, worker, tally.Count{Done: done, Due: due})
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
