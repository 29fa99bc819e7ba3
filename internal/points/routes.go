package points

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Routes are the points' endpoints.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/points/rules", Tag: "points", Summary: "The county's points rules in force (a version of them with ?version=)",
			Access: "points.read, redorder.serve or event.config", Params: []httpx.Param{{Name: "version", In: "query", Type: "integer"}}, Do: httpx.Get(s.rules)},
		{Method: "POST", Path: "/api/v1/points/rules", Tag: "points", Summary: "Set the county's points rules: a new version (version checked); entries keep the version that gave them",
			Perm: authz.EventConfig, Do: httpx.Call(s.setRules)},
		{Method: "GET", Path: "/api/v1/points/rankings", Tag: "points", Summary: "A month's (YYYY-MM) or year's (YYYY) ranking of the party members, volunteers, branches or communities of an area",
			Perm: authz.PointsRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "period", In: "query"},
				{Name: "by", In: "query", Desc: "member (default), volunteer, branch or community"}, {Name: "branch_id", In: "query"}}, Do: httpx.Get(s.rankings)},
		{Method: "GET", Path: "/api/v1/points/ledgers/{kind}/{id}", Tag: "points", Summary: "A party member's (kind party_member) or volunteer's (kind volunteer) ledger with each entry's source and rule version (audited)",
			Perm: authz.PointsRead, Do: httpx.Get(s.ledger1)},
		{Method: "POST", Path: "/api/v1/points/corrections", Tag: "points", Summary: "Correct a ledger with a new entry and a reason; nothing written is changed",
			Perm: authz.PointsWrite, Status: 201, Do: httpx.Call(s.correct)},
		{Method: "GET", Path: "/api/v1/points/mine", Tag: "points", Summary: "The caller's own ledger, as a party member or a volunteer, with its sums by month and rule",
			Access: "any signed-in account: its own ledger (404 when it is no member's or volunteer's)", Do: httpx.Get(s.mine)},
	}
}

func (s *Service) rules(r *http.Request) (Rules, error) {
	p := authz.From(r.Context())
	if !p.Has(authz.PointsRead) && !p.Has(authz.RedOrderServe) && !p.Has(authz.EventConfig) {
		return Rules{}, errForbidden()
	}
	if v := r.URL.Query().Get("version"); v != "" {
		n := 0
		for _, c := range v {
			if c < '0' || c > '9' || n > 1e6 {
				return Rules{}, fieldVersion()
			}
			n = n*10 + int(c-'0')
		}
		return s.RulesVersion(r.Context(), n)
	}
	return s.Rules(r.Context())
}

func (s *Service) setRules(r *http.Request, in Rules) (Rules, error) {
	return s.SetRules(r.Context(), in)
}

func (s *Service) rankings(r *http.Request) (Ranking, error) {
	q := r.URL.Query()
	return s.Rankings(r.Context(), q.Get("org_id"), q.Get("period"), q.Get("by"), q.Get("branch_id"))
}

func (s *Service) ledger1(r *http.Request) (Ledger, error) {
	return s.LedgerOf(r.Context(), r.PathValue("kind"), r.PathValue("id"))
}

func (s *Service) correct(r *http.Request, in CorrectionInput) (Entry, error) {
	return s.Correct(r.Context(), in)
}
func (s *Service) mine(r *http.Request) (Ledger, error) { return s.Mine(r.Context()) }
