package demo_test

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/org"
)

// BenchmarkAssessCity times the monthly scoring of every member of the
// city's grid workforce (the city-scale tree without its events, plus a
// month of reports and re-checks for each full- and part-time member)
// through the service: the month's board at member level over the city.
// Run: go test -run x -bench AssessCity -benchtime 3x ./internal/demo/
func BenchmarkAssessCity(b *testing.B) {
	if testing.Short() {
		b.Skip("builds the city's tree")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gridgov-bench-assess-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = dir, ""
	a, err := app.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	a.Authn.Params = password.TestParams
	t0 := time.Now()
	if _, err := demo.Build(ctx, demo.Deps{DB: a.DB, Authn: a.Authn, NoEvents: true}, demo.Scales["city"], 2026, io.Discard); err != nil {
		b.Fatal(err)
	}
	b.Logf("city tree in %v", time.Since(t0).Round(time.Second))
	sys := authz.WithPrincipal(ctx, authz.System())
	root, err := org.TopUnder(sys, a.DB.Reader(), "/")
	if err != nil {
		b.Fatal(err)
	}
	path, _ := org.PathOf(sys, a.DB.Reader(), root, "")
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	start := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, cst)
	t0 = time.Now()
	members, wrote, err := demo.AssessMonth(sys, a.DB, path, start.UnixMilli(), start.AddDate(0, 1, 0).UnixMilli())
	if err != nil {
		b.Fatal(err)
	}
	if err := a.DB.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d events for %d members in %v", wrote, members, time.Since(t0).Round(time.Second))
	b.ResetTimer()
	for range b.N {
		bd, err := a.Assess.Board(sys, assess.BoardQuery{Period: "month", Month: start.Format("2006-01"), Level: "member", OrgID: root})
		if err != nil {
			b.Fatal(err)
		}
		if len(bd.Rows) < members {
			b.Fatalf("%d rows for %d members", len(bd.Rows), members)
		}
	}
}
