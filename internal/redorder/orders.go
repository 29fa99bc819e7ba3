package redorder

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/points"
)

// PlaceInput places an order. The place is a grid, or a position the grid
// is found by. ResidentName and ResidentPhone make it a 红色代办: entered
// by a party member or grid member on the resident's behalf.
type PlaceInput struct {
	Kind          string   `json:"kind"`
	Need          string   `json:"need"`
	Address       string   `json:"address,omitempty"`
	Wanted        string   `json:"wanted,omitempty"`
	GridID        string   `json:"grid_id,omitempty"`
	Lat           *float64 `json:"lat,omitempty"`
	Lng           *float64 `json:"lng,omitempty"`
	ResidentName  string   `json:"resident_name,omitempty"`
	ResidentPhone string   `json:"resident_phone,omitempty"`
}

// AssignInput gives an order to a member or a group of the branch (下单).
type AssignInput struct {
	MemberID string `json:"member_id,omitempty"`
	GroupID  string `json:"group_id,omitempty"`
	Version  int    `json:"version"`
}

// HandOnInput hands an order on as an event (with its category) or a
// dispute case (with its type) when it is not a service.
type HandOnInput struct {
	Kind         string `json:"kind"` // event, dispute
	CategoryCode string `json:"category_code,omitempty"`
	DisputeType  string `json:"dispute_type,omitempty"`
	Note         string `json:"note,omitempty"`
	Version      int    `json:"version"`
}

// ResultInput records what was done, with up to three photos (base64 JPEG
// or PNG; the metadata is stripped).
type ResultInput struct {
	Result  string   `json:"result"`
	Photos  []string `json:"photos,omitempty"`
	Version int      `json:"version"`
}

// ConfirmInput is the resident's confirmation and rating (1–5).
type ConfirmInput struct {
	Rating  int    `json:"rating"`
	Comment string `json:"comment,omitempty"`
	Version int    `json:"version"`
}

// VersionInput carries only the version (accept).
type VersionInput struct {
	Version int `json:"version"`
}

// MaxPhotos is the most photos a result takes.
const MaxPhotos = 3

func textLen(f *apperr.Fields, field, v string, min, max int) {
	if n := len([]rune(v)); n < min || n > max {
		f.Add(field, "validation.length", "min", min, "max", max)
	}
}

// Place places an order under the caller's Idempotency-Key: a retry (the
// phone's outbox sending again) answers with the order the first made.
func (s *Service) Place(ctx context.Context, in PlaceInput, key idem.Key) (Order, error) {
	p := authz.From(ctx)
	var f apperr.Fields
	if !slices.Contains(Kinds, in.Kind) {
		f.Add("kind", "validation.one_of", "values", strings.Join(Kinds, ", "))
	}
	in.Need, in.Address, in.Wanted = strings.TrimSpace(in.Need), strings.TrimSpace(in.Address), strings.TrimSpace(in.Wanted)
	in.ResidentName = strings.TrimSpace(in.ResidentName)
	textLen(&f, "need", in.Need, 2, 500)
	textLen(&f, "address", in.Address, 0, 200)
	textLen(&f, "wanted", in.Wanted, 0, 50)
	proxy := in.ResidentName != "" || strings.TrimSpace(in.ResidentPhone) != ""
	phone := ""
	if proxy {
		textLen(&f, "resident_name", in.ResidentName, 2, 20)
		var err error
		if phone, err = pii.NormalizePhone("resident_phone", in.ResidentPhone); err != nil {
			f.Add("resident_phone", "phone.invalid")
		}
	}
	if in.GridID == "" && (in.Lat == nil || in.Lng == nil) {
		f.Add("grid_id", "redorder.place_required")
	}
	if err := f.Err(); err != nil {
		return Order{}, err
	}
	var g org.GridPlace
	if in.GridID != "" {
		var err error
		g, err = org.MainGrid(ctx, s.db.Reader(), in.GridID, "")
		if errors.Is(err, sql.ErrNoRows) {
			return Order{}, apperr.Field("grid_id", "redorder.grid_outside")
		}
		if err != nil {
			return Order{}, err
		}
	} else {
		// The grid holding the point, whoever may read the grids: the
		// caller's own right to place orders there is checked below.
		hits, err := s.grids.Locate(authz.WithPrincipal(ctx, authz.System()), "", geo.Point{Lat: *in.Lat, Lng: *in.Lng})
		if err != nil {
			return Order{}, err
		}
		if len(hits) == 0 {
			return Order{}, apperr.Field("grid_id", "redorder.grid_outside")
		}
		g = org.GridPlace{ID: hits[0].GridID, OrgID: hits[0].OrgID, Path: hits[0].Path}
	}
	if !p.Covers(authz.RedOrderPlace, g.Path) {
		return Order{}, apperr.Field("grid_id", "redorder.grid_outside")
	}
	if proxy && !p.Covers(authz.RedOrderServe, g.Path) && !p.Covers(authz.GridworkDo, g.Path) {
		return Order{}, apperr.Field("resident_name", "redorder.proxy_not_yours")
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			return s.place(ctx, tx, p, in, g, proxy, phone)
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.Place(ctx, in, key)
	}
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, id)
}

