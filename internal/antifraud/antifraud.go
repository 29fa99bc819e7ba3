// Package antifraud runs the anti-fraud warning tasks (反诈预警劝导): the
// police push or import a list of likely victims of telecom fraud (name,
// phone, address, the risk); each person is matched to the registers by
// phone and given to the members of the person's grid as an urgent task —
// visit or call within the hours its risk allows — and the member records
// the outcome: reached, dissuaded, already defrauded, or not found. What
// no register knows stays with the centre, which places it on a grid.
// Overdue tasks are escalated to the centre by the sweep (every ten minutes).
//
// The list is sensitive personal data with the strictest rules: names,
// phones, addresses and notes are sealed; lists show masked names only;
// the person in clear is shown only to the members of the person's grid
// (and the police), every opening audited; past the retention the personal
// fields are wiped and only the outcome is kept for the figures.
//
// It owns antifraud_batches and antifraud_warnings; it asks registry for
// people by phone, org for grids and the roster, and sends messages
// through the inbox (casework's Notify).
package antifraud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// Risks, highest first.
var Risks = []string{"high", "medium", "low"}

// Outcomes a member records.
var Outcomes = []string{"reached", "dissuaded", "defrauded", "not_found"}

// Open is a task not yet done.
const Open = "open"

// Settings are the hours each risk allows and how long the personal
// fields are kept (the centre's rule).
type Settings struct {
	HighHours   int `json:"high_hours"`
	MediumHours int `json:"medium_hours"`
	LowHours    int `json:"low_hours"`
	KeepDays    int `json:"keep_days"`
}

// DefaultSettings: a high risk within 2 hours, medium 24, low 72; kept 90 days.
func DefaultSettings() Settings {
	return Settings{HighHours: 2, MediumHours: 24, LowHours: 72, KeepDays: 90}
}

func (v Settings) hours(risk string) int {
	switch risk {
	case "high":
		return v.HighHours
	case "medium":
		return v.MediumHours
	}
	return v.LowHours
}

type notifier interface {
	Notify(ctx context.Context, tx *db.Tx, users []string, kind, text string) error
}

// Service runs the lists and their tasks.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	// Notices sends a grid's members and the centre their messages.
	Notices notifier
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), Now: time.Now}
}

func (s *Service) now() int64 { return s.Now().UnixMilli() }

func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: "antifraud_warning", ObjectID: id, Detail: detail})
}

// Settings returns the rule in force.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	v := DefaultSettings()
	return v, db.LoadSetting(ctx, s.db.Reader(), "antifraud", &v)
}

// SaveSettings validates and stores the rule, audited.
func (s *Service) SaveSettings(ctx context.Context, v Settings) (Settings, error) {
	var f apperr.Fields
	for _, h := range []struct {
		field string
		v     int
	}{{"high_hours", v.HighHours}, {"medium_hours", v.MediumHours}, {"low_hours", v.LowHours}} {
		if h.v < 1 || h.v > 720 {
			f.Add(h.field, "validation.range", "min", 1, "max", 720)
		}
	}
	if v.KeepDays < 7 || v.KeepDays > 730 {
		f.Add("keep_days", "validation.range", "min", 7, "max", 730)
	}
	if err := f.Refuse(); err != nil {
		return v, err
	}
	return v, s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := db.SaveSetting(ctx, tx, "antifraud", v)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.AntifraudWrite, audit.Entry{Action: "antifraud.settings", ObjectType: "settings", ObjectID: "antifraud", Detail: b})
	})
}

// PersonInput is one person of a list.
type PersonInput struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
	Risk    string `json:"risk"`
	Note    string `json:"note"`
}

// BatchInput is a list: the police system's number for it and its people.
type BatchInput struct {
	SourceRef string        `json:"source_ref"`
	People    []PersonInput `json:"people"`
}

// Batch is a list as taken in: how many, how many matched to a grid.
type Batch struct {
	ID        string `json:"id"`
	SourceRef string `json:"source_ref"`
	Total     int    `json:"total"`
	Matched   int    `json:"matched"`
	CreatedAt int64  `json:"created_at"`
}

