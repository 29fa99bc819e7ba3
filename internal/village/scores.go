package village

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
)

// Settings are a village's choices for its public list.
type Settings struct {
	Display      string `json:"display"`                 // surname (张**), full, house_no
	RecogniseTop int    `json:"recognise_top"`           // the top N are recognised (0: no limit by rank)
	RecogniseMin *int   `json:"recognise_min,omitempty"` // a total at or above this is recognised
	Title        string `json:"title"`                   // 文明户, 星级户, …
}

// Rule is an article of the village rules (村规民约).
type Rule struct {
	No   int    `json:"no"`
	Text string `json:"text"`
}

// Item is an item of a score sheet.
type Item struct {
	ID     string `json:"id,omitempty"`
	No     int    `json:"no"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`   // plus, minus, veto
	Points int    `json:"points"` // signed: +5, −2; 0 for a veto
	RuleNo *int   `json:"rule_no,omitempty"`
}

// Sheet is one version of a village's score sheet.
type Sheet struct {
	ID        string `json:"id"`
	Version   int    `json:"version"`
	Title     string `json:"title"`
	Items     []Item `json:"items"`
	CreatedAt int64  `json:"created_at"`
}

// Scoring is a village's sheet with its rules and settings.
type Scoring struct {
	OrgID    string   `json:"org_id"`
	OrgName  string   `json:"org_name"`
	OrgCode  string   `json:"org_code"`
	Settings Settings `json:"settings"`
	Rules    []Rule   `json:"rules"`
	Sheet    *Sheet   `json:"sheet"`    // the version in force (nil before the first)
	Versions int      `json:"versions"` // how many versions there have been
	Scored   bool     `json:"scored"`   // the version in force has scores: saving makes a new one
}

// ScoringInput saves the settings, the rules and the sheet.
type ScoringInput struct {
	Settings
	Rules      []Rule `json:"rules"`
	SheetTitle string `json:"sheet_title"`
	Items      []Item `json:"items"`
}

func (in *ScoringInput) check() error {
	var f apperr.Fields
	checkOne(&f, "display", in.Display, Displays)
	if in.RecogniseTop < 0 || in.RecogniseTop > 1000 {
		f.Add("recognise_top", "validation.range", "min", 0, "max", 1000)
	}
	checkText(&f, "title", in.Title, 20, true)
	checkText(&f, "sheet_title", in.SheetTitle, 100, true)
	if len(in.Rules) > 200 {
		f.Add("rules", "validation.length", "min", 0, "max", 200)
	}
	rules := map[int]bool{}
	for i, r := range in.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		if r.No < 1 || rules[r.No] {
			f.Add(field+".no", "village.rule_no")
		}
		rules[r.No] = true
		checkText(&f, field+".text", r.Text, 1000, true)
	}
	if len(in.Items) == 0 || len(in.Items) > 100 {
		f.Add("items", "validation.length", "min", 1, "max", 100)
	}
	for i := range in.Items {
		it := &in.Items[i]
		it.No = i + 1
		field := fmt.Sprintf("items[%d]", i)
		checkText(&f, field+".name", it.Name, 100, true)
		checkOne(&f, field+".kind", it.Kind, ItemKinds)
		switch it.Kind {
		case "veto":
			if it.Points != 0 {
				f.Add(field+".points", "village.veto_points")
			}
		case "plus":
			if it.Points < 1 || it.Points > 100 {
				f.Add(field+".points", "village.plus_points")
			}
		case "minus":
			if it.Points > -1 || it.Points < -100 {
				f.Add(field+".points", "village.minus_points")
			}
		}
		if it.RuleNo != nil && !rules[*it.RuleNo] {
			f.Add(field+".rule_no", "village.rule_unknown")
		}
	}
	return f.Err()
}

