package safety

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Cell subjects: the area itself (a village or a town) or a place in a
// village (a school, a hospital, a market, a family …).
var CellSubjects = []string{"village", "town", "place"}

// Cell statuses, in their order: applied with a self-assessment, inspected
// by the town or the department, approved (valid until a date) or
// rejected by the committee; revoked by the rule or by hand.
const (
	CellApplied   = "applied"
	CellInspected = "inspected"
	CellApproved  = "approved"
	CellRejected  = "rejected"
	CellRevoked   = "revoked"
	CellExpired   = "expired" // approved, past its validity (not stored)
)

// CellKind is a kind of safe cell a root creates, with its checklist.
type CellKind struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Subject     string   `json:"subject"`
	Criteria    []string `json:"criteria"`
	ValidMonths int      `json:"valid_months"`
	RevokeOn    []string `json:"revoke_on"` // event category prefixes
}

// defaultCellKinds are the kinds a root starts with (茂名's four levels,
// 官渡's campuses, communities and markets, 长治's units and "枫桥式").
func defaultCellKinds() []CellKind {
	k := func(code, name, subject string, criteria ...string) CellKind {
		return CellKind{Code: code, Name: name, Subject: subject, Criteria: criteria, ValidMonths: 24, RevokeOn: []string{"05", "12"}}
	}
	return []CellKind{
		k("village", "平安村（社区）", "village", "全年无刑事命案、无重大群体性事件", "矛盾纠纷排查化解率达到95%以上", "网格化服务管理全覆盖，网格员配备到位", "重点人员走访、帮扶措施落实", "群众安全感、满意度调查达到90%以上"),
		k("town", "平安乡镇（街道）", "town", "综治中心实体化运行", "平安指数全年无红灯月份超过两个", "无重大安全生产事故和重大刑事案件", "一站式矛盾纠纷调处机制运行良好"),
		k("campus", "平安校园", "place", "校园安保人员、设施配备达标", "校园周边治安秩序良好", "开展安全教育和应急演练", "无校园欺凌、食品安全事件"),
		k("hospital", "平安医院", "place", "医院警务室设置到位", "医疗纠纷调处机制健全", "无暴力伤医事件"),
		k("enterprise", "平安企业", "place", "安全生产责任制落实", "劳资关系和谐，无欠薪上访", "内部治安保卫制度健全"),
		k("market", "平安市场", "place", "消防设施完好、通道畅通", "市场管理和治安巡查到位", "无重大消费纠纷和安全事故"),
		k("scenic", "平安景区", "place", "游客安全设施和警示标识齐全", "节假日安保预案落实", "无重大安全事故"),
		k("family", "平安家庭", "place", "家庭成员遵纪守法", "家庭和睦、邻里团结", "无家庭暴力"),
		k("no_cult", "无邪教村（社区）", "village", "开展反邪教宣传教育", "无邪教组织活动", "无邪教人员滋事"),
		k("fengqiao", "“枫桥式”单位", "place", "矛盾纠纷就地化解机制健全", "小事不出村、大事不出镇", "群众工作经验可推广"),
	}
}

// Cell is a safe cell: an application and its course.
type Cell struct {
	ID           string      `json:"id"`
	RootID       string      `json:"root_id"`
	Kind         string      `json:"kind"`
	KindName     string      `json:"kind_name"`
	AreaID       string      `json:"area_id"`
	AreaName     string      `json:"area_name"`
	TownID       string      `json:"town_id"`
	Name         string      `json:"name"`
	Criteria     []string    `json:"criteria"`
	SelfCheck    []SelfCheck `json:"self_check"`
	Inspection   []Check     `json:"inspection"`
	InspectNote  string      `json:"inspect_note"`
	InspectedBy  string      `json:"inspected_by"`
	InspectedAt  *int64      `json:"inspected_at"`
	Status       string      `json:"status"` // applied, inspected, approved, rejected, revoked, expired
	AppliedAt    int64       `json:"applied_at"`
	DecidedAt    *int64      `json:"decided_at"`
	DecideNote   string      `json:"decide_note"`
	ValidFrom    string      `json:"valid_from"`
	ValidUntil   string      `json:"valid_until"`
	RevokedAt    *int64      `json:"revoked_at"`
	RevokeReason string      `json:"revoke_reason"`
	path         string
}

