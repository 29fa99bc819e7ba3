package volunteer

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/points"
)

// HoursInput records hours of service other than a shift (a lecture of
// the 法律明白人, a mediation, an activity) that the team's leader reports:
// the day, the minutes and why.
type HoursInput struct {
	VolunteerID string `json:"volunteer_id"`
	Day         string `json:"day"`
	Minutes     int    `json:"minutes"`
	Reason      string `json:"reason"`
}

// HoursEntry is a recorded entry.
type HoursEntry struct {
	ID          string `json:"id"`
	VolunteerID string `json:"volunteer_id"`
	Day         string `json:"day"`
	Minutes     int    `json:"minutes"`
	Reason      string `json:"reason"`
}

// RecordHours records other service of a volunteer of the caller's area.
// Entries are never edited: a mistake is set right by another entry with
// negative minutes and its reason.
func (s *Service) RecordHours(ctx context.Context, in HoursInput) (HoursEntry, error) {
	var f apperr.Fields
	in.Reason = checkText(&f, "reason", in.Reason, 2, 200)
	if in.Day = checkDay(&f, "day", in.Day); in.Day == "" {
		f.Add("day", "validation.required")
	} else if in.Day > s.Now().In(Zone).Format(time.DateOnly) {
		f.Add("day", "volunteer.day_future")
	}
	if in.Minutes == 0 || in.Minutes < -24*60 || in.Minutes > 24*60 {
		f.Add("minutes", "validation.range", "min", -24*60, "max", 24*60)
	}
	if err := f.Refuse(); err != nil {
		return HoursEntry{}, err
	}
	out := HoursEntry{ID: db.NewID(), VolunteerID: in.VolunteerID, Day: in.Day, Minutes: in.Minutes, Reason: in.Reason}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		v, err := volunteerByID(ctx, tx, authz.VolunteerWrite, in.VolunteerID, "volunteer_id")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_hours (id, volunteer_id, path, day, minutes, reason, recorded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, v.ID, v.path, in.Day, in.Minutes, in.Reason, authz.From(ctx).UserID, s.now()); err != nil {
			return err
		}
		if err := credit(ctx, tx, v, "volunteer_hours", out.ID, in.Minutes, points.NoonOf(in.Day)); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerWrite, "volunteer.hours", "volunteer", v.ID, "")
	})
	return out, err
}

// credit writes the points a volunteer's minutes of service give
// (volunteer_hour per hour; negative minutes take them off).
func credit(ctx context.Context, tx db.Querier, v Volunteer, sourceKind, sourceID string, minutes int, at int64) error {
	_, err := points.CreditTx(ctx, tx, points.Credit{SubjectKind: points.Volunteer, SubjectID: v.ID, OrgID: v.OrgID, Path: v.path,
		Rule: points.VolunteerHour, SourceKind: sourceKind, SourceID: sourceID, At: at, Hours: float64(minutes) / 60})
	return err
}

// VolunteerSubject is a volunteer as a points ledger's holder: name, team,
// the team's area and its path; sql.ErrNoRows for an unknown id.
func (s *Service) VolunteerSubject(ctx context.Context, q db.Querier, id string) (name, team, orgID, path string, err error) {
	v, err := scanVolunteer(q.QueryRowContext(ctx, "SELECT "+volunteerCols+volunteerFrom+" WHERE v.id = ?", id))
	return v.Name, v.TeamName, v.OrgID, v.path, err
}

// VolunteerOfUser is the volunteer (active or paused) whose account
// userID is; sql.ErrNoRows when none is.
func (s *Service) VolunteerOfUser(ctx context.Context, q db.Querier, userID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM volunteers WHERE user_id = ? AND status <> 'left' ORDER BY id LIMIT 1", userID).Scan(&id)
	return id, err
}

// VolunteerNames are the names and team names of volunteers, by id.
func (s *Service) VolunteerNames(ctx context.Context, q db.Querier, ids []string) (names, teams map[string]string, err error) {
	names, teams = map[string]string{}, map[string]string{}
	if len(ids) == 0 {
		return names, teams, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT v.id, v.name, t.name FROM volunteers v JOIN volunteer_teams t ON t.id = v.team_id
		WHERE v.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, team string
		if err := rows.Scan(&id, &name, &team); err != nil {
			return nil, nil, err
		}
		names[id], teams[id] = name, team
	}
	return names, teams, rows.Err()
}

// total is one volunteer's minutes in a period: from the shifts walked
// and recorded for other service.
type total struct {
	Shifts       int
	ShiftMinutes int
	OtherMinutes int
}

func (t total) total() int { return t.ShiftMinutes + t.OtherMinutes }

