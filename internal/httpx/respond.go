// Package httpx is gridgov's thin HTTP layer: a route table that knows each
// route's permission and types (and so writes the OpenAPI document and drives
// the access checks), strict JSON decoding, and one mapping from apperr kinds
// to problem+json responses in the caller's language.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/i18n"
)

// JSON writes v as a JSON response with the status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// Problem is the body of every error response (RFC 9457 problem+json with
// gridgov's stable code, params and per-field errors).
type Problem struct {
	Status    int             `json:"status"`
	Code      string          `json:"code"`
	Title     string          `json:"title"`
	Detail    string          `json:"detail"`
	Params    map[string]any  `json:"params,omitempty"`
	Errors    []ProblemField  `json:"errors,omitempty"`
	RequestID string          `json:"request_id"`
	Extra     json.RawMessage `json:"report,omitempty"`
}

// ProblemField is one field's problem, translated.
type ProblemField struct {
	Field   string         `json:"field"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

var statusOf = map[apperr.Kind]int{
	apperr.Internal:        http.StatusInternalServerError,
	apperr.Invalid:         http.StatusBadRequest,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Conflict:        http.StatusConflict,
	apperr.Locked:          http.StatusLocked,
	apperr.TooMany:         http.StatusTooManyRequests,
	apperr.Unprocessable:   http.StatusUnprocessableEntity,
}

// Error writes err as problem+json. Internal errors are logged with the
// request id and shown to the client only as "internal".
func Error(w http.ResponseWriter, r *http.Request, err error) {
	ae := apperr.As(err)
	status := statusOf[ae.Kind]
	meta := audit.MetaFrom(r.Context())
	if ae.Kind == apperr.Internal {
		slog.Error("request failed", "request_id", meta.RequestID, "method", r.Method, "path", r.URL.Path, "err", ae.Err)
		ae = apperr.E(apperr.Internal, "internal")
	}
	lang := i18n.Lang(r)
	p := Problem{Status: status, Code: ae.Code, Title: http.StatusText(status),
		Detail: i18n.T(lang, ae.Code, ae.Params), Params: ae.Params, RequestID: meta.RequestID}
	for _, f := range ae.Fields {
		p.Errors = append(p.Errors, ProblemField{Field: f.Field, Code: f.Code, Params: f.Params,
			Message: i18n.T(lang, "field", map[string]any{"field": f.Field, "message": i18n.T(lang, f.Code, f.Params)})})
	}
	if len(p.Errors) == 1 {
		p.Detail = p.Errors[0].Message
	}
	var rep interface{ Report() any }
	if errors.As(err, &rep) {
		p.Extra, _ = json.Marshal(rep.Report())
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// MaxBody is the default limit on a JSON request body.
const MaxBody = 1 << 20

// Decode reads the request body as exactly one JSON value into dst,
// refusing unknown fields, wrong types, strings holding a NUL character and
// bodies over limit bytes, with an error naming the field.
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
	// JSON can carry a NUL as \u0000, which PostgreSQL text cannot hold.
	// (The decoder itself turns bytes that are not UTF-8 into U+FFFD.)
	if field, ok := nulField(body); ok {
		return apperr.Field(field, "request.invalid_text")
	}
	return nil
}

// nulField finds the first string of a valid JSON document that holds a
// NUL character and returns where it is, named as field errors are
// ("limits.normal.handle", "permissions[1]"); a key holding one is named
// by its object.
func nulField(body []byte) (string, bool) {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return "", false
	}
	type level struct {
		array   bool
		index   int    // array: the element being read
		key     string // object: the member being read
		wantKey bool   // object: the next string is a key
	}
	var stack []*level
	name := func() string {
		var b strings.Builder
		for _, l := range stack {
			switch {
			case l.array:
				fmt.Fprintf(&b, "[%d]", l.index)
			case l.wantKey: // between members, or the key itself
				continue
			default:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(l.key)
			}
		}
		if b.Len() == 0 {
			return "(body)"
		}
		return b.String()
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
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &level{array: t == '[', wantKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if strings.Contains(t, "\x00") {
				return name(), true
			}
			if n := len(stack); n > 0 && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

func decodeError(err error, limit int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return apperr.E(apperr.Invalid, "request.empty_body")
	case errors.As(err, &tooBig):
		return apperr.E(apperr.Invalid, "request.too_large", "limit", limit)
	case errors.As(err, &syn):
		return apperr.E(apperr.Invalid, "request.malformed_json", "offset", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return apperr.Field(field, "request.wrong_type", "want", jsonType(typ.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			name = `""` // the empty key: a field error must name something
		}
		return apperr.Field(name, "request.unknown_field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.E(apperr.Invalid, "request.malformed_json", "offset", "end")
	}
	return apperr.E(apperr.Invalid, "request.malformed_json", "offset", "?")
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return fmt.Sprint(t)
}

// Reply writes v as 200 JSON, or returns err for the router to write.
func Reply(w http.ResponseWriter, v any, err error) error {
	if err != nil {
		return err
	}
	JSON(w, http.StatusOK, v)
	return nil
}
