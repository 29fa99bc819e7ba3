package open311

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/casework/public"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/prometheus/client_golang/prometheus"
)

// Base is where the face is mounted.
const Base = "/open311/v2"

// Specification is the token discovery names the spec by.
const Specification = "http://wiki.open311.org/GeoReport_v2"

// Service is the Open311 face.
type Service struct {
	events *casework.Service
	db     *db.DB
	audit  *audit.Log
	// publicURL is where clients reach the installation (GRIDGOV_PUBLIC_URL):
	// discovery names it, never the Host a request claims.
	publicURL string
	// withheld counts the numbers the last scrub took out, by field.
	withheld *prometheus.CounterVec
}

// New makes the face over the casework service. publicURL is the
// installation's public base URL (scheme and host, no path); the scrub
// counter is registered on reg.
func New(events *casework.Service, d *db.DB, log *audit.Log, publicURL string, reg prometheus.Registerer) *Service {
	s := &Service{events: events, db: d, audit: log, publicURL: strings.TrimRight(publicURL, "/"),
		withheld: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridgov_open311_withheld_total",
			Help: "Numbers that looked like an ID number or a phone, withheld from Open311 answers, by field.",
		}, []string{"field"})}
	if reg != nil {
		reg.MustRegister(s.withheld)
	}
	return s
}

// scrub is the last filter of every text an answer publishes: what looks
// like an ID number or a phone number is withheld, and counted.
func (s *Service) scrub(field, text string) string {
	out, n := pii.Scrub(text)
	if n > 0 {
		s.withheld.WithLabelValues(field).Add(float64(n))
	}
	return out
}

// handler serves one method; f is the format (xml or json), id the
// resource named in the path (without its format suffix), if any.
type handler func(w http.ResponseWriter, r *http.Request, f, id string) error

// Routes are the Open311 endpoints: each resource once per format,
// resources named in the path once with the format parsed from the suffix.
// They answer XML or JSON as the format asks, so each keeps a handler of
// its own (see route). Anything else under /open311/ is NotFound's.
func (s *Service) Routes() []httpx.Route {
	page := []httpx.Param{{Name: "page", In: "query", Type: "integer", Desc: "extension: page number from 1"},
		{Name: "page_size", In: "query", Type: "integer", Desc: "extension: 1 to 1000 (default 1000)"}}
	window := []httpx.Param{{Name: "start_date", In: "query", Desc: "W3C datetime; the window is at most 90 days (default: the last 90 days)"},
		{Name: "end_date", In: "query", Desc: "W3C datetime"}}
	updWindow := []httpx.Param{{Name: "start_date", In: "query", Desc: "W3C datetime; a window (at most 90 days) answered oldest first; without start_date and end_date every update, newest first"},
		{Name: "end_date", In: "query", Desc: "W3C datetime"}}
	key := httpx.Param{Name: "api_key", In: "query", Required: true, Desc: "the client's Open311 key"}
	idem := httpx.Param{Name: "Idempotency-Key", In: "header", Desc: "same key + same body → the first answer"}
	var out []httpx.Route
	for _, f := range []string{"xml", "json"} {
		ct := contentType(f)
		out = append(out,
			s.route("GET", "/discovery."+f, f, "Open311 service discovery", nil, DiscoveryDoc{}, ct, 0, s.discovery),
			s.route("GET", "/services."+f, f, "Open311 services: the active leaf event categories", nil, []ServiceDoc{}, ct, 0, s.services),
			s.route("POST", "/requests."+f, f, "Open311 POST service request (form-encoded: api_key, service_code, lat/long or address_string or address_id, attribute[CODE], description, media_url, first_name, last_name, phone, email, device_id, account_id)",
				[]httpx.Param{idem}, []PostedDoc{}, ct, 201, s.create),
			s.route("GET", "/requests."+f, f, "Open311 GET service requests (published events, newest first)",
				append(append([]httpx.Param{{Name: "service_request_id", In: "query", Desc: "comma list; overrides every other filter"},
					{Name: "service_code", In: "query", Desc: "comma list"}, {Name: "status", In: "query", Desc: "open, closed (comma list)"},
					{Name: "extensions", In: "query", Type: "boolean", Desc: "true adds attributes and extended_attributes"}}, window...), page...),
				[]RequestDoc{}, ct, 0, s.list),
			s.route("GET", "/servicerequestupdates."+f, f, "mySociety extension: timeline steps of published events as updates; in a start_date/end_date window oldest first, else all of them newest first",
				append(append([]httpx.Param{key}, updWindow...), page...), []UpdateDoc{}, ct, 0, s.updates),
			s.route("POST", "/servicerequestupdates."+f, f, "mySociety extension: add an update (form-encoded: api_key, service_request_id, status, description, updated_datetime, update_id) as a timeline note",
				[]httpx.Param{idem}, []UpdateIDDoc{}, ct, 201, s.postUpdate))
	}
	return append(out,
		s.route("GET", "/services/{service_code}", "", "Open311 service definition; the path segment is service_code followed by .xml or .json", nil, ServiceDefinitionDoc{}, "", 0, s.definition),
		s.route("GET", "/requests/{service_request_id}", "", "Open311 GET one service request (a one-element list); the path segment is service_request_id followed by .xml or .json", nil, []RequestDoc{}, "", 0, s.one),
		s.route("GET", "/tokens/{token}", "", "Open311 service_request_id from a token (the token is the service_request_id); the path segment is the token followed by .xml or .json", nil, []TokenDoc{}, "", 0, s.token))
}

