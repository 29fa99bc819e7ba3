package open311_test

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/testapp"
)

// fuzzCall is one way FuzzOpen311 sends its input.
type fuzzCall struct {
	method, path string
	body         string // "form", "multipart" or "" (the input is the query string)
}

var fuzzCalls = []fuzzCall{
	{"POST", "/requests", "form"},
	{"POST", "/servicerequestupdates", "form"},
	{"POST", "/requests", "multipart"},
	{"GET", "/requests", ""},
	{"GET", "/servicerequestupdates", ""},
}

const fuzzBoundary = "fuzzboundary"

// FuzzOpen311 sends arbitrary bytes to the GeoReport v2 face: as the
// form-encoded or multipart body of POST requests and
// servicerequestupdates (with a valid api_key in the query string, which
// the body may override), or as the query string of the GET lists, in
// either format. Every answer is a success or the spec's error list, in
// the format asked for, with a 400, 403 or 404 that names the problem:
// never a 5xx, never an internal error, never a panic.
func FuzzOpen311(f *testing.F) {
	a := testapp.New(f)
	c := a.Anon()
	// A category with the datatypes the seeded ones lack.
	sys := a.Login("sys_admin")
	if st := sys.Do("PUT", "/api/v1/categories/0105", map[string]any{"name": "绿地脏乱", "active": true, "default_unit_code": "cg",
		"attributes": []map[string]any{
			{"code": "seen", "datatype": "datetime", "required": false, "description": "发现时间"},
			{"code": "kinds", "datatype": "multivaluelist", "required": false, "description": "种类",
				"values": []map[string]string{{"key": "trash", "name": "垃圾"}, {"key": "weeds", "name": "杂草"}}},
		}}, nil); st != 200 {
		f.Fatalf("category: %d", st)
	}
	r := post(c, "/requests.json", report(a), nil)
	var made []struct {
		ID string `json:"service_request_id"`
	}
	if r.Status != 201 || json.Unmarshal(r.Body, &made) != nil || len(made) != 1 {
		f.Fatalf("POST requests: %d %s", r.Status, r.Body)
	}
	id := made[0].ID

	forms := []url.Values{
		report(a),
		report(a, "lat", "", "long", "", "address_string", "河源市源城区新风路 12 号"),
		report(a, "service_code", "0105", "attribute[stage]", "", "attribute[seen]", "2026-01-31T08:00:00+08:00",
			"attribute[kinds][]", "trash", "first_name", "敏", "last_name", "张", "phone", "+86 139 0276 1111"),
		form("service_request_id", id, "status", "OPEN", "description", "违建还在继续加盖", "update_id", "fms-42",
			"updated_datetime", "2026-01-31T08:00:00+08:00", "account_id", "7"),
		// Text PostgreSQL refuses was an internal error there; NaN passed
		// the coordinate check.
		report(a, "address_string", "新风路\x00", "description", "\xff\xfe"),
		report(a, "lat", "NaN", "long", "NaN"),
	}
	queries := []string{"", "service_request_id=" + id + ",x", "service_code=0403,0105&status=open,closed&extensions=true&page=1&page_size=10",
		"start_date=2026-01-01&end_date=2026-02-01T00:00:00+08:00", "start_date=2026-01-01T00:00:00 08:00", "page=0&page_size=1001",
		"service_code=%00", "service_request_id=%FF"}
	for which := range 2 * len(fuzzCalls) { // each call in JSON, then in XML
		switch fuzzCalls[which%len(fuzzCalls)].body {
		case "form":
			for _, fm := range forms {
				f.Add(uint8(which), []byte(fm.Encode()))
			}
		case "multipart":
			f.Add(uint8(which), []byte(multipart(report(a))))
		default:
			for _, q := range queries {
				f.Add(uint8(which), []byte(q))
			}
		}
	}
	internal := i18n.T("en", "internal", nil)

	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		call := fuzzCalls[int(which)%len(fuzzCalls)]
		format := "json"
		if int(which)/len(fuzzCalls)%2 == 1 {
			format = "xml"
		}
		path := base + call.path + "." + format
		key := "api_key=" + url.QueryEscape(a.Demo.Open311Key)
		var resp testapp.Response
		var err error
		switch call.body {
		case "form":
			resp, err = c.Send(call.method, path+"?"+key, "application/x-www-form-urlencoded", in, nil)
		case "multipart":
			resp, err = c.Send(call.method, path+"?"+key, "multipart/form-data; boundary="+fuzzBoundary, in, nil)
		default:
			// Only a well-formed query string makes a request at all.
			q, perr := url.ParseQuery(string(in))
			if perr != nil {
				return
			}
			if call.path == "/servicerequestupdates" && !q.Has("api_key") {
				q.Set("api_key", a.Demo.Open311Key)
			}
			resp, err = c.Send(call.method, path+"?"+q.Encode(), "", nil, nil)
		}
		if err != nil {
			t.Fatalf("%s %s: %v", call.method, path, err)
		}
		switch resp.Status {
		case 200, 201:
			return
		case 400, 403, 404:
		default:
			t.Fatalf("%s %s with %q: %d %s", call.method, path, in, resp.Status, resp.Body)
		}
		var errs []apiError
		if format == "xml" {
			var doc struct {
				XMLName xml.Name   `xml:"errors"`
				Errors  []apiError `xml:"error"`
			}
			err = xml.Unmarshal(resp.Body, &doc)
			errs = doc.Errors
		} else {
			err = json.Unmarshal(resp.Body, &errs)
		}
		if err != nil || len(errs) == 0 {
			t.Fatalf("%s %s with %q: %d, not an error list: %v %s", call.method, path, in, resp.Status, err, resp.Body)
		}
		for _, e := range errs {
			if e.Code != resp.Status || e.Description == "" || strings.HasPrefix(e.Description, internal) {
				t.Fatalf("%s %s with %q: %d %s", call.method, path, in, resp.Status, resp.Body)
			}
		}
	})
}

// multipart writes a form as a multipart/form-data body with fuzzBoundary.
func multipart(f url.Values) string {
	var b strings.Builder
	for k, vs := range f {
		for _, v := range vs {
			b.WriteString("--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n")
		}
	}
	b.WriteString("--" + fuzzBoundary + "--\r\n")
	return b.String()
}
