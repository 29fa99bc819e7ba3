// Package testapp starts a real gridgov — database (SQLite, or PostgreSQL
// when GRIDGOV_TEST_DATABASE_URL is set), services, HTTP server — with the
// county demo loaded, for API and browser tests. Nothing is mocked.
//
// The demo is built once per test binary (once for New, once for
// NewWithRegisters) — or once per run, shared by its binaries, when
// GRIDGOV_TEST_CACHE names a directory (CacheEnv) — and each test gets its
// own copy of it: on SQLite the files of the built data directory, on
// PostgreSQL a database made with CREATE DATABASE … TEMPLATE. Every copy holds the same demo, accounts and
// ids, and a test may change its copy as it likes; tests may run in parallel.
package testapp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
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
	// ahead is how far the sign-in clock (Authn.Now) runs ahead of
	// time.Now, in nanoseconds: NextOTP moves it on instead of waiting.
	ahead atomic.Int64
}

// New starts gridgov on its own copy of the county demo. Password hashing
// uses cheap parameters so tests stay fast.
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

// template is a demo built once and copied for each test.
type template struct {
	once  sync.Once
	err   error
	res   demo.Result
	files map[string][]byte // the data directory: key file, and on SQLite the database
	db    string            // on PostgreSQL, the template database
}

// templates are the demo without and with registers.
var templates [2]template

var (
	quiet  sync.Once
	copies atomic.Int64 // numbers the PostgreSQL copies of this binary
)

