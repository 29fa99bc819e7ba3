package dispute

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// PartyIn is one party as taken in. Phone and IDNumber are sealed;
// PersonID links the party to a person of the registers where there is one.
type PartyIn struct {
	Role     string `json:"role"` // applicant, respondent, third
	Name     string `json:"name"`
	Phone    string `json:"phone,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
	PersonID string `json:"person_id,omitempty"`
}

// Intake takes a case in at the one door. Amount is in yuan, with at most
// two decimals (kept in fen). Complexity, Route and RouteReason classify it
// at once (繁简分流 and the route, with the reason); left empty, or filed by
// a caller who holds dispute.report but not dispute.write there, the case
// lands as registered for a dispute.write holder to classify. SourceRef is
// the id of the finding, petition or call it came from; EventID the event
// it was turned from (source "event").
type Intake struct {
	Source      string    `json:"source"`
	SourceRef   string    `json:"source_ref,omitempty"`
	OrgID       string    `json:"org_id"`
	Type        string    `json:"type"`
	Title       string    `json:"title"`
	Facts       string    `json:"facts"`
	Claims      string    `json:"claims,omitempty"`
	Amount      *float64  `json:"amount,omitempty"`
	Complexity  string    `json:"complexity,omitempty"`
	Route       string    `json:"route,omitempty"`
	RouteReason string    `json:"route_reason,omitempty"`
	Parties     []PartyIn `json:"parties"`
	EventID     string    `json:"event_id,omitempty"`
}

// partyRow is a party checked and sealed, ready to insert.
type partyRow struct {
	id, role, name, personID             string
	phoneSealed, phoneBlind, phoneMasked string
	idSealed, idBlind, idMasked          string
}

// checkParties checks parties (field names "parties[i].x") and seals
// their values; two parties may not be one person (same register link or
// same ID number). existing are the blind indexes and person ids already
// on the case.
func (s *Service) checkParties(ctx context.Context, q db.Querier, f *apperr.Fields, in []PartyIn, start int, persons, blinds map[string]bool) []partyRow {
	out := make([]partyRow, 0, len(in))
	for i, pt := range in {
		at := "parties[" + itoa(start+i) + "]."
		r := partyRow{id: db.NewID(), role: pt.Role, name: strings.TrimSpace(pt.Name), personID: strings.TrimSpace(pt.PersonID)}
		regkit.OneOf(f, at+"role", pt.Role, Roles, true)
		if r.name == "" {
			f.Add(at+"name", "dispute.required")
		}
		regkit.CheckLen(f, at+"name", r.name, 50)
		if ph := strings.TrimSpace(pt.Phone); ph != "" {
			norm, err := pii.NormalizePhone(at+"phone", ph)
			if err != nil {
				regkit.Collect(f, err)
			} else {
				r.phoneSealed, r.phoneBlind, r.phoneMasked = s.SealPhone(r.id, norm)
			}
		}
		if idn := strings.TrimSpace(pt.IDNumber); idn != "" {
			info, err := pii.ParseID(at+"id_number", idn)
			if err != nil {
				regkit.Collect(f, err)
			} else {
				r.idSealed, r.idBlind, r.idMasked = s.vault.Seal("dispute_parties.id_number", r.id, info.Number), s.vault.Blind("people.id_number", info.Number), pii.MaskID(info.Number)
				if blinds[r.idBlind] {
					f.Add(at+"id_number", "dispute.same_party")
				}
				blinds[r.idBlind] = true
			}
		}
		if r.personID != "" {
			if _, _, err := s.reg.PersonPlace(ctx, q, r.personID, false); err != nil {
				f.Add(at+"person_id", "dispute.person_unknown")
			} else if persons[r.personID] {
				f.Add(at+"person_id", "dispute.same_party")
			}
			persons[r.personID] = true
		}
		out = append(out, r)
	}
	return out
}

// SealPhone seals the normalised phone of party partyID as a party row
// holds it: sealed, blind index and masked. The demo's bulk writer uses
// it to write the rows the service would.
func (s *Service) SealPhone(partyID, phone string) (sealed, blind, masked string) {
	return s.vault.Seal("dispute_parties.phone", partyID, phone), s.vault.Blind("people.phone", phone), pii.MaskPhone(phone)
}

func (s *Service) insertParties(ctx context.Context, tx *db.Tx, caseID string, rows []partyRow, start int, now int64) error {
	for i, r := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO dispute_parties (id, dispute_id, seq, role, name, person_id, phone_sealed, phone_blind, phone_masked,
			id_sealed, id_blind, id_masked, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.id, caseID, start+i+1, r.role, r.name, regkit.Nullable(r.personID), r.phoneSealed, regkit.Nullable(r.phoneBlind), r.phoneMasked,
			r.idSealed, regkit.Nullable(r.idBlind), r.idMasked, now); err != nil {
			return err
		}
	}
	return nil
}

// amountFen checks an amount in yuan and returns it in fen.
func amountFen(f *apperr.Fields, yuan *float64) any {
	if yuan == nil {
		return nil
	}
	v := *yuan
	fen := math.Round(v * 100)
	if v < 0 || v > maxAmountYuan || math.IsNaN(v) || math.Abs(v*100-fen) > 1e-6 {
		f.Add("amount", "dispute.amount_invalid")
		return nil
	}
	return int64(fen)
}

// checkRoute checks a classification: complexity, route and reason, all
// three or none.
func checkRoute(f *apperr.Fields, complexity, route, reason string) {
	regkit.OneOf(f, "complexity", complexity, Complexities, true)
	regkit.OneOf(f, "route", route, Routes, true)
	if len([]rune(strings.TrimSpace(reason))) < 2 {
		f.Add("route_reason", "dispute.reason_required")
	}
	regkit.CheckLen(f, "route_reason", reason, maxTextShort)
}

// Open takes a case in, in its own transaction (the HTTP intake), under
// the request's idempotency key: a retry with the same key and fields (a
// phone's outbox sending again after a lost answer) answers with the case
// the first made, and makes none.
func (s *Service) Open(ctx context.Context, in Intake, key idem.Key) (Case, error) {
	p := authz.From(ctx)
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			c, err := s.OpenTx(ctx, tx, p, in)
			return c.ID, err
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.Open(ctx, in, key) // another request with the key committed first: answer as it did
	}
	if err != nil {
		return Case{}, err
	}
	var path string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT path FROM disputes WHERE id = ?", id).Scan(&path); err != nil {
		return Case{}, err
	}
	switch {
	case p.Covers(authz.DisputeRead, path):
		return s.file(ctx, id, authz.DisputeRead)
	case p.Covers(authz.DisputeWrite, path):
		return s.scoped(ctx, s.db.Reader(), p, id, authz.DisputeWrite)
	}
	return s.scoped(ctx, s.db.Reader(), p, id, authz.DisputeReport) // a reporter sees what they filed, not the case file
}

// OpenTx takes a case in inside the caller's transaction: the screening
// rounds' findings and the petitions open cases through it. The caller p
// must hold dispute.report or dispute.write over the case's area; an event
// named by EventID must be one p sees as staff, and one already turned
// into a case answers 409 (dispute.event_taken) naming that case. The
// event's timeline gets a step naming the case number.
func (s *Service) OpenTx(ctx context.Context, tx *db.Tx, p *authz.Principal, in Intake) (Case, error) {
	ctx = authz.WithPrincipal(ctx, p)
	var f apperr.Fields
	regkit.OneOf(&f, "source", in.Source, Sources, true)
	regkit.OneOf(&f, "type", in.Type, Types, true)
	in.Title, in.Facts, in.Claims = strings.TrimSpace(in.Title), strings.TrimSpace(in.Facts), strings.TrimSpace(in.Claims)
	if in.Title == "" {
		f.Add("title", "dispute.required")
	}
	regkit.CheckLen(&f, "title", in.Title, 100)
	if in.Facts == "" {
		f.Add("facts", "dispute.required")
	}
	regkit.CheckLen(&f, "facts", in.Facts, maxTextLong)
	regkit.CheckLen(&f, "claims", in.Claims, maxTextLong)
	regkit.CheckLen(&f, "source_ref", in.SourceRef, 100)
	amount := amountFen(&f, in.Amount)
	if in.EventID != "" && in.Source != "event" {
		f.Add("source", "dispute.event_source")
	}
	path := ""
	if in.OrgID == "" {
		f.Add("org_id", "dispute.required")
	} else {
		var err error
		path, err = org.PathOf(ctx, tx, in.OrgID, "org_id")
		if err == nil && !p.Covers(authz.DisputeReport, path) && !p.Covers(authz.DisputeWrite, path) {
			err = apperr.Field("org_id", "org.not_found")
		}
		if err := regkit.Collect(&f, err); err != nil {
			return Case{}, err
		}
	}
	writer := path != "" && p.Covers(authz.DisputeWrite, path)
	classify := writer && (in.Complexity != "" || in.Route != "" || in.RouteReason != "")
	if classify {
		checkRoute(&f, in.Complexity, in.Route, in.RouteReason)
	}
	applicants := 0
	for _, pt := range in.Parties {
		if pt.Role == "applicant" {
			applicants++
		}
	}
	// A case from a screening finding or a petition may come without
	// names yet (they are added on the case); every other intake names an
	// applicant.
	if applicants == 0 && (len(in.Parties) > 0 || (in.Source != "screening" && in.Source != "petition")) {
		f.Add("parties", "dispute.applicant_required")
	}
	if len(in.Parties) > maxPartiesCase {
		f.Add("parties", "dispute.too_many_parties", "max", maxPartiesCase)
	}
	parties := s.checkParties(ctx, tx, &f, in.Parties, 0, map[string]bool{}, map[string]bool{})
	if err := f.Refuse(); err != nil {
		return Case{}, err
	}
	var ev casework.EventBrief
	if in.EventID != "" {
		var err error
		if ev, err = s.events.Brief(ctx, in.EventID); err != nil {
			return Case{}, err // another area's event is not found, as an unknown one
		}
		if ev.OrgID != in.OrgID {
			return Case{}, apperr.Refuse("org_id", "dispute.event_area")
		}
		if err := s.eventTaken(ctx, tx, in.EventID); err != nil {
			return Case{}, err
		}
	}
	now := s.Now()
	at := now.UnixMilli()
	id := db.NewID()
	day := now.In(zone).Format("20060102")
	no, err := nextNo(ctx, tx, "JF"+day, "dispute:"+day)
	if err != nil {
		return Case{}, err
	}
	status, complexity, route, reason := "registered", "", "", ""
	if classify {
		status, complexity, route, reason = "accepted", in.Complexity, in.Route, strings.TrimSpace(in.RouteReason)
	}
	level, err := areaLevel(ctx, tx, in.OrgID)
	if err != nil {
		return Case{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO disputes (id, no, source, source_ref, event_id, org_id, path, type, title, facts, claims, amount_fen,
		complexity, route, route_reason, status, registered_at, due_at, created_by, created_at, updated_at, level)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, no, in.Source, in.SourceRef, regkit.Nullable(in.EventID), in.OrgID, path, in.Type, in.Title, in.Facts, in.Claims, amount,
		complexity, route, reason, status, at, at+TargetDays*Day, p.UserID, at, at, level)
	if db.IsUniqueViolation(err) && in.EventID != "" {
		return Case{}, s.eventTaken(ctx, tx, in.EventID)
	}
	if err != nil {
		return Case{}, err
	}
	if err := s.insertParties(ctx, tx, id, parties, 0, at); err != nil {
		return Case{}, err
	}
	perm := authz.DisputeWrite
	if !writer {
		perm = authz.DisputeReport
	}
	note := ""
	if in.EventID != "" {
		note = ev.No
	}
	if err := s.step(ctx, tx, p, perm, id, "register", note, at); err != nil {
		return Case{}, err
	}
	if classify {
		if err := s.step(ctx, tx, p, perm, id, "classify", complexity+" → "+route+": "+reason, at); err != nil {
			return Case{}, err
		}
	}
	if in.EventID != "" {
		if err := s.events.LinkStep(ctx, tx, in.EventID, "dispute_case", no, now); err != nil {
			return Case{}, err
		}
	}
	return s.scoped(ctx, tx, p, id, perm)
}

// eventTaken answers 409 naming the case event id was already turned into,
// or nil when there is none.
func (s *Service) eventTaken(ctx context.Context, q db.Querier, eventID string) error {
	var id, no string
	err := q.QueryRowContext(ctx, "SELECT id, no FROM disputes WHERE event_id = ?", eventID).Scan(&id, &no)
	if err == nil {
		return apperr.E(apperr.Conflict, "dispute.event_taken", "id", id, "no", no)
	}
	if errors.Is(err, errNoRows) {
		return nil
	}
	return err
}

// FromEventInput turns an event into a case.
type FromEventInput struct {
	EventID string `json:"event_id"`
}

// eventTypes maps the event categories of disputes (11xx 矛盾纠纷) to the
// case types.
var eventTypes = map[string]string{
	"1101": "neighbour", "1102": "marriage_family", "1103": "labour_wages", "1104": "land_forest", "1105": "property_mgmt",
}

// FromEvent turns an event of a dispute category into a case, registered
// for classification: its area, type (from the category), facts (the
// description) and the reporter as the applicant. The case keeps the event
// and the event's timeline names the case; a second conversion answers 409
// with the existing case.
func (s *Service) FromEvent(ctx context.Context, in FromEventInput) (Case, error) {
	if in.EventID == "" {
		return Case{}, apperr.Refuse("event_id", "dispute.required")
	}
	ev, err := s.events.Brief(ctx, in.EventID)
	if err != nil {
		return Case{}, err
	}
	if !strings.HasPrefix(ev.CategoryCode, "11") {
		return Case{}, apperr.Refuse("event_id", "dispute.event_not_dispute")
	}
	typ, ok := eventTypes[ev.CategoryCode]
	if !ok {
		typ = "other"
	}
	title := ev.CategoryName
	if d := []rune(ev.Description); len(d) > 0 {
		title += "：" + string(d[:min(len(d), 40)])
	}
	applicant := ev.ReporterName
	if strings.TrimSpace(applicant) == "" {
		applicant = "反映人"
	}
	return s.Open(ctx, Intake{Source: "event", SourceRef: ev.No, OrgID: ev.OrgID, Type: typ, Title: title, Facts: ev.Description,
		Parties: []PartyIn{{Role: "applicant", Name: applicant}}, EventID: ev.ID}, idem.Key{})
}

// PartiesInput adds parties to a case.
type PartiesInput struct {
	Parties []PartyIn `json:"parties"`
}

// AddParties adds parties to an open case (a case turned from an event
// starts with the reporter alone).
func (s *Service) AddParties(ctx context.Context, id string, in PartiesInput) (Case, error) {
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.scoped(ctx, tx, p, id, authz.DisputeWrite)
		if err != nil {
			return err
		}
		if !open(c.Status) {
			return apperr.E(apperr.Conflict, "dispute.closed")
		}
		existing, err := s.parties(ctx, tx, id)
		if err != nil {
			return err
		}
		persons, blinds := map[string]bool{}, map[string]bool{}
		rows, err := tx.QueryContext(ctx, "SELECT COALESCE(person_id, ''), COALESCE(id_blind, '') FROM dispute_parties WHERE dispute_id = ?", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var pid, blind string
			if err := rows.Scan(&pid, &blind); err != nil {
				rows.Close()
				return err
			}
			persons[pid], blinds[blind] = pid != "", blind != ""
		}
		rows.Close()
		var f apperr.Fields
		if len(in.Parties) == 0 {
			f.Add("parties", "dispute.required")
		}
		if len(existing)+len(in.Parties) > maxPartiesCase {
			f.Add("parties", "dispute.too_many_parties", "max", maxPartiesCase)
		}
		add := s.checkParties(ctx, tx, &f, in.Parties, 0, persons, blinds)
		if err := f.Refuse(); err != nil {
			return err
		}
		now := s.now()
		if err := s.insertParties(ctx, tx, id, add, len(existing), now); err != nil {
			return err
		}
		names := make([]string, len(add))
		for i, r := range add {
			names[i] = pii.MaskName(r.name)
		}
		return s.step(ctx, tx, p, authz.DisputeWrite, id, "parties", strings.Join(names, "、"), now)
	})
	if err != nil {
		return Case{}, err
	}
	return s.file(ctx, id, authz.DisputeWrite)
}

// dayStart is the start (Unix ms) of the day of ms in China.
func dayStart(ms int64) int64 {
	t := time.UnixMilli(ms).In(zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone).UnixMilli()
}
