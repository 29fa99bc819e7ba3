package situation

import (
	"context"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
)

// Meeting is a week's scheduling meeting (三情调度会) of a root: who held
// it, its minutes and its decisions, each on a situation and most pushing
// a task down to a town, village or unit.
type Meeting struct {
	ID        string `json:"id"`
	RootID    string `json:"root_id"`
	WeekOf    string `json:"week_of"`
	HeldOn    string `json:"held_on"`
	Chair     string `json:"chair"`
	Attendees string `json:"attendees"`
	Minutes   string `json:"minutes"`
	Status    string `json:"status"` // open, held
	Version   int    `json:"version"`
	// DecisionCount is how many decisions it made (lists); Decisions are
	// those decisions (a meeting's page).
	DecisionCount int        `json:"decision_count"`
	Decisions     []Decision `json:"decisions"`
	// Agenda are the open serious and major situations of the fortnight
	// no meeting has decided on yet (an open meeting's page only).
	Agenda []Situation `json:"agenda,omitempty"`
	// Carried are earlier weeks' decisions whose tasks are not done.
	Carried []Decision `json:"carried,omitempty"`
	CanEdit bool       `json:"can_edit"`
}

// Decision is a meeting's decision on a situation and the task it pushed.
type Decision struct {
	ID          string       `json:"id"`
	MeetingID   string       `json:"meeting_id"`
	WeekOf      string       `json:"week_of"`
	SituationID string       `json:"situation_id"`
	Situation   *Ref         `json:"situation"`
	Decision    string       `json:"decision"`
	Task        *safety.Task `json:"task"`
	CreatedAt   int64        `json:"created_at"`
}

// MeetingInput opens or edits a meeting (edits carry the version read).
type MeetingInput struct {
	WeekOf    string `json:"week_of"`
	HeldOn    string `json:"held_on"`
	Chair     string `json:"chair"`
	Attendees string `json:"attendees"`
	Minutes   string `json:"minutes"`
	Version   int    `json:"version"`
}

// DecisionInput is a decision on a situation; with a task, the task is
// pushed to the area (a town or village) or unit named, due on DueOn.
type DecisionInput struct {
	SituationID string     `json:"situation_id"`
	Decision    string     `json:"decision"`
	Task        *TaskOrder `json:"task"`
}

// TaskOrder is the task a decision pushes down.
type TaskOrder struct {
	AreaID string `json:"area_id"`
	UnitID string `json:"unit_id"`
	Title  string `json:"title"`
	DueOn  string `json:"due_on"`
}

// monday is the Monday of the week of day.
func monday(day string) (string, bool) {
	t, err := time.ParseInLocation("2006-01-02", day, Zone)
	if err != nil {
		return "", false
	}
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)).Format("2006-01-02"), true
}

func (s *Service) checkMeeting(in *MeetingInput) error {
	var f apperr.Fields
	in.Chair, in.Attendees, in.Minutes = strings.TrimSpace(in.Chair), strings.TrimSpace(in.Attendees), strings.TrimSpace(in.Minutes)
	week, ok := monday(in.WeekOf)
	if !ok {
		f.Add("week_of", "validation.date")
	}
	in.WeekOf = week
	if in.HeldOn == "" {
		in.HeldOn = s.Now().In(Zone).Format("2006-01-02")
	}
	if held, ok := monday(in.HeldOn); !ok {
		f.Add("held_on", "validation.date")
	} else if week != "" && held != week {
		f.Add("held_on", "situation.held_in_week")
	}
	if n := len([]rune(in.Chair)); n < 2 || n > 40 {
		f.Add("chair", "validation.length", "min", 2, "max", 40)
	}
	if len([]rune(in.Attendees)) > 500 {
		f.Add("attendees", "validation.length", "min", 0, "max", 500)
	}
	if len([]rune(in.Minutes)) > 10000 {
		f.Add("minutes", "validation.length", "min", 0, "max", 10000)
	}
	return f.Err()
}

// Meetings lists a root's meetings, newest week first (situation.read).
func (s *Service) Meetings(ctx context.Context, rootID string) ([]Meeting, error) {
	q := s.db.Reader()
	if _, err := rootPath(ctx, q, authz.SituationRead, rootID); err != nil {
		return nil, err
	}
	return s.meetings(ctx, q, "m.root_id = ?", rootID)
}

