// Package httpx is gridgov's thin HTTP layer: a route table that knows each
// route's permission and types (and so writes the OpenAPI document and drives
// the access checks), strict JSON decoding, and one mapping from apperr kinds
// to problem+json responses in the caller's language.
package httpx

import (
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
