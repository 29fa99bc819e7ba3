package excel

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/i18n"
)

// templateRows is how many rows of a template get drop-down lists.
const templateRows = 10000

// listSheet is the hidden sheet holding drop-down lists longer than the 255
// characters Excel allows inline.
const listSheet = "_lists"

func sheetName(s Sheet) string {
	if s.Name == "" {
		return "Sheet1"
	}
	return s.Name
}

func titles(s Sheet) []string {
	t := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		t[i] = c.Title
	}
	return t
}

// width is a column's width: as set, or wide enough for its title (a
// Chinese character takes about two units).
func width(c Column) float64 {
	if c.Width > 0 {
		return c.Width
	}
	return max(12, float64(2*utf8.RuneCountInString(c.Title)+4))
}

func colName(i int) string {
	name, _ := excelize.ColumnNumberToName(i)
	return name
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// WriteTemplate writes an empty sheet for users to fill in. The xlsx template
// has a frozen header row (titles of required columns in red), drop-down
// lists for columns with Choices, input messages from Notes, and data cells
// formatted as text, so that an ID number typed in keeps all 18 digits. The
// CSV template is the header row alone.
func WriteTemplate(w io.Writer, s Sheet, f Format) error {
	if f == CSV {
		ew, err := newWriter(w, f, "", titles(s), nil, nil)
		if err != nil {
			return err
		}
		return ew.Close()
	} else if f != XLSX {
		return apperr.E(apperr.Invalid, "import.format")
	}
	x := excelize.NewFile()
	defer x.Close()
	var errs []error
	try := func(err error) { errs = append(errs, err) }
	name := sheetName(s)
	try(x.SetSheetName("Sheet1", name))
	head, _ := x.NewStyle(headStyle("#000000"))
	required, _ := x.NewStyle(headStyle("#C00000"))
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49}) // "@", text
	lists := 0
	for i, c := range s.Columns {
		col := colName(i + 1)
		style := head
		if c.Required {
			style = required
		}
		try(x.SetColStyle(name, col, text)) // before the header: it restyles the whole column
		try(x.SetColWidth(name, col, col, width(c)))
		try(x.SetCellStr(name, col+"1", c.Title))
		try(x.SetCellStyle(name, col+"1", col+"1", style))
		if len(c.Choices) == 0 && c.Note == "" {
			continue
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, templateRows+1)
		if len(c.Choices) > 0 {
			if dv.SetDropList(c.Choices) != nil { // too long to write inline
				if lists++; lists == 1 {
					_, err := x.NewSheet(listSheet)
					try(err)
					try(x.SetSheetVisible(listSheet, false))
				}
				lc := colName(lists)
				for j, v := range c.Choices {
					try(x.SetCellStr(listSheet, lc+strconv.Itoa(j+1), v))
				}
				dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$1:$%s$%d", listSheet, lc, lc, len(c.Choices)))
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, truncate(c.Title, 32),
				i18n.T(i18n.Default, "excel.choose_from_list", nil))
		}
		if c.Note != "" {
			dv.SetInput(truncate(c.Title, 32), truncate(c.Note, 255))
		}
		try(x.AddDataValidation(name, dv))
	}
	try(x.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return x.Write(w)
}

func headStyle(color string) *excelize.Style {
	return &excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: color},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		NumFmt:    49,
	}
}

// Watermark marks an export with who made it, when and why. Its text is the
// first line of the file and, in xlsx, the page header and footer.
type Watermark struct {
	Who  string
	At   time.Time
	Note string // e.g. the purpose or the filter used; optional
}

func (wm Watermark) text() string {
	t := i18n.T(i18n.Default, "excel.watermark", map[string]any{"who": wm.Who, "at": wm.At.Format("2006-01-02 15:04")})
	if wm.Note != "" {
		t += " " + wm.Note
	}
	return t
}

// Writer streams rows out to an xlsx or CSV file; memory does not grow with
// the number of rows (excelize spills large sheets to a temporary file).
type Writer struct {
	out io.Writer
	csv *csv.Writer
	x   *excelize.File
	sw  *excelize.StreamWriter
	row int // next xlsx row number
	bad int // style of a faulty cell
}

// NewWriter starts an export of layout s marked with wm: the watermark line,
// then the header row. Call Row for each row and Close at the end.
func NewWriter(w io.Writer, f Format, s Sheet, wm Watermark) (*Writer, error) {
	widths := make([]float64, len(s.Columns))
	for i, c := range s.Columns {
		widths[i] = width(c)
	}
	return newWriter(w, f, sheetName(s), titles(s), widths, &wm)
}

// NewSheetWriter starts a plain file: the header row, no watermark. It
// writes generated sheets for bulk loads and benchmarks.
func NewSheetWriter(w io.Writer, f Format, name string, header []string) (*Writer, error) {
	widths := make([]float64, len(header))
	for i := range widths {
		widths[i] = 16
	}
	return newWriter(w, f, name, header, widths, nil)
}

