package registry

import (
	"context"

	"github.com/gridgov/gridgov/internal/db"
)

// HouseholdRef is what another room needs of a household: its number, its
// householder's name, its house address and its village. It checks no
// scope: the caller does, on Path.
type HouseholdRef struct {
	ID      string
	No      string
	Head    string // the householder's name (empty when none is recorded)
	Address string
	OrgID   string
	Path    string
	Active  bool
}

const householdRefCols = `x.id, x.no, COALESCE((SELECT name FROM people WHERE household_id = x.id AND relation = 'head' AND status = 'active' ORDER BY id LIMIT 1), ''),
	x.address, x.org_id, x.path, x.status = 'active'`

// HouseholdRefOf returns the household id; sql.ErrNoRows when there is none.
func (s *Service) HouseholdRefOf(ctx context.Context, q db.Querier, id string) (HouseholdRef, error) {
	var h HouseholdRef
	err := q.QueryRowContext(ctx, "SELECT "+householdRefCols+" FROM households x WHERE x.id = ?", id).
		Scan(&h.ID, &h.No, &h.Head, &h.Address, &h.OrgID, &h.Path, &h.Active)
	return h, err
}

// HouseholdRefsIn lists the active households registered in village
// orgID, by number.
func (s *Service) HouseholdRefsIn(ctx context.Context, q db.Querier, orgID string) ([]HouseholdRef, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+householdRefCols+" FROM households x WHERE x.org_id = ? AND x.status = 'active' ORDER BY x.no", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HouseholdRef
	for rows.Next() {
		var h HouseholdRef
		if err := rows.Scan(&h.ID, &h.No, &h.Head, &h.Address, &h.OrgID, &h.Path, &h.Active); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
