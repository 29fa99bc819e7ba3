package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth/totp"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/org"
)

// runBench measures a demo data set in-process, through the real HTTP API on
// a loopback listener: durable intake against the raw insert ceiling, the
// operator's queue page, the leader's dashboard, point→grid and the
// dispute case list. It writes
// into the data set (the reports it makes and the raw rows are kept: events
// whose description starts with "gridgov bench"), so run it on a copy when
// that matters.
func runBench(ctx context.Context, args []string, out io.Writer) error {
	o, cfg, err := benchFlags(args)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	res, err := readDemoResult(cfg.DataDir)
	if err != nil {
		return err
	}
	// Request lines at info level would drown the figures.
	if !strings.EqualFold(cfg.LogLevel, "debug") {
		setupLog(os.Stderr, "warn")
	}
	a, err := app.Open(ctx, *cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	b, stop, err := serveBench(ctx, a, res, o)
	if err != nil {
		return err
	}
	defer stop()
	events, err := b.printHeader(out)
	if err != nil {
		return err
	}
	t := &benchTable{out: out, runs: o.requests}
	if err := b.measure(o, *cfg, t, out); err != nil {
		return err
	}
	t.print(a.DB.Dialect, events)
	return nil
}

// benchParts are what bench can measure, in the order it measures them.
var benchParts = []string{"queue", "dashboard", "locate", "disputes", "assess", "intake", "import", "search", "soak"}

// benchOpts are the flags of gridgov bench.
type benchOpts struct {
	seconds, clients, requests, budget int
	importN, searchN                   int
	soakMinutes, soakRate, soakWindow  int
	parts                              map[string]bool
	cpuProfile                         string
}

// benchFlags parses and checks bench's flags.
func benchFlags(args []string) (benchOpts, *config.Config, error) {
	fs, cfg := flags("bench")
	seconds := fs.Int("seconds", 10, "length of each intake run (API, then raw inserts), in seconds")
	clients := fs.Int("clients", 16, "concurrent clients of the intake runs")
	requests := fs.Int("requests", 200, "requests behind each latency figure (after 10 to warm up)")
	budget := fs.Int("budget", 60, "seconds at most for each latency figure: fewer requests when they are slow")
	only := fs.String("only", "intake,queue,dashboard,locate,disputes", "what to measure, comma-separated: intake, queue, dashboard, locate, disputes, assess, import, search, soak")
	importN := fs.Int("import-people", 1_000_000, "people in each generated file of the import measure (one CSV, one xlsx)")
	searchN := fs.Int("search-people", 10_000_000, "people the register is filled up to (through the import) before the search measure")
	soakMinutes := fs.Int("soak-minutes", 30, "length of the soak, in minutes")
	soakRate := fs.Int("soak-rate", 40, "requests a second of the soak's mixed traffic")
	soakWindow := fs.Int("soak-window", 60, "seconds of each line of the soak's report")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (for go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return benchOpts{}, nil, err
	}
	o := benchOpts{seconds: *seconds, clients: *clients, requests: *requests, budget: *budget, importN: *importN, searchN: *searchN,
		soakMinutes: *soakMinutes, soakRate: *soakRate, soakWindow: *soakWindow, cpuProfile: *cpuProfile}
	if o.seconds < 1 || o.seconds > 600 || o.clients < 1 || o.clients > 256 || o.requests < 1 || o.requests > 100000 || o.budget < 1 || o.budget > 3600 ||
		o.importN < 1 || o.importN > 1_048_000 || o.searchN < 0 || o.searchN > 20_000_000 ||
		o.soakMinutes < 1 || o.soakMinutes > 1440 || o.soakRate < 1 || o.soakRate > 2000 || o.soakWindow < 5 || o.soakWindow > 3600 {
		return o, nil, errors.New("--seconds 1…600, --clients 1…256, --requests 1…100000, --budget 1…3600, --import-people 1…1048000, --search-people 0…20000000, " +
			"--soak-minutes 1…1440, --soak-rate 1…2000, --soak-window 5…3600")
	}
	o.parts = map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if !slices.Contains(benchParts, p) {
				return o, nil, fmt.Errorf("--only: unknown part %q (intake, queue, dashboard, locate, disputes, assess, import, search, soak)", p)
			}
			o.parts[p] = true
		}
	}
	return o, cfg, nil
}

