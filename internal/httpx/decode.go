package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
)

// MaxBody is the default limit on a JSON request body.
const MaxBody = 1 << 20

// Decode reads the request body as exactly one JSON value into dst. It
// refuses, with an error naming the field: unknown fields, wrong types, a
// key given twice in one object, a key that matches a field only when
// letter case is ignored ("Title" for "title"), and strings holding a NUL
// character, bytes that are not UTF-8 or half of a surrogate pair; and
// bodies over limit bytes.
func Decode(r *http.Request, dst any, limit int64) error {
	if limit <= 0 {
		limit = MaxBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/geo+json") {
		return apperr.E(apperr.Invalid, "request.content_type", "type", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		return decodeError(err, limit)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.E(apperr.Invalid, "request.trailing_data")
	}
	// encoding/json lets these through: it keeps the last of two equal
	// keys, matches keys to fields ignoring case and turns bad text into
	// U+FFFD. A second walk over the valid document finds them.
	return checkBody(body, reflect.TypeOf(dst))
}

// CheckJSON refuses, with an error naming the field, a JSON document read
// by a parser of its own (GeoJSON) that has a key twice in one object or
// a string that is not text (see Decode). A document that is not valid
// JSON passes: its parser says why.
func CheckJSON(body []byte) error {
	return checkBody(body, nil)
}

// level is an object or array being read by checkBody.
type level struct {
	array   bool
	index   int             // array: the element being read
	key     string          // object: the member being read
	wantKey bool            // object: the next string is a key
	seen    map[string]bool // object: the keys read so far
	typ     reflect.Type    // the Go type it decodes into; nil when unknown
}

// checkBody walks a valid JSON document that decodes into a value of type
// dst and returns the first duplicate key, key matching only by case or
// string that cannot be stored as text, as a field error. Fields are
// named as field errors name them ("limits.normal.handle",
// "permissions[1]"); a bad key is named by its object.
func checkBody(body []byte, dst reflect.Type) error {
	var stack []*level
	name := func() string {
		var b strings.Builder
		for _, l := range stack {
			switch {
			case l.array:
				fmt.Fprintf(&b, "[%d]", l.index)
			case l.wantKey: // between members, or reading a key
				continue
			default:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				if l.key == "" {
					b.WriteString(`""`)
				} else {
					b.WriteString(l.key)
				}
			}
		}
		if b.Len() == 0 {
			return "(body)"
		}
		return b.String()
	}
	// next is the Go type of the value about to be read.
	next := func() reflect.Type {
		if len(stack) == 0 {
			return dst
		}
		top := stack[len(stack)-1]
		if top.typ == nil {
			return nil
		}
		if top.array {
			return top.typ.Elem()
		}
		if top.typ.Kind() == reflect.Map {
			return top.typ.Elem()
		}
		return fieldsOf(top.typ)[top.key]
	}
	valueDone := func() {
		if n := len(stack); n > 0 {
			if top := stack[n-1]; top.array {
				top.index++
			} else {
				top.wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end: Decode has read the document already
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				l := &level{array: t == '[', wantKey: t == '{', typ: container(next())}
				if !l.array {
					l.seen = map[string]bool{}
				}
				stack = append(stack, l)
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			top := (*level)(nil)
			if n := len(stack); n > 0 && stack[n-1].wantKey {
				top = stack[n-1]
			}
			// The raw token (after separators, which are ASCII): the decoded
			// string no longer shows bad bytes or lone surrogates.
			if !validText(body[start:dec.InputOffset()]) {
				return apperr.Field(name(), "request.invalid_text")
			}
			if top == nil {
				valueDone()
				continue
			}
			top.key, top.wantKey = t, false
			if top.seen[t] {
				return apperr.Field(name(), "request.duplicate_key")
			}
			top.seen[t] = true
			if top.typ != nil && top.typ.Kind() == reflect.Struct {
				if _, ok := fieldsOf(top.typ)[t]; !ok {
					for f := range fieldsOf(top.typ) {
						if strings.EqualFold(f, t) {
							return apperr.Field(name(), "request.field_case", "name", f)
						}
					}
				}
			}
		default:
			valueDone()
		}
	}
}

// validText reports whether raw JSON text holds only UTF-8 and escapes
// that stand for characters other than NUL (a \uD800 without its pair is
// half a character).
func validText(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' {
			i++ // \" \\ \n …
			continue
		}
		r := hex4(raw, i+2)
		switch {
		case r == 0:
			return false
		case utf16.IsSurrogate(r):
			low := rune(-1)
			if i+7 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				low = hex4(raw, i+8)
			}
			if utf16.DecodeRune(r, low) == utf8.RuneError {
				return false
			}
			i += 6
		}
		i += 5
	}
	return true
}

// hex4 is the value of the 4 hex digits at raw[i:], or -1.
func hex4(raw []byte, i int) rune {
	if i+4 > len(raw) {
		return -1
	}
	n, err := strconv.ParseUint(string(raw[i:i+4]), 16, 32)
	if err != nil {
		return -1
	}
	return rune(n)
}

// container is t without pointers, or nil when t decodes by rules of its
// own (json.Unmarshaler, such as json.RawMessage and GeoJSON) or is any.
func container(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		if t.Implements(unmarshaler) {
			return nil
		}
		t = t.Elem()
	}
	if t == nil || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
		return t
	}
	return nil
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// fieldsOf returns the JSON names of a struct's fields and their types, as
// encoding/json sees them: tag names, Go names for untagged fields, the
// fields of embedded structs promoted.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if v, ok := fieldCache.Load(t); ok {
		return v.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	// The fields of a struct before those of its embedded structs: a field
	// nearer the top hides one of the same name below.
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		var embedded []reflect.Type
		for f := range t.Fields() {
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if ft := f.Type; f.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					embedded = append(embedded, ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, taken := m[name]; !taken {
				m[name] = f.Type
			}
		}
		for _, e := range embedded {
			add(e)
		}
	}
	if t.Kind() == reflect.Struct {
		add(t)
	}
	fieldCache.Store(t, m)
	return m
}
