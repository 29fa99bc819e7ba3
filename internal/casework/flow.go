package casework

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// rule is one action of the state machine: who may take it, from which
// states, and what it does. do returns the new state ("" keeps it), the unit
// it concerns and what to notify.
type rule struct {
	perm     authz.Perm
	from     []string
	noteNeed bool
	do       func(s *Service, c *actx) (string, error)
}

var openStates = []string{Reported, Filed, Dispatched, Handling, Handled}

// OpenStatesSQL is the open states as a SQL list, for "state IN " +
// OpenStatesSQL. They are literals, not parameters: the partial index
// events_open is defined on this list, and the planner uses it only for a
// query that names the same values.
var OpenStatesSQL = "('" + strings.Join(openStates, "', '") + "')"

// Actions are the state machine of the loop.
var Actions = map[string]rule{
	"file":              {perm: authz.EventIntake, from: []string{Reported}, do: (*Service).file},
	"refuse":            {perm: authz.EventIntake, from: []string{Reported}, noteNeed: true, do: to(Refused)},
	"merge":             {perm: authz.EventIntake, from: []string{Reported, Filed}, do: (*Service).merge},
	"dispatch":          {perm: authz.EventDispatch, from: []string{Filed}, do: (*Service).dispatch},
	"escalate":          {perm: authz.EventDispatch, from: []string{Reported, Filed}, noteNeed: true, do: (*Service).escalate},
	"sign":              {perm: authz.EventHandle, from: []string{Dispatched}, do: (*Service).sign},
	"return":            {perm: authz.EventHandle, from: []string{Dispatched, Handling}, noteNeed: true, do: (*Service).giveBack},
	"request_extension": {perm: authz.EventHandle, from: []string{Handling}, noteNeed: true, do: (*Service).requestExtension},
	"approve_extension": {perm: authz.EventApprove, from: []string{Handling}, do: (*Service).approveExtension},
	"reject_extension":  {perm: authz.EventApprove, from: []string{Handling}, do: (*Service).rejectExtension},
	"report_result":     {perm: authz.EventHandle, from: []string{Handling}, noteNeed: true, do: (*Service).reportResult},
	"check_pass":        {perm: authz.EventCheck, from: []string{Handled}, do: checked((*Service).close)},
	"check_fail":        {perm: authz.EventCheck, from: []string{Handled}, noteNeed: true, do: checked(to(Handling))},
	"whistle":           {perm: authz.EventDispatch, from: []string{Filed, Dispatched, Handling}, do: (*Service).whistle},
	"report_in":         {perm: authz.EventHandle, from: []string{Filed, Dispatched, Handling, Handled}, do: (*Service).reportIn},
	"supervise":         {perm: authz.EventSupervise, from: openStates, noteNeed: true, do: (*Service).supervise},
	"take_case":         {perm: authz.EventSupervise, from: openStates, do: (*Service).takeCase},
	"park":              {perm: authz.EventApprove, from: openStates, noteNeed: true, do: flag("parked", true)},
	"unpark":            {perm: authz.EventApprove, from: openStates, do: flag("parked", false)},
	"reopen":            {perm: authz.EventApprove, from: []string{Closed}, noteNeed: true, do: (*Service).reopen},
	"rate":              {perm: "", from: []string{Closed}, do: (*Service).rate},
	"publish":           {perm: authz.EventIntake, from: publishable, do: (*Service).publish},
	"unpublish":         {perm: authz.EventIntake, from: publishable, do: (*Service).unpublish},
}

// publishable are the states whose events the intake desk may publish or withdraw.
var publishable = []string{Reported, Filed, Dispatched, Handling, Handled, Closed, Refused}

// actx is what an action works on.
type actx struct {
	ctx  context.Context
	tx   *db.Tx
	e    Event
	in   Action
	now  time.Time
	cat  Category
	unit string // unit named in the timeline
}

func to(state string) func(*Service, *actx) (string, error) {
	return func(*Service, *actx) (string, error) { return state, nil }
}

// checked guards a re-check: separation of duties keeps whoever reported
// the result of this round of handling from judging it themselves.
func checked(do func(*Service, *actx) (string, error)) func(*Service, *actx) (string, error) {
	return func(s *Service, c *actx) (string, error) {
		if !s.SelfCheckAllowed {
			var n int
			err := c.tx.QueryRowContext(c.ctx, "SELECT count(*) FROM event_log WHERE event_id = ? AND action = 'report_result' AND actor_id = ?",
				c.e.ID, authz.From(c.ctx).UserID).Scan(&n)
			if err != nil {
				return "", err
			}
			if n > 0 {
				return "", apperr.E(apperr.Forbidden, "event.check_own_result")
			}
		}
		return do(s, c)
	}
}