func (s *Service) meetings(ctx context.Context, q db.Querier, cond string, args ...any) ([]Meeting, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.root_id, m.week_of, m.held_on, m.chair, m.attendees, m.minutes, m.status, m.version,
		(SELECT count(*) FROM situation_decisions d WHERE d.meeting_id = m.id) FROM situation_meetings m WHERE `+cond+" ORDER BY m.week_of DESC LIMIT 200", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Meeting{}
	for rows.Next() {
		var m Meeting
		if err := rows.Scan(&m.ID, &m.RootID, &m.WeekOf, &m.HeldOn, &m.Chair, &m.Attendees, &m.Minutes, &m.Status, &m.Version, &m.DecisionCount); err != nil {
			return nil, err
		}
		m.Decisions = []Decision{}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Meeting shows a meeting with its decisions and their tasks' lights and
// replies; an open one also with its agenda and the tasks carried over.
func (s *Service) Meeting(ctx context.Context, id string) (Meeting, error) {
	q := s.db.Reader()
	list, err := s.meetings(ctx, q, "m.id = ?", id)
	if err != nil {
		return Meeting{}, err
	}
	if len(list) == 0 {
		return Meeting{}, apperr.NotFoundf("situation_meeting")
	}
	m := list[0]
	root, err := rootPath(ctx, q, authz.SituationRead, m.RootID)
	if err != nil {
		return Meeting{}, apperr.NotFoundf("situation_meeting")
	}
	if m.Decisions, err = s.decisions(ctx, q, "d.meeting_id = ?", id); err != nil {
		return m, err
	}
	m.CanEdit = m.Status == "open" && authz.From(ctx).Covers(authz.SituationSteer, root)
	if m.Status != "open" {
		return m, nil
	}
	m.Agenda, err = s.read(ctx, q, listLimit, `s.root_id = ? AND s.status = 'open' AND s.level IN ('serious', 'major') AND s.day >= ? AND s.day <= ?
		AND NOT EXISTS (SELECT 1 FROM situation_decisions d WHERE d.situation_id = s.id)`, m.RootID, dayOffset(m.WeekOf, -7), dayOffset(m.WeekOf, 6))
	if err != nil {
		return m, err
	}
	earlier, err := s.decisions(ctx, q, "m.root_id = ? AND m.week_of < ? AND d.task_id IS NOT NULL", m.RootID, m.WeekOf)
	if err != nil {
		return m, err
	}
	m.Carried = []Decision{}
	for _, d := range earlier {
		if d.Task != nil && d.Task.Status == safety.TaskOpen {
			m.Carried = append(m.Carried, d)
		}
	}
	return m, nil
}

func (s *Service) decisions(ctx context.Context, q db.Querier, cond string, args ...any) ([]Decision, error) {
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.meeting_id, m.week_of, COALESCE(d.situation_id, ''), COALESCE(x.day, ''), COALESCE(x.kind, ''), COALESCE(x.place, ''),
		d.decision, COALESCE(d.task_id, ''), d.created_at FROM situation_decisions d JOIN situation_meetings m ON m.id = d.meeting_id
		LEFT JOIN situations x ON x.id = d.situation_id WHERE `+cond+` ORDER BY m.week_of, d.created_at`, args...)
	if err != nil {
		return nil, err
	}
	out, taskOf, ids := []Decision{}, []string{}, []string{}
	for rows.Next() {
		var d Decision
		var r Ref
		var task string
		if err := rows.Scan(&d.ID, &d.MeetingID, &d.WeekOf, &d.SituationID, &r.Day, &r.Kind, &r.Place, &d.Decision, &task, &d.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		if d.SituationID != "" {
			r.ID = d.SituationID
			d.Situation = &r
		}
		out, taskOf = append(out, d), append(taskOf, task)
		if task != "" {
			ids = append(ids, task)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	tasks, err := s.tasks.TasksByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i, id := range taskOf {
		for j := range tasks {
			if tasks[j].ID == id {
				out[i].Task = &tasks[j]
			}
		}
	}
	return out, nil
}

// OpenMeeting opens the week's meeting of a root (one a week;
// situation.steer). Audited.
func (s *Service) OpenMeeting(ctx context.Context, rootID string, in MeetingInput) (Meeting, error) {
	if err := s.checkMeeting(&in); err != nil {
		return Meeting{}, err
	}
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SituationSteer, rootID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM situation_meetings WHERE root_id = ? AND week_of = ?", rootID, in.WeekOf).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Refuse("week_of", "situation.meeting_week")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO situation_meetings (id, root_id, week_of, held_on, chair, attendees, minutes, status, version, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?)`, id, rootID, in.WeekOf, in.HeldOn, in.Chair, in.Attendees, in.Minutes, authz.From(ctx).UserID, now, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SituationSteer, "situation.meeting.open", "situation_meeting", id, in.WeekOf)
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, id)
}

// openMeeting reads an open meeting the caller steers, inside tx.
func (s *Service) openMeeting(ctx context.Context, tx *db.Tx, id string) (Meeting, error) {
	list, err := s.meetings(ctx, tx, "m.id = ?", id)
	if err != nil {
		return Meeting{}, err
	}
	if len(list) == 0 {
		return Meeting{}, apperr.NotFoundf("situation_meeting")
	}
	if _, err := rootPath(ctx, tx, authz.SituationSteer, list[0].RootID); err != nil {
		return Meeting{}, apperr.NotFoundf("situation_meeting")
	}
	if list[0].Status != "open" {
		return Meeting{}, apperr.E(apperr.Conflict, "situation.meeting_held")
	}
	return list[0], nil
}

// SaveMeeting edits an open meeting: its date, chair, attendees and
// minutes (version checked); hold marks it held, after which nothing
// changes. Audited.
func (s *Service) SaveMeeting(ctx context.Context, id string, in MeetingInput, hold bool) (Meeting, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		m, err := s.openMeeting(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.WeekOf == "" {
			in.WeekOf = m.WeekOf
		}
		if err := s.checkMeeting(&in); err != nil {
			return err
		}
		if in.WeekOf != m.WeekOf {
			return apperr.Refuse("week_of", "situation.meeting_week_fixed")
		}
		if hold && len([]rune(in.Minutes)) < 10 {
			return apperr.Refuse("minutes", "situation.minutes_required")
		}
		status := "open"
		if hold {
			status = "held"
		}
		res, err := tx.ExecContext(ctx, "UPDATE situation_meetings SET held_on = ?, chair = ?, attendees = ?, minutes = ?, status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
			in.HeldOn, in.Chair, in.Attendees, in.Minutes, status, s.now(), id, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.Conflict, "situation.stale")
		}
		action := "situation.meeting.save"
		if hold {
			action = "situation.meeting.hold"
		}
		return s.record(ctx, tx, authz.SituationSteer, action, "situation_meeting", id, "")
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, id)
}

