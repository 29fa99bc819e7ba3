package duty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Meeting is a town–police-station meeting (联席会议): when and where,
// who came (roster members and named officials), the minutes, and the
// decisions, each a task for the members it names.
type Meeting struct {
	ID        string     `json:"id"`
	OrgID     string     `json:"org_id"`
	OrgName   string     `json:"org_name"`
	Path      string     `json:"-"`
	HeldOn    string     `json:"held_on"`
	Place     string     `json:"place"`
	Attendees []Assignee `json:"attendees"`
	Officials []string   `json:"officials"`
	Minutes   string     `json:"minutes,omitempty"`
	Decisions []Decision `json:"decisions"`
	// Tasks and Closed count the decisions' tasks and those closed.
	Tasks   int `json:"tasks"`
	Closed  int `json:"closed"`
	Version int `json:"version"`
}

// Decision is one decision of a meeting and the tasks it became.
type Decision struct {
	ID    string `json:"id"`
	Seq   int    `json:"seq"`
	Text  string `json:"text"`
	DueOn string `json:"due_on"`
	Tasks []Task `json:"tasks"`
}

// MeetingInput records a meeting with its decisions.
type MeetingInput struct {
	OrgID       string          `json:"org_id"` // the town (or village) that met
	HeldOn      string          `json:"held_on"`
	Place       string          `json:"place"`
	AttendeeIDs []string        `json:"attendee_ids,omitempty"` // roster members who came
	Officials   []string        `json:"officials,omitempty"`    // others by name and post
	Minutes     string          `json:"minutes,omitempty"`
	Decisions   []DecisionInput `json:"decisions"`
}

// DecisionInput is a decision: its text (the tasks' title), the members
// who carry it out (one task each), the grid it is about, and its due day.
type DecisionInput struct {
	Text      string   `json:"text"`
	WorkerIDs []string `json:"worker_ids"`
	GridID    string   `json:"grid_id,omitempty"`
	DueOn     string   `json:"due_on"`
}

