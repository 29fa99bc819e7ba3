package httpx

import (
	"net/http"
	"reflect"
)

// Endpoint is the one shape of a JSON route: decode the declared body, call
// the service, write the declared status. Build it with Call or Get and put
// it in Route.Do; the route's In and Out for OpenAPI come from its types, so
// they are written once.
type Endpoint interface {
	serve(w http.ResponseWriter, r *http.Request, status int, limit int64) error
	types() (in, out reflect.Type)
}

// None is the In of a route that takes no body.
type None struct{}

type endpoint[In, Out any] func(r *http.Request, in In) (Out, error)

// Call is an endpoint that decodes the request's JSON body (at most
// Route.MaxBody bytes) into In before calling fn.
func Call[In, Out any](fn func(r *http.Request, in In) (Out, error)) Endpoint {
	return endpoint[In, Out](fn)
}

// Get is an endpoint without a body: fn reads what it needs from the path
// and the query.
func Get[Out any](fn func(r *http.Request) (Out, error)) Endpoint {
	return endpoint[None, Out](func(r *http.Request, _ None) (Out, error) { return fn(r) })
}

func (e endpoint[In, Out]) serve(w http.ResponseWriter, r *http.Request, status int, limit int64) error {
	var in In
	if _, none := any(in).(None); !none {
		if err := Decode(r, &in, limit); err != nil {
			return err
		}
	}
	out, err := e(r, in)
	if err != nil {
		return err
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return nil
	}
	JSON(w, status, out)
	return nil
}

func (e endpoint[In, Out]) types() (in, out reflect.Type) {
	in, out = reflect.TypeFor[In](), reflect.TypeFor[Out]()
	if in == reflect.TypeFor[None]() {
		in = nil
	}
	return in, out
}
