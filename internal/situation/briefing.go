package situation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
)

// Briefing is a 平安稳定专报: drafted by the centre from a period's
// situations, sent to a leader for sign-off, issued with a number (the
// year's sequence) to chosen units, its figures frozen at issue; each unit
// acknowledges reading it and may reply.
type Briefing struct {
	ID         string      `json:"id"`
	RootID     string      `json:"root_id"`
	RootName   string      `json:"root_name"`
	Number     string      `json:"number"` // 2026年第32期, once issued
	Year       int         `json:"year"`
	Seq        int         `json:"seq"`
	Title      string      `json:"title"`
	PeriodFrom string      `json:"period_from"`
	PeriodTo   string      `json:"period_to"`
	Body       string      `json:"body"`
	Status     string      `json:"status"` // draft, review, issued
	Drafter    string      `json:"drafter"`
	ReviewNote string      `json:"review_note"`
	Signer     string      `json:"signer"`
	IssuedAt   *int64      `json:"issued_at"`
	Version    int         `json:"version"`
	UpdatedAt  int64       `json:"updated_at"`
	Units      int         `json:"units"` // how many units it went to
	Read       int         `json:"read"`  // how many have read it
	Figures    *Figures    `json:"figures,omitempty"`
	Recipients []Recipient `json:"recipients,omitempty"`
	// What the caller may do: edit and submit a draft (the centre), send
	// it back or issue it (a leader), reply for its unit (a recipient).
	CanEdit  bool `json:"can_edit"`
	CanSign  bool `json:"can_sign"`
	CanReply bool `json:"can_reply"`
	path     string
}

// Recipient is a unit a briefing went to, with its receipt and reply.
type Recipient struct {
	UnitID    string `json:"unit_id"`
	UnitName  string `json:"unit_name"`
	ReadAt    *int64 `json:"read_at"`
	ReadBy    string `json:"read_by"`
	Reply     string `json:"reply"`
	RepliedAt *int64 `json:"replied_at"`
	RepliedBy string `json:"replied_by"`
}

// PeriodCount is a number of situations in the period and in the period
// before of the same length.
type PeriodCount struct {
	Key    string `json:"key"`
	Count  int    `json:"count"`
	Before int    `json:"before"`
}

// TownPeriod is a town's situations in the period by kind.
type TownPeriod struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Kinds  map[string]int `json:"kinds"`
	Total  int            `json:"total"`
	Before int            `json:"before"`
}

// Figures are a period's situations as a briefing shows them: live in a
// draft, frozen once issued.
type Figures struct {
	From       string        `json:"from"`
	To         string        `json:"to"`
	Total      int           `json:"total"`
	Before     int           `json:"before"`
	Serious    int           `json:"serious"` // serious and major
	Closed     int           `json:"closed"`
	ByKind     []PeriodCount `json:"by_kind"`
	ByTown     []TownPeriod  `json:"by_town"`
	Categories []PeriodCount `json:"categories"` // the eight most frequent, kind/category
	FrozenAt   *int64        `json:"frozen_at"`
}

// BriefingInput is a draft's title, period and text (edits carry the
// version read).
type BriefingInput struct {
	Title      string `json:"title"`
	PeriodFrom string `json:"period_from"`
	PeriodTo   string `json:"period_to"`
	Body       string `json:"body"`
	Version    int    `json:"version"`
}

// IssueInput is the units a leader issues a briefing to.
type IssueInput struct {
	UnitIDs []string `json:"unit_ids"`
}

// NoteInput is a leader's reason to send a draft back, or a unit's reply.
type NoteInput struct {
	Text string `json:"text"`
}

const briefingCols = `b.id, b.root_id, COALESCE(b.year, 0), COALESCE(b.seq, 0), b.title, b.period_from, b.period_to, b.body, b.figures, b.status, b.drafter,
	b.review_note, b.signer, b.issued_at, b.version, b.updated_at, o.path, o.name,
	(SELECT count(*) FROM situation_briefing_units u WHERE u.briefing_id = b.id),
	(SELECT count(*) FROM situation_briefing_units u WHERE u.briefing_id = b.id AND u.read_at IS NOT NULL)`

