package excel

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/gridgov/gridgov/internal/apperr"
)

// maxCols is Excel's column limit; cells further right are dropped.
const maxCols = 16384

// maxRowNum is Excel's row limit.
const maxRowNum = 1 << 20

// corrupt turns a parse failure into import.format, keeping the cause for logs.
func corrupt(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	e := apperr.E(apperr.Invalid, "import.format")
	e.Err = err
	return e
}

// pkg is an opened xlsx package: its parts by lower-cased name.
type pkg map[string]*zip.File

func (p pkg) open(name string) (io.ReadCloser, error) {
	f, ok := p[strings.ToLower(name)]
	if !ok {
		return nil, corrupt(errors.New("missing part " + name))
	}
	return f.Open()
}

func (p pkg) unmarshal(name string, v any) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

type relationship struct {
	Type   string `xml:"Type,attr"`
	ID     string `xml:"Id,attr"`
	Target string `xml:"Target,attr"`
}

// rels reads the relationships of a part and resolves their targets to part
// names. Types are matched by their last segment, so strict OOXML works too.
func (p pkg) rels(part string) (map[string]relationship, error) {
	dir, file := path.Split(part)
	var x struct {
		Rels []relationship `xml:"Relationship"`
	}
	if err := p.unmarshal(dir+"_rels/"+file+".rels", &x); err != nil {
		return nil, err
	}
	m := map[string]relationship{}
	for _, r := range x.Rels {
		if strings.HasPrefix(r.Target, "/") {
			r.Target = r.Target[1:]
		} else {
			r.Target = path.Join(dir, r.Target)
		}
		r.Type = r.Type[strings.LastIndex(r.Type, "/")+1:]
		m[r.ID] = r
		if _, ok := m["type:"+r.Type]; !ok {
			m["type:"+r.Type] = r
		}
	}
	return m, nil
}

func readXLSX(r io.ReaderAt, size int64, name string, lim Limits, d *reader) error {
	magic := make([]byte, 4)
	if _, err := r.ReadAt(magic, 0); err != nil || string(magic) != "PK\x03\x04" {
		return apperr.E(apperr.Invalid, "import.format")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return corrupt(err)
	}
	// The central directory declares every part's size; archive/zip fails
	// a part that inflates past it, so this sum bounds all later work.
	p := pkg{}
	var total uint64
	for _, f := range zr.File {
		// Each size is checked before it is added, so the sum cannot wrap.
		if f.UncompressedSize64 > uint64(lim.MaxUnzipped)-total {
			return apperr.E(apperr.Invalid, "import.zip_bomb")
		}
		total += f.UncompressedSize64
		p[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}

	root, err := p.rels("")
	if err != nil {
		return corrupt(err)
	}
	book := root["type:officeDocument"].Target
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name  string `xml:"name,attr"`
			State string `xml:"state,attr"`
			ID    string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := p.unmarshal(book, &wb); err != nil {
		return corrupt(err)
	}
	rels, err := p.rels(book)
	if err != nil {
		return corrupt(err)
	}
	// The sheet named like the layout, else the first visible one.
	sheet := ""
	for _, s := range wb.Sheets {
		if s.Name == name || sheet == "" && s.State == "" || sheet == "" && s.State == "visible" {
			sheet = rels[s.ID].Target
			if s.Name == name {
				break
			}
		}
	}
	if sheet == "" {
		return apperr.E(apperr.Invalid, "import.empty")
	}
	var ss sst
	if t := rels["type:sharedStrings"].Target; t != "" {
		if ss, err = readSST(p, t); err != nil {
			return corrupt(err)
		}
	}
	var dates []bool
	if t := rels["type:styles"].Target; t != "" {
		if dates, err = dateStyles(p, t); err != nil {
			return corrupt(err)
		}
	}
	if d.merges, err = scanMerges(p, sheet); err != nil {
		return corrupt(err)
	}
	sr := sheetReader{sst: ss, dates: dates, date1904: wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"}
	return sr.read(p, sheet, d.row)
}

// sst is the shared string table, kept as one byte slice and the end offset
// of each string: far smaller than a []string for a million names.
type sst struct {
	buf  []byte
	ends []int
}

func (s sst) get(i int) string {
	if i < 0 || i >= len(s.ends) {
		return ""
	}
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return string(s.buf[start:s.ends[i]])
}

func readSST(p pkg, name string) (sst, error) {
	var s sst
	rc, err := p.open(name)
	if err != nil {
		return s, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	inT, phonetic := false, false
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return s, nil
		} else if err != nil {
			return s, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT = !phonetic
			case "rPh": // phonetic guide text is not part of the value
				phonetic = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inT = false
			case "rPh":
				phonetic = false
			case "si":
				s.ends = append(s.ends, len(s.buf))
			}
		case xml.CharData:
			if inT {
				s.buf = append(s.buf, t...)
			}
		}
	}
}

