package visit

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Outcomes of a reception item: answered on the spot, turned into an
// event, or into a dispute case.
var Outcomes = []string{"answer", "event", "dispute"}

// ItemInput is one resident who came and what they raised. Phone is
// sealed; Answer is the answer given (outcome answer), CategoryCode the
// event's category (outcome event), DisputeType the case's type (outcome
// dispute).
type ItemInput struct {
	Name         string `json:"name"`
	Phone        string `json:"phone,omitempty"`
	Matter       string `json:"matter"`
	Outcome      string `json:"outcome"`
	Answer       string `json:"answer,omitempty"`
	CategoryCode string `json:"category_code,omitempty"`
	DisputeType  string `json:"dispute_type,omitempty"`
}

// ReceptionInput records a Wednesday reception day of a village.
type ReceptionInput struct {
	OrgID     string      `json:"org_id"`
	Day       string      `json:"day"` // YYYY-MM-DD
	Receivers string      `json:"receivers"`
	Attendees int         `json:"attendees"`
	Items     []ItemInput `json:"items,omitempty"`
}

// Item is a reception item as shown: the name masked, the phone masked.
type Item struct {
	ID      string `json:"id"`
	Seq     int    `json:"seq"`
	Name    string `json:"name"`
	Phone   string `json:"phone_masked"`
	Matter  string `json:"matter"`
	Outcome string `json:"outcome"`
	Answer  string `json:"answer,omitempty"`
	RefID   string `json:"ref_id,omitempty"`
}

// Reception is a reception day with its items.
type Reception struct {
	ID        string `json:"id"`
	OrgID     string `json:"org_id"`
	OrgName   string `json:"org_name"`
	Day       string `json:"day"`
	Weekday   int    `json:"weekday"` // 3 for a Wednesday
	Receivers string `json:"receivers"`
	Attendees int    `json:"attendees"`
	Events    int    `json:"events"`
	Disputes  int    `json:"disputes"`
	Answers   int    `json:"answers"`
	Items     []Item `json:"items"`
	path      string
}

// mayReceive tells whether the caller records receptions at path: the
// members who staff them (gridwork.do) and the centres (gridwork.steer).
func mayReceive(p *authz.Principal, path string) bool {
	return p.Covers(authz.GridworkDo, path) || p.Covers(authz.GridworkSteer, path)
}

// mayAny refuses a caller who holds none of perms anywhere.
func mayAny(ctx context.Context, perms ...authz.Perm) error {
	p := authz.From(ctx)
	for _, perm := range perms {
		if p.Has(perm) {
			return nil
		}
	}
	return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(perms[0]))
}

type itemRow struct {
	ItemInput
	id, phoneSealed, phoneMasked, refID string
}

func (s *Service) checkItems(f *apperr.Fields, items []ItemInput, start int) []itemRow {
	out := make([]itemRow, 0, len(items))
	for i, it := range items {
		at := "items[" + itoa(start+i) + "]."
		r := itemRow{ItemInput: it, id: db.NewID()}
		r.Name, r.Matter, r.Answer = strings.TrimSpace(it.Name), strings.TrimSpace(it.Matter), strings.TrimSpace(it.Answer)
		if r.Name == "" {
			f.Add(at+"name", "visit.required")
		}
		regkit.CheckLen(f, at+"name", r.Name, 50)
		if r.Matter == "" {
			f.Add(at+"matter", "visit.required")
		}
		regkit.CheckLen(f, at+"matter", r.Matter, 1000)
		regkit.CheckLen(f, at+"answer", r.Answer, 1000)
		if ph := strings.TrimSpace(it.Phone); ph != "" {
			norm, err := pii.NormalizePhone(at+"phone", ph)
			if err != nil {
				regkit.Collect(f, err)
			} else {
				r.phoneSealed, r.phoneMasked = s.vault.Seal("reception_items.phone", r.id, norm), pii.MaskPhone(norm)
				r.Phone = norm
			}
		}
		regkit.OneOf(f, at+"outcome", it.Outcome, Outcomes, true)
		switch it.Outcome {
		case "answer":
			if r.Answer == "" {
				f.Add(at+"answer", "visit.required")
			}
		case "event":
			if it.CategoryCode == "" {
				f.Add(at+"category_code", "visit.required")
			}
		case "dispute":
			regkit.OneOf(f, at+"dispute_type", it.DisputeType, dispute.Types, true)
		}
		out = append(out, r)
	}
	return out
}

