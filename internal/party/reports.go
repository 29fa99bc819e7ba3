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
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// 双报到: a unit's party organisation (a government office, a company's
// branch) reports to the community where it serves, each member to the
// community where they live. The community accepts or declines, assigns
// an accepted member to a grid or compound, and gives tasks.

// ReportKinds are what reports: a unit's organisation, or a member.
var ReportKinds = []string{"org", "member"}

// Report is a 双报到 registration, the phone masked.
type Report struct {
	ID           string  `json:"id"`
	Kind         string  `json:"kind"`
	OrgID        string  `json:"org_id"`
	OrgName      string  `json:"org_name"`
	Path         string  `json:"-"`
	Name         string  `json:"name"`
	Unit         string  `json:"unit"`
	OwnOrg       string  `json:"own_org"`
	UnitReportID string  `json:"unit_report_id,omitempty"`
	PhoneMasked  string  `json:"phone_masked"`
	Address      string  `json:"address"`
	CompoundID   string  `json:"compound_id,omitempty"`
	GridID       string  `json:"grid_id,omitempty"`
	Status       string  `json:"status"`
	Reason       string  `json:"reason,omitempty"`
	PartyOrgID   string  `json:"party_org_id,omitempty"`
	MemberID     string  `json:"member_id,omitempty"`
	Tasks        int     `json:"tasks"`
	Done         int     `json:"done"`
	Hours        float64 `json:"hours"`
	Version      int     `json:"version"`
	userID       string
}

