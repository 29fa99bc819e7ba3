package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Feature is a GeoJSON Feature with a Polygon or MultiPolygon geometry.
// A Polygon geometry is read as a MultiPolygon with one member; geometries
// are always written back as MultiPolygon, so output has one shape only.
type Feature struct {
	// ID is the feature's "id" member: a string, a json.Number or nil.
	ID any
	// Properties are decoded with json.Number for numbers, so that codes
	// such as 441602 survive unchanged. Nil when absent or null.
	Properties map[string]any
	Geometry   MultiPolygon
}

// FeatureCollection is a GeoJSON FeatureCollection.
type FeatureCollection struct {
	Features []Feature
}

// ParseError says what is wrong with a GeoJSON document and where.
type ParseError struct {
	Feature int    // index in the collection; -1 when not inside a feature
	Path    string // JSON path inside the feature or geometry, e.g. "geometry.coordinates[0][5]"
	Msg     string
}

// Error formats the problem as "feature N: path: message".
func (e *ParseError) Error() string {
	var sb strings.Builder
	if e.Feature >= 0 {
		fmt.Fprintf(&sb, "feature %d: ", e.Feature)
	}
	if e.Path != "" {
		sb.WriteString(e.Path)
		sb.WriteString(": ")
	}
	sb.WriteString(e.Msg)
	return sb.String()
}

// PropString returns a property as a string: strings as they are, numbers
// in their original JSON spelling, anything else (or absence) as "".
func (f Feature) PropString(key string) string {
	switch v := f.Properties[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// ParseGeometry parses a GeoJSON Polygon or MultiPolygon geometry object.
func ParseGeometry(data []byte) (MultiPolygon, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	m, perr := geometryFromValue(v, "")
	if perr != nil {
		perr.Feature = -1
		return nil, perr
	}
	return m, nil
}

// ParseFeature parses a GeoJSON Feature whose geometry is a Polygon or a
// MultiPolygon. Null geometries are refused: a grid without a shape is an
// import error.
func ParseFeature(data []byte) (Feature, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return Feature{}, err
	}
	f, perr := featureFromValue(v)
	if perr != nil {
		perr.Feature = -1
		return Feature{}, perr
	}
	return f, nil
}

// ParseFeatureCollection parses a GeoJSON FeatureCollection. The first
// problem found is returned, e.g.
// "feature 3: geometry.coordinates[0][5]: expected [lng, lat]".
func ParseFeatureCollection(data []byte) (FeatureCollection, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return FeatureCollection{}, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return FeatureCollection{}, &ParseError{Feature: -1, Msg: "expected a JSON object"}
	}
	if perr := checkType(obj, "FeatureCollection"); perr != nil {
		perr.Feature = -1
		return FeatureCollection{}, perr
	}
	raw, ok := obj["features"].([]any)
	if !ok {
		return FeatureCollection{}, &ParseError{Feature: -1, Path: "features", Msg: "expected an array"}
	}
	fc := FeatureCollection{Features: make([]Feature, 0, len(raw))}
	for i, fv := range raw {
		f, perr := featureFromValue(fv)
		if perr != nil {
			perr.Feature = i
			return FeatureCollection{}, perr
		}
		fc.Features = append(fc.Features, f)
	}
	return fc, nil
}

// UnmarshalJSON implements json.Unmarshaler with ParseFeature.
func (f *Feature) UnmarshalJSON(data []byte) error {
	v, err := ParseFeature(data)
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// UnmarshalJSON implements json.Unmarshaler with ParseFeatureCollection.
func (fc *FeatureCollection) UnmarshalJSON(data []byte) error {
	v, err := ParseFeatureCollection(data)
	if err != nil {
		return err
	}
	*fc = v
	return nil
}

// decodeJSON decodes one JSON value, keeping numbers as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ParseError{Feature: -1, Msg: "invalid JSON: " + jsonErrText(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ParseError{Feature: -1, Msg: fmt.Sprintf("invalid JSON: unexpected data after the value at byte %d", dec.InputOffset())}
	}
	return v, nil
}

