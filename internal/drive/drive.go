// Package drive runs special campaigns (专项行动): 断卡断流 against
// telecom fraud, 禁毒宣传, 防赌, 扫黑除恶 with its clue drive, a holiday
// safety drive. The committee of a county or a city plans one — its
// period, aim, the towns and units taking part and a list of actions, each
// for a level (every town, every village, every grid, every unit taking
// part) with a deadline and what is counted — and starts it: each action
// is pushed down as one assignment per town, village, grid or unit, which
// its holder reports on (how many done, a note, done). Figures per town
// roll the assignments and the clues up; a campaign is closed with its
// results in words.
//
// A campaign that takes clues (线索) opens a confidential intake to
// residents and grid members: the clue's text, place, contact and giver are
// sealed at rest, the committee sees only counts, the giver sees only its
// status, and the police of the clue's area (drive.clues over it) read and
// verify it, every opening audited.
//
// It owns drives, drive_areas, drive_units, drive_actions,
// drive_assignments and drive_clues; it asks org for areas, grids and the
// roster and casework for units.
package drive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Kinds of campaign.
var Kinds = []string{"anti_fraud", "anti_drug", "anti_gambling", "anti_gang", "holiday", "other"}

// Levels an action is pushed to: every town taking part, every village and
// every main grid under them, every unit taking part.
var Levels = []string{"town", "village", "grid", "unit"}

// Statuses of a campaign.
const (
	Draft   = "draft"
	Running = "running"
	Closed  = "closed"
)

// Lights of an assignment.
const (
	Green  = "green"
	Yellow = "yellow"
	Red    = "red"
)

// Zone is China Standard Time: dates are days there.
var Zone = time.FixedZone("CST", 8*3600)

// Service runs the campaigns.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), Now: time.Now}
}

