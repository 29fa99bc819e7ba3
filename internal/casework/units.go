package casework

import (
	"context"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/org"
)

// Units lists the active units serving an org node's area: its own and its
// ancestors' centres and departments (who can be dispatched to there), or
// every unit in the caller's scope.
func (s *Service) Units(ctx context.Context, orgID string) ([]Unit, error) {
	p := authz.From(ctx)
	q := "SELECT id, code, name, kind, level, org_id, path FROM units WHERE status = 'active'"
	var args []any
	if orgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.OrgRead, orgID, "org_id")
		if err != nil {
			return nil, err
		}
		above, a1 := authz.AtOrAbove("path", path)
		under, a2 := authz.Under("path", path)
		q += " AND (" + above + " OR " + under + ")"
		args = append(append(args, a1...), a2...)
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