func flag(col string, v bool) func(*Service, *actx) (string, error) {
	return func(s *Service, c *actx) (string, error) {
		_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET "+col+" = ? WHERE id = ?", v, c.e.ID)
		return "", err
	}
}

// Act applies an action to an event: permission and scope, the version the
// caller saw, the state machine, then one transaction with the timeline,
// notifications and the audit row.
func (s *Service) Act(ctx context.Context, id string, in Action) (Event, error) {
	p := authz.From(ctx)
	r, ok := Actions[in.Action]
	if !ok {
		return Event{}, apperr.Field("action", "event.action_unknown", "action", in.Action)
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > MaxDescription {
		return Event{}, apperr.Field("note", "validation.length", "min", 0, "max", MaxDescription)
	}
	if r.noteNeed && in.Note == "" {
		return Event{}, apperr.Field("note", "validation.required")
	}
	if err := checkPublicNote(&in); err != nil {
		return Event{}, err
	}
	now := s.Now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "SELECT version FROM events WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("event")
		} else if err != nil {
			return err
		}
		e, err := scanEvent(tx.QueryRowContext(ctx, "SELECT "+eventCols+eventFrom+" WHERE e.id = ?", id))
		if err != nil {
			return err
		}
		if ok, err := s.visible(ctx, tx, e); err != nil || !ok {
			return errors.Join(err, apperr.NotFoundf("event"))
		}
		// Every action needs its permission over the event's area, so that a
		// grant in one county does not act on another county's events that
		// a second grant lets the user read. Handlers act for their unit
		// wherever the event lies: the unit check below decides.
		allowed := p.Covers(r.perm, e.path)
		if r.perm == authz.EventHandle {
			allowed = p.Has(r.perm)
		}
		if r.perm != "" && !allowed {
			return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", r.perm)
		}
		if r.perm == authz.EventHandle {
			// Handling is done by the units the event was sent to: the lead
			// for everything, a co-unit only to step out (return).
			var lead bool
			err := tx.QueryRowContext(ctx, "SELECT lead FROM event_units WHERE event_id = ? AND unit_id = ? AND state <> 'returned'", id, p.UnitID).Scan(&lead)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && !lead && in.Action != "return" && in.Action != "report_in") {
				return apperr.E(apperr.Forbidden, "event.not_lead_unit")
			}
			if err != nil {
				return err
			}
		}
		if e.Version != in.Version {
			return apperr.E(apperr.Conflict, "conflict.version")
		}
		if !slices.Contains(r.from, e.State) {
			return apperr.E(apperr.Conflict, "event.illegal_transition", "action", in.Action, "state", e.State)
		}
		cat, err := s.category(ctx, tx, "category_code", e.CategoryCode)
		if err != nil {
			return err
		}
		c := &actx{ctx: ctx, tx: tx, e: e, in: in, now: now, cat: cat}
		next, err := r.do(s, c)
		if err != nil {
			return err
		}
		state := e.State
		if next != "" && next != e.State {
			state = next
			sc, err := s.scheduleFor(ctx, c.cat, e.Urgency, state, now)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE events SET state = ?, stage = ?, stage_started_at = ?, stage_warn_at = ?, stage_due_at = ?, overdue_flagged = ? WHERE id = ?",
				state, sc.stage, sc.start, sc.warnAt, sc.dueAt, false, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE events SET version = version + 1, updated_at = ? WHERE id = ?", now.UnixMilli(), id); err != nil {
			return err
		}
		if _, err := s.appendStep(ctx, tx, id, in.Action, e.State, state, c.unit, in.Note, in.PublicNote, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, r.perm, audit.Entry{Action: "event." + in.Action, ObjectType: "event", ObjectID: id,
			Detail: e.No + " " + e.State + "→" + state})
	})
	if err != nil {
		return Event{}, err
	}
	return s.Get(ctx, id)
}

