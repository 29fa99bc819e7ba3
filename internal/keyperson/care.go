package keyperson

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// CareTargetInput marks a person as a care target.
type CareTargetInput struct {
	PersonID string `json:"person_id"`
	Kind     string `json:"kind"`
	Note     string `json:"note,omitempty"`
}

// CareTarget is one care target with the date of the last service.
type CareTarget struct {
	ID          string `json:"id"`
	PersonID    string `json:"person_id"`
	PersonName  string `json:"person_name"`
	Kind        string `json:"kind"`
	Note        string `json:"note"`
	OrgName     string `json:"org_name"`
	LastService *int64 `json:"last_service_at"`
	Status      string `json:"status"` // active, ended (不再关爱)
	EndReason   string `json:"end_reason,omitempty"`
	EndNote     string `json:"end_note,omitempty"`
	EndedAt     *int64 `json:"ended_at,omitempty"`
	Version     int    `json:"version"`
	CreatedAt   int64  `json:"created_at"`
}

// CareTargetStatus ends a care target with a reason, or re-opens it.
type CareTargetStatus struct {
	Status  string `json:"status"`           // ended, active
	Reason  string `json:"reason,omitempty"` // when ending: moved_away, deceased, no_longer_needed, other
	Note    string `json:"note,omitempty"`
	Version int    `json:"version"` // the version read; a stale one answers 409
}

// CareTargetQuery filters the care-target list: Status is active (the
// default) or ended.
type CareTargetQuery struct {
	registry.ListQuery
	Status string
}

// CreateCareTarget adds a care target.
func (s *Service) CreateCareTarget(ctx context.Context, in CareTargetInput) (CareTarget, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "kind", in.Kind, CareKinds, true)
	regkit.CheckLen(&f, "note", in.Note, 1000)
	if in.PersonID == "" {
		f.Add("person_id", "registry.required")
	}
	if err := f.Err(); err != nil {
		return CareTarget{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, _, err := s.reg.PersonPlace(ctx, tx, in.PersonID, true)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryWrite, path)) {
			return apperr.Field("person_id", "registry.link_unknown")
		}
		if err != nil {
			return err
		}
		now := s.reg.Now().UnixMilli()
		_, err = tx.ExecContext(ctx, "INSERT INTO care_targets (id, person_id, kind, note, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, in.PersonID, in.Kind, in.Note, path, now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("kind", "registry.care_target_exists")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.care_target_create", "care_target", id, in.Kind)
	})
	if err != nil {
		return CareTarget{}, err
	}
	return s.careTarget(ctx, id)
}

func (s *Service) careTarget(ctx context.Context, id string) (CareTarget, error) {
	out, err := s.careTargets(ctx, " AND c.id = ?", []any{id}, 1)
	if err != nil || len(out) == 0 {
		return CareTarget{}, errors.Join(err, apperr.NotFoundf("care_target"))
	}
	return out[0], nil
}

// SetCareTargetStatus ends a care target (不再关爱) with a reason, or
// re-opens it. The version read is checked as for an edit.
func (s *Service) SetCareTargetStatus(ctx context.Context, id string, in CareTargetStatus) (CareTarget, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "status", in.Status, []string{"active", "ended"}, true)
	if in.Status == "ended" {
		regkit.OneOf(&f, "reason", in.Reason, CareEndReasons, true)
		regkit.CheckLen(&f, "note", in.Note, 500)
	}
	if err := f.Err(); err != nil {
		return CareTarget{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var personID, path, status string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT person_id, path, status, version FROM care_targets WHERE id = ?", id).Scan(&personID, &path, &status, &version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryWrite, path)) {
			return apperr.NotFoundf("care_target")
		}
		if err != nil {
			return err
		}
		if in.Version != version {
			return apperr.E(apperr.Conflict, "registry.stale", "version", version)
		}
		if status == in.Status {
			return nil
		}
		action, reason, note, endedAt := "registry.care_target_end", in.Reason, strings.TrimSpace(in.Note), any(s.reg.Now().UnixMilli())
		if in.Status == "active" {
			if err := s.reg.PersonActive(ctx, tx, personID); err != nil {
				return err
			}
			action, reason, note, endedAt = "registry.care_target_reopen", "", "", nil
		}
		if err := regkit.Bump(ctx, tx, s.reg.Now(), "care_targets", id, in.Version, version, "status = ?, end_reason = ?, end_note = ?, ended_at = ?",
			in.Status, reason, note, endedAt); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, action, "care_target", id, reason)
	})
	if err != nil {
		return CareTarget{}, err
	}
	return s.careTarget(ctx, id)
}

// CareTargets lists the care targets in scope (active ones unless asked
// for the ended), of one kind or all, a page at a time like the other
// register lists: the grid is the person's, the cursor the last row's id.
func (s *Service) CareTargets(ctx context.Context, q CareTargetQuery) ([]CareTarget, string, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "status", q.Status, []string{"active", "ended"}, false)
	if err := f.Err(); err != nil {
		return nil, "", err
	}
	if q.Status == "" {
		q.Status = "active"
	}
	where, args := regkit.PageAfter("c", "care_targets", q.After)
	where, args = where+" AND c.status = ?", append(args, q.Status)
	if q.OrgID != "" {
		cond, cargs, err := regkit.InArea(ctx, s.db.Reader(), "c.path", q.OrgID)
		if err != nil {
			return nil, "", err
		}
		where += " AND " + cond
		args = append(args, cargs...)
	}
	if q.GridID != "" {
		where += " AND p.grid_id = ?"
		args = append(args, q.GridID)
	}
	if q.Kind != "" {
		where += " AND c.kind = ?"
		args = append(args, q.Kind)
	}
	limit := regkit.ClampLimit(q.Limit)
	out, err := s.careTargets(ctx, where, args, limit+1)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	return out[:limit], out[limit-1].ID, nil
}