// NotFound answers anything else under /open311/ with the spec's 404, not
// the console.
func (s *Service) NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := "xml"
		if strings.HasSuffix(r.URL.Path, ".json") {
			f = "json"
		}
		s.fail(w, r, f, apperr.E(apperr.NotFound, "open311.not_found"))
	})
}

func contentType(f string) string {
	if f == "json" {
		return "application/json"
	}
	return "text/xml"
}

// route makes a public route; f is fixed, or "" when the last path segment
// carries it as a suffix.
func (s *Service) route(method, path, f, summary string, params []httpx.Param, out any, outType string, status int, h handler) httpx.Route {
	param := ""
	if i := strings.LastIndex(path, "{"); i >= 0 {
		param = strings.Trim(path[i:], "{}")
	}
	return httpx.Route{Method: method, Path: Base + path, Tag: "open311", Summary: summary, Public: true, Params: params,
		Out: out, OutType: outType, Status: status,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			format, id := f, ""
			if param != "" {
				var ok bool
				if id, format, ok = splitFormat(r.PathValue(param)); !ok {
					s.fail(w, r, "xml", apperr.E(apperr.NotFound, "open311.format", "format", format))
					return nil
				}
			}
			if name := httpx.BadTextParam(r, Base+path); name != "" {
				s.fail(w, r, format, apperr.Field(name, "request.invalid_text"))
				return nil
			}
			if err := h(w, r, format, id); err != nil {
				s.fail(w, r, format, err)
			}
			return nil
		}}
}

// splitFormat cuts "0403.json" into "0403" and "json"; ok is false when
// the suffix is missing or not a format served (the error then comes in XML).
func splitFormat(seg string) (id, f string, ok bool) {
	i := strings.LastIndex(seg, ".")
	if i <= 0 {
		return seg, "(none)", false
	}
	id, f = seg[:i], seg[i+1:]
	return id, f, f == "xml" || f == "json"
}

// ---- errors ----

// notFound is a 404 about one parameter.
func notFound(field, code string, kv ...any) error {
	e := apperr.E(apperr.NotFound, code, kv...)
	e.Fields = []apperr.FieldError{{Field: field, Code: code, Params: e.Params}}
	return e
}

// forbidden is a 403 about one parameter.
func forbidden(field, code string) error {
	e := apperr.E(apperr.Forbidden, code)
	e.Fields = []apperr.FieldError{{Field: field, Code: code}}
	return e
}

