package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// TileSpec is the hierarchy that Tile lays out.
type TileSpec struct {
	Towns []TownSpec
	// CellsPerDegree fixes the lattice: square cells of 1/CellsPerDegree
	// degrees, aligned to multiples of that size, so separate calls with the
	// same value share one lattice. 0 chooses it from the outline's area so
	// that every grid gets about 40 cells.
	CellsPerDegree int
}

// TownSpec is one town (乡镇/街道) and its villages.
type TownSpec struct {
	Code, Name string
	// Weight is the town's share of the area relative to the other towns;
	// 0 means its total number of grids.
	Weight   float64
	Villages []VillageSpec
}

// VillageSpec is one village (村/社区) and how many grids to cut it into.
// Villages of a town get areas proportional to their grid counts.
type VillageSpec struct {
	Code, Name string
	Grids      int
}

// TileResult is a tiling: towns partition Outline, villages partition their
// town, grids partition their village. All polygons are unions of cells of
// one lattice, so neighbours share bit-identical vertices.
type TileResult struct {
	// Outline is the area actually tiled: the input outline rasterised on
	// the lattice (cells whose centre is inside), keeping the largest
	// connected part. Validate towns against this, not the input.
	Outline        MultiPolygon
	CellsPerDegree int
	Towns          []TileTown
}

// TileTown is one town of a TileResult, in spec order.
type TileTown struct {
	Code, Name string
	Geom       MultiPolygon
	Interior   Point // a cell centre inside Geom, near its middle
	Villages   []TileVillage
}

// TileVillage is one village of a TileResult, in spec order.
type TileVillage struct {
	Code, Name string
	Geom       MultiPolygon
	Interior   Point
	// Grids are numbered in reading order: rows of height
	// sqrt(Geom.Area()/len(Grids)) degrees counted down from the village's
	// north edge, north to south, and west to east within a row, judged by
	// each grid's Interior point. Grids[i].Seq == i+1.
	Grids []TileGrid
}

// TileGrid is one grid of a village. The 15-digit grid code is the village
// code followed by Seq as three digits.
type TileGrid struct {
	Seq      int
	Geom     Polygon
	Interior Point
}

// Tiling parameters.
const (
	targetCellsPerGrid = 40      // "at least ~30 cells" after imbalance
	maxLatticeCells    = 1 << 22 // bounding-box cells; about 80 MB of work arrays
	lloydRounds        = 2       // re-seed at region centres this many times
)

// ErrTooFewCells is wrapped by Tile's error when a town or village is too
// small for its children on the chosen lattice.
var ErrTooFewCells = errors.New("too few lattice cells")

// Tile lays out towns, villages and grids over outline (WGS-84) so that
// they tile it exactly, deterministically for a given seed.
//
// The outline is rasterised onto a square lattice, towns are grown from
// spread-out seeds by balanced multi-source region growing (each region
// takes the free neighbouring cell nearest its seed, the region furthest
// below its weight-proportional target going first), re-seeded at their
// centres a couple of times for compact shapes; villages are grown inside
// each town and grids inside each village the same way. Regions are
// connected (4-neighbour), so each is a single polygon, possibly with holes.
// Boundaries are traced from cell edges, outer rings counter-clockwise,
// holes clockwise, with collinear points merged.
func Tile(outline MultiPolygon, spec TileSpec, seed int64) (TileResult, error) {
	t, err := newTiling(outline, spec, seed)
	if err != nil {
		return TileResult{}, err
	}
	return t.result(), nil
}

// lattice maps cell (i, j), i.e. index j*w+i, to the square
// [(i0+i)/k, (i0+i+1)/k] x [(j0+j)/k, (j0+j+1)/k] in degrees.
type lattice struct {
	k, i0, j0, w, h int
	cosLat          float64 // east-west shrink, for distances in metres
}