func (s *Service) file(c *actx) (string, error) {
	if c.in.CategoryCode != "" && c.in.CategoryCode != c.e.CategoryCode {
		cat, err := s.category(c.ctx, c.tx, "category_code", c.in.CategoryCode)
		if err != nil {
			return "", err
		}
		c.cat = cat
		if _, err := c.tx.ExecContext(c.ctx, "UPDATE events SET category_code = ? WHERE id = ?", cat.Code, c.e.ID); err != nil {
			return "", err
		}
		// Filed as a dispute or a security matter, it is private for good:
		// going back to a public category later publishes nothing.
		if !Published(cat.Code) {
			if err := s.decidePublication(c, false); err != nil {
				return "", err
			}
		}
	}
	if c.in.Publish != nil {
		if err := s.decidePublication(c, *c.in.Publish); err != nil {
			return "", err
		}
	}
	if c.in.Urgency != "" {
		if c.in.Urgency != "normal" && c.in.Urgency != "urgent" {
			return "", apperr.Field("urgency", "validation.one_of", "values", "normal, urgent")
		}
		c.e.Urgency = c.in.Urgency
		if _, err := c.tx.ExecContext(c.ctx, "UPDATE events SET urgency = ? WHERE id = ?", c.in.Urgency, c.e.ID); err != nil {
			return "", err
		}
	}
	return Filed, s.notify(c.ctx, c.tx, &c.e, "filed", noticeText("filed", "no", c.e.No), authz.EventDispatch, "")
}

// merge folds a duplicate into another open event: a finished one (closed,
// refused or merged itself) would leave the matter with nobody on it.
func (s *Service) merge(c *actx) (string, error) {
	if c.in.IntoID == "" || c.in.IntoID == c.e.ID {
		return "", apperr.Field("into_id", "validation.required")
	}
	into, err := scanEvent(c.tx.QueryRowContext(c.ctx, "SELECT "+eventCols+eventFrom+" WHERE e.id = ?", c.in.IntoID))
	if err != nil || !authz.From(c.ctx).Covers(authz.EventRead, into.path) || !Open(into.State) {
		return "", apperr.Field("into_id", "event.merge_target")
	}
	_, err = c.tx.ExecContext(c.ctx, "UPDATE events SET merged_into = ? WHERE id = ?", into.ID, c.e.ID)
	if err == nil {
		_, err = s.appendLog(c.ctx, c.tx, into.ID, "merged_in", into.State, into.State, "", stepNote("merged_in", "no", c.e.No), c.now)
	}
	return Merged, err
}

// escalate hands the matter one level up (上报): the upper centre files and dispatches it.
func (s *Service) escalate(c *actx) (string, error) {
	i := slices.Index(Levels, c.e.Level)
	if i < 0 || i == len(Levels)-1 {
		return "", apperr.E(apperr.Conflict, "event.top_level")
	}
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET level = ? WHERE id = ?", Levels[i+1], c.e.ID)
	if err != nil {
		return "", err
	}
	return Filed, s.notify(c.ctx, c.tx, &c.e, "escalated", noticeText("escalated", "no", c.e.No, "level", Levels[i+1]), authz.EventDispatch, "")
}

// dispatch sends the matter to units (one lead: 首接负责制) — the ones
// named, or the rule's unit, or the centre of its own area (属地兜底).
func (s *Service) dispatch(c *actx) (string, error) {
	units := c.in.UnitIDs
	lead := c.in.LeadUnitID
	if len(units) == 0 {
		u, err := s.ruleUnit(c.ctx, c.tx, c.e, c.cat)
		if err != nil {
			return "", err
		}
		units = []string{u.ID}
	}
	if lead == "" {
		lead = units[0]
	}
	if !slices.Contains(units, lead) {
		units = append([]string{lead}, units...)
	}
	if len(units) > 20 {
		return "", apperr.Field("unit_ids", "validation.range", "min", 1, "max", 20)
	}
	cal, err := s.calendar(c.ctx)
	if err != nil {
		return "", err
	}
	lim, err := parseLimit(c.cat.limit(c.e.Urgency, "handle"))
	if err != nil {
		return "", err
	}
	due := cal.Add(c.now, lim).UnixMilli()
	if _, err := c.tx.ExecContext(c.ctx, "DELETE FROM event_units WHERE event_id = ? AND state IN ('returned')", c.e.ID); err != nil {
		return "", err
	}
	var leadLevel string
	for i, uid := range units {
		level, err := unitFor(c, i, uid)
		if err != nil {
			return "", err
		}
		if uid == lead {
			leadLevel = level
		}
		if _, err := c.tx.ExecContext(c.ctx, `INSERT INTO event_units (event_id, unit_id, lead, state, due_at) VALUES (?, ?, ?, 'dispatched', ?)
			ON CONFLICT (event_id, unit_id) DO UPDATE SET lead = excluded.lead, state = 'dispatched', due_at = excluded.due_at, signed_at = NULL, done_at = NULL`,
			c.e.ID, uid, uid == lead, due); err != nil {
			return "", err
		}
		if err := s.notify(c.ctx, c.tx, &c.e, "dispatched", noticeText("dispatched", "no", c.e.No), "", uid); err != nil {
			return "", err
		}
	}
	c.unit = lead
	signLim, err := parseLimit(c.cat.limit(c.e.Urgency, "sign"))
	if err != nil {
		return "", err
	}
	_, err = c.tx.ExecContext(c.ctx, "UPDATE events SET lead_unit_id = ?, level = ?, dispatched_at = ?, response_due_at = ?, due_at = ? WHERE id = ?",
		lead, leadLevel, c.now.UnixMilli(), cal.Add(c.now, signLim).UnixMilli(), due, c.e.ID)
	return Dispatched, err
}

