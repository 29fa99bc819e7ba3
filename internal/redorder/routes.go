package redorder

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
)

// Routes are the red orders' endpoints.
func (s *Service) Routes() []httpx.Route {
	queue := []httpx.Param{{Name: "org_id", In: "query"}, {Name: "branch_id", In: "query"},
		{Name: "status", In: "query", Desc: "open (default), all, or one status"}, {Name: "light", In: "query", Desc: "green, yellow, red, waiting, done"},
		{Name: "limit", In: "query", Type: "integer"}}
	return []httpx.Route{
		{Method: "POST", Path: "/api/v1/red-orders", Tag: "redorder", Summary: "Place a red order (居民点单), or enter one on a resident's behalf (红色代办, with the resident's name and phone). Takes an Idempotency-Key",
			Perm: authz.RedOrderPlace, Status: 201, Do: httpx.Call(s.place1)},
		{Method: "GET", Path: "/api/v1/red-orders/places", Tag: "redorder", Summary: "The grids the caller may place orders in (at most 300), for the phone's picker",
			Perm: authz.RedOrderPlace, Do: httpx.Get(s.places)},
		{Method: "GET", Path: "/api/v1/red-orders/mine", Tag: "redorder", Summary: "The orders the caller placed, newest first",
			Perm: authz.RedOrderPlace, Do: httpx.Get(s.mine)},
		{Method: "GET", Path: "/api/v1/red-orders/tasks", Tag: "redorder", Summary: "A party member's orders: those they may accept (接单) and those they are serving",
			Perm: authz.RedOrderServe, Do: httpx.Get(s.tasks)},
		{Method: "GET", Path: "/api/v1/red-orders/return-visits", Tag: "redorder", Summary: "红色代办 orders served in the caller's grids, waiting for the return visit that confirms them",
			Perm: authz.GridworkDo, Do: httpx.Get(s.returnVisits)},
		{Method: "GET", Path: "/api/v1/red-orders", Tag: "redorder", Summary: "The branches' queue of the caller's areas with lights and counts",
			Perm: authz.RedOrderManage, Params: queue, Do: httpx.Get(s.queue)},
		{Method: "GET", Path: "/api/v1/red-orders/figures", Tag: "redorder", Summary: "Orders, on-time and satisfaction month by month, by branch or member",
			Perm: authz.RedOrderManage, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "by", In: "query", Desc: "branch (default) or member"},
				{Name: "from", In: "query", Desc: "YYYY-MM"}, {Name: "to", In: "query", Desc: "YYYY-MM"}}, Do: httpx.Get(s.figures)},
		{Method: "GET", Path: "/api/v1/red-order-times", Tag: "redorder", Summary: "The county's times to accept and to serve an order",
			Access: "redorder.manage or event.config", Do: httpx.Get(s.times)},
		{Method: "POST", Path: "/api/v1/red-order-times", Tag: "redorder", Summary: "Set the county's times to accept and to serve (version checked)",
			Perm: authz.EventConfig, Do: httpx.Call(s.setTimes)},
		{Method: "GET", Path: "/api/v1/red-orders/{id}", Tag: "redorder", Summary: "An order with its timeline, to its placer, its branch, its members and the return visit",
			Access: "the placer, redorder.manage over its area, a member of its branch, gridwork.do for a 红色代办's return visit", Do: httpx.Get(s.get)},
		{Method: "GET", Path: "/api/v1/red-orders/{id}/assignees", Tag: "redorder", Summary: "The members and groups an order may be given to",
			Perm: authz.RedOrderManage, Do: httpx.Get(s.assignees)},
		{Method: "POST", Path: "/api/v1/red-orders/{id}/assign", Tag: "redorder", Summary: "Give an order to a member or a group of its branch (支部下单)",
			Perm: authz.RedOrderManage, Do: httpx.Call(s.assign)},
		{Method: "POST", Path: "/api/v1/red-orders/{id}/hand-on", Tag: "redorder", Summary: "Hand an order that is not a service on as an event or a dispute case",
			Perm: authz.RedOrderManage, Do: httpx.Call(s.handOn)},
		{Method: "POST", Path: "/api/v1/red-orders/{id}/accept", Tag: "redorder", Summary: "Accept an order of one's branch (党员接单)",
			Perm: authz.RedOrderServe, Do: httpx.Call(s.accept)},
		{Method: "POST", Path: "/api/v1/red-orders/{id}/result", Tag: "redorder", Summary: "Record what was done, with up to three photos (base64)",
			Perm: authz.RedOrderServe, MaxBody: 12 << 20, Do: httpx.Call(s.result)},
		{Method: "POST", Path: "/api/v1/red-orders/{id}/confirm", Tag: "redorder", Summary: "Confirm and rate a served order: its resident, or a grid member's return visit for a 红色代办",
			Access: "the placer of an online order; gridwork.do over the area for a 红色代办", Do: httpx.Call(s.confirm)},
		{Method: "GET", Path: "/api/v1/red-orders/{id}/photos/{seq}", Tag: "redorder", Summary: "A result photo (metadata stripped)",
			Access: "as for the order", OutType: "image/jpeg", Out: []byte{}, Handler: s.servePhoto},
	}
}

