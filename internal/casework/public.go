package casework

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
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

// The public faces (Open311 GeoReport v2) read events through package
// public and add their notes through this file.
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
// grid team or anything sealed: see public.Event for the whole list. The face
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

// mediaURLOK accepts an absolute http(s) URL of at most MaxMediaURL bytes
// with no spaces or control characters.
func mediaURLOK(s string) bool {
	if len(s) > MaxMediaURL || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
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
	text := noticeText("public_update", "no", e.No, "note", truncate(n.Note, 60))
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
