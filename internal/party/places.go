package party

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// CompoundRow is a compound as its list and page show it: with its area,
// grid, branch, buildings and problem figures.
type CompoundRow struct {
	Compound
	AreaName  string     `json:"area_name"`
	GridName  string     `json:"grid_name,omitempty"`
	Branch    string     `json:"branch,omitempty"` // its party branch's name
	BranchID  string     `json:"branch_id,omitempty"`
	Houses    int        `json:"houses"` // houses of the registers linked to it
	Problems  int        `json:"problems"`
	Solved    int        `json:"solved"`
	Open      int        `json:"open"`
	Buildings []Building `json:"buildings,omitempty"`
}

// CompoundInput creates or edits a compound.
type CompoundInput struct {
	OrgID           string   `json:"org_id"`
	GridID          string   `json:"grid_id,omitempty"`
	Name            string   `json:"name"`
	Address         string   `json:"address"`
	Lat             *float64 `json:"lat,omitempty"`
	Lng             *float64 `json:"lng,omitempty"`
	PropertyCompany string   `json:"property_company"`
	OwnersCommittee string   `json:"owners_committee"`
	Households      int      `json:"households"`
	Version         int      `json:"version,omitempty"`
}

// BuildingInput creates or edits a building. The head (楼栋长/邻里长) is
// a roster member (HeadWorkerID) or a name.
type BuildingInput struct {
	Name         string `json:"name"`
	Floors       int    `json:"floors,omitempty"`
	HeadName     string `json:"head_name"`
	HeadWorkerID string `json:"head_worker_id,omitempty"`
	GridID       string `json:"grid_id,omitempty"`
	Version      int    `json:"version,omitempty"`
}

// Compounds lists the compounds of the caller's areas (party.read), under
// orgID when given, by area and name, with their figures.
func (s *Service) Compounds(ctx context.Context, orgID string) ([]CompoundRow, error) {
	cond, args := readable(ctx, "c.path")
	if orgID != "" {
		c, a, err := regkit.InArea(ctx, s.db.Reader(), "c.path", orgID)
		if err != nil {
			return nil, err
		}
		cond, args = cond+" AND "+c, append(args, a...)
	}
	return s.compoundRows(ctx, cond+" AND c.status = 'active'", args...)
}

func (s *Service) compoundRows(ctx context.Context, cond string, args ...any) ([]CompoundRow, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.id, c.org_id, c.path, COALESCE(c.grid_id, ''), c.name, c.address, c.lat, c.lng,
		c.property_company, c.owners_committee, c.households, c.status, c.version, o.name, COALESCE(g.name, ''),
		COALESCE((SELECT p.name FROM party_orgs p WHERE p.compound_id = c.id AND p.form = 'compound' AND p.status = 'active' ORDER BY p.created_at LIMIT 1), ''),
		COALESCE((SELECT p.id FROM party_orgs p WHERE p.compound_id = c.id AND p.form = 'compound' AND p.status = 'active' ORDER BY p.created_at LIMIT 1), ''),
		(SELECT COUNT(*) FROM compound_problems x WHERE x.compound_id = c.id),
		(SELECT COUNT(*) FROM compound_problems x WHERE x.compound_id = c.id AND x.status = 'solved')
		FROM compounds c JOIN org_nodes o ON o.id = c.org_id LEFT JOIN grids g ON g.id = c.grid_id
		WHERE `+cond+` ORDER BY c.path, c.name, c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CompoundRow{}
	for rows.Next() {
		var r CompoundRow
		c := &r.Compound
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Path, &c.GridID, &c.Name, &c.Address, &c.Lat, &c.Lng, &c.PropertyCompany, &c.OwnersCommittee,
			&c.Households, &c.Status, &c.Version, &r.AreaName, &r.GridName, &r.Branch, &r.BranchID, &r.Problems, &r.Solved); err != nil {
			return nil, err
		}
		r.Open = r.Problems - r.Solved
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	houses, err := registry.HousesByCompound(ctx, s.db.Reader(), ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Houses = houses[out[i].ID]
	}
	return out, nil
}

