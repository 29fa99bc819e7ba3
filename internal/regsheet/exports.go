package regsheet

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Exports of personal data: a request names a list and its filters. Up to
// the approval threshold (settings) it is ready at once; above it, it waits
// until a second person holding registry.export_approve over the area
// approves. The file is made when the requester downloads it, in the
// requester's scope, masked and watermarked with who, when and who approved.

// ExportRequest asks for a list as a spreadsheet.
type ExportRequest struct {
	Kind       string `json:"kind"`   // people, households, houses, units, care_targets, key_persons
	Format     string `json:"format"` // xlsx (default), csv
	OrgID      string `json:"org_id"` // the area; optional when the caller has one scope
	GridID     string `json:"grid_id,omitempty"`
	Type       string `json:"type,omitempty"`        // the list's kind filter: person kind, house purpose, unit kind, care kind, key-person category
	Status     string `json:"status,omitempty"`      // people: active (default), moved_out, deceased; care targets: active (default), ended
	LeftBehind string `json:"left_behind,omitempty"` // people
	Light      string `json:"light,omitempty"`       // key persons: red, yellow, green
}

// Export is an export request and its state.
type Export struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Format      string `json:"format"`
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
	Rows        int    `json:"rows"`
	Status      string `json:"status"` // ready, pending, approved, rejected, expired
	RequestedBy string `json:"requested_by"`
	Requester   string `json:"requester"`
	DecidedBy   string `json:"decided_by"`
	Decider     string `json:"decider"`
	DecidedAt   *int64 `json:"decided_at"`
	Reason      string `json:"reason"`
	Downloads   int    `json:"downloads"`
	CreatedAt   int64  `json:"created_at"`
	ExpiresAt   int64  `json:"expires_at"`
	AwaitingMe  bool   `json:"awaiting_me"`
	Threshold   int    `json:"threshold"`
	// WindowRows are the rows the requester had exported without approval
	// in the ExportWindow before this request; WindowHours is the window.
	WindowRows  int `json:"window_rows"`
	WindowHours int `json:"window_hours"`
	filters     ExportRequest
	path        string
}

// ExportKinds are the lists that can be exported.
var ExportKinds = []string{"people", "households", "houses", "units", "care_targets", "key_persons"}

// exportTTL is how long a ready or approved export can be downloaded.
const exportTTL = 24 * time.Hour

// ExportWindow is the rolling window over which a user's exported rows are
// summed against the approval threshold: many small requests (one per town)
// need approval once their sum would pass it, as one large request would.
const ExportWindow = 24 * time.Hour

var exportSheets = map[string]excel.Sheet{
	// The age, not the birth date: digits 7–14 of the ID number stay hidden.
	"people": {Name: "实有人口", Columns: []excel.Column{{Title: "姓名"}, {Title: "公民身份号码", Width: 22}, {Title: "人口类型"}, {Title: "性别"},
		{Title: "年龄"}, {Title: "留守类型"}, {Title: "联系电话", Width: 15}, {Title: "居住地址", Width: 30}, {Title: "详细地址", Width: 36},
		{Title: "网格编码", Width: 18}, {Title: "户号"}, {Title: "与户主关系"}, {Title: "居住方式"}, {Title: "备注", Width: 24}}},
	"care_targets": {Name: "关爱服务对象", Columns: []excel.Column{{Title: "姓名"}, {Title: "类别"}, {Title: "所属区域", Width: 20}, {Title: "最近服务"}, {Title: "备注", Width: 30}}},
	"key_persons": {Name: "重点人员", Columns: []excel.Column{{Title: "姓名"}, {Title: "公民身份号码", Width: 22}, {Title: "类别", Width: 18}, {Title: "风险等级"},
		{Title: "走访周期（天）"}, {Title: "最近走访"}, {Title: "下次走访"}, {Title: "走访提示"}, {Title: "责任网格员"}, {Title: "网格", Width: 20}, {Title: "所属区域", Width: 20}}},
}

func ageText(age *int) string {
	if age == nil {
		return ""
	}
	return strconv.Itoa(*age)
}

func exportSheet(kind string) excel.Sheet {
	if sh, ok := exportSheets[kind]; ok {
		return sh
	}
	return Sheets[kind]
}