// CreateMeeting records a meeting of an area the caller steers; each
// decision becomes a task (source meeting) for each member it names.
func (s *Service) CreateMeeting(ctx context.Context, in MeetingInput) (Meeting, error) {
	var f apperr.Fields
	in.Place, in.Minutes = strings.TrimSpace(in.Place), strings.TrimSpace(in.Minutes)
	switch {
	case in.HeldOn == "":
		f.Add("held_on", "duty.required")
	case !validDay(in.HeldOn):
		f.Add("held_on", "duty.day_invalid")
	case in.HeldOn > s.today():
		f.Add("held_on", "duty.day_future")
	}
	if in.Place == "" {
		f.Add("place", "duty.required")
	}
	regkit.CheckLen(&f, "place", in.Place, maxTitle)
	regkit.CheckLen(&f, "minutes", in.Minutes, 5*maxText)
	if len(in.Officials) > 30 {
		f.Add("officials", "duty.too_many", "max", 30)
	}
	for i := range in.Officials {
		in.Officials[i] = strings.TrimSpace(in.Officials[i])
		regkit.CheckLen(&f, fmt.Sprintf("officials[%d]", i), in.Officials[i], 50)
	}
	if len(in.Decisions) == 0 {
		f.Add("decisions", "duty.required")
	}
	if len(in.Decisions) > 30 {
		f.Add("decisions", "duty.too_many", "max", 30)
	}
	for i := range in.Decisions {
		d := &in.Decisions[i]
		d.Text = strings.TrimSpace(d.Text)
		if d.Text == "" {
			f.Add(fmt.Sprintf("decisions[%d].text", i), "duty.required")
		}
		regkit.CheckLen(&f, fmt.Sprintf("decisions[%d].text", i), d.Text, maxTitle)
		switch {
		case d.DueOn == "":
			f.Add(fmt.Sprintf("decisions[%d].due_on", i), "duty.required")
		case !validDay(d.DueOn):
			f.Add(fmt.Sprintf("decisions[%d].due_on", i), "duty.day_invalid")
		case d.DueOn < in.HeldOn:
			f.Add(fmt.Sprintf("decisions[%d].due_on", i), "duty.day_before_meeting")
		}
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := org.ActivePathIn(ctx, tx, authz.GridworkSteer, in.OrgID, "org_id")
		if err := regkit.Collect(&f, err); err != nil {
			return err
		}
		var attendees []org.Worker
		if path != "" && len(in.AttendeeIDs) > 0 {
			if attendees, err = members(ctx, tx, &f, "attendee_ids", path, in.AttendeeIDs); err != nil {
				return err
			}
		}
		type plan struct {
			pl place
			ws []org.Worker
		}
		plans := make([]plan, len(in.Decisions))
		for i, d := range in.Decisions {
			pl := place{orgID: in.OrgID, path: path}
			if d.GridID != "" {
				g, err := org.MainGrid(ctx, tx, d.GridID, "")
				if errors.Is(err, sql.ErrNoRows) || (err == nil && (path == "" || !strings.HasPrefix(g.Path, path))) {
					f.Add(fmt.Sprintf("decisions[%d].grid_id", i), "duty.grid_unknown")
					continue
				}
				if err != nil {
					return err
				}
				pl = place{orgID: g.OrgID, path: g.Path, gridID: g.ID}
			}
			if path == "" {
				continue
			}
			ws, err := members(ctx, tx, &f, fmt.Sprintf("decisions[%d].worker_ids", i), path, d.WorkerIDs)
			if err != nil {
				return err
			}
			plans[i] = plan{pl, ws}
		}
		if err := f.Err(); err != nil {
			return err
		}
		id = db.NewID()
		var by any
		if p := authz.From(ctx); p != nil {
			by = p.UserID
		}
		att := make([]Assignee, len(attendees))
		for i, w := range attendees {
			att[i] = Assignee{WorkerID: w.ID, Name: w.Name}
		}
		attJSON, _ := json.Marshal(att)
		offJSON, _ := json.Marshal(nonEmpty(in.Officials))
		now := s.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `INSERT INTO duty_meetings (id, org_id, path, held_on, place, attendees, officials, minutes_sealed, created_by, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, id, in.OrgID, path, in.HeldOn, in.Place, string(attJSON), string(offJSON),
			s.seal("duty_meetings.minutes", id, in.Minutes), by, now, now); err != nil {
			return err
		}
		for i, d := range in.Decisions {
			did := db.NewID()
			if _, err := tx.ExecContext(ctx, "INSERT INTO duty_decisions (id, meeting_id, seq, text, due_on, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				did, id, i+1, d.Text, d.DueOn, now); err != nil {
				return err
			}
			for _, w := range plans[i].ws {
				if _, err := s.insertTask(ctx, tx, newTask{place: plans[i].pl, title: d.Text, source: "meeting", dueOn: d.DueOn, decisionID: did}, []org.Worker{w}); err != nil {
					return err
				}
			}
		}
		return s.record(ctx, tx, authz.GridworkSteer, "duty.meeting", "duty_meeting", id, in.HeldOn)
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, id)
}

func nonEmpty(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

const meetingCols = `m.id, m.org_id, m.path, m.held_on, m.place, m.attendees, m.officials, m.minutes_sealed, m.version,
	(SELECT count(*) FROM duty_tasks t JOIN duty_decisions d ON d.id = t.decision_id WHERE d.meeting_id = m.id AND t.carried_from IS NULL),
	(SELECT count(*) FROM duty_tasks t JOIN duty_decisions d ON d.id = t.decision_id WHERE d.meeting_id = m.id AND t.status = 'closed')`

func scanMeeting(sc interface{ Scan(...any) error }) (Meeting, string, error) {
	var m Meeting
	var att, off, minutes string
	err := sc.Scan(&m.ID, &m.OrgID, &m.Path, &m.HeldOn, &m.Place, &att, &off, &minutes, &m.Version, &m.Tasks, &m.Closed)
	m.Attendees, m.Officials, m.Decisions = []Assignee{}, []string{}, []Decision{}
	if err == nil {
		_ = json.Unmarshal([]byte(att), &m.Attendees)
		_ = json.Unmarshal([]byte(off), &m.Officials)
	}
	return m, minutes, err
}

// Meetings lists the meetings of the caller's areas (or org_id's) in a
// year (YYYY; all years when empty), newest first, without minutes.
func (s *Service) Meetings(ctx context.Context, orgID, year string) (Items[Meeting], error) {
	q := s.db.Reader()
	p := authz.From(ctx)
	var where string
	var args []any
	if orgID != "" {
		path, err := org.PathIn(ctx, q, authz.GridworkRead, orgID, "org_id")
		if err != nil {
			return Items[Meeting]{}, err
		}
		where, args = authz.Under("m.path", path)
	} else {
		where, args = authz.ScopeSQL("m.path", p.Scopes(authz.GridworkRead))
	}
	if year != "" {
		if len(year) != 4 || !validDay(year+"-01-01") {
			return Items[Meeting]{}, apperr.Field("year", "duty.year_invalid")
		}
		where, args = where+" AND m.held_on >= ? AND m.held_on <= ?", append(args, year+"-01-01", year+"-12-31")
	}
	rows, err := q.QueryContext(ctx, "SELECT "+meetingCols+" FROM duty_meetings m WHERE "+where+" ORDER BY m.held_on DESC, m.id LIMIT 500", args...)
	if err != nil {
		return Items[Meeting]{}, err
	}
	defer rows.Close()
	out := Items[Meeting]{Items: []Meeting{}}
	for rows.Next() {
		m, _, err := scanMeeting(rows)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, m)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	for i := range out.Items {
		out.Items[i].OrgName, _ = org.NameOf(ctx, q, out.Items[i].OrgID)
	}
	return out, nil
}

// Meeting returns a meeting of the caller's areas with its minutes and
// decisions, each with its tasks (the carried ones following on).
func (s *Service) Meeting(ctx context.Context, id string) (Meeting, error) {
	q := s.db.Reader()
	m, minutes, err := scanMeeting(q.QueryRowContext(ctx, "SELECT "+meetingCols+" FROM duty_meetings m WHERE m.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.GridworkRead, m.Path)) {
		return Meeting{}, apperr.NotFoundf("meeting")
	}
	if err != nil {
		return Meeting{}, err
	}
	m.Minutes = s.open("duty_meetings.minutes", id, minutes)
	m.OrgName, _ = org.NameOf(ctx, q, m.OrgID)
	rows, err := q.QueryContext(ctx, "SELECT id, seq, text, due_on FROM duty_decisions WHERE meeting_id = ? ORDER BY seq", id)
	if err != nil {
		return m, err
	}
	for rows.Next() {
		d := Decision{Tasks: []Task{}}
		if err := rows.Scan(&d.ID, &d.Seq, &d.Text, &d.DueOn); err != nil {
			rows.Close()
			return m, err
		}
		m.Decisions = append(m.Decisions, d)
	}
	if err := rows.Close(); err != nil {
		return m, err
	}
	v := viewer{p: authz.From(ctx)}
	for i := range m.Decisions {
		rs, err := s.queryTasks(ctx, q, "t.decision_id = ?", "ORDER BY t.due_on, t.created_at, t.id", m.Decisions[i].ID)
		if err != nil {
			return m, err
		}
		for _, r := range rs {
			if t, ok := s.show(v, r); ok {
				m.Decisions[i].Tasks = append(m.Decisions[i].Tasks, t)
			}
		}
	}
	return m, nil
}
