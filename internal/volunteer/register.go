package volunteer

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// TeamKinds are the kinds of volunteer team: 红袖章, 红袖标, 平安志愿者,
// 法律明白人, 邻里志愿队, other.
var TeamKinds = []string{"red_armband", "red_sleeve", "safety", "legal", "neighbour", "other"}

// Statuses of a volunteer: serving, paused for a while, left.
var Statuses = []string{"active", "paused", "left"}

// Team is a volunteer team of an area.
type Team struct {
	ID         string `json:"id"`
	OrgID      string `json:"org_id"`
	OrgName    string `json:"org_name"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	LeaderID   string `json:"leader_id,omitempty"`
	LeaderName string `json:"leader_name,omitempty"`
	Duties     string `json:"duties"`
	Status     string `json:"status"`
	Members    int    `json:"members"`
	Version    int    `json:"version"`
	path       string
}

// TeamInput makes a team in a village or a town.
type TeamInput struct {
	OrgID  string `json:"org_id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Duties string `json:"duties"`
}

// TeamPatch changes a team; absent fields stay.
type TeamPatch struct {
	Name     *string `json:"name,omitempty"`
	Duties   *string `json:"duties,omitempty"`
	LeaderID *string `json:"leader_id,omitempty"` // a volunteer of the team; "" for none
	Status   *string `json:"status,omitempty"`    // active, retired
	Version  int     `json:"version"`
}

// Volunteer is an entry of the register as the console shows it: the
// phone masked.
type Volunteer struct {
	ID          string `json:"id"`
	TeamID      string `json:"team_id"`
	TeamName    string `json:"team_name"`
	TeamKind    string `json:"team_kind"`
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
	GridID      string `json:"grid_id,omitempty"`
	WorkerID    string `json:"worker_id"`
	Name        string `json:"name"`
	PhoneMasked string `json:"phone_masked"`
	Skills      string `json:"skills"`
	Status      string `json:"status"`
	StartedOn   string `json:"started_on"`
	HasAccount  bool   `json:"has_account"`
	Version     int    `json:"version"`
	path        string
	userID      string
}

// VolunteerInput registers a volunteer in a team.
type VolunteerInput struct {
	TeamID    string `json:"team_id"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	GridID    string `json:"grid_id"`
	Skills    string `json:"skills"`
	StartedOn string `json:"started_on"`
	// UserID links an account (role volunteer) for the phone pages; the
	// demo and the administrators' tools set it.
	UserID string `json:"-"`
}

// VolunteerPatch changes an entry; absent fields stay.
type VolunteerPatch struct {
	Name   *string `json:"name,omitempty"`
	Phone  *string `json:"phone,omitempty"`
	GridID *string `json:"grid_id,omitempty"`
	Skills *string `json:"skills,omitempty"`
	Status *string `json:"status,omitempty"`
	// Username links the account the volunteer signs in with on the phone
	// (an active account of the keeper's area, no one else's); "" unlinks.
	Username *string `json:"username,omitempty"`
	Version  int     `json:"version"`
}

// Page is a page of the register.
type Page struct {
	Items []Volunteer `json:"items"`
	Total int         `json:"total"`
}

func checkText(f *apperr.Fields, name, v string, min, max int) string {
	v = strings.TrimSpace(v)
	if n := utf8.RuneCountInString(v); n < min || n > max {
		f.Add(name, "validation.length", "min", min, "max", max)
	}
	return v
}

func checkDay(f *apperr.Fields, name, day string) string {
	day = strings.TrimSpace(day)
	if day == "" {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		f.Add(name, "registry.date_invalid")
	}
	return day
}

// scope is the caller's area filter over col for perm: the subtree of
// orgID when given (not found outside the caller's scope), else every
// subtree the caller holds perm over.
func scope(ctx context.Context, q db.Querier, perm authz.Perm, col, orgID string) (string, []any, error) {
	if orgID != "" {
		path, err := org.PathIn(ctx, q, perm, orgID, "org_id")
		if err != nil {
			return "", nil, err
		}
		w, a := authz.Under(col, path)
		return w, a, nil
	}
	w, a := authz.ScopeSQL(col, authz.From(ctx).Scopes(perm))
	return w, a, nil
}

const teamCols = `t.id, t.org_id, COALESCE(n.name, ''), t.name, t.kind, COALESCE(t.leader_id, ''), COALESCE(l.name, ''), t.duties, t.status,
	(SELECT count(*) FROM volunteers m WHERE m.team_id = t.id AND m.status <> 'left'), t.version, t.path`

const teamFrom = ` FROM volunteer_teams t LEFT JOIN org_nodes n ON n.id = t.org_id LEFT JOIN volunteers l ON l.id = t.leader_id`

func scanTeam(sc interface{ Scan(...any) error }) (Team, error) {
	var t Team
	err := sc.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.Name, &t.Kind, &t.LeaderID, &t.LeaderName, &t.Duties, &t.Status, &t.Members, &t.Version, &t.path)
	return t, err
}

// team reads a team the caller holds perm over; others are not found
// (under fieldName when one is given).
func team(ctx context.Context, q db.Querier, perm authz.Perm, id, fieldName string) (Team, error) {
	t, err := scanTeam(q.QueryRowContext(ctx, "SELECT "+teamCols+teamFrom+" WHERE t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(perm, t.path)) {
		if fieldName != "" {
			return Team{}, apperr.Refuse(fieldName, "volunteer.team_not_found")
		}
		return Team{}, apperr.NotFoundf("volunteer_team")
	}
	return t, err
}

// Teams lists the teams of an area (the caller's scope when absent).
func (s *Service) Teams(ctx context.Context, orgID string) ([]Team, error) {
	q := s.db.Reader()
	where, args, err := scope(ctx, q, authz.VolunteerRead, "t.path", orgID)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT "+teamCols+teamFrom+" WHERE "+where+" ORDER BY t.path, t.name, t.id LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Team{}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateTeam makes a team in a village or a town of the caller's area.
func (s *Service) CreateTeam(ctx context.Context, in TeamInput) (Team, error) {
	var f apperr.Fields
	in.Name = checkText(&f, "name", in.Name, 1, 64)
	in.Duties = checkText(&f, "duties", in.Duties, 0, 1000)
	if !slices.Contains(TeamKinds, in.Kind) {
		f.Add("kind", "validation.one_of", "values", strings.Join(TeamKinds, ", "))
	}
	if err := f.Refuse(); err != nil {
		return Team{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := org.ActivePathIn(ctx, tx, authz.VolunteerWrite, in.OrgID, "org_id")
		if err != nil {
			return err
		}
		if kind, err := org.KindOf(ctx, tx, in.OrgID, "org_id"); err != nil || (kind != "village" && kind != "town") {
			return apperr.Refuse("org_id", "volunteer.area_kind")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_teams (id, org_id, path, name, kind, duties, status, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'active', 1, ?, ?)`, id, in.OrgID, path, in.Name, in.Kind, in.Duties, now, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerWrite, "volunteer.team_create", "volunteer_team", id, in.Kind)
	})
	if err != nil {
		return Team{}, err
	}
	return team(ctx, s.db.Reader(), authz.VolunteerRead, id, "")
}

