package calendar

import (
	"math"
	"slices"
	"time"

	_ "time/tzdata" // Asia/Shanghai must load even where the system has no zone data
)

// Calendar is a validated work calendar. It is immutable and safe for
// concurrent use.
type Calendar struct {
	loc      *time.Location
	spans    []Span
	daily    time.Duration
	holidays map[Date]bool
	workdays map[Date]bool
}

// defaultLocation returns Asia/Shanghai, or a fixed +08:00 zone named "CST"
// should the zone data be missing.
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}

// New validates cfg (see Config.Validate), fills in the defaults and returns
// the calendar. The calendar keeps its own copy of cfg's slices.
func New(cfg Config) (*Calendar, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Calendar{
		loc:      cfg.Location,
		spans:    slices.Clone(cfg.WorkHours),
		holidays: make(map[Date]bool, len(cfg.Holidays)),
		workdays: make(map[Date]bool, len(cfg.Workdays)),
	}
	if c.loc == nil {
		c.loc = defaultLocation()
	}
	if len(c.spans) == 0 {
		c.spans = DefaultWorkHours()
	}
	for _, s := range c.spans {
		c.daily += s.Duration()
	}
	for _, d := range cfg.Holidays {
		c.holidays[d] = true
	}
	for _, d := range cfg.Workdays {
		c.workdays[d] = true
	}
	return c, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// DailyWork returns the working time of one workday (7 hours with the
// default working hours): the length of one working day.
func (c *Calendar) DailyWork() time.Duration { return c.daily }

// Config returns the calendar's effective configuration, defaults filled in,
// holidays and workdays sorted and without repeats.
func (c *Calendar) Config() Config {
	return Config{
		Location:  c.loc,
		WorkHours: slices.Clone(c.spans),
		Holidays:  sortedDates(c.holidays),
		Workdays:  sortedDates(c.workdays),
	}
}

func sortedDates(set map[Date]bool) []Date {
	if len(set) == 0 {
		return nil
	}
	out := make([]Date, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	slices.SortFunc(out, Date.compare)
	return out
}

// IsWorkday reports whether the day of t, in the calendar's zone, is a
// workday: a listed workday, or a Monday to Friday that is not a holiday.
func (c *Calendar) IsWorkday(t time.Time) bool {
	d := DateOf(t.In(c.loc))
	return c.workday(d, d.weekday())
}

func (c *Calendar) workday(d Date, wd time.Weekday) bool {
	if c.workdays[d] {
		return true
	}
	if c.holidays[d] {
		return false
	}
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkingTime reports whether t falls inside a span of working hours of a
// workday. Spans are half-open: the start of a span is working time, its end
// is not.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	w := c.walk(t)
	for {
		iv := w.next()
		if t.Before(iv.start) {
			return false
		}
		if t.Before(iv.end) {
			return true
		}
	}
}

// Duration returns how much time the limit allows: clock time for Minutes and
// Hours, working time for WorkHours, and the amount times DailyWork for
// WorkDays. An invalid limit's amount is taken as clamped to [0, MaxAmount]
// and an unknown unit gives 0.
func (c *Calendar) Duration(l Limit) time.Duration {
	n := l.amount()
	switch l.Unit {
	case Minutes:
		return n * time.Minute
	case Hours, WorkHours:
		return n * time.Hour
	case WorkDays:
		return n * c.daily
	}
	return 0
}

// Add returns the deadline of limit l started at start, in the calendar's
// zone:
//
//   - Minutes and Hours: start plus the clock time.
//   - WorkHours and WorkDays: the earliest moment by which Duration(l) of
//     working time has passed since start. Counting begins at the first
//     working moment at or after start, and a deadline that uses up the limit
//     exactly at the end of a span stays at that end (12:00, 17:30).
//
// See the package documentation for worked examples. Add never returns a time
// before start; for an invalid limit it uses the clamped amount of Duration,
// so a zero or negative amount, or an unknown unit, returns start.
func (c *Calendar) Add(start time.Time, l Limit) time.Time {
	start = start.In(c.loc)
	d := c.Duration(l)
	if d <= 0 {
		return start
	}
	if l.Unit.Natural() {
		return start.Add(d)
	}
	w := c.walk(start)
	for {
		iv := w.next()
		if !iv.end.After(start) {
			continue // the part of the start's day before the start
		}
		from := iv.start
		if from.Before(start) {
			from = start
		}
		if avail := iv.end.Sub(from); d > avail {
			d -= avail
			continue
		}
		return from.Add(d)
	}
}

// WorkingBetween returns the working time from a to b: the total length of
// working time inside [a, b). It is 0 when b is not after a.
func (c *Calendar) WorkingBetween(a, b time.Time) time.Duration {
	if !a.Before(b) {
		return 0
	}
	var sum time.Duration
	w := c.walk(a)
	for {
		iv := w.next()
		if !iv.start.Before(b) {
			return sum
		}
		from, to := iv.start, iv.end
		if from.Before(a) {
			from = a
		}
		if to.After(b) {
			to = b
		}
		if to.After(from) {
			d := to.Sub(from)
			if sum > math.MaxInt64-d {
				return math.MaxInt64
			}
			sum += d
		}
	}
}

// interval is one span of one workday as moments: [start, end).
type interval struct{ start, end time.Time }

// walker yields the working intervals of the calendar in order, from the day
// of a given moment on, forever.
type walker struct {
	c       *Calendar
	date    Date
	weekday time.Weekday
	working bool      // whether date is a workday
	span    int       // index of the next span of date
	floor   time.Time // end of the last interval yielded
}

// walk returns a walker starting at the beginning of t's day in the
// calendar's zone.
func (c *Calendar) walk(t time.Time) walker {
	d := DateOf(t.In(c.loc))
	wd := d.weekday()
	return walker{c: c, date: d, weekday: wd, working: c.workday(d, wd)}
}

// next returns the next non-empty working interval. Intervals come in order
// and never overlap: should a zone's clock change make a span's wall times
// map to moments before the previous interval's end, the span is cut to start
// there (only possible with spans across a daylight-saving change).
func (w *walker) next() interval {
	for {
		if !w.working || w.span == len(w.c.spans) {
			w.date = w.date.next()
			w.weekday = (w.weekday + 1) % 7
			w.working = w.c.workday(w.date, w.weekday)
			w.span = 0
			continue
		}
		s := w.c.spans[w.span]
		w.span++
		iv := interval{start: w.clock(s.Start), end: w.clock(s.End)}
		if iv.start.Before(w.floor) {
			iv.start = w.floor
		}
		if !iv.end.After(iv.start) {
			continue
		}
		w.floor = iv.end
		return iv
	}
}

// clock returns the moment of minute m of the walker's date.
func (w *walker) clock(m int) time.Time {
	return time.Date(w.date.Year, w.date.Month, w.date.Day, m/60, m%60, 0, 0, w.c.loc)
}
