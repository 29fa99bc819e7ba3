// Package callkey keeps the 9-key call (9键呼叫, 随叫随到) of elderly care
// targets: the phone numbers a centre registers for them (sealed,
// blind-indexed, masked), the alerts their calls raise through the device
// platform, the push of each alert to the grid member of the person's grid
// at once, the member's accept (接单), arrival (到达) and close, and the
// escalation to the grid chief (网格长) and then to the village centre when
// nobody accepts in the area's configured time. The times to accept and to
// arrive are what assessment counts (Tally, metric callkey.accept).
//
// It owns callkey_numbers, callkey_alerts, callkey_steps and
// callkey_settings. It asks keyperson for the care target, registry for
// the person's card and org for the grid's team.
package callkey

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// The default times, when no area above an alert has set its own: three
// minutes for the grid member, three more for the grid chief.
const (
	DefaultAcceptSeconds = 180
	DefaultChiefSeconds  = 180
)

// Service runs the 9-key call.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	reg   *registry.Service
	kp    *keyperson.Service
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service over the registers and the care targets.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, reg *registry.Service, kp *keyperson.Service) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), reg: reg, kp: kp, Now: time.Now}
}

// Number is a registered 9-key number as the console shows it.
type Number struct {
	ID           string `json:"id"`
	CareTargetID string `json:"care_target_id"`
	PersonID     string `json:"person_id"`
	PersonName   string `json:"person_name"`
	CareKind     string `json:"care_kind"`
	PhoneMasked  string `json:"phone_masked"`
	Needs        string `json:"needs"`
	Address      string `json:"address"`
	GridName     string `json:"grid_name"`
	OrgName      string `json:"org_name"`
	Status       string `json:"status"`
	Version      int    `json:"version"`
	CreatedAt    int64  `json:"created_at"`
}

// NumberInput registers a number for a care target.
type NumberInput struct {
	CareTargetID string `json:"care_target_id"`
	Phone        string `json:"phone"`
	Needs        string `json:"needs,omitempty"`
}

// NumberChange changes the needs of a number or ends it (version checked).
type NumberChange struct {
	Needs   string `json:"needs"`
	Status  string `json:"status"` // active, ended
	Version int    `json:"version"`
}

// Settings are an area's times to accept: the member's, then the chief's.
type Settings struct {
	OrgID         string `json:"org_id"`
	AcceptSeconds int    `json:"accept_seconds"`
	ChiefSeconds  int    `json:"chief_seconds"`
	Version       int    `json:"version"`
}

