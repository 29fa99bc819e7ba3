package keyperson

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Risk levels of key persons (长治 "三级三色").
var RiskLevels = []string{"red", "yellow", "green"}

// Care-target kinds (重点服务对象).
var CareKinds = []string{"elderly_alone", "left_behind_elderly", "left_behind_woman", "left_behind_child", "disabled", "low_income"}

// Why a care target ended (不再关爱).
var CareEndReasons = []string{"moved_away", "deceased", "no_longer_needed", "other"}

// Visit methods, findings and the offices that visit.
var (
	VisitMethods  = []string{"home", "phone", "video", "office"}
	VisitFindings = []string{"normal", "attention", "abnormal"}
)

// visitEvery is the visit frequency in days per category and risk level
// (red, yellow, green): the closer the risk, the more often.
var visitEvery = map[string][3]int{
	"community_correction": {7, 15, 30},
	"mental_disorder":      {7, 14, 30},
	"drug_user":            {7, 15, 30},
	"key_petitioner":       {7, 15, 30},
	"released_prisoner":    {15, 30, 90},
	"key_youth":            {15, 30, 60},
	"hiv_risk":             {15, 30, 90},
}

// VisitEvery returns the visit frequency in days of a category at a risk
// level.
func VisitEvery(category, risk string) int {
	f, ok := visitEvery[category]
	if !ok {
		f = [3]int{7, 15, 30}
	}
	switch risk {
	case "red":
		return f[0]
	case "yellow":
		return f[1]
	}
	return f[2]
}

// KeyPersonInput registers a person as a key person of a category.
type KeyPersonInput struct {
	PersonID      string `json:"person_id"`
	Category      string `json:"category"`
	RiskLevel     string `json:"risk_level"`
	ResponsibleID string `json:"responsible_id,omitempty"` // default: the grid member of the person's grid
}

// KeyPersonPatch changes a key person's risk level or responsible member.
type KeyPersonPatch struct {
	RiskLevel     string `json:"risk_level,omitempty"`
	ResponsibleID string `json:"responsible_id,omitempty"`
	Status        string `json:"status,omitempty"` // active, closed (解除)
	Version       int    `json:"version"`
}

// KeyPerson is one key-person record: shown only to callers granted its
// category, absent for everyone else.
type KeyPerson struct {
	ID             string `json:"id"`
	PersonID       string `json:"person_id"`
	PersonName     string `json:"person_name"`
	IDMasked       string `json:"id_number_masked"`
	Category       string `json:"category"`
	RiskLevel      string `json:"risk_level"`
	VisitEveryDays int    `json:"visit_every_days"`
	LastVisitAt    *int64 `json:"last_visit_at"`
	NextVisitDue   int64  `json:"next_visit_due"`
	Light          string `json:"light"`
	// DueDays is the calendar days in China from today to the next visit's
	// date: 0 due today, negative overdue (calendar.DaysUntil).
	DueDays         int    `json:"due_days"`
	ResponsibleID   string `json:"responsible_id"`
	ResponsibleName string `json:"responsible_name"`
	GridName        string `json:"grid_name"`
	OrgName         string `json:"org_name"`
	Status          string `json:"status"`
	Version         int    `json:"version"`
	CreatedAt       int64  `json:"created_at"`
	path            string

	Visits []Visit `json:"visits,omitempty"`
}

// Visit is one visit, follow-up or care service.
type Visit struct {
	ID          string `json:"id"`
	SubjectType string `json:"subject_type"`
	SubjectID   string `json:"subject_id"`
	Agency      string `json:"agency"`
	Method      string `json:"method"`
	Finding     string `json:"finding"`
	Note        string `json:"note"`
	User        string `json:"user"`
	At          int64  `json:"at"`
}

// VisitInput records a visit.
type VisitInput struct {
	Method  string `json:"method"`
	Finding string `json:"finding,omitempty"`
	Note    string `json:"note,omitempty"`
	At      *int64 `json:"at,omitempty"` // when it happened (Unix ms); default now
}

