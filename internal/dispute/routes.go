package dispute

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/registry"
)

// Routes are the dispute-case endpoints. None is public: a dispute is
// never published through Open311 nor shown to residents.
func (s *Service) Routes() []httpx.Route {
	step := func(path, summary string, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: "POST", Path: "/api/v1/disputes/{id}/" + path, Tag: "disputes", Summary: summary, Perm: authz.DisputeWrite, Do: do}
	}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/disputes", Tag: "disputes", Summary: "Dispute cases of the caller's area, newest first (parties masked)",
			Perm: authz.DisputeRead, Params: append([]httpx.Param{{Name: "status", In: "query"}, {Name: "route", In: "query"}, {Name: "type", In: "query"},
				{Name: "source", In: "query"}, {Name: "light", In: "query", Desc: "green, yellow, red (open cases by the one-month target), none (closed)"},
				{Name: "org_id", In: "query"}, {Name: "q", In: "query", Desc: "case number or title"}, {Name: "month", In: "query", Desc: "YYYY-MM registered"},
				{Name: "event_id", In: "query"}, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}}, drillParams...),
			Do: httpx.Get(s.list)},
		{Method: "GET", Path: "/api/v1/disputes/export", Tag: "disputes", Summary: "The case list as a spreadsheet (xlsx; parties masked, watermarked, audited)",
			Perm: authz.DisputeRead, Params: append([]httpx.Param{{Name: "status", In: "query"}, {Name: "route", In: "query"}, {Name: "type", In: "query"},
				{Name: "source", In: "query"}, {Name: "light", In: "query"}, {Name: "org_id", In: "query"}, {Name: "q", In: "query"}, {Name: "month", In: "query"}}, drillParams...),
			OutType: "application/octet-stream", Out: []byte{}, Handler: s.export},
		{Method: "POST", Path: "/api/v1/disputes", Tag: "disputes", Summary: "Take a dispute case in (lands as registered unless classified by a dispute.write holder)",
			Perm: authz.DisputeReport, Status: 201, Do: httpx.Call(s.open)},
		{Method: "POST", Path: "/api/v1/disputes/from-event", Tag: "disputes", Summary: "Turn an event of a dispute category into a case (409 with the existing case)",
			Perm: authz.DisputeWrite, Status: 201, Do: httpx.Call(s.fromEvent)},
		{Method: "GET", Path: "/api/v1/disputes/{id}", Tag: "disputes", Summary: "A case file (audited read)", Perm: authz.DisputeRead, Do: httpx.Get(s.get)},
		{Method: "GET", Path: "/api/v1/disputes/{id}/mediators", Tag: "disputes", Summary: "Register mediators serving a case's area (its own area first)",
			Perm: authz.DisputeWrite, Do: httpx.Get(s.candidates)},
		{Method: "POST", Path: "/api/v1/disputes/{id}/parties/{party}/reveal", Tag: "disputes", Summary: "Show a party's phone or ID number, with a reason (audited)",
			Perm: authz.PersonalReveal, Do: httpx.Call(s.reveal)},
		{Method: "GET", Path: "/api/v1/disputes/figures", Tag: "disputes", Summary: "The dispute figures of an area by area, type, route, source or month, with a total row",
			Perm: authz.DisputeRead, Params: figureParams, Do: httpx.Get(s.figures)},
		{Method: "GET", Path: "/api/v1/disputes/figures/export", Tag: "disputes", Summary: "The dispute figures as a spreadsheet (xlsx; watermarked, audited)",
			Perm: authz.DisputeRead, Params: figureParams, OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportFigures},
		step("escalate", "Send a case one level up (上报), with a reason", httpx.Call(s.escalate)),
		step("parties", "Add parties to an open case", httpx.Call(s.addParties)),
		step("route", "Classify a case or change its route, with a reason", httpx.Call(s.route)),
		step("sessions", "Record a mediation session, plain or joint", httpx.Call(s.addSession)),
		step("outcome", "Close a case with an oral agreement or as failed", httpx.Call(s.outcome)),
		step("agreement", "Write the mediation agreement and close the case as settled", httpx.Call(s.agreement)),
		step("follow-ups", "Record a follow-up of the agreement's performance", httpx.Call(s.followUp)),
		step("confirmation", "Record the joint application for judicial confirmation", httpx.Call(s.applyConfirmation)),
		step("confirmation/decision", "Record the court's decision on judicial confirmation", httpx.Call(s.decideConfirmation)),

		// The mediators' register (调解力量) and 以案定补.
		{Method: "GET", Path: "/api/v1/mediators", Tag: "dispute", Summary: "The mediators and 法律明白人 of the caller's areas",
			Perm: authz.DisputeRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "kind", In: "query", Desc: "committee, full_time, legal_helper"},
				{Name: "all", In: "query", Type: "boolean", Desc: "include those who have left"}},
			Do: httpx.Get(s.listMediatorsRoute)},
		{Method: "POST", Path: "/api/v1/mediators", Tag: "dispute", Summary: "Add a mediator or 法律明白人", Perm: authz.DisputeWrite,
			Status: 201, Do: httpx.Call(s.createMediator)},
		{Method: "PUT", Path: "/api/v1/mediators/{id}", Tag: "dispute", Summary: "Change a mediator, or record that they left (version checked)",
			Perm: authz.DisputeWrite, Do: httpx.Call(s.updateMediator)},
		{Method: "POST", Path: "/api/v1/mediators/{id}/reveal", Tag: "dispute", Summary: "A mediator's full phone, for a reason (audited)",
			Perm: authz.PersonalReveal, Do: httpx.Call(s.revealMediator)},
		{Method: "GET", Path: "/api/v1/dispute-subsidy-rates", Tag: "disputes", Summary: "以案定补: a county's amount per case by complexity and outcome, with its history",
			Perm: authz.DisputeSubsidy, Params: []httpx.Param{{Name: "org_id", In: "query", Desc: "the county (default the caller's)"}}, Do: httpx.Get(s.rateTable)},
		{Method: "PUT", Path: "/api/v1/dispute-subsidy-rates", Tag: "disputes", Summary: "Change amounts of a county's table (dispute.subsidy over the county; audited, history kept)",
			Perm: authz.DisputeSubsidy, Do: httpx.Call(s.setRates)},
		{Method: "GET", Path: "/api/v1/dispute-subsidies", Tag: "disputes", Summary: "以案定补: a month's subsidy sheet, one row per mediator of the area",
			Perm: authz.DisputeSubsidy, Params: []httpx.Param{{Name: "month", In: "query", Desc: "YYYY-MM"}, {Name: "org_id", In: "query"}}, Do: httpx.Get(s.sheet)},
		{Method: "GET", Path: "/api/v1/dispute-subsidies/export", Tag: "disputes", Summary: "The month's subsidy sheet as a spreadsheet (xlsx; watermarked, audited)",
			Perm: authz.DisputeSubsidy, Params: []httpx.Param{{Name: "month", In: "query"}, {Name: "org_id", In: "query"}},
			OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportSheet},
		{Method: "GET", Path: "/api/v1/dispute-subsidies/{id}/cases", Tag: "disputes", Summary: "The cases credited to a mediator in a month",
			Perm: authz.DisputeSubsidy, Params: []httpx.Param{{Name: "month", In: "query"}}, Do: httpx.Get(s.creditedCases)},
	}
}

