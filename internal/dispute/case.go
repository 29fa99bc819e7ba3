package dispute

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Case is a dispute case as the caller may see it. In a list the parties
// come masked in PartiesMasked alone; the case file names them in full
// (mediation needs the names) with phones and ID numbers masked.
type Case struct {
	ID          string   `json:"id"`
	No          string   `json:"no"`
	Source      string   `json:"source"`
	SourceRef   string   `json:"source_ref"`
	EventID     string   `json:"event_id"`
	EventNo     string   `json:"event_no,omitempty"`
	OrgID       string   `json:"org_id"`
	OrgName     string   `json:"org_name"`
	Type        string   `json:"type"`
	Title       string   `json:"title"`
	Facts       string   `json:"facts,omitempty"`
	Claims      string   `json:"claims,omitempty"`
	Amount      *float64 `json:"amount"` // yuan
	Complexity  string   `json:"complexity"`
	Route       string   `json:"route"`
	RouteReason string   `json:"route_reason"`
	Status      string   `json:"status"`
	Outcome     string   `json:"outcome"`
	NextRoute   string   `json:"next_route"`
	OutcomeNote string   `json:"outcome_note,omitempty"`
	// Level is where the case is handled now (village, town, county,
	// city); SettledLevel the level it was settled at, once settled.
	Level        string `json:"level"`
	SettledLevel string `json:"settled_level"`
	// RegisteredAt starts the one-month target DueAt; Light is its light
	// and DueDays the calendar days left (negative past it).
	RegisteredAt  int64             `json:"registered_at"`
	DueAt         int64             `json:"due_at"`
	DueDays       int               `json:"due_days"`
	Light         string            `json:"light"`
	ClosedAt      *int64            `json:"closed_at"`
	CreatedBy     string            `json:"created_by"`
	Version       int               `json:"version"`
	PartiesMasked string            `json:"parties_masked"`
	Parties       []Party           `json:"parties,omitempty"`
	Sessions      []Session         `json:"sessions,omitempty"`
	Mediators     []SessionMediator `json:"mediators,omitempty"`
	Agreement     *Agreement        `json:"agreement,omitempty"`
	FollowUps     []FollowUp        `json:"follow_ups,omitempty"`
	Confirmation  *Confirmation     `json:"confirmation,omitempty"`
	Timeline      []LogEntry        `json:"timeline,omitempty"`
	path          string
	amountFen     sql.NullInt64
}

// Party is one party of a case: the name in full, phone and ID number
// masked (a reveal shows them).
type Party struct {
	ID          string `json:"id"`
	Role        string `json:"role"`
	Name        string `json:"name"`
	PersonID    string `json:"person_id"`
	PhoneMasked string `json:"phone_masked"`
	IDMasked    string `json:"id_number_masked"`
}

// SessionMediator is a register entry (Mediator) named as a session's
// mediator: its id, name and kind, and whether the person has an account.
type SessionMediator struct {
	MediatorID string `json:"mediator_id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	HasAccount bool   `json:"has_account"`
}

// SessionUnit is a unit invited to a joint session, and whether it came.
type SessionUnit struct {
	UnitID   string `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Attended bool   `json:"attended"`
}

// Session is one mediation session of the case file.
type Session struct {
	ID        string            `json:"id"`
	At        int64             `json:"at"`
	Place     string            `json:"place"`
	Kind      string            `json:"kind"`
	JointKind string            `json:"joint_kind"`
	Attendees string            `json:"attendees"`
	Record    string            `json:"record"`
	Mediators []SessionMediator `json:"mediators"`
	Units     []SessionUnit     `json:"units"`
}

// Agreement is the written mediation agreement (人民调解协议书).
type Agreement struct {
	No               string `json:"no"`
	Facts            string `json:"facts"`
	Issues           string `json:"issues"`
	Responsibilities string `json:"responsibilities"`
	Terms            string `json:"terms"`
	Manner           string `json:"manner"`
	Deadline         string `json:"deadline"`
	Committee        string `json:"committee"`
	SignedAt         int64  `json:"signed_at"`
	// ConfirmBy is the last day (Unix ms) for the joint application for
	// judicial confirmation.
	ConfirmBy int64 `json:"confirm_by"`
}

// FollowUp is one follow-up of the agreement's performance.
type FollowUp struct {
	ID          string `json:"id"`
	At          int64  `json:"at"`
	Method      string `json:"method"`
	Performance string `json:"performance"`
	Note        string `json:"note"`
	User        string `json:"user"`
}

