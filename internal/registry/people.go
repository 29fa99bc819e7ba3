package registry

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/registry/search"
)

// Codes of the people register.
var (
	PersonKinds = []string{"registered", "floating", "foreign", "unregistered"} // 户籍, 流动, 境外, 未落户
	LeftBehind  = []string{"elderly", "woman", "child"}                         // 留守老人, 留守妇女, 留守儿童
	Relations   = []string{"head", "spouse", "child", "parent", "grandchild", "sibling", "other"}
	Residences  = []string{"owner", "tenant", "other"}
	Sexes       = []string{"male", "female"}
	PersonState = []string{"active", "moved_out", "deceased"}
)

// PersonInput is what a grid member enters for a person.
type PersonInput struct {
	Name          string `json:"name"`
	IDNumber      string `json:"id_number,omitempty"`
	Kind          string `json:"kind"`
	Sex           string `json:"sex,omitempty"`
	BirthDate     string `json:"birth_date,omitempty"` // from the ID number when there is one; on update, empty keeps the stored date
	LeftBehind    string `json:"left_behind,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Address       string `json:"address,omitempty"`        // coarse, to the building
	AddressDetail string `json:"address_detail,omitempty"` // precise, to the room: sealed
	HouseholdID   string `json:"household_id,omitempty"`
	Relation      string `json:"relation,omitempty"`
	HouseID       string `json:"house_id,omitempty"`
	Residence     string `json:"residence,omitempty"`
	UnitID        string `json:"unit_id,omitempty"`
	Note          string `json:"note,omitempty"`
	PlaceInput
	Version int `json:"version,omitempty"` // on update: the version read
	// On update, an empty or omitted sealed field (id_number, phone,
	// address_detail) keeps the stored value; the fields named here are
	// emptied instead.
	Clear []string `json:"clear,omitempty"`
}

// Person is a person as lists and pages show it: personal values masked,
// and the age in years instead of the birth date, which is digits 7–14 of
// the ID number (docs/registry.md, "What a masked value shows").
type Person struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Sex           string `json:"sex"`
	Age           *int   `json:"age"` // null without a birth date
	LeftBehind    string `json:"left_behind"`
	IDMasked      string `json:"id_number_masked"`
	PhoneMasked   string `json:"phone_masked"`
	Address       string `json:"address"`
	AddressMasked string `json:"address_detail_masked"`
	HouseholdID   string `json:"household_id"`
	HouseholdNo   string `json:"household_no"`
	Relation      string `json:"relation"`
	HouseID       string `json:"house_id"`
	Residence     string `json:"residence"`
	UnitID        string `json:"unit_id"`
	UnitName      string `json:"unit_name"`
	Note          string `json:"note"`
	GridID        string `json:"grid_id"`
	GridCode      string `json:"grid_code"`
	GridName      string `json:"grid_name"`
	OrgID         string `json:"org_id"`
	OrgName       string `json:"org_name"`
	Status        string `json:"status"`
	MovedInAt     *int64 `json:"moved_in_at"`
	MovedOutAt    *int64 `json:"moved_out_at"`
	Version       int    `json:"version"`
	CreatedAt     int64  `json:"created_at"`
	UpdatedAt     int64  `json:"updated_at"`
	path          string
	birth         string // YYYY-MM-DD, never sent: a reveal shows it

	// On the person's page only (the key-person records, care targets and
	// visits there are added by package keyperson).
	Members []Person   `json:"household_members,omitempty"`
	Events  []EventRef `json:"events,omitempty"`
	History []Change   `json:"history,omitempty"`
}

// EventRef is an event linked to a person (reported about their household's
// grid by their phone), shown on the person's page.
type EventRef struct {
	ID       string `json:"id"`
	No       string `json:"no"`
	Category string `json:"category"`
	State    string `json:"state"`
	At       int64  `json:"at"`
}

const personCols = `p.id, p.name, p.kind, p.sex, p.birth_date, p.left_behind, p.id_masked, p.phone_masked, p.address, p.address_masked,
	COALESCE(p.household_id, ''), COALESCE(h.no, ''), p.relation, COALESCE(p.house_id, ''), p.residence, COALESCE(p.unit_id, ''), COALESCE(un.name, ''),
	p.note, COALESCE(p.grid_id, ''), COALESCE(g.code, ''), COALESCE(g.name, ''), p.org_id, o.name, p.status, p.moved_in_at, p.moved_out_at,
	p.version, p.created_at, p.updated_at, p.path`

const personFrom = ` FROM people p JOIN org_nodes o ON o.id = p.org_id LEFT JOIN grids g ON g.id = p.grid_id
	LEFT JOIN households h ON h.id = p.household_id LEFT JOIN register_units un ON un.id = p.unit_id`

// scanPerson reads a person and works out their age on day now.
func scanPerson(sc interface{ Scan(...any) error }, now time.Time) (Person, error) {
	var p Person
	var in, out sql.NullInt64
	err := sc.Scan(&p.ID, &p.Name, &p.Kind, &p.Sex, &p.birth, &p.LeftBehind, &p.IDMasked, &p.PhoneMasked, &p.Address, &p.AddressMasked,
		&p.HouseholdID, &p.HouseholdNo, &p.Relation, &p.HouseID, &p.Residence, &p.UnitID, &p.UnitName,
		&p.Note, &p.GridID, &p.GridCode, &p.GridName, &p.OrgID, &p.OrgName, &p.Status, &in, &out, &p.Version, &p.CreatedAt, &p.UpdatedAt, &p.path)
	p.MovedInAt, p.MovedOutAt = regkit.Ptr(in), regkit.Ptr(out)
	if age, ok := pii.Age(p.birth, now); ok {
		p.Age = &age
	}
	return p, err
}

// personRow is a validated person ready to write: plain values already
// sealed, blind-indexed and masked.
type personRow struct {
	in                               PersonInput
	place                            Place
	idBlind, phoneBlind              any
	idSealed, phoneSealed, addrSeal  string
	idMasked, phoneMasked, addrMask  string
	sex, birth                       string
	idPlain, phonePlain, detailPlain string
	// dupOf is the record of the same ID number in an area the caller
	// cannot see: this one is then kept as a pending duplicate for review.
	dupOf string
}

// checkPerson validates in (field problems collected in f) and normalizes
// its personal values; it does not touch the database.
func checkPerson(in *PersonInput, f *apperr.Fields, now time.Time) (idNorm, phone string, sex, birth string) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		f.Add("name", "registry.required")
	}
	regkit.CheckLen(f, "name", in.Name, 50)
	regkit.OneOf(f, "kind", in.Kind, PersonKinds, true)
	regkit.OneOf(f, "left_behind", in.LeftBehind, LeftBehind, false)
	regkit.OneOf(f, "relation", in.Relation, Relations, false)
	regkit.OneOf(f, "residence", in.Residence, Residences, false)
	regkit.OneOf(f, "sex", in.Sex, Sexes, false)
	regkit.CheckLen(f, "address", in.Address, 200)
	regkit.CheckLen(f, "address_detail", in.AddressDetail, 200)
	regkit.CheckLen(f, "note", in.Note, 1000)
	sex, birth = in.Sex, strings.TrimSpace(in.BirthDate)
	if birth != "" {
		if d, err := time.Parse("2006-01-02", birth); err != nil || d.After(now) || d.Year() < 1900 {
			f.Add("birth_date", "registry.date_invalid")
		}
	}
	if in.IDNumber = strings.TrimSpace(in.IDNumber); in.IDNumber != "" {
		info, err := pii.ParseID("id_number", in.IDNumber)
		if err != nil {
			*f = append(*f, apperr.As(err).Fields...)
		} else {
			idNorm = info.Number
			sex, birth = "female", info.Birth.Format("2006-01-02")
			if info.Male {
				sex = "male"
			}
		}
	} else if in.Kind == "registered" || in.Kind == "floating" {
		f.Add("id_number", "registry.id_required")
	}
	if in.Phone = strings.TrimSpace(in.Phone); in.Phone != "" {
		p, err := pii.NormalizePhone("phone", in.Phone)
		if err != nil {
			*f = append(*f, apperr.As(err).Fields...)
		}
		phone = p
	}
	return idNorm, phone, sex, birth
}

// seal fills the sealed, blind and masked values of row r for record id.
func (s *Service) seal(r *personRow, id string) {
	if r.idPlain != "" {
		r.idBlind = s.vault.Blind("people.id_number", r.idPlain)
		r.idSealed = s.vault.Seal("people.id_number", id, r.idPlain)
		r.idMasked = pii.MaskID(r.idPlain)
	}
	if r.phonePlain != "" {
		r.phoneBlind = s.vault.Blind("people.phone", r.phonePlain)
		r.phoneSealed = s.vault.Seal("people.phone", id, r.phonePlain)
		r.phoneMasked = pii.MaskPhone(r.phonePlain)
	}
	if r.detailPlain != "" {
		r.addrSeal = s.vault.Seal("people.address", id, r.detailPlain)
		r.addrMask = pii.MaskAddress(r.detailPlain)
	}
}

// sealedField is a sealed column an update may leave out: its input field,
// its vault field and the stored sealed value.
type sealedField struct {
	name, vaultField string
	value            *string
	sealed           string
}

// keepSealed puts the stored value into each sealed input field left empty,
// because lists and pages carry only masked values and a client cannot send
// them back; a field named in clear is emptied instead (naming it and
// giving a value is refused). It returns the stored plain values by field
// name, for the change history.
func (s *Service) keepSealed(id string, clear []string, fields []sealedField) (map[string]string, error) {
	var f apperr.Fields
	emptied := map[string]bool{}
	for _, c := range clear {
		known := false
		for _, sf := range fields {
			known = known || sf.name == c
		}
		if !known {
			f.Add("clear", "registry.code_unknown", "value", c)
		}
		emptied[c] = true
	}
	plain := map[string]string{}
	for _, sf := range fields {
		if sf.sealed != "" {
			v, err := s.vault.Open(sf.vaultField, id, sf.sealed)
			if err != nil {
				return nil, err
			}
			plain[sf.name] = v
		}
		given := strings.TrimSpace(*sf.value) != ""
		switch {
		case emptied[sf.name] && given:
			f.Add(sf.name, "registry.clear_conflict")
		case emptied[sf.name]:
			*sf.value = ""
		case !given:
			*sf.value = plain[sf.name]
		}
	}
	return plain, f.Err()
}

// prepare validates a person, resolves its place (where the caller must
// hold perm) and links, and seals its personal values. Field problems come
// back together as one error. A new person, from the form or an import
// row, is checked by this one function (selfID "").
func (s *Service) prepare(ctx context.Context, q db.Querier, in PersonInput, selfID string, perm authz.Perm) (personRow, error) {
	var f apperr.Fields
	idNorm, phone, sex, birth := checkPerson(&in, &f, s.Now())
	r := personRow{in: in, sex: sex, birth: birth, idPlain: idNorm, phonePlain: phone, detailPlain: strings.TrimSpace(in.AddressDetail)}
	var err error
	r.place, err = s.place(ctx, q, in.PlaceInput, perm)
	if err := regkit.Collect(&f, err); err != nil { // a bad grid comes with the other field problems
		return r, err
	}
	if err := s.checkLinks(ctx, q, &in, &f); err != nil {
		return r, err
	}
	if idNorm != "" {
		taken, dupOf, err := s.sameID(ctx, q, s.vault.Blind("people.id_number", idNorm), selfID)
		if err != nil {
			return r, err
		}
		if taken {
			f.Add("id_number", "registry.id_taken")
		}
		r.dupOf = dupOf
	}
	return r, f.Err()
}

// checkLinks checks that the household, house and unit a person links to
// exist and lie in the caller's scope.
func (s *Service) checkLinks(ctx context.Context, q db.Querier, in *PersonInput, f *apperr.Fields) error {
	who := authz.From(ctx)
	for _, l := range []struct{ field, table, id string }{
		{"household_id", "households", in.HouseholdID}, {"house_id", "houses", in.HouseID}, {"unit_id", "register_units", in.UnitID},
	} {
		if l.id == "" {
			continue
		}
		var path string
		err := q.QueryRowContext(ctx, "SELECT path FROM "+l.table+" WHERE id = ? AND status = 'active'", l.id).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !who.Covers(authz.RegistryRead, path)) {
			f.Add(l.field, "registry.link_unknown")
			continue
		}
		if err != nil {
			return err
		}
	}
	if in.HouseholdID != "" && in.Relation == "" {
		f.Add("relation", "registry.required")
	}
	return nil
}

// insertPerson writes a prepared person with id and its search entry.
func (s *Service) insertPerson(ctx context.Context, tx db.Querier, id string, r personRow, action string) error {
	s.seal(&r, id)
	now := s.Now().UnixMilli()
	in := r.in
	_, err := tx.ExecContext(ctx, `INSERT INTO people (id, name, sex, birth_date, kind, left_behind, id_blind, id_sealed, id_masked,
		phone_blind, phone_sealed, phone_masked, address, address_sealed, address_masked, household_id, relation, house_id, residence, unit_id,
		note, grid_id, org_id, path, moved_in_at, created_at, updated_at, dup_of)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, in.Name, r.sex, r.birth, in.Kind, in.LeftBehind, r.idBlind, r.idSealed, r.idMasked,
		r.phoneBlind, r.phoneSealed, r.phoneMasked, strings.TrimSpace(in.Address), r.addrSeal, r.addrMask, regkit.Nullable(in.HouseholdID), in.Relation,
		regkit.Nullable(in.HouseID), in.Residence, regkit.Nullable(in.UnitID), in.Note, r.place.GridID, r.place.OrgID, r.place.Path, now, now, now, regkit.Nullable(r.dupOf))
	if db.IsUniqueViolation(err) {
		return apperr.Field("id_number", "registry.id_taken")
	}
	if err != nil {
		return err
	}
	if err := search.Index(ctx, tx, "person", id, r.place.Path, in.Name, in.Name, in.Address); err != nil {
		return err
	}
	if err := s.logChange(ctx, tx, "person", id, action); err != nil {
		return err
	}
	return s.reviewDuplicate(ctx, tx, id, r.dupOf)
}

