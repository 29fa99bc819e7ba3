package casework

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/idem"
)

// EventList is a page of events.
type EventList struct {
	Items      []Event `json:"items"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

type items[T any] struct {
	Items []T `json:"items"`
}

// CodeName is a code with its display name.
type CodeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Routes registers the casework endpoints.
func (s *Service) Routes(rt *httpx.Router) {
	s.inboxRoutes(rt)
	s.mediaRoutes(rt)
	s.dashboardRoutes(rt)
	s.configRoutes(rt)
	s.alertRoutes(rt)
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/categories", Tag: "events", Summary: "Event categories with time limits", Access: "any signed-in user (reference data)",
		Out: items[Category]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			cats, err := s.Categories(r.Context())
			return httpx.Reply(w, items[Category]{cats}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/channels", Tag: "events", Summary: "Intake channels", Access: "any signed-in user (reference data)",
		Out: items[CodeName]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			lang := i18n.Lang(r)
			out := make([]CodeName, len(Channels))
			for i, c := range Channels {
				out[i] = CodeName{c, i18n.T(lang, "channel."+c, nil)}
			}
			httpx.JSON(w, 200, items[CodeName]{out})
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/units", Tag: "events", Summary: "Units (centres and departments) serving an area", Access: "units in the caller's org.read scope",
		Params: []httpx.Param{{Name: "org_id", In: "query"}}, Out: items[Unit]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			units, err := s.Units(r.Context(), r.URL.Query().Get("org_id"))
			return httpx.Reply(w, items[Unit]{units}, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/events", Tag: "events", Summary: "Report an event (Idempotency-Key honoured)",
		Perm: authz.EventReport, In: Report{}, Out: Event{}, Status: 201,
		Params:  []httpx.Param{{Name: "Idempotency-Key", In: "header", Desc: "same key + same body → the first answer; other body → 422"}},
		Handler: s.handleCreate})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/events", Tag: "events", Summary: "Events in scope, newest first", Access: "event.read over the area, event.read_unit for one's unit, or one's own reports",
		Params: []httpx.Param{{Name: "state", In: "query", Desc: "a state, or open"}, {Name: "light", In: "query"}, {Name: "category", In: "query"},
			{Name: "channel", In: "query"}, {Name: "org_id", In: "query"}, {Name: "q", In: "query"}, {Name: "mine", In: "query", Type: "boolean"},
			{Name: "rating", In: "query"}, {Name: "resolved_level", In: "query"},
			{Name: "from", In: "query", Desc: "RFC 3339: reported at or after"}, {Name: "to", In: "query", Desc: "RFC 3339: reported before"},
			{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
		Out: EventList{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			limit, _ := strconv.Atoi(q.Get("limit"))
			var f apperr.Fields
			query := Query{State: q.Get("state"), Light: q.Get("light"), Category: q.Get("category"), Channel: q.Get("channel"),
				OrgID: q.Get("org_id"), Q: q.Get("q"), Mine: q.Get("mine") == "true", Rating: q.Get("rating"), ResolvedLevel: q.Get("resolved_level"),
				From: httpx.QueryTime(q, "from", &f), To: httpx.QueryTime(q, "to", &f), Before: q.Get("cursor"), Limit: limit}
			if err := f.Err(); err != nil {
				return err
			}
			events, next, err := s.List(r.Context(), query)
			return httpx.Reply(w, EventList{events, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/events/{id}", Tag: "events", Summary: "One event with units, timeline and possible duplicates", Access: "as for the list",
		Out: Event{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			e, err := s.Get(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, e, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/events/{id}/actions", Tag: "events", Summary: "Take an action of the loop (file, dispatch, sign, …)", Access: "each action's permission (see Actions) on an event the caller sees",
		In: Action{}, Out: Event{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in Action
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			e, err := s.Act(r.Context(), r.PathValue("id"), in)
			return httpx.Reply(w, e, err)
		}})
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
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