// unitFor checks that unit uid, the i-th named, may be sent the event: it
// is active, and it serves the event's area (the area's own centre and
// departments, or those above) or lies in the sender's own area — never a
// unit of another county. It returns the unit's level.
func unitFor(c *actx, i int, uid string) (string, error) {
	var level, path, name string
	field := "unit_ids[" + strconv.Itoa(i) + "]"
	if err := c.tx.QueryRowContext(c.ctx, "SELECT level, path, name FROM units WHERE id = ? AND status = 'active'", uid).Scan(&level, &path, &name); err != nil {
		return "", apperr.Field(field, "event.unit_unknown")
	}
	if !strings.HasPrefix(c.e.path, path) && !authz.From(c.ctx).Covers(authz.EventDispatch, path) {
		return "", apperr.Field(field, "event.unit_outside", "unit", name)
	}
	return level, nil
}

// ruleUnit picks the unit for an event: a dispatch rule (longest category
// prefix, deepest area), the category's department serving the area, or
// the centre of the event's area at its level.
func (s *Service) ruleUnit(ctx context.Context, q db.Querier, e Event, cat Category) (Unit, error) {
	var u Unit
	at, args := authz.AtOrAbove("r.path", e.path)
	// The category prefix covers the code as an area covers its subtree.
	err := q.QueryRowContext(ctx, `SELECT u.id, u.code, u.name, u.kind, u.level, u.org_id FROM dispatch_rules r JOIN units u ON u.id = r.unit_id
		WHERE `+at+` AND ? >= r.category_prefix AND ? < r.category_prefix || '~' AND u.status = 'active'
		ORDER BY length(r.category_prefix) DESC, length(r.path) DESC LIMIT 1`, append(args, cat.Code, cat.Code)...).
		Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.Level, &u.OrgID)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return u, err
	}
	serves, serveArgs := authz.AtOrAbove("path", e.path) // units of the event's area or above it
	if cat.DefaultUnitCode != "" && e.Level == "county" {
		err = q.QueryRowContext(ctx, `SELECT id, code, name, kind, level, org_id FROM units
			WHERE kind = 'department' AND code LIKE ? AND `+serves+` AND status = 'active' ORDER BY length(path) DESC LIMIT 1`,
			append([]any{"%-" + cat.DefaultUnitCode}, serveArgs...)...).Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.Level, &u.OrgID)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return u, err
		}
	}
	// 属地兜底: the centre of the event's own area at its level, or the nearest above.
	err = q.QueryRowContext(ctx, `SELECT id, code, name, kind, level, org_id FROM units
		WHERE kind = 'center' AND `+serves+` AND status = 'active'
		ORDER BY CASE WHEN level = ? THEN 0 ELSE 1 END, length(path) DESC LIMIT 1`, append(serveArgs, e.Level)...).
		Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.Level, &u.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.E(apperr.Conflict, "event.no_unit")
	}
	return u, err
}

func (s *Service) sign(c *actx) (string, error) {
	p := authz.From(c.ctx)
	unit := c.e.LeadUnitID
	if p.UnitID != "" {
		unit = p.UnitID
	}
	c.unit = unit
	if _, err := c.tx.ExecContext(c.ctx, "UPDATE event_units SET state = 'signed', signed_at = ? WHERE event_id = ? AND unit_id = ?", c.now.UnixMilli(), c.e.ID, unit); err != nil {
		return "", err
	}
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET signed_at = ? WHERE id = ?", c.now.UnixMilli(), c.e.ID)
	return Handling, err
}

