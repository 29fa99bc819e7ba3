// Package e2e holds the browser tests of gridgov: a real server
// (internal/testapp, with the county demo) and the embedded web console,
// driven through Debian's Chromium with chromedp.
//
// The tests need Chromium at /usr/bin/chromium (or $CHROME_PATH). Without it
// they are skipped, unless GRIDGOV_E2E=1 is set (as in CI), when they fail.
// With -short they are skipped too, unless GRIDGOV_E2E=1 is set; with
// GRIDGOV_E2E=0 always (CI runs them in a step of their own).
//
// The tests run in parallel (go test -parallel, the number of CPUs unless
// set): each has its own server, copy of the demo and browser, and spends
// most of its time waiting for the page, so two at a time on two cores take
// well under half as long as one after another.
// Each test saves PNG screenshots of its key moments into $GRIDGOV_SCREENSHOTS,
// or e2e/screenshots/ when that is unset, or none when it is "off" (CI); a
// failing test always saves FAIL-<test>.png.
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

const (
	// Generous: in CI the suite runs beside the PostgreSQL tests on two cores.
	testTimeout = 180 * time.Second // everything a test does in the browser
	waitTimeout = 40 * time.Second  // one wait (element, condition)
)

// chromePath is the browser to drive; it skips the test (or fails it when
// GRIDGOV_E2E=1) when there is none.
func chromePath(t *testing.T) string {
	t.Helper()
	switch e2e := os.Getenv("GRIDGOV_E2E"); {
	case e2e == "0":
		t.Skip("GRIDGOV_E2E=0: the browser tests run elsewhere")
	case testing.Short() && e2e != "1":
		t.Skip("browser tests take minutes: skipped with -short (GRIDGOV_E2E=1 runs them)")
	}
	p := os.Getenv("CHROME_PATH")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		if os.Getenv("GRIDGOV_E2E") == "1" {
			t.Fatalf("GRIDGOV_E2E=1 but no browser: %v (install chromium or set CHROME_PATH)", err)
		}
		t.Skipf("no browser at %s (set CHROME_PATH, or GRIDGOV_E2E=1 to make this an error)", p)
	}
	return p
}

// screenshotDir is where screenshots go, created on first use.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GRIDGOV_SCREENSHOTS")
	if dir == "" || dir == "off" {
		dir = "screenshots" // the package directory: e2e/screenshots
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	return dir
}

// page is one browser tab on a running gridgov.
type page struct {
	t    *testing.T
	ctx  context.Context // the tab, limited to testTimeout
	tab  context.Context // the tab with no deadline (for the failure screenshot)
	base string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// testLogger forwards chromedp's messages to the test log until the test ends.
type testLogger struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (l *testLogger) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf("chromedp: "+format, args...)
	}
}

func (l *testLogger) stop() {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
}

// newPage starts a headless Chromium for the test with one tab, on the
// server at base. Everything is closed when the test ends.
func newPage(t *testing.T, base string) *page {
	t.Helper()
	exe := chromePath(t)
	profile, err := os.MkdirTemp("", "gridgov-e2e-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) }) // runs last: after the browser is gone

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true), // small /dev/shm in containers
		chromedp.Flag("password-store", "basic"),
		// What a test does not need costs CPU on a loaded two-core runner.
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-hang-monitor", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-features", "site-per-process,Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 900),
	}
	logger := &testLogger{t: t}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logger.logf))
	t.Cleanup(func() {
		logger.stop()
		cancelTab()
		cancelAlloc() // waits for the browser to exit
	})

	p := &page{t: t, tab: tab, base: strings.TrimRight(base, "/")}

	// Start the browser (the first Run binds it to tab, which has no deadline,
	// so a watchdog keeps the start from hanging).
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start %s: %v", exe, err)
		}
	case <-time.After(testTimeout):
		cancelTab()
		t.Fatalf("start %s: no answer in %s", exe, testTimeout)
	}

	// Collect the console: logged at the end, uncaught exceptions fail the test.
	go func() {
		for m, err := range chromedp.Console(tab) {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	}()

	ctx, cancel := context.WithTimeout(tab, testTimeout)
	p.ctx = ctx
	p.do("set the viewport", chromedp.EmulateViewport(1400, 900))
	p.do("no motion", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: noMotion})
		return chromedp.Void{}, err
	})
	t.Cleanup(func() {
		cancel()
		p.mu.Lock()
		msgs := p.console
		p.mu.Unlock()
		for _, m := range msgs {
			if m.IsException() {
				t.Errorf("browser: uncaught exception: %s (%s:%d)", m, m.URL, m.Line+1)
			} else if (m.Type == "error" || m.Type == "warning") &&
				!strings.Contains(m.Text, "the server responded with a status of 4") { // 401 before login, 423 when locked: checked by the tests
				t.Logf("browser console %s: %s", m.Type, m)
			}
		}
		if t.Failed() {
			sctx, scancel := context.WithTimeout(tab, 10*time.Second)
			defer scancel()
			if buf, err := chromedp.Run(sctx, chromedp.CaptureScreenshot()); err == nil {
				name := "FAIL-" + regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_") + ".png"
				path := filepath.Join(screenshotDir(t), name)
				if os.WriteFile(path, buf, 0o644) == nil {
					t.Logf("failure screenshot: %s", path)
				}
			}
		}
	}) // registered last, so it runs first: the tab is still open
	return p
}

