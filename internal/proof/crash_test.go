package proof_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth/totp"
	_ "modernc.org/sqlite" // read the database file after the server is gone
)

// Crash test parameters: rounds of load, each ended by SIGKILL.
const (
	crashRounds   = 20
	crashWorkers  = 8
	killMinMillis = 50
	killMaxMillis = 400
	// maxPerRound bounds the reports one round may start (a safety net: at
	// most 400 ms of load never comes near it).
	maxPerRound = 5000
	// crashBudget bounds the whole test: build, demo, rounds and checks.
	crashBudget = 170 * time.Second
)

// TestCrashNeverLosesAcknowledgedReports builds the gridgov binary, loads the
// county demo, and kills the server with SIGKILL at a random moment while
// eight clients post reports, twenty times over. A report whose POST was
// answered 201 must be in the database exactly once after every crash; a
// report whose request died with the connection is retried with the same
// Idempotency-Key and body after the restart and must not make a second
// event. At the end the SQLite file passes integrity_check and the audit
// chain verifies.
func TestCrashNeverLosesAcknowledgedReports(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it 20 times; skipped with -short")
	}
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	ctx, cancel := context.WithTimeout(t.Context(), crashBudget)
	defer cancel()
	start := time.Now()

	bin := buildBinary(ctx, t)
	data := t.TempDir()
	run(ctx, t, bin, "demo", "--lean", "--data", data)
	demoInfo := readDemo(t, data)
	acc := demoInfo.account("gridmember")
	t.Logf("binary built and county demo loaded in %s", time.Since(start).Round(time.Millisecond))

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	t.Logf("random seed %d", seed)

	st := &crashState{
		acked:   map[string]string{},
		unknown: map[string]*report{},
		lat:     demoInfo.Center.Lat,
		lng:     demoInfo.Center.Lng,
	}
	// One sign-in for every round: the session lives in the database and
	// outlives each crash (the cookie jar ignores the port, which changes).
	var c *client
	for round := 1; round <= crashRounds; round++ {
		srv := startServer(ctx, t, bin, data)
		if c == nil {
			c = login(ctx, t, srv.url, acc)
		}
		c.base = srv.url
		retrying := len(st.unknown)
		load := st.startLoad(ctx, c, crashWorkers)
		killAfter := time.Duration(killMinMillis+rng.IntN(killMaxMillis-killMinMillis+1)) * time.Millisecond
		select {
		case <-time.After(killAfter):
		case <-ctx.Done():
			t.Fatalf("round %d: out of time", round)
		}
		load.halt() // no new requests; those in flight are cut by the kill
		srv.kill()
		res := load.wait()
		c.close()
		t.Logf("round %2d: killed at %3d ms; %3d sent (%2d retries of unknown), %3d acknowledged, %2d unknown",
			round, killAfter.Milliseconds(), res.sent, retrying, res.acked, res.unknown)
		if t.Failed() {
			t.FailNow()
		}
	}

	// One more start: every report still unknown is retried until answered.
	srv := startServer(ctx, t, bin, data)
	c.base = srv.url
	final := len(st.unknown)
	st.noNew = true
	res := st.startLoad(ctx, c, crashWorkers).finish()
	c.close()
	if len(st.unknown) != 0 {
		t.Fatalf("after the last restart %d reports still have no answer", len(st.unknown))
	}
	srv.stop(t)
	t.Logf("final start: %d unknown reports retried, %d acknowledged; over all rounds %d retries were answered as replays (committed, answer lost in the crash)",
		final, res.acked, st.recovered)
	if t.Failed() {
		t.FailNow()
	}

	// The audit chain has survived twenty crashes.
	out := run(ctx, t, bin, "audit", "verify", "--data", data)
	if !strings.Contains(out, "audit chain intact") {
		t.Errorf("audit verify: %s", out)
	}
	st.check(ctx, t, filepath.Join(data, "gridgov.db"))
	if st.totalUnknown == 0 {
		t.Errorf("no request was ever cut by a kill: the test proved nothing")
	}
	t.Logf("%d reports acknowledged over %d crashes, %d cut by a kill and retried; done in %s",
		len(st.acked), crashRounds, st.totalUnknown, time.Since(start).Round(time.Millisecond))
}

