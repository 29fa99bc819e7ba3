package keyperson

import (
	"context"

	"github.com/gridgov/gridgov/internal/db"
)

// The service follows the registers' people (registry.Follower): its
// records of a person move, close and go with them, in the registers'
// transaction.

// PersonMoved moves the person's key-person and care-target records, which
// are scoped by the person's area, to path.
func (s *Service) PersonMoved(ctx context.Context, tx db.Querier, personID, path string) error {
	for _, t := range []string{"key_persons", "care_targets"} {
		if _, err := tx.ExecContext(ctx, "UPDATE "+t+" SET path = ? WHERE person_id = ?", path, personID); err != nil {
			return err
		}
	}
	return nil
}

// PersonDied closes the person's key-person records and ends their care,
// with the reason: nobody visits or serves the dead.
func (s *Service) PersonDied(ctx context.Context, tx db.Querier, personID string, at int64) error {
	if _, err := tx.ExecContext(ctx, "UPDATE key_persons SET status = 'closed', version = version + 1, updated_at = ? WHERE person_id = ? AND status = 'active'",
		at, personID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE care_targets SET status = 'ended', end_reason = 'deceased', ended_at = ?, version = version + 1, updated_at = ?
		WHERE person_id = ? AND status = 'active'`, at, at, personID)
	return err
}

// PersonRemoved deletes the person's visits, key-person and care-target
// records (sealed values among them) before the person's row goes.
func (s *Service) PersonRemoved(ctx context.Context, tx db.Querier, personID string) error {
	for _, q := range []string{
		"DELETE FROM visits WHERE person_id = ?",
		"DELETE FROM key_persons WHERE person_id = ?",
		"DELETE FROM care_targets WHERE person_id = ?",
	} {
		if _, err := tx.ExecContext(ctx, q, personID); err != nil {
			return err
		}
	}
	return nil
}
