package org

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// These answer the questions other rooms ask of the tree (an area's path,
// its id, its name), so no room queries org_nodes by hand. They check no
// permission: the caller decides what the answer allows.

// PathOf returns the materialized path of the area id; an unknown id is
// not found under field (the request field that named it).
func PathOf(ctx context.Context, q db.Querier, id, field string) (string, error) {
	var path string
	err := q.QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", id).Scan(&path)
	return path, notFound(err, field)
}

// PathIn returns the path of the area id when the caller holds perm over
// it; otherwise the area is not found, so a guesser learns nothing of
// areas outside their scope.
func PathIn(ctx context.Context, q db.Querier, perm authz.Perm, id, field string) (string, error) {
	path, err := PathOf(ctx, q, id, field)
	if err == nil && !authz.From(ctx).Covers(perm, path) {
		err = notFound(sql.ErrNoRows, field)
	}
	return path, err
}

// ActivePathIn is PathIn for an area that must be active: a retired
// area is refused under field as retired.
func ActivePathIn(ctx context.Context, q db.Querier, perm authz.Perm, id, field string) (string, error) {
	var path, status string
	err := q.QueryRowContext(ctx, "SELECT path, status FROM org_nodes WHERE id = ?", id).Scan(&path, &status)
	if err == nil && !authz.From(ctx).Covers(perm, path) {
		err = sql.ErrNoRows
	}
	if err != nil {
		return "", notFound(err, field)
	}
	if status != "active" {
		return "", apperr.Field(field, "org.retired")
	}
	return path, nil
}

// IDAt returns the id of the area at path.
func IDAt(ctx context.Context, q db.Querier, path string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE path = ?", path).Scan(&id)
	return id, notFound(err, "")
}

// IDOfCode returns the id of the area with the division code.
func IDOfCode(ctx context.Context, q db.Querier, code string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ?", code).Scan(&id)
	return id, notFound(err, "org_code")
}

// NameOf returns the display name of the area id.
func NameOf(ctx context.Context, q db.Querier, id string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, "SELECT name FROM org_nodes WHERE id = ?", id).Scan(&name)
	return name, notFound(err, "")
}

// CodeNameOf returns the division code and the display name of the area id.
func CodeNameOf(ctx context.Context, q db.Querier, id string) (code, name string, err error) {
	err = q.QueryRowContext(ctx, "SELECT code, name FROM org_nodes WHERE id = ?", id).Scan(&code, &name)
	return code, name, notFound(err, "")
}

// KindOf returns the kind of the area id (city, county, town, village); an
// unknown id is not found under field.
func KindOf(ctx context.Context, q db.Querier, id, field string) (string, error) {
	var kind string
	err := q.QueryRowContext(ctx, "SELECT kind FROM org_nodes WHERE id = ?", id).Scan(&kind)
	return kind, notFound(err, field)
}

func notFound(err error, field string) error {
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if field != "" {
		return apperr.Field(field, "org.not_found")
	}
	return apperr.NotFoundf("org")
}

