package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

type person struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Sex         string `json:"sex"`
	Age         *int   `json:"age"`
	IDMasked    string `json:"id_number_masked"`
	PhoneMasked string `json:"phone_masked"`
	AddrMasked  string `json:"address_detail_masked"`
	HouseholdID string `json:"household_id"`
	GridCode    string `json:"grid_code"`
	Status      string `json:"status"`
	Version     int    `json:"version"`
	KeyPersons  []struct {
		ID       string `json:"id"`
		Category string `json:"category"`
	} `json:"key_persons"`
	Members []struct{ Name string } `json:"household_members"`
	History []struct {
		Action string   `json:"action"`
		Fields []string `json:"fields"`
	} `json:"history"`
}

type keyPerson struct {
	ID             string `json:"id"`
	PersonID       string `json:"person_id"`
	Category       string `json:"category"`
	RiskLevel      string `json:"risk_level"`
	VisitEveryDays int    `json:"visit_every_days"`
	NextVisitDue   int64  `json:"next_visit_due"`
	Light          string `json:"light"`
	ResponsibleID  string `json:"responsible_id"`
	Version        int    `json:"version"`
	Visits         []struct {
		Agency string `json:"agency"`
		Note   string `json:"note"`
	} `json:"visits"`
}

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// gridCode is the first 综治 grid of the grid member's village.
func gridCode(t *testing.T, a *testapp.App) string {
	var code string
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT g.code FROM grids g JOIN grid_members m ON m.grid_id = g.id
		JOIN users u ON u.id = m.user_id WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`, a.Account("grid_member").Username).Scan(&code)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func newPerson(name, id string, grid string, extra map[string]any) map[string]any {
	m := map[string]any{"name": name, "id_number": id, "kind": "registered", "grid_code": grid}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestPeopleRegister(t *testing.T) {
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1968, 3, 9, 0, 0, 0, 0, time.UTC), 12, true)

	var hh struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/households", map[string]any{"no": "H0001", "address": "建设大道56号3栋", "situation": "三口之家", "grid_code": grid}, &hh); st != 201 {
		t.Fatalf("household: %d %+v", st, gm.Fail("POST", "/api/v1/households", map[string]any{"no": "H0001", "grid_code": grid}))
	}

	var p person
	body := newPerson("李建国", idNo, grid, map[string]any{"phone": "13902761234", "address": "新风社区建设大道56号3栋",
		"address_detail": "广东省河源市源城区新江街道新风社区建设大道56号3栋1502房", "household_id": hh.ID, "relation": "head"})
	if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
		t.Fatalf("create: %d %+v", st, gm.Fail("POST", "/api/v1/people", body))
	}
	if p.IDMasked != idNo[:6]+"************" || p.PhoneMasked != "139****1234" || strings.Contains(p.AddrMasked, "1502") {
		t.Errorf("masking: %q %q %q", p.IDMasked, p.PhoneMasked, p.AddrMasked)
	}
	if age, _ := pii.Age("1968-03-09", time.Now().In(time.FixedZone("CST", 8*3600))); p.Sex != "male" || p.Age == nil || *p.Age != age || p.GridCode != grid {
		t.Errorf("derived: %+v", p)
	}

	// One person per ID; a wrong check digit names the field.
	dup := gm.Fail("POST", "/api/v1/people", newPerson("李建国二", idNo, grid, nil))
	if dup.Errors[0].Field != "id_number" || dup.Errors[0].Code != "registry.id_taken" {
		t.Errorf("duplicate: %+v", dup)
	}
	bad := idNo[:17] + map[bool]string{true: "0", false: "1"}[idNo[17] != '0']
	if pr := gm.Fail("POST", "/api/v1/people", newPerson("王五", bad, grid, nil)); pr.Errors[0].Field != "id_number" || pr.Errors[0].Code != "id.check_digit" {
		t.Errorf("check digit: %+v", pr)
	}
	if pr := gm.Fail("POST", "/api/v1/people", newPerson("王五", "", "999999999999999", nil)); len(pr.Errors) < 2 {
		t.Errorf("want id_number and grid problems, got %+v", pr)
	}

	// Exact lookup by ID through the blind index, in a body.
	var found page[person]
	gm.Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": strings.ToLower(idNo)}, &found)
	if len(found.Items) != 1 || found.Items[0].ID != p.ID {
		t.Errorf("lookup: %+v", found)
	}

	// Reveal needs a reason and is audited without the value.
	if pr := gm.Fail("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": ""}); pr.Errors[0].Field != "reason" {
		t.Errorf("reveal without reason: %+v", pr)
	}
	var rev struct {
		IDNumber *string `json:"id_number"`
		Phone    *string `json:"phone"`
	}
	if st := gm.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number", "phone"}, "reason": "办理低保核查"}, &rev); st != 200 ||
		rev.IDNumber == nil || *rev.IDNumber != idNo || *rev.Phone != "13902761234" {
		t.Fatalf("reveal: %d %+v", st, rev)
	}
	var detail string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'registry.person_reveal' AND object_id = ?", p.ID).Scan(&detail); err != nil ||
		!strings.Contains(detail, "办理低保核查") || strings.Contains(detail, idNo) {
		t.Errorf("reveal audit: %q %v", detail, err)
	}
	// A leader may read the register but not reveal.
	leader := a.Login("leader")
	if st := leader.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": "查看一下"}, nil); st != 403 {
		t.Errorf("leader reveal: %d", st)
	}
	// A resident may not list people at all.
	if st := a.Login("resident").Do("GET", "/api/v1/people", nil, nil); st != 403 {
		t.Errorf("resident list: %d", st)
	}

	// The person's page: household members, history; an audited read.
	spouse := newPerson("陈秀英", pii.MakeID("441602", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC), 24, false), grid,
		map[string]any{"household_id": hh.ID, "relation": "spouse"})
	var sp person
	if st := gm.Do("POST", "/api/v1/people", spouse, &sp); st != 201 || sp.Sex != "female" {
		t.Fatalf("spouse: %d %+v", st, sp)
	}
	var page1 person
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &page1)
	if len(page1.Members) != 1 || page1.Members[0].Name != "陈秀英" || len(page1.History) != 1 || page1.History[0].Action != "created" {
		t.Errorf("page: %+v", page1)
	}

	// Optimistic versions: a stale edit loses.
	body["name"], body["version"] = "李建国", p.Version
	body["phone"] = "13902769999"
	var upd person
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, body, &upd); st != 200 || upd.Version != p.Version+1 || upd.PhoneMasked != "139****9999" {
		t.Fatalf("update: %d %+v", st, upd)
	}
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, body, nil); st != 409 {
		t.Errorf("stale update: %d", st)
	}
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &page1)
	if page1.History[0].Action != "changed" || strings.Join(page1.History[0].Fields, ",") != "phone" {
		t.Errorf("history: %+v", page1.History)
	}

	// Move out and back.
	var moved person
	gm.Do("POST", "/api/v1/people/"+sp.ID+"/status", map[string]any{"status": "moved_out", "version": sp.Version}, &moved)
	if moved.Status != "moved_out" {
		t.Errorf("move out: %+v", moved)
	}

	// Chinese search: a partial word of a name, scoped.
	var hits page[struct{ Type, ID, Title string }]
	gm.Do("POST", "/api/v1/registry/search", map[string]string{"q": "建国"}, &hits)
	if len(hits.Items) != 1 || hits.Items[0].ID != p.ID {
		t.Errorf("search 建国: %+v", hits)
	}
	gm.Do("POST", "/api/v1/registry/search", map[string]string{"q": "建设大道"}, &hits)
	types := map[string]bool{}
	for _, h := range hits.Items {
		types[h.Type] = true
	}
	if !types["person"] || !types["household"] {
		t.Errorf("search 建设大道: %+v", hits)
	}

	// Delete: gone for good, sealed values included.
	if st := gm.Do("DELETE", "/api/v1/people/"+sp.ID, nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st := gm.Do("GET", "/api/v1/people/"+sp.ID, nil, nil); st != 404 {
		t.Errorf("deleted person: %d", st)
	}
}

func TestKeyPersonsSharedRecord(t *testing.T) {
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("赵某", pii.MakeID("441602", time.Date(1985, 7, 1, 0, 0, 0, 0, time.UTC), 31, true), grid, nil), &p); st != 201 {
		t.Fatalf("person: %d", st)
	}
	var k keyPerson
	if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": p.ID, "category": "drug_user", "risk_level": "red"}, &k); st != 201 {
		t.Fatalf("key person: %d %+v", st, gm.Fail("POST", "/api/v1/key-persons", map[string]string{"person_id": p.ID, "category": "drug_user", "risk_level": "red"}))
	}
	if k.Category != "drug_user" || k.VisitEveryDays != 7 || k.Light != "green" || k.ResponsibleID == "" {
		t.Errorf("created: %+v", k)
	}
	// A grid member may not register a category they are not granted.
	if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": p.ID, "category": "hiv_risk", "risk_level": "red"}, nil); st != 403 {
		t.Errorf("hiv_risk by grid member: %d", st)
	}

	// The category is sealed at rest.
	var sealed string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT category_sealed FROM key_persons WHERE id = ?", k.ID).Scan(&sealed)
	if strings.Contains(sealed, "drug") {
		t.Errorf("category stored in clear: %q", sealed)
	}

	// Justice staff are not granted drug users: the record is absent from
	// their lists and from the person's page, not hidden.
	justice := a.Login("justice")
	var list page[keyPerson]
	justice.Do("GET", "/api/v1/key-persons", nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("justice sees %+v", list.Items)
	}
	if st := justice.Do("GET", "/api/v1/key-persons/"+k.ID, nil, nil); st != 404 {
		t.Errorf("justice reads key person: %d", st)
	}
	raw := justice.Raw("GET", "/api/v1/people/"+p.ID, "", nil)
	if raw.Status != 200 || bytes.Contains(raw.Body, []byte("drug_user")) || bytes.Contains(raw.Body, []byte("key_persons")) {
		t.Errorf("person page for justice: %d %s", raw.Status, raw.Body)
	}

	// Police add a follow-up to the same record; the clock restarts.
	police := a.Login("police")
	var v struct{ Agency string }
	if st := police.Do("POST", "/api/v1/key-persons/"+k.ID+"/visits", map[string]string{"method": "home", "finding": "attention", "note": "近期情绪不稳"}, &v); st != 200 || v.Agency != "police" {
		t.Fatalf("police visit: %d %+v", st, v)
	}
	var got keyPerson
	gm.Do("GET", "/api/v1/key-persons/"+k.ID, nil, &got)
	if len(got.Visits) != 1 || got.Visits[0].Agency != "police" || got.Visits[0].Note != "近期情绪不稳" || got.NextVisitDue <= k.NextVisitDue-1000 {
		t.Errorf("shared record: %+v", got)
	}

	// Eight days later the visit is overdue: red on the list and in the
	// town's summary.
	a.Registry.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	gm.Do("GET", "/api/v1/key-persons?light=red", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Light != "red" {
		t.Errorf("overdue: %+v", list.Items)
	}
	var sum struct {
		KeyPersons int `json:"key_persons"`
		VisitsRed  int `json:"visits_overdue"`
		Children   []struct {
			VisitsRed int `json:"visits_overdue"`
		} `json:"children"`
	}
	gm.Do("GET", "/api/v1/registry/summary", nil, &sum)
	if sum.KeyPersons != 1 || sum.VisitsRed != 1 {
		t.Errorf("summary: %+v", sum)
	}
	// Raising the level shortens the period from the last visit.
	var patched keyPerson
	if st := gm.Do("PATCH", "/api/v1/key-persons/"+k.ID, map[string]any{"risk_level": "green", "version": got.Version}, &patched); st != 200 ||
		patched.VisitEveryDays != 30 || patched.Light != "green" {
		t.Errorf("patch: %d %+v", st, patched)
	}
}

// TestPlantedIDNeverStored plants an ID number and a phone and looks for
// them in every file of the data dir (database, WAL, backup) and in the
// server's log.
func TestPlantedIDNeverStored(t *testing.T) {
	a := testapp.New(t)
	if a.DB.Path() == "" {
		t.Skip("file check needs SQLite")
	}
	var logs bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1977, 11, 23, 0, 0, 0, 0, time.UTC), 57, true)
	phone := "13712345678"
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("孙悟", idNo, grid, map[string]any{"phone": phone, "address_detail": "建设大道88号2栋0707房"}), &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	gm.Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": idNo}, nil)
	gm.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": "入户核查身份"}, nil)
	gm.Do("POST", "/api/v1/people", newPerson("孙悟", idNo, grid, nil), nil) // a refused duplicate
	backup := filepath.Join(a.Cfg.DataDir, "backup.db")
	if err := a.DB.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for _, planted := range []string{idNo, phone, "0707房"} {
		if strings.Contains(logs.String(), planted) {
			t.Errorf("log holds %q", planted)
		}
		filepath.Walk(a.Cfg.DataDir, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte(planted)) {
				t.Errorf("%s holds %q", filepath.Base(path), planted)
			}
			return nil
		})
	}
}

func importFile(t *testing.T, c *testapp.Client, kind, mode, name string, data []byte) map[string]any {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	r := c.Raw("POST", "/api/v1/imports?kind="+kind+"&mode="+mode, mw.FormDataContentType(), body.Bytes())
	if r.Status != 202 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var job map[string]any
	json.Unmarshal(r.Body, &job)
	for range 200 {
		c.Do("GET", "/api/v1/imports/"+job["id"].(string), nil, &job)
		if job["status"] != "running" {
			return job
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("import still running: %v", job)
	return nil
}

func TestImportPeople(t *testing.T) {
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	birth := time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC)
	good1, good2 := pii.MakeID("441602", birth, 1, true), pii.MakeID("441602", birth, 2, false)
	bad := good1[:17] + map[bool]string{true: "0", false: "1"}[good1[17] != '0']
	csv := "姓名,公民身份号码,人口类型,联系电话,网格编码\n" +
		"刘一," + good1 + ",户籍人口,13800001111," + grid + "\n" +
		"刘二," + bad + ",户籍人口,," + grid + "\n" +
		"刘三," + good2 + ",流动人口,12345," + grid + "\n" +
		"刘四," + good1 + ",户籍人口,," + grid + "\n"
	count := func() int {
		var n int
		a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM people").Scan(&n)
		return n
	}
	before := count()

	// All or nothing: three bad rows, nothing written.
	job := importFile(t, gm, "people", "all", "人口.csv", []byte(csv))
	if job["status"] != "done" || job["total"].(float64) != 4 || job["rejected"].(float64) != 3 || job["imported"].(float64) != 0 || count() != before {
		t.Fatalf("all: %v, people %d → %d", job, before, count())
	}
	// The annotated copy names each row's reason.
	r := gm.Raw("GET", "/api/v1/imports/"+job["id"].(string)+"/errors", "", nil)
	text := string(r.Body)
	for _, want := range []string{"错误原因", "校验位", "电话号码不正确", "与第 2 行重复"} {
		if !strings.Contains(text, want) {
			t.Errorf("error sheet lacks %q:\n%s", want, text)
		}
	}
	// Import the valid rows: one.
	job = importFile(t, gm, "people", "valid", "人口.csv", []byte(csv))
	if job["imported"].(float64) != 1 || count() != before+1 {
		t.Fatalf("valid: %v", job)
	}
	// A GBK-encoded CSV reads the same; the person now exists, so it is a
	// duplicate against the database.
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("姓名,公民身份号码,人口类型,网格编码\n刘一," + good1 + ",户籍人口," + grid + "\n")
	job = importFile(t, gm, "people", "valid", "gbk.csv", []byte(gbk))
	if job["rejected"].(float64) != 1 || job["imported"].(float64) != 0 {
		t.Errorf("gbk: %v", job)
	}
	r = gm.Raw("GET", "/api/v1/imports/"+job["id"].(string)+"/errors", "", nil)
	if !strings.Contains(string(r.Body), "已登记") {
		t.Errorf("gbk error sheet: %s", r.Body)
	}
	// The template downloads as xlsx.
	if r := gm.Raw("GET", "/api/v1/import-templates/people", "", nil); r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("PK")) {
		t.Errorf("template: %d", r.Status)
	}
	// A small export is ready at once, masked and watermarked.
	var ex struct{ ID, Status string }
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "format": "csv"}, &ex); st != 201 || ex.Status != "ready" {
		t.Fatalf("export request: %d %+v", st, ex)
	}
	r = gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil)
	if r.Status != 200 || strings.Contains(string(r.Body), good1) || !strings.Contains(string(r.Body), good1[:6]+"********") || !strings.Contains(string(r.Body), "导出人") {
		t.Errorf("export: %d %s", r.Status, r.Body)
	}
}

// A people row names its house by the house's standard address and room;
// an unknown house rejects the row, and a whole-file fault keeps the
// parameters of its message.
func TestImportPeopleLinksHouse(t *testing.T) {
	a := testapp.New(t)
	gm := a.Login("grid_member")
	grid := gridCode(t, a)
	houses := "标准地址,房号,房屋用途,网格编码\n建设路8号,301,出租," + grid + "\n建设路8号,302,自住," + grid + "\n"
	if job := importFile(t, gm, "houses", "all", "房屋.csv", []byte(houses)); job["imported"].(float64) != 2 {
		t.Fatalf("houses: %v", job)
	}
	birth := time.Date(1985, 3, 4, 0, 0, 0, 0, time.UTC)
	id1, id2 := pii.MakeID("441602", birth, 11, true), pii.MakeID("441602", birth, 12, false)
	people := "姓名,公民身份号码,人口类型,网格编码,房屋地址,房屋房号\n" +
		"陈一," + id1 + ",流动人口," + grid + ",建设路8号,302\n" +
		"陈二," + id2 + ",流动人口," + grid + ",建设路8号,909\n"
	job := importFile(t, gm, "people", "valid", "人口.csv", []byte(people))
	if job["imported"].(float64) != 1 || job["rejected"].(float64) != 1 {
		t.Fatalf("people: %v", job)
	}
	r := gm.Raw("GET", "/api/v1/imports/"+job["id"].(string)+"/errors", "", nil)
	if !strings.Contains(string(r.Body), "没有地址为 建设路8号、房号为“909”的房屋") {
		t.Errorf("error sheet: %s", r.Body)
	}
	var room string
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT h.room_masked FROM people p JOIN houses h ON h.id = p.house_id
		WHERE p.name = '陈一'`).Scan(&room)
	if err != nil || room == "" {
		t.Fatalf("陈一 not linked to a house: %q %v", room, err)
	}

	// Two columns with the same title: the file is refused as a whole, and
	// the job says which column.
	job = importFile(t, gm, "people", "all", "重复列.csv", []byte("姓名,姓名,人口类型,网格编码\n陈三,陈三,户籍人口,"+grid+"\n"))
	params, _ := job["error_params"].(map[string]any)
	if job["status"] != "failed" || job["error_code"] != "import.duplicate_column" || params["column"] != "姓名" {
		t.Errorf("duplicate column: %v", job)
	}
}