// vertex computes lattice vertex coordinates by one formula from integers,
// so every polygon using a vertex gets the same bits.
func (l *lattice) vertex(i, j int) Point {
	return Point{float64(l.i0+i) / float64(l.k), float64(l.j0+j) / float64(l.k)}
}

func (l *lattice) centre(c int32) Point {
	i, j := int(c)%l.w, int(c)/l.w
	return Point{(float64(l.i0+i) + 0.5) / float64(l.k), (float64(l.j0+j) + 0.5) / float64(l.k)}
}

// dist2 is a squared distance between cells, roughly proportional to metres.
func (l *lattice) dist2(c, d int32) float64 {
	dx := float64(int(c)%l.w-int(d)%l.w) * l.cosLat
	dy := float64(int(c)/l.w - int(d)/l.w)
	return dx*dx + dy*dy
}

// tiling is the working state of Tile, kept for tests.
type tiling struct {
	lat                 lattice
	spec                TileSpec
	rng                 *rand.Rand
	domain              []int32 // 0 inside the tiled outline, -1 outside
	town, village, grid []int32 // region labels per cell, -1 outside
	villageBase         []int32 // per town: global index of its first village
	gridBase            []int32 // per village: global index of its first grid
	nVillages, nGrids   int
	lastPush            []int32 // growth scratch: last region that queued a cell
}

// newTiling checks the spec, builds the lattice and assigns every cell to a
// town, a village and a grid.
func newTiling(outline MultiPolygon, spec TileSpec, seed int64) (*tiling, error) {
	t := &tiling{spec: spec, rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
	if len(spec.Towns) == 0 {
		return nil, errors.New("tile: no towns in spec")
	}
	weights := make([]float64, len(spec.Towns))
	for ti, town := range spec.Towns {
		if len(town.Villages) == 0 {
			return nil, fmt.Errorf("tile: town %s %s has no villages", town.Code, town.Name)
		}
		t.villageBase = append(t.villageBase, int32(t.nVillages))
		grids := 0
		for _, v := range town.Villages {
			if v.Grids < 1 {
				return nil, fmt.Errorf("tile: village %s %s: grid count %d, need at least 1", v.Code, v.Name, v.Grids)
			}
			t.gridBase = append(t.gridBase, int32(t.nGrids))
			t.nGrids += v.Grids
			grids += v.Grids
			t.nVillages++
		}
		switch w := town.Weight; {
		case w < 0 || math.IsNaN(w) || math.IsInf(w, 0):
			return nil, fmt.Errorf("tile: town %s %s: invalid weight %v", town.Code, town.Name, w)
		case w == 0:
			weights[ti] = float64(grids)
		default:
			weights[ti] = w
		}
	}
	area, box := outline.Area(), outline.Bounds()
	if !(area > 0) || box.IsEmpty() || badPositions(outline) {
		return nil, errors.New("tile: outline is empty or invalid")
	}
	k := spec.CellsPerDegree
	if k <= 0 {
		k = chooseCellsPerDegree(area, weights, spec)
	}
	// Keep the work arrays bounded, whatever was asked for.
	if limit := int(math.Sqrt(maxLatticeCells / ((box.MaxLng - box.MinLng) * (box.MaxLat - box.MinLat)))); k > limit {
		k = max(limit, 1)
	}
	i0, j0 := int(math.Floor(box.MinLng*float64(k))), int(math.Floor(box.MinLat*float64(k)))
	t.lat = lattice{k: k, i0: i0, j0: j0,
		w:      int(math.Ceil(box.MaxLng*float64(k))) - i0,
		h:      int(math.Ceil(box.MaxLat*float64(k))) - j0,
		cosLat: math.Cos(box.Center().Lat * math.Pi / 180)}
	n := t.lat.w * t.lat.h
	t.domain = t.lat.largestComponent(t.lat.rasterize(outline))
	t.town, t.village, t.grid, t.lastPush = newLabels(n), newLabels(n), newLabels(n), newLabels(n)

	var cells []int32
	for c, d := range t.domain {
		if d == 0 {
			cells = append(cells, int32(c))
		}
	}
	if err := t.partition(cells, t.domain, 0, weights, t.town, 0); err != nil {
		return nil, fmt.Errorf("tile: %d towns on %d cells: %w", len(weights), len(cells), err)
	}
	townCells := bucket(cells, t.town, len(spec.Towns))
	for ti, town := range spec.Towns {
		vw := make([]float64, len(town.Villages))
		for vi, v := range town.Villages {
			vw[vi] = float64(v.Grids)
		}
		if err := t.partition(townCells[ti], t.town, int32(ti), vw, t.village, t.villageBase[ti]); err != nil {
			return nil, fmt.Errorf("tile: town %s %s: %d villages on %d cells: %w", town.Code, town.Name, len(vw), len(townCells[ti]), err)
		}
	}
	villCells := bucket(cells, t.village, t.nVillages)
	for ti, town := range spec.Towns {
		for vi, v := range town.Villages {
			gv := t.villageBase[ti] + int32(vi)
			ones := make([]float64, v.Grids)
			for i := range ones {
				ones[i] = 1
			}
			if err := t.partition(villCells[gv], t.village, gv, ones, t.grid, t.gridBase[gv]); err != nil {
				return nil, fmt.Errorf("tile: village %s %s: %d grids on %d cells (use a finer TileSpec.CellsPerDegree): %w",
					v.Code, v.Name, v.Grids, len(villCells[gv]), err)
			}
		}
	}
	return t, nil
}

func badPositions(m MultiPolygon) bool {
	for _, p := range m {
		for _, r := range p {
			if badPosition(r) >= 0 {
				return true
			}
		}
	}
	return false
}

// chooseCellsPerDegree picks the lattice so that the town with the least
// area per grid still gets targetCellsPerGrid cells per grid on average.
func chooseCellsPerDegree(area float64, weights []float64, spec TileSpec) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	perGrid := math.Inf(1)
	for ti, town := range spec.Towns {
		g := 0
		for _, v := range town.Villages {
			g += v.Grids
		}
		perGrid = min(perGrid, area*weights[ti]/total/float64(g))
	}
	return max(1, int(math.Ceil(1/math.Sqrt(perGrid/targetCellsPerGrid))))
}

