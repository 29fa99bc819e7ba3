package calendar

import (
	"encoding/json"
	"fmt"
	"time"
)

// Span is a part of a workday's working hours: from Start up to (not
// including) End, both in minutes after midnight, wall-clock time. End may be
// 1440 (24:00). In JSON a span is {"start":"08:30","end":"12:00"}.
type Span struct {
	Start int
	End   int
}

// DefaultWorkHours returns the working hours used when a Config gives none:
// 08:30–12:00 and 14:00–17:30, 7 hours a day.
func DefaultWorkHours() []Span {
	return []Span{{Start: 8*60 + 30, End: 12 * 60}, {Start: 14 * 60, End: 17*60 + 30}}
}

// Duration returns the length of the span.
func (s Span) Duration() time.Duration {
	return time.Duration(s.End-s.Start) * time.Minute
}

// String returns the span as "08:30-12:00".
func (s Span) String() string {
	return formatClock(s.Start) + "-" + formatClock(s.End)
}

// spanJSON is the JSON form of a Span.
type spanJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// MarshalJSON writes {"start":"HH:MM","end":"HH:MM"}.
func (s Span) MarshalJSON() ([]byte, error) {
	if !clockValid(s.Start) || !clockValid(s.End) {
		return nil, fmt.Errorf("calendar: work span %s is outside the day", s)
	}
	return json.Marshal(spanJSON{Start: formatClock(s.Start), End: formatClock(s.End)})
}

// UnmarshalJSON reads {"start":"HH:MM","end":"HH:MM"}, hours 00 to 24.
// Whether the span is usable is checked by Config.Validate.
func (s *Span) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v spanJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("calendar: invalid work span %s: %w", b, err)
	}
	start, err := parseClock(v.Start)
	if err != nil {
		return err
	}
	end, err := parseClock(v.End)
	if err != nil {
		return err
	}
	*s = Span{Start: start, End: end}
	return nil
}

func clockValid(m int) bool { return m >= 0 && m <= 24*60 }

// formatClock writes minutes after midnight as HH:MM.
func formatClock(m int) string {
	if !clockValid(m) {
		return fmt.Sprintf("(%d minutes)", m)
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// parseClock reads H:MM or HH:MM, 00:00 to 24:00, as minutes after midnight.
func parseClock(s string) (int, error) {
	bad := fmt.Errorf("calendar: invalid time of day %q: want HH:MM from 00:00 to 24:00", s)
	colon := len(s) - 3
	if colon < 1 || colon > 2 || s[colon] != ':' {
		return 0, bad
	}
	h, m := 0, 0
	for i := 0; i < len(s); i++ {
		if i == colon {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return 0, bad
		}
		if i < colon {
			h = h*10 + int(c-'0')
		} else {
			m = m*10 + int(c-'0')
		}
	}
	if m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, bad
	}
	return h*60 + m, nil
}

// Config describes a work calendar. The zero Config is a weekends-only
// calendar in Asia/Shanghai with the default working hours.
type Config struct {
	// Location is the zone of the calendar's dates and working hours; nil
	// means Asia/Shanghai (or, should its zone data be missing, a fixed
	// +08:00 zone named "CST").
	Location *time.Location
	// WorkHours are the spans of a workday, sorted, not overlapping (they may
	// touch) and inside the day; empty means DefaultWorkHours.
	WorkHours []Span
	// Holidays are days off. They matter on Mondays to Fridays; listing a
	// weekend day of a holiday period too is allowed and changes nothing.
	Holidays []Date
	// Workdays are swapped workdays (调休上班日): normally Saturdays or
	// Sundays that are working days. A date may not be both a holiday and a
	// workday.
	Workdays []Date
}

// Validate reports the first problem of the configuration: a work span that
// is empty, outside the day, out of order or overlapping another; a date that
// does not exist; a date listed both as a holiday and as a workday.
func (c Config) Validate() error {
	for i, s := range c.WorkHours {
		if !clockValid(s.Start) || !clockValid(s.End) || s.Start >= s.End {
			return fmt.Errorf("calendar: work span %s must start before it ends, between 00:00 and 24:00", s)
		}
		if i > 0 && c.WorkHours[i-1].End > s.Start {
			return fmt.Errorf("calendar: work spans %s and %s overlap or are out of order", c.WorkHours[i-1], s)
		}
	}
	holidays := make(map[Date]bool, len(c.Holidays))
	for _, d := range c.Holidays {
		if !d.valid() {
			return fmt.Errorf("calendar: holiday %s is not a valid date", d)
		}
		holidays[d] = true
	}
	for _, d := range c.Workdays {
		if !d.valid() {
			return fmt.Errorf("calendar: workday %s is not a valid date", d)
		}
		if holidays[d] {
			return fmt.Errorf("calendar: %s is listed both as a holiday and as a workday", d)
		}
	}
	return nil
}

// configJSON is the JSON form of a Config.
type configJSON struct {
	Location  string `json:"location,omitempty"`
	WorkHours []Span `json:"work_hours,omitempty"`
	Holidays  []Date `json:"holidays,omitempty"`
	Workdays  []Date `json:"workdays,omitempty"`
}

// MarshalJSON writes the configuration as
//
//	{"location":"Asia/Shanghai","work_hours":[{"start":"08:30","end":"12:00"}],
//	 "holidays":["2026-10-01"],"workdays":["2026-10-10"]}
//
// leaving out empty fields; the location is written by its IANA name.
func (c Config) MarshalJSON() ([]byte, error) {
	v := configJSON{WorkHours: c.WorkHours, Holidays: c.Holidays, Workdays: c.Workdays}
	if c.Location != nil {
		v.Location = c.Location.String()
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads the form MarshalJSON writes. A missing location means
// the default one; an unknown location name is an error. The rest is checked
// by Validate (New calls it).
func (c *Config) UnmarshalJSON(b []byte) error {
	var v configJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	var loc *time.Location
	if v.Location != "" {
		var err error
		if loc, err = time.LoadLocation(v.Location); err != nil {
			return fmt.Errorf("calendar: unknown location %q", v.Location)
		}
	}
	*c = Config{Location: loc, WorkHours: v.WorkHours, Holidays: v.Holidays, Workdays: v.Workdays}
	return nil
}
