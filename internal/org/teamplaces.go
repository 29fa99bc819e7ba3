package org

import (
	"context"
	"strings"

	"github.com/gridgov/gridgov/internal/db"
)

// TeamPlace is one place of a roster member on a grid team.
type TeamPlace struct {
	GridID string
	Role   string
}

// GridsServed returns the places of the roster member workerID on the
// teams of active grids (a village police officer serves every grid of
// the village as "police"), by grid id.
func GridsServed(ctx context.Context, q db.Querier, workerID string) ([]TeamPlace, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.grid_id, m.role FROM grid_members m JOIN grids g ON g.id = m.grid_id
		WHERE m.worker_id = ? AND g.status = 'active' ORDER BY m.grid_id, m.role`, workerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TeamPlace
	for rows.Next() {
		var p TeamPlace
		if err := rows.Scan(&p.GridID, &p.Role); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// GridNames returns the display names of the grids ids, by id.
func GridNames(ctx context.Context, q db.Querier, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT id, name FROM grids WHERE id IN (?"+strings.Repeat(", ?", n-1)+")", args...)
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
		if err := rows.Close(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}
