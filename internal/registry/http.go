package registry

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// SearchInput is a search; it travels in a body because names are personal.
type SearchInput struct {
	Q     string `json:"q"`
	Limit int    `json:"limit,omitempty"`
}

// LookupInput is an exact lookup by ID number or phone.
type LookupInput struct {
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// StatusInput moves a person out, back in, or records a death.
type StatusInput struct {
	Status  string `json:"status"`
	Version int    `json:"version"` // the version read; a stale one answers 409
}

var listParams = []httpx.Param{{Name: "org_id", In: "query"}, {Name: "grid_id", In: "query"}, {Name: "kind", In: "query"},
	{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}}

func listQuery(r *http.Request) ListQuery {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	return ListQuery{OrgID: q.Get("org_id"), GridID: q.Get("grid_id"), Kind: q.Get("kind"), Q: q.Get("q"), After: q.Get("cursor"), Limit: limit}
}

// decodeThen decodes a JSON body into a fresh In and calls fn with it.
func decodeThen[In, Out any](fn func(r *http.Request, in In) (Out, error)) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := httpx.Decode(r, &in, 0); err != nil {
			return err
		}
		out, err := fn(r, in)
		return httpx.Reply(w, out, err)
	}
}

// Routes registers the register endpoints.
func (s *Service) Routes(rt *httpx.Router) {
	s.peopleRoutes(rt)
	s.ledgerRoutes(rt)
	s.keyPersonRoutes(rt)
	s.importRoutes(rt)
	s.exportRoutes(rt)
	s.settingsRoutes(rt)
	s.campaignRoutes(rt)
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/registry/search", Tag: "registry", Summary: "Chinese full-text search over the registers",
		Perm: authz.RegistryRead, In: SearchInput{}, Out: Page[Hit]{}, Handler: decodeThen(func(r *http.Request, in SearchInput) (Page[Hit], error) {
			hits, err := s.Search(r.Context(), in.Q, in.Limit)
			return Page[Hit]{Items: hits}, err
		})})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/registry/summary", Tag: "registry", Summary: "Register totals of an area and its child areas",
		Perm: authz.RegistryRead, Params: []httpx.Param{{Name: "org_id", In: "query"}}, Out: Summary{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			sum, err := s.Summary(r.Context(), r.URL.Query().Get("org_id"))
			return httpx.Reply(w, sum, err)
		}})
	s.duplicateRoutes(rt)
}

