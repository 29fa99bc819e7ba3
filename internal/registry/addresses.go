package registry

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/registry/search"
)

// ---- standard addresses (一标) ----

// AddressInput is a standard address: its text, down to the door or
// building, and where it is. The grid comes from grid_id or grid_code, or
// else from the position; a position given with a grid is kept as the
// address's point.
type AddressInput struct {
	Text string `json:"text"`
	PlaceInput
	Version int `json:"version,omitempty"`
}

// Address is one standard address of the register. Houses and units are
// those at it: the houses whose address it is, the units of its village
// whose address reads the same.
type Address struct {
	ID         string   `json:"id"`
	Text       string   `json:"text"`
	Lat        *float64 `json:"lat"`
	Lng        *float64 `json:"lng"`
	HouseCount int      `json:"house_count"`
	Residents  int      `json:"residents"` // people living in its houses
	Located
	Status    string `json:"status"`
	Version   int    `json:"version"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`

	Houses  []House  `json:"houses,omitempty"`
	Units   []Unit   `json:"units,omitempty"`
	History []Change `json:"history,omitempty"`
}

const addressCols = `x.id, x.text, x.lat, x.lng,
	(SELECT count(*) FROM houses WHERE address_id = x.id AND status = 'active'),
	(SELECT count(*) FROM people p JOIN houses h ON h.id = p.house_id WHERE h.address_id = x.id AND h.status = 'active' AND p.status = 'active'), ` +
	locatedCols + `, x.status, x.version, x.created_at, x.updated_at`

func scanAddress(sc interface{ Scan(...any) error }) (Address, error) {
	var a Address
	var lat, lng sql.NullFloat64
	dest := append([]any{&a.ID, &a.Text, &lat, &lng, &a.HouseCount, &a.Residents}, a.Located.dest()...)
	err := sc.Scan(append(dest, &a.Status, &a.Version, &a.CreatedAt, &a.UpdatedAt)...)
	if lat.Valid && lng.Valid {
		a.Lat, a.Lng = &lat.Float64, &lng.Float64
	}
	return a, err
}

// checkAddress validates an address's text.
func checkAddress(in *AddressInput) error {
	var f apperr.Fields
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" {
		f.Add("text", "registry.required")
	}
	regkit.CheckLen(&f, "text", in.Text, 200)
	return f.Err()
}

// checkPosition validates an address's optional position: both or neither
// of lat and lng, each in its range. A half or impossible position is left
// out of locating the grid, so it is reported once.
func checkPosition(in *PlaceInput) apperr.Fields {
	var f apperr.Fields
	switch {
	case in.Lat == nil && in.Lng == nil:
		return nil
	case in.Lat == nil:
		f.Add("lat", "registry.position_invalid")
	case in.Lng == nil:
		f.Add("lng", "registry.position_invalid")
	default:
		if *in.Lat < -90 || *in.Lat > 90 {
			f.Add("lat", "registry.position_invalid")
		}
		if *in.Lng < -180 || *in.Lng > 180 {
			f.Add("lng", "registry.position_invalid")
		}
	}
	if len(f) > 0 {
		in.Lat, in.Lng = nil, nil
	}
	return f
}

// checkPlaced checks an address and resolves its grid; every field problem
// comes back together.
func (s *Service) checkPlaced(ctx context.Context, q db.Querier, in *AddressInput) (Place, error) {
	f := checkPosition(&in.PlaceInput)
	_, pl, err := s.checkAt(ctx, q, in.PlaceInput, authz.RegistryWrite, f, func() (string, error) { return "", checkAddress(in) })
	return pl, err
}