// startCPUProfile profiles the process into the file at path until stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// readDemoResult reads the demo.json that gridgov demo left in dataDir.
func readDemoResult(dataDir string) (demo.Result, error) {
	var res demo.Result
	b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
	if err != nil {
		return res, fmt.Errorf("%w: bench needs a demo data set (gridgov demo --data DIR --scale city)", err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, fmt.Errorf("demo.json: %w", err)
	}
	return res, nil
}

// serveBench serves the app on a loopback listener and returns the bench
// that calls it, and what stops both.
func serveBench(ctx context.Context, a *app.App, res demo.Result, o benchOpts) (*bench, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: a.Router, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	b := &bench{ctx: ctx, a: a, res: res, base: "http://" + ln.Addr().String(), budget: time.Duration(o.budget) * time.Second,
		transport: &http.Transport{MaxIdleConnsPerHost: o.clients + 8, MaxConnsPerHost: 0}}
	return b, func() { b.transport.CloseIdleConnections(); srv.Close() }, nil
}

// printHeader prints what the run measures on, and returns the number of
// events, for the table.
func (b *bench) printHeader(out io.Writer) (int64, error) {
	var events, grids int64
	q := b.a.DB.Reader()
	if err := q.QueryRowContext(b.ctx, "SELECT count(*) FROM events").Scan(&events); err != nil {
		return 0, err
	}
	if err := q.QueryRowContext(b.ctx, "SELECT count(*) FROM grids").Scan(&grids); err != nil {
		return 0, err
	}
	fmt.Fprintf(out, "gridgov bench: %s scale, %s, %d events, %d grids; %s, %d CPUs (GOMAXPROCS %d), %s\n\n",
		b.res.Scale, b.a.DB.Dialect, events, grids, runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel())
	return events, nil
}

// measure runs the parts asked for, in the order of benchParts.
func (b *bench) measure(o benchOpts, cfg config.Config, t *benchTable, out io.Writer) error {
	run := map[string]func() error{
		"queue":     func() error { return b.measureQueue(o.requests, t) },
		"dashboard": func() error { return b.measureDashboard(o.requests, t) },
		"locate":    func() error { return b.measureLocate(o.requests, t) },
		"disputes":  func() error { return b.measureDisputes(o.requests, t) },
		"assess":    func() error { return b.measureAssess(t, out) },
		"intake":    func() error { return b.measureIntake(cfg, o.clients, o.seconds, t) },
		"import":    func() error { return b.benchImport(cfg, o.importN, out, t.row) },
		"search":    func() error { return b.benchSearch(cfg, o.searchN, o.requests, out, t.row, t.vsRaw) },
		"soak": func() error {
			w := time.Duration(o.soakWindow) * time.Second
			windows := max(4, int((time.Duration(o.soakMinutes)*time.Minute)/w))
			return b.soak(o.soakRate, windows, w, out)
		},
	}
	for _, p := range benchParts {
		if o.parts[p] {
			if err := run[p](); err != nil {
				return err
			}
		}
	}
	return nil
}

// benchTable collects the figures of a run: each is printed as it comes
// and again in the closing Markdown table.
type benchTable struct {
	out  io.Writer
	runs int // of each raw ceiling
	rows [][3]string
}

func (t *benchTable) row(what, figure, note string) {
	t.rows = append(t.rows, [3]string{what, figure, note})
	fmt.Fprintf(t.out, "  %s: %s %s\n", what, figure, note)
}

// vsRaw measures a raw ceiling and prints each page's speed as a share of it.
func (t *benchTable) vsRaw(what string, raw func(n int) (latency, error), pages ...measured) error {
	l, err := raw(t.runs)
	if err != nil {
		return err
	}
	t.row("raw ceiling: "+what, percentiles(l), fmt.Sprintf("max %s, %d runs one after another", ms(l.max), l.n))
	for _, p := range pages {
		t.row(p.what+" / raw ceiling (p50)", fmt.Sprintf("%.0f %%", 100*l.p50.Seconds()/p.l.p50.Seconds()), "")
	}
	return nil
}

// print writes the Markdown table, when there is something in it.
func (t *benchTable) print(dialect db.Dialect, events int64) {
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintf(t.out, "\n| measure (%s, %d events) | figure | notes |\n|---|---|---|\n", dialect, events)
	for _, r := range t.rows {
		fmt.Fprintf(t.out, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
}

// percentiles is a latency figure.
func percentiles(l latency) string {
	return fmt.Sprintf("p50 %s, p95 %s", ms(l.p50), ms(l.p95))
}

// measureQueue times the intake operator's queue page.
func (b *bench) measureQueue(requests int, t *benchTable) error {
	c, err := b.login("intake")
	if err != nil {
		return err
	}
	l, err := b.latency(requests, func(int) string { return "/api/v1/events?state=open&limit=50" }, c)
	if err != nil {
		return err
	}
	t.row("queue page `GET /api/v1/events?state=open&limit=50` (intake operator, county scope)", percentiles(l), fmt.Sprintf("max %s, %d requests one after another", ms(l.max), l.n))
	return t.vsRaw("the newest 51 open events of the area, bare SQL", b.rawQueue, measured{"queue page", l})
}

// measureDashboard times the leader's dashboard of the county.
func (b *bench) measureDashboard(requests int, t *benchTable) error {
	c, err := b.login("leader")
	if err != nil {
		return err
	}
	county, err := b.orgOf("leader")
	if err != nil {
		return err
	}
	l, err := b.latency(requests, func(int) string { return "/api/v1/dashboard?org_id=" + url.QueryEscape(county) }, c)
	if err != nil {
		return err
	}
	t.row("dashboard `GET /api/v1/dashboard?org_id=<county>` (leader, 12 months)", percentiles(l), fmt.Sprintf("max %s, %d requests one after another", ms(l.max), l.n))
	return t.vsRaw("the county's events of 12 months counted by category and channel, bare SQL", b.rawDashboard, measured{"dashboard", l})
}

// measureLocate times point→grid at positions of the county's events.
func (b *bench) measureLocate(requests int, t *benchTable) error {
	c, err := b.login("intake")
	if err != nil {
		return err
	}
	pts, err := b.points(requests + 10)
	if err != nil {
		return err
	}
	l, err := b.latency(requests, func(i int) string {
		p := pts[i%len(pts)]
		return fmt.Sprintf("/api/v1/locate?lat=%v&lng=%v", p[0], p[1])
	}, c)
	if err != nil {
		return err
	}
	t.row("point→grid `GET /api/v1/locate` (random points of the county's events)", percentiles(l), fmt.Sprintf("max %s, %d requests one after another", ms(l.max), l.n))
	brute := func(n int) (latency, error) { return b.rawLocate(n, pts) }
	return t.vsRaw("brute-force point-in-polygon over every grid, in memory", brute, measured{"point→grid", l})
}

// measureIntake runs durable intake through the API, then the raw insert
// ceiling, each for seconds from clients at once.
func (b *bench) measureIntake(cfg config.Config, clients, seconds int, t *benchTable) error {
	d := time.Duration(seconds) * time.Second
	api, err := b.intakeAPI(clients, d)
	if err != nil {
		return err
	}
	t.row(fmt.Sprintf("durable intake `POST /api/v1/events`, %d clients, %ds", clients, seconds),
		fmt.Sprintf("%.0f reports/s", api.rate), fmt.Sprintf("%d acknowledged, %d failed; latency %s", api.ok, api.failed, percentiles(api.lat)))
	raw, err := b.intakeRaw(cfg, api.sample, clients, d)
	if err != nil {
		return err
	}
	t.row(fmt.Sprintf("raw ceiling: events + event_log + audit row, one transaction each, %d writers, %ds", clients, seconds),
		fmt.Sprintf("%.0f reports/s", raw.rate), fmt.Sprintf("%d committed; latency %s", raw.ok, percentiles(raw.lat)))
	t.row("intake / raw ceiling", fmt.Sprintf("%.0f %%", 100*api.rate/raw.rate), "")
	return nil
}

type bench struct {
	ctx       context.Context
	a         *app.App
	res       demo.Result
	base      string
	budget    time.Duration // per latency figure
	transport *http.Transport
	seq       atomic.Int64
}

// benchClient is a signed-in session.
type benchClient struct {
	http *http.Client
	csrf string
}

func (b *bench) account(username string) (demo.Account, error) {
	for _, acc := range b.res.Accounts {
		if acc.Username == username {
			return acc, nil
		}
	}
	return demo.Account{}, fmt.Errorf("demo.json has no account %s", username)
}

func (b *bench) login(username string) (*benchClient, error) {
	acc, err := b.account(username)
	if err != nil {
		return nil, err
	}
	creds := map[string]string{"username": acc.Username, "password": acc.Password}
	if acc.TOTPSecret != "" {
		if creds["otp"], err = b.nextOTP(acc); err != nil {
			return nil, err
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &benchClient{http: &http.Client{Jar: jar, Transport: b.transport, Timeout: 5 * time.Minute}}
	body, _ := json.Marshal(creds)
	st, ans, err := b.do(c, "POST", "/api/v1/auth/login", body, nil)
	if err != nil {
		return nil, err
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if st != 200 || json.Unmarshal(ans, &out) != nil {
		return nil, fmt.Errorf("login %s: %d %s", username, st, ans)
	}
	c.csrf = out.CSRF
	return c, nil
}

// nextOTP is a TOTP code of acc that the server takes at its next sign-in:
// each step is taken once, so the code is of the step after the last one
// used, waiting for that step to come into the accepted window when the
// account signs in again soon.
func (b *bench) nextOTP(acc demo.Account) (string, error) {
	var last int64
	err := b.a.DB.Reader().QueryRowContext(b.ctx, "SELECT totp_last_step FROM users WHERE username = ?", acc.Username).Scan(&last)
	if err != nil {
		return "", err
	}
	period := int64(totp.Period / time.Second)
	step := max(time.Now().Unix()/period, last+1)
	if wait := time.Until(time.Unix((step-totp.Skew)*period, 0)); wait > 0 {
		select {
		case <-time.After(wait):
		case <-b.ctx.Done():
			return "", b.ctx.Err()
		}
	}
	return totp.Code(acc.TOTPSecret, time.Unix(step*period, 0))
}

func (b *bench) do(c *benchClient, method, path string, body []byte, headers map[string]string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(b.ctx, method, b.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	ans, err := io.ReadAll(resp.Body)
	return resp.StatusCode, ans, err
}

// orgOf is the id of the org node a demo account is scoped to.
func (b *bench) orgOf(username string) (string, error) {
	acc, err := b.account(username)
	if err != nil {
		return "", err
	}
	return org.IDOfCode(b.ctx, b.a.DB.Reader(), acc.OrgCode)
}

// points are n positions of random events in the intake operator's area
// (so that every point is in a grid the caller may see).
func (b *bench) points(n int) ([][2]float64, error) {
	path, err := b.pathOf("intake")
	if err != nil {
		return nil, err
	}
	under, args := authz.Under("path", path)
	rows, err := b.a.DB.Reader().QueryContext(b.ctx, "SELECT lat, lng FROM events WHERE "+under+" AND lat IS NOT NULL ORDER BY random() LIMIT "+strconv.Itoa(n),
		args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]float64
	for rows.Next() {
		var p [2]float64
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == 0 && rows.Err() == nil {
		out = append(out, [2]float64{b.res.Center.Lat, b.res.Center.Lng})
	}
	return out, rows.Err()
}

// measured is a page's latency, named for the ratio rows.
type measured struct {
	what string
	l    latency
}

type latency struct {
	n                  int
	p50, p95, p99, max time.Duration
}

func summarize(d []time.Duration) latency {
	slices.Sort(d)
	if len(d) == 0 {
		return latency{}
	}
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return latency{n: len(d), p50: at(0.50), p95: at(0.95), p99: at(0.99), max: d[len(d)-1]}
}

// latency times n GETs one after another (see timed).
func (b *bench) latency(n int, path func(i int) string, c *benchClient) (latency, error) {
	return b.timed(n, func(i int) (int, []byte, error) { return b.do(c, "GET", path(i), nil, nil) })
}

// timed times n requests one after another, after up to 10 unmeasured ones;
// slow requests shorten the warm-up (at least one) and the run (at least 5
// measured, then stop when the time budget is spent). Request i must answer
// 200.
func (b *bench) timed(n int, req func(i int) (int, []byte, error)) (latency, error) {
	one := func(i int) (time.Duration, error) {
		t0 := time.Now()
		st, ans, err := req(i)
		if err == nil && st != 200 {
			err = fmt.Errorf("request %d: %d %s", i, st, ans)
		}
		return time.Since(t0), err
	}
	start := time.Now()
	for i := 0; i < 10 && (i == 0 || time.Since(start) < b.budget/10); i++ {
		if _, err := one(i); err != nil {
			return latency{}, err
		}
	}
	var d []time.Duration
	start = time.Now()
	for i := 0; i < n && (i < 5 || time.Since(start) < b.budget); i++ {
		el, err := one(i + 10)
		if err != nil {
			return latency{}, err
		}
		d = append(d, el)
	}
	return summarize(d), nil
}

type rate struct {
	ok, failed int64
	rate       float64
	lat        latency
	sample     string // id of one event made
}

// intakeAPI posts reports as the demo grid member from n clients for d, each
// with its own Idempotency-Key; a 201 comes only after the commit.
func (b *bench) intakeAPI(n int, d time.Duration) (rate, error) {
	c, err := b.login("gridmember")
	if err != nil {
		return rate{}, err
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var r rate
	var mu sync.Mutex
	var lats []time.Duration
	var firstErr error
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && b.ctx.Err() == nil {
				i := b.seq.Add(1)
				body := fmt.Appendf(nil, `{"channel":"grid","category_code":"0101","description":"gridgov bench: report %s-%d","lat":%v,"lng":%v}`,
					run, i, b.res.Center.Lat, b.res.Center.Lng)
				t0 := time.Now()
				st, ans, err := b.do(c, "POST", "/api/v1/events", body, map[string]string{"Idempotency-Key": "bench-" + run + "-" + strconv.FormatInt(i, 10)})
				el := time.Since(t0)
				mu.Lock()
				if err == nil && st == 201 {
					r.ok++
					mine = append(mine, el)
					if r.sample == "" {
						var e struct {
							ID string `json:"id"`
						}
						json.Unmarshal(ans, &e)
						r.sample = e.ID
					}
				} else {
					r.failed++
					if firstErr == nil {
						firstErr = fmt.Errorf("POST /api/v1/events: %d %s %v", st, ans, err)
					}
				}
				mu.Unlock()
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.rate = float64(r.ok) / time.Since(start).Seconds()
	r.lat = summarize(lats)
	if r.ok == 0 {
		return r, fmt.Errorf("no report acknowledged: %v", firstErr)
	}
	if firstErr != nil {
		slog.Warn("bench intake: some reports failed", "failed", r.failed, "first", firstErr)
	}
	return r, nil
}

// intakeRaw is the ceiling: the same three rows a report writes — the event,
// its timeline entry and a chained audit row — inserted directly, one
// transaction per report, from n writers for d, on a second handle opened
// with db.Open (same database, same pragmas and durability).
func (b *bench) intakeRaw(cfg config.Config, sampleID string, n int, d time.Duration) (rate, error) {
	raw, err := db.Open(b.ctx, cfg.DBURL())
	if err != nil {
		return rate{}, err
	}
	defer raw.Close()
	// Place and reporter as a real report of the same point has them.
	var gridID, orgID, path, reporter string
	err = raw.Reader().QueryRowContext(b.ctx, "SELECT grid_id, org_id, path, reporter_id FROM events WHERE id = ?", sampleID).
		Scan(&gridID, &orgID, &path, &reporter)
	if err != nil {
		return rate{}, fmt.Errorf("raw: the sample report: %w", err)
	}
	ctx := authz.WithPrincipal(b.ctx, authz.System())
	var r rate
	var mu sync.Mutex
	var lats []time.Duration
	var firstErr error
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && b.ctx.Err() == nil {
				t0 := time.Now()
				err := raw.InTx(ctx, func(tx *db.Tx) error {
					id := db.NewID()
					now := time.Now()
					ms := now.UnixMilli()
					due, warn := ms+30*60_000, ms+24*60_000
					if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, no, channel, category_code, urgency, description, address, lat, lng, grid_id, org_id, path, level,
						state, stage, stage_started_at, stage_warn_at, stage_due_at, reporter_id, reporter_name, reporter_phone, attributes, media_url, resolved_level, closed_at, created_at, updated_at)
						VALUES (?, ?, 'grid', '0101', 'normal', ?, '', ?, ?, ?, ?, ?, 'village', 'reported', 'intake', ?, ?, ?, ?, '', '', '{}', '', NULL, NULL, ?, ?)`,
						id, "bench-"+id, "gridgov bench: raw insert", b.res.Center.Lat, b.res.Center.Lng, gridID, orgID, path,
						ms, warn, due, reporter, ms, ms); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state, unit_id, note)
						VALUES (?, 1, ?, ?, 'gridgov bench', 'grid_member', 'report', '', 'reported', NULL, '')`, id, ms, reporter); err != nil {
						return err
					}
					return b.a.Audit.Record(ctx, tx, authz.EventReport, audit.Entry{UserID: reporter, Username: "gridgov-bench", Role: "grid_member",
						Action: "event.report", ObjectType: "event", ObjectID: id, Detail: "bench raw insert"})
				})
				el := time.Since(t0)
				mu.Lock()
				if err == nil {
					r.ok++
					mine = append(mine, el)
				} else {
					r.failed++
					if firstErr == nil {
						firstErr = err
					}
				}
				mu.Unlock()
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.rate = float64(r.ok) / time.Since(start).Seconds()
	r.lat = summarize(lats)
	if firstErr != nil {
		return r, fmt.Errorf("raw insert: %d failed, first: %w", r.failed, firstErr)
	}
	return r, nil
}

func ms(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < 100*time.Microsecond:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// cpuModel names the processor (Linux), for the record.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