// SelfCheck is the applicant's answer to one criterion.
type SelfCheck struct {
	Met      bool   `json:"met"`
	Evidence string `json:"evidence"`
}

// Check is the inspector's finding on one criterion.
type Check struct {
	Passed bool   `json:"passed"`
	Note   string `json:"note"`
}

// CellInput is an application: a kind, the area (the village or town
// itself, or the village a place lies in), the place's name, and the
// self-assessment by criterion.
type CellInput struct {
	Kind      string      `json:"kind"`
	AreaID    string      `json:"area_id"`
	Name      string      `json:"name"`
	SelfCheck []SelfCheck `json:"self_check"`
}

// InspectInput is the inspection: a finding by criterion and a note.
type InspectInput struct {
	Checks []Check `json:"checks"`
	Note   string  `json:"note"`
}

// DecideInput is the committee's decision on an inspected application.
type DecideInput struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

// RevokeInput is why a cell is revoked.
type RevokeInput struct {
	Reason string `json:"reason"`
}

// Coverage is the created safe cells of each kind in each town against
// the eligible count, and the totals of each kind.
type Coverage struct {
	Kinds  []CellKind    `json:"kinds"`
	Towns  []CoverageRow `json:"towns"`
	Totals CoverageRow   `json:"totals"`
}

// CoverageRow is a town's line: created and eligible by kind code.
type CoverageRow struct {
	AreaID   string         `json:"area_id"`
	Name     string         `json:"name"`
	Created  map[string]int `json:"created"`
	Eligible map[string]int `json:"eligible"`
}

// TargetInput sets how many places of a kind a town should create.
type TargetInput struct {
	Kind     string `json:"kind"`
	AreaID   string `json:"area_id"`
	Eligible int    `json:"eligible"`
}

// CellKinds returns the root's kinds (the defaults before any are saved).
func (s *Service) CellKinds(ctx context.Context, rootID string) ([]CellKind, error) {
	q := s.db.Reader()
	if _, err := cellRoot(ctx, q, rootID); err != nil {
		return nil, err
	}
	return cellKinds(ctx, q, rootID)
}

func cellKinds(ctx context.Context, q db.Querier, rootID string) ([]CellKind, error) {
	rows, err := q.QueryContext(ctx, "SELECT code, name, subject, criteria, valid_months, revoke_on FROM safety_cell_kinds WHERE root_id = ? ORDER BY seq", rootID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CellKind
	for rows.Next() {
		var k CellKind
		var criteria, revoke string
		if err := rows.Scan(&k.Code, &k.Name, &k.Subject, &criteria, &k.ValidMonths, &revoke); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(criteria), &k.Criteria); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(revoke), &k.RevokeOn); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return defaultCellKinds(), nil
	}
	return out, nil
}

var prefixRE = regexp.MustCompile(`^[0-9]{2,6}$`)

