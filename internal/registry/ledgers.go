package registry

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/registry/search"
)

// Codes of the houses and units registers.
var (
	HousePurposes = []string{"self_use", "rental", "business", "vacant", "other"}
	UnitKinds     = []string{"enterprise", "shop", "social_org", "institution", "other"}
)

// Located is the place columns every register record shows.
type Located struct {
	GridID   string `json:"grid_id"`
	GridCode string `json:"grid_code"`
	GridName string `json:"grid_name"`
	OrgID    string `json:"org_id"`
	OrgName  string `json:"org_name"`
	path     string
}

const locatedCols = `COALESCE(x.grid_id, ''), COALESCE(g.code, ''), COALESCE(g.name, ''), x.org_id, o.name, x.path`
const locatedJoin = ` JOIN org_nodes o ON o.id = x.org_id LEFT JOIN grids g ON g.id = x.grid_id`

func (l *Located) dest() []any {
	return []any{&l.GridID, &l.GridCode, &l.GridName, &l.OrgID, &l.OrgName, &l.path}
}

// ---- households (户情台账) ----

// HouseholdInput is a household's ledger entry.
type HouseholdInput struct {
	No        string `json:"no"` // 户号
	HouseID   string `json:"house_id,omitempty"`
	Address   string `json:"address,omitempty"`
	Situation string `json:"situation,omitempty"` // 家庭情况
	Needs     string `json:"needs,omitempty"`     // 诉求与需求
	PlaceInput
	Version int `json:"version,omitempty"`
}

// Household is one household of the ledger.
type Household struct {
	ID        string `json:"id"`
	No        string `json:"no"`
	HouseID   string `json:"house_id"`
	Address   string `json:"address"`
	Situation string `json:"situation"`
	Needs     string `json:"needs"`
	Head      string `json:"head"`
	Size      int    `json:"size"`
	Located
	Status    string `json:"status"`
	Version   int    `json:"version"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`

	Members []Person `json:"members,omitempty"`
	History []Change `json:"history,omitempty"`
}

const householdCols = `x.id, x.no, COALESCE(x.house_id, ''), x.address, x.situation, x.needs,
	COALESCE((SELECT name FROM people WHERE household_id = x.id AND relation = 'head' AND status = 'active' ORDER BY id LIMIT 1), ''),
	(SELECT count(*) FROM people WHERE household_id = x.id AND status = 'active'), ` + locatedCols + `, x.status, x.version, x.created_at, x.updated_at`

func scanHousehold(sc interface{ Scan(...any) error }) (Household, error) {
	var h Household
	dest := append([]any{&h.ID, &h.No, &h.HouseID, &h.Address, &h.Situation, &h.Needs, &h.Head, &h.Size}, h.Located.dest()...)
	err := sc.Scan(append(dest, &h.Status, &h.Version, &h.CreatedAt, &h.UpdatedAt)...)
	return h, err
}

// checkHousehold checks a household's fields, its grid (where the caller
// must hold perm) and its house.
func (s *Service) checkHousehold(ctx context.Context, q db.Querier, in *HouseholdInput, perm authz.Perm) (Place, error) {
	var f apperr.Fields
	in.No = strings.TrimSpace(in.No)
	if in.No == "" {
		f.Add("no", "registry.required")
	}
	regkit.CheckLen(&f, "no", in.No, 30)
	regkit.CheckLen(&f, "address", in.Address, 200)
	regkit.CheckLen(&f, "situation", in.Situation, 2000)
	regkit.CheckLen(&f, "needs", in.Needs, 2000)
	// The grid and the house come with the field problems above.
	pl, err := s.place(ctx, q, in.PlaceInput, perm)
	if err := regkit.Collect(&f, err); err != nil {
		return pl, err
	}
	if in.HouseID != "" {
		if err := regkit.Collect(&f, s.linked(ctx, q, "houses", "house_id", in.HouseID)); err != nil {
			return pl, err
		}
	}
	return pl, f.Err()
}

// checkNewHousehold is the one check of a new household, from the form
// (CreateHousehold) or an import row (LoadHousehold): checkHousehold, then
// its number must be new in the village.
func (s *Service) checkNewHousehold(ctx context.Context, q db.Querier, in *HouseholdInput, perm authz.Perm) (Place, error) {
	pl, err := s.checkHousehold(ctx, q, in, perm)
	if err != nil {
		return pl, err
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM households WHERE org_id = ? AND no = ?", pl.OrgID, in.No).Scan(&n); err != nil {
		return pl, err
	}
	if n > 0 {
		return pl, apperr.Field("no", "registry.no_taken")
	}
	return pl, nil
}

