package org

import (
	"context"
	"database/sql"
	"errors"

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

func notFound(err error, field string) error {
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if field != "" {
		return apperr.Field(field, "org.not_found")
	}
	return apperr.NotFoundf("org")
}
