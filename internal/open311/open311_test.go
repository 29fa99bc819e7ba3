package open311_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

const base = "/open311/v2"

// node is any XML element, to check the shapes of the spec's examples.
type node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Kids    []node `xml:",any"`
}

func (n node) names() []string {
	var out []string
	for _, k := range n.Kids {
		out = append(out, k.XMLName.Local)
	}
	return out
}

func (n node) get(name string) string {
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			return strings.TrimSpace(k.Text)
		}
	}
	return ""
}

func (n node) child(name string) node {
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			return k
		}
	}
	return node{}
}

func parseXML(t *testing.T, r testapp.Response) node {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if !strings.HasPrefix(string(r.Body), `<?xml version="1.0" encoding="utf-8"?>`) {
		t.Fatalf("no XML declaration: %.80s", r.Body)
	}
	var n node
	if err := xml.Unmarshal(r.Body, &n); err != nil {
		t.Fatalf("XML: %v\n%s", err, r.Body)
	}
	return n
}

func parseJSON(t *testing.T, r testapp.Response, out any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("JSON: %v\n%s", err, r.Body)
	}
}

// keys lists a JSON object's keys in document order.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var out []string
	for dec.More() {
		k, _ := dec.Token()
		out = append(out, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return out
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func post(c *testapp.Client, path string, f url.Values, headers map[string]string) testapp.Response {
	return c.RawWith("POST", base+path, "application/x-www-form-urlencoded; charset=utf-8", []byte(f.Encode()), headers)
}

func get(c *testapp.Client, path string) testapp.Response {
	return c.Raw("GET", base+path, "", nil)
}

// report is the spec's example POST, on a gridgov category and place.
func report(a *testapp.App, extra ...string) url.Values {
	f := form("api_key", a.Demo.Open311Key, "jurisdiction_id", "city.gov", "service_code", "0403",
		"lat", fmt.Sprint(a.Demo.Center.Lat), "long", fmt.Sprint(a.Demo.Center.Lng), "address_string", "新风路 12 号",
		"email", "smit333@sfgov.edu", "device_id", "tt222111", "account_id", "123456", "first_name", "john", "last_name", "smith",
		"phone", "111111111", "description", "A large structure is being built on the roof",
		"media_url", "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg", "attribute[stage]", "building")
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// create posts a request and returns its service_request_id.
func create(t *testing.T, a *testapp.App, f url.Values) string {
	t.Helper()
	r := post(a.Anon(), "/requests.json", f, nil)
	var out []struct {
		ID string `json:"service_request_id"`
	}
	if r.Status != 201 {
		t.Fatalf("POST requests: %d %s", r.Status, r.Body)
	}
	parseJSON(t, r, &out)
	if len(out) != 1 || out[0].ID == "" {
		t.Fatalf("POST requests: %s", r.Body)
	}
	return out[0].ID
}

type apiError struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// wantError checks an answer is the spec's error list with the status and
// a description naming what is wrong.
func wantError(t *testing.T, r testapp.Response, status int, names string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var errs []apiError
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") {
		var doc struct {
			XMLName xml.Name   `xml:"errors"`
			Errors  []apiError `xml:"error"`
		}
		if err := xml.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("errors XML: %v %s", err, r.Body)
		}
		errs = doc.Errors
	} else {
		parseJSON(t, r, &errs)
	}
	if len(errs) == 0 {
		t.Fatalf("empty error list: %s", r.Body)
	}
	for _, e := range errs {
		if e.Code != status {
			t.Errorf("error code %d, want %d", e.Code, status)
		}
		if strings.Contains(e.Description, names) {
			return
		}
	}
	t.Fatalf("no error names %q: %s", names, r.Body)
}

// intakeEvent finds an event's id and version through the staff API.
func intakeEvent(t *testing.T, c *testapp.Client, no string) (string, int) {
	t.Helper()
	var list struct {
		Items []struct {
			ID      string `json:"id"`
			No      string `json:"no"`
			Version int    `json:"version"`
		} `json:"items"`
	}
	c.Do("GET", "/api/v1/events?q="+no, nil, &list)
	for _, e := range list.Items {
		if e.No == no {
			return e.ID, e.Version
		}
	}
	t.Fatalf("event %s not in the staff list", no)
	return "", 0
}

var requestFields = []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
	"agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address",
	"address_id", "zipcode", "lat", "long", "media_url"}