// CompoundPage returns a compound with its buildings.
func (s *Service) CompoundPage(ctx context.Context, id string) (CompoundRow, error) {
	rs, err := s.compoundRows(ctx, "c.id = ?", id)
	if err != nil {
		return CompoundRow{}, err
	}
	if len(rs) == 0 || !authz.From(ctx).Covers(authz.PartyRead, rs[0].Path) {
		return CompoundRow{}, apperr.NotFoundf("compound")
	}
	r := rs[0]
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, compound_id, path, COALESCE(grid_id, ''), name, COALESCE(floors, 0), head_name,
		COALESCE(head_worker_id, ''), status, version FROM buildings WHERE compound_id = ? AND status = 'active' ORDER BY LENGTH(name), name, id`, id)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	r.Buildings = []Building{}
	for rows.Next() {
		var b Building
		if err := rows.Scan(&b.ID, &b.CompoundID, &b.Path, &b.GridID, &b.Name, &b.Floors, &b.HeadName, &b.HeadWorkerID, &b.Status, &b.Version); err != nil {
			return r, err
		}
		r.Buildings = append(r.Buildings, b)
	}
	return r, rows.Err()
}

func (s *Service) checkCompound(ctx context.Context, q db.Querier, in *CompoundInput) (string, error) {
	var f apperr.Fields
	in.Name, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	in.PropertyCompany, in.OwnersCommittee = strings.TrimSpace(in.PropertyCompany), strings.TrimSpace(in.OwnersCommittee)
	if in.Name == "" {
		f.Add("name", "party.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 60)
	regkit.CheckLen(&f, "address", in.Address, 200)
	regkit.CheckLen(&f, "property_company", in.PropertyCompany, 100)
	regkit.CheckLen(&f, "owners_committee", in.OwnersCommittee, 100)
	if in.Households < 0 || in.Households > 100000 {
		f.Add("households", "party.out_of_range", "min", 0, "max", 100000)
	}
	if (in.Lat == nil) != (in.Lng == nil) {
		f.Add("lat", "party.position_pair")
	}
	if in.Lat != nil && in.Lng != nil && (*in.Lat < -90 || *in.Lat > 90 || *in.Lng < -180 || *in.Lng > 180) {
		f.Add("lat", "party.position_invalid")
	}
	path, err := org.ActivePathIn(ctx, q, authz.PartyWrite, in.OrgID, "org_id")
	if err := regkit.Collect(&f, err); err != nil {
		return "", err
	}
	if path != "" {
		s.checkPlaces(ctx, q, &f, path, "", "", in.GridID)
	}
	return path, f.Err()
}

// nameTaken answers a compound or building name already used where it must be unique.
func nameTaken(ctx context.Context, q db.Querier, f *apperr.Fields, query, self string, args ...any) error {
	var n int
	if err := q.QueryRowContext(ctx, query+" AND id <> ?", append(args, self)...).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		f.Add("name", "party.name_taken")
	}
	return nil
}

// CreateCompound adds a compound to an area the caller keeps.
func (s *Service) CreateCompound(ctx context.Context, in CompoundInput) (CompoundRow, error) {
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := s.checkCompound(ctx, tx, &in)
		if err != nil {
			return err
		}
		var f apperr.Fields
		if err := nameTaken(ctx, tx, &f, "SELECT COUNT(*) FROM compounds WHERE org_id = ? AND name = ?", id, in.OrgID, in.Name); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO compounds (id, org_id, path, grid_id, name, address, lat, lng, property_company, owners_committee,
			households, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.OrgID, path, regkit.Nullable(in.GridID), in.Name,
			in.Address, in.Lat, in.Lng, in.PropertyCompany, in.OwnersCommittee, in.Households, now, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.compound_create", ObjectType: "compound", ObjectID: id})
	})
	if err != nil {
		return CompoundRow{}, err
	}
	return s.CompoundPage(ctx, id)
}

// UpdateCompound edits a compound (version-checked). It stays in its area.
func (s *Service) UpdateCompound(ctx context.Context, id string, in CompoundInput) (CompoundRow, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var path, orgID string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT path, org_id, version FROM compounds WHERE id = ?"+tx.ForUpdate(), id).Scan(&path, &orgID, &version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.PartyWrite, path)) {
			return apperr.NotFoundf("compound")
		}
		if err != nil {
			return err
		}
		in.OrgID = orgID
		if _, err := s.checkCompound(ctx, tx, &in); err != nil {
			return err
		}
		var f apperr.Fields
		if err := nameTaken(ctx, tx, &f, "SELECT COUNT(*) FROM compounds WHERE org_id = ? AND name = ?", id, in.OrgID, in.Name); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.bump(ctx, tx, "compounds", id, in.Version, version, `grid_id = ?, name = ?, address = ?, lat = ?, lng = ?, property_company = ?,
			owners_committee = ?, households = ?`, regkit.Nullable(in.GridID), in.Name, in.Address, in.Lat, in.Lng, in.PropertyCompany,
			in.OwnersCommittee, in.Households); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.compound_update", ObjectType: "compound", ObjectID: id})
	})
	if isConflict(err) {
		cur, gerr := s.CompoundPage(ctx, id)
		if gerr != nil {
			return CompoundRow{}, gerr
		}
		return CompoundRow{}, apperr.E(apperr.Conflict, "party.stale", "version", cur.Version, "current", cur)
	}
	if err != nil {
		return CompoundRow{}, err
	}
	return s.CompoundPage(ctx, id)
}

func (s *Service) checkBuilding(ctx context.Context, q db.Querier, in *BuildingInput, path string) error {
	var f apperr.Fields
	in.Name, in.HeadName = strings.TrimSpace(in.Name), strings.TrimSpace(in.HeadName)
	if in.Name == "" {
		f.Add("name", "party.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 30)
	regkit.CheckLen(&f, "head_name", in.HeadName, 30)
	if in.Floors < 0 || in.Floors > 200 {
		f.Add("floors", "party.out_of_range", "min", 0, "max", 200)
	}
	if in.HeadWorkerID != "" {
		w, err := org.WorkerByID(ctx, q, in.HeadWorkerID)
		if err != nil || !strings.HasPrefix(w.Path, path) || w.Status != "active" {
			f.Add("head_worker_id", "party.not_found")
		} else if in.HeadName == "" {
			in.HeadName = w.Name
		}
	}
	s.checkPlaces(ctx, q, &f, path, "", "", in.GridID)
	return f.Err()
}

// CreateBuilding adds a building to a compound the caller keeps.
func (s *Service) CreateBuilding(ctx context.Context, compoundID string, in BuildingInput) (CompoundRow, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := CompoundByID(ctx, tx, compoundID, "")
		if err == nil && !authz.From(ctx).Covers(authz.PartyWrite, c.Path) {
			err = apperr.NotFoundf("compound")
		}
		if err != nil {
			return err
		}
		if in.GridID == "" {
			in.GridID = c.GridID
		}
		if err := s.checkBuilding(ctx, tx, &in, c.Path); err != nil {
			return err
		}
		id := db.NewID()
		var f apperr.Fields
		if err := nameTaken(ctx, tx, &f, "SELECT COUNT(*) FROM buildings WHERE compound_id = ? AND name = ?", id, compoundID, in.Name); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO buildings (id, compound_id, path, grid_id, name, floors, head_name, head_worker_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, compoundID, c.Path, regkit.Nullable(in.GridID), in.Name, nullInt(in.Floors), in.HeadName,
			regkit.Nullable(in.HeadWorkerID), now, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.building_create", ObjectType: "building", ObjectID: id})
	})
	if err != nil {
		return CompoundRow{}, err
	}
	return s.CompoundPage(ctx, compoundID)
}

// UpdateBuilding edits a building (version-checked).
func (s *Service) UpdateBuilding(ctx context.Context, id string, in BuildingInput) (CompoundRow, error) {
	var compoundID string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var path string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT path, compound_id, version FROM buildings WHERE id = ?"+tx.ForUpdate(), id).Scan(&path, &compoundID, &version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.PartyWrite, path)) {
			return apperr.NotFoundf("building")
		}
		if err != nil {
			return err
		}
		if err := s.checkBuilding(ctx, tx, &in, path); err != nil {
			return err
		}
		var f apperr.Fields
		if err := nameTaken(ctx, tx, &f, "SELECT COUNT(*) FROM buildings WHERE compound_id = ? AND name = ?", id, compoundID, in.Name); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.bump(ctx, tx, "buildings", id, in.Version, version, "name = ?, floors = ?, head_name = ?, head_worker_id = ?, grid_id = ?",
			in.Name, nullInt(in.Floors), in.HeadName, regkit.Nullable(in.HeadWorkerID), regkit.Nullable(in.GridID)); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.building_update", ObjectType: "building", ObjectID: id})
	})
	if isConflict(err) {
		cur, gerr := s.CompoundPage(ctx, compoundID)
		if gerr != nil {
			return CompoundRow{}, gerr
		}
		for _, b := range cur.Buildings {
			if b.ID == id {
				return CompoundRow{}, apperr.E(apperr.Conflict, "party.stale", "version", b.Version, "current", b)
			}
		}
	}
	if err != nil {
		return CompoundRow{}, err
	}
	return s.CompoundPage(ctx, compoundID)
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// CompoundOf answers the registers (registry.Compounds): the path of an
// active compound's community, and whether buildingID is one of the
// compound's active buildings; sql.ErrNoRows for an unknown compound.
func (s *Service) CompoundOf(ctx context.Context, q db.Querier, compoundID, buildingID string) (string, bool, error) {
	var path string
	if err := q.QueryRowContext(ctx, "SELECT path FROM compounds WHERE id = ? AND status = 'active'", compoundID).Scan(&path); err != nil {
		return "", false, err
	}
	if buildingID == "" {
		return path, false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM buildings WHERE id = ? AND compound_id = ? AND status = 'active'", buildingID, compoundID).Scan(&n)
	return path, n == 1, err
}

// PlaceNames are the names of the compounds and buildings among ids.
func (s *Service) PlaceNames(ctx context.Context, q db.Querier, ids []string) (map[string]string, error) {
	out, err := names(ctx, q, "compounds", ids)
	if err != nil {
		return nil, err
	}
	b, err := names(ctx, q, "buildings", ids)
	for id, n := range b {
		out[id] = n
	}
	return out, err
}

// Choice is a compound a house may be put in, with its buildings.
type Choice struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Buildings []Named `json:"buildings"`
}

// Named is a building of a choice.
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Choices are the active compounds of a community with their buildings,
// for the registers' house form: to a holder of registry.read over it.
func (s *Service) Choices(ctx context.Context, orgID string) ([]Choice, error) {
	q := s.db.Reader()
	if _, err := org.PathIn(ctx, q, authz.RegistryRead, orgID, "org_id"); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.name, COALESCE(b.id, ''), COALESCE(b.name, '') FROM compounds c
		LEFT JOIN buildings b ON b.compound_id = c.id AND b.status = 'active'
		WHERE c.org_id = ? AND c.status = 'active' ORDER BY c.name, c.id, b.name`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Choice{}
	for rows.Next() {
		var id, name, bid, bname string
		if err := rows.Scan(&id, &name, &bid, &bname); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, Choice{ID: id, Name: name, Buildings: []Named{}})
		}
		if bid != "" {
			last := &out[len(out)-1]
			last.Buildings = append(last.Buildings, Named{ID: bid, Name: bname})
		}
	}
	return out, rows.Err()
}
