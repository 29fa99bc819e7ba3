// Package apperr is gridgov's one error type: a kind that decides the HTTP
// status, a stable code clients and translations key on, and params that fill
// the translated message. Internal causes are kept for logs, never shown.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error; one place (httpx) maps kinds to HTTP statuses.
type Kind int

// The kinds of error.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Forbidden
	Unauthenticated
	Conflict
	Locked
	TooMany
	Unprocessable
)

// FieldError is one problem with one input field.
type FieldError struct {
	Field  string         `json:"field"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
}

// Error is the error type every layer returns to the HTTP face.
type Error struct {
	Kind   Kind
	Code   string         // stable, dotted: "org.code_parent_mismatch"
	Params map[string]any // values for the translated message
	Fields []FieldError   // per-field problems, when the input was wrong
	Err    error          // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// E makes an error of a kind with a code and optional params given as
// alternating key, value pairs.
func E(kind Kind, code string, kv ...any) *Error {
	return &Error{Kind: kind, Code: code, Params: pairs(kv)}
}

// Wrap makes an internal error around a cause.
func Wrap(err error, op string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	return &Error{Kind: Internal, Code: "internal", Err: fmt.Errorf("%s: %w", op, err)}
}

// Field makes an Invalid error about one field.
func Field(field, code string, kv ...any) *Error {
	return &Error{Kind: Invalid, Code: code, Params: pairs(kv),
		Fields: []FieldError{{Field: field, Code: code, Params: pairs(kv)}}}
}

// Fields collects field problems; Err returns nil when there are none.
type Fields []FieldError

// Add records a problem with a field.
func (f *Fields) Add(field, code string, kv ...any) {
	*f = append(*f, FieldError{Field: field, Code: code, Params: pairs(kv)})
}

// Err returns an Invalid error carrying the collected problems, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: f[0].Code, Params: f[0].Params, Fields: f}
}

// Refuse returns the collected problems as an Unprocessable error (422):
// input well formed but against a rule, each problem naming its field;
// nil when there are none.
func (f Fields) Refuse() error {
	if len(f) == 0 {
		return nil
	}
	e := f.Err().(*Error)
	e.Kind = Unprocessable
	return e
}

// Refuse is Fields.Refuse for one field.
func Refuse(field, code string, kv ...any) error {
	return Fields{{Field: field, Code: code, Params: pairs(kv)}}.Refuse()
}

// As returns the *Error inside err, or an internal one wrapping it.
func As(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Kind: Internal, Code: "internal", Err: err}
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.Code == code
}

// NotFoundf is a shorthand for a missing object of a type.
func NotFoundf(object string) *Error {
	return E(NotFound, "not_found", "object", object)
}

func pairs(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}
