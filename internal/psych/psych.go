// Package psych keeps the psychological protection of people in special
// groups (三级三色 心理防护): each person's warning level in three grades
// and three colours — 一级 red, 二级 yellow, 三级 green — with every
// assessment (who assessed, when, why), the free counselling sessions and
// the referrals to a hospital or mental-health service, and the visit
// frequency the level sets (VisitEveryDays).
//
// All of it is sensitive personal information (PIPL art. 28): the group,
// the level, the names of assessors and counsellors and every note are
// sealed at rest; the records are shown only to holders of
// pii.sensitive.psych over the person's area, every read of a record is
// audited, and for anyone else they are absent. The grid member who visits
// sees no more than whom to visit, the colour and how often (Visits).
//
// It owns psych_records and psych_entries. It asks registry for the
// person's card, keyperson for the person's groups, org for the member's
// grids.
package psych

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// Levels are the three grades: 1 一级 red (high risk), 2 二级 yellow
// (attention), 3 三级 green (stable).
var Levels = []string{"1", "2", "3"}

// Colours name the levels' colours.
var Colours = map[string]string{"1": "red", "2": "yellow", "3": "green"}

// EveryDays is the visit frequency each level sets: a week, a fortnight,
// a month.
var EveryDays = map[string]int{"1": 7, "2": 15, "3": 30}

// CareGroups are the care-target kinds that are special groups;
// KeyGroups the key-person categories that are.
var (
	CareGroups = []string{"left_behind_child", "left_behind_elderly", "left_behind_woman", "elderly_alone", "disabled", "low_income"}
	KeyGroups  = []string{"released_prisoner", "community_correction", "mental_disorder", "drug_user", "key_youth"}
)

// Service keeps the records.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	reg   *registry.Service
	kp    *keyperson.Service
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, reg *registry.Service, kp *keyperson.Service) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), reg: reg, kp: kp, Now: time.Now}
}

// Record is one person's protection record as a holder of
// pii.sensitive.psych sees it.
type Record struct {
	ID         string  `json:"id"`
	PersonID   string  `json:"person_id"`
	PersonName string  `json:"person_name"`
	OrgName    string  `json:"org_name"`
	GridName   string  `json:"grid_name"`
	Group      string  `json:"group"`
	Level      string  `json:"level"`
	Colour     string  `json:"colour"`
	EveryDays  int     `json:"visit_every_days"`
	AssessedAt int64   `json:"assessed_at"`
	Status     string  `json:"status"`
	Version    int     `json:"version"`
	Entries    []Entry `json:"entries,omitempty"`
	path       string
}

// Entry is an assessment, a counselling session or a referral.
type Entry struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"` // assessment, counselling, referral
	Level string `json:"level,omitempty"`
	Who   string `json:"who"`
	Note  string `json:"note"`
	On    string `json:"on"`
}

// NewRecord opens a record with its first assessment.
type NewRecord struct {
	PersonID string `json:"person_id"`
	Group    string `json:"group"`
	Assessment
}

// Assessment is a (re)assessment of the level.
type Assessment struct {
	Level    string `json:"level"`
	Assessor string `json:"assessor"` // who assessed: a name, a service
	Reason   string `json:"reason"`
	On       string `json:"on"`                // YYYY-MM-DD
	Version  int    `json:"version,omitempty"` // for a reassessment: the version read
}

// Session is a counselling session (Kind counselling: Who the counsellor)
// or a referral (Kind referral: Who the hospital or service).
type Session struct {
	Who  string `json:"who"`
	On   string `json:"on"`
	Note string `json:"note"`
}

var shanghai = time.FixedZone("CST", 8*3600)

func checkDay(f *apperr.Fields, field, day string, now time.Time) {
	d, err := time.ParseInLocation("2006-01-02", day, shanghai)
	if err != nil {
		f.Add(field, "psych.date_invalid")
		return
	}
	if d.After(now.In(shanghai)) {
		f.Add(field, "psych.date_future")
	}
}

// dayMillis is the start of day YYYY-MM-DD in China Standard Time (a
// checked day).
func dayMillis(day string) int64 {
	d, _ := time.ParseInLocation("2006-01-02", day, shanghai)
	return d.UnixMilli()
}