// newWriter starts a file: the watermark line if wm is set, then the header.
// In xlsx, sheet settings must precede the first streamed row.
func newWriter(w io.Writer, f Format, name string, header []string, widths []float64, wm *Watermark) (*Writer, error) {
	mark := ""
	if wm != nil {
		mark = wm.text()
	}
	switch f {
	case CSV:
		if _, err := w.Write(bom); err != nil { // Excel reads UTF-8 only with a BOM
			return nil, err
		}
		ew := &Writer{csv: csv.NewWriter(w)}
		ew.csv.UseCRLF = true
		if mark != "" {
			ew.csv.Write([]string{mark})
		}
		return ew, ew.csv.Write(header)
	case XLSX:
	default:
		return nil, apperr.E(apperr.Invalid, "import.format")
	}
	x := excelize.NewFile()
	var errs []error
	try := func(err error) { errs = append(errs, err) }
	try(x.SetSheetName("Sheet1", name))
	if wm != nil {
		// excelize escapes XML; "&" starts a header/footer code and is doubled.
		hf := "&C" + strings.ReplaceAll(truncate(mark, 200), "&", "&&")
		try(x.SetDocProps(&excelize.DocProperties{Creator: wm.Who, Description: mark, Created: wm.At.UTC().Format(time.RFC3339)}))
		try(x.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: hf, OddFooter: hf}))
	}
	head, _ := x.NewStyle(headStyle("#000000"))
	markStyle, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "#808080"}})
	bad, _ := x.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#FFC7CE"}}})
	sw, err := x.NewStreamWriter(name)
	try(err)
	ew := &Writer{out: w, x: x, sw: sw, row: 1, bad: bad}
	if err == nil {
		for i, wd := range widths {
			try(sw.SetColWidth(i+1, i+1, wd))
		}
		top := 1 // rows above the data, frozen
		if mark != "" {
			top = 2
		}
		try(sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: top, TopLeftCell: "A" + strconv.Itoa(top+1), ActivePane: "bottomLeft"}))
		if mark != "" {
			try(ew.next([]any{excelize.Cell{StyleID: markStyle, Value: mark}}))
			if len(header) > 1 {
				try(sw.MergeCell("A1", colName(len(header))+"1"))
			}
		}
		cells := make([]any, len(header))
		for i, h := range header {
			cells[i] = excelize.Cell{StyleID: head, Value: h}
		}
		try(ew.next(cells))
	}
	if err := errors.Join(errs...); err != nil {
		x.Close()
		return nil, err
	}
	return ew, nil
}

func (ew *Writer) next(cells []any) error {
	err := ew.sw.SetRow("A"+strconv.Itoa(ew.row), cells)
	ew.row++
	return err
}

// Row writes one row. Values are written as text, never as formulas or
// numbers, so ID numbers keep their digits.
func (ew *Writer) Row(values []string) error {
	return ew.styled(values, nil)
}

// styled writes a row with the cells marked in bad filled red (xlsx only).
func (ew *Writer) styled(values []string, bad []bool) error {
	if ew.csv != nil {
		rec := make([]string, len(values))
		for i, v := range values {
			rec[i] = protect(v)
		}
		return ew.csv.Write(rec)
	}
	cells := make([]any, len(values))
	for i, v := range values {
		c := excelize.Cell{Value: v}
		if i < len(bad) && bad[i] {
			c.StyleID = ew.bad
		}
		cells[i] = c
	}
	return ew.next(cells)
}

// Close finishes the file and writes out what is still buffered.
func (ew *Writer) Close() error {
	if ew.csv != nil {
		ew.csv.Flush()
		return ew.csv.Error()
	}
	defer ew.x.Close()
	if err := ew.sw.Flush(); err != nil {
		return err
	}
	return ew.x.Write(ew.out)
}

// WriteAnnotated writes rows that were rejected, for the user to correct and
// import again: the header as read (h.Cells), then two more columns, the
// original row number and the row's problems translated into lang (zh-CN
// when empty). In xlsx the cells a problem names are filled red. Cells keep
// their text as read.
func WriteAnnotated(w io.Writer, f Format, s Sheet, h Header, rows []Row, lang string) error {
	if lang == "" {
		lang = i18n.Default
	}
	header := append(append([]string{}, h.Cells...),
		i18n.T(lang, "excel.row_number", nil), i18n.T(lang, "excel.problems", nil))
	widths := make([]float64, len(header))
	for i := range widths {
		widths[i] = 16
	}
	widths[len(widths)-1] = 60
	ew, err := newWriter(w, f, sheetName(s), header, widths, nil)
	if err != nil {
		return err
	}
	sep := "；"
	if lang != "zh-CN" {
		sep = "; "
	}
	col := map[string]int{}
	for i, k := range h.Keys {
		if k != "" {
			col[k] = i
		}
	}
	for _, r := range rows {
		values := make([]string, len(header))
		copy(values, r.Raw[:min(len(r.Raw), len(h.Cells))])
		bad := make([]bool, len(header))
		msgs := make([]string, len(r.Problems))
		for i, p := range r.Problems {
			msgs[i] = i18n.T(lang, p.Code, p.Params)
			if i, ok := col[p.Field]; ok {
				bad[i] = true
			}
		}
		values[len(h.Cells)] = strconv.Itoa(r.Num)
		values[len(h.Cells)+1] = strings.Join(msgs, sep)
		if err := ew.styled(values, bad); err != nil {
			ew.Close()
			return err
		}
	}
	return ew.Close()
}