func (s *Service) settings(ctx context.Context, q db.Querier, orgID string) (Settings, error) {
	st := Settings{Display: "surname", RecogniseTop: 10, Title: "文明户"}
	var min sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT display, recognise_top, recognise_min, title FROM village_settings WHERE org_id = ?", orgID).
		Scan(&st.Display, &st.RecogniseTop, &min, &st.Title)
	if min.Valid {
		m := int(min.Int64)
		st.RecogniseMin = &m
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return st, err
}

func (s *Service) sheet(ctx context.Context, q db.Querier, where string, args ...any) (*Sheet, error) {
	var sh Sheet
	err := q.QueryRowContext(ctx, "SELECT id, version, title, created_at FROM village_sheets WHERE "+where, args...).
		Scan(&sh.ID, &sh.Version, &sh.Title, &sh.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT id, no, name, kind, points, rule_no FROM village_sheet_items WHERE sheet_id = ? ORDER BY no", sh.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var it Item
		var rule sql.NullInt64
		if err := rows.Scan(&it.ID, &it.No, &it.Name, &it.Kind, &it.Points, &rule); err != nil {
			return nil, err
		}
		if rule.Valid {
			r := int(rule.Int64)
			it.RuleNo = &r
		}
		sh.Items = append(sh.Items, it)
	}
	return &sh, rows.Err()
}

// Scoring returns village orgID's settings, rules and the sheet in force.
func (s *Service) Scoring(ctx context.Context, orgID string) (Scoring, error) {
	q := s.db.Reader()
	if _, err := anyPathIn(ctx, q, orgID, authz.VillageRead, authz.VillageScore); err != nil {
		return Scoring{}, err
	}
	return s.scoring(ctx, q, orgID)
}

func (s *Service) scoring(ctx context.Context, q db.Querier, orgID string) (Scoring, error) {
	out := Scoring{OrgID: orgID, Rules: []Rule{}}
	var err error
	if out.OrgCode, out.OrgName, err = org.CodeNameOf(ctx, q, orgID); err != nil {
		return out, err
	}
	if out.Settings, err = s.settings(ctx, q, orgID); err != nil {
		return out, err
	}
	rows, err := q.QueryContext(ctx, "SELECT no, text FROM village_rules WHERE org_id = ? ORDER BY no", orgID)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.No, &r.Text); err != nil {
			rows.Close()
			return out, err
		}
		out.Rules = append(out.Rules, r)
	}
	rows.Close()
	if out.Sheet, err = s.sheet(ctx, q, "org_id = ? AND current = 1", orgID); err != nil {
		return out, err
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM village_sheets WHERE org_id = ?", orgID).Scan(&out.Versions); err != nil {
		return out, err
	}
	if out.Sheet != nil {
		err = q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM village_scores WHERE sheet_id = ?)", out.Sheet.ID).Scan(&out.Scored)
	}
	return out, err
}

