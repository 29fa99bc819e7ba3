package registry

import (
	"context"
	"strings"

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
