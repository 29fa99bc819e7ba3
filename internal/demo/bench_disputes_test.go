package demo_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/dispute"
)

// BenchmarkDisputeListCity times the dispute case list over the city's
// year of cases (the city-scale demo without its events: the tree, the
// accounts and ~23,000 cases) through the service, as the county's and
// the city's mediator: the first page, a filtered page and a deep page by
// cursor. Run: go test -run x -bench DisputeListCity ./internal/demo/
func BenchmarkDisputeListCity(b *testing.B) {
	if testing.Short() {
		b.Skip("builds the city's tree and cases")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gridgov-bench-disputes-")
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
	res, err := demo.Build(ctx, demo.Deps{DB: a.DB, Authn: a.Authn, NoEvents: true, Disputes: a.Disputes}, demo.Scales["city"], 2026, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	if err := a.DB.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d cases", res.Disputes)
	for _, user := range []string{"mediator", demo.CityMediator} {
		var uid string
		if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = ?", user).Scan(&uid); err != nil {
			b.Fatal(err)
		}
		grants, err := authn.LoadGrants(ctx, a.DB.Reader(), uid)
		if err != nil {
			b.Fatal(err)
		}
		pctx := authz.WithPrincipal(ctx, &authz.Principal{UserID: uid, Username: user, Grants: grants})
		// the cursor of the 1,000th case of the list (the first county holds ~1,400)
		cursor := ""
		for range 10 {
			_, next, err := a.Disputes.List(pctx, dispute.Query{After: cursor, Limit: 100})
			if err != nil || next == "" {
				b.Fatalf("paging to the deep cursor: %v", err)
			}
			cursor = next
		}
		for _, q := range []struct {
			name string
			q    dispute.Query
		}{
			{"first", dispute.Query{Limit: 50}},
			{"filtered", dispute.Query{Status: "mediating", Route: "people_mediation", Limit: 50}},
			{"deep", dispute.Query{After: cursor, Limit: 50}},
		} {
			b.Run(user+"/"+q.name, func(b *testing.B) {
				for b.Loop() {
					page, _, err := a.Disputes.List(pctx, q.q)
					if err != nil || len(page) == 0 {
						b.Fatalf("%d cases, %v", len(page), err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			})
		}
	}
}