// dateStyles tells, for each cell style index, whether its number format
// shows a date or time.
func dateStyles(p pkg, name string) ([]bool, error) {
	var x struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := p.unmarshal(name, &x); err != nil {
		return nil, err
	}
	custom := map[int]string{}
	for _, f := range x.NumFmts {
		custom[f.ID] = f.Code
	}
	dates := make([]bool, len(x.Xfs))
	for i, xf := range x.Xfs {
		if code, ok := custom[xf.NumFmtID]; ok {
			dates[i] = isDateCode(code)
		} else {
			id := xf.NumFmtID // built-in date formats, the CJK ones included
			dates[i] = 14 <= id && id <= 22 || 27 <= id && id <= 36 || 45 <= id && id <= 47 || 50 <= id && id <= 58
		}
	}
	return dates, nil
}

// isDateCode reports whether a format code's first section has a date or
// time part, ignoring quoted text, escaped characters and [brackets].
func isDateCode(code string) bool {
	skip, quoted, bracket := false, false, false
	for _, r := range code {
		switch {
		case skip:
			skip = false
		case quoted:
			quoted = r != '"'
		case bracket:
			bracket = r != ']'
		case r == '\\' || r == '_' || r == '*':
			skip = true
		case r == '"':
			quoted = true
		case r == '[':
			bracket = true
		case r == ';':
			return false
		case strings.ContainsRune("yYmMdDhHsS", r):
			return true
		}
	}
	return false
}

