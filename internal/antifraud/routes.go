package antifraud

import (
	"net/http"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Routes are the anti-fraud warnings' endpoints.
func (s *Service) Routes() []httpx.Route {
	const tag = "antifraud"
	r := func(method, path, summary string, perm authz.Perm, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: method, Path: path, Tag: tag, Summary: summary, Perm: perm, Do: do}
	}
	return []httpx.Route{
		{Method: "POST", Path: "/api/v1/antifraud/roots/{id}/batches", Tag: tag, Summary: "Push a list of likely victims for a county or city: each matched by phone to the registers and given to the members of the person's grid (Idempotency-Key)",
			Perm: authz.AntifraudImport, Status: http.StatusCreated, Do: httpx.Call(s.importBatch)},
		{Method: "GET", Path: "/api/v1/antifraud/areas/{id}/warnings", Tag: tag, Summary: "The tasks of an area, names masked",
			Perm: authz.AntifraudRead, Params: []httpx.Param{{Name: "status", In: "query", Desc: "open, overdue, unmatched, reached, dissuaded, defrauded or not_found"}}, Do: httpx.Get(s.list)},
		r("GET", "/api/v1/antifraud/areas/{id}/figures", "The tasks of every town under an area by outcome, with the area's total", authz.AntifraudRead, httpx.Get(s.figures)),
		{Method: "GET", Path: "/api/v1/antifraud/mine", Tag: tag, Summary: "The tasks of the caller's grids: open ones first", Perm: authz.AntifraudDo, Do: httpx.Get(s.mine)},
		{Method: "GET", Path: "/api/v1/antifraud/warnings/{id}", Tag: tag, Summary: "A task: the person in clear for a member of its grid or the police (audited), masked for the area's readers",
			Access: "members of the person's grid (antifraud.do), the police (antifraud.import), the area's readers (antifraud.read, masked)", Do: httpx.Get(s.open_)},
		r("POST", "/api/v1/antifraud/warnings/{id}/outcome", "Record the outcome: reached, dissuaded, defrauded or not_found (a note for the last two)", authz.AntifraudDo, httpx.Call(s.outcome)),
		r("POST", "/api/v1/antifraud/warnings/{id}/assign", "Place a person no register knew on a grid of the area", authz.AntifraudWrite, httpx.Call(s.assign)),
		r("GET", "/api/v1/antifraud/settings", "The hours each risk allows and how long the lists' personal fields are kept", authz.AntifraudRead, httpx.Get(s.settings)),
		r("PUT", "/api/v1/antifraud/settings", "Set the hours and the retention", authz.AntifraudWrite, httpx.Call(s.saveSettings)),
	}
}

func (s *Service) importBatch(r *http.Request, in BatchInput) (Batch, error) {
	header := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", header); err != nil {
		return Batch{}, err
	}
	k := idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":antifraud_batch", Key: strings.TrimSpace(header), Fingerprint: idem.Fingerprint(in)}
	return s.Import(r.Context(), r.PathValue("id"), in, k)
}
func (s *Service) list(r *http.Request) (Page[Warning], error) {
	out, err := s.List(r.Context(), r.PathValue("id"), r.URL.Query().Get("status"))
	return Page[Warning]{out}, err
}
func (s *Service) figures(r *http.Request) (Page[Figure], error) {
	out, err := s.Figures(r.Context(), r.PathValue("id"))
	return Page[Figure]{out}, err
}
func (s *Service) mine(r *http.Request) (Page[Warning], error) {
	out, err := s.Mine(r.Context())
	return Page[Warning]{out}, err
}
func (s *Service) open_(r *http.Request) (Warning, error) {
	return s.Open(r.Context(), r.PathValue("id"))
}
func (s *Service) outcome(r *http.Request, in OutcomeInput) (Warning, error) {
	return s.Record(r.Context(), r.PathValue("id"), in)
}
func (s *Service) assign(r *http.Request, in AssignInput) (Warning, error) {
	return s.Assign(r.Context(), r.PathValue("id"), in)
}
func (s *Service) settings(r *http.Request) (Settings, error) { return s.Settings(r.Context()) }
func (s *Service) saveSettings(r *http.Request, in Settings) (Settings, error) {
	return s.SaveSettings(r.Context(), in)
}
