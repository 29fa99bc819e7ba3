package petition

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// PetitionerInput is one petitioner as registered.
type PetitionerInput struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
	PersonID string `json:"person_id,omitempty"` // the register person, when known
}

// PetitionInput registers a petition.
type PetitionInput struct {
	ReceivedOn  string            `json:"received_on"` // YYYY-MM-DD
	Channel     string            `json:"channel"`
	OrgID       string            `json:"org_id"` // where the matter lies: village, town or county
	Type        string            `json:"type"`   // dispute.Types
	Title       string            `json:"title"`
	Content     string            `json:"content"`
	PeopleCount int               `json:"people_count"`
	Petitioners []PetitionerInput `json:"petitioners"`
	Repeated    bool              `json:"repeated,omitempty"` // set by hand; also set when the petitioner came within RepeatDays
	OverLevel   bool              `json:"over_level,omitempty"`
}

// Petitioner is one petitioner as a caller sees it: the name masked in
// lists, the ID number and phone always masked.
type Petitioner struct {
	Seq         int    `json:"seq"`
	Name        string `json:"name"`
	IDMasked    string `json:"id_masked"`
	PhoneMasked string `json:"phone_masked"`
	PersonID    string `json:"person_id,omitempty"`
}

// Petition is a petition as a caller sees it.
type Petition struct {
	ID            string       `json:"id"`
	No            string       `json:"no"`
	ReceivedOn    string       `json:"received_on"`
	Channel       string       `json:"channel"`
	OrgID         string       `json:"org_id"`
	OrgName       string       `json:"org_name"`
	Type          string       `json:"type"`
	Title         string       `json:"title"`
	Content       string       `json:"content,omitempty"`
	PeopleCount   int          `json:"people_count"`
	Collective    bool         `json:"collective"`
	Repeated      bool         `json:"repeated"`
	OverLevel     bool         `json:"over_level"`
	KeyPersonID   string       `json:"key_person_id,omitempty"` // only to holders of pii.sensitive.key_petitioner over the area
	Status        string       `json:"status"`
	AcceptDue     string       `json:"accept_due"`
	AcceptedOn    string       `json:"accepted_on,omitempty"`
	CloseDue      string       `json:"close_due,omitempty"`
	RefusalReason string       `json:"refusal_reason,omitempty"`
	Route         string       `json:"route,omitempty"`
	RouteReason   string       `json:"route_reason,omitempty"`
	UnitID        string       `json:"unit_id,omitempty"`
	UnitName      string       `json:"unit_name,omitempty"`
	CaseID        string       `json:"case_id,omitempty"`
	CaseNo        string       `json:"case_no,omitempty"`
	LeadLeader    string       `json:"lead_leader,omitempty"`
	LeaderName    string       `json:"leader_name,omitempty"`
	LeaderOn      string       `json:"leader_on,omitempty"`
	Reply         string       `json:"reply,omitempty"`
	RepliedOn     string       `json:"replied_on,omitempty"`
	Satisfaction  string       `json:"satisfaction,omitempty"`
	ClosedOn      string       `json:"closed_on,omitempty"`
	Due           string       `json:"due,omitempty"` // the deadline of the current step
	Light         string       `json:"light"`         // red (overdue), yellow (within SoonDays), green, or "" when nothing is due
	Supervision   *Supervision `json:"supervision,omitempty"`
	Petitioners   []Petitioner `json:"petitioners"`
	Timeline      []Step       `json:"timeline,omitempty"`
	path          string
	keyPersonID   string
}

// Step is one step of a petition's timeline.
type Step struct {
	At     int64  `json:"at"`
	Action string `json:"action"`
	Actor  string `json:"actor"`
	Note   string `json:"note"`
}

// Supervision is a petition's open supervision order (督办单).
type Supervision struct {
	ID        string `json:"id"`
	By        string `json:"by"`
	Note      string `json:"note"`
	DueAt     int64  `json:"due_at"`
	CreatedAt int64  `json:"created_at"`
	OverdueAt *int64 `json:"overdue_at"`
}