// ReportInput registers an organisation or a member with a community.
type ReportInput struct {
	Kind         string `json:"kind"`
	OrgID        string `json:"org_id"` // the community
	Name         string `json:"name"`
	Unit         string `json:"unit,omitempty"`
	OwnOrg       string `json:"own_org,omitempty"`
	UnitReportID string `json:"unit_report_id,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Address      string `json:"address,omitempty"`
	CompoundID   string `json:"compound_id,omitempty"`
}

// Decision accepts (with the assignment) or declines (with a reason) a registration.
type Decision struct {
	Version    int    `json:"version"`
	GridID     string `json:"grid_id,omitempty"`
	CompoundID string `json:"compound_id,omitempty"`
	PartyOrgID string `json:"party_org_id,omitempty"` // the organisation a member joins
	Reason     string `json:"reason,omitempty"`
}

// Task is a task the community gave a registered organisation or member.
type Task struct {
	ID       string  `json:"id"`
	ReportID string  `json:"report_id"`
	Name     string  `json:"name"` // who it was given to
	Title    string  `json:"title"`
	DueOn    string  `json:"due_on"`
	Status   string  `json:"status"`
	Note     string  `json:"note,omitempty"`
	Hours    float64 `json:"hours"`
	DoneOn   string  `json:"done_on,omitempty"`
	Version  int     `json:"version"`
	path     string
	userID   string
}

// TaskInput gives a task.
type TaskInput struct {
	ReportID string `json:"report_id"`
	Title    string `json:"title"`
	DueOn    string `json:"due_on"`
}

// DoneInput closes a task with a note and the hours served.
type DoneInput struct {
	Version int     `json:"version"`
	Note    string  `json:"note"`
	Hours   float64 `json:"hours"`
}

// BoardRow is one community's 双报到 figures.
type BoardRow struct {
	OrgID    string  `json:"org_id"`
	OrgName  string  `json:"org_name"`
	Orgs     int     `json:"orgs"`
	Members  int     `json:"members"`
	Pending  int     `json:"pending"`
	Declined int     `json:"declined"`
	Tasks    int     `json:"tasks"`
	Done     int     `json:"done"`
	Hours    float64 `json:"hours"`
}

// Board is the 双报到 board of an area.
type Board struct {
	Rows  []BoardRow `json:"rows"`
	Total BoardRow   `json:"total"`
}

// Mine is a party member's own page on the phone.
type Mine struct {
	Member  *Member  `json:"member,omitempty"`
	Org     *Org     `json:"org,omitempty"`
	Reports []Report `json:"reports"`
	Tasks   []Task   `json:"tasks"`
}

const reportCols = `r.id, r.kind, r.org_id, o.name, r.path, r.name, r.unit, r.own_org, COALESCE(r.unit_report_id, ''), r.phone_masked, r.address,
	COALESCE(r.compound_id, ''), COALESCE(r.grid_id, ''), r.status, r.reason, COALESCE(r.party_org_id, ''), COALESCE(r.member_id, ''),
	(SELECT COUNT(*) FROM party_report_tasks t WHERE t.report_id = r.id),
	(SELECT COUNT(*) FROM party_report_tasks t WHERE t.report_id = r.id AND t.status = 'done'),
	COALESCE((SELECT SUM(t.hours) FROM party_report_tasks t WHERE t.report_id = r.id AND t.status = 'done'), 0), r.version, COALESCE(r.user_id, '')`

const reportFrom = " FROM party_reports r JOIN org_nodes o ON o.id = r.org_id "

func scanReport(sc interface{ Scan(...any) error }) (Report, error) {
	var r Report
	err := sc.Scan(&r.ID, &r.Kind, &r.OrgID, &r.OrgName, &r.Path, &r.Name, &r.Unit, &r.OwnOrg, &r.UnitReportID, &r.PhoneMasked, &r.Address,
		&r.CompoundID, &r.GridID, &r.Status, &r.Reason, &r.PartyOrgID, &r.MemberID, &r.Tasks, &r.Done, &r.Hours, &r.Version, &r.userID)
	return r, err
}

// Reports lists the registrations with the caller's communities
// (party.read), of an area, kind and status; audited, as they name party
// members.
func (s *Service) Reports(ctx context.Context, orgID, kind, status string) ([]Report, error) {
	cond, args := readable(ctx, "r.path")
	if orgID != "" {
		c, a, err := regkit.InArea(ctx, s.db.Reader(), "r.path", orgID)
		if err != nil {
			return nil, err
		}
		cond, args = cond+" AND "+c, append(args, a...)
	}
	if kind != "" {
		cond, args = cond+" AND r.kind = ?", append(args, kind)
	}
	if status != "" {
		cond, args = cond+" AND r.status = ?", append(args, status)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+reportCols+reportFrom+"WHERE "+cond+" ORDER BY r.created_at DESC, r.id LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanReport)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []Report{}
	}
	return out, s.audit.RecordAlone(ctx, s.db, authz.PartyRead, audit.Entry{Action: "party.reports_read", ObjectType: "party_report",
		Detail: "found " + itoa(len(out))})
}

// Report returns one registration the caller may read: party.read over
// its community, or their own.
func (s *Service) Report(ctx context.Context, id string) (Report, error) {
	r, err := scanReport(s.db.Reader().QueryRowContext(ctx, "SELECT "+reportCols+reportFrom+"WHERE r.id = ?", id))
	p := authz.From(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.PartyRead, r.Path) && (r.userID == "" || r.userID != p.UserID)) {
		return Report{}, apperr.NotFoundf("party_report")
	}
	return r, err
}

func (s *Service) checkReport(ctx context.Context, q db.Querier, f *apperr.Fields, in *ReportInput, id string) (path, sealed, masked string, err error) {
	in.Name, in.Unit, in.OwnOrg, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Unit), strings.TrimSpace(in.OwnOrg), strings.TrimSpace(in.Address)
	regkit.OneOf(f, "kind", in.Kind, ReportKinds, true)
	if in.Name == "" {
		f.Add("name", "party.required")
	}
	regkit.CheckLen(f, "name", in.Name, 60)
	regkit.CheckLen(f, "unit", in.Unit, 100)
	regkit.CheckLen(f, "own_org", in.OwnOrg, 100)
	regkit.CheckLen(f, "address", in.Address, 200)
	if in.Kind == "org" && in.Unit == "" {
		f.Add("unit", "party.required")
	}
	if in.Kind == "member" && in.OwnOrg == "" && in.UnitReportID == "" {
		f.Add("own_org", "party.required")
	}
	if ph := strings.TrimSpace(in.Phone); ph != "" {
		norm, perr := pii.NormalizePhone("phone", ph)
		if perr != nil {
			regkit.Collect(f, perr)
		} else {
			sealed, masked = s.vault.Seal("party_reports.phone", id, norm), pii.MaskPhone(norm)
		}
	}
	if in.OrgID == "" {
		f.Add("org_id", "party.required")
		return "", "", "", nil
	}
	kind, kerr := org.KindOf(ctx, q, in.OrgID, "org_id")
	if err := regkit.Collect(f, kerr); err != nil || kerr != nil {
		return "", "", "", err
	}
	if kind != "village" {
		f.Add("org_id", "party.not_community")
	}
	if path, err = org.PathOf(ctx, q, in.OrgID, "org_id"); err != nil {
		return "", "", "", regkit.Collect(f, err)
	}
	if in.UnitReportID != "" {
		var up, ukind, ustatus string
		e := q.QueryRowContext(ctx, "SELECT path, kind, status FROM party_reports WHERE id = ?", in.UnitReportID).Scan(&up, &ukind, &ustatus)
		if e != nil || up != path || ukind != "org" || ustatus == "declined" {
			f.Add("unit_report_id", "party.not_found")
		}
	}
	if in.CompoundID != "" {
		s.checkPlaces(ctx, q, f, path, in.CompoundID, "", "")
	}
	return path, sealed, masked, nil
}

// Register records a registration entered by a keeper of the community's
// tree (the unit's application brought to the community).
func (s *Service) Register(ctx context.Context, in ReportInput, k idem.Key) (Report, error) {
	return s.registerAs(ctx, in, "", k)
}

// RegisterMine records the signed-in party member's own registration with
// the community where they live: any community of the county may take it.
func (s *Service) RegisterMine(ctx context.Context, in ReportInput, k idem.Key) (Report, error) {
	p := authz.From(ctx)
	m, err := MemberOfUser(ctx, s.db.Reader(), p.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, apperr.E(apperr.Forbidden, "party.not_member")
	}
	if err != nil {
		return Report{}, err
	}
	in.Kind = "member"
	if strings.TrimSpace(in.Name) == "" {
		in.Name = m.Name
	}
	if strings.TrimSpace(in.OwnOrg) == "" {
		if o, err := OrgByID(ctx, s.db.Reader(), m.PartyOrgID, ""); err == nil {
			in.OwnOrg = o.Name
		}
	}
	return s.registerAs(ctx, in, p.UserID, k)
}

func (s *Service) registerAs(ctx context.Context, in ReportInput, userID string, k idem.Key) (Report, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, k, func() (string, error) {
			id := db.NewID()
			var f apperr.Fields
			path, sealed, masked, err := s.checkReport(ctx, tx, &f, &in, id)
			if err != nil {
				return "", err
			}
			if userID == "" && path != "" && !authz.From(ctx).Covers(authz.PartyWrite, path) {
				f.Add("org_id", "org.not_found")
			}
			if userID != "" && path != "" {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM party_reports WHERE user_id = ? AND org_id = ? AND status <> 'declined'", userID, in.OrgID).Scan(&n); err != nil {
					return "", err
				}
				if n > 0 {
					f.Add("org_id", "party.already_reported")
				}
			}
			if err := f.Err(); err != nil {
				return "", err
			}
			now := s.Now().UnixMilli()
			if _, err := tx.ExecContext(ctx, `INSERT INTO party_reports (id, kind, org_id, path, name, unit, own_org, unit_report_id, phone_sealed, phone_masked,
				address, compound_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Kind, in.OrgID, path,
				in.Name, in.Unit, in.OwnOrg, regkit.Nullable(in.UnitReportID), sealed, masked, in.Address, regkit.Nullable(in.CompoundID),
				regkit.Nullable(userID), now, now); err != nil {
				return "", err
			}
			return id, s.audit.Record(ctx, tx, authz.PartyRead, audit.Entry{Action: "party.report", ObjectType: "party_report", ObjectID: id, Detail: in.Kind})
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.registerAs(ctx, in, userID, k)
	}
	if err != nil {
		return Report{}, err
	}
	return s.Report(ctx, id)
}