func start(t testing.TB, registers bool) *App {
	t.Helper()
	quiet.Do(func() {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // request lines would drown test output
	})
	tp := &templates[0]
	if registers {
		tp = &templates[1]
	}
	tp.once.Do(func() { tp.err = tp.load(registers) })
	if tp.err != nil {
		t.Fatalf("build the demo: %v", tp.err)
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if err := writeFiles(cfg.DataDir, tp.files); err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "" // SQLite in the data dir
	if tp.db != "" {
		name, url, err := dbtest.CreateDatabase(ctx, fmt.Sprintf("c%d", copies.Add(1)), tp.db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dbtest.DropDatabase(context.Background(), name) }) // runs after the app has closed
		cfg.DatabaseURL = url
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Authn.Params = password.TestParams
	ta := &App{App: a, Demo: tp.res, t: t}
	ta.Demo.Accounts = slices.Clone(tp.res.Accounts) // a test may change its own
	a.Authn.Now = func() time.Time { return time.Now().Add(time.Duration(ta.ahead.Load())) }
	ta.Server = httptest.NewServer(a.Router)
	ta.URL = ta.Server.URL
	t.Cleanup(func() { ta.Server.Close(); a.Close() })
	return ta
}

// load fills a template: from the run's cache when CacheEnv names one (see
// cache.go), built by this binary otherwise.
func (tp *template) load(registers bool) error {
	dir := os.Getenv(CacheEnv)
	if dir == "" {
		return tp.build(registers, "", "")
	}
	key, ok := cacheKey(registers)
	if !ok {
		return tp.build(registers, "", "")
	}
	return tp.fromCache(dir, key, func(run string) error { return tp.build(registers, run, key) })
}

// build makes the demo in a data directory of its own and keeps what a copy
// needs: the files of the directory (the key that seals personal data, and
// on SQLite a consistent copy of the database) and on PostgreSQL a template
// database with no connection left open — this binary's, or when run is
// not "" the one of the entry key that the binaries of the cache's run
// share.
func (tp *template) build(registers bool, run, key string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gridgov-testapp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.DatabaseURL = ""
	if dbtest.PostgresURL() != "" {
		suffix := "demo"
		if registers {
			suffix = "registers"
		}
		if run != "" {
			tp.db, cfg.DatabaseURL, err = dbtest.CreateShared(ctx, run, key)
		} else {
			tp.db, cfg.DatabaseURL, err = dbtest.CreateDatabase(ctx, suffix, "")
		}
		if err != nil {
			return err
		}
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	a.Authn.Params = password.TestParams
	deps := demo.Deps{DB: a.DB, Authn: a.Authn, NoEvents: true}
	if registers {
		deps.Registry, deps.KeyPersons, deps.Sheets = a.Registry, a.KeyPersons, a.Sheets
		deps.CallKey = a.CallKey // a year of 9-key calls of the registers' care targets
		deps.Psych = a.Psych     // and 三级三色 records of some of them
		deps.Visits = a.Visits   // a year of home visits over the registers
		deps.Village = a.Village // score sheets and councils of three villages
	}
	deps.Disputes = a.Disputes     // the demo's year of dispute cases
	deps.Org = a.Org               // the roster's phones, building heads, leavers
	deps.Assess = a.Assess         // the demo's year of assessment
	deps.Volunteers = a.Volunteers // the volunteer teams, their shifts and clues
	deps.Party = a.Party           // the red grid: compounds, the party tree
	deps.RedOrders = a.RedOrders   // a year of red orders and their points
	deps.Points = a.Points         // the year's patrols, findings, trainings, hours credited
	deps.Drives = a.Drives         // the county's special campaigns and their clues
	deps.Antifraud = a.Antifraud   // the police's lists of likely fraud victims
	deps.Situations = a.Situations // a year of 三情 and their scheduling
	deps.Safety = a.Safety         // a year of the safety index, computed last
	tp.res, err = demo.Build(ctx, deps, demo.Scales["county"], 2026, io.Discard)
	backup := filepath.Join(dir, "gridgov.db")
	if err == nil && tp.db == "" {
		// VACUUM INTO writes one file holding every commit, WAL included.
		err = a.DB.Backup(ctx, backup)
	}
	if err := a.Close(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	tp.files = map[string][]byte{}
	err = filepath.WalkDir(cfg.DataDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(cfg.DataDir, path)
		if rel == "gridgov.db" || rel == "gridgov.db-wal" || rel == "gridgov.db-shm" {
			return nil // the live database: its backup stands in for it
		}
		tp.files[rel], err = os.ReadFile(path)
		return err
	})
	if err != nil || tp.db != "" {
		return err
	}
	tp.files["gridgov.db"], err = os.ReadFile(backup)
	return err
}

// writeFiles writes a template's files into a data directory.
func writeFiles(dir string, files map[string][]byte) error {
	for rel, b := range files {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
	}
	return nil
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
// the code is of the step after the last one used. When an account signs
// in many times at once, that step may not yet be in the accepted window:
// then the server's sign-in clock is moved on to it, as if the time had
// passed — or, when a test has put a clock of its own there, NextOTP waits.
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
	now := a.Authn.Now()
	step := max(now.Unix()/period, last+1)
	if wait := time.Unix((step-totp.Skew)*period, 0).Sub(now); wait > 0 && !a.moveClock(wait) {
		step = max(time.Now().Unix()/period, last+1)
		if wait := time.Until(time.Unix((step-totp.Skew)*period, 0)); wait > 0 {
			time.Sleep(wait)
		}
	}
	c, err := totp.Code(acc.TOTPSecret, time.Unix(step*period, 0))
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

// moveClock moves the sign-in clock d ahead and reports whether it could:
// not when the test has replaced Authn.Now with a clock of its own.
func (a *App) moveClock(d time.Duration) bool {
	before := a.Authn.Now()
	a.ahead.Add(int64(d))
	if a.Authn.Now().Sub(before) < d {
		a.ahead.Add(-int64(d))
		return false
	}
	return true
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

// Login signs in as the (first) demo account of role and fails the test
// otherwise.
func (a *App) Login(role string) *Client {
	a.t.Helper()
	return a.LoginAccount(a.Account(role))
}

// LoginAs signs in as the demo account username (for a role that more than
// one demo account holds) and fails the test otherwise.
func (a *App) LoginAs(username string) *Client {
	a.t.Helper()
	for _, acc := range a.Demo.Accounts {
		if acc.Username == username {
			return a.LoginAccount(acc)
		}
	}
	a.t.Fatalf("no demo account %s", username)
	return nil
}

// LoginAccount signs in as a demo account and fails the test otherwise.
func (a *App) LoginAccount(acc demo.Account) *Client {
	a.t.Helper()
	c := a.Anon()
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": acc.Username, "password": acc.Password, "otp": a.NextOTP(acc)}, &out); st != 200 {
		a.t.Fatalf("login %s: status %d", acc.Username, st)
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
