package demo

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/points"
)

// WorkPoints credits the year's work written before it as the rooms credit
// it when it happens. The demo's grid member (张敏) becomes a party member
// of her grid's 党小组 — a 党员网格员 — so her patrols with a check-in, her
// screening findings and the trainings she attended earn her points; the
// volunteers earn theirs for the shifts they attended and the other hours
// recorded; and the members' 双报到 tasks of the year give their hours or
// deductions. It runs last, after Assessment (the trainings) and
// Volunteers, and returns the entries written.
func WorkPoints(ctx context.Context, d *db.DB, svc *points.Service, now time.Time) (int, error) {
	member, err := gridMemberJoins(ctx, d)
	if err != nil {
		return 0, err
	}
	q := d.Reader()
	var credits []points.Credit
	if member != "" {
		c, err := points.SubjectOfMember(ctx, q, member)
		if err != nil {
			return 0, err
		}
		var user string
		if err := q.QueryRowContext(ctx, "SELECT user_id FROM party_members WHERE id = ?", member).Scan(&user); err != nil {
			return 0, err
		}
		for _, src := range []struct{ rule, kind, query string }{
			{points.Patrol, "patrol", "SELECT id, ended_at, '' FROM patrols WHERE user_id = ? AND status = 'ended' AND checkins > 0"},
			{points.Screening, "screening_finding", "SELECT id, created_at, '' FROM screening_findings WHERE created_by = ?"},
			{points.Training, "training", `SELECT t.id, 0, t.held_on FROM assess_trainings t JOIN assess_attendance a ON a.training_id = t.id
				JOIN workers w ON w.id = a.worker_id WHERE w.user_id = ?`},
		} {
			err := eachRow(ctx, q, src.query, []any{user}, func(id string, at int64) {
				c.Rule, c.SourceKind, c.SourceID, c.At = src.rule, src.kind, id, at
				credits = append(credits, c)
			})
			if err != nil {
				return 0, err
			}
		}
	}
	for _, src := range []struct{ kind, query string }{
		{"volunteer_signup", `SELECT s.id, s.attended_at, '', s.minutes, v.id, v.org_id, v.path FROM volunteer_signups s
			JOIN volunteers v ON v.id = s.volunteer_id WHERE s.status = 'signed' AND s.attended_at IS NOT NULL`},
		{"volunteer_hours", `SELECT h.id, 0, h.day, h.minutes, v.id, v.org_id, v.path FROM volunteer_hours h JOIN volunteers v ON v.id = h.volunteer_id`},
	} {
		var minutes int
		c := points.Credit{SubjectKind: points.Volunteer, Rule: points.VolunteerHour, SourceKind: src.kind}
		err := eachRow(ctx, q, src.query, nil, func(id string, at int64) {
			c.SourceID, c.At, c.Hours = id, at, float64(minutes)/60
			credits = append(credits, c)
		}, &minutes, &c.SubjectID, &c.OrgID, &c.Path)
		if err != nil {
			return 0, err
		}
	}
	written := 0
	err = d.InTx(ctx, func(tx *db.Tx) error {
		for _, c := range credits {
			n, err := points.CreditTx(ctx, tx, c)
			if err != nil {
				return err
			}
			if n != 0 {
				written++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// The 双报到 tasks go through the ledger's own sweep, over the year.
	tasks, err := svc.CreditTasks(ctx, now.AddDate(-1, 0, 0).In(china).Format(time.DateOnly))
	return written + tasks, err
}

// gridMemberJoins makes the demo's grid member a member of her grid's
// 党小组 and returns the member's id ("" when the demo has no such group).
func gridMemberJoins(ctx context.Context, d *db.DB) (string, error) {
	q := d.Reader()
	var user, name, grid string
	err := q.QueryRowContext(ctx, `SELECT u.id, w.name, m.grid_id FROM users u JOIN workers w ON w.user_id = u.id
		JOIN grid_members m ON m.worker_id = w.id WHERE u.username = 'gridmember' ORDER BY m.is_primary DESC LIMIT 1`).Scan(&user, &name, &grid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var group, path string
	err = q.QueryRowContext(ctx, "SELECT id, path FROM party_orgs WHERE grid_id = ? AND kind = 'group' AND status = 'active' ORDER BY created_at LIMIT 1", grid).
		Scan(&group, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	id, now := db.NewID(), db.Now()
	return id, d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO party_members (id, party_org_id, path, name, user_id, grid_id, joined_on, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, '2016-07-01', ?, ?)`, id, group, path, name, user, grid, now, now)
		return err
	})
}

// eachRow runs a query of (id, at in Unix ms, day, more…) rows, more
// scanned into more: the time is the day's noon when a day is given.
func eachRow(ctx context.Context, q db.Querier, query string, args []any, f func(id string, at int64), more ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, day string
		var at int64
		if err := rows.Scan(append([]any{&id, &at, &day}, more...)...); err != nil {
			return err
		}
		if day != "" {
			at = points.NoonOf(day)
		}
		f(id, at)
	}
	return rows.Err()
}
