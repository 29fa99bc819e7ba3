package volunteer

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/patrol"
)

// Routes are the volunteer endpoints: the centre's teams, register,
// shifts, hours, rankings, recognition and clues, the police's
// confidential clues, and the volunteer's phone.
func (s *Service) Routes() []httpx.Route {
	area := httpx.Param{Name: "org_id", In: "query", Desc: "the area (the caller's whole scope when absent)"}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/volunteer/teams", Tag: "volunteer", Summary: "The volunteer teams of an area (红袖章, 红袖标, 平安志愿者, 法律明白人, 邻里志愿队)",
			Perm: authz.VolunteerRead, Params: []httpx.Param{area}, Do: httpx.Get(s.listTeams)},
		{Method: "POST", Path: "/api/v1/volunteer/teams", Tag: "volunteer", Summary: "Make a volunteer team in a village or a town",
			Perm: authz.VolunteerWrite, Status: 201, Do: httpx.Call(s.createTeam)},
		{Method: "PATCH", Path: "/api/v1/volunteer/teams/{id}", Tag: "volunteer", Summary: "Change a team's name, duties, leader or status (the version read is checked)",
			Perm: authz.VolunteerWrite, Do: httpx.Call(s.updateTeam)},
		{Method: "GET", Path: "/api/v1/volunteer/volunteers", Tag: "volunteer", Summary: "The register of volunteers of an area, phones masked",
			Perm: authz.VolunteerRead, Params: []httpx.Param{area, {Name: "team_id", In: "query"}, {Name: "status", In: "query", Desc: "serving (default), active, paused, left, all"},
				{Name: "q", In: "query", Desc: "part of a name"}, {Name: "page", In: "query"}, {Name: "size", In: "query"}},
			Do: httpx.Get(s.list)},
		{Method: "POST", Path: "/api/v1/volunteer/volunteers", Tag: "volunteer", Summary: "Register a volunteer in a team (on the roster of the team's area too)",
			Perm: authz.VolunteerWrite, Status: 201, Do: httpx.Call(s.create)},
		{Method: "PATCH", Path: "/api/v1/volunteer/volunteers/{id}", Tag: "volunteer", Summary: "Change a volunteer's entry; status left takes them off the roster",
			Perm: authz.VolunteerWrite, Do: httpx.Call(s.update)},
		{Method: "GET", Path: "/api/v1/volunteer/shifts", Tag: "volunteer", Summary: "The patrol shifts of an area, with places taken and attendance",
			Perm: authz.VolunteerRead, Params: []httpx.Param{area, {Name: "team_id", In: "query"}, {Name: "from", In: "query", Desc: "Unix ms"}, {Name: "to", In: "query", Desc: "Unix ms"}},
			Do: httpx.Get(s.listShifts)},
		{Method: "POST", Path: "/api/v1/volunteer/shifts", Tag: "volunteer", Summary: "Publish a patrol shift of a team: place, start, end, places needed",
			Perm: authz.VolunteerWrite, Status: 201, Do: httpx.Call(s.createShift)},
		{Method: "POST", Path: "/api/v1/volunteer/hours", Tag: "volunteer", Summary: "Record hours of other service of a volunteer, with the reason (corrections are new entries)",
			Perm: authz.VolunteerWrite, Status: 201, Do: httpx.Call(s.recordHours)},
		{Method: "GET", Path: "/api/v1/volunteer/ranking", Tag: "volunteer", Summary: "Hours of an area's volunteers and teams in a month or a year, most first, with recognition",
			Perm: authz.VolunteerRead, Params: []httpx.Param{area, {Name: "team_id", In: "query"}, {Name: "period", In: "query", Desc: "YYYY or YYYY-MM (this month when absent)"}},
			Do: httpx.Get(s.rank)},
		{Method: "POST", Path: "/api/v1/volunteer/awards", Tag: "volunteer", Summary: "Give a volunteer a recognition (优秀志愿者) for a month or a year",
			Perm: authz.VolunteerWrite, Status: 201, Do: httpx.Call(s.give)},
		{Method: "GET", Path: "/api/v1/volunteer/clues", Tag: "volunteer", Summary: "The ordinary clues of an area's volunteers, each with the event it became",
			Perm: authz.VolunteerRead, Params: []httpx.Param{area, {Name: "status", In: "query"}}, Do: httpx.Get(s.listClues)},
		{Method: "GET", Path: "/api/v1/volunteer/police-clues", Tag: "volunteer", Summary: "The clues volunteers marked for the police (涉稳/治安) in the caller's area (audited)",
			Perm: authz.VolunteerPolice, Params: []httpx.Param{area, {Name: "status", In: "query", Desc: "new, received"}}, Do: httpx.Get(s.listPoliceClues)},
		{Method: "POST", Path: "/api/v1/volunteer/police-clues/{id}/receive", Tag: "volunteer", Summary: "Mark a clue for the police as received",
			Perm: authz.VolunteerPolice, Do: httpx.Get(s.receive)},
		{Method: "GET", Path: "/api/v1/volunteer/me", Tag: "volunteer", Summary: "The volunteer's phone page: their team's shifts with their places, their hours and clues",
			Perm: authz.VolunteerDo, Do: httpx.Get(s.mine)},
		{Method: "POST", Path: "/api/v1/volunteer/shifts/{id}/signup", Tag: "volunteer", Summary: "Sign up for a shift of one's team (capacity kept, no overlapping shifts)",
			Perm: authz.VolunteerDo, Do: httpx.Get(s.signup)},
		{Method: "POST", Path: "/api/v1/volunteer/shifts/{id}/cancel", Tag: "volunteer", Summary: "Give up one's place on a shift before it starts",
			Perm: authz.VolunteerDo, Do: httpx.Get(s.cancel)},
		{Method: "POST", Path: "/api/v1/volunteer/shifts/{id}/walk", Tag: "volunteer", Summary: "Walk one's shift as a patrol (Idempotency-Key; positions recorded only while it is on)",
			Perm: authz.VolunteerDo, Status: 201, Do: httpx.Call(s.walk)},
		{Method: "POST", Path: "/api/v1/volunteer/shifts/{id}/checkins", Tag: "volunteer", Summary: "Check in on one's shift's patrol; a check-in inside the shift is its attendance (Idempotency-Key)",
			Perm: authz.VolunteerDo, Status: 201, Do: httpx.Call(s.checkin)},
		{Method: "POST", Path: "/api/v1/volunteer/shifts/{id}/end", Tag: "volunteer", Summary: "End one's shift's patrol",
			Perm: authz.VolunteerDo, Do: httpx.Call(s.end)},
		{Method: "POST", Path: "/api/v1/volunteer/clues", Tag: "volunteer", Summary: "Report a clue: an ordinary one becomes an event, one for the police goes to the police alone (Idempotency-Key)",
			Perm: authz.VolunteerDo, Status: 201, Do: httpx.Call(s.report)},
	}
}

