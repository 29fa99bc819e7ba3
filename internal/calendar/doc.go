// Package calendar computes time limits and deadlines the way Chinese
// government service centres count them (12345 hotlines, 数字城管 GB/T 30428,
// 综治中心): on a work calendar with weekends, public holidays and swapped
// workdays (调休), and in natural (clock) time for urgent matters.
//
// # The work calendar
//
// A Calendar has a time zone (Asia/Shanghai unless configured), the working
// hours of a workday as spans of wall-clock time (08:30–12:00 and 14:00–17:30
// unless configured, 7 working hours a day), a list of holidays and a list of
// swapped workdays. A date is a workday when it is listed as a workday, or
// when it is a Monday to Friday that is not listed as a holiday. Dates are
// always taken in the calendar's zone, whatever the zone of the time.Time
// passed in.
//
// Working time is the union of the spans of all workdays. Each span is
// half-open: 08:30 is working time, 12:00 is not. Working time is real elapsed
// time: in a zone with daylight saving, a span across the clock change is
// shorter or longer that day (Asia/Shanghai has had none since 1991).
//
// # Counting rules
//
// Limits are written "30m", "2h" (natural minutes and hours), "4wh" (working
// hours) and "5wd" (working days). Calendar.Add returns the deadline:
//
//   - Minutes and Hours add clock time: 2h from 17:00 Friday is 19:00 Friday,
//     whatever the calendar says.
//
//   - N working hours end at the earliest moment by which N hours of working
//     time have passed since the start. Time outside working time does not
//     count, so a start outside working time (at night, in the lunch break, on
//     a weekend or holiday) begins counting at the next working moment:
//     4wh from 17:00 Friday is 12:00 Monday (30 minutes on Friday, 3½ hours
//     on Monday morning).
//
//   - N working days are N times the working time of one day (7 hours with the
//     default hours), counted exactly like working hours.
//
//   - A deadline never rolls forward over non-working time. When the last of
//     the limit is used up exactly at the end of a span, the deadline is that
//     end: 3wh from 09:00 is 12:00, not 14:00, and 1wd from 08:30 Monday is
//     17:30 Monday, not 08:30 Tuesday (the same working time, reached first).
//
// As every workday has the same hours, N working days from a start end:
//
//   - strictly inside a span: at the same clock time on the Nth workday after
//     the start's day (Tuesday 10:00 + 1wd = Wednesday 10:00, Friday 10:00 +
//     1wd = Monday 10:00);
//
//   - at the beginning of a later span or between two spans: at the end of the
//     span before it on the Nth workday after (Monday 14:00 + 1wd = Tuesday
//     12:00, Monday 12:30 + 1wd = Tuesday 12:00);
//
//   - before or at the beginning of a workday's first span: at the end of
//     working time of the Nth workday counting the start's day as the first
//     (Monday 07:00 or 08:30 + 1wd = Monday 17:30);
//
//   - after a workday's last span, or on a day that is not a workday: at the
//     end of working time of the Nth workday after the start's day (Monday
//     18:00 + 1wd = Tuesday 17:30, Saturday + 1wd = Monday 17:30; 1 October
//     2026 + 5wd = 17:30 on 13 October).
//
// Calendar.WorkingBetween measures working time between two moments, so for
// every working limit WorkingBetween(start, Add(start, l)) == Duration(l).
//
// # Lights
//
// Calendar.Light gives the traffic light of a matter: Red once the current
// time is after the deadline, Yellow when the working time left is at most a
// share (say 0.2) of the working time from start to deadline, Green otherwise.
// ClockLight does the same in clock time for natural limits, and LightFor
// picks between them by the limit's unit.
//
// # Holidays
//
// The calendar knows no holidays by itself and names no year: the
// administrators load the State Council's list of each year as a plain file
// (ParseYear reads it; package workcal keeps the loaded years), and a year
// with no list counts weekends alone.
package calendar
