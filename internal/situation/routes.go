package situation

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// SheetInput is a sheet's rows.
type SheetInput struct {
	Items []Input `json:"items"`
}

// SheetAnswer says how many rows were taken.
type SheetAnswer struct {
	Created int `json:"created"`
}

// recipients says who reads and answers the briefings sent to a unit.
const recipients = "the staff of a unit the briefing was issued to"

// Routes are the 三情's endpoints: the console's (situation.*) and the
// feed's (a source's key and signature).
func (s *Service) Routes() []httpx.Route {
	const tag = "situation"
	r := func(method, path, summary string, perm authz.Perm, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: method, Path: path, Tag: tag, Summary: summary, Perm: perm, Do: do}
	}
	created := func(rt httpx.Route) httpx.Route { rt.Status = http.StatusCreated; return rt }
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/situation-areas/{id}/situations", Tag: tag, Summary: "The situations of an area, newest first (people counted, not named)",
			Perm: authz.SituationRead, Params: []httpx.Param{{Name: "from", In: "query", Desc: "first day, YYYY-MM-DD"}, {Name: "to", In: "query", Desc: "last day"},
				{Name: "kind", In: "query", Desc: "petition, police or opinion"}, {Name: "category", In: "query"}, {Name: "level", In: "query", Desc: "general, serious or major"},
				{Name: "status", In: "query", Desc: "open or closed"}, {Name: "q", In: "query", Desc: "a text in the place or the summary"}},
			Do: httpx.Get(s.list)},
		created(r("POST", "/api/v1/situation-areas/{id}/situations", "Enter a situation of a county or city by hand; serious and major ones are pushed to their town at once", authz.SituationEnter, httpx.Call(s.enterOne))),
		created(r("POST", "/api/v1/situation-areas/{id}/sheet", "Enter a sheet's rows, all or nothing, each bad field named by its row", authz.SituationEnter, httpx.Call(s.enterSheet))),
		{Method: "GET", Path: "/api/v1/situation-areas/{id}/analysis", Tag: tag, Summary: "A day's analysis: counts beside the day before, clusters, repeat places and people, the judgement",
			Perm: authz.SituationRead, Params: []httpx.Param{{Name: "day", In: "query", Desc: "YYYY-MM-DD; today by default"}}, Do: httpx.Get(s.analysis)},
		r("PUT", "/api/v1/situation-areas/{id}/judgements/{day}", "Record the analyst's judgement of a day", authz.SituationSteer, httpx.Call(s.judge)),
		r("GET", "/api/v1/situation-areas/{id}/meetings", "The weekly scheduling meetings of a county or city", authz.SituationRead, httpx.Get(s.meetingsRoute)),
		created(r("POST", "/api/v1/situation-areas/{id}/meetings", "Open the week's scheduling meeting", authz.SituationSteer, httpx.Call(s.openMeetingRoute))),
		r("GET", "/api/v1/situation-areas/{id}/sources", "The systems feeding situations in, with their last week's traffic", authz.SituationSteer, httpx.Get(s.sources)),
		created(r("POST", "/api/v1/situation-areas/{id}/sources", "Register a feeding system: its key and signing secret are shown this once", authz.SituationSteer, httpx.Call(s.createSource))),
		r("POST", "/api/v1/situation-sources/{id}/revoke", "Stop a feeding system's key for good", authz.SituationSteer, httpx.Get(s.revoke)),
		r("GET", "/api/v1/situations/{id}", "A situation with its people's masked names and its follow-up (decisions, tasks, replies)", authz.SituationRead, httpx.Get(s.get)),
		r("GET", "/api/v1/situations/{id}/people", "The people of a situation in clear (audited)", authz.SituationPeople, httpx.Get(s.people)),
		r("POST", "/api/v1/situations/{id}/close", "Close a situation with how it ended", authz.SituationSteer, httpx.Call(s.close)),
		r("GET", "/api/v1/situation-meetings/{id}", "A meeting with its decisions; an open one with its agenda and the tasks carried over", authz.SituationRead, httpx.Get(s.meeting)),
		r("PUT", "/api/v1/situation-meetings/{id}", "Edit an open meeting (version checked)", authz.SituationSteer, httpx.Call(s.saveMeeting)),
		r("POST", "/api/v1/situation-meetings/{id}/hold", "Mark a meeting held with its minutes; nothing changes after", authz.SituationSteer, httpx.Call(s.hold)),
		r("POST", "/api/v1/situation-meetings/{id}/decisions", "Record a decision on a situation, pushing a task to a town, village or unit", authz.SituationSteer, httpx.Call(s.decide)),
		{Method: "GET", Path: "/api/v1/situation-areas/{id}/briefings", Tag: tag, Summary: "The 平安稳定专报 of a county or city, newest first (drafts for those who write or sign them)",
			Perm: authz.SituationRead, Params: []httpx.Param{{Name: "q", In: "query", Desc: "a text in the title or the body"}, {Name: "year", In: "query", Desc: "the issue year"}},
			Do: httpx.Get(s.briefingsRoute)},
		created(r("POST", "/api/v1/situation-areas/{id}/briefings", "Draft a briefing of a period", authz.SituationSteer, httpx.Call(s.draftBriefing))),
		{Method: "GET", Path: "/api/v1/situation-briefings/mine", Tag: tag, Summary: "The briefings issued to the caller's unit", Access: recipients, Do: httpx.Get(s.myBriefings)},
		{Method: "GET", Path: "/api/v1/situation-briefings/{id}", Tag: tag, Summary: "A briefing with its figures (frozen once issued) and its units' receipts; a recipient's first reading is its receipt",
			Access: "readers of its county (situation.read; drafts: situation.steer, situation.sign) and the staff of the units it went to", Do: httpx.Get(s.briefingRoute)},
		r("PUT", "/api/v1/situation-briefings/{id}", "Edit a draft (version checked)", authz.SituationSteer, httpx.Call(s.saveBriefing)),
		r("POST", "/api/v1/situation-briefings/{id}/submit", "Send a draft for sign-off", authz.SituationSteer, httpx.Get(s.submitBriefing)),
		r("POST", "/api/v1/situation-briefings/{id}/return", "Send a briefing under review back with the reason", authz.SituationSign, httpx.Call(s.returnBriefing)),
		r("POST", "/api/v1/situation-briefings/{id}/issue", "Sign off and issue a briefing to units: numbered, its figures frozen", authz.SituationSign, httpx.Call(s.issueBriefing)),
		{Method: "POST", Path: "/api/v1/situation-briefings/{id}/reply", Tag: tag, Summary: "Reply for the caller's unit to a briefing it received", Access: recipients, Do: httpx.Call(s.replyBriefing)},
		{Method: "POST", Path: "/api/v1/situation-feed", Tag: tag,
			Summary: "A feeding system pushes up to 500 situations: X-API-Key, X-Timestamp (Unix seconds) and X-Signature (hex HMAC-SHA256 of the timestamp, a newline and the body); each record created, updated, unchanged or rejected with its errors",
			Public:  true, In: FeedInput{}, Out: FeedAnswer{},
			Params: []httpx.Param{{Name: "X-API-Key", In: "header", Required: true}, {Name: "X-Timestamp", In: "header", Required: true},
				{Name: "X-Signature", In: "header", Required: true}},
			Handler: s.serveFeed},
	}
}