// checkDay adds a field problem unless v is a day no later than today.
func (s *Service) checkDay(f *apperr.Fields, field, v string, required bool) {
	if v == "" {
		if required {
			f.Add(field, "petition.required")
		}
		return
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		f.Add(field, "petition.date_invalid")
	} else if v > s.today() {
		f.Add(field, "petition.date_future")
	}
}

func checkLen(f *apperr.Fields, field, v string, max int) {
	if len([]rune(v)) > max {
		f.Add(field, "petition.too_long", "max", max)
	}
}

func required(f *apperr.Fields, field, v string) {
	if strings.TrimSpace(v) == "" {
		f.Add(field, "petition.required")
	}
}

func oneOf(f *apperr.Fields, field, v string, list []string) {
	if v == "" {
		f.Add(field, "petition.required")
	} else if !slices.Contains(list, v) {
		f.Add(field, "petition.value_unknown", "value", v)
	}
}

// sealedPetitioner is a petitioner ready to write.
type sealedPetitioner struct {
	name, idPlain, phonePlain, personID string
	idBlind, phoneBlind                 any
}

// Register checks a petition and writes it with its first timeline step,
// its petitioners sealed, the repeat flag set when one of them (by ID
// number, phone or register person) petitioned within RepeatDays, and the
// key-petitioner link found through the key persons; one transaction
// with its audit row.
func (s *Service) Register(ctx context.Context, in PetitionInput) (Petition, error) {
	p := authz.From(ctx)
	var f apperr.Fields
	in.Title, in.Content = strings.TrimSpace(in.Title), strings.TrimSpace(in.Content)
	s.checkDay(&f, "received_on", in.ReceivedOn, true)
	oneOf(&f, "channel", in.Channel, Channels)
	oneOf(&f, "type", in.Type, dispute.Types)
	required(&f, "title", in.Title)
	checkLen(&f, "title", in.Title, 100)
	required(&f, "content", in.Content)
	checkLen(&f, "content", in.Content, 4000)
	if in.PeopleCount == 0 {
		in.PeopleCount = len(in.Petitioners)
	}
	if in.PeopleCount < 1 || in.PeopleCount > 10000 {
		f.Add("people_count", "petition.people_count")
	}
	if len(in.Petitioners) == 0 {
		f.Add("petitioners", "petition.required")
	}
	if len(in.Petitioners) > 20 {
		f.Add("petitioners", "petition.too_many", "max", 20)
	}
	if len(in.Petitioners) > in.PeopleCount && in.PeopleCount > 0 {
		f.Add("people_count", "petition.people_count")
	}
	var ps []sealedPetitioner
	for i, pi := range in.Petitioners {
		field := fmt.Sprintf("petitioners[%d].", i)
		sp := sealedPetitioner{name: strings.TrimSpace(pi.Name), personID: strings.TrimSpace(pi.PersonID)}
		required(&f, field+"name", sp.name)
		checkLen(&f, field+"name", sp.name, 50)
		if v := strings.TrimSpace(pi.IDNumber); v != "" {
			info, err := pii.ParseID(field+"id_number", v)
			if e := apperr.As(err); err != nil && e != nil && len(e.Fields) > 0 {
				f = append(f, e.Fields...)
			} else if err != nil {
				return Petition{}, err
			} else {
				sp.idPlain, sp.idBlind = info.Number, s.vault.Blind("petitioners.id_number", info.Number)
			}
		}
		if v := strings.TrimSpace(pi.Phone); v != "" {
			n, err := pii.NormalizePhone(field+"phone", v)
			if e := apperr.As(err); err != nil && e != nil && len(e.Fields) > 0 {
				f = append(f, e.Fields...)
			} else if err != nil {
				return Petition{}, err
			} else {
				sp.phonePlain, sp.phoneBlind = n, s.vault.Blind("petitioners.phone", n)
			}
		}
		if sp.personID != "" {
			if _, _, err := s.reg.PersonPlace(ctx, s.db.Reader(), sp.personID, false); errors.Is(err, sql.ErrNoRows) {
				f.Add(field+"person_id", "petition.person_unknown")
			} else if err != nil {
				return Petition{}, err
			}
		}
		ps = append(ps, sp)
	}
	var path string
	if in.OrgID == "" {
		f.Add("org_id", "petition.required")
	} else {
		var err error
		path, err = org.PathIn(ctx, s.db.Reader(), authz.PetitionWrite, in.OrgID, "org_id")
		if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid {
			f = append(f, e.Fields...)
		} else if err != nil {
			return Petition{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Petition{}, err
	}
	id, now := db.NewID(), s.Now().UnixMilli()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		repeated := in.Repeated
		if !repeated {
			var err error
			if repeated, err = s.cameBefore(ctx, tx, ps, in.ReceivedOn); err != nil {
				return err
			}
		}
		var keyPerson any
		for _, sp := range ps {
			if sp.personID == "" {
				continue
			}
			kid, _, err := s.kp.KeyPetitionerOf(ctx, tx, sp.personID)
			if err != nil {
				return err
			}
			if kid != "" {
				keyPerson = kid
				break
			}
		}
		var n int
		year := in.ReceivedOn[:4]
		if err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, n) VALUES (?, 1)
			ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n`, "petition:"+year).Scan(&n); err != nil {
			return err
		}
		no := fmt.Sprintf("XF%s-%06d", year, n)
		if _, err := tx.ExecContext(ctx, `INSERT INTO petitions (id, no, received_on, channel, org_id, path, type, title, content, people_count,
			repeated, over_level, key_person_id, status, accept_due, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?, ?, ?)`,
			id, no, in.ReceivedOn, in.Channel, in.OrgID, path, in.Type, in.Title, in.Content, in.PeopleCount,
			repeated, in.OverLevel, keyPerson, addDays(in.ReceivedOn, AcceptDays), p.UserID, now, now); err != nil {
			return err
		}
		for i, sp := range ps {
			pid := db.NewID()
			idSealed, phoneSealed := "", ""
			if sp.idPlain != "" {
				idSealed = s.vault.Seal("petitioners.id_number", pid, sp.idPlain)
			}
			if sp.phonePlain != "" {
				phoneSealed = s.vault.Seal("petitioners.phone", pid, sp.phonePlain)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO petitioners (id, petition_id, seq, name, id_sealed, id_blind, id_masked, phone_sealed, phone_blind, phone_masked, person_id)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, pid, id, i+1, sp.name, idSealed, sp.idBlind, maskOrEmpty(sp.idPlain, pii.MaskID),
				phoneSealed, sp.phoneBlind, maskOrEmpty(sp.phonePlain, pii.MaskPhone), nullable(sp.personID)); err != nil {
				return err
			}
		}
		if err := s.appendLog(ctx, tx, id, "register", no); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.PetitionWrite, "petition.register", "petition", id, no)
	})
	if err != nil {
		return Petition{}, err
	}
	return s.view(ctx, id)
}

func maskOrEmpty(v string, mask func(string) string) string {
	if v == "" {
		return ""
	}
	return mask(v)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// cameBefore reports whether one of the petitioners has a petition
// received within RepeatDays before day (by ID number, phone or register
// person): the repeat (重复访) rule.
func (s *Service) cameBefore(ctx context.Context, q db.Querier, ps []sealedPetitioner, day string) (bool, error) {
	for _, sp := range ps {
		var conds []string
		var args []any
		if sp.idBlind != nil {
			conds, args = append(conds, "pr.id_blind = ?"), append(args, sp.idBlind)
		}
		if sp.phoneBlind != nil {
			conds, args = append(conds, "pr.phone_blind = ?"), append(args, sp.phoneBlind)
		}
		if sp.personID != "" {
			conds, args = append(conds, "pr.person_id = ?"), append(args, sp.personID)
		}
		if len(conds) == 0 {
			continue
		}
		var n int
		err := q.QueryRowContext(ctx, `SELECT count(*) FROM petitioners pr JOIN petitions p ON p.id = pr.petition_id
			WHERE (`+strings.Join(conds, " OR ")+`) AND p.received_on >= ? AND p.received_on <= ?`,
			append(args, addDays(day, -RepeatDays), day)...).Scan(&n)
		if err != nil {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

const petitionCols = `p.id, p.no, p.received_on, p.channel, p.org_id, o.name, p.type, p.title, p.content, p.people_count, p.repeated, p.over_level,
	COALESCE(p.key_person_id, ''), p.status, p.accept_due, COALESCE(p.accepted_on, ''), COALESCE(p.close_due, ''), p.refusal_reason, p.route, p.route_reason,
	COALESCE(p.unit_id, ''), p.unit_name, COALESCE(p.case_id, ''), p.case_no, p.lead_leader, p.leader_name, COALESCE(p.received_by_leader_on, ''),
	p.reply, COALESCE(p.replied_on, ''), p.satisfaction, COALESCE(p.closed_on, ''), p.path
	FROM petitions p JOIN org_nodes o ON o.id = p.org_id`

func scanPetition(sc interface{ Scan(...any) error }) (Petition, error) {
	var x Petition
	err := sc.Scan(&x.ID, &x.No, &x.ReceivedOn, &x.Channel, &x.OrgID, &x.OrgName, &x.Type, &x.Title, &x.Content, &x.PeopleCount, &x.Repeated, &x.OverLevel,
		&x.keyPersonID, &x.Status, &x.AcceptDue, &x.AcceptedOn, &x.CloseDue, &x.RefusalReason, &x.Route, &x.RouteReason,
		&x.UnitID, &x.UnitName, &x.CaseID, &x.CaseNo, &x.LeadLeader, &x.LeaderName, &x.LeaderOn,
		&x.Reply, &x.RepliedOn, &x.Satisfaction, &x.ClosedOn, &x.path)
	x.Collective = x.PeopleCount >= CollectiveSize
	return x, err
}

// light sets the petition's current deadline and its light as of today.
func (x *Petition) light(today string) {
	switch x.Status {
	case "registered":
		x.Due = x.AcceptDue
	case "accepted":
		x.Due = x.CloseDue
	default:
		x.Due, x.Light = "", ""
		return
	}
	switch {
	case x.Due == "":
		x.Light = ""
	case today > x.Due:
		x.Light = "red"
	case addDays(today, SoonDays) >= x.Due:
		x.Light = "yellow"
	default:
		x.Light = "green"
	}
}

// shown finishes a petition for the caller: its light, and the
// key-petitioner link only for holders of the category over the area.
func (s *Service) shown(p *authz.Principal, x *Petition, today string) {
	x.light(today)
	if x.keyPersonID != "" && p.Covers(authz.SensitiveKeyPetitioner, x.path) {
		x.KeyPersonID = x.keyPersonID
	}
}

// load reads a petition the caller may read (petition.read over its
// area); any other is not found.
func (s *Service) load(ctx context.Context, q db.Querier, id string, perm authz.Perm) (Petition, error) {
	x, err := scanPetition(q.QueryRowContext(ctx, "SELECT "+petitionCols+" WHERE p.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(perm, x.path)) {
		return Petition{}, apperr.NotFoundf("petition")
	}
	return x, err
}

// Get returns a petition with its petitioners (names in full, numbers
// masked), timeline and open supervision order. The read is audited.
func (s *Service) Get(ctx context.Context, id string) (Petition, error) {
	x, err := s.view(ctx, id)
	if err != nil {
		return x, err
	}
	return x, s.audit.RecordAlone(ctx, s.db, authz.PetitionRead, auditEntry("petition.read", "petition", id, x.No))
}

// view is Get without its audit row: the answer to a change, which has
// its own.
func (s *Service) view(ctx context.Context, id string) (Petition, error) {
	p := authz.From(ctx)
	q := s.db.Reader()
	x, err := s.load(ctx, q, id, authz.PetitionRead)
	if err != nil {
		return x, err
	}
	s.shown(p, &x, s.today())
	if x.Petitioners, err = s.petitioners(ctx, q, id); err != nil {
		return x, err
	}
	rows, err := q.QueryContext(ctx, "SELECT at, action, actor_name, note FROM petition_log WHERE petition_id = ? ORDER BY at, id", id)
	if err != nil {
		return x, err
	}
	x.Timeline = []Step{}
	for rows.Next() {
		var st Step
		if err := rows.Scan(&st.At, &st.Action, &st.Actor, &st.Note); err != nil {
			rows.Close()
			return x, err
		}
		x.Timeline = append(x.Timeline, st)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return x, err
	}
	sups, err := s.openSupervisions(ctx, q, []string{id})
	if err != nil {
		return x, err
	}
	x.Supervision = sups[id]
	return x, nil
}

// petitioners returns the petitioners of petition id in order, names in
// full (the petition's own page), numbers masked.
func (s *Service) petitioners(ctx context.Context, q db.Querier, id string) ([]Petitioner, error) {
	rows, err := q.QueryContext(ctx, "SELECT seq, name, id_masked, phone_masked, COALESCE(person_id, '') FROM petitioners WHERE petition_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Petitioner{}
	for rows.Next() {
		var x Petitioner
		if err := rows.Scan(&x.Seq, &x.Name, &x.IDMasked, &x.PhoneMasked, &x.PersonID); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ListQuery filters the petition list.
type ListQuery struct {
	OrgID, Status, Channel, Light, Flag, From, To, Type string
	Supervised                                          bool
	Offset, Limit                                       int
	// unsettled keeps the petitions still to be answered or closed
	// (registered, accepted, replied): the Monday list's.
	unsettled bool
}

// List is a page of petitions with the total matching.
type List struct {
	Items []Petition `json:"items"`
	Total int        `json:"total"`
}

// List lists the petitions of the caller's areas, newest first, names
// masked. Flag is repeat, over_level or collective; Light red, yellow or
// green (the current step's deadline).
func (s *Service) List(ctx context.Context, lq ListQuery) (List, error) {
	return s.listUpTo(ctx, lq, 500)
}

// listUpTo is List with a page of at most most rows.
func (s *Service) listUpTo(ctx context.Context, lq ListQuery, most int) (List, error) {
	p := authz.From(ctx)
	var f apperr.Fields
	where, args, err := s.filter(ctx, lq, &f)
	if err != nil {
		return List{}, err
	}
	if err := f.Err(); err != nil {
		return List{}, err
	}
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, "SELECT "+petitionCols+" WHERE "+where+" ORDER BY p.received_on DESC, p.no DESC", args...)
	if err != nil {
		return List{}, err
	}
	today := s.today()
	var all []Petition
	for rows.Next() {
		x, err := scanPetition(rows)
		if err != nil {
			rows.Close()
			return List{}, err
		}
		x.Content = ""
		s.shown(p, &x, today)
		if lq.Light != "" && x.Light != lq.Light {
			continue
		}
		all = append(all, x)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return List{}, err
	}
	ids := make([]string, len(all))
	for i, x := range all {
		ids[i] = x.ID
	}
	sups, err := s.openSupervisions(ctx, q, ids)
	if err != nil {
		return List{}, err
	}
	if lq.Supervised {
		kept := all[:0]
		for _, x := range all {
			if sups[x.ID] != nil {
				kept = append(kept, x)
			}
		}
		all = kept
	}
	out := List{Total: len(all), Items: []Petition{}}
	limit := lq.Limit
	if limit <= 0 || limit > most {
		limit = 50
	}
	if lq.Offset < len(all) {
		all = all[max(lq.Offset, 0):]
		if len(all) > limit {
			all = all[:limit]
		}
		out.Items = all
	}
	page := make([]string, len(out.Items))
	for i, x := range out.Items {
		page[i] = x.ID
	}
	pets, err := s.petitionersByPetition(ctx, q, page)
	if err != nil {
		return List{}, err
	}
	for i := range out.Items {
		out.Items[i].Supervision = sups[out.Items[i].ID]
		out.Items[i].Petitioners = pets[out.Items[i].ID]
		if out.Items[i].Petitioners == nil {
			out.Items[i].Petitioners = []Petitioner{}
		}
	}
	return out, nil
}

// filter turns a list query into the WHERE of petitionCols, scoped to the
// caller's petition.read.
func (s *Service) filter(ctx context.Context, lq ListQuery, f *apperr.Fields) (string, []any, error) {
	p := authz.From(ctx)
	where, args := authz.ScopeSQL("p.path", p.Scopes(authz.PetitionRead))
	add := func(cond string, a ...any) {
		where += " AND " + cond
		args = append(args, a...)
	}
	if lq.OrgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.PetitionRead, lq.OrgID, "org_id")
		if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid {
			*f = append(*f, e.Fields...)
		} else if err != nil {
			return "", nil, err
		} else {
			c, a := authz.Under("p.path", path)
			add(c, a...)
		}
	}
	if lq.Status != "" {
		if !slices.Contains(Statuses, lq.Status) {
			f.Add("status", "petition.value_unknown", "value", lq.Status)
		}
		add("p.status = ?", lq.Status)
	}
	if lq.Channel != "" {
		if !slices.Contains(Channels, lq.Channel) {
			f.Add("channel", "petition.value_unknown", "value", lq.Channel)
		}
		add("p.channel = ?", lq.Channel)
	}
	if lq.Type != "" {
		add("p.type = ?", lq.Type)
	}
	if lq.unsettled {
		add("p.status IN ('registered', 'accepted', 'replied')")
	}
	switch lq.Flag {
	case "":
	case "repeat":
		add("p.repeated = ?", true)
	case "over_level":
		add("p.over_level = ?", true)
	case "collective":
		add("p.people_count >= ?", CollectiveSize)
	default:
		f.Add("flag", "petition.value_unknown", "value", lq.Flag)
	}
	if lq.Light != "" && !slices.Contains([]string{"red", "yellow", "green"}, lq.Light) {
		f.Add("light", "petition.value_unknown", "value", lq.Light)
	}
	for _, d := range []struct{ field, v, op string }{{"from", lq.From, ">="}, {"to", lq.To, "<="}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			f.Add(d.field, "petition.date_invalid")
		}
		add("p.received_on "+d.op+" ?", d.v)
	}
	return where, args, nil
}

// petitionersByPetition returns the masked petitioners of each petition.
func (s *Service) petitionersByPetition(ctx context.Context, q db.Querier, ids []string) (map[string][]Petitioner, error) {
	out := map[string][]Petitioner{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT petition_id, seq, name, id_masked, phone_masked FROM petitioners WHERE petition_id IN ("+
		placeholders(len(ids))+") ORDER BY petition_id, seq", anys(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var pid string
		var x Petitioner
		if err := rows.Scan(&pid, &x.Seq, &x.Name, &x.IDMasked, &x.PhoneMasked); err != nil {
			return nil, err
		}
		x.Name = pii.MaskName(x.Name)
		out[pid] = append(out[pid], x)
	}
	return out, rows.Err()
}

// openSupervisions returns the open supervision order of each petition
// that has one (the newest).
func (s *Service) openSupervisions(ctx context.Context, q db.Querier, ids []string) (map[string]*Supervision, error) {
	out := map[string]*Supervision{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT petition_id, id, by_name, note, due_at, created_at, overdue_at FROM petition_supervisions WHERE closed_at IS NULL AND petition_id IN ("+
		placeholders(len(ids))+") ORDER BY created_at", anys(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var pid string
		var x Supervision
		var over sql.NullInt64
		if err := rows.Scan(&pid, &x.ID, &x.By, &x.Note, &x.DueAt, &x.CreatedAt, &over); err != nil {
			return nil, err
		}
		if over.Valid {
			x.OverdueAt = &over.Int64
		}
		out[pid] = &x
	}
	return out, rows.Err()
}

// parseInt reads an integer query value, 0 when absent or bad.
func parseInt(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
