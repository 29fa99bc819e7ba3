package visit

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
)

// Items is a list answer.
type Items[T any] struct {
	Items []T `json:"items"`
}

// ItemsInput adds items to a reception day.
type ItemsInput struct {
	Items []ItemInput `json:"items"`
}

// receivers may record reception days: who staffs them (gridwork.do) and
// the centres (gridwork.steer); the service checks the area.
const receivers = "holders of gridwork.do or gridwork.steer over the village"

// Routes are the visits' and reception days' endpoints.
func (s *Service) Routes() []httpx.Route {
	taskFilters := []httpx.Param{{Name: "org_id", In: "query"}, {Name: "light", In: "query", Desc: "green, yellow (due today or tomorrow), red (overdue) or done"},
		{Name: "status", In: "query", Desc: "open (default) or done"}, {Name: "kind", In: "query", Desc: "the trigger"}, {Name: "limit", In: "query", Type: "integer"}}
	recordFilters := []httpx.Param{{Name: "org_id", In: "query"}, {Name: "from", In: "query", Desc: "YYYY-MM-DD"}, {Name: "to", In: "query", Desc: "YYYY-MM-DD"},
		{Name: "limit", In: "query", Type: "integer"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/visit-triggers", Tag: "visit", Summary: "The visit triggers (八必访) that hold at an area, every kind",
			Perm: authz.GridworkRead, Params: []httpx.Param{{Name: "org_id", In: "query"}}, Do: httpx.Get(s.triggers)},
		{Method: "POST", Path: "/api/v1/visit-triggers", Tag: "visit", Summary: "Set one visit trigger of an area: on or off, days due, days between visits",
			Perm: authz.GridworkSteer, Do: httpx.Call(s.setTrigger)},
		{Method: "GET", Path: "/api/v1/visit-tasks", Tag: "visit", Summary: "The visit tasks of the caller's areas with their lights and counts",
			Perm: authz.GridworkRead, Params: taskFilters, Do: httpx.Get(s.tasksOf)},
		{Method: "GET", Path: "/api/v1/visit-tasks/mine", Tag: "visit", Summary: "The visit tasks on the caller's own list",
			Perm: authz.GridworkDo, Params: taskFilters, Do: httpx.Get(s.myTasks)},
		{Method: "GET", Path: "/api/v1/visits", Tag: "visit", Summary: "Visit records of the caller's areas, newest first (notes left out)",
			Perm: authz.GridworkRead, Params: recordFilters, Do: httpx.Get(s.records)},
		{Method: "GET", Path: "/api/v1/visits/mine", Tag: "visit", Summary: "The caller's own visit records with their notes",
			Perm: authz.GridworkDo, Params: recordFilters, Do: httpx.Get(s.myRecords)},
		{Method: "POST", Path: "/api/v1/visits", Tag: "visit", Summary: "Record a visit (入户走访), closing its task; follow-ups become events or dispute cases. Takes an Idempotency-Key",
			Perm: authz.GridworkDo, Status: 201, Do: httpx.Call(s.recordVisit)},
		{Method: "POST", Path: "/api/v1/visits/{id}", Tag: "visit", Summary: "Correct a visit record; a stale version answers 409 with the current record",
			Perm: authz.GridworkDo, Do: httpx.Call(s.updateVisit)},
		{Method: "GET", Path: "/api/v1/receptions", Tag: "visit", Summary: "Reception days (周三接待日) of the caller's areas with their outcomes' counts",
			Access: receivers + ", or gridwork.read", Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "from", In: "query"}, {Name: "to", In: "query"}},
			Do: httpx.Get(s.receptions)},
		{Method: "POST", Path: "/api/v1/receptions", Tag: "visit", Summary: "Record a reception day with who came and what they raised; items become events or dispute cases. Takes an Idempotency-Key",
			Access: receivers, Status: 201, Do: httpx.Call(s.createReception)},
		{Method: "GET", Path: "/api/v1/receptions/{id}", Tag: "visit", Summary: "A reception day with its items (names and phones masked)",
			Access: receivers + ", or gridwork.read", Do: httpx.Get(s.reception1)},
		{Method: "POST", Path: "/api/v1/reception-items/{id}/reveal", Tag: "visit", Summary: "Show a visitor's phone in full, with a reason (audited)",
			Perm: authz.PersonalReveal, Do: httpx.Call(s.reveal)},
		{Method: "POST", Path: "/api/v1/receptions/{id}/items", Tag: "visit", Summary: "Add who came to a reception day. Takes an Idempotency-Key",
			Access: receivers, Do: httpx.Call(s.addItems)},
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func taskQuery(r *http.Request) TaskQuery {
	q := r.URL.Query()
	return TaskQuery{OrgID: q.Get("org_id"), Status: q.Get("status"), Light: q.Get("light"), Kind: q.Get("kind"), Limit: atoi(q.Get("limit"))}
}

