package org

import (
	"context"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Area is an org node as a ranking or a count over a subtree needs it.
type Area struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	ParentID string `json:"parent_id"`
	Path     string `json:"-"`
}

// AreasUnder returns the active areas of the kinds given at or under path,
// by code, in one query: the counties and towns a monthly index ranks, the
// villages a screening round covers.
func AreasUnder(ctx context.Context, q db.Querier, path string, kinds ...string) ([]Area, error) {
	under, args := authz.Under("path", path)
	cond := ""
	for i, k := range kinds {
		if i > 0 {
			cond += ", "
		}
		cond += "?"
		args = append(args, k)
	}
	if cond == "" {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id, code, name, kind, COALESCE(parent_id, ''), path FROM org_nodes
		WHERE `+under+` AND status = 'active' AND kind IN (`+cond+`) ORDER BY code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Area
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.ID, &a.Code, &a.Name, &a.Kind, &a.ParentID, &a.Path); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