func (s *Service) place(ctx context.Context, tx *db.Tx, p *authz.Principal, in PlaceInput, g org.GridPlace, proxy bool, phone string) (string, error) {
	branch, err := party.BranchOverGrid(ctx, tx, g.ID, g.Path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Field("grid_id", "redorder.no_branch")
	}
	if err != nil {
		return "", err
	}
	t, err := timesIn(ctx, tx)
	if err != nil {
		return "", err
	}
	id := db.NewID()
	now := s.Now().UnixMilli()
	channel, nameS, nameM, phoneS, phoneM := "online", "", "", "", ""
	if proxy {
		channel = "proxy"
		nameS, phoneS = s.SealResident(id, in.ResidentName, phone)
		nameM, phoneM = pii.MaskName(in.ResidentName), pii.MaskPhone(phone)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO red_orders (id, kind, need, address, wanted, grid_id, org_id, path, branch_id, home_branch_id, channel, placed_by,
		resident_name_sealed, resident_name_masked, resident_phone_sealed, resident_phone_masked, status, accept_due, placed_at, month, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'placed', ?, ?, ?, ?)`,
		id, in.Kind, pii.MaskText(in.Need), in.Address, in.Wanted, g.ID, g.OrgID, g.Path, branch.ID, branch.ID, channel, p.UserID,
		nameS, nameM, phoneS, phoneM, now+int64(t.AcceptHours)*3600_000, now, points.MonthOf(now), now)
	if err != nil {
		return "", err
	}
	if err := s.step(ctx, tx, id, "placed", branch.ID, "", p.UserID, channel, now); err != nil {
		return "", err
	}
	return id, s.record(ctx, tx, authz.RedOrderPlace, "redorder.place", "red_order", id, channel)
}

func (s *Service) step(ctx context.Context, tx db.Querier, orderID, kind, partyOrg, member, user, note string, at int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO red_order_steps (id, order_id, kind, party_org_id, member_id, user_id, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		db.NewID(), orderID, kind, partyOrg, member, user, note, at)
	return err
}

// row is an order's own fields the checks need.
type row struct {
	id, status, kind, path, orgID, gridID, branchID, homeBranch, groupID, memberID, placedBy, channel, need, address, nameSealed string
	version                                                                                                                      int
	serveDue                                                                                                                     *int64
}

func (s *Service) row(ctx context.Context, q db.Querier, id string) (row, error) {
	var r row
	err := q.QueryRowContext(ctx, `SELECT id, status, kind, path, org_id, grid_id, branch_id, home_branch_id, COALESCE(group_id, ''), COALESCE(member_id, ''),
		placed_by, channel, need, address, resident_name_sealed, version, serve_due FROM red_orders WHERE id = ?`, id).Scan(&r.id, &r.status, &r.kind, &r.path, &r.orgID,
		&r.gridID, &r.branchID, &r.homeBranch, &r.groupID, &r.memberID, &r.placedBy, &r.channel, &r.need, &r.address, &r.nameSealed, &r.version, &r.serveDue)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFoundf("red_order")
	}
	return r, err
}

// managed loads an order the caller manages (redorder.manage over its
// area) for a change at version.
func (s *Service) managed(ctx context.Context, tx db.Querier, id string, version int, statuses ...string) (row, error) {
	r, err := s.row(ctx, tx, id)
	if err != nil {
		return r, err
	}
	if !authz.From(ctx).Covers(authz.RedOrderManage, r.path) {
		return r, apperr.NotFoundf("red_order")
	}
	return r, check(r, version, statuses...)
}

func check(r row, version int, statuses ...string) error {
	if version != r.version {
		return apperr.E(apperr.Conflict, "redorder.stale", "version", r.version)
	}
	if !slices.Contains(statuses, r.status) {
		return apperr.E(apperr.Conflict, "redorder.wrong_status", "status", r.status)
	}
	return nil
}

// Assign gives a placed (or given-back) order to a member or a group of
// the branch holding it, with a fresh time to accept.
func (s *Service) Assign(ctx context.Context, id string, in AssignInput) (Order, error) {
	if (in.MemberID == "") == (in.GroupID == "") {
		return Order{}, apperr.Field("member_id", "redorder.member_or_group")
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.managed(ctx, tx, id, in.Version, Placed, Assigned)
		if err != nil {
			return err
		}
		var member, group any
		partyOrg := ""
		if in.MemberID != "" {
			m, err := party.MemberByID(ctx, tx, in.MemberID, "member_id")
			if err != nil {
				return err
			}
			if ok, err := party.Within(ctx, tx, m.PartyOrgID, r.branchID); err != nil {
				return err
			} else if !ok || m.Status != "active" {
				return apperr.Field("member_id", "redorder.member_outside_branch")
			}
			member, partyOrg = m.ID, m.PartyOrgID
		} else {
			o, err := party.OrgByID(ctx, tx, in.GroupID, "group_id")
			if err != nil {
				return err
			}
			if ok, err := party.Within(ctx, tx, o.ID, r.branchID); err != nil {
				return err
			} else if !ok || o.Status != "active" {
				return apperr.Field("group_id", "redorder.member_outside_branch")
			}
			group, partyOrg = o.ID, o.ID
		}
		t, err := timesIn(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `UPDATE red_orders SET status = 'assigned', member_id = ?, group_id = ?, accept_due = ?, version = version + 1,
			updated_at = ? WHERE id = ? AND version = ?`, member, group, now+int64(t.AcceptHours)*3600_000, now, id, in.Version); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, "assigned", r.kind, in.MemberID, ""); err != nil {
			return err
		}
		if err := s.step(ctx, tx, id, "assigned", partyOrg, in.MemberID, p.UserID, "", now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RedOrderManage, "redorder.assign", "red_order", id, "")
	})
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, id)
}

// HandOn hands an order that is not a service on as an event of the
// closed loop or a dispute case, and closes it as handed on.
func (s *Service) HandOn(ctx context.Context, id string, in HandOnInput) (Order, error) {
	var f apperr.Fields
	switch in.Kind {
	case "event":
		if in.CategoryCode == "" {
			f.Add("category_code", "validation.required")
		}
	case "dispute":
		if !slices.Contains(dispute.Types, in.DisputeType) {
			f.Add("dispute_type", "validation.one_of", "values", strings.Join(dispute.Types, ", "))
		}
	default:
		f.Add("kind", "validation.one_of", "values", "event, dispute")
	}
	in.Note = strings.TrimSpace(in.Note)
	textLen(&f, "note", in.Note, 0, 500)
	if err := f.Err(); err != nil {
		return Order{}, err
	}
	p := authz.From(ctx)
	r, err := s.managed(ctx, s.db.Reader(), id, in.Version, Placed, Assigned)
	if err != nil {
		return Order{}, err
	}
	ref := ""
	if in.Kind == "event" {
		// The event is taken in first, under a key of the order: a retry
		// after a lost answer finds it instead of making another.
		rep := casework.Report{Channel: "grid", CategoryCode: in.CategoryCode, Description: strings.TrimSpace(r.need + "\n" + r.address + "\n" + in.Note)}
		if pt, ok, err := org.InsidePoint(ctx, s.db.Reader(), r.orgID, r.gridID); err != nil {
			return Order{}, err
		} else if ok {
			rep.Lat, rep.Lng = &pt.Lat, &pt.Lng
		}
		e, _, err := s.events.Create(ctx, rep, idem.Key{Scope: "redorder:hand_on", Key: id, Fingerprint: idem.Fingerprint(in)})
		if err != nil {
			return Order{}, err
		}
		ref = e.ID
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.managed(ctx, tx, id, in.Version, Placed, Assigned)
		if err != nil {
			return err
		}
		if in.Kind == "dispute" {
			name := s.residentName(ctx, tx, r)
			c, err := s.disputes.OpenTx(ctx, tx, authz.System(), dispute.Intake{Source: "grid", SourceRef: id, OrgID: r.orgID, Type: in.DisputeType,
				Title: title(r.need), Facts: strings.TrimSpace(r.need + "\n" + in.Note), Parties: []dispute.PartyIn{{Role: "applicant", Name: name}}})
			if err != nil {
				return err
			}
			ref = c.ID
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `UPDATE red_orders SET status = 'handed_on', handed_kind = ?, handed_ref = ?, done_at = ?, version = version + 1,
			updated_at = ? WHERE id = ? AND version = ?`, in.Kind, ref, now, now, id, in.Version); err != nil {
			return err
		}
		if err := s.step(ctx, tx, id, "handed_on", r.branchID, "", p.UserID, in.Kind, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RedOrderManage, "redorder.hand_on", "red_order", id, in.Kind)
	})
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, id)
}

// residentName is the resident's name: the one entered for a 红色代办, or
// the placing account's.
func (s *Service) residentName(ctx context.Context, q db.Querier, r row) string {
	if r.nameSealed != "" {
		if n, err := s.vault.Open("red_orders.resident_name", r.id, r.nameSealed); err == nil {
			return n
		}
	}
	var name string
	q.QueryRowContext(ctx, "SELECT u.display_name FROM red_orders o JOIN users u ON u.id = o.placed_by WHERE o.id = ?", r.id).Scan(&name)
	return name
}

func title(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	if r := []rune(line); len(r) > 30 {
		return string(r[:30])
	}
	return line
}

// member is the caller as a party member: their membership and branch.
func (s *Service) member(ctx context.Context, q db.Querier) (party.Member, party.Org, error) {
	m, err := party.MemberOfUser(ctx, q, authz.From(ctx).UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return m, party.Org{}, apperr.E(apperr.Forbidden, "redorder.not_member")
	}
	if err != nil {
		return m, party.Org{}, err
	}
	b, err := party.BranchOf(ctx, q, m)
	return m, b, err
}

// eligible reports whether member m (of branch b) may take order r: the
// order is held by the member's branch or an organisation above it (given
// up to the committee), and, when given to a group or a member, it is the
// member's group or the member.
func eligible(ctx context.Context, q db.Querier, m party.Member, b party.Org, r row) (bool, error) {
	if ok, err := party.Within(ctx, q, b.ID, r.branchID); err != nil || !ok {
		return false, err
	}
	if r.memberID != "" {
		return r.memberID == m.ID, nil
	}
	if r.groupID != "" {
		return party.Within(ctx, q, m.PartyOrgID, r.groupID)
	}
	return true, nil
}

// Accept takes an order (接单): the caller is a party member of the branch
// holding it (or of a branch under the committee it was given up to). A
// member outside that branch's area is refused.
func (s *Service) Accept(ctx context.Context, id string, in VersionInput) (Order, error) {
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.row(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.Covers(authz.RedOrderServe, r.path) {
			if p.Has(authz.RedOrderServe) {
				return apperr.E(apperr.Unprocessable, "redorder.outside_branch")
			}
			return apperr.NotFoundf("red_order")
		}
		m, b, err := s.member(ctx, tx)
		if err != nil {
			return err
		}
		if ok, err := party.Within(ctx, tx, b.ID, r.branchID); err != nil {
			return err
		} else if !ok {
			return apperr.E(apperr.Unprocessable, "redorder.outside_branch")
		}
		if ok, err := eligible(ctx, tx, m, b, r); err != nil {
			return err
		} else if !ok {
			return apperr.E(apperr.Conflict, "redorder.assigned_to_another")
		}
		if err := check(r, in.Version, Placed, Assigned); err != nil {
			return err
		}
		t, err := timesIn(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `UPDATE red_orders SET status = 'accepted', member_id = ?, accepted_at = ?, serve_due = ?, version = version + 1,
			updated_at = ? WHERE id = ? AND version = ?`, m.ID, now, now+int64(t.ServeDays)*24*3600_000, now, id, in.Version); err != nil {
			return err
		}
		if err := s.step(ctx, tx, id, "accepted", m.PartyOrgID, m.ID, p.UserID, "", now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RedOrderServe, "redorder.accept", "red_order", id, "")
	})
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, id)
}

// Result records what the member who accepted the order did, with photos.
func (s *Service) Result(ctx context.Context, id string, in ResultInput) (Order, error) {
	var f apperr.Fields
	in.Result = strings.TrimSpace(in.Result)
	textLen(&f, "result", in.Result, 2, 500)
	if err := f.Err(); err != nil {
		return Order{}, err
	}
	pics, err := photo.FromBase64(ctx, "photos", in.Photos, MaxPhotos)
	if err != nil {
		return Order{}, err
	}
	p := authz.From(ctx)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.row(ctx, tx, id)
		if err != nil {
			return err
		}
		m, err := party.MemberOfUser(ctx, tx, p.UserID)
		if err != nil || r.memberID != m.ID || !p.Covers(authz.RedOrderServe, r.path) {
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			return apperr.NotFoundf("red_order")
		}
		if err := check(r, in.Version, Accepted); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		late := 0
		if r.serveDue != nil && now > *r.serveDue {
			late = 1
		}
		if _, err := tx.ExecContext(ctx, `UPDATE red_orders SET status = 'served', result = ?, served_at = ?, late = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, pii.MaskText(in.Result), now, late, now, id, in.Version); err != nil {
			return err
		}
		for i, pc := range pics {
			if _, err := tx.ExecContext(ctx, "INSERT INTO red_order_photos (id, order_id, seq, content_type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				db.NewID(), id, i+1, pc.Type, pc.Data, now); err != nil {
				return err
			}
		}
		if err := s.step(ctx, tx, id, "served", m.PartyOrgID, m.ID, p.UserID, "", now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RedOrderServe, "redorder.result", "red_order", id, "")
	})
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, id)
}