func newLabels(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = -1
	}
	return s
}

// bucket groups cells by their label (0..n-1), keeping cell order.
func bucket(cells []int32, lab []int32, n int) [][]int32 {
	out := make([][]int32, n)
	for _, c := range cells {
		out[lab[c]] = append(out[lab[c]], c)
	}
	return out
}

// rasterize marks the cells whose centre is inside the outline, row by row
// with the same half-open crossing rule as Contains.
func (l *lattice) rasterize(outline MultiPolygon) []bool {
	inside := make([]bool, l.w*l.h)
	rows := make([][]float64, l.h)
	yc := func(j int) float64 { return (float64(l.j0+j) + 0.5) / float64(l.k) }
	xc := func(i int) float64 { return (float64(l.i0+i) + 0.5) / float64(l.k) }
	for _, p := range outline {
		for j := range rows {
			rows[j] = rows[j][:0]
		}
		for _, r := range p {
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				if a.Lat == b.Lat {
					continue
				}
				if a.Lat > b.Lat {
					a, b = b, a
				}
				// Rows with a.Lat <= centre < b.Lat, the half-open rule of
				// Contains. Start a row early and step to the first one.
				j := max(0, int(math.Floor(a.Lat*float64(l.k)))-l.j0-1)
				for j < l.h && yc(j) < a.Lat {
					j++
				}
				for ; j < l.h && yc(j) < b.Lat; j++ {
					rows[j] = append(rows[j], a.Lng+(yc(j)-a.Lat)*(b.Lng-a.Lng)/(b.Lat-a.Lat))
				}
			}
		}
		// Members of a multipolygon are unioned: a cell inside any is in.
		for j, xs := range rows {
			slices.Sort(xs)
			for m := 0; m+1 < len(xs); m += 2 {
				i := max(0, int(math.Floor(xs[m]*float64(l.k)))-l.i0-1)
				for i < l.w && xc(i) < xs[m] {
					i++
				}
				for ; i < l.w && xc(i) < xs[m+1]; i++ {
					inside[j*l.w+i] = true
				}
			}
		}
	}
	return inside
}