// CreatePerson adds a person to the register with the checks of an
// import row (LoadPerson). key, when it names one, makes a retry answer
// with the person the first request added.
func (s *Service) CreatePerson(ctx context.Context, in PersonInput, key idem.Key) (Person, error) {
	id, err := s.create(ctx, key, func(tx *db.Tx) (string, error) {
		r, err := s.prepare(ctx, tx, in, "", authz.RegistryWrite)
		if err != nil {
			return "", err
		}
		id := db.NewID()
		if err := s.insertPerson(ctx, tx, id, r, "created"); err != nil {
			return "", err
		}
		return id, s.record(ctx, tx, authz.RegistryWrite, "registry.person_create", "person", id, "")
	})
	if err != nil {
		return Person{}, err
	}
	return s.person(ctx, s.db.Reader(), id)
}

// UpdatePerson replaces a person's values; in.Version must be the version
// read, so two people editing at once cannot both win.
func (s *Service) UpdatePerson(ctx context.Context, id string, in PersonInput) (Person, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryWrite, old.path) {
			return apperr.NotFoundf("person")
		}
		if in.Version != old.Version {
			return apperr.E(apperr.Conflict, "registry.stale", "version", old.Version)
		}
		// Pages show the age, never the birth date: an empty date keeps
		// the stored one, and "birth_date" in clear empties it.
		clearBirth := slices.Contains(in.Clear, "birth_date")
		in.Clear = slices.DeleteFunc(slices.Clone(in.Clear), func(c string) bool { return c == "birth_date" })
		if strings.TrimSpace(in.BirthDate) == "" && !clearBirth {
			in.BirthDate = old.birth
		}
		var idS, phoneS, addrS string
		if err := tx.QueryRowContext(ctx, "SELECT id_sealed, phone_sealed, address_sealed FROM people WHERE id = ?", id).Scan(&idS, &phoneS, &addrS); err != nil {
			return err
		}
		plain, err := s.keepSealed(id, in.Clear, []sealedField{
			{"id_number", "people.id_number", &in.IDNumber, idS}, {"phone", "people.phone", &in.Phone, phoneS},
			{"address_detail", "people.address", &in.AddressDetail, addrS},
		})
		// A refused clear comes with the other field problems.
		var f apperr.Fields
		if err := regkit.Collect(&f, err); err != nil {
			return err
		}
		r, err := s.prepare(ctx, tx, in, id, authz.RegistryWrite)
		if err := regkit.Collect(&f, err); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		s.seal(&r, id)
		changed := diff(map[string][2]string{
			"name": {old.Name, r.in.Name}, "kind": {old.Kind, r.in.Kind}, "sex": {old.Sex, r.sex}, "birth_date": {old.birth, r.birth},
			"left_behind": {old.LeftBehind, r.in.LeftBehind}, "id_number": {plain["id_number"], r.idPlain}, "phone": {plain["phone"], r.phonePlain},
			"address": {old.Address, strings.TrimSpace(r.in.Address)}, "address_detail": {plain["address_detail"], r.detailPlain},
			"household_id": {old.HouseholdID, r.in.HouseholdID}, "relation": {old.Relation, r.in.Relation}, "house_id": {old.HouseID, r.in.HouseID},
			"residence": {old.Residence, r.in.Residence}, "unit_id": {old.UnitID, r.in.UnitID}, "note": {old.Note, r.in.Note}, "grid_id": {old.GridID, r.place.GridID},
		})
		if len(changed) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE people SET name = ?, sex = ?, birth_date = ?, kind = ?, left_behind = ?, id_blind = ?, id_sealed = ?, id_masked = ?,
			phone_blind = ?, phone_sealed = ?, phone_masked = ?, address = ?, address_sealed = ?, address_masked = ?, household_id = ?, relation = ?,
			house_id = ?, residence = ?, unit_id = ?, note = ?, grid_id = ?, org_id = ?, path = ?, dup_of = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			r.in.Name, r.sex, r.birth, r.in.Kind, r.in.LeftBehind, r.idBlind, r.idSealed, r.idMasked, r.phoneBlind, r.phoneSealed, r.phoneMasked,
			strings.TrimSpace(r.in.Address), r.addrSeal, r.addrMask, regkit.Nullable(r.in.HouseholdID), r.in.Relation, regkit.Nullable(r.in.HouseID), r.in.Residence,
			regkit.Nullable(r.in.UnitID), r.in.Note, r.place.GridID, r.place.OrgID, r.place.Path, regkit.Nullable(r.dupOf), s.Now().UnixMilli(), id, in.Version)
		if db.IsUniqueViolation(err) {
			return apperr.Field("id_number", "registry.id_taken")
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "registry.stale", "version", old.Version)
		}
		if r.place.Path != old.path {
			if err := s.tell(func(f Follower) error { return f.PersonMoved(ctx, tx, id, r.place.Path) }); err != nil {
				return err
			}
		}
		if err := search.Index(ctx, tx, "person", id, r.place.Path, r.in.Name, r.in.Name, r.in.Address); err != nil {
			return err
		}
		if err := s.reviewDuplicate(ctx, tx, id, r.dupOf); err != nil {
			return err
		}
		if err := s.logChange(ctx, tx, "person", id, "changed", changed...); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.person_update", "person", id, strings.Join(changed, ","))
	})
	if err != nil {
		return Person{}, err
	}
	return s.person(ctx, s.db.Reader(), id)
}

