// Package situation is the situation room's 三情: the petition (访情),
// police (警情) and public-opinion (舆情) situations of a county or city,
// entered by hand, pasted from a sheet, or pushed by the petition, 110 and
// monitoring systems through a signed feed; each located to a grid. Serious
// and major ones are pushed at once to their town; every day the analyst
// reads the day's analysis (new situations by kind, area and category,
// clusters in space and time, repeat places and people, the change since
// yesterday) and records a judgement; every week a scheduling meeting turns
// situations into the committee's tasks (safety's, source "schedule"),
// whose lights and replies follow the situation.
//
// The people involved are sealed; lists show counts and masked names; only
// holders of situation.people open them, every opening audited.
//
// It owns situations, situation_people, situation_sources,
// situation_feed_days, situation_days, situation_meetings and
// situation_decisions; it asks org for areas and grids and safety for the
// tasks.
package situation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/secret"
)

// Kinds of situations: 访情, 警情, 舆情.
var Kinds = []string{"petition", "police", "opinion"}

// Categories of each kind.
var Categories = map[string][]string{
	"petition": {"collective", "over_level", "repeat", "to_capital", "online", "other"},
	"police":   {"criminal", "public_order", "dispute", "traffic", "fire", "fraud", "help", "other"},
	"opinion":  {"negative", "demand", "incident", "rumor", "other"},
}

// Levels, lowest first: serious and major ones are pushed to their town
// at once.
var Levels = []string{"general", "serious", "major"}

// Origins of an entry.
const (
	ByHand  = "hand"
	BySheet = "sheet"
	ByFeed  = "feed"
)

// Zone is China Standard Time: a situation's day is its date there.
var Zone = time.FixedZone("CST", 8*3600)

// Person is one person involved, as entered (sealed at rest).
type Person struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Role     string `json:"role,omitempty"` // 当事人, 组织者, 反映人 …
}

// Input is a new situation, from a form, a sheet's row or a feed's record.
// Area is the village or town: its id, its division code or its name
// ("镇/村" when a village's name is not unique). With a point the grid
// holding it decides the area.
type Input struct {
	ExternalID string   `json:"external_id"`
	Kind       string   `json:"kind"`
	Category   string   `json:"category"`
	Level      string   `json:"level"`
	OccurredAt string   `json:"occurred_at"` // RFC 3339, or "2006-01-02 15:04" in China Standard Time
	Place      string   `json:"place"`
	Lat        *float64 `json:"lat"`
	Lng        *float64 `json:"lng"`
	Area       string   `json:"area"`
	Summary    string   `json:"summary"`
	People     []Person `json:"people"`
}

// Situation is an entry as lists and its page show it: the people masked,
// or in clear when opened by a holder of situation.people.
type Situation struct {
	ID          string     `json:"id"`
	RootID      string     `json:"root_id"`
	Kind        string     `json:"kind"`
	Category    string     `json:"category"`
	Level       string     `json:"level"`
	OccurredAt  int64      `json:"occurred_at"`
	Day         string     `json:"day"`
	Place       string     `json:"place"`
	Lat         *float64   `json:"lat"`
	Lng         *float64   `json:"lng"`
	AreaID      string     `json:"area_id"`
	AreaName    string     `json:"area_name"`
	TownID      string     `json:"town_id"`
	TownName    string     `json:"town_name"`
	GridID      string     `json:"grid_id"`
	GridName    string     `json:"grid_name"`
	Summary     string     `json:"summary"`
	PeopleCount int        `json:"people_count"`
	People      []Person   `json:"people,omitempty"` // masked names on the page; in clear when opened
	Clear       bool       `json:"clear"`
	Origin      string     `json:"origin"`
	SourceName  string     `json:"source_name"`
	ExternalID  string     `json:"external_id"`
	Status      string     `json:"status"`
	CloseNote   string     `json:"close_note"`
	CreatedAt   int64      `json:"created_at"`
	FollowUp    []Decision `json:"follow_up,omitempty"` // the meetings' decisions on it and their tasks (the page only)
	path        string
}

type notifier interface {
	Notify(ctx context.Context, tx *db.Tx, users []string, kind, text string) error
}

// locator finds the main grid holding a point.
type locator interface {
	Locate(ctx context.Context, lang string, p geo.Point) ([]org.Hit, error)
}

// tasker makes and reads the committee's tasks (safety's).
type tasker interface {
	CreateTaskTx(ctx context.Context, tx *db.Tx, rootID string, in safety.TaskInput) (string, error)
	TasksByID(ctx context.Context, ids []string) ([]safety.Task, error)
}

