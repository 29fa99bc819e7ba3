package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/config"
)

func runServe(ctx context.Context, args []string, out io.Writer) error {
	fs, cfg := flags("serve")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env GRIDGOV_ADDR)")
	fs.StringVar(&cfg.AuditAnchors, "anchors", cfg.AuditAnchors, "file the audit chain's anchors are appended to, on another disk or host in production (env GRIDGOV_AUDIT_ANCHORS; default DATA/audit-anchors.log)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return serve(ctx, *cfg, out)
}

func serve(ctx context.Context, cfg config.Config, out io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	lease, err := cfg.Lease()
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	warnings, err := startWarnings(ctx, a)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		slog.Warn(w)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var mln net.Listener // the metrics address, when one is set
	if cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("GRIDGOV_METRICS_ADDR: %w", err)
		}
	}
	srv := &http.Server{Handler: a.Router, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	host, _ := os.Hostname()
	jobs := a.Jobs(fmt.Sprintf("%s:%d:%s", host, os.Getpid(), ln.Addr()))
	jobs.Lease = lease
	jobs.Start(ctx)
	a.Background(ctx)
	fmt.Fprintf(out, "gridgov serving http://%s (database: %s)\n", ln.Addr(), a.DB.Dialect)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.Metrics)
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		defer msrv.Close()
		go func() { errc <- msrv.Serve(mln) }()
		fmt.Fprintf(out, "metrics at http://%s/metrics\n", mln.Addr())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return a.Shutdown(sctx)
}

// startWarnings are what the server logs as it starts: where the key and
// anchors are kept, and a year the work calendar lacks.
func startWarnings(ctx context.Context, a *app.App) ([]string, error) {
	cal, err := a.Calendar.Warnings(ctx)
	return append(a.StorageWarnings(), cal...), err
}
