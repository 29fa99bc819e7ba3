package drive

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
)

// Clue statuses: received, taken up by the police (verifying), and the
// finding — confirmed, unfounded, or transferred to another authority.
const (
	ClueReceived    = "received"
	ClueVerifying   = "verifying"
	ClueConfirmed   = "confirmed"
	ClueUnfounded   = "unfounded"
	ClueTransferred = "transferred"
)

// ClueFindings are the statuses the police may set.
var ClueFindings = []string{ClueVerifying, ClueConfirmed, ClueUnfounded, ClueTransferred}

// ClueInput is a clue: what is known, where, the area it concerns (the
// giver's own when empty), a phone to call back, and whether the police
// may see who gave it.
type ClueInput struct {
	Text      string `json:"text"`
	Place     string `json:"place"`
	AreaID    string `json:"area_id"`
	Contact   string `json:"contact"`
	Anonymous bool   `json:"anonymous"`
}

// MyClue is a clue as its giver follows it: no text comes back, and the
// police's finding shows only as handled.
type MyClue struct {
	ID        string `json:"id"`
	DriveName string `json:"drive_name"`
	Status    string `json:"status"` // received, verifying, handled
	CreatedAt int64  `json:"created_at"`
}

// Clue is a clue as the police list it; Text, Place, Contact and Giver are
// filled only when one is opened (audited).
type Clue struct {
	ID        string `json:"id"`
	DriveID   string `json:"drive_id"`
	DriveName string `json:"drive_name"`
	AreaID    string `json:"area_id"`
	AreaName  string `json:"area_name"`
	Status    string `json:"status"`
	Anonymous bool   `json:"anonymous"`
	CreatedAt int64  `json:"created_at"`
	HandledBy string `json:"handled_by"`
	HandledAt *int64 `json:"handled_at"`
	Text      string `json:"text,omitempty"`
	Place     string `json:"place,omitempty"`
	Contact   string `json:"contact,omitempty"`
	Giver     string `json:"giver,omitempty"`
	Note      string `json:"note,omitempty"`
	path      string
}

// HandleInput is the police's step on a clue: taken up, or a finding with
// its note.
type HandleInput struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// seal seals a field of clue id.
func (s *Service) seal(field, id, plain string) string {
	return s.vault.Seal("drive_clues."+field, id, plain)
}

func (s *Service) open(field, id, sealed string) (string, error) {
	return s.vault.Open("drive_clues."+field, id, sealed)
}

