package redorder

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/points"
)

// Sweep is the red orders' job. For each order past its time it:
// gives an order given to a member or group and not accepted back to its
// branch, with a fresh time to accept (reassigned); gives an order its
// branch left unassigned and unaccepted up to the committee above, once
// (escalated); reminds the member of an accepted order in the last quarter
// of its time (reminded); and, when an accepted order's time has passed,
// notes it and deducts the member's points once (overdue). Each order
// moves in its own transaction, only when its time has come. It returns
// how many orders moved.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	t, err := s.Times(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Now().UnixMilli()
	quarter := int64(t.ServeDays) * 24 * 3600_000 / 4
	ids, err := db.Strings(ctx, s.db.Reader(), `SELECT id FROM red_orders WHERE
		(status = 'assigned' AND accept_due <= ?) OR (status = 'placed' AND branch_id = home_branch_id AND accept_due <= ?)
		OR (status = 'accepted' AND reminded < 2 AND serve_due <= ?) OR (status = 'accepted' AND reminded = 0 AND serve_due <= ?)
		ORDER BY id LIMIT 500`, now, now, now, now+quarter)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		moved := false
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var status, kind, branch, home, member string
			var acceptDue, serveDue sql.NullInt64
			var reminded, version int
			err := tx.QueryRowContext(ctx, `SELECT status, kind, branch_id, home_branch_id, COALESCE(member_id, ''), accept_due, serve_due, reminded, version
				FROM red_orders WHERE id = ?`, id).Scan(&status, &kind, &branch, &home, &member, &acceptDue, &serveDue, &reminded, &version)
			if err != nil {
				return err
			}
			upd := func(set string, args ...any) error {
				res, err := tx.ExecContext(ctx, "UPDATE red_orders SET "+set+", version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
					append(args, now, id, version)...)
				if err != nil {
					return err
				}
				if c, _ := res.RowsAffected(); c == 0 {
					return errMoved
				}
				moved = true
				return nil
			}
			acceptNext := now + int64(t.AcceptHours)*3600_000
			switch {
			case status == Assigned && acceptDue.Valid && acceptDue.Int64 <= now:
				if err := upd("status = 'placed', member_id = NULL, group_id = NULL, accept_due = ?", acceptNext); err != nil {
					return err
				}
				if err := s.notify(ctx, tx, "reassigned", kind, "", branch); err != nil {
					return err
				}
				return s.step(ctx, tx, id, "reassigned", branch, "", "", "", now)
			case status == Placed && branch == home && acceptDue.Valid && acceptDue.Int64 <= now:
				o, err := party.OrgByID(ctx, tx, branch, "")
				if err != nil {
					return err
				}
				if o.ParentID == "" {
					return nil // nothing above: it stays red with its branch
				}
				if err := upd("branch_id = ?, accept_due = ?", o.ParentID, acceptNext); err != nil {
					return err
				}
				if err := s.notify(ctx, tx, "escalated", kind, "", o.ParentID); err != nil {
					return err
				}
				return s.step(ctx, tx, id, "escalated", o.ParentID, "", "", "", now)
			case status == Accepted && serveDue.Valid && serveDue.Int64 <= now && reminded < 2:
				if err := upd("reminded = 2"); err != nil {
					return err
				}
				if err := s.step(ctx, tx, id, "overdue", "", member, "", "", now); err != nil {
					return err
				}
				if err := s.credit(ctx, tx, member, id, points.OrderOverdue, now); err != nil {
					return err
				}
				if err := s.notify(ctx, tx, "overdue", kind, member, branch); err != nil {
					return err
				}
				return s.audit.Record(ctx, tx, "", audit.Entry{Username: "system", Action: "redorder.overdue", ObjectType: "red_order", ObjectID: id})
			case status == Accepted && serveDue.Valid && serveDue.Int64-quarter <= now && reminded == 0:
				if err := upd("reminded = 1"); err != nil {
					return err
				}
				if err := s.notify(ctx, tx, "reminded", kind, member, ""); err != nil {
					return err
				}
				return s.step(ctx, tx, id, "reminded", "", member, "", "", now)
			}
			return nil
		})
		if errors.Is(err, errMoved) {
			continue // another node came first
		}
		if err != nil {
			return n, err
		}
		if moved {
			n++
		}
	}
	return n, nil
}

var errMoved = errors.New("moved meanwhile")

// notify tells of an order's turn in the inboxes of the member (memberID,
// when one is named) and of the holders of redorder.manage over the
// branch (branchID, when one is named). The message names the service
// asked for, never the resident or the need.
func (s *Service) notify(ctx context.Context, tx *db.Tx, turn, kind, memberID, branchID string) error {
	var users []string
	if memberID != "" {
		m, err := party.MemberByID(ctx, tx, memberID, "")
		if err != nil {
			return err
		}
		if m.UserID != "" {
			users = append(users, m.UserID)
		}
	}
	if branchID != "" {
		o, err := party.OrgByID(ctx, tx, branchID, "")
		if err != nil {
			return err
		}
		holders, args := authz.Holders(authz.RedOrderManage, o.Path)
		managers, err := db.Strings(ctx, tx, holders, args...)
		if err != nil {
			return err
		}
		for _, u := range managers {
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
	}
	name := i18n.T(i18n.Default, "ui.redorder.kind_"+kind, nil)
	return s.events.Notify(ctx, tx, users, "red_order_"+turn, i18n.T(i18n.Default, "notice.red_order_"+turn, map[string]any{"kind": name}))
}
