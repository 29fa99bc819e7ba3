package httpx

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/calendar"
)

type fuzzItem struct {
	Name   *string `json:"name,omitempty"`
	Values []int   `json:"values"`
}

// fuzzInput has the kinds of field the API's inputs have.
type fuzzInput struct {
	S     string                       `json:"s"`
	N     int                          `json:"n"`
	U     uint8                        `json:"u"`
	F     float64                      `json:"f"`
	B     bool                         `json:"b"`
	P     *float64                     `json:"p,omitempty"`
	List  []string                     `json:"list"`
	Map   map[string]map[string]string `json:"map"`
	Item  fuzzItem                     `json:"item"`
	Items []fuzzItem                   `json:"items"`
	Raw   json.RawMessage              `json:"raw"`
}

// decodeTargets make what FuzzDecode decodes into: a struct, raw JSON, any
// object, a list, and a type with its own UnmarshalJSON.
var decodeTargets = []func() any{
	func() any { return new(fuzzInput) },
	func() any { return new(json.RawMessage) },
	func() any { return new(map[string]any) },
	func() any { return new([]fuzzItem) },
	func() any { return new(calendar.Config) },
}

var decodeTypes = []string{"application/json", "", "application/json; charset=utf-8", "text/plain"}

// FuzzDecode decodes arbitrary bytes with Decode into each kind of target,
// content type and size limit. Decode never panics; it either succeeds on
// one valid JSON value within the limit that holds no NUL character, or
// fails with an Invalid error whose code is one of the request.* codes and
// whose field errors name a field.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"s":"x","n":-1,"u":255,"f":1.5,"b":true,"p":null,"list":["a"],"map":{"a":{"b":"c"}},"item":{"name":"n","values":[1,2]},` +
			`"items":[{"values":[]}],"raw":{"any":[1,"2"]}}`,
		`{"s":1}`, `{"u":256}`, `{"n":1e400}`, `{"item":{"values":["x"]}}`, `{"nope":1}`, `{"s":"a"} {}`, `{"s":"a"} x`, ``, ` `,
		`{"s":"a\u0000b"}`, `{"map":{"k":{"\u0000":"v"}}}`, `{"items":[{},{"name":"\u0000"}]}`, `"\u0000"`, `{"s":"\\u0000"}`,
		`{"raw":"\u0000"}`, `[{"name":"x"},{"values":[1,"\u0000"]}]`, `{"s":"` + strings.Repeat("长", 30) + `"}`, `{"s":"\ud800"}`, "{\"s\":\"\xff\"}",
		`{"work_hours":[{"start":"08:30","end":"24:00"}],"holidays":["2026-10-01"],"location":"Asia/Shanghai"}`,
		`{"location":"Mars/Olympus"}`, `{"holidays":["2026-02-30"]}`, `{"work_hours":[null,{"start":"8:3","end":"x"}]}`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		for which := range len(decodeTargets) {
			f.Add(uint8(which), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		n := int(which)
		dst := decodeTargets[n%len(decodeTargets)]()
		n /= len(decodeTargets)
		ct := decodeTypes[n%len(decodeTypes)]
		limit := int64(0)
		if n/len(decodeTypes)%2 == 1 {
			limit = 64
		}
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		err := Decode(r, dst, limit)
		if err == nil {
			if ct == "text/plain" || limit > 0 && int64(len(body)) > limit || !json.Valid(body) || holdsNUL(body) {
				t.Fatalf("Decode(%q as %s, limit %d) into %T succeeded", body, ct, limit, dst)
			}
			return
		}
		ae := apperr.As(err)
		if ae.Kind != apperr.Invalid || !strings.HasPrefix(ae.Code, "request.") {
			t.Fatalf("Decode(%q): %v (kind %d)", body, err, ae.Kind)
		}
		for _, fe := range ae.Fields {
			if fe.Field == "" || fe.Code == "" {
				t.Fatalf("Decode(%q): field error %+v", body, fe)
			}
		}
		if ae.Code == "request.invalid_text" && !holdsNUL(body) {
			t.Fatalf("Decode(%q): %v, but no string holds a NUL", body, err)
		}
	})
}

// holdsNUL reports whether a valid JSON document has a key or string value
// with a NUL character.
func holdsNUL(body []byte) bool {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case string:
			return strings.Contains(x, "\x00")
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for k, e := range x {
				if strings.Contains(k, "\x00") || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// The field a NUL is reported at is named the way field errors name it.
func TestDecodeNamesTheNULField(t *testing.T) {
	for body, want := range map[string]string{
		`{"s":"a\u0000b"}`:                   "s",
		`{"map":{"k":{"x":"\u0000"}}}`:       "map.k.x",
		`{"map":{"k":{"\u0000":"v"}}}`:       "map.k",
		`{"items":[{},{"name":"\u0000"}]}`:   "items[1].name",
		`{"list":["a","b","\u0000"],"s":""}`: "list[2]",
		`"\u0000"`:                           "(body)",
	} {
		var dst any
		err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(body)), &dst, 0)
		if fs := apperr.As(err).Fields; len(fs) != 1 || fs[0].Code != "request.invalid_text" || fs[0].Field != want {
			t.Errorf("%s: %v %+v, want field %s", body, err, fs, want)
		}
	}
	var dst fuzzInput
	if err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(`{"s":"\\u0000"}`)), &dst, 0); err != nil || dst.S != `\u0000` {
		t.Errorf("an escaped backslash before u0000: %v %q", err, dst.S)
	}
}

// A path or query value PostgreSQL text cannot hold is named.
func TestBadTextParam(t *testing.T) {
	for target, want := range map[string]string{
		"/api/v1/users/x?q=a&b=c":         "",
		"/api/v1/users/x?q=%00":           "q",
		"/api/v1/users/x?b=1&q=%ff&a=%00": "a",
	} {
		r := httptest.NewRequest("GET", target, nil)
		r.SetPathValue("id", "x")
		if got := BadTextParam(r, "/api/v1/users/{id}"); got != want {
			t.Errorf("%s: %q, want %q", target, got, want)
		}
	}
	r := httptest.NewRequest("GET", "/api/v1/users/x?q=%00", nil)
	r.SetPathValue("id", "a\xffb")
	if got := BadTextParam(r, "/api/v1/users/{id}"); got != "id" {
		t.Errorf("path value: %q", got)
	}
}