// largestComponent keeps the largest 4-connected set of inside cells
// (labelled 0; everything else -1), so that region growing can reach every
// cell and nothing is left unassigned.
func (l *lattice) largestComponent(inside []bool) []int32 {
	comp := newLabels(len(inside))
	var queue []int32
	best, bestSize := int32(-1), 0
	next := int32(0)
	for c := range inside {
		if !inside[c] || comp[c] >= 0 {
			continue
		}
		queue = append(queue[:0], int32(c))
		comp[c] = next
		for q := 0; q < len(queue); q++ {
			l.neighbours(queue[q], func(d int32) {
				if inside[d] && comp[d] < 0 {
					comp[d] = next
					queue = append(queue, d)
				}
			})
		}
		if len(queue) > bestSize {
			best, bestSize = next, len(queue)
		}
		next++
	}
	for c, v := range comp {
		if v == best {
			comp[c] = 0
		} else {
			comp[c] = -1
		}
	}
	return comp
}

// neighbours calls f for the 4-neighbours of cell c that are on the lattice.
func (l *lattice) neighbours(c int32, f func(int32)) {
	i, j := int(c)%l.w, int(c)/l.w
	if i > 0 {
		f(c - 1)
	}
	if i+1 < l.w {
		f(c + 1)
	}
	if j > 0 {
		f(c - int32(l.w))
	}
	if j+1 < l.h {
		f(c + int32(l.w))
	}
}

// partition splits cells (all with dom[c] == domID, 4-connected) into
// len(weights) connected regions labelled base+r in out, with sizes roughly
// proportional to weights.
func (t *tiling) partition(cells []int32, dom []int32, domID int32, weights []float64, out []int32, base int32) error {
	n := len(weights)
	if len(cells) < n {
		return ErrTooFewCells
	}
	if n == 1 {
		for _, c := range cells {
			out[c] = base
		}
		return nil
	}
	var total float64
	for _, w := range weights {
		total += w
	}
	targets := make([]float64, n)
	for r, w := range weights {
		targets[r] = w / total * float64(len(cells))
	}
	seeds := t.farthestSeeds(cells, n)
	for round := 0; ; round++ {
		t.grow(cells, dom, domID, seeds, targets, out, base)
		if round == lloydRounds {
			return nil
		}
		seeds = t.recentre(cells, out, base, n)
	}
}

// farthestSeeds picks n distinct cells: a random one, then repeatedly the
// cell farthest from all seeds so far. Candidates are a strided sample of
// at most ~20,000 cells, which spreads seeds just as well at a fraction of
// the O(n·cells) cost.
func (t *tiling) farthestSeeds(cells []int32, n int) []int32 {
	stride := max(1, len(cells)/max(20000, 4*n))
	cand := make([]int32, 0, len(cells)/stride+1)
	for i := 0; i < len(cells); i += stride {
		cand = append(cand, cells[i])
	}
	d := make([]float64, len(cand))
	for i := range d {
		d[i] = math.Inf(1)
	}
	seeds := []int32{cand[t.rng.IntN(len(cand))]}
	for len(seeds) < n {
		s := seeds[len(seeds)-1]
		bi, bd := 0, -1.0
		for i, c := range cand {
			d[i] = min(d[i], t.lat.dist2(c, s))
			if d[i] > bd {
				bi, bd = i, d[i]
			}
		}
		seeds = append(seeds, cand[bi])
	}
	return seeds
}

