package casework

import (
	"context"

	"github.com/gridgov/gridgov/internal/db"
)

// UnitAt returns the name and path of active unit id, for the rooms that
// name a responsible unit on their own records (petitions); sql.ErrNoRows
// when there is no such active unit. It checks no scope.
func UnitAt(ctx context.Context, q db.Querier, id string) (name, path string, err error) {
	err = q.QueryRowContext(ctx, "SELECT name, path FROM units WHERE id = ? AND status = 'active'", id).Scan(&name, &path)
	return name, path, err
}