// RequestExport records an export request, ready at once or pending approval.
func (s *Service) RequestExport(ctx context.Context, in ExportRequest) (Export, error) {
	p := authz.From(ctx)
	var f apperr.Fields
	regkit.OneOf(&f, "kind", in.Kind, ExportKinds, true)
	if in.Format == "" {
		in.Format = string(excel.XLSX)
	}
	regkit.OneOf(&f, "format", in.Format, []string{string(excel.XLSX), string(excel.CSV)}, true)
	if err := f.Err(); err != nil {
		return Export{}, err
	}
	if in.OrgID == "" {
		scopes := p.Scopes(authz.RegistryExport)
		if len(scopes) != 1 {
			return Export{}, apperr.Field("org_id", "registry.required")
		}
		id, err := org.IDAt(ctx, s.db.Reader(), scopes[0])
		if err != nil {
			return Export{}, apperr.Field("org_id", "registry.link_unknown")
		}
		in.OrgID = id
	}
	path, err := org.PathIn(ctx, s.db.Reader(), authz.RegistryExport, in.OrgID, "org_id")
	if apperr.Is(err, "org.not_found") {
		return Export{}, apperr.Field("org_id", "registry.link_unknown")
	}
	if err != nil {
		return Export{}, err
	}
	set, err := s.reg.Settings(ctx)
	if err != nil {
		return Export{}, err
	}
	rows := 0
	if err := s.exportRows(ctx, in, func([]string) error { rows++; return nil }); err != nil {
		return Export{}, err
	}
	filters, _ := json.Marshal(in)
	id, now := db.NewID(), s.reg.Now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// Locking the requester's row makes the sum and this request one
		// step on PostgreSQL (SQLite runs one writer at a time): two
		// requests at once cannot both pass under the threshold.
		if _, err := account.LockUser(ctx, tx, p.UserID); err != nil {
			return err
		}
		window, err := s.exportedRows(ctx, tx, p.UserID, now)
		if err != nil {
			return err
		}
		status := "ready"
		if window+rows > set.ExportApprovalRows {
			status = "pending"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exports (id, kind, format, filters, org_id, path, row_count, status, requested_by, created_at, expires_at, window_rows)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, in.Kind, in.Format, string(filters), in.OrgID, path, rows, status, p.UserID,
			now.UnixMilli(), now.Add(exportTTL).UnixMilli(), window); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryExport, "registry.export_request", "export", id,
			in.Kind+" rows "+strconv.Itoa(rows)+" window "+strconv.Itoa(window)+" "+status)
	})
	if err != nil {
		return Export{}, err
	}
	return s.export(ctx, id)
}

// exportedRows sums the rows user exported without a second person's
// approval (requests that were ready at once) in the ExportWindow before now.
func (s *Service) exportedRows(ctx context.Context, q db.Querier, user string, now time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COALESCE(SUM(row_count), 0) FROM exports WHERE requested_by = ? AND status = 'ready' AND created_at > ?",
		user, now.Add(-ExportWindow).UnixMilli()).Scan(&n)
	return n, err
}

const exportCols = `x.id, x.kind, x.format, x.filters, x.org_id, o.name, x.path, x.row_count, x.status, x.requested_by, ru.display_name,
	COALESCE(x.decided_by, ''), COALESCE(du.display_name, ''), x.decided_at, x.reason, x.downloads, x.created_at, x.expires_at, x.window_rows
	FROM exports x JOIN org_nodes o ON o.id = x.org_id JOIN users ru ON ru.id = x.requested_by LEFT JOIN users du ON du.id = x.decided_by`

func (s *Service) scanExport(ctx context.Context, sc interface{ Scan(...any) error }) (Export, error) {
	var e Export
	var filters string
	var decided sql.NullInt64
	if err := sc.Scan(&e.ID, &e.Kind, &e.Format, &filters, &e.OrgID, &e.OrgName, &e.path, &e.Rows, &e.Status, &e.RequestedBy, &e.Requester,
		&e.DecidedBy, &e.Decider, &decided, &e.Reason, &e.Downloads, &e.CreatedAt, &e.ExpiresAt, &e.WindowRows); err != nil {
		return e, err
	}
	json.Unmarshal([]byte(filters), &e.filters)
	e.DecidedAt = regkit.Ptr(decided)
	p := authz.From(ctx)
	if (e.Status == "ready" || e.Status == "approved") && s.reg.Now().UnixMilli() > e.ExpiresAt {
		e.Status = "expired"
	}
	e.AwaitingMe = e.Status == "pending" && e.RequestedBy != p.UserID && p.Covers(authz.RegistryExportApprove, e.path)
	return e, nil
}

