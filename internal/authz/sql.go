package authz

import "strings"

// Paths of the org tree hold only [0-9a-f-/], so "~" sorts after every
// character that can follow a prefix, and the range [path, path+"~") is
// exactly a subtree, served from the path index. These helpers are the one
// place that trick is written.

// Under returns a WHERE condition that col (a materialized path column)
// lies in the subtree of path, and its arguments.
func Under(col, path string) (string, []any) {
	return "(" + col + " >= ? AND " + col + " < ?)", []any{path, path + "~"}
}

// UnderColumn is Under for a path held in another column of the same
// query (a correlated subquery: the grids under each listed area).
func UnderColumn(col, pathCol string) string {
	return "(" + col + " >= " + pathCol + " AND " + col + " < " + pathCol + " || '~')"
}

// AtOrAbove returns a WHERE condition that col is path or one of its
// ancestors (a rule or assignment set there reaches path), and its
// arguments.
func AtOrAbove(col, path string) (string, []any) {
	return "(? >= " + col + " AND ? < " + col + " || '~')", []any{path, path}
}

// ScopeSQL returns a WHERE condition restricting col to the subtrees of
// paths, and its arguments. With no paths it matches nothing: denied by
// default.
func ScopeSQL(col string, paths []string) (string, []any) {
	if len(paths) == 0 {
		return "1 = 0", nil
	}
	parts := make([]string, len(paths))
	var args []any
	for i, p := range paths {
		var a []any
		parts[i], a = Under(col, p)
		args = append(args, a...)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// Holders returns a subquery of the ids of the active users who hold perm
// over path (through a role assigned at path or above it), and its
// arguments: "who may act here" asked by notifications and pickers alike.
func Holders(perm Perm, path string) (string, []any) {
	at, args := AtOrAbove("o.path", path)
	return `SELECT DISTINCT ra.user_id FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
		JOIN org_nodes o ON o.id = ra.org_id JOIN users u ON u.id = ra.user_id
		WHERE u.status = 'active' AND ` + at + ` AND (' ' || r.permissions || ' ') LIKE ?`,
		append(args, "% "+string(perm)+" %")
}

// HoldersAtOrUnder is Holders for the users who hold perm over path or
// over any area under it: everyone a county's notice concerns, its towns'
// included.
func HoldersAtOrUnder(perm Perm, path string) (string, []any) {
	at, args := AtOrAbove("o.path", path)
	under, a2 := Under("o.path", path)
	return `SELECT DISTINCT ra.user_id FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
		JOIN org_nodes o ON o.id = ra.org_id JOIN users u ON u.id = ra.user_id
		WHERE u.status = 'active' AND (` + at + ` OR ` + under + `) AND (' ' || r.permissions || ' ') LIKE ?`,
		append(append(args, a2...), "% "+string(perm)+" %")
}