// Confirm is the resident's confirmation and rating of a served order; an
// order entered on a resident's behalf is confirmed on a grid member's
// return visit (gridwork.do over its area), never by the member who served
// it. The member's points are credited in the same transaction: a
// confirmed order and its points are written together or not at all.
func (s *Service) Confirm(ctx context.Context, id string, in ConfirmInput) (Order, error) {
	var f apperr.Fields
	if in.Rating < 1 || in.Rating > 5 {
		f.Add("rating", "validation.range", "min", 1, "max", 5)
	}
	in.Comment = strings.TrimSpace(in.Comment)
	textLen(&f, "comment", in.Comment, 0, 200)
	if err := f.Err(); err != nil {
		return Order{}, err
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.row(ctx, tx, id)
		if err != nil {
			return err
		}
		by := ""
		switch {
		case r.channel == "online" && r.placedBy == p.UserID:
			by = "resident"
		case r.channel == "proxy" && p.Covers(authz.GridworkDo, r.path):
			by = "return_visit"
			if m, err := party.MemberOfUser(ctx, tx, p.UserID); err == nil && m.ID == r.memberID {
				return apperr.E(apperr.Forbidden, "redorder.own_service")
			}
		default:
			return apperr.NotFoundf("red_order")
		}
		if err := check(r, in.Version, Served); err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `UPDATE red_orders SET status = 'done', rating = ?, comment = ?, confirmed_by = ?, done_at = ?, version = version + 1,
			updated_at = ? WHERE id = ? AND version = ?`, in.Rating, pii.MaskText(in.Comment), by, now, now, id, in.Version); err != nil {
			return err
		}
		if err := s.step(ctx, tx, id, "confirmed", "", r.memberID, p.UserID, by, now); err != nil {
			return err
		}
		if err := s.credit(ctx, tx, r.memberID, id, points.OrderDone, now); err != nil {
			return err
		}
		if in.Rating >= 4 {
			if err := s.credit(ctx, tx, r.memberID, id, points.OrderGoodRating, now); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.RedOrderPlace, "redorder.confirm", "red_order", id, by)
	})
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, id)
}

// credit writes a rule's points for an order to its member.
func (s *Service) credit(ctx context.Context, tx db.Querier, memberID, orderID, rule string, at int64) error {
	if memberID == "" {
		return nil
	}
	c, err := points.SubjectOfMember(ctx, tx, memberID)
	if err != nil {
		return err
	}
	c.Rule, c.SourceKind, c.SourceID, c.At = rule, "red_order", orderID, at
	_, err = points.CreditTx(ctx, tx, c)
	return err
}

// Photo returns a result photo of an order the caller may see.
func (s *Service) Photo(ctx context.Context, id string, seq int) ([]byte, string, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, "", err
	}
	var data []byte
	var ct string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT data, content_type FROM red_order_photos WHERE order_id = ? AND seq = ?", id, seq).Scan(&data, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.NotFoundf("red_order_photo")
	}
	return data, ct, err
}
