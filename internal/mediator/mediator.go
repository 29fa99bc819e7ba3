// Package mediator keeps the people who settle disputes at home (调解力量):
// the members of each area's 人民调解委员会, its full-time mediators, and the
// village's 法律明白人. A case's sessions name them, and 以案定补 credits them.
// Owns the mediators table. A mediator's phone is sealed like every
// personal value and shown masked; the full number needs personal.reveal
// and a reason, and is audited.
package mediator

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/secret"
)

// Kinds are what a mediator is: a member of the 人民调解委员会, a full-time
// mediator (专职人民调解员), or a 法律明白人.
var Kinds = []string{"committee", "full_time", "legal_helper"}

// Duties are a committee member's office.
var Duties = []string{"chair", "vice_chair", "member"}

// Mediator is one person of an area's 调解力量.
type Mediator struct {
	ID          string   `json:"id"`
	OrgID       string   `json:"org_id"`
	OrgName     string   `json:"org_name"`
	Kind        string   `json:"kind"`
	Duty        string   `json:"duty,omitempty"`
	Name        string   `json:"name"`
	PhoneMasked string   `json:"phone_masked"`
	Specialties []string `json:"specialties"`
	Since       string   `json:"since,omitempty"`
	HasAccount  bool     `json:"has_account"`
	Active      bool     `json:"active"`
	Version     int      `json:"version"`
}

// Input adds a mediator, or changes one (Version is then the one read).
type Input struct {
	OrgID       string   `json:"org_id"`
	Kind        string   `json:"kind"`
	Duty        string   `json:"duty,omitempty"`
	Name        string   `json:"name"`
	Phone       string   `json:"phone,omitempty"` // on a change, empty keeps the stored number
	Specialties []string `json:"specialties,omitempty"`
	Since       string   `json:"since,omitempty"`
	Active      *bool    `json:"active,omitempty"`
	Version     int      `json:"version,omitempty"`
}

// Query filters the list: the area (default the caller's whole scope), the
// kind, and whether those who have left are included.
type Query struct {
	OrgID string
	Kind  string
	All   bool
}

// Service runs the mediators.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	now   func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), now: time.Now}
}

// check validates in, normalising the phone, and returns the problems.
func check(in *Input) error {
	var f apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		f.Add("name", "registry.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 30)
	if in.OrgID == "" {
		f.Add("org_id", "registry.required")
	}
	regkit.OneOf(&f, "kind", in.Kind, Kinds, true)
	if in.Kind == "committee" {
		regkit.OneOf(&f, "duty", in.Duty, Duties, true)
	} else if in.Duty != "" {
		f.Add("duty", "mediator.duty_committee_only")
	}
	if in.Phone != "" {
		p, err := pii.NormalizePhone("phone", in.Phone)
		if err := regkit.Collect(&f, err); err != nil {
			return err
		}
		in.Phone = p
	}
	for _, s := range in.Specialties {
		regkit.OneOf(&f, "specialties", s, dispute.Types, true)
	}
	if in.Since != "" {
		if _, err := time.Parse("2006-01-02", in.Since); err != nil {
			f.Add("since", "registry.date_invalid")
		}
	}
	return f.Err()
}

// Create adds a mediator in an area the caller holds dispute.write over.
func (s *Service) Create(ctx context.Context, in Input) (Mediator, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.CreateTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return Mediator{}, err
	}
	return s.Get(ctx, id)
}

