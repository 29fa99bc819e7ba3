package party

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Items is a list answer.
type Items[T any] struct {
	Items []T `json:"items"`
}

// TreeOrg is an organisation as the tree shows it: with its area's name,
// its place's name and how many members and children it has.
type TreeOrg struct {
	Org
	AreaName  string `json:"area_name"`
	PlaceName string `json:"place_name,omitempty"` // the compound, building or grid it lies over
	Members   int    `json:"members"`
}

// OrgPage is an organisation's page: the organisation, its members (phones
// masked), the households its 党员中心户 serve, and its children.
type OrgPage struct {
	TreeOrg
	Parent     *Org              `json:"parent,omitempty"`
	MemberList []Member          `json:"member_list"`
	Households []CenterHousehold `json:"households"`
	Children   []TreeOrg         `json:"children"`
}

// CenterHousehold is a household a 党员中心户 serves.
type CenterHousehold struct {
	ID          string `json:"id"`
	MemberID    string `json:"member_id"`
	HouseholdID string `json:"household_id"`
	No          string `json:"no"`
	Address     string `json:"address"` // masked
}

// OrgInput creates or edits an organisation. Version is the version read
// (edits only).
type OrgInput struct {
	ParentID   string `json:"parent_id,omitempty"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Form       string `json:"form"`
	OrgID      string `json:"org_id"`
	CompoundID string `json:"compound_id,omitempty"`
	BuildingID string `json:"building_id,omitempty"`
	GridID     string `json:"grid_id,omitempty"`
	Secretary  string `json:"secretary"`
	Version    int    `json:"version,omitempty"`
}

// MemberInput creates or edits a member; a different PartyOrgID moves the
// member. Phone is sealed; on an edit an empty phone keeps the one kept.
type MemberInput struct {
	PartyOrgID      string `json:"party_org_id"`
	Name            string `json:"name"`
	Phone           string `json:"phone,omitempty"`
	GridID          string `json:"grid_id,omitempty"`
	CompoundID      string `json:"compound_id,omitempty"`
	CenterHousehold bool   `json:"center_household"`
	JoinedOn        string `json:"joined_on,omitempty"`
	// Username links the account the member signs in with (an active
	// account of the keeper's area, no other member's); "" unlinks it and
	// absent leaves it as it is.
	Username *string `json:"username,omitempty"`
	Version  int     `json:"version,omitempty"`
}

// VersionInput carries the version a retirement read.
type VersionInput struct {
	Version int `json:"version"`
}

// RevealInput asks for a member's phone in full, with a reason.
type RevealInput struct {
	Reason string `json:"reason"`
}

// Revealed is a phone in full.
type Revealed struct {
	Phone string `json:"phone"`
}

// HouseholdInput links a household of the registers to a 党员中心户.
type HouseholdInput struct {
	HouseholdID string `json:"household_id"`
}

// HouseholdChoice is a household a 党员中心户 may be given to serve: its
// number, its address masked (a picker, not a register read) and whether
// a member already serves it. It names no person.
type HouseholdChoice struct {
	ID      string `json:"id"`
	No      string `json:"no"`
	Address string `json:"address"`
	Linked  bool   `json:"linked"`
}

var (
	errStale = apperr.E(apperr.Conflict, "party.stale")
	// errRetired: the record was retired meanwhile.
	errRetired = apperr.E(apperr.Conflict, "party.retired")
)

// readable is the condition that col lies where the caller holds party.read.
func readable(ctx context.Context, col string) (string, []any) {
	return authz.ScopeSQL(col, authz.From(ctx).Scopes(authz.PartyRead))
}

// Tree returns the organisations of the caller's areas (under orgID when
// given), parents before children.
func (s *Service) Tree(ctx context.Context, orgID string) ([]TreeOrg, error) {
	cond, args := readable(ctx, "p.path")
	if orgID != "" {
		c, a, err := regkit.InArea(ctx, s.db.Reader(), "p.path", orgID)
		if err != nil {
			return nil, err
		}
		cond, args = cond+" AND "+c, append(args, a...)
	}
	return s.treeOrgs(ctx, cond+" AND p.status = 'active'", args...)
}

func (s *Service) treeOrgs(ctx context.Context, cond string, args ...any) ([]TreeOrg, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT p.id, COALESCE(p.parent_id, ''), p.name, p.kind, p.form, p.org_id, p.path,
		COALESCE(p.compound_id, ''), COALESCE(p.building_id, ''), COALESCE(p.grid_id, ''), p.secretary, p.status, p.version,
		o.name, COALESCE(b.name, c.name, g.name, ''),
		(SELECT COUNT(*) FROM party_members m WHERE m.party_org_id = p.id AND m.status = 'active')
		FROM party_orgs p JOIN org_nodes o ON o.id = p.org_id
		LEFT JOIN compounds c ON c.id = p.compound_id LEFT JOIN buildings b ON b.id = p.building_id LEFT JOIN grids g ON g.id = p.grid_id
		WHERE `+cond+` ORDER BY p.path, p.name, p.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TreeOrg
	for rows.Next() {
		var t TreeOrg
		o := &t.Org
		if err := rows.Scan(&o.ID, &o.ParentID, &o.Name, &o.Kind, &o.Form, &o.OrgID, &o.Path, &o.CompoundID, &o.BuildingID,
			&o.GridID, &o.Secretary, &o.Status, &o.Version, &t.AreaName, &t.PlaceName, &t.Members); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Parents first: an organisation whose parent is listed follows it.
	return orderTree(out), nil
}

// orderTree puts each organisation after its parent, depth first.
func orderTree(in []TreeOrg) []TreeOrg {
	byParent := map[string][]TreeOrg{}
	have := map[string]bool{}
	for _, t := range in {
		have[t.ID] = true
	}
	var roots []TreeOrg
	for _, t := range in {
		if t.ParentID != "" && have[t.ParentID] {
			byParent[t.ParentID] = append(byParent[t.ParentID], t)
		} else {
			roots = append(roots, t)
		}
	}
	out := make([]TreeOrg, 0, len(in))
	var walk func(ts []TreeOrg)
	walk = func(ts []TreeOrg) {
		for _, t := range ts {
			out = append(out, t)
			walk(byParent[t.ID])
		}
	}
	walk(roots)
	return out
}

// orgIn returns an organisation the caller holds perm over.
func (s *Service) orgIn(ctx context.Context, q db.Querier, perm authz.Perm, id, field string) (Org, error) {
	o, err := OrgByID(ctx, q, id, field)
	if err == nil && !authz.From(ctx).Covers(perm, o.Path) {
		err = notFound(sql.ErrNoRows, field)
	}
	return o, err
}

// OrgPage returns an organisation's page. Its member list (party
// membership, masked phones) is audited.
func (s *Service) OrgPage(ctx context.Context, id string) (OrgPage, error) {
	var page OrgPage
	r := s.db.Reader()
	o, err := s.orgIn(ctx, r, authz.PartyRead, id, "")
	if err != nil {
		return page, err
	}
	ts, err := s.treeOrgs(ctx, "p.id = ?", id)
	if err != nil || len(ts) == 0 {
		return page, err
	}
	page.TreeOrg = ts[0]
	if o.ParentID != "" {
		if par, err := OrgByID(ctx, r, o.ParentID, ""); err == nil {
			page.Parent = &par
		}
	}
	if page.MemberList, err = Members(ctx, r, id); err != nil {
		return page, err
	}
	if page.MemberList == nil {
		page.MemberList = []Member{}
	}
	if page.Children, err = s.treeOrgs(ctx, "p.parent_id = ? AND p.status = 'active'", id); err != nil {
		return page, err
	}
	if page.Children == nil {
		page.Children = []TreeOrg{}
	}
	rows, err := r.QueryContext(ctx, `SELECT ch.id, ch.member_id, ch.household_id FROM party_center_households ch
		JOIN party_members m ON m.id = ch.member_id WHERE m.party_org_id = ? AND m.status = 'active' ORDER BY ch.created_at, ch.id`, id)
	if err != nil {
		return page, err
	}
	page.Households = []CenterHousehold{}
	for rows.Next() {
		var h CenterHousehold
		if err := rows.Scan(&h.ID, &h.MemberID, &h.HouseholdID); err != nil {
			rows.Close()
			return page, err
		}
		page.Households = append(page.Households, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, err
	}
	for i := range page.Households {
		ref, err := registry.HouseholdRefOf(ctx, r, page.Households[i].HouseholdID)
		if errors.Is(err, sql.ErrNoRows) {
			continue // the household left the registers
		}
		if err != nil {
			return page, err
		}
		page.Households[i].No, page.Households[i].Address = ref.No, pii.MaskAddress(ref.Address)
	}
	return page, s.audit.RecordAlone(ctx, s.db, authz.PartyRead, audit.Entry{Action: "party.members_read", ObjectType: "party_org", ObjectID: id,
		Detail: "members: " + itoa(len(page.MemberList))})
}

// checkOrg checks an organisation's fields and places; it returns the area's path.
func (s *Service) checkOrg(ctx context.Context, q db.Querier, in *OrgInput, self string) (string, error) {
	var f apperr.Fields
	in.Name, in.Secretary = strings.TrimSpace(in.Name), strings.TrimSpace(in.Secretary)
	if in.Name == "" {
		f.Add("name", "party.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 60)
	regkit.CheckLen(&f, "secretary", in.Secretary, 30)
	regkit.OneOf(&f, "kind", in.Kind, Kinds, true)
	regkit.OneOf(&f, "form", in.Form, Forms, true)
	path, err := org.ActivePathIn(ctx, q, authz.PartyWrite, in.OrgID, "org_id")
	if err := regkit.Collect(&f, err); err != nil {
		return "", err
	}
	if in.ParentID != "" {
		if in.ParentID == self {
			f.Add("parent_id", "party.parent_cycle")
		} else if par, err := s.orgIn(ctx, q, authz.PartyRead, in.ParentID, "parent_id"); err != nil {
			if err := regkit.Collect(&f, err); err != nil {
				return "", err
			}
		} else if par.Status != "active" {
			f.Add("parent_id", "party.retired_parent")
		} else if path != "" && !strings.HasPrefix(path, par.Path) {
			f.Add("parent_id", "party.parent_outside")
		} else if self != "" && s.below(ctx, q, par.ID, self) {
			f.Add("parent_id", "party.parent_cycle")
		}
	}
	switch in.Form {
	case "compound":
		if in.CompoundID == "" {
			f.Add("compound_id", "party.required")
		}
	case "building":
		if in.BuildingID == "" {
			f.Add("building_id", "party.required")
		}
	case "grid":
		if in.GridID == "" {
			f.Add("grid_id", "party.required")
		}
	}
	if path != "" {
		s.checkPlaces(ctx, q, &f, path, in.CompoundID, in.BuildingID, in.GridID)
	}
	return path, f.Err()
}

// below tells whether org id lies under (or is) ancestor.
func (s *Service) below(ctx context.Context, q db.Querier, id, ancestor string) bool {
	for i := 0; id != "" && i < 20; i++ {
		if id == ancestor {
			return true
		}
		o, err := OrgByID(ctx, q, id, "")
		if err != nil {
			return false
		}
		id = o.ParentID
	}
	return false
}

// checkPlaces checks that the compound, building and grid named lie in the area at path.
func (s *Service) checkPlaces(ctx context.Context, q db.Querier, f *apperr.Fields, path, compoundID, buildingID, gridID string) {
	if compoundID != "" {
		c, err := CompoundByID(ctx, q, compoundID, "compound_id")
		if err == nil && !strings.HasPrefix(c.Path, path) {
			err = notFound(sql.ErrNoRows, "compound_id")
		}
		regkit.Collect(f, err)
	}
	if buildingID != "" {
		var bp, bc string
		err := q.QueryRowContext(ctx, "SELECT path, compound_id FROM buildings WHERE id = ?", buildingID).Scan(&bp, &bc)
		if err == nil && (!strings.HasPrefix(bp, path) || (compoundID != "" && bc != compoundID)) {
			err = sql.ErrNoRows
		}
		regkit.Collect(f, notFound(err, "building_id"))
	}
	if gridID != "" {
		g, err := org.MainGrid(ctx, q, gridID, "")
		if err == nil && !strings.HasPrefix(g.Path, path) {
			err = sql.ErrNoRows
		}
		regkit.Collect(f, notFound(err, "grid_id"))
	}
}

// CreateOrg adds an organisation over an area the caller keeps.
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (OrgPage, error) {
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := s.checkOrg(ctx, tx, &in, "")
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO party_orgs (id, parent_id, name, kind, form, org_id, path, compound_id, building_id, grid_id,
			secretary, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, regkit.Nullable(in.ParentID), in.Name, in.Kind,
			in.Form, in.OrgID, path, regkit.Nullable(in.CompoundID), regkit.Nullable(in.BuildingID), regkit.Nullable(in.GridID), in.Secretary, now, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.org_create", ObjectType: "party_org", ObjectID: id, Detail: in.Kind})
	})
	if err != nil {
		return OrgPage{}, err
	}
	return s.OrgPage(ctx, id)
}

// UpdateOrg edits an organisation (version-checked: a stale version
// answers 409 with the organisation as it is).
func (s *Service) UpdateOrg(ctx context.Context, id string, in OrgInput) (OrgPage, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.lockOrg(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != "active" {
			return errRetired
		}
		path, err := s.checkOrg(ctx, tx, &in, id)
		if err != nil {
			return err
		}
		if err := s.bump(ctx, tx, "party_orgs", id, in.Version, cur.Version, `parent_id = ?, name = ?, kind = ?, form = ?, org_id = ?, path = ?,
			compound_id = ?, building_id = ?, grid_id = ?, secretary = ?`, regkit.Nullable(in.ParentID), in.Name, in.Kind, in.Form, in.OrgID, path,
			regkit.Nullable(in.CompoundID), regkit.Nullable(in.BuildingID), regkit.Nullable(in.GridID), in.Secretary); err != nil {
			return err
		}
		if path != cur.Path {
			if _, err := tx.ExecContext(ctx, "UPDATE party_members SET path = ? WHERE party_org_id = ?", path, id); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.org_update", ObjectType: "party_org", ObjectID: id})
	})
	if err != nil {
		return OrgPage{}, s.orgConflict(ctx, id, err)
	}
	return s.OrgPage(ctx, id)
}

// RetireOrg retires an organisation that has no active members or
// children left: they are moved first.
func (s *Service) RetireOrg(ctx context.Context, id string, in VersionInput) (OrgPage, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.lockOrg(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != "active" {
			return errRetired
		}
		var members, children int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM party_members WHERE party_org_id = ? AND status = 'active'),
			(SELECT COUNT(*) FROM party_orgs WHERE parent_id = ? AND status = 'active')`, id, id).Scan(&members, &children); err != nil {
			return err
		}
		if members > 0 || children > 0 {
			return apperr.E(apperr.Conflict, "party.org_not_empty", "members", members, "children", children)
		}
		if err := s.bump(ctx, tx, "party_orgs", id, in.Version, cur.Version, "status = 'retired'"); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.org_retire", ObjectType: "party_org", ObjectID: id})
	})
	if err != nil {
		return OrgPage{}, s.orgConflict(ctx, id, err)
	}
	return s.OrgPage(ctx, id)
}