// Each method of the spec, as its own example shows it: the root element,
// the item element and the fields in the spec's order, in XML and in JSON.
func TestSpecExamples(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	id := create(t, a, report(a))
	key := url.QueryEscape(a.Demo.Open311Key)
	cases := []struct {
		name, method, path string
		form               url.Values
		status             int
		root, item         string
		fields             []string
	}{
		{"GET services", "GET", "/services", nil, 200, "services", "service",
			[]string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}},
		{"GET service definition", "GET", "/services/0403", nil, 200, "service_definition", "",
			[]string{"service_code", "attributes"}},
		{"POST service request", "POST", "/requests", report(a), 201, "service_requests", "request",
			[]string{"service_request_id", "service_notice", "account_id"}},
		{"GET service_request_id from a token", "GET", "/tokens/" + id, nil, 200, "service_requests", "request",
			[]string{"service_request_id", "token"}},
		{"GET service requests", "GET", "/requests", nil, 200, "service_requests", "request", requestFields},
		{"GET service request", "GET", "/requests/" + id, nil, 200, "service_requests", "request", requestFields},
		{"errors", "POST", "/requests", report(a, "api_key", "xyz"), 403, "errors", "error", []string{"code", "description"}},
		{"GET service request updates", "GET", "/servicerequestupdates", nil, 200, "service_request_updates", "request_update",
			[]string{"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}},
		{"POST service request update", "POST", "/servicerequestupdates",
			form("api_key", a.Demo.Open311Key, "service_request_id", id, "status", "OPEN", "description", "still there",
				"updated_datetime", "2026-01-31T08:00:00+08:00"), 201, "service_request_updates", "request_update", []string{"update_id"}},
		{"service discovery", "GET", "/discovery", nil, 200, "discovery", "", []string{"changeset", "contact", "key_service", "endpoints"}},
	}
	for _, tc := range cases {
		for _, f := range []string{"xml", "json"} {
			t.Run(tc.name+"."+f, func(t *testing.T) {
				path := tc.path + "." + f
				if tc.name == "GET service request updates" {
					path += "?api_key=" + key
				}
				var r testapp.Response
				if tc.method == "POST" {
					r = post(c, path, tc.form, nil)
				} else {
					r = get(c, path)
				}
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
				if f == "xml" {
					n := parseXML(t, r)
					if n.XMLName.Local != tc.root {
						t.Fatalf("root %s, want %s", n.XMLName.Local, tc.root)
					}
					if tc.item == "" {
						if got := n.names(); !slices.Equal(got, tc.fields) {
							t.Fatalf("fields %v, want %v", got, tc.fields)
						}
						return
					}
					if len(n.Kids) == 0 {
						t.Fatalf("no %s in %s", tc.item, r.Body)
					}
					for _, k := range n.Kids {
						if k.XMLName.Local != tc.item {
							t.Fatalf("item %s, want %s", k.XMLName.Local, tc.item)
						}
						if got := k.names(); !slices.Equal(got, tc.fields) {
							t.Fatalf("fields %v, want %v", got, tc.fields)
						}
					}
					return
				}
				if tc.item == "" { // a single object
					if got := keys(t, r.Body); !slices.Equal(got, tc.fields) {
						t.Fatalf("fields %v, want %v", got, tc.fields)
					}
					return
				}
				var items []json.RawMessage
				parseJSON(t, r, &items)
				if len(items) == 0 {
					t.Fatalf("empty list: %s", r.Body)
				}
				for _, it := range items {
					if got := keys(t, it); !slices.Equal(got, tc.fields) {
						t.Fatalf("fields %v, want %v", got, tc.fields)
					}
				}
			})
		}
	}
}

// Discovery names the configured public URL (GRIDGOV_PUBLIC_URL, else the
// listen address), whatever Host or X-Forwarded-Proto a request claims.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	public, err := a.Cfg.PublicBaseURL()
	if err != nil {
		t.Fatal(err)
	}
	// A request that claims another host (Go's client sends req.Host as Host).
	req, err := http.NewRequest("GET", a.URL+base+"/discovery.xml", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "evil.example") {
		t.Fatalf("discovery names the claimed host: %s", body)
	}
	n := parseXML(t, testapp.Response{Status: resp.StatusCode, Body: body, Header: resp.Header})
	ep := n.child("endpoints").child("endpoint")
	if ep.get("specification") != "http://wiki.open311.org/GeoReport_v2" || ep.get("url") != public+base || ep.get("type") != "production" {
		t.Fatalf("endpoint: %+v", ep)
	}
	var formats []string
	for _, f := range ep.child("formats").Kids {
		formats = append(formats, f.Text)
	}
	if !slices.Equal(formats, []string{"text/xml", "application/json"}) || n.get("changeset") == "" || n.get("contact") == "" || n.get("key_service") == "" {
		t.Fatalf("discovery: %+v", n)
	}
	var d struct {
		Changeset string `json:"changeset"`
		Endpoints []struct {
			Specification string   `json:"specification"`
			URL           string   `json:"url"`
			Formats       []string `json:"formats"`
		} `json:"endpoints"`
	}
	parseJSON(t, get(c, "/discovery.json"), &d)
	if len(d.Endpoints) != 1 || d.Endpoints[0].URL != public+base || len(d.Endpoints[0].Formats) != 2 || d.Changeset != n.get("changeset") {
		t.Fatalf("discovery JSON: %+v", d)
	}
}

