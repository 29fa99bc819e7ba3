package calendar

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DayKind says what a listed day is: a holiday or a swapped workday.
type DayKind string

// The kinds of listed day.
const (
	Holiday DayKind = "holiday" // a day off (放假)
	Workday DayKind = "workday" // a swapped workday (调休上班)
)

// Day is one line of a year's file: a date, its kind and an optional name
// ("国庆节", "国庆节调休上班").
type Day struct {
	Date Date    `json:"date"`
	Kind DayKind `json:"kind"`
	Name string  `json:"name,omitempty"`
}

// Year is the holidays and swapped workdays of one calendar year, as the
// State Council's notice lists them, sorted by date.
type Year struct {
	Year int   `json:"year"`
	Days []Day `json:"days"`
}

// Limits of a year's file: its size in bytes, the length of a day's name in
// characters, and how many problems ParseYear reports before it stops.
const (
	MaxYearFile   = 64 << 10
	MaxDayName    = 40
	maxLineErrors = 20
)

// Holidays returns the year's holidays in date order.
func (y Year) Holidays() []Date { return y.dates(Holiday) }

// Workdays returns the year's swapped workdays in date order.
func (y Year) Workdays() []Date { return y.dates(Workday) }

func (y Year) dates(k DayKind) []Date {
	var out []Date
	for _, d := range y.Days {
		if d.Kind == k {
			out = append(out, d.Date)
		}
	}
	return out
}

// Format writes the year in the file format ParseYear reads, one day a line
// in date order, so that ParseYear(y.Format()) gives y back.
func (y Year) Format() string {
	var b strings.Builder
	for _, d := range y.Days {
		b.WriteString(d.Date.String())
		b.WriteByte(' ')
		b.WriteString(string(d.Kind))
		if d.Name != "" {
			b.WriteByte(' ')
			b.WriteString(d.Name)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// LineError is one problem of a year's file: the line (from 1; 0 for the
// file as a whole), a stable code and the text at fault.
//
// The codes: "empty" (no day listed), "too_large" (over MaxYearFile),
// "encoding" (not UTF-8), "format" (not "DATE KIND [NAME]"), "date" (no
// such day), "kind" (neither holiday nor workday), "year" (another year than
// the file's first date), "repeat" (a date listed twice), "weekday" (a
// swapped workday on a Monday to Friday, a workday already), "name" (a name
// too long or with control characters).
type LineError struct {
	Line int
	Code string
	Text string
}

func (e LineError) Error() string {
	if e.Line == 0 {
		return "calendar: " + e.Code
	}
	return fmt.Sprintf("calendar: line %d: %s %q", e.Line, e.Code, e.Text)
}

// ParseError is the problems of a year's file, in line order (at most 20).
type ParseError []LineError

func (e ParseError) Error() string {
	parts := make([]string, len(e))
	for i, le := range e {
		parts[i] = le.Error()
	}
	return strings.Join(parts, "; ")
}

// ParseYear reads the holidays and swapped workdays of one year from the
// plain format (docs/calendar.md):
//
//	# 2026 年部分节假日安排（国务院办公厅 2025 年 11 月 4 日）
//	2026-10-01 holiday 国庆节
//	2026-10-10 workday 国庆节调休上班
//
// One day a line: the date YYYY-MM-DD, the kind (holiday or 休, workday or
// 班) and an optional name, separated by spaces or tabs; blank lines and
// lines starting with # are skipped. Every date must be of the year of the
// first one, listed once; a swapped workday must fall on a Saturday or a
// Sunday. The file is taken whole or not at all: any problem gives a
// ParseError naming each line at fault.
func ParseYear(text string) (Year, error) {
	if len(text) > MaxYearFile {
		return Year{}, ParseError{{Code: "too_large", Text: strconv.Itoa(MaxYearFile)}}
	}
	text = strings.TrimPrefix(text, "\uFEFF") // a byte-order mark from Windows editors
	var (
		y    Year
		errs ParseError
		seen = map[Date]bool{}
	)
	bad := func(line int, code, s string) {
		if len(errs) < maxLineErrors {
			errs = append(errs, LineError{Line: line, Code: code, Text: s})
		}
	}
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if !utf8.ValidString(line) {
			bad(n, "encoding", "")
			continue
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			bad(n, "format", line)
			continue
		}
		d, err := ParseDate(f[0])
		if err != nil {
			bad(n, "date", f[0])
			continue
		}
		kind, ok := parseKind(f[1])
		if !ok {
			bad(n, "kind", f[1])
			continue
		}
		name := strings.Join(f[2:], " ")
		if utf8.RuneCountInString(name) > MaxDayName || strings.ContainsFunc(name, unicode.IsControl) {
			bad(n, "name", name)
			continue
		}
		if d.Year < 1900 {
			bad(n, "date", f[0])
			continue
		}
		if y.Year == 0 {
			y.Year = d.Year
		}
		switch wd := d.weekday(); {
		case d.Year != y.Year:
			bad(n, "year", f[0])
		case seen[d]:
			bad(n, "repeat", f[0])
		case kind == Workday && wd != time.Saturday && wd != time.Sunday:
			bad(n, "weekday", f[0])
		default:
			seen[d] = true
			y.Days = append(y.Days, Day{Date: d, Kind: kind, Name: name})
		}
	}
	if len(errs) > 0 {
		return Year{}, errs
	}
	if len(y.Days) == 0 {
		return Year{}, ParseError{{Code: "empty"}}
	}
	slices.SortFunc(y.Days, func(a, b Day) int { return a.Date.compare(b.Date) })
	return y, nil
}

func parseKind(s string) (DayKind, bool) {
	switch strings.ToLower(s) {
	case "holiday", "休":
		return Holiday, true
	case "workday", "班":
		return Workday, true
	}
	return "", false
}
