package duty

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
)

// taskReaders may read one task without a single permission.
const taskReaders = "holders of gridwork.read over the task's area, its assignees, and the team of its grid (the police officer in full, the others without the detail)"

// taskActors may close or carry a task.
const taskActors = "its assignees (gridwork.do), and the holders of gridwork.steer over its area recording it for an assignee without an account"

// Routes are the member tasks', meetings' and day board's endpoints.
func (s *Service) Routes() []httpx.Route {
	task := func(p string) string { return "/api/v1/duty/tasks/{id}" + p }
	key := []httpx.Param{{Name: "Idempotency-Key", In: "header", Desc: "the phone's name for this write: a retry answers as the first did"}}
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/duty/today", Tag: "duty", Summary: "The caller's day (今日): today's tasks, carry-overs with their reasons, the next week's, the grid's shared tasks",
			Perm: authz.GridworkDo, Do: httpx.Get(s.myDay)},
		{Method: "GET", Path: "/api/v1/duty/tasks", Tag: "duty", Summary: "Member tasks of the caller's areas",
			Perm: authz.GridworkRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "day", In: "query", Desc: "due day, YYYY-MM-DD"},
				{Name: "status", In: "query", Desc: "open, closed or carried"}, {Name: "source", In: "query"}, {Name: "worker_id", In: "query"},
				{Name: "limit", In: "query", Type: "integer"}},
			Do: httpx.Get(s.list)},
		{Method: "POST", Path: "/api/v1/duty/tasks", Tag: "duty", Summary: "Push a task to roster members (one each, or one joint task)",
			Perm: authz.GridworkSteer, Status: 201, Do: httpx.Call(s.push)},
		{Method: "GET", Path: task(""), Tag: "duty", Summary: "A member task", Access: taskReaders, Do: httpx.Get(s.get)},
		{Method: "PUT", Path: task(""), Tag: "duty", Summary: "Change an open task (version-checked: a stale version answers 409 with the task as it is)",
			Perm: authz.GridworkSteer, Do: httpx.Call(s.edit)},
		{Method: "POST", Path: task("/close"), Tag: "duty", Summary: "Close one's task with its result, or record it for a member without an account (version-checked; Idempotency-Key)",
			Access: taskActors, Params: key, Do: httpx.Call(s.close)},
		{Method: "POST", Path: task("/carry"), Tag: "duty", Summary: "Carry an open task due today to tomorrow with a reason (日清; version-checked; Idempotency-Key)",
			Access: taskActors, Params: key, Do: httpx.Call(s.carryTask)},
		{Method: "GET", Path: "/api/v1/duty/members", Tag: "duty", Summary: "The active roster members of an area a task or a decision may name",
			Perm: authz.GridworkSteer, Params: []httpx.Param{{Name: "org_id", In: "query"}}, Do: httpx.Get(s.members)},
		{Method: "GET", Path: "/api/v1/duty/board", Tag: "duty", Summary: "The day board of an area (日清): due, closed, carried with reasons, by member and grid",
			Perm: authz.GridworkRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "day", In: "query", Desc: "YYYY-MM-DD, today when empty"}},
			Do: httpx.Get(s.board)},
		{Method: "GET", Path: "/api/v1/duty/meetings", Tag: "duty", Summary: "Town–police-station meetings (联席会议) of the caller's areas",
			Perm: authz.GridworkRead, Params: []httpx.Param{{Name: "org_id", In: "query"}, {Name: "year", In: "query", Desc: "YYYY"}}, Do: httpx.Get(s.meetings)},
		{Method: "POST", Path: "/api/v1/duty/meetings", Tag: "duty", Summary: "Record a meeting; each decision becomes a task for the members it names",
			Perm: authz.GridworkSteer, Status: 201, Do: httpx.Call(s.createMeeting)},
		{Method: "GET", Path: "/api/v1/duty/meetings/{id}", Tag: "duty", Summary: "A meeting with its minutes and decisions' tasks",
			Perm: authz.GridworkRead, Do: httpx.Get(s.meeting)},
	}
}

func (s *Service) myDay(r *http.Request) (Today, error) { return s.Today(r.Context()) }

func (s *Service) list(r *http.Request) (Items[Task], error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	return s.List(r.Context(), ListQuery{OrgID: q.Get("org_id"), Day: q.Get("day"), Status: q.Get("status"), Source: q.Get("source"),
		WorkerID: q.Get("worker_id"), Limit: limit})
}

func (s *Service) push(r *http.Request, in PushInput) (Items[Task], error) {
	return s.Push(r.Context(), in)
}

func (s *Service) get(r *http.Request) (Task, error) { return s.Get(r.Context(), r.PathValue("id")) }

func (s *Service) edit(r *http.Request, in EditInput) (Task, error) {
	return s.Edit(r.Context(), r.PathValue("id"), in)
}

// key is the request's idempotency key for a write of kind on task id.
func key(r *http.Request, kind string, in any) (idem.Key, error) {
	k := r.Header.Get("Idempotency-Key")
	if err := idem.Check("Idempotency-Key", k); err != nil {
		return idem.Key{}, err
	}
	return idem.Key{Scope: "user:" + authz.From(r.Context()).UserID + ":duty." + kind + ":" + r.PathValue("id"), Key: k, Fingerprint: idem.Fingerprint(in)}, nil
}

func (s *Service) close(r *http.Request, in CloseInput) (Task, error) {
	k, err := key(r, "close", in)
	if err != nil {
		return Task{}, err
	}
	return s.Close(r.Context(), r.PathValue("id"), in, k)
}

func (s *Service) carryTask(r *http.Request, in CarryInput) (Task, error) {
	k, err := key(r, "carry", in)
	if err != nil {
		return Task{}, err
	}
	return s.Carry(r.Context(), r.PathValue("id"), in, k)
}

func (s *Service) members(r *http.Request) (Items[org.Worker], error) {
	return s.Members(r.Context(), r.URL.Query().Get("org_id"))
}

func (s *Service) board(r *http.Request) (Board, error) {
	return s.Board(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("day"))
}

func (s *Service) meetings(r *http.Request) (Items[Meeting], error) {
	return s.Meetings(r.Context(), r.URL.Query().Get("org_id"), r.URL.Query().Get("year"))
}

func (s *Service) createMeeting(r *http.Request, in MeetingInput) (Meeting, error) {
	return s.CreateMeeting(r.Context(), in)
}

func (s *Service) meeting(r *http.Request) (Meeting, error) {
	return s.Meeting(r.Context(), r.PathValue("id"))
}