// KeyPersonQuery filters the key-person list.
type KeyPersonQuery struct {
	PersonID, OrgID, GridID, Category, Risk, Light string // GridID: the person's grid
	Mine                                           bool   // responsible is the caller
	DueWithinDays                                  int    // only those due within so many days (or overdue)
	After                                          string
	Limit                                          int
}

const keyPersonCols = `k.id, k.person_id, p.name, p.id_masked, k.category_blind, k.risk_level, k.visit_every_days, k.last_visit_at, k.next_visit_due,
	COALESCE(k.responsible_id, ''), COALESCE(u.display_name, ''), COALESCE(g.name, ''), o.name, k.status, k.version, k.created_at, k.path`
const keyPersonFrom = ` FROM key_persons k JOIN people p ON p.id = k.person_id JOIN org_nodes o ON o.id = p.org_id
	LEFT JOIN grids g ON g.id = p.grid_id LEFT JOIN users u ON u.id = k.responsible_id`

// byDue tells whether the list runs in due order (the visit tasks) rather
// than in id order.
func (q KeyPersonQuery) byDue() bool {
	return q.Mine || q.DueWithinDays > 0
}

// KeyPersons lists the key persons the caller may see. In due order the
// cursor is "due.id" of the last row, so the next page starts right after
// it.
func (s *Service) KeyPersons(ctx context.Context, q KeyPersonQuery) ([]KeyPerson, string, error) {
	limit := regkit.ClampLimit(q.Limit)
	q.Limit = limit + 1
	out, err := s.keyPersons(ctx, q)
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = last.ID
		if q.byDue() {
			next = strconv.FormatInt(last.NextVisitDue, 10) + "." + last.ID
		}
	}
	return out, next, err
}

