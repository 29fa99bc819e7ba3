package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// Over the API, a JSON body with a key given twice, a key in the wrong
// letter case or text that is not UTF-8 is refused with 400 and the field,
// in the caller's language; nothing is created.
func TestStrictJSONBodies(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	gm.Lang = "zh-CN"
	at := fmt.Sprintf(`"lat":%v,"lng":%v`, a.Demo.Center.Lat, a.Demo.Center.Lng)
	count := func() int {
		var n int
		a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM events").Scan(&n)
		return n
	}
	before := count()
	for body, want := range map[string][2]string{
		`{"channel":"grid","category_code":"0101","description":"垃圾","description":"无","category_code":"0101",` + at + `}`: {"description", "request.duplicate_key"},
		`{"channel":"grid","category_code":"0101","Description":"小区门口垃圾堆放",` + at + `}`:                                    {"Description", "request.field_case"},
		`{"channel":"grid","CATEGORY_CODE":"0101","description":"小区门口垃圾堆放",` + at + `}`:                                    {"CATEGORY_CODE", "request.field_case"},
		"{\"channel\":\"grid\",\"category_code\":\"0101\",\"description\":\"\xb9\xfe\xb5\xd8\"," + at + "}":                {"description", "request.invalid_text"},
		`{"channel":"grid","category_code":"0101","description":"垃圾\ud800",` + at + `}`:                                    {"description", "request.invalid_text"},
	} {
		r := gm.Raw("POST", "/api/v1/events", "application/json", []byte(body))
		var p testapp.Problem
		json.Unmarshal(r.Body, &p)
		if r.Status != 400 || p.Code != want[1] || len(p.Errors) != 1 || p.Errors[0].Field != want[0] ||
			!strings.Contains(p.Detail, want[0]) || p.Errors[0].Message == "" {
			t.Errorf("%s: %d %s", body, r.Status, r.Body)
		}
	}
	if n := count(); n != before {
		t.Fatalf("%d events made by refused bodies", n-before)
	}
	// The same body, spelt right, is taken.
	r := gm.Raw("POST", "/api/v1/events", "application/json",
		[]byte(`{"channel":"grid","category_code":"0101","description":"小区门口垃圾堆放两天无人清理",`+at+`}`))
	if r.Status != 201 {
		t.Fatalf("the right body: %d %s", r.Status, r.Body)
	}
	// A GeoJSON import is read by a parser of its own: the same refusals.
	admin := a.Login("sys_admin")
	var roots struct{ Items []struct{ ID string } }
	admin.Do("GET", "/api/v1/org/roots", nil, &roots)
	for body, field := range map[string]string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"甲","name":"乙"},"geometry":null}]}`: "features[0].properties.name",
		"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"name\":\"\xff\"}}]}":         "features[0].properties.name",
		`{"type":"FeatureCollection","type":"Feature","features":[]}`:                                                       "type",
	} {
		r := admin.Raw("POST", "/api/v1/grids/import?layer=zz&dry_run=true&org_id="+roots.Items[0].ID, "application/geo+json", []byte(body))
		var p testapp.Problem
		json.Unmarshal(r.Body, &p)
		if r.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("grid import %s: %d %s", body, r.Status, r.Body)
		}
	}
	// Sign-in too: a second password is not tried.
	p := a.Anon().Fail("POST", "/api/v1/auth/login", json.RawMessage(`{"username":"grid_member","password":"x","password":"y"}`))
	if p.Status != 400 || p.Code != "request.duplicate_key" {
		t.Fatalf("login with two passwords: %+v", p)
	}
}
