package httpx

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

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
		// Keys given twice, keys matching a field only by case, bad text.
		`{"s":"a","s":"b"}`, `{"map":{"k":{"x":"1","x":"2"}}}`, `{"items":[{"name":"a"},{"values":[],"values":[1]}]}`,
		`{"S":"x"}`, `{"item":{"NAME":"x"}}`, `{"items":[{"Values":[1]}]}`, `{"map":{"K":{"k":"v"}}}`, `{"tItEm":{}}`,
		`{"s":"\ud83d\ude00"}`, `{"s":"\ude00\ud83d"}`, `{"s":"\ud83d x"}`, `{"s":"\\ud800"}`, "{\"s\":\"\xe9\"}",
		"{\"\xc3\":1}", "{\"list\":[\"ok\",\"\xed\xa0\x80\"]}", `{"s":"\uFFFD\ufffd�"}`,
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
			if ct == "text/plain" || limit > 0 && int64(len(body)) > limit || !json.Valid(body) || badText(body) || hasDuplicateKey(body) {
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
		if ae.Code == "request.invalid_text" && !badText(body) {
			t.Fatalf("Decode(%q): %v, but every string is text", body, err)
		}
		if ae.Code == "request.duplicate_key" && !hasDuplicateKey(body) {
			t.Fatalf("Decode(%q): %v, but no key is given twice", body, err)
		}
		if ae.Code == "request.field_case" {
			path := ae.Fields[0].Field
			key := path[strings.LastIndexAny(path, ".]")+1:]
			if want := ae.Params["name"].(string); key == want || !strings.EqualFold(key, want) {
				t.Fatalf("Decode(%q): %v %+v", body, err, ae.Fields)
			}
		}
	})
}

// badText reports whether a valid JSON document has a key or string that
// holds a NUL, bytes that are not UTF-8, or half a surrogate pair (which
// encoding/json, like bad bytes, decodes to U+FFFD).
func badText(body []byte) bool {
	if holdsNUL(body) || !utf8.Valid(body) {
		return json.Valid(body)
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	decoded := 0
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			decoded += strings.Count(x, "\uFFFD")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				decoded += strings.Count(k, "\uFFFD")
				walk(e)
			}
		}
	}
	walk(v)
	written := strings.Count(string(body), "\uFFFD") + strings.Count(strings.ToLower(string(body)), `\ufffd`)
	return decoded > written
}

// hasDuplicateKey reports whether an object of a valid JSON document has
// a key twice.
func hasDuplicateKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	var keys []map[string]bool // nil for an array
	wantKey := []bool{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		n := len(keys)
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				if t == '{' {
					keys = append(keys, map[string]bool{})
				} else {
					keys = append(keys, nil)
				}
				wantKey = append(wantKey, t == '{')
				continue
			}
			keys, wantKey = keys[:n-1], wantKey[:n-1]
		case string:
			if n > 0 && keys[n-1] != nil && wantKey[n-1] {
				if keys[n-1][t] {
					return true
				}
				keys[n-1][t] = true
				wantKey[n-1] = false
				continue
			}
		}
		if n := len(keys); n > 0 && keys[n-1] != nil {
			wantKey[n-1] = true
		}
	}
}

// Keys given twice (at any depth), keys that match a field only when case
// is ignored, and text that is not UTF-8 are refused, naming the field.
func TestDecodeRefusesDuplicateAndCaseFoldedKeysAndBadText(t *testing.T) {
	for body, want := range map[string][2]string{
		`{"s":"a","s":"b"}`:                         {"s", "request.duplicate_key"},
		`{"map":{"k":{"x":"1","x":"2"}}}`:           {"map.k.x", "request.duplicate_key"},
		`{"items":[{},{"values":[],"values":[1]}]}`: {"items[1].values", "request.duplicate_key"},
		`{"raw":{"a":1,"a":2}}`:                     {"raw.a", "request.duplicate_key"},
		`{"S":"x"}`:                                 {"S", "request.field_case"},
		`{"item":{"NAME":"x"}}`:                     {"item.NAME", "request.field_case"},
		`{"items":[{"vAlUeS":[1]}]}`:                {"items[0].vAlUeS", "request.field_case"},
		"{\"s\":\"caf\xe9\"}":                       {"s", "request.invalid_text"},
		"{\"list\":[\"ok\",\"\xed\xa0\x80\"]}":      {"list[1]", "request.invalid_text"},
		"{\"map\":{\"\xff\":{}}}":                   {"map", "request.invalid_text"},
		`{"s":"\ud800"}`:                            {"s", "request.invalid_text"},
		`{"s":"\ude00\ud83d"}`:                      {"s", "request.invalid_text"},
		`{"item":{"name":"\ud83d."}}`:               {"item.name", "request.invalid_text"},
	} {
		var dst fuzzInput
		err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(body)), &dst, 0)
		ae := apperr.As(err)
		if len(ae.Fields) != 1 || ae.Kind != apperr.Invalid || ae.Fields[0].Field != want[0] || ae.Fields[0].Code != want[1] {
			t.Errorf("%s: %v %+v, want %s at %s", body, err, ae.Fields, want[1], want[0])
		}
	}
	if p := apperr.As(Decode(httptest.NewRequest("POST", "/", strings.NewReader(`{"item":{"Name":"x"}}`)), new(fuzzInput), 0)); p.Fields[0].Params["name"] != "name" {
		t.Errorf("the right spelling is not given: %+v", p.Fields)
	}
	// What is allowed: the same key in two objects, a key with other case
	// in a map, a whole surrogate pair, an escaped backslash before u, and
	// keys of any case inside raw JSON.
	for _, body := range []string{
		`{"item":{"name":"a"},"items":[{"name":"a"},{"name":"b"}]}`,
		`{"map":{"K":{"k":"1"},"k":{"K":"2"}}}`,
		`{"s":"\ud83d\ude00 \u00e9 é \\ud800 \uFFFD"}`,
		`{"raw":{"S":1,"Item":{"NAME":2}}}`,
	} {
		var dst fuzzInput
		if err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(body)), &dst, 0); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
	var embedded struct {
		fuzzItem
		Title string `json:"title"`
	}
	if err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(`{"title":"t","Name":"n"}`)), &embedded, 0); !apperr.Is(err, "request.field_case") {
		t.Errorf("a case-folded key of an embedded struct: %v", err)
	}
	if err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(`{"title":"t","name":"n","values":[]}`)), &embedded, 0); err != nil {
		t.Errorf("the fields of an embedded struct: %v", err)
	}
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
