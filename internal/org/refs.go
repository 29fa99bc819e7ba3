package org

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// GridRef is an active main-layer grid as a board lists it: its id, code,
// name, area and centre.
type GridRef struct {
	ID    string  `json:"id"`
	Code  string  `json:"code"`
	Name  string  `json:"name"`
	OrgID string  `json:"org_id"`
	Path  string  `json:"-"`
	Lat   float64 `json:"lat"`
	Lng   float64 `json:"lng"`
}

// MainGridRefsUnder returns the active main-layer grids under path, by code.
func MainGridRefsUnder(ctx context.Context, q db.Querier, path string) ([]GridRef, error) {
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, `SELECT id, code, name, org_id, path, COALESCE(center_lat, 0), COALESCE(center_lng, 0) FROM grids
		WHERE layer = 'zz' AND status = 'active' AND `+under+` ORDER BY code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []GridRef{}
	for rows.Next() {
		var g GridRef
		if err := rows.Scan(&g.ID, &g.Code, &g.Name, &g.OrgID, &g.Path, &g.Lat, &g.Lng); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// WorkerName returns the name of the roster entry id (active or not); ""
// when there is none.
func WorkerName(ctx context.Context, q db.Querier, id string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, "SELECT name FROM workers WHERE id = ?", id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// GridRefOf returns the active grid id; sql.ErrNoRows when there is none.
func GridRefOf(ctx context.Context, q db.Querier, id string) (GridRef, error) {
	var g GridRef
	err := q.QueryRowContext(ctx, `SELECT id, code, name, org_id, path, COALESCE(center_lat, 0), COALESCE(center_lng, 0) FROM grids
		WHERE id = ? AND status = 'active'`, id).Scan(&g.ID, &g.Code, &g.Name, &g.OrgID, &g.Path, &g.Lat, &g.Lng)
	return g, err
}
