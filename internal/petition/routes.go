package petition

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Items is a list answer.
type Items[T any] struct {
	Items []T `json:"items"`
}

// Routes are the petition desk's endpoints.
func (s *Service) Routes() []httpx.Route {
	id := func(p string) string { return "/api/v1/petitions/{id}" + p }
	filters := []httpx.Param{{Name: "org_id", In: "query"}, {Name: "status", In: "query"}, {Name: "channel", In: "query"},
		{Name: "type", In: "query"}, {Name: "light", In: "query", Desc: "red (overdue), yellow (due within 3 days), green"},
		{Name: "flag", In: "query", Desc: "repeat, over_level or collective"}, {Name: "supervised", In: "query", Type: "boolean"},
		{Name: "from", In: "query", Desc: "received on or after, YYYY-MM-DD"}, {Name: "to", In: "query", Desc: "received on or before"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/petitions", Tag: "petition", Summary: "Petitions (信访) of the caller's areas, names masked, with lights",
			Perm: authz.PetitionRead, Params: append(filters, httpx.Param{Name: "offset", In: "query", Type: "integer"}, httpx.Param{Name: "limit", In: "query", Type: "integer"}),
			Do: httpx.Get(s.list)},
		{Method: "GET", Path: "/api/v1/petitions/export", Tag: "petition", Summary: "The petition list as a spreadsheet (xlsx; names masked, watermarked, audited)",
			Perm: authz.PetitionRead, Params: filters, OutType: "application/octet-stream", Out: []byte{}, Handler: s.export},
		{Method: "POST", Path: "/api/v1/petitions", Tag: "petition", Summary: "Register a petition", Perm: authz.PetitionWrite, Status: 201, Do: httpx.Call(s.register)},
		{Method: "GET", Path: "/api/v1/petitions/figures", Tag: "petition", Summary: "The desk's figures by month (and by child area or type): received, closed, satisfied, repeat, collective, over-level",
			Perm: authz.PetitionRead, Params: []httpx.Param{{Name: "from", In: "query", Desc: "YYYY-MM"}, {Name: "to", In: "query", Desc: "YYYY-MM"}, {Name: "org_id", In: "query"},
				{Name: "by", In: "query", Desc: "area or type: the window's groups besides the months"}},
			Do: httpx.Get(s.figures)},
		{Method: "GET", Path: "/api/v1/petitions/review", Tag: "petition", Summary: "The weekly review (每周研判): new, overdue, repeat, collective and over-level petitions of a week",
			Perm: authz.PetitionRead, Params: []httpx.Param{{Name: "week", In: "query", Desc: "any day of the week, YYYY-MM-DD"}, {Name: "org_id", In: "query"}},
			Do: httpx.Get(s.week)},
		{Method: "POST", Path: "/api/v1/petitions/review", Tag: "petition", Summary: "Record a weekly review meeting and its decisions", Perm: authz.PetitionWrite,
			Status: 201, Do: httpx.Call(s.recordReview)},
		{Method: "GET", Path: "/api/v1/petitions/monday", Tag: "petition", Summary: "The Monday supervision list (周一集中督办日): overdue and supervised petitions",
			Perm: authz.PetitionRead, Params: []httpx.Param{{Name: "org_id", In: "query"}}, Do: httpx.Get(s.monday)},
		{Method: "GET", Path: id(""), Tag: "petition", Summary: "A petition with its timeline (audited read)", Perm: authz.PetitionRead, Do: httpx.Get(s.get)},
		{Method: "POST", Path: id("/accept"), Tag: "petition", Summary: "Accept a petition (受理), or refuse it with a reason", Perm: authz.PetitionWrite, Do: httpx.Call(s.accept)},
		{Method: "POST", Path: id("/route"), Tag: "petition", Summary: "Route a petition (访调裁审处), optionally opening a dispute case", Perm: authz.PetitionWrite, Do: httpx.Call(s.route)},
		{Method: "POST", Path: id("/reception"), Tag: "petition", Summary: "Record the leader's reception (领导接访)", Perm: authz.PetitionWrite, Do: httpx.Call(s.reception)},
		{Method: "POST", Path: id("/reply"), Tag: "petition", Summary: "Reply to a petition (答复意见)", Perm: authz.PetitionWrite, Do: httpx.Call(s.reply)},
		{Method: "POST", Path: id("/close"), Tag: "petition", Summary: "Record the petitioner's satisfaction and close", Perm: authz.PetitionWrite, Do: httpx.Call(s.close)},
		{Method: "POST", Path: id("/supervise"), Tag: "petition", Summary: "Put a supervision order (督办) with its own deadline", Perm: authz.PetitionWrite, Do: httpx.Call(s.supervise)},
		{Method: "POST", Path: id("/flags"), Tag: "petition", Summary: "Set the repeat (重复访) and over-level (越级) flags", Perm: authz.PetitionWrite, Do: httpx.Call(s.flags)},
		{Method: "POST", Path: id("/reveal"), Tag: "petition", Summary: "Show a petitioner's ID number or phone, with a reason (audited)", Perm: authz.PersonalReveal, Do: httpx.Call(s.reveal)},
		{Method: "GET", Path: "/api/v1/face-to-face", Tag: "petition", Summary: "The leaders' monthly 面对面 sessions with their problems' counts", Perm: authz.PetitionRead,
			Params: []httpx.Param{{Name: "year", In: "query", Desc: "YYYY"}}, Do: httpx.Get(s.sessions)},
		{Method: "POST", Path: "/api/v1/face-to-face", Tag: "petition", Summary: "Record a 面对面 session with the problems raised", Perm: authz.PetitionWrite, Status: 201, Do: httpx.Call(s.createSession)},
		{Method: "GET", Path: "/api/v1/face-to-face/{id}", Tag: "petition", Summary: "A 面对面 session with its problems and follow-ups", Perm: authz.PetitionRead, Do: httpx.Get(s.session1)},
		{Method: "POST", Path: "/api/v1/face-to-face/{id}/problems", Tag: "petition", Summary: "Add a problem raised at a session", Perm: authz.PetitionWrite, Do: httpx.Call(s.addProblem)},
		{Method: "POST", Path: "/api/v1/face-to-face/{id}/problems/{problem}", Tag: "petition", Summary: "Follow a problem up, or close it with its result",
			Perm: authz.PetitionWrite, Do: httpx.Call(s.followUp)},
	}
}