// lockOrg reads an organisation the caller keeps inside tx, holding the
// row on PostgreSQL.
func (s *Service) lockOrg(ctx context.Context, tx *db.Tx, id string) (Org, error) {
	o, err := scanOrg(tx.QueryRowContext(ctx, "SELECT "+orgCols+" FROM party_orgs WHERE id = ?"+tx.ForUpdate(), id))
	if err == nil && !authz.From(ctx).Covers(authz.PartyWrite, o.Path) {
		err = sql.ErrNoRows
	}
	return o, notFound(err, "")
}

// bump updates a record's columns when its version is still the one read.
func (s *Service) bump(ctx context.Context, tx *db.Tx, table, id string, want, have int, set string, args ...any) error {
	if want != have {
		return errStale
	}
	res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET "+set+", version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
		append(args, s.Now().UnixMilli(), id, want)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errStale
	}
	return nil
}

// isConflict tells a stale or retired write.
func isConflict(err error) bool { return errors.Is(err, errStale) || errors.Is(err, errRetired) }

func (s *Service) orgConflict(ctx context.Context, id string, err error) error {
	if !isConflict(err) {
		return err
	}
	cur, gerr := s.OrgPage(ctx, id)
	if gerr != nil {
		return gerr
	}
	return apperr.E(apperr.Conflict, err.(*apperr.Error).Code, "version", cur.Version, "current", cur)
}

