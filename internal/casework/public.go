package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
)

// The public faces (Open311 GeoReport v2) read events through this file.
//
// Publication rule (publication.go has the decisions): an event is public
// when it is published (a public channel's report, or the intake desk's
// decision) and its category is not in PrivateGroups — 11 矛盾纠纷
// (disputes: the private affairs of the parties) and 12 治安隐患 (security:
// clues, suspects and police matters). Those are still taken in from public
// clients but never listed, shown or updated through a public face. What is
// published of an event is its public description (never the internal one),
// the notes staff wrote for the public on steps made since publication, and
// never its reporter (name, phone, account), the people in its timeline, its
// grid team or anything sealed: see PublicEvent for the whole list. The face
// runs a last scrub (pii.Scrub) over every text before it leaves.

// PrivateGroups are the major category codes whose events are never published.
var PrivateGroups = []string{"11", "12"}

// MaxMediaURL is the longest media URL taken.
const MaxMediaURL = 1000

// Published reports whether events of a category may be published at all.
func Published(categoryCode string) bool {
	for _, g := range PrivateGroups {
		if strings.HasPrefix(categoryCode, g) {
			return false
		}
	}
	return true
}

// publicSQL is the WHERE fragment that keeps the published events of the
// published categories (events aliased e).
func publicSQL() (string, []any) {
	parts := []string{"e.published = ?"}
	args := []any{true}
	for _, g := range PrivateGroups {
		parts = append(parts, "e.category_code NOT LIKE ?")
		args = append(args, g+"%")
	}
	return "(" + strings.Join(parts, " AND ") + ")", args
}