func checkText(f *apperr.Fields, field, s string, max int, required bool) {
	n := len([]rune(strings.TrimSpace(s)))
	if (required && n == 0) || n > max {
		f.Add(field, "validation.length", "min", map[bool]int{true: 1, false: 0}[required], "max", max)
	}
}

func (a *Assessment) check(f *apperr.Fields, now time.Time) {
	if !slices.Contains(Levels, a.Level) {
		f.Add("level", "validation.one_of", "values", strings.Join(Levels, ", "))
	}
	checkText(f, "assessor", a.Assessor, 100, true)
	checkText(f, "reason", a.Reason, 1000, true)
	checkDay(f, "on", a.On, now)
}

func (s *Service) seal(field, id, v string) string {
	return s.vault.Seal("psych."+field, id, strings.TrimSpace(v))
}

func (s *Service) open(field, id, sealed string) string {
	if sealed == "" {
		return ""
	}
	v, err := s.vault.Open("psych."+field, id, sealed)
	if err != nil {
		return ""
	}
	return v
}

func (s *Service) record(ctx context.Context, tx db.Querier, action, id string) error {
	return s.audit.Record(ctx, tx, authz.SensitivePsych, audit.Entry{Action: action, ObjectType: "psych_record", ObjectID: id})
}

// Create opens the record of a person of a special group of the caller's
// area (the person must be in that group: a care target of its kind or a
// key person of its category), with the first assessment.
func (s *Service) Create(ctx context.Context, in NewRecord) (Record, error) {
	var f apperr.Fields
	if !slices.Contains(CareGroups, in.Group) && !slices.Contains(KeyGroups, in.Group) {
		f.Add("group", "validation.one_of", "values", strings.Join(append(slices.Clone(CareGroups), KeyGroups...), ", "))
	}
	if in.PersonID == "" {
		f.Add("person_id", "validation.required")
	}
	now := s.Now()
	in.check(&f, now)
	if err := f.Err(); err != nil {
		return Record{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		card, err := s.reg.PersonCard(ctx, tx, in.PersonID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.SensitivePsych, card.Path)) {
			return apperr.Field("person_id", "psych.person_unknown")
		}
		if err != nil {
			return err
		}
		member := false
		if slices.Contains(CareGroups, in.Group) {
			kinds, err := s.kp.CareKindsOf(ctx, tx, in.PersonID)
			if err != nil {
				return err
			}
			member = slices.Contains(kinds, in.Group)
		} else if member, err = s.kp.InCategory(ctx, tx, in.PersonID, in.Group); err != nil {
			return err
		}
		if !member {
			return apperr.Field("group", "psych.not_in_group")
		}
		at, assessed := now.UnixMilli(), dayMillis(in.On)
		_, err = tx.ExecContext(ctx, `INSERT INTO psych_records (id, person_id, group_sealed, level_sealed, grid_id, path, assessed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.PersonID, s.seal("group", id, in.Group), s.seal("level", id, in.Level), card.GridID, card.Path, assessed, at, at)
		if db.IsUniqueViolation(err) {
			return apperr.Field("person_id", "psych.record_exists")
		}
		if err != nil {
			return err
		}
		if err := s.entry(ctx, tx, id, "assessment", in.Level, in.Assessor, in.Reason, in.On); err != nil {
			return err
		}
		return s.record(ctx, tx, "psych.create", id)
	})
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, id)
}

func (s *Service) entry(ctx context.Context, tx db.Querier, recordID, kind, level, who, note, on string) error {
	id := db.NewID()
	lv := ""
	if level != "" {
		lv = s.seal("level", id, level)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO psych_entries (id, record_id, kind, level_sealed, who_sealed, note_sealed, on_day, user_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, recordID, kind, lv, s.seal("who", id, who), s.seal("note", id, note), on, authz.From(ctx).UserID, s.Now().UnixMilli())
	return err
}

// lockRecord reads a record's area and version for a change, inside tx;
// outside the caller's scope it is not found.
func (s *Service) lockRecord(ctx context.Context, tx *db.Tx, id string) (version int, status string, err error) {
	var path string
	err = tx.QueryRowContext(ctx, "SELECT path, version, status FROM psych_records WHERE id = ?", id).Scan(&path, &version, &status)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.SensitivePsych, path)) {
		return 0, "", apperr.NotFoundf("psych_record")
	}
	return version, status, err
}

// Assess records a reassessment: the level changes and with it the visit
// frequency. A stale version answers 409 with the current one.
func (s *Service) Assess(ctx context.Context, id string, in Assessment) (Record, error) {
	var f apperr.Fields
	in.check(&f, s.Now())
	if err := f.Err(); err != nil {
		return Record{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		version, status, err := s.lockRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.Version != version {
			return apperr.E(apperr.Conflict, "psych.stale", "version", version)
		}
		if status != "active" {
			return apperr.E(apperr.Conflict, "psych.closed")
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, "UPDATE psych_records SET level_sealed = ?, assessed_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			s.seal("level", id, in.Level), dayMillis(in.On), now, id, version); err != nil {
			return err
		}
		if err := s.entry(ctx, tx, id, "assessment", in.Level, in.Assessor, in.Reason, in.On); err != nil {
			return err
		}
		return s.record(ctx, tx, "psych.assess", id)
	})
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, id)
}

// AddSession records a counselling session (kind counselling) or a
// referral (kind referral).
func (s *Service) AddSession(ctx context.Context, id, kind string, in Session) (Record, error) {
	var f apperr.Fields
	checkText(&f, "who", in.Who, 100, true)
	checkText(&f, "note", in.Note, 2000, kind == "counselling")
	checkDay(&f, "on", in.On, s.Now())
	if err := f.Err(); err != nil {
		return Record{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, _, err := s.lockRecord(ctx, tx, id); err != nil {
			return err
		}
		if err := s.entry(ctx, tx, id, kind, "", in.Who, in.Note, in.On); err != nil {
			return err
		}
		return s.record(ctx, tx, "psych."+kind, id)
	})
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, id)
}

// Get returns a record with its entries; the read is audited.
func (s *Service) Get(ctx context.Context, id string) (Record, error) {
	out, err := s.records(ctx, "r.id = ?", []any{id}, 1)
	if err != nil {
		return Record{}, err
	}
	if len(out) == 0 {
		return Record{}, apperr.NotFoundf("psych_record")
	}
	r := out[0]
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, kind, level_sealed, who_sealed, note_sealed, on_day FROM psych_entries WHERE record_id = ? ORDER BY on_day DESC, created_at DESC", id)
	if err != nil {
		return Record{}, err
	}
	defer rows.Close()
	r.Entries = []Entry{}
	for rows.Next() {
		var e Entry
		var lv, who, note string
		if err := rows.Scan(&e.ID, &e.Kind, &lv, &who, &note, &e.On); err != nil {
			return Record{}, err
		}
		e.Level, e.Who, e.Note = s.open("level", e.ID, lv), s.open("who", e.ID, who), s.open("note", e.ID, note)
		r.Entries = append(r.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return Record{}, err
	}
	return r, s.audit.RecordAlone(ctx, s.db, authz.SensitivePsych, audit.Entry{Action: "psych.read", ObjectType: "psych_record", ObjectID: id})
}

// List returns the active records of the caller's area (of org_id when
// given), highest level first; the read is audited.
func (s *Service) List(ctx context.Context, orgID, level string) ([]Record, error) {
	where, args := "r.status = 'active'", []any{}
	if orgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.SensitivePsych, orgID, "org_id")
		if err != nil {
			return nil, err
		}
		cond, cargs := authz.Under("r.path", path)
		where, args = where+" AND "+cond, cargs
	}
	if level != "" && !slices.Contains(Levels, level) {
		return nil, apperr.Field("level", "validation.one_of", "values", strings.Join(Levels, ", "))
	}
	out, err := s.records(ctx, where, args, 1000)
	if err != nil {
		return nil, err
	}
	if level != "" {
		kept := out[:0]
		for _, r := range out {
			if r.Level == level {
				kept = append(kept, r)
			}
		}
		out = kept
	}
	slices.SortStableFunc(out, func(a, b Record) int { return strings.Compare(a.Level, b.Level) })
	return out, s.audit.RecordAlone(ctx, s.db, authz.SensitivePsych, audit.Entry{Action: "psych.list", ObjectType: "org", ObjectID: orgID})
}

func (s *Service) records(ctx context.Context, where string, args []any, limit int) ([]Record, error) {
	scope, sargs := authz.ScopeSQL("r.path", authz.From(ctx).Scopes(authz.SensitivePsych))
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT r.id, r.person_id, r.group_sealed, r.level_sealed, r.path, r.assessed_at, r.status, r.version
		FROM psych_records r WHERE `+scope+" AND "+where+" ORDER BY r.id LIMIT ?", append(append(sargs, args...), limit)...)
	if err != nil {
		return nil, err
	}
	out := []Record{}
	for rows.Next() {
		var r Record
		var group, level string
		if err := rows.Scan(&r.ID, &r.PersonID, &group, &level, &r.path, &r.AssessedAt, &r.Status, &r.Version); err != nil {
			rows.Close()
			return nil, err
		}
		r.Group, r.Level = s.open("group", r.ID, group), s.open("level", r.ID, level)
		r.Colour, r.EveryDays = Colours[r.Level], EveryDays[r.Level]
		out = append(out, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for i := range out {
		if card, err := s.reg.PersonCard(ctx, s.db.Reader(), out[i].PersonID); err == nil {
			out[i].PersonName, out[i].OrgName, out[i].GridName = card.Name, card.OrgName, card.GridName
		}
	}
	return out, nil
}

// VisitEveryDays returns how often the person is to be visited by their
// active protection record's level (7, 15 or 30 days), and false when
// they have none. The visit room asks it; it checks no scope and tells
// nothing but the frequency.
func (s *Service) VisitEveryDays(ctx context.Context, q db.Querier, personID string) (int, bool) {
	var id, level string
	if err := q.QueryRowContext(ctx, "SELECT id, level_sealed FROM psych_records WHERE person_id = ? AND status = 'active'", personID).Scan(&id, &level); err != nil {
		return 0, false
	}
	d, ok := EveryDays[s.open("level", id, level)]
	return d, ok
}

// Visit is what the grid member sees of a record of their own grids: whom
// to visit, the colour and how often — not the group, the assessments or
// any note.
type Visit struct {
	PersonName string `json:"person_name"`
	GridName   string `json:"grid_name"`
	Colour     string `json:"colour"`
	EveryDays  int    `json:"visit_every_days"`
}

// Visits lists the colours of the people on the caller's own grids (the
// grids of their roster entry); the read is audited.
func (s *Service) Visits(ctx context.Context) ([]Visit, error) {
	who := authz.From(ctx)
	w, err := org.WorkerOfUser(ctx, s.db.Reader(), who.UserID)
	if err != nil {
		return []Visit{}, nil // on no roster: nobody to visit
	}
	grids, err := org.GridsOfWorker(ctx, s.db.Reader(), w.ID)
	if err != nil || len(grids) == 0 {
		return []Visit{}, err
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(grids)), ", ")
	args := make([]any, len(grids))
	for i, g := range grids {
		args[i] = g
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, person_id, level_sealed, path FROM psych_records WHERE status = 'active' AND grid_id IN ("+ph+") ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	type row struct{ id, person, level, path string }
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.person, &r.level, &r.path); err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	out := []Visit{}
	for _, r := range rs {
		if !who.Covers(authz.GridworkDo, r.path) {
			continue
		}
		lv := s.open("level", r.id, r.level)
		v := Visit{Colour: Colours[lv], EveryDays: EveryDays[lv]}
		if card, err := s.reg.PersonCard(ctx, s.db.Reader(), r.person); err == nil {
			v.PersonName, v.GridName = card.Name, card.GridName
		}
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b Visit) int { return a.EveryDays - b.EveryDays })
	return out, s.audit.RecordAlone(ctx, s.db, authz.GridworkDo, audit.Entry{Action: "psych.visits", ObjectType: "worker", ObjectID: w.ID})
}