// ---- members ----

func (s *Service) checkMember(ctx context.Context, q db.Querier, in *MemberInput, id string) (Org, string, string, error) {
	var f apperr.Fields
	in.Name, in.JoinedOn = strings.TrimSpace(in.Name), strings.TrimSpace(in.JoinedOn)
	if in.Name == "" {
		f.Add("name", "party.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 30)
	if in.JoinedOn != "" && !validDay(in.JoinedOn) {
		f.Add("joined_on", "party.day_invalid")
	}
	var sealed, masked string
	if ph := strings.TrimSpace(in.Phone); ph != "" {
		norm, err := pii.NormalizePhone("phone", ph)
		if err != nil {
			regkit.Collect(&f, err)
		} else {
			sealed, masked = s.SealPhone(id, norm)
		}
	}
	var o Org
	if in.PartyOrgID == "" {
		f.Add("party_org_id", "party.required")
	} else {
		var err error
		o, err = s.orgIn(ctx, q, authz.PartyWrite, in.PartyOrgID, "party_org_id")
		if err := regkit.Collect(&f, err); err != nil {
			return o, "", "", err
		}
		if err == nil && o.Status != "active" {
			f.Add("party_org_id", "party.retired_parent")
		}
		if err == nil {
			s.checkPlaces(ctx, q, &f, o.Path, in.CompoundID, "", in.GridID)
		}
	}
	return o, sealed, masked, f.Err()
}

// CreateMember adds a member to an organisation the caller keeps.
func (s *Service) CreateMember(ctx context.Context, in MemberInput) (Member, error) {
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		o, sealed, masked, err := s.checkMember(ctx, tx, &in, id)
		if err != nil {
			return err
		}
		if err := s.insertMember(ctx, tx, id, o, in, sealed, masked, ""); err != nil {
			return err
		}
		return s.linkAccount(ctx, tx, id, "", in.Username)
	})
	if err != nil {
		return Member{}, err
	}
	return MemberByID(ctx, s.db.Reader(), id, "")
}

