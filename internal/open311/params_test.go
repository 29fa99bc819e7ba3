package open311

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/casework"
)

// fuzzCategory has an attribute of each datatype attributes checks.
var fuzzCategory = casework.Category{Code: "0403", Attributes: []casework.Attribute{
	{Code: "stage", Datatype: "singlevaluelist", Values: []casework.AttrValue{{Key: "building"}, {Key: "built"}}},
	{Code: "kinds", Datatype: "multivaluelist", Values: []casework.AttrValue{{Key: "a"}, {Key: "b"}}},
	{Code: "seen", Datatype: "datetime"},
	{Code: "count", Datatype: "number"},
}}

// FuzzParams feeds a query string (or form body) to the GeoReport v2
// parameter parsers. None panics; each either fails with an Invalid error
// naming the parameter, or returns what its contract promises: a window of
// at most 90 days in order, a page of 1 to 1000 from a non-negative
// offset, a coordinate inside its range, trimmed and distinct list items,
// attribute values that are not empty.
func FuzzParams(f *testing.F) {
	for _, s := range []string{
		"",
		"start_date=2026-01-01&end_date=2026-02-01",
		"start_date=2026-01-01T08:00:00+08:00&end_date=2026-03-31T23:59:59Z",
		"start_date=2026-01-01T08:00:00 08:00",
		"end_date=2026-01-01T08:00Z",
		"start_date=2026-06-01&end_date=2026-01-01",
		"start_date=0001-01-01&end_date=9999-12-31T23:59:59.999999999-23:59",
		"page=2&page_size=1000",
		"page=1000000&page_size=1000",
		"page=-1&page_size=0",
		"page=99999999999999999999",
		"lat=23.69&long=114.56",
		"lat=NaN&long=Inf",
		"lat=-90&long=180.0000001",
		"lat=1e400",
		"service_code=0403,,0105, 0403&service_code=0105",
		"attribute[stage]=building&attribute[kinds][]=a&attribute[kinds][]=b",
		"attribute[stage]=building,built&attribute[seen]=2026-01-31&attribute[count]=3",
		"attribute[seen]=yesterday&attribute[]=x&attribute[x]y=1&attribute[stage]=&attribute[stage]=a",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, cst)
	f.Fuzz(func(t *testing.T, s string) {
		q, _ := url.ParseQuery(s) // what parsed before any bad pair
		from, to, err := window(q, now)
		if err == nil && (to.Before(from) || to.Sub(from) > span) {
			t.Errorf("window(%q) = %v to %v", s, from, to)
		}
		invalid(t, "window", s, err, "start_date", "end_date")

		offset, limit, err := pageOf(q)
		if err == nil && (offset < 0 || limit < 1 || limit > 1000) {
			t.Errorf("pageOf(%q) = %d, %d", s, offset, limit)
		}
		invalid(t, "pageOf", s, err, "page", "page_size")

		for _, c := range []struct {
			name  string
			limit float64
		}{{"lat", 90}, {"long", 180}} {
			x, err := coordinate(q, c.name, c.limit)
			if err == nil && x != nil && !(*x >= -c.limit && *x <= c.limit) {
				t.Errorf("coordinate(%q, %s) = %v", s, c.name, *x)
			}
			invalid(t, "coordinate", s, err, c.name)
		}

		items := splitList(q, "service_code")
		for i, it := range items {
			if it == "" || it != strings.TrimSpace(it) || slices.Contains(items[:i], it) {
				t.Errorf("splitList(%q) = %q", s, items)
			}
		}

		attrs, err := attributes(q, fuzzCategory)
		for code, v := range attrs {
			if code == "" || v == "" {
				t.Errorf("attributes(%q) = %q", s, attrs)
			}
		}
		if err != nil {
			for _, fe := range apperr.As(err).Fields {
				if !strings.HasPrefix(fe.Field, "attributes.") {
					t.Errorf("attributes(%q): field %q", s, fe.Field)
				}
			}
		}

		if id, format, ok := splitFormat(s); ok && id+"."+format != s {
			t.Errorf("splitFormat(%q) = %q, %q", s, id, format)
		}
		reporterName(s, q.Get("last_name"))
		phoneNumber(s)
	})
}

// invalid fails t unless err is nil or an Invalid error about the named
// parameters only.
func invalid(t *testing.T, fn, s string, err error, names ...string) {
	t.Helper()
	if err == nil {
		return
	}
	ae := apperr.As(err)
	if ae.Kind != apperr.Invalid || len(ae.Fields) == 0 {
		t.Fatalf("%s(%q): %v", fn, s, err)
	}
	for _, fe := range ae.Fields {
		if !slices.Contains(names, fe.Field) {
			t.Errorf("%s(%q): field %q", fn, s, fe.Field)
		}
	}
}