// Service keeps the situations, the days' judgements and the meetings.
type Service struct {
	db     *db.DB
	audit  *audit.Log
	vault  *pii.Vault
	keys   *secret.Keys
	grids  locator
	tasks  tasker
	limits *limiter
	// Notices tells a town of a serious or major situation.
	Notices notifier
	// FeedPerMinute is how many feed requests a source may send a minute
	// (120 by default).
	FeedPerMinute int
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, grids locator, tasks tasker) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), keys: keys, grids: grids, tasks: tasks, limits: newLimiter(), FeedPerMinute: 120, Now: time.Now}
}

func (s *Service) now() int64 { return s.Now().UnixMilli() }

func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, typ, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: typ, ObjectID: id, Detail: detail})
}

// rootPath is the path of a county or city the caller holds perm over.
func rootPath(ctx context.Context, q db.Querier, perm authz.Perm, id string) (string, error) {
	path, err := org.PathIn(ctx, q, perm, id, "")
	if err != nil {
		return "", err
	}
	if kind, err := org.KindOf(ctx, q, id, ""); err != nil {
		return "", err
	} else if kind != "county" && kind != "city" {
		return "", apperr.Field("id", "situation.not_root")
	}
	return path, nil
}

// areas are a root's towns and villages, found by id, code or name.
type areas struct {
	byKey map[string]org.Area
	byID  map[string]org.Area
}

func loadAreas(ctx context.Context, q db.Querier, root string) (areas, error) {
	list, err := org.AreasUnder(ctx, q, root, "town", "village")
	if err != nil {
		return areas{}, err
	}
	a := areas{byKey: map[string]org.Area{}, byID: map[string]org.Area{}}
	seen := map[string]int{}
	for _, x := range list {
		a.byID[x.ID] = x
		seen[x.Name]++
	}
	for _, x := range list {
		a.byKey[x.ID], a.byKey[x.Code] = x, x
		if seen[x.Name] == 1 {
			a.byKey[x.Name] = x
		}
		if x.Kind == "village" {
			a.byKey[a.byID[x.ParentID].Name+"/"+x.Name] = x
		}
	}
	return a, nil
}

// town is the town an area lies in (itself for a town).
func (a areas) town(x org.Area) org.Area {
	if x.Kind == "town" {
		return x
	}
	return a.byID[x.ParentID]
}

// placed is where a checked input lies.
type placed struct {
	area, town       org.Area
	gridID, gridName string
	path             string
	occurredAt       int64
	people           []Person // ID numbers and phones normalized
	fingerprint      string
}

// check validates an input, naming each bad field under prefix
// ("items[3].place"), and places it: the grid holding its point, or the
// area it names. Nothing is written.
func (s *Service) check(ctx context.Context, a areas, in *Input, prefix string, f *apperr.Fields) placed {
	var p placed
	in.ExternalID, in.Place, in.Summary, in.Area = strings.TrimSpace(in.ExternalID), strings.TrimSpace(in.Place), strings.TrimSpace(in.Summary), strings.TrimSpace(in.Area)
	if len(in.ExternalID) > 64 {
		f.Add(prefix+"external_id", "validation.length", "min", 0, "max", 64)
	}
	if !slices.Contains(Kinds, in.Kind) {
		f.Add(prefix+"kind", "validation.one_of", "values", strings.Join(Kinds, ", "))
	} else if !slices.Contains(Categories[in.Kind], in.Category) {
		f.Add(prefix+"category", "validation.one_of", "values", strings.Join(Categories[in.Kind], ", "))
	}
	if in.Level == "" {
		in.Level = "general"
	}
	if !slices.Contains(Levels, in.Level) {
		f.Add(prefix+"level", "validation.one_of", "values", strings.Join(Levels, ", "))
	}
	if t, ok := parseTime(in.OccurredAt); !ok {
		f.Add(prefix+"occurred_at", "validation.datetime")
	} else if t.After(s.Now().Add(10 * time.Minute)) {
		f.Add(prefix+"occurred_at", "situation.future")
	} else {
		p.occurredAt = t.UnixMilli()
	}
	if n := len([]rune(in.Place)); n < 2 || n > 200 {
		f.Add(prefix+"place", "validation.length", "min", 2, "max", 200)
	}
	if n := len([]rune(in.Summary)); n < 4 || n > 2000 {
		f.Add(prefix+"summary", "validation.length", "min", 4, "max", 2000)
	}
	if len(in.People) > 50 {
		f.Add(prefix+"people", "validation.range", "min", 0, "max", 50)
	}
	for i := range in.People {
		x, field := &in.People[i], fmt.Sprintf("%speople[%d].", prefix, i)
		x.Name, x.Role = strings.TrimSpace(x.Name), strings.TrimSpace(x.Role)
		if n := len([]rune(x.Name)); n < 1 || n > 50 {
			f.Add(field+"name", "validation.length", "min", 1, "max", 50)
		}
		if len([]rune(x.Role)) > 20 {
			f.Add(field+"role", "validation.length", "min", 0, "max", 20)
		}
		id, phone := "", ""
		if strings.TrimSpace(x.IDNumber) != "" {
			if info, err := pii.ParseID(field+"id_number", x.IDNumber); err != nil {
				*f = append(*f, apperr.As(err).Fields...) // why, never the number
			} else {
				id = info.Number
			}
		}
		if strings.TrimSpace(x.Phone) != "" {
			if n, err := pii.NormalizePhone(field+"phone", x.Phone); err != nil {
				*f = append(*f, apperr.As(err).Fields...)
			} else {
				phone = n
			}
		}
		x.IDNumber, x.Phone = id, phone
	}
	p.people = in.People
	// The place: a point's grid, else the named area.
	switch {
	case (in.Lat == nil) != (in.Lng == nil):
		f.Add(prefix+"lng", "situation.point")
	case in.Lat != nil && (math.Abs(*in.Lat) > 90 || math.Abs(*in.Lng) > 180):
		f.Add(prefix+"lat", "situation.point")
	case in.Lat != nil:
		hits, err := s.grids.Locate(authz.WithPrincipal(ctx, authz.System()), "", geo.Point{Lng: *in.Lng, Lat: *in.Lat})
		if err == nil {
			for _, h := range hits {
				if x, ok := a.byID[h.OrgID]; ok && h.Layer == org.MainLayer {
					p.area, p.gridID, p.gridName, p.path = x, h.GridID, h.GridName, h.Path
					break
				}
			}
		}
	}
	if p.area.ID == "" {
		x, ok := a.byKey[in.Area]
		switch {
		case ok && in.Area != "":
			p.area, p.path = x, x.Path
		case in.Area == "" && in.Lat != nil:
			f.Add(prefix+"lat", "situation.outside")
		default:
			f.Add(prefix+"area", "situation.area")
		}
	}
	if p.area.ID != "" {
		p.town = a.town(p.area)
	}
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	p.fingerprint = hex.EncodeToString(sum[:16])
	return p
}