// linked checks that a linked record exists in the caller's scope.
func (s *Service) linked(ctx context.Context, q db.Querier, table, field, id string) error {
	var path string
	err := q.QueryRowContext(ctx, "SELECT path FROM "+table+" WHERE id = ? AND status = 'active'", id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryRead, path)) {
		return apperr.Field(field, "registry.link_unknown")
	}
	return err
}

// insertHousehold writes a checked new household.
func (s *Service) insertHousehold(ctx context.Context, tx db.Querier, id string, in HouseholdInput, pl Place, action string) error {
	now := s.Now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO households (id, no, house_id, address, situation, needs, grid_id, org_id, path, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.No, regkit.Nullable(in.HouseID), in.Address, in.Situation, in.Needs, pl.GridID, pl.OrgID, pl.Path, now, now)
	if db.IsUniqueViolation(err) {
		return apperr.Field("no", "registry.no_taken")
	}
	if err != nil {
		return err
	}
	if err := search.Index(ctx, tx, "household", id, pl.Path, in.No+" "+in.Address, in.No, in.Address); err != nil {
		return err
	}
	return s.logChange(ctx, tx, "household", id, action)
}

// CreateHousehold adds a household with the checks of an import row
// (checkNewHousehold). key, when it names one, makes a retry answer with
// the household the first request added.
func (s *Service) CreateHousehold(ctx context.Context, in HouseholdInput, key idem.Key) (Household, error) {
	id, err := s.create(ctx, key, func(tx *db.Tx) (string, error) {
		pl, err := s.checkNewHousehold(ctx, tx, &in, authz.RegistryWrite)
		if err != nil {
			return "", err
		}
		id := db.NewID()
		if err := s.insertHousehold(ctx, tx, id, in, pl, "created"); err != nil {
			return "", err
		}
		return id, s.record(ctx, tx, authz.RegistryWrite, "registry.household_create", "household", id, "")
	})
	if err != nil {
		return Household{}, err
	}
	return s.household(ctx, s.db.Reader(), id)
}

// SaveHousehold creates (id "": CreateHousehold without a key) or updates
// a household.
func (s *Service) SaveHousehold(ctx context.Context, id string, in HouseholdInput) (Household, error) {
	if id == "" {
		return s.CreateHousehold(ctx, in, idem.Key{})
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		pl, err := s.checkHousehold(ctx, tx, &in, authz.RegistryWrite)
		if err != nil {
			return err
		}
		old, err := s.household(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryWrite, old.path) {
			return apperr.NotFoundf("household")
		}
		changed := diff(map[string][2]string{"no": {old.No, in.No}, "house_id": {old.HouseID, in.HouseID}, "address": {old.Address, in.Address},
			"situation": {old.Situation, in.Situation}, "needs": {old.Needs, in.Needs}, "grid_id": {old.GridID, pl.GridID}})
		err = regkit.Bump(ctx, tx, s.Now(), "households", id, in.Version, old.Version, `no = ?, house_id = ?, address = ?, situation = ?, needs = ?, grid_id = ?, org_id = ?, path = ?`,
			in.No, regkit.Nullable(in.HouseID), in.Address, in.Situation, in.Needs, pl.GridID, pl.OrgID, pl.Path)
		if db.IsUniqueViolation(err) {
			return apperr.Field("no", "registry.no_taken")
		}
		if err != nil {
			return err
		}
		if err := search.Index(ctx, tx, "household", id, pl.Path, in.No+" "+in.Address, in.No, in.Address); err != nil {
			return err
		}
		if err := s.logChange(ctx, tx, "household", id, "changed", changed...); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.household_update", "household", id, strings.Join(changed, ","))
	})
	if err != nil {
		return Household{}, err
	}
	return s.household(ctx, s.db.Reader(), id)
}

