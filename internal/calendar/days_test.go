package calendar

import (
	"testing"
	"time"
)

func TestDaysUntilCountsDatesInChina(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := at("2026-12-06 09:30")
	cases := []struct {
		due  string
		want int
	}{
		{"2026-12-06 00:00", 0},  // earlier today: still today
		{"2026-12-06 08:00", 0},  // passed an hour and a half ago: today
		{"2026-12-06 23:59", 0},  // late today
		{"2026-12-07 00:00", 1},  // midnight is tomorrow, 14.5 hours away
		{"2026-12-05 23:59", -1}, // ten hours ago, but yesterday
		{"2026-12-04 10:00", -2}, // 47.5 hours ago: two dates back (flooring gave -2 for this and -1 for the next)
		{"2026-12-04 20:00", -2}, // 37.5 hours ago, still two dates back
		{"2026-12-16 09:00", 10},
		{"2027-01-01 00:00", 26}, // across the year
		{"2026-11-30 12:00", -6}, // across the month
	}
	for _, c := range cases {
		if got := DaysUntil(now, at(c.due)); got != c.want {
			t.Errorf("due %s at %s: %d days, want %d", c.due, now.Format("2006-01-02 15:04"), got, c.want)
		}
	}
	// The zone of the times given does not matter: 2026-12-06 01:00 in China is the 5th in UTC.
	utcNow := time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)
	if got := DaysUntil(utcNow, at("2026-12-06 22:00")); got != 0 {
		t.Errorf("UTC clock: %d, want 0 (both the 6th in China)", got)
	}
	if got := DaysUntilMs(utcNow.UnixMilli(), at("2026-12-05 12:00").UnixMilli()); got != -1 {
		t.Errorf("milliseconds: %d, want -1", got)
	}
}
