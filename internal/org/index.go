package org

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/i18n"
)

// indexHolder keeps the point→grid index of every active grid. Each grid
// change stamps settings('grids.version') in its transaction; a node
// rebuilds its index when the stamp differs from the one it built from,
// checking at most once per checkEvery, so another node's change shows here
// within that time (Service.IndexCheckEvery).
type indexHolder struct {
	mu      sync.Mutex
	idx     *geo.Index
	meta    map[string]gridMeta // grid id → what Locate returns besides the code
	stamp   string
	checked time.Time
	every   time.Duration
	load    func(ctx context.Context) (*geo.Index, map[string]gridMeta, string, error)
}

type gridMeta struct {
	path, orgID, orgName string
}

// DefaultIndexCheckEvery is how often a node looks for grid changes made by
// another node.
const DefaultIndexCheckEvery = 2 * time.Second

func (h *indexHolder) invalidate() {
	h.mu.Lock()
	h.checked = time.Time{}
	h.mu.Unlock()
}

func (h *indexHolder) get(ctx context.Context, d *db.DB, every time.Duration) (*geo.Index, map[string]gridMeta, error) {
	h.mu.Lock()
	h.every = every
	defer h.mu.Unlock()
	if h.idx != nil && time.Since(h.checked) < h.every {
		return h.idx, h.meta, nil
	}
	stamp, err := gridsStamp(ctx, d.Reader())
	if err != nil {
		return nil, nil, err
	}
	if h.idx == nil || stamp != h.stamp {
		idx, meta, st, err := h.load(ctx)
		if err != nil {
			return nil, nil, err
		}
		h.idx, h.meta, h.stamp = idx, meta, st
	}
	h.checked = time.Now()
	return h.idx, h.meta, nil
}

func gridsStamp(ctx context.Context, q db.Querier) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'grids.version'").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// bumpGrids stamps a grid change, inside the change's transaction.
func bumpGrids(ctx context.Context, tx *db.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('grids.version', ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, db.NewID(), db.Now())
	return err
}

// BumpGrids stamps a grid change made outside this package (bulk loads).
func BumpGrids(ctx context.Context, tx *db.Tx) error { return bumpGrids(ctx, tx) }

func (s *Service) loadIndex(ctx context.Context) (*geo.Index, map[string]gridMeta, string, error) {
	q := s.db.Reader()
	stamp, err := gridsStamp(ctx, q)
	if err != nil {
		return nil, nil, "", err
	}
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.layer, g.code, g.name, g.geometry, g.path, o.id, o.name
		FROM grids g JOIN org_nodes o ON o.id = g.org_id WHERE g.status = 'active'`)
	if err != nil {
		return nil, nil, "", err
	}
	defer rows.Close()
	var entries []geo.Entry
	meta := map[string]gridMeta{}
	for rows.Next() {
		var e geo.Entry
		var geom, path, orgID, orgName string
		if err := rows.Scan(&e.ID, &e.Layer, &e.Code, &e.Name, &geom, &path, &orgID, &orgName); err != nil {
			return nil, nil, "", err
		}
		if e.Geom, err = geo.ParseGeometry([]byte(geom)); err != nil {
			return nil, nil, "", err
		}
		entries = append(entries, e)
		meta[e.ID] = gridMeta{path, orgID, orgName}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, "", err
	}
	idx, err := geo.NewIndex(entries)
	return idx, meta, stamp, err
}

// Locate returns the grid of each layer holding the point (WGS-84), among
// the grids the caller may see.
func (s *Service) Locate(ctx context.Context, lang string, p geo.Point) ([]Hit, error) {
	idx, meta, err := s.index.get(ctx, s.db, s.IndexCheckEvery)
	if err != nil {
		return nil, err
	}
	who := authz.From(ctx)
	out := []Hit{}
	for _, h := range idx.Locate(p) {
		m := meta[h.ID]
		if !who.Covers(authz.GridRead, m.path) {
			continue
		}
		out = append(out, Hit{Layer: h.Layer, LayerName: i18n.T(lang, "layer."+h.Layer, nil), GridID: h.ID,
			GridCode: h.Code, GridName: h.Name, OrgID: m.orgID, OrgName: m.orgName, Path: m.path})
	}
	return out, nil
}

// Index returns the current point index (benchmarks and tests compare its
// R-tree lookups with a brute-force scan).
func (s *Service) Index(ctx context.Context) (*geo.Index, error) {
	idx, _, err := s.index.get(ctx, s.db, s.IndexCheckEvery)
	return idx, err
}
