package org

// The roster of the grid workforce (网格员花名册): one entry a person,
// however many grids they serve. An entry keeps the person's employment,
// start date, contact phone (sealed, shown masked, found by its blind
// index; the full number needs a reason and is audited), an optional
// account, and a history (worker_log) of joining, places taken and given
// up, moves, leaving and phone changes, each with who and when. Training
// taken and awards belong to the assessment room; the roster page asks it.

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/pii"
)

// Employments are how a roster entry is employed.
var Employments = []string{"full_time", "part_time", "other"}

// Place is one team place: a role on a grid.
type Place struct {
	ID       string `json:"id"`
	GridID   string `json:"grid_id"`
	GridCode string `json:"grid_code"`
	GridName string `json:"grid_name"`
	Role     string `json:"role"`
	Primary  bool   `json:"is_primary"`
	Version  int    `json:"version"`
}

// LogEntry is one line of a roster entry's history.
type LogEntry struct {
	Action    string `json:"action"`
	GridName  string `json:"grid_name,omitempty"`
	Role      string `json:"role,omitempty"`
	Detail    string `json:"detail,omitempty"`
	ActorName string `json:"actor_name"`
	At        int64  `json:"at"`
}

// WorkerEntry is a roster entry as the roster page shows it.
type WorkerEntry struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	OrgName     string     `json:"org_name"`
	Name        string     `json:"name"`
	Employment  string     `json:"employment"`
	StartedOn   string     `json:"started_on"`
	LeftOn      string     `json:"left_on,omitempty"`
	Status      string     `json:"status"`
	PhoneMasked string     `json:"phone_masked"`
	Username    string     `json:"username,omitempty"` // the linked account, if any
	Version     int        `json:"version"`
	Places      []Place    `json:"places"`
	Log         []LogEntry `json:"log,omitempty"`
}

