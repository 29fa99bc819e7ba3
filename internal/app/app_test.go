package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/testapp"
)

func TestPublicEndpointsAndHeaders(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	if r := c.Raw("GET", "/healthz", "", nil); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
	r := c.Raw("GET", "/", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "<div id=\"app\"") || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("index: %d %v", r.Status, r.Header)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
		if r.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	var zh, en map[string]string
	c.Do("GET", "/api/v1/i18n/zh-CN", nil, &zh)
	c.Do("GET", "/api/v1/i18n/en", nil, &en)
	if zh["auth.invalid_credentials"] == "" || en["auth.invalid_credentials"] == "" || zh["auth.invalid_credentials"] == en["auth.invalid_credentials"] {
		t.Fatal("i18n files not served")
	}
	if p := c.Fail("GET", "/api/v1/nope", nil); p.Status != 404 {
		t.Fatalf("unknown api path: %+v", p)
	}
	// Errors come in the caller's language.
	c.Lang = "zh-CN"
	if p := c.Fail("POST", "/api/v1/auth/login", map[string]string{"username": "x", "password": "y"}); p.Detail != zh["auth.invalid_credentials"] {
		t.Fatalf("zh detail: %q", p.Detail)
	}
}

// /metrics is not public: on the main address it answers only a request
// bearing GRIDGOV_METRICS_TOKEN, and is not there at all without one set.
// Not parallel: it sets the variable for the whole process.
func TestMetricsNeedTheToken(t *testing.T) {
	a := testapp.New(t)
	c := a.Anon()
	for _, auth := range []string{"", "Bearer ", "Bearer anything-at-all-long-enough"} {
		if r := c.RawWith("GET", "/metrics", "", nil, map[string]string{"Authorization": auth}); r.Status != 404 || strings.Contains(string(r.Body), "go_goroutines") {
			t.Fatalf("no token set, %q: %d %.200s", auth, r.Status, r.Body)
		}
	}

	const token = "0123456789abcdef-metrics"
	t.Setenv("GRIDGOV_METRICS_TOKEN", token)
	a = testapp.New(t)
	c = a.Anon()
	c.Do("GET", "/api/v1/org/roots", nil, nil) // one counted request
	for _, auth := range []string{"", "Bearer", "Bearer " + token[:len(token)-1], "Basic " + token, "bearer " + token + "x"} {
		r := c.RawWith("GET", "/metrics", "", nil, map[string]string{"Authorization": auth})
		if r.Status != 401 || strings.Contains(string(r.Body), "go_goroutines") || !strings.Contains(string(r.Body), "metrics.token") ||
			r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("token set, %q: %d %v %.200s", auth, r.Status, r.Header, r.Body)
		}
	}
	r := c.RawWith("GET", "/metrics", "", nil, map[string]string{"Authorization": "Bearer " + token})
	if r.Status != 200 || !strings.Contains(string(r.Body), `gridgov_http_requests_total{route="GET /api/v1/org/roots",status="401"}`) {
		t.Fatalf("metrics: %d %.300s", r.Status, r.Body)
	}
}

// Every route is in the OpenAPI document, and every non-public route names
// its permission or its access rule.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if st := a.Anon().Do("GET", "/api/openapi.json", nil, &doc); st != 200 || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi: %d %q", st, doc.OpenAPI)
	}
	for _, r := range a.Router.Routes() {
		if _, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s missing from the document", r.Method, r.Path)
		}
		if !r.Public && r.Perm == "" && r.Access == "" {
			t.Errorf("%s %s has no permission and no access rule", r.Method, r.Path)
		}
	}
}

// Two nodes on one database: a session opened on one works on the other,
// logout on one ends it on both, and a grid change on one reaches the
// other's point index.
func TestTwoNodesShareOneDatabase(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	b, err := app.Open(context.Background(), a.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srvB := httptest.NewServer(b.Router)
	defer srvB.Close()

	c := a.Login("sys_admin")
	onB := func(method, path string, in, out any) int {
		old := a.URL
		a.URL = srvB.URL
		defer func() { a.URL = old }()
		return c.Do(method, path, in, out)
	}
	var me struct{ Username string }
	if st := onB("GET", "/api/v1/me", nil, &me); st != 200 || me.Username != "sysadmin" {
		t.Fatalf("session on node B: %d %+v", st, me)
	}
	locate := fmt.Sprintf("/api/v1/locate?lat=%f&lng=%f", a.Demo.Center.Lat, a.Demo.Center.Lng)
	var hits []struct {
		Layer  string `json:"layer"`
		GridID string `json:"grid_id"`
	}
	onB("GET", locate, nil, &hits) // node B builds its index
	if len(hits) == 0 {
		t.Fatal("node B locates nothing")
	}
	var zz string
	for _, h := range hits {
		if h.Layer == "zz" {
			zz = h.GridID
		}
	}
	var g struct{ Version int }
	c.Do("GET", "/api/v1/grids/"+zz, nil, &g)
	if st := c.Do("POST", "/api/v1/grids/"+zz+"/retire", map[string]int{"version": g.Version}, nil); st != 200 {
		t.Fatalf("retire on A: %d", st)
	}
	b.Org.IndexCheckEvery = 0 // node B notices at its next lookup
	onB("GET", locate, nil, &hits)
	for _, h := range hits {
		if h.GridID == zz {
			t.Fatal("node B still locates the grid retired on node A")
		}
	}
	if st := onB("POST", "/api/v1/auth/logout", nil, nil); st != 204 {
		t.Fatalf("logout on B: %d", st)
	}
	if st := c.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("session on A after logout on B: %d", st)
	}
}

// A tile template reaches the console as configured, "&" and all (天地图's
// templates carry several parameters), and nothing of it can close the
// attribute.
func TestTileTemplatesReachTheConsole(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.TileURL = `https://t{s}.tianditu.gov.cn/vec_w/wmts?LAYER=vec&TILEMATRIX={z}&tk=KEY https://t{s}.tianditu.gov.cn/cva_w/wmts?LAYER=cva&tk=KEY"><script>`
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	w := httptest.NewRecorder()
	a.Router.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	page := w.Body.String()
	want := `<meta name="gridgov-tile-url" content="https://t{s}.tianditu.gov.cn/vec_w/wmts?LAYER=vec&amp;TILEMATRIX={z}&amp;tk=KEY https://t{s}.tianditu.gov.cn/cva_w/wmts?LAYER=cva&amp;tk=KEY&#34;&gt;&lt;script&gt;">`
	if !strings.Contains(page, want) || strings.Contains(page, `KEY"><script>`) {
		t.Errorf("tile meta: %.400s", page)
	}
}
