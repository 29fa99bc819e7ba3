package registry

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
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

// ListParams are the query parameters of a register list (ListQueryOf
// reads them).
func ListParams() []httpx.Param {
	return []httpx.Param{{Name: "org_id", In: "query"}, {Name: "grid_id", In: "query"}, {Name: "kind", In: "query"},
		{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}}
}

// ListQueryOf reads a register list's filters from the query.
func ListQueryOf(r *http.Request) ListQuery {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	return ListQuery{OrgID: q.Get("org_id"), GridID: q.Get("grid_id"), Kind: q.Get("kind"), Q: q.Get("q"), After: q.Get("cursor"), Limit: limit,
		CompoundID: q.Get("compound_id"), BuildingID: q.Get("building_id")}
}

// Routes are the register endpoints. A person's page (GET
// /api/v1/people/{id}) is served by package keyperson, which adds the
// records it keeps to GetPerson's.
func (s *Service) Routes() []httpx.Route {
	addressParams := []httpx.Param{{Name: "org_id", In: "query"}, {Name: "grid_id", In: "query"}, {Name: "q", In: "query", Desc: "text contains"},
		{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}}
	idemParam := []httpx.Param{{Name: "Idempotency-Key", In: "header", Desc: "same key + same body → the first answer; other body → 422"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/people", Tag: "registry", Summary: "People in scope (masked)", Perm: authz.RegistryRead,
			Params: append(ListParams(), httpx.Param{Name: "status", In: "query"}, httpx.Param{Name: "left_behind", In: "query"},
				httpx.Param{Name: "name", In: "query", Desc: "name prefix"}),
			Do: httpx.Get(s.listPeople)},
		{Method: "POST", Path: "/api/v1/people", Tag: "registry", Summary: "Add a person, checked as an import row (Idempotency-Key honoured)", Perm: authz.RegistryWrite,
			Params: idemParam, Status: 201, Do: httpx.Call(s.createPerson)},
		{Method: "POST", Path: "/api/v1/people/lookup", Tag: "registry", Summary: "Find people by exact ID number or phone (personal.lookup; audited, 20 per 10 minutes and 100 per day per user)",
			Perm: authz.PersonalLookup, Do: httpx.Call(s.lookup)},
		{Method: "PUT", Path: "/api/v1/people/{id}", Tag: "registry", Summary: "Change a person (version checked)",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.updatePerson)},
		{Method: "POST", Path: "/api/v1/people/{id}/status", Tag: "registry", Summary: "Move out, move back in, or record a death (version checked)",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.setStatus)},
		{Method: "DELETE", Path: "/api/v1/people/{id}", Tag: "registry", Summary: "Delete a person for good (secure delete)",
			Perm: authz.RegistryWrite, Status: 204, Do: httpx.Get(s.deletePerson)},
		{Method: "POST", Path: "/api/v1/people/{id}/reveal", Tag: "registry", Summary: "Show full personal values, with a reason (audited)",
			Perm: authz.PersonalReveal, Do: httpx.Call(s.reveal)},

		{Method: "GET", Path: "/api/v1/households", Tag: "registry", Summary: "Households in scope", Perm: authz.RegistryRead,
			Params: ListParams(), Do: httpx.Get(s.listHouseholds)},
		{Method: "GET", Path: "/api/v1/houses", Tag: "registry", Summary: "Houses in scope (kind: purpose, e.g. rental; a compound's or a building's)",
			Perm: authz.RegistryRead, Params: append(ListParams(), httpx.Param{Name: "compound_id", In: "query"}, httpx.Param{Name: "building_id", In: "query"}),
			Do: httpx.Get(s.listHouses)},
		{Method: "GET", Path: "/api/v1/addresses", Tag: "registry", Summary: "Standard addresses (一标) in scope (q: text contains)",
			Perm: authz.RegistryRead, Params: addressParams, Do: httpx.Get(s.listAddresses)},
		{Method: "GET", Path: "/api/v1/register-units", Tag: "registry", Summary: "Units (enterprises, shops, organisations) in scope",
			Perm: authz.RegistryRead, Params: ListParams(), Do: httpx.Get(s.listUnits)},
		{Method: "GET", Path: "/api/v1/households/{id}", Tag: "registry", Summary: "A household with its members (audited read)",
			Perm: authz.RegistryRead, Do: httpx.Get(s.getHousehold)},
		{Method: "GET", Path: "/api/v1/houses/{id}", Tag: "registry", Summary: "A house with the people living there (audited read)",
			Perm: authz.RegistryRead, Do: httpx.Get(s.getHouse)},
		{Method: "GET", Path: "/api/v1/addresses/{id}", Tag: "registry", Summary: "A standard address with the houses and units at it (audited read)",
			Perm: authz.RegistryRead, Do: httpx.Get(s.getAddress)},
		{Method: "GET", Path: "/api/v1/register-units/{id}", Tag: "registry", Summary: "A unit with its staff",
			Perm: authz.RegistryRead, Do: httpx.Get(s.getUnit)},
		{Method: "POST", Path: "/api/v1/households", Tag: "registry", Summary: "Add a household, checked as an import row (Idempotency-Key honoured)",
			Perm: authz.RegistryWrite, Params: idemParam, Status: 201, Do: httpx.Call(s.createHousehold)},
		{Method: "POST", Path: "/api/v1/houses", Tag: "registry", Summary: "Add a house, checked as an import row (Idempotency-Key honoured)",
			Perm: authz.RegistryWrite, Params: idemParam, Status: 201, Do: httpx.Call(s.createHouse)},
		{Method: "POST", Path: "/api/v1/addresses", Tag: "registry", Summary: "Add or change a standard address",
			Perm: authz.RegistryWrite, Status: 201, Do: httpx.Call(s.saveAddress)},
		{Method: "POST", Path: "/api/v1/register-units", Tag: "registry", Summary: "Add a unit, checked as an import row (Idempotency-Key honoured)",
			Perm: authz.RegistryWrite, Params: idemParam, Status: 201, Do: httpx.Call(s.createUnit)},
		{Method: "PUT", Path: "/api/v1/households/{id}", Tag: "registry", Summary: "Change a household (version checked)",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.saveHousehold)},
		{Method: "PUT", Path: "/api/v1/houses/{id}", Tag: "registry", Summary: "Change a house (version checked)",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.saveHouse)},
		{Method: "PUT", Path: "/api/v1/addresses/{id}", Tag: "registry", Summary: "Add or change a standard address",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.saveAddress)},
		{Method: "PUT", Path: "/api/v1/register-units/{id}", Tag: "registry", Summary: "Change a unit (version checked)",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.saveUnit)},

		{Method: "GET", Path: "/api/v1/registry/settings", Tag: "registry", Summary: "Export approval threshold and retention periods",
			Perm: authz.SecurityRead, Do: httpx.Get(s.getSettings)},
		{Method: "PUT", Path: "/api/v1/registry/settings", Tag: "registry", Summary: "Change the export approval threshold and retention periods",
			Perm: authz.SecurityWrite, Do: httpx.Call(s.saveSettings)},
		{Method: "POST", Path: "/api/v1/registry/search", Tag: "registry", Summary: "Chinese full-text search over the registers",
			Perm: authz.RegistryRead, Do: httpx.Call(s.search)},
		{Method: "GET", Path: "/api/v1/registry/summary", Tag: "registry", Summary: "Register totals of an area and its child areas",
			Perm: authz.RegistryRead, Params: []httpx.Param{{Name: "org_id", In: "query"}}, Do: httpx.Get(s.summary)},
		{Method: "GET", Path: "/api/v1/duplicate-reviews", Tag: "registry", Summary: "Duplicate registrations (重复登记核查) awaiting a decision in my area",
			Perm: authz.RegistryWrite, Params: []httpx.Param{{Name: "status", In: "query", Desc: "pending (default), transferred, rejected, withdrawn"}},
			Do: httpx.Get(s.duplicateReviews)},
		{Method: "POST", Path: "/api/v1/duplicate-reviews/{id}/resolve", Tag: "registry",
			Summary: "Transfer the registered person into the new area, or reject the new registration",
			Perm:    authz.RegistryWrite, Do: httpx.Call(s.resolveDuplicate)},
	}
}

