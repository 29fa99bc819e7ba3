// Package points keeps the points ledger of party members (党员积分管理)
// and volunteers: each entry names its subject (a kind and an id), the
// rule that gave it, the rule set's version and what earned it (a
// completed red order, a patrol, a screening finding, a training, hours of
// service, a 双报到 task left undone), so every point can be traced. The
// rooms write the entries in the transaction of what earned them: red
// orders, patrols, screening findings and trainings credit the party
// member whose account did the work, the volunteer room credits its
// volunteers' hours; the sweep here credits the members' 双报到 tasks.
// Entries are never changed: a branch corrects a ledger by adding an entry
// with a reason that names the entry it corrects. The county sets the
// rules (points per completed order, more for a good rating, a deduction
// for an accepted order left overdue, and so on); each change is a new
// version, and the versions are kept. Rankings add a month's or a year's
// entries per member, volunteer, branch or community.
//
// It owns points_entries. It asks party for members, organisations and
// 双报到 tasks, and the volunteer room (Volunteers) for volunteers.
package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/party"
)

// Subject kinds: who may hold a ledger.
const (
	PartyMember = "party_member"
	Volunteer   = "volunteer"
	Worker      = "worker"
)

// SubjectKinds lists them.
var SubjectKinds = []string{PartyMember, Volunteer, Worker}

// The rules, each a key of Rules.
const (
	OrderDone       = "order_done"        // a completed red order
	OrderGoodRating = "order_good_rating" // on top, when the resident rated it 4 or 5
	OrderOverdue    = "order_overdue"     // an accepted order left past its time (a deduction)
	Patrol          = "patrol"            // a patrol walked
	Screening       = "screening"         // a screening finding reported
	Training        = "training"          // a training attended
	VolunteerHour   = "volunteer_hour"    // an hour of volunteer service
	DutyMissed      = "duty_missed"       // a 双报到 task not done (a deduction)
	Correction      = "correction"        // a branch's correction
)

// Rules are the county's points rules. Credits are ≥ 0, deductions ≤ 0.
type Rules struct {
	Version         int `json:"version"`
	OrderDone       int `json:"order_done"`
	OrderGoodRating int `json:"order_good_rating"`
	OrderOverdue    int `json:"order_overdue"`
	Patrol          int `json:"patrol"`
	Screening       int `json:"screening"`
	Training        int `json:"training"`
	VolunteerHour   int `json:"volunteer_hour"`
	DutyMissed      int `json:"duty_missed"`
}

// DefaultRules hold until the county sets its own.
var DefaultRules = Rules{Version: 1, OrderDone: 3, OrderGoodRating: 2, OrderOverdue: -2, Patrol: 1, Screening: 2, Training: 2, VolunteerHour: 1, DutyMissed: -3}

// Of is the points a rule gives (per hour for volunteer_hour).
func (r Rules) Of(rule string) int {
	switch rule {
	case OrderDone:
		return r.OrderDone
	case OrderGoodRating:
		return r.OrderGoodRating
	case OrderOverdue:
		return r.OrderOverdue
	case Patrol:
		return r.Patrol
	case Screening:
		return r.Screening
	case Training:
		return r.Training
	case VolunteerHour:
		return r.VolunteerHour
	case DutyMissed:
		return r.DutyMissed
	}
	return 0
}

const rulesKey = "points.rules"

