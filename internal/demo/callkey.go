package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/callkey"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
)

// CallKeys registers 9-key numbers for the first county's elderly and
// disabled care targets (and every care target of the demo grid member's
// grid) and writes a year of their calls: most accepted by the grid
// member within a minute or two, some escalated to the grid chief, a few
// to the village centre; each then arrived at and closed. The demo grid
// member finds one call open on their phone. It returns the calls written.
func CallKeys(ctx context.Context, d *db.DB, ck *callkey.Service, countyCode string, seed int64, now time.Time) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	rng := mrand.New(mrand.NewPCG(uint64(seed), 935))
	q := d.Reader()
	var countyPath, memberGrid string
	if err := q.QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE code = ?", countyCode).Scan(&countyPath); err != nil {
		return 0, err
	}
	q.QueryRowContext(ctx, `SELECT m.grid_id FROM grid_members m JOIN users u ON u.id = m.user_id
		WHERE u.username = 'gridmember' AND m.role = 'grid_member' ORDER BY m.is_primary DESC LIMIT 1`).Scan(&memberGrid)
	under, args := authz.Under("c.path", countyPath)
	rows, err := q.QueryContext(ctx, `SELECT c.id, COALESCE(p.grid_id, '') FROM care_targets c JOIN people p ON p.id = c.person_id
		WHERE c.status = 'active' AND p.status = 'active' AND (c.kind IN ('elderly_alone', 'left_behind_elderly', 'disabled') OR p.grid_id = ?) AND `+under+`
		ORDER BY CASE WHEN p.grid_id = ? THEN 0 ELSE 1 END, c.id LIMIT 240`, append(append([]any{memberGrid}, args...), memberGrid)...)
	if err != nil {
		return 0, err
	}
	var targets, grids []string
	for rows.Next() {
		var id, grid string
		if err := rows.Scan(&id, &grid); err != nil {
			rows.Close()
			return 0, err
		}
		targets, grids = append(targets, id), append(grids, grid)
	}
	rows.Close()
	if len(targets) == 0 {
		return 0, nil
	}

	needs := []string{"高血压，需按时服药", "腿脚不便，使用助行器", "独居，子女在外务工", "糖尿病，定期送药", "听力差，需大声沟通", "心脏病史，备有速效救心丸", ""}
	type number struct{ id, person, grid, path, member, chief, chiefUser, memberUser string }
	var numbers []number
	phones := map[string]string{} // number id → the phone registered
	for i, ct := range targets {
		phone := fmt.Sprintf("13%d%08d", 5+i%4, 10000000+i*7919%89999999)
		n, err := ck.Register(ctx, callkey.NumberInput{CareTargetID: ct, Phone: phone, Needs: needs[rng.IntN(len(needs))]})
		if err != nil {
			return 0, fmt.Errorf("9-key number: %w", err)
		}
		nb := number{id: n.ID, person: n.PersonID, grid: grids[i]}
		q.QueryRowContext(ctx, "SELECT path FROM callkey_numbers WHERE id = ?", n.ID).Scan(&nb.path)
		q.QueryRowContext(ctx, `SELECT m.worker_id, COALESCE(w.user_id, '') FROM grid_members m JOIN workers w ON w.id = m.worker_id
			WHERE m.grid_id = ? AND m.role = 'grid_member' ORDER BY m.is_primary DESC, m.id LIMIT 1`, nb.grid).Scan(&nb.member, &nb.memberUser)
		q.QueryRowContext(ctx, `SELECT m.worker_id, COALESCE(w.user_id, '') FROM grid_members m JOIN workers w ON w.id = m.worker_id
			WHERE m.grid_id = ? AND m.role = 'grid_chief' ORDER BY m.is_primary DESC, m.id LIMIT 1`, nb.grid).Scan(&nb.chief, &nb.chiefUser)
		if nb.member != "" {
			numbers = append(numbers, nb)
		}
		phones[n.ID] = phone
	}

	// A year of calls, about one a month a number.
	const within = callkey.DefaultAcceptSeconds
	alertCols := []string{"id", "number_id", "person_id", "grid_id", "path", "source", "member_id", "target_id", "target_user", "level", "status",
		"accept_within", "raised_at", "accepted_at", "accepted_by", "accepted_user", "arrived_at", "closed_at", "version"}
	stepCols := []string{"id", "alert_id", "kind", "worker_id", "user_id", "at"}
	var alerts, steps [][]any
	start := now.AddDate(-1, 0, 0)
	for _, nb := range numbers {
		calls := 6 + rng.IntN(13)
		for range calls {
			raised := start.Add(time.Duration(rng.Int64N(int64(now.Sub(start) - 2*time.Hour))))
			// the elderly call in the day more than at night
			if h := raised.In(shanghai).Hour(); h < 6 && rng.IntN(3) > 0 {
				raised = raised.Add(8 * time.Hour)
			}
			id := db.NewID()
			r := raised.UnixMilli()
			steps = append(steps, []any{db.NewID(), id, "pushed", nb.member, nb.memberUser, r})
			level, target, targetUser := "member", nb.member, nb.memberUser
			by, byUser := nb.member, nb.memberUser
			var wait int64
			switch x := rng.IntN(100); {
			case x < 86: // within a minute or two
				wait = int64(15 + rng.IntN(140))
			case x < 96 && nb.chief != "": // the chief took it
				esc := r + within*1000
				steps = append(steps, []any{db.NewID(), id, "escalated_chief", nb.chief, nb.chiefUser, esc})
				level, target, targetUser, by, byUser = "chief", nb.chief, nb.chiefUser, nb.chief, nb.chiefUser
				wait = within + int64(20+rng.IntN(150))
			default: // nobody in six minutes: the village centre called someone
				esc := r + within*1000
				steps = append(steps, []any{db.NewID(), id, "escalated_chief", nb.chief, nb.chiefUser, esc})
				steps = append(steps, []any{db.NewID(), id, "escalated_centre", "", "", esc + callkey.DefaultChiefSeconds*1000})
				level, target, targetUser = "centre", "", ""
				wait = within + callkey.DefaultChiefSeconds + int64(60+rng.IntN(600))
			}
			acc := r + wait*1000
			arr := acc + int64(4+rng.IntN(22))*60*1000
			cl := arr + int64(15+rng.IntN(60))*60*1000
			steps = append(steps, []any{db.NewID(), id, "accepted", by, byUser, acc}, []any{db.NewID(), id, "arrived", by, byUser, arr},
				[]any{db.NewID(), id, "closed", by, byUser, cl})
			alerts = append(alerts, []any{id, nb.id, nb.person, nb.grid, nb.path, "demo 9-key platform", nb.member, target, targetUser, level, "closed",
				within, r, acc, by, byUser, arr, cl, 4})
		}
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if err := insertRows(ctx, tx, "callkey_alerts", alertCols, alerts); err != nil {
			return err
		}
		return insertRows(ctx, tx, "callkey_steps", stepCols, steps)
	})
	if err != nil {
		return 0, err
	}

	// Today: one call on the demo grid member's phone, just in.
	for _, nb := range numbers {
		if nb.grid == memberGrid {
			if _, err := ck.Raise(ctx, "demo 9-key platform", callkey.Call{Phone: phones[nb.id]}, idem.Key{}); err != nil {
				return 0, err
			}
			break
		}
	}
	return len(alerts) + 1, nil
}

var shanghai = time.FixedZone("CST", 8*3600)
