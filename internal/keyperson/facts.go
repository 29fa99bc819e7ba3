package keyperson

import (
	"context"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// CareFact is an active care target as the visit room needs it: the
// person, the kind of care, and since when.
type CareFact struct {
	PersonID string
	Kind     string
	Since    int64
}

// ActiveCareTargets lists the active care targets under path of any of
// kinds. It checks no permission: the caller decides what the answer allows.
func ActiveCareTargets(ctx context.Context, q db.Querier, path string, kinds []string) ([]CareFact, error) {
	if len(kinds) == 0 {
		return []CareFact{}, nil
	}
	under, args := authz.Under("path", path)
	for _, k := range kinds {
		args = append(args, k)
	}
	rows, err := q.QueryContext(ctx, "SELECT person_id, kind, created_at FROM care_targets WHERE status = 'active' AND "+under+
		" AND kind IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")+") ORDER BY person_id, kind", args...)
	if err != nil {
		return nil, err
	}
	out := []CareFact{}
	for rows.Next() {
		var c CareFact
		if err := rows.Scan(&c.PersonID, &c.Kind, &c.Since); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
