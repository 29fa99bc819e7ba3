package casework_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Deadlines count on the years loaded: one that runs from 2026 into a 2027
// not loaded yet still computes, counting weekends alone in 2027 (New
// Year's Day, a Friday, is then a workday); once the system administrator
// loads 2027 through the API, the same deadline moves past the holiday.
// Only event.config loads or reads the years; everyone may see the status.
func TestDeadlinesCrossIntoAYearNotLoaded(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	start := time.Date(2026, 12, 30, 10, 0, 0, 0, sh) // a Wednesday
	deadline := func() time.Time {
		t.Helper()
		cfg, err := a.Events.CalendarConfig(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := calendar.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c.Add(start, calendar.Limit{Amount: 5, Unit: calendar.WorkDays})
	}
	// 2026-12-31, 2027-01-01, 01-04, 01-05, 01-06.
	if got, want := deadline(), time.Date(2027, 1, 6, 10, 0, 0, 0, sh); !got.Equal(want) {
		t.Fatalf("into 2027 not loaded: %v, want %v", got, want)
	}

	leader, admin := a.Login("leader"), a.Login("sys_admin")
	var st struct {
		Missing []struct {
			Year int `json:"year"`
		} `json:"missing"`
		CanLoad bool `json:"can_load"`
	}
	a.Calendar.Now = func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, sh) }
	if code := leader.Do("GET", "/api/v1/calendar/status", nil, &st); code != 200 || st.CanLoad || len(st.Missing) != 1 || st.Missing[0].Year != 2027 {
		t.Fatalf("leader's status: %d %+v", code, st)
	}
	if p := leader.Fail("GET", "/api/v1/calendar/years", nil); p.Status != 403 {
		t.Fatalf("leader reads the years: %+v", p)
	}
	if code := admin.Do("GET", "/api/v1/calendar/status", nil, &st); code != 200 || !st.CanLoad {
		t.Fatalf("administrator's status: %d %+v", code, st)
	}
	file := "# 2027\n2027-01-01 holiday 元旦\n2027-01-02 holiday 元旦\n2027-01-03 holiday 元旦\n"
	if p := admin.Fail("POST", "/api/v1/calendar/years", map[string]any{"year": 2027, "text": file + "2027-01-04 workday\n"}); p.Status != 400 ||
		len(p.Errors) != 1 || p.Errors[0].Field != "text" || p.Errors[0].Code != "calendar.line.weekday" {
		t.Fatalf("bad line: %+v", p)
	}
	if deadline().Day() != 6 {
		t.Fatal("a refused file changed the calendar")
	}
	var v struct {
		Year, Version int
	}
	if code := admin.Do("POST", "/api/v1/calendar/years", map[string]any{"year": 2027, "text": file, "source": "2027.txt"}, &v); code != 201 || v.Year != 2027 || v.Version != 1 {
		t.Fatalf("load: %d %+v", code, v)
	}
	if got, want := deadline(), time.Date(2027, 1, 7, 10, 0, 0, 0, sh); !got.Equal(want) {
		t.Fatalf("into 2027 loaded: %v, want %v", got, want)
	}
	if code := admin.Do("GET", "/api/v1/calendar/status", nil, &st); code != 200 || len(st.Missing) != 0 {
		t.Fatalf("status once loaded: %d %+v", code, st)
	}
	var detail struct {
		Days []struct {
			Date, Kind, Name string
		} `json:"days"`
		History []struct{ Version int } `json:"history"`
	}
	if code := admin.Do("GET", "/api/v1/calendar/years/2027", nil, &detail); code != 200 || len(detail.Days) != 3 || detail.Days[0].Date != "2027-01-01" ||
		detail.Days[0].Kind != "holiday" || len(detail.History) != 1 {
		t.Fatalf("2027: %d %+v", code, detail)
	}
}