// Decide records a decision of an open meeting on a situation of its root
// and, with a task, pushes the task to the town, village or unit (safety's
// task, source "schedule", which needs safety.write too); the decision and
// its task are written together. Audited.
func (s *Service) Decide(ctx context.Context, meetingID string, in DecisionInput) (Meeting, error) {
	in.Decision = strings.TrimSpace(in.Decision)
	if n := len([]rune(in.Decision)); n < 2 || n > 1000 {
		return Meeting{}, apperr.Refuse("decision", "validation.length", "min", 2, "max", 1000)
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		m, err := s.openMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		var x Situation
		if in.SituationID != "" {
			list, err := s.read(ctx, tx, 1, "s.id = ? AND s.root_id = ?", in.SituationID, m.RootID)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				return apperr.Refuse("situation_id", "situation.not_of_root")
			}
			x = list[0]
		}
		taskID := ""
		if t := in.Task; t != nil {
			title := strings.TrimSpace(t.Title)
			if title == "" && x.ID != "" {
				title = clip(x.Place+"："+in.Decision, 100)
			}
			detail := in.Decision
			if x.ID != "" {
				detail = x.Summary + "\n\n调度意见：" + in.Decision
			}
			taskID, err = s.tasks.CreateTaskTx(ctx, tx, m.RootID, safety.TaskInput{Source: "schedule", Title: title, Detail: detail,
				AreaID: t.AreaID, UnitID: t.UnitID, StartOn: m.HeldOn, DueOn: t.DueOn})
			if err != nil {
				return refield(err, "", "task.")
			}
		}
		id := db.NewID()
		if _, err := tx.ExecContext(ctx, "INSERT INTO situation_decisions (id, meeting_id, situation_id, decision, task_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, meetingID, nullIf(in.SituationID), in.Decision, nullIf(taskID), authz.From(ctx).UserID, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SituationSteer, "situation.decide", "situation_meeting", meetingID, in.SituationID)
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, meetingID)
}

// clip cuts a text to n characters.
func clip(v string, n int) string {
	if r := []rune(v); len(r) > n {
		return string(r[:n])
	}
	return v
}
