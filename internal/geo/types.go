package geo

import (
	"cmp"
	"math"
	"math/big"
	"slices"
)

// Point is a position in degrees.
type Point struct {
	Lng float64 `json:"lng"`
	Lat float64 `json:"lat"`
}

// Ring is a closed sequence of positions (first == last). Outer rings
// produced by this package run counter-clockwise and holes clockwise.
type Ring []Point

// Polygon is an outer ring followed by zero or more holes.
type Polygon []Ring

// MultiPolygon is a set of polygons whose interiors do not overlap.
type MultiPolygon []Polygon

// BBox is an axis-aligned bounding box in degrees. The zero value is the
// single point (0, 0); use EmptyBBox for a box that contains nothing.
type BBox struct {
	MinLng, MinLat, MaxLng, MaxLat float64
}

// metresPerDegree is the length of one degree of latitude on the mean
// Earth sphere (radius 6,371,008.8 m).
const metresPerDegree = 6371008.8 * math.Pi / 180

// EmptyBBox returns a box that contains nothing and grows with Extend.
func EmptyBBox() BBox {
	return BBox{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

// IsEmpty reports whether the box contains no point.
func (b BBox) IsEmpty() bool { return !(b.MinLng <= b.MaxLng && b.MinLat <= b.MaxLat) }

// Extend grows the box to include p.
func (b *BBox) Extend(p Point) {
	b.MinLng = min(b.MinLng, p.Lng)
	b.MinLat = min(b.MinLat, p.Lat)
	b.MaxLng = max(b.MaxLng, p.Lng)
	b.MaxLat = max(b.MaxLat, p.Lat)
}

// Union returns the smallest box containing both boxes.
func (b BBox) Union(o BBox) BBox {
	return BBox{min(b.MinLng, o.MinLng), min(b.MinLat, o.MinLat), max(b.MaxLng, o.MaxLng), max(b.MaxLat, o.MaxLat)}
}

// Contains reports whether p lies in the box, edges included.
func (b BBox) Contains(p Point) bool {
	return p.Lng >= b.MinLng && p.Lng <= b.MaxLng && p.Lat >= b.MinLat && p.Lat <= b.MaxLat
}

// Intersects reports whether the boxes share at least one point.
func (b BBox) Intersects(o BBox) bool {
	return b.MinLng <= o.MaxLng && o.MinLng <= b.MaxLng && b.MinLat <= o.MaxLat && o.MinLat <= b.MaxLat
}

// Center returns the middle of the box.
func (b BBox) Center() Point {
	return Point{(b.MinLng + b.MaxLng) / 2, (b.MinLat + b.MaxLat) / 2}
}

// Bounds returns the bounding box of the ring.
func (r Ring) Bounds() BBox {
	b := EmptyBBox()
	for _, p := range r {
		b.Extend(p)
	}
	return b
}

// Bounds returns the bounding box of the polygon (its outer ring).
func (p Polygon) Bounds() BBox {
	b := EmptyBBox()
	for _, r := range p {
		b = b.Union(r.Bounds())
	}
	return b
}

// Bounds returns the bounding box of all member polygons.
func (m MultiPolygon) Bounds() BBox {
	b := EmptyBBox()
	for _, p := range m {
		b = b.Union(p.Bounds())
	}
	return b
}

// IsClosed reports whether the ring has at least one position and its first
// and last positions are equal.
func (r Ring) IsClosed() bool { return len(r) > 0 && r[0] == r[len(r)-1] }

// SignedArea returns the planar area of the ring in square degrees:
// positive for counter-clockwise rings, negative for clockwise ones.
func (r Ring) SignedArea() float64 {
	if len(r) < 3 {
		return 0
	}
	// Shift to the first vertex so products stay small and precise.
	o := r[0]
	var s float64
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		s += (a.Lng-o.Lng)*(b.Lat-o.Lat) - (b.Lng-o.Lng)*(a.Lat-o.Lat)
	}
	return s / 2
}

// Area returns the planar area in square degrees: the outer ring minus the
// holes, whatever their orientation.
func (p Polygon) Area() float64 {
	var a float64
	for i, r := range p {
		if i == 0 {
			a += math.Abs(r.SignedArea())
		} else {
			a -= math.Abs(r.SignedArea())
		}
	}
	return a
}

// Area returns the planar area in square degrees of all members.
func (m MultiPolygon) Area() float64 {
	var a float64
	for _, p := range m {
		a += p.Area()
	}
	return a
}

// AreaM2 returns the approximate area in square metres, projecting the
// polygon onto a local equirectangular plane centred on its bounding box.
// The error is well under 1% for polygons the size of a county.
func (p Polygon) AreaM2() float64 {
	if len(p) == 0 {
		return 0
	}
	lat0 := p.Bounds().Center().Lat
	return p.Area() * metresPerDegree * metresPerDegree * math.Cos(lat0*math.Pi/180)
}

// AreaM2 returns the approximate area in square metres (see Polygon.AreaM2);
// each member is projected around its own centre.
func (m MultiPolygon) AreaM2() float64 {
	var a float64
	for _, p := range m {
		a += p.AreaM2()
	}
	return a
}

// ringMoments returns the signed area and the first moments (area times
// centroid) of a ring, relative to origin o.
func ringMoments(r Ring, o Point) (a, mx, my float64) {
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		px, py, qx, qy := p.Lng-o.Lng, p.Lat-o.Lat, q.Lng-o.Lng, q.Lat-o.Lat
		c := px*qy - qx*py
		a += c
		mx += (px + qx) * c
		my += (py + qy) * c
	}
	return a / 2, mx / 6, my / 6
}

