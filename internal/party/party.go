// Package party keeps the red grid's places and party tree (红色网格).
//
// Compounds (小区) and their buildings (楼栋) are places of the registers:
// a house may belong to one, and each has its party branch, owners'
// committee and property company, or, where there is no property company,
// its 楼栋邻里长. Party organisations lie parallel to the administrative
// tree — 街道大工委, 社区大党委, 邻里(小区)党支部, 网格(楼栋)党小组 — each over
// an area and, lower down, a compound, building or grid; their members
// serve a grid, and some are 党员中心户 who serve the households near them.
//
// Party membership is personal information (PIPL): a member's phone is
// sealed, and members are read only with party.read over their area.
//
// It owns compounds, buildings, party_orgs and party_members.
package party

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Kinds of party organisation, from the top.
const (
	WorkingCommittee = "working_committee" // 街道大工委 (党工委)
	Committee        = "committee"         // 社区大党委 / 村党委
	GeneralBranch    = "general_branch"    // 党总支
	Branch           = "branch"            // 党支部: 邻里、小区、机关、企业
	Group            = "group"             // 党小组: 网格、楼栋
)

// Kinds lists the kinds in order.
var Kinds = []string{WorkingCommittee, Committee, GeneralBranch, Branch, Group}

// Forms say what an organisation lies over.
var Forms = []string{"area", "compound", "building", "grid", "unit"}

