package village

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Routes are the score sheets', the councils' and the public list's
// endpoints.
func (s *Service) Routes() []httpx.Route {
	const tag = "village"
	r := func(method, path, summary string, perm authz.Perm, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: method, Path: path, Tag: tag, Summary: summary, Perm: perm, Do: do}
	}
	month := []httpx.Param{{Name: "month", In: "query", Desc: "YYYY-MM", Required: true}}
	return []httpx.Route{
		r("GET", "/api/v1/villages/{id}/scoring", "A village's score sheet in force, its village rules (村规民约) and its list settings", authz.VillageRead, httpx.Get(s.getScoring)),
		r("PUT", "/api/v1/villages/{id}/scoring", "Save the list settings, the village rules and the sheet (a sheet with scores becomes a new version)", authz.VillageWrite, httpx.Call(s.saveScoring)),
		r("GET", "/api/v1/villages/{id}/households", "The village's households, named as the village chose", authz.VillageScore, httpx.Get(s.households)),
		{Method: "GET", Path: "/api/v1/villages/{id}/scores", Tag: tag, Summary: "The scores of a month, with their appeals (audited read)", Perm: authz.VillageRead, Params: month, Do: httpx.Get(s.listScores)},
		{Method: "POST", Path: "/api/v1/villages/{id}/scores", Tag: tag, Summary: "Record a household's score with its evidence and up to three photos (base64; a veto item takes no points); Idempotency-Key honoured", Perm: authz.VillageScore, Status: 201, MaxBody: 12 << 20, Do: httpx.Call(s.recordScore)},
		{Method: "GET", Path: "/api/v1/village-scores/{id}/photos/{seq}", Tag: tag, Summary: "A photo a score was recorded with (metadata stripped; audited read)",
			Perm: authz.VillageRead, OutType: "image/jpeg", Out: []byte{}, Handler: s.servePhoto},
		r("POST", "/api/v1/village-scores/{id}/appeal", "Lodge an appeal against a score (the household or a grid member)", authz.VillageScore, httpx.Call(s.appeal)),
		r("POST", "/api/v1/village-scores/{id}/decide", "The council upholds or overturns an appeal, with a reason (an overturned score stops counting)", authz.VillageWrite, httpx.Call(s.decide)),
		r("GET", "/api/v1/villages/{id}/months/{month}", "The monthly list: totals, ranks, 一票否决 and recognition", authz.VillageRead, httpx.Get(s.month)),
		r("POST", "/api/v1/villages/{id}/months/{month}/review", "Mark the month's list reviewed", authz.VillageWrite, httpx.Call(s.review)),
		r("POST", "/api/v1/villages/{id}/months/{month}/publish", "Publish the reviewed list on the village's public page (publishing again changes nothing)", authz.VillageWrite, httpx.Call(s.publish)),
		{Method: "GET", Path: "/api/v1/public/villages/{code}/scores", Tag: tag, Summary: "The published months of a village (no sign-in)", Public: true, Do: httpx.Get(s.publicMonths)},
		{Method: "GET", Path: "/api/v1/public/villages/{code}/scores/{month}", Tag: tag, Summary: "A published monthly list of a village (no sign-in): names as the village chose, totals, ranks, recognition", Public: true, Do: httpx.Get(s.public)},

		r("GET", "/api/v1/villages/{id}/councils", "The village's councils (村民理事会, 邻里议事会) with their members", authz.VillageRead, httpx.Get(s.councils)),
		{Method: "POST", Path: "/api/v1/villages/{id}/councils", Tag: tag, Summary: "Make a council with its members (phones sealed) and its vote rule", Perm: authz.VillageWrite, Status: 201, Do: httpx.Call(s.createCouncil)},
		r("GET", "/api/v1/village-councils/{id}", "A council with its members, meetings and proposals", authz.VillageRead, httpx.Get(s.council_)),
		r("POST", "/api/v1/village-councils/{id}/members", "Add a member to a council (phone sealed)", authz.VillageWrite, httpx.Call(s.addMember)),
		r("POST", "/api/v1/village-councils/{id}/members/{member}/leave", "Record that a member has left a council (the last one stays)", authz.VillageWrite,
			httpx.Call(s.removeMember)),
		r("POST", "/api/v1/village-councils/{id}/meetings", "Record a meeting: agenda, attendance, minutes", authz.VillageWrite, httpx.Call(s.addMeeting)),
		{Method: "POST", Path: "/api/v1/village-councils/{id}/proposals", Tag: tag, Summary: "Put a proposal to consultation (意见征询) for a period", Perm: authz.VillageWrite, Status: 201, Do: httpx.Call(s.addProposal)},
		r("GET", "/api/v1/village-proposals/{id}", "A proposal with its opinions, vote and follow-up", authz.VillageRead, httpx.Get(s.getProposal)),
		r("POST", "/api/v1/village-proposals/{id}/opinions", "Record an opinion given at a meeting", authz.VillageWrite, httpx.Call(s.recordOpinion)),
		r("POST", "/api/v1/village-proposals/{id}/close", "Close the consultation", authz.VillageWrite, httpx.Call(s.closeConsultation)),
		r("POST", "/api/v1/village-proposals/{id}/vote", "Record the council's vote at a meeting; passed or rejected by the council's rule", authz.VillageWrite, httpx.Call(s.vote)),
		r("POST", "/api/v1/village-proposals/{id}/follow-ups", "Add a step of carrying out a passed proposal", authz.VillageWrite, httpx.Call(s.addFollowUp)),
		r("POST", "/api/v1/village-follow-ups/{id}/done", "Mark a follow-up step done", authz.VillageWrite, httpx.Call(s.followUpDone)),
		r("GET", "/api/v1/my/proposals", "The proposals open for consultation in the resident's area, with the resident's own opinion", authz.VillageOpine, httpx.Get(s.myProposals)),
		r("PUT", "/api/v1/my/proposals/{id}/opinion", "Give or change one's one opinion on an open proposal", authz.VillageOpine, httpx.Call(s.giveOpinion)),
	}
}

