package regsheet_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestImportPeople(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
