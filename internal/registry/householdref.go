package registry

import (
	"context"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// HouseholdRef is what another room needs of a household: its number, its
// householder's name, its house address and its village. It checks no
// scope: the caller does, on Path.
type HouseholdRef struct {
	ID      string `json:"id"`
	No      string `json:"no"`
	Head    string `json:"-"` // the householder's name (empty when none is recorded)
	Address string `json:"address"`
	OrgID   string `json:"-"`
	Path    string `json:"-"`
	GridID  string `json:"grid_id,omitempty"`
	Active  bool   `json:"-"`
}

const householdRefCols = `x.id, x.no, COALESCE((SELECT name FROM people WHERE household_id = x.id AND relation = 'head' AND status = 'active' ORDER BY id LIMIT 1), ''),
	x.address, x.org_id, x.path, COALESCE(x.grid_id, ''), x.status = 'active'`

// HouseholdRefOf returns the household id; sql.ErrNoRows when there is none.
func HouseholdRefOf(ctx context.Context, q db.Querier, id string) (HouseholdRef, error) {
	var h HouseholdRef
	err := q.QueryRowContext(ctx, "SELECT "+householdRefCols+" FROM households x WHERE x.id = ?", id).
		Scan(&h.ID, &h.No, &h.Head, &h.Address, &h.OrgID, &h.Path, &h.GridID, &h.Active)
	return h, err
}

// HouseholdRefsIn lists the active households registered in village
// orgID, by number.
func HouseholdRefsIn(ctx context.Context, q db.Querier, orgID string) ([]HouseholdRef, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+householdRefCols+" FROM households x WHERE x.org_id = ? AND x.status = 'active' ORDER BY x.no", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HouseholdRef
	for rows.Next() {
		var h HouseholdRef
		if err := rows.Scan(&h.ID, &h.No, &h.Head, &h.Address, &h.OrgID, &h.Path, &h.GridID, &h.Active); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HouseholdChoices lists at most limit active households registered under
// path whose number or address holds text (in any case of its Latin
// letters; an empty text holds in every one), those of grid first, then
// by number: a picker's rows. It reads no person: Head is left empty. It
// checks no scope: the caller does, on path.
func HouseholdChoices(ctx context.Context, q db.Querier, path, grid, text string, limit int) ([]HouseholdRef, error) {
	where, args := authz.Under("x.path", path)
	if text != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(text)) + "%"
		where += ` AND (LOWER(x.no) LIKE ? ESCAPE '\' OR LOWER(x.address) LIKE ? ESCAPE '\')`
		args = append(args, like, like)
	}
	rows, err := q.QueryContext(ctx, `SELECT x.id, x.no, x.address, x.org_id, x.path, COALESCE(x.grid_id, '') FROM households x
		WHERE `+where+` AND x.status = 'active' ORDER BY CASE WHEN x.grid_id = ? THEN 0 ELSE 1 END, x.no, x.id LIMIT ?`, append(args, grid, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HouseholdRef
	for rows.Next() {
		h := HouseholdRef{Active: true}
		if err := rows.Scan(&h.ID, &h.No, &h.Address, &h.OrgID, &h.Path, &h.GridID); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
