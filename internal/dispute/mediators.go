package dispute

// The mediators (调解力量): the people who settle disputes at home — the
// members of each area's 人民调解委员会, its full-time mediators, and the
// village's 法律明白人. A case's sessions name them, and 以案定补 credits
// them. The mediators table belongs to this room. A mediator's phone is
// sealed like every personal value and shown masked; the full number needs
// personal.reveal and a reason, and is audited.

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
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// MediatorKinds are what a mediator is: a member of the 人民调解委员会, a full-time
// mediator (专职人民调解员), or a 法律明白人.
var MediatorKinds = []string{"committee", "full_time", "legal_helper"}

// MediatorDuties are a committee member's office.
var MediatorDuties = []string{"chair", "vice_chair", "member"}

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
	// Mine marks the caller's own entry (the session form preselects it).
	Mine    bool `json:"mine,omitempty"`
	Active  bool `json:"active"`
	Version int  `json:"version"`
}

// MediatorInput adds a mediator, or changes one (Version is then the one read).
type MediatorInput struct {
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

// MediatorQuery filters the list: the area (default the caller's whole scope), the
// kind, and whether those who have left are included.
type MediatorQuery struct {
	OrgID string
	Kind  string
	All   bool
}

// checkMediator validates in, normalising the phone, and returns the problems.
func checkMediator(in *MediatorInput) error {
	var f apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		f.Add("name", "registry.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 30)
	if in.OrgID == "" {
		f.Add("org_id", "registry.required")
	}
	regkit.OneOf(&f, "kind", in.Kind, MediatorKinds, true)
	if in.Kind == "committee" {
		regkit.OneOf(&f, "duty", in.Duty, MediatorDuties, true)
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
		regkit.OneOf(&f, "specialties", s, Types, true)
	}
	if in.Since != "" {
		if _, err := time.Parse("2006-01-02", in.Since); err != nil {
			f.Add("since", "registry.date_invalid")
		}
	}
	return f.Err()
}

// CreateMediator adds a mediator in an area the caller holds dispute.write over.
func (s *Service) CreateMediator(ctx context.Context, in MediatorInput) (Mediator, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.CreateMediatorTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return Mediator{}, err
	}
	return s.GetMediator(ctx, id)
}

// CreateMediatorTx is CreateMediator inside the caller's transaction (the demo adds a
// county's mediators in one); it returns the new id.
func (s *Service) CreateMediatorTx(ctx context.Context, tx *db.Tx, in MediatorInput) (string, error) {
	if err := checkMediator(&in); err != nil {
		return "", err
	}
	path, err := org.ActivePathIn(ctx, tx, authz.DisputeWrite, in.OrgID, "org_id")
	if err != nil {
		return "", err
	}
	id := db.NewID()
	sealed, masked := s.sealPhone(id, in.Phone)
	now := s.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO mediators (id, org_id, path, kind, duty, name, phone_sealed, phone_masked, specialties, since, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.OrgID, path, in.Kind, in.Duty, in.Name, sealed, masked,
		strings.Join(in.Specialties, ","), in.Since, now, now); err != nil {
		return "", err
	}
	return id, s.recordMediator(ctx, tx, "mediator.create", id, in.Kind)
}

// UpdateMediator changes a mediator (the version read is checked); leaving
// (Active false) keeps the record for the cases it worked.
func (s *Service) UpdateMediator(ctx context.Context, id string, in MediatorInput) (Mediator, error) {
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
		if err := checkMediator(&in); err != nil {
			return err
		}
		if in.Phone != "" {
			sealed, masked = s.sealPhone(id, in.Phone)
		}
		if in.Active != nil {
			active = *in.Active
		}
		if err := regkit.Bump(ctx, tx, s.Now(), "mediators", id, in.Version, version,
			"kind = ?, duty = ?, name = ?, phone_sealed = ?, phone_masked = ?, specialties = ?, since = ?, active = ?",
			in.Kind, in.Duty, in.Name, sealed, masked, strings.Join(in.Specialties, ","), in.Since, flag(active)); err != nil {
			return err
		}
		return s.recordMediator(ctx, tx, "mediator.update", id, in.Kind)
	})
	if err != nil {
		return Mediator{}, err
	}
	return s.GetMediator(ctx, id)
}

// GetMediator returns one mediator the caller may read.
func (s *Service) GetMediator(ctx context.Context, id string) (Mediator, error) {
	ms, err := s.listMediators(ctx, "m.id = ?", []any{id})
	if err != nil {
		return Mediator{}, err
	}
	if len(ms) == 0 {
		return Mediator{}, apperr.NotFoundf("mediator")
	}
	return ms[0], nil
}