// Service keeps the ledger.
type Service struct {
	db    *db.DB
	audit *audit.Log
	// Volunteers finds volunteers as ledger holders; without it a
	// volunteer's ledger is not found.
	Volunteers Volunteers
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// Volunteers is what the ledger needs of the volunteer register: a
// volunteer's name, team and place, and the names and teams of many.
type Volunteers interface {
	VolunteerSubject(ctx context.Context, q db.Querier, id string) (name, team, orgID, path string, err error)
	// VolunteerOfUser is the volunteer whose account userID is;
	// sql.ErrNoRows when none is.
	VolunteerOfUser(ctx context.Context, q db.Querier, userID string) (string, error)
	VolunteerNames(ctx context.Context, q db.Querier, ids []string) (names, teams map[string]string, err error)
}

// New makes the service.
func New(d *db.DB, log *audit.Log) *Service {
	return &Service{db: d, audit: log, Now: time.Now}
}

// china is the work's day: months are months in China Standard Time.
var china = time.FixedZone("CST", 8*3600)

// MonthOf is the China month (YYYY-MM) of a time in Unix ms.
func MonthOf(ms int64) string { return time.UnixMilli(ms).In(china).Format("2006-01") }

// RulesIn reads the rules in force (inside q).
func RulesIn(ctx context.Context, q db.Querier) (Rules, error) {
	r := DefaultRules
	err := db.LoadSetting(ctx, q, rulesKey, &r)
	return r, err
}

// Rules returns the rules in force.
func (s *Service) Rules(ctx context.Context) (Rules, error) { return RulesIn(ctx, s.db.Reader()) }

// RulesVersion returns a version of the rules as it was; an unknown
// version is not found.
func (s *Service) RulesVersion(ctx context.Context, v int) (Rules, error) {
	cur, err := s.Rules(ctx)
	if err != nil || cur.Version == v {
		return cur, err
	}
	var r Rules
	if err := db.LoadSetting(ctx, s.db.Reader(), fmt.Sprintf("%s.v%d", rulesKey, v), &r); err != nil {
		return Rules{}, err
	}
	if r.Version != v {
		return Rules{}, apperr.NotFoundf("points_rules")
	}
	return r, nil
}

// SetRules saves a new version of the rules; the version sent must be the
// one in force (409 otherwise). The old version is kept: entries name it.
func (s *Service) SetRules(ctx context.Context, in Rules) (Rules, error) {
	var f apperr.Fields
	credit := func(field string, v int) {
		if v < 0 || v > 100 {
			f.Add(field, "validation.range", "min", 0, "max", 100)
		}
	}
	deduct := func(field string, v int) {
		if v > 0 || v < -100 {
			f.Add(field, "validation.range", "min", -100, "max", 0)
		}
	}
	credit("order_done", in.OrderDone)
	credit("order_good_rating", in.OrderGoodRating)
	deduct("order_overdue", in.OrderOverdue)
	credit("patrol", in.Patrol)
	credit("screening", in.Screening)
	credit("training", in.Training)
	credit("volunteer_hour", in.VolunteerHour)
	deduct("duty_missed", in.DutyMissed)
	if err := f.Err(); err != nil {
		return Rules{}, err
	}
	var out Rules
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := RulesIn(ctx, tx)
		if err != nil {
			return err
		}
		if in.Version != cur.Version {
			return apperr.E(apperr.Conflict, "points.rules_stale", "version", cur.Version)
		}
		if _, err := db.SaveSetting(ctx, tx, fmt.Sprintf("%s.v%d", rulesKey, cur.Version), cur); err != nil {
			return err
		}
		out = in
		out.Version = cur.Version + 1
		if _, err := db.SaveSetting(ctx, tx, rulesKey, out); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.EventConfig, audit.Entry{Action: "points.rules", ObjectType: "points_rules", ObjectID: rulesKey,
			Detail: fmt.Sprintf("v%d", out.Version)})
	})
	return out, err
}

// Credit is what a room credits (or deducts) under a rule.
type Credit struct {
	SubjectKind, SubjectID string
	PartyOrgID             string // the subject's branch
	OrgID, Path            string // the subject's community and its path
	Rule                   string
	SourceKind, SourceID   string
	At                     int64 // when it was earned (Unix ms): its month
	// Hours multiply a rule counted per hour (volunteer_hour); negative
	// hours (a correction of recorded hours) take points off. 0 counts once.
	Hours float64
}

