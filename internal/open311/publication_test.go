package open311_test

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// act takes an action of the loop through the staff API and fails the test
// when it is refused.
func act(t *testing.T, c *testapp.Client, id, action string, body map[string]any) {
	t.Helper()
	var ev struct {
		Version int `json:"version"`
	}
	if st := c.Do("GET", "/api/v1/events/"+id, nil, &ev); st != 200 {
		t.Fatalf("GET event %s: %d", id, st)
	}
	b := map[string]any{"action": action, "version": ev.Version}
	for k, v := range body {
		b[k] = v
	}
	if st := c.Do("POST", "/api/v1/events/"+id+"/actions", b, nil); st != 200 {
		t.Fatalf("%s: %d %+v", action, st, c.Fail("POST", "/api/v1/events/"+id+"/actions", b))
	}
}

func hasField(p testapp.Problem, field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// staffReport reports an event through the staff API and returns its id and number.
func staffReport(t *testing.T, a *testapp.App, c *testapp.Client, body map[string]any) (string, string) {
	t.Helper()
	b := map[string]any{"lat": a.Demo.Center.Lat, "lng": a.Demo.Center.Lng}
	for k, v := range body {
		b[k] = v
	}
	var ev struct{ ID, No string }
	if st := c.Do("POST", "/api/v1/events", b, &ev); st != 201 {
		t.Fatalf("report: %d %+v", st, c.Fail("POST", "/api/v1/events", b))
	}
	return ev.ID, ev.No
}

// answers fetches every Open311 GET route, anonymous and with the api key,
// in both formats, and returns the bodies by path.
func answers(t *testing.T, a *testapp.App, nos ...string) map[string]testapp.Response {
	t.Helper()
	c := a.Anon()
	key := url.QueryEscape(a.Demo.Open311Key)
	paths := []string{"/discovery", "/services", "/services/0403", "/services/1101", "/requests", "/requests?extensions=true",
		"/requests?status=closed", "/requests?service_code=1101,0601,0403,1403", "/requests?api_key=" + key,
		"/servicerequestupdates?api_key=" + key, "/requests?service_request_id=" + strings.Join(nos, ",")}
	for _, no := range nos {
		paths = append(paths, "/requests/"+no, "/requests/"+no+"?extensions=true&api_key="+key, "/tokens/"+no)
	}
	out := map[string]testapp.Response{}
	for _, p := range paths {
		for _, f := range []string{"xml", "json"} {
			path, query, _ := strings.Cut(p, "?")
			full := base + path + "." + f
			if query != "" {
				full += "?" + query
			}
			out[full] = c.Raw("GET", full, "", nil)
		}
	}
	return out
}

// What staff write inside the loop — an internal report's description, an
// internal note, a summary with a number in it — never reaches an Open311
// answer; what reaches it is the public description and the notes written
// for the public, with anything that looks like an ID number or a phone
// withheld.
func TestStaffTextNeverPublished(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	id := pii.MakeID("441602", time.Date(1987, 5, 20, 0, 0, 0, 0, time.UTC), 31, false)
	secrets := []string{id, id[:6] + " " + id[6:14] + " " + id[14:], "13912345678", "139 1234 5678", "139-1234-5678", "0762-3312345"}
	gm, intake := a.Login("grid_member"), a.Login("intake")

	// A grid member's report with a name, an ID number and phones in it.
	gridID, gridNo := staffReport(t, a, gm, map[string]any{"category_code": "1403", "address": "新风路 8 号王某家门口",
		"description": "住户王某（身份证 " + id + "，电话 139 1234 5678）反映路灯不亮"})
	// A public report whose reporter wrote numbers in the text.
	pubNo := create(t, a, report(a, "description", "屋顶违建，业主电话 139-1234-5678，座机 0762-3312345"))
	pubID, _ := intakeEvent(t, intake, pubNo)
	// The intake desk files the public one with an internal note, and a note
	// for the public in which a phone slipped.
	act(t, intake, pubID, "file", map[string]any{"note": "举报人身份证 " + id + "，勿外传", "public_note": "已立案，联系人 13912345678"})
	act(t, intake, pubID, "unpublish", nil)
	act(t, intake, pubID, "publish", map[string]any{"public_description": "屋顶违建（举报人 " + id + "）"})

	// Unpublished: the grid report is nowhere, under any filter.
	for path, r := range answers(t, a, gridNo, pubNo) {
		body := string(r.Body)
		for _, s := range append(secrets, "住户王某", "勿外传") {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", path, s)
			}
		}
		named := strings.Contains(path, "/"+gridNo+".") || strings.Contains(path, "service_request_id=")
		if strings.Contains(path, "/"+gridNo+".") && r.Status != 404 {
			t.Errorf("%s answers %d for the unpublished %s", path, r.Status, gridNo)
		}
		if !named && strings.Contains(body, gridNo) || strings.Contains(path, "service_request_id=") && (strings.Contains(body, `"`+gridNo+`"`) || strings.Contains(body, ">"+gridNo+"<")) {
			t.Errorf("%s shows the unpublished %s", path, gridNo)
		}
	}

	// The intake desk publishes the grid report with a summary, and the loop
	// goes on with internal notes and notes for the public.
	act(t, intake, gridID, "file", map[string]any{"note": "王某 " + id + " 再次来电", "publish": true,
		"public_description": "下城社区路灯不亮"})
	act(t, intake, gridID, "unpublish", map[string]any{"note": "核实中"})
	act(t, intake, gridID, "publish", map[string]any{"public_description": "下城社区路灯不亮，已安排维修", "public_note": "已派员处理"})
	found := false
	for path, r := range answers(t, a, gridNo, pubNo) {
		body := string(r.Body)
		for _, s := range append(secrets, "住户王某", "王某家", "勿外传", "再次来电", "核实中") {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", path, s)
			}
		}
		if strings.Contains(path, "/requests/"+gridNo) && !strings.Contains(path, "tokens") {
			found = true
			if !strings.Contains(body, "下城社区路灯不亮，已安排维修") {
				t.Errorf("%s lacks the public summary: %s", path, body)
			}
		}
	}
	if !found {
		t.Fatal("the published grid report was not fetched")
	}
	// The scrub marks what it took and counts it.
	got := listJSON(t, a.Anon(), "?service_request_id="+pubNo)
	if len(got) != 1 || got[0].Description != "屋顶违建（举报人 "+pii.Withheld+"）" {
		t.Fatalf("scrubbed summary: %+v", got)
	}
	rec := httptest.NewRecorder()
	a.Metrics.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	metrics := rec.Body.String()
	if !strings.Contains(metrics, `gridgov_open311_withheld_total{field="description"}`) {
		t.Fatalf("no withheld counter in the metrics")
	}
}

