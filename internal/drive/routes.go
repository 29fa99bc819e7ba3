package drive

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

// Routes are the campaigns' endpoints.
func (s *Service) Routes() []httpx.Route {
	const tag = "drive"
	r := func(method, path, summary string, perm authz.Perm, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: method, Path: path, Tag: tag, Summary: summary, Perm: perm, Do: do}
	}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/drives", Tag: tag, Summary: "The special campaigns (专项行动) of a county or city: running, drafts, closed, each with its progress",
			Perm: authz.DriveRead, Params: []httpx.Param{{Name: "root_id", In: "query", Desc: "the county or city"}}, Do: httpx.Get(s.list)},
		{Method: "POST", Path: "/api/v1/drives", Tag: tag, Summary: "Plan a campaign of a county or city (root_id) as a draft: period, aim, the towns and units taking part, its list of actions",
			Perm: authz.DriveWrite, Status: http.StatusCreated, Do: httpx.Call(s.create)},
		r("GET", "/api/v1/drives/{id}", "A campaign with its lists and progress", authz.DriveRead, httpx.Get(s.get)),
		r("PUT", "/api/v1/drives/{id}", "Edit a draft campaign (version: the one read)", authz.DriveWrite, httpx.Call(s.update)),
		r("POST", "/api/v1/drives/{id}/start", "Start a draft: each action is pushed to every town, village, grid or unit of its level, and the clue intake opens", authz.DriveWrite, httpx.Call(s.start)),
		r("POST", "/api/v1/drives/{id}/close", "Close a running campaign with its results in words", authz.DriveWrite, httpx.Call(s.close)),
		{Method: "GET", Path: "/api/v1/drives/{id}/assignments", Tag: tag, Summary: "A campaign's assignments with their reports and lights",
			Perm: authz.DriveRead, Params: []httpx.Param{{Name: "action", In: "query"}, {Name: "town", In: "query"}, {Name: "light", In: "query", Desc: "green, yellow or red"}},
			Do: httpx.Get(s.assignments)},
		r("GET", "/api/v1/drives/{id}/figures", "A campaign's figures per town and unit: assignments done and overdue, each action's count, clues given and confirmed", authz.DriveRead, httpx.Get(s.figures)),
		{Method: "GET", Path: "/api/v1/drives/{id}/export", Tag: tag, Summary: "A campaign's figures per town and unit and every line with its report, as a workbook (watermarked, audited)",
			Perm: authz.DriveRead, OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportFigures},
		{Method: "GET", Path: "/api/v1/drives/mine", Tag: tag, Summary: "The caller's part in running campaigns: what was pushed to their grids, area or unit, the campaigns taking clues, their clues' status",
			Access: "holders of drive.do or drive.clue, and a unit's statistician (safety.report)", Do: httpx.Get(s.mine)},
		{Method: "POST", Path: "/api/v1/drive-assignments/{id}/report", Tag: tag, Summary: "Report on an assignment: the count done so far, a note, done",
			Access: "holders of drive.do over the grid or area, a unit's staff for its unit's lines, the committee", Do: httpx.Call(s.report)},
		{Method: "POST", Path: "/api/v1/drives/{id}/clues", Tag: tag, Summary: "Give a running campaign a confidential clue, sealed for the police of its area (Idempotency-Key)",
			Perm: authz.DriveClue, Status: http.StatusCreated, Do: httpx.Call(s.giveClue)},
		{Method: "GET", Path: "/api/v1/drive-clues", Tag: tag, Summary: "The clues of the caller's area, without what they say",
			Perm: authz.DriveClues, Params: []httpx.Param{{Name: "status", In: "query", Desc: "received, verifying, confirmed, unfounded or transferred"}}, Do: httpx.Get(s.clues)},
		r("GET", "/api/v1/drive-clues/{id}", "Open a clue: what it says, where, the contact and (unless anonymous) its giver; audited", authz.DriveClues, httpx.Get(s.openClue)),
		r("POST", "/api/v1/drive-clues/{id}/handle", "Take up a clue (verifying) or record the finding with its note", authz.DriveClues, httpx.Call(s.handleClue)),
	}
}

func (s *Service) list(r *http.Request) (Page[Drive], error) {
	out, err := s.List(r.Context(), r.URL.Query().Get("root_id"))
	return Page[Drive]{out}, err
}
func (s *Service) create(r *http.Request, in Input) (Drive, error) {
	return s.Create(r.Context(), in)
}
func (s *Service) get(r *http.Request) (Drive, error) { return s.Get(r.Context(), r.PathValue("id")) }
func (s *Service) update(r *http.Request, in Input) (Drive, error) {
	return s.Update(r.Context(), r.PathValue("id"), in)
}
func (s *Service) start(r *http.Request, _ struct{}) (Drive, error) {
	return s.Start(r.Context(), r.PathValue("id"))
}
func (s *Service) close(r *http.Request, in CloseInput) (Drive, error) {
	return s.Close(r.Context(), r.PathValue("id"), in)
}
func (s *Service) assignments(r *http.Request) (Page[Assignment], error) {
	q := r.URL.Query()
	out, err := s.Assignments(r.Context(), r.PathValue("id"), Filter{Action: q.Get("action"), Town: q.Get("town"), Light: q.Get("light")})
	return Page[Assignment]{out}, err
}
func (s *Service) figures(r *http.Request) (Figures, error) {
	return s.Figures(r.Context(), r.PathValue("id"))
}
func (s *Service) mine(r *http.Request) (Mine, error) { return s.MyPage(r.Context()) }
func (s *Service) report(r *http.Request, in ReportInput) (Assignment, error) {
	return s.Report(r.Context(), r.PathValue("id"), in)
}
func (s *Service) giveClue(r *http.Request, in ClueInput) (MyClue, error) {
	header := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", header); err != nil {
		return MyClue{}, err
	}
	k := idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":drive_clue", Key: strings.TrimSpace(header), Fingerprint: idem.Fingerprint(in)}
	return s.GiveClue(r.Context(), r.PathValue("id"), in, k)
}
func (s *Service) clues(r *http.Request) (Page[Clue], error) {
	out, err := s.Clues(r.Context(), r.URL.Query().Get("status"))
	return Page[Clue]{out}, err
}
func (s *Service) openClue(r *http.Request) (Clue, error) {
	return s.OpenClue(r.Context(), r.PathValue("id"))
}
func (s *Service) handleClue(r *http.Request, in HandleInput) (Clue, error) {
	return s.HandleClue(r.Context(), r.PathValue("id"), in)
}