// SaveScoring saves village orgID's settings, rules and sheet. The sheet
// in force is changed in place while no score was recorded under it;
// once one was, saving makes a new version and the old scores keep
// theirs.
func (s *Service) SaveScoring(ctx context.Context, orgID string, in ScoringInput) (Scoring, error) {
	if err := in.check(); err != nil {
		return Scoring{}, err
	}
	var out Scoring
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := villagePath(ctx, tx, authz.VillageWrite, orgID, "org_id")
		if err != nil {
			return err
		}
		now := db.Now()
		var min any
		if in.RecogniseMin != nil {
			min = *in.RecogniseMin
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO village_settings (org_id, path, display, recognise_top, recognise_min, title, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET display = excluded.display, recognise_top = excluded.recognise_top,
			recognise_min = excluded.recognise_min, title = excluded.title, version = village_settings.version + 1, updated_at = excluded.updated_at`,
			orgID, path, in.Display, in.RecogniseTop, min, strings.TrimSpace(in.Title), now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM village_rules WHERE org_id = ?", orgID); err != nil {
			return err
		}
		for _, r := range in.Rules {
			if _, err := tx.ExecContext(ctx, "INSERT INTO village_rules (id, org_id, path, no, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				db.NewID(), orgID, path, r.No, strings.TrimSpace(r.Text), now); err != nil {
				return err
			}
		}
		cur, err := s.sheet(ctx, tx, "org_id = ? AND current = 1", orgID)
		if err != nil {
			return err
		}
		scored := false
		if cur != nil {
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM village_scores WHERE sheet_id = ?)", cur.ID).Scan(&scored); err != nil {
				return err
			}
		}
		sheetID := ""
		switch {
		case cur != nil && !scored:
			sheetID = cur.ID
			if _, err := tx.ExecContext(ctx, "UPDATE village_sheets SET title = ? WHERE id = ?", strings.TrimSpace(in.SheetTitle), sheetID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM village_sheet_items WHERE sheet_id = ?", sheetID); err != nil {
				return err
			}
		default:
			version := 1
			if cur != nil {
				version = cur.Version + 1
				if _, err := tx.ExecContext(ctx, "UPDATE village_sheets SET current = 0 WHERE id = ?", cur.ID); err != nil {
					return err
				}
			}
			sheetID = db.NewID()
			if _, err := tx.ExecContext(ctx, "INSERT INTO village_sheets (id, org_id, path, version, title, current, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
				sheetID, orgID, path, version, strings.TrimSpace(in.SheetTitle), now); err != nil {
				return err
			}
		}
		for _, it := range in.Items {
			var rule any
			if it.RuleNo != nil {
				rule = *it.RuleNo
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO village_sheet_items (id, sheet_id, no, name, kind, points, rule_no) VALUES (?, ?, ?, ?, ?, ?, ?)",
				db.NewID(), sheetID, it.No, strings.TrimSpace(it.Name), it.Kind, it.Points, rule); err != nil {
				return err
			}
		}
		if err := s.record(ctx, tx, authz.VillageWrite, "village.sheet_save", "village_sheet", sheetID, ""); err != nil {
			return err
		}
		out, err = s.scoring(ctx, tx, orgID)
		return err
	})
	return out, err
}

// ---- households ----

// Household is a household of the village as the score pages show it.
type Household struct {
	ID      string `json:"id"`
	No      string `json:"no"`
	Display string `json:"display"` // as the village chose to show it
}

func display(choice string, h registry.HouseholdRef) string {
	switch {
	case choice == "full" && h.Head != "":
		return h.Head
	case choice == "surname" && h.Head != "":
		return pii.MaskName(h.Head)
	}
	return h.No + "户"
}

// Households lists the households of village orgID by number, named as
// the village chose.
func (s *Service) Households(ctx context.Context, orgID string) ([]Household, error) {
	q := s.db.Reader()
	if _, err := anyPathIn(ctx, q, orgID, authz.VillageRead, authz.VillageScore); err != nil {
		return nil, err
	}
	st, err := s.settings(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	hs, err := registry.HouseholdRefsIn(ctx, q, orgID)
	out := make([]Household, 0, len(hs))
	for _, h := range hs {
		out = append(out, Household{ID: h.ID, No: h.No, Display: display(st.Display, h)})
	}
	return out, err
}

// ---- scores ----

// ScoreInput records one item of the sheet in force for a household.
type ScoreInput struct {
	HouseholdID string `json:"household_id"`
	ItemID      string `json:"item_id"`
	On          string `json:"on"`               // YYYY-MM-DD; its month is the month scored
	Points      *int   `json:"points,omitempty"` // when not the item's own (a plus or minus item only)
	Evidence    string `json:"evidence"`         // photo, witness, council
	Detail      string `json:"detail"`           // what was seen, the witness's name, the council's decision
	// Photos are base64 JPEG or PNG (a data: URL is taken), at most
	// MaxPhotos; evidence "photo" needs one.
	Photos []string `json:"photos,omitempty"`
}

// MaxPhotos is the most photos a score is recorded with.
const MaxPhotos = 3

// Score is a recorded score.
type Score struct {
	ID          string  `json:"id"`
	HouseholdID string  `json:"household_id"`
	Household   string  `json:"household"`
	HouseholdNo string  `json:"household_no"`
	SheetVer    int     `json:"sheet_version"`
	ItemID      string  `json:"item_id"`
	ItemName    string  `json:"item_name"`
	Kind        string  `json:"kind"`
	Month       string  `json:"month"`
	On          string  `json:"on"`
	Points      int     `json:"points"`
	Veto        bool    `json:"veto"`
	Evidence    string  `json:"evidence"`
	Detail      string  `json:"detail"`
	Photos      int     `json:"photos"` // numbered 1…n: /api/v1/village-scores/{id}/photos/{n}
	Status      string  `json:"status"` // counted, appealed, overturned
	Appeal      *Appeal `json:"appeal,omitempty"`
	CreatedAt   int64   `json:"created_at"`
}

// Appeal is an appeal against a score.
type Appeal struct {
	ID        string `json:"id"`
	LodgedBy  string `json:"lodged_by"`
	Reason    string `json:"reason"`
	Status    string `json:"status"` // pending, upheld, overturned
	Decision  string `json:"decision"`
	LodgedAt  int64  `json:"lodged_at"`
	DecidedAt *int64 `json:"decided_at,omitempty"`
}

// RecordScore records a household's score. The household must be of the
// village; a veto item takes no points; a published month takes no more.
// key, when it names one, makes a retry (a phone resending after a lost
// answer) answer with the score the first request recorded.
func (s *Service) RecordScore(ctx context.Context, orgID string, in ScoreInput, key idem.Key) (Score, error) {
	var f apperr.Fields
	if in.HouseholdID == "" {
		f.Add("household_id", "validation.required")
	}
	if in.ItemID == "" {
		f.Add("item_id", "validation.required")
	}
	dayOK := checkDay(&f, "on", in.On)
	if dayOK && in.On > s.today() {
		f.Add("on", "village.date_future")
	}
	checkOne(&f, "evidence", in.Evidence, Evidences)
	checkText(&f, "detail", in.Detail, 500, true)
	if in.Evidence == "photo" && len(in.Photos) == 0 {
		f.Add("photos", "village.photo_required")
	}
	if err := f.Err(); err != nil {
		return Score{}, err
	}
	pics, err := photo.FromBase64(ctx, "photos", in.Photos, MaxPhotos)
	if err != nil {
		return Score{}, err
	}
	id, err := s.createScore(ctx, key, func(tx *db.Tx, id string) error {
		path, err := villagePath(ctx, tx, authz.VillageScore, orgID, "org_id")
		if err != nil {
			return err
		}
		h, err := registry.HouseholdRefOf(ctx, tx, in.HouseholdID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (h.OrgID != orgID || !h.Active)) {
			return apperr.Field("household_id", "village.household_outside")
		}
		if err != nil {
			return err
		}
		var it Item
		var sheetID string
		err = tx.QueryRowContext(ctx, `SELECT i.id, i.kind, i.points, s.id FROM village_sheet_items i JOIN village_sheets s ON s.id = i.sheet_id
			WHERE i.id = ? AND s.org_id = ? AND s.current = 1`, in.ItemID, orgID).Scan(&it.ID, &it.Kind, &it.Points, &sheetID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("item_id", "village.item_unknown")
		}
		if err != nil {
			return err
		}
		points := it.Points
		if in.Points != nil {
			switch {
			case it.Kind == "veto":
				return apperr.Field("points", "village.veto_points")
			case it.Kind == "plus" && (*in.Points < 1 || *in.Points > 100):
				return apperr.Field("points", "village.plus_points")
			case it.Kind == "minus" && (*in.Points > -1 || *in.Points < -100):
				return apperr.Field("points", "village.minus_points")
			}
			points = *in.Points
		}
		month := in.On[:7]
		var status string
		err = tx.QueryRowContext(ctx, "SELECT status FROM village_months WHERE org_id = ? AND month = ?", orgID, month).Scan(&status)
		if err == nil && status == "published" {
			return apperr.Field("on", "village.month_published")
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		veto := 0
		if it.Kind == "veto" {
			veto = 1
		}
		p := authz.From(ctx)
		_, err = tx.ExecContext(ctx, `INSERT INTO village_scores (id, org_id, path, household_id, sheet_id, item_id, month, on_day, points, veto,
			evidence, detail_sealed, status, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'counted', ?, ?)`,
			id, orgID, path, h.ID, sheetID, it.ID, month, in.On, points, veto, in.Evidence,
			s.vault.Seal("village.detail", id, strings.TrimSpace(in.Detail)), p.UserID, db.Now())
		if err != nil {
			return err
		}
		for i, pic := range pics {
			pid := db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO village_score_photos (id, score_id, seq, content_type, size, data_sealed, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, pid, id, i+1, pic.Type, len(pic.Data),
				s.vault.Seal("village.photo", pid, base64.StdEncoding.EncodeToString(pic.Data)), db.Now()); err != nil {
				return err
			}
		}
		// A month scored again after its review waits for a new review.
		if _, err := tx.ExecContext(ctx, "DELETE FROM village_months WHERE org_id = ? AND month = ? AND status = 'reviewed'", orgID, month); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VillageScore, "village.score", "village_score", id, "")
	})
	if err != nil {
		return Score{}, err
	}
	out, err := s.scores(ctx, s.db.Reader(), " AND x.id = ?", id)
	if err != nil || len(out) == 0 {
		return Score{}, errors.Join(err, apperr.NotFoundf("village_score"))
	}
	return out[0], nil
}

// createScore writes a new score (write gets its id) under the request's
// idempotency key and returns the id written, or the first request's.
func (s *Service) createScore(ctx context.Context, key idem.Key, write func(tx *db.Tx, id string) error) (string, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) {
			id := db.NewID()
			return id, write(tx, id)
		})
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.createScore(ctx, key, write) // another request with the key committed first: answer as it did
	}
	return id, err
}

const scoreCols = `x.id, x.household_id, x.org_id, x.path, sh.version, x.item_id, i.name, i.kind, x.month, x.on_day, x.points, x.veto, x.evidence,
	x.detail_sealed, (SELECT count(*) FROM village_score_photos ph WHERE ph.score_id = x.id), x.status, x.created_at, COALESCE(a.id, ''), COALESCE(a.lodged_by, ''), COALESCE(a.reason, ''), COALESCE(a.status, ''),
	COALESCE(a.decision, ''), COALESCE(a.lodged_at, 0), a.decided_at`

func (s *Service) scores(ctx context.Context, q db.Querier, where string, args ...any) ([]Score, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+scoreCols+` FROM village_scores x JOIN village_sheets sh ON sh.id = x.sheet_id
		JOIN village_sheet_items i ON i.id = x.item_id
		LEFT JOIN village_appeals a ON a.id = (SELECT id FROM village_appeals WHERE score_id = x.id ORDER BY lodged_at DESC, id DESC LIMIT 1)
		WHERE 1 = 1`+where+" ORDER BY x.on_day DESC, x.created_at DESC LIMIT 2000", args...)
	if err != nil {
		return nil, err
	}
	type row struct {
		Score
		orgID, path string
	}
	var list []row
	for rows.Next() {
		var r row
		var sealed string
		var a Appeal
		var decided sql.NullInt64
		if err := rows.Scan(&r.ID, &r.HouseholdID, &r.orgID, &r.path, &r.SheetVer, &r.ItemID, &r.ItemName, &r.Kind, &r.Month, &r.On, &r.Points,
			&r.Veto, &r.Evidence, &sealed, &r.Photos, &r.Status, &r.CreatedAt, &a.ID, &a.LodgedBy, &a.Reason, &a.Status, &a.Decision, &a.LodgedAt, &decided); err != nil {
			rows.Close()
			return nil, err
		}
		r.Detail, _ = s.vault.Open("village.detail", r.ID, sealed)
		if a.ID != "" {
			if decided.Valid {
				a.DecidedAt = &decided.Int64
			}
			r.Appeal = &a
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names := map[string]map[string]Household{}
	out := make([]Score, 0, len(list))
	for _, r := range list {
		hs, ok := names[r.orgID]
		if !ok {
			st, err := s.settings(ctx, q, r.orgID)
			if err != nil {
				return nil, err
			}
			refs, err := registry.HouseholdRefsIn(ctx, q, r.orgID)
			if err != nil {
				return nil, err
			}
			hs = map[string]Household{}
			for _, h := range refs {
				hs[h.ID] = Household{ID: h.ID, No: h.No, Display: display(st.Display, h)}
			}
			names[r.orgID] = hs
		}
		h, ok := hs[r.HouseholdID]
		if !ok {
			ref, err := registry.HouseholdRefOf(ctx, q, r.HouseholdID)
			if err == nil {
				h = Household{No: ref.No, Display: ref.No + "户"}
			}
		}
		r.Household, r.HouseholdNo = h.Display, h.No
		out = append(out, r.Score)
	}
	return out, nil
}

// Scores lists village orgID's scores of a month, newest first (an
// audited read: a score may tell of a household's troubles).
func (s *Service) Scores(ctx context.Context, orgID, month string) ([]Score, error) {
	if err := checkMonth(month); err != nil {
		return nil, err
	}
	q := s.db.Reader()
	if _, err := anyPathIn(ctx, q, orgID, authz.VillageRead, authz.VillageScore); err != nil {
		return nil, err
	}
	out, err := s.scores(ctx, q, " AND x.org_id = ? AND x.month = ?", orgID, month)
	if err != nil {
		return nil, err
	}
	return out, s.audit.RecordAlone(ctx, s.db, authz.VillageRead, auditEntry("village.scores_read", "org_node", orgID, month))
}

// Photo returns photo seq (1…) of a score to those who may read or record
// the village's scores; each look is audited, as a score's photo may show a
// household's troubles. An unknown photo and one the caller may not see
// get the same answer.
func (s *Service) Photo(ctx context.Context, scoreID string, seq int) ([]byte, string, error) {
	q := s.db.Reader()
	var path, id, ct, sealed string
	err := q.QueryRowContext(ctx, `SELECT x.path, ph.id, ph.content_type, ph.data_sealed FROM village_score_photos ph
		JOIN village_scores x ON x.id = ph.score_id WHERE ph.score_id = ? AND ph.seq = ?`, scoreID, seq).Scan(&path, &id, &ct, &sealed)
	if err != nil || !covers(ctx, path, authz.VillageRead, authz.VillageScore) {
		return nil, "", errors.Join(notFound(err, "village_photo"), apperr.NotFoundf("village_photo"))
	}
	b64, err := s.vault.Open("village.photo", id, sealed)
	if err != nil {
		return nil, "", err
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, "", err
	}
	return data, ct, s.audit.RecordAlone(ctx, s.db, authz.VillageRead, auditEntry("village.photo_view", "village_score", scoreID, strconv.Itoa(seq)))
}

// ---- appeals ----

// AppealInput lodges an appeal against a score.
type AppealInput struct {
	LodgedBy string `json:"lodged_by"` // household, grid_member
	Reason   string `json:"reason"`
}

// DecideInput is the council's decision on an appeal.
type DecideInput struct {
	Overturn bool   `json:"overturn"`
	Reason   string `json:"reason"`
}

func (s *Service) scoreFor(ctx context.Context, tx db.Querier, id string, perms ...authz.Perm) (Score, string, error) {
	list, err := s.scores(ctx, tx, " AND x.id = ?", id)
	if err != nil {
		return Score{}, "", err
	}
	var path, orgID string
	if len(list) == 1 {
		err = tx.QueryRowContext(ctx, "SELECT path, org_id FROM village_scores WHERE id = ?", id).Scan(&path, &orgID)
	}
	if len(list) != 1 || err != nil || !covers(ctx, path, perms...) {
		return Score{}, "", errors.Join(err, apperr.NotFoundf("village_score"))
	}
	return list[0], orgID, nil
}

// Appeal lodges an appeal against a counted score; the score counts until
// the council decides.
func (s *Service) Appeal(ctx context.Context, scoreID string, in AppealInput) (Score, error) {
	var f apperr.Fields
	checkOne(&f, "lodged_by", in.LodgedBy, Lodgers)
	checkText(&f, "reason", in.Reason, 500, true)
	if err := f.Err(); err != nil {
		return Score{}, err
	}
	var out Score
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		sc, _, err := s.scoreFor(ctx, tx, scoreID, authz.VillageScore)
		if err != nil {
			return err
		}
		if sc.Status != "counted" {
			return apperr.E(apperr.Conflict, "village.appeal_closed")
		}
		id := db.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO village_appeals (id, score_id, lodged_by, reason, status, user_id, lodged_at)
			VALUES (?, ?, ?, ?, 'pending', ?, ?)`, id, scoreID, in.LodgedBy, strings.TrimSpace(in.Reason), authz.From(ctx).UserID, db.Now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE village_scores SET status = 'appealed' WHERE id = ?", scoreID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, authz.VillageScore, "village.appeal", "village_score", scoreID, in.LodgedBy); err != nil {
			return err
		}
		out, _, err = s.scoreFor(ctx, tx, scoreID, authz.VillageScore)
		return err
	})
	return out, err
}

