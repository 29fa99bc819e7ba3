package calendar

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"30m", "2h", "4wh", "5wd", "0wd", "05wd", "-1h", "100000wd", "100001wd", "", "wd", "5", "9223372036854775808m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLimit(s)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("error %q does not name %q", err, s)
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("ParseLimit(%q) = %+v, invalid: %v", s, l, err)
		}
		if l.String() != s {
			t.Fatalf("ParseLimit(%q).String() = %q", s, l.String())
		}
		back, err := ParseLimit(l.String())
		if err != nil || back != l {
			t.Fatalf("round trip of %q: %+v, %v", s, back, err)
		}
	})
}

// fuzzCalendars are the calendars FuzzAdd picks from.
func fuzzCalendars(t testing.TB) []*Calendar {
	h, w := china2026(t)
	cfgs := []Config{
		{Holidays: h, Workdays: w},
		{},
		{WorkHours: []Span{{0, 1440}}, Holidays: h, Workdays: w},
		{WorkHours: []Span{{0, 1}, {719, 720}, {720, 721}, {1439, 1440}}},
		{WorkHours: []Span{{7 * 60, 11 * 60}, {13 * 60, 14 * 60}, {19 * 60, 22 * 60}}, Holidays: h},
		// Daylight saving: spans across the clock changes, on the Sundays
		// of the 2026 changes made workdays.
		{Location: mustLoad("America/New_York"), WorkHours: []Span{{60, 4 * 60}, {23 * 60, 1440}},
			Workdays: []Date{{2026, 3, 8}, {2026, 11, 1}}},
		{Location: mustLoad("Europe/London"), WorkHours: []Span{{0, 90}, {90, 150}},
			Workdays: []Date{{2026, 3, 29}, {2026, 10, 25}}},
	}
	cals := make([]*Calendar, len(cfgs))
	for i, cfg := range cfgs {
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cals[i] = c
	}
	return cals
}

func FuzzAdd(f *testing.F) {
	cals := fuzzCalendars(f)
	// Seconds since 2026-01-01 00:00 +08:00; the fuzzer's values are folded
	// into 1900-2100 (Shanghai kept daylight saving in 1986-1991).
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai).Unix()
	f.Add(uint8(0), int64(0), int64(0), 4, uint8(WorkHours))
	f.Add(uint8(0), int64(5*86400+17*3600-8*3600), int64(0), 4, uint8(WorkHours))
	f.Add(uint8(0), int64(273*86400), int64(1), 5, uint8(WorkDays))
	f.Add(uint8(1), int64(-12*365*86400), int64(999999999), 20000, uint8(WorkDays))
	f.Add(uint8(2), int64(40*86400), int64(0), 100000, uint8(WorkHours))
	f.Add(uint8(3), int64(3600), int64(0), 3, uint8(WorkHours))
	f.Add(uint8(5), int64(66*86400), int64(0), 7, uint8(WorkDays))
	f.Add(uint8(6), int64(300*86400), int64(0), 2, uint8(WorkHours))
	f.Add(uint8(0), int64(0), int64(0), 30, uint8(Minutes))
	f.Add(uint8(0), int64(0), int64(0), -3, uint8(WorkDays))
	f.Add(uint8(0), int64(0), int64(0), 3, uint8(0))
	const span = 200 * 365 * 86400
	f.Fuzz(func(t *testing.T, which uint8, sec, nsec int64, amount int, unit uint8) {
		c := cals[int(which)%len(cals)]
		sec = (sec%span+span)%span - 126*365*86400 // 1900 to 2100
		start := time.Unix(base+sec, (nsec%1e9+1e9)%1e9)
		l := Limit{Amount: amount, Unit: Unit(unit % 6)}

		end := c.Add(start, l)
		if end.Before(start) {
			t.Fatalf("Add(%v, %+v) = %v, before the start", start, l, end)
		}
		d := c.Duration(l)
		if l.Unit.Natural() || d == 0 {
			if got := end.Sub(start); got != d {
				t.Fatalf("Add(%v, %+v) = %v, %v later, want %v", start, l, end, got, d)
			}
			return
		}
		if got := c.WorkingBetween(start, end); got != d {
			t.Fatalf("Add(%v, %+v) = %v: %v of working time, want %v", start, l, end, got, d)
		}
		// The deadline is the earliest such moment: the nanosecond before
		// it is working time.
		if got := c.WorkingBetween(start, end.Add(-1)); got != d-1 {
			t.Fatalf("Add(%v, %+v) = %v: not the earliest moment (%v before it)", start, l, end, got)
		}
		if !c.IsWorkingTime(end.Add(-1)) {
			t.Fatalf("Add(%v, %+v) = %v: the moment before is not working time", start, l, end)
		}
	})
}

// FuzzConfigJSON reads arbitrary bytes as the JSON of a work calendar, as
// PUT /settings/calendar takes it (working hours, holidays, swapped
// workdays, zone). Reading never panics; a configuration New accepts
// writes out as JSON and reads back as the same calendar, so what is
// saved can be loaded again.
func FuzzConfigJSON(f *testing.F) {
	for _, s := range []string{
		`{"work_hours":[{"start":"08:30","end":"12:00"},{"start":"14:00","end":"24:00"}],"holidays":["2026-10-01"],"workdays":["2026-10-10"]}`,
		`{"location":"Asia/Shanghai","holidays":["2026-02-15","2026-02-16"],"workdays":["2026-02-14"]}`,
		`{"location":"Local"}`, `{"location":"UTC","work_hours":[{"start":"0:00","end":"24:00"}]}`, `{"location":"Mars/Olympus"}`,
		`{"location":"../../etc/passwd"}`, `{"holidays":["2026-10-10"],"workdays":["2026-10-10"]}`,
		`{"holidays":["2026-02-30"]}`, `{"holidays":["0000-01-01","9999-12-31"]}`, `{"holidays":["+2026-01-01"]}`,
		`{"work_hours":[{"start":"12:00","end":"08:30"}]}`, `{"work_hours":[{"start":"24:00","end":"24:00"}]}`,
		`{"work_hours":[null,{"start":"8:3","end":"x"}]}`, `{"work_hours":[{"start":"08:00","end":"12:00"},{"start":"11:00","end":"13:00"}]}`,
		`{}`, `null`, `[]`, `{"work_hours":{}}`, `{"holidays":[1]}`, `{"extra":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var cfg Config
		if err := json.Unmarshal(b, &cfg); err != nil {
			return
		}
		c, err := New(cfg)
		if err != nil {
			return
		}
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("%s: accepted, but Marshal fails: %v", b, err)
		}
		var back Config
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s: written as %s, which does not read back: %v", b, out, err)
		}
		c2, err := New(back)
		if err != nil {
			t.Fatalf("%s: written as %s, which New refuses: %v", b, out, err)
		}
		want, _ := json.Marshal(c.Config())
		got, err := json.Marshal(c2.Config())
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: read back as %s, want %s (%v)", b, got, want, err)
		}
	})
}