func recordQuery(r *http.Request, mine bool) RecordQuery {
	q := r.URL.Query()
	return RecordQuery{OrgID: q.Get("org_id"), From: q.Get("from"), To: q.Get("to"), Limit: atoi(q.Get("limit")), Mine: mine}
}

// key is the Idempotency-Key of a creating write from the phone, scoped to
// the caller and the kind of write.
func key(r *http.Request, kind string, in any) (idem.Key, error) {
	k := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", k); err != nil {
		return idem.Key{}, err
	}
	return idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":" + kind, Key: k, Fingerprint: idem.Fingerprint(in)}, nil
}

func (s *Service) triggers(r *http.Request) (Items[Trigger], error) {
	ts, err := s.Triggers(r.Context(), r.URL.Query().Get("org_id"))
	return Items[Trigger]{Items: ts}, err
}

func (s *Service) setTrigger(r *http.Request, in TriggerInput) (Trigger, error) {
	return s.SetTrigger(r.Context(), in)
}

func (s *Service) tasksOf(r *http.Request) (TaskList, error) {
	return s.Tasks(r.Context(), taskQuery(r))
}

func (s *Service) myTasks(r *http.Request) (TaskList, error) {
	return s.MyTasks(r.Context(), taskQuery(r))
}

func (s *Service) records(r *http.Request) (Items[Record], error) {
	rs, err := s.Records(r.Context(), recordQuery(r, false))
	return Items[Record]{Items: rs}, err
}

func (s *Service) myRecords(r *http.Request) (Items[Record], error) {
	rs, err := s.Records(r.Context(), recordQuery(r, true))
	return Items[Record]{Items: rs}, err
}

func (s *Service) recordVisit(r *http.Request, in VisitInput) (Record, error) {
	k, err := key(r, "visit", in)
	if err != nil {
		return Record{}, err
	}
	return s.RecordVisit(r.Context(), in, k)
}

func (s *Service) updateVisit(r *http.Request, in VisitPatch) (Record, error) {
	return s.UpdateVisit(r.Context(), r.PathValue("id"), in)
}

func (s *Service) receptions(r *http.Request) (Items[Reception], error) {
	q := r.URL.Query()
	rs, err := s.Receptions(r.Context(), q.Get("org_id"), q.Get("from"), q.Get("to"))
	return Items[Reception]{Items: rs}, err
}

func (s *Service) createReception(r *http.Request, in ReceptionInput) (Reception, error) {
	k, err := key(r, "reception", in)
	if err != nil {
		return Reception{}, err
	}
	return s.CreateReception(r.Context(), in, k)
}

func (s *Service) reception1(r *http.Request) (Reception, error) {
	return s.Reception(r.Context(), r.PathValue("id"))
}

func (s *Service) addItems(r *http.Request, in ItemsInput) (Reception, error) {
	k, err := key(r, "reception_items", in)
	if err != nil {
		return Reception{}, err
	}
	return s.AddItems(r.Context(), r.PathValue("id"), in.Items, k)
}

func (s *Service) reveal(r *http.Request, in RevealInput) (Revealed, error) {
	return s.RevealPhone(r.Context(), r.PathValue("id"), in)
}