type service struct {
	Code        string `xml:"service_code" json:"service_code"`
	Name        string `xml:"service_name" json:"service_name"`
	Description string `xml:"description" json:"description"`
	Metadata    bool   `xml:"metadata" json:"metadata"`
	Type        string `xml:"type" json:"type"`
	Keywords    string `xml:"keywords" json:"keywords"`
	Group       string `xml:"group" json:"group"`
}

func TestServices(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	var doc struct {
		XMLName  xml.Name  `xml:"services"`
		Services []service `xml:"service"`
	}
	r := get(c, "/services.xml")
	parseXML(t, r)
	if err := xml.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	var js []service
	parseJSON(t, get(c, "/services.json"), &js)
	if len(doc.Services) < 30 || !slices.Equal(doc.Services, js) {
		t.Fatalf("XML %d services, JSON %d, or they differ", len(doc.Services), len(js))
	}
	by := map[string]service{}
	for _, s := range js {
		by[s.Code] = s
	}
	if s := by["0403"]; s.Name != "私搭乱建" || !s.Metadata || s.Type != "realtime" || s.Group != "街面秩序" ||
		!strings.Contains(s.Keywords, "私搭乱建") || s.Description == "" {
		t.Fatalf("0403: %+v", s)
	}
	if s := by["0101"]; s.Metadata || s.Group != "市容环境" {
		t.Fatalf("0101: %+v", s)
	}
	if _, ok := by["04"]; ok {
		t.Fatal("a category group is listed as a service")
	}
}

func TestServiceDefinition(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	type attribute struct {
		Variable            bool   `xml:"variable" json:"variable"`
		Code                string `xml:"code" json:"code"`
		Datatype            string `xml:"datatype" json:"datatype"`
		Required            bool   `xml:"required" json:"required"`
		DatatypeDescription string `xml:"datatype_description" json:"datatype_description"`
		Order               int    `xml:"order" json:"order"`
		Description         string `xml:"description" json:"description"`
		Values              []struct {
			Key  string `xml:"key" json:"key"`
			Name string `xml:"name" json:"name"`
		} `xml:"values>value" json:"values"`
	}
	var x struct {
		XMLName    xml.Name    `xml:"service_definition"`
		Code       string      `xml:"service_code"`
		Attributes []attribute `xml:"attributes>attribute"`
	}
	r := get(c, "/services/0403.xml")
	parseXML(t, r)
	if err := xml.Unmarshal(r.Body, &x); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Code       string      `json:"service_code"`
		Attributes []attribute `json:"attributes"`
	}
	parseJSON(t, get(c, "/services/0403.json"), &j)
	if x.Code != "0403" || j.Code != "0403" || len(x.Attributes) != 1 || len(j.Attributes) != 1 {
		t.Fatalf("definition: %+v %+v", x, j)
	}
	for _, at := range []attribute{x.Attributes[0], j.Attributes[0]} {
		if !at.Variable || at.Code != "stage" || at.Datatype != "singlevaluelist" || !at.Required || at.Order != 1 ||
			at.Description != "建设状态" || at.DatatypeDescription == "" || len(at.Values) != 2 || at.Values[0].Key != "building" || at.Values[1].Name != "已建成" {
			t.Fatalf("attribute: %+v", at)
		}
	}
	var num struct {
		Attributes []attribute `json:"attributes"`
	}
	parseJSON(t, get(c, "/services/0502.json"), &num)
	if len(num.Attributes) != 1 || num.Attributes[0].Datatype != "number" || num.Attributes[0].Required || num.Attributes[0].Values != nil {
		t.Fatalf("0502: %+v", num)
	}
	wantError(t, get(c, "/services/9999.json"), 404, "service_code")
	wantError(t, get(c, "/services/9999.xml"), 404, "service_code")
	wantError(t, get(c, "/services/04.xml"), 404, "service_code") // a group, not a service
	wantError(t, get(c, "/services/0403.csv"), 404, "csv")
}

type request struct {
	ID                string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       *string  `xml:"status_notes" json:"status_notes"`
	ServiceName       string   `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	Description       string   `xml:"description" json:"description"`
	AgencyResponsible *string  `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     string   `xml:"service_notice" json:"service_notice"`
	Requested         string   `xml:"requested_datetime" json:"requested_datetime"`
	Updated           string   `xml:"updated_datetime" json:"updated_datetime"`
	Expected          *string  `xml:"expected_datetime" json:"expected_datetime"`
	Address           string   `xml:"address" json:"address"`
	AddressID         *string  `xml:"address_id" json:"address_id"`
	Zipcode           *string  `xml:"zipcode" json:"zipcode"`
	Lat               *float64 `xml:"lat" json:"lat"`
	Long              *float64 `xml:"long" json:"long"`
	MediaURL          string   `xml:"media_url" json:"media_url"`
}

func listJSON(t *testing.T, c *testapp.Client, query string) []request {
	t.Helper()
	r := get(c, "/requests.json"+query)
	if r.Status != 200 {
		t.Fatalf("GET requests%s: %d %s", query, r.Status, r.Body)
	}
	var out []request
	parseJSON(t, r, &out)
	return out
}