// giveBack returns a wrong dispatch (回退) to the dispatcher.
func (s *Service) giveBack(c *actx) (string, error) {
	p := authz.From(c.ctx)
	unit := c.e.LeadUnitID
	if p.UnitID != "" {
		unit = p.UnitID
	}
	c.unit = unit
	if _, err := c.tx.ExecContext(c.ctx, "UPDATE event_units SET state = 'returned' WHERE event_id = ? AND unit_id = ?", c.e.ID, unit); err != nil {
		return "", err
	}
	if unit != c.e.LeadUnitID {
		return "", nil // a co-unit steps out; the lead goes on
	}
	if _, err := c.tx.ExecContext(c.ctx, "UPDATE events SET lead_unit_id = NULL WHERE id = ?", c.e.ID); err != nil {
		return "", err
	}
	return Filed, s.notify(c.ctx, c.tx, &c.e, "returned", noticeText("returned", "no", c.e.No, "note", c.in.Note), authz.EventDispatch, "")
}

func (s *Service) requestExtension(c *actx) (string, error) {
	if c.in.Hours < 1 || c.in.Hours > 24*30 {
		return "", apperr.Field("hours", "validation.range", "min", 1, "max", 24*30)
	}
	if c.e.Extension > 0 {
		return "", apperr.E(apperr.Conflict, "event.extension_pending")
	}
	if _, err := c.tx.ExecContext(c.ctx, "UPDATE events SET extension_hours = ? WHERE id = ?", c.in.Hours, c.e.ID); err != nil {
		return "", err
	}
	return "", s.notify(c.ctx, c.tx, &c.e, "extension", noticeText("extension", "no", c.e.No, "hours", c.in.Hours), authz.EventApprove, "")
}

func (s *Service) approveExtension(c *actx) (string, error) {
	if c.e.Extension == 0 {
		return "", apperr.E(apperr.Conflict, "event.no_extension")
	}
	cal, err := s.calendar(c.ctx)
	if err != nil {
		return "", err
	}
	lim, err := parseLimit(strconv.Itoa(c.e.Extension) + "wh")
	if err != nil {
		return "", err
	}
	from := c.now
	if c.e.StageDueAt != nil && time.UnixMilli(*c.e.StageDueAt).After(from) {
		from = time.UnixMilli(*c.e.StageDueAt)
	}
	due := cal.Add(from, lim).UnixMilli()
	start := c.now.UnixMilli()
	warn := start + (due-start)*8/10
	_, err = c.tx.ExecContext(c.ctx, "UPDATE events SET stage_due_at = ?, stage_warn_at = ?, due_at = ?, extension_hours = 0, overdue_flagged = ? WHERE id = ?",
		due, warn, due, false, c.e.ID)
	return "", err
}

func (s *Service) rejectExtension(c *actx) (string, error) {
	if c.e.Extension == 0 {
		return "", apperr.E(apperr.Conflict, "event.no_extension")
	}
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET extension_hours = 0 WHERE id = ?", c.e.ID)
	return "", err
}

func (s *Service) reportResult(c *actx) (string, error) {
	c.unit = c.e.LeadUnitID
	if _, err := c.tx.ExecContext(c.ctx, "UPDATE event_units SET state = 'done', done_at = ? WHERE event_id = ? AND lead = ?", c.now.UnixMilli(), c.e.ID, true); err != nil {
		return "", err
	}
	return Handled, s.notify(c.ctx, c.tx, &c.e, "check", noticeText("check", "no", c.e.No), authz.EventCheck, "")
}

// close ends the loop: the level that solved it is the lead unit's level.
func (s *Service) close(c *actx) (string, error) {
	level := c.e.Level
	if c.e.LeadUnitID != "" {
		c.tx.QueryRowContext(c.ctx, "SELECT level FROM units WHERE id = ?", c.e.LeadUnitID).Scan(&level)
	}
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET closed_at = ?, resolved_level = ? WHERE id = ?", c.now.UnixMilli(), level, c.e.ID)
	if err == nil {
		_, err = c.tx.ExecContext(c.ctx, "UPDATE supervisions SET closed_at = ? WHERE event_id = ? AND closed_at IS NULL", c.now.UnixMilli(), c.e.ID)
	}
	return Closed, err
}

