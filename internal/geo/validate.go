package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Problem kinds reported by ValidatePolygon and ValidateTiling.
const (
	KindInvalidRing      = "invalid_ring"      // no rings, or a position that is not a finite lng/lat
	KindTooFewPoints     = "too_few_points"    // a ring with fewer than 4 positions
	KindNotClosed        = "not_closed"        // first position != last position
	KindZeroArea         = "zero_area"         // a ring that encloses no area
	KindSelfIntersection = "self_intersection" // rings that cross, touch themselves or share a stretch
	KindHoleOutside      = "hole_outside"      // a hole not inside its outer ring
	KindOverlap          = "overlap"           // two children overlap
	KindOutsideParent    = "outside_parent"    // part of a child lies outside the parent
	KindGap              = "gap"               // part of the parent is covered by no child
)

// Problem is one finding of a validation.
//
// In ValidateTiling, Feature and Other are indexes into children (-1 when
// not applicable, e.g. for gaps). ValidatePolygon does not know which
// feature it is looking at and leaves both at -1; ring and segment numbers
// are in Detail (segment k runs from position k to position k+1).
type Problem struct {
	Kind    string
	Feature int
	Other   int
	At      *Point // an approximate location, when there is one
	Detail  string
}

// String formats the problem for logs and test output.
func (p Problem) String() string {
	s := p.Kind
	if p.Feature >= 0 {
		s += fmt.Sprintf(" feature %d", p.Feature)
	}
	if p.Other >= 0 {
		s += fmt.Sprintf(" other %d", p.Other)
	}
	if p.At != nil {
		s += fmt.Sprintf(" at (%.7f, %.7f)", p.At.Lng, p.At.Lat)
	}
	return s + ": " + p.Detail
}

// maxIntersections caps self_intersection reports per polygon: a badly
// broken ring can have thousands and the first few say enough.
const maxIntersections = 50

// ValidatePolygon checks one polygon for the problems an importer must
// refuse: invalid_ring, too_few_points, not_closed, zero_area,
// self_intersection (proper crossings, a ring touching itself, or rings
// sharing a stretch of boundary; a hole touching another ring at a single
// point is allowed, as in OGC Simple Features) and hole_outside. It returns
// nil for a valid polygon.
func ValidatePolygon(p Polygon) []Problem {
	var probs []Problem
	add := func(kind string, at *Point, format string, args ...any) {
		probs = append(probs, Problem{Kind: kind, Feature: -1, Other: -1, At: at, Detail: fmt.Sprintf(format, args...)})
	}
	if len(p) == 0 {
		add(KindInvalidRing, nil, "polygon has no rings")
		return probs
	}
	usable := make([]bool, len(p))
	for i, r := range p {
		if j := badPosition(r); j >= 0 {
			add(KindInvalidRing, nil, "ring %d position %d (%v, %v) is not a valid lng/lat", i, j, r[j].Lng, r[j].Lat)
			continue
		}
		if len(r) < 4 {
			add(KindTooFewPoints, firstPoint(r), "ring %d has %d positions, at least 4 are needed", i, len(r))
			continue
		}
		if !r.IsClosed() {
			add(KindNotClosed, &Point{r[0].Lng, r[0].Lat}, "ring %d: last position (%v, %v) differs from the first", i, r[len(r)-1].Lng, r[len(r)-1].Lat)
		}
		// Only a collinear ring is "zero area"; a bow tie whose lobes cancel
		// is reported as the self-intersection it is.
		if nearlyCollinear(r) {
			add(KindZeroArea, &Point{r[0].Lng, r[0].Lat}, "ring %d encloses no area", i)
			continue
		}
		usable[i] = true
	}
	probs = append(probs, selfIntersections(p, usable)...)
	if usable[0] {
		for i := 1; i < len(p); i++ {
			if !usable[i] {
				continue
			}
			pt, ok := ringTestPoint(p[i], p[0])
			if !ok {
				continue
			}
			if !(Polygon{p[0]}).Contains(pt) {
				add(KindHoleOutside, &pt, "hole %d is not inside the outer ring", i)
				continue
			}
			for k := 1; k < len(p); k++ {
				if k != i && usable[k] && (Polygon{p[k]}).Contains(pt) && math.Abs(p[k].SignedArea()) > math.Abs(p[i].SignedArea()) {
					add(KindHoleOutside, &pt, "hole %d lies inside hole %d", i, k)
					break
				}
			}
		}
	}
	return probs
}

