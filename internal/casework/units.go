package casework

import (
	"context"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
)

// Units lists the active units serving an org node's area: its own and its
// ancestors' centres and departments (who can be dispatched to there), or
// every unit in the caller's scope.
func (s *Service) Units(ctx context.Context, orgID string) ([]Unit, error) {
	p := authz.From(ctx)
	q := "SELECT id, code, name, kind, level, org_id, path FROM units WHERE status = 'active'"
	var args []any
	if orgID != "" {
		var path string
		if err := s.db.Reader().QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", orgID).Scan(&path); err != nil || !p.Covers(authz.OrgRead, path) {
			return nil, apperr.Field("org_id", "org.not_found")
		}
		q += " AND ((? >= path AND ? < path || '~') OR (path >= ? AND path < ?))"
		args = append(args, path, path, path, path+"~")
	} else {
		cond, a := authz.ScopeSQL("path", p.Scopes(authz.OrgRead))
		q += " AND " + cond
		args = append(args, a...)
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+" ORDER BY length(path), kind DESC, code", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Unit{}
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.Level, &u.OrgID, &u.path); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