// export loads one request the caller may see: their own, or one they may decide.
func (s *Service) export(ctx context.Context, id string) (Export, error) {
	e, err := s.scanExport(ctx, s.db.Reader().QueryRowContext(ctx, "SELECT "+exportCols+" WHERE x.id = ?", id))
	p := authz.From(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && e.RequestedBy != p.UserID && !p.Covers(authz.RegistryExportApprove, e.path)) {
		return Export{}, apperr.NotFoundf("export")
	}
	if err != nil {
		return Export{}, err
	}
	set, err := s.reg.Settings(ctx)
	e.Threshold = set.ExportApprovalRows
	e.WindowHours = int(ExportWindow / time.Hour)
	return e, err
}

// Exports lists the caller's own requests and those awaiting their decision,
// newest first.
func (s *Service) Exports(ctx context.Context) ([]Export, error) {
	p := authz.From(ctx)
	scope, sargs := authz.ScopeSQL("x.path", p.Scopes(authz.RegistryExportApprove))
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+exportCols+" WHERE x.requested_by = ? OR (x.status = 'pending' AND "+scope+
		") ORDER BY x.created_at DESC LIMIT 200", append([]any{p.UserID}, sargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Export{}
	for rows.Next() {
		e, err := s.scanExport(ctx, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DecideExport approves or rejects a pending export; the requester cannot
// decide their own.
func (s *Service) DecideExport(ctx context.Context, id string, approve bool, reason string) (Export, error) {
	p := authz.From(ctx)
	// The reason is kept in the audit log: an ID or phone number typed
	// into it is masked like anywhere else.
	reason = pii.MaskText(reason)
	var f apperr.Fields
	if !approve && reason == "" {
		f.Add("reason", "registry.required")
	}
	regkit.CheckLen(&f, "reason", reason, 500)
	if err := f.Err(); err != nil {
		return Export{}, err
	}
	e, err := s.export(ctx, id)
	if err != nil {
		return e, err
	}
	switch {
	case e.RequestedBy == p.UserID:
		return e, apperr.E(apperr.Forbidden, "registry.export_own")
	case !p.Covers(authz.RegistryExportApprove, e.path):
		return e, apperr.NotFoundf("export")
	case e.Status != "pending":
		return e, apperr.E(apperr.Conflict, "registry.export_decided", "status", e.Status)
	}
	status, action := "rejected", "registry.export_reject"
	if approve {
		status, action = "approved", "registry.export_approve"
	}
	now := s.reg.Now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exports SET status = ?, decided_by = ?, decided_at = ?, reason = ?, expires_at = ? WHERE id = ? AND status = 'pending'`,
			status, p.UserID, now.UnixMilli(), reason, now.Add(exportTTL).UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.E(apperr.Conflict, "registry.export_decided", "status", "decided")
		}
		return s.record(ctx, tx, authz.RegistryExportApprove, action, "export", id, reason)
	})
	if err != nil {
		return Export{}, err
	}
	return s.export(ctx, id)
}

// WriteExport writes the file of a ready or approved export to w; only the
// requester may, while it has not expired. Each download is audited.
func (s *Service) WriteExport(ctx context.Context, w io.Writer, id string) (Export, error) {
	p := authz.From(ctx)
	e, err := s.export(ctx, id)
	if err != nil {
		return e, err
	}
	if e.RequestedBy != p.UserID {
		return e, apperr.NotFoundf("export")
	}
	if e.Status != "ready" && e.Status != "approved" {
		return e, apperr.E(apperr.Conflict, "registry.export_not_ready", "status", e.Status)
	}
	note := "仅限工作使用，不得外传"
	if e.Status == "approved" {
		note = "经" + e.Decider + "审批；" + note
	}
	out, err := excel.NewWriter(w, excel.Format(e.Format), exportSheet(e.Kind), excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.reg.Now(), Note: note})
	if err != nil {
		return e, err
	}
	n := 0
	if err := s.exportRows(ctx, e.filters, func(row []string) error { n++; return out.Row(row) }); err != nil {
		return e, err
	}
	if err := out.Close(); err != nil {
		return e, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE exports SET downloads = downloads + 1 WHERE id = ?", id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryExport, "registry.export", e.Kind, id, "rows "+strconv.Itoa(n))
	})
	return e, err
}

// exportRows calls each with every row of the requested list, page by page,
// as the caller sees it (scope, masking, granted categories).
func (s *Service) exportRows(ctx context.Context, in ExportRequest, each func([]string) error) error {
	lq := registry.ListQuery{OrgID: in.OrgID, GridID: in.GridID, Kind: in.Type, Limit: 500}
	switch in.Kind {
	case "people":
		status := in.Status
		if status == "" {
			status = "active"
		}
		return pages(func(after string) ([]registry.Person, string, error) {
			return s.reg.ListPeople(ctx, registry.PeopleQuery{OrgID: in.OrgID, GridID: in.GridID, Kind: in.Type, Status: status, LeftBehind: in.LeftBehind, After: after, Limit: 500})
		}, func(p registry.Person) error {
			return each([]string{p.Name, p.IDMasked, label(kindChoices, p.Kind), label(sexChoices, p.Sex), ageText(p.Age), label(leftChoices, p.LeftBehind),
				p.PhoneMasked, p.Address, p.AddressMasked, p.GridCode, p.HouseholdNo, label(relationChoices, p.Relation), label(residenceChoices, p.Residence), p.Note})
		})
	case "households":
		return pages(func(after string) ([]registry.Household, string, error) {
			lq.After = after
			return s.reg.ListHouseholds(ctx, lq)
		}, func(h registry.Household) error {
			return each([]string{h.No, h.GridCode, h.Address, h.Situation, h.Needs})
		})
	case "houses":
		return pages(func(after string) ([]registry.House, string, error) {
			lq.After = after
			return s.reg.ListHouses(ctx, lq)
		}, func(h registry.House) error {
			return each([]string{h.Address, h.RoomMasked, label(purposeChoices, h.Purpose), regkit.FloatText(h.AreaM2), h.OwnerName, h.OwnerPhoneMasked, h.GridCode})
		})
	case "units":
		return pages(func(after string) ([]registry.Unit, string, error) { lq.After = after; return s.reg.ListUnits(ctx, lq) }, func(u registry.Unit) error {
			emp := ""
			if u.Employees != nil {
				emp = strconv.Itoa(*u.Employees)
			}
			return each([]string{u.Name, u.CreditCode, label(unitKindChoices, u.Kind), u.LegalPerson, u.PhoneMasked, u.Address, emp, u.GridCode})
		})
	case "care_targets":
		return pages(func(after string) ([]keyperson.CareTarget, string, error) {
			lq.After = after
			return s.kp.CareTargets(ctx, keyperson.CareTargetQuery{ListQuery: lq, Status: in.Status})
		}, func(c keyperson.CareTarget) error {
			return each([]string{c.PersonName, sheetText("ui.reg.care_kind.", c.Kind), c.OrgName, dateText(c.LastService), c.Note})
		})
	case "key_persons":
		return pages(func(after string) ([]keyperson.KeyPerson, string, error) {
			return s.kp.KeyPersons(ctx, keyperson.KeyPersonQuery{OrgID: in.OrgID, GridID: in.GridID, Category: in.Type, Light: in.Light, After: after, Limit: 500})
		}, func(k keyperson.KeyPerson) error {
			return each([]string{k.PersonName, k.IDMasked, sheetText("pii.category.", k.Category), sheetText("ui.reg.risk.", k.RiskLevel), strconv.Itoa(k.VisitEveryDays),
				dateText(k.LastVisitAt), dateText(&k.NextVisitDue), sheetText("ui.reg.visit_light.", k.Light), k.ResponsibleName, k.GridName, k.OrgName})
		})
	}
	return apperr.Field("kind", "registry.code_unknown", "value", in.Kind)
}

// pages walks a keyset-paged list to its end.
func pages[T any](page func(after string) ([]T, string, error), each func(T) error) error {
	after := ""
	for {
		items, next, err := page(after)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := each(it); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

func label(cs []choice, code string) string {
	for _, c := range cs {
		if c.code == code {
			return c.label
		}
	}
	return code
}

func dateText(ms *int64) string {
	if ms == nil || *ms == 0 {
		return ""
	}
	return time.UnixMilli(*ms).In(regkit.Shanghai).Format("2006-01-02")
}

// sheetText is the Chinese display name of a code, from the message files the
// console uses, so the sheet and the pages name things alike.
func sheetText(prefix, code string) string {
	if code == "" {
		return ""
	}
	return i18n.T(i18n.Default, prefix+code, nil)
}