// scanMerges finds the merged ranges of a sheet. They follow the cell data
// in the sheet XML, so the part is inflated once just to reach them: a byte
// scan for the next "<", far cheaper than parsing (text cannot hold "<").
func scanMerges(p pkg, name string) ([]cellRange, error) {
	rc, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	for {
		_, err := br.ReadSlice('<')
		if err == bufio.ErrBufferFull {
			continue
		} else if err == io.EOF {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		tag, _ := br.Peek(32)
		if i := bytes.IndexAny(tag, " \t\r\n/>"); i >= 0 {
			tag = tag[:i]
		}
		if i := bytes.IndexByte(tag, ':'); i >= 0 {
			tag = tag[i+1:]
		}
		if string(tag) == "mergeCells" {
			break
		}
	}
	var merges []cellRange
	dec := xml.NewDecoder(io.MultiReader(strings.NewReader("<"), br))
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return merges, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "mergeCell" {
				continue
			}
			ref := attr(t, "ref")
			a, b, _ := strings.Cut(ref, ":")
			c1, r1, err1 := excelize.CellNameToCoordinates(a)
			c2, r2, err2 := excelize.CellNameToCoordinates(b)
			if err1 == nil && err2 == nil {
				merges = append(merges, cellRange{ref, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)})
			}
		case xml.EndElement:
			if t.Name.Local == "mergeCells" {
				return merges, nil
			}
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

type sheetReader struct {
	sst      sst
	dates    []bool
	date1904 bool
}

// read streams the rows of a sheet to emit, one row's cells at a time.
func (s *sheetReader) read(p pkg, name string, emit func(int, []string, []uint8) error) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	var (
		num, col, style    int
		typ                string
		cells              []string
		flags              []uint8
		formula            bool
		text               []byte
		inV, inT, inIS, ph bool
	)
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return corrupt(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				// Rows come in ascending order. A number that is missing,
				// not past the last one or past Excel's last row is taken
				// as the next one: callers key rows by their numbers.
				num++
				if n, err := strconv.Atoi(attr(t, "r")); err == nil && n >= num && n <= maxRowNum {
					num = n
				}
				cells, flags, col = nil, nil, 0
			case "c":
				col++
				typ, style, formula, text = "", 0, false, text[:0]
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "r":
						if c := colOf(a.Value); c > 0 {
							col = c
						}
					case "t":
						typ = a.Value
					case "s":
						style, _ = strconv.Atoi(a.Value)
					}
				}
			case "v":
				inV = true
			case "f":
				formula = true
			case "is":
				inIS = true
			case "rPh":
				ph = true
			case "t":
				inT = inIS && !ph
			}
		case xml.CharData:
			if inV || inT {
				text = append(text, t...)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "t":
				inT = false
			case "is":
				inIS = false
			case "rPh":
				ph = false
			case "c":
				val, fl := s.value(typ, string(text), style)
				if formula {
					fl |= flagFormula
				}
				if (val == "" && fl == 0) || col > maxCols {
					continue
				}
				for len(cells) < col {
					cells, flags = append(cells, ""), append(flags, 0)
				}
				cells[col-1], flags[col-1] = val, fl
			case "row":
				if err := emit(num, cells, flags); err != nil {
					return err
				}
			case "sheetData":
				return nil
			}
		}
	}
}

// value renders a cell as the user sees it: shared strings looked up, dates
// as 2006-01-02, numbers without exponent.
func (s *sheetReader) value(typ, raw string, style int) (string, uint8) {
	switch typ {
	case "s":
		i, _ := strconv.Atoi(raw)
		return s.sst.get(i), 0
	case "b":
		if raw == "1" {
			return "TRUE", 0
		}
		return "FALSE", 0
	case "d": // ISO 8601 date cell
		raw = strings.TrimSuffix(raw, "T00:00:00")
		return strings.Replace(raw, "T", " ", 1), 0
	case "", "n":
	default: // inlineStr, str (a formula's text), e (an error value)
		return raw, 0
	}
	if raw == "" {
		return "", 0
	}
	x, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw, 0
	}
	if style >= 0 && style < len(s.dates) && s.dates[style] && x >= 0 {
		t, err := excelize.ExcelDateToTime(x, s.date1904)
		switch {
		case err != nil:
		case x == math.Trunc(x):
			return t.Format("2006-01-02"), 0
		case x < 1:
			return t.Format("15:04:05"), 0
		default:
			return t.Format("2006-01-02 15:04:05"), 0
		}
	}
	// An integer a program wrote exactly keeps every digit. One that reads
	// the same as a float64 printed in full may have passed through one.
	if isInteger(raw) && (math.Abs(x) < 1e15 || strconv.FormatFloat(x, 'f', -1, 64) != raw) {
		return raw, 0
	}
	// Spreadsheets keep 15 significant digits; show what the user saw,
	// without the exponent. Past 1e15 digits were lost (an ID number typed
	// as a number), which only the user can repair.
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
	var fl uint8
	if math.Abs(x) >= 1e15 {
		fl = flagPrecision
	}
	return strconv.FormatFloat(x, 'f', -1, 64), fl
}

func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// colOf returns the column number of a cell reference such as "AB12".
func colOf(ref string) int {
	n := 0
	for i := 0; i < len(ref) && n <= maxCols; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		n = n*26 + int(c-'a'+1)
	}
	return n
}

// cellName returns the reference of a cell, e.g. "C5".
func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}
