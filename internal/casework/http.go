package casework

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/idem"
)

// EventList is a page of events.
type EventList struct {
	Items      []Event `json:"items"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Items is a list answer: {"items": [...]}.
type Items[T any] struct {
	Items []T `json:"items"`
}

// CodeName is a code with its display name.
type CodeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Routes are the casework endpoints. A route with Handler writes something
// other than the usual JSON answer: a file, a multipart upload, the
// Idempotent-Replayed header, a body kept raw.
func (s *Service) Routes() []httpx.Route {
	const anyone = "any signed-in user (reference data)"
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/inbox", Tag: "events", Summary: "The caller's in-app messages, newest first", Access: "any signed-in user, their own inbox",
			Params: []httpx.Param{{Name: "unread", In: "query", Type: "boolean"}}, Do: httpx.Get(s.inbox)},
		{Method: "POST", Path: "/api/v1/inbox/{id}/read", Tag: "events", Summary: "Mark a message read", Status: 204, Access: "any signed-in user, their own inbox",
			Do: httpx.Get(s.markRead)},

		{Method: "POST", Path: "/api/v1/events/{id}/media", Tag: "events", Summary: "Attach a photo (multipart: file, kind)",
			Access: "event.report, event.handle or event.check on an event the caller sees", Out: mediaID{}, Status: 201, Handler: s.uploadMedia},
		{Method: "GET", Path: "/api/v1/events/{id}/media/{media}", Tag: "events", Summary: "A photo of an event (metadata stripped)",
			Access: "as for the event", OutType: "image/jpeg", Out: []byte{}, Handler: s.serveMedia},

		{Method: "PUT", Path: "/api/v1/categories/{code}", Tag: "events", Summary: "Create or change a category (limits, unit, attributes)",
			Perm: authz.EventConfig, Do: httpx.Call(s.saveCategory)},
		{Method: "GET", Path: "/api/v1/settings/calendar", Tag: "events", Summary: "The work calendar deadlines count on",
			Perm: authz.EventConfig, Do: httpx.Get(s.calendarConfig)},
		// The calendar is stored as sent: the body is kept raw, not decoded into its type.
		{Method: "PUT", Path: "/api/v1/settings/calendar", Tag: "events", Summary: "Replace the work calendar (holidays, swapped workdays, hours)",
			Perm: authz.EventConfig, In: calendar.Config{}, Out: calendar.Config{}, Handler: s.saveCalendar},
		{Method: "GET", Path: "/api/v1/dispatch-rules", Tag: "events", Summary: "Dispatch rules in scope",
			Perm: authz.EventConfig, Do: httpx.Get(s.rules)},
		{Method: "POST", Path: "/api/v1/dispatch-rules", Tag: "events", Summary: "Add a dispatch rule",
			Perm: authz.EventConfig, Status: 201, Do: httpx.Call(s.addRule)},
		{Method: "DELETE", Path: "/api/v1/dispatch-rules/{id}", Tag: "events", Summary: "Remove a dispatch rule",
			Perm: authz.EventConfig, Status: 204, Do: httpx.Get(s.deleteRule)},

		{Method: "POST", Path: "/api/v1/alerts", Tag: "events",
			Summary: "Video/IoT alert webhook: reports an event (X-API-Key of scope alerts; Idempotency-Key honoured)",
			Public:  true, In: Alert{}, Out: Event{}, Status: 201,
			Params:  []httpx.Param{{Name: "X-API-Key", In: "header", Required: true}, {Name: "Idempotency-Key", In: "header"}},
			Handler: s.postAlert},

		{Method: "GET", Path: "/api/v1/categories", Tag: "events", Summary: "Event categories with time limits", Access: anyone,
			Do: httpx.Get(s.categories)},
		{Method: "GET", Path: "/api/v1/channels", Tag: "events", Summary: "Intake channels", Access: anyone,
			Do: httpx.Get(channels)},
		{Method: "GET", Path: "/api/v1/units", Tag: "events", Summary: "Units (centres and departments) serving an area", Access: "units in the caller's org.read scope",
			Params: []httpx.Param{{Name: "org_id", In: "query"}}, Do: httpx.Get(s.units)},
		{Method: "POST", Path: "/api/v1/events", Tag: "events", Summary: "Report an event (Idempotency-Key honoured)",
			Perm: authz.EventReport, In: Report{}, Out: Event{}, Status: 201,
			Params:  []httpx.Param{{Name: "Idempotency-Key", In: "header", Desc: "same key + same body → the first answer; other body → 422"}},
			Handler: s.createEvent},
		{Method: "GET", Path: "/api/v1/events", Tag: "events", Summary: "Events in scope, newest first", Access: listAccess,
			Params: append(listFilters, httpx.Param{Name: "cursor", In: "query"}, httpx.Param{Name: "limit", In: "query", Type: "integer"}),
			Do:     httpx.Get(s.listEvents)},
		{Method: "GET", Path: "/api/v1/events/export", Tag: "events", Summary: "The list with its filters as a spreadsheet (xlsx; names and numbers masked, watermarked, audited)",
			Access: listAccess, Params: listFilters, OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportEvents},
		{Method: "GET", Path: "/api/v1/events/points", Tag: "events", Summary: "The list with its filters on the map: the newest events with a position",
			Access: listAccess, Params: listFilters, Do: httpx.Get(s.points)},
		{Method: "GET", Path: "/api/v1/supervision", Tag: "events", Summary: "The supervision list (督办清单): open events supervised or overdue, overdue orders first",
			Access: supervisionAccess, Params: []httpx.Param{{Name: "org_id", In: "query", Desc: "only this area"}}, Do: httpx.Get(s.supervision)},
		{Method: "GET", Path: "/api/v1/supervision/export", Tag: "events", Summary: "The supervision list as a spreadsheet (xlsx; watermarked, audited)",
			Access: supervisionAccess, Params: []httpx.Param{{Name: "org_id", In: "query", Desc: "only this area"}},
			OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportSupervision},
		{Method: "GET", Path: "/api/v1/events/{id}", Tag: "events", Summary: "One event with units, timeline and possible duplicates", Access: "as for the list",
			Do: httpx.Get(s.getEvent)},
		{Method: "POST", Path: "/api/v1/events/{id}/actions", Tag: "events", Summary: "Take an action of the loop (file, dispatch, sign, …)", Access: "each action's permission (see Actions) on an event the caller sees",
			Do: httpx.Call(s.act)},
	}
}

func (s *Service) inbox(r *http.Request) (Items[Message], error) {
	msgs, err := s.Inbox(r.Context(), r.URL.Query().Get("unread") == "true")
	return Items[Message]{msgs}, err
}

func (s *Service) markRead(r *http.Request) (httpx.None, error) {
	return httpx.None{}, s.MarkRead(r.Context(), r.PathValue("id"))
}

func (s *Service) saveCategory(r *http.Request, in Category) (Category, error) {
	in.Code = r.PathValue("code")
	return s.SaveCategory(r.Context(), in)
}

func (s *Service) calendarConfig(r *http.Request) (calendar.Config, error) {
	return s.CalendarConfig(r.Context())
}

func (s *Service) saveCalendar(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := httpx.Decode(r, &raw, 0); err != nil {
		return err
	}
	cfg, err := s.SaveCalendar(r.Context(), raw)
	return httpx.Reply(w, cfg, err)
}

func (s *Service) rules(r *http.Request) (Items[Rule], error) {
	rules, err := s.Rules(r.Context())
	return Items[Rule]{rules}, err
}

func (s *Service) addRule(r *http.Request, in Rule) (Rule, error) {
	return s.AddRule(r.Context(), in)
}

func (s *Service) deleteRule(r *http.Request) (httpx.None, error) {
	return httpx.None{}, s.DeleteRule(r.Context(), r.PathValue("id"))
}

func (s *Service) categories(r *http.Request) (Items[Category], error) {
	cats, err := s.Categories(r.Context())
	return Items[Category]{cats}, err
}

func channels(r *http.Request) (Items[CodeName], error) {
	lang := i18n.Lang(r)
	out := make([]CodeName, len(Channels))
	for i, c := range Channels {
		out[i] = CodeName{c, i18n.T(lang, "channel."+c, nil)}
	}
	return Items[CodeName]{out}, nil
}

func (s *Service) units(r *http.Request) (Items[Unit], error) {
	units, err := s.Units(r.Context(), r.URL.Query().Get("org_id"))
	return Items[Unit]{units}, err
}

// listAccess is who reads the list, its export and its map.
const listAccess = "event.read over the area, event.read_unit for one's unit, or one's own reports"

// listFilters are the list's filters, the same for its export and its map.
var listFilters = []httpx.Param{{Name: "state", In: "query", Desc: "a state, or open"}, {Name: "light", In: "query"}, {Name: "category", In: "query"},
	{Name: "channel", In: "query"}, {Name: "org_id", In: "query"}, {Name: "q", In: "query"}, {Name: "mine", In: "query", Type: "boolean"},
	{Name: "tab", In: "query", Desc: "todo: what waits for the caller's action; done: events the caller acted on"},
	{Name: "my_unit", In: "query", Type: "boolean", Desc: "only the events the caller's unit leads (its work orders)"},
	{Name: "rating", In: "query"}, {Name: "resolved_level", In: "query"},
	{Name: "from", In: "query", Desc: "RFC 3339: reported at or after"}, {Name: "to", In: "query", Desc: "RFC 3339: reported before"}}

// queryOf reads the list's filters from a request.
func queryOf(r *http.Request) (Query, error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	var f apperr.Fields
	query := Query{State: q.Get("state"), Light: q.Get("light"), Category: q.Get("category"), Channel: q.Get("channel"),
		OrgID: q.Get("org_id"), Q: q.Get("q"), Mine: q.Get("mine") == "true", Tab: q.Get("tab"), MyUnit: q.Get("my_unit") == "true", Rating: q.Get("rating"), ResolvedLevel: q.Get("resolved_level"),
		From: httpx.QueryTime(q, "from", &f), To: httpx.QueryTime(q, "to", &f), Before: q.Get("cursor"), Limit: limit}
	return query, f.Err()
}

func (s *Service) listEvents(r *http.Request) (EventList, error) {
	query, err := queryOf(r)
	if err != nil {
		return EventList{}, err
	}
	events, next, err := s.List(r.Context(), query)
	return EventList{events, next}, err
}

// PointList is the list's map: its points, and whether there were more.
type PointList struct {
	Items  []MapPoint `json:"items"`
	Capped bool       `json:"capped"`
	Max    int        `json:"max"`
}

func (s *Service) points(r *http.Request) (PointList, error) {
	query, err := queryOf(r)
	if err != nil {
		return PointList{}, err
	}
	pts, capped, err := s.Points(r.Context(), query)
	return PointList{pts, capped, MaxMapPoints}, err
}

// exportEvents answers the list as an xlsx file. The file is made whole
// before anything is written, so an error still answers as problem+json.
func (s *Service) exportEvents(w http.ResponseWriter, r *http.Request) error {
	query, err := queryOf(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := s.WriteList(r.Context(), &buf, query, i18n.Lang(r)); err != nil {
		return err
	}
	name := i18n.T(i18n.Lang(r), "ui.menu.events", nil) + "-" + s.Now().In(Zone).Format("20060102") + ".xlsx"
	httpx.Download(w, name, httpx.XLSX, buf.Bytes())
	return nil
}

// supervisionAccess is who reads the supervision list and its export.
const supervisionAccess = "event.read or event.supervise over the area"

func (s *Service) supervision(r *http.Request) (SupervisionList, error) {
	return s.Supervision(r.Context(), r.URL.Query().Get("org_id"))
}

// exportSupervision answers the supervision list as an xlsx file, made
// whole before anything is written.
func (s *Service) exportSupervision(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if _, err := s.WriteSupervision(r.Context(), &buf, r.URL.Query().Get("org_id"), i18n.Lang(r)); err != nil {
		return err
	}
	name := i18n.T(i18n.Lang(r), "ui.menu.supervision", nil) + "-" + s.Now().In(Zone).Format("20060102") + ".xlsx"
	httpx.Download(w, name, httpx.XLSX, buf.Bytes())
	return nil
}

func (s *Service) getEvent(r *http.Request) (Event, error) {
	return s.Get(r.Context(), r.PathValue("id"))
}

func (s *Service) act(r *http.Request, in Action) (Event, error) {
	return s.Act(r.Context(), r.PathValue("id"), in)
}

// createEvent answers a report; a replay is marked Idempotent-Replayed.
func (s *Service) createEvent(w http.ResponseWriter, r *http.Request) error {
	var in Report
	if err := httpx.Decode(r, &in, 0); err != nil {
		return err
	}
	key, err := requestKey(r, "user:"+authz.From(r.Context()).UserID, in)
	if err != nil {
		return err
	}
	e, replay, err := s.Create(r.Context(), in, key)
	return created(w, e, replay, err)
}

// requestKey is the Idempotency-Key of a request, scoped, with the
// fingerprint of its parsed body in.
func requestKey(r *http.Request, scope string, in any) (Idempotency, error) {
	key := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", key); err != nil {
		return Idempotency{}, err
	}
	return Idempotency{Scope: scope, Key: key, Fingerprint: idem.Fingerprint(in)}, nil
}

// created answers 201 with the event, marking a replay.
func created(w http.ResponseWriter, e Event, replay bool, err error) error {
	if err != nil {
		return err
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.JSON(w, http.StatusCreated, e)
	return nil
}