func (s *Service) briefings(ctx context.Context, q db.Querier, cond string, args ...any) ([]Briefing, string, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+briefingCols+" FROM situation_briefings b JOIN org_nodes o ON o.id = b.root_id WHERE "+cond+
		" ORDER BY CASE WHEN b.issued_at IS NULL THEN 0 ELSE 1 END, b.issued_at DESC, b.updated_at DESC LIMIT 500", args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []Briefing{}
	var figures string
	for rows.Next() {
		var b Briefing
		if err := rows.Scan(&b.ID, &b.RootID, &b.Year, &b.Seq, &b.Title, &b.PeriodFrom, &b.PeriodTo, &b.Body, &figures, &b.Status, &b.Drafter,
			&b.ReviewNote, &b.Signer, &b.IssuedAt, &b.Version, &b.UpdatedAt, &b.path, &b.RootName, &b.Units, &b.Read); err != nil {
			return nil, "", err
		}
		if b.Seq > 0 {
			b.Number = fmt.Sprintf("%d年第%d期", b.Year, b.Seq)
		}
		out = append(out, b)
	}
	return out, figures, rows.Err()
}

// Briefings lists a root's briefings, the newest issued first, drafts
// before them for those who write or sign them; text searches the title
// and the body, year the issue year.
func (s *Service) Briefings(ctx context.Context, rootID, text, year string) ([]Briefing, error) {
	q := s.db.Reader()
	root, err := rootPath(ctx, q, authz.SituationRead, rootID)
	if err != nil {
		return nil, err
	}
	cond, args := "b.root_id = ?", []any{rootID}
	p := authz.From(ctx)
	if !p.Covers(authz.SituationSteer, root) && !p.Covers(authz.SituationSign, root) {
		cond += " AND b.status = 'issued'"
	}
	if t := strings.TrimSpace(text); t != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(t) + "%"
		cond, args = cond+" AND (b.title LIKE ? OR b.body LIKE ?)", append(args, like, like)
	}
	if year != "" {
		cond, args = cond+" AND b.year = ?", append(args, year)
	}
	out, _, err := s.briefings(ctx, q, cond, args...)
	return out, err
}

// MyBriefings lists the briefings issued to the caller's unit, newest first.
func (s *Service) MyBriefings(ctx context.Context) ([]Briefing, error) {
	unit := authz.From(ctx).UnitID
	if unit == "" {
		return []Briefing{}, nil
	}
	out, _, err := s.briefings(ctx, s.db.Reader(), "b.status = 'issued' AND b.id IN (SELECT briefing_id FROM situation_briefing_units WHERE unit_id = ?)", unit)
	return out, err
}

// recipient reports whether the caller works for a unit the briefing went to.
func recipient(ctx context.Context, q db.Querier, id string) (bool, error) {
	unit := authz.From(ctx).UnitID
	if unit == "" {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM situation_briefing_units WHERE briefing_id = ? AND unit_id = ?", id, unit).Scan(&n)
	return n > 0, err
}

// briefing reads one briefing for the caller: readers of its root see the
// issued ones, the centre and the leaders the drafts too, a recipient
// unit's staff the one sent to them; not found otherwise.
func (s *Service) briefing(ctx context.Context, q db.Querier, id string) (Briefing, string, bool, error) {
	list, figures, err := s.briefings(ctx, q, "b.id = ?", id)
	if err != nil {
		return Briefing{}, "", false, err
	}
	if len(list) == 0 {
		return Briefing{}, "", false, apperr.NotFoundf("situation_briefing")
	}
	b, p := list[0], authz.From(ctx)
	b.CanEdit = b.Status == "draft" && p.Covers(authz.SituationSteer, b.path)
	b.CanSign = b.Status == "review" && p.Covers(authz.SituationSign, b.path)
	mine, err := recipient(ctx, q, id)
	if err != nil {
		return b, "", false, err
	}
	b.CanReply = mine && b.Status == "issued"
	switch {
	case b.Status == "issued" && (p.Covers(authz.SituationRead, b.path) || mine):
	case p.Covers(authz.SituationSteer, b.path) || p.Covers(authz.SituationSign, b.path):
	default:
		return Briefing{}, "", false, apperr.NotFoundf("situation_briefing")
	}
	return b, figures, mine, nil
}

// Briefing shows a briefing with its figures (live in a draft, frozen once
// issued) and its recipients' receipts. A recipient unit's first reading
// is its read receipt.
func (s *Service) Briefing(ctx context.Context, id string) (Briefing, error) {
	var b Briefing
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var figures string
		var mine bool
		var err error
		if b, figures, mine, err = s.briefing(ctx, tx, id); err != nil {
			return err
		}
		if mine && b.Status == "issued" {
			p := authz.From(ctx)
			res, err := tx.ExecContext(ctx, "UPDATE situation_briefing_units SET read_at = ?, read_by = ? WHERE briefing_id = ? AND unit_id = ? AND read_at IS NULL",
				s.now(), p.DisplayName, id, p.UnitID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				b.Read++
			}
		}
		if figures != "" {
			b.Figures = &Figures{}
			if err := json.Unmarshal([]byte(figures), b.Figures); err != nil {
				return err
			}
		} else {
			f, err := s.figures(ctx, tx, b.RootID, b.PeriodFrom, b.PeriodTo)
			if err != nil {
				return err
			}
			b.Figures = &f
		}
		if err := s.recipients(ctx, tx, &b); err != nil {
			return err
		}
		// A unit it went to sees its own receipt, not the others'.
		p := authz.From(ctx)
		if !p.Covers(authz.SituationRead, b.path) && !p.Covers(authz.SituationSteer, b.path) && !p.Covers(authz.SituationSign, b.path) {
			b.Recipients = slices.DeleteFunc(b.Recipients, func(r Recipient) bool { return r.UnitID != p.UnitID })
		}
		return nil
	})
	return b, err
}