func (s *Service) insertMember(ctx context.Context, tx *db.Tx, id string, o Org, in MemberInput, sealed, masked, userID string) error {
	now := s.Now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `INSERT INTO party_members (id, party_org_id, path, name, phone_sealed, phone_masked, user_id, grid_id,
		compound_id, center_household, joined_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, o.ID, o.Path, in.Name, sealed, masked, regkit.Nullable(userID), regkit.Nullable(in.GridID), regkit.Nullable(in.CompoundID),
		boolInt(in.CenterHousehold), in.JoinedOn, now, now); err != nil {
		return err
	}
	return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.member_create", ObjectType: "party_member", ObjectID: id})
}

// UpdateMember edits a member; another organisation moves them there
// (both kept by the caller). Version-checked.
func (s *Service) UpdateMember(ctx context.Context, id string, in MemberInput) (Member, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.lockMember(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != "active" {
			return errRetired
		}
		o, sealed, masked, err := s.checkMember(ctx, tx, &in, id)
		if err != nil {
			return err
		}
		set, args := `party_org_id = ?, path = ?, name = ?, grid_id = ?, compound_id = ?, center_household = ?, joined_on = ?`,
			[]any{o.ID, o.Path, in.Name, regkit.Nullable(in.GridID), regkit.Nullable(in.CompoundID), boolInt(in.CenterHousehold), in.JoinedOn}
		if sealed != "" {
			set, args = set+", phone_sealed = ?, phone_masked = ?", append(args, sealed, masked)
		}
		if err := s.bump(ctx, tx, "party_members", id, in.Version, cur.Version, set, args...); err != nil {
			return err
		}
		if o.Path != cur.Path {
			if _, err := tx.ExecContext(ctx, "UPDATE party_center_households SET path = ? WHERE member_id = ?", o.Path, id); err != nil {
				return err
			}
		}
		if err := s.linkAccount(ctx, tx, id, cur.UserID, in.Username); err != nil {
			return err
		}
		detail := ""
		if o.ID != cur.PartyOrgID {
			detail = "moved from " + cur.PartyOrgID
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.member_update", ObjectType: "party_member", ObjectID: id, Detail: detail})
	})
	if err != nil {
		return Member{}, s.memberConflict(ctx, id, err)
	}
	return MemberByID(ctx, s.db.Reader(), id, "")
}

// linkAccount links member id (whose account now is cur) to the active
// account username, or unlinks it when username is "": an account of an
// area the caller keeps, linked to no other active member. nil leaves it.
func (s *Service) linkAccount(ctx context.Context, tx *db.Tx, id, cur string, username *string) error {
	if username == nil {
		return nil
	}
	name := strings.TrimSpace(*username)
	user, action := "", "party.account_unlink"
	if name != "" {
		if s.Accounts == nil {
			return apperr.Field("username", "party.account_not_found")
		}
		uid, orgID, err := s.Accounts(ctx, tx, name)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("username", "party.account_not_found")
		}
		if err != nil {
			return err
		}
		// An account of another area answers as one that does not exist.
		if path, err := org.PathOf(ctx, tx, orgID, "username"); err != nil || !authz.From(ctx).Covers(authz.PartyWrite, path) {
			return apperr.Field("username", "party.account_not_found")
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM party_members WHERE user_id = ? AND status = 'active' AND id <> ?", uid, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Field("username", "party.account_taken")
		}
		user, action = uid, "party.account_link"
	}
	if user == cur {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE party_members SET user_id = ? WHERE id = ?", regkit.Nullable(user), id); err != nil {
		return err
	}
	return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: action, ObjectType: "party_member", ObjectID: id})
}

// RetireMember records that a member has left (transferred out, died).
func (s *Service) RetireMember(ctx context.Context, id string, in VersionInput) (Member, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.lockMember(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != "active" {
			return errRetired
		}
		if err := s.bump(ctx, tx, "party_members", id, in.Version, cur.Version, "status = 'left'"); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.member_retire", ObjectType: "party_member", ObjectID: id})
	})
	if err != nil {
		return Member{}, s.memberConflict(ctx, id, err)
	}
	return MemberByID(ctx, s.db.Reader(), id, "")
}

func (s *Service) lockMember(ctx context.Context, tx *db.Tx, id string) (Member, error) {
	m, err := scanMember(tx.QueryRowContext(ctx, "SELECT "+memberCols+" FROM party_members WHERE id = ?"+tx.ForUpdate(), id))
	if err == nil && !authz.From(ctx).Covers(authz.PartyWrite, m.Path) {
		err = sql.ErrNoRows
	}
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.NotFoundf("party_member")
	}
	return m, err
}

func (s *Service) memberConflict(ctx context.Context, id string, err error) error {
	if !isConflict(err) {
		return err
	}
	cur, gerr := MemberByID(ctx, s.db.Reader(), id, "")
	if gerr != nil {
		return gerr
	}
	return apperr.E(apperr.Conflict, err.(*apperr.Error).Code, "version", cur.Version, "current", cur)
}

// RevealPhone shows a member's phone in full to a keeper of the tree or a
// holder of personal.reveal over the member's area, with a reason; audited.
func (s *Service) RevealPhone(ctx context.Context, id string, in RevealInput) (Revealed, error) {
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	if len([]rune(in.Reason)) < 4 {
		return Revealed{}, apperr.Field("reason", "party.reason_required")
	}
	if len([]rune(in.Reason)) > 200 {
		return Revealed{}, apperr.Field("reason", "party.too_long", "max", 200)
	}
	var path, sealed string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT path, phone_sealed FROM party_members WHERE id = ?", id).Scan(&path, &sealed)
	p := authz.From(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.PartyRead, path)) {
		return Revealed{}, apperr.NotFoundf("party_member")
	}
	if err != nil {
		return Revealed{}, err
	}
	if !p.Covers(authz.PartyWrite, path) && !p.Covers(authz.PersonalReveal, path) {
		return Revealed{}, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	var out Revealed
	if sealed != "" {
		if out.Phone, err = s.vault.Open("party_members.phone", id, sealed); err != nil {
			return Revealed{}, err
		}
	}
	return out, s.audit.RecordAlone(ctx, s.db, authz.PartyRead, audit.Entry{Action: "party.reveal", ObjectType: "party_member", ObjectID: id, Detail: "phone: " + in.Reason})
}

// AddHousehold links a household of the registers in the member's area to
// a 党员中心户 who serves it.
func (s *Service) AddHousehold(ctx context.Context, memberID string, in HouseholdInput) (CenterHousehold, error) {
	out := CenterHousehold{ID: db.NewID(), MemberID: memberID, HouseholdID: in.HouseholdID}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		m, err := s.lockMember(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if m.Status != "active" {
			return errRetired
		}
		if !m.CenterHousehold {
			return apperr.Field("member_id", "party.not_center_household")
		}
		if in.HouseholdID == "" {
			return apperr.Field("household_id", "party.required")
		}
		ref, err := registry.HouseholdRefOf(ctx, tx, in.HouseholdID)
		if err == nil && (!ref.Active || !strings.HasPrefix(ref.Path, m.Path)) {
			err = sql.ErrNoRows
		}
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("household_id", "party.not_found")
		}
		if err != nil {
			return err
		}
		out.No, out.Address = ref.No, pii.MaskAddress(ref.Address)
		var n int
		// A household has one 党员中心户: the one who serves it while they serve.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM party_center_households ch JOIN party_members m ON m.id = ch.member_id
			WHERE ch.household_id = ? AND m.status = 'active'`, in.HouseholdID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Field("household_id", "party.household_taken")
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO party_center_households (id, member_id, household_id, path, created_at) VALUES (?, ?, ?, ?, ?)",
			out.ID, memberID, in.HouseholdID, m.Path, s.Now().UnixMilli()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.household_add", ObjectType: "party_member", ObjectID: memberID})
	})
	return out, err
}