// lockReport reads a registration the caller keeps inside tx.
func (s *Service) lockReport(ctx context.Context, tx *db.Tx, id string) (Report, string, error) {
	var sealed string
	r, err := scanReport(tx.QueryRowContext(ctx, "SELECT "+reportCols+reportFrom+"WHERE r.id = ?", id))
	if err == nil {
		err = tx.QueryRowContext(ctx, "SELECT phone_sealed FROM party_reports WHERE id = ?", id).Scan(&sealed)
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.PartyWrite, r.Path)) {
		return r, "", apperr.NotFoundf("party_report")
	}
	return r, sealed, err
}

// topOrg is the community's own party organisation (大党委 or 党总支):
// the shallowest active one over the area.
func topOrg(ctx context.Context, q db.Querier, orgID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM party_orgs WHERE org_id = ? AND status = 'active' AND form = 'area'
		AND kind IN ('committee', 'general_branch', 'working_committee') ORDER BY created_at, id LIMIT 1`, orgID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// Accept accepts a pending registration. An organisation becomes a party
// organisation of form unit under the community's; a member becomes a
// member of the organisation named, of their unit's, or of the
// community's, assigned to a grid or compound, so red orders reach them.
func (s *Service) Accept(ctx context.Context, id string, in Decision) (Report, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, sealed, err := s.lockReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status != "pending" {
			return apperr.E(apperr.Conflict, "party.not_pending", "status", r.Status, "current", r)
		}
		if r.Version != in.Version {
			return errStale
		}
		var f apperr.Fields
		s.checkPlaces(ctx, tx, &f, r.Path, in.CompoundID, "", in.GridID)
		if err := f.Err(); err != nil {
			return err
		}
		top, err := topOrg(ctx, tx, r.OrgID)
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		set, args := "status = 'accepted', decided_at = ?, grid_id = ?, compound_id = ?", []any{now, regkit.Nullable(in.GridID), regkit.Nullable(firstOf(in.CompoundID, r.CompoundID))}
		if r.Kind == "org" {
			oid := db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO party_orgs (id, parent_id, name, kind, form, org_id, path, compound_id, grid_id, secretary, created_at, updated_at)
				VALUES (?, ?, ?, 'branch', 'unit', ?, ?, ?, ?, '', ?, ?)`, oid, regkit.Nullable(top), r.Name, r.OrgID, r.Path,
				regkit.Nullable(in.CompoundID), regkit.Nullable(in.GridID), now, now); err != nil {
				return err
			}
			set, args = set+", party_org_id = ?", append(args, oid)
		} else {
			target := in.PartyOrgID
			if target == "" && r.UnitReportID != "" {
				var unitOrg sql.NullString
				if err := tx.QueryRowContext(ctx, "SELECT party_org_id FROM party_reports WHERE id = ?", r.UnitReportID).Scan(&unitOrg); err != nil {
					return err
				}
				target = unitOrg.String
			}
			if target == "" {
				target = top
			}
			if target == "" {
				return apperr.Field("party_org_id", "party.required")
			}
			o, err := OrgByID(ctx, tx, target, "party_org_id")
			if err == nil && (o.Path != r.Path || o.Status != "active") {
				err = apperr.Field("party_org_id", "party.not_found")
			}
			if err != nil {
				return err
			}
			mid := db.NewID()
			var ms, mm string
			if sealed != "" {
				phone, err := s.vault.Open("party_reports.phone", id, sealed)
				if err != nil {
					return err
				}
				ms, mm = s.SealPhone(mid, phone)
			}
			if err := s.insertMember(ctx, tx, mid, o, MemberInput{Name: r.Name, GridID: in.GridID, CompoundID: firstOf(in.CompoundID, r.CompoundID)}, ms, mm, r.userID); err != nil {
				return err
			}
			set, args = set+", member_id = ?, party_org_id = ?", append(args, mid, o.ID)
		}
		if err := s.bump(ctx, tx, "party_reports", id, in.Version, r.Version, set, args...); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.report_accept", ObjectType: "party_report", ObjectID: id})
	})
	if err != nil {
		return Report{}, s.reportConflict(ctx, id, err)
	}
	return s.Report(ctx, id)
}

