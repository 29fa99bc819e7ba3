package httpx

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/prometheus/client_golang/prometheus"
)

// HandlerFunc is a handler that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Param documents a path or query parameter.
type Param struct {
	Name, In, Type, Desc string
	Required             bool
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string // Go 1.22 mux pattern path: "/api/v1/grids/{id}"
	Tag     string
	Summary string
	// Perm is the permission the caller needs somewhere in the org tree;
	// object-level scope is checked by the service.
	Perm authz.Perm
	// Access says who may call a signed-in route that has no single Perm
	// (the service decides per object or per action); routes with neither
	// Perm nor Access are a mistake the route-table test catches.
	Access string
	Public bool // no session needed (login, health, documents)
	// AllowExpired lets a user whose password has expired through (to change it).
	AllowExpired bool
	NoCSRF       bool // login: no session yet, so no token to check
	Params       []Param
	In, Out      any    // zero values of the request and response bodies, for OpenAPI
	OutType      string // response media type when not JSON
	Status       int    // success status when not 200 (201, 204)
	// MaxBody is the largest JSON body Do decodes, when not the default
	// (MaxBody): small for the sign-in forms, large for grid shapes.
	MaxBody int64
	// Do is the route's endpoint (Call or Get): the usual shape, which
	// also gives In and Out. Handler is for the few routes that write
	// something else (files, multipart, headers of their own).
	Do      Endpoint
	Handler HandlerFunc
}

// Authenticator resolves the session of a request; nil principal, nil error
// means anonymous.
type Authenticator interface {
	Authenticate(w http.ResponseWriter, r *http.Request) (*authz.Principal, error)
}

// Router is the route table and its mux.
type Router struct {
	mux     *http.ServeMux
	routes  []Route
	auth    Authenticator
	refused func(r *http.Request, route *Route, err *apperr.Error)
	metrics *metrics
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (GRIDGOV_TRUSTED_PROXIES); none by default.
	TrustedProxies []netip.Prefix
}

// NewRouter makes a router; refused (optional) is told of each request of a
// signed-in caller that was refused as forbidden or not found, for the
// audit log.
func NewRouter(auth Authenticator, reg prometheus.Registerer, refused func(r *http.Request, route *Route, err *apperr.Error)) *Router {
	return &Router{mux: http.NewServeMux(), auth: auth, refused: refused, metrics: newMetrics(reg)}
}

// Routes returns the route table (for the OpenAPI document and the access tests).
func (rt *Router) Routes() []Route { return rt.routes }

// Handle registers routes.
func (rt *Router) Handle(routes ...Route) {
	for _, r := range routes {
		rt.handle(r)
	}
}

func (rt *Router) handle(r Route) {
	if r.Do != nil {
		in, out := r.Do.types()
		if in != nil {
			r.In = reflect.Zero(in).Interface()
		}
		if r.Status != http.StatusNoContent {
			r.Out = reflect.Zero(out).Interface()
		}
		do, status, limit := r.Do, cmp.Or(r.Status, http.StatusOK), r.MaxBody
		r.Handler = func(w http.ResponseWriter, req *http.Request) error { return do.serve(w, req, status, limit) }
	}
	rt.routes = append(rt.routes, r)
	route := &rt.routes[len(rt.routes)-1]
	pattern := r.Method + " " + r.Path
	rt.mux.Handle(pattern, rt.metrics.wrap(pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := rt.guard(w, req, route); err != nil {
			rt.refuse(req, route, err)
			Error(w, req, err)
			return
		}
		if err := route.Handler(w, req); err != nil {
			rt.refuse(req, route, err)
			Error(w, req, err)
		}
	})))
}

// refuse tells the refused hook of a signed-in caller's forbidden or
// not-found answer: another area's record looks like a missing one, so both
// are worth a trace.
func (rt *Router) refuse(r *http.Request, route *Route, err error) {
	ae := apperr.As(err)
	if rt.refused != nil && authz.From(r.Context()) != nil && (ae.Kind == apperr.Forbidden || ae.Kind == apperr.NotFound) {
		rt.refused(r, route, ae)
	}
}

// Mount registers a plain handler outside the route table (static files).
func (rt *Router) Mount(pattern string, h http.Handler) { rt.mux.Handle(pattern, h) }

func (rt *Router) guard(w http.ResponseWriter, r *http.Request, route *Route) error {
	if route.Public {
		return nil
	}
	p, err := rt.auth.Authenticate(w, r)
	if err != nil {
		return err
	}
	if p == nil {
		return apperr.E(apperr.Unauthenticated, "auth.unauthenticated")
	}
	*r = *r.WithContext(authz.WithPrincipal(r.Context(), p))
	if !route.NoCSRF && unsafeMethod(r.Method) &&
		subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(p.CSRFToken)) != 1 {
		return apperr.E(apperr.Forbidden, "auth.csrf")
	}
	if p.PasswordExpired && !route.AllowExpired {
		return apperr.E(apperr.Forbidden, "auth.password_expired")
	}
	if p.TOTPMissing && !route.AllowExpired {
		return apperr.E(apperr.Forbidden, "auth.totp_enrolment_required")
	}
	if route.Perm != "" && !p.Has(route.Perm) {
		return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", route.Perm)
	}
	if name := BadTextParam(r, route.Path); name != "" {
		return apperr.Field(name, "request.invalid_text")
	}
	return nil
}

// ValidText reports whether s can be stored as text: UTF-8 holding no NUL
// character (PostgreSQL refuses both).
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.Contains(s, "\x00")
}

// BadTextParam names the first path or query parameter of r that is not
// ValidText, or returns "". pattern is the route's path, which names the
// path parameters. The router checks signed-in routes; public ones that
// answer in formats of their own (Open311) check for themselves.
func BadTextParam(r *http.Request, pattern string) string {
	for _, seg := range strings.Split(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "...")
			if !ValidText(r.PathValue(name)) {
				return name
			}
		}
	}
	q := r.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			if !ValidText(v) {
				return k
			}
		}
	}
	return ""
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// ServeHTTP runs the common middleware around the mux: request id, client
// address, security headers, panic recovery and an access log line that
// holds no query string (queries may carry personal data).
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if len(id) == 0 || len(id) > 64 || strings.ContainsAny(id, " \r\n\t") {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	ip := ClientIP(r, rt.TrustedProxies)
	r = r.WithContext(audit.WithMeta(r.Context(), audit.Meta{RequestID: id, IP: ip}))
	h := w.Header()
	h.Set("X-Request-Id", id)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			slog.Error("panic", "request_id", id, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if sw.status == 0 {
				Error(sw, r, apperr.E(apperr.Internal, "internal"))
			}
		}
		if r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
			slog.Info("http", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
		}
	}()
	rt.mux.ServeHTTP(sw, r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