func (s *Service) peopleRoutes(rt *httpx.Router) {
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/people", Tag: "registry", Summary: "People in scope (masked)", Perm: authz.RegistryRead,
		Params: append(listParams, httpx.Param{Name: "status", In: "query"}, httpx.Param{Name: "left_behind", In: "query"},
			httpx.Param{Name: "name", In: "query", Desc: "name prefix"}),
		Out: Page[Person]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			q, lq := r.URL.Query(), listQuery(r)
			people, next, err := s.ListPeople(r.Context(), PeopleQuery{OrgID: lq.OrgID, GridID: lq.GridID, Kind: lq.Kind, Status: q.Get("status"),
				LeftBehind: q.Get("left_behind"), Name: q.Get("name"), After: lq.After, Limit: lq.Limit})
			return httpx.Reply(w, Page[Person]{people, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/people", Tag: "registry", Summary: "Add a person", Perm: authz.RegistryWrite,
		In: PersonInput{}, Out: Person{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in PersonInput
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			p, err := s.CreatePerson(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, http.StatusCreated, p)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/people/lookup", Tag: "registry", Summary: "Find people by exact ID number or phone (personal.lookup; audited, 20 per 10 minutes and 100 per day per user)",
		Perm: authz.PersonalLookup, In: LookupInput{}, Out: Page[Person]{}, Handler: decodeThen(func(r *http.Request, in LookupInput) (Page[Person], error) {
			people, err := s.Lookup(r.Context(), in.IDNumber, in.Phone)
			return Page[Person]{Items: people}, err
		})})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/people/{id}", Tag: "registry", Summary: "A person's page (audited read)",
		Perm: authz.RegistryRead, Out: Person{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			p, err := s.GetPerson(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, p, err)
		}})
	rt.Handle(httpx.Route{Method: "PUT", Path: "/api/v1/people/{id}", Tag: "registry", Summary: "Change a person (version checked)",
		Perm: authz.RegistryWrite, In: PersonInput{}, Out: Person{}, Handler: decodeThen(func(r *http.Request, in PersonInput) (Person, error) {
			return s.UpdatePerson(r.Context(), r.PathValue("id"), in)
		})})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/people/{id}/status", Tag: "registry", Summary: "Move out, move back in, or record a death (version checked)",
		Perm: authz.RegistryWrite, In: StatusInput{}, Out: Person{}, Handler: decodeThen(func(r *http.Request, in StatusInput) (Person, error) {
			return s.SetStatus(r.Context(), r.PathValue("id"), in.Status, in.Version)
		})})
	rt.Handle(httpx.Route{Method: "DELETE", Path: "/api/v1/people/{id}", Tag: "registry", Summary: "Delete a person for good (secure delete)",
		Perm: authz.RegistryWrite, Status: 204, Handler: func(w http.ResponseWriter, r *http.Request) error {
			if err := s.DeletePerson(r.Context(), r.PathValue("id")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/people/{id}/reveal", Tag: "registry", Summary: "Show full personal values, with a reason (audited)",
		Perm: authz.PersonalReveal, In: RevealInput{}, Out: Revealed{}, Handler: decodeThen(func(r *http.Request, in RevealInput) (Revealed, error) {
			return s.Reveal(r.Context(), r.PathValue("id"), in)
		})})
}

func (s *Service) ledgerRoutes(rt *httpx.Router) {
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/households", Tag: "registry", Summary: "Households in scope", Perm: authz.RegistryRead,
		Params: listParams, Out: Page[Household]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			hs, next, err := s.ListHouseholds(r.Context(), listQuery(r))
			return httpx.Reply(w, Page[Household]{hs, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/houses", Tag: "registry", Summary: "Houses in scope (kind: purpose, e.g. rental)", Perm: authz.RegistryRead,
		Params: listParams, Out: Page[House]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			hs, next, err := s.ListHouses(r.Context(), listQuery(r))
			return httpx.Reply(w, Page[House]{hs, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/addresses", Tag: "registry", Summary: "Standard addresses (一标) in scope (q: text contains)",
		Perm: authz.RegistryRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "grid_id", In: "query"}, {Name: "q", In: "query", Desc: "text contains"},
			{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
		Out: Page[Address]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			as, next, err := s.ListAddresses(r.Context(), listQuery(r))
			return httpx.Reply(w, Page[Address]{as, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/register-units", Tag: "registry", Summary: "Units (enterprises, shops, organisations) in scope",
		Perm: authz.RegistryRead, Params: listParams, Out: Page[Unit]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			us, next, err := s.ListUnits(r.Context(), listQuery(r))
			return httpx.Reply(w, Page[Unit]{us, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/households/{id}", Tag: "registry", Summary: "A household with its members (audited read)",
		Perm: authz.RegistryRead, Out: Household{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			h, err := s.GetHousehold(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, h, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/houses/{id}", Tag: "registry", Summary: "A house with the people living there (audited read)",
		Perm: authz.RegistryRead, Out: House{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			h, err := s.GetHouse(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, h, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/addresses/{id}", Tag: "registry", Summary: "A standard address with the houses and units at it (audited read)",
		Perm: authz.RegistryRead, Out: Address{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			a, err := s.GetAddress(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, a, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/register-units/{id}", Tag: "registry", Summary: "A unit with its staff",
		Perm: authz.RegistryRead, Out: Unit{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			u, err := s.GetUnit(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, u, err)
		}})
	for _, m := range []struct{ method, path string }{{"POST", ""}, {"PUT", "/{id}"}} {
		status := 200
		if m.method == "POST" {
			status = 201
		}
		save := func(w http.ResponseWriter, v any, err error) error {
			if err != nil {
				return err
			}
			httpx.JSON(w, status, v)
			return nil
		}
		rt.Handle(httpx.Route{Method: m.method, Path: "/api/v1/households" + m.path, Tag: "registry", Summary: "Add or change a household",
			Perm: authz.RegistryWrite, In: HouseholdInput{}, Out: Household{}, Status: status, Handler: func(w http.ResponseWriter, r *http.Request) error {
				var in HouseholdInput
				if err := httpx.Decode(r, &in, 0); err != nil {
					return err
				}
				h, err := s.SaveHousehold(r.Context(), r.PathValue("id"), in)
				return save(w, h, err)
			}})
		rt.Handle(httpx.Route{Method: m.method, Path: "/api/v1/houses" + m.path, Tag: "registry", Summary: "Add or change a house",
			Perm: authz.RegistryWrite, In: HouseInput{}, Out: House{}, Status: status, Handler: func(w http.ResponseWriter, r *http.Request) error {
				var in HouseInput
				if err := httpx.Decode(r, &in, 0); err != nil {
					return err
				}
				h, err := s.SaveHouse(r.Context(), r.PathValue("id"), in)
				return save(w, h, err)
			}})
		rt.Handle(httpx.Route{Method: m.method, Path: "/api/v1/addresses" + m.path, Tag: "registry", Summary: "Add or change a standard address",
			Perm: authz.RegistryWrite, In: AddressInput{}, Out: Address{}, Status: status, Handler: func(w http.ResponseWriter, r *http.Request) error {
				var in AddressInput
				if err := httpx.Decode(r, &in, 0); err != nil {
					return err
				}
				a, err := s.SaveAddress(r.Context(), r.PathValue("id"), in)
				return save(w, a, err)
			}})
		rt.Handle(httpx.Route{Method: m.method, Path: "/api/v1/register-units" + m.path, Tag: "registry", Summary: "Add or change a unit",
			Perm: authz.RegistryWrite, In: UnitInput{}, Out: Unit{}, Status: status, Handler: func(w http.ResponseWriter, r *http.Request) error {
				var in UnitInput
				if err := httpx.Decode(r, &in, 0); err != nil {
					return err
				}
				u, err := s.SaveUnit(r.Context(), r.PathValue("id"), in)
				return save(w, u, err)
			}})
	}
}

func (s *Service) keyPersonRoutes(rt *httpx.Router) {
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/key-persons", Tag: "registry", Summary: "Key persons of the categories the caller is granted",
		Perm: authz.KeyPersonRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "grid_id", In: "query", Desc: "the person's grid"},
			{Name: "category", In: "query"}, {Name: "risk", In: "query"},
			{Name: "light", In: "query", Desc: "visit light: red (overdue), yellow (due soon), green"}, {Name: "mine", In: "query", Type: "boolean"},
			{Name: "due_within_days", In: "query", Type: "integer"}, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
		Out: Page[KeyPerson]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			limit, _ := strconv.Atoi(q.Get("limit"))
			due, _ := strconv.Atoi(q.Get("due_within_days"))
			ks, next, err := s.KeyPersons(r.Context(), KeyPersonQuery{OrgID: q.Get("org_id"), GridID: q.Get("grid_id"), Category: q.Get("category"), Risk: q.Get("risk"),
				Light: q.Get("light"), Mine: q.Get("mine") == "true", DueWithinDays: due, After: q.Get("cursor"), Limit: limit})
			return httpx.Reply(w, Page[KeyPerson]{ks, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/key-persons", Tag: "registry", Summary: "Register a key person", Perm: authz.KeyPersonWrite,
		In: KeyPersonInput{}, Out: KeyPerson{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in KeyPersonInput
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			k, err := s.CreateKeyPerson(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, http.StatusCreated, k)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/key-persons/responsible-candidates", Tag: "registry",
		Summary: "Accounts that may be named responsible for a new key person of a category", Perm: authz.KeyPersonWrite,
		Params: []httpx.Param{{Name: "person_id", In: "query"}, {Name: "category", In: "query"}}, Out: Page[Candidate]{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			cs, err := s.ResponsibleCandidates(r.Context(), r.URL.Query().Get("person_id"), r.URL.Query().Get("category"))
			return httpx.Reply(w, Page[Candidate]{Items: cs}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/key-persons/{id}/responsible-candidates", Tag: "registry",
		Summary: "Accounts that may be named responsible for a key person", Perm: authz.KeyPersonWrite, Out: Page[Candidate]{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			cs, err := s.KeyPersonCandidates(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, Page[Candidate]{Items: cs}, err)
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/key-persons/{id}", Tag: "registry", Summary: "A key person's shared record (audited read)",
		Perm: authz.KeyPersonRead, Out: KeyPerson{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			k, err := s.GetKeyPerson(r.Context(), r.PathValue("id"))
			return httpx.Reply(w, k, err)
		}})
	rt.Handle(httpx.Route{Method: "PATCH", Path: "/api/v1/key-persons/{id}", Tag: "registry", Summary: "Change risk level, responsible member or status",
		Perm: authz.KeyPersonWrite, In: KeyPersonPatch{}, Out: KeyPerson{}, Handler: decodeThen(func(r *http.Request, in KeyPersonPatch) (KeyPerson, error) {
			return s.PatchKeyPerson(r.Context(), r.PathValue("id"), in)
		})})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/key-persons/{id}/visits", Tag: "registry", Summary: "Record a visit or follow-up",
		Perm: authz.KeyPersonWrite, In: VisitInput{}, Out: Visit{}, Handler: decodeThen(func(r *http.Request, in VisitInput) (Visit, error) {
			return s.AddVisit(r.Context(), r.PathValue("id"), in)
		})})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/care-targets", Tag: "registry", Summary: "Care targets in scope (kind: care kind; grid: the person's)",
		Perm: authz.RegistryRead, Params: append(listParams, httpx.Param{Name: "status", In: "query", Desc: "active (default) or ended"}),
		Out: Page[CareTarget]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			cs, next, err := s.CareTargets(r.Context(), CareTargetQuery{listQuery(r), r.URL.Query().Get("status")})
			return httpx.Reply(w, Page[CareTarget]{cs, next}, err)
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/care-targets", Tag: "registry", Summary: "Add a care target", Perm: authz.RegistryWrite,
		In: CareTargetInput{}, Out: CareTarget{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in CareTargetInput
			if err := httpx.Decode(r, &in, 0); err != nil {
				return err
			}
			c, err := s.CreateCareTarget(r.Context(), in)
			if err != nil {
				return err
			}
			httpx.JSON(w, http.StatusCreated, c)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/care-targets/{id}/status", Tag: "registry", Summary: "End a care target with a reason, or re-open it (version checked)",
		Perm: authz.RegistryWrite, In: CareTargetStatus{}, Out: CareTarget{}, Handler: decodeThen(func(r *http.Request, in CareTargetStatus) (CareTarget, error) {
			return s.SetCareTargetStatus(r.Context(), r.PathValue("id"), in)
		})})
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/care-targets/{id}/services", Tag: "registry", Summary: "Record a service to a care target",
		Perm: authz.RegistryWrite, In: VisitInput{}, Out: Visit{}, Handler: decodeThen(func(r *http.Request, in VisitInput) (Visit, error) {
			return s.AddCareService(r.Context(), r.PathValue("id"), in)
		})})
}