// queryOf reads the list's filters from the URL.
func queryOf(r *http.Request) Query {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	return Query{Status: q.Get("status"), Route: q.Get("route"), Type: q.Get("type"), Source: q.Get("source"),
		Light: q.Get("light"), OrgID: q.Get("org_id"), Q: q.Get("q"), Month: q.Get("month"), EventID: q.Get("event_id"), After: q.Get("cursor"), Limit: limit,
		Level: q.Get("level"), SettledLevel: q.Get("settled_level"), NextRoute: q.Get("next_route"), Confirmation: q.Get("confirmation"),
		From: q.Get("from"), To: q.Get("to"), AtOrg: q.Get("at_org")}
}

func (s *Service) list(r *http.Request) (registry.Page[Case], error) {
	cs, next, err := s.List(r.Context(), queryOf(r))
	return registry.Page[Case]{Items: cs, NextCursor: next}, err
}

// open takes an optional Idempotency-Key: the phone's outbox names each
// case, so a retry after a lost answer files it once.
func (s *Service) open(r *http.Request, in Intake) (Case, error) {
	key := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", key); err != nil {
		return Case{}, err
	}
	return s.Open(r.Context(), in, idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":dispute", Key: key, Fingerprint: idem.Fingerprint(in)})
}

func (s *Service) fromEvent(r *http.Request, in FromEventInput) (Case, error) {
	return s.FromEvent(r.Context(), in)
}