func (s *Service) recipients(ctx context.Context, q db.Querier, b *Briefing) error {
	rows, err := q.QueryContext(ctx, "SELECT unit_id, unit_name, read_at, read_by, reply, replied_at, replied_by FROM situation_briefing_units WHERE briefing_id = ? ORDER BY unit_name", b.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	b.Recipients = []Recipient{}
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.UnitID, &r.UnitName, &r.ReadAt, &r.ReadBy, &r.Reply, &r.RepliedAt, &r.RepliedBy); err != nil {
			return err
		}
		b.Recipients = append(b.Recipients, r)
	}
	return rows.Err()
}

// figures counts a root's situations of the period (by kind, town and
// category, the serious and the closed) beside the period before of the
// same length.
func (s *Service) figures(ctx context.Context, q db.Querier, rootID, from, to string) (Figures, error) {
	f := Figures{From: from, To: to, ByKind: []PeriodCount{}, ByTown: []TownPeriod{}, Categories: []PeriodCount{}}
	a, _ := time.Parse("2006-01-02", from)
	b, _ := time.Parse("2006-01-02", to)
	days := int(b.Sub(a).Hours()/24) + 1
	before := a.AddDate(0, 0, -days).Format("2006-01-02")
	rows, err := q.QueryContext(ctx, `SELECT s.kind, s.category, s.level, s.status, s.town_id, t.name, s.day >= ? FROM situations s JOIN org_nodes t ON t.id = s.town_id
		WHERE s.root_id = ? AND s.day >= ? AND s.day <= ?`, from, rootID, before, to)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	kinds, cats, towns := map[string]*PeriodCount{}, map[string]*PeriodCount{}, map[string]*TownPeriod{}
	count := func(m map[string]*PeriodCount, key string, in bool) {
		c := m[key]
		if c == nil {
			c = &PeriodCount{Key: key}
			m[key] = c
		}
		if in {
			c.Count++
		} else {
			c.Before++
		}
	}
	for rows.Next() {
		var kind, cat, level, status, town, name string
		var in bool
		if err := rows.Scan(&kind, &cat, &level, &status, &town, &name, &in); err != nil {
			return f, err
		}
		count(kinds, kind, in)
		count(cats, kind+"/"+cat, in)
		t := towns[town]
		if t == nil {
			t = &TownPeriod{ID: town, Name: name, Kinds: map[string]int{}}
			towns[town] = t
		}
		if !in {
			f.Before++
			t.Before++
			continue
		}
		f.Total++
		t.Total++
		t.Kinds[kind]++
		if level != "general" {
			f.Serious++
		}
		if status == "closed" {
			f.Closed++
		}
	}
	for _, k := range Kinds {
		if c := kinds[k]; c != nil {
			f.ByKind = append(f.ByKind, *c)
		} else {
			f.ByKind = append(f.ByKind, PeriodCount{Key: k})
		}
	}
	for _, c := range cats {
		f.Categories = append(f.Categories, *c)
	}
	sort.Slice(f.Categories, func(i, j int) bool {
		x, y := f.Categories[i], f.Categories[j]
		return x.Count > y.Count || x.Count == y.Count && x.Key < y.Key
	})
	f.Categories = f.Categories[:min(8, len(f.Categories))]
	for _, t := range towns {
		f.ByTown = append(f.ByTown, *t)
	}
	sort.Slice(f.ByTown, func(i, j int) bool {
		x, y := f.ByTown[i], f.ByTown[j]
		return x.Total > y.Total || x.Total == y.Total && x.Name < y.Name
	})
	return f, rows.Err()
}

