package calendar

import "time"

// Light is the traffic light of a matter against its deadline.
type Light string

// The lights.
const (
	Green  Light = "green"  // in time
	Yellow Light = "yellow" // little time left (预警)
	Red    Light = "red"    // past the deadline (超时)
)

// Light returns the light of a matter started at start and due at due, seen
// at now, measured in working time (for WorkHours and WorkDays limits):
//
//   - Red when now is after due (at due exactly it is not yet red);
//   - Yellow when the working time left, WorkingBetween(max(now, start), due),
//     is at most warnShare times the working time from start to due;
//   - Green otherwise.
//
// warnShare is taken as 0 when negative or NaN and as 1 when above 1. With
// warnShare 0.2 and a 1wd (7h) limit the light turns yellow when 1h24m of
// working time is left, and stays yellow overnight before a morning deadline.
// A matter with no working time at all between start and due is yellow until
// due.
func (c *Calendar) Light(start, due, now time.Time, warnShare float64) Light {
	return light(start, due, now, warnShare, c.WorkingBetween)
}

// ClockLight is Light measured in clock time, for Minutes and Hours limits.
func ClockLight(start, due, now time.Time, warnShare float64) Light {
	return light(start, due, now, warnShare, clockBetween)
}

// LightFor returns ClockLight for a natural unit (Minutes, Hours) and
// c.Light for a working one.
func (c *Calendar) LightFor(u Unit, start, due, now time.Time, warnShare float64) Light {
	if u.Natural() {
		return ClockLight(start, due, now, warnShare)
	}
	return c.Light(start, due, now, warnShare)
}

func clockBetween(a, b time.Time) time.Duration {
	if !a.Before(b) {
		return 0
	}
	return b.Sub(a)
}

func light(start, due, now time.Time, share float64, between func(a, b time.Time) time.Duration) Light {
	if now.After(due) {
		return Red
	}
	switch {
	case !(share > 0): // negative or NaN
		share = 0
	case share > 1:
		share = 1
	}
	total := between(start, due)
	from := now
	if from.Before(start) {
		from = start
	}
	left := between(from, due)
	if float64(left) <= share*float64(total) {
		return Yellow
	}
	return Green
}
