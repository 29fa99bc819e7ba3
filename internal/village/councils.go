package village

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
)

// MemberInput is a council member.
type MemberInput struct {
	Name     string `json:"name"`
	Role     string `json:"role"` // chair (理事长), member (理事), supervisor (监事)
	Phone    string `json:"phone,omitempty"`
	PersonID string `json:"person_id,omitempty"`
	WorkerID string `json:"worker_id,omitempty"`
}

// Member is a council member as the console shows it (phone masked).
type Member struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	PhoneMasked string `json:"phone_masked"`
	PersonID    string `json:"person_id,omitempty"`
	WorkerID    string `json:"worker_id,omitempty"`
}

// CouncilInput makes a council.
type CouncilInput struct {
	Kind          string        `json:"kind"` // villagers (村民理事会), neighbourhood (邻里议事会)
	Name          string        `json:"name"`
	Compound      string        `json:"compound,omitempty"`
	QuorumPercent int           `json:"quorum_percent"` // more than this share of members present
	PassPercent   int           `json:"pass_percent"`   // more than this share of those present in favour
	Members       []MemberInput `json:"members"`
}

// Council is a council with its members, meetings and proposals.
type Council struct {
	ID            string     `json:"id"`
	OrgID         string     `json:"org_id"`
	OrgName       string     `json:"org_name"`
	Kind          string     `json:"kind"`
	Name          string     `json:"name"`
	Compound      string     `json:"compound"`
	QuorumPercent int        `json:"quorum_percent"`
	PassPercent   int        `json:"pass_percent"`
	Members       []Member   `json:"members"`
	Meetings      []Meeting  `json:"meetings,omitempty"`
	Proposals     []Proposal `json:"proposals,omitempty"`
	path          string
}

func (in *CouncilInput) check() error {
	var f apperr.Fields
	checkOne(&f, "kind", in.Kind, Councils)
	checkText(&f, "name", in.Name, 100, true)
	checkText(&f, "compound", in.Compound, 100, false)
	if in.QuorumPercent < 0 || in.QuorumPercent > 99 {
		f.Add("quorum_percent", "validation.range", "min", 0, "max", 99)
	}
	if in.PassPercent < 0 || in.PassPercent > 99 {
		f.Add("pass_percent", "validation.range", "min", 0, "max", 99)
	}
	if len(in.Members) == 0 || len(in.Members) > 50 {
		f.Add("members", "validation.length", "min", 1, "max", 50)
	}
	for i := range in.Members {
		in.Members[i].check(&f, fmt.Sprintf("members[%d].", i))
	}
	return f.Err()
}

// check checks a member, its fields named with prefix.
func (m *MemberInput) check(f *apperr.Fields, prefix string) {
	checkText(f, prefix+"name", m.Name, 50, true)
	checkOne(f, prefix+"role", m.Role, Roles)
	if strings.TrimSpace(m.Phone) != "" {
		p, err := pii.NormalizePhone(prefix+"phone", m.Phone)
		if err != nil {
			f.Add(prefix+"phone", "phone.invalid")
		}
		m.Phone = p
	}
}