func (s *Service) household(ctx context.Context, q db.Querier, id string) (Household, error) {
	h, err := scanHousehold(q.QueryRowContext(ctx, "SELECT "+householdCols+" FROM households x"+locatedJoin+" WHERE x.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, apperr.NotFoundf("household")
	}
	return h, err
}

// GetHousehold returns a household with its members and history.
func (s *Service) GetHousehold(ctx context.Context, id string) (Household, error) {
	h, err := s.household(ctx, s.db.Reader(), id)
	if err != nil || !authz.From(ctx).Covers(authz.RegistryRead, h.path) {
		return Household{}, errors.Join(err, apperr.NotFoundf("household"))
	}
	if h.Members, err = s.queryPeople(ctx, " AND p.household_id = ?", []any{id}, 100); err != nil {
		return h, err
	}
	if h.History, err = s.history(ctx, "household", id); err != nil {
		return h, err
	}
	return h, s.readAudited(ctx, authz.RegistryRead, "registry.household_read", "household", id, "")
}

// ---- houses (实有房屋) ----

// HouseInput is a house: its standard address (一标) and room.
type HouseInput struct {
	Address    string   `json:"address"`        // standard address to the door or building
	Room       string   `json:"room,omitempty"` // sealed
	Purpose    string   `json:"purpose"`
	AreaM2     *float64 `json:"area_m2,omitempty"`
	OwnerName  string   `json:"owner_name,omitempty"`
	OwnerPhone string   `json:"owner_phone,omitempty"` // sealed
	// The compound (小区) and building (楼栋) the house belongs to, when it
	// lies in one: the compound of the house's community, the building of
	// the compound.
	CompoundID string `json:"compound_id,omitempty"`
	BuildingID string `json:"building_id,omitempty"`
	PlaceInput
	Version int `json:"version,omitempty"`
	// On update, an empty or omitted room or owner_phone keeps the stored
	// value; the fields named here are emptied instead.
	Clear []string `json:"clear,omitempty"`
}

// House is one house of the register; rental houses list their tenants.
type House struct {
	ID               string   `json:"id"`
	AddressID        string   `json:"address_id"`
	Address          string   `json:"address"`
	RoomMasked       string   `json:"room_masked"`
	Purpose          string   `json:"purpose"`
	AreaM2           *float64 `json:"area_m2"`
	OwnerName        string   `json:"owner_name"`
	OwnerPhoneMasked string   `json:"owner_phone_masked"`
	Residents        int      `json:"residents"`
	CompoundID       string   `json:"compound_id,omitempty"`
	CompoundName     string   `json:"compound_name,omitempty"`
	BuildingID       string   `json:"building_id,omitempty"`
	BuildingName     string   `json:"building_name,omitempty"`
	Located
	Status    string `json:"status"`
	Version   int    `json:"version"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`

	People  []Person `json:"people,omitempty"`
	History []Change `json:"history,omitempty"`
}

const houseCols = `x.id, x.address_id, a.text, x.room_masked, x.purpose, x.area_m2, x.owner_name, x.owner_phone_masked,
	(SELECT count(*) FROM people WHERE house_id = x.id AND status = 'active'), ` + locatedCols + `, x.status, x.version, x.created_at, x.updated_at,
	COALESCE(x.compound_id, ''), COALESCE(x.building_id, '')`
const houseFrom = ` FROM houses x JOIN addresses a ON a.id = x.address_id` + locatedJoin

func scanHouse(sc interface{ Scan(...any) error }) (House, error) {
	var h House
	var area sql.NullFloat64
	dest := append([]any{&h.ID, &h.AddressID, &h.Address, &h.RoomMasked, &h.Purpose, &area, &h.OwnerName, &h.OwnerPhoneMasked, &h.Residents}, h.Located.dest()...)
	err := sc.Scan(append(dest, &h.Status, &h.Version, &h.CreatedAt, &h.UpdatedAt, &h.CompoundID, &h.BuildingID)...)
	if area.Valid {
		h.AreaM2 = &area.Float64
	}
	return h, err
}

// addressID finds or creates the standard address text in a village.
func (s *Service) addressID(ctx context.Context, tx db.Querier, text string, pl Place) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, "SELECT id FROM addresses WHERE org_id = ? AND text = ?", pl.OrgID, text).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	id = db.NewID()
	now := s.Now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `INSERT INTO addresses (id, text, grid_id, org_id, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, text, pl.GridID, pl.OrgID, pl.Path, now, now); err != nil {
		return "", err
	}
	return id, search.Index(ctx, tx, "address", id, pl.Path, text, text)
}

// checkHouse validates a house and returns its normalized owner phone.
func checkHouse(in *HouseInput) (string, error) {
	var f apperr.Fields
	in.Address, in.Room = strings.TrimSpace(in.Address), strings.TrimSpace(in.Room)
	if in.Address == "" {
		f.Add("address", "registry.required")
	}
	regkit.CheckLen(&f, "address", in.Address, 200)
	regkit.CheckLen(&f, "room", in.Room, 50)
	regkit.CheckLen(&f, "owner_name", in.OwnerName, 50)
	regkit.OneOf(&f, "purpose", in.Purpose, HousePurposes, true)
	if in.AreaM2 != nil && (*in.AreaM2 <= 0 || *in.AreaM2 > 100000) {
		f.Add("area_m2", "registry.number_range", "min", 0, "max", 100000)
	}
	phone := ""
	if strings.TrimSpace(in.OwnerPhone) != "" {
		p, err := pii.NormalizePhone("owner_phone", in.OwnerPhone)
		if err != nil {
			f = append(f, apperr.As(err).Fields...)
		}
		phone = p
	}
	return phone, f.Err()
}

// checkAt runs a house's or unit's own checks (check returns its
// normalized phone) and resolves its grid; the field problems of both, after
// those already in f, come back together.
func (s *Service) checkAt(ctx context.Context, q db.Querier, in PlaceInput, perm authz.Perm, f apperr.Fields, check func() (string, error)) (string, Place, error) {
	phone, err := check()
	if err := regkit.Collect(&f, err); err != nil {
		return "", Place{}, err
	}
	pl, err := s.place(ctx, q, in, perm)
	if err := regkit.Collect(&f, err); err != nil {
		return "", Place{}, err
	}
	return phone, pl, f.Err()
}

// checkNewHouse is the one check of a new house, from the form
// (CreateHouse) or an import row (LoadHouse): its fields and its grid,
// where the caller must hold perm. It returns the normalized owner phone.
func (s *Service) checkNewHouse(ctx context.Context, q db.Querier, in *HouseInput, perm authz.Perm) (string, Place, error) {
	phone, pl, err := s.checkAt(ctx, q, in.PlaceInput, perm, nil, func() (string, error) { return checkHouse(in) })
	if err != nil {
		return "", Place{}, err
	}
	return phone, pl, s.checkCompound(ctx, q, in, pl)
}

// checkCompound checks a house's compound and building against its place:
// the compound must lie over the house's community, the building belong to
// the compound.
func (s *Service) checkCompound(ctx context.Context, q db.Querier, in *HouseInput, pl Place) error {
	in.CompoundID, in.BuildingID = strings.TrimSpace(in.CompoundID), strings.TrimSpace(in.BuildingID)
	if in.CompoundID == "" {
		if in.BuildingID != "" {
			return apperr.Field("compound_id", "registry.required")
		}
		return nil
	}
	if s.Compounds == nil {
		return apperr.Field("compound_id", "registry.compound_unknown")
	}
	path, inCompound, err := s.Compounds.CompoundOf(ctx, q, in.CompoundID, in.BuildingID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(pl.Path, path)) {
		return apperr.Field("compound_id", "registry.compound_unknown")
	}
	if err != nil {
		return err
	}
	if in.BuildingID != "" && !inCompound {
		return apperr.Field("building_id", "registry.building_unknown")
	}
	return nil
}

// Compounds is what the registers need of the red grid's compounds and
// buildings (package party owns them): whether a compound exists, its
// community's path and whether a building is one of its own; and names.
type Compounds interface {
	CompoundOf(ctx context.Context, q db.Querier, compoundID, buildingID string) (path string, buildingInCompound bool, err error)
	PlaceNames(ctx context.Context, q db.Querier, ids []string) (map[string]string, error)
}

// nameCompounds fills the houses' compound and building names.
func (s *Service) nameCompounds(ctx context.Context, hs []House) error {
	if s.Compounds == nil {
		return nil
	}
	var ids []string
	for _, h := range hs {
		if h.CompoundID != "" {
			ids = append(ids, h.CompoundID)
		}
		if h.BuildingID != "" {
			ids = append(ids, h.BuildingID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	names, err := s.Compounds.PlaceNames(ctx, s.db.Reader(), ids)
	for i := range hs {
		hs[i].CompoundName, hs[i].BuildingName = names[hs[i].CompoundID], names[hs[i].BuildingID]
	}
	return err
}

// sealHouse returns the sealed and masked room and owner phone of house id.
func (s *Service) sealHouse(id string, in HouseInput, phone string) (room, roomMasked, ownerPhone, ownerMasked string) {
	if in.Room != "" {
		room, roomMasked = s.vault.Seal("houses.room", id, in.Room), maskRoom(in.Room)
	}
	if phone != "" {
		ownerPhone, ownerMasked = s.vault.Seal("houses.owner_phone", id, phone), pii.MaskPhone(phone)
	}
	return
}

// insertHouse writes a checked new house.
func (s *Service) insertHouse(ctx context.Context, tx db.Querier, id string, in HouseInput, phone string, pl Place, action string) error {
	addr, err := s.addressID(ctx, tx, in.Address, pl)
	if err != nil {
		return err
	}
	room, roomMasked, ownerPhone, ownerMasked := s.sealHouse(id, in, phone)
	now := s.Now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `INSERT INTO houses (id, address_id, room_sealed, room_masked, purpose, area_m2, owner_name, owner_phone_sealed,
		owner_phone_masked, grid_id, org_id, path, compound_id, building_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, addr, room, roomMasked, in.Purpose, in.AreaM2, in.OwnerName, ownerPhone, ownerMasked, pl.GridID, pl.OrgID, pl.Path,
		regkit.Nullable(in.CompoundID), regkit.Nullable(in.BuildingID), now, now); err != nil {
		return err
	}
	if err := search.Index(ctx, tx, "house", id, pl.Path, in.Address, in.Address, in.OwnerName); err != nil {
		return err
	}
	return s.logChange(ctx, tx, "house", id, action)
}

