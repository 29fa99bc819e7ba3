// Package regkit holds the small pieces the register rooms share: the page
// of a list and its cursor, the length and code checks of a form, the
// version-checked update, and which key-person rows a caller may see.
// Each room (registry, keyperson, campaign, regimport, regexport) builds on
// it; it calls none of them.
package regkit

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Shanghai is the zone the registers' dates are read in (China Standard
// Time, no daylight saving).
var Shanghai = time.FixedZone("CST", 8*3600)

// Day is a day in Unix milliseconds.
const Day = int64(24 * time.Hour / time.Millisecond)

// ClampLimit bounds a page size: 50 when unset, at most 500.
func ClampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, 500)
}

// ListOrder orders a register list (rows aliased alias) by area, then by
// entry time (ids are time-ordered UUIDv7): the (path, id) index of each
// table serves any area's page without sorting the area.
func ListOrder(alias string) string { return " ORDER BY " + alias + ".path, " + alias + ".id" }

// PageAfter continues a list after the row id of the previous page's last
// row (an id, unlike a name, says nothing personal in a URL). It must come
// first among the conditions: SQLite seeks the index by the first lower
// bound on path it meets, and this one starts deep pages (an export of a
// county) where they start instead of at the area's first row.
func PageAfter(alias, table, after string) (string, []any) {
	if after == "" {
		return "", nil
	}
	cur := "(SELECT path FROM " + table + " WHERE id = ?)"
	return " AND " + alias + ".path >= " + cur + " AND (" + alias + ".path, " + alias + ".id) > (" + cur + ", ?)", []any{after, after, after}
}

// CheckLen adds a problem when a text field is longer than max characters.
func CheckLen(f *apperr.Fields, field, v string, max int) {
	if len([]rune(v)) > max {
		f.Add(field, "registry.too_long", "max", max)
	}
}

// OneOf adds a problem when v is not among the allowed codes.
func OneOf(f *apperr.Fields, field, v string, allowed []string, required bool) {
	if v == "" {
		if required {
			f.Add(field, "registry.required")
		}
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	f.Add(field, "registry.code_unknown", "value", v)
}

// Collect adds the field problems of err to f and returns nil; any other
// error (a place out of scope, a database fault) comes back as it is. A
// form then shows every field problem at once, a missing or unknown grid
// with the others.
func Collect(f *apperr.Fields, err error) error {
	if err == nil {
		return nil
	}
	if e := apperr.As(err); e.Kind == apperr.Invalid && len(e.Fields) > 0 {
		*f = append(*f, e.Fields...)
		return nil
	}
	return err
}

// Nullable is NULL for an empty string.
func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Ptr is the value of a nullable integer column, nil for NULL.
func Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// Bump updates a record's columns (set, with args) when its version is
// still the one read (want; have is the version found), so two people
// editing at once cannot both win.
func Bump(ctx context.Context, tx db.Querier, now time.Time, table, id string, want, have int, set string, args ...any) error {
	if want != have {
		return apperr.E(apperr.Conflict, "registry.stale", "version", have)
	}
	res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET "+set+", version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
		append(args, now.UnixMilli(), id, want)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.E(apperr.Conflict, "registry.stale", "version", have)
	}
	return nil
}

// FloatText writes an optional number as a sheet or a change history
// shows it ("" for none).
func FloatText(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// InArea is the condition that col (a path column) lies in the area orgID,
// and its arguments. The area's path is read first (org.PathOf), so the
// condition is a plain range on the path index; an unknown area matches
// nothing, as a list filtered by it shows nothing.
func InArea(ctx context.Context, q db.Querier, col, orgID string) (string, []any, error) {
	path, err := org.PathOf(ctx, q, orgID, "")
	if apperr.Is(err, "not_found") {
		return "1 = 0", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	cond, args := authz.Under(col, path)
	return cond, args, nil
}
