package excel

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridgov/gridgov/internal/apperr"
)

// nations is a list too long for an inline drop-down (over 255 characters).
var nations = func() []string {
	var l []string
	for i := 1; i <= 80; i++ {
		l = append(l, fmt.Sprintf("选项%02d", i))
	}
	return l
}()

var people = Sheet{Name: "实有人口", Columns: []Column{
	{Key: "name", Title: "姓名", Required: true},
	{Key: "id_number", Title: "公民身份号码", Required: true, Note: "18 位，末位可为 X"},
	{Key: "kind", Title: "人口类型", Required: true, Choices: []string{"户籍人口", "流动人口", "境外人员"}},
	{Key: "birth", Title: "出生日期"},
	{Key: "nation", Title: "民族", Choices: nations},
	{Key: "address", Title: "现住址"},
}}

func read(t testing.TB, data []byte, f Format, lim Limits) (Header, []Row, error) {
	t.Helper()
	var rows []Row
	h, err := Read(bytes.NewReader(data), int64(len(data)), f, people, lim, func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	return h, rows, err
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return apperr.As(err).Code
}

func problems(r Row) string {
	var codes []string
	for _, p := range r.Problems {
		codes = append(codes, p.Field+":"+p.Code)
	}
	return strings.Join(codes, ",")
}

// book builds an xlsx with a people sheet: the header row, then rows.
func book(t testing.TB, rows [][]any, edit func(x *excelize.File, sheet string)) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sh := people.Name
	if err := x.SetSheetName("Sheet1", sh); err != nil {
		t.Fatal(err)
	}
	header := []any{}
	for _, c := range people.Columns {
		header = append(header, c.Title)
	}
	for i, r := range append([][]any{header}, rows...) {
		if err := x.SetSheetRow(sh, "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(x, sh)
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTemplateRoundTrip(t *testing.T) {
	var tpl bytes.Buffer
	if err := WriteTemplate(&tpl, people, XLSX); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&tpl)
	if err != nil {
		t.Fatal(err)
	}
	dvs, err := x.GetDataValidations(people.Name)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, dv := range dvs {
		got[dv.Sqref] = dv.Type + " " + dv.Formula1
	}
	if v := got["C2:C10001"]; !strings.HasPrefix(v, "list ") || !strings.Contains(v, "户籍人口,流动人口") {
		t.Errorf("kind drop-down: %q", v)
	}
	if v := got["E2:E10001"]; !strings.Contains(v, "_lists") {
		t.Errorf("long drop-down not on the list sheet: %q", v)
	}
	if dvs[0].Prompt == nil && dvs[1].Prompt == nil && dvs[2].Prompt == nil {
		t.Error("no input message")
	}
	for cell, red := range map[string]bool{"A1": true, "D1": false} {
		id, _ := x.GetCellStyle(people.Name, cell)
		st, _ := x.GetStyle(id)
		if st == nil || st.Font == nil || !st.Font.Bold || strings.Contains(st.Font.Color, "C00000") != red {
			t.Errorf("header style of %s: %+v", cell, st)
		}
	}

	sh := people.Name
	rows := [][]string{
		{"张三", "441602199001011234", "户籍人口", "", "选项03", "广东省河源市源城区"},
		{"", "441602199001011235", "外星人", "", "", ""},
	}
	for i, r := range rows {
		for j, v := range r {
			x.SetCellStr(sh, cellName(j+1, i+2), v)
		}
	}
	x.SetCellValue(sh, "D2", time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC))
	cn := "yyyy年m月d日"
	style, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &cn})
	x.SetCellValue(sh, "D3", 33010) // 1990-05-17
	x.SetCellStyle(sh, "D3", "D3", style)
	buf, _ := x.WriteToBuffer()

	h, out, err := read(t, buf.Bytes(), XLSX, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Row != 1 || strings.Join(h.Keys, ",") != "name,id_number,kind,birth,nation,address" || len(h.Unknown) != 0 {
		t.Errorf("header: %+v", h)
	}
	if len(out) != 2 {
		t.Fatalf("rows: %d", len(out))
	}
	r := out[0]
	if r.Num != 2 || r.Values["name"] != "张三" || r.Values["id_number"] != "441602199001011234" ||
		r.Values["birth"] != "1990-05-17" || r.Values["nation"] != "选项03" || len(r.Problems) != 0 {
		t.Errorf("row 2: %+v", r)
	}
	if out[1].Values["birth"] != "1990-05-17" {
		t.Errorf("custom date format: %q", out[1].Values["birth"])
	}
	if p := problems(out[1]); p != "name:import.required,kind:import.choice" {
		t.Errorf("row 3 problems: %s", p)
	}
}

