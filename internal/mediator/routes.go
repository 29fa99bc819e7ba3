package mediator

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Routes are the mediators' endpoints.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/mediators", Tag: "dispute", Summary: "The mediators and 法律明白人 of the caller's areas",
			Perm: authz.DisputeRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "kind", In: "query", Desc: "committee, full_time, legal_helper"},
				{Name: "all", In: "query", Type: "boolean", Desc: "include those who have left"}},
			Do: httpx.Get(s.listRoute)},
		{Method: "POST", Path: "/api/v1/mediators", Tag: "dispute", Summary: "Add a mediator or 法律明白人", Perm: authz.DisputeWrite,
			Status: 201, Do: httpx.Call(s.create)},
		{Method: "PUT", Path: "/api/v1/mediators/{id}", Tag: "dispute", Summary: "Change a mediator, or record that they left (version checked)",
			Perm: authz.DisputeWrite, Do: httpx.Call(s.update)},
		{Method: "POST", Path: "/api/v1/mediators/{id}/reveal", Tag: "dispute", Summary: "A mediator's full phone, for a reason (audited)",
			Perm: authz.PersonalReveal, Do: httpx.Call(s.reveal)},
	}
}

func (s *Service) listRoute(r *http.Request) (regkit.Page[Mediator], error) {
	q := r.URL.Query()
	ms, err := s.List(r.Context(), Query{OrgID: q.Get("org_id"), Kind: q.Get("kind"), All: q.Get("all") == "true"})
	return regkit.Page[Mediator]{Items: ms}, err
}

func (s *Service) create(r *http.Request, in Input) (Mediator, error) {
	return s.Create(r.Context(), in)
}

func (s *Service) update(r *http.Request, in Input) (Mediator, error) {
	return s.Update(r.Context(), r.PathValue("id"), in)
}

func (s *Service) reveal(r *http.Request, in RevealInput) (Revealed, error) {
	return s.RevealPhone(r.Context(), r.PathValue("id"), in)
}