// recentre moves each region's seed to its cell nearest the region's mean.
func (t *tiling) recentre(cells []int32, out []int32, base int32, n int) []int32 {
	sx, sy, cnt := make([]float64, n), make([]float64, n), make([]float64, n)
	w := t.lat.w
	for _, c := range cells {
		r := out[c] - base
		sx[r] += float64(int(c) % w)
		sy[r] += float64(int(c) / w)
		cnt[r]++
	}
	seeds := make([]int32, n)
	bd := make([]float64, n)
	for r := range bd {
		bd[r] = math.Inf(1)
	}
	for _, c := range cells {
		r := out[c] - base
		dx := (float64(int(c)%w) - sx[r]/cnt[r]) * t.lat.cosLat
		dy := float64(int(c)/w) - sy[r]/cnt[r]
		if d := dx*dx + dy*dy; d < bd[r] {
			bd[r], seeds[r] = d, c
		}
	}
	return seeds
}

// grow runs balanced multi-source region growing: repeatedly the region
// with the lowest size/target takes its free frontier cell nearest to its
// seed. A region with no free neighbour left stops. The domain is
// connected, so every cell ends up in some region.
//
// Both queues hold packed uint64 keys, (float32 priority bits << 32 | id):
// float32 bits of non-negative numbers sort like the numbers, and ties
// break on the id, which keeps the growth deterministic and fast.
func (t *tiling) grow(cells []int32, dom []int32, domID int32, seeds []int32, targets []float64, out []int32, base int32) {
	for _, c := range cells {
		out[c] = -1
		t.lastPush[c] = -1
	}
	l := &t.lat
	n := len(seeds)
	fronts := make([]heap, n)
	var regions heap
	size := make([]float64, n)
	take := func(r int32, c int32) {
		out[c] = base + r
		size[r]++
		i, j := int(c)%l.w, int(c)/l.w
		for k, d := range [4]int32{c - 1, c + 1, c - int32(l.w), c + int32(l.w)} {
			if k == 0 && i == 0 || k == 1 && i == l.w-1 || k == 2 && j == 0 || k == 3 && j == l.h-1 {
				continue // off the lattice
			}
			if dom[d] == domID && out[d] == -1 && t.lastPush[d] != base+r {
				t.lastPush[d] = base + r
				fronts[r].push(packKey(l.dist2(d, seeds[r]), d))
			}
		}
		regions.push(packKey(size[r]/targets[r], r))
	}
	for r, s := range seeds {
		take(int32(r), s)
	}
	for len(regions) > 0 {
		r := int32(uint32(regions.pop()))
		for len(fronts[r]) > 0 {
			if c := int32(uint32(fronts[r].pop())); out[c] == -1 {
				take(r, c)
				break
			}
		}
	}
}

func packKey(priority float64, id int32) uint64 {
	return uint64(math.Float32bits(float32(priority)))<<32 | uint64(uint32(id))
}

// heap is a minimal binary min-heap of packed keys.
type heap []uint64