// CreditTx writes the entry a rule gives for a source inside the caller's
// transaction, at the points of the rules in force, and returns the
// points written. A rule worth nothing writes nothing; the same rule for
// the same source and subject is written once (a retry adds nothing).
func CreditTx(ctx context.Context, tx db.Querier, c Credit) (int, error) {
	rules, err := RulesIn(ctx, tx)
	if err != nil {
		return 0, err
	}
	pts := rules.Of(c.Rule)
	if c.Hours != 0 {
		pts = int(math.Round(float64(pts) * c.Hours))
	}
	if pts == 0 {
		return 0, nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO points_entries (id, subject_kind, subject_id, party_org_id, org_id, path, month, points, rule,
		source_kind, source_id, rule_version, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'system', ?)
		ON CONFLICT (subject_kind, subject_id, rule, source_kind, source_id) DO NOTHING`,
		db.NewID(), c.SubjectKind, c.SubjectID, c.PartyOrgID, c.OrgID, c.Path, MonthOf(c.At), pts, c.Rule, c.SourceKind, c.SourceID, rules.Version, db.Now())
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, nil
	}
	return pts, nil
}

// CreditUserTx credits a rule to the party member whose account userID is,
// inside the caller's transaction; an account that is no active member's
// earns nothing. It returns the points written.
func CreditUserTx(ctx context.Context, tx db.Querier, userID, rule, sourceKind, sourceID string, at int64) (int, error) {
	c, ok, err := memberOfUser(ctx, tx, userID)
	if !ok || err != nil {
		return 0, err
	}
	c.Rule, c.SourceKind, c.SourceID, c.At = rule, sourceKind, sourceID, at
	return CreditTx(ctx, tx, c)
}

// SettleUserTx keeps the points one source gives a party member's account
// in step with whether they are still earned (a training's attendance can
// be set again): a member put on gets the rule's points, one taken off has
// them taken off by a correction entry with the reason, one put back gets
// them again. Nothing written changes; an account that is no active
// member's earns nothing.
func SettleUserTx(ctx context.Context, tx db.Querier, userID, rule, sourceKind, sourceID string, at int64, earned bool, reason string) error {
	c, ok, err := memberOfUser(ctx, tx, userID)
	if !ok || err != nil {
		return err
	}
	// The source's entries: the first credit under its own id, each later
	// change under id:n, so that each is written once.
	var net, n int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(points), 0), COUNT(*) FROM points_entries WHERE subject_kind = ? AND subject_id = ?
		AND source_kind = ? AND (source_id = ? OR source_id LIKE ?)`, c.SubjectKind, c.SubjectID, sourceKind, sourceID, sourceID+":%").Scan(&net, &n); err != nil {
		return err
	}
	rules, err := RulesIn(ctx, tx)
	if err != nil {
		return err
	}
	delta, why := 0, ""
	switch {
	case earned && net <= 0:
		delta = rules.Of(rule) - net
	case !earned && net != 0:
		delta, rule, why = -net, Correction, reason
	}
	if delta == 0 {
		return nil
	}
	if n > 0 {
		sourceID = fmt.Sprintf("%s:%d", sourceID, n)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO points_entries (id, subject_kind, subject_id, party_org_id, org_id, path, month, points, rule,
		source_kind, source_id, rule_version, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'system', ?)
		ON CONFLICT (subject_kind, subject_id, rule, source_kind, source_id) DO NOTHING`,
		db.NewID(), c.SubjectKind, c.SubjectID, c.PartyOrgID, c.OrgID, c.Path, MonthOf(at), delta, rule, sourceKind, sourceID, rules.Version,
		why, db.Now())
	return err
}

// memberOfUser is the credit's place of the active party member whose
// account userID is; ok is false when there is none.
func memberOfUser(ctx context.Context, q db.Querier, userID string) (Credit, bool, error) {
	if userID == "" {
		return Credit{}, false, nil
	}
	m, err := party.MemberOfUser(ctx, q, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Credit{}, false, nil
	}
	if err != nil {
		return Credit{}, false, err
	}
	c, err := SubjectOfMember(ctx, q, m.ID)
	return c, err == nil, err
}

// Sweep credits the party members' 双报到 tasks of the last two months
// (CreditTasks). It returns the entries written.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	return s.CreditTasks(ctx, s.Now().In(china).AddDate(0, -2, 0).Format(time.DateOnly))
}

// CreditTasks credits the party members' 双报到 tasks due since a day
// (YYYY-MM-DD): the hours of a task done (volunteer_hour per hour) and a
// deduction for a task still open after its day (duty_missed; a task done
// late keeps it). Each is written once, so it can run any number of
// times. It returns the entries written.
func (s *Service) CreditTasks(ctx context.Context, since string) (int, error) {
	today := s.Now().In(china).Format(time.DateOnly)
	q := s.db.Reader()
	tasks, err := party.MemberTasks(ctx, q, since)
	if err != nil {
		return 0, err
	}
	// What an earlier sweep wrote is not looked at again.
	credited, err := db.Strings(ctx, q, `SELECT rule || ' ' || source_id FROM points_entries WHERE source_kind = 'party_report_task'
		AND month >= ?`, since[:7])
	if err != nil {
		return 0, err
	}
	done := map[string]bool{}
	for _, k := range credited {
		done[k] = true
	}
	written := 0
	for _, t := range tasks {
		c := Credit{SourceKind: "party_report_task", SourceID: t.ID}
		switch {
		case t.Status == "done" && t.Hours > 0:
			c.Rule, c.Hours, c.At = VolunteerHour, t.Hours, NoonOf(t.DoneOn)
		case t.Status == "open" && t.DueOn < today:
			c.Rule, c.At = DutyMissed, NoonOf(t.DueOn)
		default:
			continue
		}
		if done[c.Rule+" "+t.ID] {
			continue
		}
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			sub, err := SubjectOfMember(ctx, tx, t.MemberID)
			if err != nil {
				return err
			}
			c.SubjectKind, c.SubjectID, c.PartyOrgID, c.OrgID, c.Path = sub.SubjectKind, sub.SubjectID, sub.PartyOrgID, sub.OrgID, sub.Path
			n, err := CreditTx(ctx, tx, c)
			if n != 0 {
				written++
			}
			return err
		})
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// NoonOf is noon of a China day (YYYY-MM-DD) in Unix ms: when what was
// done on that day was earned; 0 for a day that is none.
func NoonOf(day string) int64 {
	t, err := time.ParseInLocation(time.DateOnly, day, china)
	if err != nil {
		return 0
	}
	return t.Add(12 * time.Hour).UnixMilli()
}

// Entry is one line of a ledger.
type Entry struct {
	ID          string `json:"id"`
	SubjectKind string `json:"subject_kind"`
	SubjectID   string `json:"subject_id"`
	PartyOrgID  string `json:"party_org_id"`
	Month       string `json:"month"`
	Points      int    `json:"points"`
	Rule        string `json:"rule"`
	SourceKind  string `json:"source_kind"`
	SourceID    string `json:"source_id"`
	RuleVersion int    `json:"rule_version"`
	Reason      string `json:"reason,omitempty"`
	CorrectsID  string `json:"corrects_id,omitempty"`
	CreatedBy   string `json:"created_by"`
	CreatedAt   int64  `json:"created_at"`
}

// Ledger is a subject's entries with their total.
type Ledger struct {
	SubjectKind string `json:"subject_kind"`
	SubjectID   string `json:"subject_id"`
	Name        string `json:"name"`
	Branch      string `json:"branch"`
	Total       int    `json:"total"`
	Year        int    `json:"year_total"`
	// Months sums every entry by month and rule, newest month first: a
	// year of patrols reads as a line a month, not seven hundred.
	Months []MonthSum `json:"months"`
	Items  []Entry    `json:"items"` // the latest LedgerItems entries
}

// MonthSum is a month's entries of one rule on a ledger.
type MonthSum struct {
	Month  string `json:"month"`
	Rule   string `json:"rule"`
	Count  int    `json:"count"`
	Points int    `json:"points"`
}

// LedgerItems is how many entries a ledger lists one by one; Months sums
// them all.
const LedgerItems = 300

// subject is a ledger's holder with its place.
type subject struct {
	kind, id, name, branchID, branch, orgID, path string
}

// subjectOf finds a ledger's holder: a party member, or a volunteer
// through Volunteers.
func (s *Service) subjectOf(ctx context.Context, q db.Querier, kind, id string) (subject, error) {
	if kind != Volunteer {
		return subjectOf(ctx, q, kind, id)
	}
	if s.Volunteers == nil {
		return subject{}, apperr.Field("subject_id", "points.subject_unknown")
	}
	name, team, orgID, path, err := s.Volunteers.VolunteerSubject(ctx, q, id)
	if errors.Is(err, sql.ErrNoRows) {
		return subject{}, apperr.Field("subject_id", "points.subject_unknown")
	}
	return subject{kind: kind, id: id, name: name, branch: team, orgID: orgID, path: path}, err
}

// subjectOf finds a party member as a ledger's subject.
func subjectOf(ctx context.Context, q db.Querier, kind, id string) (subject, error) {
	if kind != PartyMember {
		if !slices.Contains(SubjectKinds, kind) {
			return subject{}, apperr.Field("subject_kind", "validation.one_of", "values", strings.Join(SubjectKinds, ", "))
		}
		return subject{}, apperr.Field("subject_id", "points.subject_unknown")
	}
	m, err := party.MemberByID(ctx, q, id, "subject_id")
	if err != nil {
		if apperr.As(err) != nil {
			return subject{}, apperr.Field("subject_id", "points.subject_unknown")
		}
		return subject{}, err
	}
	s := subject{kind: kind, id: id, name: m.Name, path: m.Path}
	if b, err := party.BranchOf(ctx, q, m); err == nil {
		s.branchID, s.branch, s.orgID = b.ID, b.Name, b.OrgID
	} else if !errors.Is(err, sql.ErrNoRows) && apperr.As(err) == nil {
		return subject{}, err
	}
	if s.orgID == "" {
		o, err := party.OrgByID(ctx, q, m.PartyOrgID, "")
		if err != nil {
			return subject{}, err
		}
		s.orgID = o.OrgID
	}
	return s, nil
}

// SubjectOfMember is the credit's place for a party member: their branch,
// community and path.
func SubjectOfMember(ctx context.Context, q db.Querier, memberID string) (Credit, error) {
	s, err := subjectOf(ctx, q, PartyMember, memberID)
	return Credit{SubjectKind: PartyMember, SubjectID: memberID, PartyOrgID: s.branchID, OrgID: s.orgID, Path: s.path}, err
}

const entryCols = `id, subject_kind, subject_id, party_org_id, month, points, rule, source_kind, source_id, rule_version, reason,
	COALESCE(corrects_id, ''), created_by, created_at`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	err := sc.Scan(&e.ID, &e.SubjectKind, &e.SubjectID, &e.PartyOrgID, &e.Month, &e.Points, &e.Rule, &e.SourceKind, &e.SourceID,
		&e.RuleVersion, &e.Reason, &e.CorrectsID, &e.CreatedBy, &e.CreatedAt)
	return e, err
}

func (s *Service) ledger(ctx context.Context, sub subject, year int) (Ledger, error) {
	out := Ledger{SubjectKind: sub.kind, SubjectID: sub.id, Name: sub.name, Branch: sub.branch, Months: []MonthSum{}, Items: []Entry{}}
	q := s.db.Reader()
	sums, err := q.QueryContext(ctx, `SELECT month, rule, count(*), COALESCE(sum(points), 0) FROM points_entries
		WHERE subject_kind = ? AND subject_id = ? GROUP BY month, rule ORDER BY month DESC, rule`, sub.kind, sub.id)
	if err != nil {
		return out, err
	}
	prefix := fmt.Sprintf("%04d-", year)
	for sums.Next() {
		var m MonthSum
		if err := sums.Scan(&m.Month, &m.Rule, &m.Count, &m.Points); err != nil {
			sums.Close()
			return out, err
		}
		out.Total += m.Points
		if strings.HasPrefix(m.Month, prefix) {
			out.Year += m.Points
		}
		out.Months = append(out.Months, m)
	}
	sums.Close()
	if err := sums.Err(); err != nil {
		return out, err
	}
	rows, err := q.QueryContext(ctx, "SELECT "+entryCols+` FROM points_entries WHERE subject_kind = ? AND subject_id = ?
		ORDER BY created_at DESC, id LIMIT ?`, sub.kind, sub.id, LedgerItems)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, e)
	}
	return out, rows.Err()
}

// LedgerOf returns a subject's ledger to a holder of points.read over the
// subject's area; the read is audited (party membership is personal).
func (s *Service) LedgerOf(ctx context.Context, kind, id string) (Ledger, error) {
	sub, err := s.subjectOf(ctx, s.db.Reader(), kind, id)
	if err != nil || !authz.From(ctx).Covers(authz.PointsRead, sub.path) {
		if err == nil || apperr.As(err) != nil {
			return Ledger{}, apperr.NotFoundf("points_ledger")
		}
		return Ledger{}, err
	}
	if err := s.audit.RecordAlone(ctx, s.db, authz.PointsRead, audit.Entry{Action: "points.ledger_read", ObjectType: kind, ObjectID: id}); err != nil {
		return Ledger{}, err
	}
	return s.ledger(ctx, sub, s.Now().In(china).Year())
}

// Mine returns the caller's own ledger: as a party member when the
// account is one's, else as a volunteer.
func (s *Service) Mine(ctx context.Context) (Ledger, error) {
	q := s.db.Reader()
	uid := authz.From(ctx).UserID
	kind, id := PartyMember, ""
	m, err := party.MemberOfUser(ctx, q, uid)
	switch {
	case err == nil:
		id = m.ID
	case errors.Is(err, sql.ErrNoRows) && s.Volunteers != nil:
		kind = Volunteer
		id, err = s.Volunteers.VolunteerOfUser(ctx, q, uid)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Ledger{}, apperr.E(apperr.NotFound, "points.not_member")
	}
	if err != nil {
		return Ledger{}, err
	}
	sub, err := s.subjectOf(ctx, q, kind, id)
	if err != nil {
		return Ledger{}, err
	}
	return s.ledger(ctx, sub, s.Now().In(china).Year())
}

// CorrectionInput corrects a ledger: points (not zero), the reason, and
// the entry it corrects when there is one.
type CorrectionInput struct {
	SubjectKind string `json:"subject_kind"`
	SubjectID   string `json:"subject_id"`
	Points      int    `json:"points"`
	Reason      string `json:"reason"`
	CorrectsID  string `json:"corrects_id,omitempty"`
}

// Correct adds a correction to a ledger: the branch's secretary (points.write
// over the subject's area) adds points or takes them off with a reason.
// Nothing already written changes.
func (s *Service) Correct(ctx context.Context, in CorrectionInput) (Entry, error) {
	var f apperr.Fields
	in.Reason = strings.TrimSpace(in.Reason)
	if n := len([]rune(in.Reason)); n < 2 || n > 200 {
		f.Add("reason", "validation.length", "min", 2, "max", 200)
	}
	if in.Points == 0 || in.Points < -100 || in.Points > 100 {
		f.Add("points", "points.correction_points")
	}
	if in.SubjectID == "" {
		f.Add("subject_id", "validation.required")
	}
	if err := f.Err(); err != nil {
		return Entry{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		sub, err := s.subjectOf(ctx, tx, in.SubjectKind, in.SubjectID)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.PointsWrite, sub.path) {
			return apperr.Field("subject_id", "points.subject_unknown")
		}
		var corrects any
		if in.CorrectsID != "" {
			var kind, sid string
			err := tx.QueryRowContext(ctx, "SELECT subject_kind, subject_id FROM points_entries WHERE id = ?", in.CorrectsID).Scan(&kind, &sid)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && (kind != sub.kind || sid != sub.id)) {
				return apperr.Field("corrects_id", "points.entry_unknown")
			}
			if err != nil {
				return err
			}
			corrects = in.CorrectsID
		}
		rules, err := RulesIn(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO points_entries (id, subject_kind, subject_id, party_org_id, org_id, path, month, points, rule,
			source_kind, source_id, rule_version, reason, corrects_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, sub.kind, sub.id, sub.branchID, sub.orgID, sub.path, MonthOf(now), in.Points, Correction, "points_entry", id, rules.Version,
			in.Reason, corrects, authz.From(ctx).UserID, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.PointsWrite, audit.Entry{Action: "points.correct", ObjectType: sub.kind, ObjectID: sub.id,
			Detail: fmt.Sprintf("%+d", in.Points)})
	})
	if err != nil {
		return Entry{}, err
	}
	return scanEntry(s.db.Reader().QueryRowContext(ctx, "SELECT "+entryCols+" FROM points_entries WHERE id = ?", id))
}

// Rank is one line of a ranking.
type Rank struct {
	Rank    int    `json:"rank"`
	ID      string `json:"id"`   // the member, branch or community
	Kind    string `json:"kind"` // party_member, branch, community
	Name    string `json:"name"`
	Branch  string `json:"branch,omitempty"`
	Points  int    `json:"points"`
	Entries int    `json:"entries"`
}

// Ranking is a period's ranking.
type Ranking struct {
	Period string `json:"period"`
	By     string `json:"by"`
	Items  []Rank `json:"items"`
}

// Rankings ranks the party members (by=member), volunteers
// (by=volunteer), branches (by=branch) or communities (by=community) of an
// area by the points of a month (period YYYY-MM) or a year (YYYY); ties
// share a rank. A community's points are its members' and volunteers'.
func (s *Service) Rankings(ctx context.Context, orgID, period, by, branchID string) (Ranking, error) {
	var f apperr.Fields
	if by == "" {
		by = "member"
	}
	if !slices.Contains([]string{"member", "volunteer", "branch", "community"}, by) {
		f.Add("by", "validation.one_of", "values", "member, volunteer, branch, community")
	}
	if period == "" {
		period = s.Now().In(china).Format("2006-01")
	}
	monthCond := "e.month = ?"
	if _, err := time.Parse("2006-01", period); err != nil {
		if _, err := time.Parse("2006", period); err != nil {
			f.Add("period", "points.period")
		}
		monthCond = "e.month LIKE ?"
	}
	if err := f.Err(); err != nil {
		return Ranking{}, err
	}
	pa := period
	if monthCond == "e.month LIKE ?" {
		pa = period + "-%"
	}
	where, args := authz.ScopeSQL("e.path", authz.From(ctx).Scopes(authz.PointsRead))
	if orgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.PointsRead, orgID, "org_id")
		if err != nil {
			return Ranking{}, err
		}
		c, a := authz.Under("e.path", path)
		where, args = where+" AND "+c, append(args, a...)
	}
	if branchID != "" {
		where, args = where+" AND e.party_org_id = ?", append(args, branchID)
	}
	where, args = where+" AND "+monthCond, append(args, pa)
	group := map[string]string{"member": "e.subject_id", "volunteer": "e.subject_id", "branch": "e.party_org_id", "community": "e.org_id"}[by]
	query := "SELECT " + group + ", MAX(e.party_org_id), SUM(e.points), COUNT(*) FROM points_entries e WHERE " + where
	switch by {
	case "member":
		query += " AND e.subject_kind = 'party_member'"
	case "volunteer":
		query += " AND e.subject_kind = 'volunteer'"
	case "branch":
		query += " AND e.party_org_id <> ''"
	}
	rows, err := s.db.Reader().QueryContext(ctx, query+" GROUP BY "+group+" ORDER BY SUM(e.points) DESC, "+group+" LIMIT 500", args...)
	if err != nil {
		return Ranking{}, err
	}
	out := Ranking{Period: period, By: by, Items: []Rank{}}
	var ids, branches []string
	for rows.Next() {
		var r Rank
		var branch string
		if err := rows.Scan(&r.ID, &branch, &r.Points, &r.Entries); err != nil {
			rows.Close()
			return Ranking{}, err
		}
		r.Kind, r.Branch = map[string]string{"member": PartyMember, "volunteer": Volunteer, "branch": "branch", "community": "community"}[by], branch
		out.Items = append(out.Items, r)
		ids, branches = append(ids, r.ID), append(branches, branch)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Ranking{}, err
	}
	q := s.db.Reader()
	var names, bnames map[string]string
	switch by {
	case "member":
		if names, err = party.MemberNames(ctx, q, ids); err == nil {
			bnames, err = party.OrgNames(ctx, q, branches)
		}
	case "volunteer":
		if s.Volunteers == nil {
			names, bnames = map[string]string{}, map[string]string{}
		} else {
			names, bnames, err = s.Volunteers.VolunteerNames(ctx, q, ids)
		}
	case "branch":
		names, err = party.OrgNames(ctx, q, ids)
	default:
		names = map[string]string{}
		for _, id := range ids {
			if names[id], err = org.NameOf(ctx, q, id); err != nil {
				break
			}
		}
	}
	if err != nil {
		return Ranking{}, err
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return out.Items[i].Points > out.Items[j].Points })
	for i := range out.Items {
		r := &out.Items[i]
		r.Name = names[r.ID]
		switch by {
		case "member":
			r.Branch = bnames[r.Branch]
		case "volunteer":
			r.Branch = bnames[r.ID] // the team
		default:
			r.Branch = ""
		}
		r.Rank = i + 1
		if i > 0 && r.Points == out.Items[i-1].Points {
			r.Rank = out.Items[i-1].Rank
		}
	}
	return out, nil
}

func errForbidden() error { return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", "points.read") }
func fieldVersion() error {
	return apperr.Field("version", "validation.range", "min", 1, "max", 1000000)
}