// UpdateTeam changes a team's name, duties, leader or status; the
// version read is checked.
func (s *Service) UpdateTeam(ctx context.Context, id string, in TeamPatch) (Team, error) {
	var f apperr.Fields
	if in.Name != nil {
		*in.Name = checkText(&f, "name", *in.Name, 1, 64)
	}
	if in.Duties != nil {
		*in.Duties = checkText(&f, "duties", *in.Duties, 0, 1000)
	}
	if in.Status != nil && *in.Status != "active" && *in.Status != "retired" {
		f.Add("status", "validation.one_of", "values", "active, retired")
	}
	if err := f.Refuse(); err != nil {
		return Team{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := team(ctx, tx, authz.VolunteerWrite, id, "")
		if err != nil {
			return err
		}
		if t.Version != in.Version {
			return apperr.E(apperr.Conflict, "volunteer.stale")
		}
		if in.Name != nil {
			t.Name = *in.Name
		}
		if in.Duties != nil {
			t.Duties = *in.Duties
		}
		if in.Status != nil {
			t.Status = *in.Status
		}
		if in.LeaderID != nil {
			t.LeaderID = *in.LeaderID
			if t.LeaderID != "" {
				var team string
				err := tx.QueryRowContext(ctx, "SELECT team_id FROM volunteers WHERE id = ? AND status <> 'left'", t.LeaderID).Scan(&team)
				if errors.Is(err, sql.ErrNoRows) || (err == nil && team != t.ID) {
					return apperr.Refuse("leader_id", "volunteer.leader_not_member")
				}
				if err != nil {
					return err
				}
			}
		}
		var leader any
		if t.LeaderID != "" {
			leader = t.LeaderID
		}
		res, err := tx.ExecContext(ctx, `UPDATE volunteer_teams SET name = ?, duties = ?, status = ?, leader_id = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, t.Name, t.Duties, t.Status, leader, s.now(), id, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "volunteer.stale")
		}
		return s.record(ctx, tx, authz.VolunteerWrite, "volunteer.team_update", "volunteer_team", id, "")
	})
	if err != nil {
		return Team{}, err
	}
	return team(ctx, s.db.Reader(), authz.VolunteerRead, id, "")
}

const volunteerCols = `v.id, v.team_id, t.name, t.kind, v.org_id, COALESCE(n.name, ''), v.grid_id, v.worker_id, v.name, v.phone_masked, v.skills,
	v.status, v.started_on, v.version, v.path, COALESCE(v.user_id, '')`

const volunteerFrom = ` FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id LEFT JOIN org_nodes n ON n.id = v.org_id`

func scanVolunteer(sc interface{ Scan(...any) error }) (Volunteer, error) {
	var v Volunteer
	err := sc.Scan(&v.ID, &v.TeamID, &v.TeamName, &v.TeamKind, &v.OrgID, &v.OrgName, &v.GridID, &v.WorkerID, &v.Name, &v.PhoneMasked, &v.Skills,
		&v.Status, &v.StartedOn, &v.Version, &v.path, &v.userID)
	v.HasAccount = v.userID != ""
	return v, err
}

func volunteerByID(ctx context.Context, q db.Querier, perm authz.Perm, id, fieldName string) (Volunteer, error) {
	v, err := scanVolunteer(q.QueryRowContext(ctx, "SELECT "+volunteerCols+volunteerFrom+" WHERE v.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && perm != "" && !authz.From(ctx).Covers(perm, v.path)) {
		if fieldName != "" {
			return Volunteer{}, apperr.Refuse(fieldName, "volunteer.not_found")
		}
		return Volunteer{}, apperr.NotFoundf("volunteer")
	}
	return v, err
}

// me is the caller's own register entry (an active or paused volunteer
// with the caller's account); anyone else has none.
func me(ctx context.Context, q db.Querier) (Volunteer, error) {
	v, err := scanVolunteer(q.QueryRowContext(ctx, "SELECT "+volunteerCols+volunteerFrom+" WHERE v.user_id = ? AND v.status <> 'left' ORDER BY v.id LIMIT 1",
		authz.From(ctx).UserID))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.E(apperr.Conflict, "volunteer.not_registered")
	}
	return v, err
}

// ListQuery filters the register: an area (the caller's scope when
// absent), a team, a status (serving by default: active and paused; left;
// all) and a name.
type ListQuery struct {
	OrgID, TeamID, Status, Q string
	Page, Size               int
}

// List returns a page of the register, phones masked.
func (s *Service) List(ctx context.Context, lq ListQuery) (Page, error) {
	q := s.db.Reader()
	where, args, err := scope(ctx, q, authz.VolunteerRead, "v.path", lq.OrgID)
	if err != nil {
		return Page{}, err
	}
	if lq.TeamID != "" {
		where += " AND v.team_id = ?"
		args = append(args, lq.TeamID)
	}
	switch lq.Status {
	case "", "serving":
		where += " AND v.status <> 'left'"
	case "all":
	case "active", "paused", "left":
		where += " AND v.status = ?"
		args = append(args, lq.Status)
	default:
		return Page{}, apperr.Refuse("status", "validation.one_of", "values", "serving, active, paused, left, all")
	}
	if lq.Q = strings.TrimSpace(lq.Q); lq.Q != "" {
		where += " AND v.name LIKE ?"
		args = append(args, "%"+lq.Q+"%")
	}
	size := lq.Size
	if size <= 0 || size > 200 {
		size = 50
	}
	page := max(lq.Page, 1)
	var out Page
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM volunteers v WHERE "+where, args...).Scan(&out.Total); err != nil {
		return out, err
	}
	rows, err := q.QueryContext(ctx, "SELECT "+volunteerCols+volunteerFrom+" WHERE "+where+" ORDER BY v.path, v.name, v.id LIMIT ? OFFSET ?",
		append(args, size, (page-1)*size)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	out.Items = []Volunteer{}
	for rows.Next() {
		v, err := scanVolunteer(rows)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, v)
	}
	return out, rows.Err()
}

// checkGrid checks that a grid lies in the team's area.
func checkGrid(ctx context.Context, q db.Querier, gridID, teamPath string) error {
	if gridID == "" {
		return nil
	}
	g, err := org.MainGrid(ctx, q, gridID, "")
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(g.Path, teamPath)) {
		return apperr.Refuse("grid_id", "volunteer.grid_outside")
	}
	return err
}

// Create registers a volunteer in a team of the caller's area and puts
// them on the roster of the team's village or town.
func (s *Service) Create(ctx context.Context, in VolunteerInput) (Volunteer, error) {
	var f apperr.Fields
	in.Name = checkText(&f, "name", in.Name, 1, 64)
	in.Skills = checkText(&f, "skills", in.Skills, 0, 200)
	in.StartedOn = checkDay(&f, "started_on", in.StartedOn)
	if in.Phone = strings.TrimSpace(in.Phone); in.Phone != "" {
		p, err := pii.NormalizePhone("phone", in.Phone)
		if err != nil {
			f = append(f, apperr.As(err).Fields...)
		}
		in.Phone = p
	}
	if err := f.Refuse(); err != nil {
		return Volunteer{}, err
	}
	if in.StartedOn == "" {
		in.StartedOn = s.Now().In(Zone).Format(time.DateOnly)
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := team(ctx, tx, authz.VolunteerWrite, in.TeamID, "team_id")
		if err != nil {
			return err
		}
		if t.Status != "active" {
			return apperr.Refuse("team_id", "volunteer.team_retired")
		}
		if err := checkGrid(ctx, tx, in.GridID, t.path); err != nil {
			return err
		}
		worker, err := s.roster.EnrolTx(ctx, tx, t.OrgID, in.Name, in.StartedOn, in.Phone, in.UserID)
		if err != nil {
			return err
		}
		masked := ""
		if in.Phone != "" {
			masked = pii.MaskPhone(in.Phone)
		}
		var user any
		if in.UserID != "" {
			user = in.UserID
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO volunteers (id, team_id, org_id, path, grid_id, worker_id, user_id, name, phone_masked,
			skills, status, started_on, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, 1, ?, ?)`,
			id, t.ID, t.OrgID, t.path, in.GridID, worker, user, in.Name, masked, in.Skills, in.StartedOn, now, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerWrite, "volunteer.create", "volunteer", id, t.Kind)
	})
	if err != nil {
		return Volunteer{}, err
	}
	return volunteerByID(ctx, s.db.Reader(), authz.VolunteerRead, id, "")
}

