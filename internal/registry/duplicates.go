package registry

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/registry/search"
)

// Duplicate registrations (重复登记核查). "One person per ID" must not tell a
// village account that an ID number is registered somewhere it cannot see:
// that answer alone would confirm a guessed number. So when a person is
// registered (created, edited or imported) with the ID number of a record
// outside the caller's area, the caller gets the same answer as for a new
// person and the new record is kept as a pending duplicate (people.dup_of).
// A review lands with the lowest org node whose area holds both records;
// someone holding registry.write there either transfers the registered
// person into the new area (the old record, with its history, takes the new
// one's place; the new copy is removed) or rejects the new copy (removed).
// An ID number held by a record the caller can see still answers
// registry.id_taken.

// sameID looks for other records of an ID number's blind index: taken when
// the caller can see one (registry.read over its area), else dupOf names the
// registered record (not itself a pending duplicate) the new one duplicates.
func (s *Service) sameID(ctx context.Context, q db.Querier, blind, selfID string) (taken bool, dupOf string, err error) {
	rows, err := q.QueryContext(ctx, "SELECT id, path, COALESCE(dup_of, '') FROM people WHERE id_blind = ? ORDER BY id", blind)
	if err != nil {
		return false, "", err
	}
	defer rows.Close()
	who := authz.From(ctx)
	for rows.Next() {
		var id, path, of string
		if err := rows.Scan(&id, &path, &of); err != nil {
			return false, "", err
		}
		switch {
		case id == selfID:
		case who.Covers(authz.RegistryRead, path):
			taken = true
		case of == "":
			dupOf = id
		}
	}
	if taken {
		dupOf = ""
	}
	return taken, dupOf, rows.Err()
}