// Centroid returns the area-weighted centroid. It may lie outside a concave
// polygon; use InteriorPoint for a point guaranteed to be inside. For a
// polygon without area it returns the mean of its positions.
func (p Polygon) Centroid() Point { return MultiPolygon{p}.Centroid() }

// Centroid returns the area-weighted centroid of all members (see
// Polygon.Centroid).
func (m MultiPolygon) Centroid() Point {
	var o Point // the first position: sums relative to it stay precise
	var n, sx, sy, ta, tx, ty float64
	for _, p := range m {
		for i, r := range p {
			for _, q := range r {
				if n == 0 {
					o = q
				}
				sx, sy, n = sx+q.Lng-o.Lng, sy+q.Lat-o.Lat, n+1
			}
			a, mx, my := ringMoments(r, o)
			// Outer rings add, holes subtract, whatever their orientation.
			if (a < 0) != (i > 0) {
				a, mx, my = -a, -mx, -my
			}
			ta, tx, ty = ta+a, tx+mx, ty+my
		}
	}
	switch {
	case n == 0:
		return Point{}
	case ta == 0:
		return Point{o.Lng + sx/n, o.Lat + sy/n}
	}
	return Point{o.Lng + tx/ta, o.Lat + ty/ta}
}

// InteriorPoint returns a point strictly inside the polygon, suitable as a
// label or as "a point inside this grid". It scans a few horizontal lines
// that pass between vertex latitudes and takes the middle of the widest
// inside stretch. ok is false for a polygon without interior.
func (p Polygon) InteriorPoint() (pt Point, ok bool) {
	var ys []float64
	for _, r := range p {
		for _, q := range r {
			ys = append(ys, q.Lat)
		}
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	if len(ys) < 2 {
		return Point{}, false
	}
	// Candidate scanlines lie halfway between distinct vertex latitudes, so
	// they never touch a vertex. Try the one through the centroid and an
	// evenly spaced sample of the others.
	gaps := len(ys) - 1
	var cand []int
	c := p.Centroid().Lat
	if i, _ := slices.BinarySearch(ys, c); i > 0 && i < len(ys) {
		cand = append(cand, i-1)
	}
	n := min(24, gaps)
	for s := range n {
		cand = append(cand, (2*s+1)*gaps/(2*n))
	}
	bestW := 0.0
	var xs []float64
	for _, g := range cand {
		y := ys[g] + (ys[g+1]-ys[g])/2
		if !(y > ys[g] && y < ys[g+1]) {
			continue // adjacent floats: no room between them
		}
		xs = xs[:0]
		for _, r := range p {
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				if (a.Lat < y) != (b.Lat < y) {
					xs = append(xs, a.Lng+(y-a.Lat)*(b.Lng-a.Lng)/(b.Lat-a.Lat))
				}
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > bestW {
				bestW, pt = w, Point{xs[i] + w/2, y}
			}
		}
	}
	return pt, bestW > 0
}

// InteriorPoint returns a point strictly inside the largest member polygon.
func (m MultiPolygon) InteriorPoint() (Point, bool) {
	order := make([]int, len(m))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(m[b].Area(), m[a].Area()) })
	for _, i := range order {
		if pt, ok := m[i].InteriorPoint(); ok {
			return pt, true
		}
	}
	return Point{}, false
}

