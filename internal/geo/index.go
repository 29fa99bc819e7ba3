package geo

import (
	"fmt"
	"slices"

	"github.com/tidwall/rtree"
)

// Entry is one area to index: a grid, a village, a town...
type Entry struct {
	ID, Layer, Code, Name string
	Geom                  MultiPolygon
}

// Hit is one area found by Index.Locate.
type Hit struct {
	Layer, ID, Code, Name string
}

// Index answers "which grid (village, town...) is this point in?".
//
// An Index is immutable once built and safe for any number of concurrent
// readers. To reload grids, build a new Index and swap it in atomically,
// e.g. with an atomic.Pointer[geo.Index]; readers holding the old one keep
// a consistent view. A nil *Index finds nothing.
type Index struct {
	meta   []Hit    // per entry
	layer  []int32  // per entry: index into layers
	layers []string // sorted
	polys  []indexedPolygon
	tree   rtree.RTreeG[int32] // polygon bounding boxes -> index into polys
}

// indexedPolygon is one member polygon flattened for fast point tests.
type indexedPolygon struct {
	entry int32
	bbox  BBox
	pts   []Point // all rings back to back, each closed
	ends  []int32 // end offset of each ring in pts
}

// NewIndex builds an index. Every entry needs a layer; IDs must be unique
// within a layer; positions must be finite. Entries without polygons are
// kept (they are simply never found).
func NewIndex(entries []Entry) (*Index, error) {
	ix := &Index{meta: make([]Hit, len(entries)), layer: make([]int32, len(entries))}
	seen := map[[2]string]bool{}
	for _, e := range entries {
		if e.Layer == "" {
			return nil, fmt.Errorf("entry %q: empty layer", e.ID)
		}
		if seen[[2]string{e.Layer, e.ID}] {
			return nil, fmt.Errorf("entry %q: duplicate ID in layer %q", e.ID, e.Layer)
		}
		seen[[2]string{e.Layer, e.ID}] = true
		if !slices.Contains(ix.layers, e.Layer) {
			ix.layers = append(ix.layers, e.Layer)
		}
	}
	slices.Sort(ix.layers)
	for i, e := range entries {
		ix.meta[i] = Hit{Layer: e.Layer, ID: e.ID, Code: e.Code, Name: e.Name}
		li, _ := slices.BinarySearch(ix.layers, e.Layer)
		ix.layer[i] = int32(li)
		for _, p := range e.Geom {
			ip := indexedPolygon{entry: int32(i), bbox: EmptyBBox()}
			for _, r := range p {
				if len(r) == 0 {
					continue
				}
				if j := badPosition(r); j >= 0 {
					return nil, fmt.Errorf("entry %q: position %d is not a valid lng/lat", e.ID, j)
				}
				ip.pts = append(ip.pts, r...)
				if !r.IsClosed() {
					ip.pts = append(ip.pts, r[0])
				}
				ip.ends = append(ip.ends, int32(len(ip.pts)))
				ip.bbox = ip.bbox.Union(r.Bounds())
			}
			if len(ip.pts) == 0 {
				continue
			}
			ix.tree.Insert([2]float64{ip.bbox.MinLng, ip.bbox.MinLat}, [2]float64{ip.bbox.MaxLng, ip.bbox.MaxLat}, int32(len(ix.polys)))
			ix.polys = append(ix.polys, ip)
		}
	}
	return ix, nil
}

// Len returns the number of entries.
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.meta)
}

// Layers returns the layer names in sorted order.
func (ix *Index) Layers() []string {
	if ix == nil {
		return nil
	}
	return slices.Clone(ix.layers)
}

// contains is Polygon.Contains on the flattened form.
func (ip *indexedPolygon) contains(p Point) bool {
	in := false
	start := int32(0)
	for _, end := range ip.ends {
		for i := start; i+1 < end; i++ {
			if edgeCounts(ip.pts[i], ip.pts[i+1], p) {
				in = !in
			}
		}
		start = end
	}
	return in
}

// Locate returns the areas containing p, at most one per layer, sorted by
// layer name. Points on shared edges and vertices follow the boundary rule
// in the package documentation. If overlapping areas of one layer both
// contain p (bad data), the one added first wins.
func (ix *Index) Locate(p Point) []Hit {
	if ix == nil || len(ix.polys) == 0 {
		return nil
	}
	best := ix.newBest()
	ix.tree.Search([2]float64{p.Lng, p.Lat}, [2]float64{p.Lng, p.Lat}, func(_, _ [2]float64, pi int32) bool {
		ix.consider(best, pi, p)
		return true
	})
	return ix.hits(best)
}

// LocateBrute is Locate without the R-tree: it tests every polygon. It
// exists as a benchmark baseline and a test oracle.
func (ix *Index) LocateBrute(p Point) []Hit {
	if ix == nil || len(ix.polys) == 0 {
		return nil
	}
	best := ix.newBest()
	for pi := range ix.polys {
		if ix.polys[pi].bbox.Contains(p) {
			ix.consider(best, int32(pi), p)
		}
	}
	return ix.hits(best)
}

// newBest returns, per layer, the lowest entry found so far (-1: none).
func (ix *Index) newBest() []int32 {
	best := make([]int32, len(ix.layers))
	for i := range best {
		best[i] = -1
	}
	return best
}

func (ix *Index) consider(best []int32, pi int32, p Point) {
	ip := &ix.polys[pi]
	l := ix.layer[ip.entry]
	if b := best[l]; b >= 0 && b <= ip.entry {
		return // this layer already has an earlier entry
	}
	if ip.contains(p) {
		best[l] = ip.entry
	}
}

func (ix *Index) hits(best []int32) []Hit {
	var out []Hit
	for _, e := range best {
		if e >= 0 {
			if out == nil {
				out = make([]Hit, 0, len(best))
			}
			out = append(out, ix.meta[e])
		}
	}
	return out
}
