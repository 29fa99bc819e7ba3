// Package excel imports and exports the base registers (people, houses,
// units, households) as spreadsheets, .xlsx or .csv.
//
// A Sheet lists its Columns by a stable Key and a Chinese Title. Files are
// matched to columns by their header titles, so users may reorder columns,
// add their own, or put a title line above the header.
//
// Reading streams: each data row is handed to a callback as soon as it is
// read, so a 200,000-row file never sits in memory as a grid of cells.
// Faults of the whole file (wrong format, too large, zip bomb, no header,
// missing column) end the read with an *apperr.Error. Faults of one row are
// recorded as Problems on the Row, which is still handed on: the caller can
// then report every bad row at once and give the user an annotated copy
// (WriteAnnotated) to correct and upload again.
//
// xlsx files are read with a small streaming parser of the sheet XML rather
// than excelize's Rows iterator. The iterator returns formatted strings only,
// while an import must see formulas, date styles and raw numbers; and
// excelize's GetCellFormula, GetCellStyle and GetMergeCells load the whole
// worksheet into memory. excelize writes every file this package produces
// (templates, exports, annotated copies).
//
// Untrusted input is bounded before it is parsed: the file size, the
// uncompressed size the zip central directory declares (archive/zip refuses
// an entry that inflates past its declared size), the number of rows and the
// length of a cell.
package excel

import (
	"hash/maphash"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Column describes one column of a sheet.
type Column struct {
	Key      string   // stable field key, e.g. "id_number"
	Title    string   // header title shown to users, e.g. "公民身份号码"
	Required bool     // an empty cell is a row problem; a missing column a file error
	Choices  []string // allowed values, offered as a drop-down list; empty = free text
	Width    float64  // column width in templates and exports, 0 = from the title
	Note     string   // short help shown as the input message in the template
}

// Sheet is the layout of one register's spreadsheet.
type Sheet struct {
	Name    string // worksheet name, e.g. "实有人口"
	Columns []Column
}

// Format is a spreadsheet file format.
type Format string

// The supported formats. Legacy .xls is not: users save it as .xlsx.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// FormatOf picks the format by the file name's extension.
func FormatOf(filename string) (Format, error) {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx":
		return XLSX, nil
	case ".csv":
		return CSV, nil
	}
	return "", apperr.E(apperr.Invalid, "import.format")
}

// Limits bound what Read accepts. A zero field takes its DefaultLimits value.
type Limits struct {
	MaxBytes     int64 // size of the file as uploaded
	MaxUnzipped  int64 // total uncompressed size of the parts of an xlsx
	MaxRows      int   // data rows, header excluded
	MaxCellChars int   // characters in one cell
}

// DefaultLimits fit a county's register: 30 MiB, 200,000 rows.
var DefaultLimits = Limits{MaxBytes: 30 << 20, MaxUnzipped: 200 << 20, MaxRows: 200_000, MaxCellChars: 4000}

func (l Limits) orDefault() Limits {
	d := DefaultLimits
	return Limits{or(l.MaxBytes, d.MaxBytes), or(l.MaxUnzipped, d.MaxUnzipped), or(l.MaxRows, d.MaxRows), or(l.MaxCellChars, d.MaxCellChars)}
}