func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

func checkType(obj map[string]any, want string) *ParseError {
	t, ok := obj["type"].(string)
	switch {
	case obj["type"] == nil:
		return &ParseError{Path: "type", Msg: fmt.Sprintf("missing, expected %q", want)}
	case !ok:
		return &ParseError{Path: "type", Msg: "expected a string"}
	case t != want:
		return &ParseError{Path: "type", Msg: fmt.Sprintf("expected %q, got %q", want, t)}
	}
	return nil
}

func featureFromValue(v any) (Feature, *ParseError) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Feature{}, &ParseError{Msg: "expected a JSON object"}
	}
	if perr := checkType(obj, "Feature"); perr != nil {
		return Feature{}, perr
	}
	var f Feature
	switch id := obj["id"].(type) {
	case nil, string, json.Number:
		f.ID = id
	default:
		return Feature{}, &ParseError{Path: "id", Msg: "expected a string or a number"}
	}
	switch p := obj["properties"].(type) {
	case nil:
	case map[string]any:
		f.Properties = p
	default:
		return Feature{}, &ParseError{Path: "properties", Msg: "expected an object or null"}
	}
	g, ok := obj["geometry"]
	if !ok || g == nil {
		return Feature{}, &ParseError{Path: "geometry", Msg: "missing (a Polygon or MultiPolygon is required)"}
	}
	m, perr := geometryFromValue(g, "geometry.")
	if perr != nil {
		return Feature{}, perr
	}
	f.Geometry = m
	return f, nil
}

func geometryFromValue(v any, prefix string) (MultiPolygon, *ParseError) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &ParseError{Path: strings.TrimSuffix(prefix, "."), Msg: "expected a JSON object"}
	}
	typ, _ := obj["type"].(string)
	if typ != "Polygon" && typ != "MultiPolygon" {
		if obj["type"] == nil {
			return nil, &ParseError{Path: prefix + "type", Msg: "missing geometry type"}
		}
		return nil, &ParseError{Path: prefix + "type", Msg: fmt.Sprintf("unsupported geometry type %v (want Polygon or MultiPolygon)", jsonText(obj["type"]))}
	}
	coords, ok := obj["coordinates"]
	path := coordPath{base: prefix + "coordinates"}
	if !ok || coords == nil {
		return nil, &ParseError{Path: path.String(), Msg: "missing"}
	}
	if typ == "Polygon" {
		p, perr := polygonFromValue(coords, path)
		if perr != nil {
			return nil, perr
		}
		return MultiPolygon{p}, nil
	}
	arr, ok := coords.([]any)
	if !ok {
		return nil, &ParseError{Path: path.String(), Msg: "expected an array of polygons"}
	}
	if len(arr) == 0 { // no area at all: no centre, nothing to hold a point
		return nil, &ParseError{Path: path.String(), Msg: "multipolygon has no polygons"}
	}
	m := make(MultiPolygon, 0, len(arr))
	for i, pv := range arr {
		p, perr := polygonFromValue(pv, path.push(i))
		if perr != nil {
			return nil, perr
		}
		m = append(m, p)
	}
	return m, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// coordPath is a JSON path into a coordinates array, kept as numbers so that
// the happy path allocates nothing.
type coordPath struct {
	base string
	idx  [3]int
	n    int
}

func (c coordPath) push(i int) coordPath {
	c.idx[c.n] = i
	c.n++
	return c
}

func (c coordPath) String() string {
	var sb strings.Builder
	sb.WriteString(c.base)
	for _, i := range c.idx[:c.n] {
		fmt.Fprintf(&sb, "[%d]", i)
	}
	return sb.String()
}

