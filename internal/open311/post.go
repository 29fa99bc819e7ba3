package open311

import (
	"bytes"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/casework/public"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/idem"
)

// readForm reads a POST body: application/x-www-form-urlencoded as the spec
// asks (multipart/form-data is taken too; its files are ignored).
// Parameters in the query string fill those the body lacks; a value that
// is not text (a NUL, bytes that are not UTF-8) is refused.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBody))
	if err != nil {
		return nil, apperr.E(apperr.Invalid, "request.too_large", "limit", httpx.MaxBody)
	}
	form := url.Values{}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Set("Content-Type", mime.FormatMediaType(ct, params))
		if err := r.ParseMultipartForm(httpx.MaxBody); err != nil {
			return nil, apperr.E(apperr.Invalid, "open311.form")
		}
		form = r.MultipartForm.Value
	case ct == "application/x-www-form-urlencoded" || ct == "":
		if form, err = url.ParseQuery(string(body)); err != nil {
			return nil, apperr.E(apperr.Invalid, "open311.form")
		}
	default:
		return nil, apperr.E(apperr.Invalid, "open311.form")
	}
	for k, v := range r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(form)) { // sorted: the same error each time
		for _, v := range form[k] {
			if !httpx.ValidText(v) {
				return nil, apperr.Field(k, "request.invalid_text")
			}
		}
	}
	return form, nil
}

// idempotency reads the optional Idempotency-Key header, scoped to the
// api key. The fingerprint is of the form's fields, sorted by name, so a
// client that sends them in another order, or with another multipart
// boundary, is retrying the same request (FixMyStreet's does both).
func idempotency(r *http.Request, p *authz.Principal, form url.Values) (casework.Idempotency, error) {
	key := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", key); err != nil {
		return casework.Idempotency{}, err
	}
	return casework.Idempotency{Scope: p.UserID, Key: key, Fingerprint: idem.Fingerprint(form)}, nil
}

// reporterName joins the given and family names: "first last", or family
// name first with no space for Chinese names (张 + 敏 → 张敏).
func reporterName(firstName, lastName string) string {
	han := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	}
	if han(firstName) || han(lastName) {
		return lastName + firstName
	}
	return strings.TrimSpace(firstName + " " + lastName)
}

// phoneNumber drops a +86 / 0086 country prefix, so a mainland number is
// kept as staff dial it, and writes another 00 prefix as "+".
func phoneNumber(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return strings.TrimLeft(rest, " -")
		}
	}
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		return "+" + rest
	}
	return s
}

// attributes reads attribute[CODE]=value and attribute[CODE][]=value
// pairs, checks what casework does not (one value for all but a
// multivaluelist, datetimes) and joins list values with commas.
func attributes(form url.Values, cat casework.Category) (map[string]string, error) {
	vals := map[string][]string{}
	var f apperr.Fields
	for k, vs := range form {
		rest, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		code, tail, ok := strings.Cut(rest, "]")
		if !ok || code == "" || (tail != "" && tail != "[]") {
			f.Add("attributes."+rest, "event.attribute_unknown", "code", strings.TrimSuffix(rest, "]"))
			continue
		}
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				vals[code] = append(vals[code], v)
			}
		}
	}
	codes := make([]string, 0, len(vals))
	for code := range vals {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	out := map[string]string{}
	for _, code := range codes {
		vs := vals[code]
		for _, a := range cat.Attributes {
			if a.Code != code {
				continue
			}
			if a.Datatype != "multivaluelist" && (len(vs) > 1 || (a.Datatype == "singlevaluelist" && strings.Contains(vs[0], ","))) {
				f.Add("attributes."+code, "open311.attribute_single")
			}
			if a.Datatype == "datetime" {
				for _, v := range vs {
					if _, ok := parseW3C(v); !ok {
						f.Add("attributes."+code, "validation.datetime")
					}
				}
			}
		}
		out[code] = strings.Join(vs, ",")
	}
	return out, f.Err()
}

