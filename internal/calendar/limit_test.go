package calendar

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in   string
		want Limit
	}{
		{"30m", Limit{30, Minutes}},
		{"1m", Limit{1, Minutes}},
		{"2h", Limit{2, Hours}},
		{"4wh", Limit{4, WorkHours}},
		{"5wd", Limit{5, WorkDays}},
		{"100000wd", Limit{MaxAmount, WorkDays}},
	}
	for _, tt := range tests {
		got, err := ParseLimit(tt.in)
		if err != nil {
			t.Errorf("ParseLimit(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseLimit(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseLimit(%q).String() = %q", tt.in, s)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("ParseLimit(%q).Validate(): %v", tt.in, err)
		}
	}
}

func TestParseLimitErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "want a whole amount and a unit"},
		{"wd", "want a whole amount and a unit"},
		{"5", "the unit must be"},
		{"5d", "the unit must be"},
		{"5WD", "the unit must be"},
		{"5 wd", "the unit must be"},
		{" 5wd", "want a whole amount"},
		{"5wd ", "the unit must be"},
		{"5.5h", "the unit must be"},
		{"+5wd", "want a whole amount"},
		{"-5wd", "must be positive"},
		{"0wd", "must be positive"},
		{"00m", "must be positive"},
		{"05wd", "leading zeros"},
		{"100001wd", "larger than 100000"},
		{"99999999999999999999999m", "larger than 100000"},
		{"５wd", "want a whole amount"},
	}
	for _, tt := range tests {
		_, err := ParseLimit(tt.in)
		if err == nil {
			t.Errorf("ParseLimit(%q): no error", tt.in)
			continue
		}
		if !errors.Is(err, ErrInvalidLimit) {
			t.Errorf("ParseLimit(%q): error %v does not wrap ErrInvalidLimit", tt.in, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, strconv.Quote(tt.in)) || !strings.Contains(msg, tt.reason) {
			t.Errorf("ParseLimit(%q): error %q, want the text and %q", tt.in, msg, tt.reason)
		}
	}
}

func TestLimitValidate(t *testing.T) {
	tests := []struct {
		l    Limit
		want string
	}{
		{Limit{1, Minutes}, ""},
		{Limit{MaxAmount, WorkDays}, ""},
		{Limit{}, "unknown unit"},
		{Limit{3, Unit(7)}, `"3Unit(7)": unknown unit`},
		{Limit{0, Hours}, `"0h": the amount must be positive`},
		{Limit{-2, WorkDays}, `"-2wd"`},
		{Limit{MaxAmount + 1, WorkHours}, "larger than"},
	}
	for _, tt := range tests {
		err := tt.l.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", tt.l, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want one containing %q", tt.l, err, tt.want)
		}
	}
}

func TestUnit(t *testing.T) {
	for u, want := range map[Unit]string{Minutes: "m", Hours: "h", WorkHours: "wh", WorkDays: "wd", 0: "Unit(0)"} {
		if got := u.String(); got != want {
			t.Errorf("Unit(%d).String() = %q, want %q", int(u), got, want)
		}
	}
	if !Minutes.Natural() || !Hours.Natural() || WorkHours.Natural() || WorkDays.Natural() || Unit(0).Natural() {
		t.Error("Natural is wrong")
	}
}

func TestLimitJSON(t *testing.T) {
	type stage struct {
		Sign   Limit  `json:"sign"`
		Handle *Limit `json:"handle,omitempty"`
	}
	in := stage{Sign: Limit{2, WorkHours}, Handle: &Limit{5, WorkDays}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"sign":"2wh","handle":"5wd"}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	var out stage
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Sign != in.Sign || *out.Handle != *in.Handle {
		t.Errorf("round trip = %+v", out)
	}
	if err := json.Unmarshal([]byte(`{"sign":"0wd"}`), &out); err == nil || !strings.Contains(err.Error(), `"0wd"`) {
		t.Errorf("Unmarshal 0wd: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"sign":4}`), &out); err == nil {
		t.Error("Unmarshal of a number: no error")
	}
	if _, err := json.Marshal(stage{}); err == nil {
		t.Error("Marshal of the zero Limit: no error")
	}
}

func TestDuration(t *testing.T) {
	c, err := New(Config{WorkHours: []Span{{9 * 60, 12 * 60}, {13 * 60, 18 * 60}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		l    Limit
		want time.Duration
	}{
		{Limit{30, Minutes}, 30 * time.Minute},
		{Limit{2, Hours}, 2 * time.Hour},
		{Limit{4, WorkHours}, 4 * time.Hour},
		{Limit{5, WorkDays}, 40 * time.Hour},
		{Limit{-1, WorkDays}, 0},
		{Limit{1, 0}, 0},
		{Limit{MaxAmount * 10, WorkDays}, MaxAmount * 8 * time.Hour},
	}
	for _, tt := range tests {
		if got := c.Duration(tt.l); got != tt.want {
			t.Errorf("Duration(%+v) = %v, want %v", tt.l, got, tt.want)
		}
	}
}

func TestDate(t *testing.T) {
	for _, s := range []string{"2026-10-01", "2028-02-29", "0001-01-01", "9999-12-31"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", s, err)
			continue
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, d)
		}
	}
	for _, s := range []string{"", "2026-10-1", "2026-02-29", "2026-13-01", "2026/10/01", "26-10-01", "2026-10-01T00:00:00Z", " 2026-10-01"} {
		_, err := ParseDate(s)
		if err == nil || !strings.Contains(err.Error(), strconv.Quote(s)) {
			t.Errorf("ParseDate(%q): error %v, want one naming the text", s, err)
		}
	}
	var ds []Date
	if err := json.Unmarshal([]byte(`["2026-10-01","2026-10-10"]`), &ds); err != nil || len(ds) != 2 || ds[1] != (Date{2026, 10, 10}) {
		t.Errorf("Unmarshal dates = %v, %v", ds, err)
	}
	if _, err := json.Marshal(Date{2026, 2, 30}); err == nil {
		t.Error("Marshal of 2026-02-30: no error")
	}
	if got := DateOf(time.Date(2026, 10, 9, 16, 30, 0, 0, time.UTC).In(shanghai)); got != (Date{2026, 10, 10}) {
		t.Errorf("DateOf = %v", got)
	}
	// next and compare across month and year ends.
	for _, tt := range []struct{ d, want Date }{
		{Date{2026, 1, 31}, Date{2026, 2, 1}},
		{Date{2026, 2, 28}, Date{2026, 3, 1}},
		{Date{2028, 2, 28}, Date{2028, 2, 29}},
		{Date{2100, 2, 28}, Date{2100, 3, 1}},
		{Date{2000, 2, 28}, Date{2000, 2, 29}},
		{Date{2026, 12, 31}, Date{2027, 1, 1}},
	} {
		if got := tt.d.next(); got != tt.want || tt.d.compare(got) != -1 || got.compare(tt.d) != 1 || got.compare(got) != 0 {
			t.Errorf("%v.next() = %v, want %v", tt.d, got, tt.want)
		}
	}
}
