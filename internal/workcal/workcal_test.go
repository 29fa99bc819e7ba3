package workcal_test

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/workcal"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// admin is a system administrator's context.
func admin() context.Context {
	return authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u1", Username: "sysadmin",
		Grants: []authz.Grant{{Role: "sys_admin", OrgPath: "/1/", Perms: []authz.Perm{authz.EventConfig}}}})
}

const year2027 = `# 2027 (a test file, not the notice)
2027-01-01 holiday 元旦
2027-02-06 workday 春节调休上班
2027-02-08 holiday 春节
`

// A load stores the year as its next version with an audit row; a reload
// keeps the earlier version; the years list shows the version in force and
// Days gives casework the dates of every year's version in force.
func TestLoadKeepsHistory(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	s := workcal.New(d, audit.New([]byte("0123456789abcdef0123456789abcdef")))
	s.Now = func() time.Time { return time.Date(2026, 12, 6, 10, 0, 0, 0, shanghai) }
	ctx := admin()

	// The migration loaded 2026 as its first version.
	years, err := s.Years(ctx)
	if err != nil || len(years) != 1 || years[0].Year != 2026 || years[0].Version != 1 || years[0].Holidays != 33 || years[0].Workdays != 6 {
		t.Fatalf("years after migrating: %+v %v", years, err)
	}
	v, err := s.Load(ctx, workcal.LoadInput{Year: 2027, Text: year2027, Source: "2027.txt", Note: "first"})
	if err != nil {
		t.Fatal(err)
	}
	want := workcal.Record{Year: 2027, Version: 1, Holidays: 2, Workdays: 1, Source: "2027.txt", Note: "first", LoadedBy: "sysadmin", LoadedAt: s.Now().UnixMilli()}
	if v != want {
		t.Fatalf("load = %+v, want %+v", v, want)
	}
	v2, err := s.Load(ctx, workcal.LoadInput{Text: strings.Replace(year2027, "2027-02-08 holiday", "2027-02-09 holiday", 1), Note: "corrected"})
	if err != nil || v2.Version != 2 {
		t.Fatalf("reload: %+v %v", v2, err)
	}
	hist, err := s.History(ctx, 2027)
	if err != nil || len(hist) != 2 || hist[0].Version != 2 || hist[1].Version != 1 || hist[1].Note != "first" {
		t.Fatalf("history: %+v %v", hist, err)
	}
	old, err := s.Get(ctx, 2027, 1)
	if err != nil || old.Days[2].Date != (calendar.Date{Year: 2027, Month: 2, Day: 8}) {
		t.Fatalf("version 1: %+v %v", old, err)
	}
	cur, err := s.Get(ctx, 2027, 0)
	if err != nil || cur.Version != 2 || cur.Days[2] != (calendar.Day{Date: calendar.Date{Year: 2027, Month: 2, Day: 9}, Kind: calendar.Holiday, Name: "春节"}) {
		t.Fatalf("version in force: %+v %v", cur, err)
	}
	if _, err := s.Get(ctx, 2030, 0); !apperr.Is(err, "not_found") {
		t.Fatalf("a year never loaded: %v", err)
	}
	years, _ = s.Years(ctx)
	if len(years) != 2 || years[0].Year != 2027 || years[0].Version != 2 || years[1].Year != 2026 {
		t.Fatalf("years: %+v", years)
	}
	l, err := workcal.Days(ctx, d.Reader())
	if err != nil || !reflect.DeepEqual(l.Years, []int{2026, 2027}) || len(l.Holidays) != 33+2 || len(l.Workdays) != 6+1 ||
		l.Holidays[len(l.Holidays)-1] != (calendar.Date{Year: 2027, Month: 2, Day: 9}) {
		t.Fatalf("days: %+v %v", l, err)
	}
	// Each load left one audit row.
	var n int
	if err := d.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'calendar.load' AND object_id = '2027' AND username = 'sysadmin'").Scan(&n); err != nil || n != 2 {
		t.Fatalf("audit rows: %d %v", n, err)
	}
}

