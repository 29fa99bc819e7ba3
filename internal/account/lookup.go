package account

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/db"
)

// These answer what other rooms ask of the accounts, so no room queries
// users by hand.

// LockUser locks the account's row in tx: a per-user quota counted next
// and the write that uses it become one step, so two requests at once
// cannot both take the last of it. It tells whether the row exists
// (callers made in code, such as the tools, have none).
func LockUser(ctx context.Context, tx *db.Tx, id string) (bool, error) {
	var got string
	err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE id = ?"+tx.ForUpdate(), id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Active tells whether id is an active account.
func Active(ctx context.Context, q db.Querier, id string) (bool, error) {
	var got string
	err := q.QueryRowContext(ctx, "SELECT id FROM users WHERE id = ? AND status = 'active'", id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// UnitMembers returns the active accounts of a unit.
func UnitMembers(ctx context.Context, q db.Querier, unitID string) ([]string, error) {
	return db.Strings(ctx, q, "SELECT id FROM users WHERE unit_id = ? AND status = 'active'", unitID)
}

// ActiveByUsername returns the id and home area of the active account
// named username; sql.ErrNoRows when there is none.
func ActiveByUsername(ctx context.Context, q db.Querier, username string) (id, orgID string, err error) {
	err = q.QueryRowContext(ctx, "SELECT id, COALESCE(org_id, '') FROM users WHERE username = ? AND status = 'active'", username).Scan(&id, &orgID)
	return id, orgID, err
}
