package org

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Service manages the tree and its grids.
type Service struct {
	db    *db.DB
	audit *audit.Log
	index indexHolder
	vault *pii.Vault // seals the roster's phone numbers
	// successors take over a moved member's open work (AddSuccessor)
	successors []Successor
	// Accounts finds an active account by username (its id and home
	// area; sql.ErrNoRows when none) for linking a roster entry to it.
	// The accounts are kept above the tree: app wires it.
	Accounts func(ctx context.Context, q db.Querier, username string) (id, orgID string, err error)
	// IndexCheckEvery is how often the point index looks for grid changes
	// made by other nodes.
	IndexCheckEvery time.Duration
}

// New makes the service; the point index loads on first use.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	s := &Service{db: d, audit: log, vault: pii.NewVault(keys), IndexCheckEvery: DefaultIndexCheckEvery}
	s.index.load = s.loadIndex
	return s
}

// nodeCols selects a node with its live counts: active children, active
// grids of the main layer below it and their households.
var nodeCols = `n.id, n.code, n.name, n.kind, COALESCE(n.parent_id, ''), n.status, n.version, n.path, n.center_lat, n.center_lng,
	(SELECT count(*) FROM org_nodes c WHERE c.parent_id = n.id AND c.status = 'active'),
	(SELECT count(*) FROM grids g WHERE ` + authz.UnderColumn("g.path", "n.path") + ` AND g.layer = 'zz' AND g.status = 'active'),
	(SELECT COALESCE(sum(g.households), 0) FROM grids g WHERE ` + authz.UnderColumn("g.path", "n.path") + ` AND g.layer = 'zz' AND g.status = 'active')`

func scanNode(sc interface{ Scan(...any) error }) (Node, error) {
	var n Node
	var lat, lng sql.NullFloat64
	err := sc.Scan(&n.ID, &n.Code, &n.Name, &n.Kind, &n.ParentID, &n.Status, &n.Version, &n.path, &lat, &lng,
		&n.ChildCount, &n.GridCount, &n.Households)
	if lat.Valid && lng.Valid {
		n.Center = &LatLng{lat.Float64, lng.Float64}
	}
	return n, err
}