// SaveCellKinds replaces the root's kinds. A kind in use keeps its code;
// applications keep the criteria they were made against. Audited.
func (s *Service) SaveCellKinds(ctx context.Context, rootID string, in []CellKind) ([]CellKind, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SafetyWrite, rootID); err != nil {
			return err
		}
		var f apperr.Fields
		if len(in) == 0 || len(in) > 30 {
			f.Add("kinds", "validation.range", "min", 1, "max", 30)
		}
		seen := map[string]bool{}
		for i, k := range in {
			field := fmt.Sprintf("kinds[%d].", i)
			in[i].Name = strings.TrimSpace(k.Name)
			if !codeRE.MatchString(k.Code) || seen[k.Code] {
				f.Add(field+"code", "safety.code_invalid")
			}
			seen[k.Code] = true
			if n := len([]rune(in[i].Name)); n < 2 || n > 30 {
				f.Add(field+"name", "validation.length", "min", 2, "max", 30)
			}
			if !slices.Contains(CellSubjects, k.Subject) {
				f.Add(field+"subject", "validation.one_of", "values", strings.Join(CellSubjects, ", "))
			}
			var criteria []string
			for _, c := range k.Criteria {
				if c = strings.TrimSpace(c); c != "" {
					criteria = append(criteria, c)
				}
			}
			in[i].Criteria = criteria
			if len(criteria) == 0 || len(criteria) > 20 || slices.ContainsFunc(criteria, func(c string) bool { return len([]rune(c)) > 200 }) {
				f.Add(field+"criteria", "safety.cell_criteria")
			}
			if k.ValidMonths < 1 || k.ValidMonths > 60 {
				f.Add(field+"valid_months", "validation.range", "min", 1, "max", 60)
			}
			if k.RevokeOn == nil {
				in[i].RevokeOn = []string{}
			}
			if slices.ContainsFunc(k.RevokeOn, func(p string) bool { return !prefixRE.MatchString(p) }) {
				f.Add(field+"revoke_on", "safety.cell_revoke_on")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM safety_cell_kinds WHERE root_id = ?", rootID); err != nil {
			return err
		}
		for i, k := range in {
			criteria, _ := json.Marshal(k.Criteria)
			revoke, _ := json.Marshal(in[i].RevokeOn)
			if _, err := tx.ExecContext(ctx, `INSERT INTO safety_cell_kinds (root_id, code, seq, name, subject, criteria, valid_months, revoke_on)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, rootID, k.Code, i, k.Name, k.Subject, string(criteria), k.ValidMonths, string(revoke)); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.cell_kinds.save", "safety_cell_kind", rootID, fmt.Sprintf("%d kinds", len(in)))
	})
	if err != nil {
		return nil, err
	}
	return cellKinds(ctx, s.db.Reader(), rootID)
}

// cellRoot is the root's path for a caller who works on cells under it:
// the committee (safety.read), or a town's centre (safety.task under it).
func cellRoot(ctx context.Context, q db.Querier, rootID string) (string, error) {
	path, _, err := rootOrBelow(ctx, q, rootID, authz.SafetyTask)
	return path, err
}

const cellCols = `c.id, c.root_id, c.kind, c.area_id, o.name, c.path, c.name, c.criteria, c.self_check, c.inspection, c.inspect_note, c.inspected_by,
	c.inspected_at, c.status, c.applied_at, c.decided_at, c.decide_note, c.valid_from, c.valid_until, c.revoked_at, c.revoke_reason`

// readCells reads cells (cond on c.) with their kinds' names.
func (s *Service) readCells(ctx context.Context, q db.Querier, rootID, cond string, args ...any) ([]Cell, error) {
	kinds, err := cellKinds(ctx, q, rootID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, k := range kinds {
		names[k.Code] = k.Name
	}
	rows, err := q.QueryContext(ctx, "SELECT "+cellCols+" FROM safety_cells c JOIN org_nodes o ON o.id = c.area_id WHERE "+cond+" ORDER BY c.applied_at DESC, c.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := s.today()
	out := []Cell{}
	for rows.Next() {
		var c Cell
		var criteria, self, insp string
		if err := rows.Scan(&c.ID, &c.RootID, &c.Kind, &c.AreaID, &c.AreaName, &c.path, &c.Name, &criteria, &self, &insp, &c.InspectNote, &c.InspectedBy,
			&c.InspectedAt, &c.Status, &c.AppliedAt, &c.DecidedAt, &c.DecideNote, &c.ValidFrom, &c.ValidUntil, &c.RevokedAt, &c.RevokeReason); err != nil {
			return nil, err
		}
		for _, x := range []struct {
			raw string
			v   any
		}{{criteria, &c.Criteria}, {self, &c.SelfCheck}, {insp, &c.Inspection}} {
			if err := json.Unmarshal([]byte(x.raw), x.v); err != nil {
				return nil, err
			}
		}
		c.KindName = names[c.Kind]
		if c.Status == CellApproved && c.ValidUntil < today {
			c.Status = CellExpired
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Cells lists the root's cells, of one kind and status when given, with
// the town each lies in.
func (s *Service) Cells(ctx context.Context, rootID, kind, status string) ([]Cell, error) {
	q := s.db.Reader()
	path, under, err := rootOrBelow(ctx, q, rootID, authz.SafetyTask)
	if err != nil {
		return nil, err
	}
	cond, args := "c.root_id = ?", []any{rootID}
	if under {
		// A town's centre sees its own towns' cells.
		scope, a := authz.ScopeSQL("c.path", authz.From(ctx).Scopes(authz.SafetyTask))
		cond, args = cond+" AND "+scope, append(args, a...)
	}
	if kind != "" {
		cond, args = cond+" AND c.kind = ?", append(args, kind)
	}
	cells, err := s.readCells(ctx, q, rootID, cond, args...)
	if err != nil {
		return nil, err
	}
	towns, err := org.AreasUnder(ctx, q, path, "town")
	if err != nil {
		return nil, err
	}
	out := cells[:0]
	for _, c := range cells {
		if status != "" && c.Status != status {
			continue
		}
		for _, t := range towns {
			if strings.HasPrefix(c.path, t.Path) {
				c.TownID = t.ID
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// cell reads one cell the caller works on: the committee (safety.read over
// its root) or the centre of its area (safety.task); otherwise not found.
func (s *Service) cell(ctx context.Context, q db.Querier, id string) (Cell, error) {
	var rootID string
	if err := q.QueryRowContext(ctx, "SELECT root_id FROM safety_cells WHERE id = ?", id).Scan(&rootID); err != nil {
		return Cell{}, notFound(err, "safety_cell")
	}
	list, err := s.readCells(ctx, q, rootID, "c.id = ?", id)
	if err != nil || len(list) == 0 {
		if err == nil {
			err = apperr.NotFoundf("safety_cell")
		}
		return Cell{}, err
	}
	c := list[0]
	rp, err := org.PathOf(ctx, q, rootID, "")
	if err != nil {
		return c, err
	}
	p := authz.From(ctx)
	if !p.Covers(authz.SafetyRead, rp) && !p.Covers(authz.SafetyTask, c.path) {
		return Cell{}, apperr.NotFoundf("safety_cell")
	}
	return c, nil
}

// Cell returns one cell.
func (s *Service) Cell(ctx context.Context, id string) (Cell, error) {
	return s.cell(ctx, s.db.Reader(), id)
}

// Apply records an application with its self-assessment: made by the
// area's centre (safety.task over the area) or the committee. Audited.
func (s *Service) Apply(ctx context.Context, rootID string, in CellInput) (Cell, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		root, err := cellRoot(ctx, tx, rootID)
		if err != nil {
			return err
		}
		kinds, err := cellKinds(ctx, tx, rootID)
		if err != nil {
			return err
		}
		var f apperr.Fields
		i := slices.IndexFunc(kinds, func(k CellKind) bool { return k.Code == in.Kind })
		if i < 0 {
			return apperr.Field("kind", "safety.cell_kind")
		}
		k := kinds[i]
		path, perr := org.PathOf(ctx, tx, in.AreaID, "area_id")
		areaKind, _ := org.KindOf(ctx, tx, in.AreaID, "area_id")
		want := k.Subject
		if want == "place" {
			want = "village"
		}
		p := authz.From(ctx)
		if perr != nil || !strings.HasPrefix(path, root) || areaKind != want || !(p.Covers(authz.SafetyTask, path) || p.Covers(authz.SafetyWrite, root)) {
			f.Add("area_id", map[string]string{"village": "safety.cell_area_village", "town": "safety.cell_area_town"}[want])
		}
		in.Name = strings.TrimSpace(in.Name)
		if k.Subject != "place" {
			in.Name, _ = org.NameOf(ctx, tx, in.AreaID)
		} else if n := len([]rune(in.Name)); n < 2 || n > 60 {
			f.Add("name", "validation.length", "min", 2, "max", 60)
		}
		if len(in.SelfCheck) != len(k.Criteria) {
			f.Add("self_check", "safety.cell_checks", "n", len(k.Criteria))
		}
		for j, c := range in.SelfCheck {
			in.SelfCheck[j].Evidence = strings.TrimSpace(c.Evidence)
			if len([]rune(in.SelfCheck[j].Evidence)) > 300 {
				f.Add(fmt.Sprintf("self_check[%d].evidence", j), "validation.length", "min", 0, "max", 300)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM safety_cells WHERE root_id = ? AND kind = ? AND area_id = ? AND name = ? AND status IN (?, ?, ?) AND (status <> ? OR valid_until >= ?)",
			rootID, in.Kind, in.AreaID, in.Name, CellApplied, CellInspected, CellApproved, CellApproved, s.today()).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return apperr.E(apperr.Conflict, "safety.cell_exists")
		}
		criteria, _ := json.Marshal(k.Criteria)
		self, _ := json.Marshal(in.SelfCheck)
		id = db.NewID()
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO safety_cells (id, root_id, kind, area_id, path, name, criteria, self_check, inspection, inspect_note, status,
			applied_at, applied_by, inspected_by, decide_note, valid_from, valid_until, revoke_reason, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', '', ?, ?, ?, '', '', '', '', '', ?)`, id, rootID, in.Kind, in.AreaID, path, in.Name, string(criteria), string(self),
			CellApplied, now, p.UserID, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyTask, "safety.cell.apply", "safety_cell", id, k.Name+" "+in.Name)
	})
	if err != nil {
		return Cell{}, err
	}
	return s.Cell(ctx, id)
}

