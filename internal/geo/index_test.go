package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

// squareGrid returns n×n squares of side s starting at (x0, y0), with IDs
// "i,j" (column, row). Coordinates are exact binary fractions.
func squareGrid(x0, y0, s float64, n int) []Entry {
	var es []Entry
	for j := range n {
		for i := range n {
			x, y := x0+float64(i)*s, y0+float64(j)*s
			es = append(es, Entry{ID: fmt.Sprintf("%d,%d", i, j), Layer: "grid", Geom: MultiPolygon{{rect(x, y, x+s, y+s)}}})
		}
	}
	return es
}

// TestBoundaryRuleSquares checks every vertex, edge midpoint and cell
// centre of a 4×4 grid of squares against the documented rule: a point
// belongs to the square to its east, or north for horizontal edges, i.e.
// to the square whose lower-left corner is at or just west/south of it.
func TestBoundaryRuleSquares(t *testing.T) {
	t.Parallel()
	const x0, y0, s, n = 114.0, 23.0, 0.125, 4
	ix, err := NewIndex(squareGrid(x0, y0, s, n))
	if err != nil {
		t.Fatal(err)
	}
	for j2 := -1; j2 <= 2*n+1; j2++ {
		for i2 := -1; i2 <= 2*n+1; i2++ {
			// Half-steps: even = on a grid line, odd = in between.
			p := Point{x0 + float64(i2)*s/2, y0 + float64(j2)*s/2}
			ci, cj := int(math.Floor(float64(i2)/2)), int(math.Floor(float64(j2)/2))
			var want []Hit
			if ci >= 0 && ci < n && cj >= 0 && cj < n {
				want = []Hit{{Layer: "grid", ID: fmt.Sprintf("%d,%d", ci, cj)}}
			}
			got := ix.Locate(p)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Locate(%v) = %v, want %v", p, got, want)
			}
			if brute := ix.LocateBrute(p); !reflect.DeepEqual(brute, want) {
				t.Errorf("LocateBrute(%v) = %v, want %v", p, brute, want)
			}
		}
	}
}

// TestBoundaryRuleFan checks slanted shared edges and a vertex shared by
// eight polygons: every point on a spoke or at the hub is in exactly one.
func TestBoundaryRuleFan(t *testing.T) {
	t.Parallel()
	hub := Point{114.5, 23.5}
	// Spoke ends at exactly representable offsets, so midpoints are exact
	// and lie exactly on the spokes.
	offs := []Point{{0.25, 0}, {0.25, 0.125}, {0, 0.25}, {-0.125, 0.25}, {-0.25, 0}, {-0.25, -0.25}, {0, -0.25}, {0.125, -0.25}}
	var es []Entry
	ends := make([]Point, len(offs))
	for k, o := range offs {
		ends[k] = Point{hub.Lng + o.Lng, hub.Lat + o.Lat}
	}
	for k := range ends {
		a, b := ends[k], ends[(k+1)%len(ends)]
		es = append(es, Entry{ID: fmt.Sprint(k), Layer: "wedge", Geom: MultiPolygon{{Ring{hub, a, b, hub}}}})
	}
	ix, err := NewIndex(es)
	if err != nil {
		t.Fatal(err)
	}
	points := []Point{hub}
	for k, e := range ends {
		for _, f := range []float64{0.25, 0.5, 0.75} {
			p := Point{hub.Lng + f*(e.Lng-hub.Lng), hub.Lat + f*(e.Lat-hub.Lat)}
			if orient(hub, e, p) != 0 {
				t.Fatalf("spoke %d point %v not exactly on the spoke", k, p)
			}
			points = append(points, p)
		}
	}
	for _, p := range points {
		got := ix.Locate(p)
		if len(got) != 1 {
			t.Errorf("Locate(%v) = %v, want exactly one", p, got)
			continue
		}
		if brute := ix.LocateBrute(p); !reflect.DeepEqual(brute, got) {
			t.Errorf("LocateBrute(%v) = %v, Locate %v", p, brute, got)
		}
		// The winner contains the point nudged east (and a hair north).
		nudged := Point{math.Nextafter(p.Lng, 200) + 1e-9, p.Lat + 1e-12}
		var k int
		fmt.Sscan(got[0].ID, &k)
		if !es[k].Geom.Contains(nudged) {
			t.Errorf("%v went to wedge %d, which is not east of it", p, k)
		}
	}
	// The hub belongs to the wedge spanning due east-north-east: wedge 0.
	if got := ix.Locate(hub); len(got) != 1 || got[0].ID != "0" {
		t.Errorf("hub: %v", got)
	}
}