func TestCSVTemplateAndEncodings(t *testing.T) {
	var tpl bytes.Buffer
	if err := WriteTemplate(&tpl, people, CSV); err != nil {
		t.Fatal(err)
	}
	if want := "\uFEFF姓名,公民身份号码,人口类型,出生日期,民族,现住址\r\n"; tpl.String() != want {
		t.Errorf("csv template: %q", tpl.String())
	}

	body := "姓名*, id_number ,人口类型,\"现住\n址\"\r\n" + // a star, a key, spaces, a wrapped title
		"张三,441602199001011234,户籍人口,\"广东省河源市\n源城区\"\"新风\"\"路\"\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(body)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"utf8": body, "bom": "\uFEFF" + body, "gbk": gbk} {
		_, rows, err := read(t, []byte(data), CSV, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rows) != 1 || rows[0].Values["name"] != "张三" || rows[0].Values["address"] != "广东省河源市\n源城区\"新风\"路" {
			t.Errorf("%s: %+v", name, rows)
		}
	}
	for name, data := range map[string]string{
		"utf16":   "\xff\xfe姓\x00",
		"garbage": "姓名\r\n\x81\x20\x81\x20\r\n",
	} {
		if _, _, err := read(t, []byte(data), CSV, Limits{}); code(err) != "import.encoding" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRowProblems(t *testing.T) {
	data := book(t, [][]any{
		{"张三", "441602199001011234", "户籍人口", nil, nil, "甲"},
		{"李四", "441602199001011235", "户籍人口", nil, nil, ""},
		{"王五", 441602199001011236, "流动人口", nil, nil, "广东省河源市源城区新风路一号二单元三楼"},
		{"赵六", nil, "流动人口"},
	}, func(x *excelize.File, sh string) {
		x.SetCellFormula(sh, "B2", `"44160219900101"&"1234"`)
		x.MergeCell(sh, "F3", "G3")
		x.SetCellDefault(sh, "B5", "4.41602199001011E+17") // as Excel stores a typed ID number
	})
	_, rows, err := read(t, data, XLSX, Limits{MaxCellChars: 18})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"id_number:import.formula",
		"address:import.merged",
		"address:import.cell_too_long",
		"id_number:import.number_precision",
	}
	for i, r := range rows {
		if p := problems(r); p != want[i] {
			t.Errorf("row %d: %s, want %s", r.Num, p, want[i])
		}
	}
	if rows[0].Problems[0].Params["cell"] != "B2" || rows[1].Problems[0].Params["cell"] != "F3:G3" {
		t.Errorf("params: %v %v", rows[0].Problems, rows[1].Problems)
	}
	if v := rows[2].Values["id_number"]; v != "441602199001011236" {
		t.Errorf("integer written exactly: %q", v)
	}
	if v := rows[3].Values["id_number"]; v != "441602199001011000" {
		t.Errorf("rounded number: %q", v)
	}
}

