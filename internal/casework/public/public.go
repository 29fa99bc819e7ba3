// Package public reads what a public face (Open311) may show of the
// events: the published events of the published categories, and the steps
// of their timelines since publication. The publication rule itself is
// casework's (see its public.go and publication.go); this package only
// reads through it, and writes nothing.
package public

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
)

// publishedSQL is the WHERE fragment that keeps the published events of the
// published categories (events aliased e).
func publishedSQL() (string, []any) {
	parts := []string{"e.published = ?"}
	args := []any{true}
	for _, g := range casework.PrivateGroups {
		parts = append(parts, "e.category_code NOT LIKE ?")
		args = append(args, g+"%")
	}
	return "(" + strings.Join(parts, " AND ") + ")", args
}

// Event is what a public face may show of an event: no reporter, no
// timeline actors, no grid team, no internal description or notes.
type Event struct {
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
	UpdatedAt        int64 // the latest step's time
	ClosedAt         *int64
	DueAt            *int64 // the whole matter's deadline, set at dispatch
	// LastNote is the latest note for the public of the loop's own steps
	// (not of public updates) since publication: why the event is where it is.
	LastNote string
}

// Query filters List. Nos, when given, overrides every other
// filter (Open311's service_request_id).
type Query struct {
	Nos      []string
	Codes    []string // category codes
	From, To int64    // created_at window, Unix ms, both inclusive; 0 = open
	Status   []string // "open", "closed"
	// Paths, when given, keeps the events under these areas (a reporter's
	// own area, for the map they report on).
	Paths []string
	// Box, when given, keeps the events whose point lies in it.
	Box    *Box
	Offset int
	Limit  int
}

// Box is a stretch of the map in WGS-84 degrees, bounds inclusive.
type Box struct {
	MinLat, MaxLat, MinLng, MaxLng float64
}

const publicCols = `e.no, e.state, e.channel, e.category_code, c.name, c.closing_criterion, e.public_description, e.address, e.lat, e.lng,
	COALESCE(u.name, ''), e.attributes, e.media_url, e.created_at, e.updated_at, e.closed_at, e.due_at,
	COALESCE((SELECT l.public_note FROM event_log l WHERE l.event_id = e.id AND l.public_note <> '' AND l.action <> 'public_update'
		AND l.at >= e.published_at ORDER BY l.seq DESC LIMIT 1), '')`

const publicFrom = ` FROM events e JOIN categories c ON c.code = e.category_code LEFT JOIN units u ON u.id = e.lead_unit_id`

func scanPublic(sc interface{ Scan(...any) error }) (Event, error) {
	var e Event
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
	if !slices.Contains(casework.PublicChannels, e.Channel) {
		// What staff typed beside the summary was not reviewed for the
		// public: the point stays, the address and a photo link do not.
		e.Address, e.MediaURL = "", ""
	}
	return e, json.Unmarshal([]byte(attrs), &e.Attributes)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// List returns published events, newest first.
func List(ctx context.Context, d db.Querier, q Query) ([]Event, error) {
	pub, args := publishedSQL()
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
		if len(q.Paths) > 0 {
			scope, sargs := authz.ScopeSQL("e.path", q.Paths)
			add(scope, sargs...)
		}
		if b := q.Box; b != nil {
			add("e.lat BETWEEN ? AND ? AND e.lng BETWEEN ? AND ?", b.MinLat, b.MaxLat, b.MinLng, b.MaxLng)
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
		switch {
		case open && !closed:
			add("e.state IN " + casework.OpenStatesSQL)
		case closed && !open:
			add("e.state NOT IN " + casework.OpenStatesSQL)
		}
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	rows, err := d.QueryContext(ctx, "SELECT "+publicCols+publicFrom+" WHERE "+strings.Join(where, " AND ")+
		" ORDER BY e.created_at DESC, e.id DESC LIMIT "+strconv.Itoa(q.Limit)+" OFFSET "+strconv.Itoa(q.Offset), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		e, err := scanPublic(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Get returns one published event by its number; an event that does
// not exist or is not published is not found alike.
func Get(ctx context.Context, d db.Querier, no string) (Event, error) {
	pub, args := publishedSQL()
	e, err := scanPublic(d.QueryRowContext(ctx, "SELECT "+publicCols+publicFrom+" WHERE e.no = ? AND "+pub, append([]any{no}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.NotFoundf("event")
	}
	return e, err
}

// UpdatesQuery selects the steps Updates returns: those made in a window,
// oldest first, or (no window) all of them, newest first; a page of them.
type UpdatesQuery struct {
	From, To int64 // window, Unix ms, both inclusive; both 0 = no window
	Newest   bool  // newest first, else oldest first
	Offset   int
	Limit    int // 1–1000, default 1000
}

// Updates returns the timeline steps of published events made since their
// publication, as q selects them. Note is the step's note for the public.
// Steps made at the same moment are ordered by event number and step, so
// that pages do not overlap.
func Updates(ctx context.Context, d db.Querier, q UpdatesQuery) ([]casework.PublicUpdate, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	pub, args := publishedSQL()
	where := "l.at >= e.published_at AND " + pub
	if q.From != 0 || q.To != 0 {
		where += " AND l.at >= ? AND l.at <= ?"
		args = append(args, q.From, q.To)
	}
	order := "l.at, e.no, l.seq"
	if q.Newest {
		order = "l.at DESC, e.no DESC, l.seq DESC"
	}
	rows, err := d.QueryContext(ctx, `SELECT e.no, l.seq, l.at, l.action, l.to_state, l.public_note
		FROM event_log l JOIN events e ON e.id = l.event_id WHERE `+where+`
		ORDER BY `+order+` LIMIT `+strconv.Itoa(q.Limit)+` OFFSET `+strconv.Itoa(q.Offset), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []casework.PublicUpdate{}
	for rows.Next() {
		var u casework.PublicUpdate
		if err := rows.Scan(&u.No, &u.Seq, &u.At, &u.Action, &u.State, &u.Note); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}