func ids(rs []request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// POST a request with a position and an attribute, then find it by id, in
// the list and through every filter.
func TestRequestRoundTrip(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	r := post(c, "/requests.xml", report(a), nil)
	if r.Status != 201 {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	n := parseXML(t, r).child("request")
	id := n.get("service_request_id")
	if len(id) != 12 || n.get("service_notice") == "" || n.get("account_id") != "123456" {
		t.Fatalf("POST answer: %s", r.Body)
	}

	// One request: a one-element list, in both formats.
	one := listJSON(t, c, "")
	var x struct {
		Requests []request `xml:"request"`
	}
	rx := get(c, "/requests/"+id+".xml")
	parseXML(t, rx)
	xml.Unmarshal(rx.Body, &x)
	var j []request
	parseJSON(t, get(c, "/requests/"+id+".json"), &j)
	if len(x.Requests) != 1 || len(j) != 1 {
		t.Fatalf("GET one: %s", rx.Body)
	}
	e := j[0]
	if e.ID != id || e.Status != "open" || e.ServiceCode != "0403" || e.ServiceName != "私搭乱建" ||
		e.Description != "A large structure is being built on the roof" || e.Address != "新风路 12 号" ||
		e.Lat == nil || *e.Lat != a.Demo.Center.Lat || e.Long == nil || *e.Long != a.Demo.Center.Lng ||
		e.MediaURL != "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg" || e.StatusNotes != nil {
		t.Fatalf("request: %+v", e)
	}
	if x.Requests[0].ID != id || x.Requests[0].MediaURL != e.MediaURL || *x.Requests[0].Lat != *e.Lat {
		t.Fatalf("XML and JSON differ: %+v", x.Requests[0])
	}
	requested, err := time.Parse(time.RFC3339, e.Requested)
	if err != nil || time.Since(requested) > time.Minute || !strings.HasSuffix(e.Requested, "+08:00") {
		t.Fatalf("requested_datetime %q", e.Requested)
	}
	if !slices.Contains(ids(one), id) {
		t.Fatal("not in the default list")
	}

	// The event behind it, as the centre sees it.
	staff := a.Login("intake")
	eid, _ := intakeEvent(t, staff, id)
	var ev struct {
		Channel      string            `json:"channel"`
		ReporterName string            `json:"reporter_name"`
		MediaURL     string            `json:"media_url"`
		Attributes   map[string]string `json:"attributes"`
	}
	staff.Do("GET", "/api/v1/events/"+eid, nil, &ev)
	if ev.Channel != "open311" || ev.ReporterName != "john smith" || ev.MediaURL != e.MediaURL || ev.Attributes["stage"] != "building" {
		t.Fatalf("event: %+v", ev)
	}

	// Filters.
	other := create(t, a, report(a, "service_code", "0101", "attribute[stage]", ""))
	now := time.Now()
	w3 := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }
	filters := []struct {
		query   string
		in, out []string
	}{
		{"?service_code=0403", []string{id}, []string{other}},
		{"?service_code=0101,0403", []string{id, other}, nil},
		{"?service_code=0101&service_code=0102", []string{other}, []string{id}},
		{"?status=open", []string{id, other}, nil},
		{"?status=closed", nil, []string{id, other}},
		{"?status=open,closed", []string{id, other}, nil},
		{"?start_date=" + w3(now.Add(-time.Hour)) + "&end_date=" + w3(now.Add(time.Hour)), []string{id, other}, nil},
		{"?start_date=2020-01-01T00:00:00Z&end_date=2020-03-01T00:00:00Z", nil, []string{id, other}},
		{"?start_date=" + w3(now.Add(-time.Hour)), []string{id, other}, nil},
		{"?end_date=" + w3(now.Add(-time.Hour)), nil, []string{id, other}},
		{"?end_date=" + now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"), []string{id, other}, nil}, // a date is China's day
		{"?service_request_id=" + other + "&service_code=0403&status=closed", []string{other}, []string{id}},  // overrides the rest
		{"?service_request_id=" + id + "," + other, []string{id, other}, nil},
		{"?service_code=0403&extensions=true", []string{id}, []string{other}},
		{"?jurisdiction_id=city.gov", []string{id, other}, nil},
		{"?status=&service_code=", []string{id, other}, nil}, // empty = not given
	}
	for _, f := range filters {
		got := ids(listJSON(t, c, f.query))
		for _, w := range f.in {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %s missing from %v", f.query, w, got)
			}
		}
		for _, w := range f.out {
			if slices.Contains(got, w) {
				t.Errorf("%s: %s listed", f.query, w)
			}
		}
	}

	// Paging (extension): page_size slices the same ordered list.
	third := create(t, a, report(a, "description", "第三个诉求"))
	all := ids(listJSON(t, c, "?service_code=0403,0101"))
	if len(all) < 3 || all[0] != third {
		t.Fatalf("newest first: %v (third %s)", all, third)
	}
	p1 := ids(listJSON(t, c, "?service_code=0403,0101&page_size=2"))
	p2 := ids(listJSON(t, c, "?service_code=0403,0101&page_size=2&page=2"))
	if !slices.Equal(p1, all[:2]) || !slices.Equal(p2, all[2:min(4, len(all))]) {
		t.Fatalf("pages %v %v of %v", p1, p2, all)
	}
	if got := listJSON(t, c, "?service_code=0403,0101&page_size=2&page=99"); len(got) != 0 {
		t.Fatalf("page past the end: %v", got)
	}

	// extensions=true adds the attributes and the channel.
	var ext []struct {
		Attributes []struct{ Label, Name, Value, Code string } `json:"attributes"`
		Extended   struct {
			Channel string `json:"channel"`
		} `json:"extended_attributes"`
	}
	parseJSON(t, get(c, "/requests/"+id+".json?extensions=true"), &ext)
	if len(ext) != 1 || len(ext[0].Attributes) != 1 || ext[0].Attributes[0].Name != "stage" || ext[0].Attributes[0].Code != "building" ||
		ext[0].Attributes[0].Value != "正在建设" || ext[0].Extended.Channel != "open311" {
		t.Fatalf("extensions: %+v", ext)
	}

	// A token is the id itself.
	var tok []struct {
		ID    string `json:"service_request_id"`
		Token string `json:"token"`
	}
	parseJSON(t, get(c, "/tokens/"+id+".json"), &tok)
	if len(tok) != 1 || tok[0].ID != id || tok[0].Token != id {
		t.Fatalf("token: %+v", tok)
	}
}

// An address alone (or an address_id, taken as the address) is enough.
func TestAddressOnly(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	for _, loc := range []string{"address_string", "address_id"} {
		f := report(a, loc, "河源市源城区新风路 12 号")
		f.Del("lat")
		f.Del("long")
		if loc == "address_id" {
			f.Del("address_string")
		}
		id := create(t, a, f)
		got := listJSON(t, c, "?service_request_id="+id)
		if len(got) != 1 || got[0].Address != "河源市源城区新风路 12 号" || got[0].Lat != nil || got[0].Long != nil {
			t.Fatalf("%s: %+v", loc, got)
		}
		rx := get(c, "/requests/"+id+".xml")
		if n := parseXML(t, rx).child("request"); slices.Contains(n.names(), "lat") {
			t.Fatalf("lat without a position: %s", rx.Body)
		}
	}
	// The centre of the area sees it.
	staff := a.Login("intake")
	var list struct {
		Items []struct{ Channel string } `json:"items"`
	}
	staff.Do("GET", "/api/v1/events?channel=open311", nil, &list)
	if len(list.Items) != 2 {
		t.Fatalf("intake sees %d address-only requests", len(list.Items))
	}
}

// Bad input answers the spec's error list naming the parameter.
func TestBadInput(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	noLocation := report(a)
	noLocation.Del("lat")
	noLocation.Del("long")
	noLocation.Del("address_string")
	onlyLat := report(a)
	onlyLat.Del("long")
	noStage := report(a)
	noStage.Del("attribute[stage]")
	twoStages := report(a)
	twoStages["attribute[stage]"] = []string{"building", "built"}
	noKey := report(a)
	noKey.Del("api_key")
	cases := []struct {
		name   string
		form   url.Values
		status int
		names  string
	}{
		{"missing service_code", report(a, "service_code", ""), 400, "service_code"},
		{"unknown service_code", report(a, "service_code", "9999"), 404, "service_code"},
		{"missing location", noLocation, 400, "lat"},
		{"only lat", onlyLat, 400, "long"},
		{"outside every grid", report(a, "lat", "39.9", "long", "116.4"), 400, "lat"},
		{"description too long", report(a, "description", strings.Repeat("长", 4001)), 400, "description"},
		{"unknown attribute", report(a, "attribute[colour]", "red"), 400, "attribute[colour]"},
		{"missing required attribute", noStage, 400, "attribute[stage]"},
		{"two values for a single value list", twoStages, 400, "attribute[stage]"},
		{"not one of the values", report(a, "attribute[stage]", "demolished"), 400, "attribute[stage]"},
		{"lat not a number", report(a, "lat", "north"), 400, "lat"},
		{"long out of range", report(a, "long", "190"), 400, "long"},
		{"media_url not http", report(a, "media_url", "javascript:alert(1)"), 400, "media_url"},
		{"bad phone", report(a, "phone", "call me"), 400, "phone"},
		{"wrong api_key", report(a, "api_key", "gg_nope"), 403, "api_key"},
		{"missing api_key", noKey, 403, "api_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, post(c, "/requests.json", tc.form, nil), tc.status, tc.names)
			wantError(t, post(c, "/requests.xml", tc.form, nil), tc.status, tc.names)
		})
	}
	// A JSON body is not the spec's form.
	wantError(t, c.Raw("POST", base+"/requests.json", "application/json", []byte(`{"service_code":"0403"}`)), 400, "x-www-form-urlencoded")
	// Errors in the caller's language when asked.
	zh := a.Anon()
	zh.Lang = "zh-CN"
	wantError(t, post(zh, "/requests.json", report(a, "service_code", "9999"), nil), 404, "没有代码为")

	gets := []struct {
		path   string
		status int
		names  string
	}{
		{"/requests.json?start_date=yesterday", 400, "start_date"},
		{"/requests.xml?end_date=2026-13-01T00:00:00Z", 400, "end_date"},
		{"/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400, "end_date"},
		{"/requests.json?start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", 400, "end_date"},
		{"/requests.json?status=pending", 400, "status"},
		{"/requests.json?page_size=0", 400, "page_size"},
		{"/requests.json?page=-1", 400, "page"},
		{"/requests/209901010001.json", 404, "service_request_id"},
		{"/requests/209901010001.xml", 404, "service_request_id"},
		{"/tokens/209901010001.json", 404, "token"},
		{"/nothing.json", 404, "Open311"},
		{"/servicerequestupdates.json", 403, "api_key"},
		{"/servicerequestupdates.xml?api_key=gg_nope", 403, "api_key"},
	}
	for _, g := range gets {
		wantError(t, get(c, g.path), g.status, g.names)
	}
	// A "+" of the zone sent unencoded in the query is taken back.
	if r := get(c, "/requests.json?start_date=2026-01-01T00:00:00+08:00&end_date=2026-02-01T00:00:00+08:00"); r.Status != 200 {
		t.Fatalf("unencoded +08:00: %d %s", r.Status, r.Body)
	}
	// Errors go in XML when XML was asked for.
	r := post(c, "/requests.xml", report(a, "api_key", "xyz"), nil)
	if !strings.Contains(string(r.Body), "<errors>\n  <error>\n    <code>403</code>\n    <description>api_key: ") {
		t.Fatalf("XML error: %s", r.Body)
	}
}

// Disputes (11xx) and security matters (12xx) are taken in but never published.
func TestSensitiveNotPublished(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	r := post(c, "/requests.json", report(a, "service_code", "1101", "attribute[stage]", "", "description", "邻居装修漏水引发纠纷"), nil)
	var out []struct {
		ID     string `json:"service_request_id"`
		Notice string `json:"service_notice"`
	}
	if r.Status != 201 {
		t.Fatalf("POST 1101: %d %s", r.Status, r.Body)
	}
	parseJSON(t, r, &out)
	secret := out[0].ID
	if !strings.Contains(out[0].Notice, "not published") {
		t.Fatalf("notice: %q", out[0].Notice)
	}
	gm := a.Login("grid_member")
	var ev struct{ No string }
	if st := gm.Do("POST", "/api/v1/events", map[string]any{"channel": "grid", "category_code": "1202", "description": "夜间有可疑人员徘徊",
		"lat": a.Demo.Center.Lat, "lng": a.Demo.Center.Lng}, &ev); st != 201 {
		t.Fatalf("grid report: %d", st)
	}
	public := create(t, a, report(a))
	for _, no := range []string{secret, ev.No} {
		wantError(t, get(c, "/requests/"+no+".json"), 404, "service_request_id")
		wantError(t, get(c, "/tokens/"+no+".xml"), 404, "token")
		wantError(t, post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "service_request_id", no,
			"status", "OPEN", "description", "?"), nil), 404, "service_request_id")
	}
	for _, q := range []string{"", "?service_code=1101,1202", "?service_request_id=" + secret + "," + ev.No + "," + public} {
		got := ids(listJSON(t, c, q))
		if slices.Contains(got, secret) || slices.Contains(got, ev.No) {
			t.Fatalf("%s lists a sensitive event: %v", q, got)
		}
		if q != "?service_code=1101,1202" && !slices.Contains(got, public) {
			t.Fatalf("%s misses the public one", q)
		}
	}
	body := string(get(c, "/servicerequestupdates.json?api_key="+url.QueryEscape(a.Demo.Open311Key)).Body)
	if strings.Contains(body, secret) || strings.Contains(body, ev.No) || !strings.Contains(body, public) {
		t.Fatalf("updates: %s", body)
	}
}