// diff lists, sorted, the names of the fields whose old and new values
// differ.
func diff(m map[string][2]string) []string {
	var out []string
	for k, v := range m {
		if v[0] != v[1] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// SetStatus records a move out, a move back in, or a death. version must be
// the version read, as for an edit: a stale page must not undo a death
// recorded meanwhile. A deceased person neither moves back nor moves out.
func (s *Service) SetStatus(ctx context.Context, id, status string, version int) (Person, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "status", status, PersonState, true)
	if err := f.Err(); err != nil {
		return Person{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryWrite, old.path) {
			return apperr.NotFoundf("person")
		}
		if version != old.Version {
			return apperr.E(apperr.Conflict, "registry.stale", "version", old.Version)
		}
		if old.Status == status {
			return nil
		}
		if old.Status == "deceased" {
			return apperr.E(apperr.Conflict, "registry.person_deceased")
		}
		now := s.Now().UnixMilli()
		q := "UPDATE people SET status = ?, moved_out_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?"
		args := []any{status, now, now, id, version}
		action := map[string]string{"moved_out": "moved_out", "deceased": "deceased", "active": "moved_in"}[status]
		if status == "active" {
			q = "UPDATE people SET status = ?, moved_in_at = ?, moved_out_at = NULL, version = version + 1, updated_at = ? WHERE id = ? AND version = ?"
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "registry.stale", "version", old.Version)
		}
		if err := s.logChange(ctx, tx, "person", id, action); err != nil {
			return err
		}
		if status == "deceased" {
			if err := s.tell(func(f Follower) error { return f.PersonDied(ctx, tx, id, now) }); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.person_"+action, "person", id, "")
	})
	if err != nil {
		return Person{}, err
	}
	return s.person(ctx, s.db.Reader(), id)
}