// GiveClue takes a confidential clue for a running campaign that takes
// them, from a holder of drive.clue over the clue's area (under the
// campaign's root). The audit names the clue, never what it says. A retry
// under the same Idempotency-Key makes no second clue.
func (s *Service) GiveClue(ctx context.Context, driveID string, in ClueInput, key idem.Key) (MyClue, error) {
	p := authz.From(ctx)
	var f apperr.Fields
	in.Text = checkText(&f, "text", in.Text, 5, 2000)
	in.Place = checkText(&f, "place", in.Place, 0, 200)
	in.Contact = checkText(&f, "contact", in.Contact, 0, 30)
	if in.AreaID == "" {
		in.AreaID = p.OrgID
	}
	if err := f.Refuse(); err != nil {
		return MyClue{}, err
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			var rootPath, status, name string
			var takes bool
			if err := tx.QueryRowContext(ctx, "SELECT path, status, takes_clues, name FROM drives WHERE id = ?", driveID).Scan(&rootPath, &status, &takes, &name); err != nil {
				return "", notFound(err)
			}
			path, err := org.PathOf(ctx, tx, in.AreaID, "area_id")
			if err != nil || !strings.HasPrefix(path, rootPath) || !p.Covers(authz.DriveClue, path) {
				// Whether a campaign of another area exists is not told.
				if !overlaps(p.Scopes(authz.DriveClue), rootPath) {
					return "", apperr.NotFoundf("drive")
				}
				return "", apperr.Field("area_id", "drive.clue_area")
			}
			if status != Running || !takes {
				return "", apperr.E(apperr.Conflict, "drive.no_clues")
			}
			town, err := townOf(ctx, tx, rootPath, path)
			if err != nil {
				return "", err
			}
			areaName, err := org.NameOf(ctx, tx, in.AreaID)
			if err != nil {
				return "", err
			}
			id := db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO drive_clues (id, drive_id, area_id, area_name, path, town_id, text_sealed, place_sealed, contact_sealed, anonymous,
				by_user, by_name_sealed, status, note_sealed, handled_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?)`,
				id, driveID, in.AreaID, areaName, path, nullIf(town), s.seal("text", id, in.Text), s.seal("place", id, in.Place), s.seal("contact", id, in.Contact),
				in.Anonymous, p.UserID, s.seal("by_name", id, p.DisplayName), ClueReceived, db.Now()); err != nil {
				return "", err
			}
			return id, s.record(ctx, tx, authz.DriveClue, "drive.clue", "drive_clue", id, name)
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.GiveClue(ctx, driveID, in, key)
	}
	if err != nil {
		return MyClue{}, err
	}
	mine, err := s.myClues(ctx, s.db.Reader())
	if err != nil {
		return MyClue{}, err
	}
	if i := slices.IndexFunc(mine, func(c MyClue) bool { return c.ID == id }); i >= 0 {
		return mine[i], nil
	}
	return MyClue{}, apperr.NotFoundf("drive_clue")
}

// overlaps reports whether a scope lies under root or root under a scope.
func overlaps(scopes []string, root string) bool {
	return slices.ContainsFunc(scopes, func(sc string) bool { return strings.HasPrefix(sc, root) || strings.HasPrefix(root, sc) })
}

// townOf returns the id of the town under root whose area holds path
// ("" above the towns).
func townOf(ctx context.Context, q db.Querier, root, path string) (string, error) {
	towns, err := org.AreasUnder(ctx, q, root, "town")
	if err != nil {
		return "", err
	}
	for _, t := range towns {
		if strings.HasPrefix(path, t.Path) {
			return t.ID, nil
		}
	}
	return "", nil
}

// clueDrives are the running campaigns taking clues that the caller may
// give one to.
func (s *Service) clueDrives(ctx context.Context, q db.Querier) ([]Ref, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, name, path FROM drives WHERE status = ? AND takes_clues ORDER BY starts_on DESC, id", Running)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	scopes := authz.From(ctx).Scopes(authz.DriveClue)
	out := []Ref{}
	for rows.Next() {
		var r Ref
		var path string
		if err := rows.Scan(&r.ID, &r.Name, &path); err != nil {
			return nil, err
		}
		if overlaps(scopes, path) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// myClues are the caller's clues, newest first, as their giver sees them.
func (s *Service) myClues(ctx context.Context, q db.Querier) ([]MyClue, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, d.name, c.status, c.created_at FROM drive_clues c JOIN drives d ON d.id = c.drive_id
		WHERE c.by_user = ? ORDER BY c.created_at DESC LIMIT 50`, authz.From(ctx).UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []MyClue{}
	for rows.Next() {
		var c MyClue
		if err := rows.Scan(&c.ID, &c.DriveName, &c.Status, &c.CreatedAt); err != nil {
			return nil, err
		}
		if c.Status != ClueReceived && c.Status != ClueVerifying {
			c.Status = "handled"
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const clueCols = `c.id, c.drive_id, d.name, c.area_id, c.area_name, c.status, c.anonymous, c.created_at, c.handled_by, c.handled_at, c.path`

func scanClue(sc interface{ Scan(...any) error }) (Clue, error) {
	var c Clue
	err := sc.Scan(&c.ID, &c.DriveID, &c.DriveName, &c.AreaID, &c.AreaName, &c.Status, &c.Anonymous, &c.CreatedAt, &c.HandledBy, &c.HandledAt, &c.path)
	return c, err
}

// Clues lists the clues of the caller's area (drive.clues), of one status
// when given, newest first — without what they say.
func (s *Service) Clues(ctx context.Context, status string) ([]Clue, error) {
	if status != "" && status != ClueReceived && !slices.Contains(ClueFindings, status) {
		return nil, apperr.Field("status", "validation.one_of", "values", ClueReceived+", "+strings.Join(ClueFindings, ", "))
	}
	scope, args := authz.ScopeSQL("c.path", authz.From(ctx).Scopes(authz.DriveClues))
	if status != "" {
		scope, args = scope+" AND c.status = ?", append(args, status)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+clueCols+` FROM drive_clues c JOIN drives d ON d.id = c.drive_id
		WHERE `+scope+" ORDER BY c.created_at DESC LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Clue{}
	for rows.Next() {
		c, err := scanClue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// clue reads one clue of the caller's area (drive.clues); otherwise not
// found, whether it exists or not.
func (s *Service) clue(ctx context.Context, q db.Querier, id string) (Clue, error) {
	c, err := scanClue(q.QueryRowContext(ctx, "SELECT "+clueCols+` FROM drive_clues c JOIN drives d ON d.id = c.drive_id
		WHERE c.id = ?`, id))
	if err != nil || !authz.From(ctx).Covers(authz.DriveClues, c.path) {
		if err == nil || errors.Is(err, sql.ErrNoRows) {
			return Clue{}, apperr.NotFoundf("drive_clue")
		}
		return Clue{}, err
	}
	return c, nil
}

// OpenClue opens a clue for the police of its area: what it says, where,
// the contact and — unless given anonymously — who gave it. Every opening
// is audited.
func (s *Service) OpenClue(ctx context.Context, id string) (Clue, error) {
	var c Clue
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = s.clue(ctx, tx, id); err != nil {
			return err
		}
		var text, place, contact, giver, note string
		if err := tx.QueryRowContext(ctx, "SELECT text_sealed, place_sealed, contact_sealed, by_name_sealed, note_sealed FROM drive_clues WHERE id = ?", id).
			Scan(&text, &place, &contact, &giver, &note); err != nil {
			return err
		}
		for _, f := range []struct {
			field, sealed string
			to            *string
		}{{"text", text, &c.Text}, {"place", place, &c.Place}, {"contact", contact, &c.Contact}, {"by_name", giver, &c.Giver}, {"note", note, &c.Note}} {
			if f.sealed == "" {
				continue
			}
			if *f.to, err = s.open(f.field, id, f.sealed); err != nil {
				return err
			}
		}
		if c.Anonymous {
			c.Giver = ""
		}
		return s.record(ctx, tx, authz.DriveClues, "drive.clue_read", "drive_clue", id, c.DriveName)
	})
	return c, err
}

// HandleClue records the police's step on a clue: taken up (verifying),
// or its finding with a note (sealed). A finding is final. Audited.
func (s *Service) HandleClue(ctx context.Context, id string, in HandleInput) (Clue, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.clue(ctx, tx, id)
		if err != nil {
			return err
		}
		var f apperr.Fields
		if !slices.Contains(ClueFindings, in.Status) {
			f.Add("status", "validation.one_of", "values", strings.Join(ClueFindings, ", "))
		}
		in.Note = checkText(&f, "note", in.Note, 0, 2000)
		if in.Status != ClueVerifying && in.Note == "" {
			f.Add("note", "drive.finding_note")
		}
		if err := f.Refuse(); err != nil {
			return err
		}
		if c.Status != ClueReceived && c.Status != ClueVerifying {
			return apperr.E(apperr.Conflict, "drive.clue_handled")
		}
		note := ""
		if in.Note != "" {
			note = s.seal("note", id, in.Note)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE drive_clues SET status = ?, note_sealed = ?, handled_by = ?, handled_at = ? WHERE id = ?",
			in.Status, note, authz.From(ctx).DisplayName, db.Now(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.DriveClues, "drive.clue_handle", "drive_clue", id, c.DriveName+": "+in.Status)
	})
	if err != nil {
		return Clue{}, err
	}
	return s.OpenClue(ctx, id)
}
