package screening

import (
	"bytes"
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/idem"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// readers may see rounds and findings without a single permission.
const readers = "holders of dispute.read, dispute.report or dispute.write over the area (a village sees its town's rounds, its own village's part)"

// Routes are the screening endpoints.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/screening/rounds", Tag: "screening", Summary: "Screening rounds (排查) the caller may see, with completeness and lights",
			Access: readers, Params: []httpx.Param{{Name: "status", In: "query", Desc: "open or closed"}, {Name: "org_id", In: "query", Desc: "rounds over this area or inside it"}},
			Do: httpx.Get(s.listRounds)},
		{Method: "POST", Path: "/api/v1/screening/rounds", Tag: "screening", Summary: "Launch a screening round over a town or a village",
			Perm: authz.DisputeWrite, Status: 201, Do: httpx.Call(s.launch)},
		{Method: "GET", Path: "/api/v1/screening/rounds/{id}", Tag: "screening", Summary: "A round with its completeness and its findings' lights",
			Access: readers, Do: httpx.Get(s.getRound)},
		{Method: "GET", Path: "/api/v1/screening/rounds/{id}/completeness", Tag: "screening", Summary: "A round's reporting per village: findings, zero report, or not yet",
			Access: readers, Do: httpx.Get(s.completeness)},
		{Method: "GET", Path: "/api/v1/screening/rounds/{id}/export", Tag: "screening", Summary: "A round's completeness and findings as a spreadsheet (xlsx; watermarked, audited)",
			Access: readers, OutType: "application/octet-stream", Out: []byte{}, Handler: s.export},
		{Method: "POST", Path: "/api/v1/screening/rounds/{id}/close", Tag: "screening", Summary: "Close a round",
			Perm: authz.DisputeWrite, Do: httpx.Get(s.closeRound)},
		{Method: "POST", Path: "/api/v1/screening/rounds/{id}/zero-reports", Tag: "screening", Summary: "A village found nothing this round (零报告)",
			Perm: authz.DisputeReport, Do: httpx.Call(s.zero)},
		{Method: "GET", Path: "/api/v1/screening/findings", Tag: "screening", Summary: "Findings of the caller's area, names masked",
			Access: readers, Params: []httpx.Param{{Name: "round_id", In: "query"}, {Name: "org_id", In: "query"}, {Name: "status", In: "query", Desc: "open, resolved or case"},
				{Name: "light", In: "query", Desc: "red, yellow or green"}, {Name: "type", In: "query"}},
			Do: httpx.Get(s.listFindings)},
		{Method: "POST", Path: "/api/v1/screening/findings", Tag: "screening", Summary: "File a screening finding, in a round or ad hoc",
			Perm: authz.DisputeReport, Status: 201, Do: httpx.Call(s.file)},
		{Method: "GET", Path: "/api/v1/screening/findings/{id}", Tag: "screening", Summary: "A finding",
			Access: readers, Do: httpx.Get(s.getFinding)},
		{Method: "POST", Path: "/api/v1/screening/findings/{id}/resolve", Tag: "screening", Summary: "Close a finding on the spot (就地化解) with its result",
			Access: "holders of dispute.report or dispute.write over the finding's area", Do: httpx.Call(s.resolve)},
		{Method: "POST", Path: "/api/v1/screening/findings/{id}/to-case", Tag: "screening", Summary: "Turn a finding into a dispute case",
			Perm: authz.DisputeWrite, Do: httpx.Get(s.toCase)},
	}
}

func (s *Service) listRounds(r *http.Request) (Page[Round], error) {
	q := r.URL.Query()
	items, err := s.Rounds(r.Context(), RoundQuery{Status: q.Get("status"), OrgID: q.Get("org_id")})
	return Page[Round]{Items: items}, err
}

func (s *Service) launch(r *http.Request, in RoundInput) (Round, error) {
	return s.LaunchRound(r.Context(), in)
}

func (s *Service) getRound(r *http.Request) (Round, error) {
	return s.Round(r.Context(), r.PathValue("id"))
}

func (s *Service) completeness(r *http.Request) (Completeness, error) {
	return s.RoundCompleteness(r.Context(), r.PathValue("id"))
}

func (s *Service) export(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	round, _, err := s.WriteRound(r.Context(), &buf, r.PathValue("id"), i18n.Lang(r))
	if err != nil {
		return err
	}
	httpx.Download(w, round.Title+".xlsx", httpx.XLSX, buf.Bytes())
	return nil
}

// closeRound takes no body: httpx.Get, though the method is POST.
func (s *Service) closeRound(r *http.Request) (Round, error) {
	return s.CloseRound(r.Context(), r.PathValue("id"))
}

func (s *Service) zero(r *http.Request, in ZeroInput) (Completeness, error) {
	return s.ZeroReport(r.Context(), r.PathValue("id"), in)
}

func (s *Service) listFindings(r *http.Request) (Page[Finding], error) {
	q := r.URL.Query()
	items, err := s.Findings(r.Context(), FindingQuery{RoundID: q.Get("round_id"), OrgID: q.Get("org_id"), Status: q.Get("status"),
		Light: q.Get("light"), Type: q.Get("type")})
	return Page[Finding]{Items: items}, err
}

// file takes an optional Idempotency-Key: the phone's queue names each
// finding, so a retry after a lost answer files it once.
func (s *Service) file(r *http.Request, in FindingInput) (Finding, error) {
	key := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", key); err != nil {
		return Finding{}, err
	}
	return s.FileFinding(r.Context(), in, idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":screening_finding", Key: key,
		Fingerprint: idem.Fingerprint(in)})
}

func (s *Service) getFinding(r *http.Request) (Finding, error) {
	return s.Finding(r.Context(), r.PathValue("id"))
}

func (s *Service) resolve(r *http.Request, in ResolveInput) (Finding, error) {
	return s.Resolve(r.Context(), r.PathValue("id"), in)
}

// toCase takes no body.
func (s *Service) toCase(r *http.Request) (Finding, error) {
	return s.ToCase(r.Context(), r.PathValue("id"))
}