func (s *Service) place1(r *http.Request, in PlaceInput) (Order, error) {
	k := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", k); err != nil {
		return Order{}, err
	}
	return s.Place(r.Context(), in, idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":red_order", Key: k, Fingerprint: idem.Fingerprint(in)})
}

func (s *Service) places(r *http.Request) (Places, error)     { return s.Places(r.Context()) }
func (s *Service) mine(r *http.Request) (Page, error)         { return s.Mine(r.Context()) }
func (s *Service) tasks(r *http.Request) (Page, error)        { return s.Tasks(r.Context()) }
func (s *Service) returnVisits(r *http.Request) (Page, error) { return s.ReturnVisits(r.Context()) }

func (s *Service) queue(r *http.Request) (Page, error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	return s.Queue(r.Context(), Query{OrgID: q.Get("org_id"), BranchID: q.Get("branch_id"), Status: q.Get("status"), Light: q.Get("light"), Limit: limit})
}

func (s *Service) figures(r *http.Request) (Figures, error) {
	q := r.URL.Query()
	return s.Figures(r.Context(), q.Get("org_id"), q.Get("by"), q.Get("from"), q.Get("to"))
}

func (s *Service) times(r *http.Request) (Times, error) {
	p := authz.From(r.Context())
	if !p.Has(authz.RedOrderManage) && !p.Has(authz.EventConfig) {
		return Times{}, errForbidden()
	}
	return s.Times(r.Context())
}

func (s *Service) setTimes(r *http.Request, in Times) (Times, error) {
	return s.SetTimes(r.Context(), in)
}
func (s *Service) get(r *http.Request) (Order, error) { return s.Get(r.Context(), r.PathValue("id")) }
func (s *Service) assignees(r *http.Request) (Assignees, error) {
	return s.Members(r.Context(), r.PathValue("id"))
}
func (s *Service) assign(r *http.Request, in AssignInput) (Order, error) {
	return s.Assign(r.Context(), r.PathValue("id"), in)
}
func (s *Service) handOn(r *http.Request, in HandOnInput) (Order, error) {
	return s.HandOn(r.Context(), r.PathValue("id"), in)
}
func (s *Service) accept(r *http.Request, in VersionInput) (Order, error) {
	return s.Accept(r.Context(), r.PathValue("id"), in)
}
func (s *Service) result(r *http.Request, in ResultInput) (Order, error) {
	return s.Result(r.Context(), r.PathValue("id"), in)
}
func (s *Service) confirm(r *http.Request, in ConfirmInput) (Order, error) {
	return s.Confirm(r.Context(), r.PathValue("id"), in)
}

func (s *Service) servePhoto(w http.ResponseWriter, r *http.Request) error {
	seq, _ := strconv.Atoi(r.PathValue("seq"))
	data, ct, err := s.Photo(r.Context(), r.PathValue("id"), seq)
	return photo.Write(w, data, ct, err, false)
}