// A bad file loads nothing and names each line at fault; the year chosen
// must be the file's; the note and source are checked.
func TestLoadRefusesBadFiles(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	s := workcal.New(d, audit.New([]byte("0123456789abcdef0123456789abcdef")))
	ctx := admin()
	_, err := s.Load(ctx, workcal.LoadInput{Text: year2027 + "2027-02-30 holiday\n2027-03-05 workday\n"})
	ae := apperr.As(err)
	if ae.Kind != apperr.Invalid || len(ae.Fields) != 2 ||
		!reflect.DeepEqual(ae.Fields[0], apperr.FieldError{Field: "text", Code: "calendar.line.date", Params: map[string]any{"line": 5, "value": "2027-02-30", "max": calendar.MaxYearFile}}) ||
		ae.Fields[1].Code != "calendar.line.weekday" || ae.Fields[1].Params["line"] != 6 {
		t.Fatalf("bad lines: %+v", ae.Fields)
	}
	if _, err := s.Load(ctx, workcal.LoadInput{Year: 2028, Text: year2027}); !apperr.Is(err, "calendar.year_mismatch") {
		t.Fatalf("another year: %v", err)
	}
	_, err = s.Load(ctx, workcal.LoadInput{Text: year2027, Note: strings.Repeat("注", 501), Source: "a\x00b"})
	if ae := apperr.As(err); len(ae.Fields) != 2 || ae.Fields[0].Field != "source" || ae.Fields[1].Field != "note" {
		t.Fatalf("note and source: %v", err)
	}
	if _, err := s.Load(ctx, workcal.LoadInput{Text: ""}); !apperr.Is(err, "calendar.line.empty") {
		t.Fatalf("empty file: %v", err)
	}
	if h, _ := s.History(ctx, 2027); len(h) != 0 {
		t.Fatalf("a refused file left %+v", h)
	}
}

// From 1 November (Beijing time) the next year is expected; the current
// year always is.
func TestMissing(t *testing.T) {
	t.Parallel()
	has := func(years ...int) func(int) bool {
		return func(y int) bool {
			for _, v := range years {
				if v == y {
					return true
				}
			}
			return false
		}
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		now    time.Time
		loaded []int
		want   []int
	}{
		{at("2026-10-31 23:59"), []int{2026}, nil},
		{at("2026-11-01 00:00"), []int{2026}, []int{2027}},
		{time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC), []int{2026}, []int{2027}}, // 00:00 on 1 November in Beijing
		{at("2026-12-31 23:59"), []int{2026, 2027}, nil},
		{at("2027-01-01 00:00"), []int{2026}, []int{2027}},
		{at("2027-11-15 09:00"), []int{2026}, []int{2027, 2028}},
		{at("2027-03-01 09:00"), []int{2027, 2028}, nil},
	} {
		if got := workcal.Missing(c.now, has(c.loaded...)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("at %v with %v: %v, want %v", c.now, c.loaded, got, c.want)
		}
	}
}

// The status tells the loaders and the others apart, and the start-up
// warning says weekends alone count.
func TestStatusAndWarnings(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	s := workcal.New(d, audit.New([]byte("0123456789abcdef0123456789abcdef")))
	s.Now = func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, shanghai) }
	st, err := s.Status(admin())
	if err != nil || !st.CanLoad || !reflect.DeepEqual(st.Missing, []workcal.Notice{{Year: 2027}}) {
		t.Fatalf("admin: %+v %v", st, err)
	}
	other := authz.WithPrincipal(context.Background(), &authz.Principal{UserID: "u2", Username: "leader",
		Grants: []authz.Grant{{Role: "leader", OrgPath: "/1/", Perms: []authz.Perm{authz.EventRead}}}})
	if st, _ := s.Status(other); st.CanLoad || len(st.Missing) != 1 {
		t.Fatalf("leader: %+v", st)
	}
	w, err := s.Warnings(other)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "no holidays for 2027") || !strings.Contains(w[0], "weekends alone") {
		t.Fatalf("warnings: %q %v", w, err)
	}
	s.Now = func() time.Time { return time.Date(2027, 1, 4, 9, 0, 0, 0, shanghai) }
	if st, _ := s.Status(other); !reflect.DeepEqual(st.Missing, []workcal.Notice{{Year: 2027, Begun: true}}) {
		t.Fatalf("in 2027: %+v", st)
	}
	b, err := os.ReadFile("../calendar/testdata/china2026.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(admin(), workcal.LoadInput{Text: strings.ReplaceAll(strings.ReplaceAll(string(b), "2026-", "2027-"), "workday", "holiday")}); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Warnings(other); len(w) != 0 {
		t.Fatalf("warnings once loaded: %q", w)
	}
}
