package volunteer

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
)

// ClueKinds: an ordinary clue becomes an event; one for the police (涉稳,
// 治安) stays confidential, for the police of its area.
var ClueKinds = []string{"ordinary", "police"}

// DefaultCategory is the event category of an ordinary clue that names
// none (其他事件).
const DefaultCategory = "0601"

// ClueInput is a clue a volunteer reports from the phone: what was seen,
// where (a position, a place in words, or both), whether it is for the
// police, and for an ordinary clue the event category.
type ClueInput struct {
	Kind         string   `json:"kind"`
	Text         string   `json:"text"`
	Place        string   `json:"place"`
	Lat          *float64 `json:"lat"`
	Lng          *float64 `json:"lng"`
	CategoryCode string   `json:"category_code"`
}

// Clue is a clue as its reporter or its readers see it.
type Clue struct {
	ID            string   `json:"id"`
	VolunteerID   string   `json:"volunteer_id"`
	VolunteerName string   `json:"volunteer_name"`
	TeamName      string   `json:"team_name"`
	OrgID         string   `json:"org_id"`
	Kind          string   `json:"kind"`
	Text          string   `json:"text"`
	Place         string   `json:"place"`
	Lat           *float64 `json:"lat,omitempty"`
	Lng           *float64 `json:"lng,omitempty"`
	EventID       string   `json:"event_id,omitempty"`
	EventNo       string   `json:"event_no,omitempty"`
	Status        string   `json:"status"`
	CreatedAt     int64    `json:"created_at"`
}