// step moves a cell from one status to another under fn, audited.
func (s *Service) step(ctx context.Context, id string, perm authz.Perm, from []string, action string, fn func(tx *db.Tx, c Cell) error) (Cell, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.cell(ctx, tx, id)
		if err != nil {
			return err
		}
		rp, err := org.PathOf(ctx, tx, c.RootID, "")
		if err != nil {
			return err
		}
		p := authz.From(ctx)
		if !p.Covers(authz.SafetyWrite, rp) && (perm == authz.SafetyWrite || !p.Covers(perm, c.path)) {
			return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", perm)
		}
		if !slices.Contains(from, c.Status) {
			return apperr.E(apperr.Conflict, "safety.cell_status", "status", c.Status)
		}
		if err := fn(tx, c); err != nil {
			return err
		}
		return s.record(ctx, tx, perm, action, "safety_cell", id, c.KindName+" "+c.Name)
	})
	if err != nil {
		return Cell{}, err
	}
	return s.Cell(ctx, id)
}

// Inspect records the town's or the department's inspection of an
// application: a finding on every criterion. Audited.
func (s *Service) Inspect(ctx context.Context, id string, in InspectInput) (Cell, error) {
	return s.step(ctx, id, authz.SafetyTask, []string{CellApplied, CellInspected}, "safety.cell.inspect", func(tx *db.Tx, c Cell) error {
		var f apperr.Fields
		if len(in.Checks) != len(c.Criteria) {
			f.Add("checks", "safety.cell_checks", "n", len(c.Criteria))
		}
		in.Note = strings.TrimSpace(in.Note)
		if n := len([]rune(in.Note)); n < 2 || n > 1000 {
			f.Add("note", "validation.length", "min", 2, "max", 1000)
		}
		if err := f.Err(); err != nil {
			return err
		}
		checks, _ := json.Marshal(in.Checks)
		now := db.Now()
		_, err := tx.ExecContext(ctx, "UPDATE safety_cells SET inspection = ?, inspect_note = ?, inspected_by = ?, inspected_at = ?, status = ?, updated_at = ? WHERE id = ?",
			string(checks), in.Note, authz.From(ctx).DisplayName, now, CellInspected, now, id)
		return err
	})
}

