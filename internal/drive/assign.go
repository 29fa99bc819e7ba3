package drive

import (
	"context"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Assignment is one action of a campaign pushed to one town, village,
// grid or unit, with its holder's report and its light: green done or on
// track, yellow due within three days and short of its target (or not yet
// reported), red overdue or left undone at the close.
type Assignment struct {
	ID        string `json:"id"`
	DriveID   string `json:"drive_id"`
	DriveName string `json:"drive_name"`
	ActionID  string `json:"action_id"`
	Title     string `json:"title"`
	Detail    string `json:"detail"`
	Level     string `json:"level"`
	Target    int    `json:"target"`
	Measure   string `json:"measure"`
	DueOn     string `json:"due_on"`
	TownID    string `json:"town_id"`
	Holder    string `json:"holder"` // the town's, village's, grid's or unit's name
	Count     int    `json:"count"`
	Note      string `json:"note"`
	Done      bool   `json:"done"`
	DoneAt    *int64 `json:"done_at"`
	ByName    string `json:"by_name"`
	At        *int64 `json:"at"`
	Light     string `json:"light"`
	Why       string `json:"why"` // done, undone, overdue, due_soon, on_track
	CanReport bool   `json:"can_report"`
	status    string
	areaID    string
	gridID    string
	unitID    string
	path      string
}

// ReportInput is a holder's report: how many of the action's measure are
// done so far (a total, not an addition, so a report sent twice counts
// once), a note, and whether the action is done.
type ReportInput struct {
	Count int    `json:"count"`
	Note  string `json:"note"`
	Done  bool   `json:"done"`
}

// Filter narrows a campaign's assignments.
type Filter struct {
	Action, Town, Light string
}

const assignCols = `s.id, s.drive_id, d.name, d.status, s.action_id, a.title, a.detail, a.level, a.target, a.measure, a.due_on,
	COALESCE(s.town_id, ''), s.name, s.done_count, s.note, s.done_at, s.reported_by, s.reported_at,
	COALESCE(s.area_id, ''), COALESCE(s.grid_id, ''), COALESCE(s.unit_id, ''), s.path`

func (s *Service) readAssignments(ctx context.Context, q db.Querier, cond string, args ...any) ([]Assignment, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+assignCols+` FROM drive_assignments s JOIN drive_actions a ON a.id = s.action_id JOIN drives d ON d.id = s.drive_id
		WHERE `+cond+" ORDER BY a.seq, s.path, s.name", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Assignment{}
	today := s.today()
	for rows.Next() {
		var a Assignment
		if err := rows.Scan(&a.ID, &a.DriveID, &a.DriveName, &a.status, &a.ActionID, &a.Title, &a.Detail, &a.Level, &a.Target, &a.Measure, &a.DueOn,
			&a.TownID, &a.Holder, &a.Count, &a.Note, &a.DoneAt, &a.ByName, &a.At, &a.areaID, &a.gridID, &a.unitID, &a.path); err != nil {
			return nil, err
		}
		a.Done = a.DoneAt != nil
		a.light(today)
		out = append(out, a)
	}
	return out, rows.Err()
}

// light sets the assignment's light as of today.
func (a *Assignment) light(today string) {
	soon := addDays(today, 3)
	switch {
	case a.Done:
		a.Light, a.Why = Green, "done"
	case a.status == Closed:
		a.Light, a.Why = Red, "undone"
	case a.DueOn < today:
		a.Light, a.Why = Red, "overdue"
	case a.DueOn <= soon && (a.At == nil || a.Count < a.Target):
		a.Light, a.Why = Yellow, "due_soon"
	default:
		a.Light, a.Why = Green, "on_track"
	}
}

// canReport is whether the caller reports on a: a grid's, town's or
// village's holder of drive.do over it, a unit's staff, or the committee
// (drive.write over the campaign's root).
func canReport(p *authz.Principal, a Assignment, rootPath string) bool {
	if p.Covers(authz.DriveWrite, rootPath) {
		return true
	}
	if a.unitID != "" {
		return unitStaff(p, a.unitID)
	}
	return p.Covers(authz.DriveDo, a.path)
}

// unitStaff is whether the caller works for the unit and carries out its
// part: drive.do, or the unit's statistician (safety.report).
func unitStaff(p *authz.Principal, unitID string) bool {
	return unitID != "" && p.UnitID == unitID && (len(p.Scopes(authz.DriveDo)) > 0 || len(p.Scopes(authz.SafetyReport)) > 0)
}

// Assignments lists a campaign's assignments, narrowed by action, town or
// light, for those who read its root's campaigns.
func (s *Service) Assignments(ctx context.Context, driveID string, f Filter) ([]Assignment, error) {
	q := s.db.Reader()
	d, err := s.drive(ctx, q, driveID, authz.DriveRead)
	if err != nil {
		return nil, err
	}
	cond, args := "s.drive_id = ?", []any{driveID}
	if f.Action != "" {
		cond, args = cond+" AND s.action_id = ?", append(args, f.Action)
	}
	if f.Town != "" {
		cond, args = cond+" AND s.town_id = ?", append(args, f.Town)
	}
	if f.Light != "" && !slices.Contains([]string{Green, Yellow, Red}, f.Light) {
		return nil, apperr.Field("light", "validation.one_of", "values", "green, yellow, red")
	}
	list, err := s.readAssignments(ctx, q, cond, args...)
	if err != nil {
		return nil, err
	}
	p := authz.From(ctx)
	out := list[:0]
	for _, a := range list {
		if f.Light == "" || a.Light == f.Light {
			a.CanReport = d.Status == Running && canReport(p, a, d.path)
			out = append(out, a)
		}
	}
	return out, nil
}

// Mine is a field user's page of running campaigns: what they pushed to
// the caller's grids (on the caller's roster), to the areas the caller is
// granted drive.do at and to the caller's unit; the campaigns the caller
// may give clues to; and the caller's clues with their status.
type Mine struct {
	Assignments []Assignment `json:"assignments"`
	ClueDrives  []Ref        `json:"clue_drives"`
	Clues       []MyClue     `json:"clues"`
}

// MyPage returns the caller's page.
func (s *Service) MyPage(ctx context.Context) (Mine, error) {
	p, q := authz.From(ctx), s.db.Reader()
	if len(p.Scopes(authz.DriveDo)) == 0 && len(p.Scopes(authz.DriveClue)) == 0 && !unitStaff(p, p.UnitID) {
		return Mine{}, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.DriveDo)
	}
	out := Mine{Assignments: []Assignment{}, ClueDrives: []Ref{}, Clues: []MyClue{}}
	if len(p.Scopes(authz.DriveDo)) > 0 || unitStaff(p, p.UnitID) {
		var conds []string
		var args []any
		if w, err := org.WorkerOfUser(ctx, q, p.UserID); err == nil {
			grids, err := org.GridsOfWorker(ctx, q, w.ID)
			if err != nil {
				return out, err
			}
			for _, g := range grids {
				conds, args = append(conds, "s.grid_id = ?"), append(args, g)
			}
		}
		for _, g := range p.Grants {
			if slices.Contains(g.Perms, authz.DriveDo) {
				conds, args = append(conds, "s.area_id = ?"), append(args, g.OrgID)
			}
		}
		if unitStaff(p, p.UnitID) {
			conds, args = append(conds, "s.unit_id = ?"), append(args, p.UnitID)
		}
		if len(conds) > 0 {
			list, err := s.readAssignments(ctx, q, "d.status = 'running' AND ("+strings.Join(conds, " OR ")+")", args...)
			if err != nil {
				return out, err
			}
			for _, a := range list {
				a.CanReport = true
				out.Assignments = append(out.Assignments, a)
			}
			// Open ones first, the worst light and nearest deadline first.
			rank := map[string]int{Red: 0, Yellow: 1, Green: 2}
			slices.SortStableFunc(out.Assignments, func(a, b Assignment) int {
				if a.Done != b.Done {
					return boolInt(a.Done) - boolInt(b.Done)
				}
				if a.Light != b.Light {
					return rank[a.Light] - rank[b.Light]
				}
				return strings.Compare(a.DueOn, b.DueOn)
			})
		}
	}
	if len(p.Scopes(authz.DriveClue)) > 0 {
		var err error
		if out.ClueDrives, err = s.clueDrives(ctx, q); err != nil {
			return out, err
		}
		if out.Clues, err = s.myClues(ctx, q); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Report records the holder's report on an assignment of a running
// campaign. Audited.
func (s *Service) Report(ctx context.Context, id string, in ReportInput) (Assignment, error) {
	var out Assignment
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		list, err := s.readAssignments(ctx, tx, "s.id = ?", id)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return apperr.NotFoundf("drive_assignment")
		}
		a := list[0]
		var rootPath string
		if err := tx.QueryRowContext(ctx, "SELECT path FROM drives WHERE id = ?", a.DriveID).Scan(&rootPath); err != nil {
			return err
		}
		p := authz.From(ctx)
		if !canReport(p, a, rootPath) {
			// Another grid's or unit's work is not the caller's to see.
			return apperr.NotFoundf("drive_assignment")
		}
		if a.status != Running {
			return apperr.E(apperr.Conflict, "drive.not_running")
		}
		var f apperr.Fields
		if in.Count < 0 || in.Count > 1000000 {
			f.Add("count", "validation.range", "min", 0, "max", 1000000)
		}
		in.Note = checkText(&f, "note", in.Note, 0, 500)
		if in.Done && in.Count < a.Target && in.Note == "" {
			f.Add("note", "drive.short_note", "target", a.Target)
		}
		if err := f.Refuse(); err != nil {
			return err
		}
		now := db.Now()
		doneAt := a.DoneAt
		switch {
		case in.Done && doneAt == nil:
			doneAt = &now
		case !in.Done:
			doneAt = nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE drive_assignments SET done_count = ?, note = ?, done_at = ?, reported_by = ?, reported_at = ? WHERE id = ?",
			in.Count, in.Note, doneAt, p.DisplayName, now, id); err != nil {
			return err
		}
		if err := s.record(ctx, tx, authz.DriveDo, "drive.report", "drive_assignment", id, a.Title); err != nil {
			return err
		}
		list, err = s.readAssignments(ctx, tx, "s.id = ?", id)
		if err != nil {
			return err
		}
		out = list[0]
		out.CanReport = true
		return nil
	})
	return out, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func addDays(day string, n int) string {
	t, err := parseDay(day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}
