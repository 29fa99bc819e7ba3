package callkey

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Routes are the 9-key endpoints: the device platform's call (a key of
// scope callkey), the member's phone (gridwork.do), the centre's console
// (gridwork.read, gridwork.steer).
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Path: "/api/v1/callkey/calls", Tag: "callkey",
			Summary: "9-key device platform: a registered number called; raises an alert pushed to the person's grid member (X-API-Key of scope callkey; Idempotency-Key honoured)",
			Public:  true, In: Call{}, Out: Raised{}, Status: 201,
			Params:  []httpx.Param{{Name: "X-API-Key", In: "header", Required: true}, {Name: "Idempotency-Key", In: "header"}},
			Handler: s.postCall},
		{Method: "GET", Path: "/api/v1/callkey/mine", Tag: "callkey", Summary: "The 9-key alerts on the caller's phone: pushed to them and open, or accepted and not closed",
			Perm: authz.GridworkDo, Do: httpx.Get(s.mine)},
		{Method: "POST", Path: "/api/v1/callkey/alerts/{id}/accept", Tag: "callkey", Summary: "Accept a 9-key alert (接单); 409 when another took it",
			Perm: authz.GridworkDo, Do: httpx.Get(s.accept)},
		{Method: "POST", Path: "/api/v1/callkey/alerts/{id}/arrive", Tag: "callkey", Summary: "Mark arrival at the caller's home (到达)",
			Perm: authz.GridworkDo, Do: httpx.Get(s.arrive)},
		{Method: "POST", Path: "/api/v1/callkey/alerts/{id}/close", Tag: "callkey", Summary: "Close a 9-key alert with a note of what was done",
			Perm: authz.GridworkDo, Do: httpx.Call(s.close)},
		{Method: "GET", Path: "/api/v1/callkey/alerts", Tag: "callkey", Summary: "The 9-key alerts of the caller's area with their times, newest first",
			Perm: authz.GridworkRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "status", In: "query", Desc: "open, closed"},
				{Name: "level", In: "query", Desc: "member, chief, centre"}, {Name: "month", In: "query", Desc: "YYYY-MM raised"}},
			Do: httpx.Get(s.list)},
		{Method: "GET", Path: "/api/v1/callkey/alerts/{id}", Tag: "callkey", Summary: "A 9-key alert with its steps (pushed, escalated, accepted, arrived, closed)",
			Perm: authz.GridworkRead, Do: httpx.Get(s.get)},
		{Method: "GET", Path: "/api/v1/callkey/numbers", Tag: "callkey", Summary: "The registered 9-key numbers of the caller's area (masked)",
			Perm: authz.GridworkRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "all", In: "query", Type: "boolean", Desc: "include ended ones"}},
			Do: httpx.Get(s.numbersRoute)},
		{Method: "POST", Path: "/api/v1/callkey/numbers", Tag: "callkey", Summary: "Register a 9-key number for a care target (sealed, masked)",
			Perm: authz.GridworkSteer, Status: 201, Do: httpx.Call(s.register)},
		{Method: "GET", Path: "/api/v1/callkey/candidates", Tag: "callkey", Summary: "The elderly and disabled care targets of an area, saying which have a 9-key number",
			Perm: authz.GridworkSteer, Params: []httpx.Param{{Name: "org_id", In: "query", Required: true}}, Do: httpx.Get(s.candidates)},
		{Method: "PUT", Path: "/api/v1/callkey/numbers/{id}", Tag: "callkey", Summary: "Change a number's needs or end it (version checked)",
			Perm: authz.GridworkSteer, Do: httpx.Call(s.change)},
		{Method: "GET", Path: "/api/v1/callkey/settings", Tag: "callkey", Summary: "The times to accept that apply at an area (its own or the nearest above)",
			Perm: authz.GridworkRead, Params: []httpx.Param{{Name: "org_id", In: "query", Required: true}}, Do: httpx.Get(s.settings)},
		{Method: "PUT", Path: "/api/v1/callkey/settings", Tag: "callkey", Summary: "Set an area's times to accept before the 网格长 and the centre are called",
			Perm: authz.GridworkSteer, Do: httpx.Call(s.saveSettings)},
	}
}

func (s *Service) postCall(w http.ResponseWriter, r *http.Request) error {
	k, err := apikey.Verify(r.Context(), s.db.Reader(), r.Header.Get("X-API-Key"), apikey.CallKey)
	if err != nil {
		return err
	}
	var in Call
	if err := httpx.Decode(r, &in, 0); err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", key); err != nil {
		return err
	}
	ctx := authz.WithPrincipal(r.Context(), authz.System())
	out, err := s.Raise(ctx, k.Name, in, idem.Key{Scope: "apikey:" + k.ID + ":callkey", Key: key, Fingerprint: idem.Fingerprint(in)})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, out)
	return nil
}

func (s *Service) mine(r *http.Request) (Page[Alert], error) {
	out, err := s.Mine(r.Context())
	return Page[Alert]{Items: out}, err
}

func (s *Service) accept(r *http.Request) (Alert, error) {
	return s.Accept(r.Context(), r.PathValue("id"))
}
func (s *Service) arrive(r *http.Request) (Alert, error) {
	return s.Arrive(r.Context(), r.PathValue("id"))
}
func (s *Service) close(r *http.Request, in CloseInput) (Alert, error) {
	return s.Close(r.Context(), r.PathValue("id"), in)
}
func (s *Service) get(r *http.Request) (Alert, error) { return s.Get(r.Context(), r.PathValue("id")) }

func (s *Service) list(r *http.Request) (Page[Alert], error) {
	q := r.URL.Query()
	out, err := s.List(r.Context(), Query{OrgID: q.Get("org_id"), Status: q.Get("status"), Level: q.Get("level"), Month: q.Get("month")})
	return Page[Alert]{Items: out}, err
}

func (s *Service) numbersRoute(r *http.Request) (Page[Number], error) {
	q := r.URL.Query()
	out, err := s.Numbers(r.Context(), q.Get("org_id"), q.Get("all") == "true")
	return Page[Number]{Items: out}, err
}

func (s *Service) register(r *http.Request, in NumberInput) (Number, error) {
	return s.Register(r.Context(), in)
}
func (s *Service) change(r *http.Request, in NumberChange) (Number, error) {
	return s.ChangeNumber(r.Context(), r.PathValue("id"), in)
}
func (s *Service) settings(r *http.Request) (Settings, error) {
	return s.SettingsOf(r.Context(), r.URL.Query().Get("org_id"))
}
func (s *Service) saveSettings(r *http.Request, in Settings) (Settings, error) {
	return s.SaveSettings(r.Context(), in)
}

func (s *Service) candidates(r *http.Request) (Page[Candidate], error) {
	out, err := s.Candidates(r.Context(), r.URL.Query().Get("org_id"))
	return Page[Candidate]{Items: out}, err
}