// WorkerInput puts a person on the roster of an area (a village or a town).
type WorkerInput struct {
	OrgID      string `json:"org_id"`
	Name       string `json:"name"`
	Employment string `json:"employment"`
	StartedOn  string `json:"started_on,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// WorkerPatch changes a roster entry; absent fields stay.
type WorkerPatch struct {
	Name       *string `json:"name,omitempty"`
	Employment *string `json:"employment,omitempty"`
	StartedOn  *string `json:"started_on,omitempty"`
	Phone      *string `json:"phone,omitempty"`    // "" removes the number
	Username   *string `json:"username,omitempty"` // the account to link; "" unlinks
	Version    int     `json:"version"`
}

// RosterQuery filters the roster: an area (default the caller's whole
// scope), employment, status (active by default, left, all), a team role,
// a grid, and a name. A phone number is looked up by LookupWorkers.
type RosterQuery struct {
	OrgID, Employment, Status, Role, GridID, Q string
	Page, Size                                 int
	phoneBlind                                 string
}

// PhoneLookup finds roster entries by a whole phone number, sent in a
// body so that the number is never in a URL.
type PhoneLookup struct {
	Phone string `json:"phone"`
}

// LookupWorkers returns the roster entries of the caller's scope, serving
// or not, whose phone is the number given (matched by its blind index),
// and audits the look-up without the number.
func (s *Service) LookupWorkers(ctx context.Context, in PhoneLookup) (Roster, error) {
	phone, err := pii.NormalizePhone("phone", in.Phone)
	if err != nil {
		return Roster{}, err
	}
	out, err := s.ListWorkers(ctx, RosterQuery{Status: "all", Size: 200, phoneBlind: s.vault.Blind("people.phone", phone)})
	if err != nil {
		return out, err
	}
	return out, s.audit.RecordAlone(ctx, s.db, authz.WorkforceRead, audit.Entry{Action: "worker.lookup", ObjectType: "worker",
		Detail: "found " + strconv.Itoa(out.Total)})
}

// Roster is a page of the roster.
type Roster struct {
	Items []WorkerEntry `json:"items"`
	Total int           `json:"total"`
}

// RevealInput says why a phone is shown in full.
type RevealInput struct {
	Reason string `json:"reason"`
}

// Revealed is a roster entry's full phone number.
type Revealed struct {
	Phone string `json:"phone"`
}

// worker is a roster row as the writes need it.
type worker struct {
	id, orgID, path, name, employment, userID, status, startedOn, sealed string
	version                                                              int
}

// loadWorker reads a roster entry the caller holds perm over (any entry
// when perm is empty); others are not found (under field when one is
// given).
func loadWorker(ctx context.Context, q db.Querier, perm authz.Perm, id, field string) (worker, error) {
	var w worker
	err := q.QueryRowContext(ctx, `SELECT id, org_id, path, name, employment, COALESCE(user_id, ''), status, started_on, phone_sealed, version
		FROM workers WHERE id = ?`, id).Scan(&w.id, &w.orgID, &w.path, &w.name, &w.employment, &w.userID, &w.status, &w.startedOn, &w.sealed, &w.version)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && perm != "" && !authz.From(ctx).Covers(perm, w.path)) {
		if field != "" {
			return worker{}, apperr.Field(field, "worker.not_found")
		}
		return worker{}, apperr.NotFoundf("worker")
	}
	return w, err
}

// checkWorker checks a new entry's fields, normalising the phone.
func checkWorker(f *apperr.Fields, prefix string, in *WorkerInput) {
	in.Name = checkName(f, prefix+"name", in.Name)
	if !slices.Contains(Employments, in.Employment) {
		f.Add(prefix+"employment", "validation.one_of", "values", strings.Join(Employments, ", "))
	}
	in.StartedOn = checkDay(f, prefix+"started_on", in.StartedOn)
	in.Phone = checkPhone(f, prefix+"phone", in.Phone)
}

// checkDay accepts an empty day or a YYYY-MM-DD not after tomorrow.
func checkDay(f *apperr.Fields, field, day string) string {
	day = strings.TrimSpace(day)
	if day == "" {
		return ""
	}
	d, err := time.Parse(time.DateOnly, day)
	if err != nil || d.After(time.Now().AddDate(0, 0, 1)) {
		f.Add(field, "registry.date_invalid")
	}
	return day
}

func checkPhone(f *apperr.Fields, field, phone string) string {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return ""
	}
	p, err := pii.NormalizePhone(field, phone)
	if err != nil {
		*f = append(*f, apperr.As(err).Fields...)
		return ""
	}
	return p
}

// sealPhone seals a phone number for the roster entry id.
func (s *Service) sealPhone(id, phone string) (sealed, masked, blind string) {
	if phone == "" {
		return "", "", ""
	}
	return s.vault.Seal("workers.phone", id, phone), pii.MaskPhone(phone), s.vault.Blind("people.phone", phone)
}

// rosterArea is the area whose roster takes a new entry: an active
// village or town the caller holds workforce.write over.
func (s *Service) rosterArea(ctx context.Context, q db.Querier, orgID, field string) (Node, error) {
	n, err := s.node(ctx, q, authz.WorkforceWrite, orgID)
	if err != nil {
		return n, apperr.Field(field, "org.not_found")
	}
	if n.Kind != "village" && n.Kind != "town" {
		return n, apperr.Field(field, "worker.area_kind")
	}
	if n.Status != "active" {
		return n, apperr.Field(field, "org.retired")
	}
	return n, nil
}

// insertWorker writes a new roster entry and its first history line.
func (s *Service) insertWorker(ctx context.Context, tx *db.Tx, area Node, in WorkerInput) (string, error) {
	id := db.NewID()
	sealed, masked, blind := s.sealPhone(id, in.Phone)
	now := db.Now()
	if in.StartedOn == "" {
		in.StartedOn = time.Now().Format(time.DateOnly)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO workers (id, org_id, path, name, employment, status, started_on, phone_sealed, phone_masked, phone_blind, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, 1, ?, ?)`, id, area.ID, area.path, in.Name, in.Employment, in.StartedOn, sealed, masked, blind, now, now); err != nil {
		return "", err
	}
	if err := addLog(ctx, tx, id, area.path, "joined", "", "", "", area.Name); err != nil {
		return "", err
	}
	return id, s.audit.Record(ctx, tx, authz.WorkforceWrite, audit.Entry{Action: "worker.create", ObjectType: "worker", ObjectID: id, Detail: in.Employment})
}

