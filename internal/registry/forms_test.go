package registry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// errorSheet is the annotated CSV of an import's rejected rows.
func errorSheet(t *testing.T, c *testapp.Client, job map[string]any) string {
	t.Helper()
	r := c.Raw("GET", "/api/v1/imports/"+job["id"].(string)+"/errors", "", nil)
	if r.Status != 200 {
		t.Fatalf("error sheet: %d %s", r.Status, r.Body)
	}
	return string(r.Body)
}

// A record added on a register page is checked as an import row is: an ID
// number, household number or credit code already registered is refused by
// both with the same field and message, whichever came first.
func TestNewRecordCheckedAsImportRow(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	zh := func(code string) string { return i18n.T("zh-CN", code, nil) }
	birth := time.Date(1975, 4, 2, 0, 0, 0, 0, time.UTC)
	formFirst, importFirst := pii.MakeID("441602", birth, 61, true), pii.MakeID("441602", birth, 62, false)

	// A person added on the page, then the same ID number in a sheet.
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("表单先登记", formFirst, grid, nil), &p); st != 201 {
		t.Fatalf("add: %d %+v", st, gm.Fail("POST", "/api/v1/people", newPerson("表单先登记", formFirst, grid, nil)))
	}
	job := importFile(t, gm, "people", "valid", "人口.csv", []byte("姓名,公民身份号码,人口类型,网格编码\n导入再登记,"+formFirst+",户籍人口,"+grid+"\n导入先登记,"+importFirst+",户籍人口,"+grid+"\n"))
	if job["imported"].(float64) != 1 || job["rejected"].(float64) != 1 {
		t.Fatalf("import: %v", job)
	}
	if sheet := errorSheet(t, gm, job); !strings.Contains(sheet, zh("registry.id_taken")) || !strings.Contains(sheet, "导入再登记") {
		t.Errorf("the import's error sheet does not refuse the row for its ID number:\n%s", sheet)
	}
	// The imported one, then the same on the page.
	if pr := gm.Fail("POST", "/api/v1/people", newPerson("表单再登记", importFirst, grid, nil)); len(pr.Errors) != 1 ||
		pr.Errors[0].Field != "id_number" || pr.Errors[0].Code != "registry.id_taken" {
		t.Errorf("the page adds a person the import registered: %+v", pr)
	}

	// A household number and a credit code taken by an import.
	const credit = "91441602MA4W1XY700"
	job = importFile(t, gm, "households", "all", "住户.csv", []byte("户号,网格编码\nF7001,"+grid+"\n"))
	if job["imported"].(float64) != 1 {
		t.Fatalf("household import: %v", job)
	}
	if pr := gm.Fail("POST", "/api/v1/households", map[string]any{"no": "F7001", "grid_code": grid}); len(pr.Errors) != 1 ||
		pr.Errors[0].Field != "no" || pr.Errors[0].Code != "registry.no_taken" {
		t.Errorf("household number taken: %+v", pr)
	}
	code := validCredit(t, credit)
	var u struct{ ID string }
	if st := gm.Do("POST", "/api/v1/register-units", map[string]any{"name": "表单小店", "kind": "shop", "credit_code": code, "grid_code": grid}, &u); st != 201 {
		t.Fatalf("unit: %d", st)
	}
	job = importFile(t, gm, "units", "all", "单位.csv", []byte("单位名称,统一社会信用代码,单位类型,网格编码\n导入小店,"+code+",个体工商户,"+grid+"\n"))
	if job["rejected"].(float64) != 1 || !strings.Contains(errorSheet(t, gm, job), zh("registry.credit_code_taken")) {
		t.Errorf("the import takes a credit code the page registered: %v", job)
	}
	if pr := gm.Fail("POST", "/api/v1/register-units", map[string]any{"name": "表单二店", "kind": "shop", "credit_code": code, "grid_code": grid}); len(pr.Errors) != 1 ||
		pr.Errors[0].Field != "credit_code" || pr.Errors[0].Code != "registry.credit_code_taken" {
		t.Errorf("credit code taken: %+v", pr)
	}
	// Every problem of a new house comes at once, the grid's among them.
	pr := gm.Fail("POST", "/api/v1/houses", map[string]any{"purpose": "castle", "owner_phone": "12", "grid_code": "999999999999999"})
	fields := map[string]string{}
	for _, e := range pr.Errors {
		fields[e.Field] = e.Code
	}
	if fields["address"] != "registry.required" || fields["purpose"] != "registry.code_unknown" || fields["owner_phone"] == "" || fields["grid_code"] != "registry.grid_unknown" {
		t.Errorf("house problems: %+v", pr)
	}
}