// Decide approves an inspected application — valid from today for the
// kind's months — or rejects it. Audited.
func (s *Service) Decide(ctx context.Context, id string, in DecideInput) (Cell, error) {
	return s.step(ctx, id, authz.SafetyWrite, []string{CellInspected}, "safety.cell.decide", func(tx *db.Tx, c Cell) error {
		in.Note = strings.TrimSpace(in.Note)
		if len([]rune(in.Note)) > 500 {
			return apperr.Field("note", "validation.length", "min", 0, "max", 500)
		}
		if !in.Approve && in.Note == "" {
			return apperr.Field("note", "safety.cell_reject_note")
		}
		kinds, err := cellKinds(ctx, tx, c.RootID)
		if err != nil {
			return err
		}
		months := 24
		if i := slices.IndexFunc(kinds, func(k CellKind) bool { return k.Code == c.Kind }); i >= 0 {
			months = kinds[i].ValidMonths
		}
		status, from, until := CellRejected, "", ""
		if in.Approve {
			today := mustDate(s.today())
			status, from, until = CellApproved, today.Format("2006-01-02"), today.AddDate(0, months, -1).Format("2006-01-02")
		}
		now := db.Now()
		_, err = tx.ExecContext(ctx, "UPDATE safety_cells SET status = ?, decided_at = ?, decide_note = ?, valid_from = ?, valid_until = ?, updated_at = ? WHERE id = ?",
			status, now, in.Note, from, until, now, id)
		return err
	})
}