// insertMember writes a checked member of council id.
func (s *Service) insertMember(ctx context.Context, tx db.Querier, councilID string, m MemberInput, now int64) error {
	mid := db.NewID()
	sealed, masked := "", ""
	if m.Phone != "" {
		sealed, masked = s.vault.Seal("village.phone", mid, m.Phone), pii.MaskPhone(m.Phone)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO village_council_members (id, council_id, name, role, person_id, worker_id, phone_sealed, phone_masked, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, mid, councilID, strings.TrimSpace(m.Name), m.Role, m.PersonID, m.WorkerID, sealed, masked, now)
	return err
}

// AddMember adds a member to a council (at most 50 serve at once); the
// votes from then on count them.
func (s *Service) AddMember(ctx context.Context, councilID string, in MemberInput) (Council, error) {
	var f apperr.Fields
	in.check(&f, "")
	if err := f.Err(); err != nil {
		return Council{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.council(ctx, tx, councilID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if len(c.Members) >= 50 {
			return apperr.Field("name", "village.council_full", "max", 50)
		}
		if err := s.insertMember(ctx, tx, councilID, in, db.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.council_member_add", "village_council", councilID, in.Role)
	})
	if err != nil {
		return Council{}, err
	}
	return s.Council(ctx, councilID)
}

// RemoveMember records that a member has left a council: they stay in the
// meetings they attended, and the votes from then on count without them.
// The last member does not leave.
func (s *Service) RemoveMember(ctx context.Context, councilID, memberID string) (Council, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.council(ctx, tx, councilID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(c.Members, func(m Member) bool { return m.ID == memberID }) {
			return apperr.NotFoundf("village_council_member")
		}
		if len(c.Members) == 1 {
			return apperr.E(apperr.Conflict, "village.council_last_member")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE village_council_members SET status = 'left' WHERE id = ? AND council_id = ?", memberID, councilID); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.council_member_leave", "village_council", councilID, "")
	})
	if err != nil {
		return Council{}, err
	}
	return s.Council(ctx, councilID)
}

// CreateCouncil makes a council of village orgID with its members.
func (s *Service) CreateCouncil(ctx context.Context, orgID string, in CouncilInput) (Council, error) {
	if err := in.check(); err != nil {
		return Council{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := villagePath(ctx, tx, authz.VillageWrite, orgID, "org_id")
		if err != nil {
			return err
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO village_councils (id, org_id, path, kind, name, compound, quorum_percent, pass_percent, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, orgID, path, in.Kind, strings.TrimSpace(in.Name), strings.TrimSpace(in.Compound),
			in.QuorumPercent, in.PassPercent, now); err != nil {
			return err
		}
		for _, m := range in.Members {
			if err := s.insertMember(ctx, tx, id, m, now); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.council_create", "village_council", id, "")
	})
	if err != nil {
		return Council{}, err
	}
	return s.Council(ctx, id)
}

func (s *Service) council(ctx context.Context, q db.Querier, id string, perms ...authz.Perm) (Council, error) {
	var c Council
	err := q.QueryRowContext(ctx, `SELECT c.id, c.org_id, o.name, c.kind, c.name, c.compound, c.quorum_percent, c.pass_percent, c.path
		FROM village_councils c JOIN org_nodes o ON o.id = c.org_id WHERE c.id = ?`, id).
		Scan(&c.ID, &c.OrgID, &c.OrgName, &c.Kind, &c.Name, &c.Compound, &c.QuorumPercent, &c.PassPercent, &c.path)
	if err != nil || !covers(ctx, c.path, perms...) {
		return Council{}, errors.Join(notFound(err, "village_council"), apperr.NotFoundf("village_council"))
	}
	c.Members, err = s.members(ctx, q, id)
	return c, err
}

func (s *Service) members(ctx context.Context, q db.Querier, councilID string) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, role, phone_masked, person_id, worker_id FROM village_council_members
		WHERE council_id = ? AND status = 'active' ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'member' THEN 1 ELSE 2 END, created_at, id`, councilID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.ID, &m.Name, &m.Role, &m.PhoneMasked, &m.PersonID, &m.WorkerID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Councils lists the councils of village orgID with their members.
func (s *Service) Councils(ctx context.Context, orgID string) ([]Council, error) {
	q := s.db.Reader()
	if _, err := villagePath(ctx, q, authz.VillageRead, orgID, "org_id"); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT id FROM village_councils WHERE org_id = ? ORDER BY kind DESC, created_at", orgID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := []Council{}
	for _, id := range ids {
		c, err := s.council(ctx, q, id, authz.VillageRead)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Council returns a council with its members, meetings and proposals.
func (s *Service) Council(ctx context.Context, id string) (Council, error) {
	q := s.db.Reader()
	c, err := s.council(ctx, q, id, authz.VillageRead)
	if err != nil {
		return c, err
	}
	if c.Meetings, err = s.meetings(ctx, q, id); err != nil {
		return c, err
	}
	c.Proposals, err = s.proposals(ctx, q, " AND p.council_id = ?", id)
	return c, err
}

// ---- meetings ----

// MeetingInput records a meeting with its attendance and minutes.
type MeetingInput struct {
	HeldOn     string            `json:"held_on"`
	Place      string            `json:"place"`
	Agenda     string            `json:"agenda"`
	Minutes    string            `json:"minutes"`
	Attendance map[string]string `json:"attendance"` // member id → present, absent, excused
}

// Meeting is a council meeting.
type Meeting struct {
	ID         string            `json:"id"`
	HeldOn     string            `json:"held_on"`
	Place      string            `json:"place"`
	Agenda     string            `json:"agenda"`
	Minutes    string            `json:"minutes"`
	Attendance map[string]string `json:"attendance"`
	Present    int               `json:"present"`
}

func (s *Service) meetings(ctx context.Context, q db.Querier, councilID string) ([]Meeting, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, held_on, place, agenda, minutes FROM village_meetings WHERE council_id = ? ORDER BY held_on DESC, created_at DESC LIMIT 100`, councilID)
	if err != nil {
		return nil, err
	}
	out := []Meeting{}
	for rows.Next() {
		var m Meeting
		if err := rows.Scan(&m.ID, &m.HeldOn, &m.Place, &m.Agenda, &m.Minutes); err != nil {
			rows.Close()
			return nil, err
		}
		m.Attendance = map[string]string{}
		out = append(out, m)
	}
	rows.Close()
	for i := range out {
		rows, err := q.QueryContext(ctx, "SELECT member_id, status FROM village_attendance WHERE meeting_id = ?", out[i].ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var m, st string
			if err := rows.Scan(&m, &st); err != nil {
				rows.Close()
				return nil, err
			}
			out[i].Attendance[m] = st
			if st == "present" {
				out[i].Present++
			}
		}
		rows.Close()
	}
	return out, nil
}

// AddMeeting records a meeting of council id: every active member's
// attendance must be given.
func (s *Service) AddMeeting(ctx context.Context, councilID string, in MeetingInput) (Council, error) {
	var f apperr.Fields
	checkDay(&f, "held_on", in.HeldOn)
	checkText(&f, "place", in.Place, 100, false)
	checkText(&f, "agenda", in.Agenda, 2000, true)
	checkText(&f, "minutes", in.Minutes, 10000, false)
	if err := f.Err(); err != nil {
		return Council{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.council(ctx, tx, councilID, authz.VillageWrite)
		if err != nil {
			return err
		}
		for _, m := range c.Members {
			st := in.Attendance[m.ID]
			if st == "" || !contains(Attendance, st) {
				f.Add("attendance."+m.ID, "validation.one_of", "values", strings.Join(Attendance, ", "))
			}
		}
		if len(in.Attendance) != len(c.Members) && len(f) == 0 {
			f.Add("attendance", "village.member_unknown")
		}
		if err := f.Err(); err != nil {
			return err
		}
		id := db.NewID()
		if _, err := tx.ExecContext(ctx, "INSERT INTO village_meetings (id, council_id, held_on, place, agenda, minutes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, councilID, in.HeldOn, strings.TrimSpace(in.Place), strings.TrimSpace(in.Agenda), strings.TrimSpace(in.Minutes), db.Now()); err != nil {
			return err
		}
		for _, m := range c.Members {
			if _, err := tx.ExecContext(ctx, "INSERT INTO village_attendance (meeting_id, member_id, status) VALUES (?, ?, ?)", id, m.ID, in.Attendance[m.ID]); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.meeting", "village_council", councilID, id)
	})
	if err != nil {
		return Council{}, err
	}
	return s.Council(ctx, councilID)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ---- proposals ----

// ProposalInput puts a proposal to consultation.
type ProposalInput struct {
	Kind     string `json:"kind"` // finance, public_works, collective, industry, other
	Title    string `json:"title"`
	Body     string `json:"body"`
	OpensOn  string `json:"opens_on"`
	ClosesOn string `json:"closes_on"`
}

// Proposal is a proposal with its consultation, vote and follow-up.
type Proposal struct {
	ID          string     `json:"id"`
	CouncilID   string     `json:"council_id"`
	CouncilName string     `json:"council_name"`
	OrgName     string     `json:"org_name"`
	Kind        string     `json:"kind"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	OpensOn     string     `json:"opens_on"`
	ClosesOn    string     `json:"closes_on"`
	Status      string     `json:"status"` // consulting, closed, passed, rejected
	Open        bool       `json:"open"`   // consulting and within its dates: opinions are taken
	MeetingID   string     `json:"meeting_id,omitempty"`
	Present     *int       `json:"present,omitempty"`
	For         *int       `json:"votes_for,omitempty"`
	Against     *int       `json:"votes_against,omitempty"`
	Abstain     *int       `json:"votes_abstain,omitempty"`
	Decision    string     `json:"decision"`
	Opinions    int        `json:"opinions"`
	Support     int        `json:"support"`
	Oppose      int        `json:"oppose"`
	Version     int        `json:"version"`
	Mine        *Opinion   `json:"mine,omitempty"`         // the resident's own opinion
	List        []Opinion  `json:"opinion_list,omitempty"` // staff: every opinion
	FollowUps   []FollowUp `json:"follow_ups,omitempty"`
	path        string
}

// Opinion is a resident's opinion on a proposal.
type Opinion struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Stance    string `json:"stance"`
	Text      string `json:"text"`
	Source    string `json:"source"` // phone, meeting
	UpdatedAt int64  `json:"updated_at"`
}

// FollowUp is a step of carrying out a decision.
type FollowUp struct {
	ID     string `json:"id"`
	Step   string `json:"step"`
	DueOn  string `json:"due_on"`
	DoneOn string `json:"done_on"`
}

func (in *ProposalInput) check() error {
	var f apperr.Fields
	checkOne(&f, "kind", in.Kind, Kinds)
	checkText(&f, "title", in.Title, 100, true)
	checkText(&f, "body", in.Body, 5000, true)
	a, b := checkDay(&f, "opens_on", in.OpensOn), checkDay(&f, "closes_on", in.ClosesOn)
	if a && b && in.ClosesOn < in.OpensOn {
		f.Add("closes_on", "village.closes_before_opens")
	}
	return f.Err()
}

// AddProposal puts a proposal of council id to consultation.
func (s *Service) AddProposal(ctx context.Context, councilID string, in ProposalInput) (Proposal, error) {
	if err := in.check(); err != nil {
		return Proposal{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.council(ctx, tx, councilID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO village_proposals (id, council_id, org_id, path, kind, title, body, opens_on, closes_on, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'consulting', ?)`, id, councilID, c.OrgID, c.path, in.Kind, strings.TrimSpace(in.Title),
			strings.TrimSpace(in.Body), in.OpensOn, in.ClosesOn, db.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.proposal", "village_proposal", id, "")
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, id)
}

const proposalCols = `p.id, p.council_id, c.name, o.name, p.kind, p.title, p.body, p.opens_on, p.closes_on, p.status, p.meeting_id, p.present,
	p.votes_for, p.votes_against, p.votes_abstain, p.decision, p.version, p.path,
	(SELECT count(*) FROM village_opinions v WHERE v.proposal_id = p.id),
	(SELECT count(*) FROM village_opinions v WHERE v.proposal_id = p.id AND v.stance = 'support'),
	(SELECT count(*) FROM village_opinions v WHERE v.proposal_id = p.id AND v.stance = 'oppose')`

func (s *Service) proposals(ctx context.Context, q db.Querier, where string, args ...any) ([]Proposal, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+proposalCols+` FROM village_proposals p JOIN village_councils c ON c.id = p.council_id
		JOIN org_nodes o ON o.id = p.org_id WHERE 1 = 1`+where+" ORDER BY p.opens_on DESC, p.created_at DESC LIMIT 200", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := s.today()
	out := []Proposal{}
	for rows.Next() {
		var p Proposal
		var present, vf, va, vx sql.NullInt64
		if err := rows.Scan(&p.ID, &p.CouncilID, &p.CouncilName, &p.OrgName, &p.Kind, &p.Title, &p.Body, &p.OpensOn, &p.ClosesOn, &p.Status,
			&p.MeetingID, &present, &vf, &va, &vx, &p.Decision, &p.Version, &p.path, &p.Opinions, &p.Support, &p.Oppose); err != nil {
			return nil, err
		}
		for _, x := range []struct {
			n   sql.NullInt64
			dst **int
		}{{present, &p.Present}, {vf, &p.For}, {va, &p.Against}, {vx, &p.Abstain}} {
			if x.n.Valid {
				v := int(x.n.Int64)
				*x.dst = &v
			}
		}
		p.Open = p.Status == "consulting" && p.OpensOn <= today && today <= p.ClosesOn
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Service) proposal(ctx context.Context, q db.Querier, id string, perms ...authz.Perm) (Proposal, error) {
	list, err := s.proposals(ctx, q, " AND p.id = ?", id)
	if err != nil {
		return Proposal{}, err
	}
	if len(list) != 1 || !covers(ctx, list[0].path, perms...) {
		return Proposal{}, apperr.NotFoundf("village_proposal")
	}
	return list[0], nil
}

// Proposal returns a proposal with every opinion and its follow-up.
func (s *Service) Proposal(ctx context.Context, id string) (Proposal, error) {
	q := s.db.Reader()
	p, err := s.proposal(ctx, q, id, authz.VillageRead)
	if err != nil {
		return p, err
	}
	rows, err := q.QueryContext(ctx, "SELECT id, name, stance, text, source, updated_at FROM village_opinions WHERE proposal_id = ? ORDER BY created_at, id", id)
	if err != nil {
		return p, err
	}
	p.List = []Opinion{}
	for rows.Next() {
		var o Opinion
		if err := rows.Scan(&o.ID, &o.Name, &o.Stance, &o.Text, &o.Source, &o.UpdatedAt); err != nil {
			rows.Close()
			return p, err
		}
		p.List = append(p.List, o)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, "SELECT id, step, due_on, done_on FROM village_follow_ups WHERE proposal_id = ? ORDER BY due_on, created_at", id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	p.FollowUps = []FollowUp{}
	for rows.Next() {
		var fu FollowUp
		if err := rows.Scan(&fu.ID, &fu.Step, &fu.DueOn, &fu.DoneOn); err != nil {
			return p, err
		}
		p.FollowUps = append(p.FollowUps, fu)
	}
	return p, rows.Err()
}

// OpinionInput is an opinion: a resident's own, or one staff record at a
// meeting (with the resident's name).
type OpinionInput struct {
	Name   string `json:"name,omitempty"` // staff at a meeting: whose opinion
	Stance string `json:"stance"`         // support, oppose, other
	Text   string `json:"text"`
}

func (in *OpinionInput) check(staff bool) error {
	var f apperr.Fields
	checkOne(&f, "stance", in.Stance, Stances)
	checkText(&f, "text", in.Text, 1000, in.Stance == "other")
	if staff {
		checkText(&f, "name", in.Name, 50, true)
	}
	return f.Err()
}

// RecordOpinion records an opinion given at a meeting (staff).
func (s *Service) RecordOpinion(ctx context.Context, proposalID string, in OpinionInput) (Proposal, error) {
	if err := in.check(true); err != nil {
		return Proposal{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.proposal(ctx, tx, proposalID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if p.Status != "consulting" {
			return apperr.E(apperr.Conflict, "village.consultation_closed")
		}
		now := db.Now()
		_, err = tx.ExecContext(ctx, `INSERT INTO village_opinions (id, proposal_id, user_id, name, stance, text, source, recorded_by, created_at, updated_at)
			VALUES (?, ?, '', ?, ?, ?, 'meeting', ?, ?, ?)`, db.NewID(), proposalID, strings.TrimSpace(in.Name), in.Stance, strings.TrimSpace(in.Text),
			authz.From(ctx).UserID, now, now)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.opinion_record", "village_proposal", proposalID, "")
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, proposalID)
}

// MyProposals lists the proposals open for consultation in the resident's
// area, each with the resident's own opinion.
func (s *Service) MyProposals(ctx context.Context) ([]Proposal, error) {
	p := authz.From(ctx)
	scope, args := authz.ScopeSQL("p.path", p.Scopes(authz.VillageOpine))
	today := s.today()
	list, err := s.proposals(ctx, s.db.Reader(), " AND p.status = 'consulting' AND p.opens_on <= ? AND p.closes_on >= ? AND "+scope,
		append([]any{today, today}, args...)...)
	if err != nil {
		return nil, err
	}
	for i := range list {
		var o Opinion
		err := s.db.Reader().QueryRowContext(ctx, "SELECT id, name, stance, text, source, updated_at FROM village_opinions WHERE proposal_id = ? AND user_id = ?",
			list[i].ID, p.UserID).Scan(&o.ID, &o.Name, &o.Stance, &o.Text, &o.Source, &o.UpdatedAt)
		if err == nil {
			list[i].Mine = &o
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		list[i].Body = strings.TrimSpace(list[i].Body)
	}
	return list, nil
}

// GiveOpinion gives or changes the resident's one opinion on an open
// proposal of their area.
func (s *Service) GiveOpinion(ctx context.Context, proposalID string, in OpinionInput) (Proposal, error) {
	if err := in.check(false); err != nil {
		return Proposal{}, err
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		pr, err := s.proposal(ctx, tx, proposalID, authz.VillageOpine)
		if err != nil {
			return err
		}
		if !pr.Open {
			return apperr.E(apperr.Conflict, "village.consultation_closed")
		}
		now := db.Now()
		res, err := tx.ExecContext(ctx, "UPDATE village_opinions SET stance = ?, text = ?, updated_at = ? WHERE proposal_id = ? AND user_id = ?",
			in.Stance, strings.TrimSpace(in.Text), now, proposalID, p.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			name := p.DisplayName
			if name == "" {
				name = p.Username
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO village_opinions (id, proposal_id, user_id, name, stance, text, source, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'phone', ?, ?)`, db.NewID(), proposalID, p.UserID, name, in.Stance, strings.TrimSpace(in.Text), now, now); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.VillageOpine, "village.opinion", "village_proposal", proposalID, "")
	})
	if err != nil {
		return Proposal{}, err
	}
	list, err := s.MyProposals(ctx)
	for _, x := range list {
		if x.ID == proposalID {
			return x, err
		}
	}
	return Proposal{}, errors.Join(err, apperr.NotFoundf("village_proposal"))
}

// CloseConsultation ends the consultation of a proposal: opinions are no
// longer taken or changed.
func (s *Service) CloseConsultation(ctx context.Context, proposalID string) (Proposal, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.proposal(ctx, tx, proposalID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if p.Status != "consulting" {
			return apperr.E(apperr.Conflict, "village.consultation_closed")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE village_proposals SET status = 'closed', version = version + 1 WHERE id = ?", proposalID); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.consultation_close", "village_proposal", proposalID, "")
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, proposalID)
}

// VoteInput is the council's vote on a proposal at a meeting.
type VoteInput struct {
	MeetingID string `json:"meeting_id"`
	For       int    `json:"votes_for"`
	Against   int    `json:"votes_against"`
	Abstain   int    `json:"votes_abstain"`
	Decision  string `json:"decision"` // what was decided, in words
}

// Vote records the vote on a proposal whose consultation is closed, at
// a meeting of its council: the members present there vote; the proposal
// passes when more than the council's quorum share of its members are
// present and more than its pass share of those present vote for it.
func (s *Service) Vote(ctx context.Context, proposalID string, in VoteInput) (Proposal, error) {
	var f apperr.Fields
	for _, x := range []struct {
		field string
		n     int
	}{{"votes_for", in.For}, {"votes_against", in.Against}, {"votes_abstain", in.Abstain}} {
		if x.n < 0 || x.n > 1000 {
			f.Add(x.field, "validation.range", "min", 0, "max", 1000)
		}
	}
	if in.MeetingID == "" {
		f.Add("meeting_id", "validation.required")
	}
	checkText(&f, "decision", in.Decision, 2000, true)
	if err := f.Err(); err != nil {
		return Proposal{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.proposal(ctx, tx, proposalID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if p.Status != "closed" {
			return apperr.E(apperr.Conflict, "village.vote_not_open")
		}
		c, err := s.council(ctx, tx, p.CouncilID, authz.VillageWrite)
		if err != nil {
			return err
		}
		var present int
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM village_attendance a JOIN village_meetings m ON m.id = a.meeting_id
			WHERE m.id = ? AND m.council_id = ? AND a.status = 'present'`, in.MeetingID, c.ID).Scan(&present)
		var exists bool
		if err == nil {
			err = tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM village_meetings WHERE id = ? AND council_id = ?)", in.MeetingID, c.ID).Scan(&exists)
		}
		if err != nil {
			return err
		}
		if !exists {
			return apperr.Field("meeting_id", "village.meeting_unknown")
		}
		if in.For+in.Against+in.Abstain > present {
			return apperr.Field("votes_for", "village.votes_exceed", "present", present)
		}
		result := "rejected"
		if Passes(len(c.Members), present, in.For, c.QuorumPercent, c.PassPercent) {
			result = "passed"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE village_proposals SET status = ?, meeting_id = ?, present = ?, votes_for = ?, votes_against = ?,
			votes_abstain = ?, decision = ?, decided_at = ?, version = version + 1 WHERE id = ?`, result, in.MeetingID, present, in.For, in.Against,
			in.Abstain, strings.TrimSpace(in.Decision), db.Now(), proposalID); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.vote", "village_proposal", proposalID, result)
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, proposalID)
}

// Passes is the council's rule: more than quorum% of the members present,
// and more than pass% of those present in favour.
func Passes(members, present, votesFor, quorumPercent, passPercent int) bool {
	return present*100 > quorumPercent*members && votesFor*100 > passPercent*present
}

// FollowUpInput adds a step of carrying out a passed proposal.
type FollowUpInput struct {
	Step  string `json:"step"`
	DueOn string `json:"due_on"`
}

// AddFollowUp adds a step to a passed proposal.
func (s *Service) AddFollowUp(ctx context.Context, proposalID string, in FollowUpInput) (Proposal, error) {
	var f apperr.Fields
	checkText(&f, "step", in.Step, 500, true)
	checkDay(&f, "due_on", in.DueOn)
	if err := f.Err(); err != nil {
		return Proposal{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.proposal(ctx, tx, proposalID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if p.Status != "passed" {
			return apperr.E(apperr.Conflict, "village.not_passed")
		}
		id := db.NewID()
		if _, err := tx.ExecContext(ctx, "INSERT INTO village_follow_ups (id, proposal_id, step, due_on, created_at) VALUES (?, ?, ?, ?, ?)",
			id, proposalID, strings.TrimSpace(in.Step), in.DueOn, db.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.follow_up", "village_proposal", proposalID, id)
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, proposalID)
}

// DoneInput marks a follow-up step done.
type DoneInput struct {
	DoneOn string `json:"done_on"`
}

// FollowUpDone marks a follow-up step done on a day.
func (s *Service) FollowUpDone(ctx context.Context, id string, in DoneInput) (Proposal, error) {
	var f apperr.Fields
	if checkDay(&f, "done_on", in.DoneOn) && in.DoneOn > s.today() {
		f.Add("done_on", "village.date_future")
	}
	if err := f.Err(); err != nil {
		return Proposal{}, err
	}
	var proposalID string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT proposal_id FROM village_follow_ups WHERE id = ?", id).Scan(&proposalID)
		if err != nil {
			return notFound(err, "village_follow_up")
		}
		if _, err := s.proposal(ctx, tx, proposalID, authz.VillageWrite); err != nil {
			return apperr.NotFoundf("village_follow_up")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE village_follow_ups SET done_on = ? WHERE id = ?", in.DoneOn, id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageWrite, "village.follow_up_done", "village_proposal", proposalID, id)
	})
	if err != nil {
		return Proposal{}, err
	}
	return s.Proposal(ctx, proposalID)
}