// DeletePerson removes a person for good: the row and every sealed value
// (with SQLite's secure_delete the freed pages are zeroed too), their
// care-target and key-person records, visits and search entry. The audit
// log keeps that it happened, never the values.
func (s *Service) DeletePerson(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		old, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryWrite, old.path) {
			return apperr.NotFoundf("person")
		}
		return s.purgePerson(ctx, tx, id, "deleted")
	})
}

// purgePerson removes a person and everything sealed about them; with
// secure_delete on SQLite the pages are overwritten, not just freed.
func (s *Service) purgePerson(ctx context.Context, tx *db.Tx, id, action string) error {
	if err := s.tell(func(f Follower) error { return f.PersonRemoved(ctx, tx, id) }); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM people WHERE id = ?", id); err != nil {
		return err
	}
	if err := search.Unindex(ctx, tx, "person", id); err != nil {
		return err
	}
	// After the row is gone: a pending duplicate may become the registered record.
	if err := s.dropDuplicateReviews(ctx, tx, id); err != nil {
		return err
	}
	if err := s.logChange(ctx, tx, "person", id, action); err != nil {
		return err
	}
	return s.record(ctx, tx, authz.RegistryWrite, "registry.person_"+map[string]string{"deleted": "delete", "expired": "expire", "merged": "merge"}[action], "person", id, "")
}