// Drive is a campaign with its lists and, on its page, its progress.
type Drive struct {
	ID         string   `json:"id"`
	RootID     string   `json:"root_id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Aim        string   `json:"aim"`
	StartsOn   string   `json:"starts_on"`
	EndsOn     string   `json:"ends_on"`
	TakesClues bool     `json:"takes_clues"`
	Status     string   `json:"status"`
	Summary    string   `json:"summary"`
	CreatedAt  int64    `json:"created_at"`
	StartedAt  *int64   `json:"started_at"`
	ClosedAt   *int64   `json:"closed_at"`
	Version    int      `json:"version"`
	Towns      []Ref    `json:"towns"`
	Units      []Ref    `json:"units"`
	Actions    []Action `json:"actions"`
	// Progress over every assignment: how many, done, and red (overdue).
	Assigned int  `json:"assigned"`
	Done     int  `json:"done"`
	Late     int  `json:"late"`
	Clues    int  `json:"clues"`
	CanWrite bool `json:"can_write"`
	path     string
}

// Ref is a town or a unit taking part.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Action is one line of a campaign's list.
type Action struct {
	ID      string `json:"id"`
	Seq     int    `json:"seq"`
	Title   string `json:"title"`
	Detail  string `json:"detail"`
	Level   string `json:"level"`
	Target  int    `json:"target"`
	Measure string `json:"measure"`
	DueOn   string `json:"due_on"`
}

// Input is a campaign as the committee plans it (a new one or a draft's
// edit; Version is the draft's version when editing).
type Input struct {
	RootID     string        `json:"root_id"` // a new campaign's county or city
	Name       string        `json:"name"`
	Kind       string        `json:"kind"`
	Aim        string        `json:"aim"`
	StartsOn   string        `json:"starts_on"`
	EndsOn     string        `json:"ends_on"`
	TakesClues bool          `json:"takes_clues"`
	TownIDs    []string      `json:"town_ids"`
	UnitIDs    []string      `json:"unit_ids"`
	Actions    []ActionInput `json:"actions"`
	Version    int           `json:"version"`
}

// ActionInput is a line of the list.
type ActionInput struct {
	Title   string `json:"title"`
	Detail  string `json:"detail"`
	Level   string `json:"level"`
	Target  int    `json:"target"`
	Measure string `json:"measure"`
	DueOn   string `json:"due_on"`
}

// CloseInput is the campaign's results in words.
type CloseInput struct {
	Summary string `json:"summary"`
}

func parseDay(s string) (time.Time, error) { return time.ParseInLocation("2006-01-02", s, Zone) }

func (s *Service) today() string { return s.Now().In(Zone).Format("2006-01-02") }

func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, typ, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: typ, ObjectID: id, Detail: detail})
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("drive")
	}
	return err
}

// rootPath is the path of root id (a county or a city) when the caller
// holds perm over it; otherwise not found.
func rootPath(ctx context.Context, q db.Querier, perm authz.Perm, id string) (string, error) {
	path, err := org.PathIn(ctx, q, perm, id, "root_id")
	if err != nil {
		return "", err
	}
	if kind, err := org.KindOf(ctx, q, id, "root_id"); err != nil {
		return "", err
	} else if kind != "county" && kind != "city" {
		return "", apperr.Field("root_id", "drive.not_root")
	}
	return path, nil
}

func checkText(f *apperr.Fields, field, v string, min, max int) string {
	v = strings.TrimSpace(v)
	if n := len([]rune(v)); n < min || n > max {
		f.Add(field, "validation.length", "min", min, "max", max)
	}
	return v
}

// check validates a plan against the root at path: the period, the towns
// (under the root, at least one), the units (of the root's area), and
// every action (a level, a deadline inside the period, a target with
// what it counts; a unit action needs units taking part).
func check(ctx context.Context, q db.Querier, path string, in *Input) error {
	var f apperr.Fields
	in.Name = checkText(&f, "name", in.Name, 2, 100)
	in.Aim = checkText(&f, "aim", in.Aim, 0, 2000)
	if !slices.Contains(Kinds, in.Kind) {
		f.Add("kind", "validation.one_of", "values", strings.Join(Kinds, ", "))
	}
	start, errStart := parseDay(in.StartsOn)
	end, errEnd := parseDay(in.EndsOn)
	switch {
	case errStart != nil:
		f.Add("starts_on", "validation.date")
	case errEnd != nil:
		f.Add("ends_on", "validation.date")
	case end.Before(start):
		f.Add("ends_on", "drive.ends_before_start")
	}
	if len(in.TownIDs) == 0 || len(in.TownIDs) > 500 {
		f.Add("town_ids", "drive.towns")
	}
	seen := map[string]bool{}
	for i, id := range in.TownIDs {
		p, err := org.PathOf(ctx, q, id, "")
		kind, _ := org.KindOf(ctx, q, id, "")
		if err != nil || kind != "town" || !strings.HasPrefix(p, path) || seen[id] {
			f.Add(fmt.Sprintf("town_ids[%d]", i), "drive.town")
		}
		seen[id] = true
	}
	if len(in.UnitIDs) > 100 {
		f.Add("unit_ids", "validation.range", "min", 0, "max", 100)
	}
	for i, id := range in.UnitIDs {
		_, p, err := casework.UnitAt(ctx, q, id)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(p, path)) || seen[id] {
			f.Add(fmt.Sprintf("unit_ids[%d]", i), "drive.unit")
		} else if err != nil {
			return err
		}
		seen[id] = true
	}
	if len(in.Actions) == 0 || len(in.Actions) > 30 {
		f.Add("actions", "validation.range", "min", 1, "max", 30)
	}
	for i := range in.Actions {
		a, field := &in.Actions[i], fmt.Sprintf("actions[%d].", i)
		a.Title = checkText(&f, field+"title", a.Title, 2, 100)
		a.Detail = checkText(&f, field+"detail", a.Detail, 0, 1000)
		a.Measure = checkText(&f, field+"measure", a.Measure, 0, 10)
		switch {
		case !slices.Contains(Levels, a.Level):
			f.Add(field+"level", "validation.one_of", "values", strings.Join(Levels, ", "))
		case a.Level == "unit" && len(in.UnitIDs) == 0:
			f.Add(field+"level", "drive.unit_level")
		}
		switch {
		case a.Target < 0 || a.Target > 100000:
			f.Add(field+"target", "validation.range", "min", 0, "max", 100000)
		case a.Target > 0 && a.Measure == "":
			f.Add(field+"measure", "drive.measure")
		}
		d, err := parseDay(a.DueOn)
		if err != nil {
			f.Add(field+"due_on", "validation.date")
		} else if errStart == nil && errEnd == nil && (d.Before(start) || d.After(end)) {
			f.Add(field+"due_on", "drive.due_outside")
		}
	}
	return f.Refuse()
}

// Create plans a campaign under the root as a draft. Audited.
func (s *Service) Create(ctx context.Context, in Input) (Drive, error) {
	id, rootID := db.NewID(), in.RootID
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := rootPath(ctx, tx, authz.DriveWrite, rootID)
		if err != nil {
			return err
		}
		if err := check(ctx, tx, path, &in); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO drives (id, root_id, path, name, kind, aim, starts_on, ends_on, takes_clues, status, summary, created_by, created_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, 1)`, id, rootID, path, in.Name, in.Kind, in.Aim, in.StartsOn, in.EndsOn, in.TakesClues, Draft,
			authz.From(ctx).UserID, db.Now()); err != nil {
			return err
		}
		if err := writeLists(ctx, tx, id, in); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DriveWrite, "drive.create", "drive", id, in.Name)
	})
	if err != nil {
		return Drive{}, err
	}
	return s.Get(ctx, id)
}