func (s *Service) list(r *http.Request) (List, error) { return s.List(r.Context(), listQuery(r)) }

// listQuery reads the list's filters from the query string.
func listQuery(r *http.Request) ListQuery {
	q := r.URL.Query()
	return ListQuery{OrgID: q.Get("org_id"), Status: q.Get("status"), Channel: q.Get("channel"), Type: q.Get("type"), Light: q.Get("light"),
		Flag: q.Get("flag"), Supervised: q.Get("supervised") == "true", From: q.Get("from"), To: q.Get("to"), Offset: parseInt(q.Get("offset")), Limit: parseInt(q.Get("limit"))}
}

func (s *Service) register(r *http.Request, in PetitionInput) (Petition, error) {
	return s.Register(r.Context(), in)
}

func (s *Service) figures(r *http.Request) (Figures, error) {
	q := r.URL.Query()
	return s.Figures(r.Context(), q.Get("from"), q.Get("to"), q.Get("org_id"), q.Get("by"))
}

func (s *Service) week(r *http.Request) (Week, error) {
	return s.Week(r.Context(), r.URL.Query().Get("week"), r.URL.Query().Get("org_id"))
}

func (s *Service) recordReview(r *http.Request, in ReviewInput) (Review, error) {
	return s.RecordReview(r.Context(), in)
}

func (s *Service) monday(r *http.Request) (Monday, error) {
	return s.MondayList(r.Context(), r.URL.Query().Get("org_id"))
}

func (s *Service) get(r *http.Request) (Petition, error) {
	return s.Get(r.Context(), r.PathValue("id"))
}

func (s *Service) accept(r *http.Request, in AcceptInput) (Petition, error) {
	return s.Accept(r.Context(), r.PathValue("id"), in)
}

func (s *Service) route(r *http.Request, in RouteInput) (Petition, error) {
	return s.RouteTo(r.Context(), r.PathValue("id"), in)
}

func (s *Service) reception(r *http.Request, in ReceptionInput) (Petition, error) {
	return s.Reception(r.Context(), r.PathValue("id"), in)
}

func (s *Service) reply(r *http.Request, in ReplyInput) (Petition, error) {
	return s.Reply(r.Context(), r.PathValue("id"), in)
}

func (s *Service) close(r *http.Request, in CloseInput) (Petition, error) {
	return s.Close(r.Context(), r.PathValue("id"), in)
}

func (s *Service) supervise(r *http.Request, in SuperviseInput) (Petition, error) {
	return s.Supervise(r.Context(), r.PathValue("id"), in)
}

func (s *Service) flags(r *http.Request, in FlagsInput) (Petition, error) {
	return s.SetFlags(r.Context(), r.PathValue("id"), in)
}

func (s *Service) reveal(r *http.Request, in RevealInput) (Revealed, error) {
	return s.Reveal(r.Context(), r.PathValue("id"), in)
}

func (s *Service) sessions(r *http.Request) (Items[Session], error) {
	out, err := s.Sessions(r.Context(), r.URL.Query().Get("year"))
	return Items[Session]{Items: out}, err
}

func (s *Service) createSession(r *http.Request, in SessionInput) (Session, error) {
	return s.CreateSession(r.Context(), in)
}

func (s *Service) session1(r *http.Request) (Session, error) {
	return s.Session(r.Context(), r.PathValue("id"))
}

func (s *Service) addProblem(r *http.Request, in ProblemInput) (Session, error) {
	return s.AddProblem(r.Context(), r.PathValue("id"), in)
}

func (s *Service) followUp(r *http.Request, in FollowUpInput) (Session, error) {
	return s.FollowUp(r.Context(), r.PathValue("id"), r.PathValue("problem"), in)
}
