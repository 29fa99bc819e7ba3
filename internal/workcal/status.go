package workcal

import (
	"context"
	"fmt"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/calendar"
)

// NoticeMonth is the month from whose first day the next year's holidays
// are expected: the State Council publishes them in October or November.
const NoticeMonth = time.November

// Missing returns the years the work calendar should hold at now and does
// not, as has tells: the current year, and from 1 November also the next.
// now is taken in the calendar's zone (Asia/Shanghai).
func Missing(now time.Time, has func(year int) bool) []int {
	now = now.In(zone)
	var out []int
	if y := now.Year(); !has(y) {
		out = append(out, y)
	}
	if y := now.Year() + 1; now.Month() >= NoticeMonth && !has(y) {
		out = append(out, y)
	}
	return out
}

// zone is the calendar's default zone, where a year begins.
var zone = mustCalendar().Location()

func mustCalendar() *calendar.Calendar {
	c, err := calendar.New(calendar.Config{})
	if err != nil {
		panic(err) // the zero Config is always valid
	}
	return c
}

// Notice is a year that should be loaded and is not.
type Notice struct {
	Year int `json:"year"`
	// Begun is true once the year has started: its deadlines count
	// weekends alone now, not only from 1 January.
	Begun bool `json:"begun"`
}

// Status is what the dashboard shows about the calendar: the missing
// years, and whether the caller may load them (the notice) or not (a note).
type Status struct {
	Missing []Notice `json:"missing"`
	CanLoad bool     `json:"can_load"`
}

// Status tells the missing years at the service's clock.
func (s *Service) Status(ctx context.Context) (Status, error) {
	l, err := Days(ctx, s.db.Reader())
	if err != nil {
		return Status{}, err
	}
	now := s.Now()
	st := Status{Missing: []Notice{}}
	for _, y := range Missing(now, l.Has) {
		st.Missing = append(st.Missing, Notice{Year: y, Begun: y <= now.In(zone).Year()})
	}
	if p := authz.From(ctx); p != nil {
		st.CanLoad = p.Has(Perm)
	}
	return st, nil
}

// Warnings are the lines the server logs at start for the missing years.
func (s *Service) Warnings(ctx context.Context) ([]string, error) {
	st, err := s.Status(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range st.Missing {
		out = append(out, fmt.Sprintf("the work calendar has no holidays for %d: deadlines in %d count weekends alone until the "+
			"system administrator loads the year (the console's Work calendar page, or gridgov calendar import FILE)", n.Year, n.Year))
	}
	return out, nil
}
