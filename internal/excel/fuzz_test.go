package excel

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gridgov/gridgov/internal/apperr"
)

// fuzzLimits are small, so that work out of proportion to them shows.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxUnzipped: 1 << 20, MaxRows: 50, MaxCellChars: 50}

// maxFuzzAlloc bounds what one Read under fuzzLimits may allocate in all.
const maxFuzzAlloc = 64 << 20

// checkRead reads data and fails t unless Read returns rows or an Invalid
// error with a code, within maxFuzzAlloc: rows numbered upwards below the
// header and within MaxRows, values only for the sheet's columns.
func checkRead(t *testing.T, data []byte, f Format) {
	t.Helper()
	keys := map[string]bool{}
	for _, c := range people.Columns {
		keys[c.Key] = true
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var nums []int
	h, err := Read(bytes.NewReader(data), int64(len(data)), f, people, fuzzLimits, func(r Row) error {
		nums = append(nums, r.Num)
		for k := range r.Values {
			if !keys[k] {
				t.Errorf("row %d: value for %q, no column of the sheet", r.Num, k)
			}
		}
		return nil
	})
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxFuzzAlloc {
		t.Errorf("Read of %d bytes allocated %d MiB", len(data), alloc>>20)
	}
	if err != nil {
		if ae := apperr.As(err); ae.Kind != apperr.Invalid || ae.Code == "" {
			t.Fatalf("Read: %v (kind %d)", err, ae.Kind)
		}
		return
	}
	if len(nums) == 0 || len(nums) > fuzzLimits.MaxRows {
		t.Fatalf("Read succeeded with %d rows", len(nums))
	}
	if h.Row < 1 || nums[0] <= h.Row || !slices.IsSorted(nums) || len(slices.Compact(slices.Clone(nums))) != len(nums) {
		t.Fatalf("header on row %d, rows numbered %v", h.Row, nums)
	}
}

// FuzzReadCSV reads arbitrary bytes as a CSV upload: UTF-8 with or without
// a byte order mark, GBK, UTF-16, binary. The property is checkRead's.
func FuzzReadCSV(f *testing.F) {
	body := "姓名*, id_number ,人口类型,\"现住\n址\"\r\n" +
		"张三,441602199001011234,户籍人口,\"广东省河源市\n源城区\"\"新风\"\"路\"\r\n" +
		"'=李四,44160219900101123X,流动人口,\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(body)
	if err != nil {
		f.Fatal(err)
	}
	var tpl, export bytes.Buffer
	if err := WriteTemplate(&tpl, people, CSV); err != nil {
		f.Fatal(err)
	}
	w, err := NewWriter(&export, CSV, people, Watermark{Who: "李四", At: time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)})
	if err != nil {
		f.Fatal(err)
	}
	w.Row([]string{"张三", "441602199001011234", "户籍人口", "1990-05-17", "选项01", "=HYPERLINK(\"http://x\")"})
	w.Close()
	for _, s := range []string{
		body, "\uFEFF" + body, gbk, tpl.String(), export.String(),
		"\xff\xfe姓\x00", "姓名\r\n\x81\x20\x81\x20\r\n", "\x89PNG\r\n\x1a\n\x00\x00",
		"a\nb\nc\nd\ne\nf\n", "姓名,公民身份号码,人口类型,姓名\n", "姓名,公民身份号码,人口类型\n\"a\"b\"\"c,1,户籍人口\n",
		"姓名,公民身份号码,人口类型\n" + strings.Repeat("张,1,户籍人口\n", fuzzLimits.MaxRows+1),
		"", "\uFEFF", "姓名,公民身份号码,人口类型\n\"unterminated,1,户籍人口\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data, CSV)
	})
}

// FuzzReadXLSX reads arbitrary bytes as an xlsx upload. Seeds are files
// excelize writes (a sheet with formulas, merges and numbers, a template,
// an export), a bare package, a zip that is not a workbook and zip bombs.
// The property is checkRead's.
func FuzzReadXLSX(f *testing.F) {
	var tpl, export bytes.Buffer
	if err := WriteTemplate(&tpl, people, XLSX); err != nil {
		f.Fatal(err)
	}
	w, err := NewWriter(&export, XLSX, people, Watermark{Who: "李四", At: time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)})
	if err != nil {
		f.Fatal(err)
	}
	w.Row([]string{"张三", "441602199001011234", "户籍人口", "1990-05-17", "选项01", ""})
	w.Close()
	var notBook bytes.Buffer
	zw := zip.NewWriter(&notBook)
	rw, _ := zw.Create("readme.txt")
	rw.Write([]byte("not a workbook"))
	zw.Close()
	for _, b := range [][]byte{
		book(f, [][]any{
			{"张三", "441602199001011234", "户籍人口", nil, nil, "甲"},
			{"王五", 441602199001011236, "流动人口", 45678.5, nil, "广东省河源市"},
			{"赵六", nil, "境外人员", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), true},
		}, func(x *excelize.File, sh string) {
			x.SetCellFormula(sh, "B2", `"44160219900101"&"1234"`)
			x.MergeCell(sh, "F3", "G3")
			x.SetCellDefault(sh, "B4", "4.41602199001011E+17")
		}),
		tpl.Bytes(), export.Bytes(), notBook.Bytes(),
		xlsxPackage(f, fuzzSheet, fuzzStrings, fuzzStyles),
		bomb(f, 2<<20, 2<<20), bomb(f, 2<<20, 1000),
		[]byte("PK\x03\x04"), []byte("%PDF-1.7 hello"),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data, XLSX)
	})
}