func (s *Service) list(r *http.Request) (Page[Situation], error) {
	v := r.URL.Query()
	out, err := s.List(r.Context(), r.PathValue("id"), Query{From: v.Get("from"), To: v.Get("to"), Kind: v.Get("kind"), Category: v.Get("category"),
		Level: v.Get("level"), Status: v.Get("status"), Text: v.Get("q")})
	return Page[Situation]{out}, err
}
func (s *Service) enterOne(r *http.Request, in Input) (Situation, error) {
	return s.Enter(r.Context(), r.PathValue("id"), in)
}
func (s *Service) enterSheet(r *http.Request, in SheetInput) (SheetAnswer, error) {
	n, err := s.EnterSheet(r.Context(), r.PathValue("id"), in.Items)
	return SheetAnswer{n}, err
}
func (s *Service) analysis(r *http.Request) (Analysis, error) {
	return s.Analyse(r.Context(), r.PathValue("id"), r.URL.Query().Get("day"))
}
func (s *Service) judge(r *http.Request, in JudgementInput) (Judgement, error) {
	return s.Judge(r.Context(), r.PathValue("id"), r.PathValue("day"), in)
}
func (s *Service) meetingsRoute(r *http.Request) (Page[Meeting], error) {
	out, err := s.Meetings(r.Context(), r.PathValue("id"))
	return Page[Meeting]{out}, err
}
func (s *Service) openMeetingRoute(r *http.Request, in MeetingInput) (Meeting, error) {
	return s.OpenMeeting(r.Context(), r.PathValue("id"), in)
}
func (s *Service) sources(r *http.Request) (Page[Source], error) {
	out, err := s.Sources(r.Context(), r.PathValue("id"))
	return Page[Source]{out}, err
}
func (s *Service) createSource(r *http.Request, in SourceInput) (NewSource, error) {
	return s.CreateSource(r.Context(), r.PathValue("id"), in)
}
func (s *Service) revoke(r *http.Request) (struct{}, error) {
	return struct{}{}, s.RevokeSource(r.Context(), r.PathValue("id"))
}
func (s *Service) get(r *http.Request) (Situation, error) {
	return s.Get(r.Context(), r.PathValue("id"))
}
func (s *Service) people(r *http.Request) (Page[Person], error) {
	out, err := s.People(r.Context(), r.PathValue("id"))
	return Page[Person]{out}, err
}
func (s *Service) close(r *http.Request, in CloseInput) (Situation, error) {
	return s.Close(r.Context(), r.PathValue("id"), in)
}
func (s *Service) meeting(r *http.Request) (Meeting, error) {
	return s.Meeting(r.Context(), r.PathValue("id"))
}
func (s *Service) saveMeeting(r *http.Request, in MeetingInput) (Meeting, error) {
	return s.SaveMeeting(r.Context(), r.PathValue("id"), in, false)
}
func (s *Service) hold(r *http.Request, in MeetingInput) (Meeting, error) {
	return s.SaveMeeting(r.Context(), r.PathValue("id"), in, true)
}
func (s *Service) decide(r *http.Request, in DecisionInput) (Meeting, error) {
	return s.Decide(r.Context(), r.PathValue("id"), in)
}

