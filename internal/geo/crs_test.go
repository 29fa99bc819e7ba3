package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b Point, tol float64) bool {
	return math.Abs(a.Lng-b.Lng) <= tol && math.Abs(a.Lat-b.Lat) <= tol
}

// Reference values are the published outputs of the widely used
// coordtransform library (wandergis/coordTransform_js README) for
// 天安门 (116.404, 39.915).
func TestCRSReferencePoint(t *testing.T) {
	t.Parallel()
	in := Point{116.404, 39.915}
	for _, c := range []struct {
		name string
		got  Point
		want Point
		tol  float64
	}{
		{"wgs84->gcj02", WGS84ToGCJ02(in), Point{116.41024449916938, 39.91640428150164}, 1e-12},
		{"gcj02->bd09", GCJ02ToBD09(in), Point{116.41036949371029, 39.92133699351021}, 1e-12},
		// coordtransform's inverses are single-step approximations; ours
		// iterate, so they agree only to the approximation's error.
		{"gcj02->wgs84", GCJ02ToWGS84(in), Point{116.39775550083061, 39.91359571849836}, 1e-4},
		{"bd09->gcj02", BD09ToGCJ02(in), Point{116.39762729119315, 39.90865673957631}, 1e-4},
	} {
		if !near(c.got, c.want, c.tol) {
			t.Errorf("%s: got %v, want %v (±%g)", c.name, c.got, c.want, c.tol)
		}
	}
}

func TestCRSRoundTrips(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for range 5000 {
		p := Point{73 + rng.Float64()*62, 18 + rng.Float64()*35}
		for _, c := range []struct {
			name string
			got  Point
		}{
			{"wgs->gcj->wgs", GCJ02ToWGS84(WGS84ToGCJ02(p))},
			{"gcj->wgs->gcj", WGS84ToGCJ02(GCJ02ToWGS84(p))},
			{"gcj->bd->gcj", BD09ToGCJ02(GCJ02ToBD09(p))},
			{"bd->gcj->bd", GCJ02ToBD09(BD09ToGCJ02(p))},
			{"wgs->bd->wgs", BD09ToWGS84(WGS84ToBD09(p))},
		} {
			d := max(math.Abs(c.got.Lng-p.Lng), math.Abs(c.got.Lat-p.Lat))
			worst = max(worst, d)
			if d > 1e-6 {
				t.Fatalf("%s %v: off by %g", c.name, p, d)
			}
		}
	}
	t.Logf("worst round-trip error %g degrees", worst)
	// The offset itself is a few hundred metres in 河源.
	p := Point{114.7, 23.74}
	if d := WGS84ToGCJ02(p); near(d, p, 1e-3) || !near(d, p, 1e-2) {
		t.Errorf("GCJ offset at 河源 looks wrong: %v -> %v", p, d)
	}
}

func TestCRSOutOfChina(t *testing.T) {
	t.Parallel()
	for _, p := range []Point{{2.35, 48.85}, {-74, 40.7}, {151.2, -33.9}, {139.7, 60}} {
		if WGS84ToGCJ02(p) != p || GCJ02ToWGS84(p) != p {
			t.Errorf("%v changed", p)
		}
	}
}

func TestCRSGeometry(t *testing.T) {
	t.Parallel()
	// Two squares sharing an edge stay sharing bit-identical vertices.
	a := Polygon{rect(114.5, 23.5, 114.6, 23.6)}
	b := Polygon{reversed(rect(114.6, 23.5, 114.7, 23.6))}
	m, err := ToWGS84(GCJ02, MultiPolygon{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if m[0][0][1] != m[1][0][0] || m[0][0][2] != m[1][0][1] {
		t.Error("shared vertices differ after conversion")
	}
	if m[0][0][0] == a[0][0] {
		t.Error("not converted")
	}
	if a[0][0] != (Point{114.5, 23.5}) {
		t.Error("input modified")
	}
	back, err := FromWGS84(GCJ02, m)
	if err != nil {
		t.Fatal(err)
	}
	if !near(back[0][0][2], a[0][2], 1e-9) {
		t.Errorf("round trip: %v vs %v", back[0][0][2], a[0][2])
	}
	for _, c := range []CRS{WGS84, GCJ02, BD09} {
		if _, err := ToWGS84(c, m); err != nil {
			t.Error(err)
		}
	}
	if _, err := ToWGS84("mars", m); err == nil {
		t.Error("unknown CRS accepted")
	}
	for in, want := range map[string]CRS{"WGS-84": WGS84, "EPSG:4326": WGS84, "gcj_02": GCJ02, "BD09": BD09} {
		if got, err := ParseCRS(in); err != nil || got != want {
			t.Errorf("ParseCRS(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseCRS("utm"); err == nil {
		t.Error("ParseCRS accepted utm")
	}
}
