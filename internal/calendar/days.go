package calendar

import "time"

// DaysUntil counts the calendar days from now to due as China's wall
// calendar reads them (Asia/Shanghai): 0 when due falls on today's date,
// whatever the hour; 1 tomorrow; -2 the day before yesterday. It counts
// dates, not 24-hour periods, so "due today" is the same for a deadline
// at 08:00 and one at 23:00, and a deadline two dates ago is "2 days
// overdue" even when only 30 hours have passed.
func DaysUntil(now, due time.Time) int {
	loc := defaultLocation()
	return dayNumber(DateOf(due.In(loc))) - dayNumber(DateOf(now.In(loc)))
}

// DaysUntilMs is DaysUntil with both times as Unix milliseconds.
func DaysUntilMs(now, due int64) int {
	return DaysUntil(time.UnixMilli(now), time.UnixMilli(due))
}

// dayNumber numbers dates consecutively (days since 1970-01-01).
func dayNumber(d Date) int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
