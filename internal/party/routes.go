package party

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
)

// members are the signed-in party members (an account with a member row).
const members = "a signed-in party member (an account the tree names as a member)"

// Routes are the party tree's, compounds', problem ledger's and 双报到's endpoints.
func (s *Service) Routes() []httpx.Route {
	area := []httpx.Param{{Name: "org_id", In: "query"}}
	key := []httpx.Param{{Name: "Idempotency-Key", In: "header", Desc: "the phone's name for this write: a retry answers as the first did"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/party/orgs", Tag: "party", Summary: "The party tree of the caller's areas, parents before children, with member counts",
			Perm: authz.PartyRead, Params: area, Do: httpx.Get(s.tree)},
		{Method: "POST", Path: "/api/v1/party/orgs", Tag: "party", Summary: "Add a party organisation over an area, compound, building or grid",
			Perm: authz.PartyWrite, Status: 201, Do: httpx.Call(s.createOrg)},
		{Method: "GET", Path: "/api/v1/party/orgs/{id}", Tag: "party", Summary: "A party organisation with its members (phones masked; audited), 党员中心户 households and children",
			Perm: authz.PartyRead, Do: httpx.Get(s.orgPage)},
		{Method: "PUT", Path: "/api/v1/party/orgs/{id}", Tag: "party", Summary: "Edit a party organisation (a stale version answers 409 with the current one)",
			Perm: authz.PartyWrite, Do: httpx.Call(s.updateOrg)},
		{Method: "POST", Path: "/api/v1/party/orgs/{id}/retire", Tag: "party", Summary: "Retire a party organisation with no members or children left",
			Perm: authz.PartyWrite, Do: httpx.Call(s.retireOrg)},
		{Method: "POST", Path: "/api/v1/party/members", Tag: "party", Summary: "Add a party member (phone sealed)",
			Perm: authz.PartyWrite, Status: 201, Do: httpx.Call(s.createMember)},
		{Method: "PUT", Path: "/api/v1/party/members/{id}", Tag: "party", Summary: "Edit a party member; another organisation moves them (version-checked)",
			Perm: authz.PartyWrite, Do: httpx.Call(s.updateMember)},
		{Method: "POST", Path: "/api/v1/party/members/{id}/retire", Tag: "party", Summary: "Record that a member has left",
			Perm: authz.PartyWrite, Do: httpx.Call(s.retireMember)},
		{Method: "POST", Path: "/api/v1/party/members/{id}/reveal", Tag: "party", Summary: "Show a member's phone in full with a reason (keepers of the tree or personal.reveal; audited)",
			Perm: authz.PartyRead, Do: httpx.Call(s.reveal)},
		{Method: "POST", Path: "/api/v1/party/members/{id}/households", Tag: "party", Summary: "Link a household of the registers to a 党员中心户 who serves it",
			Perm: authz.PartyWrite, Status: 201, Do: httpx.Call(s.addHousehold)},
		{Method: "DELETE", Path: "/api/v1/party/members/{id}/households/{link}", Tag: "party", Summary: "Unlink a household from the 党员中心户 who served it (audited)",
			Perm: authz.PartyWrite, Status: 204, Do: httpx.Get(s.removeHousehold)},
		{Method: "GET", Path: "/api/v1/party/members/{id}/household-choices", Tag: "party", Summary: "The households of the registers a 党员中心户 may serve, " +
			"the member's grid's first, by 户号 or address: at most 30, addresses masked, no person named, whether a member serves each",
			Perm: authz.PartyWrite, Params: []httpx.Param{{Name: "q", In: "query", Desc: "part of the 户号, or of the address as its mask shows it"}},
			Do: httpx.Get(s.householdChoices)},
		{Method: "GET", Path: "/api/v1/compounds", Tag: "party", Summary: "Compounds (小区) of the caller's areas with their branch and problem figures",
			Perm: authz.PartyRead, Params: area, Do: httpx.Get(s.compounds)},
		{Method: "POST", Path: "/api/v1/compounds", Tag: "party", Summary: "Add a compound", Perm: authz.PartyWrite, Status: 201, Do: httpx.Call(s.createCompound)},
		{Method: "GET", Path: "/api/v1/compounds/choices", Tag: "party", Summary: "A community's compounds with their buildings, for the registers' house form",
			Perm: authz.RegistryRead, Params: []httpx.Param{{Name: "org_id", In: "query", Desc: "the community"}}, Do: httpx.Get(s.choices)},
		{Method: "GET", Path: "/api/v1/compounds/{id}", Tag: "party", Summary: "A compound with its buildings", Perm: authz.PartyRead, Do: httpx.Get(s.compound)},
		{Method: "PUT", Path: "/api/v1/compounds/{id}", Tag: "party", Summary: "Edit a compound (version-checked)", Perm: authz.PartyWrite, Do: httpx.Call(s.updateCompound)},
		{Method: "POST", Path: "/api/v1/compounds/{id}/buildings", Tag: "party", Summary: "Add a building (楼栋) to a compound", Perm: authz.PartyWrite, Status: 201,
			Do: httpx.Call(s.createBuilding)},
		{Method: "PUT", Path: "/api/v1/buildings/{id}", Tag: "party", Summary: "Edit a building (version-checked)", Perm: authz.PartyWrite, Do: httpx.Call(s.updateBuilding)},
		{Method: "GET", Path: "/api/v1/compound-problems", Tag: "party", Summary: "The compound problem ledger (小区问题台账) with its figures",
			Perm: authz.PartyRead, Params: []httpx.Param{{Name: "compound_id", In: "query"}, {Name: "org_id", In: "query"}, {Name: "status", In: "query"},
				{Name: "limit", In: "query", Type: "integer"}}, Do: httpx.Get(s.problems)},
		{Method: "POST", Path: "/api/v1/compound-problems", Tag: "party", Summary: "Raise a compound problem", Perm: authz.PartyWrite, Status: 201, Do: httpx.Call(s.raise)},
		{Method: "GET", Path: "/api/v1/compound-problems/{id}", Tag: "party", Summary: "A compound problem", Perm: authz.PartyRead, Do: httpx.Get(s.problem)},
		{Method: "PUT", Path: "/api/v1/compound-problems/{id}", Tag: "party", Summary: "Work a compound problem: who answers, a step, its state (version-checked)",
			Perm: authz.PartyWrite, Do: httpx.Call(s.work)},
		{Method: "POST", Path: "/api/v1/compound-problems/{id}/event", Tag: "party", Summary: "Hand a compound problem to a department as an event. Takes an Idempotency-Key",
			Perm: authz.PartyWrite, Params: key, Do: httpx.Call(s.toEvent)},
		{Method: "GET", Path: "/api/v1/party/reports", Tag: "party", Summary: "双报到 registrations with the caller's communities (audited)",
			Perm: authz.PartyRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "kind", In: "query"}, {Name: "status", In: "query"}}, Do: httpx.Get(s.reports)},
		{Method: "POST", Path: "/api/v1/party/reports", Tag: "party", Summary: "Record a unit's organisation's or a member's 双报到 with a community. Takes an Idempotency-Key",
			Perm: authz.PartyWrite, Status: 201, Params: key, Do: httpx.Call(s.register)},
		{Method: "POST", Path: "/api/v1/party/reports/mine", Tag: "party", Summary: "The signed-in party member's own 双报到 with the community where they live. Takes an Idempotency-Key",
			Access: members, Status: 201, Params: key, Do: httpx.Call(s.registerMine)},
		{Method: "GET", Path: "/api/v1/party/reports/{id}", Tag: "party", Summary: "A 双报到 registration (the community's keepers, or one's own)",
			Access: "holders of party.read over the community, or the member who registered", Do: httpx.Get(s.report)},
		{Method: "POST", Path: "/api/v1/party/reports/{id}/accept", Tag: "party", Summary: "Accept a registration, assigning a grid or compound (version-checked)",
			Perm: authz.PartyWrite, Do: httpx.Call(s.accept)},
		{Method: "POST", Path: "/api/v1/party/reports/{id}/decline", Tag: "party", Summary: "Decline a registration with a reason (version-checked)",
			Perm: authz.PartyWrite, Do: httpx.Call(s.decline)},
		{Method: "GET", Path: "/api/v1/party/tasks", Tag: "party", Summary: "Tasks given to registered organisations and members",
			Perm: authz.PartyRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "report_id", In: "query"}}, Do: httpx.Get(s.tasks)},
		{Method: "POST", Path: "/api/v1/party/tasks", Tag: "party", Summary: "Give a task to an accepted organisation or member", Perm: authz.PartyWrite, Status: 201,
			Do: httpx.Call(s.giveTask)},
		{Method: "POST", Path: "/api/v1/party/tasks/{id}/done", Tag: "party", Summary: "Close a task with a note and hours (its member, or the community's keepers; a resent close answers as the first)",
			Access: "the member the task was given to, or holders of party.write over the community", Do: httpx.Call(s.doneTask)},
		{Method: "GET", Path: "/api/v1/party/board", Tag: "party", Summary: "The 双报到 board: organisations and members registered, tasks given and done, hours, per community",
			Perm: authz.PartyRead, Params: area, Do: httpx.Get(s.board)},
		{Method: "GET", Path: "/api/v1/party/communities", Tag: "party", Summary: "The communities of the signed-in party member's town, where they may register",
			Access: members, Do: httpx.Get(s.communities)},
		{Method: "GET", Path: "/api/v1/party/mine", Tag: "party", Summary: "The signed-in party member's organisation, registrations and tasks",
			Access: members, Do: httpx.Get(s.mine)},
	}
}