// Update changes an entry: name, phone, grid, skills, status (a volunteer
// who left leaves the roster too); the version read is checked.
func (s *Service) Update(ctx context.Context, id string, in VolunteerPatch) (Volunteer, error) {
	var f apperr.Fields
	if in.Name != nil {
		*in.Name = checkText(&f, "name", *in.Name, 1, 64)
	}
	if in.Skills != nil {
		*in.Skills = checkText(&f, "skills", *in.Skills, 0, 200)
	}
	if in.Status != nil && !slices.Contains(Statuses, *in.Status) {
		f.Add("status", "validation.one_of", "values", strings.Join(Statuses, ", "))
	}
	if in.Phone != nil && strings.TrimSpace(*in.Phone) != "" {
		p, err := pii.NormalizePhone("phone", *in.Phone)
		if err != nil {
			f = append(f, apperr.As(err).Fields...)
		}
		*in.Phone = p
	}
	if err := f.Refuse(); err != nil {
		return Volunteer{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		v, err := volunteerByID(ctx, tx, authz.VolunteerWrite, id, "")
		if err != nil {
			return err
		}
		if v.Version != in.Version {
			return apperr.E(apperr.Conflict, "volunteer.stale")
		}
		if v.Status == "left" {
			return apperr.E(apperr.Conflict, "volunteer.left")
		}
		sets := []string{"version = version + 1", "updated_at = ?"}
		args := []any{s.now()}
		if in.Name != nil {
			sets, args = append(sets, "name = ?"), append(args, *in.Name)
		}
		if in.Skills != nil {
			sets, args = append(sets, "skills = ?"), append(args, *in.Skills)
		}
		if in.GridID != nil {
			if err := checkGrid(ctx, tx, *in.GridID, v.path); err != nil {
				return err
			}
			sets, args = append(sets, "grid_id = ?"), append(args, *in.GridID)
		}
		if in.Phone != nil {
			masked, err := s.roster.SetPhoneTx(ctx, tx, v.WorkerID, *in.Phone)
			if err != nil {
				return err
			}
			sets, args = append(sets, "phone_masked = ?"), append(args, masked)
		}
		if in.Username != nil {
			user, err := s.roster.SetAccountTx(ctx, tx, v.WorkerID, *in.Username, authz.VolunteerWrite)
			if err != nil {
				return err
			}
			var link any // NULL: unlinked
			if user != "" {
				link = user
			}
			sets, args = append(sets, "user_id = ?"), append(args, link)
		}
		if in.Status != nil {
			sets, args = append(sets, "status = ?"), append(args, *in.Status)
			if *in.Status == "left" {
				if err := org.LeaveTx(ctx, tx, v.WorkerID, s.Now().In(Zone).Format(time.DateOnly)); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE volunteers SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerWrite, "volunteer.update", "volunteer", id, "")
	})
	if err != nil {
		return Volunteer{}, err
	}
	return volunteerByID(ctx, s.db.Reader(), authz.VolunteerRead, id, "")
}
