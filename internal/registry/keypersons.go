package registry

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
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

const day = int64(24 * time.Hour / time.Millisecond)

// visitLight is the light of a visit clock: red once the due time has
// passed, yellow in the last fifth of the period (at least one day), green
// before.
func visitLight(due int64, everyDays int, now int64) string {
	switch {
	case now > due:
		return "red"
	case now > due-max(day, int64(everyDays)*day/5):
		return "yellow"
	}
	return "green"
}

// lightSQL is the condition that the visit light of key-person rows (alias
// a) is light at now: the rule of visitLight in SQL, so a light filter
// happens before LIMIT and pages and exports are exact.
func lightSQL(a, light string, now int64) (string, []any, error) {
	due := a + ".next_visit_due"
	// max(day, every*day/5): a fifth of the period is more than a day from
	// six days on.
	window := "CASE WHEN " + a + ".visit_every_days > 5 THEN CAST(" + a + ".visit_every_days AS BIGINT) * " + strconv.FormatInt(day/5, 10) +
		" ELSE " + strconv.FormatInt(day, 10) + " END"
	switch light {
	case "red":
		return due + " < ?", []any{now}, nil
	case "yellow":
		return due + " >= ? AND " + due + " - ? < " + window, []any{now, now}, nil
	case "green":
		return due + " - ? >= " + window, []any{now}, nil
	}
	return "", nil, apperr.Field("light", "registry.code_unknown", "value", light)
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
	ID              string `json:"id"`
	PersonID        string `json:"person_id"`
	PersonName      string `json:"person_name"`
	IDMasked        string `json:"id_number_masked"`
	Category        string `json:"category"`
	RiskLevel       string `json:"risk_level"`
	VisitEveryDays  int    `json:"visit_every_days"`
	LastVisitAt     *int64 `json:"last_visit_at"`
	NextVisitDue    int64  `json:"next_visit_due"`
	Light           string `json:"light"`
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

// categoryScopes returns, per category the caller may see, the org paths
// where it holds both keyperson.read (or perm) and that category's
// permission.
func categoryScopes(p *authz.Principal, perm authz.Perm) map[string][]string {
	out := map[string][]string{}
	base := p.Scopes(perm)
	for _, c := range pii.Categories {
		var both []string
		for _, a := range base {
			for _, b := range p.Scopes(authz.Perm("pii.sensitive." + c)) {
				switch {
				case strings.HasPrefix(b, a):
					both = append(both, b)
				case strings.HasPrefix(a, b):
					both = append(both, a)
				}
			}
		}
		if len(both) > 0 {
			out[c] = both
		}
	}
	return out
}

// categoryFilter is the WHERE fragment admitting exactly the key-person rows
// the caller may see, and the category of each blind value.
func (s *Service) categoryFilter(ctx context.Context, perm authz.Perm, alias string) (string, []any, map[string]string) {
	byBlind := map[string]string{}
	var parts []string
	var args []any
	for c, paths := range categoryScopes(authz.From(ctx), perm) {
		b := s.vault.Blind("key_persons.category", c)
		byBlind[b] = c
		scope, sargs := authz.ScopeSQL(alias+".path", paths)
		parts = append(parts, "("+alias+".category_blind = ? AND "+scope+")")
		args = append(append(args, b), sargs...)
	}
	if len(parts) == 0 {
		return "1 = 0", nil, byBlind
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, byBlind
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
	limit := clampLimit(q.Limit)
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
	filter, args, byBlind := s.categoryFilter(ctx, authz.KeyPersonRead, "k")
	var b strings.Builder
	add := func(cond string, v ...any) {
		b.WriteString(" AND " + cond)
		args = append(args, v...)
	}
	now := s.Now().UnixMilli()
	if q.PersonID != "" {
		add("k.person_id = ?", q.PersonID)
	} else {
		add("k.status = 'active' AND p.status = 'active'")
	}
	if q.OrgID != "" {
		add("k.path >= (SELECT path FROM org_nodes WHERE id = ?) AND k.path < (SELECT path FROM org_nodes WHERE id = ?) || '~'", q.OrgID, q.OrgID)
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
		add("k.next_visit_due < ?", now+int64(q.DueWithinDays)*day)
	}
	if q.Light != "" {
		cond, largs, err := lightSQL("k", q.Light, now)
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
		limit = clampLimit(0)
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
		k.Category, k.LastVisitAt = byBlind[blind], ptr(last)
		k.Light = visitLight(k.NextVisitDue, k.VisitEveryDays, now)
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
	filter, args, byBlind := s.categoryFilter(ctx, perm, "k")
	var k KeyPerson
	var last sql.NullInt64
	var blind string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT "+keyPersonCols+keyPersonFrom+" WHERE "+filter+" AND k.id = ?", append(args, id)...).Scan(
		&k.ID, &k.PersonID, &k.PersonName, &k.IDMasked, &blind, &k.RiskLevel, &k.VisitEveryDays, &last, &k.NextVisitDue,
		&k.ResponsibleID, &k.ResponsibleName, &k.GridName, &k.OrgName, &k.Status, &k.Version, &k.CreatedAt, &k.path)
	if errors.Is(err, sql.ErrNoRows) {
		return k, apperr.NotFoundf("key_person")
	}
	k.Category, k.LastVisitAt = byBlind[blind], ptr(last)
	k.Light = visitLight(k.NextVisitDue, k.VisitEveryDays, s.Now().UnixMilli())
	return k, err
}

// CreateKeyPerson registers a key person; the first visit is due one period
// from now.
func (s *Service) CreateKeyPerson(ctx context.Context, in KeyPersonInput) (KeyPerson, error) {
	var f apperr.Fields
	oneOf(&f, "category", in.Category, pii.Categories, true)
	oneOf(&f, "risk_level", in.RiskLevel, RiskLevels, true)
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
		now := s.Now().UnixMilli()
		_, err = tx.ExecContext(ctx, `INSERT INTO key_persons (id, person_id, category_sealed, category_blind, risk_level, visit_every_days, next_visit_due,
			responsible_id, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, in.PersonID, s.vault.Seal("key_persons.category", id, in.Category), s.vault.Blind("key_persons.category", in.Category),
			in.RiskLevel, every, now+int64(every)*day, nullable(resp), path, now, now)
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
	err = q.QueryRowContext(ctx, "SELECT path, COALESCE(grid_id, '') FROM people WHERE id = ? AND status = 'active'", personID).Scan(&path, &gridID)
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

// fitToKeep is the rule for a responsible member: p may see and keep key
// persons of category at path. A responsible member who may not would never
// see the record in their visit tasks.
func fitToKeep(p *authz.Principal, path, category string) bool {
	return p.Covers(authz.KeyPersonRead, path) && p.Covers(authz.KeyPersonWrite, path) && p.Covers(authz.Perm("pii.sensitive."+category), path)
}

// mayKeep tells whether user is an active account fit to keep key persons
// of category at path.
func (s *Service) mayKeep(ctx context.Context, q db.Querier, user, path, category string) (bool, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM users WHERE id = ? AND status = 'active'", user).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	grants, err := authn.LoadGrants(ctx, q, user)
	if err != nil {
		return false, err
	}
	return fitToKeep(&authz.Principal{UserID: user, Grants: grants}, path, category), nil
}

// Candidate is an account that may be named responsible for a key person:
// only the display name of the person behind it.
type Candidate struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`      // the role code through which it keeps key persons there
	RoleName    string `json:"role_name"` // that role's name (custom roles have no translation)
	ServesGrid  bool   `json:"serves_grid"`
	Default     bool   `json:"default"` // the one the server picks when the request names nobody
}

// ResponsibleCandidates lists who may be named responsible for a new key
// person of category for the person personID; the caller must be able to
// register one there.
func (s *Service) ResponsibleCandidates(ctx context.Context, personID, category string) ([]Candidate, error) {
	var f apperr.Fields
	oneOf(&f, "category", category, pii.Categories, true)
	if personID == "" {
		f.Add("person_id", "registry.required")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	path, gridID, err := s.keyPersonPlace(ctx, s.db.Reader(), personID, category)
	if err != nil {
		return nil, err
	}
	return s.candidates(ctx, path, gridID, category)
}

// KeyPersonCandidates lists who may be named responsible for the key person
// id, which the caller must be able to change.
func (s *Service) KeyPersonCandidates(ctx context.Context, id string) ([]Candidate, error) {
	k, err := s.keyPerson(ctx, id, authz.KeyPersonWrite)
	if err != nil {
		return nil, err
	}
	var gridID string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT COALESCE(grid_id, '') FROM people WHERE id = ?", k.PersonID).Scan(&gridID); err != nil {
		return nil, err
	}
	return s.candidates(ctx, k.path, gridID, k.Category)
}

// candidates are the active accounts fit to keep key persons of category at
// path (the rule checkResponsible applies), those serving the grid first.
// Only roles held over path or above can cover it, so only those
// assignments are looked at.
func (s *Service) candidates(ctx context.Context, path, gridID, category string) ([]Candidate, error) {
	q := s.db.Reader()
	var above []any
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			above = append(above, path[:i+1])
		}
	}
	if len(above) == 0 {
		return []Candidate{}, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT u.id, u.display_name FROM users u JOIN role_assignments ra ON ra.user_id = u.id
		JOIN roles r ON r.id = ra.role_id JOIN org_nodes o ON o.id = ra.org_id
		WHERE u.status = 'active' AND r.permissions LIKE '%keyperson.write%' AND o.path IN (?`+strings.Repeat(", ?", len(above)-1)+`)
		ORDER BY u.display_name, u.id LIMIT 500`, above...)
	if err != nil {
		return nil, err
	}
	var all []Candidate
	for rows.Next() {
		var c Candidate
		if err := rows.Scan(&c.ID, &c.DisplayName); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	serving := map[string]bool{}
	rows, err = q.QueryContext(ctx, "SELECT user_id FROM grid_members WHERE grid_id = ? AND user_id IS NOT NULL", gridID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		serving[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	def, err := s.defaultResponsible(ctx, q, gridID, path, category)
	if err != nil {
		return nil, err
	}
	out := []Candidate{}
	for _, c := range all {
		grants, err := authn.LoadGrants(ctx, q, c.ID)
		if err != nil {
			return nil, err
		}
		if !fitToKeep(&authz.Principal{UserID: c.ID, Grants: grants}, path, category) {
			continue
		}
		for _, g := range grants {
			if strings.HasPrefix(path, g.OrgPath) && slices.Contains(g.Perms, authz.KeyPersonWrite) {
				c.Role, c.RoleName = g.Role, g.RoleName
				break
			}
		}
		c.ServesGrid, c.Default = serving[c.ID], c.ID == def
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		switch {
		case a.ServesGrid && !b.ServesGrid:
			return -1
		case b.ServesGrid && !a.ServesGrid:
			return 1
		}
		return 0
	})
	return out, nil
}

// defaultResponsible picks who answers for a new key person when the
// request names nobody: the account serving the person's grid as its grid
// member, whoever registers (an officer, or the system for the demo);
// failing that, the registering user; else nobody. Either must be able to
// see the category there.
func (s *Service) defaultResponsible(ctx context.Context, tx db.Querier, gridID, path, category string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.user_id FROM grid_members m JOIN users u ON u.id = m.user_id
		WHERE m.grid_id = ? AND m.role = 'grid_member' AND u.status = 'active' ORDER BY m.id`, gridID)
	if err != nil {
		return "", err
	}
	var members []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return "", err
		}
		members = append(members, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	for _, id := range append(members, authz.From(ctx).UserID) {
		if ok, err := s.mayKeep(ctx, tx, id, path, category); ok || err != nil {
			return id, err
		}
	}
	return "", nil
}

// checkResponsible checks a responsible member named in a request.
func (s *Service) checkResponsible(ctx context.Context, q db.Querier, user, path, category string) error {
	ok, err := s.mayKeep(ctx, q, user, path, category)
	if err == nil && !ok {
		return apperr.Field("responsible_id", "registry.responsible_unfit")
	}
	return err
}

// PatchKeyPerson changes the risk level (and with it the visit frequency,
// counted from the last visit), the responsible member or the status
// (closed 解除, or active again: re-opened, the next visit is due one
// period from now).
func (s *Service) PatchKeyPerson(ctx context.Context, id string, in KeyPersonPatch) (KeyPerson, error) {
	var f apperr.Fields
	oneOf(&f, "risk_level", in.RiskLevel, RiskLevels, false)
	oneOf(&f, "status", in.Status, []string{"active", "closed"}, false)
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
		from = s.Now().UnixMilli()
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if reopen {
			if err := personActive(ctx, tx, k.PersonID); err != nil {
				return err
			}
		}
		if in.ResponsibleID != "" || (reopen && resp != "") {
			if err := s.checkResponsible(ctx, tx, resp, k.path, k.Category); err != nil {
				return err
			}
		}
		if err := s.bump(ctx, tx, "key_persons", id, in.Version, k.Version, "risk_level = ?, visit_every_days = ?, next_visit_due = ?, responsible_id = ?, status = ?",
			risk, every, from+int64(every)*day, nullable(resp), status); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.KeyPersonWrite, "registry.key_person_update", "key_person", id, risk+","+status)
	})
	if err != nil {
		return KeyPerson{}, err
	}
	return s.keyPerson(ctx, id, authz.KeyPersonRead)
}

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
	oneOf(&f, "method", in.Method, VisitMethods, true)
	if in.Finding == "" {
		in.Finding = "normal"
	}
	oneOf(&f, "finding", in.Finding, VisitFindings, false)
	checkLen(&f, "note", in.Note, 2000)
	if in.At != nil && (*in.At > now+5*60*1000 || *in.At < now-90*day) {
		f.Add("at", "registry.visit_time")
	}
	return f.Err()
}

