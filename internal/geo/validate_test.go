package geo

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// kinds lists the distinct kinds of problems in order of appearance.
func kinds(ps []Problem) []string {
	var ks []string
	for _, p := range ps {
		if !slices.Contains(ks, p.Kind) {
			ks = append(ks, p.Kind)
		}
	}
	return ks
}

func TestValidatePolygon(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		p      Polygon
		kinds  string // space-separated kinds, in order
		detail string // substring of the first problem's detail
	}{
		{"square", Polygon{rect(0, 0, 1, 1)}, "", ""},
		{"square with hole", Polygon{rect(0, 0, 4, 4), reversed(rect(1, 1, 2, 2))}, "", ""},
		{"hole touching outer at a vertex", Polygon{rect(0, 0, 4, 4), Ring{{0, 0}, {1, 2}, {2, 1}, {0, 0}}}, "", ""},
		{"two holes touching at a vertex", Polygon{rect(0, 0, 4, 4), reversed(rect(1, 1, 2, 2)), reversed(rect(2, 2, 3, 3))}, "", ""},
		{"no rings", Polygon{}, "invalid_ring", "no rings"},
		{"NaN", Polygon{Ring{{0, 0}, {1, nan}, {1, 1}, {0, 0}}}, "invalid_ring", "ring 0 position 1"},
		{"out of range", Polygon{Ring{{0, 0}, {181, 0}, {1, 1}, {0, 0}}}, "invalid_ring", "position 1"},
		{"three positions", Polygon{Ring{{0, 0}, {1, 0}, {0, 0}}}, "too_few_points", "3 positions"},
		{"not closed", Polygon{Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}, "not_closed", "ring 0"},
		{"collinear", Polygon{Ring{{0, 0}, {1, 1}, {2, 2}, {0, 0}}}, "zero_area", "ring 0"},
		{"bow tie", Polygon{Ring{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}}, "self_intersection", "ring 0 segment 0 crosses ring 0 segment 2 at (1.0000000, 1.0000000)"},
		{"figure eight at a vertex", Polygon{Ring{{0, 0}, {1, 0}, {1, 1}, {2, 1}, {2, 2}, {1, 2}, {1, 1}, {0, 1}, {0, 0}}}, "self_intersection", "touches"},
		{"vertex on another edge", Polygon{Ring{{0, 0}, {4, 0}, {4, 4}, {2, 0}, {0, 4}, {0, 0}}}, "self_intersection", "touches"},
		{"spike", Polygon{Ring{{0, 0}, {2, 0}, {2, 2}, {2, 3}, {2, 1}, {0, 2}, {0, 0}}}, "self_intersection", "overlaps"},
		{"hole outside", Polygon{rect(0, 0, 1, 1), reversed(rect(2, 2, 3, 3))}, "hole_outside", "hole 1"},
		{"hole crossing outer", Polygon{rect(0, 0, 2, 2), reversed(rect(1, 1, 3, 3))}, "self_intersection", "ring 0 segment 1 crosses ring 1"},
		{"hole sharing an edge with outer", Polygon{rect(0, 0, 4, 4), reversed(rect(0, 1, 1, 2))}, "self_intersection", "overlaps"},
		{"hole in hole", Polygon{rect(0, 0, 9, 9), reversed(rect(1, 1, 8, 8)), reversed(rect(2, 2, 3, 3))}, "hole_outside", "hole 2 lies inside hole 1"},
	} {
		got := ValidatePolygon(c.p)
		if strings.Join(kinds(got), " ") != c.kinds {
			t.Errorf("%s: got %v, want kinds %q", c.name, got, c.kinds)
			continue
		}
		if len(got) > 0 && !strings.Contains(got[0].Detail, c.detail) {
			t.Errorf("%s: detail %q does not contain %q", c.name, got[0].Detail, c.detail)
		}
		for _, p := range got {
			if p.Feature != -1 || p.Other != -1 {
				t.Errorf("%s: Feature/Other set: %v", c.name, p)
			}
		}
	}
	// The crossing point of the bow tie is reported.
	p := ValidatePolygon(Polygon{Ring{{0, 0}, {2, 2}, {2, 0}, {0, 2}, {0, 0}}})
	if p[0].At == nil || *p[0].At != (Point{1, 1}) {
		t.Errorf("bow tie crossing at %v", p[0].At)
	}
}

// squares2x2 returns the four quarters of [0,2]², counter-clockwise, so
// neighbours share edges in opposite directions, and the parent square.
func squares2x2(x, y, s float64) (MultiPolygon, []MultiPolygon) {
	parent := MultiPolygon{{rect(x, y, x+2*s, y+2*s)}}
	var children []MultiPolygon
	for j := range 2 {
		for i := range 2 {
			x0, y0 := x+float64(i)*s, y+float64(j)*s
			children = append(children, MultiPolygon{{rect(x0, y0, x0+s, y0+s)}})
		}
	}
	return parent, children
}