func (s *Service) checkBriefing(in *BriefingInput) error {
	var f apperr.Fields
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if n := len([]rune(in.Title)); n < 4 || n > 100 {
		f.Add("title", "validation.length", "min", 4, "max", 100)
	}
	if len([]rune(in.Body)) > 20000 {
		f.Add("body", "validation.length", "min", 0, "max", 20000)
	}
	a, errA := time.Parse("2006-01-02", in.PeriodFrom)
	b, errB := time.Parse("2006-01-02", in.PeriodTo)
	switch {
	case errA != nil:
		f.Add("period_from", "validation.date")
	case errB != nil:
		f.Add("period_to", "validation.date")
	case b.Before(a) || b.Sub(a) > 366*24*time.Hour:
		f.Add("period_to", "situation.period")
	case in.PeriodTo > s.Now().In(Zone).Format("2006-01-02"):
		f.Add("period_to", "situation.future")
	}
	return f.Err()
}

// DraftBriefing starts a briefing of a root (situation.steer). Audited.
func (s *Service) DraftBriefing(ctx context.Context, rootID string, in BriefingInput) (Briefing, error) {
	if err := s.checkBriefing(&in); err != nil {
		return Briefing{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SituationSteer, rootID); err != nil {
			return err
		}
		p, now := authz.From(ctx), s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO situation_briefings (id, root_id, title, period_from, period_to, body, figures, status, drafter, review_note, signer,
			version, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', 'draft', ?, '', '', 1, ?, ?, ?)`,
			id, rootID, in.Title, in.PeriodFrom, in.PeriodTo, in.Body, p.DisplayName, p.UserID, now, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SituationSteer, "situation.briefing.draft", "situation_briefing", id, in.Title)
	})
	if err != nil {
		return Briefing{}, err
	}
	return s.Briefing(ctx, id)
}

// step moves a briefing the caller may act on from one status to another
// (version checked where given), with what the step writes.
func (s *Service) step(ctx context.Context, id string, perm authz.Perm, from, action string, write func(tx *db.Tx, b Briefing) error) (Briefing, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		b, _, _, err := s.briefing(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(perm, b.path) {
			return apperr.NotFoundf("situation_briefing")
		}
		if b.Status != from {
			return apperr.E(apperr.Conflict, "situation.briefing_status", "status", b.Status)
		}
		if err := write(tx, b); err != nil {
			return err
		}
		return s.record(ctx, tx, perm, action, "situation_briefing", id, "")
	})
	if err != nil {
		return Briefing{}, err
	}
	return s.Briefing(ctx, id)
}

// SaveBriefing edits a draft (version checked).
func (s *Service) SaveBriefing(ctx context.Context, id string, in BriefingInput) (Briefing, error) {
	if err := s.checkBriefing(&in); err != nil {
		return Briefing{}, err
	}
	return s.step(ctx, id, authz.SituationSteer, "draft", "situation.briefing.save", func(tx *db.Tx, b Briefing) error {
		res, err := tx.ExecContext(ctx, "UPDATE situation_briefings SET title = ?, period_from = ?, period_to = ?, body = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			in.Title, in.PeriodFrom, in.PeriodTo, in.Body, s.now(), id, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "situation.stale")
		}
		return nil
	})
}

// SubmitBriefing sends a draft for sign-off; its text must be written.
func (s *Service) SubmitBriefing(ctx context.Context, id string) (Briefing, error) {
	return s.step(ctx, id, authz.SituationSteer, "draft", "situation.briefing.submit", func(tx *db.Tx, b Briefing) error {
		if len([]rune(b.Body)) < 20 {
			return apperr.Refuse("body", "situation.body_required")
		}
		_, err := tx.ExecContext(ctx, "UPDATE situation_briefings SET status = 'review', review_note = '', version = version + 1, updated_at = ? WHERE id = ?", s.now(), id)
		return err
	})
}