func (s *Service) supervise(c *actx) (string, error) {
	if c.in.Hours < 1 || c.in.Hours > 24*30 {
		return "", apperr.Field("hours", "validation.range", "min", 1, "max", 24*30)
	}
	cal, err := s.calendar(c.ctx)
	if err != nil {
		return "", err
	}
	lim, err := parseLimit(strconv.Itoa(c.in.Hours) + "wh")
	if err != nil {
		return "", err
	}
	p := authz.From(c.ctx)
	name := p.DisplayName
	if name == "" {
		name = p.Username
	}
	if _, err := c.tx.ExecContext(c.ctx, "INSERT INTO supervisions (id, event_id, by_user, by_name, note, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		db.NewID(), c.e.ID, p.UserID, name, c.in.Note, cal.Add(c.now, lim).UnixMilli(), c.now.UnixMilli()); err != nil {
		return "", err
	}
	if _, err := c.tx.ExecContext(c.ctx, "UPDATE events SET supervised = ? WHERE id = ?", true, c.e.ID); err != nil {
		return "", err
	}
	if c.e.LeadUnitID != "" {
		return "", s.notify(c.ctx, c.tx, &c.e, "supervise", noticeText("supervise", "no", c.e.No, "note", c.in.Note), "", c.e.LeadUnitID)
	}
	return "", s.notify(c.ctx, c.tx, &c.e, "supervise", noticeText("supervise", "no", c.e.No, "note", c.in.Note), authz.EventDispatch, "")
}

func (s *Service) takeCase(c *actx) (string, error) {
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET leader_id = ? WHERE id = ?", authz.From(c.ctx).UserID, c.e.ID)
	return "", err
}

func (s *Service) reopen(c *actx) (string, error) {
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET closed_at = NULL, resolved_level = NULL, rating = NULL, lead_unit_id = NULL WHERE id = ?", c.e.ID)
	return Filed, err
}

// rate records the resident's verdict (or the centre's callback 回访).
func (s *Service) rate(c *actx) (string, error) {
	p := authz.From(c.ctx)
	if c.e.ReporterID != p.UserID && !p.Has(authz.EventIntake) {
		return "", apperr.E(apperr.Forbidden, "event.rate_reporter_only")
	}
	if !slices.Contains(Ratings, c.in.Rating) {
		return "", apperr.Field("rating", "validation.one_of", "values", strings.Join(Ratings, ", "))
	}
	if c.e.Rating != nil {
		return "", apperr.E(apperr.Conflict, "event.already_rated")
	}
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET rating = ? WHERE id = ?", c.in.Rating, c.e.ID)
	return "", err
}

// whistle summons departments to one matter (街乡吹哨、部门报到): each named
// unit must report in within the hours given (2 working hours by default).
func (s *Service) whistle(c *actx) (string, error) {
	if len(c.in.UnitIDs) == 0 || len(c.in.UnitIDs) > 20 {
		return "", apperr.Field("unit_ids", "validation.range", "min", 1, "max", 20)
	}
	hours := c.in.Hours
	if hours == 0 {
		hours = 2
	}
	if hours < 1 || hours > 24*30 {
		return "", apperr.Field("hours", "validation.range", "min", 1, "max", 24*30)
	}
	cal, err := s.calendar(c.ctx)
	if err != nil {
		return "", err
	}
	lim, err := parseLimit(strconv.Itoa(hours) + "wh")
	if err != nil {
		return "", err
	}
	due := cal.Add(c.now, lim).UnixMilli()
	for i, uid := range c.in.UnitIDs {
		if _, err := unitFor(c, i, uid); err != nil {
			return "", err
		}
		if _, err := c.tx.ExecContext(c.ctx, `INSERT INTO event_units (event_id, unit_id, lead, state, due_at) VALUES (?, ?, ?, 'summoned', ?)
			ON CONFLICT (event_id, unit_id) DO NOTHING`, c.e.ID, uid, false, due); err != nil {
			return "", err
		}
		if err := s.notify(c.ctx, c.tx, &c.e, "whistle", noticeText("whistle", "no", c.e.No, "hours", hours), "", uid); err != nil {
			return "", err
		}
	}
	return "", nil
}

// reportIn records a summoned unit reporting in (报到).
func (s *Service) reportIn(c *actx) (string, error) {
	unit := authz.From(c.ctx).UnitID
	res, err := c.tx.ExecContext(c.ctx, "UPDATE event_units SET state = 'reported', signed_at = ? WHERE event_id = ? AND unit_id = ? AND state = 'summoned'",
		c.now.UnixMilli(), c.e.ID, unit)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", apperr.E(apperr.Conflict, "event.not_summoned")
	}
	c.unit = unit
	return "", nil
}