func (s *Service) listTeams(r *http.Request) ([]Team, error) {
	return s.Teams(r.Context(), r.URL.Query().Get("org_id"))
}

func (s *Service) createTeam(r *http.Request, in TeamInput) (Team, error) {
	return s.CreateTeam(r.Context(), in)
}

func (s *Service) updateTeam(r *http.Request, in TeamPatch) (Team, error) {
	return s.UpdateTeam(r.Context(), r.PathValue("id"), in)
}

func (s *Service) list(r *http.Request) (Page, error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("size"))
	return s.List(r.Context(), ListQuery{OrgID: q.Get("org_id"), TeamID: q.Get("team_id"), Status: q.Get("status"), Q: q.Get("q"), Page: page, Size: size})
}

func (s *Service) create(r *http.Request, in VolunteerInput) (Volunteer, error) {
	return s.Create(r.Context(), in)
}

func (s *Service) update(r *http.Request, in VolunteerPatch) (Volunteer, error) {
	return s.Update(r.Context(), r.PathValue("id"), in)
}

func (s *Service) listShifts(r *http.Request) ([]Shift, error) {
	q := r.URL.Query()
	from, _ := strconv.ParseInt(q.Get("from"), 10, 64)
	to, _ := strconv.ParseInt(q.Get("to"), 10, 64)
	return s.Shifts(r.Context(), ShiftQuery{OrgID: q.Get("org_id"), TeamID: q.Get("team_id"), From: from, To: to})
}

func (s *Service) createShift(r *http.Request, in ShiftInput) (Shift, error) {
	return s.CreateShift(r.Context(), in)
}

func (s *Service) recordHours(r *http.Request, in HoursInput) (HoursEntry, error) {
	return s.RecordHours(r.Context(), in)
}

func (s *Service) rank(r *http.Request) (Ranking, error) {
	q := r.URL.Query()
	return s.Rank(r.Context(), RankingQuery{OrgID: q.Get("org_id"), TeamID: q.Get("team_id"), Period: q.Get("period")})
}

func (s *Service) give(r *http.Request, in AwardInput) (Award, error) { return s.Give(r.Context(), in) }

func (s *Service) listClues(r *http.Request) ([]Clue, error) {
	q := r.URL.Query()
	return s.Clues(r.Context(), ClueQuery{OrgID: q.Get("org_id"), Status: q.Get("status")})
}

func (s *Service) listPoliceClues(r *http.Request) ([]Clue, error) {
	q := r.URL.Query()
	return s.PoliceClues(r.Context(), ClueQuery{OrgID: q.Get("org_id"), Status: q.Get("status")})
}

func (s *Service) receive(r *http.Request) (Clue, error) {
	return s.Receive(r.Context(), r.PathValue("id"))
}

func (s *Service) mine(r *http.Request) (Mine, error) { return s.MyPage(r.Context()) }

func (s *Service) signup(r *http.Request) (Signup, error) {
	return s.SignUp(r.Context(), r.PathValue("id"))
}

func (s *Service) cancel(r *http.Request) (Signup, error) {
	return s.Cancel(r.Context(), r.PathValue("id"))
}

func (s *Service) key(r *http.Request, what string, in any) (idem.Key, error) {
	return keyOf(r.Header.Get("Idempotency-Key"), authz.From(r.Context()).UserID, what, in)
}

func (s *Service) walk(r *http.Request, in WalkInput) (patrol.Patrol, error) {
	k, err := s.key(r, "volunteer_walk:"+r.PathValue("id"), in)
	if err != nil {
		return patrol.Patrol{}, err
	}
	return s.Walk(r.Context(), r.PathValue("id"), in, k)
}

func (s *Service) checkin(r *http.Request, in patrol.CheckinInput) (patrol.Patrol, error) {
	k, err := s.key(r, "volunteer_checkin:"+r.PathValue("id"), in)
	if err != nil {
		return patrol.Patrol{}, err
	}
	return s.CheckIn(r.Context(), r.PathValue("id"), in, k)
}

func (s *Service) end(r *http.Request, in patrol.EndInput) (patrol.Patrol, error) {
	return s.End(r.Context(), r.PathValue("id"), in)
}

func (s *Service) report(r *http.Request, in ClueInput) (Clue, error) {
	k, err := s.key(r, "volunteer_clue", in)
	if err != nil {
		return Clue{}, err
	}
	return s.Report(r.Context(), in, k)
}