// ValidateMultiPolygon runs ValidatePolygon on every member; each Detail is
// prefixed with the member index. It does not check members against each
// other.
func ValidateMultiPolygon(m MultiPolygon) []Problem {
	var probs []Problem
	for i, p := range m {
		for _, pr := range ValidatePolygon(p) {
			pr.Detail = fmt.Sprintf("polygon %d: %s", i, pr.Detail)
			probs = append(probs, pr)
		}
	}
	return probs
}

// nearlyCollinear reports whether all positions of r lie within 1e-9 of
// its extent from one line (the line from r[0] to the farthest position).
// The relative tolerance absorbs rounding in coordinates such as
// 0.1, 0.2, 0.3; any real sliver is far wider.
func nearlyCollinear(r Ring) bool {
	a, far, best := r[0], r[0], 0.0
	for _, p := range r {
		dx, dy := p.Lng-a.Lng, p.Lat-a.Lat
		if d := dx*dx + dy*dy; d > best {
			far, best = p, d
		}
	}
	for _, p := range r {
		cross := (far.Lng-a.Lng)*(p.Lat-a.Lat) - (far.Lat-a.Lat)*(p.Lng-a.Lng)
		if math.Abs(cross) > 1e-9*best { // |cross|/len = distance; len² = best
			return false
		}
	}
	return true
}

// badPosition returns the index of the first position that is not a finite,
// in-range lng/lat, or -1.
func badPosition(r Ring) int {
	for j, q := range r {
		if !isFinite(q.Lng) || !isFinite(q.Lat) || q.Lng < -180 || q.Lng > 180 || q.Lat < -90 || q.Lat > 90 {
			return j
		}
	}
	return -1
}

func firstPoint(r Ring) *Point {
	if len(r) == 0 {
		return nil
	}
	return &Point{r[0].Lng, r[0].Lat}
}

// ringTestPoint returns a vertex of r, or failing that an edge midpoint,
// that does not lie on the boundary of other.
func ringTestPoint(r, other Ring) (Point, bool) {
	for i := range r {
		if !onRing(other, r[i]) {
			return r[i], true
		}
	}
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		m := Point{a.Lng + (b.Lng-a.Lng)/2, a.Lat + (b.Lat-a.Lat)/2}
		if !onRing(other, m) {
			return m, true
		}
	}
	return Point{}, false
}

func onRing(r Ring, p Point) bool {
	for i := range r {
		if onSegment(r[i], r[(i+1)%len(r)], p) {
			return true
		}
	}
	return false
}

// onSegment reports whether p lies on the closed segment a-b.
func onSegment(a, b, p Point) bool {
	return p.Lng >= min(a.Lng, b.Lng) && p.Lng <= max(a.Lng, b.Lng) &&
		p.Lat >= min(a.Lat, b.Lat) && p.Lat <= max(a.Lat, b.Lat) &&
		orient(a, b, p) == 0
}

// segment is one non-degenerate edge of a polygon under test.
type segment struct {
	a, b       Point
	ring, idx  int // ring number and index of the start position
	pos, count int // position among the ring's non-degenerate edges, and their number
}