// report is one report with its idempotency key; body never changes.
type report struct {
	key  string
	body []byte
	// sawCreated: a 201 status line arrived but the body was cut; the
	// retry must then be a replay.
	sawCreated bool
}

type crashState struct {
	mu      sync.Mutex
	acked   map[string]string  // key → event id of the 201 answer
	unknown map[string]*report // cut by a kill: retried in the next round
	queue   []*report          // this round's retries, not yet taken
	next    int                // number of the next new report
	noNew   bool               // final round: retries only
	lat     float64
	lng     float64

	recovered    int // retries answered as replays: committed, but the answer was lost
	totalUnknown int
}

type roundResult struct{ sent, acked, unknown int }

type loadRun struct {
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	mu   sync.Mutex
	res  roundResult
}

// startLoad runs workers that first retry the unknown reports, then post new
// ones, until wait is called (or, with noNew, until the retries are done).
func (s *crashState) startLoad(ctx context.Context, c *client, workers int) *loadRun {
	s.mu.Lock()
	s.queue = s.queue[:0]
	for _, r := range s.unknown {
		s.queue = append(s.queue, r)
	}
	s.mu.Unlock()
	l := &loadRun{stop: make(chan struct{})}
	taken := 0
	take := func() *report {
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.queue) > 0 {
			r := s.queue[0]
			s.queue = s.queue[1:]
			taken++
			return r
		}
		if s.noNew || taken >= maxPerRound {
			return nil
		}
		s.next++
		taken++
		key := fmt.Sprintf("crash-%05d", s.next)
		body := fmt.Sprintf(`{"channel":"grid","category_code":"0101","description":"crash proof %s","lat":%v,"lng":%v}`, key, s.lat, s.lng)
		return &report{key: key, body: []byte(body)}
	}
	for range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				r := take()
				if r == nil {
					return
				}
				s.send(ctx, c, r, l)
			}
		}()
	}
	return l
}

// halt tells the workers to start no more requests.
func (l *loadRun) halt() { l.once.Do(func() { close(l.stop) }) }

// wait halts the workers, waits for their last answers and returns the round's counts.
func (l *loadRun) wait() roundResult {
	l.halt()
	l.wg.Wait()
	return l.res
}

// finish waits until the workers have run out of reports.
func (l *loadRun) finish() roundResult {
	l.wg.Wait()
	l.halt()
	return l.res
}

// send posts one report and files the answer.
func (s *crashState) send(ctx context.Context, c *client, r *report, l *loadRun) {
	status, body, replayed, err := c.post(ctx, "/api/v1/events", r.body, map[string]string{"Idempotency-Key": r.key})
	s.mu.Lock()
	defer s.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.res.sent++
	var e struct {
		ID string `json:"id"`
	}
	switch {
	case err != nil && status == 201:
		// Committed, but the body was cut: it must come back as a replay.
		r.sawCreated = true
		fallthrough
	case err != nil:
		if _, ok := s.unknown[r.key]; !ok {
			s.totalUnknown++
		}
		s.unknown[r.key] = r
		l.res.unknown++
	case status != 201:
		c.t.Errorf("report %s: status %d %s", r.key, status, body)
		delete(s.unknown, r.key)
	case json.Unmarshal(body, &e) != nil || e.ID == "":
		c.t.Errorf("report %s: answer %s", r.key, body)
	default:
		_, wasUnknown := s.unknown[r.key]
		if wasUnknown && replayed {
			s.recovered++
		}
		if r.sawCreated && !replayed {
			c.t.Errorf("report %s was answered 201 before a crash but its retry made a new event %s", r.key, e.ID)
		}
		if !wasUnknown && replayed {
			c.t.Errorf("report %s: first answer is marked as a replay", r.key)
		}
		if prev, ok := s.acked[r.key]; ok && prev != e.ID {
			c.t.Errorf("report %s answered with event %s, earlier with %s", r.key, e.ID, prev)
		}
		s.acked[r.key] = e.ID
		delete(s.unknown, r.key)
		l.res.acked++
	}
}

