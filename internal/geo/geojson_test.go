package geo

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseYuancheng(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "yuancheng.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := ParseFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 1 {
		t.Fatalf("%d features", len(fc.Features))
	}
	f := fc.Features[0]
	if f.PropString("adcode") != "441602" || f.PropString("name") != "源城区" {
		t.Errorf("properties: %v", f.Properties)
	}
	if len(f.Geometry) != 1 || len(f.Geometry[0]) != 1 || len(f.Geometry[0][0]) != 236 {
		t.Fatalf("unexpected geometry shape")
	}
	if p := ValidateMultiPolygon(f.Geometry); p != nil {
		t.Errorf("source outline invalid: %v", p)
	}
	b := f.Geometry.Bounds()
	if b.MinLng < 114.4 || b.MaxLng > 114.9 || b.MinLat < 23.4 || b.MaxLat > 24 {
		t.Errorf("bounds %v", b)
	}
	if a := f.Geometry.AreaM2() / 1e6; a < 300 || a > 450 {
		t.Errorf("源城区 area %.0f km², expected about 370", a)
	}
	// Round trip through our writer and encoding/json.
	out, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	var back FeatureCollection
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, fc) {
		t.Error("round trip changed the collection")
	}
}

func TestParsePolygonBecomesMultiPolygon(t *testing.T) {
	t.Parallel()
	m, err := ParseGeometry([]byte(`{"type":"Polygon","coordinates":[[[114,23],[115,23],[115,24],[114,23,50]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := MultiPolygon{{Ring{{114, 23}, {115, 23}, {115, 24}, {114, 23}}}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %v", m)
	}
	out, err := MarshalGeometry(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != `{"type":"MultiPolygon","coordinates":[[[[114,23],[115,23],[115,24],[114,23]]]]}` {
		t.Errorf("marshal: %s", got)
	}
	f := Feature{ID: "g1", Properties: map[string]any{"code": "441602001003001"}, Geometry: m}
	out, err = json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), `{"type":"Feature","id":"g1","properties":{"code":"441602001003001"},"geometry":{"type":"MultiPolygon"`) {
		t.Errorf("feature: %s", out)
	}
	if _, err := MarshalGeometry(MultiPolygon{{Ring{{math.Inf(1), 0}}}}); err == nil {
		t.Error("marshalled a non-finite coordinate")
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const ok = `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[114,23],[115,23],[115,24],[114,23]]]}}`
	fcWith := func(bad string) string {
		return `{"type":"FeatureCollection","features":[` + ok + "," + ok + "," + ok + "," + bad + `]}`
	}
	badRing := `{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[[[114,23],[115,23],[115,24],[114.5,24],[114.2,23.5],[114],[114,23]]]}}`
	for _, c := range []struct{ in, want string }{
		{fcWith(badRing), "feature 3: geometry.coordinates[0][5]: expected [lng, lat]"},
		{fcWith(`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[114,23],[115,23],[115,24],[114,23]]],[[[114,23],[200,23],[115,24],[114,23]]]]}}`),
			"feature 3: geometry.coordinates[1][0][1]: longitude 200 out of range [-180, 180]"},
		{fcWith(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114,-91],[115,23],[115,24],[114,23]]]}}`),
			"feature 3: geometry.coordinates[0][0]: latitude -91 out of range [-90, 90]"},
		{fcWith(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114,1e999],[115,23],[115,24],[114,23]]]}}`),
			"feature 3: geometry.coordinates[0][0]: 1e999 is not a finite number"},
		{fcWith(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114,"23"],[115,23],[115,24],[114,23]]]}}`),
			"feature 3: geometry.coordinates[0][0]: expected [lng, lat]"},
		{fcWith(`{"type":"Feature","geometry":{"type":"Point","coordinates":[114,23]}}`),
			`feature 3: geometry.type: unsupported geometry type "Point" (want Polygon or MultiPolygon)`},
		{fcWith(`{"type":"Feature","geometry":null}`), "feature 3: geometry: missing (a Polygon or MultiPolygon is required)"},
		{fcWith(`{"type":"Feature","geometry":{"type":"Polygon"}}`), "feature 3: geometry.coordinates: missing"},
		{fcWith(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]}}`), "feature 3: geometry.coordinates: polygon has no rings"},
		{fcWith(`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[]}}`), "feature 3: geometry.coordinates: multipolygon has no polygons"},
		{fcWith(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114,23]],5]}}`), "feature 3: geometry.coordinates[1]: expected an array of positions"},
		{fcWith(`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[114,23]]]}}`), "feature 3: geometry.coordinates[0][0][0]: expected [lng, lat]"},
		{fcWith(`{"type":"Feature","properties":[],"geometry":null}`), "feature 3: properties: expected an object or null"},
		{fcWith(`{"type":"Feature","id":{},"geometry":null}`), "feature 3: id: expected a string or a number"},
		{fcWith(`{"type":"Fea","geometry":null}`), `feature 3: type: expected "Feature", got "Fea"`},
		{fcWith(`[]`), "feature 3: expected a JSON object"},
		{`{"type":"FeatureCollection"}`, "features: expected an array"},
		{`{"features":[]}`, `type: missing, expected "FeatureCollection"`},
		{`[1,2]`, "expected a JSON object"},
		{`{"type":"FeatureCollection","features":[]} x`, "invalid JSON: unexpected data after the value at byte 43"},
		{`{"type":"FeatureCollection","features":[NaN]}`, "invalid JSON: invalid character 'N' looking for beginning of value (at byte 41)"},
		{`{"type":"FeatureCollection","features":[`, "invalid JSON: unexpected end of input"},
		{``, "invalid JSON: unexpected end of input"},
	} {
		_, err := ParseFeatureCollection([]byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("%.60s...\n got: %v\nwant: %s", c.in, err, c.want)
		}
	}
	if _, err := ParseGeometry([]byte(`{"type":"GeometryCollection","geometries":[]}`)); err == nil || err.Error() != `type: unsupported geometry type "GeometryCollection" (want Polygon or MultiPolygon)` {
		t.Errorf("ParseGeometry: %v", err)
	}
	if _, err := ParseFeature([]byte(badRing)); err == nil || err.Error() != "geometry.coordinates[0][5]: expected [lng, lat]" {
		t.Errorf("ParseFeature: %v", err)
	}
}

// FuzzParseFeatureCollection checks that parsing never panics and that
// whatever parses survives a write/read round trip unchanged.
func FuzzParseFeatureCollection(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "yuancheng.geojson")); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{"a":[1,{"b":null}]},"geometry":{"type":"Polygon","coordinates":[[[114,23],[115,23],[115,24],[114,23]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1]]],[]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1e-7,-0],[180,90,3]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[[[[1]]]]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[1e999,0]]]}}]}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":{"0":1}}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fc, err := ParseFeatureCollection(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out, err := json.Marshal(fc)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParseFeatureCollection(out)
		if err != nil {
			t.Fatalf("reparse of %s: %v", out, err)
		}
		if len(back.Features) != len(fc.Features) {
			t.Fatal("feature count changed")
		}
		for i := range fc.Features {
			if !reflect.DeepEqual(back.Features[i].Geometry, fc.Features[i].Geometry) {
				t.Fatalf("feature %d geometry changed", i)
			}
		}
	})
}