// selfIntersections finds crossings between the edges of all usable rings
// with a sweep over the edges sorted by west end, so only edges whose
// longitude ranges overlap are compared.
func selfIntersections(p Polygon, usable []bool) []Problem {
	var segs []segment
	for ri, r := range p {
		if !usable[ri] {
			continue
		}
		start := len(segs)
		for i := range r {
			a, b := r[i], r[(i+1)%len(r)]
			if a != b { // repeated positions are harmless; skip them
				segs = append(segs, segment{a: a, b: b, ring: ri, idx: i})
			}
		}
		for k := start; k < len(segs); k++ {
			segs[k].pos, segs[k].count = k-start, len(segs)-start
		}
	}
	slices.SortFunc(segs, func(s, t segment) int { return cmp.Compare(min(s.a.Lng, s.b.Lng), min(t.a.Lng, t.b.Lng)) })
	type conflict struct {
		u, v *segment
		at   Point
		what string
	}
	var found []conflict
	var active []int
	for i := range segs {
		s := &segs[i]
		west := min(s.a.Lng, s.b.Lng)
		active = slices.DeleteFunc(active, func(j int) bool { return max(segs[j].a.Lng, segs[j].b.Lng) < west })
		for _, j := range active {
			t := &segs[j]
			if min(s.a.Lat, s.b.Lat) > max(t.a.Lat, t.b.Lat) || min(t.a.Lat, t.b.Lat) > max(s.a.Lat, s.b.Lat) {
				continue
			}
			if at, what, bad := segmentConflict(s, t); bad {
				u, v := s, t
				if u.ring > v.ring || (u.ring == v.ring && u.idx > v.idx) {
					u, v = v, u
				}
				found = append(found, conflict{u, v, at, what})
			}
		}
		active = append(active, i)
	}
	// Sort for stable output, then report each place once per pair of
	// rings (a vertex touching another edge shows up for both its edges).
	slices.SortFunc(found, func(a, b conflict) int {
		return cmp.Or(cmp.Compare(a.u.ring, b.u.ring), cmp.Compare(a.u.idx, b.u.idx), cmp.Compare(a.v.ring, b.v.ring), cmp.Compare(a.v.idx, b.v.idx))
	})
	var probs []Problem
	type place struct {
		r1, r2 int
		at     Point
	}
	seen := map[place]bool{}
	for _, c := range found {
		key := place{c.u.ring, c.v.ring, c.at}
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(probs) == maxIntersections {
			probs = append(probs, Problem{Kind: KindSelfIntersection, Feature: -1, Other: -1, Detail: "more intersections not listed"})
			break
		}
		at := c.at
		probs = append(probs, Problem{Kind: KindSelfIntersection, Feature: -1, Other: -1, At: &at,
			Detail: fmt.Sprintf("ring %d segment %d %s ring %d segment %d at (%.7f, %.7f)", c.u.ring, c.u.idx, c.what, c.v.ring, c.v.idx, at.Lng, at.Lat)})
	}
	return probs
}

// segmentConflict decides whether two edges of a polygon meet where they
// must not, and where.
func segmentConflict(s, t *segment) (at Point, what string, bad bool) {
	o1, o2 := orient(s.a, s.b, t.a), orient(s.a, s.b, t.b)
	o3, o4 := orient(t.a, t.b, s.a), orient(t.a, t.b, s.b)
	sameRing := s.ring == t.ring
	adjacent := sameRing && (s.pos-t.pos == 1 || t.pos-s.pos == 1 || (s.count > 2 && (s.pos-t.pos == s.count-1 || t.pos-s.pos == s.count-1)))
	if o1 == 0 && o2 == 0 {
		// Collinear: a conflict if they share more than a point.
		if p, ok := collinearOverlap(s, t); ok {
			return p, "overlaps", true
		}
		if adjacent || !sameRing {
			return Point{}, "", false
		}
		// Non-adjacent edges of one ring meeting end to end: a self-touch.
		if p, ok := sharedEndpoint(s, t); ok {
			return p, "touches", true
		}
		return Point{}, "", false
	}
	if (o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) && (o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0) {
		lam := o3 / (o3 - o4)
		return Point{s.a.Lng + lam*(s.b.Lng-s.a.Lng), s.a.Lat + lam*(s.b.Lat-s.a.Lat)}, "crosses", true
	}
	if adjacent || !sameRing {
		// Adjacent edges share their joint; rings may touch at a point.
		return Point{}, "", false
	}
	// One endpoint on the other edge: a ring touching itself.
	switch {
	case o1 == 0 && onSegment(s.a, s.b, t.a):
		return t.a, "touches", true
	case o2 == 0 && onSegment(s.a, s.b, t.b):
		return t.b, "touches", true
	case o3 == 0 && onSegment(t.a, t.b, s.a):
		return s.a, "touches", true
	case o4 == 0 && onSegment(t.a, t.b, s.b):
		return s.b, "touches", true
	}
	return Point{}, "", false
}

