package situation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Query narrows a list: a period of days (inclusive), a kind, a category,
// a level, a status, a text in the place or summary.
type Query struct {
	From, To, Kind, Category, Level, Status, Text string
}

const cols = `s.id, s.root_id, s.kind, s.category, s.level, s.occurred_at, s.day, s.place, s.lat, s.lng, s.area_id, a.name, s.town_id, t.name,
	COALESCE(s.grid_id, ''), s.grid_name, s.summary, s.people_count, s.origin, COALESCE(src.name, ''), COALESCE(s.external_id, ''), s.status, s.close_note, s.created_at, s.path`

const from = ` FROM situations s JOIN org_nodes a ON a.id = s.area_id JOIN org_nodes t ON t.id = s.town_id
	LEFT JOIN situation_sources src ON src.id = s.source_id`

func scan(rows *sql.Rows) (Situation, error) {
	var x Situation
	var lat, lng sql.NullFloat64
	err := rows.Scan(&x.ID, &x.RootID, &x.Kind, &x.Category, &x.Level, &x.OccurredAt, &x.Day, &x.Place, &lat, &lng, &x.AreaID, &x.AreaName, &x.TownID, &x.TownName,
		&x.GridID, &x.GridName, &x.Summary, &x.PeopleCount, &x.Origin, &x.SourceName, &x.ExternalID, &x.Status, &x.CloseNote, &x.CreatedAt, &x.path)
	if lat.Valid && lng.Valid {
		x.Lat, x.Lng = &lat.Float64, &lng.Float64
	}
	return x, err
}

// listLimit is the most a list shows.
const listLimit = 1000

// read returns the situations matching cond, newest first, at most limit.
func (s *Service) read(ctx context.Context, q db.Querier, limit int, cond string, args ...any) ([]Situation, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+cols+from+" WHERE "+cond+" ORDER BY s.occurred_at DESC, s.id LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Situation{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// List lists the situations under an area the caller reads (a root, a
// town, a village), newest first, at most 1,000; people are only counted.
func (s *Service) List(ctx context.Context, areaID string, qr Query) ([]Situation, error) {
	q := s.db.Reader()
	path, err := org.PathIn(ctx, q, authz.SituationRead, areaID, "")
	if err != nil {
		return nil, err
	}
	cond, args := authz.Under("s.path", path)
	var f apperr.Fields
	for _, d := range []struct{ field, v, op string }{{"from", qr.From, ">="}, {"to", qr.To, "<="}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", d.v); err != nil {
			f.Add(d.field, "validation.date")
			continue
		}
		cond, args = cond+" AND s.day "+d.op+" ?", append(args, d.v)
	}
	for _, c := range []struct {
		field, col, v string
		values        []string
	}{{"kind", "s.kind", qr.Kind, Kinds}, {"level", "s.level", qr.Level, Levels}, {"status", "s.status", qr.Status, []string{"open", "closed"}},
		{"category", "s.category", qr.Category, Categories[qr.Kind]}} {
		if c.v == "" {
			continue
		}
		if !slices.Contains(c.values, c.v) {
			f.Add(c.field, "validation.one_of", "values", strings.Join(c.values, ", "))
			continue
		}
		cond, args = cond+" AND "+c.col+" = ?", append(args, c.v)
	}
	if t := strings.TrimSpace(qr.Text); t != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(t) + "%"
		cond, args = cond+" AND (s.place LIKE ? OR s.summary LIKE ?)", append(args, like, like)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.read(ctx, q, listLimit, cond, args...)
}

// one reads a situation the caller holds perm over; not found otherwise.
func (s *Service) one(ctx context.Context, q db.Querier, perm authz.Perm, id string) (Situation, error) {
	list, err := s.read(ctx, q, 1, "s.id = ?", id)
	if err != nil {
		return Situation{}, err
	}
	if len(list) == 0 || !authz.From(ctx).Covers(perm, list[0].path) {
		return Situation{}, apperr.NotFoundf("situation")
	}
	return list[0], nil
}

// Get shows a situation with its people's masked names and its follow-up:
// the scheduling meetings' decisions on it and their tasks' lights and
// replies.
func (s *Service) Get(ctx context.Context, id string) (Situation, error) {
	q := s.db.Reader()
	x, err := s.one(ctx, q, authz.SituationRead, id)
	if err != nil {
		return x, err
	}
	rows, err := q.QueryContext(ctx, "SELECT name_masked FROM situation_people WHERE situation_id = ? ORDER BY person_key", id)
	if err != nil {
		return x, err
	}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.Name); err != nil {
			rows.Close()
			return x, err
		}
		x.People = append(x.People, p)
	}
	if err := rows.Close(); err != nil {
		return x, err
	}
	x.FollowUp, err = s.decisions(ctx, q, "d.situation_id = ?", id)
	return x, err
}

// People opens the people of a situation in clear for a holder of
// situation.people over its area; every opening is audited.
func (s *Service) People(ctx context.Context, id string) ([]Person, error) {
	var out []Person
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.one(ctx, tx, authz.SituationPeople, id); err != nil {
			return err
		}
		var sealed string
		if err := tx.QueryRowContext(ctx, "SELECT people_sealed FROM situations WHERE id = ?", id).Scan(&sealed); err != nil {
			return err
		}
		out = []Person{}
		if sealed != "" {
			plain, err := s.vault.Open("situations.people", id, sealed)
			if err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(plain), &out); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.SituationPeople, "situation.people", "situation", id, "")
	})
	return out, err
}

// CloseInput is how a situation ended: resolved, handled, or calmed.
type CloseInput struct {
	Note string `json:"note"`
}

// Close closes an open situation with a word on how it ended
// (situation.steer over it). Audited.
func (s *Service) Close(ctx context.Context, id string, in CloseInput) (Situation, error) {
	in.Note = strings.TrimSpace(in.Note)
	if n := len([]rune(in.Note)); n < 2 || n > 500 {
		return Situation{}, apperr.Refuse("note", "validation.length", "min", 2, "max", 500)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		x, err := s.one(ctx, tx, authz.SituationSteer, id)
		if err != nil {
			return err
		}
		if x.Status != "open" {
			return apperr.E(apperr.Conflict, "situation.closed")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE situations SET status = 'closed', close_note = ?, updated_at = ? WHERE id = ?", in.Note, s.now(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SituationSteer, "situation.close", "situation", id, "")
	})
	if errors.Is(err, sql.ErrNoRows) {
		err = apperr.NotFoundf("situation")
	}
	if err != nil {
		return Situation{}, err
	}
	return s.Get(ctx, id)
}