// CreateHouse adds a house with the checks of an import row
// (checkNewHouse). key, when it names one, makes a retry answer with the
// house the first request added.
func (s *Service) CreateHouse(ctx context.Context, in HouseInput, key idem.Key) (House, error) {
	id, err := s.create(ctx, key, func(tx *db.Tx) (string, error) {
		phone, pl, err := s.checkNewHouse(ctx, tx, &in, authz.RegistryWrite)
		if err != nil {
			return "", err
		}
		id := db.NewID()
		if err := s.insertHouse(ctx, tx, id, in, phone, pl, "created"); err != nil {
			return "", err
		}
		return id, s.record(ctx, tx, authz.RegistryWrite, "registry.house_create", "house", id, "")
	})
	if err != nil {
		return House{}, err
	}
	return s.house(ctx, s.db.Reader(), id)
}

// SaveHouse creates (id "": CreateHouse without a key) or updates a house.
func (s *Service) SaveHouse(ctx context.Context, id string, in HouseInput) (House, error) {
	if id == "" {
		return s.CreateHouse(ctx, in, idem.Key{})
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.house(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryWrite, old.path) {
			return apperr.NotFoundf("house")
		}
		var roomS, phoneS string
		if err := tx.QueryRowContext(ctx, "SELECT room_sealed, owner_phone_sealed FROM houses WHERE id = ?", id).Scan(&roomS, &phoneS); err != nil {
			return err
		}
		plain, err := s.keepSealed(id, in.Clear, []sealedField{
			{"room", "houses.room", &in.Room, roomS}, {"owner_phone", "houses.owner_phone", &in.OwnerPhone, phoneS},
		})
		var f apperr.Fields
		if err := regkit.Collect(&f, err); err != nil {
			return err
		}
		phone, pl, err := s.checkAt(ctx, tx, in.PlaceInput, authz.RegistryWrite, f, func() (string, error) { return checkHouse(&in) })
		if err != nil {
			return err
		}
		if err := s.checkCompound(ctx, tx, &in, pl); err != nil {
			return err
		}
		addr, err := s.addressID(ctx, tx, in.Address, pl)
		if err != nil {
			return err
		}
		changed := diff(map[string][2]string{"address": {old.AddressID, addr}, "room": {plain["room"], in.Room}, "purpose": {old.Purpose, in.Purpose},
			"area_m2": {regkit.FloatText(old.AreaM2), regkit.FloatText(in.AreaM2)}, "owner_name": {old.OwnerName, in.OwnerName},
			"owner_phone": {plain["owner_phone"], phone}, "grid_id": {old.GridID, pl.GridID},
			"compound_id": {old.CompoundID, in.CompoundID}, "building_id": {old.BuildingID, in.BuildingID}})
		room, roomMasked, ownerPhone, ownerMasked := s.sealHouse(id, in, phone)
		if err := regkit.Bump(ctx, tx, s.Now(), "houses", id, in.Version, old.Version, `address_id = ?, room_sealed = ?, room_masked = ?, purpose = ?, area_m2 = ?,
			owner_name = ?, owner_phone_sealed = ?, owner_phone_masked = ?, grid_id = ?, org_id = ?, path = ?, compound_id = ?, building_id = ?`,
			addr, room, roomMasked, in.Purpose, in.AreaM2, in.OwnerName, ownerPhone, ownerMasked, pl.GridID, pl.OrgID, pl.Path,
			regkit.Nullable(in.CompoundID), regkit.Nullable(in.BuildingID)); err != nil {
			return err
		}
		if err := search.Index(ctx, tx, "house", id, pl.Path, in.Address, in.Address, in.OwnerName); err != nil {
			return err
		}
		if err := s.logChange(ctx, tx, "house", id, "changed", changed...); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.house_update", "house", id, strings.Join(changed, ","))
	})
	if err != nil {
		return House{}, err
	}
	return s.house(ctx, s.db.Reader(), id)
}