// collinearOverlap reports whether two collinear segments share a stretch of
// positive length, and returns its midpoint. Positions are measured along
// s, from 0 at s.a to 1 at s.b (both exact).
func collinearOverlap(s, t *segment) (Point, bool) {
	dx, dy := s.b.Lng-s.a.Lng, s.b.Lat-s.a.Lat
	along := func(p Point) float64 { return ((p.Lng-s.a.Lng)*dx + (p.Lat-s.a.Lat)*dy) / (dx*dx + dy*dy) }
	ta, tb := along(t.a), along(t.b)
	lo, hi := max(0, min(ta, tb)), min(1, max(ta, tb))
	if lo >= hi {
		return Point{}, false
	}
	m := lo + (hi-lo)/2
	return Point{s.a.Lng + m*dx, s.a.Lat + m*dy}, true
}

func sharedEndpoint(s, t *segment) (Point, bool) {
	for _, p := range []Point{s.a, s.b} {
		if p == t.a || p == t.b {
			return p, true
		}
	}
	return Point{}, false
}

// DefaultTilingTolerance is the area, in square metres, below which
// ValidateTiling ignores an overlap, an outside part or a gap.
//
// Why 1 m²: the computation is exact where neighbours share vertices (the
// spans between bit-identical edge crossings have length zero), so the
// tolerance only has to absorb floating-point rounding where a parent edge
// and a child edge lie on one line with different endpoints, e.g. when the
// parent's collinear vertices were merged. That noise is around 1e-3 m² even
// for a whole city. 1 m² is far above it and far below any digitising error
// that matters for grid management (it is the size of a desk).
const DefaultTilingTolerance = 1.0

// ValidateTiling checks that children tile parent: no two children overlap
// (KindOverlap, Feature and Other are the two indexes), no child reaches
// outside the parent (KindOutsideParent) and no part of the parent is left
// uncovered (KindGap, one problem per connected gap). It uses
// DefaultTilingTolerance; see ValidateTilingTol.
func ValidateTiling(parent MultiPolygon, children []MultiPolygon) []Problem {
	return ValidateTilingTol(parent, children, DefaultTilingTolerance)
}

// ValidateTilingTol is ValidateTiling with the area tolerance given in
// square metres.
//
// Algorithm: the plane is cut into horizontal slabs at every distinct vertex
// latitude. Inside a slab no edge starts or ends, so along the slab's middle
// line the coverage by parent and children is known exactly from the edge
// crossings, and the length of each covered stretch varies linearly across
// the slab: length at the middle times slab height is the exact area
// (unless edges cross inside the slab, which only happens in a broken
// tiling, where the result is still a good estimate). All crossings at the
// same longitude are applied together, so a shared edge adds nothing. The
// reported points are middles of the largest offending stretch, so they lie
// inside the overlap, outside part or gap. Cost is O(V log V) for V
// vertices plus the crossings per slab; ~300 children take milliseconds.
func ValidateTilingTol(parent MultiPolygon, children []MultiPolygon, tolM2 float64) []Problem {
	edges, ys := tilingEdges(parent, children)
	s := newTilingSweep(len(children))
	s.run(edges, ys)
	var probs []Problem
	probs = s.overlapProblems(probs, tolM2)
	probs = s.outsideProblems(probs, len(children), tolM2)
	return s.gapProblems(probs, tolM2)
}

// tilingEdge is one edge of the parent or of a child; a is its lower end.
type tilingEdge struct {
	ax, ay, bx, by float64
	owner          int32 // 0 = parent, i+1 = child i
}

