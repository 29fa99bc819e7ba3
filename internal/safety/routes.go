package safety

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Routes are the safety index's endpoints. A root is a county or a city:
// its catalogue and its months; an area is a county or a town of a month.
func (s *Service) Routes() []httpx.Route {
	const tag = "safety"
	r := func(method, path, summary string, perm authz.Perm, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: method, Path: path, Tag: tag, Summary: summary, Perm: perm, Do: do}
	}
	return []httpx.Route{
		r("GET", "/api/v1/safety/roots/{id}/catalogue", "The root's catalogue of indicators in force, with its version (the default one as version 0 before any is saved)", authz.SafetyRead, httpx.Get(s.getCatalogue)),
		r("PUT", "/api/v1/safety/roots/{id}/catalogue", "Save the catalogue as its next version (months already computed keep theirs); version is the one edited", authz.SafetyWrite, httpx.Call(s.saveCatalogue)),
		r("GET", "/api/v1/safety/roots/{id}/months", "The root's computed months, newest first, with their status", authz.SafetyRead, httpx.Get(s.months)),
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/months/{month}", Tag: tag, Summary: "A month's ranking of counties and towns: index, rank, change and a light per indicator",
			Perm: authz.SafetyRead, Params: []httpx.Param{{Name: "level", In: "query", Desc: "county or town; both when absent"}}, Do: httpx.Get(s.ranking)},
		r("POST", "/api/v1/safety/roots/{id}/months/{month}/compute", "Compute (or recompute) a month for every county and town under the root; a published month is refused (409)", authz.SafetyWrite, httpx.Call(s.compute)),
		r("POST", "/api/v1/safety/roots/{id}/months/{month}/publish", "Publish a computed month: it is frozen from then on", authz.SafetyWrite, httpx.Call(s.publish)),
		r("GET", "/api/v1/safety/areas/{id}/months/{month}", "One county's or town's indicators in a month: value, thresholds, light and points", authz.SafetyRead, httpx.Get(s.area)),
		r("GET", "/api/v1/safety/areas/{id}/months/{month}/indicators/{code}", "The records behind one indicator of an area in a month (numbers and place names only)", authz.SafetyRead, httpx.Get(s.drill)),
	}
}

func (s *Service) getCatalogue(r *http.Request) (Catalogue, error) {
	return s.Catalogue(r.Context(), r.PathValue("id"))
}
func (s *Service) saveCatalogue(r *http.Request, in CatalogueInput) (Catalogue, error) {
	return s.SaveCatalogue(r.Context(), r.PathValue("id"), in)
}
func (s *Service) months(r *http.Request) (Page[MonthRef], error) {
	out, err := s.Months(r.Context(), r.PathValue("id"))
	return Page[MonthRef]{Items: out}, err
}
func (s *Service) ranking(r *http.Request) (Month, error) {
	return s.Ranking(r.Context(), r.PathValue("id"), r.PathValue("month"), r.URL.Query().Get("level"))
}
func (s *Service) compute(r *http.Request, _ struct{}) (Month, error) {
	return s.Compute(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) publish(r *http.Request, _ struct{}) (Month, error) {
	return s.Publish(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) area(r *http.Request) (AreaMonth, error) {
	return s.Area(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) drill(r *http.Request) (Drill, error) {
	return s.Drill(r.Context(), r.PathValue("id"), r.PathValue("month"), r.PathValue("code"))
}
