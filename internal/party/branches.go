package party

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/db"
)

// These answer the red orders' and the points' questions of the tree:
// which branch a grid's orders land with, whether one organisation lies
// under another, and the members' names for a ranking.

// BranchOverGrid returns the lowest branch-level organisation over a grid:
// the branch of the grid's own 党小组 (or the branch lying over the grid
// itself), else the branch of the compound lying in the grid, else the
// lowest organisation of the area tree (not a group, not a unit's branch)
// over the grid's area path. sql.ErrNoRows when none lies over it.
func BranchOverGrid(ctx context.Context, q db.Querier, gridID, path string) (Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, "SELECT "+orgCols+` FROM party_orgs WHERE grid_id = ? AND status = 'active'
		AND kind IN ('group', 'branch', 'general_branch') ORDER BY CASE kind WHEN 'group' THEN 0 ELSE 1 END, created_at, id LIMIT 1`, gridID))
	if errors.Is(err, sql.ErrNoRows) {
		o, err = scanOrg(q.QueryRowContext(ctx, "SELECT "+orgCols+` FROM party_orgs WHERE status = 'active' AND kind IN ('branch', 'general_branch')
			AND compound_id IN (SELECT id FROM compounds WHERE grid_id = ?) ORDER BY created_at, id LIMIT 1`, gridID))
	}
	if errors.Is(err, sql.ErrNoRows) {
		o, err = scanOrg(q.QueryRowContext(ctx, "SELECT "+orgCols+` FROM party_orgs WHERE status = 'active' AND kind <> 'group' AND form <> 'unit'
			AND ? >= path AND ? < path || '~' ORDER BY LENGTH(path) DESC, CASE kind WHEN 'branch' THEN 0 WHEN 'general_branch' THEN 1 WHEN 'committee' THEN 2 ELSE 3 END,
			created_at, id LIMIT 1`, path, path))
	}
	for err == nil && o.Kind == Group && o.ParentID != "" {
		o, err = OrgByID(ctx, q, o.ParentID, "")
	}
	return o, err
}

// Within reports whether the organisation id lies at or under ancestor.
func Within(ctx context.Context, q db.Querier, id, ancestor string) (bool, error) {
	for seen := 0; id != "" && seen < 10; seen++ {
		if id == ancestor {
			return true, nil
		}
		err := q.QueryRowContext(ctx, "SELECT COALESCE(parent_id, '') FROM party_orgs WHERE id = ?", id).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

// MembersUnder returns the active members of an organisation and of the
// organisations under it, by name: whom a branch may give an order to.
func MembersUnder(ctx context.Context, q db.Querier, partyOrgID string) ([]Member, error) {
	var out []Member
	queue := []string{partyOrgID}
	for len(queue) > 0 && len(out) < 2000 {
		id := queue[0]
		queue = queue[1:]
		ms, err := Members(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		cs, err := Children(ctx, q, id)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			queue = append(queue, c.ID)
		}
	}
	return out, nil
}

// OrgNames returns the names of party organisations by id.
func OrgNames(ctx context.Context, q db.Querier, ids []string) (map[string]string, error) {
	return names(ctx, q, "party_orgs", ids)
}

// MemberNames returns the names of party members by id.
func MemberNames(ctx context.Context, q db.Querier, ids []string) (map[string]string, error) {
	return names(ctx, q, "party_members", ids)
}

func names(ctx context.Context, q db.Querier, table string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += 200 {
		chunk := ids[start:min(start+200, len(ids))]
		args := make([]any, len(chunk))
		marks := make([]byte, 0, 2*len(chunk))
		for i, id := range chunk {
			args[i] = id
			if i > 0 {
				marks = append(marks, ',')
			}
			marks = append(marks, '?')
		}
		rows, err := q.QueryContext(ctx, "SELECT id, name FROM "+table+" WHERE id IN ("+string(marks)+")", args...)
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
	}
	return out, nil
}