func (h *heap) push(x uint64) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p] <= s[i] {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *heap) pop() uint64 {
	s := *h
	top, last := s[0], len(s)-1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		m, l := i, 2*i+1
		if l < last && s[l] < s[m] {
			m = l
		}
		if l+1 < last && s[l+1] < s[m] {
			m = l + 1
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// Directions of boundary edges, counter-clockwise. A boundary edge is
// stored as (cell on its left, direction): heading east it is the cell's
// south side, north its east side, west its north side, south its west side.
const (
	east = iota
	north
	west
	south
)

// Per direction, as (di, dj) offsets:
var (
	across  = [4][2]int{{0, -1}, {1, 0}, {0, 1}, {-1, 0}}   // from the cell to the neighbour across the edge
	edgeEnd = [4][2]int{{1, 0}, {1, 1}, {0, 1}, {0, 0}}     // from the cell to the edge's end vertex
	leftOf  = [4][2]int{{0, 0}, {-1, 0}, {-1, -1}, {0, -1}} // from a vertex to the cell left of an edge leaving it
)

func (l *lattice) label(lab []int32, i, j int) int32 {
	if i < 0 || j < 0 || i >= l.w || j >= l.h {
		return -1
	}
	return lab[j*l.w+i]
}

// isBoundary reports whether cell (i, j) has a boundary edge heading d.
func (l *lattice) isBoundary(lab []int32, i, j, d int) bool {
	return l.label(lab, i, j) != l.label(lab, i+across[d][0], j+across[d][1])
}

// trace turns the regions labelled 0..n-1 in lab into polygons. Where a
// region touches itself diagonally at a vertex, the tracer turns right,
// i.e. treats the two cells as connected; for 4-connected regions this
// yields an outer ring and a hole that touch at that vertex, never a ring
// that touches itself.
func (l *lattice) trace(lab []int32, n int) []MultiPolygon {
	rings := make([][][]int32, n) // per region: rings as flat (i, j) corner lists
	visited := make([]uint64, (l.w*l.h*4+63)/64)
	seen := func(c, d int) bool { return visited[(c*4+d)/64]&(1<<((c*4+d)%64)) != 0 }
	mark := func(c, d int) { visited[(c*4+d)/64] |= 1 << ((c*4 + d) % 64) }
	for c := range lab {
		r := lab[c]
		if r < 0 || int(r) >= n {
			continue
		}
		i, j := c%l.w, c/l.w
		for d := range 4 {
			if seen(c, d) || !l.isBoundary(lab, i, j, d) {
				continue
			}
			var corners []int32
			ci, cj, cd := i, j, d
			for {
				mark(cj*l.w+ci, cd)
				vi, vj := ci+edgeEnd[cd][0], cj+edgeEnd[cd][1]
				// Prefer a right turn, then straight on, then a left turn.
				for _, nd := range [3]int{(cd + 3) % 4, cd, (cd + 1) % 4} {
					ni, nj := vi+leftOf[nd][0], vj+leftOf[nd][1]
					if l.label(lab, ni, nj) == r && l.isBoundary(lab, ni, nj, nd) {
						if nd != cd {
							corners = append(corners, int32(vi), int32(vj))
						}
						ci, cj, cd = ni, nj, nd
						break
					}
				}
				if ci == i && cj == j && cd == d {
					break
				}
			}
			rings[r] = append(rings[r], corners)
		}
	}
	out := make([]MultiPolygon, n)
	for r, rs := range rings {
		out[r] = l.assemble(rs)
	}
	return out
}

// assemble sorts traced rings into polygons: counter-clockwise rings are
// outer rings, clockwise ones holes of the smallest outer ring around them.
func (l *lattice) assemble(rs [][]int32) MultiPolygon {
	var m MultiPolygon
	var outerArea []int64
	var holes []Ring
	for _, corners := range rs {
		var a2 int64 // twice the signed area, exact in lattice units
		n := len(corners) / 2
		ring := make(Ring, 0, n+1)
		for k := range n {
			x0, y0 := int64(corners[2*k]), int64(corners[2*k+1])
			x1, y1 := int64(corners[2*((k+1)%n)]), int64(corners[2*((k+1)%n)+1])
			a2 += x0*y1 - x1*y0
			ring = append(ring, l.vertex(int(x0), int(y0)))
		}
		ring = append(ring, ring[0])
		if a2 > 0 {
			m = append(m, Polygon{ring})
			outerArea = append(outerArea, a2)
		} else {
			holes = append(holes, ring)
		}
	}
	for _, h := range holes {
		best := 0
		if len(m) > 1 {
			probe := Point{(h[0].Lng + h[1].Lng) / 2, (h[0].Lat + h[1].Lat) / 2}
			best = -1
			for k, p := range m {
				if (Polygon{p[0]}).Contains(probe) && (best < 0 || outerArea[k] < outerArea[best]) {
					best = k
				}
			}
			if best < 0 {
				best = 0
			}
		}
		m[best] = append(m[best], h)
	}
	return m
}

// interiorPoints returns, for each region 0..n-1 of lab, the centre of its
// cell nearest the region's mean cell: inside the region by construction
// and near its middle.
func (l *lattice) interiorPoints(lab []int32, n int) []Point {
	sx, sy, cnt := make([]float64, n), make([]float64, n), make([]float64, n)
	for c, r := range lab {
		if r >= 0 && int(r) < n {
			sx[r] += float64(c % l.w)
			sy[r] += float64(c / l.w)
			cnt[r]++
		}
	}
	best := make([]int32, n)
	bd := make([]float64, n)
	for r := range bd {
		bd[r] = math.Inf(1)
	}
	for c, r := range lab {
		if r < 0 || int(r) >= n {
			continue
		}
		dx := (float64(c%l.w) - sx[r]/cnt[r]) * l.cosLat
		dy := float64(c/l.w) - sy[r]/cnt[r]
		if d := dx*dx + dy*dy; d < bd[r] {
			bd[r], best[r] = d, int32(c)
		}
	}
	pts := make([]Point, n)
	for r, c := range best {
		pts[r] = l.centre(c)
	}
	return pts
}

// result traces all regions and assembles the public TileResult.
func (t *tiling) result() TileResult {
	l := &t.lat
	res := TileResult{CellsPerDegree: l.k}
	res.Outline = l.trace(t.domain, 1)[0]
	townGeom, townPt := l.trace(t.town, len(t.spec.Towns)), l.interiorPoints(t.town, len(t.spec.Towns))
	villGeom, villPt := l.trace(t.village, t.nVillages), l.interiorPoints(t.village, t.nVillages)
	gridGeom, gridPt := l.trace(t.grid, t.nGrids), l.interiorPoints(t.grid, t.nGrids)
	for ti, town := range t.spec.Towns {
		tt := TileTown{Code: town.Code, Name: town.Name, Geom: townGeom[ti], Interior: townPt[ti]}
		for vi, v := range town.Villages {
			gv := t.villageBase[ti] + int32(vi)
			tv := TileVillage{Code: v.Code, Name: v.Name, Geom: villGeom[gv], Interior: villPt[gv]}
			for g := range v.Grids {
				gg := t.gridBase[gv] + int32(g)
				tv.Grids = append(tv.Grids, TileGrid{Geom: gridGeom[gg][0], Interior: gridPt[gg]})
			}
			sortGrids(tv.Geom, tv.Grids)
			tt.Villages = append(tt.Villages, tv)
		}
		res.Towns = append(res.Towns, tt)
	}
	return res
}

// readingRows returns the north edge of a village and the row height used
// to number its grids: sqrt(village area / grids), about one grid high.
func readingRows(village MultiPolygon, grids int) (top, rowH float64) {
	return village.Bounds().MaxLat, math.Sqrt(village.Area() / float64(grids))
}

// gridRow returns the reading-order row of a grid's interior point.
func gridRow(top, rowH float64, p Point) int {
	return int(math.Floor((top - p.Lat) / rowH))
}

// sortGrids numbers grids in reading order (see TileVillage.Grids).
func sortGrids(village MultiPolygon, grids []TileGrid) {
	top, rowH := readingRows(village, len(grids))
	slices.SortStableFunc(grids, func(a, b TileGrid) int {
		if c := cmp.Compare(gridRow(top, rowH, a.Interior), gridRow(top, rowH, b.Interior)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Interior.Lng, b.Interior.Lng); c != 0 {
			return c
		}
		return -cmp.Compare(a.Interior.Lat, b.Interior.Lat)
	})
	for i := range grids {
		grids[i].Seq = i + 1
	}
}
