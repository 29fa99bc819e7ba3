package httpx

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/prometheus/client_golang/prometheus"
)

type greeting struct {
	Name string `json:"name"`
}

type reply struct {
	Hello string `json:"hello"`
}

// endpointRouter serves public routes of each endpoint shape; calls counts
// the calls of each handler, so a test sees whether it ran.
func endpointRouter(t *testing.T) (*Router, map[string]int) {
	t.Helper()
	calls := map[string]int{}
	hello := func(name string) func(r *http.Request, in greeting) (reply, error) {
		return func(r *http.Request, in greeting) (reply, error) {
			calls[name]++
			if in.Name == "fail" {
				return reply{}, apperr.E(apperr.Conflict, "conflict.version")
			}
			return reply{Hello: in.Name}, nil
		}
	}
	rt := NewRouter(nil, prometheus.NewRegistry(), nil)
	rt.Handle(
		Route{Method: "POST", Path: "/call", Public: true, Do: Call(hello("call"))},
		Route{Method: "POST", Path: "/created", Public: true, Status: 201, Do: Call(hello("created"))},
		Route{Method: "POST", Path: "/empty", Public: true, Status: 204, Do: Call(hello("empty"))},
		Route{Method: "POST", Path: "/small", Public: true, MaxBody: 16, Do: Call(hello("small"))},
		Route{Method: "POST", Path: "/get/{id}", Public: true, Do: Get(func(r *http.Request) (reply, error) {
			calls["get"]++
			return reply{Hello: r.PathValue("id")}, nil
		})},
	)
	return rt, calls
}

func serve(rt *Router, path, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	rt.ServeHTTP(w, r)
	return w
}

func problemOf(t *testing.T, w *httptest.ResponseRecorder) Problem {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("no problem body: %d %q", w.Code, w.Body)
	}
	return p
}

func TestCallDecodesTheBodyAndWritesTheStatus(t *testing.T) {
	t.Parallel()
	rt, calls := endpointRouter(t)
	for path, status := range map[string]int{"/call": 200, "/created": 201} {
		w := serve(rt, path, `{"name":"grid"}`)
		if w.Code != status || w.Body.String() != "{\"hello\":\"grid\"}\n" || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %q %v", path, w.Code, w.Body, w.Header())
		}
	}
	// The body is decoded strictly, before the handler runs.
	w := serve(rt, "/call", `{"name":"grid","extra":1}`)
	if p := problemOf(t, w); w.Code != 400 || len(p.Errors) != 1 || p.Errors[0].Code != "request.unknown_field" {
		t.Errorf("unknown field: %d %+v", w.Code, p)
	}
	if p := problemOf(t, serve(rt, "/call", ``)); p.Code != "request.empty_body" {
		t.Errorf("empty body: %+v", p)
	}
	if calls["call"] != 1 {
		t.Errorf("the handler ran %d times, want 1 (a refused body does not reach it)", calls["call"])
	}
	// The handler's error is the answer.
	if w := serve(rt, "/created", `{"name":"fail"}`); w.Code != 409 || problemOf(t, w).Code != "conflict.version" {
		t.Errorf("handler error: %d %q", w.Code, w.Body)
	}
}

func TestCallKeepsTheRoutesBodyLimit(t *testing.T) {
	t.Parallel()
	rt, calls := endpointRouter(t)
	if w := serve(rt, "/small", `{"name":"short"}`); w.Code != 200 {
		t.Errorf("16 bytes: %d %q", w.Code, w.Body)
	}
	w := serve(rt, "/small", `{"name":"longer"}`)
	if p := problemOf(t, w); w.Code != 400 || p.Code != "request.too_large" || p.Params["limit"] != float64(16) {
		t.Errorf("17 bytes: %d %+v", w.Code, p)
	}
	if calls["small"] != 1 {
		t.Errorf("the handler ran %d times, want 1", calls["small"])
	}
}

func TestNoContentWritesNoBody(t *testing.T) {
	t.Parallel()
	rt, calls := endpointRouter(t)
	w := serve(rt, "/empty", `{"name":"grid"}`)
	if w.Code != 204 || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" || calls["empty"] != 1 {
		t.Errorf("204: %d %q %v, %d calls", w.Code, w.Body, w.Header(), calls["empty"])
	}
}

func TestGetTakesNoBody(t *testing.T) {
	t.Parallel()
	rt, calls := endpointRouter(t)
	// Not JSON and not read: a route without a body ignores what is sent.
	w := serve(rt, "/get/g1", `not json at all`)
	if w.Code != 200 || w.Body.String() != "{\"hello\":\"g1\"}\n" || calls["get"] != 1 {
		t.Errorf("get: %d %q, %d calls", w.Code, w.Body, calls["get"])
	}
}

func TestRouteTableTakesInAndOutFromTheTypes(t *testing.T) {
	t.Parallel()
	rt, _ := endpointRouter(t)
	want := map[string]struct{ in, out any }{
		"/call":     {greeting{}, reply{}},
		"/created":  {greeting{}, reply{}},
		"/empty":    {greeting{}, nil}, // 204: no answer to document
		"/small":    {greeting{}, reply{}},
		"/get/{id}": {nil, reply{}}, // no body
	}
	for _, r := range rt.Routes() {
		w, ok := want[r.Path]
		if !ok {
			t.Errorf("unexpected route %s", r.Path)
			continue
		}
		if !reflect.DeepEqual(r.In, w.in) || !reflect.DeepEqual(r.Out, w.out) {
			t.Errorf("%s: In %#v Out %#v, want %#v %#v", r.Path, r.In, r.Out, w.in, w.out)
		}
		if r.Handler == nil {
			t.Errorf("%s: no handler", r.Path)
		}
	}
	if len(rt.Routes()) != len(want) {
		t.Errorf("%d routes, want %d", len(rt.Routes()), len(want))
	}
}
