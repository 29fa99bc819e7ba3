package keyperson

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/db"
)

// KeyPetitionerOf returns the id and path of the active key-petitioner
// record (category key_petitioner) of register person personID, or empty
// strings when there is none: the petition desk links a petition to it.
// It checks no scope; the caller shows the link only to holders of
// pii.sensitive.key_petitioner over the returned path.
func (s *Service) KeyPetitionerOf(ctx context.Context, q db.Querier, personID string) (id, path string, err error) {
	err = q.QueryRowContext(ctx, "SELECT id, path FROM key_persons WHERE person_id = ? AND category_blind = ? AND status = 'active'",
		personID, s.vault.Blind("key_persons.category", "key_petitioner")).Scan(&id, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return id, path, err
}

// InCategory reports whether register person personID has an active key
// person record of category: a room that keeps a record for people of a
// special group (psychological protection) checks membership with it. It
// checks no scope.
func (s *Service) InCategory(ctx context.Context, q db.Querier, personID, category string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM key_persons WHERE person_id = ? AND category_blind = ? AND status = 'active'",
		personID, s.vault.Blind("key_persons.category", category)).Scan(&n)
	return n > 0, err
}
