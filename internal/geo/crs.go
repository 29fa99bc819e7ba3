package geo

import (
	"fmt"
	"math"
	"strings"
)

// CRS names a geographic coordinate system used by Chinese map services.
type CRS string

// The supported coordinate systems.
const (
	WGS84 CRS = "wgs84" // GPS, 天地图 (CGCS2000 is within centimetres of it)
	GCJ02 CRS = "gcj02" // the national "Mars" offset used by 高德/Amap, 腾讯, DataV
	BD09  CRS = "bd09"  // Baidu's extra offset on top of GCJ-02
)

// ParseCRS accepts the names above case-insensitively, with or without
// separators ("WGS-84", "gcj_02"), and "EPSG:4326" for WGS-84.
func ParseCRS(s string) (CRS, error) {
	n := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
	switch n {
	case "wgs84", "epsg:4326":
		return WGS84, nil
	case "gcj02":
		return GCJ02, nil
	case "bd09", "bd09ll":
		return BD09, nil
	}
	return "", fmt.Errorf("unknown coordinate system %q (want wgs84, gcj02 or bd09)", s)
}

// Valid reports whether c is one of the supported systems.
func (c CRS) Valid() bool { return c == WGS84 || c == GCJ02 || c == BD09 }

// Krasovsky 1940 ellipsoid, as used by the public GCJ-02 formulas.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
	bdXPi       = math.Pi * 3000.0 / 180.0
)

// OutOfChina reports whether p lies outside the rough box in which GCJ-02
// differs from WGS-84. The GCJ functions return such points unchanged.
func OutOfChina(p Point) bool {
	return p.Lng < 72.004 || p.Lng > 137.8347 || p.Lat < 0.8293 || p.Lat > 55.8271
}

// gcjTransformLat and gcjTransformLng are the published GCJ-02 offset
// polynomials, in metres on the Krasovsky ellipsoid, of (lng-105, lat-35).
func gcjTransformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjTransformLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// WGS84ToGCJ02 applies the GCJ-02 offset (the well-known public formula).
func WGS84ToGCJ02(p Point) Point {
	if OutOfChina(p) {
		return p
	}
	dLat := gcjTransformLat(p.Lng-105.0, p.Lat-35.0)
	dLng := gcjTransformLng(p.Lng-105.0, p.Lat-35.0)
	radLat := p.Lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = (dLng * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return Point{p.Lng + dLng, p.Lat + dLat}
}

// GCJ02ToWGS84 removes the GCJ-02 offset. The offset has no closed-form
// inverse, so this iterates w ← w − (gcj(w) − p); the offset varies slowly
// (its Jacobian is within 1e-4 of the identity), so each step gains about
// four digits and the round trip is exact to about 1e-12 degrees.
func GCJ02ToWGS84(p Point) Point {
	if OutOfChina(p) {
		return p
	}
	w := p
	for range 10 {
		g := WGS84ToGCJ02(w)
		dx, dy := g.Lng-p.Lng, g.Lat-p.Lat
		w.Lng -= dx
		w.Lat -= dy
		if math.Abs(dx) < 1e-13 && math.Abs(dy) < 1e-13 {
			break
		}
	}
	return w
}

// GCJ02ToBD09 applies Baidu's BD-09 offset to a GCJ-02 point.
func GCJ02ToBD09(p Point) Point {
	x, y := p.Lng, p.Lat
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// BD09ToGCJ02 removes Baidu's offset. The published inverse formula is only
// accurate to about 1e-5 degrees, so its result is refined by a few
// fixed-point steps against GCJ02ToBD09.
func BD09ToGCJ02(p Point) Point {
	x, y := p.Lng-0.0065, p.Lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	g := Point{z * math.Cos(theta), z * math.Sin(theta)}
	for range 10 {
		b := GCJ02ToBD09(g)
		dx, dy := b.Lng-p.Lng, b.Lat-p.Lat
		g.Lng -= dx
		g.Lat -= dy
		if math.Abs(dx) < 1e-13 && math.Abs(dy) < 1e-13 {
			break
		}
	}
	return g
}

// BD09ToWGS84 converts a Baidu point to WGS-84.
func BD09ToWGS84(p Point) Point { return GCJ02ToWGS84(BD09ToGCJ02(p)) }

// WGS84ToBD09 converts a WGS-84 point to Baidu's BD-09.
func WGS84ToBD09(p Point) Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }

// ToWGS84 returns a copy of m converted from crs to WGS-84. Shared vertices
// stay shared: equal inputs give bit-identical outputs.
func ToWGS84(crs CRS, m MultiPolygon) (MultiPolygon, error) {
	switch crs {
	case WGS84:
		return m.Map(func(p Point) Point { return p }), nil
	case GCJ02:
		return m.Map(GCJ02ToWGS84), nil
	case BD09:
		return m.Map(BD09ToWGS84), nil
	}
	return nil, fmt.Errorf("unknown coordinate system %q", crs)
}

// FromWGS84 returns a copy of m converted from WGS-84 to crs, e.g. to draw
// grids on an Amap (GCJ-02) base map.
func FromWGS84(crs CRS, m MultiPolygon) (MultiPolygon, error) {
	switch crs {
	case WGS84:
		return m.Map(func(p Point) Point { return p }), nil
	case GCJ02:
		return m.Map(WGS84ToGCJ02), nil
	case BD09:
		return m.Map(WGS84ToBD09), nil
	}
	return nil, fmt.Errorf("unknown coordinate system %q", crs)
}

// Map returns a copy of m with f applied to every position.
func (m MultiPolygon) Map(f func(Point) Point) MultiPolygon {
	out := make(MultiPolygon, len(m))
	for i, p := range m {
		out[i] = p.Map(f)
	}
	return out
}

// Map returns a copy of p with f applied to every position.
func (p Polygon) Map(f func(Point) Point) Polygon {
	out := make(Polygon, len(p))
	for i, r := range p {
		nr := make(Ring, len(r))
		for j, q := range r {
			nr[j] = f(q)
		}
		out[i] = nr
	}
	return out
}