// ListMediators returns the mediators of the caller's scope, or of one area in it,
// committee members first by office, then full-time mediators, then the
// 法律明白人.
func (s *Service) ListMediators(ctx context.Context, q MediatorQuery) ([]Mediator, error) {
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
		if !slices.Contains(MediatorKinds, q.Kind) {
			return nil, apperr.Field("kind", "registry.code_unknown", "value", q.Kind)
		}
		where, args = append(where, "m.kind = ?"), append(args, q.Kind)
	}
	if !q.All {
		where = append(where, "m.active = 1")
	}
	return s.listMediators(ctx, strings.Join(append(where, "1 = 1"), " AND "), args)
}

func (s *Service) listMediators(ctx context.Context, where string, args []any) ([]Mediator, error) {
	scope, sargs := authz.ScopeSQL("m.path", authz.From(ctx).Scopes(authz.DisputeRead))
	return s.mediatorRows(ctx, s.db.Reader(), scope+" AND "+where, append(sargs, args...), "")
}

// mediatorRows reads the register entries matching where, ordered by
// first, then by area, kind and office.
func (s *Service) mediatorRows(ctx context.Context, q db.Querier, where string, args []any, first string) ([]Mediator, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.org_id, o.name, m.kind, m.duty, m.name, m.phone_masked, m.specialties, m.since,
		COALESCE(m.user_id, ''), m.active, m.version
		FROM mediators m JOIN org_nodes o ON o.id = m.org_id WHERE `+where+`
		ORDER BY `+first+`m.path, CASE m.kind WHEN 'committee' THEN 0 WHEN 'full_time' THEN 1 ELSE 2 END,
		CASE m.duty WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 ELSE 2 END, m.name, m.id LIMIT 2000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	me := authz.From(ctx).UserID
	out := []Mediator{}
	for rows.Next() {
		var m Mediator
		var specs, user string
		if err := rows.Scan(&m.ID, &m.OrgID, &m.OrgName, &m.Kind, &m.Duty, &m.Name, &m.PhoneMasked, &specs, &m.Since,
			&user, &m.Active, &m.Version); err != nil {
			return nil, err
		}
		m.HasAccount, m.Mine = user != "", user != "" && user == me
		m.Specialties = []string{}
		if specs != "" {
			m.Specialties = strings.Split(specs, ",")
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MediatorRevealInput says why a mediator's phone is shown in full.
type MediatorRevealInput struct {
	Reason string `json:"reason"`
}

// MediatorRevealed is a mediator's full phone number.
type MediatorRevealed struct {
	Phone string `json:"phone"`
}

// RevealMediatorPhone shows a mediator's phone to a caller holding personal.reveal
// over the mediator's area, for a stated reason; the audit row keeps the
// reason, never the number.
func (s *Service) RevealMediatorPhone(ctx context.Context, id string, in MediatorRevealInput) (MediatorRevealed, error) {
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	if len([]rune(in.Reason)) < 4 {
		return MediatorRevealed{}, apperr.Field("reason", "registry.reason_required")
	}
	var path, sealed string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT path, phone_sealed FROM mediators WHERE id = ?", id).Scan(&path, &sealed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.DisputeRead, path)) {
		return MediatorRevealed{}, apperr.NotFoundf("mediator")
	}
	if err != nil {
		return MediatorRevealed{}, err
	}
	if !authz.From(ctx).Covers(authz.PersonalReveal, path) {
		return MediatorRevealed{}, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	var out MediatorRevealed
	if sealed != "" {
		if out.Phone, err = s.vault.Open("mediator.phone", id, sealed); err != nil {
			return MediatorRevealed{}, err
		}
	}
	err = s.audit.RecordAlone(ctx, s.db, authz.PersonalReveal, audit.Entry{Action: "mediator.reveal", ObjectType: "mediator", ObjectID: id, Detail: "phone: " + in.Reason})
	return out, err
}

func (s *Service) sealPhone(id, phone string) (sealed, masked string) {
	if phone == "" {
		return "", ""
	}
	return s.vault.Seal("mediator.phone", id, phone), pii.MaskPhone(phone)
}

func (s *Service) recordMediator(ctx context.Context, tx db.Querier, action, id, detail string) error {
	return s.audit.Record(ctx, tx, authz.DisputeWrite, audit.Entry{Action: action, ObjectType: "mediator", ObjectID: id, Detail: detail})
}

// flag is a boolean as the INTEGER columns hold it (PostgreSQL takes no
// Go bool for an integer).
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
