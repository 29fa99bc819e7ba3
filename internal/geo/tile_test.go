package geo

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTileYuancheng(t *testing.T) {
	t.Parallel()
	outline := yuanchengOutline(t)
	spec := yuanchengSpec(t)
	if len(spec.Towns) != 8 {
		t.Fatalf("spec has %d towns, want 8", len(spec.Towns))
	}
	nv, ng := 0, 0
	for _, town := range spec.Towns {
		nv += len(town.Villages)
		for _, v := range town.Villages {
			ng += v.Grids
		}
	}
	if nv != 78 {
		t.Fatalf("spec has %d villages, want 78", nv)
	}
	start := time.Now()
	res, err := Tile(outline, spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("tiled %d villages / %d grids in %v, %d cells per degree", nv, ng, time.Since(start), res.CellsPerDegree)

	// The rasterised outline stays close to the real one.
	if a, b := res.Outline.AreaM2(), outline.AreaM2(); math.Abs(a-b)/b > 0.02 {
		t.Errorf("tiled area %.0f m² vs outline %.0f m²", a, b)
	}
	checkPolygons(t, "outline", res.Outline)

	var towns []MultiPolygon
	for ti, town := range res.Towns {
		if town.Code != spec.Towns[ti].Code || len(town.Villages) != len(spec.Towns[ti].Villages) {
			t.Fatalf("town %d: got %s with %d villages", ti, town.Code, len(town.Villages))
		}
		towns = append(towns, town.Geom)
		checkPolygons(t, "town "+town.Code, town.Geom)
		checkInside(t, "town "+town.Code, town.Geom, town.Interior)
		var villages []MultiPolygon
		for vi, v := range town.Villages {
			want := spec.Towns[ti].Villages[vi]
			if v.Code != want.Code || len(v.Grids) != want.Grids {
				t.Errorf("village %s: %d grids, want %s with %d", v.Code, len(v.Grids), want.Code, want.Grids)
			}
			villages = append(villages, v.Geom)
			checkPolygons(t, "village "+v.Code, v.Geom)
			checkInside(t, "village "+v.Code, v.Geom, v.Interior)
			checkInside(t, "village in town "+v.Code, town.Geom, v.Interior)
			var grids []MultiPolygon
			for gi, g := range v.Grids {
				if g.Seq != gi+1 {
					t.Errorf("village %s grid %d has Seq %d", v.Code, gi, g.Seq)
				}
				grids = append(grids, MultiPolygon{g.Geom})
				checkPolygons(t, "grid", MultiPolygon{g.Geom})
				checkInside(t, "grid "+v.Code, MultiPolygon{g.Geom}, g.Interior)
				checkInside(t, "grid in village "+v.Code, v.Geom, g.Interior)
			}
			checkReadingOrder(t, v)
			for _, p := range ValidateTiling(v.Geom, grids) {
				t.Errorf("village %s grids: %v", v.Code, p)
			}
		}
		for _, p := range ValidateTiling(town.Geom, villages) {
			t.Errorf("town %s villages: %v", town.Code, p)
		}
	}
	for _, p := range ValidateTiling(res.Outline, towns) {
		t.Errorf("towns: %v", p)
	}

	// Deterministic for a seed, different for another seed.
	again, err := Tile(outline, spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, again) {
		t.Error("same seed gave a different tiling")
	}
	other, err := Tile(outline, spec, 8)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(res.Towns[0].Geom, other.Towns[0].Geom) {
		t.Error("another seed gave the same towns")
	}
}

// checkPolygons asserts that each member is valid, outer rings run
// counter-clockwise, holes clockwise, and no ring keeps a collinear point.
func checkPolygons(t *testing.T, what string, m MultiPolygon) {
	t.Helper()
	if len(m) == 0 {
		t.Errorf("%s: empty geometry", what)
	}
	for _, p := range ValidateMultiPolygon(m) {
		t.Errorf("%s: %v", what, p)
	}
	for _, p := range m {
		for ri, r := range p {
			if (r.SignedArea() > 0) != (ri == 0) {
				t.Errorf("%s: ring %d has the wrong orientation", what, ri)
			}
			for i := 1; i+1 < len(r); i++ {
				if orient(r[i-1], r[i], r[i+1]) == 0 {
					t.Errorf("%s: ring %d keeps collinear point %d", what, ri, i)
				}
			}
			if orient(r[len(r)-2], r[0], r[1]) == 0 {
				t.Errorf("%s: ring %d starts on a collinear point", what, ri)
			}
		}
	}
}

func checkInside(t *testing.T, what string, m MultiPolygon, p Point) {
	t.Helper()
	if !m.Contains(p) {
		t.Errorf("%s: interior point %v is not inside", what, p)
	}
}

// checkReadingOrder asserts the documented numbering: rows north to south,
// west to east within a row.
func checkReadingOrder(t *testing.T, v TileVillage) {
	t.Helper()
	top, rowH := readingRows(v.Geom, len(v.Grids))
	for i := 1; i < len(v.Grids); i++ {
		a, b := v.Grids[i-1].Interior, v.Grids[i].Interior
		ra, rb := gridRow(top, rowH, a), gridRow(top, rowH, b)
		if ra > rb || ra == rb && a.Lng > b.Lng {
			t.Errorf("village %s: grid %d (row %d, lng %v) before grid %d (row %d, lng %v)", v.Code, i, ra, a.Lng, i+1, rb, b.Lng)
		}
	}
	// The first grid is in the northernmost row: a sanity check of the
	// direction, independent of gridRow.
	first := v.Grids[0].Interior
	for _, g := range v.Grids {
		if g.Interior.Lat > first.Lat+rowH {
			t.Errorf("village %s: grid %d is more than a row north of grid 1", v.Code, g.Seq)
		}
	}
}

func TestTileTooManyGrids(t *testing.T) {
	t.Parallel()
	outline := yuanchengOutline(t)
	spec := yuanchengSpec(t)
	// Equal town weights and ~250 m cells give town 0 about 750 cells, most
	// of them to a village that asks for 2,000 grids.
	for i := range spec.Towns {
		spec.Towns[i].Weight = 1
	}
	v := spec.Towns[0].Villages[0]
	spec.Towns[0].Villages[0].Grids = 2000
	spec.CellsPerDegree = 400
	_, err := Tile(outline, spec, 1)
	if !errors.Is(err, ErrTooFewCells) || !strings.Contains(err.Error(), "village "+v.Code) {
		t.Fatalf("got %v, want ErrTooFewCells for village %s", err, v.Code)
	}
	t.Log(err)
}

func TestTileSpecErrors(t *testing.T) {
	t.Parallel()
	outline := yuanchengOutline(t)
	for name, spec := range map[string]TileSpec{
		"no towns":    {},
		"no villages": {Towns: []TownSpec{{Code: "1"}}},
		"zero grids":  {Towns: []TownSpec{{Code: "1", Villages: []VillageSpec{{Code: "2"}}}}},
		"bad weight":  {Towns: []TownSpec{{Code: "1", Weight: -1, Villages: []VillageSpec{{Code: "2", Grids: 1}}}}},
	} {
		if _, err := Tile(outline, spec, 1); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	good := TileSpec{Towns: []TownSpec{{Code: "1", Villages: []VillageSpec{{Code: "2", Grids: 3}}}}}
	if _, err := Tile(nil, good, 1); err == nil {
		t.Error("empty outline: no error")
	}
}

// TestTileSharedLattice checks that two neighbouring squares tiled
// separately with the same CellsPerDegree fit together without overlap.
func TestTileSharedLattice(t *testing.T) {
	t.Parallel()
	sq := func(x0 float64) MultiPolygon {
		return MultiPolygon{{{{x0, 23}, {x0 + 0.1, 23}, {x0 + 0.1, 23.1}, {x0, 23.1}, {x0, 23}}}}
	}
	spec := TileSpec{CellsPerDegree: 400, Towns: []TownSpec{
		{Code: "a", Villages: []VillageSpec{{Code: "a1", Grids: 3}, {Code: "a2", Grids: 2}}},
		{Code: "b", Villages: []VillageSpec{{Code: "b1", Grids: 4}}},
	}}
	west, err := Tile(sq(114), spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	east, err := Tile(sq(114.1), spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	var towns []MultiPolygon
	for _, r := range []TileResult{west, east} {
		for _, town := range r.Towns {
			towns = append(towns, town.Geom)
		}
	}
	for _, p := range ValidateTiling(sq(114), towns[:2]) {
		t.Errorf("west: %v", p)
	}
	for _, p := range ValidateTiling(MultiPolygon{{{{114, 23}, {114.2, 23}, {114.2, 23.1}, {114, 23.1}, {114, 23}}}}, towns) {
		t.Errorf("both: %v", p)
	}
}

// BenchmarkTileCity tiles a city-sized outline (about 16,000 km², 101
// towns, 1,452 villages, ~10,000 grids).
func BenchmarkTileCity(b *testing.B) {
	outline, spec := syntheticCity(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Tile(outline, spec, 42)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(countGrids(res)), "grids")
	}
}

// BenchmarkTileHeyuan tiles the real six counties of 河源市 together with
// all 101 towns and 1,452 villages. It needs the shared reference data,
// which is outside the repository, so it only runs when GEO_HEYUAN_DATA
// names the directory holding heyuan-counties.geojson and
// heyuan-divisions.csv.
func BenchmarkTileHeyuan(b *testing.B) {
	dir := os.Getenv("GEO_HEYUAN_DATA")
	if dir == "" {
		b.Skip("GEO_HEYUAN_DATA not set")
	}
	outline := loadOutline(b, filepath.Join(dir, "heyuan-counties.geojson"))
	spec := specFromCSV(b, filepath.Join(dir, "heyuan-divisions.csv"), "4416", 4, 10)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Tile(outline, spec, 42)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(countGrids(res)), "grids")
		b.ReportMetric(float64(len(res.Towns)), "towns")
	}
}
