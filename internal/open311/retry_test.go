package open311_test

import (
	"bytes"
	"maps"
	"math/rand/v2"
	mpart "mime/multipart"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// fixMyStreet posts a form as FixMyStreet's Open311 client does: its
// fields come out of a Perl hash, whose order changes from one run of the
// sending job to the next, so each try lists them in another order; LWP
// names no charset. try picks the order.
func fixMyStreet(c *testapp.Client, path string, f url.Values, try uint64, headers map[string]string) (testapp.Response, string) {
	names := slices.Sorted(maps.Keys(f))
	rand.New(rand.NewPCG(try, 311)).Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	var pairs []string
	for _, k := range names {
		for _, v := range f[k] {
			pairs = append(pairs, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	body := strings.Join(pairs, "&")
	return c.RawWith("POST", base+path, "application/x-www-form-urlencoded", []byte(body), headers), body
}

// multipartForm writes f as multipart/form-data with the given boundary,
// its fields in reverse order when reverse is set.
func multipartForm(t *testing.T, f url.Values, boundary string, reverse bool) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := mpart.NewWriter(&b)
	if err := w.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(f))
	if reverse {
		slices.Reverse(names)
	}
	for _, k := range names {
		for _, v := range f[k] {
			w.WriteField(k, v)
		}
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// FixMyStreet retries an update it could not confirm with the same
// update_id and the same fields in another order: the retry is the same
// update, answered as the first was, not a reuse of the key.
func TestFixMyStreetRetriesAnUpdate(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	id := create(t, a, report(a))
	up := form("jurisdiction_id", "city.gov", "api_key", a.Demo.Open311Key, "service_request_id", id, "status", "OPEN",
		"description", "井盖已被人挪开", "update_id", "4711", "updated_datetime", "2026-01-31T08:00:00+08:00",
		"email", "resident@example.org", "first_name", "敏", "last_name", "张", "media_url", "", "account_id", "")
	var answers []string
	var bodies []string
	for try := range uint64(3) {
		r, body := fixMyStreet(c, "/servicerequestupdates.xml", up, try, nil)
		if r.Status != 201 {
			t.Fatalf("try %d (%s): %d %s", try, body, r.Status, r.Body)
		}
		if replayed := r.Header.Get("Idempotent-Replayed") == "true"; replayed != (try > 0) {
			t.Fatalf("try %d: replayed %v", try, replayed)
		}
		answers = append(answers, parseXML(t, r).child("request_update").get("update_id"))
		bodies = append(bodies, body)
	}
	if bodies[0] == bodies[1] || bodies[1] == bodies[2] {
		t.Fatalf("the tries should differ in order: %q", bodies)
	}
	if answers[0] == "" || answers[1] != answers[0] || answers[2] != answers[0] {
		t.Fatalf("answers: %q", answers)
	}
	eid, _ := intakeEvent(t, a.Login("intake"), id)
	var ev struct {
		Timeline []struct{ Action string } `json:"timeline"`
	}
	a.Login("intake").Do("GET", "/api/v1/events/"+eid, nil, &ev)
	if len(ev.Timeline) != 2 {
		t.Fatalf("timeline after three tries: %+v", ev.Timeline)
	}
	// The same update_id with another text is another update: refused.
	up.Set("description", "井盖已经装回")
	r, _ := fixMyStreet(c, "/servicerequestupdates.json", up, 9, nil)
	wantError(t, r, 400, "Idempotency-Key")
}

// A service request retried with the same Idempotency-Key is the same
// request whatever the order of its form fields.
func TestRequestRetriedInAnotherOrder(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	h := map[string]string{"Idempotency-Key": "fms-report-88"}
	f := report(a)
	r1, b1 := fixMyStreet(c, "/requests.json", f, 1, h)
	r2, b2 := fixMyStreet(c, "/requests.json", f, 2, h)
	if b1 == b2 {
		t.Fatal("the tries should differ in order")
	}
	if r1.Status != 201 || r2.Status != 201 || string(r1.Body) != string(r2.Body) || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}
	r3, _ := fixMyStreet(c, "/requests.json", report(a, "attribute[stage]", "built"), 3, h)
	wantError(t, r3, 400, "Idempotency-Key")
	if got := listJSON(t, c, ""); len(got) != 1 {
		t.Fatalf("%d requests after a retry", len(got))
	}
}

// A multipart retry with another boundary (every client draws a new one
// per request) and another field order is the same request.
func TestMultipartRetryWithAnotherBoundary(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	h := map[string]string{"Idempotency-Key": "multipart-1"}
	f := report(a)
	b1, ct1 := multipartForm(t, f, "first-boundary-0123456789", false)
	b2, ct2 := multipartForm(t, f, "second-boundary-9876543210", true)
	r1 := c.RawWith("POST", base+"/requests.json", ct1, b1, h)
	r2 := c.RawWith("POST", base+"/requests.json", ct2, b2, h)
	if r1.Status != 201 || r2.Status != 201 || string(r1.Body) != string(r2.Body) || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}
	b3, ct3 := multipartForm(t, report(a, "description", "另一件事"), "third-boundary-5555", false)
	wantError(t, c.RawWith("POST", base+"/requests.json", ct3, b3, h), 400, "Idempotency-Key")
}
