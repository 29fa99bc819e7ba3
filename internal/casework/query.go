package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

const eventCols = `e.id, e.no, e.channel, e.category_code, c.name, e.urgency, e.state, e.description, e.address, e.lat, e.lng,
	COALESCE(e.grid_id, ''), COALESCE(g.code, ''), COALESCE(g.name, ''), e.org_id, o.name, e.level, COALESCE(e.lead_unit_id, ''), COALESCE(u.name, ''),
	e.stage, e.stage_warn_at, e.stage_due_at, e.due_at, e.supervised, e.leader_id IS NOT NULL, e.parked, e.extension_hours, e.reporter_name, e.reporter_id,
	e.attributes, e.media_url, COALESCE(e.resolved_level, ''), e.rating, e.created_at, e.closed_at, e.version, e.path,
	e.public_description, e.published,
	EXISTS (SELECT 1 FROM supervisions s WHERE s.event_id = e.id AND s.closed_at IS NULL AND s.overdue_at IS NOT NULL)`

const eventFrom = ` FROM events e JOIN categories c ON c.code = e.category_code JOIN org_nodes o ON o.id = e.org_id
	LEFT JOIN grids g ON g.id = e.grid_id LEFT JOIN units u ON u.id = e.lead_unit_id`

func scanEvent(sc interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var lat, lng sql.NullFloat64
	var warn, due, dueAll, closed sql.NullInt64
	var rating sql.NullString
	var attrs string
	err := sc.Scan(&e.ID, &e.No, &e.Channel, &e.CategoryCode, &e.CategoryName, &e.Urgency, &e.State, &e.Description, &e.Address, &lat, &lng,
		&e.GridID, &e.GridCode, &e.GridName, &e.OrgID, &e.OrgName, &e.Level, &e.LeadUnitID, &e.LeadUnitName,
		&e.Stage, &warn, &due, &dueAll, &e.Supervised, &e.LeaderCase, &e.Parked, &e.Extension, &e.ReporterName, &e.ReporterID,
		&attrs, &e.MediaURL, &e.ResolvedAt, &rating, &e.CreatedAt, &closed, &e.Version, &e.path,
		&e.PublicDescription, &e.Published, &e.SuperviseOverdue)
	if err != nil {
		return e, err
	}
	if lat.Valid {
		e.Lat, e.Lng = &lat.Float64, &lng.Float64
	}
	e.warnAt, e.StageDueAt, e.DueAt, e.ClosedAt = ptr(warn), ptr(due), ptr(dueAll), ptr(closed)
	if rating.Valid {
		e.Rating = &rating.String
	}
	err = json.Unmarshal([]byte(attrs), &e.Attributes)
	return e, err
}

func ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// visible reports whether the caller may see the event: over its area, as
// one of the units it was sent to, or as its reporter.
func (s *Service) visible(ctx context.Context, q db.Querier, e Event) (bool, error) {
	if e.ReporterID == authz.From(ctx).UserID {
		return true, nil
	}
	return s.staffSees(ctx, q, e)
}

