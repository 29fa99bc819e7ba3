package regsheet

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Import kinds and modes.
var (
	ImportKinds = []string{"people", "houses", "units", "households"}
	ImportModes = []string{"all", "valid"} // all or nothing; import the valid rows
)

// choice is a coded value and the label a spreadsheet shows for it.
type choice struct{ code, label string }

func labels(cs []choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.label
	}
	return out
}

// codeOf maps a label (or the code itself) back to its code.
func codeOf(cs []choice, v string) string {
	for _, c := range cs {
		if v == c.label || v == c.code {
			return c.code
		}
	}
	return v
}

var (
	kindChoices      = []choice{{"registered", "户籍人口"}, {"floating", "流动人口"}, {"foreign", "境外人员"}, {"unregistered", "未落户人员"}}
	sexChoices       = []choice{{"male", "男"}, {"female", "女"}}
	leftChoices      = []choice{{"elderly", "留守老人"}, {"woman", "留守妇女"}, {"child", "留守儿童"}}
	relationChoices  = []choice{{"head", "户主"}, {"spouse", "配偶"}, {"child", "子女"}, {"parent", "父母"}, {"grandchild", "孙子女"}, {"sibling", "兄弟姐妹"}, {"other", "其他"}}
	residenceChoices = []choice{{"owner", "自有住房"}, {"tenant", "租住"}, {"other", "其他"}}
	purposeChoices   = []choice{{"self_use", "自住"}, {"rental", "出租"}, {"business", "经营"}, {"vacant", "空置"}, {"other", "其他"}}
	unitKindChoices  = []choice{{"enterprise", "企业"}, {"shop", "个体工商户"}, {"social_org", "社会组织"}, {"institution", "机关事业单位"}, {"other", "其他"}}
)

var gridColumn = excel.Column{Key: "grid_code", Title: "网格编码", Required: true, Width: 18, Note: "15 位综治网格编码"}

// Sheets are the spreadsheet layouts of the registers, by import kind.
var Sheets = map[string]excel.Sheet{
	"people": {Name: "实有人口", Columns: []excel.Column{
		{Key: "name", Title: "姓名", Required: true},
		{Key: "id_number", Title: "公民身份号码", Width: 22, Note: "18 位，末位可为 X；户籍、流动人口必填"},
		{Key: "kind", Title: "人口类型", Required: true, Choices: labels(kindChoices)},
		{Key: "sex", Title: "性别", Choices: labels(sexChoices), Note: "有身份号码时按号码自动填写"},
		{Key: "birth_date", Title: "出生日期", Note: "如 1980-05-01；有身份号码时按号码自动填写"},
		{Key: "left_behind", Title: "留守类型", Choices: labels(leftChoices)},
		{Key: "phone", Title: "联系电话", Width: 15},
		{Key: "address", Title: "居住地址", Width: 30, Note: "到小区、楼栋"},
		{Key: "address_detail", Title: "详细地址", Width: 36, Note: "含门牌、房号，加密保存"},
		gridColumn,
		{Key: "household_no", Title: "户号", Note: "本村（社区）住户台账中的户号"},
		{Key: "house_address", Title: "房屋地址", Width: 30, Note: "所住房屋在实有房屋中的标准地址，用于关联房屋"},
		{Key: "house_room", Title: "房屋房号", Note: "所住房屋的房号，与实有房屋一致"},
		{Key: "relation", Title: "与户主关系", Choices: labels(relationChoices)},
		{Key: "residence", Title: "居住方式", Choices: labels(residenceChoices)},
		{Key: "note", Title: "备注", Width: 24},
	}},
	"households": {Name: "住户台账", Columns: []excel.Column{
		{Key: "no", Title: "户号", Required: true},
		gridColumn,
		{Key: "address", Title: "地址", Width: 30},
		{Key: "situation", Title: "家庭情况", Width: 30},
		{Key: "needs", Title: "诉求与需求", Width: 30},
	}},
	"houses": {Name: "实有房屋", Columns: []excel.Column{
		{Key: "address", Title: "标准地址", Required: true, Width: 30, Note: "到门牌或楼栋"},
		{Key: "room", Title: "房号", Note: "加密保存"},
		{Key: "purpose", Title: "房屋用途", Required: true, Choices: labels(purposeChoices)},
		{Key: "area_m2", Title: "建筑面积（平方米）"},
		{Key: "owner_name", Title: "房主姓名"},
		{Key: "owner_phone", Title: "房主电话", Width: 15},
		gridColumn,
	}},
	"units": {Name: "实有单位", Columns: []excel.Column{
		{Key: "name", Title: "单位名称", Required: true, Width: 28},
		{Key: "credit_code", Title: "统一社会信用代码", Width: 22},
		{Key: "kind", Title: "单位类型", Required: true, Choices: labels(unitKindChoices)},
		{Key: "legal_person", Title: "法定代表人"},
		{Key: "phone", Title: "联系电话", Width: 15},
		{Key: "address", Title: "地址", Width: 30},
		{Key: "employees", Title: "从业人数"},
		gridColumn,
	}},
}

