package calendar

import (
	"testing"
	"time"
)

// BenchmarkAdd measures deadlines on the 2026 calendar with all its holidays
// and swapped workdays: a working week, a year of working days (every
// holiday of 2026 on the way), working hours over a holiday, and natural time.
func BenchmarkAdd(b *testing.B) {
	c := cal2026(b)
	start := time.Date(2026, 1, 1, 9, 15, 0, 0, c.Location())
	for _, l := range []Limit{{5, WorkDays}, {248, WorkDays}, {4, WorkHours}, {30, Minutes}} {
		b.Run(l.String(), func(b *testing.B) {
			var end time.Time
			for b.Loop() {
				end = c.Add(start, l)
			}
			if end.Before(start) {
				b.Fatal(end)
			}
		})
	}
}

// BenchmarkWorkingBetween measures the working time of the whole of 2026.
func BenchmarkWorkingBetween(b *testing.B) {
	c := cal2026(b)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, c.Location())
	to := from.AddDate(1, 0, 0)
	for b.Loop() {
		if c.WorkingBetween(from, to) != 248*7*time.Hour {
			b.Fatal("wrong")
		}
	}
}
