package geo

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// loadOutline reads the first feature of a GeoJSON file and converts it
// from GCJ-02 to WGS-84.
func loadOutline(tb testing.TB, path string) MultiPolygon {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	fc, err := ParseFeatureCollection(data)
	if err != nil {
		tb.Fatal(err)
	}
	var m MultiPolygon
	for _, f := range fc.Features {
		m = append(m, f.Geometry...)
	}
	w, err := ToWGS84(GCJ02, m)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// gridCount gives each village a stable pseudo-random number of grids,
// lo..hi inclusive.
func gridCount(code string, lo, hi int) int {
	h := fnv.New32a()
	h.Write([]byte(code))
	return lo + int(h.Sum32()%uint32(hi-lo+1))
}

// specFromCSV builds a TileSpec from a divisions CSV for the towns whose
// county code starts with prefix.
func specFromCSV(tb testing.TB, path, prefix string, lo, hi int) TileSpec {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var spec TileSpec
	townIdx := map[string]int{}
	for _, r := range rows[1:] {
		code, name, level, parent := r[0], r[1], r[2], r[3]
		if len(code) < len(prefix) || code[:len(prefix)] != prefix {
			continue
		}
		switch level {
		case "town":
			townIdx[code] = len(spec.Towns)
			spec.Towns = append(spec.Towns, TownSpec{Code: code, Name: name})
		case "village":
			ti, ok := townIdx[parent]
			if !ok {
				tb.Fatalf("village %s before its town", code)
			}
			spec.Towns[ti].Villages = append(spec.Towns[ti].Villages, VillageSpec{Code: code, Name: name, Grids: gridCount(code, lo, hi)})
		}
	}
	return spec
}

func yuanchengOutline(tb testing.TB) MultiPolygon {
	return loadOutline(tb, filepath.Join("testdata", "yuancheng.geojson"))
}

func yuanchengSpec(tb testing.TB) TileSpec {
	return specFromCSV(tb, filepath.Join("testdata", "yuancheng-divisions.csv"), "441602", 2, 8)
}

// syntheticCity is a city-sized test case without data outside the
// repository: 源城区's outline scaled up to about 16,000 km² (the size of
// 河源市) with 101 towns, 1,452 villages and about 10,000 grids.
func syntheticCity(tb testing.TB) (MultiPolygon, TileSpec) {
	tb.Helper()
	o := yuanchengOutline(tb)
	c := o.Centroid()
	s := math.Sqrt(16000e6 / o.AreaM2())
	city := o.Map(func(p Point) Point {
		return Point{c.Lng + (p.Lng-c.Lng)*s, c.Lat + (p.Lat-c.Lat)*s}
	})
	var spec TileSpec
	v := 0
	for t := range 101 {
		town := TownSpec{Code: fmt.Sprintf("441699%03d", t+1), Name: fmt.Sprintf("镇%d", t+1)}
		// 1,452 villages spread as 14 or 15 per town.
		n := 1452/101 + btoi(t < 1452%101)
		for range n {
			code := fmt.Sprintf("%s%03d", town.Code, len(town.Villages)+1)
			town.Villages = append(town.Villages, VillageSpec{Code: code, Name: "村" + code, Grids: gridCount(code, 4, 10)})
			v++
		}
		spec.Towns = append(spec.Towns, town)
	}
	return city, spec
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

var (
	cityOnce   sync.Once
	cityResult TileResult
	cityErr    error
)

// cityTiling tiles the synthetic city once per test binary.
func cityTiling(tb testing.TB) TileResult {
	tb.Helper()
	cityOnce.Do(func() {
		o, spec := syntheticCity(tb)
		cityResult, cityErr = Tile(o, spec, 42)
	})
	if cityErr != nil {
		tb.Fatal(cityErr)
	}
	return cityResult
}

// gridEntries turns a tiling into index entries for the grid layer only, or
// for towns, villages and grids.
func gridEntries(res TileResult, allLayers bool) []Entry {
	var es []Entry
	for _, t := range res.Towns {
		if allLayers {
			es = append(es, Entry{ID: t.Code, Layer: "1-town", Code: t.Code, Name: t.Name, Geom: t.Geom})
		}
		for _, v := range t.Villages {
			if allLayers {
				es = append(es, Entry{ID: v.Code, Layer: "2-village", Code: v.Code, Name: v.Name, Geom: v.Geom})
			}
			for _, g := range v.Grids {
				code := fmt.Sprintf("%s%03d", v.Code, g.Seq)
				es = append(es, Entry{ID: code, Layer: "3-grid", Code: code, Geom: MultiPolygon{g.Geom}})
			}
		}
	}
	return es
}

func countGrids(res TileResult) int {
	n := 0
	for _, t := range res.Towns {
		for _, v := range t.Villages {
			n += len(v.Grids)
		}
	}
	return n
}