// Update edits a draft: the whole plan, at the version read. Audited.
func (s *Service) Update(ctx context.Context, id string, in Input) (Drive, error) {
	return s.change(ctx, id, Draft, func(tx *db.Tx, d Drive) error {
		if d.Version != in.Version {
			return apperr.E(apperr.Conflict, "drive.stale")
		}
		if err := check(ctx, tx, d.path, &in); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE drives SET name = ?, kind = ?, aim = ?, starts_on = ?, ends_on = ?, takes_clues = ?, version = version + 1 WHERE id = ?`,
			in.Name, in.Kind, in.Aim, in.StartsOn, in.EndsOn, in.TakesClues, id); err != nil {
			return err
		}
		for _, t := range []string{"drive_areas", "drive_units", "drive_actions"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE drive_id = ?", id); err != nil {
				return err
			}
		}
		if err := writeLists(ctx, tx, id, in); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DriveWrite, "drive.update", "drive", id, in.Name)
	})
}

// change runs fn on campaign id, inside one transaction, when the caller
// plans the root's campaigns (drive.write) and the campaign is in status;
// then returns it as its page shows it.
func (s *Service) change(ctx context.Context, id, status string, fn func(tx *db.Tx, d Drive) error) (Drive, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		d, err := s.drive(ctx, tx, id, authz.DriveWrite)
		switch {
		case err != nil:
			return err
		case d.Status != status && status == Draft:
			return apperr.E(apperr.Conflict, "drive.not_draft")
		case d.Status != status:
			return apperr.E(apperr.Conflict, "drive.not_running")
		}
		return fn(tx, d)
	})
	if err != nil {
		return Drive{}, err
	}
	return s.Get(ctx, id)
}

func writeLists(ctx context.Context, tx *db.Tx, id string, in Input) error {
	for _, t := range in.TownIDs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO drive_areas (drive_id, town_id) VALUES (?, ?)", id, t); err != nil {
			return err
		}
	}
	for _, u := range in.UnitIDs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO drive_units (drive_id, unit_id) VALUES (?, ?)", id, u); err != nil {
			return err
		}
	}
	for i, a := range in.Actions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO drive_actions (id, drive_id, seq, title, detail, level, target, measure, due_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			db.NewID(), id, i+1, a.Title, a.Detail, a.Level, a.Target, a.Measure, a.DueOn); err != nil {
			return err
		}
	}
	return nil
}

// Start pushes a draft's list down — one assignment per action and town,
// village, main grid or unit — and opens its clue intake. Audited.
func (s *Service) Start(ctx context.Context, id string) (Drive, error) {
	return s.change(ctx, id, Draft, func(tx *db.Tx, d Drive) error {
		if d.EndsOn < s.today() {
			return apperr.Field("ends_on", "drive.ended")
		}
		n, err := push(ctx, tx, d)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE drives SET status = ?, started_at = ?, version = version + 1 WHERE id = ?", Running, db.Now(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DriveWrite, "drive.start", "drive", id, fmt.Sprintf("%s: %d", d.Name, n))
	})
}

// push writes the assignments of every action of d and returns how many.
func push(ctx context.Context, tx *db.Tx, d Drive) (int, error) {
	type holder struct{ area, grid, unit, town, path, name string }
	byLevel := map[string][]holder{}
	for _, t := range d.Towns {
		tp, err := org.PathOf(ctx, tx, t.ID, "")
		if err != nil {
			return 0, err
		}
		byLevel["town"] = append(byLevel["town"], holder{area: t.ID, town: t.ID, path: tp, name: t.Name})
		villages, err := org.AreasUnder(ctx, tx, tp, "village")
		if err != nil {
			return 0, err
		}
		for _, v := range villages {
			byLevel["village"] = append(byLevel["village"], holder{area: v.ID, town: t.ID, path: v.Path, name: v.Name})
		}
		grids, err := org.MainGridRefsUnder(ctx, tx, tp)
		if err != nil {
			return 0, err
		}
		for _, g := range grids {
			byLevel["grid"] = append(byLevel["grid"], holder{grid: g.ID, town: t.ID, path: g.Path, name: g.Name})
		}
	}
	for _, u := range d.Units {
		_, p, err := casework.UnitAt(ctx, tx, u.ID)
		if err != nil {
			return 0, err
		}
		byLevel["unit"] = append(byLevel["unit"], holder{unit: u.ID, path: p, name: u.Name})
	}
	n := 0
	for _, a := range d.Actions {
		for _, h := range byLevel[a.Level] {
			if _, err := tx.ExecContext(ctx, `INSERT INTO drive_assignments (id, drive_id, action_id, area_id, grid_id, unit_id, town_id, path, name, done_count, note, reported_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', '')`, db.NewID(), d.ID, a.ID, nullIf(h.area), nullIf(h.grid), nullIf(h.unit), nullIf(h.town), h.path, h.name); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, nil
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Close ends a running campaign with its results in words: no more reports
// or clues are taken. Audited.
func (s *Service) Close(ctx context.Context, id string, in CloseInput) (Drive, error) {
	return s.change(ctx, id, Running, func(tx *db.Tx, d Drive) error {
		var f apperr.Fields
		in.Summary = checkText(&f, "summary", in.Summary, 2, 4000)
		if err := f.Refuse(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE drives SET status = ?, summary = ?, closed_at = ?, version = version + 1 WHERE id = ?", Closed, in.Summary, db.Now(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DriveWrite, "drive.close", "drive", id, d.Name)
	})
}

const driveCols = `id, root_id, path, name, kind, aim, starts_on, ends_on, takes_clues, status, summary, created_at, started_at, closed_at, version`

func scanDrive(sc interface{ Scan(...any) error }) (Drive, error) {
	var d Drive
	err := sc.Scan(&d.ID, &d.RootID, &d.path, &d.Name, &d.Kind, &d.Aim, &d.StartsOn, &d.EndsOn, &d.TakesClues, &d.Status, &d.Summary,
		&d.CreatedAt, &d.StartedAt, &d.ClosedAt, &d.Version)
	return d, err
}

// drive reads one campaign with its lists when the caller holds perm over
// its root; otherwise not found.
func (s *Service) drive(ctx context.Context, q db.Querier, id string, perm authz.Perm) (Drive, error) {
	d, err := scanDrive(q.QueryRowContext(ctx, "SELECT "+driveCols+" FROM drives WHERE id = ?", id))
	if err != nil {
		return Drive{}, notFound(err)
	}
	if !authz.From(ctx).Covers(perm, d.path) {
		return Drive{}, apperr.NotFoundf("drive")
	}
	d.CanWrite = authz.From(ctx).Covers(authz.DriveWrite, d.path)
	return d, s.lists(ctx, q, &d)
}

// lists fills a campaign's towns, units and actions.
func (s *Service) lists(ctx context.Context, q db.Querier, d *Drive) error {
	d.Towns, d.Units, d.Actions = []Ref{}, []Ref{}, []Action{}
	ids, err := db.Strings(ctx, q, "SELECT town_id FROM drive_areas WHERE drive_id = ?", d.ID)
	if err != nil {
		return err
	}
	towns, err := org.AreasUnder(ctx, q, d.path, "town")
	if err != nil {
		return err
	}
	for _, t := range towns { // by code
		if slices.Contains(ids, t.ID) {
			d.Towns = append(d.Towns, Ref{t.ID, t.Name})
		}
	}
	units, err := db.Strings(ctx, q, "SELECT unit_id FROM drive_units WHERE drive_id = ? ORDER BY unit_id", d.ID)
	if err != nil {
		return err
	}
	for _, u := range units {
		name, _, err := casework.UnitAt(ctx, q, u)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		d.Units = append(d.Units, Ref{u, name})
	}
	rows, err := q.QueryContext(ctx, "SELECT id, seq, title, detail, level, target, measure, due_on FROM drive_actions WHERE drive_id = ? ORDER BY seq", d.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a Action
		if err := rows.Scan(&a.ID, &a.Seq, &a.Title, &a.Detail, &a.Level, &a.Target, &a.Measure, &a.DueOn); err != nil {
			return err
		}
		d.Actions = append(d.Actions, a)
	}
	return rows.Err()
}

// Get returns a campaign with its lists and progress, for those who read
// its root's campaigns.
func (s *Service) Get(ctx context.Context, id string) (Drive, error) {
	q := s.db.Reader()
	d, err := s.drive(ctx, q, id, authz.DriveRead)
	if err != nil {
		return d, err
	}
	list := []Drive{d}
	if err := s.progress(ctx, q, list); err != nil {
		return d, err
	}
	return list[0], nil
}

// List returns the root's campaigns, running first, then drafts, then
// closed ones, newest first within each, with their progress.
func (s *Service) List(ctx context.Context, rootID string) ([]Drive, error) {
	q := s.db.Reader()
	if _, err := rootPath(ctx, q, authz.DriveRead, rootID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT "+driveCols+" FROM drives WHERE root_id = ? ORDER BY starts_on DESC, created_at DESC", rootID)
	if err != nil {
		return nil, err
	}
	out := []Drive{}
	for rows.Next() {
		d, err := scanDrive(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		d.CanWrite = authz.From(ctx).Covers(authz.DriveWrite, d.path)
		out = append(out, d)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.lists(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	order := map[string]int{Running: 0, Draft: 1, Closed: 2}
	slices.SortStableFunc(out, func(a, b Drive) int { return order[a.Status] - order[b.Status] })
	return out, s.progress(ctx, q, out)
}

// progress counts each campaign's assignments (done, and overdue open
// ones) and clues.
func (s *Service) progress(ctx context.Context, q db.Querier, list []Drive) error {
	today := s.today()
	for i := range list {
		d := &list[i]
		if err := q.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(CASE WHEN s.done_at IS NOT NULL THEN 1 ELSE 0 END), 0),
			COALESCE(sum(CASE WHEN s.done_at IS NULL AND a.due_on < ? THEN 1 ELSE 0 END), 0)
			FROM drive_assignments s JOIN drive_actions a ON a.id = s.action_id WHERE s.drive_id = ?`, today, d.ID).Scan(&d.Assigned, &d.Done, &d.Late); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM drive_clues WHERE drive_id = ?", d.ID).Scan(&d.Clues); err != nil {
			return err
		}
	}
	return nil
}