// Decide records the council's decision on a score's pending appeal: an
// overturned score stops counting, an upheld one counts again.
func (s *Service) Decide(ctx context.Context, scoreID string, in DecideInput) (Score, error) {
	var f apperr.Fields
	checkText(&f, "reason", in.Reason, 500, true)
	if err := f.Err(); err != nil {
		return Score{}, err
	}
	var out Score
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		sc, _, err := s.scoreFor(ctx, tx, scoreID, authz.VillageWrite)
		if err != nil {
			return err
		}
		if sc.Status != "appealed" || sc.Appeal == nil {
			return apperr.E(apperr.Conflict, "village.no_appeal")
		}
		status, scoreStatus := "upheld", "counted"
		if in.Overturn {
			status, scoreStatus = "overturned", "overturned"
		}
		if _, err := tx.ExecContext(ctx, "UPDATE village_appeals SET status = ?, decision = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending'",
			status, strings.TrimSpace(in.Reason), db.Now(), authz.From(ctx).UserID, sc.Appeal.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE village_scores SET status = ? WHERE id = ?", scoreStatus, scoreID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, authz.VillageWrite, "village.appeal_decide", "village_score", scoreID, status); err != nil {
			return err
		}
		out, _, err = s.scoreFor(ctx, tx, scoreID, authz.VillageWrite)
		return err
	})
	return out, err
}

