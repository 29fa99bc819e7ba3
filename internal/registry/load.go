package registry

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Bulk loads (the spreadsheet imports of package regsheet) write rows
// through these functions: each checks a row as the form would and, when
// write is set, stores it in the caller's transaction, its history saying
// "imported". A row's place is resolved once per grid code (ResolvePlace)
// and passed in as At(place).

// ResolvePlace resolves a record's grid and checks the caller holds perm
// there.
func (s *Service) ResolvePlace(ctx context.Context, q db.Querier, in PlaceInput, perm authz.Perm) (Place, error) {
	return s.place(ctx, q, in, perm)
}

// At is the input of a place already resolved: its scope is checked again
// for each row, its grid not looked up again.
func At(p Place) PlaceInput {
	return PlaceInput{GridID: p.GridID, known: &p}
}

// LoadPerson checks a person row and, when write is set, stores it. The
// checks are the form's (CreatePerson): one function, prepare, runs both.
func (s *Service) LoadPerson(ctx context.Context, q db.Querier, in PersonInput, write bool) error {
	r, err := s.prepare(ctx, q, in, "", authz.RegistryImport)
	if err != nil || !write {
		return err
	}
	return s.insertPerson(ctx, q, db.NewID(), r, "imported")
}

// LoadHousehold checks a household row (its number must be new in the
// village) as the form does (checkNewHousehold) and, when write is set,
// stores it.
func (s *Service) LoadHousehold(ctx context.Context, q db.Querier, in HouseholdInput, write bool) error {
	pl, err := s.checkNewHousehold(ctx, q, &in, authz.RegistryImport)
	if err != nil || !write {
		return err
	}
	return s.insertHousehold(ctx, q, db.NewID(), in, pl, "imported")
}

// LoadHouse checks a house row as the form does (checkNewHouse) and, when
// write is set, stores it.
func (s *Service) LoadHouse(ctx context.Context, q db.Querier, in HouseInput, write bool) error {
	phone, pl, err := s.checkNewHouse(ctx, q, &in, authz.RegistryImport)
	if err != nil || !write {
		return err
	}
	return s.insertHouse(ctx, q, db.NewID(), in, phone, pl, "imported")
}

// LoadUnit checks a unit row (its credit code must be new) as the form
// does (checkNewUnit) and, when write is set, stores it.
func (s *Service) LoadUnit(ctx context.Context, q db.Querier, in UnitInput, write bool) error {
	phone, pl, err := s.checkNewUnit(ctx, q, &in, authz.RegistryImport)
	if err != nil || !write {
		return err
	}
	return s.insertUnit(ctx, q, db.NewID(), in, phone, pl, "imported")
}

// HouseholdNo finds the household of a number in a village.
func (s *Service) HouseholdNo(ctx context.Context, q db.Querier, village, no string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM households WHERE org_id = ? AND no = ?", village, no).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Field("household_no", "registry.household_unknown", "no", no)
	}
	return id, err
}

// HouseAt finds the house at a standard address of a village and room.
// Rooms are sealed, so the few houses at that address are opened and
// compared.
func (s *Service) HouseAt(ctx context.Context, q db.Querier, village, address, room string) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.room_sealed FROM houses h JOIN addresses a ON a.id = h.address_id
		WHERE a.org_id = ? AND a.text = ? AND h.status = 'active' ORDER BY h.created_at, h.id`, village, address)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var id, sealed string
		if err := rows.Scan(&id, &sealed); err != nil {
			return "", err
		}
		r := ""
		if sealed != "" {
			if r, err = s.vault.Open("houses.room", id, sealed); err != nil {
				return "", err
			}
		}
		if r == room {
			return id, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return "", apperr.Field("house_address", "registry.house_unknown", "address", address, "room", room)
}

// retired is the table of each record type a check can find gone.
var retired = map[string]string{"person": "people", "house": "houses", "household": "households", "unit": "register_units"}

// Retire takes a record out of the register after a verification campaign
// found it gone: a person counts as moved out, any other record as gone.
func (s *Service) Retire(ctx context.Context, tx db.Querier, recordType, id string) error {
	now := s.Now().UnixMilli()
	q, args := "UPDATE "+retired[recordType]+" SET status = 'gone', version = version + 1, updated_at = ? WHERE id = ? AND status = 'active'", []any{now, id}
	if recordType == "person" {
		q, args = "UPDATE people SET status = 'moved_out', moved_out_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = 'active'", []any{now, now, id}
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	return s.logChange(ctx, tx, recordType, id, "gone")
}