// fieldNames maps casework's field names to the Open311 parameters.
var fieldNames = map[string]string{"category_code": "service_code", "lng": "long", "address": "address_string",
	"reporter_name": "first_name", "reporter_phone": "phone"}

func paramName(field string) string {
	if n, ok := fieldNames[field]; ok {
		return n
	}
	if code, ok := strings.CutPrefix(field, "attributes."); ok {
		return "attribute[" + code + "]"
	}
	return field
}

// fail answers err as the spec's error list: 404 for what does not exist,
// 403 for a missing or wrong api_key, 400 for everything else (the spec's
// "general service error" included).
func (s *Service) fail(w http.ResponseWriter, r *http.Request, f string, err error) {
	ae := apperr.As(err)
	status := http.StatusBadRequest
	switch ae.Kind {
	case apperr.NotFound:
		status = http.StatusNotFound
	case apperr.Forbidden, apperr.Unauthenticated:
		status = http.StatusForbidden
	case apperr.Internal:
		meta := audit.MetaFrom(r.Context())
		slog.Error("open311 request failed", "request_id", meta.RequestID, "method", r.Method, "path", r.URL.Path, "err", ae.Err)
		ae = apperr.E(apperr.Internal, "internal")
	}
	lang := language(r)
	var items []any
	for _, fe := range ae.Fields {
		items = append(items, obj{{"code", status}, {"description", i18n.T(lang, "field",
			map[string]any{"field": paramName(fe.Field), "message": i18n.T(lang, fe.Code, fe.Params)})}})
	}
	if len(items) == 0 {
		d := i18n.T(lang, ae.Code, ae.Params)
		if ae.Kind == apperr.Internal {
			d += " (" + audit.MetaFrom(r.Context()).RequestID + ")"
		}
		items = append(items, obj{{"code", status}, {"description", d}})
	}
	w.Header().Set("Cache-Control", "no-store")
	write(w, f, status, "errors", list{"error", items})
}

// language is the language of error texts: ?lang=, then Accept-Language,
// else English (Open311 clients are not the console).
func language(r *http.Request) string {
	if l := i18n.Match(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		if l := i18n.Match(strings.TrimSpace(strings.SplitN(part, ";", 2)[0])); l != "" {
			return l
		}
	}
	return "en"
}

// ---- authentication ----

// principal checks the api_key of a request and returns the key's principal.
func (s *Service) principal(ctx context.Context, r *http.Request, form map[string][]string) (*authz.Principal, error) {
	key := first(form, "api_key")
	if key == "" {
		key = r.URL.Query().Get("api_key")
	}
	if key == "" {
		return nil, forbidden("api_key", "open311.api_key")
	}
	k, err := apikey.Verify(ctx, s.db.Reader(), key, apikey.Open311)
	if apperr.As(err).Kind == apperr.Forbidden {
		// Counted, not written per request: a flood of wrong keys must not fill the log.
		route := r.Pattern
		if route == "" {
			route = r.Method + " " + r.URL.Path
		}
		s.audit.Refuse(ctx, audit.Refusal{Action: "open311.api_key_denied", Route: route})
		return nil, forbidden("api_key", "open311.api_key")
	}
	if err != nil {
		return nil, err
	}
	return k.Principal(), nil
}