// CreateTx is Create inside the caller's transaction (the demo adds a
// county's mediators in one); it returns the new id.
func (s *Service) CreateTx(ctx context.Context, tx *db.Tx, in Input) (string, error) {
	if err := check(&in); err != nil {
		return "", err
	}
	path, err := org.ActivePathIn(ctx, tx, authz.DisputeWrite, in.OrgID, "org_id")
	if err != nil {
		return "", err
	}
	id := db.NewID()
	sealed, masked := s.seal(id, in.Phone)
	now := s.now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `INSERT INTO mediators (id, org_id, path, kind, duty, name, phone_sealed, phone_masked, specialties, since, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.OrgID, path, in.Kind, in.Duty, in.Name, sealed, masked,
		strings.Join(in.Specialties, ","), in.Since, now, now); err != nil {
		return "", err
	}
	return id, s.record(ctx, tx, "mediator.create", id, in.Kind)
}

// Update changes a mediator (the version read is checked); leaving
// (Active false) keeps the record for the cases it worked.
func (s *Service) Update(ctx context.Context, id string, in Input) (Mediator, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var orgID, path, sealed, masked string
		var version int
		var active bool
		err := tx.QueryRowContext(ctx, "SELECT org_id, path, phone_sealed, phone_masked, version, active FROM mediators WHERE id = ?", id).
			Scan(&orgID, &path, &sealed, &masked, &version, &active)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.DisputeWrite, path)) {
			return apperr.NotFoundf("mediator")
		}
		if err != nil {
			return err
		}
		in.OrgID = orgID // a mediator serves where registered; a move is a new record
		if err := check(&in); err != nil {
			return err
		}
		if in.Phone != "" {
			sealed, masked = s.seal(id, in.Phone)
		}
		if in.Active != nil {
			active = *in.Active
		}
		if err := regkit.Bump(ctx, tx, s.now(), "mediators", id, in.Version, version,
			"kind = ?, duty = ?, name = ?, phone_sealed = ?, phone_masked = ?, specialties = ?, since = ?, active = ?",
			in.Kind, in.Duty, in.Name, sealed, masked, strings.Join(in.Specialties, ","), in.Since, active); err != nil {
			return err
		}
		return s.record(ctx, tx, "mediator.update", id, in.Kind)
	})
	if err != nil {
		return Mediator{}, err
	}
	return s.Get(ctx, id)
}

// Get returns one mediator the caller may read.
func (s *Service) Get(ctx context.Context, id string) (Mediator, error) {
	ms, err := s.list(ctx, "m.id = ?", []any{id})
	if err != nil {
		return Mediator{}, err
	}
	if len(ms) == 0 {
		return Mediator{}, apperr.NotFoundf("mediator")
	}
	return ms[0], nil
}

// List returns the mediators of the caller's scope, or of one area in it,
// committee members first by office, then full-time mediators, then the
// 法律明白人.
func (s *Service) List(ctx context.Context, q Query) ([]Mediator, error) {
	var where []string
	var args []any
	if q.OrgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.DisputeRead, q.OrgID, "org_id")
		if err != nil {
			return nil, err
		}
		w, a := authz.Under("m.path", path)
		where, args = append(where, w), append(args, a...)
	}
	if q.Kind != "" {
		if !slices.Contains(Kinds, q.Kind) {
			return nil, apperr.Field("kind", "registry.code_unknown", "value", q.Kind)
		}
		where, args = append(where, "m.kind = ?"), append(args, q.Kind)
	}
	if !q.All {
		where = append(where, "m.active = 1")
	}
	return s.list(ctx, strings.Join(append(where, "1 = 1"), " AND "), args)
}

func (s *Service) list(ctx context.Context, where string, args []any) ([]Mediator, error) {
	scope, sargs := authz.ScopeSQL("m.path", authz.From(ctx).Scopes(authz.DisputeRead))
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT m.id, m.org_id, o.name, m.kind, m.duty, m.name, m.phone_masked, m.specialties, m.since,
		m.user_id IS NOT NULL, m.active, m.version
		FROM mediators m JOIN org_nodes o ON o.id = m.org_id WHERE `+scope+" AND "+where+`
		ORDER BY m.path, CASE m.kind WHEN 'committee' THEN 0 WHEN 'full_time' THEN 1 ELSE 2 END,
		CASE m.duty WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 ELSE 2 END, m.name, m.id LIMIT 2000`, append(sargs, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Mediator{}
	for rows.Next() {
		var m Mediator
		var specs string
		if err := rows.Scan(&m.ID, &m.OrgID, &m.OrgName, &m.Kind, &m.Duty, &m.Name, &m.PhoneMasked, &specs, &m.Since,
			&m.HasAccount, &m.Active, &m.Version); err != nil {
			return nil, err
		}
		m.Specialties = []string{}
		if specs != "" {
			m.Specialties = strings.Split(specs, ",")
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RevealInput says why a mediator's phone is shown in full.
type RevealInput struct {
	Reason string `json:"reason"`
}

// Revealed is a mediator's full phone number.
type Revealed struct {
	Phone string `json:"phone"`
}

// RevealPhone shows a mediator's phone to a caller holding personal.reveal
// over the mediator's area, for a stated reason; the audit row keeps the
// reason, never the number.
func (s *Service) RevealPhone(ctx context.Context, id string, in RevealInput) (Revealed, error) {
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	if len([]rune(in.Reason)) < 4 {
		return Revealed{}, apperr.Field("reason", "registry.reason_required")
	}
	var path, sealed string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT path, phone_sealed FROM mediators WHERE id = ?", id).Scan(&path, &sealed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.DisputeRead, path)) {
		return Revealed{}, apperr.NotFoundf("mediator")
	}
	if err != nil {
		return Revealed{}, err
	}
	if !authz.From(ctx).Covers(authz.PersonalReveal, path) {
		return Revealed{}, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	var out Revealed
	if sealed != "" {
		if out.Phone, err = s.vault.Open("mediator.phone", id, sealed); err != nil {
			return Revealed{}, err
		}
	}
	err = s.audit.RecordAlone(ctx, s.db, authz.PersonalReveal, audit.Entry{Action: "mediator.reveal", ObjectType: "mediator", ObjectID: id, Detail: "phone: " + in.Reason})
	return out, err
}

func (s *Service) seal(id, phone string) (sealed, masked string) {
	if phone == "" {
		return "", ""
	}
	return s.vault.Seal("mediator.phone", id, phone), pii.MaskPhone(phone)
}

func (s *Service) record(ctx context.Context, tx db.Querier, action, id, detail string) error {
	return s.audit.Record(ctx, tx, authz.DisputeWrite, audit.Entry{Action: action, ObjectType: "mediator", ObjectID: id, Detail: detail})
}
