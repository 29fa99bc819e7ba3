package dispute

import (
	"context"
	"errors"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// PartyFact is a party of a case who is a person of the registers: whose
// household the visit room sends a grid member to.
type PartyFact struct {
	PersonID  string
	DisputeID string
	At        int64 // when the case was registered
}

// PartiesSince lists the register-linked parties of the cases under path
// registered at or after since. It checks no permission: the caller
// decides what the answer allows.
func PartiesSince(ctx context.Context, q db.Querier, path string, since int64) ([]PartyFact, error) {
	under, args := authz.Under("d.path", path)
	rows, err := q.QueryContext(ctx, `SELECT p.person_id, d.id, d.registered_at FROM dispute_parties p JOIN disputes d ON d.id = p.dispute_id
		WHERE p.person_id IS NOT NULL AND d.registered_at >= ? AND `+under+" ORDER BY d.registered_at, p.seq", append([]any{since}, args...)...)
	if err != nil {
		return nil, err
	}
	out := []PartyFact{}
	for rows.Next() {
		var f PartyFact
		if err := rows.Scan(&f.PersonID, &f.DisputeID, &f.At); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
