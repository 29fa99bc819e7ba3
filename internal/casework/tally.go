package casework

import (
	"context"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/tally"
)

// Tally counts, per roster member of the grid workforce, the events work
// of the period in the area, for assessment:
//
//   - report.filed: the reports the member sent in the period (Due), and
//     of them those filed (Done): every state but waiting for intake,
//     refused and merged as a duplicate; a report closed on the spot
//     counts as filed.
//   - recheck.on_time: the on-site re-checks the member made in the period
//     (Due), and of them those made before the check stage went overdue
//     (Done): no "overdue" step of the check stage since the result was
//     reported.
//
// Events name their reporter and the timeline its actor by account; the
// roster (org.WorkerAccounts) maps accounts to members. Each metric is one
// grouped query, whatever the number of members.
func (s *Service) Tally(ctx context.Context, p tally.Period) (tally.Sheets, error) {
	q := s.db.Reader()
	byUser, err := org.WorkerAccounts(ctx, q, p.Path)
	if err != nil {
		return nil, err
	}
	out := tally.Sheets{}
	if len(byUser) == 0 {
		return out, nil
	}
	under, args := authz.Under("e.path", p.Path)
	err = addCounts(ctx, q, out, "report.filed", byUser, `SELECT e.reporter_id, count(*),
		CAST(sum(CASE WHEN e.state IN ('reported', 'refused', 'merged') THEN 0 ELSE 1 END) AS BIGINT)
		FROM events e WHERE e.reporter_id IS NOT NULL AND e.created_at >= ? AND e.created_at < ? AND `+under+` GROUP BY e.reporter_id`,
		append([]any{p.From, p.To}, args...)...)
	if err != nil {
		return nil, err
	}
	err = addCounts(ctx, q, out, "recheck.on_time", byUser, `SELECT l.actor_id, count(*),
		CAST(sum(CASE WHEN EXISTS (SELECT 1 FROM event_log o WHERE o.event_id = l.event_id AND o.action = 'overdue' AND o.from_state = 'handled'
			AND o.seq < l.seq AND o.seq > (SELECT COALESCE(max(r.seq), 0) FROM event_log r WHERE r.event_id = l.event_id AND r.action = 'report_result' AND r.seq < l.seq))
			THEN 0 ELSE 1 END) AS BIGINT)
		FROM event_log l JOIN events e ON e.id = l.event_id
		WHERE l.action IN ('check_pass', 'check_fail') AND l.at >= ? AND l.at < ? AND `+under+` GROUP BY l.actor_id`,
		append([]any{p.From, p.To}, args...)...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addCounts reads rows of (account, due, done) into metric of out, for the
// accounts on the roster.
func addCounts(ctx context.Context, q db.Querier, out tally.Sheets, metric string, byUser map[string]string, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var user string
		var due, done int
		if err := rows.Scan(&user, &due, &done); err != nil {
			return err
		}
		if w, ok := byUser[user]; ok {
			out.Add(metric, w, tally.Count{Done: done, Due: due})
		}
	}
	return rows.Err()
}