// ReturnBriefing sends a briefing under review back to its drafter with
// the leader's reason (situation.sign).
func (s *Service) ReturnBriefing(ctx context.Context, id string, in NoteInput) (Briefing, error) {
	in.Text = strings.TrimSpace(in.Text)
	if n := len([]rune(in.Text)); n < 2 || n > 500 {
		return Briefing{}, apperr.Refuse("text", "validation.length", "min", 2, "max", 500)
	}
	return s.step(ctx, id, authz.SituationSign, "review", "situation.briefing.return", func(tx *db.Tx, b Briefing) error {
		_, err := tx.ExecContext(ctx, "UPDATE situation_briefings SET status = 'draft', review_note = ?, version = version + 1, updated_at = ? WHERE id = ?", in.Text, s.now(), id)
		return err
	})
}

// IssueBriefing signs off a briefing under review and issues it to the
// units named (units of its root): it takes the year's next number, its
// figures are frozen as they stand, and each unit's staff are told.
func (s *Service) IssueBriefing(ctx context.Context, id string, in IssueInput) (Briefing, error) {
	if len(in.UnitIDs) == 0 || len(in.UnitIDs) > 200 {
		return Briefing{}, apperr.Refuse("unit_ids", "validation.range", "min", 1, "max", 200)
	}
	return s.step(ctx, id, authz.SituationSign, "review", "situation.briefing.issue", func(tx *db.Tx, b Briefing) error {
		now := s.now()
		year := time.UnixMilli(now).In(Zone).Year()
		var seq int
		if err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, n) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n`,
			fmt.Sprintf("situation_briefing:%s:%d", b.RootID, year)).Scan(&seq); err != nil {
			return err
		}
		f, err := s.figures(ctx, tx, b.RootID, b.PeriodFrom, b.PeriodTo)
		if err != nil {
			return err
		}
		f.FrozenAt = &now
		frozen, _ := json.Marshal(f)
		if _, err := tx.ExecContext(ctx, "UPDATE situation_briefings SET status = 'issued', year = ?, seq = ?, figures = ?, signer = ?, issued_at = ?, version = version + 1, updated_at = ? WHERE id = ?",
			year, seq, string(frozen), authz.From(ctx).DisplayName, now, now, id); err != nil {
			return err
		}
		var users []string
		for i, u := range slices.Compact(slices.Sorted(slices.Values(in.UnitIDs))) {
			name, path, err := casework.UnitAt(ctx, tx, u)
			if errors.Is(err, sql.ErrNoRows) || err == nil && !strings.HasPrefix(path, b.path) {
				return apperr.Refuse(fmt.Sprintf("unit_ids[%d]", i), "situation.unit")
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO situation_briefing_units (briefing_id, unit_id, unit_name, read_by, reply, replied_by) VALUES (?, ?, ?, '', '', '')", id, u, name); err != nil {
				return err
			}
			staff, err := account.UnitMembers(ctx, tx, u)
			if err != nil {
				return err
			}
			users = append(users, staff...)
		}
		if s.Notices == nil || len(users) == 0 {
			return nil
		}
		return s.Notices.Notify(ctx, tx, users, "situation_briefing", fmt.Sprintf("《平安稳定专报》%d年第%d期已印发：%s。请在“平安稳定专报”中阅读并反馈。", year, seq, b.Title))
	})
}

// ReplyBriefing records the caller's unit's reply to an issued briefing
// (a second reply replaces the first).
func (s *Service) ReplyBriefing(ctx context.Context, id string, in NoteInput) (Briefing, error) {
	in.Text = strings.TrimSpace(in.Text)
	if n := len([]rune(in.Text)); n < 2 || n > 2000 {
		return Briefing{}, apperr.Refuse("text", "validation.length", "min", 2, "max", 2000)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		b, _, mine, err := s.briefing(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mine || b.Status != "issued" {
			return apperr.NotFoundf("situation_briefing")
		}
		p, now := authz.From(ctx), s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE situation_briefing_units SET reply = ?, replied_at = ?, replied_by = ?, read_at = COALESCE(read_at, ?),
			read_by = CASE WHEN read_by = '' THEN ? ELSE read_by END WHERE briefing_id = ? AND unit_id = ?`, in.Text, now, p.DisplayName, now, p.DisplayName, id, p.UnitID); err != nil {
			return err
		}
		return s.record(ctx, tx, "", "situation.briefing.reply", "situation_briefing", id, "")
	})
	if err != nil {
		return Briefing{}, err
	}
	return s.Briefing(ctx, id)
}