// tiledIndex tiles 源城区 and indexes towns, villages and grids.
func tiledIndex(t *testing.T) (TileResult, *Index) {
	res, err := Tile(yuanchengOutline(t), yuanchengSpec(t), 11)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewIndex(gridEntries(res, true))
	if err != nil {
		t.Fatal(err)
	}
	return res, ix
}

// TestLocateTiling compares Locate with LocateBrute over random points and
// over lattice vertices and edge midpoints of a generated tiling.
func TestLocateTiling(t *testing.T) {
	t.Parallel()
	res, ix := tiledIndex(t)
	if got := ix.Layers(); !reflect.DeepEqual(got, []string{"1-town", "2-village", "3-grid"}) {
		t.Fatalf("layers %v", got)
	}
	b := res.Outline.Bounds()
	rng := rand.New(rand.NewPCG(5, 6))
	inside := 0
	for range 20000 {
		p := Point{b.MinLng + rng.Float64()*(b.MaxLng-b.MinLng), b.MinLat + rng.Float64()*(b.MaxLat-b.MinLat)}
		got := ix.Locate(p)
		if brute := ix.LocateBrute(p); !reflect.DeepEqual(got, brute) {
			t.Fatalf("%v: Locate %v, LocateBrute %v", p, got, brute)
		}
		if res.Outline.Contains(p) {
			inside++
			if len(got) != 3 {
				t.Fatalf("%v inside the outline: %v", p, got)
			}
			checkNesting(t, got)
		} else if len(got) != 0 {
			t.Fatalf("%v outside the outline: %v", p, got)
		}
	}
	t.Logf("%d of 20000 random points inside", inside)

	// Lattice points: a vertex, the midpoint of its north edge and of its
	// east edge all belong to the cell to their north-east, whose centre
	// is unambiguous.
	k := float64(res.CellsPerDegree)
	i0, j0 := int(math.Floor(b.MinLng*k)), int(math.Floor(b.MinLat*k))
	w, h := int(math.Ceil(b.MaxLng*k))-i0, int(math.Ceil(b.MaxLat*k))-j0
	for j := -1; j <= h; j++ {
		for i := -1; i <= w; i++ {
			want := ix.Locate(Point{(float64(i0+i) + 0.5) / k, (float64(j0+j) + 0.5) / k})
			x, y := float64(i0+i)/k, float64(j0+j)/k
			xm, ym := (float64(i0+i)+0.5)/k, (float64(j0+j)+0.5)/k
			for _, p := range []Point{{x, y}, {x, ym}, {xm, y}} {
				got := ix.Locate(p)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("lattice point %v: %v, want %v", p, got, want)
				}
				if brute := ix.LocateBrute(p); !reflect.DeepEqual(brute, want) {
					t.Fatalf("lattice point %v: brute %v, want %v", p, brute, want)
				}
			}
		}
	}
}

// checkNesting asserts that the village is in the town and the grid in the
// village, by code prefix.
func checkNesting(t *testing.T, hits []Hit) {
	t.Helper()
	town, village, grid := hits[0].Code, hits[1].Code, hits[2].Code
	if village[:9] != town || grid[:12] != village {
		t.Fatalf("inconsistent hits %v", hits)
	}
}