// ---- the monthly list ----

// Line is a household's line of a monthly list.
type Line struct {
	HouseholdID string `json:"household_id,omitempty"` // staff only
	Display     string `json:"display"`
	Total       int    `json:"total"`
	Vetoed      bool   `json:"vetoed"`
	Rank        int    `json:"rank"`
	Recognised  bool   `json:"recognised"`
}

// Month is a village's list of a month.
type Month struct {
	OrgName     string `json:"org_name"`
	OrgCode     string `json:"org_code"`
	Month       string `json:"month"`
	Status      string `json:"status"` // open, reviewed, published
	PublishedAt *int64 `json:"published_at,omitempty"`
	Title       string `json:"title"`
	Scores      int    `json:"scores"`  // counted records
	Appeals     int    `json:"appeals"` // pending appeals
	Lines       []Line `json:"lines"`
}

// list computes village orgID's list of month: every active household,
// its counted points; vetoed households rank last and are never
// recognised.
func (s *Service) list(ctx context.Context, q db.Querier, orgID, month string) (Month, error) {
	out := Month{Month: month, Status: "open", Lines: []Line{}}
	var err error
	if out.OrgCode, out.OrgName, err = org.CodeNameOf(ctx, q, orgID); err != nil {
		return out, err
	}
	var pub sql.NullInt64
	err = q.QueryRowContext(ctx, "SELECT status, published_at FROM village_months WHERE org_id = ? AND month = ?", orgID, month).Scan(&out.Status, &pub)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, err
	}
	if pub.Valid {
		out.PublishedAt = &pub.Int64
	}
	st, err := s.settings(ctx, q, orgID)
	if err != nil {
		return out, err
	}
	out.Title = st.Title
	refs, err := registry.HouseholdRefsIn(ctx, q, orgID)
	if err != nil {
		return out, err
	}
	type sum struct {
		total int
		veto  bool
	}
	sums := map[string]*sum{}
	rows, err := q.QueryContext(ctx, `SELECT household_id, SUM(points), MAX(veto), count(*) FROM village_scores
		WHERE org_id = ? AND month = ? AND status <> 'overturned' GROUP BY household_id`, orgID, month)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var h string
		var total, veto, n int
		if err := rows.Scan(&h, &total, &veto, &n); err != nil {
			rows.Close()
			return out, err
		}
		sums[h] = &sum{total, veto == 1}
		out.Scores += n
	}
	rows.Close()
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM village_appeals a JOIN village_scores x ON x.id = a.score_id
		WHERE x.org_id = ? AND x.month = ? AND a.status = 'pending'`, orgID, month).Scan(&out.Appeals); err != nil {
		return out, err
	}
	for _, h := range refs {
		l := Line{HouseholdID: h.ID, Display: display(st.Display, h)}
		if sm := sums[h.ID]; sm != nil {
			l.Total, l.Vetoed = sm.total, sm.veto
		}
		out.Lines = append(out.Lines, l)
	}
	// 户号 order within a total keeps the list stable.
	nos := map[string]string{}
	for _, h := range refs {
		nos[h.ID] = h.No
	}
	sort.SliceStable(out.Lines, func(i, j int) bool {
		a, b := out.Lines[i], out.Lines[j]
		if a.Vetoed != b.Vetoed {
			return !a.Vetoed
		}
		if a.Total != b.Total {
			return a.Total > b.Total
		}
		return nos[a.HouseholdID] < nos[b.HouseholdID]
	})
	clear := 0
	for i := range out.Lines {
		l := &out.Lines[i]
		if l.Vetoed {
			continue
		}
		clear++
		if i > 0 && !out.Lines[i-1].Vetoed && out.Lines[i-1].Total == l.Total {
			l.Rank = out.Lines[i-1].Rank
		} else {
			l.Rank = i + 1
		}
		byRank := st.RecogniseTop > 0 && l.Rank <= st.RecogniseTop
		byMin := st.RecogniseMin != nil && l.Total >= *st.RecogniseMin
		switch {
		case l.Total <= 0: // recognition is earned: a household with nothing to its credit is not recognised
		case st.RecogniseTop > 0 && st.RecogniseMin != nil:
			l.Recognised = byRank && byMin
		default:
			l.Recognised = byRank || byMin
		}
	}
	for i := range out.Lines {
		if out.Lines[i].Vetoed {
			out.Lines[i].Rank = clear + 1 // 一票否决: ranked last
		}
	}
	return out, nil
}

// Month returns village orgID's list of month as the village sees it.
func (s *Service) Month(ctx context.Context, orgID, month string) (Month, error) {
	if err := checkMonth(month); err != nil {
		return Month{}, err
	}
	q := s.db.Reader()
	if _, err := anyPathIn(ctx, q, orgID, authz.VillageRead, authz.VillageScore); err != nil {
		return Month{}, err
	}
	return s.list(ctx, q, orgID, month)
}

// Review marks village orgID's month reviewed: the list as it stands is
// the one to publish. A month with pending appeals is not reviewed.
func (s *Service) Review(ctx context.Context, orgID, month string) (Month, error) {
	return s.step(ctx, orgID, month, "reviewed")
}

// Publish publishes village orgID's month on its public page; publishing
// a published month changes nothing.
func (s *Service) Publish(ctx context.Context, orgID, month string) (Month, error) {
	return s.step(ctx, orgID, month, "published")
}

func (s *Service) step(ctx context.Context, orgID, month, to string) (Month, error) {
	if err := checkMonth(month); err != nil {
		return Month{}, err
	}
	var out Month
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := villagePath(ctx, tx, authz.VillageWrite, orgID, "org_id")
		if err != nil {
			return err
		}
		if month > s.today()[:7] {
			return apperr.Field("month", "village.month_future")
		}
		cur, err := s.list(ctx, tx, orgID, month)
		if err != nil {
			return err
		}
		switch {
		case cur.Status == "published":
			out = cur
			return nil // idempotent
		case cur.Appeals > 0:
			return apperr.E(apperr.Conflict, "village.appeals_pending", "count", cur.Appeals)
		case to == "published" && cur.Status != "reviewed":
			return apperr.E(apperr.Conflict, "village.not_reviewed")
		}
		now := db.Now()
		var pub any
		if to == "published" {
			pub = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO village_months (org_id, month, path, status, reviewed_at, published_at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, month) DO UPDATE SET status = excluded.status, published_at = excluded.published_at, user_id = excluded.user_id`,
			orgID, month, path, to, now, pub, authz.From(ctx).UserID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, authz.VillageWrite, "village.month_"+to, "org_node", orgID, month); err != nil {
			return err
		}
		out, err = s.list(ctx, tx, orgID, month)
		return err
	})
	return out, err
}