// Decline declines a pending registration with a reason.
func (s *Service) Decline(ctx context.Context, id string, in Decision) (Report, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return Report{}, apperr.Field("reason", "party.reason_required")
	}
	if len([]rune(in.Reason)) > 200 {
		return Report{}, apperr.Field("reason", "party.too_long", "max", 200)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, _, err := s.lockReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status != "pending" {
			return apperr.E(apperr.Conflict, "party.not_pending", "status", r.Status, "current", r)
		}
		if err := s.bump(ctx, tx, "party_reports", id, in.Version, r.Version, "status = 'declined', reason = ?, decided_at = ?", in.Reason, s.Now().UnixMilli()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.report_decline", ObjectType: "party_report", ObjectID: id})
	})
	if err != nil {
		return Report{}, s.reportConflict(ctx, id, err)
	}
	return s.Report(ctx, id)
}

func (s *Service) reportConflict(ctx context.Context, id string, err error) error {
	if !isConflict(err) {
		return err
	}
	cur, gerr := s.Report(ctx, id)
	if gerr != nil {
		return gerr
	}
	return apperr.E(apperr.Conflict, "party.stale", "version", cur.Version, "current", cur)
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ---- tasks ----

const taskCols = `t.id, t.report_id, r.name, t.title, t.due_on, t.status, t.note, t.hours, t.done_on, t.version, t.path, COALESCE(r.user_id, '')`

func scanTask(sc interface{ Scan(...any) error }) (Task, error) {
	var t Task
	err := sc.Scan(&t.ID, &t.ReportID, &t.Name, &t.Title, &t.DueOn, &t.Status, &t.Note, &t.Hours, &t.DoneOn, &t.Version, &t.path, &t.userID)
	return t, err
}

const taskFrom = " FROM party_report_tasks t JOIN party_reports r ON r.id = t.report_id "

// Tasks lists the tasks given in the caller's communities, of an area or a registration.
func (s *Service) Tasks(ctx context.Context, orgID, reportID string) ([]Task, error) {
	cond, args := readable(ctx, "t.path")
	if orgID != "" {
		c, a, err := regkit.InArea(ctx, s.db.Reader(), "t.path", orgID)
		if err != nil {
			return nil, err
		}
		cond, args = cond+" AND "+c, append(args, a...)
	}
	if reportID != "" {
		cond, args = cond+" AND t.report_id = ?", append(args, reportID)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+taskCols+taskFrom+"WHERE "+cond+" ORDER BY t.due_on DESC, t.id LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, scanTask)
	if out == nil {
		out = []Task{}
	}
	return out, err
}

// GiveTask gives an accepted organisation or member a task.
func (s *Service) GiveTask(ctx context.Context, in TaskInput) (Task, error) {
	var f apperr.Fields
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		f.Add("title", "party.required")
	}
	regkit.CheckLen(&f, "title", in.Title, 100)
	if in.DueOn == "" {
		f.Add("due_on", "party.required")
	} else if !validDay(in.DueOn) {
		f.Add("due_on", "party.day_invalid")
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if in.ReportID == "" {
			f.Add("report_id", "party.required")
		} else {
			r, _, err := s.lockReport(ctx, tx, in.ReportID)
			if apperr.Is(err, "not_found") {
				f.Add("report_id", "party.not_found")
			} else if err != nil {
				return err
			} else if r.Status != "accepted" {
				f.Add("report_id", "party.not_accepted")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO party_report_tasks (id, report_id, path, title, due_on, created_at, updated_at)
			SELECT ?, id, path, ?, ?, ?, ? FROM party_reports WHERE id = ?`, id, in.Title, in.DueOn, now, now, in.ReportID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyWrite, audit.Entry{Action: "party.task_give", ObjectType: "party_report", ObjectID: in.ReportID})
	})
	if err != nil {
		return Task{}, err
	}
	return s.task(ctx, id)
}

func (s *Service) task(ctx context.Context, id string) (Task, error) {
	t, err := scanTask(s.db.Reader().QueryRowContext(ctx, "SELECT "+taskCols+taskFrom+"WHERE t.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.NotFoundf("party_task")
	}
	return t, err
}

// DoneTask closes a task with a note and the hours served: the member it
// was given to, from the phone, or a keeper of the community recording it.
// Replays of the same close answer as the first did.
func (s *Service) DoneTask(ctx context.Context, id string, in DoneInput) (Task, error) {
	var f apperr.Fields
	in.Note = strings.TrimSpace(in.Note)
	if in.Note == "" {
		f.Add("note", "party.required")
	}
	regkit.CheckLen(&f, "note", in.Note, 1000)
	if in.Hours < 0 || in.Hours > 24 {
		f.Add("hours", "party.out_of_range", "min", 0, "max", 24)
	}
	if err := f.Err(); err != nil {
		return Task{}, err
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		t, err := scanTask(tx.QueryRowContext(ctx, "SELECT "+taskCols+taskFrom+"WHERE t.id = ?"+tx.ForUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.PartyWrite, t.path) && (t.userID == "" || t.userID != p.UserID)) {
			return apperr.NotFoundf("party_task")
		}
		if err != nil {
			return err
		}
		if t.Status == "done" {
			if t.Note == in.Note {
				return nil // the phone's queued close, sent again
			}
			return apperr.E(apperr.Conflict, "party.task_done", "current", t)
		}
		if err := s.bump(ctx, tx, "party_report_tasks", id, in.Version, t.Version, "status = 'done', note = ?, hours = ?, done_on = ?",
			in.Note, in.Hours, s.today()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PartyRead, audit.Entry{Action: "party.task_done", ObjectType: "party_report", ObjectID: t.ReportID})
	})
	if isConflict(err) {
		cur, gerr := s.task(ctx, id)
		if gerr != nil {
			return Task{}, gerr
		}
		return Task{}, apperr.E(apperr.Conflict, "party.stale", "version", cur.Version, "current", cur)
	}
	if err != nil {
		return Task{}, err
	}
	return s.task(ctx, id)
}

// Board counts 双报到 per community under an area of the caller's.
func (s *Service) Board(ctx context.Context, orgID string) (Board, error) {
	cond, args := readable(ctx, "r.path")
	if orgID != "" {
		c, a, err := regkit.InArea(ctx, s.db.Reader(), "r.path", orgID)
		if err != nil {
			return Board{}, err
		}
		cond, args = cond+" AND "+c, append(args, a...)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT r.org_id, o.name,
		SUM(CASE WHEN r.kind = 'org' AND r.status = 'accepted' THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.kind = 'member' AND r.status = 'accepted' THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END),
		COALESCE(SUM((SELECT COUNT(*) FROM party_report_tasks t WHERE t.report_id = r.id)), 0),
		COALESCE(SUM((SELECT COUNT(*) FROM party_report_tasks t WHERE t.report_id = r.id AND t.status = 'done')), 0),
		COALESCE(SUM((SELECT COALESCE(SUM(t.hours), 0) FROM party_report_tasks t WHERE t.report_id = r.id AND t.status = 'done')), 0)
		`+reportFrom+`WHERE `+cond+` GROUP BY r.org_id, o.name, o.code ORDER BY o.code`, args...)
	if err != nil {
		return Board{}, err
	}
	defer rows.Close()
	b := Board{Rows: []BoardRow{}}
	for rows.Next() {
		var r BoardRow
		if err := rows.Scan(&r.OrgID, &r.OrgName, &r.Orgs, &r.Members, &r.Pending, &r.Declined, &r.Tasks, &r.Done, &r.Hours); err != nil {
			return b, err
		}
		b.Rows = append(b.Rows, r)
		b.Total.Orgs, b.Total.Members, b.Total.Pending, b.Total.Declined = b.Total.Orgs+r.Orgs, b.Total.Members+r.Members, b.Total.Pending+r.Pending, b.Total.Declined+r.Declined
		b.Total.Tasks, b.Total.Done, b.Total.Hours = b.Total.Tasks+r.Tasks, b.Total.Done+r.Done, b.Total.Hours+r.Hours
	}
	return b, rows.Err()
}

// Mine returns the signed-in party member's organisation, registrations
// and tasks.
func (s *Service) Mine(ctx context.Context) (Mine, error) {
	p := authz.From(ctx)
	out := Mine{Reports: []Report{}, Tasks: []Task{}}
	q := s.db.Reader()
	m, err := MemberOfUser(ctx, q, p.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return out, apperr.E(apperr.Forbidden, "party.not_member")
	}
	if err != nil {
		return out, err
	}
	out.Member = &m
	if o, err := OrgByID(ctx, q, m.PartyOrgID, ""); err == nil {
		out.Org = &o
	}
	rows, err := q.QueryContext(ctx, "SELECT "+reportCols+reportFrom+"WHERE r.user_id = ? ORDER BY r.created_at DESC", p.UserID)
	if err != nil {
		return out, err
	}
	rs, err := collect(rows, scanReport)
	if err != nil {
		return out, err
	}
	if rs != nil {
		out.Reports = rs
	}
	rows, err = q.QueryContext(ctx, "SELECT "+taskCols+taskFrom+"WHERE r.user_id = ? ORDER BY t.status DESC, t.due_on, t.id LIMIT 200", p.UserID)
	if err != nil {
		return out, err
	}
	ts, err := collect(rows, scanTask)
	if ts != nil {
		out.Tasks = ts
	}
	return out, err
}

// Communities lists the communities and villages of the signed-in party
// member's town, where they may register (双报到 where they live).
func (s *Service) Communities(ctx context.Context) ([]org.Ref, error) {
	q := s.db.Reader()
	m, err := MemberOfUser(ctx, q, authz.From(ctx).UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.Forbidden, "party.not_member")
	}
	if err != nil {
		return nil, err
	}
	// The member's area is a village; its town is the path one step up.
	parts := strings.Split(strings.Trim(m.Path, "/"), "/")
	if len(parts) < 2 {
		return []org.Ref{}, nil
	}
	town, err := org.IDAt(ctx, q, "/"+strings.Join(parts[:len(parts)-1], "/")+"/")
	if err != nil {
		return nil, err
	}
	out, err := org.Children(ctx, q, town)
	if out == nil {
		out = []org.Ref{}
	}
	return out, err
}

// MemberTask is a 双报到 task given to an accepted member, as the points
// ledger counts it: done with its hours, or still open.
type MemberTask struct {
	ID       string
	MemberID string
	Status   string // open, done
	DueOn    string // YYYY-MM-DD
	DoneOn   string
	Hours    float64
}

// MemberTasks lists the tasks of accepted members due on or after since
// (YYYY-MM-DD): what the points ledger credits (hours served) or deducts
// (a task left open past its day).
func MemberTasks(ctx context.Context, q db.Querier, since string) ([]MemberTask, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, r.member_id, t.status, t.due_on, t.done_on, t.hours FROM party_report_tasks t
		JOIN party_reports r ON r.id = t.report_id
		WHERE r.kind = 'member' AND r.status = 'accepted' AND r.member_id IS NOT NULL AND t.due_on >= ? ORDER BY t.due_on, t.id`, since)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (MemberTask, error) {
		var t MemberTask
		err := sc.Scan(&t.ID, &t.MemberID, &t.Status, &t.DueOn, &t.DoneOn, &t.Hours)
		return t, err
	})
}