func first(form map[string][]string, k string) string {
	if v := form[k]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

// homeArea is the area the installation serves: its single root, followed
// down through only children as far as a county. "" when there are several roots.
func (s *Service) homeArea(ctx context.Context) (string, error) {
	q := s.db.Reader()
	nodes, err := org.Children(ctx, q, "")
	if err != nil || len(nodes) != 1 {
		return "", err
	}
	node := nodes[0]
	for node.Kind == "province" || node.Kind == "city" {
		next, err := org.Children(ctx, q, node.ID)
		if err != nil {
			return "", err
		}
		if len(next) != 1 {
			break
		}
		node = next[0]
	}
	return node.ID, nil
}

// ---- time ----

var cst = time.FixedZone("CST", 8*3600)

// w3 formats Unix ms as a W3C datetime in China Standard Time.
func w3(ms int64) string { return time.UnixMilli(ms).In(cst).Format("2006-01-02T15:04:05-07:00") }

// parseW3C reads a W3C datetime with a zone (a bare date is midnight in
// China Standard Time). A "+" turned into a space by an unencoded query
// string is put back.
func parseW3C(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 19 && s[len(s)-6] == ' ' {
		s = s[:len(s)-6] + "+" + s[len(s)-5:]
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, cst); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// span is the widest window GET requests (and updates) answer.
const span = 90 * 24 * time.Hour

// window reads start_date and end_date: by default the last 90 days; one
// of them alone reaches 90 days from or to it; both may not span more.
func window(q map[string][]string, now time.Time) (from, to time.Time, err error) {
	var f apperr.Fields
	var start, end time.Time
	var hasStart, hasEnd bool
	if v := first(q, "start_date"); v != "" {
		if start, hasStart = parseW3C(v); !hasStart {
			f.Add("start_date", "validation.datetime")
		}
	}
	if v := first(q, "end_date"); v != "" {
		if end, hasEnd = parseW3C(v); !hasEnd {
			f.Add("end_date", "validation.datetime")
		} else if len(v) == len("2006-01-02") {
			end = end.Add(24*time.Hour - time.Millisecond) // a bare end date includes its day
		}
	}
	if err := f.Err(); err != nil {
		return from, to, err
	}
	switch {
	case hasStart && hasEnd:
		if end.Before(start) {
			return from, to, apperr.Field("end_date", "open311.date_order")
		}
		if end.Sub(start) > span {
			return from, to, apperr.Field("end_date", "open311.span", "days", 90)
		}
		return start, end, nil
	case hasStart:
		return start, start.Add(span), nil
	case hasEnd:
		return end.Add(-span), end, nil
	}
	return now.Add(-span), now, nil
}

// pageOf reads the page and page_size extension (page_size 1–1000,
// default 1000; page from 1).
func pageOf(q map[string][]string) (offset, limit int, err error) {
	page, size := 1, 1000
	var f apperr.Fields
	if v := first(q, "page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000000 {
			f.Add("page", "validation.range", "min", 1, "max", 1000000)
		}
		page = n
	}
	if v := first(q, "page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			f.Add("page_size", "validation.range", "min", 1, "max", 1000)
		}
		size = n
	}
	return (page - 1) * size, size, f.Err()
}