// mediaURLOK accepts an absolute http(s) URL of at most MaxMediaURL bytes
// with no spaces or control characters.
func mediaURLOK(s string) bool {
	if len(s) > MaxMediaURL || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// PublicEvent is what a public face may show of an event: no reporter, no
// timeline actors, no grid team, no internal description or notes.
type PublicEvent struct {
	No               string
	State            string
	Channel          string
	CategoryCode     string
	CategoryName     string
	ClosingCriterion string
	Description      string // the public description
	Address          string // a public reporter's own address; empty for internal channels
	Lat, Lng         *float64
	LeadUnitName     string // the agency responsible, once dispatched
	Attributes       map[string]string
	MediaURL         string // a public reporter's own photo link; empty for internal channels
	CreatedAt        int64
	UpdatedAt        int64
	ClosedAt         *int64
	DueAt            *int64 // the whole matter's deadline, set at dispatch
	// LastNote is the latest note for the public of the loop's own steps
	// (not of public updates) since publication: why the event is where it is.
	LastNote string
}

// PublicQuery filters PublicList. Nos, when given, overrides every other
// filter (Open311's service_request_id).
type PublicQuery struct {
	Nos      []string
	Codes    []string // category codes
	From, To int64    // created_at window, Unix ms, both inclusive; 0 = open
	Status   []string // "open", "closed"
	Offset   int
	Limit    int
}

const publicCols = `e.no, e.state, e.channel, e.category_code, c.name, c.closing_criterion, e.public_description, e.address, e.lat, e.lng,
	COALESCE(u.name, ''), e.attributes, e.media_url, e.created_at, e.updated_at, e.closed_at, e.due_at,
	COALESCE((SELECT l.public_note FROM event_log l WHERE l.event_id = e.id AND l.public_note <> '' AND l.action <> 'public_update'
		AND l.at >= e.published_at ORDER BY l.seq DESC LIMIT 1), '')`

const publicFrom = ` FROM events e JOIN categories c ON c.code = e.category_code LEFT JOIN units u ON u.id = e.lead_unit_id`

func scanPublic(sc interface{ Scan(...any) error }) (PublicEvent, error) {
	var e PublicEvent
	var lat, lng sql.NullFloat64
	var closed, due sql.NullInt64
	var attrs string
	err := sc.Scan(&e.No, &e.State, &e.Channel, &e.CategoryCode, &e.CategoryName, &e.ClosingCriterion, &e.Description, &e.Address, &lat, &lng,
		&e.LeadUnitName, &attrs, &e.MediaURL, &e.CreatedAt, &e.UpdatedAt, &closed, &due, &e.LastNote)
	if err != nil {
		return e, err
	}
	if lat.Valid && lng.Valid {
		e.Lat, e.Lng = &lat.Float64, &lng.Float64
	}
	e.ClosedAt, e.DueAt = ptr(closed), ptr(due)
	if !slices.Contains(PublicChannels, e.Channel) {
		// What staff typed beside the summary was not reviewed for the
		// public: the point stays, the address and a photo link do not.
		e.Address, e.MediaURL = "", ""
	}
	return e, json.Unmarshal([]byte(attrs), &e.Attributes)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// PublicList returns published events, newest first.
func (s *Service) PublicList(ctx context.Context, q PublicQuery) ([]PublicEvent, error) {
	pub, args := publicSQL()
	where := []string{pub}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if len(q.Nos) > 0 {
		add("e.no IN ("+placeholders(len(q.Nos))+")", anys(q.Nos)...)
	} else {
		if len(q.Codes) > 0 {
			add("e.category_code IN ("+placeholders(len(q.Codes))+")", anys(q.Codes)...)
		}
		if q.From > 0 {
			add("e.created_at >= ?", q.From)
		}
		if q.To > 0 {
			add("e.created_at <= ?", q.To)
		}
		open, closed := false, false
		for _, st := range q.Status {
			switch st {
			case "open":
				open = true
			case "closed":
				closed = true
			default:
				return nil, apperr.Field("status", "validation.one_of", "values", "open, closed")
			}
		}
		states := anys(openStates)
		switch {
		case open && !closed:
			add("e.state IN ("+placeholders(len(states))+")", states...)
		case closed && !open:
			add("e.state NOT IN ("+placeholders(len(states))+")", states...)
		}
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+publicCols+publicFrom+" WHERE "+strings.Join(where, " AND ")+
		" ORDER BY e.created_at DESC, e.id DESC LIMIT "+strconv.Itoa(q.Limit)+" OFFSET "+strconv.Itoa(q.Offset), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PublicEvent{}
	for rows.Next() {
		e, err := scanPublic(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PublicGet returns one published event by its number; an event that does
// not exist or is not published is not found alike.
func (s *Service) PublicGet(ctx context.Context, no string) (PublicEvent, error) {
	pub, args := publicSQL()
	e, err := scanPublic(s.db.Reader().QueryRowContext(ctx, "SELECT "+publicCols+publicFrom+" WHERE e.no = ? AND "+pub, append([]any{no}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.NotFoundf("event")
	}
	return e, err
}

// PublicUpdate is one step of a published event's timeline: what happened,
// the state after it and its note — never who did it.
type PublicUpdate struct {
	No     string
	Seq    int
	At     int64
	Action string
	State  string // the event's state after the step
	Note   string
}

// ID is the update's stable id: the event number and the step's sequence.
func (u PublicUpdate) ID() string { return u.No + "-" + strconv.Itoa(u.Seq) }

// PublicUpdates returns the timeline steps of published events made in
// [from, to] (Unix ms, inclusive) and since their publication, oldest
// first, at most limit of them. Note is the step's note for the public.
func (s *Service) PublicUpdates(ctx context.Context, from, to int64, limit int) ([]PublicUpdate, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	pub, pargs := publicSQL()
	args := append([]any{from, to}, pargs...)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT e.no, l.seq, l.at, l.action, l.to_state, l.public_note
		FROM event_log l JOIN events e ON e.id = l.event_id WHERE l.at >= ? AND l.at <= ? AND l.at >= e.published_at AND `+pub+`
		ORDER BY l.at, e.no, l.seq LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PublicUpdate{}
	for rows.Next() {
		var u PublicUpdate
		if err := rows.Scan(&u.No, &u.Seq, &u.At, &u.Action, &u.State, &u.Note); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// PublicNote is an update a public client adds to an event.
type PublicNote struct {
	Note string
	// Status is what the client says the status now is. It is recorded in
	// the audit row but never applied: only the centre moves the loop.
	Status string
	Idem   Idempotency
}

// AddPublicNote appends a client's update to a published event's timeline
// (action "public_update", the state unchanged), tells the unit handling it
// (or the intake desk) and writes the audit row, in one transaction. The
// caller needs event.report. It returns the step and whether it replays an
// earlier request with the same idempotency key.
func (s *Service) AddPublicNote(ctx context.Context, no string, n PublicNote) (PublicUpdate, bool, error) {
	p := authz.From(ctx)
	if !p.Has(authz.EventReport) {
		return PublicUpdate{}, false, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.EventReport)
	}
	n.Note = strings.TrimSpace(n.Note)
	if c := utf8.RuneCountInString(n.Note); c < 1 || c > MaxDescription {
		return PublicUpdate{}, false, apperr.Field("description", "validation.length", "min", 1, "max", MaxDescription)
	}
	now := s.Now()
	var out PublicUpdate
	var replayed bool
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var e Event
		var lead string
		err := tx.QueryRowContext(ctx, "SELECT id, no, state, category_code, path, COALESCE(lead_unit_id, ''), published FROM events WHERE no = ?"+tx.ForUpdate(), no).
			Scan(&e.ID, &e.No, &e.State, &e.CategoryCode, &e.path, &lead, &e.Published)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (!e.Published || !Published(e.CategoryCode))) {
			return apperr.NotFoundf("event")
		} else if err != nil {
			return err
		}
		var step string
		step, replayed, err = idem.Do(ctx, tx, n.Idem, func() (string, error) {
			seq, err := s.addPublicNote(ctx, tx, &e, lead, n, now)
			return strconv.Itoa(seq), err
		})
		if err != nil {
			return err
		}
		// The step as stored, whether just written or written by the first try.
		out = PublicUpdate{No: e.No}
		out.Seq, _ = strconv.Atoi(step)
		return tx.QueryRowContext(ctx, "SELECT at, action, to_state, public_note FROM event_log WHERE event_id = ? AND seq = ?", e.ID, out.Seq).
			Scan(&out.At, &out.Action, &out.State, &out.Note)
	})
	if errors.Is(err, idem.ErrRaced) {
		// Another request with the same key committed first: answer as it did.
		return s.AddPublicNote(ctx, no, n)
	}
	return out, replayed, err
}

// addPublicNote writes the step of a public note to the locked event e,
// tells lead (or the intake desk) and writes the audit row.
func (s *Service) addPublicNote(ctx context.Context, tx *db.Tx, e *Event, lead string, n PublicNote, now time.Time) (int, error) {
	// The client's text is the public's own: it is the step's note for
	// the public as well as for the centre.
	seq, err := s.appendStep(ctx, tx, e.ID, "public_update", e.State, e.State, "", n.Note, n.Note, now)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE events SET updated_at = ? WHERE id = ?", now.UnixMilli(), e.ID); err != nil {
		return 0, err
	}
	// The unit handling an open event hears of it; otherwise the intake desk.
	text := "事件 " + e.No + " 收到公众补充：" + truncate(n.Note, 60)
	if lead != "" && Open(e.State) {
		err = s.notify(ctx, tx, e, "public_update", text, "", lead)
	} else {
		err = s.notify(ctx, tx, e, "public_update", text, authz.EventIntake, "")
	}
	if err != nil {
		return 0, err
	}
	return seq, s.audit.Record(ctx, tx, authz.EventReport, audit.Entry{Action: "event.public_update", ObjectType: "event", ObjectID: e.ID,
		Detail: e.No + " " + strings.ToLower(n.Status)})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