// Contains reports whether pt lies inside the polygon under the package's
// boundary rule (see the package documentation); holes are excluded.
func (p Polygon) Contains(pt Point) bool {
	in := false
	for _, r := range p {
		for i := range r {
			if edgeCounts(r[i], r[(i+1)%len(r)], pt) {
				in = !in
			}
		}
	}
	return in
}

// Contains reports whether pt lies inside any member polygon.
func (m MultiPolygon) Contains(pt Point) bool {
	for _, p := range m {
		if p.Contains(pt) {
			return true
		}
	}
	return false
}

// edgeCounts is the half-open crossing test behind the boundary rule: the
// edge a-b counts when it spans pt's latitude (lower end inclusive, upper
// end exclusive) and passes strictly east of pt. The endpoints are put in a
// canonical order first so that both polygons sharing the edge get the same
// answer.
func edgeCounts(a, b, pt Point) bool {
	if a.Lat > b.Lat {
		a, b = b, a
	}
	if !(a.Lat <= pt.Lat && pt.Lat < b.Lat) {
		return false
	}
	// The edge runs upward; pt strictly left of it means the edge is east.
	return orient(a, b, pt) > 0
}

// ccwErrBound is Shewchuk's error bound for the floating-point orientation
// determinant (epsilon = 2^-53).
const ccwErrBound = (3 + 16*0x1p-53) * 0x1p-53

// orient returns a value whose sign tells on which side of the line a→b the
// point c lies: positive to the left (a, b, c counter-clockwise), negative
// to the right, zero when collinear. The sign is exact: a fast
// floating-point filter (Shewchuk's orient2d stage A) falls back to exact
// rational arithmetic when the result is too close to call.
func orient(a, b, c Point) float64 {
	// float64() conversions forbid fused multiply-adds, which would change
	// rounding and void the error bound.
	detL := float64((a.Lng - c.Lng) * (b.Lat - c.Lat))
	detR := float64((a.Lat - c.Lat) * (b.Lng - c.Lng))
	det := detL - detR
	var sum float64
	switch {
	case detL > 0:
		if detR <= 0 {
			return det
		}
		sum = detL + detR
	case detL < 0:
		if detR >= 0 {
			return det
		}
		sum = -detL - detR
	default:
		return det
	}
	if bound := ccwErrBound * sum; det >= bound || -det >= bound {
		return det
	}
	return orientExact(a, b, c)
}

// orientExact evaluates the orientation determinant with big.Rat. It only
// runs for points on or extremely close to the line, e.g. boundary tests.
func orientExact(a, b, c Point) float64 {
	r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	ax, ay, bx, by, cx, cy := r(a.Lng), r(a.Lat), r(b.Lng), r(b.Lat), r(c.Lng), r(c.Lat)
	if ax == nil || ay == nil || bx == nil || by == nil || cx == nil || cy == nil {
		return 0 // non-finite input: treat as collinear, never as a crossing
	}
	l := new(big.Rat).Mul(ax.Sub(ax, cx), by.Sub(by, cy))
	rr := new(big.Rat).Mul(ay.Sub(ay, cy), bx.Sub(bx, cx))
	return float64(l.Cmp(rr))
}
