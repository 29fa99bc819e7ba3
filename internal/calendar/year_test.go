package calendar

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseYearReadsTheNotice(t *testing.T) {
	b, err := os.ReadFile("testdata/china2026.txt")
	if err != nil {
		t.Fatal(err)
	}
	y, err := ParseYear(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if y.Year != 2026 || len(y.Holidays()) != 33 || len(y.Workdays()) != 6 {
		t.Fatalf("year %d: %d holidays, %d workdays", y.Year, len(y.Holidays()), len(y.Workdays()))
	}
	if d := y.Days[len(y.Days)-1]; d != (Day{Date{2026, 10, 10}, Workday, "国庆节调休上班"}) {
		t.Errorf("last day = %+v", d)
	}
	back, err := ParseYear(y.Format())
	if err != nil || !reflect.DeepEqual(back, y) {
		t.Errorf("round trip: %v\n%+v\n%+v", err, back, y)
	}
}

func TestParseYearAcceptsVariants(t *testing.T) {
	text := "\uFEFF# comment\r\n\r\n2027-01-01\tHoliday 元旦\r\n  2027-01-02 休\n2027-01-03 班 元旦 调休\n   # indented comment\n"
	y, err := ParseYear(text)
	if err != nil {
		t.Fatal(err)
	}
	want := Year{2027, []Day{{Date{2027, 1, 1}, Holiday, "元旦"}, {Date{2027, 1, 2}, Holiday, ""}, {Date{2027, 1, 3}, Workday, "元旦 调休"}}}
	if !reflect.DeepEqual(y, want) {
		t.Errorf("got %+v, want %+v", y, want)
	}
}

func TestParseYearNamesEachBadLine(t *testing.T) {
	text := strings.Join([]string{
		"# 2026",
		"2026-10-01 holiday 国庆节", // 2
		"2026-10-01 holiday 国庆节", // 3: repeat
		"2026-02-30 holiday",     // 4: no such day
		"2026-10-02 vacation",    // 5: kind
		"2027-01-01 holiday",     // 6: another year
		"2026-10-09 workday",     // 7: a Friday
		"2026-10-03",             // 8: no kind
		"2026-10-04 holiday " + strings.Repeat("节", MaxDayName+1), // 9: name too long
		"2026-10-05 holiday \x01",                                 // 10: control character
		"2026-10-06 holiday \xff",                                 // 11: not UTF-8
		"10/07/2026 holiday",                                      // 12: date format
		"2026-10-10 workday 国庆节调休上班",                              // 13: fine
	}, "\n")
	_, err := ParseYear(text)
	pe, ok := err.(ParseError)
	if !ok {
		t.Fatalf("error %v (%T), want a ParseError", err, err)
	}
	want := ParseError{
		{3, "repeat", "2026-10-01"}, {4, "date", "2026-02-30"}, {5, "kind", "vacation"}, {6, "year", "2027-01-01"},
		{7, "weekday", "2026-10-09"}, {8, "format", "2026-10-03"}, {9, "name", strings.Repeat("节", MaxDayName+1)},
		{10, "name", "\x01"}, {11, "encoding", ""}, {12, "date", "10/07/2026"},
	}
	if !reflect.DeepEqual(pe, want) {
		t.Errorf("got\n%+v\nwant\n%+v", pe, want)
	}
	if !strings.Contains(err.Error(), `line 7: weekday "2026-10-09"`) {
		t.Errorf("message %q does not name line 7", err)
	}
}

func TestParseYearRefusesWholeFiles(t *testing.T) {
	for name, text := range map[string]string{
		"empty":     "# nothing yet\n\n",
		"too_large": strings.Repeat("# padding\n", MaxYearFile/10+1),
	} {
		_, err := ParseYear(text)
		if pe, ok := err.(ParseError); !ok || len(pe) != 1 || pe[0].Code != name || pe[0].Line != 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Many bad lines: the first 20 are named.
	_, err := ParseYear(strings.Repeat("x\n", 100))
	if pe := err.(ParseError); len(pe) != maxLineErrors || pe[19].Line != 20 {
		t.Errorf("got %d problems", len(pe))
	}
}

func FuzzParseYear(f *testing.F) {
	f.Add("2026-10-01 holiday 国庆节\n2026-10-10 workday\n")
	f.Add("# c\n2026-01-01 休\n")
	f.Add("2026-13-01 holiday")
	f.Fuzz(func(t *testing.T, s string) {
		y, err := ParseYear(s)
		if err != nil {
			return
		}
		back, err := ParseYear(y.Format())
		if err != nil || !reflect.DeepEqual(back, y) {
			t.Fatalf("round trip of %q: %v", s, err)
		}
		if _, err := New(Config{Holidays: y.Holidays(), Workdays: y.Workdays()}); err != nil {
			t.Fatalf("year of %q makes no calendar: %v", s, err)
		}
	})
}