// tilingEdges returns the edges of parent and children that can bound an
// area (finite and not horizontal) sorted by their lower end, and the
// distinct latitudes of their ends in order: the slab boundaries.
func tilingEdges(parent MultiPolygon, children []MultiPolygon) ([]tilingEdge, []float64) {
	var edges []tilingEdge
	var ys []float64
	addGeom := func(m MultiPolygon, owner int32) {
		for _, p := range m {
			for _, r := range p {
				for i := range r {
					a, b := r[i], r[(i+1)%len(r)]
					if !isFinite(a.Lng) || !isFinite(a.Lat) || !isFinite(b.Lng) || !isFinite(b.Lat) || a.Lat == b.Lat {
						continue
					}
					if a.Lat > b.Lat {
						a, b = b, a
					}
					edges = append(edges, tilingEdge{a.Lng, a.Lat, b.Lng, b.Lat, owner})
					ys = append(ys, a.Lat, b.Lat)
				}
			}
		}
	}
	addGeom(parent, 0)
	for i, c := range children {
		addGeom(c, int32(i+1))
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	slices.SortFunc(edges, func(e, f tilingEdge) int { return cmp.Compare(e.ay, f.ay) })
	return edges, ys
}

// areaAcc collects an area and the middle of its largest stretch.
type areaAcc struct {
	area, best float64
	at         Point
}

func (a *areaAcc) note(area float64, at Point) {
	a.area += area
	if area > a.best {
		a.best, a.at = area, at
	}
}

// gapSpan is a stretch of one slab that the parent covers and no child does.
type gapSpan struct {
	x0, x1 float64
	acc    areaAcc
}

// crossing is where an edge of owner crosses a slab's middle line.
type crossing struct {
	x     float64
	owner int32
}

// tilingSweep is the state of the slab sweep of ValidateTilingTol.
type tilingSweep struct {
	overlaps map[[2]int32]*areaAcc // by the pair of owners
	outside  map[int32]*areaAcc    // by owner
	// Gap stretches are joined into connected gaps with union-find across
	// neighbouring slabs.
	gaps     []gapSpan
	uf       []int
	prevGaps [2]int  // range of gap spans in the previous slab
	inside   []bool  // by owner, along the current middle line
	in       []int32 // children currently inside, in order of entry
}

func newTilingSweep(children int) *tilingSweep {
	return &tilingSweep{overlaps: map[[2]int32]*areaAcc{}, outside: map[int32]*areaAcc{}, inside: make([]bool, children+1)}
}

func (s *tilingSweep) find(i int) int {
	for s.uf[i] != i {
		s.uf[i] = s.uf[s.uf[i]]
		i = s.uf[i]
	}
	return i
}

// run sweeps the slabs between consecutive ys from bottom to top, keeping
// the edges that span each one.
func (s *tilingSweep) run(edges []tilingEdge, ys []float64) {
	var active []tilingEdge
	var xs []crossing
	next := 0
	for k := 0; k+1 < len(ys); k++ {
		y0, y1 := ys[k], ys[k+1]
		ym := y0 + (y1-y0)/2
		for next < len(edges) && edges[next].ay <= y0 {
			active = append(active, edges[next])
			next++
		}
		active = slices.DeleteFunc(active, func(e tilingEdge) bool { return e.by <= y0 })
		if !(ym > y0 && ym < y1) {
			continue // adjacent floats: no area
		}
		h := y1 - y0
		m2 := h * metresPerDegree * metresPerDegree * math.Cos(ym*math.Pi/180)
		xs = crossings(xs[:0], active, ym)
		s.slab(xs, ym, m2)
	}
}

// crossings appends where the active edges cross the line at latitude ym
// to xs, sorted by longitude, then owner.
func crossings(xs []crossing, active []tilingEdge, ym float64) []crossing {
	for _, e := range active {
		// Same formula, same canonical endpoints: a shared edge gives
		// the same x in both polygons.
		xs = append(xs, crossing{e.ax + (ym-e.ay)*(e.bx-e.ax)/(e.by-e.ay), e.owner})
	}
	slices.SortFunc(xs, func(a, b crossing) int {
		if c := cmp.Compare(a.x, b.x); c != 0 {
			return c
		}
		return cmp.Compare(a.owner, b.owner)
	})
	return xs
}

// slab walks one slab's middle line at latitude ym from west to east; m2
// is the area in square metres of one degree of longitude across the slab.
func (s *tilingSweep) slab(xs []crossing, ym, m2 float64) {
	// Every ring crosses a line an even number of times, so all of this is
	// false again after a slab; reset anyway in case skipped non-finite
	// edges broke the parity.
	for _, c := range s.in {
		s.inside[c] = false
	}
	s.in, s.inside[0] = s.in[:0], false
	slabStart := len(s.gaps)
	for i := 0; i < len(xs); {
		x := xs[i].x
		for ; i < len(xs) && xs[i].x == x; i++ {
			s.cross(xs[i].owner)
		}
		if i == len(xs) {
			break
		}
		w := xs[i].x - x
		s.stretch(x, w, w*m2, Point{x + w/2, ym}, slabStart)
	}
	s.joinGaps(slabStart)
}

// cross enters or leaves the polygon of owner.
func (s *tilingSweep) cross(o int32) {
	s.inside[o] = !s.inside[o]
	if o == 0 {
		return
	}
	if s.inside[o] {
		s.in = append(s.in, o)
	} else if j := slices.Index(s.in, o); j >= 0 {
		s.in = slices.Delete(s.in, j, j+1)
	}
}

// stretch notes the stretch of width w from x, of the given area and
// middle, as overlap, gap or outside part according to who covers it.
func (s *tilingSweep) stretch(x, w, area float64, mid Point, slabStart int) {
	switch {
	case len(s.in) >= 2:
		for a := range s.in {
			for b := a + 1; b < len(s.in); b++ {
				key := [2]int32{min(s.in[a], s.in[b]), max(s.in[a], s.in[b])}
				if s.overlaps[key] == nil {
					s.overlaps[key] = &areaAcc{}
				}
				s.overlaps[key].note(area, mid)
			}
		}
	case len(s.in) == 0 && s.inside[0]:
		g := gapSpan{x0: x, x1: x + w}
		g.acc.note(area, mid)
		// Extend the previous span of this slab if they touch.
		if n := len(s.gaps); n > slabStart && s.gaps[n-1].x1 == x {
			s.gaps[n-1].x1 = g.x1
			s.gaps[n-1].acc.note(area, mid)
		} else {
			s.gaps = append(s.gaps, g)
			s.uf = append(s.uf, len(s.uf))
		}
	}
	if !s.inside[0] {
		for _, c := range s.in {
			if s.outside[c] == nil {
				s.outside[c] = &areaAcc{}
			}
			s.outside[c].note(area, mid)
		}
	}
}

// joinGaps joins the gaps of the slab that starts at slabStart with the
// overlapping gaps of the slab below.
func (s *tilingSweep) joinGaps(slabStart int) {
	for g := slabStart; g < len(s.gaps); g++ {
		for p := s.prevGaps[0]; p < s.prevGaps[1]; p++ {
			if s.gaps[p].x0 < s.gaps[g].x1 && s.gaps[g].x0 < s.gaps[p].x1 {
				s.uf[s.find(g)] = s.find(p)
			}
		}
	}
	s.prevGaps = [2]int{slabStart, len(s.gaps)}
}

// overlapProblems appends the overlaps above tolM2, ordered by the pair.
func (s *tilingSweep) overlapProblems(probs []Problem, tolM2 float64) []Problem {
	keys := make([][2]int32, 0, len(s.overlaps))
	for key := range s.overlaps {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b [2]int32) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	for _, key := range keys {
		a := s.overlaps[key]
		if a.area > tolM2 {
			at := a.at
			probs = append(probs, Problem{Kind: KindOverlap, Feature: int(key[0] - 1), Other: int(key[1] - 1), At: &at,
				Detail: fmt.Sprintf("children %d and %d overlap by about %.1f m²", key[0]-1, key[1]-1, a.area)})
		}
	}
	return probs
}

// outsideProblems appends the children with more than tolM2 outside the
// parent, in order.
func (s *tilingSweep) outsideProblems(probs []Problem, children int, tolM2 float64) []Problem {
	for c := int32(1); c <= int32(children); c++ {
		if a := s.outside[c]; a != nil && a.area > tolM2 {
			at := a.at
			probs = append(probs, Problem{Kind: KindOutsideParent, Feature: int(c - 1), Other: -1, At: &at,
				Detail: fmt.Sprintf("child %d has about %.1f m² outside the parent", c-1, a.area)})
		}
	}
	return probs
}

// gapProblems appends the connected gaps above tolM2, each summed at its
// root, in order of first appearance.
func (s *tilingSweep) gapProblems(probs []Problem, tolM2 float64) []Problem {
	roots := map[int]*areaAcc{}
	var order []int
	for g := range s.gaps {
		r := s.find(g)
		if roots[r] == nil {
			roots[r] = &areaAcc{}
			order = append(order, r)
		}
		roots[r].area += s.gaps[g].acc.area
		if s.gaps[g].acc.best > roots[r].best {
			roots[r].best, roots[r].at = s.gaps[g].acc.best, s.gaps[g].acc.at
		}
	}
	for _, r := range order {
		if a := roots[r]; a.area > tolM2 {
			at := a.at
			probs = append(probs, Problem{Kind: KindGap, Feature: -1, Other: -1, At: &at,
				Detail: fmt.Sprintf("about %.1f m² of the parent is covered by no child", a.area)})
		}
	}
	return probs
}