func (s *Service) keyPersons(ctx context.Context, q KeyPersonQuery) ([]KeyPerson, error) {
	filter, args, byBlind := regkit.CategoryFilter(ctx, s.vault, authz.KeyPersonRead, "k")
	var b strings.Builder
	add := func(cond string, v ...any) {
		b.WriteString(" AND " + cond)
		args = append(args, v...)
	}
	now := s.reg.Now().UnixMilli()
	if q.PersonID != "" {
		add("k.person_id = ?", q.PersonID)
	} else {
		add("k.status = 'active' AND p.status = 'active'")
	}
	if q.OrgID != "" {
		cond, cargs, err := regkit.InArea(ctx, s.db.Reader(), "k.path", q.OrgID)
		if err != nil {
			return nil, err
		}
		add(cond, cargs...)
	}
	if q.GridID != "" {
		add("p.grid_id = ?", q.GridID)
	}
	if q.Category != "" {
		add("k.category_blind = ?", s.vault.Blind("key_persons.category", q.Category))
	}
	if q.Risk != "" {
		add("k.risk_level = ?", q.Risk)
	}
	if q.Mine {
		add("k.responsible_id = ?", authz.From(ctx).UserID)
	}
	if q.DueWithinDays > 0 {
		add("k.next_visit_due < ?", now+int64(q.DueWithinDays)*regkit.Day)
	}
	if q.Light != "" {
		cond, largs, err := regkit.LightSQL("k", q.Light, now)
		if err != nil {
			return nil, err
		}
		add(cond, largs...)
	}
	order := " ORDER BY k.id"
	if q.byDue() {
		order = " ORDER BY k.next_visit_due, k.id"
		if q.After != "" {
			dueText, id, _ := strings.Cut(q.After, ".")
			due, err := strconv.ParseInt(dueText, 10, 64)
			if err != nil || id == "" {
				return nil, apperr.Field("cursor", "registry.code_unknown", "value", q.After)
			}
			add("(k.next_visit_due > ? OR (k.next_visit_due = ? AND k.id > ?))", due, due, id)
		}
	} else if q.After != "" {
		add("k.id > ?", q.After)
	}
	// KeyPersons asks for one row more than a page (up to 501) to know
	// whether another page follows: not clamped again here.
	limit := q.Limit
	if limit <= 0 {
		limit = regkit.ClampLimit(0)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+keyPersonCols+keyPersonFrom+" WHERE "+filter+b.String()+order+" LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []KeyPerson{}
	for rows.Next() {
		var k KeyPerson
		var last sql.NullInt64
		var blind string
		if err := rows.Scan(&k.ID, &k.PersonID, &k.PersonName, &k.IDMasked, &blind, &k.RiskLevel, &k.VisitEveryDays, &last, &k.NextVisitDue,
			&k.ResponsibleID, &k.ResponsibleName, &k.GridName, &k.OrgName, &k.Status, &k.Version, &k.CreatedAt, &k.path); err != nil {
			return nil, err
		}
		k.Category, k.LastVisitAt = byBlind[blind], regkit.Ptr(last)
		k.Light = regkit.VisitLight(k.NextVisitDue, k.VisitEveryDays, now)
		k.DueDays = calendar.DaysUntilMs(now, k.NextVisitDue)
		out = append(out, k)
	}
	return out, rows.Err()
}

// GetKeyPerson returns one key person with the shared record of visits and
// follow-ups from every office; the read is audited.
func (s *Service) GetKeyPerson(ctx context.Context, id string) (KeyPerson, error) {
	k, err := s.keyPerson(ctx, id, authz.KeyPersonRead)
	if err != nil {
		return k, err
	}
	if k.Visits, err = s.visits(ctx, s.db.Reader(), "v.subject_type = 'key_person' AND v.subject_id = ?", id); err != nil {
		return k, err
	}
	return k, s.readAudited(ctx, authz.KeyPersonRead, "registry.key_person_read", "key_person", id, "")
}

// keyPerson loads one key person the caller may see under perm.
func (s *Service) keyPerson(ctx context.Context, id string, perm authz.Perm) (KeyPerson, error) {
	filter, args, byBlind := regkit.CategoryFilter(ctx, s.vault, perm, "k")
	var k KeyPerson
	var last sql.NullInt64
	var blind string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT "+keyPersonCols+keyPersonFrom+" WHERE "+filter+" AND k.id = ?", append(args, id)...).Scan(
		&k.ID, &k.PersonID, &k.PersonName, &k.IDMasked, &blind, &k.RiskLevel, &k.VisitEveryDays, &last, &k.NextVisitDue,
		&k.ResponsibleID, &k.ResponsibleName, &k.GridName, &k.OrgName, &k.Status, &k.Version, &k.CreatedAt, &k.path)
	if errors.Is(err, sql.ErrNoRows) {
		return k, apperr.NotFoundf("key_person")
	}
	k.Category, k.LastVisitAt = byBlind[blind], regkit.Ptr(last)
	now := s.reg.Now().UnixMilli()
	k.Light = regkit.VisitLight(k.NextVisitDue, k.VisitEveryDays, now)
	k.DueDays = calendar.DaysUntilMs(now, k.NextVisitDue)
	return k, err
}

