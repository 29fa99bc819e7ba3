package geo

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// rect returns a counter-clockwise rectangle ring.
func rect(x0, y0, x1, y1 float64) Ring {
	return Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func reversed(r Ring) Ring {
	out := make(Ring, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

func TestAreaAndOrientation(t *testing.T) {
	t.Parallel()
	sq := rect(114, 23, 115, 24)
	if a := sq.SignedArea(); a != 1 {
		t.Errorf("CCW square: %v, want 1", a)
	}
	if a := reversed(sq).SignedArea(); a != -1 {
		t.Errorf("CW square: %v, want -1", a)
	}
	withHole := Polygon{sq, reversed(rect(114.25, 23.25, 114.75, 23.75))}
	if a := withHole.Area(); a != 0.75 {
		t.Errorf("square with hole: %v, want 0.75", a)
	}
	// A hole given counter-clockwise still subtracts.
	if a := (Polygon{sq, rect(114.25, 23.25, 114.75, 23.75)}).Area(); a != 0.75 {
		t.Errorf("hole with outer orientation: %v, want 0.75", a)
	}
	// Unclosed rings are treated as closed.
	if a := sq[:4].SignedArea(); a != 1 {
		t.Errorf("unclosed square: %v", a)
	}
	// 0.01° square at 24°N: 1111.95 m high, 1111.95·cos(24°) m wide.
	small := Polygon{rect(114, 23.995, 114.01, 24.005)}
	want := 1111.950802 * 1111.950802 * math.Cos(24*math.Pi/180)
	if a := small.AreaM2(); math.Abs(a-want)/want > 1e-6 {
		t.Errorf("AreaM2: %v, want %v", a, want)
	}
	if a := (MultiPolygon{small, small}).AreaM2(); math.Abs(a-2*want)/want > 1e-6 {
		t.Errorf("MultiPolygon AreaM2: %v", a)
	}
}

func TestBBox(t *testing.T) {
	t.Parallel()
	b := EmptyBBox()
	if !b.IsEmpty() || b.Contains(Point{}) {
		t.Fatal("empty box contains something")
	}
	b.Extend(Point{114, 23})
	b.Extend(Point{115, 22})
	if b != (BBox{114, 22, 115, 23}) {
		t.Fatalf("got %v", b)
	}
	if !b.Contains(Point{115, 23}) || b.Contains(Point{115.1, 23}) {
		t.Error("Contains must include edges only")
	}
	if !b.Intersects(BBox{115, 23, 116, 24}) || b.Intersects(BBox{115.1, 23, 116, 24}) {
		t.Error("Intersects")
	}
	if (MultiPolygon{{rect(1, 2, 3, 4)}, {rect(-1, 0, 0, 1)}}).Bounds() != (BBox{-1, 0, 3, 4}) {
		t.Error("MultiPolygon.Bounds")
	}
}

func TestCentroidAndInteriorPoint(t *testing.T) {
	t.Parallel()
	// An L shape: its centroid is known and lies inside.
	l := Polygon{Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}}}
	c := l.Centroid()
	if math.Abs(c.Lng-5.0/6) > 1e-12 || math.Abs(c.Lat-5.0/6) > 1e-12 {
		t.Errorf("L centroid %v, want (5/6, 5/6)", c)
	}
	// A C shape whose centroid falls in the notch: InteriorPoint must not.
	cShape := Polygon{Ring{{0, 0}, {3, 0}, {3, 1}, {1, 1}, {1, 2}, {3, 2}, {3, 3}, {0, 3}, {0, 0}}}
	if cShape.Contains(cShape.Centroid()) {
		t.Fatal("test shape is wrong: centroid inside")
	}
	for name, p := range map[string]Polygon{
		"C":       cShape,
		"L":       l,
		"hole":    {rect(0, 0, 4, 4), reversed(rect(1, 1, 3, 3))},
		"diamond": {Ring{{114, 23}, {114.5, 22.5}, {115, 23}, {114.5, 23.5}, {114, 23}}},
	} {
		pt, ok := p.InteriorPoint()
		if !ok || !p.Contains(pt) {
			t.Errorf("%s: interior point %v (ok %v) not inside", name, pt, ok)
		}
	}
	if _, ok := (Polygon{Ring{{0, 0}, {1, 1}, {2, 2}, {0, 0}}}).InteriorPoint(); ok {
		t.Error("degenerate polygon has an interior point")
	}
	m := MultiPolygon{{rect(0, 0, 1, 1)}, {rect(5, 5, 8, 8)}}
	if pt, ok := m.InteriorPoint(); !ok || !(Polygon{rect(5, 5, 8, 8)}).Contains(pt) {
		t.Errorf("multipolygon interior point %v should be in the largest member", pt)
	}
}

// TestInteriorPointGrids checks InteriorPoint on every grid of a real tiling
// (irregular lattice polygons, some with holes).
func TestInteriorPointGrids(t *testing.T) {
	t.Parallel()
	res, err := Tile(yuanchengOutline(t), yuanchengSpec(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, town := range res.Towns {
		for _, v := range town.Villages {
			if pt, ok := v.Geom.InteriorPoint(); !ok || !v.Geom.Contains(pt) {
				t.Errorf("village %s: %v", v.Code, pt)
			}
			for _, g := range v.Grids {
				if pt, ok := g.Geom.InteriorPoint(); !ok || !g.Geom.Contains(pt) {
					t.Errorf("grid %s/%d: %v", v.Code, g.Seq, pt)
				}
			}
		}
	}
}

func TestContainsHoles(t *testing.T) {
	t.Parallel()
	p := Polygon{rect(0, 0, 4, 4), reversed(rect(1, 1, 3, 3))}
	for _, c := range []struct {
		pt   Point
		want bool
	}{
		{Point{0.5, 0.5}, true},
		{Point{2, 2}, false}, // in the hole
		{Point{5, 2}, false}, // outside
		{Point{0, 2}, true},  // west edge: the polygon is east of it
		{Point{4, 2}, false}, // east edge
		{Point{2, 0}, true},  // south edge: the polygon is north of it
		{Point{2, 4}, false}, // north edge
		{Point{3, 2}, true},  // hole's east edge: the polygon is east of it
		{Point{1, 2}, false}, // hole's west edge: the hole is east of it
		{Point{0, 0}, true},  // south-west corner
		{Point{4, 4}, false}, // north-east corner
		{Point{math.NaN(), 2}, false},
	} {
		if got := p.Contains(c.pt); got != c.want {
			t.Errorf("Contains(%v) = %v, want %v", c.pt, got, c.want)
		}
	}
}

// TestOrientExact compares orient's sign with exact rational arithmetic on
// nearly collinear points, where plain float64 gets it wrong.
func TestOrientExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	exact := func(a, b, c Point) int {
		r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
		l := new(big.Rat).Mul(new(big.Rat).Sub(r(a.Lng), r(c.Lng)), new(big.Rat).Sub(r(b.Lat), r(c.Lat)))
		rr := new(big.Rat).Mul(new(big.Rat).Sub(r(a.Lat), r(c.Lat)), new(big.Rat).Sub(r(b.Lng), r(c.Lng)))
		return l.Cmp(rr)
	}
	sign := func(v float64) int {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	}
	naiveWrong := 0
	for range 20000 {
		a := Point{114 + rng.Float64(), 23 + rng.Float64()}
		b := Point{114 + rng.Float64(), 23 + rng.Float64()}
		s := rng.Float64()
		c := Point{a.Lng + s*(b.Lng-a.Lng), a.Lat + s*(b.Lat-a.Lat)}
		c.Lng = math.Nextafter(c.Lng, c.Lng+float64(rng.IntN(3)-1))
		want := exact(a, b, c)
		if got := sign(orient(a, b, c)); got != want {
			t.Fatalf("orient(%v, %v, %v) = %d, want %d", a, b, c, got, want)
		}
		if sign((b.Lng-a.Lng)*(c.Lat-a.Lat)-(b.Lat-a.Lat)*(c.Lng-a.Lng)) != want {
			naiveWrong++
		}
	}
	t.Logf("naive float64 orientation was wrong %d times out of 20000", naiveWrong)
}