// Import takes a list for the root (a county or city) from the police
// (antifraud.import over it): every row checked first, each bad field
// named by row (people[3].phone), nothing written unless all are good.
// Each person is matched by phone to the registers under the root; a
// match gives the person's grid, whose members are told at once. A retry
// under the same Idempotency-Key takes nothing twice. Audited.
func (s *Service) Import(ctx context.Context, rootID string, in BatchInput, key idem.Key) (Batch, error) {
	q := s.db.Reader()
	root, err := org.PathIn(ctx, q, authz.AntifraudImport, rootID, "")
	if err != nil {
		return Batch{}, err
	}
	if kind, _ := org.KindOf(ctx, q, rootID, ""); kind != "county" && kind != "city" {
		return Batch{}, apperr.Field("root_id", "antifraud.not_root")
	}
	var f apperr.Fields
	in.SourceRef = strings.TrimSpace(in.SourceRef)
	if n := len([]rune(in.SourceRef)); n < 1 || n > 50 {
		f.Add("source_ref", "validation.length", "min", 1, "max", 50)
	}
	if len(in.People) == 0 || len(in.People) > 5000 {
		f.Add("people", "validation.range", "min", 1, "max", 5000)
	}
	phones := make([]string, len(in.People))
	for i := range in.People {
		p, field := &in.People[i], fmt.Sprintf("people[%d].", i)
		p.Name, p.Address, p.Note = strings.TrimSpace(p.Name), strings.TrimSpace(p.Address), strings.TrimSpace(p.Note)
		if n := len([]rune(p.Name)); n < 1 || n > 50 {
			f.Add(field+"name", "validation.length", "min", 1, "max", 50)
		}
		if phone, err := pii.NormalizePhone(field+"phone", p.Phone); err != nil {
			f.Add(field+"phone", "phone.invalid")
		} else {
			phones[i] = phone
		}
		if len([]rune(p.Address)) > 200 {
			f.Add(field+"address", "validation.length", "min", 0, "max", 200)
		}
		if !slices.Contains(Risks, p.Risk) {
			f.Add(field+"risk", "validation.one_of", "values", strings.Join(Risks, ", "))
		}
		if len([]rune(p.Note)) > 500 {
			f.Add(field+"note", "validation.length", "min", 0, "max", 500)
		}
	}
	if err := f.Refuse(); err != nil {
		return Batch{}, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return Batch{}, err
	}
	var id string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			id, now := db.NewID(), s.now()
			matched, told := 0, map[string]int{}
			if _, err := tx.ExecContext(ctx, "INSERT INTO antifraud_batches (id, root_id, source_ref, total, matched, created_by, created_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
				id, rootID, in.SourceRef, len(in.People), authz.From(ctx).UserID, now); err != nil {
				return "", err
			}
			for i, p := range in.People {
				found, err := registry.ResidentsByPhone(ctx, tx, root, s.vault.Blind("people.phone", phones[i]))
				if err != nil {
					return "", err
				}
				path, grid, gridName, person := root, "", "", ""
				if len(found) > 0 && found[0].GridID != "" {
					g, err := org.GridRefOf(ctx, tx, found[0].GridID)
					if err != nil && !errors.Is(err, sql.ErrNoRows) {
						return "", err
					}
					if err == nil {
						path, grid, gridName, person = g.Path, g.ID, g.Name, found[0].ID
						matched++
						told[grid]++
					}
				}
				wid := db.NewID()
				if _, err := tx.ExecContext(ctx, `INSERT INTO antifraud_warnings (id, batch_id, root_id, path, grid_id, grid_name, person_id, name_sealed, name_masked, phone_sealed, phone_masked,
					address_sealed, risk, note_sealed, status, due_at, result_sealed, handled_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?)`,
					wid, id, rootID, path, nullIf(grid), gridName, nullIf(person), s.seal("name", wid, p.Name), pii.MaskName(p.Name), s.seal("phone", wid, phones[i]), pii.MaskPhone(phones[i]),
					s.seal("address", wid, p.Address), p.Risk, s.seal("note", wid, p.Note), Open, now+int64(set.hours(p.Risk))*3600_000, now); err != nil {
					return "", err
				}
			}
			if _, err := tx.ExecContext(ctx, "UPDATE antifraud_batches SET matched = ? WHERE id = ?", matched, id); err != nil {
				return "", err
			}
			if err := s.tell(ctx, tx, told); err != nil {
				return "", err
			}
			return id, s.record(ctx, tx, authz.AntifraudImport, "antifraud.import", id, fmt.Sprintf("%s: %d/%d", in.SourceRef, matched, len(in.People)))
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.Import(ctx, rootID, in, key)
	}
	if err != nil {
		return Batch{}, err
	}
	var b Batch
	err = s.db.Reader().QueryRowContext(ctx, "SELECT id, source_ref, total, matched, created_at FROM antifraud_batches WHERE id = ?", id).
		Scan(&b.ID, &b.SourceRef, &b.Total, &b.Matched, &b.CreatedAt)
	return b, err
}

// tell sends each grid's members a message: how many people to reach,
// never who.
func (s *Service) tell(ctx context.Context, tx *db.Tx, grids map[string]int) error {
	if s.Notices == nil {
		return nil
	}
	for grid, n := range grids {
		members, err := org.TeamOf(ctx, tx, grid, "grid_member")
		if err != nil {
			return err
		}
		var users []string
		for _, m := range members {
			if m.UserID != "" {
				users = append(users, m.UserID)
			}
		}
		if len(users) == 0 {
			continue
		}
		name, err := org.GridName(ctx, tx, grid)
		if err != nil {
			return err
		}
		if err := s.Notices.Notify(ctx, tx, users, "antifraud", fmt.Sprintf("反诈预警：%s有 %d 名群众需尽快上门或电话劝导，请在手机“反诈劝导”中查看。", name, n)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) seal(field, id, plain string) string {
	return s.vault.Seal("antifraud_warnings."+field, id, plain)
}

func (s *Service) open(field, id, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	return s.vault.Open("antifraud_warnings."+field, id, sealed)
}

func nullIf(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("antifraud_warning")
	}
	return err
}