// noMotion ends every transition and animation of the console at once,
// but the map's zoom (Leaflet waits for its end): each frame of a fade is
// drawn in software, and two browsers share two cores. What a test checks
// is where a page comes to rest, not how it moves there.
const noMotion = `document.addEventListener('DOMContentLoaded', () => {
	const s = document.createElement('style');
	s.textContent = '*:not([class*="leaflet"]), *::before, *::after { transition-duration: 0s !important; transition-delay: 0s !important; animation-duration: 0s !important; animation-delay: 0s !important; }';
	document.head.appendChild(s);
});`

// do runs the steps with the wait timeout, failing the test with what on error.
func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to a hash route of the console (e.g. "/login").
func (p *page) open(route string) {
	p.t.Helper()
	p.do("open #"+route, chromedp.Navigate(p.base+"/#"+route))
}

// visible waits until the CSS selector matches a visible element.
func (p *page) visible(sel string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// click waits for a visible element and clicks its center with the mouse.
func (p *page) click(sel string) {
	p.t.Helper()
	p.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// typeInto types text into an (empty) input as a person would.
func (p *page) typeInto(sel, text string) {
	p.t.Helper()
	p.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// setInput replaces the value of an input and tells Vue (an input event).
func (p *page) setInput(sel, value string) {
	p.t.Helper()
	p.visible(sel)
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
		set.call(el, %s);
		el.dispatchEvent(new Event('input', { bubbles: true }));
		return true;
	})()`, jsString(sel), jsString(value))
	evalJS[bool](p, "set "+sel, js)
}

// text is the visible text of the first element matching sel (trimmed).
func (p *page) text(sel string) string {
	p.t.Helper()
	return evalJS[string](p, "text of "+sel,
		fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText.trim() : '' })()`, jsString(sel)))
}

// evalJS evaluates a JavaScript expression and decodes its JSON value.
func evalJS[T any](p *page, what, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	v, err := retryContext(ctx, func() (T, error) { return chromedp.Run(ctx, chromedp.Evaluate[T](js)) })
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// retryContext runs f again while it fails because the page's JavaScript
// context is being replaced (just after a navigation or reload).
func retryContext[T any](ctx context.Context, f func() (T, error)) (T, error) {
	for {
		v, err := f()
		if err == nil || !strings.Contains(err.Error(), "Cannot find context with specified id") {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitFor polls a JavaScript expression until it is truthy. On timeout the
// test fails with what and the value of the diagnostic expression diag.
func (p *page) waitFor(what, cond, diag string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	_, err := retryContext(ctx, func() (chromedp.Void, error) {
		return chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(waitTimeout)))
	})
	if err != nil {
		state := ""
		if diag != "" {
			dctx, dcancel := context.WithTimeout(p.tab, 5*time.Second)
			raw, derr := chromedp.Run(dctx, chromedp.Evaluate[[]byte](diag))
			dcancel()
			state = fmt.Sprintf("; page state: %s (%v)", raw, derr)
		}
		p.t.Fatalf("wait for %s: %v%s", what, err, state)
	}
}

// pollJS polls a JavaScript expression until it is truthy and returns its value.
func pollJS[T any](p *page, what, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	v, err := retryContext(ctx, func() (T, error) {
		return chromedp.Run(ctx, chromedp.Poll[T](js,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(waitTimeout)))
	})
	if err != nil {
		p.t.Fatalf("wait for %s: %v", what, err)
	}
	return v
}

// waitText waits until the element's visible text contains want.
func (p *page) waitText(sel, want string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%s to show %q", sel, want),
		fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && e.innerText.includes(%s) })()`, jsString(sel), jsString(want)),
		fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText : null })()`, jsString(sel)))
}

// settle waits (at most a few seconds) until the page is still: no loading
// mask, no running finite animation or transition (tree expansion, tags,
// map zoom), fonts loaded. It does not fail: a page that never settles is
// shot as it is.
func (p *page) settle() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	_, err := retryContext(ctx, func() (chromedp.Void, error) {
		return chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.fonts.status === 'loaded'
			&& !document.querySelector('.el-loading-mask')
			&& document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	})
	if err != nil {
		p.t.Logf("the page did not settle before the screenshot: %v", err)
	}
}