// indexAddress writes the search entry of an address and of the houses at
// it, whose entries carry its text.
func (s *Service) indexAddress(ctx context.Context, tx db.Querier, id, path, text string) error {
	if err := search.Index(ctx, tx, "address", id, path, text, text); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, path, owner_name FROM houses WHERE address_id = ?", id)
	if err != nil {
		return err
	}
	type house struct{ id, path, owner string }
	var hs []house
	for rows.Next() {
		var h house
		if err := rows.Scan(&h.id, &h.path, &h.owner); err != nil {
			rows.Close()
			return err
		}
		hs = append(hs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range hs {
		if err := search.Index(ctx, tx, "house", h.id, h.path, text, text, h.owner); err != nil {
			return err
		}
	}
	return nil
}

// SaveAddress creates (id "") or updates a standard address.
func (s *Service) SaveAddress(ctx context.Context, id string, in AddressInput) (Address, error) {
	if id == "" {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			pl, err := s.checkPlaced(ctx, tx, &in)
			if err != nil {
				return err
			}
			id = db.NewID()
			now := s.Now().UnixMilli()
			_, err = tx.ExecContext(ctx, `INSERT INTO addresses (id, text, grid_id, org_id, path, lat, lng, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, in.Text, pl.GridID, pl.OrgID, pl.Path, in.Lat, in.Lng, now, now)
			if db.IsUniqueViolation(err) {
				return apperr.Field("text", "registry.address_taken")
			}
			if err != nil {
				return err
			}
			if err := search.Index(ctx, tx, "address", id, pl.Path, in.Text, in.Text); err != nil {
				return err
			}
			if err := s.logChange(ctx, tx, "address", id, "created"); err != nil {
				return err
			}
			return s.record(ctx, tx, authz.RegistryWrite, "registry.address_create", "address", id, "")
		})
		if err != nil {
			return Address{}, err
		}
		return s.address(ctx, s.db.Reader(), id)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.address(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryWrite, old.path) {
			return apperr.NotFoundf("address")
		}
		pl, err := s.checkPlaced(ctx, tx, &in)
		if err != nil {
			return err
		}
		changed := diff(map[string][2]string{"text": {old.Text, in.Text}, "lat": {regkit.FloatText(old.Lat), regkit.FloatText(in.Lat)},
			"lng": {regkit.FloatText(old.Lng), regkit.FloatText(in.Lng)}, "grid_id": {old.GridID, pl.GridID}})
		err = regkit.Bump(ctx, tx, s.Now(), "addresses", id, in.Version, old.Version, `text = ?, lat = ?, lng = ?, grid_id = ?, org_id = ?, path = ?`,
			in.Text, in.Lat, in.Lng, pl.GridID, pl.OrgID, pl.Path)
		if db.IsUniqueViolation(err) {
			return apperr.Field("text", "registry.address_taken")
		}
		if err != nil {
			return err
		}
		if err := s.indexAddress(ctx, tx, id, pl.Path, in.Text); err != nil {
			return err
		}
		if err := s.logChange(ctx, tx, "address", id, "changed", changed...); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.address_update", "address", id, strings.Join(changed, ","))
	})
	if err != nil {
		return Address{}, err
	}
	return s.address(ctx, s.db.Reader(), id)
}

func (s *Service) address(ctx context.Context, q db.Querier, id string) (Address, error) {
	a, err := scanAddress(q.QueryRowContext(ctx, "SELECT "+addressCols+" FROM addresses x"+locatedJoin+" WHERE x.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.NotFoundf("address")
	}
	return a, err
}

// GetAddress returns an address with the houses and units at it and its
// history; an audited read, as a house's.
func (s *Service) GetAddress(ctx context.Context, id string) (Address, error) {
	a, err := s.address(ctx, s.db.Reader(), id)
	if err != nil || !authz.From(ctx).Covers(authz.RegistryRead, a.path) {
		return Address{}, errors.Join(err, apperr.NotFoundf("address"))
	}
	// The houses and units the caller may read: a house sits in its own
	// grid, which may lie in another village than its address's.
	a.Houses, _, err = list(ctx, s, "houses", "SELECT "+houseCols+houseFrom, ListQuery{Limit: 500, extra: " AND x.address_id = ?", extraArgs: []any{id}}, "", scanHouse,
		func(h House) string { return h.ID })
	if err != nil {
		return a, err
	}
	a.Units, _, err = list(ctx, s, "register_units", "SELECT "+unitCols+" FROM register_units x"+locatedJoin,
		ListQuery{Limit: 500, extra: " AND x.org_id = ? AND x.address = ?", extraArgs: []any{a.OrgID, a.Text}}, "", scanUnit, func(u Unit) string { return u.ID })
	if err != nil {
		return a, err
	}
	if a.History, err = s.history(ctx, "address", id); err != nil {
		return a, err
	}
	return a, s.readAudited(ctx, authz.RegistryRead, "registry.address_read", "address", id, "")
}

// ListAddresses lists standard addresses in scope; Q keeps those whose text
// holds it.
func (s *Service) ListAddresses(ctx context.Context, q ListQuery) ([]Address, string, error) {
	if t := strings.TrimSpace(q.Q); t != "" {
		q.extra += ` AND x.text LIKE ? ESCAPE '\'`
		q.extraArgs = append(q.extraArgs, "%"+likeEscaper.Replace(t)+"%")
	}
	return list(ctx, s, "addresses", "SELECT "+addressCols+" FROM addresses x"+locatedJoin, q, "", scanAddress, func(a Address) string { return a.ID })
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