// addLog writes one line of a roster entry's history, naming the caller.
func addLog(ctx context.Context, tx *db.Tx, workerID, path, action, gridID, gridName, role, detail string) error {
	p := authz.From(ctx)
	actorID, actorName := "", ""
	if p != nil {
		actorID, actorName = p.UserID, p.DisplayName
		if actorName == "" {
			actorName = p.Username
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO worker_log (id, worker_id, path, action, grid_id, grid_name, role, detail, actor_id, actor_name, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), workerID, path, action, gridID, gridName, role, detail, actorID, actorName, db.Now())
	return err
}

// CreateWorker puts a person on the roster of a village or town.
func (s *Service) CreateWorker(ctx context.Context, in WorkerInput) (WorkerEntry, error) {
	var f apperr.Fields
	checkWorker(&f, "", &in)
	if err := f.Err(); err != nil {
		return WorkerEntry{}, err
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		area, err := s.rosterArea(ctx, tx, in.OrgID, "org_id")
		if err != nil {
			return err
		}
		id, err = s.insertWorker(ctx, tx, area, in)
		return err
	})
	if err != nil {
		return WorkerEntry{}, err
	}
	return s.Worker(ctx, id)
}

// UpdateWorker changes a roster entry's name, employment, start date or
// phone (the version read is checked). A new name shows on every team
// place the person holds.
func (s *Service) UpdateWorker(ctx context.Context, id string, in WorkerPatch) (WorkerEntry, error) {
	var f apperr.Fields
	if in.Name != nil {
		*in.Name = checkName(&f, "name", *in.Name)
	}
	if in.Employment != nil && !slices.Contains(Employments, *in.Employment) {
		f.Add("employment", "validation.one_of", "values", strings.Join(Employments, ", "))
	}
	if in.StartedOn != nil {
		if *in.StartedOn = checkDay(&f, "started_on", *in.StartedOn); *in.StartedOn == "" {
			f.Add("started_on", "validation.required")
		}
	}
	if in.Phone != nil {
		*in.Phone = checkPhone(&f, "phone", *in.Phone)
	}
	if err := f.Err(); err != nil {
		return WorkerEntry{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		w, err := s.lockWorker(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		var changed []string
		if in.Name != nil && *in.Name != w.name {
			changed = append(changed, "name")
			w.name = *in.Name
			if _, err := tx.ExecContext(ctx, "UPDATE grid_members SET name = ? WHERE worker_id = ?", w.name, id); err != nil {
				return err
			}
		}
		if in.Employment != nil && *in.Employment != w.employment {
			changed = append(changed, "employment")
			w.employment = *in.Employment
		}
		if in.StartedOn != nil && *in.StartedOn != w.startedOn {
			changed = append(changed, "started_on")
			w.startedOn = *in.StartedOn
		}
		if _, err := tx.ExecContext(ctx, "UPDATE workers SET name = ?, employment = ?, started_on = ?, version = version + 1, updated_at = ? WHERE id = ?",
			w.name, w.employment, w.startedOn, db.Now(), id); err != nil {
			return err
		}
		if in.Phone != nil {
			sealed, masked, blind := s.sealPhone(id, *in.Phone)
			if _, err := tx.ExecContext(ctx, "UPDATE workers SET phone_sealed = ?, phone_masked = ?, phone_blind = ? WHERE id = ?", sealed, masked, blind, id); err != nil {
				return err
			}
			if err := addLog(ctx, tx, id, w.path, "phone_changed", "", "", "", masked); err != nil {
				return err
			}
		}
		if in.Username != nil {
			if _, err := s.linkAccount(ctx, tx, authz.WorkforceWrite, w, strings.TrimSpace(*in.Username)); err != nil {
				return err
			}
		}
		if len(changed) > 0 {
			if err := addLog(ctx, tx, id, w.path, "changed", "", "", "", strings.Join(changed, ", ")); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, authz.WorkforceWrite, audit.Entry{Action: "worker.update", ObjectType: "worker", ObjectID: id, Detail: strings.Join(changed, ",")})
	})
	if err != nil {
		return WorkerEntry{}, err
	}
	return s.Worker(ctx, id)
}

// linkAccount links the roster entry w to the active account username (or
// unlinks it when username is empty): an account of an area where the
// caller holds perm, on no other serving entry. The entry's team places
// follow, so the grid's team names the account. It returns the account
// linked ("" when none is).
func (s *Service) linkAccount(ctx context.Context, tx *db.Tx, perm authz.Perm, w worker, username string) (string, error) {
	userID, action := "", "account_unlinked"
	if username != "" {
		if s.Accounts == nil {
			return "", apperr.Field("username", "worker.account_not_found")
		}
		id, orgID, err := s.Accounts(ctx, tx, username)
		if errors.Is(err, sql.ErrNoRows) {
			return "", apperr.Field("username", "worker.account_not_found")
		} else if err != nil {
			return "", err
		}
		if path, err := PathOf(ctx, tx, orgID, "username"); err != nil || !authz.From(ctx).Covers(perm, path) {
			return "", apperr.Field("username", "worker.account_not_found")
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM workers WHERE user_id = ? AND status = 'active' AND id <> ?", id, w.id).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			return "", apperr.Field("username", "worker.account_taken")
		}
		if id == w.userID {
			return id, nil
		}
		userID, action = id, "account_linked"
	} else if w.userID == "" {
		return "", nil
	}
	var link any // NULL: unlinked
	if userID != "" {
		link = userID
	}
	if _, err := tx.ExecContext(ctx, "UPDATE workers SET user_id = ? WHERE id = ?", link, w.id); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE grid_members SET user_id = ? WHERE worker_id = ?", link, w.id); err != nil {
		return "", err
	}
	return userID, addLog(ctx, tx, w.id, w.path, action, "", "", "", username)
}