func (s *Service) careTargets(ctx context.Context, where string, args []any, limit int) ([]CareTarget, error) {
	scope, sargs := authz.ScopeSQL("c.path", authz.From(ctx).Scopes(authz.RegistryRead))
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.id, c.person_id, p.name, c.kind, c.note, o.name,
		(SELECT max(at) FROM visits WHERE subject_type = 'care_target' AND subject_id = c.id), c.status, c.end_reason, c.end_note, c.ended_at,
		c.version, c.created_at
		FROM care_targets c JOIN people p ON p.id = c.person_id JOIN org_nodes o ON o.id = p.org_id WHERE 1 = 1`+where+` AND `+scope+regkit.ListOrder("c")+` LIMIT ?`,
		append(append(args, sargs...), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CareTarget{}
	for rows.Next() {
		var c CareTarget
		var last, ended sql.NullInt64
		if err := rows.Scan(&c.ID, &c.PersonID, &c.PersonName, &c.Kind, &c.Note, &c.OrgName, &last, &c.Status, &c.EndReason, &c.EndNote, &ended,
			&c.Version, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.LastService, c.EndedAt = regkit.Ptr(last), regkit.Ptr(ended)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddCareService records a service to a care target (a visit, a delivery,
// a call).
func (s *Service) AddCareService(ctx context.Context, targetID string, in VisitInput) (Visit, error) {
	now := s.reg.Now().UnixMilli()
	if err := checkVisit(&in, now); err != nil {
		return Visit{}, err
	}
	var personID, path, status string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT person_id, path, status FROM care_targets WHERE id = ?", targetID).Scan(&personID, &path, &status)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryWrite, path)) {
		return Visit{}, apperr.NotFoundf("care_target")
	}
	if err != nil {
		return Visit{}, err
	}
	if status != "active" {
		return Visit{}, apperr.E(apperr.Conflict, "registry.care_target_ended")
	}
	at := now
	if in.At != nil {
		at = *in.At
	}
	id := db.NewID()
	who := authz.From(ctx)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.insertVisit(ctx, tx, id, "care_target", targetID, personID, agencyOf(who, authz.RegistryWrite), in, at); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.care_service", "care_target", targetID, in.Method)
	})
	return Visit{ID: id, SubjectType: "care_target", SubjectID: targetID, Agency: agencyOf(who, authz.RegistryWrite), Method: in.Method,
		Finding: in.Finding, Note: in.Note, User: who.DisplayName, At: at}, err
}

// CareRef is a care target as another room needs it: whose it is, the
// kind of care, the note of their needs, its state and its area.
type CareRef struct {
	ID, PersonID, Kind, Note, Status, Path string
}

// CareTargetOf returns the care target id; sql.ErrNoRows when there is
// none. It checks no scope: the caller checks Path.
func (s *Service) CareTargetOf(ctx context.Context, q db.Querier, id string) (CareRef, error) {
	c := CareRef{ID: id}
	err := q.QueryRowContext(ctx, "SELECT person_id, kind, note, status, path FROM care_targets WHERE id = ?", id).Scan(&c.PersonID, &c.Kind, &c.Note, &c.Status, &c.Path)
	return c, err
}

// CareKindsOf returns the kinds of the active care targets of person
// personID, by kind: the special groups a person belongs to.
func (s *Service) CareKindsOf(ctx context.Context, q db.Querier, personID string) ([]string, error) {
	return db.Strings(ctx, q, "SELECT kind FROM care_targets WHERE person_id = ? AND status = 'active' ORDER BY kind", personID)
}

// CareCandidate is an active care target of an area, for a room that
// offers them to the centre (the 9-key numbers): the person's name beside
// the care target.
type CareCandidate struct {
	ID         string `json:"id"`
	PersonID   string `json:"person_id"`
	PersonName string `json:"person_name"`
	Kind       string `json:"kind"`
	OrgName    string `json:"org_name"`
}

// CareTargetsIn returns the active care targets of kinds under path, by
// the person's name, at most limit. It checks no scope: the caller
// passes a path it covers.
func (s *Service) CareTargetsIn(ctx context.Context, q db.Querier, path string, kinds []string, limit int) ([]CareCandidate, error) {
	under, args := authz.Under("c.path", path)
	where := ""
	for i, k := range kinds {
		if i == 0 {
			where = " AND c.kind IN (?"
		} else {
			where += ", ?"
		}
		args = append(args, k)
	}
	if where != "" {
		where += ")"
	}
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.person_id, p.name, c.kind, o.name FROM care_targets c JOIN people p ON p.id = c.person_id
		JOIN org_nodes o ON o.id = p.org_id WHERE c.status = 'active' AND `+under+where+` ORDER BY p.name, c.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CareCandidate{}
	for rows.Next() {
		var c CareCandidate
		if err := rows.Scan(&c.ID, &c.PersonID, &c.PersonName, &c.Kind, &c.OrgName); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