// Public is the published list of month of the village with division
// code: the names the village chose, totals, ranks and recognition, and
// nothing else. An unknown village or an unpublished month is not found.
func (s *Service) Public(ctx context.Context, code, month string) (Month, error) {
	if checkMonth(month) != nil || len(code) != 12 {
		return Month{}, apperr.NotFoundf("village_month")
	}
	q := s.db.Reader()
	id, err := org.IDOfCode(ctx, q, code)
	if err != nil {
		return Month{}, apperr.NotFoundf("village_month")
	}
	var status string
	if err := q.QueryRowContext(ctx, "SELECT status FROM village_months WHERE org_id = ? AND month = ?", id, month).Scan(&status); err != nil || status != "published" {
		return Month{}, errors.Join(notFound(err, "village_month"), apperr.NotFoundf("village_month"))
	}
	out, err := s.list(ctx, q, id, month)
	for i := range out.Lines {
		out.Lines[i].HouseholdID = ""
	}
	out.Scores, out.Appeals = 0, 0
	return out, err
}

// PublishedMonths lists the published months of the village with code,
// newest first (for the public page's month picker).
func (s *Service) PublishedMonths(ctx context.Context, code string) ([]string, error) {
	q := s.db.Reader()
	id, err := org.IDOfCode(ctx, q, code)
	if err != nil {
		return nil, apperr.NotFoundf("village")
	}
	rows, err := q.QueryContext(ctx, "SELECT month FROM village_months WHERE org_id = ? AND status = 'published' ORDER BY month DESC LIMIT 36", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
