package registry

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
)

// HouseholdRef is what another room shows of a household it links to
// (the red grid's 党员中心户 serve households): its number and address.
type HouseholdRef struct {
	ID      string `json:"id"`
	No      string `json:"no"`
	Address string `json:"address"`
	Path    string `json:"-"`
	GridID  string `json:"grid_id,omitempty"`
}

// HouseholdRefOf returns an active household; it checks no permission:
// the caller decides. An unknown or closed household is not found.
func HouseholdRefOf(ctx context.Context, q db.Querier, id string) (HouseholdRef, error) {
	var h HouseholdRef
	err := q.QueryRowContext(ctx, "SELECT id, no, address, path, COALESCE(grid_id, '') FROM households WHERE id = ? AND status = 'active'", id).
		Scan(&h.ID, &h.No, &h.Address, &h.Path, &h.GridID)
	if errors.Is(err, sql.ErrNoRows) {
		return h, apperr.NotFoundf("household")
	}
	return h, err
}

// HousesByCompound counts the active houses of the registers that belong
// to each of the compounds named (the red grid's compound pages).
func HousesByCompound(ctx context.Context, q db.Querier, compoundIDs []string) (map[string]int, error) {
	out := map[string]int{}
	for start := 0; start < len(compoundIDs); start += 200 {
		part := compoundIDs[start:min(start+200, len(compoundIDs))]
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT compound_id, COUNT(*) FROM houses WHERE status = 'active' AND compound_id IN ("+marks+") GROUP BY compound_id", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