// shot saves a screenshot of the viewport as <name>.png, once the page is still.
func (p *page) shot(name string) {
	p.t.Helper()
	p.settle()
	if os.Getenv("GRIDGOV_SCREENSHOTS") == "off" {
		return // CI: the page still settles where a picture would be taken
	}
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(screenshotDir(p.t), name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	p.t.Logf("screenshot: %s", path)
}

// rawKeyRE finds untranslated message keys (the console shows a missing key as itself).
var rawKeyRE = regexp.MustCompile(`\bui\.[a-z][a-z0-9_]*(\.[a-z0-9_]+)+`)

// noRawKeys fails the test when the page shows a message key such as ui.org.tree.
func (p *page) noRawKeys(where string) {
	p.t.Helper()
	body := evalJS[string](p, "page text", `document.body.innerText`)
	if keys := rawKeyRE.FindAllString(body, -1); len(keys) > 0 {
		p.t.Errorf("%s: untranslated keys on the page: %v", where, keys)
	}
}

// login signs in through the login form; otp may be empty.
func (p *page) login(acc demo.Account, otp string) {
	p.t.Helper()
	p.open("/login")
	p.visible("#login-username")
	p.typeInto("#login-username", acc.Username)
	p.typeInto("#login-password", acc.Password)
	if otp != "" {
		p.typeInto("#login-otp", otp)
	}
	p.click("#login-submit")
}

// loginAndWait signs in and waits for the console frame with the user's name.
func (p *page) loginAndWait(acc demo.Account, otp, displayName string) {
	p.t.Helper()
	p.login(acc, otp)
	p.visible(headerUser)
	p.waitText(headerUser+" .user-name", displayName)
}

// headerUser is the user's name and role in the header (the documented hook;
// it wraps the el-dropdown, whose own trigger gets a generated id).
const headerUser = "#header-user"

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return jsJSON(s) }

// jsJSON is v as a JavaScript literal.
func jsJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ---- the API side ----

// orgNode is the part of an OrgNode the tests use.
type orgNode struct {
	ID        string `json:"id"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	ParentID  string `json:"parent_id"`
	GridCount int    `json:"grid_count"`
}

func apiRoots(t *testing.T, c *testapp.Client) []orgNode {
	t.Helper()
	var out struct{ Items []orgNode }
	if st := c.Do("GET", "/api/v1/org/roots", nil, &out); st != 200 {
		t.Fatalf("GET /org/roots: %d", st)
	}
	return out.Items
}

func apiChildren(t *testing.T, c *testapp.Client, parentID string) []orgNode {
	t.Helper()
	var out struct{ Items []orgNode }
	if st := c.Do("GET", "/api/v1/org/nodes?parent_id="+parentID, nil, &out); st != 200 {
		t.Fatalf("GET /org/nodes?parent_id=%s: %d", parentID, st)
	}
	return out.Items
}

// apiNodeByCode walks down from the roots to the node with code (codes
// extend their parent's code).
func apiNodeByCode(t *testing.T, c *testapp.Client, code string) (node orgNode, path []orgNode) {
	t.Helper()
	level := apiRoots(t, c)
	for {
		var next *orgNode
		for i := range level {
			if level[i].Code == code {
				return level[i], append(path, level[i])
			}
			if strings.HasPrefix(code, level[i].Code) {
				next = &level[i]
			}
		}
		if next == nil {
			t.Fatalf("org node %s not found in the caller's tree", code)
		}
		path = append(path, *next)
		level = apiChildren(t, c, next.ID)
	}
}

// apiGridCodes are the codes of the grids under an org node (layer zz), from
// GET /grids/geojson, by grid id.
func apiGridCodes(t *testing.T, c *testapp.Client, orgID string) map[string]string {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties struct {
				ID   string `json:"id"`
				Code string `json:"code"`
			} `json:"properties"`
		} `json:"features"`
	}
	if st := c.Do("GET", "/api/v1/grids/geojson?org_id="+orgID+"&layer=zz", nil, &fc); st != 200 {
		t.Fatalf("GET /grids/geojson?org_id=%s: %d", orgID, st)
	}
	out := map[string]string{}
	for _, f := range fc.Features {
		out[f.Properties.ID] = f.Properties.Code
	}
	return out
}

// messages are the console's texts of a language: the server's messages
// (GET /i18n/{lang}, which hold the ui.* strings), over any strings the
// console bundles in web/src/i18n (when it has that folder), as the console
// merges them.
func messages(t *testing.T, c *testapp.Client, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if b, err := os.ReadFile(filepath.Join("..", "web", "src", "i18n", lang+".json")); err == nil {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("web/src/i18n/%s.json: %v", lang, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var server map[string]string
	if st := c.Do("GET", "/api/v1/i18n/"+lang, nil, &server); st != 200 {
		t.Fatalf("GET /i18n/%s: %d", lang, st)
	}
	for k, v := range server {
		out[k] = v
	}
	return out
}

// templateRE makes a regexp of a message with {params}.
func templateRE(msg string) *regexp.Regexp {
	parts := regexp.MustCompile(`\{\w+\}`).Split(msg, -1)
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile(strings.Join(parts, `.+?`))
}