// Children returns the active areas directly under parentID ("" for the
// roots of the tree), by code.
func Children(ctx context.Context, q db.Querier, parentID string) ([]Ref, error) {
	cond, args := "parent_id = ?", []any{parentID}
	if parentID == "" {
		cond, args = "parent_id IS NULL", nil
	}
	rows, err := q.QueryContext(ctx, "SELECT id, code, name, kind FROM org_nodes WHERE "+cond+" AND status = 'active' ORDER BY code", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ref
	for rows.Next() {
		var r Ref
		if err := rows.Scan(&r.ID, &r.Code, &r.Name, &r.Kind); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GridPlace is where a grid sits in the tree.
type GridPlace struct {
	ID, OrgID, Path string
}

// MainGrid returns the active main-layer (综治) grid with the id or, when
// id is empty, the code; sql.ErrNoRows when there is none, for the caller
// to name its own field.
func MainGrid(ctx context.Context, q db.Querier, id, code string) (GridPlace, error) {
	var g GridPlace
	err := q.QueryRowContext(ctx, `SELECT id, org_id, path FROM grids WHERE status = 'active' AND layer = 'zz' AND (id = ? OR code = ?)`,
		id, code).Scan(&g.ID, &g.OrgID, &g.Path)
	return g, err
}

// MainGridsUnder returns the ids of the active main-layer grids under
// path, by code.
func MainGridsUnder(ctx context.Context, q db.Querier, path string) ([]string, error) {
	under, args := authz.Under("path", path)
	return db.Strings(ctx, q, "SELECT id FROM grids WHERE layer = 'zz' AND status = 'active' AND "+under+" ORDER BY code", args...)
}

// Serving returns the active accounts on a grid's team in role (any role
// when empty), in the team's order.
func Serving(ctx context.Context, q db.Querier, gridID, role string) ([]string, error) {
	query, args := `SELECT m.user_id FROM grid_members m JOIN users u ON u.id = m.user_id
		WHERE m.grid_id = ? AND u.status = 'active'`, []any{gridID}
	if role != "" {
		query, args = query+" AND m.role = ?", append(args, role)
	}
	return db.Strings(ctx, q, query+" ORDER BY m.id", args...)
}

// RootAbove returns the id of the nearest county or city at or above the
// area id: the root whose office steers it.
func RootAbove(ctx context.Context, q db.Querier, id string) (string, error) {
	path, err := PathOf(ctx, q, id, "")
	if err != nil {
		return "", err
	}
	var root string
	err = q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE kind IN ('county', 'city') AND ? LIKE path || '%' ORDER BY length(path) DESC LIMIT 1", path).Scan(&root)
	return root, notFound(err, "")
}

// TopUnder returns the id of the shallowest area under path: the area at
// path itself, or the first root when path is the whole tree ("/").
func TopUnder(ctx context.Context, q db.Querier, path string) (string, error) {
	under, args := authz.Under("path", path)
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE "+under+" ORDER BY length(path), code LIMIT 1", args...).Scan(&id)
	return id, notFound(err, "")
}

// Outline is a main-layer grid's name, code, area name and shape (its
// stored GeoJSON geometry, WGS-84): what a reporter's map draws.
type Outline struct {
	Code, Name, OrgName, Geometry string
}

// MainGridOutlines returns the active main-layer grids under any of paths,
// by code, at most limit of them; more reports that there were more.
func MainGridOutlines(ctx context.Context, q db.Querier, paths []string, limit int) (out []Outline, more bool, err error) {
	scope, args := authz.ScopeSQL("g.path", paths)
	rows, err := q.QueryContext(ctx, `SELECT g.code, g.name, o.name, g.geometry FROM grids g JOIN org_nodes o ON o.id = g.org_id
		WHERE g.layer = 'zz' AND g.status = 'active' AND `+scope+` ORDER BY g.code LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out = []Outline{}
	for rows.Next() {
		var o Outline
		if err := rows.Scan(&o.Code, &o.Name, &o.OrgName, &o.Geometry); err != nil {
			return nil, false, err
		}
		out = append(out, o)
	}
	if len(out) > limit {
		return out[:limit], true, rows.Err()
	}
	return out, false, rows.Err()
}

// Worker is a roster entry of the grid workforce as other rooms see it:
// who, where their roster is, their primary grid and whether they serve.
type Worker struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	UserID      string `json:"user_id,omitempty"`
	OrgID       string `json:"org_id"`
	Path        string `json:"-"`
	PrimaryGrid string `json:"primary_grid_id,omitempty"`
	Employment  string `json:"employment"`
	Status      string `json:"status"` // active, left
}

const workerCols = `w.id, w.name, COALESCE(w.user_id, ''), w.org_id, w.path, COALESCE((SELECT m.grid_id FROM grid_members m
	WHERE m.worker_id = w.id ORDER BY m.is_primary DESC, m.id LIMIT 1), ''), w.employment, w.status`

func scanWorker(s interface{ Scan(...any) error }) (Worker, error) {
	var w Worker
	err := s.Scan(&w.ID, &w.Name, &w.UserID, &w.OrgID, &w.Path, &w.PrimaryGrid, &w.Employment, &w.Status)
	return w, err
}

func scanWorkers(rows *sql.Rows, err error) ([]Worker, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Worker{}
	for rows.Next() {
		w, err := scanWorker(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// WorkerOfUser returns the active roster entry of an account; an account
// on no roster is not found.
func WorkerOfUser(ctx context.Context, q db.Querier, userID string) (Worker, error) {
	w, err := scanWorker(q.QueryRowContext(ctx, "SELECT "+workerCols+" FROM workers w WHERE w.user_id = ? AND w.status = 'active' ORDER BY w.id LIMIT 1", userID))
	return w, notFound(err, "")
}

// WorkerByID returns the roster entry id, whatever its status; an unknown
// id is not found.
func WorkerByID(ctx context.Context, q db.Querier, id string) (Worker, error) {
	w, err := scanWorker(q.QueryRowContext(ctx, "SELECT "+workerCols+" FROM workers w WHERE w.id = ?", id))
	return w, notFound(err, "")
}

// WorkersIn returns the active roster entries whose roster lies under
// path, by id.
func WorkersIn(ctx context.Context, q db.Querier, path string) ([]Worker, error) {
	under, args := authz.Under("w.path", path)
	return scanWorkers(q.QueryContext(ctx, "SELECT "+workerCols+" FROM workers w WHERE w.status = 'active' AND "+under+" ORDER BY w.id", args...))
}

// TeamOf returns the active roster entries holding a place in role
// (grid_chief, grid_member, assistant, police) on grid gridID, primary
// places first: who a grid's urgent work goes to.
func TeamOf(ctx context.Context, q db.Querier, gridID, role string) ([]Worker, error) {
	return scanWorkers(q.QueryContext(ctx, "SELECT "+workerCols+` FROM workers w JOIN grid_members gm ON gm.worker_id = w.id
		WHERE gm.grid_id = ? AND gm.role = ? AND w.status = 'active' ORDER BY gm.is_primary DESC, gm.id`, gridID, role))
}

// GridsOfWorker returns the ids of the grids where roster entry workerID
// holds a place, primary first.
func GridsOfWorker(ctx context.Context, q db.Querier, workerID string) ([]string, error) {
	return db.Strings(ctx, q, "SELECT grid_id FROM grid_members WHERE worker_id = ? ORDER BY is_primary DESC, id", workerID)
}

// GridName returns the display name of the grid id ("" when unknown).
func GridName(ctx context.Context, q db.Querier, id string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, "SELECT name FROM grids WHERE id = ?", id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// WorkerAccounts maps the accounts of the active roster entries under path
// to their entries (user id → worker id): how the rooms that record work
// by account tally it per member.
func WorkerAccounts(ctx context.Context, q db.Querier, path string) (map[string]string, error) {
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, "SELECT user_id, id FROM workers WHERE status = 'active' AND user_id IS NOT NULL AND "+under+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var user, id string
		if err := rows.Scan(&user, &id); err != nil {
			return nil, err
		}
		if _, ok := out[user]; !ok {
			out[user] = id
		}
	}
	return out, rows.Err()
}
