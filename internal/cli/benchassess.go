package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/org"
)

// assessRuns is how many times the monthly scoring is timed.
const assessRuns = 5

// measureAssess times the monthly scoring of every member of the grid
// workforce of the whole data set (the board of the last month, member
// level, over the root area: every source's tally, the weights, the
// offline points, the scores and the rows) against the bare queries it
// needs: the roster, each source's grouped counts and the offline sums.
// A month of work for the members comes first, written once (see
// demo.AssessMonth).
func (b *bench) measureAssess(t *benchTable, out io.Writer) error {
	ctx := authz.WithPrincipal(b.ctx, authz.System())
	q := b.a.DB.Reader()
	rootID, err := org.TopUnder(ctx, q, "/")
	if err != nil {
		return err
	}
	root, err := org.PathOf(ctx, q, rootID, "")
	if err != nil {
		return err
	}
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	start := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, cst)
	from, to := start.UnixMilli(), start.AddDate(0, 1, 0).UnixMilli()
	month := start.Format("2006-01")
	t0 := time.Now()
	members, wrote, err := demo.AssessMonth(ctx, b.a.DB, root, from, to)
	if err != nil {
		return err
	}
	if wrote > 0 {
		fmt.Fprintf(out, "  assess: wrote %d events of %s for %d members in %.1fs\n", wrote, month, members, time.Since(t0).Seconds())
	}
	var runs []time.Duration
	rows := 0
	for range assessRuns {
		t1 := time.Now()
		bd, err := b.a.Assess.Board(ctx, assess.BoardQuery{Period: "month", Month: month, Level: "member", OrgID: rootID})
		if err != nil {
			return err
		}
		runs = append(runs, time.Since(t1))
		rows = len(bd.Rows)
	}
	l := summarize(runs)
	t.row(fmt.Sprintf("monthly scoring of every member `assess.Board` (month %s, %d members scored)", month, rows), percentiles(l),
		fmt.Sprintf("max %s, %d runs one after another", ms(l.max), l.n))
	raw := func(n int) (latency, error) {
		var d []time.Duration
		for range min(n, assessRuns) { // each run reads the whole month: a few are enough
			t1 := time.Now()
			if err := b.assessRaw(root, month, from, to); err != nil {
				return latency{}, err
			}
			d = append(d, time.Since(t1))
		}
		return summarize(d), nil
	}
	return t.vsRaw("the roster, each source's grouped counts and the offline sums, bare SQL", raw, measured{"monthly scoring", l})
}

// assessRaw runs the bare queries the scoring needs, reading every row.
func (b *bench) assessRaw(root, month string, from, to int64) error {
	under, args := authz.Under("path", root)
	eunder, eargs := authz.Under("e.path", root)
	stmts := []struct {
		q    string
		args []any
	}{
		{"SELECT w.id, w.name, w.user_id, w.org_id, w.path, w.employment, (SELECT m.grid_id FROM grid_members m WHERE m.worker_id = w.id ORDER BY m.is_primary DESC, m.id LIMIT 1) FROM workers w WHERE w.status = 'active' AND " +
			authzUnder("w.path", root), args},
		{`SELECT e.reporter_id, count(*), sum(CASE WHEN e.state IN ('reported', 'refused', 'merged') THEN 0 ELSE 1 END) FROM events e
			WHERE e.reporter_id IS NOT NULL AND e.created_at >= ? AND e.created_at < ? AND ` + eunder + ` GROUP BY e.reporter_id`, append([]any{from, to}, eargs...)},
		{`SELECT l.actor_id, count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM event_log o WHERE o.event_id = l.event_id AND o.action = 'overdue' AND o.from_state = 'handled'
			AND o.seq < l.seq AND o.seq > (SELECT COALESCE(max(r.seq), 0) FROM event_log r WHERE r.event_id = l.event_id AND r.action = 'report_result' AND r.seq < l.seq))
			THEN 0 ELSE 1 END) FROM event_log l JOIN events e ON e.id = l.event_id
			WHERE l.action IN ('check_pass', 'check_fail') AND l.at >= ? AND l.at < ? AND ` + eunder + ` GROUP BY l.actor_id`, append([]any{from, to}, eargs...)},
		{`SELECT user_id, count(DISTINCT record_type || ':' || record_id) FROM register_log WHERE user_id IS NOT NULL AND at >= ? AND at < ?
			AND action IN ('changed', 'moved_in', 'moved_out', 'deceased') GROUP BY user_id`, []any{from, to}},
		{"SELECT worker_id, sum(points_x100) FROM assess_offline WHERE month = ? AND " + under + " GROUP BY worker_id", append([]any{month}, args...)},
		// the patrol, visit, 9-key and task rooms' tallies
		{"SELECT worker_id, count(*), count(walked_at) FROM patrol_tasks WHERE starts_at >= ? AND starts_at < ? AND " + under + " GROUP BY worker_id",
			append([]any{from, to}, args...)},
		{`SELECT worker_id, count(*), sum(CASE WHEN status = 'done' AND done_at <= due_at THEN 1 ELSE 0 END) FROM visit_tasks
			WHERE worker_id IS NOT NULL AND status <> 'cancelled' AND due_at >= ? AND due_at < ? AND ` + under + " GROUP BY worker_id", append([]any{from, to}, args...)},
		{"SELECT member_id, accepted_by, accept_within, raised_at, accepted_at FROM callkey_alerts WHERE member_id <> '' AND raised_at >= ? AND raised_at < ? AND " + under,
			append([]any{from, to}, args...)},
		{`SELECT a.worker_id, count(*), sum(CASE WHEN t.status = 'closed' AND t.closed_on <= t.due_on THEN 1 ELSE 0 END)
			FROM duty_assignees a JOIN duty_tasks t ON t.id = a.task_id WHERE t.due_on >= ? AND t.due_on <= ? AND ` + authzUnder("t.path", root) + " GROUP BY a.worker_id",
			append([]any{time.UnixMilli(from).In(casework.Zone).Format("2006-01-02"), time.UnixMilli(to - 1).In(casework.Zone).Format("2006-01-02")}, args...)},
	}
	for _, s := range stmts {
		rows, err := b.a.DB.Reader().QueryContext(b.ctx, s.q, s.args...)
		if err != nil {
			return err
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func authzUnder(col, path string) string {
	w, _ := authz.Under(col, path)
	return w
}