// staffSees reports whether the caller sees the event as staff: over its
// area, or as one of the units it was sent to.
func (s *Service) staffSees(ctx context.Context, q db.Querier, e Event) (bool, error) {
	p := authz.From(ctx)
	if p.Covers(authz.EventRead, e.path) {
		return true, nil
	}
	if p.UnitID == "" || !p.Has(authz.EventReadUnit) {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM event_units WHERE event_id = ? AND unit_id = ?", e.ID, p.UnitID).Scan(&n)
	return n > 0, err
}

// asReporter is what a reporter who is not staff of the event reads of its
// timeline: the notes written for the public, not the internal ones, and
// no staff names — as the public faces show it.
func asReporter(e *Event) {
	for i := range e.Timeline {
		l := &e.Timeline[i]
		if l.Action != "report" && l.Action != "self_resolve" && l.Action != "direct_report" {
			l.Actor, l.Role = "", ""
			l.Note = l.PublicNote
		}
	}
}

// get loads one event without the scope check (callers check).
func (s *Service) get(ctx context.Context, id string) (Event, error) {
	e, err := scanEvent(s.db.Reader().QueryRowContext(ctx, "SELECT "+eventCols+eventFrom+" WHERE e.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.NotFoundf("event")
	}
	e.Light = light(&e, s.Now().UnixMilli())
	return e, err
}

// Get returns an event with its units, timeline and suggested duplicates.
func (s *Service) Get(ctx context.Context, id string) (Event, error) {
	e, err := s.get(ctx, id)
	if err != nil {
		return e, err
	}
	if ok, err := s.visible(ctx, s.db.Reader(), e); err != nil || !ok {
		return Event{}, errors.Join(err, apperr.NotFoundf("event"))
	}
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT eu.unit_id, u.name, eu.lead, eu.state, eu.due_at, eu.signed_at, eu.done_at
		FROM event_units eu JOIN units u ON u.id = eu.unit_id WHERE eu.event_id = ? ORDER BY eu.lead DESC, u.code`, id)
	if err != nil {
		return e, err
	}
	e.Units = []EventUnit{}
	for rows.Next() {
		var u EventUnit
		var due, signed, done sql.NullInt64
		if err := rows.Scan(&u.UnitID, &u.UnitName, &u.Lead, &u.State, &due, &signed, &done); err != nil {
			rows.Close()
			return e, err
		}
		u.DueAt, u.SignedAt, u.DoneAt = ptr(due), ptr(signed), ptr(done)
		e.Units = append(e.Units, u)
	}
	rows.Close()
	// The timeline in time order; seq orders the steps of one instant.
	rows, err = q.QueryContext(ctx, `SELECT l.seq, l.at, l.actor_id, l.actor_name, l.actor_role, l.action, l.from_state, l.to_state, COALESCE(u.name, ''), l.note, l.public_note
		FROM event_log l LEFT JOIN units u ON u.id = l.unit_id WHERE l.event_id = ? ORDER BY l.at, l.seq`, id)
	if err != nil {
		return e, err
	}
	e.Timeline = []LogEntry{}
	me := authz.From(ctx).UserID
	for rows.Next() {
		var l LogEntry
		var actorID string
		if err := rows.Scan(&l.Seq, &l.At, &actorID, &l.Actor, &l.Role, &l.Action, &l.FromState, &l.ToState, &l.UnitName, &l.Note, &l.PublicNote); err != nil {
			rows.Close()
			return e, err
		}
		if l.Action == "report_result" && actorID == me && !s.SelfCheckAllowed {
			e.OwnResult = true // as checked() in flow.go refuses
		}
		l.Media = []Media{}
		e.Timeline = append(e.Timeline, l)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, "SELECT id, kind, COALESCE(log_seq, 0) FROM event_media WHERE event_id = ? ORDER BY created_at", id)
	if err != nil {
		return e, err
	}
	for rows.Next() {
		var m Media
		var seq int
		if err := rows.Scan(&m.ID, &m.Kind, &seq); err != nil {
			rows.Close()
			return e, err
		}
		for i := range e.Timeline {
			if e.Timeline[i].Seq == seq || (seq == 0 && i == 0) {
				e.Timeline[i].Media = append(e.Timeline[i].Media, m)
				break
			}
		}
	}
	rows.Close()
	staff, err := s.staffSees(ctx, q, e)
	if err != nil {
		return e, err
	}
	if !staff {
		asReporter(&e)
		return e, nil
	}
	if Open(e.State) && e.Lat != nil {
		if e.Duplicates, err = s.duplicates(ctx, e); err != nil {
			return e, err
		}
	}
	return e, s.merges(ctx, &e)
}

// merges fills the event a merged event went into and the events merged
// into this one, each when the caller sees it as staff: a link to an event
// the caller cannot open would only tell that it exists.
func (s *Service) merges(ctx context.Context, e *Event) error {
	q := s.db.Reader()
	var into sql.NullString
	if err := q.QueryRowContext(ctx, "SELECT merged_into FROM events WHERE id = ?", e.ID).Scan(&into); err != nil {
		return err
	}
	// two look-ups, each on its own index (events_merged_into for the second)
	rows, err := q.QueryContext(ctx, "SELECT "+eventCols+eventFrom+" WHERE e.id = ?", into.String)
	if err != nil {
		return err
	}
	linked, err := s.collect(ctx, rows, 0)
	if err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, "SELECT "+eventCols+eventFrom+" WHERE e.merged_into = ? ORDER BY e.created_at, e.id LIMIT 100", e.ID)
	if err != nil {
		return err
	}
	from, err := s.collect(ctx, rows, 0)
	if err != nil {
		return err
	}
	linked = append(linked, from...)
	for _, o := range linked {
		if ok, err := s.staffSees(ctx, q, o); err != nil {
			return err
		} else if !ok {
			continue
		}
		ref := EventRef{ID: o.ID, No: o.No, State: o.State}
		if o.ID == into.String {
			e.MergedInto = &ref
		} else {
			e.MergedFrom = append(e.MergedFrom, ref)
		}
	}
	return nil
}

// duplicates suggests open events of the same category within about 200 m
// and 72 hours of e: candidates for merging. Only events the caller reads
// over their area are suggested (as merge requires of its target): a
// point near a border must not show the neighbouring area's events.
func (s *Service) duplicates(ctx context.Context, e Event) ([]Event, error) {
	const dLat, dLng = 0.0018, 0.002 // ~200 m at these latitudes
	window := int64(72 * 3600 * 1000)
	scope, args := authz.ScopeSQL("e.path", authz.From(ctx).Scopes(authz.EventRead))
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+eventCols+eventFrom+" WHERE "+scope+` AND e.category_code = ? AND e.id <> ?
		AND e.lat BETWEEN ? AND ? AND e.lng BETWEEN ? AND ? AND e.created_at BETWEEN ? AND ? AND e.state IN `+OpenStatesSQL+`
		ORDER BY e.created_at LIMIT 10`, append(args, e.CategoryCode, e.ID, *e.Lat-dLat, *e.Lat+dLat, *e.Lng-dLng, *e.Lng+dLng,
		e.CreatedAt-window, e.CreatedAt+window)...)
	if err != nil {
		return nil, err
	}
	return s.collect(ctx, rows, 10)
}

func (s *Service) collect(ctx context.Context, rows *sql.Rows, limit int) ([]Event, error) {
	defer rows.Close()
	now := s.Now().UnixMilli()
	out := []Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		e.Light = light(&e, now)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Query filters the event list.
type Query struct {
	State, Light, Category, Channel, OrgID, Q string
	Rating, ResolvedLevel                     string
	From, To                                  int64 // reported in [From, To), Unix ms; 0 = open
	Mine                                      bool
	// Tab is the caller's own view: "todo" (what waits for the caller's
	// action now) or "done" (events the caller has acted on); "" is all.
	Tab string
	// MyUnit keeps the events the caller's unit leads: its work orders
	// (a unit that returned one, or only helps, is not its lead).
	MyUnit bool
	Before string // cursor: created_at:id of the last row
	Limit  int
}

// todo is the condition that an event waits for the caller: each step of
// the loop the caller may take, over the areas where they may take it —
// intake (待受理), dispatch (待派遣), signing and handling for their unit
// (待签收, 处置中) or reporting in when summoned, re-check (待核查), and
// an extension to approve.
func todo(p *authz.Principal) (string, []any) {
	var conds []string
	var args []any
	over := func(perm authz.Perm, cond string) {
		if !p.Has(perm) {
			return
		}
		scope, sargs := authz.ScopeSQL("e.path", p.Scopes(perm))
		conds = append(conds, "("+cond+" AND "+scope+")")
		args = append(args, sargs...)
	}
	over(authz.EventIntake, "e.state = 'reported'")
	over(authz.EventDispatch, "e.state = 'filed'")
	over(authz.EventCheck, "e.state = 'handled'")
	over(authz.EventApprove, "e.state = 'handling' AND e.extension_hours > 0")
	if p.UnitID != "" && p.Has(authz.EventHandle) {
		conds = append(conds, `(e.state IN ('dispatched', 'handling') AND e.id IN (SELECT event_id FROM event_units
			WHERE unit_id = ? AND (state = 'summoned' OR (lead = ? AND state IN ('dispatched', 'signed')))))`)
		args = append(args, p.UnitID, true)
	}
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// filter is the WHERE conditions of the list's filters over the events the
// caller may see: the list, its export and its map read the same events.
func (s *Service) filter(ctx context.Context, f Query) ([]string, []any, error) {
	p := authz.From(ctx)
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	scope, sargs := authz.ScopeSQL("e.path", p.Scopes(authz.EventRead))
	access := []string{scope}
	args = append(args, sargs...)
	if p.UnitID != "" && p.Has(authz.EventReadUnit) {
		access = append(access, "e.id IN (SELECT event_id FROM event_units WHERE unit_id = ?)")
		args = append(args, p.UnitID)
	}
	access = append(access, "e.reporter_id = ?")
	args = append(args, p.UserID)
	where = append(where, "("+strings.Join(access, " OR ")+")")
	if f.Mine {
		add("e.reporter_id = ?", p.UserID)
	}
	switch f.Tab {
	case "":
	case "todo":
		cond, targs := todo(p)
		add(cond, targs...)
	case "done":
		add("e.id IN (SELECT event_id FROM event_log WHERE actor_id = ?)", p.UserID)
	default:
		return nil, nil, apperr.Field("tab", "validation.one_of", "values", "todo, done")
	}
	if f.MyUnit {
		// an account of no unit leads nothing: the list is empty
		add("e.lead_unit_id = ?", p.UnitID)
	}
	if f.State != "" {
		if f.State == "open" {
			add("e.state IN " + OpenStatesSQL)
		} else {
			add("e.state = ?", f.State)
		}
	}
	now := s.Now().UnixMilli()
	switch f.Light {
	case "":
	case "red":
		add("e.state IN "+OpenStatesSQL+" AND e.parked = ? AND e.stage_due_at <= ?", false, now)
	case "yellow":
		add("e.state IN "+OpenStatesSQL+" AND e.parked = ? AND e.stage_warn_at <= ? AND e.stage_due_at > ?", false, now, now)
	case "green":
		add("e.state IN "+OpenStatesSQL+" AND e.parked = ? AND e.stage_warn_at > ?", false, now)
	default:
		return nil, nil, apperr.Field("light", "validation.one_of", "values", "red, yellow, green")
	}
	if f.Category != "" {
		add("e.category_code >= ? AND e.category_code < ?", f.Category, f.Category+"~")
	}
	if f.Channel != "" {
		add("e.channel = ?", f.Channel)
	}
	if f.Rating != "" {
		add("e.rating = ?", f.Rating)
	}
	if f.ResolvedLevel != "" {
		add("e.resolved_level = ?", f.ResolvedLevel)
	}
	if f.From > 0 {
		add("e.created_at >= ?", f.From)
	}
	if f.To > 0 {
		add("e.created_at < ?", f.To)
	}
	if f.OrgID != "" {
		path, err := org.PathOf(ctx, s.db.Reader(), f.OrgID, "org_id")
		if err != nil {
			return nil, nil, err
		}
		under, args := authz.Under("e.path", path)
		add(under, args...)
	}
	if f.Q != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(f.Q) + "%"
		add("(e.no LIKE ? OR e.description LIKE ? OR e.address LIKE ?)", like, like, like)
	}
	return where, args, nil
}

// List returns events in the caller's scope, newest first, keyset-paged.
func (s *Service) List(ctx context.Context, f Query) ([]Event, string, error) {
	where, args, err := s.filter(ctx, f)
	if err != nil {
		return nil, "", err
	}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Before != "" {
		at, id, ok := strings.Cut(f.Before, ":")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return nil, "", apperr.Field("cursor", "validation.cursor")
		}
		add("(e.created_at < ? OR (e.created_at = ? AND e.id < ?))", ms, ms, id)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	from := eventFrom
	if f.State == "open" && s.db.Dialect == db.SQLite {
		// SQLite's planner prefers events_state and then sorts every open
		// event of the scope; walking the partial index in time order stops
		// at the page (5 ms instead of 250 ms over a city's 50,000 open events).
		from = strings.Replace(from, "FROM events e", "FROM events e INDEXED BY events_open", 1)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+eventCols+from+" WHERE "+strings.Join(where, " AND ")+
		" ORDER BY e.created_at DESC, e.id DESC LIMIT "+strconv.Itoa(f.Limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	out, err := s.collect(ctx, rows, f.Limit)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = strconv.FormatInt(last.CreatedAt, 10) + ":" + last.ID
	}
	return out, next, nil
}