func TestValidateTiling(t *testing.T) {
	t.Parallel()
	// 0.01° squares near 河源: each about 1 km².
	parent, children := squares2x2(114.5, 23.5, 0.01)
	if p := ValidateTiling(parent, children); p != nil {
		t.Fatalf("clean tiling reported %v", p)
	}

	// A gap: drop a child. The reported point lies in the missing square.
	p := ValidateTiling(parent, children[:3])
	if len(p) != 1 || p[0].Kind != KindGap || !children[3].Contains(*p[0].At) {
		t.Fatalf("gap: %v", p)
	}
	if got, err := detailArea(p[0].Detail); err != nil || math.Abs(got-children[3].AreaM2())/got > 0.01 {
		t.Errorf("gap area: %q, want about %.0f", p[0].Detail, children[3].AreaM2())
	}

	// An overlap: child 1 widened west by half a square.
	over := append([]MultiPolygon(nil), children...)
	over[1] = MultiPolygon{{rect(114.505, 23.5, 114.52, 23.51)}}
	p = ValidateTiling(parent, over)
	if len(p) != 1 || p[0].Kind != KindOverlap || p[0].Feature != 0 || p[0].Other != 1 {
		t.Fatalf("overlap: %v", p)
	}
	if !over[0].Contains(*p[0].At) || !over[1].Contains(*p[0].At) {
		t.Errorf("overlap point %v not in both", *p[0].At)
	}
	want := (MultiPolygon{{rect(114.505, 23.5, 114.51, 23.51)}}).AreaM2()
	if got, err := detailArea(p[0].Detail); err != nil || math.Abs(got-want)/want > 0.01 {
		t.Errorf("overlap area: %q, want about %.1f", p[0].Detail, want)
	}

	// A duplicated child overlaps entirely.
	p = ValidateTiling(parent, append(children, children[2]))
	if len(p) != 1 || p[0].Kind != KindOverlap || p[0].Feature != 2 || p[0].Other != 4 {
		t.Fatalf("duplicate: %v", p)
	}

	// Outside the parent: child 3 pushed east.
	out := append([]MultiPolygon(nil), children...)
	out[3] = MultiPolygon{{rect(114.51, 23.51, 114.525, 23.52)}}
	p = ValidateTiling(parent, out)
	if len(p) != 1 || p[0].Kind != KindOutsideParent || p[0].Feature != 3 || parent.Contains(*p[0].At) {
		t.Fatalf("outside: %v", p)
	}

	// A sliver below the tolerance is ignored, and found with a smaller one.
	sliver := append([]MultiPolygon(nil), children...)
	sliver[1] = MultiPolygon{{rect(114.51-1e-7, 23.5, 114.52, 23.51)}} // ~11 mm × 1.1 km ≈ 12 m²
	if p = ValidateTilingTol(parent, sliver, 100); p != nil {
		t.Errorf("sliver above tolerance: %v", p)
	}
	if p = ValidateTiling(parent, sliver); len(p) != 1 || p[0].Kind != KindOverlap {
		t.Errorf("sliver not found: %v", p)
	}
}

// detailArea reads the "about N m²" figure from a problem's detail.
func detailArea(detail string) (float64, error) {
	var v float64
	_, err := fmt.Sscanf(detail[strings.Index(detail, "about "):], "about %f", &v)
	return v, err
}

// TestValidateTilingFan uses slanted shared edges and a vertex shared by
// six children: a hexagon cut into triangles around its centre.
func TestValidateTilingFan(t *testing.T) {
	t.Parallel()
	c := Point{114.5, 23.5}
	var hex Ring
	for k := range 6 {
		a := float64(k) * math.Pi / 3
		hex = append(hex, Point{c.Lng + 0.01*math.Cos(a), c.Lat + 0.01*math.Sin(a)})
	}
	hex = append(hex, hex[0])
	var tris []MultiPolygon
	for k := range 6 {
		tris = append(tris, MultiPolygon{{Ring{c, hex[k], hex[k+1], c}}})
	}
	if p := ValidateTiling(MultiPolygon{{hex}}, tris); p != nil {
		t.Fatalf("fan: %v", p)
	}
	// Move the centre of one triangle: overlap on one side, gap on the other.
	moved := append([]MultiPolygon(nil), tris...)
	c2 := Point{c.Lng + 0.002, c.Lat - 0.001} // into triangle 5
	moved[0] = MultiPolygon{{Ring{c2, hex[0], hex[1], c2}}}
	got := strings.Join(kinds(ValidateTiling(MultiPolygon{{hex}}, moved)), " ")
	if got != "overlap gap" {
		t.Errorf("moved centre: %s", got)
	}
}

// TestValidateTilingSpeed runs the validation on ~300 grids of a real
// tiling against their union.
func TestValidateTilingSpeed(t *testing.T) {
	t.Parallel()
	res, err := Tile(yuanchengOutline(t), yuanchengSpec(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	var grids []MultiPolygon
	for _, town := range res.Towns {
		for _, v := range town.Villages {
			for _, g := range v.Grids {
				grids = append(grids, MultiPolygon{g.Geom})
			}
		}
	}
	start := time.Now()
	p := ValidateTiling(res.Outline, grids)
	d := time.Since(start)
	t.Logf("%d grids validated in %v", len(grids), d)
	if p != nil {
		t.Errorf("problems: %v", p)
	}
	// Remove one grid: exactly one gap, located inside the removed grid.
	p = ValidateTiling(res.Outline, append(grids[:10:10], grids[11:]...))
	if len(p) != 1 || p[0].Kind != KindGap || !grids[10].Contains(*p[0].At) {
		t.Errorf("removed grid: %v", p)
	}
}

func BenchmarkValidateTiling300(b *testing.B) {
	res, err := Tile(yuanchengOutline(b), yuanchengSpec(b), 5)
	if err != nil {
		b.Fatal(err)
	}
	var grids []MultiPolygon
	for _, town := range res.Towns {
		for _, v := range town.Villages {
			for _, g := range v.Grids {
				grids = append(grids, MultiPolygon{g.Geom})
			}
		}
	}
	for b.Loop() {
		if p := ValidateTiling(res.Outline, grids); p != nil {
			b.Fatal(p)
		}
	}
	b.ReportMetric(float64(len(grids)), "children")
}