// choiceLimit is how many households the picker answers; choiceRead how
// many rows it reads to find them (see HouseholdChoices).
const choiceLimit, choiceRead = 30, 200

// HouseholdChoices lists the active households of the registers that
// member id may serve — those of the member's area, the member's own
// grid's first — whose 户号 or address holds text, at most 30, addresses
// masked, each saying whether a member already serves it. An address
// matches on what its mask shows: a search must not spell out the door
// the mask hides. An unknown member and one outside the area where the
// caller keeps the tree are not found alike.
func (s *Service) HouseholdChoices(ctx context.Context, id, text string) ([]HouseholdChoice, error) {
	text = strings.TrimSpace(text)
	if len([]rune(text)) > 30 {
		return nil, apperr.Field("q", "party.too_long", "max", 30)
	}
	r := s.db.Reader()
	m, err := scanMember(r.QueryRowContext(ctx, "SELECT "+memberCols+" FROM party_members WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.PartyWrite, m.Path)) {
		return nil, apperr.NotFoundf("party_member")
	}
	if err != nil {
		return nil, err
	}
	refs, err := registry.HouseholdChoices(ctx, r, m.Path, m.GridID, text, choiceRead)
	if err != nil {
		return nil, err
	}
	lower := strings.ToLower(text)
	out := []HouseholdChoice{}
	var args []any
	for _, h := range refs {
		addr := pii.MaskAddress(h.Address)
		if !strings.Contains(strings.ToLower(h.No), lower) && !strings.Contains(strings.ToLower(addr), lower) {
			continue // it matched where the mask hides the address
		}
		out = append(out, HouseholdChoice{ID: h.ID, No: h.No, Address: addr})
		args = append(args, h.ID)
		if len(out) == choiceLimit {
			break
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	linked, err := db.Strings(ctx, r, `SELECT DISTINCT ch.household_id FROM party_center_households ch JOIN party_members m ON m.id = ch.member_id
		WHERE m.status = 'active' AND ch.household_id IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Linked = slices.Contains(linked, out[i].ID)
	}
	return out, nil
}

// RemoveHousehold unlinks one household from the 党员中心户 who served it.
// A link of another member, and a member outside the area where the
// caller keeps the tree, are not found.
func (s *Service) RemoveHousehold(ctx context.Context, memberID, linkID string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.lockMember(ctx, tx, memberID); err != nil {
			return err
		}
		var householdID string
		err := tx.QueryRowContext(ctx, "SELECT household_id FROM party_center_households WHERE id = ? AND member_id = ?", linkID, memberID).Scan(&householdID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("household")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM party_center_households WHERE id = ?", linkID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.household_remove", ObjectType: "party_member", ObjectID: memberID,
			Detail: "household: " + householdID})
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
