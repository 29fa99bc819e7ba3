package casework

import (
	"context"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// EventFact is an event as the visit room needs it: which, where, when.
type EventFact struct {
	ID, No, Category, Address, GridID, OrgID, Path string
	At                                             int64
}

// EventsSince lists the events under path of any of the categories
// reported at or after since. It checks no permission: the caller decides
// what the answer allows.
func EventsSince(ctx context.Context, q db.Querier, path string, categories []string, since int64) ([]EventFact, error) {
	if len(categories) == 0 {
		return []EventFact{}, nil
	}
	under, args := authz.Under("path", path)
	args = append([]any{since}, args...)
	for _, c := range categories {
		args = append(args, c)
	}
	rows, err := q.QueryContext(ctx, "SELECT id, no, category_code, address, COALESCE(grid_id, ''), org_id, path, created_at FROM events WHERE created_at >= ? AND "+under+
		" AND category_code IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(categories)), ", ")+") ORDER BY created_at", args...)
	if err != nil {
		return nil, err
	}
	out := []EventFact{}
	for rows.Next() {
		var e EventFact
		if err := rows.Scan(&e.ID, &e.No, &e.Category, &e.Address, &e.GridID, &e.OrgID, &e.Path, &e.At); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, e)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