func (s *Service) listPeople(r *http.Request) (Page[Person], error) {
	q, lq := r.URL.Query(), ListQueryOf(r)
	people, next, err := s.ListPeople(r.Context(), PeopleQuery{OrgID: lq.OrgID, GridID: lq.GridID, Kind: lq.Kind, Status: q.Get("status"),
		LeftBehind: q.Get("left_behind"), Name: q.Get("name"), After: lq.After, Limit: lq.Limit})
	return Page[Person]{people, next}, err
}

// requestKey is the request's Idempotency-Key, scoped to the caller and the
// kind of record, with the fingerprint of its parsed body in.
func requestKey(r *http.Request, kind string, in any) (idem.Key, error) {
	key := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", key); err != nil {
		return idem.Key{}, err
	}
	return idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":" + kind, Key: key, Fingerprint: idem.Fingerprint(in)}, nil
}

func (s *Service) createPerson(r *http.Request, in PersonInput) (Person, error) {
	key, err := requestKey(r, "person", in)
	if err != nil {
		return Person{}, err
	}
	return s.CreatePerson(r.Context(), in, key)
}

func (s *Service) lookup(r *http.Request, in LookupInput) (Page[Person], error) {
	people, err := s.Lookup(r.Context(), in.IDNumber, in.Phone)
	return Page[Person]{Items: people}, err
}