// validCredit completes a unified social credit code's check character.
func validCredit(t *testing.T, c string) string {
	t.Helper()
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(chars, c[i]) * weights[i]
	}
	return c[:17] + string(chars[(31-sum%31)%31])
}

// A grid member adds nothing outside their own area, by the page or by a
// sheet; what they add inside it leaves an audit row, and a retry with the
// same Idempotency-Key answers with the first record instead of adding a
// second.
func TestNewRecordScopeAuditAndRetry(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	other, _ := neighbourGrid(t, a)
	ctx := context.Background()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := a.DB.Reader().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	id := pii.MakeID("441602", time.Date(1982, 9, 9, 0, 0, 0, 0, time.UTC), 71, true)
	for path, body := range map[string]map[string]any{
		"/api/v1/people":         newPerson("邻村人", id, other, nil),
		"/api/v1/houses":         {"address": "邻村路1号", "purpose": "self_use", "grid_code": other},
		"/api/v1/households":     {"no": "N0001", "grid_code": other},
		"/api/v1/register-units": {"name": "邻村小店", "kind": "shop", "grid_code": other},
	} {
		if pr := gm.Fail("POST", path, body); pr.Status != 403 || pr.Code != "registry.out_of_scope" || len(pr.Errors) != 1 || pr.Errors[0].Field != "grid_code" {
			t.Errorf("POST %s in another village: %+v", path, pr)
		}
	}
	job := importFile(t, gm, "people", "valid", "人口.csv", []byte("姓名,公民身份号码,人口类型,网格编码\n邻村人,"+id+",户籍人口,"+other+"\n"))
	if job["imported"].(float64) != 0 || !strings.Contains(errorSheet(t, gm, job), i18n.T("zh-CN", "registry.out_of_scope", nil)) {
		t.Errorf("import in another village: %v", job)
	}
	if n := count("SELECT count(*) FROM people WHERE name = '邻村人'") + count("SELECT count(*) FROM register_units WHERE name = '邻村小店'") +
		count("SELECT count(*) FROM households WHERE no = 'N0001'"); n != 0 {
		t.Errorf("%d records stored outside the grid member's area", n)
	}

	body, _ := json.Marshal(map[string]any{"address": "重试路9号", "room": "301", "purpose": "rental", "owner_phone": "13800138009", "grid_code": grid})
	post := func(b []byte, key string) testapp.Response {
		return gm.RawWith("POST", "/api/v1/houses", "application/json", b, map[string]string{"Idempotency-Key": key})
	}
	first, again := post(body, "house-retry-1"), post(body, "house-retry-1")
	var h1, h2 struct {
		ID string `json:"id"`
	}
	json.Unmarshal(first.Body, &h1)
	json.Unmarshal(again.Body, &h2)
	if first.Status != 201 || again.Status != 201 || h1.ID == "" || h1.ID != h2.ID {
		t.Fatalf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	if n := count("SELECT count(*) FROM houses WHERE id IN (SELECT h.id FROM houses h JOIN addresses x ON x.id = h.address_id WHERE x.text = '重试路9号')"); n != 1 {
		t.Errorf("a retried add stored %d houses", n)
	}
	if n := count("SELECT count(*) FROM audit_log WHERE action = 'registry.house_create' AND object_id = ?", h1.ID); n != 1 {
		t.Errorf("%d audit rows of the new house", n)
	}
	other2, _ := json.Marshal(map[string]any{"address": "重试路10号", "purpose": "rental", "grid_code": grid})
	if r := post(other2, "house-retry-1"); r.Status != 422 || !strings.Contains(string(r.Body), "idempotency.key_reused") {
		t.Errorf("the key reused for another house: %d %s", r.Status, r.Body)
	}
	// Nothing personal reaches the audit row or the stored record in the clear.
	var detail string
	a.DB.Reader().QueryRowContext(ctx, "SELECT detail FROM audit_log WHERE action = 'registry.house_create' AND object_id = ?", h1.ID).Scan(&detail)
	var sealed string
	a.DB.Reader().QueryRowContext(ctx, "SELECT owner_phone_sealed FROM houses WHERE id = ?", h1.ID).Scan(&sealed)
	if strings.Contains(detail, "13800138009") || sealed == "" || strings.Contains(sealed, "13800138009") {
		t.Errorf("the owner's phone in the clear: audit %q, stored %q", detail, sealed)
	}
}
