package audit

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/db"
)

// LockHead locks the chain's head inside tx. Every audit row locks it too,
// so a caller that counts rows and then records one holds it first: the
// count and the new row become one step, and two nodes cannot both let a
// limited action through.
func LockHead(ctx context.Context, tx *db.Tx) error {
	var seq int64
	return tx.QueryRowContext(ctx, "SELECT seq FROM audit_head WHERE id = 1"+tx.ForUpdate()).Scan(&seq)
}

// NthNewest returns the time (Unix ms) of the n-th newest successful action
// of userID after since, and false when there are fewer than n: how rate
// limits built on the audit log (exact look-ups) find when a window frees.
func NthNewest(ctx context.Context, q db.Querier, userID, action string, since int64, n int) (int64, bool, error) {
	var at int64
	err := q.QueryRowContext(ctx, `SELECT at FROM audit_log WHERE user_id = ? AND action = ? AND result = 'success' AND at > ?
		ORDER BY at DESC LIMIT 1 OFFSET ?`, userID, action, since, n-1).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return at, err == nil, err
}