// CreateReception records a reception day with its items; items turned
// into events or cases are opened at once. key makes a retry from the
// phone's outbox answer with the first day.
func (s *Service) CreateReception(ctx context.Context, in ReceptionInput, key idem.Key) (Reception, error) {
	p := authz.From(ctx)
	if err := mayAny(ctx, authz.GridworkDo, authz.GridworkSteer); err != nil {
		return Reception{}, err
	}
	var f apperr.Fields
	in.Receivers = strings.TrimSpace(in.Receivers)
	if d, err := time.Parse(time.DateOnly, in.Day); err != nil {
		f.Add("day", "visit.date_invalid")
	} else if in.Day > dayOf(s.Now().UnixMilli()) || d.Before(s.Now().AddDate(-1, 0, 0)) {
		f.Add("day", "visit.date_range")
	}
	if in.Receivers == "" {
		f.Add("receivers", "visit.required")
	}
	regkit.CheckLen(&f, "receivers", in.Receivers, 200)
	if in.Attendees < 0 || in.Attendees > 1000 {
		f.Add("attendees", "visit.count_range", "max", 1000)
	}
	if len(in.Items) > 50 {
		f.Add("items", "visit.too_many", "max", 50)
	}
	rows := s.checkItems(&f, in.Items, 0)
	path := ""
	if in.OrgID == "" {
		f.Add("org_id", "visit.required")
	} else {
		var err error
		path, err = org.PathOf(ctx, s.db.Reader(), in.OrgID, "org_id")
		if err == nil && !mayReceive(p, path) {
			err = apperr.Field("org_id", "org.not_found")
		}
		if err := regkit.Collect(&f, err); err != nil {
			return Reception{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Reception{}, err
	}
	if err := s.itemEvents(ctx, in.OrgID, rows, 0, key); err != nil {
		return Reception{}, err
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			id := db.NewID()
			if _, err := tx.ExecContext(ctx, "INSERT INTO reception_days (id, org_id, path, day, receivers, attendees, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				id, in.OrgID, path, in.Day, in.Receivers, max(in.Attendees, len(rows)), nullable(p.UserID), s.Now().UnixMilli()); err != nil {
				return "", err
			}
			if err := s.insertItems(ctx, tx, p, id, in.OrgID, rows, 0); err != nil {
				return "", err
			}
			return id, s.record(ctx, tx, authz.GridworkDo, "visit.reception", "reception_day", id, in.Day+","+itoa(len(rows)))
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.CreateReception(ctx, in, key)
	}
	if err != nil {
		return Reception{}, err
	}
	return s.Reception(ctx, id)
}

// itemEvents reports the items turned into events, each under a key
// derived from the request's, before the day's transaction.
func (s *Service) itemEvents(ctx context.Context, orgID string, rows []itemRow, start int, key idem.Key) error {
	for i := range rows {
		if rows[i].Outcome != "event" {
			continue
		}
		k := idem.Key{}
		if key.Key != "" {
			k = idem.Key{Scope: key.Scope + ":event", Key: key.Key + "/" + itoa(start+i), Fingerprint: key.Fingerprint}
		}
		e, err := s.report(ctx, orgID, "", casework.Report{Channel: "walk_in", CategoryCode: rows[i].CategoryCode, Description: rows[i].Matter}, k)
		if err != nil {
			return prefix(err, "items["+itoa(start+i)+"].")
		}
		rows[i].refID = e.ID
	}
	return nil
}

func (s *Service) insertItems(ctx context.Context, tx *db.Tx, p *authz.Principal, dayID, orgID string, rows []itemRow, start int) error {
	now := s.Now().UnixMilli()
	for i, r := range rows {
		ref := r.refID
		if r.Outcome == "dispute" {
			c, err := s.disputes.OpenTx(ctx, tx, p, dispute.Intake{Source: "walk_in", SourceRef: dayID, OrgID: orgID, Type: r.DisputeType,
				Title: title(r.Matter), Facts: r.Matter, Parties: []dispute.PartyIn{{Role: "applicant", Name: r.Name, Phone: r.Phone}}})
			if err != nil {
				return prefix(err, "items["+itoa(start+i)+"].")
			}
			ref = c.ID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reception_items (id, day_id, seq, name, phone_sealed, phone_masked, matter, outcome, answer, ref_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.id, dayID, start+i+1, r.Name, r.phoneSealed, r.phoneMasked, pii.MaskText(r.Matter), r.Outcome, r.Answer, ref, now); err != nil {
			return err
		}
	}
	return nil
}

// AddItems adds items to a reception day.
func (s *Service) AddItems(ctx context.Context, dayID string, items []ItemInput, key idem.Key) (Reception, error) {
	p := authz.From(ctx)
	if err := mayAny(ctx, authz.GridworkDo, authz.GridworkSteer); err != nil {
		return Reception{}, err
	}
	d, err := s.reception(ctx, s.db.Reader(), dayID)
	if err != nil {
		return d, err
	}
	if !mayReceive(p, d.path) {
		return Reception{}, apperr.NotFoundf("reception_day")
	}
	var f apperr.Fields
	if len(items) == 0 || len(items)+len(d.Items) > 50 {
		f.Add("items", "visit.too_many", "max", 50)
	}
	rows := s.checkItems(&f, items, len(d.Items))
	if err := f.Err(); err != nil {
		return Reception{}, err
	}
	if err := s.itemEvents(ctx, d.OrgID, rows, len(d.Items), key); err != nil {
		return Reception{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		_, _, err := idem.Do(ctx, tx, key, func() (string, error) {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM reception_items WHERE day_id = ?", dayID).Scan(&n); err != nil {
				return "", err
			}
			if err := s.insertItems(ctx, tx, p, dayID, d.OrgID, rows, n); err != nil {
				return "", err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE reception_days SET attendees = CASE WHEN attendees < ? THEN ? ELSE attendees END WHERE id = ?", n+len(rows), n+len(rows), dayID); err != nil {
				return "", err
			}
			return dayID, s.record(ctx, tx, authz.GridworkDo, "visit.reception_items", "reception_day", dayID, itoa(len(rows)))
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.AddItems(ctx, dayID, items, key)
	}
	if err != nil {
		return Reception{}, err
	}
	return s.Reception(ctx, dayID)
}

const receptionCols = `r.id, r.org_id, o.name, r.day, r.receivers, r.attendees, r.path FROM reception_days r JOIN org_nodes o ON o.id = r.org_id`

func scanReception(sc interface{ Scan(...any) error }) (Reception, error) {
	var x Reception
	err := sc.Scan(&x.ID, &x.OrgID, &x.OrgName, &x.Day, &x.Receivers, &x.Attendees, &x.path)
	if t, e := time.Parse(time.DateOnly, x.Day); e == nil {
		x.Weekday = int(t.Weekday())
	}
	x.Items = []Item{}
	return x, err
}

// Reception returns a reception day the caller sees (gridwork.read, or
// who records receptions there), with its items, names masked.
func (s *Service) Reception(ctx context.Context, id string) (Reception, error) {
	if err := mayAny(ctx, authz.GridworkRead, authz.GridworkDo, authz.GridworkSteer); err != nil {
		return Reception{}, err
	}
	x, err := s.reception(ctx, s.db.Reader(), id)
	if err != nil {
		return x, err
	}
	p := authz.From(ctx)
	if !p.Covers(authz.GridworkRead, x.path) && !mayReceive(p, x.path) {
		return Reception{}, apperr.NotFoundf("reception_day")
	}
	return x, nil
}

func (s *Service) reception(ctx context.Context, q db.Querier, id string) (Reception, error) {
	x, err := scanReception(q.QueryRowContext(ctx, "SELECT "+receptionCols+" WHERE r.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Reception{}, apperr.NotFoundf("reception_day")
	}
	if err != nil {
		return x, err
	}
	rows, err := q.QueryContext(ctx, "SELECT id, seq, name, phone_masked, matter, outcome, answer, ref_id FROM reception_items WHERE day_id = ? ORDER BY seq", id)
	if err != nil {
		return x, err
	}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.Seq, &it.Name, &it.Phone, &it.Matter, &it.Outcome, &it.Answer, &it.RefID); err != nil {
			rows.Close()
			return x, err
		}
		it.Name = pii.MaskName(it.Name)
		x.count(it.Outcome)
		x.Items = append(x.Items, it)
	}
	return x, errors.Join(rows.Err(), rows.Close())
}

func (x *Reception) count(outcome string) {
	switch outcome {
	case "event":
		x.Events++
	case "dispute":
		x.Disputes++
	default:
		x.Answers++
	}
}

// Receptions lists the reception days of the caller's areas (gridwork.read,
// or where they record receptions), newest first, with the outcomes' counts.
func (s *Service) Receptions(ctx context.Context, orgID, from, to string) ([]Reception, error) {
	p := authz.From(ctx)
	scopes := append(append(p.Scopes(authz.GridworkRead), p.Scopes(authz.GridworkDo)...), p.Scopes(authz.GridworkSteer)...)
	if len(scopes) == 0 {
		return nil, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.GridworkRead))
	}
	where, args := authz.ScopeSQL("r.path", scopes)
	if orgID != "" {
		path, err := org.PathOf(ctx, s.db.Reader(), orgID, "org_id")
		if err != nil {
			return nil, err
		}
		c, a := authz.Under("r.path", path)
		where, args = where+" AND "+c, append(args, a...)
	}
	if from != "" {
		where, args = where+" AND r.day >= ?", append(args, from)
	}
	if to != "" {
		where, args = where+" AND r.day <= ?", append(args, to)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT r.id, r.org_id, o.name, r.day, r.receivers, r.attendees, r.path,
		(SELECT COUNT(*) FROM reception_items i WHERE i.day_id = r.id AND i.outcome = 'event'),
		(SELECT COUNT(*) FROM reception_items i WHERE i.day_id = r.id AND i.outcome = 'dispute'),
		(SELECT COUNT(*) FROM reception_items i WHERE i.day_id = r.id AND i.outcome = 'answer')
		FROM reception_days r JOIN org_nodes o ON o.id = r.org_id WHERE `+where+" ORDER BY r.day DESC, r.id LIMIT 200", args...)
	if err != nil {
		return nil, err
	}
	out := []Reception{}
	for rows.Next() {
		var x Reception
		if err := rows.Scan(&x.ID, &x.OrgID, &x.OrgName, &x.Day, &x.Receivers, &x.Attendees, &x.path, &x.Events, &x.Disputes, &x.Answers); err != nil {
			rows.Close()
			return nil, err
		}
		if t, e := time.Parse(time.DateOnly, x.Day); e == nil {
			x.Weekday = int(t.Weekday())
		}
		x.Items = []Item{}
		out = append(out, x)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// RevealInput asks for a reception item's phone in full, with the reason.
type RevealInput struct {
	Reason string `json:"reason"`
}

// Revealed is a reception item's phone in full.
type Revealed struct {
	Phone string `json:"phone"`
}

// RevealPhone shows a visitor's phone in full to a caller who sees the day
// and holds personal.reveal over it (to call them back), audited with the
// reason.
func (s *Service) RevealPhone(ctx context.Context, itemID string, in RevealInput) (Revealed, error) {
	in.Reason = pii.MaskText(strings.TrimSpace(in.Reason))
	var f apperr.Fields
	if len([]rune(in.Reason)) < 4 {
		f.Add("reason", "visit.reason_required")
	}
	regkit.CheckLen(&f, "reason", in.Reason, 200)
	if err := f.Err(); err != nil {
		return Revealed{}, err
	}
	var dayID, sealed string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT day_id, phone_sealed FROM reception_items WHERE id = ?", itemID).Scan(&dayID, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Revealed{}, apperr.NotFoundf("reception_day")
	}
	if err != nil {
		return Revealed{}, err
	}
	d, err := s.Reception(ctx, dayID)
	if err != nil {
		return Revealed{}, err
	}
	if !authz.From(ctx).Covers(authz.PersonalReveal, d.path) {
		return Revealed{}, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.PersonalReveal))
	}
	var out Revealed
	if sealed != "" {
		if out.Phone, err = s.vault.Open("reception_items.phone", itemID, sealed); err != nil {
			return Revealed{}, err
		}
	}
	return out, s.audit.RecordAlone(ctx, s.db, authz.PersonalReveal, audit.Entry{Action: "visit.reveal", ObjectType: "reception_day", ObjectID: dayID, Detail: "phone: " + in.Reason})
}