func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// Register registers a 9-key number for an active care target of the
// caller's area. The number is sealed, masked and blind-indexed; one
// active registration a number.
func (s *Service) Register(ctx context.Context, in NumberInput) (Number, error) {
	var f apperr.Fields
	phone, err := pii.NormalizePhone("phone", in.Phone)
	if err != nil {
		f.Add("phone", "phone.invalid")
	}
	in.Needs = strings.TrimSpace(in.Needs)
	if len([]rune(in.Needs)) > 500 {
		f.Add("needs", "validation.length", "min", 0, "max", 500)
	}
	if in.CareTargetID == "" {
		f.Add("care_target_id", "validation.required")
	}
	if err := f.Err(); err != nil {
		return Number{}, err
	}
	id := db.NewID()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.kp.CareTargetOf(ctx, tx, in.CareTargetID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.GridworkSteer, c.Path)) {
			return apperr.Field("care_target_id", "callkey.care_target_unknown")
		}
		if err != nil {
			return err
		}
		if c.Status != "active" {
			return apperr.Field("care_target_id", "callkey.care_target_ended")
		}
		card, err := s.reg.PersonCard(ctx, tx, c.PersonID)
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		_, err = tx.ExecContext(ctx, `INSERT INTO callkey_numbers (id, care_target_id, person_id, phone_blind, phone_sealed, phone_masked, needs_sealed,
			grid_id, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, c.ID, c.PersonID, s.vault.Blind("callkey.phone", phone), s.vault.Seal("callkey.phone", id, phone), pii.MaskPhone(phone),
			s.sealNeeds(id, in.Needs), card.GridID, c.Path, now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("phone", "callkey.phone_taken")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkSteer, "callkey.number_register", "callkey_number", id, "")
	})
	if err != nil {
		return Number{}, err
	}
	return s.number(ctx, id)
}

func (s *Service) sealNeeds(id, needs string) string {
	if needs == "" {
		return ""
	}
	return s.vault.Seal("callkey.needs", id, needs)
}

func (s *Service) openNeeds(id, sealed string) string {
	if sealed == "" {
		return ""
	}
	v, err := s.vault.Open("callkey.needs", id, sealed)
	if err != nil {
		return ""
	}
	return v
}

// ChangeNumber changes a number's needs or ends it; a stale version
// answers 409 with the current version.
func (s *Service) ChangeNumber(ctx context.Context, id string, in NumberChange) (Number, error) {
	var f apperr.Fields
	if in.Status != "active" && in.Status != "ended" {
		f.Add("status", "validation.one_of", "values", "active, ended")
	}
	in.Needs = strings.TrimSpace(in.Needs)
	if len([]rune(in.Needs)) > 500 {
		f.Add("needs", "validation.length", "min", 0, "max", 500)
	}
	if err := f.Err(); err != nil {
		return Number{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var path string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT path, version FROM callkey_numbers WHERE id = ?", id).Scan(&path, &version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.GridworkSteer, path)) {
			return apperr.NotFoundf("callkey_number")
		}
		if err != nil {
			return err
		}
		if in.Version != version {
			return apperr.E(apperr.Conflict, "callkey.stale", "version", version)
		}
		_, err = tx.ExecContext(ctx, "UPDATE callkey_numbers SET needs_sealed = ?, status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			s.sealNeeds(id, in.Needs), in.Status, s.Now().UnixMilli(), id, version)
		if db.IsUniqueViolation(err) {
			return apperr.Field("status", "callkey.phone_taken")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkSteer, "callkey.number_change", "callkey_number", id, in.Status)
	})
	if err != nil {
		return Number{}, err
	}
	return s.number(ctx, id)
}

func (s *Service) number(ctx context.Context, id string) (Number, error) {
	out, err := s.numbers(ctx, " AND n.id = ?", []any{id}, 1)
	if err != nil || len(out) == 0 {
		return Number{}, errors.Join(err, apperr.NotFoundf("callkey_number"))
	}
	return out[0], nil
}

// Numbers lists the registered numbers of the caller's area (of org_id
// when given), active ones unless all.
func (s *Service) Numbers(ctx context.Context, orgID string, all bool) ([]Number, error) {
	where, args := "", []any{}
	if orgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkRead, orgID, "org_id")
		if err != nil {
			return nil, err
		}
		cond, cargs := authz.Under("n.path", path)
		where, args = " AND "+cond, cargs
	}
	if !all {
		where += " AND n.status = 'active'"
	}
	return s.numbers(ctx, where, args, 500)
}

func (s *Service) numbers(ctx context.Context, where string, args []any, limit int) ([]Number, error) {
	scope, sargs := authz.ScopeSQL("n.path", authz.From(ctx).Scopes(authz.GridworkRead))
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT n.id, n.care_target_id, n.person_id, n.phone_masked, n.needs_sealed, n.status, n.version, n.created_at
		FROM callkey_numbers n WHERE `+scope+where+` ORDER BY n.created_at DESC, n.id LIMIT ?`, append(append(sargs, args...), limit)...)
	if err != nil {
		return nil, err
	}
	out := []Number{}
	for rows.Next() {
		var n Number
		var needs string
		if err := rows.Scan(&n.ID, &n.CareTargetID, &n.PersonID, &n.PhoneMasked, &needs, &n.Status, &n.Version, &n.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		n.Needs = s.openNeeds(n.ID, needs)
		out = append(out, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for i := range out {
		n := &out[i]
		if card, err := s.reg.PersonCard(ctx, s.db.Reader(), n.PersonID); err == nil {
			n.PersonName, n.Address, n.GridName, n.OrgName = card.Name, card.Address, card.GridName, card.OrgName
		}
		if c, err := s.kp.CareTargetOf(ctx, s.db.Reader(), n.CareTargetID); err == nil {
			n.CareKind = c.Kind
		}
	}
	return out, nil
}

// SettingsOf returns the times to accept that apply at area orgID: its
// own, or those of the nearest area above that set them, or the defaults.
func (s *Service) SettingsOf(ctx context.Context, orgID string) (Settings, error) {
	path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkRead, orgID, "org_id")
	if err != nil {
		return Settings{}, err
	}
	v, err := s.settingsAt(ctx, s.db.Reader(), path)
	v.OrgID = orgID
	return v, err
}

func (s *Service) settingsAt(ctx context.Context, q db.Querier, path string) (Settings, error) {
	v := Settings{AcceptSeconds: DefaultAcceptSeconds, ChiefSeconds: DefaultChiefSeconds}
	at, args := authz.AtOrAbove("path", path)
	err := q.QueryRowContext(ctx, "SELECT accept_seconds, chief_seconds, version FROM callkey_settings WHERE "+at+" ORDER BY length(path) DESC LIMIT 1", args...).
		Scan(&v.AcceptSeconds, &v.ChiefSeconds, &v.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return v, nil
	}
	return v, err
}

// SaveSettings sets an area's times to accept (gridwork.steer over it),
// for the alerts raised from then on; audited.
func (s *Service) SaveSettings(ctx context.Context, in Settings) (Settings, error) {
	var f apperr.Fields
	if in.AcceptSeconds < 30 || in.AcceptSeconds > 3600 {
		f.Add("accept_seconds", "validation.range", "min", 30, "max", 3600)
	}
	if in.ChiefSeconds < 30 || in.ChiefSeconds > 3600 {
		f.Add("chief_seconds", "validation.range", "min", 30, "max", 3600)
	}
	if in.OrgID == "" {
		f.Add("org_id", "validation.required")
	}
	if err := f.Err(); err != nil {
		return Settings{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := org.PathIn(ctx, tx, authz.GridworkSteer, in.OrgID, "org_id")
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO callkey_settings (org_id, path, accept_seconds, chief_seconds, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET accept_seconds = excluded.accept_seconds, chief_seconds = excluded.chief_seconds,
			version = callkey_settings.version + 1, updated_at = excluded.updated_at`, in.OrgID, path, in.AcceptSeconds, in.ChiefSeconds, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkSteer, "callkey.settings", "org", in.OrgID, "")
	})
	if err != nil {
		return Settings{}, err
	}
	return s.SettingsOf(ctx, in.OrgID)
}

// ElderlyKinds are the care targets a 9-key number is offered for.
var ElderlyKinds = []string{"elderly_alone", "left_behind_elderly", "disabled"}

// Candidate is a care target the centre may register a number for.
type Candidate struct {
	keyperson.CareCandidate
	Registered bool `json:"registered"`
}

// Candidates lists the elderly, left-behind elderly and disabled care
// targets of an area (gridwork.steer over it), saying which have a number.
func (s *Service) Candidates(ctx context.Context, orgID string) ([]Candidate, error) {
	path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkSteer, orgID, "org_id")
	if err != nil {
		return nil, err
	}
	cs, err := s.kp.CareTargetsIn(ctx, s.db.Reader(), path, ElderlyKinds, 500)
	if err != nil {
		return nil, err
	}
	under, args := authz.Under("path", path)
	have, err := db.Strings(ctx, s.db.Reader(), "SELECT care_target_id FROM callkey_numbers WHERE status = 'active' AND "+under, args...)
	if err != nil {
		return nil, err
	}
	registered := map[string]bool{}
	for _, id := range have {
		registered[id] = true
	}
	out := make([]Candidate, len(cs))
	for i, c := range cs {
		out[i] = Candidate{CareCandidate: c, Registered: registered[c.ID]}
	}
	return out, nil
}
