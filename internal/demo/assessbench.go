package demo

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// AssessMonth gives every full- and part-time member of the roster an
// account (the events name their reporter by account) and a month of
// work: twelve reports (ten filed, one refused, one waiting), six of them
// closed after the member's own on-site re-check (one in six after the
// check went overdue). Written once: a second run finds the month's
// events and writes nothing. For the benchmark of the monthly scoring
// (gridgov bench --only assess), whose data set has no such month.
func AssessMonth(ctx context.Context, d *db.DB, root string, from, to int64) (members, wrote int, err error) {
	q := d.Reader()
	var have int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE no LIKE 'AS-%' AND created_at >= ? AND created_at < ?", from, to).Scan(&have); err != nil {
		return 0, 0, err
	}
	workers, err := org.WorkersIn(ctx, q, root)
	if err != nil {
		return 0, 0, err
	}
	var ranked []org.Worker
	for _, w := range workers {
		if assess.Ranked(w.Employment) {
			ranked = append(ranked, w)
		}
	}
	if have > 0 {
		return len(ranked), 0, nil
	}
	now := time.Now().UnixMilli()
	span := to - from
	for i := 0; i < len(ranked); i += 500 {
		batch := ranked[i:min(i+500, len(ranked))]
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for k, w := range batch {
				user := w.UserID
				if user == "" {
					user = db.NewID()
					if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, org_id, password_hash, password_changed_at, status, created_at, updated_at)
						VALUES (?, ?, ?, ?, '!', ?, 'active', ?, ?)`, user, "bench-"+w.ID, w.Name, w.OrgID, now, now, now); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, "UPDATE workers SET user_id = ? WHERE id = ?", user, w.ID); err != nil {
						return err
					}
				}
				for j := range 12 {
					id := db.NewID()
					at := from + span*int64(j*len(batch)+k)/int64(12*len(batch)+1)
					state := "handling"
					switch {
					case j == 10:
						state = "refused"
					case j == 11:
						state = "reported"
					case j < 6:
						state = "closed"
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, no, channel, category_code, urgency, description, org_id, path, level, state, stage,
						stage_started_at, reporter_id, reporter_name, created_at, updated_at) VALUES (?, ?, 'grid', '0101', 'normal', 'bench', ?, ?, 'village', ?, 'intake', ?, ?, ?, ?, ?)`,
						id, "AS-"+id, w.OrgID, w.Path, state, at, user, w.Name, at, at); err != nil {
						return err
					}
					wrote++
					if j >= 6 {
						continue
					}
					steps := []string{"report_result", "check_pass"}
					if j == 0 {
						steps = []string{"report_result", "overdue", "check_pass"}
					}
					for s, action := range steps {
						actor := "bench"
						if action == "check_pass" {
							actor = user
						}
						if _, err := tx.ExecContext(ctx, `INSERT INTO event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state, note)
							VALUES (?, ?, ?, ?, '', 'grid_member', ?, 'handled', '', '')`, id, s+1, at+int64(s+1)*60_000, actor, action); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return 0, 0, err
		}
	}
	return len(ranked), wrote, nil
}