func (s *Service) get(r *http.Request) (Case, error) { return s.Get(r.Context(), r.PathValue("id")) }

func (s *Service) candidates(r *http.Request) (registry.Page[Mediator], error) {
	ms, err := s.Candidates(r.Context(), r.PathValue("id"))
	return registry.Page[Mediator]{Items: ms}, err
}

func (s *Service) reveal(r *http.Request, in RevealInput) (Revealed, error) {
	return s.Reveal(r.Context(), r.PathValue("id"), r.PathValue("party"), in)
}

func (s *Service) addParties(r *http.Request, in PartiesInput) (Case, error) {
	return s.AddParties(r.Context(), r.PathValue("id"), in)
}

func (s *Service) route(r *http.Request, in RouteInput) (Case, error) {
	return s.Route(r.Context(), r.PathValue("id"), in)
}

func (s *Service) addSession(r *http.Request, in SessionInput) (Case, error) {
	return s.AddSession(r.Context(), r.PathValue("id"), in)
}

func (s *Service) outcome(r *http.Request, in OutcomeInput) (Case, error) {
	return s.Outcome(r.Context(), r.PathValue("id"), in)
}

func (s *Service) agreement(r *http.Request, in AgreementInput) (Case, error) {
	return s.Agreement(r.Context(), r.PathValue("id"), in)
}

func (s *Service) followUp(r *http.Request, in FollowUpInput) (Case, error) {
	return s.FollowUp(r.Context(), r.PathValue("id"), in)
}

func (s *Service) applyConfirmation(r *http.Request, in ConfirmationInput) (Case, error) {
	return s.ApplyConfirmation(r.Context(), r.PathValue("id"), in)
}

func (s *Service) decideConfirmation(r *http.Request, in DecisionInput) (Case, error) {
	return s.DecideConfirmation(r.Context(), r.PathValue("id"), in)
}

func (s *Service) listMediatorsRoute(r *http.Request) (registry.Page[Mediator], error) {
	q := r.URL.Query()
	ms, err := s.ListMediators(r.Context(), MediatorQuery{OrgID: q.Get("org_id"), Kind: q.Get("kind"), All: q.Get("all") == "true"})
	return registry.Page[Mediator]{Items: ms}, err
}

func (s *Service) createMediator(r *http.Request, in MediatorInput) (Mediator, error) {
	return s.CreateMediator(r.Context(), in)
}

func (s *Service) updateMediator(r *http.Request, in MediatorInput) (Mediator, error) {
	return s.UpdateMediator(r.Context(), r.PathValue("id"), in)
}

func (s *Service) revealMediator(r *http.Request, in MediatorRevealInput) (MediatorRevealed, error) {
	return s.RevealMediatorPhone(r.Context(), r.PathValue("id"), in)
}
