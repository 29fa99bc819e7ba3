package keyperson

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/registry"
)

// Routes are the key-person, care-target and person-page endpoints.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/people/{id}", Tag: "registry", Summary: "A person's page (audited read)",
			Perm: authz.RegistryRead, Do: httpx.Get(s.getPerson)},
		{Method: "GET", Path: "/api/v1/key-persons", Tag: "registry", Summary: "Key persons of the categories the caller is granted",
			Perm: authz.KeyPersonRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "grid_id", In: "query", Desc: "the person's grid"},
				{Name: "category", In: "query"}, {Name: "risk", In: "query"},
				{Name: "light", In: "query", Desc: "visit light: red (overdue), yellow (due soon), green"}, {Name: "mine", In: "query", Type: "boolean"},
				{Name: "due_within_days", In: "query", Type: "integer"}, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
			Do: httpx.Get(s.listKeyPersons)},
		{Method: "POST", Path: "/api/v1/key-persons", Tag: "registry", Summary: "Register a key person", Perm: authz.KeyPersonWrite,
			Status: 201, Do: httpx.Call(s.createKeyPerson)},
		{Method: "GET", Path: "/api/v1/key-persons/responsible-candidates", Tag: "registry",
			Summary: "Accounts that may be named responsible for a new key person of a category", Perm: authz.KeyPersonWrite,
			Params: []httpx.Param{{Name: "person_id", In: "query"}, {Name: "category", In: "query"}}, Do: httpx.Get(s.newCandidates)},
		{Method: "GET", Path: "/api/v1/key-persons/{id}/responsible-candidates", Tag: "registry",
			Summary: "Accounts that may be named responsible for a key person", Perm: authz.KeyPersonWrite, Do: httpx.Get(s.candidatesOf)},
		{Method: "GET", Path: "/api/v1/key-persons/{id}", Tag: "registry", Summary: "A key person's shared record (audited read)",
			Perm: authz.KeyPersonRead, Do: httpx.Get(s.getKeyPerson)},
		{Method: "PATCH", Path: "/api/v1/key-persons/{id}", Tag: "registry", Summary: "Change risk level, responsible member or status",
			Perm: authz.KeyPersonWrite, Do: httpx.Call(s.patchKeyPerson)},
		{Method: "POST", Path: "/api/v1/key-persons/{id}/visits", Tag: "registry", Summary: "Record a visit or follow-up",
			Perm: authz.KeyPersonWrite, Do: httpx.Call(s.addVisit)},
		{Method: "GET", Path: "/api/v1/care-targets", Tag: "registry", Summary: "Care targets in scope (kind: care kind; grid: the person's)",
			Perm: authz.RegistryRead, Params: append(registry.ListParams(), httpx.Param{Name: "status", In: "query", Desc: "active (default) or ended"}),
			Do: httpx.Get(s.listCareTargets)},
		{Method: "POST", Path: "/api/v1/care-targets", Tag: "registry", Summary: "Add a care target", Perm: authz.RegistryWrite,
			Status: 201, Do: httpx.Call(s.createCareTarget)},
		{Method: "POST", Path: "/api/v1/care-targets/{id}/status", Tag: "registry", Summary: "End a care target with a reason, or re-open it (version checked)",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.setCareTargetStatus)},
		{Method: "POST", Path: "/api/v1/care-targets/{id}/services", Tag: "registry", Summary: "Record a service to a care target",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.addCareService)},
	}
}

func (s *Service) getPerson(r *http.Request) (PersonPage, error) {
	return s.GetPerson(r.Context(), r.PathValue("id"))
}

func (s *Service) listKeyPersons(r *http.Request) (registry.Page[KeyPerson], error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	due, _ := strconv.Atoi(q.Get("due_within_days"))
	ks, next, err := s.KeyPersons(r.Context(), KeyPersonQuery{OrgID: q.Get("org_id"), GridID: q.Get("grid_id"), Category: q.Get("category"), Risk: q.Get("risk"),
		Light: q.Get("light"), Mine: q.Get("mine") == "true", DueWithinDays: due, After: q.Get("cursor"), Limit: limit})
	return registry.Page[KeyPerson]{Items: ks, NextCursor: next}, err
}

func (s *Service) createKeyPerson(r *http.Request, in KeyPersonInput) (KeyPerson, error) {
	return s.CreateKeyPerson(r.Context(), in)
}

func (s *Service) newCandidates(r *http.Request) (registry.Page[Candidate], error) {
	cs, err := s.ResponsibleCandidates(r.Context(), r.URL.Query().Get("person_id"), r.URL.Query().Get("category"))
	return registry.Page[Candidate]{Items: cs}, err
}

func (s *Service) candidatesOf(r *http.Request) (registry.Page[Candidate], error) {
	cs, err := s.KeyPersonCandidates(r.Context(), r.PathValue("id"))
	return registry.Page[Candidate]{Items: cs}, err
}

func (s *Service) getKeyPerson(r *http.Request) (KeyPerson, error) {
	return s.GetKeyPerson(r.Context(), r.PathValue("id"))
}

func (s *Service) patchKeyPerson(r *http.Request, in KeyPersonPatch) (KeyPerson, error) {
	return s.PatchKeyPerson(r.Context(), r.PathValue("id"), in)
}

func (s *Service) addVisit(r *http.Request, in VisitInput) (Visit, error) {
	return s.AddVisit(r.Context(), r.PathValue("id"), in)
}

func (s *Service) listCareTargets(r *http.Request) (registry.Page[CareTarget], error) {
	cs, next, err := s.CareTargets(r.Context(), CareTargetQuery{registry.ListQueryOf(r), r.URL.Query().Get("status")})
	return registry.Page[CareTarget]{Items: cs, NextCursor: next}, err
}

func (s *Service) createCareTarget(r *http.Request, in CareTargetInput) (CareTarget, error) {
	return s.CreateCareTarget(r.Context(), in)
}

func (s *Service) setCareTargetStatus(r *http.Request, in CareTargetStatus) (CareTarget, error) {
	return s.SetCareTargetStatus(r.Context(), r.PathValue("id"), in)
}

func (s *Service) addCareService(r *http.Request, in VisitInput) (Visit, error) {
	return s.AddCareService(r.Context(), r.PathValue("id"), in)
}
