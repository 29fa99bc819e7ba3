package calendar

import (
	"math"
	"testing"
	"time"
)

func TestLight(t *testing.T) {
	c := cal2026(t)
	// Monday 09:00 + 1wd: due Tuesday 09:00, 7 hours of working time; with a
	// share of 0.2 the light turns yellow with 1h24m left, at 16:36 Monday
	// (54 minutes on Monday and 30 on Tuesday morning).
	start, due := at(t, "2026-03-09 09:00"), at(t, "2026-03-10 09:00")
	tests := []struct {
		now   string
		share float64
		want  Light
	}{
		{"2026-03-09 08:00", 0.2, Green}, // before the start
		{"2026-03-09 09:00", 0.2, Green},
		{"2026-03-09 16:35", 0.2, Green},
		{"2026-03-09 16:36", 0.2, Yellow}, // exactly 20% left
		{"2026-03-09 17:30", 0.2, Yellow},
		{"2026-03-09 23:00", 0.2, Yellow}, // overnight, 30 minutes left
		{"2026-03-10 09:00", 0.2, Yellow}, // at the deadline
		{"2026-03-10 09:00:00.000000001", 0.2, Red},
		{"2026-03-11 09:00", 0.2, Red},
		{"2026-03-09 12:30", 0.5, Green},  // 4h left of 7
		{"2026-03-09 14:30", 0.5, Yellow}, // 3.5h left
		{"2026-03-09 23:00", 0, Green},
		{"2026-03-10 09:00", 0, Yellow}, // nothing left, not yet late
		{"2026-03-09 23:00", -1, Green},
		{"2026-03-09 23:00", math.NaN(), Green},
		{"2026-03-09 09:00", 1, Yellow},
		{"2026-03-09 09:00", 7, Yellow},
	}
	for _, tt := range tests {
		if got := c.Light(start, due, at(t, tt.now), tt.share); got != tt.want {
			t.Errorf("Light(now %s, share %v) = %s, want %s", tt.now, tt.share, got, tt.want)
		}
		if got := c.LightFor(WorkDays, start, due, at(t, tt.now), tt.share); got != tt.want {
			t.Errorf("LightFor(wd, now %s, share %v) = %s, want %s", tt.now, tt.share, got, tt.want)
		}
	}
}

func TestLightNoWorkingTime(t *testing.T) {
	c := cal2026(t)
	// A 4h urgent matter over a holiday night has no working time at all;
	// in working time it is yellow until due, in clock time it is measured
	// properly.
	start, due := at(t, "2026-10-01 22:00"), at(t, "2026-10-02 02:00")
	now := at(t, "2026-10-01 22:10")
	if got := c.Light(start, due, now, 0.2); got != Yellow {
		t.Errorf("Light = %s, want yellow", got)
	}
	if got := c.LightFor(Hours, start, due, now, 0.2); got != Green {
		t.Errorf("LightFor(h) = %s, want green", got)
	}
}

func TestClockLight(t *testing.T) {
	start := at(t, "2026-10-01 10:00")
	due := start.Add(2 * time.Hour)
	tests := []struct {
		now  time.Duration // after start
		want Light
	}{
		{-time.Hour, Green},
		{0, Green},
		{95 * time.Minute, Green},
		{96 * time.Minute, Yellow}, // 24 minutes = 20% left
		{2 * time.Hour, Yellow},
		{2*time.Hour + 1, Red},
	}
	for _, tt := range tests {
		if got := ClockLight(start, due, start.Add(tt.now), 0.2); got != tt.want {
			t.Errorf("ClockLight(start+%v) = %s, want %s", tt.now, got, tt.want)
		}
	}
	// A deadline before its start: yellow until it passes.
	if got := ClockLight(due, start, start, 0.2); got != Yellow {
		t.Errorf("reversed = %s", got)
	}
}