// reviewDuplicate keeps person id's review in step with dupOf after a save:
// a pending review of another record is withdrawn, and a review is opened
// when dupOf names a record and none is pending for it.
func (s *Service) reviewDuplicate(ctx context.Context, tx db.Querier, id, dupOf string) error {
	var reviewID, existing string
	err := tx.QueryRowContext(ctx, "SELECT id, existing_id FROM duplicate_reviews WHERE person_id = ? AND status = 'pending'", id).Scan(&reviewID, &existing)
	switch {
	case err == nil && existing == dupOf:
		return nil
	case err == nil:
		if err := s.closeReview(ctx, tx, reviewID, "withdrawn", ""); err != nil {
			return err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if dupOf == "" {
		return nil
	}
	var newPath, oldPath string
	if err := tx.QueryRowContext(ctx, "SELECT path FROM people WHERE id = ?", id).Scan(&newPath); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, "SELECT path FROM people WHERE id = ?", dupOf).Scan(&oldPath); err != nil {
		return err
	}
	path := commonPath(newPath, oldPath)
	orgID, err := org.IDAt(ctx, tx, path)
	if err != nil {
		return err
	}
	rid := db.NewID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO duplicate_reviews (id, person_id, existing_id, org_id, path, status, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`, rid, id, dupOf, orgID, path, regkit.Nullable(authz.From(ctx).UserID), s.Now().UnixMilli()); err != nil {
		return err
	}
	return s.record(ctx, tx, authz.RegistryWrite, "registry.duplicate_open", "duplicate_review", rid, "")
}

// closeReview ends a pending review with status, audited.
func (s *Service) closeReview(ctx context.Context, tx db.Querier, id, status, reason string) error {
	res, err := tx.ExecContext(ctx, "UPDATE duplicate_reviews SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'",
		status, regkit.Nullable(authz.From(ctx).UserID), s.Now().UnixMilli(), reason, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.E(apperr.Conflict, "registry.review_decided")
	}
	action := map[string]string{"transferred": "registry.duplicate_transfer", "rejected": "registry.duplicate_reject", "withdrawn": "registry.duplicate_withdraw"}[status]
	return s.record(ctx, tx, authz.RegistryWrite, action, "duplicate_review", id, reason)
}

// dropDuplicateReviews runs before person id is removed: its own pending
// review is withdrawn; when it is the registered record of pending
// duplicates, the oldest of them becomes the registered record and the
// others are reviewed against it.
func (s *Service) dropDuplicateReviews(ctx context.Context, tx *db.Tx, id string) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, person_id FROM duplicate_reviews WHERE (person_id = ? OR existing_id = ?) AND status = 'pending' ORDER BY created_at, id", id, id)
	if err != nil {
		return err
	}
	type pending struct{ id, person string }
	var list []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.person); err != nil {
			rows.Close()
			return err
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	heir := ""
	for _, p := range list {
		if err := s.closeReview(ctx, tx, p.id, "withdrawn", ""); err != nil {
			return err
		}
		if p.person == id {
			continue
		}
		if heir == "" {
			heir = p.person
			if _, err := tx.ExecContext(ctx, "UPDATE people SET dup_of = NULL WHERE id = ?", heir); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE people SET dup_of = ? WHERE id = ?", heir, p.person); err != nil {
			return err
		}
		if err := s.reviewDuplicate(ctx, tx, p.person, heir); err != nil {
			return err
		}
	}
	return nil
}

// commonPath is the path of the lowest org node over two paths
// ("/a/b/c/" and "/a/b/d/" give "/a/b/").
func commonPath(a, b string) string {
	as, bs := strings.Split(strings.Trim(a, "/"), "/"), strings.Split(strings.Trim(b, "/"), "/")
	out := "/"
	for i := 0; i < len(as) && i < len(bs) && as[i] == bs[i]; i++ {
		out += as[i] + "/"
	}
	return out
}

// DuplicateReview is a pending duplicate and the record it duplicates, as
// the reviewer sees them (masked).
type DuplicateReview struct {
	ID          string  `json:"id"`
	Status      string  `json:"status"` // pending, transferred, rejected, withdrawn
	OrgID       string  `json:"org_id"`
	OrgName     string  `json:"org_name"`
	PersonID    string  `json:"person_id"`
	ExistingID  string  `json:"existing_id"`
	Person      *Person `json:"person"`   // the new registration; absent once removed
	Existing    *Person `json:"existing"` // the record already registered
	RequestedBy string  `json:"requested_by"`
	CreatedAt   int64   `json:"created_at"`
	DecidedBy   string  `json:"decided_by"`
	DecidedAt   *int64  `json:"decided_at"`
	Reason      string  `json:"reason"`
	path        string
}

// DuplicateDecision resolves a review: "transfer" or "reject" (a reason is
// required to reject).
type DuplicateDecision struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
}

const reviewCols = `r.id, r.status, r.org_id, o.name, r.person_id, r.existing_id, COALESCE(cu.display_name, ''), r.created_at,
	COALESCE(du.display_name, ''), r.decided_at, r.reason, r.path
	FROM duplicate_reviews r JOIN org_nodes o ON o.id = r.org_id LEFT JOIN users cu ON cu.id = r.created_by LEFT JOIN users du ON du.id = r.decided_by`

func scanReview(sc interface{ Scan(...any) error }) (DuplicateReview, error) {
	var r DuplicateReview
	var decided sql.NullInt64
	err := sc.Scan(&r.ID, &r.Status, &r.OrgID, &r.OrgName, &r.PersonID, &r.ExistingID, &r.RequestedBy, &r.CreatedAt,
		&r.DecidedBy, &decided, &r.Reason, &r.path)
	r.DecidedAt = regkit.Ptr(decided)
	return r, err
}

// review loads one review with its two records (those still registered).
func (s *Service) review(ctx context.Context, q db.Querier, id string) (DuplicateReview, error) {
	r, err := scanReview(q.QueryRowContext(ctx, "SELECT "+reviewCols+" WHERE r.id = ?", id))
	if err != nil {
		return r, err
	}
	return r, s.fillReview(ctx, q, &r)
}

// fillReview loads the two records of r, masked as lists show them.
func (s *Service) fillReview(ctx context.Context, q db.Querier, r *DuplicateReview) error {
	for _, x := range []struct {
		id  string
		dst **Person
	}{{r.PersonID, &r.Person}, {r.ExistingID, &r.Existing}} {
		p, err := s.person(ctx, q, x.id)
		if err == nil {
			*x.dst = &p
		} else if !apperr.Is(err, "not_found") {
			return err
		}
	}
	return nil
}

// DuplicateReviews lists the reviews of the caller's registry.write area,
// pending ones by default (status: pending, transferred, rejected,
// withdrawn), oldest first.
func (s *Service) DuplicateReviews(ctx context.Context, status string) ([]DuplicateReview, error) {
	if status == "" {
		status = "pending"
	}
	var f apperr.Fields
	regkit.OneOf(&f, "status", status, []string{"pending", "transferred", "rejected", "withdrawn"}, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	scope, args := authz.ScopeSQL("r.path", authz.From(ctx).Scopes(authz.RegistryWrite))
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+reviewCols+" WHERE r.status = ? AND "+scope+" ORDER BY r.created_at, r.id LIMIT 200",
		append([]any{status}, args...)...)
	if err != nil {
		return nil, err
	}
	list := []DuplicateReview{}
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range list {
		if err := s.fillReview(ctx, s.db.Reader(), &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// ResolveDuplicate decides a pending review. "transfer": the registered
// person moves into the new record's grid, household, house and unit (with
// the newer phone and precise address when the new record has them), keeps
// their history and key-person and care records, and the new copy is
// removed. "reject": the new copy is removed. Both are audited; the caller
// needs registry.write over the review's node.
func (s *Service) ResolveDuplicate(ctx context.Context, id string, in DuplicateDecision) (DuplicateReview, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "decision", in.Decision, []string{"transfer", "reject"}, true)
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Decision == "reject" && in.Reason == "" {
		f.Add("reason", "registry.required")
	}
	regkit.CheckLen(&f, "reason", in.Reason, 500)
	if err := f.Err(); err != nil {
		return DuplicateReview{}, err
	}
	who := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.review(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !who.Covers(authz.RegistryWrite, r.path)) {
			return apperr.NotFoundf("duplicate_review")
		}
		if err != nil {
			return err
		}
		if r.Status != "pending" || r.Person == nil || r.Existing == nil {
			return apperr.E(apperr.Conflict, "registry.review_decided")
		}
		// Either record may have moved since the review opened.
		if !who.Covers(authz.RegistryWrite, r.Person.path) || !who.Covers(authz.RegistryWrite, r.Existing.path) {
			return apperr.NotFoundf("duplicate_review")
		}
		if in.Decision == "reject" {
			if err := s.closeReview(ctx, tx, id, "rejected", in.Reason); err != nil {
				return err
			}
			return s.purgePerson(ctx, tx, r.PersonID, "deleted")
		}
		if r.Existing.Status == "deceased" {
			return apperr.E(apperr.Conflict, "registry.person_deceased")
		}
		if err := s.closeReview(ctx, tx, id, "transferred", in.Reason); err != nil {
			return err
		}
		return s.transferInto(ctx, tx, r.ExistingID, r.PersonID)
	})
	if err != nil {
		return DuplicateReview{}, err
	}
	return s.review(ctx, s.db.Reader(), id)
}

// transferInto moves the registered person existing into the place and links
// of the pending copy, then removes the copy.
func (s *Service) transferInto(ctx context.Context, tx *db.Tx, existing, copyID string) error {
	var c struct {
		name, address, phoneSealed, phoneBlind, phoneMasked, addrSealed, addrMasked, relation, residence string
		grid, org, path                                                                                  string
		household, house, unit                                                                           sql.NullString
	}
	if err := tx.QueryRowContext(ctx, `SELECT name, address, phone_sealed, COALESCE(phone_blind, ''), phone_masked, address_sealed, address_masked,
		relation, residence, grid_id, org_id, path, household_id, house_id, unit_id FROM people WHERE id = ?`, copyID).Scan(&c.name, &c.address,
		&c.phoneSealed, &c.phoneBlind, &c.phoneMasked, &c.addrSealed, &c.addrMasked, &c.relation, &c.residence, &c.grid, &c.org, &c.path,
		&c.household, &c.house, &c.unit); err != nil {
		return err
	}
	// The copy's personal values are sealed to its row: open them and seal
	// them again to the registered person's.
	set := []string{"grid_id = ?", "org_id = ?", "path = ?", "household_id = ?", "relation = ?", "house_id = ?", "residence = ?", "unit_id = ?",
		"status = 'active'", "moved_in_at = ?", "moved_out_at = NULL", "version = version + 1", "updated_at = ?"}
	now := s.Now().UnixMilli()
	args := []any{c.grid, c.org, c.path, c.household, c.relation, c.house, c.residence, c.unit, now, now}
	fields := []string{"grid_id"}
	if c.phoneSealed != "" {
		v, err := s.vault.Open("people.phone", copyID, c.phoneSealed)
		if err != nil {
			return err
		}
		set = append(set, "phone_sealed = ?", "phone_blind = ?", "phone_masked = ?")
		args = append(args, s.vault.Seal("people.phone", existing, v), c.phoneBlind, c.phoneMasked)
		fields = append(fields, "phone")
	}
	if c.addrSealed != "" {
		v, err := s.vault.Open("people.address", copyID, c.addrSealed)
		if err != nil {
			return err
		}
		set = append(set, "address_sealed = ?", "address_masked = ?", "address = ?")
		args = append(args, s.vault.Seal("people.address", existing, v), c.addrMasked, c.address)
		fields = append(fields, "address_detail")
	}
	if err := s.purgePerson(ctx, tx, copyID, "merged"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE people SET "+strings.Join(set, ", ")+" WHERE id = ?", append(args, existing)...); err != nil {
		return err
	}
	if err := s.tell(func(f Follower) error { return f.PersonMoved(ctx, tx, existing, c.path) }); err != nil {
		return err
	}
	var name, address string
	if err := tx.QueryRowContext(ctx, "SELECT name, address FROM people WHERE id = ?", existing).Scan(&name, &address); err != nil {
		return err
	}
	if err := search.Index(ctx, tx, "person", existing, c.path, name, name, address); err != nil {
		return err
	}
	if err := s.logChange(ctx, tx, "person", existing, "transferred_in", fields...); err != nil {
		return err
	}
	return s.record(ctx, tx, authz.RegistryWrite, "registry.person_transfer_in", "person", existing, strings.Join(fields, ","))
}
