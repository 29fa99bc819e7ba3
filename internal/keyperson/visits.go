package keyperson

import (
	"context"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// agencyOf names the office a visitor speaks for, from the role through
// which they hold perm.
func agencyOf(p *authz.Principal, perm authz.Perm) string {
	switch p.RoleFor(perm) {
	case "police", "justice", "health", "civil_affairs":
		return p.RoleFor(perm)
	}
	return "grid"
}

func checkVisit(in *VisitInput, now int64) error {
	var f apperr.Fields
	regkit.OneOf(&f, "method", in.Method, VisitMethods, true)
	if in.Finding == "" {
		in.Finding = "normal"
	}
	regkit.OneOf(&f, "finding", in.Finding, VisitFindings, false)
	regkit.CheckLen(&f, "note", in.Note, 2000)
	if in.At != nil && (*in.At > now+5*60*1000 || *in.At < now-90*regkit.Day) {
		f.Add("at", "registry.visit_time")
	}
	return f.Err()
}

// AddVisit records a visit or follow-up on a key person's shared record and
// restarts its visit clock. The note is sealed: it describes a person in a
// sensitive category.
func (s *Service) AddVisit(ctx context.Context, keyPersonID string, in VisitInput) (Visit, error) {
	now := s.reg.Now().UnixMilli()
	if err := checkVisit(&in, now); err != nil {
		return Visit{}, err
	}
	k, err := s.keyPerson(ctx, keyPersonID, authz.KeyPersonWrite)
	if err != nil {
		return Visit{}, err
	}
	if k.Status == "closed" {
		return Visit{}, apperr.E(apperr.Conflict, "registry.key_person_closed")
	}
	at := now
	if in.At != nil {
		at = *in.At
	}
	id := db.NewID()
	who := authz.From(ctx)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.insertVisit(ctx, tx, id, "key_person", keyPersonID, k.PersonID, agencyOf(who, authz.KeyPersonWrite), in, at); err != nil {
			return err
		}
		// The clock restarts from the newest visit; a late-entered older
		// visit leaves it alone. The period is the row's own, in case the
		// level changed since k was read.
		if _, err := tx.ExecContext(ctx, `UPDATE key_persons SET last_visit_at = ?, next_visit_due = ? + CAST(visit_every_days AS BIGINT) * ?, version = version + 1,
			updated_at = ? WHERE id = ? AND (last_visit_at IS NULL OR last_visit_at < ?)`, at, at, regkit.Day, now, keyPersonID, at); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.KeyPersonWrite, "registry.visit", "key_person", keyPersonID, in.Method+","+in.Finding)
	})
	if err != nil {
		return Visit{}, err
	}
	return Visit{ID: id, SubjectType: "key_person", SubjectID: keyPersonID, Agency: agencyOf(who, authz.KeyPersonWrite), Method: in.Method,
		Finding: in.Finding, Note: in.Note, User: who.DisplayName, At: at}, nil
}

func (s *Service) insertVisit(ctx context.Context, tx db.Querier, id, subjectType, subjectID, personID, agency string, in VisitInput, at int64) error {
	note := ""
	if in.Note != "" {
		note = s.vault.Seal("visits.note", id, in.Note)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO visits (id, subject_type, subject_id, person_id, agency, method, note_sealed, finding, user_id, at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, subjectType, subjectID, personID, agency, in.Method, note, in.Finding, authz.From(ctx).UserID, at, s.reg.Now().UnixMilli())
	return err
}

// visits lists visits matching cond, newest first, notes opened. Visits of
// key-person records the caller may not see are left out.
func (s *Service) visits(ctx context.Context, q db.Querier, cond string, arg any) ([]Visit, error) {
	rows, err := q.QueryContext(ctx, `SELECT v.id, v.subject_type, v.subject_id, v.agency, v.method, v.finding, v.note_sealed, COALESCE(u.display_name, ''), v.at
		FROM visits v LEFT JOIN users u ON u.id = v.user_id WHERE `+cond+` ORDER BY v.at DESC LIMIT 200`, arg)
	if err != nil {
		return nil, err
	}
	var all []Visit
	for rows.Next() {
		var v Visit
		var sealed string
		if err := rows.Scan(&v.ID, &v.SubjectType, &v.SubjectID, &v.Agency, &v.Method, &v.Finding, &sealed, &v.User, &v.At); err != nil {
			rows.Close()
			return nil, err
		}
		if sealed != "" {
			if v.Note, err = s.vault.Open("visits.note", v.ID, sealed); err != nil {
				rows.Close()
				return nil, err
			}
		}
		all = append(all, v)
	}
	rows.Close()
	out := []Visit{}
	seen := map[string]bool{}
	for _, v := range all {
		if v.SubjectType == "key_person" {
			ok, known := seen[v.SubjectID]
			if !known {
				_, err := s.keyPerson(ctx, v.SubjectID, authz.KeyPersonRead)
				ok = err == nil
				seen[v.SubjectID] = ok
			}
			if !ok {
				continue
			}
		}
		out = append(out, v)
	}
	return out, nil
}