// check opens the database file read-only (the server is stopped) and
// verifies every acknowledged report is there exactly once, with its
// timeline entry, its audit row and its idempotency key.
func (s *crashState) check(ctx context.Context, t *testing.T, path string) {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var integrity string
	if err := d.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	var fkProblems int
	if err := d.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_check").Scan(&fkProblems); err != nil || fkProblems != 0 {
		t.Errorf("foreign_key_check: %d rows, %v", fkProblems, err)
	}

	events := map[string][]string{} // description → event ids
	total := 0
	scanPairs(ctx, t, d, "SELECT description, id FROM events WHERE description LIKE 'crash proof %'", func(desc, id string) {
		events[strings.TrimPrefix(desc, "crash proof ")] = append(events[strings.TrimPrefix(desc, "crash proof ")], id)
		total++
	})
	keys := map[string]string{} // key → event id
	scanPairs(ctx, t, d, "SELECT key, body FROM idempotency_keys WHERE key LIKE 'crash-%'", func(k, id string) { keys[k] = id })
	logs := map[string]int{}
	scanPairs(ctx, t, d, "SELECT event_id, count(*) FROM event_log WHERE action = 'report' GROUP BY event_id", func(id, n string) { logs[id], _ = strconv.Atoi(n) })
	audits := map[string]int{}
	scanPairs(ctx, t, d, "SELECT object_id, count(*) FROM audit_log WHERE action = 'event.report' GROUP BY object_id", func(id, n string) { audits[id], _ = strconv.Atoi(n) })

	lost, dup := 0, 0
	for key, id := range s.acked {
		ids := events[key]
		switch {
		case len(ids) == 0:
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged report %s (event %s) is not in the database", key, id)
			}
			continue
		case len(ids) > 1:
			dup++
			if dup <= 5 {
				t.Errorf("report %s stored %d times: %v", key, len(ids), ids)
			}
		case ids[0] != id:
			t.Errorf("report %s: answered event %s, stored %s", key, id, ids[0])
		}
		if keys[key] != id {
			t.Errorf("report %s: idempotency key maps to %q, answered %s", key, keys[key], id)
		}
		if logs[id] != 1 || audits[id] != 1 {
			t.Errorf("event %s of %s: %d timeline rows, %d audit rows; want 1 and 1", id, key, logs[id], audits[id])
		}
	}
	// Nothing the clients do not know of: one event per distinct key.
	if total != len(keys) || total != len(s.acked) {
		t.Errorf("%d events, %d distinct keys, %d acknowledged reports: want all equal", total, len(keys), len(s.acked))
	}
	if lost+dup > 0 {
		t.Errorf("%d acknowledged reports lost, %d stored twice", lost, dup)
	}
}

func scanPairs(ctx context.Context, t *testing.T, d *sql.DB, q string, fn func(a, b string)) {
	t.Helper()
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		fn(a, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// --- the binary and its processes ---------------------------------------------------------

// moduleRoot walks up from the test's working directory to gridgov's go.mod.
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/gridgov/gridgov\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod of github.com/gridgov/gridgov not found above the working directory")
		}
		dir = parent
	}
}

func buildBinary(ctx context.Context, t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "gridgov")
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/gridgov")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the environment of gridgov processes: none of the caller's
// GRIDGOV_* settings (a test database URL must not leak in), quiet logs.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GRIDGOV_") {
			env = append(env, kv)
		}
	}
	return append(env, "GRIDGOV_LOG_LEVEL=error")
}

