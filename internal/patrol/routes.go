package patrol

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
)

// Routes are the patrol endpoints: the centre's plans and board, the
// member's day and patrols, and the retention setting.
func (s *Service) Routes() []httpx.Route {
	own := "the member who started the patrol (gridwork.do); anyone else is answered not found"
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/patrol/plans", Tag: "patrol", Summary: "The patrol plans (一日三巡) that reach an area, and the windows of a day there",
			Access: "holders of gridwork.read or gridwork.steer over the area",
			Params: []httpx.Param{{Name: "org_id", In: "query", Desc: "the area (the caller's own when absent)"}, {Name: "day", In: "query", Desc: "YYYY-MM-DD, today when absent"}},
			Do:     httpx.Get(s.listPlans)},
		{Method: "PUT", Path: "/api/v1/patrol/plans", Tag: "patrol", Summary: "Set an area's standing patrol windows, or one day's (a stale version answers 409 with the plan as it is)",
			Perm: authz.GridworkSteer, Do: httpx.Call(s.putPlan)},
		{Method: "DELETE", Path: "/api/v1/patrol/plans/{id}", Tag: "patrol", Summary: "Remove a plan: the plans above, or the default three windows, hold again",
			Perm: authz.GridworkSteer, Status: 204, Do: httpx.Get(s.deletePlan)},
		{Method: "GET", Path: "/api/v1/patrol/board", Tag: "patrol", Summary: "The centre's patrol board of an area's day: who is out, last check-ins, windows walked per grid, grids not patrolled",
			Perm:   authz.GridworkRead,
			Params: []httpx.Param{{Name: "org_id", In: "query", Desc: "the area (the caller's own when absent)"}, {Name: "day", In: "query", Desc: "YYYY-MM-DD, today when absent"}},
			Do:     httpx.Get(s.board)},
		{Method: "GET", Path: "/api/v1/patrol/today", Tag: "patrol", Summary: "The caller's patrol day: today's windows, the patrol on, today's patrols",
			Perm: authz.GridworkDo, Do: httpx.Get(s.myDay)},
		{Method: "POST", Path: "/api/v1/patrol/patrols", Tag: "patrol", Summary: "Start a patrol, in one of today's windows or ad hoc (Idempotency-Key)",
			Perm: authz.GridworkDo, Status: 201, Do: httpx.Call(s.start)},
		{Method: "GET", Path: "/api/v1/patrol/patrols/{id}", Tag: "patrol", Summary: "A patrol with its check-ins and reports",
			Access: own + ", or holders of gridwork.read over its area (audited)", Do: httpx.Get(s.get)},
		{Method: "POST", Path: "/api/v1/patrol/patrols/{id}/checkins", Tag: "patrol", Summary: "Check in at a point of one's own patrol: position, phone time, note (Idempotency-Key; late check-ins within the patrol's time are taken)",
			Perm: authz.GridworkDo, Status: 201, Do: httpx.Call(s.checkin)},
		{Method: "POST", Path: "/api/v1/patrol/patrols/{id}/checkins/{point}/photos", Tag: "patrol", Summary: "Attach a photo to a check-in of one's own patrol (multipart: file, and id, the phone's UUID of the photo: sent again, it is stored once); at most three a check-in",
			Perm: authz.GridworkDo, Out: photoID{}, Status: 201, Handler: s.uploadPhoto},
		{Method: "GET", Path: "/api/v1/patrol/patrols/{id}/photos/{photo}", Tag: "patrol", Summary: "A photo of a patrol's check-in (metadata stripped)",
			Access: own + ", or holders of gridwork.read over its area (audited)", OutType: "image/jpeg", Out: []byte{}, Handler: s.servePhoto},
		{Method: "POST", Path: "/api/v1/patrol/patrols/{id}/reports", Tag: "patrol", Summary: "Link an event or a screening finding reported from inside one's own patrol",
			Perm: authz.GridworkDo, Do: httpx.Call(s.link)},
		{Method: "POST", Path: "/api/v1/patrol/patrols/{id}/end", Tag: "patrol", Summary: "End one's own patrol at the phone's time",
			Perm: authz.GridworkDo, Do: httpx.Call(s.end)},
		{Method: "GET", Path: "/api/v1/patrol/settings", Tag: "patrol", Summary: "How long check-in positions are kept",
			Perm: authz.SecurityRead, Do: httpx.Get(s.getSettings)},
		{Method: "PUT", Path: "/api/v1/patrol/settings", Tag: "patrol", Summary: "Set how long check-in positions are kept",
			Perm: authz.SecurityWrite, Do: httpx.Call(s.putSettings)},
	}
}

func (s *Service) listPlans(r *http.Request) (Plans, error) {
	return s.PlansOf(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("day"))
}

func (s *Service) putPlan(r *http.Request, in PlanInput) (Plan, error) {
	return s.SetPlan(r.Context(), in)
}

func (s *Service) deletePlan(r *http.Request) (httpx.None, error) {
	return httpx.None{}, s.DeletePlan(r.Context(), r.PathValue("id"))
}

func (s *Service) board(r *http.Request) (Board, error) {
	return s.BoardOf(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("day"))
}

func (s *Service) myDay(r *http.Request) (Today, error) { return s.MyDay(r.Context()) }

// key reads the request's Idempotency-Key, scoped to the caller and what.
func key(r *http.Request, what string, in any) (idem.Key, error) {
	k := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", k); err != nil {
		return idem.Key{}, err
	}
	return idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":" + what, Key: k, Fingerprint: idem.Fingerprint(in)}, nil
}

func (s *Service) start(r *http.Request, in StartInput) (Patrol, error) {
	k, err := key(r, "patrol_start", in)
	if err != nil {
		return Patrol{}, err
	}
	return s.Start(r.Context(), in, k)
}

func (s *Service) get(r *http.Request) (Patrol, error) {
	return s.Patrol(r.Context(), r.PathValue("id"))
}

func (s *Service) checkin(r *http.Request, in CheckinInput) (Patrol, error) {
	k, err := key(r, "patrol_checkin:"+r.PathValue("id"), in)
	if err != nil {
		return Patrol{}, err
	}
	return s.CheckIn(r.Context(), r.PathValue("id"), in, k)
}

func (s *Service) link(r *http.Request, in LinkInput) (Patrol, error) {
	return s.AddLink(r.Context(), r.PathValue("id"), in)
}

func (s *Service) end(r *http.Request, in EndInput) (Patrol, error) {
	return s.End(r.Context(), r.PathValue("id"), in)
}

func (s *Service) getSettings(r *http.Request) (Settings, error) { return s.Settings(r.Context()) }

func (s *Service) putSettings(r *http.Request, in Settings) (Settings, error) {
	return s.SaveSettings(r.Context(), in)
}