// Revoke revokes an approved cell with the reason. Audited.
func (s *Service) Revoke(ctx context.Context, id string, in RevokeInput) (Cell, error) {
	return s.step(ctx, id, authz.SafetyWrite, []string{CellApproved}, "safety.cell.revoke", func(tx *db.Tx, c Cell) error {
		in.Reason = strings.TrimSpace(in.Reason)
		if n := len([]rune(in.Reason)); n < 2 || n > 500 {
			return apperr.Field("reason", "validation.length", "min", 2, "max", 500)
		}
		return revokeCell(ctx, tx, id, in.Reason)
	})
}

func revokeCell(ctx context.Context, tx *db.Tx, id, reason string) error {
	now := db.Now()
	_, err := tx.ExecContext(ctx, "UPDATE safety_cells SET status = ?, revoked_at = ?, revoke_reason = ?, updated_at = ? WHERE id = ?", CellRevoked, now, reason, now, id)
	return err
}

// SweepCells applies the kinds' rules to the root's valid cells: a cell
// with an urgent event of a listed category in its area since it was
// approved is revoked, the event named in the reason. It returns the
// cells revoked. Audited, each.
func (s *Service) SweepCells(ctx context.Context, rootID string) ([]Cell, error) {
	var revoked []string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SafetyWrite, rootID); err != nil {
			return err
		}
		kinds, err := cellKinds(ctx, tx, rootID)
		if err != nil {
			return err
		}
		cells, err := s.readCells(ctx, tx, rootID, "c.root_id = ? AND c.status = ?", rootID, CellApproved)
		if err != nil {
			return err
		}
		for _, c := range cells {
			if c.Status != CellApproved {
				continue // expired
			}
			i := slices.IndexFunc(kinds, func(k CellKind) bool { return k.Code == c.Kind })
			if i < 0 {
				continue
			}
			var first string
			err := casework.UrgentEventsSince(ctx, tx, c.path, mustDate(c.ValidFrom), kinds[i].RevokeOn, func(_, no string) {
				if first == "" {
					first = no
				}
			})
			if err != nil {
				return err
			}
			if first == "" {
				continue
			}
			if err := revokeCell(ctx, tx, c.ID, "发生紧急事件 "+first+"，按撤销规则撤销"); err != nil {
				return err
			}
			if err := s.record(ctx, tx, authz.SafetyWrite, "safety.cell.revoke", "safety_cell", c.ID, c.KindName+" "+c.Name+": "+first); err != nil {
				return err
			}
			revoked = append(revoked, c.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []Cell{}
	for _, id := range revoked {
		c, err := s.Cell(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CellCoverage counts each town's valid cells of each kind against its
// eligible count: the villages (or the town itself) for an area kind, the
// committee's count for a place kind.
func (s *Service) CellCoverage(ctx context.Context, rootID string) (Coverage, error) {
	q := s.db.Reader()
	path, err := rootPath(ctx, q, authz.SafetyRead, rootID)
	if err != nil {
		return Coverage{}, err
	}
	out := Coverage{Towns: []CoverageRow{}, Totals: CoverageRow{Name: "", Created: map[string]int{}, Eligible: map[string]int{}}}
	if out.Kinds, err = cellKinds(ctx, q, rootID); err != nil {
		return out, err
	}
	towns, err := org.AreasUnder(ctx, q, path, "town")
	if err != nil {
		return out, err
	}
	villages, err := org.AreasUnder(ctx, q, path, "village")
	if err != nil {
		return out, err
	}
	index := map[string]int{}
	for i, t := range towns {
		index[t.ID] = i
		out.Towns = append(out.Towns, CoverageRow{AreaID: t.ID, Name: t.Name, Created: map[string]int{}, Eligible: map[string]int{}})
	}
	for _, k := range out.Kinds {
		for i := range out.Towns {
			switch k.Subject {
			case "town":
				out.Towns[i].Eligible[k.Code] = 1
			case "village":
				out.Towns[i].Eligible[k.Code] = 0
			}
		}
	}
	for _, v := range villages {
		if i, ok := index[v.ParentID]; ok {
			for _, k := range out.Kinds {
				if k.Subject == "village" {
					out.Towns[i].Eligible[k.Code]++
				}
			}
		}
	}
	eligible, err := placeEligible(ctx, q, rootID, out.Kinds)
	if err != nil {
		return out, err
	}
	for area, counts := range eligible {
		if i, ok := index[area]; ok {
			for kind, n := range counts {
				out.Towns[i].Eligible[kind] = n
			}
		}
	}
	cells, err := s.readCells(ctx, q, rootID, "c.root_id = ? AND c.status = ?", rootID, CellApproved)
	if err != nil {
		return out, err
	}
	for _, c := range cells {
		if c.Status != CellApproved {
			continue
		}
		for i, t := range towns {
			if strings.HasPrefix(c.path, t.Path) {
				out.Towns[i].Created[c.Kind]++
			}
		}
	}
	for _, r := range out.Towns {
		for k, n := range r.Created {
			out.Totals.Created[k] += n
		}
		for k, n := range r.Eligible {
			out.Totals.Eligible[k] += n
		}
	}
	return out, nil
}

// placeEligible reads the committee's eligible counts of the root's place
// kinds: by town id, the count of each kind set for it. A count of a kind
// that is not (or no longer) a place kind of kinds is left out.
func placeEligible(ctx context.Context, q db.Querier, rootID string, kinds []CellKind) (map[string]map[string]int, error) {
	place := map[string]bool{}
	for _, k := range kinds {
		place[k.Code] = k.Subject == "place"
	}
	rows, err := q.QueryContext(ctx, "SELECT kind, area_id, eligible FROM safety_cell_targets WHERE root_id = ?", rootID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var kind, area string
		var n int
		if err := rows.Scan(&kind, &area, &n); err != nil {
			return nil, err
		}
		if !place[kind] {
			continue
		}
		if out[area] == nil {
			out[area] = map[string]int{}
		}
		out[area][kind] = n
	}
	return out, rows.Err()
}

// SetCellTarget sets how many places of a place kind a town should create.
// Audited.
func (s *Service) SetCellTarget(ctx context.Context, rootID string, in TargetInput) (Coverage, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := rootPath(ctx, tx, authz.SafetyWrite, rootID)
		if err != nil {
			return err
		}
		kinds, err := cellKinds(ctx, tx, rootID)
		if err != nil {
			return err
		}
		var f apperr.Fields
		if !slices.ContainsFunc(kinds, func(k CellKind) bool { return k.Code == in.Kind && k.Subject == "place" }) {
			f.Add("kind", "safety.cell_kind")
		}
		p, perr := org.PathOf(ctx, tx, in.AreaID, "area_id")
		kind, _ := org.KindOf(ctx, tx, in.AreaID, "area_id")
		if perr != nil || !strings.HasPrefix(p, path) || kind != "town" {
			f.Add("area_id", "safety.cell_area_town")
		}
		if in.Eligible < 0 || in.Eligible > 100000 {
			f.Add("eligible", "validation.range", "min", 0, "max", 100000)
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM safety_cell_targets WHERE root_id = ? AND kind = ? AND area_id = ?", rootID, in.Kind, in.AreaID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO safety_cell_targets (root_id, kind, area_id, eligible) VALUES (?, ?, ?, ?)", rootID, in.Kind, in.AreaID, in.Eligible); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.cell_target.set", "safety_cell_kind", rootID, fmt.Sprintf("%s %d", in.Kind, in.Eligible))
	})
	if err != nil {
		return Coverage{}, err
	}
	return s.CellCoverage(ctx, rootID)
}