// run runs a gridgov verb to completion and returns its output.
func run(ctx context.Context, t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv()
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gridgov %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// demoFile is what the proofs need of demo.json.
type demoFile struct {
	Accounts []struct {
		Username   string `json:"username"`
		Password   string `json:"password"`
		Role       string `json:"role"`
		OrgCode    string `json:"org_code"`
		TOTPSecret string `json:"totp_secret"`
	} `json:"accounts"`
	Open311Key string `json:"open311_api_key"`
	Center     struct {
		Lat float64 `json:"lat"`
		Lng float64 `json:"lng"`
	} `json:"center"`
}

func readDemo(t *testing.T, data string) demoFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d demoFile
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// demoAccount is what a proof needs to sign in.
type demoAccount struct{ Username, Password, TOTPSecret string }

func (d demoFile) account(username string) demoAccount {
	for _, a := range d.Accounts {
		if a.Username == username {
			return demoAccount{a.Username, a.Password, a.TOTPSecret}
		}
	}
	panic("demo.json has no account " + username)
}

// usedSteps remembers the last TOTP step each account signed in with: the
// server takes each step once.
var usedSteps = struct {
	sync.Mutex
	last map[string]int64
}{last: map[string]int64{}}

// nextOTP is a code of the account the server will take (empty without
// TOTP): of the step after the last one used, waiting for it to come into
// the window the server accepts.
func nextOTP(t testing.TB, acc demoAccount) string {
	if acc.TOTPSecret == "" {
		return ""
	}
	usedSteps.Lock()
	defer usedSteps.Unlock()
	period := int64(totp.Period / time.Second)
	step := max(time.Now().Unix()/period, usedSteps.last[acc.Username]+1)
	if wait := time.Until(time.Unix((step-totp.Skew)*period, 0)); wait > 0 {
		time.Sleep(wait)
	}
	usedSteps.last[acc.Username] = step
	code, err := totp.Code(acc.TOTPSecret, time.Unix(step*period, 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// server is a running `gridgov serve`.
type server struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	out  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer starts `gridgov serve` on a free loopback port and waits for
// /healthz (another try on another port if the port was taken meanwhile);
// env adds GRIDGOV_* settings.
func startServer(ctx context.Context, t *testing.T, bin, data string, env ...string) *server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
		s := &server{url: "http://" + addr, done: make(chan struct{}), out: &syncBuffer{}}
		s.cmd = exec.CommandContext(ctx, bin, "serve", "--data", data, "--addr", addr)
		s.cmd.Env = append(childEnv(), env...)
		s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
		s.cmd.WaitDelay = 5 * time.Second
		if err := s.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { s.cmd.Wait(); close(s.done) }()
		t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
		if s.waitHealthy(ctx) {
			return s
		}
		s.kill()
		if attempt == 3 || ctx.Err() != nil {
			t.Fatalf("gridgov serve did not become healthy: %s", s.out.String())
		}
	}
}

func (s *server) waitHealthy(ctx context.Context) bool {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-s.done:
			return false
		default:
		}
		resp, err := hc.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop shuts the server down cleanly (SIGTERM), so the database is checkpointed.
func (s *server) stop(t *testing.T) {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill()
		t.Errorf("gridgov serve ignored SIGTERM for 20 s")
	}
}

// --- HTTP client ------------------------------------------------------------------------

// client is a signed-in API client (cookie jar and CSRF token).
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

func login(ctx context.Context, t testing.TB, base string, acc demoAccount) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	b, _ := json.Marshal(map[string]string{"username": acc.Username, "password": acc.Password, "otp": nextOTP(t, acc)})
	status, body, _, err := c.post(ctx, "/api/v1/auth/login", b, nil)
	if err != nil || status != 200 {
		t.Fatalf("login %s: %d %s %v", acc.Username, status, body, err)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.CSRF == "" {
		t.Fatalf("login %s: %s", acc.Username, body)
	}
	c.csrf = out.CSRF
	return c
}

// post sends a JSON body. err is a transport error (connection refused or
// cut, timeout); status is set as soon as a status line arrived.
func (c *client) post(ctx context.Context, path string, body []byte, headers map[string]string) (status int, answer []byte, replayed bool, err error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, false, err
	}
	defer resp.Body.Close()
	answer, err = io.ReadAll(resp.Body)
	if err == nil && resp.ContentLength >= 0 && int64(len(answer)) != resp.ContentLength {
		err = errors.New("short body")
	}
	return resp.StatusCode, answer, resp.Header.Get("Idempotent-Replayed") == "true", err
}

func (c *client) close() { c.http.CloseIdleConnections() }