// Org is a party organisation.
type Org struct {
	ID         string `json:"id"`
	ParentID   string `json:"parent_id,omitempty"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Form       string `json:"form"`
	OrgID      string `json:"org_id"` // the area it serves
	Path       string `json:"-"`
	CompoundID string `json:"compound_id,omitempty"`
	BuildingID string `json:"building_id,omitempty"`
	GridID     string `json:"grid_id,omitempty"`
	Secretary  string `json:"secretary"`
	Status     string `json:"status"`
	Version    int    `json:"version"`
}

// Member is a party member on the tree, with the phone masked.
type Member struct {
	ID              string `json:"id"`
	PartyOrgID      string `json:"party_org_id"`
	Path            string `json:"-"`
	Name            string `json:"name"`
	PhoneMasked     string `json:"phone_masked"`
	UserID          string `json:"-"`
	HasAccount      bool   `json:"has_account"` // an account is linked: the member's own work counts for them
	GridID          string `json:"grid_id,omitempty"`
	CompoundID      string `json:"compound_id,omitempty"`
	CenterHousehold bool   `json:"center_household"`
	JoinedOn        string `json:"joined_on"`
	Status          string `json:"status"`
	Version         int    `json:"version"`
}

// Compound is a residential compound (小区).
type Compound struct {
	ID              string   `json:"id"`
	OrgID           string   `json:"org_id"`
	Path            string   `json:"-"`
	GridID          string   `json:"grid_id,omitempty"`
	Name            string   `json:"name"`
	Address         string   `json:"address"`
	Lat             *float64 `json:"lat,omitempty"`
	Lng             *float64 `json:"lng,omitempty"`
	PropertyCompany string   `json:"property_company"`
	OwnersCommittee string   `json:"owners_committee"`
	Households      int      `json:"households"`
	Status          string   `json:"status"`
	Version         int      `json:"version"`
}

// Building is a building (楼栋) of a compound.
type Building struct {
	ID           string `json:"id"`
	CompoundID   string `json:"compound_id"`
	Path         string `json:"-"`
	GridID       string `json:"grid_id,omitempty"`
	Name         string `json:"name"`
	Floors       int    `json:"floors,omitempty"`
	HeadName     string `json:"head_name"`
	HeadWorkerID string `json:"head_worker_id,omitempty"`
	Status       string `json:"status"`
	Version      int    `json:"version"`
}

// Service keeps the tree and its places.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault // seals members' phones
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// Events turns a compound problem into an event (casework intake),
	// set by the app.
	Events EventMaker
	// Accounts finds an active account by username (its id and home
	// area; sql.ErrNoRows when there is none), set by the app.
	Accounts func(ctx context.Context, q db.Querier, username string) (id, orgID string, err error)
}

// New returns the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), Now: time.Now}
}

// SealPhone returns a member's phone sealed to the member's row, and masked.
func (s *Service) SealPhone(memberID, phone string) (sealed, masked string) {
	if phone == "" {
		return "", ""
	}
	return s.vault.Seal("party_members.phone", memberID, phone), pii.MaskPhone(phone)
}

// SealReportPhone returns a 双报到 registration's phone sealed to its row, and masked.
func (s *Service) SealReportPhone(reportID, phone string) (sealed, masked string) {
	if phone == "" {
		return "", ""
	}
	return s.vault.Seal("party_reports.phone", reportID, phone), pii.MaskPhone(phone)
}

const orgCols = `id, COALESCE(parent_id, ''), name, kind, form, org_id, path, COALESCE(compound_id, ''), COALESCE(building_id, ''),
	COALESCE(grid_id, ''), secretary, status, version`

func scanOrg(sc interface{ Scan(...any) error }) (Org, error) {
	var o Org
	err := sc.Scan(&o.ID, &o.ParentID, &o.Name, &o.Kind, &o.Form, &o.OrgID, &o.Path, &o.CompoundID, &o.BuildingID,
		&o.GridID, &o.Secretary, &o.Status, &o.Version)
	return o, err
}

const memberCols = `id, party_org_id, path, name, phone_masked, COALESCE(user_id, ''), COALESCE(grid_id, ''), COALESCE(compound_id, ''),
	center_household, joined_on, status, version`

func scanMember(sc interface{ Scan(...any) error }) (Member, error) {
	var m Member
	var center int
	err := sc.Scan(&m.ID, &m.PartyOrgID, &m.Path, &m.Name, &m.PhoneMasked, &m.UserID, &m.GridID, &m.CompoundID,
		&center, &m.JoinedOn, &m.Status, &m.Version)
	m.CenterHousehold = center == 1
	m.HasAccount = m.UserID != ""
	return m, err
}

// These answer the questions other rooms ask of the tree (red orders,
// points, volunteers). They check no permission: the caller decides.

// OrgByID returns a party organisation; an unknown id is not found under field.
func OrgByID(ctx context.Context, q db.Querier, id, field string) (Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, "SELECT "+orgCols+" FROM party_orgs WHERE id = ?", id))
	return o, notFound(err, field)
}

// MemberByID returns a party member; an unknown id is not found under field.
func MemberByID(ctx context.Context, q db.Querier, id, field string) (Member, error) {
	m, err := scanMember(q.QueryRowContext(ctx, "SELECT "+memberCols+" FROM party_members WHERE id = ?", id))
	return m, notFound(err, field)
}

// MemberOfUser returns the active party member whose account is userID;
// sql.ErrNoRows when the account is no member's.
func MemberOfUser(ctx context.Context, q db.Querier, userID string) (Member, error) {
	return scanMember(q.QueryRowContext(ctx, "SELECT "+memberCols+" FROM party_members WHERE user_id = ? AND status = 'active' ORDER BY created_at LIMIT 1", userID))
}

// Members returns the active members of a party organisation, by name.
func Members(ctx context.Context, q db.Querier, partyOrgID string) ([]Member, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+memberCols+" FROM party_members WHERE party_org_id = ? AND status = 'active' ORDER BY name, id", partyOrgID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMember)
}

// Children returns the active organisations directly under a party organisation.
func Children(ctx context.Context, q db.Querier, partyOrgID string) ([]Org, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+orgCols+" FROM party_orgs WHERE parent_id = ? AND status = 'active' ORDER BY name, id", partyOrgID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanOrg)
}

// BranchOf returns the lowest active branch-level organisation (a branch
// or general branch, not a group) a member belongs to: the member's own
// organisation, or the one above their group. Red orders are placed with
// a branch and taken by its members and the members of its groups.
func BranchOf(ctx context.Context, q db.Querier, m Member) (Org, error) {
	o, err := OrgByID(ctx, q, m.PartyOrgID, "")
	for err == nil && o.Kind == Group && o.ParentID != "" {
		o, err = OrgByID(ctx, q, o.ParentID, "")
	}
	return o, err
}

// CompoundByID returns a compound; an unknown id is not found under field.
func CompoundByID(ctx context.Context, q db.Querier, id, field string) (Compound, error) {
	var c Compound
	err := q.QueryRowContext(ctx, `SELECT id, org_id, path, COALESCE(grid_id, ''), name, address, lat, lng, property_company,
		owners_committee, households, status, version FROM compounds WHERE id = ?`, id).Scan(&c.ID, &c.OrgID, &c.Path, &c.GridID,
		&c.Name, &c.Address, &c.Lat, &c.Lng, &c.PropertyCompany, &c.OwnersCommittee, &c.Households, &c.Status, &c.Version)
	return c, notFound(err, field)
}

func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func notFound(err error, field string) error {
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if field != "" {
		return apperr.Field(field, "party.not_found")
	}
	return apperr.NotFoundf("party_org")
}

// validDay tells whether s is a YYYY-MM-DD day.
func validDay(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

func itoa(n int) string { return strconv.Itoa(n) }