// The reporter's name and phone (and e-mail) appear in no answer.
func TestReporterNeverExposed(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	id := create(t, a, report(a, "first_name", "敏", "last_name", "张", "phone", "+86 139-1234-5678", "email", "zhangmin@example.cn"))
	staff := a.Login("intake")
	eid, _ := intakeEvent(t, staff, id)
	var ev struct {
		ReporterName string `json:"reporter_name"`
	}
	staff.Do("GET", "/api/v1/events/"+eid, nil, &ev)
	if ev.ReporterName != "张敏" {
		t.Fatalf("reporter name stored as %q", ev.ReporterName)
	}
	post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "service_request_id", id, "status", "OPEN",
		"description", "补充照片", "first_name", "敏", "last_name", "张", "email", "zhangmin@example.cn"), nil)
	key := url.QueryEscape(a.Demo.Open311Key)
	for _, path := range []string{"/requests.xml", "/requests.json", "/requests.json?extensions=true", "/requests/" + id + ".xml",
		"/requests/" + id + ".json?extensions=true", "/tokens/" + id + ".json", "/servicerequestupdates.xml?api_key=" + key,
		"/servicerequestupdates.json?api_key=" + key} {
		body := string(get(c, path).Body)
		for _, secret := range []string{"1391234", "12345678", "张敏", "zhangmin", "demo Open311 client"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q", path, secret)
			}
		}
		if !strings.Contains(body, id) {
			t.Errorf("%s misses the request", path)
		}
	}
}

