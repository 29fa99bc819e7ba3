// Package testapp starts a real gridgov — database (SQLite, or PostgreSQL
// when GRIDGOV_TEST_DATABASE_URL is set), services, HTTP server — with the
// county demo loaded, for API and browser tests. Nothing is mocked.
package testapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/auth/totp"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
)

// App is a running test server with its demo.
type App struct {
	*app.App
	Server *httptest.Server
	URL    string
	Demo   demo.Result
	t      testing.TB
}

// New starts gridgov on a fresh database with the county demo. Password
// hashing uses cheap parameters so tests stay fast.
func New(t testing.TB) *App {
	t.Helper()
	return start(t, false)
}

// NewWithRegisters is New with the demo's base registers filled too
// (people, houses, units, key persons with visits, care targets), as
// `gridgov demo` leaves them.
func NewWithRegisters(t testing.TB) *App {
	t.Helper()
	return start(t, true)
}

func start(t testing.TB, registers bool) *App {
	t.Helper()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // request lines would drown test output
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbtest.URL(t)
	if cfg.DatabaseURL[0] == '/' { // a SQLite path: keep it in the data dir
		cfg.DatabaseURL = ""
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Authn.Params = password.TestParams
	deps := demo.Deps{DB: a.DB, Authn: a.Authn, NoEvents: true}
	if registers {
		deps.Registry, deps.KeyPersons, deps.Sheets = a.Registry, a.KeyPersons, a.Sheets
	}
	res, err := demo.Build(ctx, deps, demo.Scales["county"], 2026, io.Discard)
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Router)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &App{App: a, Server: srv, URL: srv.URL, Demo: res, t: t}
}

// Account returns the demo account of a role.
func (a *App) Account(role string) demo.Account {
	for _, acc := range a.Demo.Accounts {
		if acc.Role == role {
			return acc
		}
	}
	a.t.Fatalf("no demo account with role %s", role)
	return demo.Account{}
}

// OTP is the current TOTP code for an account (empty when it has none).
func OTP(acc demo.Account) string {
	if acc.TOTPSecret == "" {
		return ""
	}
	c, _ := totp.Code(acc.TOTPSecret, time.Now())
	return c
}

// NextOTP is a TOTP code of acc that the server will take at its next
// sign-in (empty when the account has none): each step is taken once, so
// the code is of the step after the last one used, waiting for it to come
// into the accepted window when an account signs in many times at once.
func (a *App) NextOTP(acc demo.Account) string {
	a.t.Helper()
	if acc.TOTPSecret == "" {
		return ""
	}
	var last int64
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT totp_last_step FROM users WHERE username = ?", acc.Username).Scan(&last); err != nil {
		a.t.Fatal(err)
	}
	period := int64(totp.Period / time.Second)
	step := max(time.Now().Unix()/period, last+1)
	if wait := time.Until(time.Unix((step-totp.Skew)*period, 0)); wait > 0 {
		time.Sleep(wait)
	}
	c, err := totp.Code(acc.TOTPSecret, time.Unix(step*period, 0))
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

// Client is an HTTP client with a cookie jar and the CSRF token of its session.
type Client struct {
	app  *App
	http *http.Client
	CSRF string
	Lang string
}

// Anon returns a client with no session.
func (a *App) Anon() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{app: a, http: &http.Client{Jar: jar}, Lang: "en"}
}

// Login signs in as the demo account of role and fails the test otherwise.
func (a *App) Login(role string) *Client {
	a.t.Helper()
	c := a.Anon()
	acc := a.Account(role)
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": acc.Username, "password": acc.Password, "otp": a.NextOTP(acc)}, &out); st != 200 {
		a.t.Fatalf("login %s: status %d", role, st)
	}
	c.CSRF = out.CSRFToken
	return c
}

// Response is the last raw answer of a client call.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
}

// Raw sends a request with a raw body and returns the answer.
func (c *Client) Raw(method, path, contentType string, body []byte) Response {
	c.app.t.Helper()
	return c.RawWith(method, path, contentType, body, nil)
}

// RawWith is Raw with extra request headers.
func (c *Client) RawWith(method, path, contentType string, body []byte, headers map[string]string) Response {
	c.app.t.Helper()
	r, err := c.Send(method, path, contentType, body, headers)
	if err != nil {
		c.app.t.Fatal(err)
	}
	return r
}

// Send is RawWith returning the transport error instead of failing the
// test: a fuzz function must not call the testing.F the app was started
// with.
func (c *Client) Send(method, path, contentType string, body []byte, headers map[string]string) (Response, error) {
	req, err := http.NewRequest(method, c.app.URL+path, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	req.Header.Set("Accept-Language", c.Lang)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: b, Header: resp.Header}, nil
}

// Do sends JSON (nil for no body), decodes a JSON answer into out (if not
// nil and the status is 2xx) and returns the status.
func (c *Client) Do(method, path string, in, out any) int {
	c.app.t.Helper()
	var body []byte
	ct := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			c.app.t.Fatal(err)
		}
		ct = "application/json"
	}
	r := c.Raw(method, path, ct, body)
	if out != nil && r.Status < 300 && len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, out); err != nil {
			c.app.t.Fatalf("%s %s: decode %s: %v", method, path, r.Body, err)
		}
	}
	return r.Status
}

// Problem is a decoded error answer.
type Problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Report json.RawMessage `json:"report"`
}

// Fail sends a request expected to fail and returns the decoded problem.
func (c *Client) Fail(method, path string, in any) Problem {
	c.app.t.Helper()
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	r := c.Raw(method, path, "application/json", body)
	var p Problem
	if err := json.Unmarshal(r.Body, &p); err != nil || r.Status < 400 {
		c.app.t.Fatalf("%s %s: want an error, got %d %s", method, path, r.Status, r.Body)
	}
	return p
}
