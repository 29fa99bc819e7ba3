package excel

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/gridgov/gridgov/internal/apperr"
)

var bom = []byte("\uFEFF")

// readCSV streams the records of a CSV file to emit. Excel on a Chinese
// Windows saves CSV in GBK, so bytes that are not UTF-8 are read as GB18030,
// its superset.
func readCSV(r io.ReaderAt, size int64, emit func(int, []string, []uint8) error) error {
	head := make([]byte, 3)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	var skip int64
	gb := false
	switch {
	case bytes.HasPrefix(head, bom):
		skip = 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return apperr.E(apperr.Invalid, "import.encoding") // UTF-16 "Unicode text"
	default:
		valid, nul, _, err := scanText(io.NewSectionReader(r, 0, size))
		if err != nil {
			return apperr.Wrap(err, "excel.csv")
		}
		if nul {
			return apperr.E(apperr.Invalid, "import.format") // binary, not text
		}
		if !valid {
			_, _, bad, err := scanText(transform.NewReader(io.NewSectionReader(r, 0, size), simplifiedchinese.GB18030.NewDecoder()))
			if err != nil || bad {
				return apperr.E(apperr.Invalid, "import.encoding")
			}
			gb = true
		}
	}
	var in io.Reader = io.NewSectionReader(r, skip, size-skip)
	if gb {
		in = transform.NewReader(in, simplifiedchinese.GB18030.NewDecoder())
	}
	lines := &lineCap{r: in, line: 1}
	cr := csv.NewReader(bufio.NewReaderSize(lines, 64<<10))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	for num := 1; ; num++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return apperr.E(apperr.Invalid, "import.csv_syntax", "line", pe.Line)
		} else if errors.Is(err, errLineTooLong) {
			return apperr.E(apperr.Invalid, "import.line_too_long", "line", lines.line, "max_kb", maxCSVLine>>10)
		} else if err != nil {
			return apperr.Wrap(err, "excel.csv")
		}
		for i, c := range rec {
			rec[i] = unprotect(c)
		}
		if err := emit(num, rec, nil); err != nil {
			return err
		}
	}
}

// maxCSVLine bounds one line of a CSV file: a sheet's columns at their
// longest fit well within it, while a line of a million commas, read as a
// million fields, would cost far more memory than the file.
const maxCSVLine = 1 << 20

var errLineTooLong = errors.New("csv line too long")

// lineCap fails the read once a line grows past maxCSVLine bytes.
type lineCap struct {
	r    io.Reader
	run  int // bytes since the last newline
	line int // the line being read, from 1
}

func (l *lineCap) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	rest := p[:n]
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 || l.run+i > maxCSVLine {
			l.run += len(rest)
			break
		}
		l.line++
		l.run = 0
		rest = rest[i+1:]
	}
	if l.run > maxCSVLine {
		return 0, errLineTooLong
	}
	return n, err
}

// scanText reads all of rd and reports whether it is valid UTF-8, and
// whether it holds a NUL byte or a U+FFFD replacement character (what a
// decoder puts for bytes it cannot read).
func scanText(rd io.Reader) (valid, nul, bad bool, err error) {
	buf := make([]byte, 64<<10)
	keep := 0
	valid = true
	for {
		n, err := rd.Read(buf[keep:])
		if err != nil && err != io.EOF {
			return false, false, false, err
		}
		data := buf[:keep+n]
		cut := len(data)
		if err == nil { // hold back a rune split across reads
			for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
				if utf8.RuneStart(data[i]) {
					if !utf8.FullRune(data[i:]) {
						cut = i
					}
					break
				}
			}
		}
		chunk := data[:cut]
		valid = valid && utf8.Valid(chunk)
		nul = nul || bytes.IndexByte(chunk, 0) >= 0
		bad = bad || bytes.Contains(chunk, []byte("\uFFFD"))
		keep = copy(buf, data[cut:])
		if err == io.EOF {
			return valid, nul, bad, nil
		}
	}
}

// protect keeps a cell that Excel would run as a formula from being one when
// a CSV export is opened ("CSV injection"): it gets a leading apostrophe,
// which unprotect removes again on import. Numbers such as -5 or +86… stay.
func protect(s string) string {
	if s == "" || strings.IndexByte("=+-@\t\r", s[0]) < 0 {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

func unprotect(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte("=+-@\t\r", s[1]) >= 0 {
		return s[1:]
	}
	return s
}