// Confirmation is the joint application for judicial confirmation and the
// court's decision.
type Confirmation struct {
	Court     string `json:"court"`
	AppliedAt int64  `json:"applied_at"`
	Status    string `json:"status"`
	DecidedAt *int64 `json:"decided_at"`
	RulingNo  string `json:"ruling_no"`
	Note      string `json:"note"`
}

// LogEntry is one step of a case's timeline.
type LogEntry struct {
	Seq    int    `json:"seq"`
	At     int64  `json:"at"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Note   string `json:"note"`
}

const caseCols = `d.id, d.no, d.source, d.source_ref, COALESCE(d.event_id, ''), d.org_id, o.name, d.type, d.title, d.facts, d.claims, d.amount_fen,
	d.complexity, d.route, d.route_reason, d.status, d.outcome, d.next_route, d.outcome_note, d.registered_at, d.due_at, d.closed_at,
	COALESCE(u.display_name, ''), d.version, d.path, d.level, d.settled_level`

const caseFrom = ` FROM disputes d JOIN org_nodes o ON o.id = d.org_id LEFT JOIN users u ON u.id = d.created_by`

func scanCase(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var closed sql.NullInt64
	err := sc.Scan(&c.ID, &c.No, &c.Source, &c.SourceRef, &c.EventID, &c.OrgID, &c.OrgName, &c.Type, &c.Title, &c.Facts, &c.Claims, &c.amountFen,
		&c.Complexity, &c.Route, &c.RouteReason, &c.Status, &c.Outcome, &c.NextRoute, &c.OutcomeNote, &c.RegisteredAt, &c.DueAt, &closed,
		&c.CreatedBy, &c.Version, &c.path, &c.Level, &c.SettledLevel)
	if c.amountFen.Valid {
		y := float64(c.amountFen.Int64) / 100
		c.Amount = &y
	}
	c.ClosedAt = regkit.Ptr(closed)
	return c, err
}

func (c *Case) light(now int64) {
	c.Light = Light(c.Status, c.DueAt, now)
	c.DueDays = int((c.DueAt - now) / Day)
	if c.DueAt < now {
		c.DueDays = -int((now - c.DueAt + Day - 1) / Day)
	}
}

// Query filters the case list. Q matches the case number and the title
// only: a party's name is personal and never travels in a URL.
type Query struct {
	Status, Route, Type, Source, Light, OrgID, Q, Month, EventID string
	After                                                        string // the cursor of the previous page: "registered_at.id" of its last case
	Limit                                                        int

	// The figures' drill-down filters: the level handled at and settled
	// at, the route a failed mediation was sent on to, the judicial
	// confirmation (applied: any application; confirmed), the months of
	// registration From..To (YYYY-MM, both included) and AtOrg, the cases
	// of that area's own node, not of the areas below it.
	Level, SettledLevel, NextRoute, Confirmation, From, To, AtOrg string
}

// List returns a page of the cases in the caller's dispute.read scope,
// the latest registered first, and the cursor of the next page.
func (s *Service) List(ctx context.Context, q Query) ([]Case, string, error) {
	p := authz.From(ctx)
	cond, args := authz.ScopeSQL("d.path", p.Scopes(authz.DisputeRead))
	table, err := s.listFrom(ctx, q, cond, args)
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	add := func(c string, v ...any) {
		b.WriteString(" AND " + c)
		args = append(args, v...)
	}
	var f apperr.Fields
	regkit.OneOf(&f, "status", q.Status, Statuses, false)
	regkit.OneOf(&f, "route", q.Route, Routes, false)
	regkit.OneOf(&f, "type", q.Type, Types, false)
	regkit.OneOf(&f, "source", q.Source, Sources, false)
	var from, to int64
	if q.Month != "" {
		m, err := time.ParseInLocation("2006-01", q.Month, zone)
		if err != nil {
			f.Add("month", "dispute.month_format")
		}
		from, to = m.UnixMilli(), m.AddDate(0, 1, 0).UnixMilli()
	}
	extra := drillFilters(&f, q)
	if err := f.Refuse(); err != nil {
		return nil, "", err
	}
	for _, e := range extra {
		add(e.cond, e.args...)
	}
	now := s.now()
	if q.Status != "" {
		add("d.status = ?", q.Status)
	}
	if q.Route != "" {
		add("d.route = ?", q.Route)
	}
	if q.Type != "" {
		add("d.type = ?", q.Type)
	}
	if q.Source != "" {
		add("d.source = ?", q.Source)
	}
	if q.EventID != "" {
		add("d.event_id = ?", q.EventID)
	}
	if q.Month != "" {
		add("d.registered_at >= ? AND d.registered_at < ?", from, to)
	}
	if q.Light != "" {
		c, a, err := lightSQL(q.Light, now)
		if err != nil {
			return nil, "", err
		}
		add(c, a...)
	}
	if q.OrgID != "" {
		c, a, err := regkit.InArea(ctx, s.db.Reader(), "d.path", q.OrgID)
		if err != nil {
			return nil, "", err
		}
		add(c, a...)
	}
	if t := strings.TrimSpace(q.Q); t != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(t) + "%"
		add("(d.no LIKE ? OR d.title LIKE ?)", like, like)
	}
	if q.After != "" {
		atText, id, _ := strings.Cut(q.After, ".")
		at, err := strconv.ParseInt(atText, 10, 64)
		if err != nil || id == "" {
			return nil, "", apperr.Refuse("cursor", "dispute.code_unknown", "value", q.After)
		}
		// a bound on registered_at alone, so that an index range starts at the cursor
		add("d.registered_at <= ? AND (d.registered_at < ? OR d.id < ?)", at, at, id)
	}
	limit := regkit.ClampLimit(q.Limit)
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+caseCols+table+" WHERE "+cond+b.String()+" ORDER BY d.registered_at DESC, d.id DESC LIMIT ?",
		append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out := []Case{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		c.light(now)
		c.Facts, c.Claims = "", ""
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = strconv.FormatInt(last.RegisteredAt, 10) + "." + last.ID
	}
	return out, next, s.maskParties(ctx, out)
}

// maskParties fills each listed case's masked party names: applicants
// first, "张*明、李* / 王*".
func (s *Service) maskParties(ctx context.Context, cs []Case) error {
	if len(cs) == 0 {
		return nil
	}
	idx := map[string]int{}
	ids := make([]any, len(cs))
	marks := make([]string, len(cs))
	for i, c := range cs {
		idx[c.ID], ids[i], marks[i] = i, c.ID, "?"
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT dispute_id, role, name FROM dispute_parties WHERE dispute_id IN ("+strings.Join(marks, ", ")+") ORDER BY dispute_id, seq", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	sides := make([][2][]string, len(cs))
	for rows.Next() {
		var id, role, name string
		if err := rows.Scan(&id, &role, &name); err != nil {
			return err
		}
		side := 1
		if role == "applicant" {
			side = 0
		}
		i := idx[id]
		sides[i][side] = append(sides[i][side], pii.MaskName(name))
	}
	for i, sd := range sides {
		cs[i].PartiesMasked = strings.Join(sd[0], "、")
		if len(sd[1]) > 0 {
			cs[i].PartiesMasked += " / " + strings.Join(sd[1], "、")
		}
	}
	return rows.Err()
}

// Get returns the case file: parties, sessions with their mediators and
// units, the agreement, follow-ups, the confirmation and the timeline. The
// read is audited: the file names the parties.
func (s *Service) Get(ctx context.Context, id string) (Case, error) {
	c, err := s.file(ctx, id, authz.DisputeRead)
	if err != nil {
		return c, err
	}
	return c, s.audit.RecordAlone(ctx, s.db, authz.DisputeRead, auditEntry("read", id))
}

// file loads the case file under perm, unaudited: the answer to a step
// the caller has just written, whose own audit row stands for it.
func (s *Service) file(ctx context.Context, id string, perm authz.Perm) (Case, error) {
	q := s.db.Reader()
	c, err := s.scoped(ctx, q, authz.From(ctx), id, perm)
	if err != nil {
		return c, err
	}
	if err := s.fill(ctx, q, &c); err != nil {
		return c, err
	}
	if c.EventID != "" {
		if ev, err := s.events.Brief(ctx, c.EventID); err == nil {
			c.EventNo = ev.No
		}
	}
	return c, nil
}

// fill loads the parts of a case file.
func (s *Service) fill(ctx context.Context, q db.Querier, c *Case) error {
	var err error
	if c.Parties, err = s.parties(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Sessions, err = s.sessions(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Mediators, err = CaseMediators(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Agreement, err = agreement(ctx, q, c.ID); err != nil {
		return err
	}
	if c.FollowUps, err = followUps(ctx, q, c.ID); err != nil {
		return err
	}
	if c.Confirmation, err = confirmation(ctx, q, c.ID); err != nil {
		return err
	}
	c.Timeline, err = timeline(ctx, q, c.ID)
	return err
}

func (s *Service) parties(ctx context.Context, q db.Querier, id string) ([]Party, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, role, name, COALESCE(person_id, ''), phone_masked, id_masked FROM dispute_parties WHERE dispute_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Party{}
	for rows.Next() {
		var pt Party
		if err := rows.Scan(&pt.ID, &pt.Role, &pt.Name, &pt.PersonID, &pt.PhoneMasked, &pt.IDMasked); err != nil {
			return nil, err
		}
		out = append(out, pt)
	}
	return out, rows.Err()
}

func (s *Service) sessions(ctx context.Context, q db.Querier, id string) ([]Session, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, at, place, kind, joint_kind, attendees, record FROM dispute_sessions WHERE dispute_id = ? ORDER BY at, id", id)
	if err != nil {
		return nil, err
	}
	out := []Session{}
	at := map[string]int{}
	for rows.Next() {
		var se Session
		if err := rows.Scan(&se.ID, &se.At, &se.Place, &se.Kind, &se.JointKind, &se.Attendees, &se.Record); err != nil {
			rows.Close()
			return nil, err
		}
		se.Mediators, se.Units = []SessionMediator{}, []SessionUnit{}
		at[se.ID] = len(out)
		out = append(out, se)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = q.QueryContext(ctx, `SELECT dm.session_id, dm.mediator_id, dm.name, m.kind, m.user_id IS NOT NULL
		FROM dispute_mediators dm JOIN mediators m ON m.id = dm.mediator_id WHERE dm.dispute_id = ? ORDER BY dm.name, dm.mediator_id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var sid string
		var m SessionMediator
		if err := rows.Scan(&sid, &m.MediatorID, &m.Name, &m.Kind, &m.HasAccount); err != nil {
			rows.Close()
			return nil, err
		}
		out[at[sid]].Mediators = append(out[at[sid]].Mediators, m)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT su.session_id, su.unit_id, su.unit_name, su.attended FROM dispute_session_units su
		JOIN dispute_sessions se ON se.id = su.session_id WHERE se.dispute_id = ? ORDER BY su.unit_name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var sid string
		var u SessionUnit
		var attended int
		if err := rows.Scan(&sid, &u.UnitID, &u.UnitName, &attended); err != nil {
			return nil, err
		}
		u.Attended = attended == 1
		out[at[sid]].Units = append(out[at[sid]].Units, u)
	}
	return out, rows.Err()
}