// splitList reads a parameter given as a comma list, possibly repeated.
func splitList(q map[string][]string, k string) []string {
	var out []string
	for _, v := range q[k] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// ---- services ----

// leaf returns the active leaf category of a code and its group's name.
func (s *Service) leaf(ctx context.Context, code string) (casework.Category, string, error) {
	cats, err := s.events.Categories(ctx)
	if err != nil {
		return casework.Category{}, "", err
	}
	group := ""
	for _, c := range cats {
		if c.Code == code && c.Level == 2 && c.Active {
			for _, g := range cats {
				if g.Code == c.ParentCode {
					group = g.Name
				}
			}
			return c, group, nil
		}
	}
	return casework.Category{}, "", notFound("service_code", "event.category_unknown", "code", code)
}

func (s *Service) discovery(w http.ResponseWriter, r *http.Request, f, _ string) error {
	var changed sql.NullInt64
	if err := s.db.Reader().QueryRowContext(r.Context(), "SELECT max(updated_at) FROM categories").Scan(&changed); err != nil {
		return err
	}
	changeset := w3(changed.Int64)
	lang := language(r)
	w.Header().Set("Cache-Control", "no-cache")
	write(w, f, 200, "discovery", obj{
		{"changeset", changeset},
		{"contact", i18n.T(lang, "open311.contact", nil)},
		{"key_service", i18n.T(lang, "open311.key_service", nil)},
		{"endpoints", list{"endpoint", []any{obj{
			{"specification", Specification},
			{"url", s.publicURL + Base},
			{"changeset", changeset},
			{"type", "production"},
			{"formats", list{"format", []any{"text/xml", "application/json"}}},
		}}}},
	})
	return nil
}

func (s *Service) services(w http.ResponseWriter, r *http.Request, f, _ string) error {
	cats, err := s.events.Categories(r.Context())
	if err != nil {
		return err
	}
	groups := map[string]string{}
	for _, c := range cats {
		if c.Level == 1 {
			groups[c.Code] = c.Name
		}
	}
	items := []any{}
	for _, c := range cats {
		if c.Level != 2 || !c.Active {
			continue
		}
		desc := c.ClosingCriterion
		if desc == "" {
			desc = c.Name
		}
		group := groups[c.ParentCode]
		keywords := c.Name
		if group != "" {
			keywords += ", " + group
		}
		items = append(items, obj{{"service_code", c.Code}, {"service_name", c.Name}, {"description", desc},
			{"metadata", len(c.Attributes) > 0}, {"type", "realtime"}, {"keywords", keywords}, {"group", opt(group)}})
	}
	w.Header().Set("Cache-Control", "no-cache")
	write(w, f, 200, "services", list{"service", items})
	return nil
}

func (s *Service) definition(w http.ResponseWriter, r *http.Request, f, code string) error {
	c, _, err := s.leaf(r.Context(), code)
	if err != nil {
		return err
	}
	lang := language(r)
	attrs := []any{}
	for i, a := range c.Attributes {
		o := obj{{"variable", true}, {"code", a.Code}, {"datatype", a.Datatype}, {"required", a.Required},
			{"datatype_description", opt(datatypeDescription(lang, a.Datatype))}, {"order", i + 1}, {"description", a.Description}}
		if a.Datatype == "singlevaluelist" || a.Datatype == "multivaluelist" {
			values := []any{}
			for _, v := range a.Values {
				values = append(values, obj{{"key", v.Key}, {"name", v.Name}})
			}
			o = append(o, kv{"values", list{"value", values}})
		}
		attrs = append(attrs, o)
	}
	w.Header().Set("Cache-Control", "no-cache")
	write(w, f, 200, "service_definition", obj{{"service_code", c.Code}, {"attributes", list{"attribute", attrs}}})
	return nil
}

func datatypeDescription(lang, datatype string) string {
	switch datatype {
	case "number", "datetime", "singlevaluelist", "multivaluelist":
		return i18n.T(lang, "open311.datatype."+datatype, nil)
	}
	return ""
}

// ---- service requests ----

// request renders a published event as a GeoReport request; every text
// taken from the event goes through the last scrub.
func (s *Service) request(lang string, e public.Event, cat *casework.Category, extensions bool) obj {
	status, notes := "open", ""
	if !casework.Open(e.State) {
		status, notes = "closed", e.LastNote
		if notes == "" && e.State == casework.Merged {
			notes = i18n.T(lang, "open311.status_merged", nil)
		}
	}
	var expected any
	if e.DueAt != nil {
		expected = w3(*e.DueAt)
	}
	o := obj{{"service_request_id", e.No}, {"status", status}, {"status_notes", opt(s.scrub("status_notes", notes))}, {"service_name", e.CategoryName},
		{"service_code", e.CategoryCode}, {"description", opt(s.scrub("description", e.Description))}, {"agency_responsible", opt(e.LeadUnitName)},
		{"service_notice", opt(e.ClosingCriterion)}, {"requested_datetime", w3(e.CreatedAt)}, {"updated_datetime", w3(e.UpdatedAt)},
		{"expected_datetime", expected}, {"address", opt(s.scrub("address", e.Address))}, {"address_id", nil}, {"zipcode", nil}}
	var lat, lng any = absent{}, absent{} // an address-only report
	if e.Lat != nil && e.Lng != nil {
		lat, lng = *e.Lat, *e.Lng
	}
	o = append(o, kv{"lat", lat}, kv{"long", lng}, kv{"media_url", opt(e.MediaURL)})
	if extensions {
		attrs := []any{}
		codes := make([]string, 0, len(e.Attributes))
		for code := range e.Attributes {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			label, value := code, e.Attributes[code]
			if cat != nil {
				for _, a := range cat.Attributes {
					if a.Code != code {
						continue
					}
					label = a.Description
					var names []string
					for _, key := range strings.Split(value, ",") {
						name := key
						for _, v := range a.Values {
							if v.Key == key {
								name = v.Name
							}
						}
						names = append(names, name)
					}
					value = strings.Join(names, ", ")
				}
			}
			attrs = append(attrs, obj{{"label", label}, {"name", code}, {"value", s.scrub("attributes", value)}, {"code", s.scrub("attributes", e.Attributes[code])}})
		}
		o = append(o, kv{"attributes", list{"attribute", attrs}}, kv{"extended_attributes", obj{{"channel", e.Channel}}})
	}
	return o
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, f string, events []public.Event) error {
	extensions := r.URL.Query().Get("extensions") == "true"
	cats := map[string]*casework.Category{}
	if extensions {
		all, err := s.events.Categories(r.Context())
		if err != nil {
			return err
		}
		for i := range all {
			cats[all[i].Code] = &all[i]
		}
	}
	lang := language(r)
	items := make([]any, len(events))
	for i, e := range events {
		items[i] = s.request(lang, e, cats[e.CategoryCode], extensions)
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	write(w, f, 200, "service_requests", list{"request", items})
	return nil
}

func (s *Service) list(w http.ResponseWriter, r *http.Request, f, _ string) error {
	q := r.URL.Query()
	var pq public.Query
	if ids := splitList(q, "service_request_id"); len(ids) > 0 {
		if len(ids) > 1000 {
			return apperr.Field("service_request_id", "open311.too_many_ids", "max", 1000)
		}
		pq.Nos, pq.Limit = ids, len(ids)
	} else {
		var fs apperr.Fields
		pq.Codes = splitList(q, "service_code")
		for _, st := range splitList(q, "status") {
			st = strings.ToLower(st)
			if st != "open" && st != "closed" {
				fs.Add("status", "validation.one_of", "values", "open, closed")
				break
			}
			pq.Status = append(pq.Status, st)
		}
		from, to, err := window(q, s.events.Now())
		if err != nil {
			fs = append(fs, apperr.As(err).Fields...)
		}
		pq.From, pq.To = from.UnixMilli(), to.UnixMilli()
		offset, limit, err := pageOf(q)
		if err != nil {
			fs = append(fs, apperr.As(err).Fields...)
		}
		pq.Offset, pq.Limit = offset, limit
		if err := fs.Err(); err != nil {
			return err
		}
	}
	events, err := public.List(r.Context(), s.db.Reader(), pq)
	if err != nil {
		return err
	}
	return s.render(w, r, f, events)
}

func (s *Service) one(w http.ResponseWriter, r *http.Request, f, id string) error {
	e, err := public.Get(r.Context(), s.db.Reader(), id)
	if apperr.As(err).Kind == apperr.NotFound {
		return notFound("service_request_id", "open311.request_unknown", "id", id)
	}
	if err != nil {
		return err
	}
	return s.render(w, r, f, []public.Event{e})
}

func (s *Service) token(w http.ResponseWriter, r *http.Request, f, token string) error {
	e, err := public.Get(r.Context(), s.db.Reader(), token)
	if apperr.As(err).Kind == apperr.NotFound {
		return notFound("token", "open311.token_unknown", "token", token)
	}
	if err != nil {
		return err
	}
	write(w, f, 200, "service_requests", list{"request", []any{obj{{"service_request_id", e.No}, {"token", token}}}})
	return nil
}