// maskRoom keeps the first character of a room number: 1502 → 1***.
func maskRoom(r string) string {
	rs := []rune(r)
	if len(rs) <= 1 {
		return "*"
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-1)
}

func (s *Service) house(ctx context.Context, q db.Querier, id string) (House, error) {
	h, err := scanHouse(q.QueryRowContext(ctx, "SELECT "+houseCols+houseFrom+" WHERE x.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, apperr.NotFoundf("house")
	}
	if err != nil {
		return h, err
	}
	hs := []House{h}
	err = s.nameCompounds(ctx, hs)
	return hs[0], err
}

// GetHouse returns a house with the people living in it and its history.
func (s *Service) GetHouse(ctx context.Context, id string) (House, error) {
	h, err := s.house(ctx, s.db.Reader(), id)
	if err != nil || !authz.From(ctx).Covers(authz.RegistryRead, h.path) {
		return House{}, errors.Join(err, apperr.NotFoundf("house"))
	}
	if h.People, err = s.queryPeople(ctx, " AND p.house_id = ?", []any{id}, 200); err != nil {
		return h, err
	}
	if h.History, err = s.history(ctx, "house", id); err != nil {
		return h, err
	}
	return h, s.readAudited(ctx, authz.RegistryRead, "registry.house_read", "house", id, "")
}

// ---- units (实有单位) ----

// UnitInput is an enterprise, shop or organisation.
type UnitInput struct {
	Name        string `json:"name"`
	CreditCode  string `json:"credit_code,omitempty"` // 统一社会信用代码
	Kind        string `json:"kind"`
	LegalPerson string `json:"legal_person,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Address     string `json:"address,omitempty"`
	Employees   *int   `json:"employees,omitempty"`
	PlaceInput
	Version int `json:"version,omitempty"`
	// On update, an empty or omitted phone keeps the stored value; name it
	// here to empty it instead.
	Clear []string `json:"clear,omitempty"`
}

// Unit is one unit of the register.
type Unit struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	CreditCode  string `json:"credit_code"`
	Kind        string `json:"kind"`
	LegalPerson string `json:"legal_person"`
	PhoneMasked string `json:"phone_masked"`
	Address     string `json:"address"`
	Employees   *int   `json:"employees"`
	Located
	Status    string `json:"status"`
	Version   int    `json:"version"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`

	Staff   []Person `json:"staff,omitempty"`
	History []Change `json:"history,omitempty"`
}

const unitCols = `x.id, x.name, COALESCE(x.credit_code, ''), x.kind, x.legal_person, x.phone_masked, x.address, x.employees, ` + locatedCols +
	`, x.status, x.version, x.created_at, x.updated_at`

func scanUnit(sc interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	var emp sql.NullInt64
	dest := append([]any{&u.ID, &u.Name, &u.CreditCode, &u.Kind, &u.LegalPerson, &u.PhoneMasked, &u.Address, &emp}, u.Located.dest()...)
	err := sc.Scan(append(dest, &u.Status, &u.Version, &u.CreatedAt, &u.UpdatedAt)...)
	if emp.Valid {
		n := int(emp.Int64)
		u.Employees = &n
	}
	return u, err
}

// creditCodeChars are the characters of a 统一社会信用代码 (GB 32100-2015),
// whose index is their value.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// validCreditCode checks an 18-character unified social credit code and its
// check character.
func validCreditCode(c string) bool {
	if len(c) != 18 {
		return false
	}
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(creditCodeChars, c[i])
		if v < 0 {
			return false
		}
		sum += v * weights[i]
	}
	return c[17] == creditCodeChars[(31-sum%31)%31]
}

// checkUnit validates a unit and returns its normalized phone.
func checkUnit(in *UnitInput) (string, error) {
	var f apperr.Fields
	in.Name, in.CreditCode = strings.TrimSpace(in.Name), strings.ToUpper(strings.TrimSpace(in.CreditCode))
	if in.Name == "" {
		f.Add("name", "registry.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 100)
	regkit.CheckLen(&f, "legal_person", in.LegalPerson, 50)
	regkit.CheckLen(&f, "address", in.Address, 200)
	regkit.OneOf(&f, "kind", in.Kind, UnitKinds, true)
	if in.CreditCode != "" && !validCreditCode(in.CreditCode) {
		f.Add("credit_code", "registry.credit_code_invalid")
	}
	if in.Employees != nil && (*in.Employees < 0 || *in.Employees > 1000000) {
		f.Add("employees", "registry.number_range", "min", 0, "max", 1000000)
	}
	phone := ""
	if strings.TrimSpace(in.Phone) != "" {
		p, err := pii.NormalizePhone("phone", in.Phone)
		if err != nil {
			f = append(f, apperr.As(err).Fields...)
		}
		phone = p
	}
	return phone, f.Err()
}

// checkNewUnit is the one check of a new unit, from the form (CreateUnit)
// or an import row (LoadUnit): its fields, its grid (where the caller must
// hold perm), and its credit code new in the register. It returns the
// normalized phone.
func (s *Service) checkNewUnit(ctx context.Context, q db.Querier, in *UnitInput, perm authz.Perm) (string, Place, error) {
	phone, pl, err := s.checkAt(ctx, q, in.PlaceInput, perm, nil, func() (string, error) { return checkUnit(in) })
	if err != nil || in.CreditCode == "" {
		return phone, pl, err
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM register_units WHERE credit_code = ?", in.CreditCode).Scan(&n); err != nil {
		return phone, pl, err
	}
	if n > 0 {
		return phone, pl, apperr.Field("credit_code", "registry.credit_code_taken")
	}
	return phone, pl, nil
}

func (s *Service) sealUnit(id, phone string) (sealed, masked string) {
	if phone == "" {
		return "", ""
	}
	return s.vault.Seal("units.phone", id, phone), pii.MaskPhone(phone)
}

// insertUnit writes a checked new unit.
func (s *Service) insertUnit(ctx context.Context, tx db.Querier, id string, in UnitInput, phone string, pl Place, action string) error {
	sealed, masked := s.sealUnit(id, phone)
	now := s.Now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO register_units (id, name, credit_code, kind, legal_person, phone_sealed, phone_masked, address, employees,
		grid_id, org_id, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, in.Name, regkit.Nullable(in.CreditCode), in.Kind, in.LegalPerson, sealed, masked, in.Address, in.Employees, pl.GridID, pl.OrgID, pl.Path, now, now)
	if db.IsUniqueViolation(err) {
		return apperr.Field("credit_code", "registry.credit_code_taken")
	}
	if err != nil {
		return err
	}
	if err := search.Index(ctx, tx, "unit", id, pl.Path, in.Name, in.Name, in.Address, in.LegalPerson); err != nil {
		return err
	}
	return s.logChange(ctx, tx, "unit", id, action)
}

// CreateUnit adds a unit with the checks of an import row (checkNewUnit).
// key, when it names one, makes a retry answer with the unit the first
// request added.
func (s *Service) CreateUnit(ctx context.Context, in UnitInput, key idem.Key) (Unit, error) {
	id, err := s.create(ctx, key, func(tx *db.Tx) (string, error) {
		phone, pl, err := s.checkNewUnit(ctx, tx, &in, authz.RegistryWrite)
		if err != nil {
			return "", err
		}
		id := db.NewID()
		if err := s.insertUnit(ctx, tx, id, in, phone, pl, "created"); err != nil {
			return "", err
		}
		return id, s.record(ctx, tx, authz.RegistryWrite, "registry.unit_create", "unit", id, "")
	})
	if err != nil {
		return Unit{}, err
	}
	return s.unit(ctx, s.db.Reader(), id)
}

// SaveUnit creates (id "": CreateUnit without a key) or updates a unit.
func (s *Service) SaveUnit(ctx context.Context, id string, in UnitInput) (Unit, error) {
	if id == "" {
		return s.CreateUnit(ctx, in, idem.Key{})
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.unit(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryWrite, old.path) {
			return apperr.NotFoundf("unit")
		}
		var phoneS string
		if err := tx.QueryRowContext(ctx, "SELECT phone_sealed FROM register_units WHERE id = ?", id).Scan(&phoneS); err != nil {
			return err
		}
		plain, err := s.keepSealed(id, in.Clear, []sealedField{{"phone", "units.phone", &in.Phone, phoneS}})
		var f apperr.Fields
		if err := regkit.Collect(&f, err); err != nil {
			return err
		}
		phone, pl, err := s.checkAt(ctx, tx, in.PlaceInput, authz.RegistryWrite, f, func() (string, error) { return checkUnit(&in) })
		if err != nil {
			return err
		}
		changed := diff(map[string][2]string{"name": {old.Name, in.Name}, "credit_code": {old.CreditCode, in.CreditCode}, "kind": {old.Kind, in.Kind},
			"legal_person": {old.LegalPerson, in.LegalPerson}, "phone": {plain["phone"], phone}, "address": {old.Address, in.Address},
			"employees": {intText(old.Employees), intText(in.Employees)}, "grid_id": {old.GridID, pl.GridID}})
		sealed, masked := s.sealUnit(id, phone)
		err = regkit.Bump(ctx, tx, s.Now(), "register_units", id, in.Version, old.Version, `name = ?, credit_code = ?, kind = ?, legal_person = ?, phone_sealed = ?, phone_masked = ?,
			address = ?, employees = ?, grid_id = ?, org_id = ?, path = ?`,
			in.Name, regkit.Nullable(in.CreditCode), in.Kind, in.LegalPerson, sealed, masked, in.Address, in.Employees, pl.GridID, pl.OrgID, pl.Path)
		if db.IsUniqueViolation(err) {
			return apperr.Field("credit_code", "registry.credit_code_taken")
		}
		if err != nil {
			return err
		}
		if err := search.Index(ctx, tx, "unit", id, pl.Path, in.Name, in.Name, in.Address, in.LegalPerson); err != nil {
			return err
		}
		if err := s.logChange(ctx, tx, "unit", id, "changed", changed...); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.unit_update", "unit", id, strings.Join(changed, ","))
	})
	if err != nil {
		return Unit{}, err
	}
	return s.unit(ctx, s.db.Reader(), id)
}

func intText(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func (s *Service) unit(ctx context.Context, q db.Querier, id string) (Unit, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, "SELECT "+unitCols+" FROM register_units x"+locatedJoin+" WHERE x.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.NotFoundf("unit")
	}
	return u, err
}

// GetUnit returns a unit with the people working there and its history.
func (s *Service) GetUnit(ctx context.Context, id string) (Unit, error) {
	u, err := s.unit(ctx, s.db.Reader(), id)
	if err != nil || !authz.From(ctx).Covers(authz.RegistryRead, u.path) {
		return Unit{}, errors.Join(err, apperr.NotFoundf("unit"))
	}
	if u.Staff, err = s.queryPeople(ctx, " AND p.unit_id = ?", []any{id}, 200); err != nil {
		return u, err
	}
	if u.History, err = s.history(ctx, "unit", id); err != nil {
		return u, err
	}
	return u, s.readAudited(ctx, authz.RegistryRead, "registry.unit_read", "unit", id, "")
}

// ---- lists ----

// ListQuery filters a register list: an area, a grid, a code column, a
// text (the lists that have one) and a page.
type ListQuery struct {
	OrgID, GridID, Kind string
	// CompoundID and BuildingID filter houses.
	CompoundID, BuildingID string
	Q                      string
	After                  string
	Limit                  int
	// extra is more conditions on the rows, with their arguments.
	extra     string
	extraArgs []any
}

func (q ListQuery) where(ctx context.Context, s *Service, kindCol string) (string, []any, error) {
	var b strings.Builder
	var args []any
	if q.OrgID != "" {
		cond, cargs, err := regkit.InArea(ctx, s.db.Reader(), "x.path", q.OrgID)
		if err != nil {
			return "", nil, err
		}
		b.WriteString(" AND " + cond)
		args = append(args, cargs...)
	}
	if q.GridID != "" {
		b.WriteString(" AND x.grid_id = ?")
		args = append(args, q.GridID)
	}
	if q.Kind != "" && kindCol != "" {
		b.WriteString(" AND " + kindCol + " = ?")
		args = append(args, q.Kind)
	}
	b.WriteString(q.extra)
	args = append(args, q.extraArgs...)
	return b.String(), args, nil
}

// list runs a register list query in the caller's scope and pages it.
// sel selects from table, aliased x.
func list[T any](ctx context.Context, s *Service, table, sel string, q ListQuery, kindCol string, scan func(interface{ Scan(...any) error }) (T, error), id func(T) string) ([]T, string, error) {
	where, args := regkit.PageAfter("x", table, q.After)
	w, wargs, err := q.where(ctx, s, kindCol)
	if err != nil {
		return nil, "", err
	}
	where, args = where+w, append(args, wargs...)
	scope, sargs := authz.ScopeSQL("x.path", authz.From(ctx).Scopes(authz.RegistryRead))
	limit := regkit.ClampLimit(q.Limit)
	rows, err := s.db.Reader().QueryContext(ctx, sel+" WHERE x.status = 'active'"+where+" AND "+scope+regkit.ListOrder("x")+" LIMIT ?", append(append(args, sargs...), limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = id(out[limit-1])
	}
	return out, next, rows.Err()
}

// ListHouseholds lists households in scope.
func (s *Service) ListHouseholds(ctx context.Context, q ListQuery) ([]Household, string, error) {
	return list(ctx, s, "households", "SELECT "+householdCols+" FROM households x"+locatedJoin, q, "", scanHousehold, func(h Household) string { return h.ID })
}

// ListHouses lists houses in scope; Kind filters by purpose (rental …).
// CompoundID and BuildingID filter by compound and building.
func (s *Service) ListHouses(ctx context.Context, q ListQuery) ([]House, string, error) {
	for _, f := range []struct{ col, v string }{{"x.compound_id", q.CompoundID}, {"x.building_id", q.BuildingID}} {
		if f.v != "" {
			q.extra, q.extraArgs = q.extra+" AND "+f.col+" = ?", append(q.extraArgs, f.v)
		}
	}
	hs, next, err := list(ctx, s, "houses", "SELECT "+houseCols+houseFrom, q, "x.purpose", scanHouse, func(h House) string { return h.ID })
	if err == nil {
		err = s.nameCompounds(ctx, hs)
	}
	return hs, next, err
}

// ListUnits lists units in scope; Kind filters by unit kind.
func (s *Service) ListUnits(ctx context.Context, q ListQuery) ([]Unit, string, error) {
	return list(ctx, s, "register_units", "SELECT "+unitCols+" FROM register_units x"+locatedJoin, q, "x.kind", scanUnit, func(u Unit) string { return u.ID })
}