func (s *Service) updatePerson(r *http.Request, in PersonInput) (Person, error) {
	return s.UpdatePerson(r.Context(), r.PathValue("id"), in)
}

func (s *Service) setStatus(r *http.Request, in StatusInput) (Person, error) {
	return s.SetStatus(r.Context(), r.PathValue("id"), in.Status, in.Version)
}

func (s *Service) deletePerson(r *http.Request) (httpx.None, error) {
	return httpx.None{}, s.DeletePerson(r.Context(), r.PathValue("id"))
}

func (s *Service) reveal(r *http.Request, in RevealInput) (Revealed, error) {
	return s.Reveal(r.Context(), r.PathValue("id"), in)
}

func (s *Service) listHouseholds(r *http.Request) (Page[Household], error) {
	hs, next, err := s.ListHouseholds(r.Context(), ListQueryOf(r))
	return Page[Household]{hs, next}, err
}

func (s *Service) listHouses(r *http.Request) (Page[House], error) {
	hs, next, err := s.ListHouses(r.Context(), ListQueryOf(r))
	return Page[House]{hs, next}, err
}

func (s *Service) listAddresses(r *http.Request) (Page[Address], error) {
	as, next, err := s.ListAddresses(r.Context(), ListQueryOf(r))
	return Page[Address]{as, next}, err
}

func (s *Service) listUnits(r *http.Request) (Page[Unit], error) {
	us, next, err := s.ListUnits(r.Context(), ListQueryOf(r))
	return Page[Unit]{us, next}, err
}

func (s *Service) getHousehold(r *http.Request) (Household, error) {
	return s.GetHousehold(r.Context(), r.PathValue("id"))
}

func (s *Service) getHouse(r *http.Request) (House, error) {
	return s.GetHouse(r.Context(), r.PathValue("id"))
}

func (s *Service) getAddress(r *http.Request) (Address, error) {
	return s.GetAddress(r.Context(), r.PathValue("id"))
}

func (s *Service) getUnit(r *http.Request) (Unit, error) {
	return s.GetUnit(r.Context(), r.PathValue("id"))
}

func (s *Service) createHousehold(r *http.Request, in HouseholdInput) (Household, error) {
	key, err := requestKey(r, "household", in)
	if err != nil {
		return Household{}, err
	}
	return s.CreateHousehold(r.Context(), in, key)
}

func (s *Service) createHouse(r *http.Request, in HouseInput) (House, error) {
	key, err := requestKey(r, "house", in)
	if err != nil {
		return House{}, err
	}
	return s.CreateHouse(r.Context(), in, key)
}

func (s *Service) createUnit(r *http.Request, in UnitInput) (Unit, error) {
	key, err := requestKey(r, "unit", in)
	if err != nil {
		return Unit{}, err
	}
	return s.CreateUnit(r.Context(), in, key)
}

// The save handlers serve PUT /{id} (change); saveAddress serves POST (add) too.

func (s *Service) saveHousehold(r *http.Request, in HouseholdInput) (Household, error) {
	return s.SaveHousehold(r.Context(), r.PathValue("id"), in)
}

func (s *Service) saveHouse(r *http.Request, in HouseInput) (House, error) {
	return s.SaveHouse(r.Context(), r.PathValue("id"), in)
}

func (s *Service) saveAddress(r *http.Request, in AddressInput) (Address, error) {
	return s.SaveAddress(r.Context(), r.PathValue("id"), in)
}

func (s *Service) saveUnit(r *http.Request, in UnitInput) (Unit, error) {
	return s.SaveUnit(r.Context(), r.PathValue("id"), in)
}

func (s *Service) getSettings(r *http.Request) (Settings, error) { return s.Settings(r.Context()) }

func (s *Service) saveSettings(r *http.Request, in Settings) (Settings, error) {
	return s.SaveSettings(r.Context(), in)
}

func (s *Service) search(r *http.Request, in SearchInput) (Page[Hit], error) {
	hits, err := s.Search(r.Context(), in.Q, in.Limit)
	return Page[Hit]{Items: hits}, err
}

func (s *Service) summary(r *http.Request) (Summary, error) {
	return s.Summary(r.Context(), r.URL.Query().Get("org_id"))
}

func (s *Service) duplicateReviews(r *http.Request) (Page[DuplicateReview], error) {
	items, err := s.DuplicateReviews(r.Context(), r.URL.Query().Get("status"))
	return Page[DuplicateReview]{Items: items}, err
}

func (s *Service) resolveDuplicate(r *http.Request, in DuplicateDecision) (DuplicateReview, error) {
	return s.ResolveDuplicate(r.Context(), r.PathValue("id"), in)
}