// parseTime reads RFC 3339 or "2006-01-02 15:04[:05]" in China Standard Time.
func parseTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, v, Zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// personKeys are the blind keys that find a person across situations: the
// ID number, else the phone, else the name within the town.
func (s *Service) personKeys(p placed) []string {
	keys := make([]string, len(p.people))
	for i, x := range p.people {
		switch {
		case x.IDNumber != "":
			keys[i] = "id:" + s.vault.Blind("situation.id", x.IDNumber)
		case x.Phone != "":
			keys[i] = "ph:" + s.vault.Blind("situation.phone", x.Phone)
		default:
			keys[i] = "nm:" + s.vault.Blind("situation.name", p.town.ID+"|"+x.Name)
		}
	}
	return keys
}

// store writes a checked situation (a new id, or over an existing one's
// id when a source sends a corrected record) with its people's keys.
func (s *Service) store(ctx context.Context, tx *db.Tx, rootID, id string, update bool, in Input, p placed, origin, sourceID string) error {
	people, _ := json.Marshal(p.people)
	sealed := ""
	if len(p.people) > 0 {
		sealed = s.vault.Seal("situations.people", id, string(people))
	}
	now := s.now()
	day := time.UnixMilli(p.occurredAt).In(Zone).Format("2006-01-02")
	var lat, lng any
	if in.Lat != nil {
		lat, lng = *in.Lat, *in.Lng
	}
	if update {
		if _, err := tx.ExecContext(ctx, `UPDATE situations SET kind = ?, category = ?, level = ?, occurred_at = ?, day = ?, place = ?, lat = ?, lng = ?, area_id = ?, town_id = ?,
			grid_id = ?, grid_name = ?, path = ?, summary = ?, people_sealed = ?, people_count = ?, fingerprint = ?, updated_at = ? WHERE id = ?`,
			in.Kind, in.Category, in.Level, p.occurredAt, day, in.Place, lat, lng, p.area.ID, p.town.ID, nullIf(p.gridID), p.gridName, p.path,
			in.Summary, sealed, len(p.people), p.fingerprint, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM situation_people WHERE situation_id = ?", id); err != nil {
			return err
		}
	} else if _, err := tx.ExecContext(ctx, `INSERT INTO situations (id, root_id, kind, category, level, occurred_at, day, place, lat, lng, area_id, town_id, grid_id, grid_name, path,
		summary, people_sealed, people_count, origin, source_id, external_id, fingerprint, status, close_note, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', '', ?, ?, ?)`,
		id, rootID, in.Kind, in.Category, in.Level, p.occurredAt, day, in.Place, lat, lng, p.area.ID, p.town.ID, nullIf(p.gridID), p.gridName, p.path,
		in.Summary, sealed, len(p.people), origin, nullIf(sourceID), nullIf(in.ExternalID), p.fingerprint, authz.From(ctx).UserID, now, now); err != nil {
		return err
	}
	for i, k := range s.personKeys(p) {
		if _, err := tx.ExecContext(ctx, "INSERT INTO situation_people (situation_id, person_key, name_masked) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			id, k, pii.MaskName(p.people[i].Name)); err != nil {
			return err
		}
	}
	return nil
}