// person loads one person without the scope check (callers check).
func (s *Service) person(ctx context.Context, q db.Querier, id string) (Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, "SELECT "+personCols+personFrom+" WHERE p.id = ?", id), s.Now().In(regkit.Shanghai))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFoundf("person")
	}
	return p, err
}

// GetPerson returns the register part of a person's page: household
// members, events and history (package keyperson adds the key-person and
// care records). The read is audited.
func (s *Service) GetPerson(ctx context.Context, id string) (Person, error) {
	p, err := s.person(ctx, s.db.Reader(), id)
	if err != nil {
		return p, err
	}
	if !authz.From(ctx).Covers(authz.RegistryRead, p.path) {
		return Person{}, apperr.NotFoundf("person")
	}
	q := s.db.Reader()
	if p.HouseholdID != "" {
		if p.Members, err = s.queryPeople(ctx, " AND p.household_id = ? AND p.id <> ?", []any{p.HouseholdID, id}, 100); err != nil {
			return p, err
		}
	}
	if p.Events, err = s.personEvents(ctx, q, id); err != nil {
		return p, err
	}
	if p.History, err = s.history(ctx, "person", id); err != nil {
		return p, err
	}
	return p, s.readAudited(ctx, authz.RegistryRead, "registry.person_read", "person", id, "")
}