func TestLocateOutsideAndEdgeCases(t *testing.T) {
	t.Parallel()
	_, ix := tiledIndex(t)
	for _, p := range []Point{{0, 0}, {114, 23}, {116, 25}, {math.NaN(), 23.7}, {114.7, math.Inf(1)}} {
		if got := ix.Locate(p); got != nil {
			t.Errorf("Locate(%v) = %v", p, got)
		}
	}
	var nilIx *Index
	if nilIx.Locate(Point{114.7, 23.7}) != nil || nilIx.Len() != 0 {
		t.Error("nil index")
	}
	empty, err := NewIndex(nil)
	if err != nil || empty.Locate(Point{114.7, 23.7}) != nil {
		t.Error("empty index")
	}
	if _, err := NewIndex([]Entry{{ID: "a"}}); err == nil {
		t.Error("entry without layer accepted")
	}
	if _, err := NewIndex([]Entry{{ID: "a", Layer: "x"}, {ID: "a", Layer: "x"}}); err == nil {
		t.Error("duplicate ID accepted")
	}
	if _, err := NewIndex([]Entry{{ID: "a", Layer: "x", Geom: MultiPolygon{{Ring{{0, 0}, {math.NaN(), 1}, {1, 1}}}}}}); err == nil {
		t.Error("NaN accepted")
	}
	// Overlapping areas in one layer (bad data): the first entry wins, and
	// a hole is respected.
	ov, err := NewIndex([]Entry{
		{ID: "b", Layer: "x", Geom: MultiPolygon{{rect(0, 0, 2, 2), reversed(rect(0.5, 0.5, 1, 1))}}},
		{ID: "a", Layer: "x", Geom: MultiPolygon{{rect(0, 0, 2, 2)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := ov.Locate(Point{1.5, 1.5}); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("overlap: %v", got)
	}
	if got := ov.Locate(Point{0.75, 0.75}); len(got) != 1 || got[0].ID != "a" {
		t.Errorf("hole: %v", got)
	}
}

// TestIndexConcurrent reads one index from many goroutines while the
// pointer to it is swapped, as a server reloading grids would (run with
// -race).
func TestIndexConcurrent(t *testing.T) {
	t.Parallel()
	res, ix := tiledIndex(t)
	var cur atomic.Pointer[Index]
	cur.Store(ix)
	b := res.Outline.Bounds()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 2000 {
				p := Point{b.MinLng + rng.Float64()*(b.MaxLng-b.MinLng), b.MinLat + rng.Float64()*(b.MaxLat-b.MinLat)}
				got := cur.Load().Locate(p)
				if want := ix.LocateBrute(p); !reflect.DeepEqual(got, want) {
					t.Errorf("%v: %v vs %v", p, got, want)
					return
				}
			}
		}()
	}
	for range 5 {
		fresh, err := NewIndex(gridEntries(res, true))
		if err != nil {
			t.Fatal(err)
		}
		cur.Store(fresh)
	}
	wg.Wait()
}

var (
	benchOnce   sync.Once
	benchIndex  *Index
	benchPoints []Point
)

// benchSetup indexes the ~10,000 grids of the synthetic city and draws
// random points over its bounding box.
func benchSetup(b *testing.B) (*Index, []Point) {
	b.Helper()
	benchOnce.Do(func() {
		res := cityTiling(b)
		var err error
		benchIndex, err = NewIndex(gridEntries(res, false))
		if err != nil {
			b.Fatal(err)
		}
		box := res.Outline.Bounds()
		rng := rand.New(rand.NewPCG(7, 8))
		for range 1 << 14 {
			benchPoints = append(benchPoints, Point{box.MinLng + rng.Float64()*(box.MaxLng-box.MinLng), box.MinLat + rng.Float64()*(box.MaxLat-box.MinLat)})
		}
	})
	return benchIndex, benchPoints
}

func benchmarkLocate(b *testing.B, locate func(*Index, Point) []Hit) {
	ix, pts := benchSetup(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		locate(ix, pts[n%len(pts)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(float64(ix.Len()), "grids")
}

func BenchmarkLocateRTree(b *testing.B) { benchmarkLocate(b, (*Index).Locate) }

func BenchmarkLocateBrute(b *testing.B) { benchmarkLocate(b, (*Index).LocateBrute) }

func BenchmarkNewIndex(b *testing.B) {
	es := gridEntries(cityTiling(b), false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewIndex(es); err != nil {
			b.Fatal(err)
		}
	}
}