// push tells the town's readers (and the root's steerers) of a serious or
// major situation at once; general ones wait for the day's analysis.
func (s *Service) push(ctx context.Context, tx *db.Tx, in Input, p placed, rootPath string) error {
	if s.Notices == nil || in.Level == "general" {
		return nil
	}
	holders, args := authz.Holders(authz.SituationRead, p.town.Path)
	steer, a2 := authz.Holders(authz.SituationSteer, rootPath)
	rows, err := tx.QueryContext(ctx, holders+" UNION "+steer, append(args, a2...)...)
	if err != nil {
		return err
	}
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return err
		}
		users = append(users, u)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(users) == 0 {
		return nil
	}
	level := map[string]string{"serious": "较大", "major": "重大"}[in.Level]
	kind := map[string]string{"petition": "访情", "police": "警情", "opinion": "舆情"}[in.Kind]
	return s.Notices.Notify(ctx, tx, users, "situation", fmt.Sprintf("%s%s：%s %s，请在“三情研判”中查看并跟进。", level, kind, p.town.Name, in.Place))
}

// Enter records one situation by hand (situation.enter over the root).
// Audited.
func (s *Service) Enter(ctx context.Context, rootID string, in Input) (Situation, error) {
	out, err := s.enter(ctx, rootID, []Input{in}, ByHand, "")
	if err != nil {
		return Situation{}, refield(err, "items[0].", "")
	}
	return s.Get(ctx, out[0])
}

// EnterSheet records the rows of a sheet, all or nothing: every bad field
// is named by its row (items[3].category) and nothing is written unless
// every row is good. A row whose external_id is already taken is refused.
func (s *Service) EnterSheet(ctx context.Context, rootID string, rows []Input) (int, error) {
	if len(rows) == 0 || len(rows) > 2000 {
		return 0, apperr.Field("items", "validation.range", "min", 1, "max", 2000)
	}
	out, err := s.enter(ctx, rootID, rows, BySheet, "")
	return len(out), err
}

func (s *Service) enter(ctx context.Context, rootID string, rows []Input, origin, sourceID string) ([]string, error) {
	q := s.db.Reader()
	root, err := rootPath(ctx, q, authz.SituationEnter, rootID)
	if err != nil {
		return nil, err
	}
	a, err := loadAreas(ctx, q, root)
	if err != nil {
		return nil, err
	}
	var f apperr.Fields
	placedRows := make([]placed, len(rows))
	seen := map[string]bool{}
	for i := range rows {
		prefix := fmt.Sprintf("items[%d].", i)
		placedRows[i] = s.check(ctx, a, &rows[i], prefix, &f)
		if x := rows[i].ExternalID; x != "" {
			if seen[x] {
				f.Add(prefix+"external_id", "situation.external_twice")
			}
			seen[x] = true
		}
	}
	if err := f.Refuse(); err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		for i, in := range rows {
			if in.ExternalID != "" {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM situations WHERE root_id = ? AND source_id IS NULL AND external_id = ?", rootID, in.ExternalID).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return apperr.Field(fmt.Sprintf("items[%d].external_id", i), "situation.external_taken")
				}
			}
			ids[i] = db.NewID()
			if err := s.store(ctx, tx, rootID, ids[i], false, in, placedRows[i], origin, sourceID); err != nil {
				return err
			}
			if err := s.push(ctx, tx, in, placedRows[i], root); err != nil {
				return err
			}
		}
		detail := fmt.Sprintf("%s: %d", origin, len(rows))
		if len(rows) == 1 {
			detail = rows[0].Kind + "/" + rows[0].Category
		}
		return s.record(ctx, tx, authz.SituationEnter, "situation.enter", "situation", ids[0], detail)
	})
	return ids, err
}

// refield renames the field errors of err: trim cut from the front, add
// put before (a one-row entry's items[0].place is place; a decision's
// task's due_on is task.due_on).
func refield(err error, trim, add string) error {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return err
	}
	for i := range e.Fields {
		e.Fields[i].Field = add + strings.TrimPrefix(e.Fields[i].Field, trim)
	}
	return e
}

func nullIf(v string) any {
	if v == "" {
		return nil
	}
	return v
}