func (s *Service) getScoring(r *http.Request) (Scoring, error) {
	return s.Scoring(r.Context(), r.PathValue("id"))
}
func (s *Service) saveScoring(r *http.Request, in ScoringInput) (Scoring, error) {
	return s.SaveScoring(r.Context(), r.PathValue("id"), in)
}
func (s *Service) households(r *http.Request) (Page[Household], error) {
	out, err := s.Households(r.Context(), r.PathValue("id"))
	return Page[Household]{Items: out}, err
}
func (s *Service) listScores(r *http.Request) (Page[Score], error) {
	out, err := s.Scores(r.Context(), r.PathValue("id"), r.URL.Query().Get("month"))
	return Page[Score]{Items: out}, err
}
func (s *Service) addMember(r *http.Request, in MemberInput) (Council, error) {
	return s.AddMember(r.Context(), r.PathValue("id"), in)
}
func (s *Service) removeMember(r *http.Request, _ struct{}) (Council, error) {
	return s.RemoveMember(r.Context(), r.PathValue("id"), r.PathValue("member"))
}

// recordScore takes an optional Idempotency-Key: the phone names each
// score it sends, so a retry after a lost answer records it once.
func (s *Service) recordScore(r *http.Request, in ScoreInput) (Score, error) {
	key := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", key); err != nil {
		return Score{}, err
	}
	org := r.PathValue("id")
	return s.RecordScore(r.Context(), org, in, idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":village_score", Key: key,
		Fingerprint: idem.Fingerprint(struct {
			Org string
			In  ScoreInput
		}{org, in})})
}
func (s *Service) servePhoto(w http.ResponseWriter, r *http.Request) error {
	seq, _ := strconv.Atoi(r.PathValue("seq"))
	data, ct, err := s.Photo(r.Context(), r.PathValue("id"), seq)
	return photo.Write(w, data, ct, err, true) // each look is audited
}
func (s *Service) appeal(r *http.Request, in AppealInput) (Score, error) {
	return s.Appeal(r.Context(), r.PathValue("id"), in)
}
func (s *Service) decide(r *http.Request, in DecideInput) (Score, error) {
	return s.Decide(r.Context(), r.PathValue("id"), in)
}
func (s *Service) month(r *http.Request) (Month, error) {
	return s.Month(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) review(r *http.Request, _ struct{}) (Month, error) {
	return s.Review(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) publish(r *http.Request, _ struct{}) (Month, error) {
	return s.Publish(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) publicMonths(r *http.Request) (Page[string], error) {
	out, err := s.PublishedMonths(r.Context(), r.PathValue("code"))
	return Page[string]{Items: out}, err
}
func (s *Service) public(r *http.Request) (Month, error) {
	return s.Public(r.Context(), r.PathValue("code"), r.PathValue("month"))
}
func (s *Service) councils(r *http.Request) (Page[Council], error) {
	out, err := s.Councils(r.Context(), r.PathValue("id"))
	return Page[Council]{Items: out}, err
}
func (s *Service) createCouncil(r *http.Request, in CouncilInput) (Council, error) {
	return s.CreateCouncil(r.Context(), r.PathValue("id"), in)
}
func (s *Service) council_(r *http.Request) (Council, error) {
	return s.Council(r.Context(), r.PathValue("id"))
}
func (s *Service) addMeeting(r *http.Request, in MeetingInput) (Council, error) {
	return s.AddMeeting(r.Context(), r.PathValue("id"), in)
}
func (s *Service) addProposal(r *http.Request, in ProposalInput) (Proposal, error) {
	return s.AddProposal(r.Context(), r.PathValue("id"), in)
}
func (s *Service) getProposal(r *http.Request) (Proposal, error) {
	return s.Proposal(r.Context(), r.PathValue("id"))
}
func (s *Service) recordOpinion(r *http.Request, in OpinionInput) (Proposal, error) {
	return s.RecordOpinion(r.Context(), r.PathValue("id"), in)
}
func (s *Service) closeConsultation(r *http.Request, _ struct{}) (Proposal, error) {
	return s.CloseConsultation(r.Context(), r.PathValue("id"))
}
func (s *Service) vote(r *http.Request, in VoteInput) (Proposal, error) {
	return s.Vote(r.Context(), r.PathValue("id"), in)
}
func (s *Service) addFollowUp(r *http.Request, in FollowUpInput) (Proposal, error) {
	return s.AddFollowUp(r.Context(), r.PathValue("id"), in)
}
func (s *Service) followUpDone(r *http.Request, in DoneInput) (Proposal, error) {
	return s.FollowUpDone(r.Context(), r.PathValue("id"), in)
}
func (s *Service) myProposals(r *http.Request) (Page[Proposal], error) {
	out, err := s.MyProposals(r.Context())
	return Page[Proposal]{Items: out}, err
}
func (s *Service) giveOpinion(r *http.Request, in OpinionInput) (Proposal, error) {
	return s.GiveOpinion(r.Context(), r.PathValue("id"), in)
}