// Report takes a clue from the caller's phone. An ordinary clue is
// reported as an event (casework, channel volunteer, under the
// volunteer's name; a retry under the same Idempotency-Key makes neither
// a second event nor a second clue). A clue for the police, or one of the
// 治安 categories (12), is no event: it stays here for the police of the
// area.
func (s *Service) Report(ctx context.Context, in ClueInput, key idem.Key) (Clue, error) {
	var f apperr.Fields
	in.Text = checkText(&f, "text", in.Text, 2, 2000)
	in.Place = checkText(&f, "place", in.Place, 0, 200)
	if in.Kind == "" {
		in.Kind = "ordinary"
	}
	if in.Kind != "ordinary" && in.Kind != "police" {
		f.Add("kind", "validation.one_of", "values", strings.Join(ClueKinds, ", "))
	}
	switch {
	case in.Lat == nil && in.Lng == nil && in.Place == "":
		f.Add("place", "volunteer.clue_where")
	case (in.Lat == nil) != (in.Lng == nil):
		f.Add("lng", "volunteer.clue_where")
	case in.Lat != nil && (math.IsNaN(*in.Lat) || *in.Lat < -90 || *in.Lat > 90 || math.IsNaN(*in.Lng) || *in.Lng < -180 || *in.Lng > 180):
		f.Add("lat", "validation.coordinate", "min", -90, "max", 90)
	}
	if in.CategoryCode == "" {
		in.CategoryCode = DefaultCategory
	}
	if strings.HasPrefix(in.CategoryCode, "12") {
		in.Kind = "police" // a 治安 matter goes to the police, never to the public loop
	}
	if err := f.Refuse(); err != nil {
		return Clue{}, err
	}
	v, err := me(ctx, s.db.Reader())
	if err != nil {
		return Clue{}, err
	}
	if v.Status != "active" {
		return Clue{}, apperr.E(apperr.Conflict, "volunteer.not_active")
	}
	var ev casework.Event
	if in.Kind == "ordinary" {
		ek := key
		if ek.Key != "" {
			ek.Scope += ":event"
		}
		ev, _, err = s.events.Create(ctx, casework.Report{Channel: "volunteer", CategoryCode: in.CategoryCode, Description: in.Text,
			Lat: in.Lat, Lng: in.Lng, Address: in.Place}, ek)
		if err != nil {
			return Clue{}, err
		}
	}
	var id string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			id := db.NewID()
			var event any
			if ev.ID != "" {
				event = ev.ID
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_clues (id, volunteer_id, org_id, path, kind, text_sealed, place, lat, lng, event_id, event_no, status, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?)`, id, v.ID, v.OrgID, v.path, in.Kind, s.SealClue(id, in.Text), in.Place, in.Lat, in.Lng,
				event, ev.No, s.now()); err != nil {
				return "", err
			}
			// The audit names the clue and its kind, never what it says.
			return id, s.record(ctx, tx, authz.VolunteerDo, "volunteer.clue", "volunteer_clue", id, in.Kind)
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.Report(ctx, in, key)
	}
	if err != nil {
		return Clue{}, err
	}
	out, err := s.clues(ctx, s.db.Reader(), "c.id = ?", true, id)
	if err != nil || len(out) == 0 {
		return Clue{}, err
	}
	return out[0], nil
}

// clues reads clues; open opens their text.
func (s *Service) clues(ctx context.Context, q db.Querier, where string, open bool, args ...any) ([]Clue, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.volunteer_id, v.name, t.name, c.org_id, c.kind, c.text_sealed, c.place, c.lat, c.lng,
		COALESCE(c.event_id, ''), c.event_no, c.status, c.created_at
		FROM volunteer_clues c JOIN volunteers v ON v.id = c.volunteer_id JOIN volunteer_teams t ON t.id = v.team_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Clue{}
	for rows.Next() {
		var c Clue
		var sealed string
		var lat, lng sql.NullFloat64
		if err := rows.Scan(&c.ID, &c.VolunteerID, &c.VolunteerName, &c.TeamName, &c.OrgID, &c.Kind, &sealed, &c.Place, &lat, &lng,
			&c.EventID, &c.EventNo, &c.Status, &c.CreatedAt); err != nil {
			return nil, err
		}
		if lat.Valid && lng.Valid {
			c.Lat, c.Lng = &lat.Float64, &lng.Float64
		}
		if open {
			if c.Text, err = s.vault.Open("volunteer_clues.text", c.ID, sealed); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClueQuery filters clues: an area (the caller's scope when absent) and a
// status (new, received; all when absent).
type ClueQuery struct {
	OrgID, Status string
}

func (s *Service) clueList(ctx context.Context, perm authz.Perm, kind string, cq ClueQuery) ([]Clue, error) {
	q := s.db.Reader()
	where, args, err := scope(ctx, q, perm, "c.path", cq.OrgID)
	if err != nil {
		return nil, err
	}
	where += " AND c.kind = ?"
	args = append(args, kind)
	if cq.Status != "" {
		if cq.Status != "new" && cq.Status != "received" {
			return nil, apperr.Refuse("status", "validation.one_of", "values", "new, received")
		}
		where += " AND c.status = ?"
		args = append(args, cq.Status)
	}
	return s.clues(ctx, q, where+" ORDER BY c.created_at DESC, c.id LIMIT 500", true, args...)
}

// Clues lists the ordinary clues of an area (each already an event) for
// the centre; clues for the police are not among them.
func (s *Service) Clues(ctx context.Context, cq ClueQuery) ([]Clue, error) {
	return s.clueList(ctx, authz.VolunteerRead, "ordinary", cq)
}

// PoliceClues lists the clues marked for the police of the caller's area:
// only holders of volunteer.police (the 派出所) read them, and every read
// is audited.
func (s *Service) PoliceClues(ctx context.Context, cq ClueQuery) ([]Clue, error) {
	out, err := s.clueList(ctx, authz.VolunteerPolice, "police", cq)
	if err != nil {
		return nil, err
	}
	return out, s.audit.RecordAlone(ctx, s.db, authz.VolunteerPolice, audit.Entry{Action: "volunteer.police_clues_read", ObjectType: "volunteer_clue",
		ObjectID: cq.OrgID, Detail: itoa(len(out))})
}

// Receive marks a police clue of the caller's area as received.
func (s *Service) Receive(ctx context.Context, id string) (Clue, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var path, kind, status string
		err := tx.QueryRowContext(ctx, "SELECT path, kind, status FROM volunteer_clues WHERE id = ?"+tx.ForUpdate(), id).Scan(&path, &kind, &status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (kind != "police" || !authz.From(ctx).Covers(authz.VolunteerPolice, path))) {
			return apperr.NotFoundf("volunteer_clue")
		}
		if err != nil || status == "received" {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE volunteer_clues SET status = 'received', received_by = ?, received_at = ? WHERE id = ?",
			authz.From(ctx).UserID, s.now(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerPolice, "volunteer.clue_receive", "volunteer_clue", id, "")
	})
	if err != nil {
		return Clue{}, err
	}
	out, err := s.clues(ctx, s.db.Reader(), "c.id = ?", true, id)
	if err != nil || len(out) == 0 {
		return Clue{}, err
	}
	return out[0], nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