// SetAccountTx links the roster entry id to the active account username,
// or unlinks it when username is empty, inside the caller's transaction
// (a volunteer's entry, whose keeper holds perm over the account's area).
// It returns the account linked ("" when none is).
func (s *Service) SetAccountTx(ctx context.Context, tx *db.Tx, id, username string, perm authz.Perm) (string, error) {
	w, err := loadWorker(ctx, tx, "", id, "")
	if err != nil {
		return "", err
	}
	return s.linkAccount(ctx, tx, perm, w, strings.TrimSpace(username))
}

// lockWorker locks a roster entry the caller may write and checks the
// version read.
func (s *Service) lockWorker(ctx context.Context, tx *db.Tx, id string, version int) (worker, error) {
	var v int
	if err := tx.QueryRowContext(ctx, "SELECT version FROM workers WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return worker{}, err
	}
	w, err := loadWorker(ctx, tx, authz.WorkforceWrite, id, "")
	if err != nil {
		return w, err
	}
	if w.version != version {
		return w, apperr.E(apperr.Conflict, "conflict.version")
	}
	return w, nil
}

// Worker returns one roster entry with its places and history.
func (s *Service) Worker(ctx context.Context, id string) (WorkerEntry, error) {
	items, err := s.workerRows(ctx, "w.id = ?", []any{id}, 1, 0)
	if err != nil {
		return WorkerEntry{}, err
	}
	if len(items) == 0 {
		return WorkerEntry{}, apperr.NotFoundf("worker")
	}
	w := items[0]
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT action, grid_name, role, detail, actor_name, at FROM worker_log
		WHERE worker_id = ? ORDER BY at DESC, id DESC LIMIT 200`, id)
	if err != nil {
		return w, err
	}
	defer rows.Close()
	w.Log = []LogEntry{}
	for rows.Next() {
		var l LogEntry
		if err := rows.Scan(&l.Action, &l.GridName, &l.Role, &l.Detail, &l.ActorName, &l.At); err != nil {
			return w, err
		}
		w.Log = append(w.Log, l)
	}
	return w, rows.Err()
}

// ListWorkers returns a page of the roster in the caller's scope, by area
// and name.
func (s *Service) ListWorkers(ctx context.Context, q RosterQuery) (Roster, error) {
	cond, args, err := s.rosterFilter(ctx, q)
	if err != nil {
		return Roster{}, err
	}
	if q.Size <= 0 || q.Size > 200 {
		q.Size = 50
	}
	if q.Page < 1 {
		q.Page = 1
	}
	scope, sargs := authz.ScopeSQL("w.path", authz.From(ctx).Scopes(authz.WorkforceRead))
	var out Roster
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM workers w WHERE "+scope+" AND "+cond, append(sargs, args...)...).Scan(&out.Total); err != nil {
		return out, err
	}
	out.Items, err = s.workerRows(ctx, cond, args, q.Size, (q.Page-1)*q.Size)
	return out, err
}

// rosterFilter is the WHERE of a roster query (the caller's scope apart).
func (s *Service) rosterFilter(ctx context.Context, q RosterQuery) (string, []any, error) {
	var where []string
	var args []any
	if q.OrgID != "" {
		path, err := PathIn(ctx, s.db.Reader(), authz.WorkforceRead, q.OrgID, "org_id")
		if err != nil {
			return "", nil, err
		}
		w, a := authz.Under("w.path", path)
		where, args = append(where, w), append(args, a...)
	}
	if q.Employment != "" {
		if !slices.Contains(Employments, q.Employment) {
			return "", nil, apperr.Field("employment", "validation.one_of", "values", strings.Join(Employments, ", "))
		}
		where, args = append(where, "w.employment = ?"), append(args, q.Employment)
	}
	switch q.Status {
	case "", "active":
		where = append(where, "w.status = 'active'")
	case "left":
		where = append(where, "w.status = 'left'")
	case "all":
	default:
		return "", nil, apperr.Field("status", "validation.one_of", "values", "active, left, all")
	}
	if q.Role != "" {
		if !slices.Contains(TeamRoles, q.Role) {
			return "", nil, apperr.Field("role", "validation.one_of", "values", strings.Join(TeamRoles, ", "))
		}
		where, args = append(where, "EXISTS (SELECT 1 FROM grid_members m WHERE m.worker_id = w.id AND m.role = ?)"), append(args, q.Role)
	}
	if q.GridID != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM grid_members m WHERE m.worker_id = w.id AND m.grid_id = ?)"), append(args, q.GridID)
	}
	if text := strings.TrimSpace(q.Q); text != "" {
		// a phone number is never put in a URL: it is looked up by POST
		if _, err := pii.NormalizePhone("q", text); err == nil {
			return "", nil, apperr.Field("q", "worker.phone_lookup")
		}
		where, args = append(where, "w.name LIKE ?"), append(args, "%"+strings.NewReplacer("%", "", "_", "").Replace(text)+"%")
	}
	if q.phoneBlind != "" {
		where, args = append(where, "w.phone_blind = ?"), append(args, q.phoneBlind)
	}
	return strings.Join(append(where, "1 = 1"), " AND "), args, nil
}

// maxExport is the most roster entries one spreadsheet holds.
const maxExport = 20000

var exportColumns = []struct {
	key   string
	width float64
}{{"ui.reg.name", 12}, {"ui.roster.employment", 10}, {"ui.reg.area", 16}, {"ui.roster.places", 48}, {"ui.roster.phone", 14},
	{"ui.roster.started_on", 12}, {"ui.common.status", 8}, {"ui.roster.left_on", 12}, {"ui.roster.account", 14}}

// WriteRoster writes the roster entries a query finds as a workbook in
// lang, phones masked, watermarked with who exported it and when, and
// audits the export. It returns how many entries it wrote.
func (s *Service) WriteRoster(ctx context.Context, w io.Writer, q RosterQuery, lang string) (int, error) {
	cond, args, err := s.rosterFilter(ctx, q)
	if err != nil {
		return 0, err
	}
	items, err := s.workerRows(ctx, cond, args, maxExport, 0)
	if err != nil {
		return 0, err
	}
	tr := func(key string) string { return i18n.T(lang, key, nil) }
	t := excel.Table{Name: tr("ui.menu.roster")}
	for _, c := range exportColumns {
		t.Columns = append(t.Columns, excel.Column{Title: tr(c.key), Width: c.width})
	}
	for _, e := range items {
		var places []string
		for _, p := range e.Places {
			place := p.GridName + " · " + tr("team_role."+p.Role)
			if p.Primary && len(e.Places) > 1 {
				place += " · " + tr("ui.roster.primary")
			}
			places = append(places, place)
		}
		t.Rows = append(t.Rows, []any{e.Name, tr("ui.roster.employment." + e.Employment), e.OrgName, strings.Join(places, "；"), e.PhoneMasked,
			e.StartedOn, tr("ui.roster.status." + e.Status), e.LeftOn, e.Username})
	}
	p := authz.From(ctx)
	wm := excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: time.Now().In(chinaTime)}
	if err := excel.WriteTables(w, wm, []excel.Table{t}); err != nil {
		return 0, err
	}
	return len(items), s.audit.RecordAlone(ctx, s.db, authz.WorkforceRead, audit.Entry{Action: "worker.export", ObjectType: "worker",
		Detail: "rows " + strconv.Itoa(len(items))})
}

// chinaTime is the zone the watermark's time is written in.
var chinaTime = time.FixedZone("CST", 8*3600)

// workerRows reads the roster entries in the caller's scope matching
// where, by area and name, with their places.
func (s *Service) workerRows(ctx context.Context, where string, args []any, limit, offset int) ([]WorkerEntry, error) {
	q := s.db.Reader()
	scope, sargs := authz.ScopeSQL("w.path", authz.From(ctx).Scopes(authz.WorkforceRead))
	rows, err := q.QueryContext(ctx, `SELECT w.id, w.org_id, o.name, w.name, w.employment, w.started_on, w.left_on, w.status, w.phone_masked,
		COALESCE(u.username, ''), w.version
		FROM workers w JOIN org_nodes o ON o.id = w.org_id LEFT JOIN users u ON u.id = w.user_id
		WHERE `+scope+" AND "+where+` ORDER BY w.path, w.name, w.id LIMIT ? OFFSET ?`, append(append(sargs, args...), limit, offset)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []WorkerEntry{}
	index := map[string]int{}
	for rows.Next() {
		var w WorkerEntry
		if err := rows.Scan(&w.ID, &w.OrgID, &w.OrgName, &w.Name, &w.Employment, &w.StartedOn, &w.LeftOn, &w.Status, &w.PhoneMasked,
			&w.Username, &w.Version); err != nil {
			return nil, err
		}
		w.Places = []Place{}
		index[w.ID] = len(out)
		out = append(out, w)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]any, 0, len(out))
	for _, w := range out {
		ids = append(ids, w.ID)
	}
	prows, err := q.QueryContext(ctx, `SELECT m.worker_id, m.id, m.grid_id, g.code, g.name, m.role, m.is_primary, m.version
		FROM grid_members m JOIN grids g ON g.id = m.grid_id WHERE m.worker_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)
		ORDER BY m.is_primary DESC, g.code, m.role`, ids...)
	if err != nil {
		return nil, err
	}
	defer prows.Close()
	for prows.Next() {
		var wid string
		var p Place
		if err := prows.Scan(&wid, &p.ID, &p.GridID, &p.GridCode, &p.GridName, &p.Role, &p.Primary, &p.Version); err != nil {
			return nil, err
		}
		out[index[wid]].Places = append(out[index[wid]].Places, p)
	}
	return out, prows.Err()
}

// RevealWorkerPhone shows a roster entry's phone to a caller who keeps the
// roster (workforce.write) or holds personal.reveal over its area, for a
// stated reason; the audit row keeps the reason, never the number.
func (s *Service) RevealWorkerPhone(ctx context.Context, id string, in RevealInput) (Revealed, error) {
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	if len([]rune(in.Reason)) < 4 {
		return Revealed{}, apperr.Field("reason", "registry.reason_required")
	}
	w, err := loadWorker(ctx, s.db.Reader(), authz.WorkforceRead, id, "")
	if err != nil {
		return Revealed{}, err
	}
	p := authz.From(ctx)
	if !p.Covers(authz.PersonalReveal, w.path) && !p.Covers(authz.WorkforceWrite, w.path) {
		return Revealed{}, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	var out Revealed
	if w.sealed != "" {
		if out.Phone, err = s.vault.Open("workers.phone", id, w.sealed); err != nil {
			return Revealed{}, err
		}
	}
	err = s.audit.RecordAlone(ctx, s.db, authz.WorkforceRead, audit.Entry{Action: "worker.reveal", ObjectType: "worker", ObjectID: id, Detail: "phone: " + in.Reason})
	return out, err
}

// LoadPhones stores the contact phones of roster entries (id → number,
// already normalised), sealed, masked and blind-indexed, inside the
// caller's transaction: the path of bulk loads (the demo), which write no
// history line or audit row a number.
func (s *Service) LoadPhones(ctx context.Context, tx *db.Tx, phones map[string]string) error {
	for id, phone := range phones {
		sealed, masked, blind := s.sealPhone(id, phone)
		if _, err := tx.ExecContext(ctx, "UPDATE workers SET phone_sealed = ?, phone_masked = ?, phone_blind = ? WHERE id = ?", sealed, masked, blind, id); err != nil {
			return err
		}
	}
	return nil
}

// EnrolTx puts a volunteer on the roster of the village or town orgID
// (employment other) with their phone (normalised; sealed here, as every
// roster phone is), inside the caller's transaction, linked to the account
// userID when one is given, and returns the entry's id. The volunteer room
// calls it after checking its own permission over the area: a volunteer's
// shifts are walked as patrols of this entry.
func (s *Service) EnrolTx(ctx context.Context, tx *db.Tx, orgID, name, startedOn, phone, userID string) (string, error) {
	n, err := scanNode(tx.QueryRowContext(ctx, "SELECT "+nodeCols+" FROM org_nodes n WHERE n.id = ?", orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Field("org_id", "org.not_found")
	}
	if err != nil {
		return "", err
	}
	if n.Kind != "village" && n.Kind != "town" {
		return "", apperr.Field("org_id", "worker.area_kind")
	}
	id, err := s.insertWorker(ctx, tx, n, WorkerInput{OrgID: orgID, Name: name, Employment: "other", StartedOn: startedOn, Phone: phone})
	if err != nil || userID == "" {
		return id, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE workers SET user_id = ? WHERE id = ?", userID, id); err != nil {
		return "", err
	}
	return id, addLog(ctx, tx, id, n.path, "account_linked", "", "", "", "")
}

// SetPhoneTx changes the phone of the roster entry id (a normalised number,
// "" to remove it) inside the caller's transaction, with its history line,
// and returns the masked number.
func (s *Service) SetPhoneTx(ctx context.Context, tx *db.Tx, id, phone string) (string, error) {
	var path string
	if err := tx.QueryRowContext(ctx, "SELECT path FROM workers WHERE id = ?", id).Scan(&path); err != nil {
		return "", err
	}
	sealed, masked, blind := s.sealPhone(id, phone)
	if _, err := tx.ExecContext(ctx, "UPDATE workers SET phone_sealed = ?, phone_masked = ?, phone_blind = ?, version = version + 1, updated_at = ? WHERE id = ?",
		sealed, masked, blind, db.Now(), id); err != nil {
		return "", err
	}
	return masked, addLog(ctx, tx, id, path, "phone_changed", "", "", "", masked)
}

// LeaveTx marks the roster entry id as left on day (a volunteer who left
// their team), inside the caller's transaction.
func LeaveTx(ctx context.Context, tx *db.Tx, id, day string) error {
	var path string
	if err := tx.QueryRowContext(ctx, "SELECT path FROM workers WHERE id = ?", id).Scan(&path); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE workers SET status = 'left', left_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = 'active'",
		day, db.Now(), id); err != nil {
		return err
	}
	return addLog(ctx, tx, id, path, "left", "", "", "", "")
}