// mySociety's servicerequestupdates: a client's update becomes a timeline
// note, and the loop's steps come back as updates with their status.
func TestServiceRequestUpdates(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	id := create(t, a, report(a))
	refused := create(t, a, report(a, "description", "重复上报的违建"))
	staff := a.Login("intake")
	rid, v := intakeEvent(t, staff, refused)
	if st := staff.Do("POST", "/api/v1/events/"+rid+"/actions", map[string]any{"action": "refuse", "version": v,
		"note": "来电人多次重复反映，内部备注", "public_note": "与已受理事件重复"}, nil); st != 200 {
		t.Fatalf("refuse: %d", st)
	}
	// A refused request is closed, with the refusal's note for the public as its notes.
	closed := listJSON(t, c, "?status=closed")
	if len(closed) != 1 || closed[0].ID != refused || closed[0].StatusNotes == nil || *closed[0].StatusNotes != "与已受理事件重复" {
		t.Fatalf("closed: %+v", closed)
	}

	up := form("api_key", a.Demo.Open311Key, "service_request_id", id, "status", "OPEN", "description", "违建还在继续加盖",
		"update_id", "fms-42", "updated_datetime", "2026-01-31T08:00:00+08:00", "account_id", "7")
	r := post(c, "/servicerequestupdates.xml", up, nil)
	if r.Status != 201 {
		t.Fatalf("POST update: %d %s", r.Status, r.Body)
	}
	n := parseXML(t, r)
	updateID := n.child("request_update").get("update_id")
	if n.XMLName.Local != "service_request_updates" || !strings.HasPrefix(updateID, id+"-") || n.child("request_update").get("account_id") != "7" {
		t.Fatalf("POST update answer: %s", r.Body)
	}
	// The same update_id again is the same update.
	r = post(c, "/servicerequestupdates.json", up, nil)
	var again []struct {
		UpdateID string `json:"update_id"`
	}
	parseJSON(t, r, &again)
	if r.Status != 201 || len(again) != 1 || again[0].UpdateID != updateID || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}

	eid, _ := intakeEvent(t, staff, id)
	var ev struct {
		Timeline []struct{ Action, Note, Actor string } `json:"timeline"`
	}
	staff.Do("GET", "/api/v1/events/"+eid, nil, &ev) // the centre sees it on the timeline …
	if len(ev.Timeline) != 2 || ev.Timeline[1].Action != "public_update" || ev.Timeline[1].Note != "违建还在继续加盖" || ev.Timeline[1].Actor != "demo Open311 client" {
		t.Fatalf("timeline: %+v", ev.Timeline)
	}

	// … hears of it in the inbox, and the audit log holds the key's act.
	var inbox struct {
		Items []struct{ Kind, Text string } `json:"items"`
	}
	staff.Do("GET", "/api/v1/inbox", nil, &inbox)
	if !slices.ContainsFunc(inbox.Items, func(i struct{ Kind, Text string }) bool {
		return i.Kind == "public_update" && strings.Contains(i.Text, "违建还在继续加盖")
	}) {
		t.Fatalf("inbox: %+v", inbox.Items)
	}
	var audit struct {
		Items []struct {
			UserID   string `json:"user_id"`
			Username string `json:"username"`
			Role     string `json:"role"`
			Action   string `json:"action"`
		} `json:"items"`
	}
	a.Login("audit_admin").Do("GET", "/api/v1/audit?action=event.", nil, &audit)
	var acts []string
	for _, e := range audit.Items {
		if strings.HasPrefix(e.UserID, "apikey:") && e.Username == "demo Open311 client" && e.Role == "open311" {
			acts = append(acts, e.Action)
		}
	}
	if slices.Index(acts, "event.public_update") < 0 || slices.Index(acts, "event.report") < 0 {
		t.Fatalf("audit: %+v", audit.Items)
	}

	type update struct {
		UpdateID  string `json:"update_id" xml:"update_id"`
		RequestID string `json:"service_request_id" xml:"service_request_id"`
		Status    string `json:"status" xml:"status"`
		Updated   string `json:"updated_datetime" xml:"updated_datetime"`
		Desc      string `json:"description" xml:"description"`
		MediaURL  string `json:"media_url" xml:"media_url"`
	}
	key := url.QueryEscape(a.Demo.Open311Key)
	var ups []update
	parseJSON(t, get(c, "/servicerequestupdates.json?api_key="+key), &ups)
	var x struct {
		Updates []update `xml:"request_update"`
	}
	rx := get(c, "/servicerequestupdates.xml?api_key="+key)
	parseXML(t, rx)
	xml.Unmarshal(rx.Body, &x)
	if !slices.Equal(ups, x.Updates) {
		t.Fatalf("XML and JSON differ:\n%+v\n%+v", ups, x.Updates)
	}
	got := map[string]update{}
	for _, u := range ups {
		got[u.UpdateID] = u
	}
	if u := got[updateID]; u.RequestID != id || u.Status != "open" || u.Desc != "违建还在继续加盖" || u.MediaURL != "" {
		t.Fatalf("the client's update: %+v in %+v", u, ups)
	}
	if u := got[id+"-1"]; u.Status != "open" || u.Desc != "event reported" {
		t.Fatalf("the report step: %+v", u)
	}
	if u := got[refused+"-2"]; u.Status != "closed" || u.Desc != "与已受理事件重复" {
		t.Fatalf("the refusal: %+v", u)
	}
	// A window in the past holds none of them.
	parseJSON(t, get(c, "/servicerequestupdates.json?api_key="+key+"&start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z"), &ups)
	if len(ups) != 0 {
		t.Fatalf("past window: %+v", ups)
	}
	// The note does not move the loop, and bad updates are refused.
	if got := listJSON(t, c, "?service_request_id="+id); got[0].Status != "open" {
		t.Fatal("an update changed the status")
	}
	wantError(t, post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "service_request_id", id, "status", "MAYBE", "description", "x"), nil), 400, "status")
	wantError(t, post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "service_request_id", id, "status", "OPEN"), nil), 400, "description")
	wantError(t, post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "status", "OPEN", "description", "x"), nil), 400, "service_request_id")
	wantError(t, post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "service_request_id", id, "status", "OPEN", "description", "x", "updated_datetime", "soon"), nil), 400, "updated_datetime")
	wantError(t, post(c, "/servicerequestupdates.xml", form("api_key", "gg_nope", "service_request_id", id, "status", "OPEN", "description", "x"), nil), 403, "api_key")
	wantError(t, post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "service_request_id", "209901010001", "status", "OPEN", "description", "x"), nil), 404, "service_request_id")
}