// AddVisit records a visit or follow-up on a key person's shared record and
// restarts its visit clock. The note is sealed: it describes a person in a
// sensitive category.
func (s *Service) AddVisit(ctx context.Context, keyPersonID string, in VisitInput) (Visit, error) {
	now := s.Now().UnixMilli()
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
			updated_at = ? WHERE id = ? AND (last_visit_at IS NULL OR last_visit_at < ?)`, at, at, day, now, keyPersonID, at); err != nil {
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
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, subjectType, subjectID, personID, agency, in.Method, note, in.Finding, authz.From(ctx).UserID, at, s.Now().UnixMilli())
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

// ---- care targets (重点服务对象) ----

// CareTargetInput marks a person as a care target.
type CareTargetInput struct {
	PersonID string `json:"person_id"`
	Kind     string `json:"kind"`
	Note     string `json:"note,omitempty"`
}

// CareTarget is one care target with the date of the last service.
type CareTarget struct {
	ID          string `json:"id"`
	PersonID    string `json:"person_id"`
	PersonName  string `json:"person_name"`
	Kind        string `json:"kind"`
	Note        string `json:"note"`
	OrgName     string `json:"org_name"`
	LastService *int64 `json:"last_service_at"`
	Status      string `json:"status"` // active, ended (不再关爱)
	EndReason   string `json:"end_reason,omitempty"`
	EndNote     string `json:"end_note,omitempty"`
	EndedAt     *int64 `json:"ended_at,omitempty"`
	Version     int    `json:"version"`
	CreatedAt   int64  `json:"created_at"`
}

// CareTargetStatus ends a care target with a reason, or re-opens it.
type CareTargetStatus struct {
	Status  string `json:"status"`           // ended, active
	Reason  string `json:"reason,omitempty"` // when ending: moved_away, deceased, no_longer_needed, other
	Note    string `json:"note,omitempty"`
	Version int    `json:"version"` // the version read; a stale one answers 409
}

// CareTargetQuery filters the care-target list: Status is active (the
// default) or ended.
type CareTargetQuery struct {
	ListQuery
	Status string
}

// CreateCareTarget adds a care target.
func (s *Service) CreateCareTarget(ctx context.Context, in CareTargetInput) (CareTarget, error) {
	var f apperr.Fields
	oneOf(&f, "kind", in.Kind, CareKinds, true)
	checkLen(&f, "note", in.Note, 1000)
	if in.PersonID == "" {
		f.Add("person_id", "registry.required")
	}
	if err := f.Err(); err != nil {
		return CareTarget{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var path string
		err := tx.QueryRowContext(ctx, "SELECT path FROM people WHERE id = ? AND status = 'active'", in.PersonID).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryWrite, path)) {
			return apperr.Field("person_id", "registry.link_unknown")
		}
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		_, err = tx.ExecContext(ctx, "INSERT INTO care_targets (id, person_id, kind, note, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, in.PersonID, in.Kind, in.Note, path, now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("kind", "registry.care_target_exists")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.care_target_create", "care_target", id, in.Kind)
	})
	if err != nil {
		return CareTarget{}, err
	}
	return s.careTarget(ctx, id)
}

func (s *Service) careTarget(ctx context.Context, id string) (CareTarget, error) {
	out, err := s.careTargets(ctx, " AND c.id = ?", []any{id}, 1)
	if err != nil || len(out) == 0 {
		return CareTarget{}, errors.Join(err, apperr.NotFoundf("care_target"))
	}
	return out[0], nil
}

// personActive refuses to re-open a record of a person who moved out or
// died.
func personActive(ctx context.Context, q db.Querier, personID string) error {
	var status string
	if err := q.QueryRowContext(ctx, "SELECT status FROM people WHERE id = ?", personID).Scan(&status); err != nil {
		return err
	}
	if status != "active" {
		return apperr.E(apperr.Conflict, "registry.person_not_active")
	}
	return nil
}

// SetCareTargetStatus ends a care target (不再关爱) with a reason, or
// re-opens it. The version read is checked as for an edit.
func (s *Service) SetCareTargetStatus(ctx context.Context, id string, in CareTargetStatus) (CareTarget, error) {
	var f apperr.Fields
	oneOf(&f, "status", in.Status, []string{"active", "ended"}, true)
	if in.Status == "ended" {
		oneOf(&f, "reason", in.Reason, CareEndReasons, true)
		checkLen(&f, "note", in.Note, 500)
	}
	if err := f.Err(); err != nil {
		return CareTarget{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var personID, path, status string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT person_id, path, status, version FROM care_targets WHERE id = ?", id).Scan(&personID, &path, &status, &version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryWrite, path)) {
			return apperr.NotFoundf("care_target")
		}
		if err != nil {
			return err
		}
		if in.Version != version {
			return apperr.E(apperr.Conflict, "registry.stale", "version", version)
		}
		if status == in.Status {
			return nil
		}
		action, reason, note, endedAt := "registry.care_target_end", in.Reason, strings.TrimSpace(in.Note), any(s.Now().UnixMilli())
		if in.Status == "active" {
			if err := personActive(ctx, tx, personID); err != nil {
				return err
			}
			action, reason, note, endedAt = "registry.care_target_reopen", "", "", nil
		}
		if err := s.bump(ctx, tx, "care_targets", id, in.Version, version, "status = ?, end_reason = ?, end_note = ?, ended_at = ?",
			in.Status, reason, note, endedAt); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, action, "care_target", id, reason)
	})
	if err != nil {
		return CareTarget{}, err
	}
	return s.careTarget(ctx, id)
}

// CareTargets lists the care targets in scope (active ones unless asked
// for the ended), of one kind or all, a page at a time like the other
// register lists: the grid is the person's, the cursor the last row's id.
func (s *Service) CareTargets(ctx context.Context, q CareTargetQuery) ([]CareTarget, string, error) {
	var f apperr.Fields
	oneOf(&f, "status", q.Status, []string{"active", "ended"}, false)
	if err := f.Err(); err != nil {
		return nil, "", err
	}
	if q.Status == "" {
		q.Status = "active"
	}
	where, args := pageAfter("c", "care_targets", q.After)
	where, args = where+" AND c.status = ?", append(args, q.Status)
	if q.OrgID != "" {
		where += " AND c.path >= (SELECT path FROM org_nodes WHERE id = ?) AND c.path < (SELECT path FROM org_nodes WHERE id = ?) || '~'"
		args = append(args, q.OrgID, q.OrgID)
	}
	if q.GridID != "" {
		where += " AND p.grid_id = ?"
		args = append(args, q.GridID)
	}
	if q.Kind != "" {
		where += " AND c.kind = ?"
		args = append(args, q.Kind)
	}
	limit := clampLimit(q.Limit)
	out, err := s.careTargets(ctx, where, args, limit+1)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	return out[:limit], out[limit-1].ID, nil
}

func (s *Service) careTargets(ctx context.Context, where string, args []any, limit int) ([]CareTarget, error) {
	scope, sargs := authz.ScopeSQL("c.path", authz.From(ctx).Scopes(authz.RegistryRead))
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.id, c.person_id, p.name, c.kind, c.note, o.name,
		(SELECT max(at) FROM visits WHERE subject_type = 'care_target' AND subject_id = c.id), c.status, c.end_reason, c.end_note, c.ended_at,
		c.version, c.created_at
		FROM care_targets c JOIN people p ON p.id = c.person_id JOIN org_nodes o ON o.id = p.org_id WHERE 1 = 1`+where+` AND `+scope+listOrder("c")+` LIMIT ?`,
		append(append(args, sargs...), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CareTarget{}
	for rows.Next() {
		var c CareTarget
		var last, ended sql.NullInt64
		if err := rows.Scan(&c.ID, &c.PersonID, &c.PersonName, &c.Kind, &c.Note, &c.OrgName, &last, &c.Status, &c.EndReason, &c.EndNote, &ended,
			&c.Version, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.LastService, c.EndedAt = ptr(last), ptr(ended)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddCareService records a service to a care target (a visit, a delivery,
// a call).
func (s *Service) AddCareService(ctx context.Context, targetID string, in VisitInput) (Visit, error) {
	now := s.Now().UnixMilli()
	if err := checkVisit(&in, now); err != nil {
		return Visit{}, err
	}
	var personID, path, status string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT person_id, path, status FROM care_targets WHERE id = ?", targetID).Scan(&personID, &path, &status)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.RegistryWrite, path)) {
		return Visit{}, apperr.NotFoundf("care_target")
	}
	if err != nil {
		return Visit{}, err
	}
	if status != "active" {
		return Visit{}, apperr.E(apperr.Conflict, "registry.care_target_ended")
	}
	at := now
	if in.At != nil {
		at = *in.At
	}
	id := db.NewID()
	who := authz.From(ctx)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.insertVisit(ctx, tx, id, "care_target", targetID, personID, agencyOf(who, authz.RegistryWrite), in, at); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.care_service", "care_target", targetID, in.Method)
	})
	return Visit{ID: id, SubjectType: "care_target", SubjectID: targetID, Agency: agencyOf(who, authz.RegistryWrite), Method: in.Method,
		Finding: in.Finding, Note: in.Note, User: who.DisplayName, At: at}, err
}