// periodRange turns a period (YYYY or YYYY-MM) into its time range in
// the county's zone.
func periodRange(period string) (from, to int64, ok bool) {
	layout := "2006"
	if len(period) == 7 {
		layout = "2006-01"
	}
	t, err := time.ParseInLocation(layout, period, Zone)
	if err != nil {
		return 0, 0, false
	}
	end := t.AddDate(1, 0, 0)
	if layout == "2006-01" {
		end = t.AddDate(0, 1, 0)
	}
	return t.UnixMilli(), end.UnixMilli(), true
}

// totals sums the period's minutes of the volunteers ids.
func (s *Service) totals(ctx context.Context, q db.Querier, ids []string, period string) (map[string]total, error) {
	out := map[string]total{}
	from, to, ok := periodRange(period)
	if !ok || len(ids) == 0 {
		return out, nil
	}
	in := "?" + strings.Repeat(", ?", len(ids)-1)
	args := make([]any, 0, len(ids)+2)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, `SELECT volunteer_id, count(*), COALESCE(sum(minutes), 0) FROM volunteer_signups
		WHERE volunteer_id IN (`+in+`) AND attended_at IS NOT NULL AND status = 'signed' AND starts_at >= ? AND starts_at < ? GROUP BY volunteer_id`,
		append(args, from, to)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var n, m int
		if err := rows.Scan(&id, &n, &m); err != nil {
			rows.Close()
			return nil, err
		}
		t := out[id]
		t.Shifts, t.ShiftMinutes = n, m
		out[id] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT volunteer_id, COALESCE(sum(minutes), 0) FROM volunteer_hours
		WHERE volunteer_id IN (`+in+`) AND day LIKE ? GROUP BY volunteer_id`, append(args, period+"%")...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var m int
		if err := rows.Scan(&id, &m); err != nil {
			return nil, err
		}
		t := out[id]
		t.OtherMinutes = m
		out[id] = t
	}
	return out, rows.Err()
}

// Ranked is one volunteer's line of a ranking.
type Ranked struct {
	Rank         int     `json:"rank"`
	VolunteerID  string  `json:"volunteer_id"`
	Name         string  `json:"name"`
	TeamID       string  `json:"team_id"`
	TeamName     string  `json:"team_name"`
	OrgName      string  `json:"org_name"`
	Shifts       int     `json:"shifts_walked"`
	ShiftMinutes int     `json:"shift_minutes"`
	OtherMinutes int     `json:"other_minutes"`
	Minutes      int     `json:"minutes"`
	Awards       []Award `json:"awards"`
}

// TeamTotal is one team's line of a ranking.
type TeamTotal struct {
	Rank       int    `json:"rank"`
	TeamID     string `json:"team_id"`
	TeamName   string `json:"team_name"`
	Kind       string `json:"kind"`
	OrgName    string `json:"org_name"`
	Volunteers int    `json:"volunteers"`
	Minutes    int    `json:"minutes"`
}

// Ranking is the hours of an area's volunteers in a month or a year, most
// first, and its teams' totals.
type Ranking struct {
	Period     string      `json:"period"`
	Volunteers []Ranked    `json:"volunteers"`
	Teams      []TeamTotal `json:"teams"`
}

// RankingQuery names the area (the caller's scope when absent), a team,
// and the period (YYYY or YYYY-MM; this month when absent).
type RankingQuery struct {
	OrgID, TeamID, Period string
}

// Rank answers the ranking of an area's volunteers by hours.
func (s *Service) Rank(ctx context.Context, rq RankingQuery) (Ranking, error) {
	if rq.Period == "" {
		rq.Period = s.Now().In(Zone).Format("2006-01")
	}
	if _, _, ok := periodRange(rq.Period); !ok || (len(rq.Period) != 4 && len(rq.Period) != 7) {
		return Ranking{}, apperr.Refuse("period", "volunteer.period_invalid")
	}
	q := s.db.Reader()
	where, args, err := scope(ctx, q, authz.VolunteerRead, "v.path", rq.OrgID)
	if err != nil {
		return Ranking{}, err
	}
	if rq.TeamID != "" {
		where += " AND v.team_id = ?"
		args = append(args, rq.TeamID)
	}
	rows, err := q.QueryContext(ctx, "SELECT "+volunteerCols+volunteerFrom+" WHERE "+where+" AND v.status <> 'left' ORDER BY v.id LIMIT 5000", args...)
	if err != nil {
		return Ranking{}, err
	}
	var vols []Volunteer
	for rows.Next() {
		v, err := scanVolunteer(rows)
		if err != nil {
			rows.Close()
			return Ranking{}, err
		}
		vols = append(vols, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Ranking{}, err
	}
	out := Ranking{Period: rq.Period, Volunteers: []Ranked{}, Teams: []TeamTotal{}}
	ids := make([]string, len(vols))
	for i, v := range vols {
		ids[i] = v.ID
	}
	sums := map[string]total{}
	for start := 0; start < len(ids); start += 500 {
		part, err := s.totals(ctx, q, ids[start:min(start+500, len(ids))], rq.Period)
		if err != nil {
			return out, err
		}
		for k, v := range part {
			sums[k] = v
		}
	}
	awards, err := s.awardsOf(ctx, q, where, args, rq.Period)
	if err != nil {
		return out, err
	}
	teams := map[string]*TeamTotal{}
	for _, v := range vols {
		t := sums[v.ID]
		out.Volunteers = append(out.Volunteers, Ranked{VolunteerID: v.ID, Name: v.Name, TeamID: v.TeamID, TeamName: v.TeamName, OrgName: v.OrgName,
			Shifts: t.Shifts, ShiftMinutes: t.ShiftMinutes, OtherMinutes: t.OtherMinutes, Minutes: t.total(), Awards: awards[v.ID]})
		tt := teams[v.TeamID]
		if tt == nil {
			tt = &TeamTotal{TeamID: v.TeamID, TeamName: v.TeamName, Kind: v.TeamKind, OrgName: v.OrgName}
			teams[v.TeamID] = tt
		}
		tt.Volunteers++
		tt.Minutes += t.total()
	}
	slices.SortStableFunc(out.Volunteers, func(a, b Ranked) int {
		if a.Minutes != b.Minutes {
			return b.Minutes - a.Minutes
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i := range out.Volunteers {
		out.Volunteers[i].Rank = i + 1
		if out.Volunteers[i].Awards == nil {
			out.Volunteers[i].Awards = []Award{}
		}
	}
	if len(out.Volunteers) > 200 {
		out.Volunteers = out.Volunteers[:200]
	}
	for _, t := range teams {
		out.Teams = append(out.Teams, *t)
	}
	slices.SortFunc(out.Teams, func(a, b TeamTotal) int {
		if a.Minutes != b.Minutes {
			return b.Minutes - a.Minutes
		}
		return strings.Compare(a.TeamName, b.TeamName)
	})
	for i := range out.Teams {
		out.Teams[i].Rank = i + 1
	}
	return out, nil
}

// AwardTitles are the recognitions given: 优秀志愿者, 服务之星, other.
var AwardTitles = []string{"excellent", "star", "other"}

// Award is a recognition given to a volunteer for a period.
type Award struct {
	ID          string `json:"id"`
	VolunteerID string `json:"volunteer_id"`
	Title       string `json:"title"`
	Period      string `json:"period"`
	Reason      string `json:"reason"`
}

// AwardInput gives a recognition.
type AwardInput struct {
	VolunteerID string `json:"volunteer_id"`
	Title       string `json:"title"`
	Period      string `json:"period"`
	Reason      string `json:"reason"`
}

// Give records a recognition of a volunteer of the caller's area, by the
// area's staff (volunteer.write); once a title and period per volunteer.
func (s *Service) Give(ctx context.Context, in AwardInput) (Award, error) {
	var f apperr.Fields
	in.Reason = checkText(&f, "reason", in.Reason, 2, 200)
	if !slices.Contains(AwardTitles, in.Title) {
		f.Add("title", "validation.one_of", "values", strings.Join(AwardTitles, ", "))
	}
	if _, _, ok := periodRange(in.Period); !ok || (len(in.Period) != 4 && len(in.Period) != 7) {
		f.Add("period", "volunteer.period_invalid")
	}
	if err := f.Refuse(); err != nil {
		return Award{}, err
	}
	out := Award{ID: db.NewID(), VolunteerID: in.VolunteerID, Title: in.Title, Period: in.Period, Reason: in.Reason}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		v, err := volunteerByID(ctx, tx, authz.VolunteerWrite, in.VolunteerID, "volunteer_id")
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM volunteer_awards WHERE volunteer_id = ? AND title = ? AND period = ?",
			v.ID, in.Title, in.Period).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.E(apperr.Conflict, "volunteer.award_given")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_awards (id, volunteer_id, path, title, period, reason, given_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, v.ID, v.path, in.Title, in.Period, in.Reason, authz.From(ctx).UserID, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.VolunteerWrite, "volunteer.award", "volunteer", v.ID, in.Title+" "+in.Period)
	})
	return out, err
}

// awardsOf lists the awards of a period's year (or the month's) of the
// volunteers the where clause (over v) selects, by volunteer.
func (s *Service) awardsOf(ctx context.Context, q db.Querier, where string, args []any, period string) (map[string][]Award, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.volunteer_id, a.title, a.period, a.reason FROM volunteer_awards a JOIN volunteers v ON v.id = a.volunteer_id
		WHERE `+where+` AND a.period LIKE ? ORDER BY a.period, a.id`, append(slices.Clone(args), period[:4]+"%")...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Award{}
	for rows.Next() {
		var a Award
		if err := rows.Scan(&a.ID, &a.VolunteerID, &a.Title, &a.Period, &a.Reason); err != nil {
			return nil, err
		}
		out[a.VolunteerID] = append(out[a.VolunteerID], a)
	}
	return out, rows.Err()
}