func (s *Service) briefingsRoute(r *http.Request) (Page[Briefing], error) {
	out, err := s.Briefings(r.Context(), r.PathValue("id"), r.URL.Query().Get("q"), r.URL.Query().Get("year"))
	return Page[Briefing]{out}, err
}
func (s *Service) myBriefings(r *http.Request) (Page[Briefing], error) {
	out, err := s.MyBriefings(r.Context())
	return Page[Briefing]{out}, err
}
func (s *Service) draftBriefing(r *http.Request, in BriefingInput) (Briefing, error) {
	return s.DraftBriefing(r.Context(), r.PathValue("id"), in)
}
func (s *Service) briefingRoute(r *http.Request) (Briefing, error) {
	return s.Briefing(r.Context(), r.PathValue("id"))
}
func (s *Service) saveBriefing(r *http.Request, in BriefingInput) (Briefing, error) {
	return s.SaveBriefing(r.Context(), r.PathValue("id"), in)
}
func (s *Service) submitBriefing(r *http.Request) (Briefing, error) {
	return s.SubmitBriefing(r.Context(), r.PathValue("id"))
}
func (s *Service) returnBriefing(r *http.Request, in NoteInput) (Briefing, error) {
	return s.ReturnBriefing(r.Context(), r.PathValue("id"), in)
}
func (s *Service) issueBriefing(r *http.Request, in IssueInput) (Briefing, error) {
	return s.IssueBriefing(r.Context(), r.PathValue("id"), in)
}
func (s *Service) replyBriefing(r *http.Request, in NoteInput) (Briefing, error) {
	return s.ReplyBriefing(r.Context(), r.PathValue("id"), in)
}