// coordinate reads lat or long.
func coordinate(form url.Values, name string, limit float64) (*float64, error) {
	v := first(form, name)
	if v == "" {
		return nil, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || !(x >= -limit && x <= limit) { // NaN compares false both ways
		return nil, apperr.Field(name, "validation.coordinate", "min", -limit, "max", limit)
	}
	return &x, nil
}

// create is POST requests: a report through casework on channel open311.
func (s *Service) create(w http.ResponseWriter, r *http.Request, f, _ string) error {
	ctx := r.Context()
	form, err := readForm(w, r)
	if err != nil {
		return err
	}
	p, err := s.principal(ctx, r, form)
	if err != nil {
		return err
	}
	code := first(form, "service_code")
	if code == "" {
		return apperr.Field("service_code", "validation.required")
	}
	cat, _, err := s.leaf(ctx, code)
	if err != nil {
		return err
	}
	var fs apperr.Fields
	lat, err := coordinate(form, "lat", 90)
	if err != nil {
		fs = append(fs, apperr.As(err).Fields...)
	}
	lng, err := coordinate(form, "long", 180)
	if err != nil {
		fs = append(fs, apperr.As(err).Fields...)
	}
	if len(fs) == 0 && (lat == nil) != (lng == nil) {
		missing := "long"
		if lat == nil {
			missing = "lat"
		}
		fs.Add(missing, "event.location_required")
	}
	attrs, err := attributes(form, cat)
	if err != nil {
		fs = append(fs, apperr.As(err).Fields...)
	}
	if err := fs.Err(); err != nil {
		return err
	}
	address := first(form, "address_string")
	if address == "" {
		address = first(form, "address_id") // no address register yet: the id is kept as the address
	}
	description := strings.TrimSpace(form.Get("description"))
	// Optional in Open311, while the loop wants at least two characters: a
	// shorter one is named by its category.
	if utf8.RuneCountInString(description) < 2 {
		description = strings.TrimSuffix(cat.Name+"："+description, "：")
	}
	rep := casework.Report{Channel: "open311", CategoryCode: cat.Code, Description: description, Lat: lat, Lng: lng,
		Address: address, ReporterName: reporterName(first(form, "first_name"), first(form, "last_name")),
		ReporterPhone: phoneNumber(form.Get("phone")), Attributes: attrs, MediaURL: first(form, "media_url")}
	if lat == nil && address != "" {
		if p.OrgID, err = s.homeArea(ctx); err != nil {
			return err
		}
	}
	key, err := idempotency(r, p, form)
	if err != nil {
		return err
	}
	e, replay, err := s.events.Create(authz.WithPrincipal(ctx, p), rep, key)
	if err != nil {
		return err
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	notice := cat.ClosingCriterion
	if !casework.Published(cat.Code) {
		notice = i18n.T(language(r), "open311.notice_private", nil)
	}
	w.Header().Set("Cache-Control", "no-store")
	write(w, f, http.StatusCreated, "service_requests", list{"request", []any{obj{
		{"service_request_id", e.No}, {"service_notice", opt(notice)}, {"account_id", opt(first(form, "account_id"))}}}})
	return nil
}

// updateStatuses are the statuses mySociety's POST servicerequestupdates takes.
var updateStatuses = []string{"OPEN", "CLOSED", "FIXED", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING", "DUPLICATE",
	"NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "REOPEN", "FOR_TRIAGE"}

// postUpdate is mySociety's POST servicerequestupdates: the description
// becomes a timeline note of the event.
func (s *Service) postUpdate(w http.ResponseWriter, r *http.Request, f, _ string) error {
	ctx := r.Context()
	form, err := readForm(w, r)
	if err != nil {
		return err
	}
	p, err := s.principal(ctx, r, form)
	if err != nil {
		return err
	}
	var fs apperr.Fields
	id := first(form, "service_request_id")
	if id == "" {
		fs.Add("service_request_id", "validation.required")
	}
	status := strings.ToUpper(first(form, "status"))
	switch {
	case status == "":
		fs.Add("status", "validation.required")
	case !slices.Contains(updateStatuses, status):
		fs.Add("status", "validation.one_of", "values", strings.Join(updateStatuses, ", "))
	}
	if strings.TrimSpace(form.Get("description")) == "" {
		fs.Add("description", "validation.required")
	}
	for _, k := range []string{"updated_datetime", "update_time"} {
		if v := first(form, k); v != "" {
			if _, ok := parseW3C(v); !ok {
				fs.Add(k, "validation.datetime")
			}
		}
	}
	if err := fs.Err(); err != nil {
		return err
	}
	key, err := idempotency(r, p, form)
	if err != nil {
		return err
	}
	if clientID := first(form, "update_id"); key.Key == "" && clientID != "" {
		if len(clientID) > 200 {
			return apperr.Field("update_id", "validation.length", "min", 1, "max", 200)
		}
		key.Key = "update:" + clientID
	}
	u, replay, err := s.events.AddPublicNote(authz.WithPrincipal(ctx, p), id, casework.PublicNote{Note: form.Get("description"), Status: status, Idem: key})
	if apperr.As(err).Kind == apperr.NotFound {
		return notFound("service_request_id", "open311.request_unknown", "id", id)
	}
	if err != nil {
		return err
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	item := obj{{"update_id", u.ID()}}
	if account := first(form, "account_id"); account != "" {
		item = append(item, kv{"account_id", account})
	}
	w.Header().Set("Cache-Control", "no-store")
	write(w, f, http.StatusCreated, "service_request_updates", list{"request_update", []any{item}})
	return nil
}

// updates is mySociety's GET servicerequestupdates: the timeline steps of
// published events, each with the status after it. With start_date or
// end_date it answers that window oldest first, as mySociety's clients
// poll it (FixMyStreet applies a window's updates in order); without them
// every update, newest first. Either way page and page_size reach past the
// first 1,000.
func (s *Service) updates(w http.ResponseWriter, r *http.Request, f, _ string) error {
	ctx := r.Context()
	q := r.URL.Query()
	if _, err := s.principal(ctx, r, q); err != nil {
		return err
	}
	offset, limit, err := pageOf(q)
	if err != nil {
		return err
	}
	sel := public.UpdatesQuery{Newest: true, Offset: offset, Limit: limit}
	if first(q, "start_date") != "" || first(q, "end_date") != "" {
		from, to, err := window(q, s.events.Now())
		if err != nil {
			return err
		}
		sel = public.UpdatesQuery{From: from.UnixMilli(), To: to.UnixMilli(), Offset: offset, Limit: limit}
	}
	ups, err := public.Updates(ctx, s.db.Reader(), sel)
	if err != nil {
		return err
	}
	items := make([]any, len(ups))
	lang := language(r)
	for i, u := range ups {
		status := "open"
		if !casework.Open(u.State) {
			status = "closed"
		}
		items[i] = obj{{"update_id", u.ID()}, {"service_request_id", u.No}, {"status", status},
			{"updated_datetime", w3(u.At)}, {"description", s.scrub("update", describe(lang, u))}, {"media_url", nil}}
	}
	w.Header().Set("Cache-Control", "no-store")
	write(w, f, 200, "service_request_updates", list{"request_update", items})
	return nil
}

// describe is an update's text: its note for the public, else what the step was.
func describe(lang string, u casework.PublicUpdate) string {
	if u.Note != "" {
		return u.Note
	}
	return i18n.T(lang, "action.event."+u.Action, nil)
}
