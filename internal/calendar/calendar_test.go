package calendar

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// cal2026 returns the default calendar with the 2026 holidays.
func cal2026(t testing.TB) *Calendar {
	t.Helper()
	h, w := china2026(t)
	c, err := New(Config{Holidays: h, Workdays: w})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// china2026 returns the 2026 holidays and swapped workdays of the State
// Council's notice, from testdata/china2026.txt.
func china2026(t testing.TB) (holidays, workdays []Date) {
	t.Helper()
	b, err := os.ReadFile("testdata/china2026.txt")
	if err != nil {
		t.Fatal(err)
	}
	y, err := ParseYear(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return y.Holidays(), y.Workdays()
}

// at parses "2006-01-02 15:04" or "2006-01-02 15:04:05.999999999" in Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout = "2006-01-02 15:04:05.999999999"
	}
	v, err := time.ParseInLocation(layout, s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func lim(t testing.TB, s string) Limit {
	t.Helper()
	l, err := ParseLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("location = %q, want Asia/Shanghai", got)
	}
	if got := c.DailyWork(); got != 7*time.Hour {
		t.Errorf("daily work = %v, want 7h", got)
	}
	cfg := c.Config()
	if len(cfg.WorkHours) != 2 || cfg.WorkHours[0] != (Span{510, 720}) || cfg.WorkHours[1] != (Span{840, 1050}) {
		t.Errorf("work hours = %v", cfg.WorkHours)
	}
	if cfg.Holidays != nil || cfg.Workdays != nil {
		t.Errorf("holidays %v workdays %v, want none", cfg.Holidays, cfg.Workdays)
	}
	if defaultLocation().String() != "Asia/Shanghai" {
		t.Error("embedded tzdata did not provide Asia/Shanghai")
	}
}

func TestNewCopiesAndSorts(t *testing.T) {
	spans := []Span{{9 * 60, 17 * 60}}
	hol := []Date{{2026, 10, 2}, {2026, 10, 1}, {2026, 10, 2}}
	c, err := New(Config{WorkHours: spans, Holidays: hol})
	if err != nil {
		t.Fatal(err)
	}
	spans[0].End = 10 * 60
	hol[0] = Date{2026, 3, 9}
	cfg := c.Config()
	if cfg.WorkHours[0] != (Span{540, 1020}) || c.DailyWork() != 8*time.Hour {
		t.Errorf("calendar changed with its config: %v %v", cfg.WorkHours, c.DailyWork())
	}
	want := []Date{{2026, 10, 1}, {2026, 10, 2}}
	if len(cfg.Holidays) != 2 || cfg.Holidays[0] != want[0] || cfg.Holidays[1] != want[1] {
		t.Errorf("holidays = %v, want %v", cfg.Holidays, want)
	}
	if c.IsWorkday(at(t, "2026-03-09 10:00")) == false {
		t.Error("2026-03-09 became a holiday through the caller's slice")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error, "" for none
	}{
		{"zero", Config{}, ""},
		{"touching spans", Config{WorkHours: []Span{{480, 720}, {720, 1080}}}, ""},
		{"whole day", Config{WorkHours: []Span{{0, 1440}}}, ""},
		{"empty span", Config{WorkHours: []Span{{600, 600}}}, "10:00-10:00"},
		{"reversed span", Config{WorkHours: []Span{{720, 510}}}, "12:00-08:30"},
		{"negative start", Config{WorkHours: []Span{{-1, 600}}}, "must start before it ends"},
		{"past midnight", Config{WorkHours: []Span{{600, 1441}}}, "must start before it ends"},
		{"overlap", Config{WorkHours: []Span{{510, 720}, {700, 1050}}}, "08:30-12:00 and 11:40-17:30 overlap"},
		{"unsorted", Config{WorkHours: []Span{{840, 1050}, {510, 720}}}, "out of order"},
		{"bad holiday", Config{Holidays: []Date{{2026, 2, 29}}}, "holiday 2026-02-29 is not a valid date"},
		{"bad workday", Config{Workdays: []Date{{2026, 13, 1}}}, "workday 2026-13-01"},
		{"leap day", Config{Holidays: []Date{{2028, 2, 29}}}, ""},
		{"both", Config{Holidays: []Date{{2026, 10, 1}}, Workdays: []Date{{2026, 10, 10}, {2026, 10, 1}}},
			"2026-10-01 is listed both as a holiday and as a workday"},
		{"weekday workday is redundant", Config{Workdays: []Date{{2026, 3, 9}}}, ""},
		{"weekend holiday is redundant", Config{Holidays: []Date{{2026, 3, 7}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestIsWorkday(t *testing.T) {
	c := cal2026(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-03-09 10:00", true},  // Monday
		{"2026-03-07 10:00", false}, // Saturday
		{"2026-03-08 10:00", false}, // Sunday
		{"2026-10-01 10:00", false}, // National Day, Thursday
		{"2026-10-07 10:00", false}, // Wednesday of the National Day week
		{"2026-10-08 10:00", true},
		{"2026-10-10 10:00", true},  // swapped Saturday
		{"2026-10-11 10:00", false}, // the Sunday after it
		{"2026-09-20 10:00", true},  // swapped Sunday
		{"2026-01-04 00:00", true},  // swapped Sunday after New Year
		{"2026-02-23 23:59", false}, // last day of the Spring Festival
		{"2026-02-24 00:00", true},
		{"2027-10-01 10:00", true}, // 2027 not entered: a plain Friday
	}
	for _, tt := range tests {
		if got := c.IsWorkday(at(t, tt.day)); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
	// The day is taken in the calendar's zone: 16:30 UTC on 9 October is
	// 00:30 on Saturday 10 October in Shanghai, a swapped workday.
	utc := time.Date(2026, 10, 9, 16, 30, 0, 0, time.UTC)
	if !c.IsWorkday(utc) {
		t.Error("IsWorkday(2026-10-09T16:30Z) = false, want true (Saturday 10 Oct in Shanghai)")
	}
	if c.IsWorkday(time.Date(2026, 10, 10, 16, 30, 0, 0, time.UTC)) {
		t.Error("IsWorkday(2026-10-10T16:30Z) = true, want false (Sunday 11 Oct in Shanghai)")
	}
}

func TestIsWorkingTime(t *testing.T) {
	c := cal2026(t)
	tests := []struct {
		moment string
		want   bool
	}{
		{"2026-03-09 08:29:59.999999999", false},
		{"2026-03-09 08:30", true},
		{"2026-03-09 11:59:59.999999999", true},
		{"2026-03-09 12:00", false},
		{"2026-03-09 13:59", false},
		{"2026-03-09 14:00", true},
		{"2026-03-09 17:29", true},
		{"2026-03-09 17:30", false},
		{"2026-03-09 23:00", false},
		{"2026-03-07 10:00", false}, // Saturday
		{"2026-10-10 10:00", true},  // swapped Saturday
		{"2026-10-02 10:00", false}, // holiday
	}
	for _, tt := range tests {
		if got := c.IsWorkingTime(at(t, tt.moment)); got != tt.want {
			t.Errorf("IsWorkingTime(%s) = %v, want %v", tt.moment, got, tt.want)
		}
	}
}

func TestAdd(t *testing.T) {
	c := cal2026(t)
	tests := []struct {
		name  string
		start string
		limit string
		want  string
	}{
		// Natural time ignores the calendar.
		{"minutes", "2026-03-09 11:50", "30m", "2026-03-09 12:20"},
		{"hours over the evening", "2026-03-06 17:00", "2h", "2026-03-06 19:00"},
		{"hours on a holiday", "2026-10-01 23:00", "4h", "2026-10-02 03:00"},
		{"hours across days", "2026-03-06 17:00", "72h", "2026-03-09 17:00"},

		// Working hours.
		{"inside the morning", "2026-03-09 09:00", "2wh", "2026-03-09 11:00"},
		{"ends at 12:00 and stays there", "2026-03-09 09:00", "3wh", "2026-03-09 12:00"},
		{"over the lunch break", "2026-03-09 09:00", "4wh", "2026-03-09 15:00"},
		{"from 11:30 over lunch", "2026-03-09 11:30", "1wh", "2026-03-09 14:30"},
		{"start in the lunch break", "2026-03-09 12:30", "1wh", "2026-03-09 15:00"},
		{"start at 12:00", "2026-03-09 12:00", "1wh", "2026-03-09 15:00"},
		{"start at 14:00", "2026-03-09 14:00", "1wh", "2026-03-09 15:00"},
		{"afternoon", "2026-03-09 14:00", "3wh", "2026-03-09 17:00"},
		{"ends exactly at 17:30", "2026-03-09 15:30", "2wh", "2026-03-09 17:30"},
		{"before hours", "2026-03-09 07:00", "1wh", "2026-03-09 09:30"},
		{"after hours", "2026-03-09 18:00", "1wh", "2026-03-10 09:30"},
		{"start at 17:30", "2026-03-09 17:30", "1wh", "2026-03-10 09:30"},
		{"one day of hours", "2026-03-09 08:30", "7wh", "2026-03-09 17:30"},
		{"Friday 17:00 + 4wh is Monday 12:00", "2026-03-06 17:00", "4wh", "2026-03-09 12:00"},
		{"Friday 17:00 + 5wh", "2026-03-06 17:00", "5wh", "2026-03-09 15:00"},
		{"Saturday", "2026-03-07 10:00", "2wh", "2026-03-09 10:30"},
		{"start on a holiday", "2026-10-01 10:00", "2wh", "2026-10-08 10:30"},
		{"into the swapped Saturday", "2026-10-09 17:00", "4wh", "2026-10-10 12:00"},
		{"from the swapped Saturday", "2026-10-10 17:00", "1wh", "2026-10-12 09:00"},
		{"into the swapped Sunday", "2026-09-19 10:00", "1wh", "2026-09-20 09:30"},
		{"new year", "2025-12-31 17:00", "1wh", "2026-01-04 09:00"},
		{"before the Spring Festival", "2026-02-13 16:00", "7wh", "2026-02-14 16:00"},
		{"over the Spring Festival", "2026-02-14 17:00", "1wh", "2026-02-24 09:00"},
		{"sub-second start", "2026-03-09 09:00:30.5", "1wh", "2026-03-09 10:00:30.5"},
		{"a week", "2026-03-09 10:00", "35wh", "2026-03-16 10:00"},

		// Working days.
		{"1wd in working time", "2026-03-10 10:00", "1wd", "2026-03-11 10:00"},
		{"1wd from 08:30", "2026-03-09 08:30", "1wd", "2026-03-09 17:30"},
		{"1wd before hours", "2026-03-09 07:00", "1wd", "2026-03-09 17:30"},
		{"1wd after hours", "2026-03-09 18:00", "1wd", "2026-03-10 17:30"},
		{"1wd at 17:30", "2026-03-09 17:30", "1wd", "2026-03-10 17:30"},
		{"1wd at 17:29", "2026-03-09 17:29", "1wd", "2026-03-10 17:29"},
		{"1wd from the lunch break", "2026-03-09 12:30", "1wd", "2026-03-10 12:00"},
		{"1wd from 12:00", "2026-03-09 12:00", "1wd", "2026-03-10 12:00"},
		{"1wd from 11:59", "2026-03-09 11:59", "1wd", "2026-03-10 11:59"},
		{"1wd from 14:00 ends at 12:00", "2026-03-09 14:00", "1wd", "2026-03-10 12:00"},
		{"1wd from 14:01", "2026-03-09 14:01", "1wd", "2026-03-10 14:01"},
		{"2wd from 08:30", "2026-03-09 08:30", "2wd", "2026-03-10 17:30"},
		{"Friday + 1wd", "2026-03-06 10:00", "1wd", "2026-03-09 10:00"},
		{"Friday evening + 1wd", "2026-03-06 18:00", "1wd", "2026-03-09 17:30"},
		{"Saturday + 1wd", "2026-03-07 10:00", "1wd", "2026-03-09 17:30"},
		{"5wd is a week", "2026-03-09 09:00", "5wd", "2026-03-16 09:00"},
		{"holiday start counts from the next workday", "2026-10-03 10:00", "5wd", "2026-10-13 17:30"},
		{"over National Day", "2026-09-30 10:00", "1wd", "2026-10-08 10:00"},
		{"into the swapped Sunday", "2026-09-18 10:00", "1wd", "2026-09-20 10:00"},
		{"over the Spring Festival", "2026-02-13 15:00", "2wd", "2026-02-24 15:00"},
		{"10wd over National Day", "2026-09-28 09:00", "10wd", "2026-10-16 09:00"},
		{"20wd over Labour Day into the swapped Saturday", "2026-04-08 09:00", "20wd", "2026-05-09 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, l, want := at(t, tt.start), lim(t, tt.limit), at(t, tt.want)
			got := c.Add(start, l)
			if !got.Equal(want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tt.start, tt.limit,
					got.Format("2006-01-02 15:04:05.999999999 Mon"), want.Format("2006-01-02 15:04 Mon"))
			}
			if got.Location() != c.Location() {
				t.Errorf("result in %v, want the calendar's zone", got.Location())
			}
			if !l.Unit.Natural() {
				if used := c.WorkingBetween(start, got); used != c.Duration(l) {
					t.Errorf("WorkingBetween(start, deadline) = %v, want %v", used, c.Duration(l))
				}
			}
		})
	}
}

func TestAddStartInOtherZone(t *testing.T) {
	c := cal2026(t)
	start := time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC) // Friday 17:00 in Shanghai
	got := c.Add(start, Limit{4, WorkHours})
	if want := at(t, "2026-03-09 12:00"); !got.Equal(want) || got.Location() != c.Location() {
		t.Errorf("Add = %v, want %v in Asia/Shanghai", got, want)
	}
}

func TestAddInvalidLimit(t *testing.T) {
	c := cal2026(t)
	start := at(t, "2026-03-07 10:00") // Saturday
	for _, l := range []Limit{{}, {0, WorkHours}, {-3, WorkDays}, {5, Unit(9)}, {-1, Minutes}} {
		if got := c.Add(start, l); !got.Equal(start) {
			t.Errorf("Add(%v) = %v, want the start", l, got)
		}
	}
	// Amounts above MaxAmount are clamped rather than overflowing.
	if got, want := c.Add(start, Limit{huge, Hours}), start.Add(MaxAmount*time.Hour); !got.Equal(want) {
		t.Errorf("Add(huge hours) = %v, want %v", got, want)
	}
}

const huge = 1 << 40

func TestWorkDaysSameClockTime(t *testing.T) {
	// Every quarter hour of 2026 and 1 or 12 working days: a start strictly
	// inside a span ends at the same clock time on the Nth workday after; a
	// start at the beginning of the afternoon span at 12:00.
	c := cal2026(t)
	for start := at(t, "2026-01-01 00:00"); start.Year() == 2026; start = start.Add(15 * time.Minute) {
		clock := start.Format("15:04")
		if !c.IsWorkingTime(start) || clock == "08:30" {
			continue
		}
		for n := 1; n <= 12; n += 11 {
			got := c.Add(start, Limit{n, WorkDays})
			want := clock
			if clock == "14:00" {
				want = "12:00"
			}
			if got.Format("15:04") != want {
				t.Fatalf("%v + %dwd = %v, want %s", start, n, got, want)
			}
			if !c.IsWorkday(got) {
				t.Fatalf("%v + %dwd = %v, not a workday", start, n, got)
			}
			days := 0
			for d := DateOf(start).next(); d.compare(DateOf(got)) <= 0; d = d.next() {
				if c.workday(d, d.weekday()) {
					days++
				}
			}
			if days != n {
				t.Fatalf("%v + %dwd = %v, %d workdays later", start, n, got, days)
			}
		}
	}
}

func TestWorkingBetween(t *testing.T) {
	c := cal2026(t)
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{"same moment", "2026-03-09 10:00", "2026-03-09 10:00", 0},
		{"backwards", "2026-03-09 11:00", "2026-03-09 10:00", 0},
		{"morning", "2026-03-09 09:00", "2026-03-09 11:00", 2 * time.Hour},
		{"over lunch", "2026-03-09 09:00", "2026-03-09 15:00", 4 * time.Hour},
		{"lunch only", "2026-03-09 12:00", "2026-03-09 14:00", 0},
		{"night", "2026-03-09 17:30", "2026-03-10 08:30", 0},
		{"Friday 17:00 to Monday 12:00", "2026-03-06 17:00", "2026-03-09 12:00", 4 * time.Hour},
		{"a week", "2026-03-09 00:00", "2026-03-16 00:00", 35 * time.Hour},
		{"National Day week", "2026-10-01 00:00", "2026-10-08 00:00", 0},
		{"swapped Saturday", "2026-10-10 00:00", "2026-10-11 00:00", 7 * time.Hour},
		{"year 2026", "2026-01-01 00:00", "2027-01-01 00:00", 248 * 7 * time.Hour},
		{"sub-second", "2026-03-09 11:59:59.75", "2026-03-09 14:00:00.5", 750 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingBetween(at(t, tt.a), at(t, tt.b)); got != tt.want {
				t.Errorf("WorkingBetween(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestWorkingBetweenAdditive(t *testing.T) {
	c := cal2026(t)
	a, b := at(t, "2026-02-10 10:17"), at(t, "2026-03-03 16:02")
	total := c.WorkingBetween(a, b)
	for m := a; m.Before(b); m = m.Add(97 * time.Minute) {
		if got := c.WorkingBetween(a, m) + c.WorkingBetween(m, b); got != total {
			t.Fatalf("split at %v: %v, want %v", m, got, total)
		}
	}
}

func TestRoundTheClockSpans(t *testing.T) {
	// A centre working 24 hours on workdays: working hours are clock hours
	// on workdays only.
	h, w := china2026(t)
	c, err := New(Config{WorkHours: []Span{{0, 1440}}, Holidays: h, Workdays: w})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Add(at(t, "2026-03-06 20:00"), Limit{10, WorkHours}), at(t, "2026-03-09 06:00"); !got.Equal(want) {
		t.Errorf("Friday 20:00 + 10wh = %v, want %v", got, want)
	}
	if got, want := c.Add(at(t, "2026-03-06 20:00"), Limit{1, WorkDays}), at(t, "2026-03-09 20:00"); !got.Equal(want) {
		t.Errorf("Friday 20:00 + 1wd = %v, want %v", got, want)
	}
	if got, want := c.Add(at(t, "2026-03-07 20:00"), Limit{1, WorkDays}), at(t, "2026-03-10 00:00"); !got.Equal(want) {
		t.Errorf("Saturday + 1wd = %v, want %v", got, want)
	}
}

func TestOtherLocation(t *testing.T) {
	c, err := New(Config{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 6, 17, 0, 0, 0, time.UTC)
	if got, want := c.Add(start, Limit{4, WorkHours}), time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Add = %v, want %v", got, want)
	}
}

func TestDaylightSaving(t *testing.T) {
	// New York springs forward at 02:00 on 8 March 2026 (a Sunday; made a
	// workday here) and falls back at 02:00 on 1 November 2026. A span
	// across the change is an hour shorter or longer that day.
	ny := mustLoad("America/New_York")
	c, err := New(Config{
		Location:  ny,
		WorkHours: []Span{{60, 4 * 60}},
		Workdays:  []Date{{2026, 3, 8}, {2026, 11, 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	spring := time.Date(2026, 3, 8, 0, 0, 0, 0, ny)
	if got := c.WorkingBetween(spring, spring.Add(24*time.Hour)); got != 2*time.Hour {
		t.Errorf("spring-forward day has %v of work, want 2h", got)
	}
	fall := time.Date(2026, 11, 1, 0, 0, 0, 0, ny)
	if got := c.WorkingBetween(fall, fall.Add(24*time.Hour)); got != 4*time.Hour {
		t.Errorf("fall-back day has %v of work, want 4h", got)
	}
	// Wall times in the spring-forward gap map an hour back (02:15 is 01:15
	// EST), so 00:00-01:45 and 02:15-03:30 would overlap; the later span is
	// cut to start at 01:45 and the day has the 2½ real hours from 00:00 EST
	// to 03:30 EDT.
	gap, err := New(Config{Location: ny, WorkHours: []Span{{0, 105}, {135, 210}}, Workdays: []Date{{2026, 3, 8}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := gap.WorkingBetween(spring, time.Date(2026, 3, 9, 0, 0, 0, 0, ny)); got != 150*time.Minute {
		t.Errorf("spring-forward day with a span in the gap has %v of work, want 2h30m", got)
	}
	if got, want := gap.Add(spring, Limit{2, WorkHours}), time.Date(2026, 3, 8, 3, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("Add over the gap = %v, want %v", got, want)
	}
	for _, start := range []time.Time{spring, fall} {
		for _, l := range []Limit{{1, WorkHours}, {3, WorkHours}, {1, WorkDays}, {4, WorkDays}} {
			end := c.Add(start, l)
			if got := c.WorkingBetween(start, end); got != c.Duration(l) {
				t.Errorf("%v + %v = %v: %v of work, want %v", start, l, end, got, c.Duration(l))
			}
		}
	}
}

func TestChina2026File(t *testing.T) {
	h, w := china2026(t)
	if len(h) != 3+9+3+5+3+3+7 || len(w) != 6 {
		t.Fatalf("%d holidays and %d workdays", len(h), len(w))
	}
	c, err := New(Config{Holidays: h, Workdays: w})
	if err != nil {
		t.Fatal(err)
	}
	// The weekdays the notice gives.
	weekdays := map[string]time.Weekday{
		"2026-01-01": time.Thursday, "2026-01-03": time.Saturday, "2026-01-04": time.Sunday,
		"2026-02-15": time.Sunday, "2026-02-23": time.Monday, "2026-02-14": time.Saturday,
		"2026-02-28": time.Saturday, "2026-04-04": time.Saturday, "2026-04-06": time.Monday,
		"2026-05-01": time.Friday, "2026-05-05": time.Tuesday, "2026-05-09": time.Saturday,
		"2026-06-19": time.Friday, "2026-06-21": time.Sunday, "2026-09-25": time.Friday,
		"2026-09-27": time.Sunday, "2026-10-01": time.Thursday, "2026-10-07": time.Wednesday,
		"2026-09-20": time.Sunday, "2026-10-10": time.Saturday,
	}
	for s, want := range weekdays {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.weekday(); got != want {
			t.Errorf("%s is a %v, the notice says %v", s, got, want)
		}
	}
	for _, d := range w {
		if wd := d.weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("swapped workday %s is a %v", d, wd)
		}
	}
	// 2026 has 261 weekdays; 19 of them are holidays and 6 weekend days are
	// worked.
	n := 0
	for d := (Date{2026, 1, 1}); d.Year == 2026; d = d.next() {
		if c.workday(d, d.weekday()) {
			n++
		}
	}
	if n != 248 {
		t.Errorf("2026 has %d workdays, want 248", n)
	}
}

func TestWorkingBetweenSaturates(t *testing.T) {
	// 600 years of round-the-clock weekdays is more than time.Duration holds.
	c, err := New(Config{WorkHours: []Span{{0, 1440}}})
	if err != nil {
		t.Fatal(err)
	}
	a := at(t, "2000-01-01 00:00")
	if got := c.WorkingBetween(a, a.AddDate(600, 0, 0)); got != time.Duration(math.MaxInt64) {
		t.Errorf("WorkingBetween over 600 years = %v, want the largest Duration", got)
	}
}