// node loads a node the caller may see with perm, or not found.
func (s *Service) node(ctx context.Context, q db.Querier, perm authz.Perm, id string) (Node, error) {
	n, err := scanNode(q.QueryRowContext(ctx, "SELECT "+nodeCols+" FROM org_nodes n WHERE n.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(perm, n.path)) {
		return Node{}, apperr.NotFoundf("org")
	}
	return n, err
}

// Node returns a node with its ancestors (root first).
func (s *Service) Node(ctx context.Context, id string) (Node, error) {
	n, err := s.node(ctx, s.db.Reader(), authz.OrgRead, id)
	if err != nil {
		return n, err
	}
	n.Ancestors, err = s.ancestors(ctx, s.db.Reader(), n.path, n.ID)
	return n, err
}

// ancestors lists the nodes on path above the node itself.
func (s *Service) ancestors(ctx context.Context, q db.Querier, path, self string) ([]Ref, error) {
	ids := strings.Split(strings.Trim(path, "/"), "/")
	out := []Ref{}
	for _, id := range ids {
		if id == self || id == "" {
			continue
		}
		var r Ref
		if err := q.QueryRowContext(ctx, "SELECT id, code, name, kind FROM org_nodes WHERE id = ?", id).Scan(&r.ID, &r.Code, &r.Name, &r.Kind); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Roots returns the top nodes of the caller's org.read scope.
func (s *Service) Roots(ctx context.Context) ([]Node, error) {
	var out []Node
	for _, path := range authz.From(ctx).Scopes(authz.OrgRead) {
		var rows *sql.Rows
		var err error
		if path == "/" { // the system principal: every root
			rows, err = s.db.Reader().QueryContext(ctx, "SELECT "+nodeCols+" FROM org_nodes n WHERE n.parent_id IS NULL ORDER BY n.code")
		} else {
			ids := strings.Split(strings.Trim(path, "/"), "/")
			rows, err = s.db.Reader().QueryContext(ctx, "SELECT "+nodeCols+" FROM org_nodes n WHERE n.id = ?", ids[len(ids)-1])
		}
		if err != nil {
			return nil, err
		}
		nodes, err := collectNodes(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, nodes...)
	}
	if out == nil {
		out = []Node{}
	}
	return out, nil
}

func collectNodes(rows *sql.Rows) ([]Node, error) {
	defer rows.Close()
	out := []Node{}
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Children lists a node's children by code; status is active, retired or all.
func (s *Service) Children(ctx context.Context, parentID, status string) ([]Node, error) {
	if _, err := s.node(ctx, s.db.Reader(), authz.OrgRead, parentID); err != nil {
		return nil, err
	}
	q := "SELECT " + nodeCols + " FROM org_nodes n WHERE n.parent_id = ?"
	args := []any{parentID}
	switch status {
	case "", "active":
		q += " AND n.status = 'active'"
	case "retired":
		q += " AND n.status = 'retired'"
	case "all":
	default:
		return nil, apperr.Field("status", "validation.one_of", "values", "active, retired, all")
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+" ORDER BY n.code", args...)
	if err != nil {
		return nil, err
	}
	return collectNodes(rows)
}

func checkName(f *apperr.Fields, field, name string) string {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 64 {
		f.Add(field, "validation.length", "min", 1, "max", 64)
	}
	return name
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// checkCode verifies a code fits its kind and extends the parent's code.
func checkCode(f *apperr.Fields, code, kind, parentCode string) {
	want := codeLen(kind)
	switch {
	case !allDigits(code) || len(code) != want:
		f.Add("code", "org.code_format", "kind", kind, "digits", want)
	case parentCode != "" && !strings.HasPrefix(code, parentCode):
		f.Add("code", "org.code_parent_mismatch", "parent", parentCode)
	case parentCode != "" && strings.Trim(code[len(parentCode):], "0") == "":
		f.Add("code", "org.code_format", "kind", kind, "digits", want)
	}
}

// CreateNode adds a child under a parent (or a root, for operators).
func (s *Service) CreateNode(ctx context.Context, in NodeInput) (Node, error) {
	p := authz.From(ctx)
	var f apperr.Fields
	in.Name = checkName(&f, "name", in.Name)
	in.Code = strings.TrimSpace(in.Code)
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var parent Node
		path := "/" + id + "/"
		if in.ParentID == "" {
			if !p.Covers(authz.OrgWrite, "/") {
				f.Add("parent_id", "validation.required")
			} else if codeLen(in.Kind) == 0 {
				f.Add("kind", "validation.one_of", "values", "province, city, county, town, village")
			}
		} else {
			var err error
			parent, err = s.node(ctx, tx, authz.OrgWrite, in.ParentID)
			if err != nil {
				return apperr.Field("parent_id", "org.not_found")
			}
			if parent.Status != "active" {
				return apperr.Field("parent_id", "org.retired")
			}
			if in.Kind == "" {
				in.Kind = childKind(parent.Kind)
			}
			if in.Kind != childKind(parent.Kind) || in.Kind == "" {
				f.Add("kind", "org.kind_under_parent", "kind", in.Kind, "parent", parent.Kind)
			}
			path = parent.path + id + "/"
		}
		if len(f) == 0 {
			checkCode(&f, in.Code, in.Kind, parent.Code)
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := db.Now()
		var pid any
		if in.ParentID != "" {
			pid = in.ParentID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO org_nodes (id, code, name, kind, parent_id, path, status, center_lat, center_lng, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`, id, in.Code, in.Name, in.Kind, pid, path, parent.centerLat(), parent.centerLng(), now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("code", "org.code_taken", "code", in.Code)
		}
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.OrgWrite, audit.Entry{Action: "org.create", ObjectType: "org", ObjectID: id, Detail: in.Code + " " + in.Name})
	})
	if err != nil {
		return Node{}, err
	}
	return s.Node(ctx, id)
}

func (n Node) centerLat() any {
	if n.Center == nil {
		return nil
	}
	return n.Center.Lat
}

func (n Node) centerLng() any {
	if n.Center == nil {
		return nil
	}
	return n.Center.Lng
}

// writeNode loads a node for writing with a version check, runs fn, audits.
func (s *Service) writeNode(ctx context.Context, id string, version int, action string, fn func(tx *db.Tx, n Node) (string, error)) (Node, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "SELECT version FROM org_nodes WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("org")
		} else if err != nil {
			return err
		}
		n, err := s.node(ctx, tx, authz.OrgWrite, id)
		if err != nil {
			return err
		}
		if n.Version != version {
			return apperr.E(apperr.Conflict, "conflict.version")
		}
		detail, err := fn(tx, n)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE org_nodes SET version = version + 1, updated_at = ? WHERE id = ?", db.Now(), id); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.OrgWrite, audit.Entry{Action: action, ObjectType: "org", ObjectID: id, Detail: detail})
	})
	if err != nil {
		return Node{}, err
	}
	return s.Node(ctx, id)
}

// UpdateNode renames a node.
func (s *Service) UpdateNode(ctx context.Context, id string, in NodePatch) (Node, error) {
	var f apperr.Fields
	if in.Name != nil {
		*in.Name = checkName(&f, "name", *in.Name)
	}
	if err := f.Err(); err != nil {
		return Node{}, err
	}
	return s.writeNode(ctx, id, in.Version, "org.update", func(tx *db.Tx, n Node) (string, error) {
		if in.Name == nil {
			return "", nil
		}
		_, err := tx.ExecContext(ctx, "UPDATE org_nodes SET name = ? WHERE id = ?", *in.Name, id)
		return n.Name + " → " + *in.Name, err
	})
}

// MoveNode puts a node under another parent of the right kind with a new
// code; the codes of everything below it (nodes and grids) follow, and so do
// their paths. A parent inside the node itself would make a cycle.
func (s *Service) MoveNode(ctx context.Context, id string, in NodeMove) (Node, error) {
	return s.writeNode(ctx, id, in.Version, "org.move", func(tx *db.Tx, n Node) (string, error) {
		parent, err := s.node(ctx, tx, authz.OrgWrite, in.ParentID)
		if err != nil {
			return "", apperr.Field("parent_id", "org.not_found")
		}
		if strings.HasPrefix(parent.path, n.path) {
			return "", apperr.Field("parent_id", "org.cycle")
		}
		if parent.Status != "active" {
			return "", apperr.Field("parent_id", "org.retired")
		}
		var f apperr.Fields
		if childKind(parent.Kind) != n.Kind {
			f.Add("parent_id", "org.kind_under_parent", "kind", n.Kind, "parent", parent.Kind)
		} else {
			checkCode(&f, in.Code, n.Kind, parent.Code)
		}
		if err := f.Err(); err != nil {
			return "", err
		}
		newPath := parent.path + n.ID + "/"
		under, uargs := authz.Under("path", n.path)
		for _, table := range []string{"org_nodes", "grids"} {
			// Codes below the node keep their own digits after the node's prefix.
			_, err := tx.ExecContext(ctx, "UPDATE "+table+" SET path = ? || substr(path, ?), code = ? || substr(code, ?) WHERE "+under,
				append([]any{newPath, len(n.path) + 1, in.Code, len(n.Code) + 1}, uargs...)...)
			if db.IsUniqueViolation(err) {
				return "", apperr.Field("code", "org.code_taken", "code", in.Code)
			}
			if err != nil {
				return "", err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE org_nodes SET parent_id = ? WHERE id = ?", parent.ID, id); err != nil {
			return "", err
		}
		s.index.invalidate()
		if err := bumpGrids(ctx, tx); err != nil {
			return "", err
		}
		return n.Code + " → " + in.Code + " under " + parent.Code, nil
	})
}

// RetireNode retires a node with no active children or grids.
func (s *Service) RetireNode(ctx context.Context, id string, version int) (Node, error) {
	return s.writeNode(ctx, id, version, "org.retire", func(tx *db.Tx, n Node) (string, error) {
		var grids int
		under, uargs := authz.Under("path", n.path)
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM grids WHERE "+under+" AND status = 'active'", uargs...).Scan(&grids); err != nil {
			return "", err
		}
		if n.ChildCount > 0 || grids > 0 {
			return "", apperr.E(apperr.Conflict, "org.has_active_children", "children", n.ChildCount, "grids", grids)
		}
		_, err := tx.ExecContext(ctx, "UPDATE org_nodes SET status = 'retired' WHERE id = ?", id)
		return n.Code, err
	})
}