// personEvents lists the events reported with the person's phone number in
// their own village, newest first.
func (s *Service) personEvents(ctx context.Context, q db.Querier, id string) ([]EventRef, error) {
	out := []EventRef{}
	if !authz.From(ctx).Has(authz.EventRead) {
		return out, nil
	}
	var phoneSealed, path string
	if err := q.QueryRowContext(ctx, "SELECT phone_sealed, path FROM people WHERE id = ?", id).Scan(&phoneSealed, &path); err != nil || phoneSealed == "" {
		return out, err
	}
	phone, err := s.vault.Open("people.phone", id, phoneSealed)
	if err != nil {
		return out, err
	}
	scope, args := authz.ScopeSQL("e.path", authz.From(ctx).Scopes(authz.EventRead))
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.no, c.name, e.state, e.created_at, e.reporter_phone FROM events e
		JOIN categories c ON c.code = e.category_code WHERE e.path = ? AND e.reporter_phone <> '' AND `+scope+` ORDER BY e.created_at DESC LIMIT 200`,
		append([]any{path}, args...)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var e EventRef
		var sealed string
		if err := rows.Scan(&e.ID, &e.No, &e.Category, &e.State, &e.At, &sealed); err != nil {
			return out, err
		}
		if n, err := pii.NormalizePhone("phone", s.eventPhone(e.ID, sealed)); err == nil && n == phone {
			out = append(out, e)
		}
	}
	return out, rows.Err()
}

// PeopleQuery filters the people list.
type PeopleQuery struct {
	OrgID, GridID, Kind, Status, LeftBehind, Name string
	After                                         string
	Limit                                         int
}

// ListPeople lists people in the caller's scope, masked, by area and then
// oldest entry first.
func (s *Service) ListPeople(ctx context.Context, f PeopleQuery) ([]Person, string, error) {
	var where strings.Builder
	after, args := regkit.PageAfter("p", "people", f.After)
	where.WriteString(after)
	if f.OrgID != "" {
		cond, cargs, err := regkit.InArea(ctx, s.db.Reader(), "p.path", f.OrgID)
		if err != nil {
			return nil, "", err
		}
		where.WriteString(" AND " + cond)
		args = append(args, cargs...)
	}
	for _, c := range []struct{ col, v string }{{"p.grid_id", f.GridID}, {"p.kind", f.Kind}, {"p.status", f.Status}, {"p.left_behind", f.LeftBehind}} {
		if c.v != "" {
			where.WriteString(" AND " + c.col + " = ?")
			args = append(args, c.v)
		}
	}
	if f.Name != "" {
		where.WriteString(" AND p.name LIKE ?")
		args = append(args, strings.ReplaceAll(strings.ReplaceAll(f.Name, "%", ""), "_", "")+"%")
	}
	limit := regkit.ClampLimit(f.Limit)
	people, err := s.queryPeople(ctx, where.String(), args, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(people) > limit {
		people = people[:limit]
		next = people[limit-1].ID
	}
	return people, next, nil
}

func (s *Service) queryPeople(ctx context.Context, where string, args []any, limit int) ([]Person, error) {
	scope, sargs := authz.ScopeSQL("p.path", authz.From(ctx).Scopes(authz.RegistryRead))
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+personCols+personFrom+" WHERE 1 = 1"+where+" AND "+scope+regkit.ListOrder("p")+" LIMIT ?",
		append(append(args, sargs...), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Person{}
	now := s.Now().In(regkit.Shanghai)
	for rows.Next() {
		p, err := scanPerson(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Revealed holds the full values a reveal asked for.
type Revealed struct {
	IDNumber      *string `json:"id_number,omitempty"`
	Phone         *string `json:"phone,omitempty"`
	AddressDetail *string `json:"address_detail,omitempty"`
	BirthDate     *string `json:"birth_date,omitempty"`
}

// RevealInput names the fields to show in full and why.
type RevealInput struct {
	Fields []string `json:"fields"`
	Reason string   `json:"reason"`
}

// Reveal shows a person's full personal values to a caller holding
// personal.reveal over the person's area, for a stated reason; the audit
// row names the fields and the reason, never the values.
func (s *Service) Reveal(ctx context.Context, id string, in RevealInput) (Revealed, error) {
	var out Revealed
	var f apperr.Fields
	// The audit row keeps the reason: an ID or phone number typed into it
	// (the one being revealed, say) is masked like anywhere else.
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	if len([]rune(in.Reason)) < 4 {
		f.Add("reason", "registry.reason_required")
	}
	regkit.CheckLen(&f, "reason", in.Reason, 200)
	if len(in.Fields) == 0 {
		f.Add("fields", "registry.required")
	}
	for _, fl := range in.Fields {
		regkit.OneOf(&f, "fields", fl, []string{"id_number", "phone", "address_detail", "birth_date"}, true)
	}
	if err := f.Err(); err != nil {
		return out, err
	}
	var path, idS, phoneS, addrS, birth string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT path, id_sealed, phone_sealed, address_sealed, birth_date FROM people WHERE id = ?", id).Scan(&path, &idS, &phoneS, &addrS, &birth)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryRead, path)) {
		return out, apperr.NotFoundf("person")
	}
	if err != nil {
		return out, err
	}
	if !authz.From(ctx).Covers(authz.PersonalReveal, path) {
		return out, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	open := func(field, sealed string) (*string, error) {
		if sealed == "" {
			v := ""
			return &v, nil
		}
		v, err := s.vault.Open(field, id, sealed)
		return &v, err
	}
	for _, fl := range in.Fields {
		switch fl {
		case "id_number":
			out.IDNumber, err = open("people.id_number", idS)
		case "phone":
			out.Phone, err = open("people.phone", phoneS)
		case "address_detail":
			out.AddressDetail, err = open("people.address", addrS)
		case "birth_date": // not sealed, but never shown without a reveal
			out.BirthDate = &birth
		}
		if err != nil {
			return Revealed{}, err
		}
	}
	return out, s.readAudited(ctx, authz.PersonalReveal, "registry.person_reveal", "person", id, strings.Join(in.Fields, ",")+": "+in.Reason)
}

// PersonActive refuses (registry.person_not_active) a change that needs
// the person active: re-opening a record of a person who moved out or died.
func (s *Service) PersonActive(ctx context.Context, q db.Querier, personID string) error {
	var status string
	if err := q.QueryRowContext(ctx, "SELECT status FROM people WHERE id = ?", personID).Scan(&status); err != nil {
		return err
	}
	if status != "active" {
		return apperr.E(apperr.Conflict, "registry.person_not_active")
	}
	return nil
}

// PersonPlace returns the path and grid ("" for none) of person id, for the
// rooms that keep records about people; sql.ErrNoRows when there is no such
// person or, with active set, no such active person. It checks no scope.
func (s *Service) PersonPlace(ctx context.Context, q db.Querier, id string, active bool) (path, gridID string, err error) {
	cond := ""
	if active {
		cond = " AND status = 'active'"
	}
	err = q.QueryRowContext(ctx, "SELECT path, COALESCE(grid_id, '') FROM people WHERE id = ?"+cond, id).Scan(&path, &gridID)
	return path, gridID, err
}

// Card is what a room acting for a person shows of them (the 9-key call's
// urgent card, a psychological-protection record): the name, the coarse
// address and the precise one masked, the grid, the area.
type Card struct {
	Name          string `json:"name"`
	Address       string `json:"address"`
	AddressMasked string `json:"address_detail_masked"`
	GridID        string `json:"grid_id"`
	GridName      string `json:"grid_name"`
	OrgName       string `json:"org_name"`
	Path          string `json:"-"`
	Status        string `json:"status"`
}

// PersonCard returns the card of person id; sql.ErrNoRows when there is no
// such person. It checks no scope.
func (s *Service) PersonCard(ctx context.Context, q db.Querier, id string) (Card, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, "SELECT "+personCols+personFrom+" WHERE p.id = ?", id), s.Now().In(regkit.Shanghai))
	if err != nil {
		return Card{}, err
	}
	return Card{Name: p.Name, Address: p.Address, AddressMasked: p.AddressMasked, GridID: p.GridID, GridName: p.GridName,
		OrgName: p.OrgName, Path: p.path, Status: p.Status}, nil
}
