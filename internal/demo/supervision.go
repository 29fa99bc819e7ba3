package demo

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/i18n"
)

// demoOrders are the leader's supervision orders (督办单) on open events of
// the county for the Monday meeting: how long ago each was given, how long
// it allowed, and what it asked. The first is past its deadline.
var demoOrders = []struct {
	ago, allow time.Duration
	note       string
}{
	{ago: 4 * 24 * time.Hour, allow: 2 * 24 * time.Hour, note: "群众反复反映，限期办结并书面报告处置情况"},
	{ago: 26 * time.Hour, allow: 3 * 24 * time.Hour, note: "周一集中督办：请牵头单位本周内办结"},
	{ago: 3 * time.Hour, allow: 4 * 24 * time.Hour, note: "涉及多个部门，请牵头单位协调联动处置"},
}

// Supervision gives the demo leader's supervision orders to the county's
// open, dispatched events older than the orders: one past its deadline
// (marked overdue, with its timeline step, as the sweep marks it) and two
// within it, so the supervision list (督办清单) shows each group. It
// returns how many orders it wrote.
func Supervision(ctx context.Context, d *db.DB, now time.Time) (int, error) {
	q := d.Reader()
	var leader, name, path string
	err := q.QueryRowContext(ctx, `SELECT u.id, u.display_name, o.path FROM users u JOIN org_nodes o ON o.id = u.org_id
		WHERE u.username = 'leader'`).Scan(&leader, &name, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // no demo accounts (a bench data set)
	}
	if err != nil {
		return 0, err
	}
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, `SELECT id, state FROM events WHERE state IN ('dispatched', 'handling') AND parked = ?
		AND lead_unit_id IS NOT NULL AND supervised = ? AND created_at < ? AND `+under+` ORDER BY created_at DESC, id LIMIT ?`,
		append([]any{false, false, now.Add(-5 * 24 * time.Hour).UnixMilli()}, append(args, len(demoOrders))...)...)
	if err != nil {
		return 0, err
	}
	type target struct{ id, state string }
	var events []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.id, &t.state); err != nil {
			rows.Close()
			return 0, err
		}
		events = append(events, t)
	}
	rows.Close()
	return len(events), d.InTx(ctx, func(tx *db.Tx) error {
		for i, ev := range events {
			o := demoOrders[i]
			at, due := now.Add(-o.ago), now.Add(-o.ago+o.allow)
			var overdue any
			if !due.After(now) {
				overdue = due.Add(time.Minute).UnixMilli() // the sweep's next run
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO supervisions (id, event_id, by_user, by_name, note, due_at, created_at, overdue_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), ev.id, leader, name, o.note, due.UnixMilli(), at.UnixMilli(), overdue); err != nil {
				return err
			}
			steps := [][]any{{at, leader, name, "supervise", o.note}}
			if overdue != nil {
				dueText := due.In(cst).Format("2006-01-02 15:04")
				steps = append(steps, []any{time.UnixMilli(overdue.(int64)), "system", "system", "supervise_overdue",
					i18n.T(i18n.Default, "step.supervise_overdue", map[string]any{"due": dueText, "by": name})})
			}
			for _, s := range steps {
				if _, err := tx.ExecContext(ctx, `INSERT INTO event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state, note, public_note)
					SELECT ?, COALESCE(max(seq), 0) + 1, ?, ?, ?, '', ?, ?, ?, ?, '' FROM event_log WHERE event_id = ?`,
					ev.id, s[0].(time.Time).UnixMilli(), s[1], s[2], s[3], ev.state, ev.state, s[4], ev.id); err != nil {
					return err
				}
			}
			// The event was updated by its latest step.
			if _, err := tx.ExecContext(ctx, `UPDATE events SET supervised = ?, updated_at = (SELECT max(at) FROM event_log WHERE event_id = ?)
				WHERE id = ?`, true, ev.id, ev.id); err != nil {
				return err
			}
		}
		return nil
	})
}