// ImportInput starts an import of one file. File is read twice (check,
// then write) and never held whole in memory: the command line passes the
// open file, the web its upload.
type ImportInput struct {
	Kind, Mode, FileName string
	File                 io.ReaderAt
	Size                 int64
	// Limits bound the file; zero fields take excel.DefaultLimits, which
	// fit a web upload. Bulk loads from the command line pass BulkLimits.
	Limits excel.Limits
}

// BulkLimits bound a file loaded from the command line: a city's register
// in one sheet (an xlsx holds at most 1,048,576 rows; a CSV may hold more).
var BulkLimits = excel.Limits{MaxBytes: 4 << 30, MaxUnzipped: 16 << 30, MaxRows: 20_000_000, MaxCellChars: 4000}

// Import is an import job and its outcome.
type Import struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Mode      string `json:"mode"`
	FileName  string `json:"file_name"`
	Status    string `json:"status"` // running, done, failed
	Total     int    `json:"total"`
	Done      int    `json:"done"` // rows checked or written so far
	Imported  int    `json:"imported"`
	Rejected  int    `json:"rejected"`
	ErrorCode string `json:"error_code,omitempty"`
	// ErrorParams fill the whole-file error's message (the row limit…).
	ErrorParams map[string]any `json:"error_params,omitempty"`
	HasErrors   bool           `json:"has_error_sheet"`
	CreatedAt   int64          `json:"created_at"`
	UpdatedAt   int64          `json:"updated_at"`
	// Err is why a failed import failed, for the command line.
	Err error `json:"-"`
}

// StartImport checks the request, records the job and returns it; run
// does the work (the HTTP face runs it in the background, the command line
// in the foreground).
func (s *Service) StartImport(ctx context.Context, in ImportInput) (Import, func(context.Context) Import, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "kind", in.Kind, ImportKinds, true)
	regkit.OneOf(&f, "mode", in.Mode, ImportModes, true)
	format, ferr := excel.FormatOf(in.FileName)
	if ferr != nil {
		f.Add("file", "import.format")
	}
	if in.File == nil || in.Size == 0 {
		f.Add("file", "import.empty")
	}
	if err := f.Err(); err != nil {
		return Import{}, nil, err
	}
	who := authz.From(ctx)
	scopes := who.Scopes(authz.RegistryImport)
	if len(scopes) == 0 {
		return Import{}, nil, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.RegistryImport))
	}
	// The job's area is the top of the first scope: the node at it, or for
	// the system (whose scope is the whole tree, "/") the first root.
	orgID, err := org.TopUnder(ctx, s.db.Reader(), scopes[0])
	if err != nil {
		return Import{}, nil, err
	}
	now := s.reg.Now().UnixMilli()
	job := Import{ID: db.NewID(), Kind: in.Kind, Mode: in.Mode, FileName: in.FileName, Status: "running", CreatedAt: now, UpdatedAt: now}
	if err := s.exec(ctx, `INSERT INTO imports (id, kind, mode, file_name, format, status, org_id, user_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`, job.ID, in.Kind, in.Mode, in.FileName, string(format), orgID, who.UserID, now, now); err != nil {
		return Import{}, nil, err
	}
	run := func(ctx context.Context) Import {
		imp := &importer{s: s, job: job, kind: in.Kind, format: format, file: in.File, size: in.Size, limits: in.Limits, sheet: Sheets[in.Kind], grids: map[string]registry.Place{}}
		runErr := imp.run(ctx)
		if err := runErr; err != nil {
			e := apperr.As(err)
			if e.Kind == apperr.Internal {
				slog.Error("import", "id", job.ID, "err", err)
			}
			imp.job.Status, imp.job.ErrorCode, imp.job.ErrorParams = "failed", e.Code, e.Params
			imp.job.Imported = 0
			if in.Mode == "valid" {
				imp.job.Imported = imp.committed
			}
		} else {
			imp.job.Status = "done"
		}
		imp.save(ctx, true)
		_ = s.audit.RecordAlone(ctx, s.db, authz.RegistryImport, audit.Entry{Action: "registry.import", ObjectType: "import", ObjectID: job.ID,
			Result: map[bool]string{true: audit.Success, false: audit.Failure}[imp.job.Status == "done"],
			Detail: fmt.Sprintf("%s %s: read %d, imported %d, rejected %d", in.Kind, in.Mode, imp.job.Total, imp.job.Imported, imp.job.Rejected)})
		out, err := s.GetImport(ctx, job.ID)
		if err != nil {
			out = imp.job
		}
		out.Err = runErr
		return out
	}
	return job, run, nil
}