func TestFileErrors(t *testing.T) {
	two := [][]any{{"张三", "1", "户籍人口"}, {"李四", "2", "户籍人口"}}
	noKind := book(t, nil, func(x *excelize.File, sh string) {
		x.RemoveRow(sh, 1)
		x.SetSheetRow(sh, "A1", &[]any{"姓名", "备注"})
		x.SetSheetRow(sh, "A2", &[]any{"张三", "x"})
	})
	for name, c := range map[string]struct {
		data []byte
		f    Format
		lim  Limits
		want string
	}{
		"empty sheet":   {book(t, nil, func(x *excelize.File, sh string) { x.RemoveRow(sh, 1) }), XLSX, Limits{}, "import.empty"},
		"header only":   {book(t, nil, nil), XLSX, Limits{}, "import.empty"},
		"empty csv":     {nil, CSV, Limits{}, "import.empty"},
		"missing":       {noKind, XLSX, Limits{}, "import.missing_column"},
		"no header":     {[]byte("a\nb\nc\nd\ne\nf\n"), CSV, Limits{}, "import.no_header"},
		"duplicate":     {[]byte("姓名,公民身份号码,人口类型,姓名\n"), CSV, Limits{}, "import.duplicate_column"},
		"too many rows": {book(t, append(two, two...), nil), XLSX, Limits{MaxRows: 3}, "import.too_many_rows"},
		"too large":     {book(t, two, nil), XLSX, Limits{MaxBytes: 1000}, "import.too_large"},
		"not xlsx":      {[]byte("%PDF-1.7 hello"), XLSX, Limits{}, "import.format"},
		"binary csv":    {[]byte("\x89PNG\r\n\x1a\n\x00\x00"), CSV, Limits{}, "import.format"},
		"bad quote":     {[]byte("姓名,公民身份号码,人口类型\n\"a\"b\"\"c,1,户籍人口\n"), CSV, Limits{}, ""},
		"long line":     {[]byte("姓名,公民身份号码,人口类型\n张三,1,户籍人口\n" + strings.Repeat(",", maxCSVLine+1) + "\n"), CSV, Limits{}, "import.line_too_long"},
	} {
		_, _, err := read(t, c.data, c.f, c.lim)
		if code(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
	// The longest line allowed is read; the error names the line past it.
	wide := "姓名,公民身份号码,人口类型\n张三,1," + strings.Repeat("户", (maxCSVLine-len("张三,1,"))/3) + "\n"
	if _, rows, err := read(t, []byte(wide), CSV, Limits{MaxCellChars: maxCSVLine}); err != nil || len(rows) != 1 {
		t.Errorf("a line of %d bytes: %d rows, %v", len(wide)-len("姓名,公民身份号码,人口类型\n")-1, len(rows), err)
	}
	_, _, err := read(t, []byte("姓名,公民身份号码,人口类型\n张三,1,户籍人口\n\"李\n四\",2,"+strings.Repeat("x", maxCSVLine)+"\n"), CSV, Limits{})
	if e := apperr.As(err); e == nil || e.Code != "import.line_too_long" || e.Params["line"] != 4 {
		t.Errorf("long fourth line: %v", err)
	}
	_, _, err = read(t, noKind, XLSX, Limits{})
	if f := apperr.As(err).Fields; len(f) != 2 || f[1].Params["column"] != "人口类型" {
		t.Errorf("missing columns: %+v", f)
	}
	if _, err := FormatOf("人口.xls"); code(err) != "import.format" {
		t.Errorf("xls: %v", err)
	}
	if f, _ := FormatOf("C:\\导出\\人口.XLSX"); f != XLSX {
		t.Errorf("FormatOf: %q", f)
	}
	seen := NewSeen()
	if _, dup := seen.First("a", 2); dup {
		t.Error("first seen is a duplicate")
	}
	if first, dup := seen.First("a", 5); !dup || first != 2 {
		t.Errorf("duplicate: %d %v", first, dup)
	}
}

// bomb builds an xlsx whose sheet inflates to n bytes of zeros while its
// headers declare the given size. The deflate stream is one flushed 1 MiB
// block repeated (each copy refers only to bytes within itself), so it
// costs the test almost nothing to make.
func bomb(t testing.TB, n, declared uint64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	add("_rels/.rels", `<Relationships><Relationship Id="r1" Type="`+rel+`/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	add("xl/workbook.xml", `<workbook xmlns:r="`+rel+`"><sheets><sheet name="实有人口" sheetId="1" r:id="r1"/></sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="r1" Type="`+rel+`/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	zeros := make([]byte, 1<<20)
	var block bytes.Buffer
	fw, _ := flate.NewWriter(&block, flate.BestCompression)
	fw.Write(zeros)
	fw.Flush()
	var body bytes.Buffer
	crc := crc32.NewIEEE()
	for range n >> 20 {
		body.Write(block.Bytes())
		crc.Write(zeros)
	}
	body.Write([]byte{3, 0}) // final empty block
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(body.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestZipBomb(t *testing.T) {
	data := bomb(t, 300<<20, 300<<20)
	if len(data) > 1<<20 {
		t.Fatalf("bomb is %d bytes", len(data))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := read(t, data, XLSX, Limits{})
	runtime.ReadMemStats(&after)
	if code(err) != "import.zip_bomb" {
		t.Errorf("bomb: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
	// A part that inflates past the size it declares is stopped by archive/zip.
	if _, _, err := read(t, bomb(t, 8<<20, 1000), XLSX, Limits{}); code(err) != "import.format" {
		t.Errorf("lying bomb: %v", err)
	}
}

// Declared sizes that overflow when summed are a bomb too, not a small
// package: here a shared-string table that inflates to 4 MiB.
func TestZipBombSizesOverflow(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"xl/sharedStrings.xml", "xl/pad.bin"} {
		var body bytes.Buffer
		fw, _ := flate.NewWriter(&body, flate.BestCompression)
		content := []byte("<sst><si><t>" + strings.Repeat("A", 4<<20) + "</t></si></sst>")
		fw.Write(content)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(content),
			CompressedSize64: uint64(body.Len()), UncompressedSize64: 1 << 63})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body.Bytes())
	}
	zw.Close()
	if _, _, err := read(t, buf.Bytes(), XLSX, Limits{MaxUnzipped: 1 << 20}); code(err) != "import.zip_bomb" {
		t.Errorf("overflowing sizes: %v", err)
	}
}

func TestAnnotated(t *testing.T) {
	data := []byte("说明：请按模板填写\n姓名,公民身份号码,人口类型,自定义\n" +
		"张三,441602199001011234,户籍人口,x\n,441602199001011235,外星人,y\n")
	h, rows, err := read(t, data, CSV, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Row != 2 || strings.Join(h.Unknown, ",") != "自定义" {
		t.Errorf("header: %+v", h)
	}
	var rejected []Row
	for _, r := range rows {
		if len(r.Problems) > 0 {
			rejected = append(rejected, r)
		}
	}
	var out bytes.Buffer
	if err := WriteAnnotated(&out, XLSX, people, h, rejected, ""); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := x.GetRows(people.Name)
	want := [][]string{
		{"姓名", "公民身份号码", "人口类型", "自定义", "原行号", "错误原因"},
		{"", "441602199001011235", "外星人", "y", "4", "“姓名”不能为空。；“人口类型”的值“外星人”不在可选范围内，请从模板的下拉列表中选择。"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("annotated:\n%q\nwant\n%q", got, want)
	}
	if s, _ := x.GetCellStyle(people.Name, "C2"); s == 0 {
		t.Error("faulty cell not highlighted")
	}
	if s, _ := x.GetCellStyle(people.Name, "B2"); s != 0 {
		t.Error("good cell highlighted")
	}
	out.Reset()
	if err := WriteAnnotated(&out, CSV, people, h, rejected, "en"); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "Original row") || !strings.Contains(s, "“姓名” is required.") {
		t.Errorf("annotated csv: %s", s)
	}
}

func TestExportReadsBack(t *testing.T) {
	wm := Watermark{Who: "李四（城关镇）", At: time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC), Note: "用途：入户核查"}
	values := [][]string{
		{"张三", "441602199001011234", "户籍人口", "1990-05-17", "选项01", "=HYPERLINK(\"http://x\")"},
		{"李四", "44160219900101123X", "流动人口", "", "", "-5"},
	}
	for _, f := range []Format{XLSX, CSV} {
		var out bytes.Buffer
		w, err := NewWriter(&out, f, people, wm)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if err := w.Row(v); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		h, rows, err := read(t, out.Bytes(), f, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if h.Row != 2 || len(rows) != 2 {
			t.Fatalf("%s: header %+v, %d rows", f, h, len(rows))
		}
		for i, r := range rows {
			if fmt.Sprint(r.Raw) != fmt.Sprint(values[i]) || len(r.Problems) != 0 {
				t.Errorf("%s row %d: %q %v", f, r.Num, r.Raw, r.Problems)
			}
		}
		if !strings.Contains(out.String(), "导出人：李四（城关镇） 导出时间：2024-03-01 09:30") && f == CSV {
			t.Errorf("csv watermark missing")
		}
		if f == CSV && !strings.Contains(out.String(), `'=HYPERLINK`) {
			t.Errorf("csv formula not defused")
		}
		if f == XLSX {
			x, _ := excelize.OpenReader(bytes.NewReader(out.Bytes()))
			props, _ := x.GetDocProps()
			a1, _ := x.GetCellValue(people.Name, "A1")
			hf, _ := x.GetHeaderFooter(people.Name)
			panes, _ := x.GetPanes(people.Name)
			if props.Creator != wm.Who || !strings.Contains(a1, "仅限工作使用，不得外传 用途：入户核查") ||
				hf == nil || !strings.Contains(hf.OddFooter, "导出人：李四") || !panes.Freeze || panes.YSplit != 2 {
				t.Errorf("xlsx watermark: %q %q %+v %+v", props.Creator, a1, hf, panes)
			}
		}
	}
}

// bigBook is a 100,000-row people sheet, as an export would write it.
func bigBook(b *testing.B, n int) []byte {
	var out bytes.Buffer
	w, err := NewWriter(&out, XLSX, people, Watermark{Who: "bench", At: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		w.Row([]string{"张三" + strconv.Itoa(i), strconv.Itoa(441602199001000000 + i), "户籍人口", "1990-05-17", "选项01", "广东省河源市源城区新风路" + strconv.Itoa(i) + "号"})
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

func BenchmarkReadXLSX(b *testing.B) {
	const n = 100_000
	data := bigBook(b, n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		rows := 0
		_, err := Read(bytes.NewReader(data), int64(len(data)), XLSX, people, Limits{}, func(Row) error {
			rows++
			return nil
		})
		if err != nil || rows != n {
			b.Fatal(err, rows)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkExcelizeRows is the reference: excelize's own streaming iterator
// over the same file, which returns formatted strings only.
func BenchmarkExcelizeRows(b *testing.B) {
	const n = 100_000
	data := bigBook(b, n)
	start := time.Now()
	for b.Loop() {
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		rows, _ := x.Rows(people.Name)
		count := 0
		for rows.Next() {
			rows.Columns()
			count++
		}
		rows.Close()
		x.Close()
		if count != n+2 {
			b.Fatal(count)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
}
