package registry

import (
	"context"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

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

// Resident is what another room needs of a person found by phone: the
// record, its grid and its village's path. It checks no scope: the
// caller does, on Path.
type Resident struct {
	ID     string
	GridID string
	Path   string
}

// ResidentsByPhone returns the active people under path whose phone has
// the blind index given (pii.Vault.Blind("people.phone", normalized)),
// those placed on a grid first.
func ResidentsByPhone(ctx context.Context, q db.Querier, path, blind string) ([]Resident, error) {
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, "SELECT id, COALESCE(grid_id, ''), path FROM people WHERE phone_blind = ? AND status = 'active' AND "+under+
		" ORDER BY CASE WHEN grid_id IS NULL THEN 1 ELSE 0 END, id LIMIT 5", append([]any{blind}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Resident
	for rows.Next() {
		var r Resident
		if err := rows.Scan(&r.ID, &r.GridID, &r.Path); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