// importer runs one import: a first pass reads and checks every row
// without writing; then, unless "all or nothing" found a bad row, a second
// pass reads the file again and writes the good rows, in one transaction
// (all) or in batches of batchRows (valid).
type importer struct {
	s         *Service
	job       Import
	kind      string
	format    excel.Format
	file      io.ReaderAt
	size      int64
	limits    excel.Limits
	sheet     excel.Sheet
	header    excel.Header
	grids     map[string]registry.Place // grid code → place, looked up once
	rejected  []excel.Row
	bad       map[int]bool
	committed int
}

const batchRows = 1000

func (imp *importer) read(each func(excel.Row) error) error {
	h, err := excel.Read(imp.file, imp.size, imp.format, imp.sheet, imp.limits, each)
	imp.header = h
	return err
}

func (imp *importer) run(ctx context.Context) error {
	seen := excel.NewSeen()
	imp.bad = map[int]bool{}
	err := imp.read(func(row excel.Row) error {
		imp.job.Total++
		if key := imp.uniqueKey(row); key != "" {
			if first, dup := seen.First(key, row.Num); dup {
				row.Problems.Add("", "registry.duplicate_row", "first", first)
			}
		}
		if len(row.Problems) == 0 {
			if err := imp.check(ctx, imp.s.db.Reader(), row); err != nil {
				e := apperr.As(err)
				if e.Kind == apperr.Internal {
					return err
				}
				row.Problems = append(row.Problems, problems(e)...)
			}
		}
		if len(row.Problems) > 0 {
			imp.bad[row.Num] = true
			imp.rejected = append(imp.rejected, row)
		}
		imp.job.Done++
		if imp.job.Done%500 == 0 {
			imp.save(ctx, false)
		}
		return nil
	})
	if err != nil {
		return err
	}
	imp.job.Rejected = len(imp.rejected)
	if err := imp.saveErrorSheet(ctx); err != nil {
		return err
	}
	if imp.job.Rejected > 0 && imp.job.Mode == "all" || imp.job.Rejected == imp.job.Total {
		return nil
	}
	imp.job.Done = 0
	var tx *db.Tx
	pending := 0
	commit := func() error {
		if tx == nil {
			return nil
		}
		if err := imp.s.logImportBatch(ctx, tx, imp.job.ID, pending); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		tx, imp.committed, pending = nil, imp.committed+pending, 0
		return nil
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	err = imp.read(func(row excel.Row) error {
		if imp.bad[row.Num] {
			return nil
		}
		if tx == nil {
			var err error
			if tx, err = imp.s.db.Begin(ctx); err != nil {
				return err
			}
		}
		if err := imp.write(ctx, tx, row); err != nil {
			// The file was checked a moment ago: a row failing now means the
			// registers changed meanwhile. Stop; what was committed stays
			// and is reported.
			return err
		}
		pending++
		imp.job.Done++
		if imp.job.Mode == "valid" && pending == batchRows {
			if err := commit(); err != nil {
				return err
			}
			imp.job.Imported = imp.committed
			imp.save(ctx, false)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	imp.job.Imported = imp.committed
	return nil
}

// problems turns an error into row problems.
func problems(e *apperr.Error) apperr.Fields {
	if len(e.Fields) > 0 {
		return e.Fields
	}
	return apperr.Fields{{Code: e.Code, Params: e.Params}}
}

// uniqueKey is what must not repeat within one file.
func (imp *importer) uniqueKey(row excel.Row) string {
	switch imp.kind {
	case "people":
		return strings.ToUpper(row.Values["id_number"])
	case "units":
		return strings.ToUpper(row.Values["credit_code"])
	case "households":
		return row.Values["grid_code"][:min(12, len(row.Values["grid_code"]))] + "/" + row.Values["no"]
	}
	return ""
}

// place resolves a row's grid code once per import.
func (imp *importer) place(ctx context.Context, q db.Querier, code string) (registry.PlaceInput, error) {
	if _, ok := imp.grids[code]; !ok {
		p, err := imp.s.reg.ResolvePlace(ctx, q, registry.PlaceInput{GridCode: code}, authz.RegistryImport)
		if err != nil {
			return registry.PlaceInput{}, err
		}
		imp.grids[code] = p
	}
	p := imp.grids[code]
	return registry.At(p), nil
}

// check validates a row against the rules and the database, writing nothing.
func (imp *importer) check(ctx context.Context, q db.Querier, row excel.Row) error {
	return imp.apply(ctx, q, row, false)
}

func (imp *importer) write(ctx context.Context, tx *db.Tx, row excel.Row) error {
	return imp.apply(ctx, tx, row, true)
}

// apply checks one row and, when write is set, stores it through the
// registers' bulk-load functions (registry.Service.Load*).
func (imp *importer) apply(ctx context.Context, q db.Querier, row excel.Row, write bool) error {
	v := row.Values
	pl, err := imp.place(ctx, q, v["grid_code"])
	if err != nil {
		return err
	}
	reg := imp.s.reg
	switch imp.kind {
	case "people":
		in := registry.PersonInput{Name: v["name"], IDNumber: v["id_number"], Kind: codeOf(kindChoices, v["kind"]), Sex: codeOf(sexChoices, v["sex"]),
			BirthDate: v["birth_date"], LeftBehind: codeOf(leftChoices, v["left_behind"]), Phone: v["phone"], Address: v["address"],
			AddressDetail: v["address_detail"], Relation: codeOf(relationChoices, v["relation"]), Residence: codeOf(residenceChoices, v["residence"]),
			Note: v["note"], PlaceInput: pl}
		if no := v["household_no"]; no != "" {
			if in.HouseholdID, err = reg.HouseholdNo(ctx, q, imp.grids[v["grid_code"]].OrgID, no); err != nil {
				return err
			}
		}
		if addr := v["house_address"]; addr != "" {
			if in.HouseID, err = reg.HouseAt(ctx, q, imp.grids[v["grid_code"]].OrgID, addr, v["house_room"]); err != nil {
				return err
			}
		}
		return reg.LoadPerson(ctx, q, in, write)
	case "households":
		return reg.LoadHousehold(ctx, q, registry.HouseholdInput{No: v["no"], Address: v["address"], Situation: v["situation"], Needs: v["needs"], PlaceInput: pl}, write)
	case "houses":
		in := registry.HouseInput{Address: v["address"], Room: v["room"], Purpose: codeOf(purposeChoices, v["purpose"]), OwnerName: v["owner_name"],
			OwnerPhone: v["owner_phone"], PlaceInput: pl}
		if a := v["area_m2"]; a != "" {
			f, err := strconv.ParseFloat(a, 64)
			if err != nil {
				return apperr.Field("area_m2", "registry.number_range", "min", 0, "max", 100000)
			}
			in.AreaM2 = &f
		}
		return reg.LoadHouse(ctx, q, in, write)
	case "units":
		in := registry.UnitInput{Name: v["name"], CreditCode: v["credit_code"], Kind: codeOf(unitKindChoices, v["kind"]), LegalPerson: v["legal_person"],
			Phone: v["phone"], Address: v["address"], PlaceInput: pl}
		if e := v["employees"]; e != "" {
			n, err := strconv.Atoi(e)
			if err != nil {
				return apperr.Field("employees", "registry.number_range", "min", 0, "max", 1000000)
			}
			in.Employees = &n
		}
		return reg.LoadUnit(ctx, q, in, write)
	}
	return nil
}

func (s *Service) logImportBatch(ctx context.Context, tx *db.Tx, importID string, rows int) error {
	_, err := tx.ExecContext(ctx, "UPDATE imports SET imported = imported + ?, updated_at = ? WHERE id = ?", rows, s.reg.Now().UnixMilli(), importID)
	return err
}

// save writes the job's progress (and at the end its outcome).
func (imp *importer) save(ctx context.Context, final bool) {
	q := "UPDATE imports SET total = ?, done = ?, rejected = ?, updated_at = ? WHERE id = ?"
	args := []any{imp.job.Total, imp.job.Done, imp.job.Rejected, imp.s.reg.Now().UnixMilli(), imp.job.ID}
	if final {
		params := ""
		if len(imp.job.ErrorParams) > 0 {
			b, _ := json.Marshal(imp.job.ErrorParams)
			params = string(b)
		}
		q = "UPDATE imports SET total = ?, done = ?, rejected = ?, updated_at = ?, status = ?, error_code = ?, error_params = ?, imported = ? WHERE id = ?"
		args = []any{imp.job.Total, imp.job.Done, imp.job.Rejected, imp.s.reg.Now().UnixMilli(), imp.job.Status, imp.job.ErrorCode, params, imp.job.Imported, imp.job.ID}
	}
	if err := imp.s.exec(ctx, q, args...); err != nil {
		slog.Error("import progress", "id", imp.job.ID, "err", err)
	}
}

// saveErrorSheet stores the annotated copy of the rejected rows, sealed:
// it holds the personal data of those rows.
func (imp *importer) saveErrorSheet(ctx context.Context) error {
	if len(imp.rejected) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := excel.WriteAnnotated(&buf, imp.format, imp.sheet, imp.header, imp.rejected, "zh-CN"); err != nil {
		return err
	}
	sealed := imp.s.keys.Seal(base64.StdEncoding.EncodeToString(buf.Bytes()), "imports.error_sheet:"+imp.job.ID)
	return imp.s.exec(ctx, "UPDATE imports SET error_sheet = ? WHERE id = ?", sealed, imp.job.ID)
}

// GetImport returns an import job of the caller.
func (s *Service) GetImport(ctx context.Context, id string) (Import, error) {
	var j Import
	var params string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, kind, mode, file_name, status, total, done, imported, rejected, error_code, error_params,
		error_sheet <> '', created_at, updated_at
		FROM imports WHERE id = ? AND user_id = ?`, id, authz.From(ctx).UserID).Scan(&j.ID, &j.Kind, &j.Mode, &j.FileName, &j.Status, &j.Total, &j.Done,
		&j.Imported, &j.Rejected, &j.ErrorCode, &params, &j.HasErrors, &j.CreatedAt, &j.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return j, apperr.NotFoundf("import")
	}
	if err == nil && params != "" {
		err = json.Unmarshal([]byte(params), &j.ErrorParams)
	}
	return j, err
}

// ErrorSheet returns the annotated copy of an import's rejected rows and
// its file name.
func (s *Service) ErrorSheet(ctx context.Context, id string) ([]byte, string, error) {
	var sealed, name, format string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT error_sheet, file_name, format FROM imports WHERE id = ? AND user_id = ?", id, authz.From(ctx).UserID).Scan(&sealed, &name, &format)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sealed == "") {
		return nil, "", apperr.NotFoundf("import")
	}
	if err != nil {
		return nil, "", err
	}
	b64, err := s.keys.Open(sealed, "imports.error_sheet:"+id)
	if err != nil {
		return nil, "", err
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	base := strings.TrimSuffix(name, "."+format)
	return b, base + "-错误原因." + format, err
}