// An Idempotency-Key header, scoped to the api key, replays the first answer.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	h := map[string]string{"Idempotency-Key": "retry-1"}
	f := report(a)
	r1 := post(c, "/requests.json", f, h)
	r2 := post(c, "/requests.json", f, h)
	if r1.Status != 201 || r2.Status != 201 || string(r1.Body) != string(r2.Body) || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}
	wantError(t, post(c, "/requests.json", report(a, "description", "another body"), h), 400, "Idempotency-Key")
	if got := listJSON(t, c, ""); len(got) != 1 {
		t.Fatalf("%d requests after a replay", len(got))
	}
}

// What a request or update does not have is null in JSON, as the spec's
// clients expect, not left out or an empty string.
func TestAbsentValuesAreNull(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	f := report(a)
	f.Del("lat")
	f.Del("long")
	f.Del("media_url")
	id := create(t, a, f)
	var reqs []map[string]any
	parseJSON(t, get(a.Anon(), "/requests/"+id+".json"), &reqs)
	if len(reqs) != 1 {
		t.Fatalf("GET request: %v", reqs)
	}
	for _, k := range []string{"lat", "long", "media_url"} {
		if v, ok := reqs[0][k]; !ok || v != nil {
			t.Errorf("request %s = %v (present %v), want null", k, v, ok)
		}
	}
	var ups []map[string]any
	parseJSON(t, get(a.Anon(), "/servicerequestupdates.json?api_key="+url.QueryEscape(a.Demo.Open311Key)), &ups)
	if len(ups) == 0 {
		t.Fatal("no updates to look at")
	}
	for _, u := range ups {
		if v, ok := u["media_url"]; !ok || v != nil {
			t.Fatalf("update media_url = %v (present %v), want null", v, ok)
		}
	}
}

// A visitor's number abroad and a one-character description do not turn a
// report away; the description is then named by its category.
func TestLenientReports(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	for _, tc := range []struct{ phone, description, want string }{
		{"+44 20 7946 0958", "A large structure is being built on the roof", "A large structure is being built on the roof"},
		{"0044 20 7946 0958", "x", "私搭乱建：x"},
		{"+86 138 0013 8000", "", "私搭乱建"},
	} {
		id := create(t, a, report(a, "phone", tc.phone, "description", tc.description))
		got := listJSON(t, a.Anon(), "?service_request_id="+id)
		if len(got) != 1 || got[0].Description != tc.want {
			t.Errorf("phone %q, description %q: got %+v, want description %q", tc.phone, tc.description, got, tc.want)
		}
	}
	wantError(t, post(a.Anon(), "/requests.json", report(a, "phone", "+44 20"), nil), 400, "phone")
}