// The parts of a small workbook that FuzzReadXLSXParts starts from: a
// title line, the header, rows with shared, inline, boolean, date, large
// and formula cells, a merge.
const (
	fuzzSheet = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>说明</t></is></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c><c r="D2" t="s"><v>3</v></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3"><v>441602199001011234</v></c><c r="C3" t="s"><v>5</v></c><c r="D3" s="1"><v>45678</v></c></row>` +
		`<row r="5"><c r="A5" t="inlineStr"><is><r><t>李</t></r><rPh><t>li</t></rPh><r><t>四</t></r></is></c><c r="B5"><v>4.41602199001011E+17</v></c>` +
		`<c r="C5" t="str"><f>"户籍"&amp;"人口"</f><v>户籍人口</v></c><c r="D5" t="b"><v>1</v></c><c r="E5" t="d"><v>2024-03-01T00:00:00</v></c></row>` +
		`<row><c t="e"><v>#N/A</v></c><c s="1"><v>0.5</v></c><c r="AB6" t="n"><v>-1.5E-3</v></c></row>` +
		`</sheetData><mergeCells count="1"><mergeCell ref="F3:G3"/></mergeCells></worksheet>`
	fuzzStrings = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<si><t>姓名</t></si><si><t>公民身份号码</t></si><si><t>人口类型</t></si><si><t>出生日期</t></si>` +
		`<si><r><t>张</t></r><r><t>三</t></r><rPh><t>zhang</t></rPh></si><si><t xml:space="preserve"> 户籍人口 </t></si></sst>`
	fuzzStyles = `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>` +
		`<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="176"/><xf numFmtId="14"/></cellXfs></styleSheet>`
)

// FuzzReadXLSXParts reads a well-formed xlsx package built around arbitrary
// sheet, shared-string and style XML, so that the fuzzer works on the XML
// the reader parses rather than on compressed bytes. The property is
// checkRead's.
func FuzzReadXLSXParts(f *testing.F) {
	f.Add(fuzzSheet, fuzzStrings, fuzzStyles)
	f.Add(`<x:worksheet xmlns:x="s"><x:sheetData><x:row><x:c t="s"><x:v>99999999999999999999</x:v></x:c></x:row></x:sheetData><x:mergeCells><x:mergeCell ref="XFD1048576:A1"/></x:mergeCells></x:worksheet>`,
		`<sst><si><t>a</t><rPh><t>b</t></rPh></si></sst>`, `<styleSheet><cellXfs><xf numFmtId="-1"/></cellXfs></styleSheet>`)
	f.Fuzz(func(t *testing.T, sheet, strings, styles string) {
		checkRead(t, xlsxPackage(t, sheet, strings, styles), XLSX)
	})
}

// xlsxPackage builds a workbook of one sheet named like people from the
// XML of its parts, stored uncompressed; empty strings and styles leave
// those parts out.
func xlsxPackage(t testing.TB, sheet, strings, styles string) []byte {
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	rels := `<Relationship Id="r1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/>`
	parts := [][2]string{
		{"_rels/.rels", `<Relationships><Relationship Id="r1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns:r="` + rel + `"><sheets><sheet name="` + people.Name + `" sheetId="1" r:id="r1"/></sheets></workbook>`},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	if strings != "" {
		rels += `<Relationship Id="r2" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/>`
		parts = append(parts, [2]string{"xl/sharedStrings.xml", strings})
	}
	if styles != "" {
		rels += `<Relationship Id="r3" Type="` + rel + `/styles" Target="styles.xml"/>`
		parts = append(parts, [2]string{"xl/styles.xml", styles})
	}
	parts = append(parts, [2]string{"xl/_rels/workbook.xml.rels", `<Relationships>` + rels + `</Relationships>`})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p[0], Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(p[1])),
			CompressedSize64: uint64(len(p[1])), UncompressedSize64: uint64(len(p[1]))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