// CaseMediators returns the register entries that mediated case id: the
// mediators of its sessions, each once, by name. The mediators' subsidies
// (以案定补) credit a closed case to them in this order.
func CaseMediators(ctx context.Context, q db.Querier, id string) ([]SessionMediator, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT dm.mediator_id, dm.name, m.kind, m.user_id IS NOT NULL
		FROM dispute_mediators dm JOIN mediators m ON m.id = dm.mediator_id WHERE dm.dispute_id = ? ORDER BY dm.name, dm.mediator_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SessionMediator{}
	for rows.Next() {
		var m SessionMediator
		if err := rows.Scan(&m.MediatorID, &m.Name, &m.Kind, &m.HasAccount); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func agreement(ctx context.Context, q db.Querier, id string) (*Agreement, error) {
	var a Agreement
	err := q.QueryRowContext(ctx, `SELECT no, facts, issues, responsibilities, terms, manner, deadline, committee, signed_at
		FROM dispute_agreements WHERE dispute_id = ?`, id).Scan(&a.No, &a.Facts, &a.Issues, &a.Responsibilities, &a.Terms, &a.Manner, &a.Deadline, &a.Committee, &a.SignedAt)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	a.ConfirmBy = a.SignedAt + ConfirmWithin*Day
	return &a, err
}

func followUps(ctx context.Context, q db.Querier, id string) ([]FollowUp, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.at, f.method, f.performance, f.note, COALESCE(u.display_name, '')
		FROM dispute_follow_ups f LEFT JOIN users u ON u.id = f.user_id WHERE f.dispute_id = ? ORDER BY f.at, f.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FollowUp{}
	for rows.Next() {
		var f FollowUp
		if err := rows.Scan(&f.ID, &f.At, &f.Method, &f.Performance, &f.Note, &f.User); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func confirmation(ctx context.Context, q db.Querier, id string) (*Confirmation, error) {
	var c Confirmation
	var decided sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT court, applied_at, status, decided_at, ruling_no, note FROM dispute_confirmations WHERE dispute_id = ?", id).
		Scan(&c.Court, &c.AppliedAt, &c.Status, &decided, &c.RulingNo, &c.Note)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	c.DecidedAt = regkit.Ptr(decided)
	return &c, err
}

func timeline(ctx context.Context, q db.Querier, id string) ([]LogEntry, error) {
	rows, err := q.QueryContext(ctx, "SELECT seq, at, actor_name, action, note FROM dispute_log WHERE dispute_id = ? ORDER BY at, seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []LogEntry{}
	for rows.Next() {
		var l LogEntry
		if err := rows.Scan(&l.Seq, &l.At, &l.Actor, &l.Action, &l.Note); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// RevealInput names the fields of a party to show in full and why.
type RevealInput struct {
	Fields []string `json:"fields"`
	Reason string   `json:"reason"`
}

// Revealed holds a party's full values as asked.
type Revealed struct {
	Phone    *string `json:"phone,omitempty"`
	IDNumber *string `json:"id_number,omitempty"`
}

// Reveal shows a party's phone or ID number in full to a caller holding
// personal.reveal over the case's area, for a stated reason; the audit row
// names the fields and the reason, never the values.
func (s *Service) Reveal(ctx context.Context, caseID, partyID string, in RevealInput) (Revealed, error) {
	var out Revealed
	var f apperr.Fields
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	if len([]rune(in.Reason)) < 4 {
		f.Add("reason", "dispute.reason_required")
	}
	regkit.CheckLen(&f, "reason", in.Reason, maxTextShort)
	if len(in.Fields) == 0 {
		f.Add("fields", "dispute.required")
	}
	for _, fl := range in.Fields {
		regkit.OneOf(&f, "fields", fl, []string{"phone", "id_number"}, true)
	}
	if err := f.Refuse(); err != nil {
		return out, err
	}
	p := authz.From(ctx)
	c, err := s.scoped(ctx, s.db.Reader(), p, caseID, authz.DisputeRead)
	if err != nil {
		return out, err
	}
	if !p.Covers(authz.PersonalReveal, c.path) {
		return out, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	var phoneS, idS string
	err = s.db.Reader().QueryRowContext(ctx, "SELECT phone_sealed, id_sealed FROM dispute_parties WHERE id = ? AND dispute_id = ?", partyID, caseID).Scan(&phoneS, &idS)
	if err == sql.ErrNoRows {
		return out, apperr.NotFoundf("party")
	}
	if err != nil {
		return out, err
	}
	openField := func(name, sealed string) (*string, error) {
		v := ""
		if sealed == "" {
			return &v, nil
		}
		v, err := s.vault.Open(name, partyID, sealed)
		return &v, err
	}
	for _, fl := range in.Fields {
		if fl == "phone" {
			out.Phone, err = openField("dispute_parties.phone", phoneS)
		} else {
			out.IDNumber, err = openField("dispute_parties.id_number", idS)
		}
		if err != nil {
			return Revealed{}, err
		}
	}
	e := auditEntry("party_reveal", caseID)
	e.Detail = partyID + " " + strings.Join(in.Fields, ",") + ": " + in.Reason
	return out, s.audit.RecordAlone(ctx, s.db, authz.PersonalReveal, e)
}

// Candidates returns the register entries that may be named mediators of
// case id: the active mediators serving its area, that is registered at
// the case's own area or one above it (a village case: the village's
// committee and 法律明白人, the town's and the county's full-time
// mediators), the case's own area first, then up the tree.
func (s *Service) Candidates(ctx context.Context, id string) ([]Mediator, error) {
	c, err := s.scoped(ctx, s.db.Reader(), authz.From(ctx), id, authz.DisputeWrite)
	if err != nil {
		return nil, err
	}
	return s.serving(ctx, s.db.Reader(), c.path, nil)
}

// serving lists the active register entries serving an area at path (at
// it or above), deepest first; only those among ids when ids is set.
func (s *Service) serving(ctx context.Context, q db.Querier, path string, ids []string) ([]Mediator, error) {
	at, args := authz.AtOrAbove("m.path", path)
	where := at + " AND m.active = 1"
	if len(ids) > 0 {
		where += " AND m.id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	return s.mediatorRows(ctx, q, where, args, "length(m.path) DESC, ")
}

// itoa is strconv.Itoa, short.
func itoa(n int) string { return strconv.Itoa(n) }