func polygonFromValue(v any, path coordPath) (Polygon, *ParseError) {
	arr, ok := v.([]any)
	if !ok {
		return nil, &ParseError{Path: path.String(), Msg: "expected an array of rings"}
	}
	if len(arr) == 0 {
		return nil, &ParseError{Path: path.String(), Msg: "polygon has no rings"}
	}
	p := make(Polygon, 0, len(arr))
	for i, rv := range arr {
		rp := path.push(i)
		ra, ok := rv.([]any)
		if !ok {
			return nil, &ParseError{Path: rp.String(), Msg: "expected an array of positions"}
		}
		r := make(Ring, 0, len(ra))
		for j, pv := range ra {
			pt, msg := positionFromValue(pv)
			if msg != "" {
				return nil, &ParseError{Path: rp.push(j).String(), Msg: msg}
			}
			r = append(r, pt)
		}
		p = append(p, r)
	}
	return p, nil
}

// positionFromValue reads [lng, lat] or [lng, lat, altitude] (the altitude
// is dropped). It returns a message instead of an error to stay cheap.
func positionFromValue(v any) (Point, string) {
	arr, ok := v.([]any)
	if !ok || len(arr) < 2 || len(arr) > 3 {
		return Point{}, "expected [lng, lat]"
	}
	var xy [3]float64
	for k, e := range arr {
		n, ok := e.(json.Number)
		if !ok {
			return Point{}, "expected [lng, lat]"
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return Point{}, fmt.Sprintf("%s is not a finite number", n)
		}
		xy[k] = f
	}
	if xy[0] < -180 || xy[0] > 180 {
		return Point{}, fmt.Sprintf("longitude %v out of range [-180, 180]", xy[0])
	}
	if xy[1] < -90 || xy[1] > 90 {
		return Point{}, fmt.Sprintf("latitude %v out of range [-90, 90]", xy[1])
	}
	return Point{xy[0], xy[1]}, ""
}

// MarshalGeometry writes m as a GeoJSON MultiPolygon geometry object.
func MarshalGeometry(m MultiPolygon) ([]byte, error) {
	return appendGeometry(nil, m)
}

// MarshalJSON writes the feature as GeoJSON; the geometry is always a
// MultiPolygon.
func (f Feature) MarshalJSON() ([]byte, error) {
	return appendFeature(nil, f)
}

// MarshalJSON writes the collection as GeoJSON.
func (fc FeatureCollection) MarshalJSON() ([]byte, error) {
	b := []byte(`{"type":"FeatureCollection","features":[`)
	for i, f := range fc.Features {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendFeature(b, f); err != nil {
			return nil, fmt.Errorf("feature %d: %w", i, err)
		}
	}
	return append(b, "]}"...), nil
}

func appendFeature(b []byte, f Feature) ([]byte, error) {
	b = append(b, `{"type":"Feature"`...)
	if f.ID != nil {
		id, err := json.Marshal(f.ID)
		if err != nil {
			return nil, fmt.Errorf("id: %w", err)
		}
		b = append(append(b, `,"id":`...), id...)
	}
	props, err := json.Marshal(f.Properties)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	b = append(append(b, `,"properties":`...), props...)
	b = append(b, `,"geometry":`...)
	if b, err = appendGeometry(b, f.Geometry); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func appendGeometry(b []byte, m MultiPolygon) ([]byte, error) {
	b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
	for i, p := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, r := range p {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for k, pt := range r {
				if !isFinite(pt.Lng) || !isFinite(pt.Lat) {
					return nil, fmt.Errorf("geometry.coordinates[%d][%d][%d]: not a finite number", i, j, k)
				}
				if k > 0 {
					b = append(b, ',')
				}
				b = append(b, '[')
				b = appendCoord(b, pt.Lng)
				b = append(b, ',')
				b = appendCoord(b, pt.Lat)
				b = append(b, ']')
			}
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return append(b, "]}"...), nil
}

// appendCoord writes the shortest decimal that parses back to v exactly.
func appendCoord(b []byte, v float64) []byte {
	if a := math.Abs(v); a != 0 && a < 1e-6 {
		return strconv.AppendFloat(b, v, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