// CreateKeyPerson registers a key person; the first visit is due one period
// from now.
func (s *Service) CreateKeyPerson(ctx context.Context, in KeyPersonInput) (KeyPerson, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "category", in.Category, pii.Categories, true)
	regkit.OneOf(&f, "risk_level", in.RiskLevel, RiskLevels, true)
	if in.PersonID == "" {
		f.Add("person_id", "registry.required")
	}
	if err := f.Err(); err != nil {
		return KeyPerson{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, gridID, err := s.keyPersonPlace(ctx, tx, in.PersonID, in.Category)
		if err != nil {
			return err
		}
		resp := in.ResponsibleID
		if resp == "" {
			if resp, err = s.defaultResponsible(ctx, tx, gridID, path, in.Category); err != nil {
				return err
			}
		} else if err := s.checkResponsible(ctx, tx, resp, path, in.Category); err != nil {
			return err
		}
		every := VisitEvery(in.Category, in.RiskLevel)
		now := s.reg.Now().UnixMilli()
		_, err = tx.ExecContext(ctx, `INSERT INTO key_persons (id, person_id, category_sealed, category_blind, risk_level, visit_every_days, next_visit_due,
			responsible_id, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, in.PersonID, s.vault.Seal("key_persons.category", id, in.Category), s.vault.Blind("key_persons.category", in.Category),
			in.RiskLevel, every, now+int64(every)*regkit.Day, regkit.Nullable(resp), path, now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("category", "registry.key_person_exists")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.KeyPersonWrite, "registry.key_person_create", "key_person", id, "")
	})
	if err != nil {
		return KeyPerson{}, err
	}
	return s.keyPerson(ctx, id, authz.KeyPersonRead)
}

// keyPersonPlace is where a key person of category would sit for the
// active person personID, checking the caller may register one there: the
// person's path and grid.
func (s *Service) keyPersonPlace(ctx context.Context, q db.Querier, personID, category string) (path, gridID string, err error) {
	path, gridID, err = s.reg.PersonPlace(ctx, q, personID, true)
	who := authz.From(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !who.Covers(authz.RegistryRead, path)) {
		return "", "", apperr.Field("person_id", "registry.link_unknown")
	}
	if err != nil {
		return "", "", err
	}
	if !who.Covers(authz.KeyPersonWrite, path) || !who.Covers(authz.Perm("pii.sensitive."+category), path) {
		return "", "", apperr.E(apperr.Forbidden, "registry.category_forbidden")
	}
	return path, gridID, nil
}

// PatchKeyPerson changes the risk level (and with it the visit frequency,
// counted from the last visit), the responsible member or the status
// (closed 解除, or active again: re-opened, the next visit is due one
// period from now).
func (s *Service) PatchKeyPerson(ctx context.Context, id string, in KeyPersonPatch) (KeyPerson, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "risk_level", in.RiskLevel, RiskLevels, false)
	regkit.OneOf(&f, "status", in.Status, []string{"active", "closed"}, false)
	if err := f.Err(); err != nil {
		return KeyPerson{}, err
	}
	k, err := s.keyPerson(ctx, id, authz.KeyPersonWrite)
	if err != nil {
		return k, err
	}
	risk, status, resp := k.RiskLevel, k.Status, k.ResponsibleID
	if in.RiskLevel != "" {
		risk = in.RiskLevel
	}
	if in.Status != "" {
		status = in.Status
	}
	if in.ResponsibleID != "" {
		resp = in.ResponsibleID
	}
	every := VisitEvery(k.Category, risk)
	from := k.CreatedAt
	if k.LastVisitAt != nil {
		from = *k.LastVisitAt
	}
	// Re-opening a closed record starts its clock afresh, as a new
	// registration does, and its responsible member must still be fit:
	// accounts and grants may have changed while it was closed.
	reopen := k.Status == "closed" && status == "active"
	if reopen {
		from = s.reg.Now().UnixMilli()
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if reopen {
			if err := s.reg.PersonActive(ctx, tx, k.PersonID); err != nil {
				return err
			}
		}
		if in.ResponsibleID != "" || (reopen && resp != "") {
			if err := s.checkResponsible(ctx, tx, resp, k.path, k.Category); err != nil {
				return err
			}
		}
		if err := regkit.Bump(ctx, tx, s.reg.Now(), "key_persons", id, in.Version, k.Version, "risk_level = ?, visit_every_days = ?, next_visit_due = ?, responsible_id = ?, status = ?",
			risk, every, from+int64(every)*regkit.Day, regkit.Nullable(resp), status); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.KeyPersonWrite, "registry.key_person_update", "key_person", id, risk+","+status)
	})
	if err != nil {
		return KeyPerson{}, err
	}
	return s.keyPerson(ctx, id, authz.KeyPersonRead)
}