func or[T int | int64](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

// Problem is one fault of a row: Field is the Column.Key, or "" for the
// whole row; Code and Params are translated like error codes. It is the
// apperr field error, so problems can be returned to API clients as they are.
type Problem = apperr.FieldError

// Row is one data row of a file.
type Row struct {
	Num      int               // 1-based row number as the user sees it in the sheet
	Values   map[string]string // trimmed values by Column.Key, for the columns the header has
	Raw      []string          // the cells as read, aligned with Header.Cells
	Problems apperr.Fields     // row faults; callers may Add their own
}

// Header is the header row found in a file.
type Header struct {
	Row     int      // its row number
	Cells   []string // the titles as read, in sheet order
	Keys    []string // Column.Key of each cell, "" for a column no Column matches
	Unknown []string // titles of the unmatched columns, which Read ignores
}

// Seen remembers the row each key was first met on, for callers that reject
// duplicate rows within one file. It keeps a 64-bit hash of each key, not
// the key: 16 bytes a row, so a million-row file costs about 20 MB, and no
// ID number stays in memory. Two different keys share a hash with odds of
// about one in 30 million for a million rows.
type Seen struct {
	first map[uint64]int32
	seed  maphash.Seed
}

// NewSeen returns an empty Seen.
func NewSeen() *Seen {
	return &Seen{first: map[uint64]int32{}, seed: maphash.MakeSeed()}
}

// First records key at row and returns the row it was first seen on and
// whether that was an earlier row. Empty keys are never duplicates.
func (s *Seen) First(key string, row int) (int, bool) {
	if key == "" {
		return row, false
	}
	h := maphash.String(s.seed, key)
	if first, ok := s.first[h]; ok {
		return int(first), true
	}
	s.first[h] = int32(row)
	return row, false
}

// headerScan is how many non-empty rows may precede the header: a title
// line, an export watermark, a note.
const headerScan = 5

// Cell flags set by the xlsx reader.
const (
	flagFormula   uint8 = 1 << iota // the cell holds a formula
	flagPrecision                   // a number that lost digits past the 15th
)

// cellRange is a merged range of cells, 1-based and inclusive.
type cellRange struct {
	ref            string
	r1, c1, r2, c2 int
}

// reader turns the raw rows of a file into Rows: it finds the header, maps
// columns and checks each cell. Both formats feed it through row.
type reader struct {
	sheet   Sheet
	lim     Limits
	each    func(Row) error
	merges  []cellRange
	byTitle map[string]int // normalised title or key -> index in sheet.Columns
	header  Header
	cols    []int // per header cell, index in sheet.Columns or -1
	scanned int   // non-empty rows looked at before the header
	rows    int   // non-empty data rows
}

func newReader(s Sheet, lim Limits, each func(Row) error) *reader {
	d := &reader{sheet: s, lim: lim, each: each, byTitle: map[string]int{}}
	for i, c := range s.Columns {
		d.byTitle[norm(c.Key)] = i
	}
	for i, c := range s.Columns { // titles win over keys
		d.byTitle[norm(c.Title)] = i
	}
	return d
}

// norm makes header cells comparable: no white space anywhere (titles are
// often wrapped with Alt+Enter), no trailing required-marker star, any case.
func norm(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.ToLower(strings.TrimRight(s, "*＊"))
}

func blank(cells []string, flags []uint8) bool {
	for i, c := range cells {
		if strings.TrimSpace(c) != "" || i < len(flags) && flags[i] != 0 {
			return false
		}
	}
	return true
}

// row takes one raw row; flags is nil for CSV.
func (d *reader) row(num int, cells []string, flags []uint8) error {
	if blank(cells, flags) {
		return nil
	}
	if d.cols == nil {
		return d.findHeader(num, cells)
	}
	d.rows++
	if d.rows > d.lim.MaxRows {
		return apperr.E(apperr.Invalid, "import.too_many_rows", "max", d.lim.MaxRows)
	}
	raw := make([]string, len(d.cols))
	copy(raw, cells)
	row := Row{Num: num, Values: make(map[string]string, len(d.sheet.Columns)), Raw: raw}
	for i, ci := range d.cols {
		if ci < 0 {
			continue
		}
		c := d.sheet.Columns[ci]
		v := strings.TrimSpace(raw[i])
		row.Values[c.Key] = v
		var fl uint8
		if i < len(flags) {
			fl = flags[i]
		}
		switch {
		case fl&flagFormula != 0:
			row.Problems.Add(c.Key, "import.formula", "cell", cellName(i+1, num), "column", c.Title)
		case fl&flagPrecision != 0:
			row.Problems.Add(c.Key, "import.number_precision", "cell", cellName(i+1, num), "column", c.Title)
		case utf8.RuneCountInString(v) > d.lim.MaxCellChars:
			row.Problems.Add(c.Key, "import.cell_too_long", "column", c.Title, "max", d.lim.MaxCellChars)
		case v == "" && c.Required:
			row.Problems.Add(c.Key, "import.required", "column", c.Title)
		case v != "" && len(c.Choices) > 0 && !slices.Contains(c.Choices, v):
			row.Problems.Add(c.Key, "import.choice", "column", c.Title, "value", v)
		}
	}
	for _, m := range d.merges {
		if num < m.r1 || num > m.r2 || m.c1 > len(d.cols) {
			continue
		}
		field := ""
		for col := m.c1; col <= min(m.c2, len(d.cols)); col++ {
			if ci := d.cols[col-1]; ci >= 0 {
				field = d.sheet.Columns[ci].Key
				break
			}
		}
		row.Problems.Add(field, "import.merged", "cell", m.ref)
	}
	return d.each(row)
}

func (d *reader) findHeader(num int, cells []string) error {
	d.scanned++
	cols := make([]int, len(cells))
	found := false
	for i, c := range cells {
		ci, ok := d.byTitle[norm(c)]
		if !ok || norm(c) == "" {
			ci = -1
		}
		cols[i] = ci
		found = found || ci >= 0
	}
	if !found {
		if d.scanned >= headerScan {
			return apperr.E(apperr.Invalid, "import.no_header")
		}
		return nil
	}
	h := Header{Row: num, Cells: cells, Keys: make([]string, len(cells))}
	seen := make([]bool, len(d.sheet.Columns))
	for i, ci := range cols {
		if ci < 0 {
			if strings.TrimSpace(cells[i]) != "" {
				h.Unknown = append(h.Unknown, strings.TrimSpace(cells[i]))
			}
			continue
		}
		if seen[ci] {
			return apperr.E(apperr.Invalid, "import.duplicate_column", "column", d.sheet.Columns[ci].Title)
		}
		seen[ci] = true
		h.Keys[i] = d.sheet.Columns[ci].Key
	}
	var missing apperr.Fields
	for i, c := range d.sheet.Columns {
		if c.Required && !seen[i] {
			missing.Add(c.Key, "import.missing_column", "column", c.Title)
		}
	}
	if err := missing.Err(); err != nil {
		return err
	}
	d.header, d.cols = h, cols
	return nil
}

// finish reports a file that ended before its header or its first data row.
func (d *reader) finish() error {
	switch {
	case d.cols == nil && d.scanned > 0:
		return apperr.E(apperr.Invalid, "import.no_header")
	case d.rows == 0:
		return apperr.E(apperr.Invalid, "import.empty")
	}
	return nil
}

// Read reads a spreadsheet of layout s and calls each for every non-empty
// data row, in order. It returns the header it found. An error returned by
// each stops the read and is returned as is. Whole-file errors are
// *apperr.Error values; import.too_many_rows comes only when the row past
// the limit is met, so callers should not commit rows before Read returns.
func Read(r io.ReaderAt, size int64, f Format, s Sheet, lim Limits, each func(Row) error) (Header, error) {
	lim = lim.orDefault()
	if size > lim.MaxBytes {
		return Header{}, apperr.E(apperr.Invalid, "import.too_large", "max_mb", lim.MaxBytes>>20)
	}
	d := newReader(s, lim, each)
	var err error
	switch f {
	case XLSX:
		err = readXLSX(r, size, s.Name, lim, d)
	case CSV:
		err = readCSV(r, size, d.row)
	default:
		err = apperr.E(apperr.Invalid, "import.format")
	}
	if err == nil {
		err = d.finish()
	}
	return d.header, err
}