// status_notes come only from the notes staff wrote for the public; an
// internal note alone leaves them empty.
func TestStatusNotesOnlyFromPublicSteps(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	intake := a.Login("intake")
	withNote := create(t, a, report(a, "description", "违建一"))
	internalOnly := create(t, a, report(a, "description", "违建二"))
	id1, _ := intakeEvent(t, intake, withNote)
	id2, _ := intakeEvent(t, intake, internalOnly)
	act(t, intake, id1, "refuse", map[string]any{"note": "内部：与 202601010001 重复，举报人多次来电", "public_note": "与已受理事件重复，将一并处理"})
	act(t, intake, id2, "refuse", map[string]any{"note": "内部：举报人情绪激动"})
	got := map[string]request{}
	for _, r := range listJSON(t, a.Anon(), "?status=closed") {
		got[r.ID] = r
	}
	if r := got[withNote]; r.StatusNotes == nil || *r.StatusNotes != "与已受理事件重复，将一并处理" {
		t.Fatalf("status_notes of the public step: %+v", r)
	}
	if r, ok := got[internalOnly]; !ok || r.StatusNotes != nil {
		t.Fatalf("status_notes of an internal note: %+v", r)
	}
	key := url.QueryEscape(a.Demo.Open311Key)
	body := string(a.Anon().Raw("GET", base+"/servicerequestupdates.json?api_key="+key, "", nil).Body)
	if strings.Contains(body, "内部") || !strings.Contains(body, "与已受理事件重复，将一并处理") {
		t.Fatalf("updates: %s", body)
	}
}

// A dispute is private for good: re-filed under a public category it stays
// unpublished, and once the intake desk publishes it only its summary and
// what is written for the public afterwards are shown — not its past.
func TestPrivateStaysPrivate(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	intake := a.Login("intake")
	dispute := create(t, a, report(a, "service_code", "1101", "attribute[stage]", "", "description", "邻居张某装修漏水引发纠纷"))
	did, _ := intakeEvent(t, intake, dispute)
	act(t, intake, did, "file", map[string]any{"category_code": "0601", "note": "当事人已调解", "public_note": "调解中"})
	wantError(t, get(c, "/requests/"+dispute+".json"), 404, "service_request_id")
	if slices.Contains(ids(listJSON(t, c, "?service_request_id="+dispute)), dispute) {
		t.Fatal("a re-filed dispute is listed")
	}
	// Publishing needs its own summary: the reporter's text was never public.
	p := intake.Fail("POST", "/api/v1/events/"+did+"/actions", map[string]any{"action": "publish", "version": 2})
	if p.Status != 400 || !hasField(p, "public_description") {
		t.Fatalf("publish without a summary: %+v", p)
	}
	act(t, intake, did, "publish", map[string]any{"public_description": "居民反映的其他事项已受理"})
	got := listJSON(t, c, "?service_request_id="+dispute)
	if len(got) != 1 || got[0].Description != "居民反映的其他事项已受理" {
		t.Fatalf("published: %+v", got)
	}
	key := url.QueryEscape(a.Demo.Open311Key)
	body := string(get(c, "/servicerequestupdates.json?api_key="+key).Body)
	for _, s := range []string{"调解中", "张某", "漏水", "当事人"} {
		if strings.Contains(body, s) || strings.Contains(string(get(c, "/requests/"+dispute+".xml").Body), s) {
			t.Fatalf("the private past shows %q: %s", s, body)
		}
	}

	// A public report re-filed as a dispute is withdrawn, and a dispute is
	// never published.
	pub := create(t, a, report(a))
	pid, _ := intakeEvent(t, intake, pub)
	act(t, intake, pid, "file", map[string]any{"category_code": "1101"})
	wantError(t, get(c, "/requests/"+pub+".json"), 404, "service_request_id")
	p = intake.Fail("POST", "/api/v1/events/"+pid+"/actions", map[string]any{"action": "publish", "version": 2, "public_description": "纠纷"})
	if p.Status != 400 || !hasField(p, "publish") {
		t.Fatalf("publishing a dispute: %+v", p)
	}
}
