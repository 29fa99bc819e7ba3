package psych

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Routes are the psychological-protection endpoints: all but the grid
// member's colours need pii.sensitive.psych over the person's area.
func (s *Service) Routes() []httpx.Route {
	step := func(path, summary string, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: "POST", Path: "/api/v1/psych/records/{id}/" + path, Tag: "psych", Summary: summary, Perm: authz.SensitivePsych, Do: do}
	}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/psych/records", Tag: "psych", Summary: "三级三色: the protection records of the caller's area, red first (audited read)",
			Perm: authz.SensitivePsych, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "level", In: "query", Desc: "1, 2, 3"}}, Do: httpx.Get(s.list)},
		{Method: "POST", Path: "/api/v1/psych/records", Tag: "psych", Summary: "Open the protection record of a person of a special group, with the first assessment",
			Perm: authz.SensitivePsych, Status: 201, Do: httpx.Call(s.create)},
		{Method: "GET", Path: "/api/v1/psych/records/{id}", Tag: "psych", Summary: "A protection record with its assessments, counselling and referrals (audited read)",
			Perm: authz.SensitivePsych, Do: httpx.Get(s.get)},
		step("assessments", "Reassess the level (version checked); the visit frequency follows", httpx.Call(s.assess)),
		step("counselling", "Record a free counselling session", httpx.Call(s.counselling)),
		step("referrals", "Record a referral to a hospital or mental-health service", httpx.Call(s.referral)),
		step("close", "Close a record with a reason (version checked); it is deleted when the retention has passed", httpx.Call(s.close)),
		{Method: "GET", Path: "/api/v1/psych/settings", Tag: "psych", Summary: "How long a closed protection record is kept",
			Perm: authz.SecurityRead, Do: httpx.Get(s.getSettings)},
		{Method: "PUT", Path: "/api/v1/psych/settings", Tag: "psych", Summary: "Change how long a closed protection record is kept",
			Perm: authz.SecurityWrite, Do: httpx.Call(s.saveSettings)},
		{Method: "GET", Path: "/api/v1/psych/visits", Tag: "psych", Summary: "The grid member's own grids: whom to visit, the colour and how often (no more; audited)",
			Perm: authz.GridworkDo, Do: httpx.Get(s.visits)},
	}
}

func (s *Service) list(r *http.Request) (Page[Record], error) {
	q := r.URL.Query()
	out, err := s.List(r.Context(), q.Get("org_id"), q.Get("level"))
	return Page[Record]{Items: out}, err
}
func (s *Service) create(r *http.Request, in NewRecord) (Record, error) {
	return s.Create(r.Context(), in)
}
func (s *Service) get(r *http.Request) (Record, error) { return s.Get(r.Context(), r.PathValue("id")) }
func (s *Service) assess(r *http.Request, in Assessment) (Record, error) {
	return s.Assess(r.Context(), r.PathValue("id"), in)
}
func (s *Service) counselling(r *http.Request, in Session) (Record, error) {
	return s.AddSession(r.Context(), r.PathValue("id"), "counselling", in)
}
func (s *Service) referral(r *http.Request, in Session) (Record, error) {
	return s.AddSession(r.Context(), r.PathValue("id"), "referral", in)
}
func (s *Service) visits(r *http.Request) (Page[Visit], error) {
	out, err := s.Visits(r.Context())
	return Page[Visit]{Items: out}, err
}
func (s *Service) close(r *http.Request, in CloseInput) (Record, error) {
	return s.Close(r.Context(), r.PathValue("id"), in)
}
func (s *Service) getSettings(r *http.Request) (Settings, error) { return s.Settings(r.Context()) }
func (s *Service) saveSettings(r *http.Request, in Settings) (Settings, error) {
	return s.SaveSettings(r.Context(), in)
}