func reqKey(r *http.Request, kind string, in any) (idem.Key, error) {
	k := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", k); err != nil {
		return idem.Key{}, err
	}
	return idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":party." + kind, Key: k, Fingerprint: idem.Fingerprint(in)}, nil
}

func (s *Service) tree(r *http.Request) (Items[TreeOrg], error) {
	ts, err := s.Tree(r.Context(), r.URL.Query().Get("org_id"))
	if ts == nil {
		ts = []TreeOrg{}
	}
	return Items[TreeOrg]{Items: ts}, err
}
func (s *Service) createOrg(r *http.Request, in OrgInput) (OrgPage, error) {
	return s.CreateOrg(r.Context(), in)
}
func (s *Service) orgPage(r *http.Request) (OrgPage, error) {
	return s.OrgPage(r.Context(), r.PathValue("id"))
}
func (s *Service) updateOrg(r *http.Request, in OrgInput) (OrgPage, error) {
	return s.UpdateOrg(r.Context(), r.PathValue("id"), in)
}
func (s *Service) retireOrg(r *http.Request, in VersionInput) (OrgPage, error) {
	return s.RetireOrg(r.Context(), r.PathValue("id"), in)
}
func (s *Service) createMember(r *http.Request, in MemberInput) (Member, error) {
	return s.CreateMember(r.Context(), in)
}
func (s *Service) updateMember(r *http.Request, in MemberInput) (Member, error) {
	return s.UpdateMember(r.Context(), r.PathValue("id"), in)
}
func (s *Service) retireMember(r *http.Request, in VersionInput) (Member, error) {
	return s.RetireMember(r.Context(), r.PathValue("id"), in)
}
func (s *Service) reveal(r *http.Request, in RevealInput) (Revealed, error) {
	return s.RevealPhone(r.Context(), r.PathValue("id"), in)
}
func (s *Service) addHousehold(r *http.Request, in HouseholdInput) (CenterHousehold, error) {
	return s.AddHousehold(r.Context(), r.PathValue("id"), in)
}
func (s *Service) removeHousehold(r *http.Request) (httpx.None, error) {
	return httpx.None{}, s.RemoveHousehold(r.Context(), r.PathValue("id"), r.PathValue("link"))
}
func (s *Service) householdChoices(r *http.Request) (Items[HouseholdChoice], error) {
	cs, err := s.HouseholdChoices(r.Context(), r.PathValue("id"), r.URL.Query().Get("q"))
	return Items[HouseholdChoice]{Items: cs}, err
}
func (s *Service) compounds(r *http.Request) (Items[CompoundRow], error) {
	cs, err := s.Compounds(r.Context(), r.URL.Query().Get("org_id"))
	return Items[CompoundRow]{Items: cs}, err
}
func (s *Service) choices(r *http.Request) (Items[Choice], error) {
	cs, err := s.Choices(r.Context(), r.URL.Query().Get("org_id"))
	return Items[Choice]{Items: cs}, err
}
func (s *Service) createCompound(r *http.Request, in CompoundInput) (CompoundRow, error) {
	return s.CreateCompound(r.Context(), in)
}
func (s *Service) compound(r *http.Request) (CompoundRow, error) {
	return s.CompoundPage(r.Context(), r.PathValue("id"))
}
func (s *Service) updateCompound(r *http.Request, in CompoundInput) (CompoundRow, error) {
	return s.UpdateCompound(r.Context(), r.PathValue("id"), in)
}
func (s *Service) createBuilding(r *http.Request, in BuildingInput) (CompoundRow, error) {
	return s.CreateBuilding(r.Context(), r.PathValue("id"), in)
}
func (s *Service) updateBuilding(r *http.Request, in BuildingInput) (CompoundRow, error) {
	return s.UpdateBuilding(r.Context(), r.PathValue("id"), in)
}
func (s *Service) problems(r *http.Request) (ProblemList, error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	return s.Problems(r.Context(), q.Get("compound_id"), q.Get("org_id"), q.Get("status"), limit)
}
func (s *Service) raise(r *http.Request, in ProblemInput) (Problem, error) {
	return s.RaiseProblem(r.Context(), in)
}
func (s *Service) problem(r *http.Request) (Problem, error) {
	return s.Problem(r.Context(), r.PathValue("id"))
}
func (s *Service) work(r *http.Request, in ProblemUpdate) (Problem, error) {
	return s.WorkProblem(r.Context(), r.PathValue("id"), in)
}
func (s *Service) toEvent(r *http.Request, in EventInput) (Problem, error) {
	k, err := reqKey(r, "problem_event:"+r.PathValue("id"), in)
	if err != nil {
		return Problem{}, err
	}
	return s.ProblemToEvent(r.Context(), r.PathValue("id"), in, k)
}
func (s *Service) reports(r *http.Request) (Items[Report], error) {
	q := r.URL.Query()
	rs, err := s.Reports(r.Context(), q.Get("org_id"), q.Get("kind"), q.Get("status"))
	return Items[Report]{Items: rs}, err
}
func (s *Service) register(r *http.Request, in ReportInput) (Report, error) {
	k, err := reqKey(r, "report", in)
	if err != nil {
		return Report{}, err
	}
	return s.Register(r.Context(), in, k)
}
func (s *Service) registerMine(r *http.Request, in ReportInput) (Report, error) {
	k, err := reqKey(r, "report_mine", in)
	if err != nil {
		return Report{}, err
	}
	return s.RegisterMine(r.Context(), in, k)
}
func (s *Service) report(r *http.Request) (Report, error) {
	return s.Report(r.Context(), r.PathValue("id"))
}
func (s *Service) accept(r *http.Request, in Decision) (Report, error) {
	return s.Accept(r.Context(), r.PathValue("id"), in)
}
func (s *Service) decline(r *http.Request, in Decision) (Report, error) {
	return s.Decline(r.Context(), r.PathValue("id"), in)
}
func (s *Service) tasks(r *http.Request) (Items[Task], error) {
	q := r.URL.Query()
	ts, err := s.Tasks(r.Context(), q.Get("org_id"), q.Get("report_id"))
	return Items[Task]{Items: ts}, err
}
func (s *Service) giveTask(r *http.Request, in TaskInput) (Task, error) {
	return s.GiveTask(r.Context(), in)
}
func (s *Service) doneTask(r *http.Request, in DoneInput) (Task, error) {
	return s.DoneTask(r.Context(), r.PathValue("id"), in)
}
func (s *Service) board(r *http.Request) (Board, error) {
	return s.Board(r.Context(), r.URL.Query().Get("org_id"))
}
func (s *Service) mine(r *http.Request) (Mine, error) { return s.Mine(r.Context()) }

func (s *Service) communities(r *http.Request) (Items[org.Ref], error) {
	cs, err := s.Communities(r.Context())
	return Items[org.Ref]{Items: cs}, err
}
