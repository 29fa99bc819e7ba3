package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db/dbtest"
)

// With GRIDGOV_METRICS_ADDR the metrics are served on that address alone,
// with no token, and not on the main address.
func TestServeMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbtest.URL(t)
	if cfg.DatabaseURL[0] == '/' { // a SQLite path: keep it in the data dir
		cfg.DatabaseURL = ""
	}
	cfg.Addr, cfg.MetricsAddr, cfg.MetricsToken = "127.0.0.1:0", "127.0.0.1:0", ""
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, pw); pw.Close() }()
	var main, metrics string
	lines := bufio.NewScanner(pr)
	for (main == "" || metrics == "") && lines.Scan() {
		line := lines.Text()
		if u, ok := strings.CutPrefix(line, "gridgov serving "); ok {
			main, _, _ = strings.Cut(u, " ")
		}
		if u, ok := strings.CutPrefix(line, "metrics at "); ok {
			metrics = u
		}
	}
	go io.Copy(io.Discard, pr)
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if main == "" || metrics == "" {
		t.Fatalf("addresses not printed: %q %q", main, metrics)
	}
	get := func(url string) (int, string) {
		t.Helper()
		r, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if st, body := get(metrics); st != 200 || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics address: %d %.200s", st, body)
	}
	if st, body := get(main + "/metrics"); st != 404 || strings.Contains(body, "go_goroutines") {
		t.Fatalf("main address: %d %.200s", st, body)
	}
	if st, _ := get(strings.TrimSuffix(metrics, "/metrics") + "/healthz"); st != 404 {
		t.Fatalf("the metrics address serves more than the metrics: %d", st)
	}
}
