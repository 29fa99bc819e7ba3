package org

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
)

// Keepers returns, for each grid under path, the roster member (workers.id)
// who answers for the work of its households: the grid member of its
// team (the one whose primary grid it is first), else its grid chief.
// Grids with neither are left out.
func Keepers(ctx context.Context, q db.Querier, path string) (map[string]string, error) {
	under, args := authz.Under("n.path", path)
	rows, err := q.QueryContext(ctx, `SELECT m.grid_id, m.worker_id FROM grid_members m JOIN grids g ON g.id = m.grid_id JOIN org_nodes n ON n.id = g.org_id
		JOIN workers w ON w.id = m.worker_id
		WHERE m.role IN ('grid_member', 'grid_chief') AND w.status = 'active' AND `+under+`
		ORDER BY m.grid_id, CASE m.role WHEN 'grid_member' THEN 0 ELSE 1 END, m.is_primary DESC, m.id`, args...)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for rows.Next() {
		var grid, worker string
		if err := rows.Scan(&grid, &worker); err != nil {
			rows.Close()
			return nil, err
		}
		if _, ok := out[grid]; !ok {
			out[grid] = worker
		}
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// WorkerNames returns the names of the roster entries with the ids, by id.
func WorkerNames(ctx context.Context, q db.Querier, ids []string) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]bool{}
	var args []any
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	for len(args) > 0 {
		n := min(len(args), 500)
		rows, err := q.QueryContext(ctx, "SELECT id, name FROM workers WHERE id IN (?"+strings.Repeat(", ?", n-1)+")", args[:n]...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
		args = args[n:]
	}
	return out, nil
}

// InsidePoint returns a point inside the grid gridID or, when gridID is
// empty, inside the first active main-layer grid of the area orgID: where
// an event reported for a household or a village centre is placed. ok is
// false when there is no such grid or it has no shape.
func InsidePoint(ctx context.Context, q db.Querier, orgID, gridID string) (pt geo.Point, ok bool, err error) {
	var shape []byte
	if gridID != "" {
		err = q.QueryRowContext(ctx, "SELECT geometry FROM grids WHERE id = ?", gridID).Scan(&shape)
	} else {
		err = q.QueryRowContext(ctx, "SELECT geometry FROM grids WHERE org_id = ? AND layer = ? AND status = 'active' ORDER BY code LIMIT 1", orgID, MainLayer).Scan(&shape)
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(shape) == 0) {
		return pt, false, nil
	}
	if err != nil {
		return pt, false, err
	}
	m, err := geo.ParseGeometry(shape)
	if err != nil {
		return pt, false, nil
	}
	pt, ok = m.InteriorPoint()
	return pt, ok, nil
}
