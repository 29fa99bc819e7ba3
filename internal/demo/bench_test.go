package demo_test

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/geo"
)

var city struct {
	once sync.Once
	app  *app.App
	res  demo.Result
	err  error
}

// cityApp builds the city-scale demo (all of 河源市, ~10,000 grids) once
// into a temporary SQLite database.
func cityApp(b *testing.B) (*app.App, demo.Result) {
	city.once.Do(func() {
		dir, err := os.MkdirTemp("", "gridgov-bench-")
		if err != nil {
			city.err = err
			return
		}
		cfg := config.Default()
		cfg.DataDir, cfg.DatabaseURL = dir, ""
		a, err := app.Open(context.Background(), cfg)
		if err != nil {
			city.err = err
			return
		}
		a.Authn.Params = password.TestParams
		city.res, city.err = demo.Build(context.Background(), demo.Deps{DB: a.DB, Authn: a.Authn}, demo.Scales["city"], 2026, io.Discard)
		city.app = a
	})
	if city.err != nil {
		b.Fatal(city.err)
	}
	return city.app, city.res
}

// points are random positions over the tiled area's bounding box: most fall
// in a grid of every layer's ground, some in none.
func points(idx *geo.Index, n int) []geo.Point {
	rng := rand.New(rand.NewPCG(1, 2))
	var bb = geo.EmptyBBox()
	for _, p := range []geo.Point{{Lng: 114.24, Lat: 23.16}, {Lng: 115.6, Lat: 24.8}} { // 河源市
		bb.Extend(p)
	}
	out := make([]geo.Point, n)
	for i := range out {
		out[i] = geo.Point{Lng: bb.MinLng + rng.Float64()*(bb.MaxLng-bb.MinLng), Lat: bb.MinLat + rng.Float64()*(bb.MaxLat-bb.MinLat)}
	}
	return out
}

// BenchmarkLocateCity compares point→grid lookups over the city-scale demo
// (every layer) through the R-tree index with a brute-force scan of every
// grid, in the same run. Run: go test -run x -bench LocateCity ./internal/demo/
func BenchmarkLocateCity(b *testing.B) {
	a, res := cityApp(b)
	idx, err := a.Org.Index(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	pts := points(idx, 4096)
	b.Logf("%d grids of the main layer, %d grids in all layers", res.Grids, idx.Len())
	b.Run("rtree", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			idx.Locate(pts[i%len(pts)])
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	})
	b.Run("brute", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			idx.LocateBrute(pts[i%len(pts)])
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	})
	b.Run("service", func(b *testing.B) { // with the caller's scope check, as the API does
		ctx := authz.WithPrincipal(context.Background(), authz.System())
		for i := 0; b.Loop(); i++ {
			if _, err := a.Org.Locate(ctx, "zh-CN", pts[i%len(pts)]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	})
}
