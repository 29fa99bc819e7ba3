package assess

import (
	"net/http"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Routes are the assessment endpoints.
func (s *Service) Routes() []httpx.Route {
	area := httpx.Param{Name: "org_id", In: "query", Desc: "the area (default the caller's)"}
	month := httpx.Param{Name: "month", In: "query", Desc: "YYYY-MM (default this month)"}
	year := httpx.Param{Name: "year", In: "query", Desc: "YYYY"}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/assess/board", Tag: "assess", Summary: "日清周评月考核: a day's, week's or month's scores of an area per member, grid, village or town",
			Perm: authz.AssessRead, Params: []httpx.Param{{Name: "period", In: "query", Desc: "day, week, month"}, {Name: "date", In: "query", Desc: "YYYY-MM-DD (day, week)"},
				month, {Name: "level", In: "query", Desc: "member, grid, village, town"}, area}, Do: httpx.Get(s.board)},
		{Method: "GET", Path: "/api/v1/assess/ranking", Tag: "assess", Summary: "The ranking of an area's grid members for a month or a year, with the 十佳 candidates and choices",
			Perm: authz.AssessRead, Params: []httpx.Param{month, year, area}, Do: httpx.Get(s.rankingRoute)},
		{Method: "POST", Path: "/api/v1/assess/awards", Tag: "assess", Summary: "Choose the 十佳网格员 of a month or a year from the ranking (audited)",
			Perm: authz.AssessWrite, Status: 201, Do: httpx.Call(s.choose)},
		{Method: "GET", Path: "/api/v1/assess/awards", Tag: "assess", Summary: "The awards of an area's members, newest first",
			Perm: authz.AssessRead, Params: []httpx.Param{year, area}, Do: httpx.Get(s.awardList)},
		{Method: "GET", Path: "/api/v1/assess/weights", Tag: "assess", Summary: "A county's weights of the online score (defaults where unset)",
			Perm: authz.AssessRead, Params: []httpx.Param{{Name: "org_id", In: "query", Desc: "the county (default the caller's)"}}, Do: httpx.Get(s.weights)},
		{Method: "PUT", Path: "/api/v1/assess/weights", Tag: "assess", Summary: "Set metrics of a county's weights (assess.write over the county; audited)",
			Perm: authz.AssessWrite, Do: httpx.Call(s.setWeights)},
		{Method: "GET", Path: "/api/v1/assess/offline", Tag: "assess", Summary: "Offline scores (线下考核) of an area's month",
			Perm: authz.AssessRead, Params: []httpx.Param{month, area}, Do: httpx.Get(s.offlineList)},
		{Method: "POST", Path: "/api/v1/assess/offline", Tag: "assess", Summary: "Enter offline points for a member's month, with a reason (audited)",
			Perm: authz.AssessWrite, Status: 201, Do: httpx.Call(s.addOffline)},
		{Method: "POST", Path: "/api/v1/assess/months/close", Tag: "assess", Summary: "Close a county's month: its scores are frozen for the published ranking (audited)",
			Perm: authz.AssessWrite, Status: 201, Do: httpx.Call(s.closeMonth)},
		{Method: "GET", Path: "/api/v1/assess/trainings", Tag: "assess", Summary: "网格学堂: an area's training sessions of a year and each member's hours",
			Perm: authz.AssessRead, Params: []httpx.Param{year, area}, Do: httpx.Get(s.trainings)},
		{Method: "POST", Path: "/api/v1/assess/trainings", Tag: "assess", Summary: "Record a training session with its attendance (audited)",
			Perm: authz.AssessWrite, Status: 201, Do: httpx.Call(s.createTraining)},
		{Method: "GET", Path: "/api/v1/assess/trainings/{id}", Tag: "assess", Summary: "A training session with who attended",
			Perm: authz.AssessRead, Do: httpx.Get(s.training)},
		{Method: "PUT", Path: "/api/v1/assess/trainings/{id}/attendance", Tag: "assess", Summary: "Replace who attended a training session (audited)",
			Perm: authz.AssessWrite, Do: httpx.Call(s.setAttendance)},
		{Method: "GET", Path: "/api/v1/assess/workers/{id}/record", Tag: "assess", Summary: "A roster member's awards and training hours",
			Perm: authz.WorkforceRead, Do: httpx.Get(s.workerRecord)},
		{Method: "GET", Path: "/api/v1/assess/mine", Tag: "assess", Summary: "The caller's own score of a month with each metric and their rank",
			Perm: authz.GridworkDo, Params: []httpx.Param{month}, Do: httpx.Get(s.mine)},
	}
}

func (s *Service) board(r *http.Request) (Board, error) {
	q := r.URL.Query()
	return s.Board(r.Context(), BoardQuery{Period: q.Get("period"), Date: q.Get("date"), Month: q.Get("month"), Level: q.Get("level"), OrgID: q.Get("org_id")})
}

func (s *Service) rankingRoute(r *http.Request) (Ranking, error) {
	q := r.URL.Query()
	return s.Ranking(r.Context(), RankingQuery{Month: q.Get("month"), Year: q.Get("year"), OrgID: q.Get("org_id")})
}

func (s *Service) choose(r *http.Request, in ChooseInput) (Ranking, error) {
	return s.ChooseTopTen(r.Context(), in)
}

func (s *Service) awardList(r *http.Request) (Page[Award], error) {
	as, err := s.AwardList(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("year"))
	return Page[Award]{Items: as}, err
}

func (s *Service) weights(r *http.Request) (WeightTable, error) {
	return s.Weights(r.Context(), r.URL.Query().Get("org_id"))
}

func (s *Service) setWeights(r *http.Request, in WeightsInput) (WeightTable, error) {
	return s.SetWeights(r.Context(), in)
}

func (s *Service) offlineList(r *http.Request) (Page[Offline], error) {
	os, err := s.OfflineList(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("month"))
	return Page[Offline]{Items: os}, err
}

func (s *Service) addOffline(r *http.Request, in OfflineInput) (Offline, error) {
	return s.AddOffline(r.Context(), in)
}

func (s *Service) closeMonth(r *http.Request, in CloseInput) (Closed, error) {
	return s.CloseMonth(r.Context(), in)
}

func (s *Service) trainings(r *http.Request) (Trainings, error) {
	return s.TrainingList(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("year"))
}

func (s *Service) createTraining(r *http.Request, in TrainingInput) (Training, error) {
	return s.CreateTraining(r.Context(), in)
}

func (s *Service) training(r *http.Request) (Training, error) {
	return s.Training(r.Context(), r.PathValue("id"))
}

func (s *Service) setAttendance(r *http.Request, in AttendanceInput) (Training, error) {
	return s.SetAttendance(r.Context(), r.PathValue("id"), in)
}

func (s *Service) workerRecord(r *http.Request) (Record, error) {
	return s.WorkerRecord(r.Context(), r.PathValue("id"))
}

func (s *Service) mine(r *http.Request) (Mine, error) {
	return s.MyMonth(r.Context(), r.URL.Query().Get("month"))
}
