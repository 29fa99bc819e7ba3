package assess

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// TopTen is the award 十佳网格员, chosen from a month's or a year's ranking.
const TopTen = "top_ten"

// AwardSize is how many a 十佳 choice may name.
const AwardSize = 10

// RankingQuery picks a ranking: a month (YYYY-MM) or a year (YYYY), of an
// area (default the caller's first assess.read area).
type RankingQuery struct {
	Month, Year, OrgID string
}

// Ranking is the members of an area who take part (full-time and
// part-time 网格员) by total, best first, the suggested candidates (those
// ranked within the first ten, ties included, with a total above zero),
// and the awards already chosen.
type Ranking struct {
	Period     string  `json:"period"`
	OrgID      string  `json:"org_id"`
	OrgName    string  `json:"org_name"`
	Closed     bool    `json:"closed"`
	Rows       []Row   `json:"rows"`
	Candidates []Row   `json:"candidates"`
	Awards     []Award `json:"awards"`
	CanChoose  bool    `json:"can_choose"`
}

// Award is an award on a member's record.
type Award struct {
	ID         string  `json:"id"`
	WorkerID   string  `json:"worker_id"`
	WorkerName string  `json:"worker_name,omitempty"`
	OrgID      string  `json:"org_id"`
	OrgName    string  `json:"org_name,omitempty"`
	Title      string  `json:"title"`
	Period     string  `json:"period"`
	Rank       int     `json:"rank"`
	Total      float64 `json:"total"`
	ChosenBy   string  `json:"chosen_by"`
	ChosenAt   int64   `json:"chosen_at"`
}

// period reads a ranking's period: a month, or a year.
func (s *Service) period(month, year string) (label string, months []Span, err error) {
	if year != "" {
		y, err := strconv.Atoi(year)
		if err != nil || y < 2000 || y > 2100 || len(year) != 4 {
			return "", nil, apperr.Refuse("year", "assess.year_format")
		}
		now := s.Now().In(zone)
		for m := 1; m <= 12; m++ {
			start := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, zone)
			if start.After(now) {
				break
			}
			sp, _ := spanOf("month", "", start.Format("2006-01"), now)
			months = append(months, sp)
		}
		return year, months, nil
	}
	sp, err := spanOf("month", "", month, s.Now())
	if err != nil {
		return "", nil, err
	}
	return sp.Label, []Span{sp}, nil
}

// Ranking returns an area's ranking of a month or a year (the sum of its
// months' totals).
func (s *Service) Ranking(ctx context.Context, rq RankingQuery) (Ranking, error) {
	label, months, err := s.period(rq.Month, rq.Year)
	if err != nil {
		return Ranking{}, err
	}
	id, path, err := s.area(ctx, authz.AssessRead, rq.OrgID)
	if err != nil {
		return Ranking{}, err
	}
	return s.ranking(ctx, id, path, label, months)
}

func (s *Service) ranking(ctx context.Context, id, path, label string, months []Span) (Ranking, error) {
	name, err := org.NameOf(ctx, s.db.Reader(), id)
	if err != nil {
		return Ranking{}, err
	}
	out := Ranking{Period: label, OrgID: id, OrgName: name, Rows: []Row{}, Candidates: []Row{}, Closed: len(months) > 0,
		CanChoose: authz.From(ctx).Covers(authz.AssessWrite, path)}
	byWorker := map[string]*Row{}
	areaNames := map[string]string{}
	var order []string
	for _, sp := range months {
		ms, closed, err := s.scores(ctx, path, sp)
		if err != nil {
			return Ranking{}, err
		}
		out.Closed = out.Closed && closed
		for _, m := range ms {
			if !Ranked(m.Employment) {
				continue
			}
			r, ok := byWorker[m.WorkerID]
			if !ok {
				r = &Row{ID: m.WorkerID, Name: m.Name, Employment: m.Employment, Members: 1}
				if _, ok := areaNames[m.OrgID]; !ok {
					if areaNames[m.OrgID], err = org.NameOf(ctx, s.db.Reader(), m.OrgID); err != nil {
						return Ranking{}, err
					}
				}
				r.OrgName = areaNames[m.OrgID]
				byWorker[m.WorkerID] = r
				order = append(order, m.WorkerID)
			}
			if len(months) == 1 {
				r.Metrics = m.Metrics
			}
			r.Online = points(hundredths(r.Online) + hundredths(m.Online))
			r.Offline = points(hundredths(r.Offline) + hundredths(m.Offline))
			r.Total = points(hundredths(r.Total) + hundredths(m.Total))
		}
	}
	for _, w := range order {
		out.Rows = append(out.Rows, *byWorker[w])
	}
	rankRows(out.Rows)
	for _, r := range out.Rows {
		if r.Rank <= AwardSize && hundredths(r.Total) > 0 {
			out.Candidates = append(out.Candidates, r)
		}
	}
	out.Awards, err = s.awards(ctx, s.db.Reader(), "a.org_id = ? AND a.period = ?", id, label)
	return out, err
}

// ChooseInput chooses the 十佳网格员 of an area's month or year from its
// ranking: at most ten members, each within the ranking.
type ChooseInput struct {
	OrgID     string   `json:"org_id"`
	Month     string   `json:"month"`
	Year      string   `json:"year"`
	WorkerIDs []string `json:"worker_ids"`
}

// ChooseTopTen records the choice: each chosen member gets the award on
// their record with their rank and total, who chose and when. A member
// already awarded for the period answers a conflict. Audited.
func (s *Service) ChooseTopTen(ctx context.Context, in ChooseInput) (Ranking, error) {
	var f apperr.Fields
	if len(in.WorkerIDs) == 0 {
		f.Add("worker_ids", "assess.required")
	} else if len(in.WorkerIDs) > AwardSize {
		f.Add("worker_ids", "assess.too_many", "max", AwardSize)
	}
	if in.OrgID == "" {
		f.Add("org_id", "assess.required")
	}
	if in.Month == "" && in.Year == "" {
		f.Add("month", "assess.required")
	}
	if err := f.Refuse(); err != nil {
		return Ranking{}, err
	}
	label, months, err := s.period(in.Month, in.Year)
	if err != nil {
		return Ranking{}, err
	}
	p := authz.From(ctx)
	path, err := org.PathIn(ctx, s.db.Reader(), authz.AssessWrite, in.OrgID, "org_id")
	if err != nil {
		return Ranking{}, err
	}
	rk, err := s.ranking(ctx, in.OrgID, path, label, months)
	if err != nil {
		return Ranking{}, err
	}
	ranked := map[string]Row{}
	for _, r := range rk.Rows {
		ranked[r.ID] = r
	}
	seen := map[string]bool{}
	for i, id := range in.WorkerIDs {
		if _, ok := ranked[id]; !ok || seen[id] {
			f.Add("worker_ids["+strconv.Itoa(i)+"]", "assess.not_ranked")
		}
		seen[id] = true
	}
	if err := f.Refuse(); err != nil {
		return Ranking{}, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var names []string
		for _, id := range in.WorkerIDs {
			r := ranked[id]
			w, err := org.WorkerByID(ctx, tx, id)
			if err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM assess_awards WHERE worker_id = ? AND title = ? AND period = ?", id, TopTen, label).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return apperr.E(apperr.Conflict, "assess.award_twice", "name", r.Name)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO assess_awards (id, worker_id, path, org_id, title, period, rank, total_x100, chosen_by, chosen_name, chosen_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), id, w.Path, in.OrgID, TopTen, label, r.Rank, hundredths(r.Total), p.UserID, byName(p), now); err != nil {
				return err
			}
			names = append(names, r.Name)
		}
		return s.record(ctx, tx, "top_ten", "org", in.OrgID, label+": "+strings.Join(names, "、"))
	})
	if err != nil {
		return Ranking{}, err
	}
	rk.Awards, err = s.awards(ctx, s.db.Reader(), "a.org_id = ? AND a.period = ?", in.OrgID, label)
	return rk, err
}

// awards lists awards matching cond, newest period first.
func (s *Service) awards(ctx context.Context, q db.Querier, cond string, args ...any) ([]Award, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.worker_id, a.org_id, COALESCE(o.name, ''), a.title, a.period, a.rank, a.total_x100, a.chosen_name, a.chosen_at
		FROM assess_awards a LEFT JOIN org_nodes o ON o.id = a.org_id WHERE `+cond+` ORDER BY a.period DESC, a.rank, a.worker_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Award{}
	for rows.Next() {
		var a Award
		var total int64
		if err := rows.Scan(&a.ID, &a.WorkerID, &a.OrgID, &a.OrgName, &a.Title, &a.Period, &a.Rank, &total, &a.ChosenBy, &a.ChosenAt); err != nil {
			return nil, err
		}
		a.Total = points(total)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if w, err := org.WorkerByID(ctx, q, out[i].WorkerID); err == nil {
			out[i].WorkerName = w.Name
		}
	}
	return out, nil
}

// AwardList returns the awards of an area (default the caller's), newest first.
func (s *Service) AwardList(ctx context.Context, orgID, year string) ([]Award, error) {
	_, path, err := s.area(ctx, authz.AssessRead, orgID)
	if err != nil {
		return nil, err
	}
	under, args := authz.Under("a.path", path)
	if year != "" {
		under += " AND a.period LIKE ?"
		args = append(args, year+"%")
	}
	return s.awards(ctx, s.db.Reader(), under, args...)
}

// Record is what a member's roster entry shows of assessment: their
// awards and the training hours they took each year.
type Record struct {
	WorkerID string      `json:"worker_id"`
	Name     string      `json:"name"`
	Awards   []Award     `json:"awards"`
	Hours    []YearHours `json:"hours"`
	Sessions []Attended  `json:"sessions"`
}

// YearHours is the training hours a member took in a year.
type YearHours struct {
	Year     string  `json:"year"`
	Hours    float64 `json:"hours"`
	Sessions int     `json:"sessions"`
}

// Attended is a training session a member attended.
type Attended struct {
	TrainingID string  `json:"training_id"`
	Title      string  `json:"title"`
	HeldOn     string  `json:"held_on"`
	Hours      float64 `json:"hours"`
}

// WorkerRecord returns a roster member's record, for those who read the
// roster of the member's area; another area's member is not found.
func (s *Service) WorkerRecord(ctx context.Context, id string) (Record, error) {
	q := s.db.Reader()
	w, err := org.WorkerByID(ctx, q, id)
	if err != nil || !authz.From(ctx).Covers(authz.WorkforceRead, w.Path) {
		if err == nil || apperr.As(err) != nil {
			return Record{}, apperr.NotFoundf("worker")
		}
		return Record{}, err
	}
	out := Record{WorkerID: w.ID, Name: w.Name, Hours: []YearHours{}, Sessions: []Attended{}}
	if out.Awards, err = s.awards(ctx, q, "a.worker_id = ?", id); err != nil {
		return Record{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.title, t.held_on, t.hours_x10 FROM assess_attendance a JOIN assess_trainings t ON t.id = a.training_id
		WHERE a.worker_id = ? ORDER BY t.held_on DESC, t.id`, id)
	if err != nil {
		return Record{}, err
	}
	defer rows.Close()
	years := map[string]bool{}
	for rows.Next() {
		var a Attended
		var x10 int64
		if err := rows.Scan(&a.TrainingID, &a.Title, &a.HeldOn, &x10); err != nil {
			return Record{}, err
		}
		a.Hours = float64(x10) / 10
		out.Sessions = append(out.Sessions, a)
		y := a.HeldOn[:4]
		if !years[y] {
			out.Hours = append(out.Hours, YearHours{Year: y})
			years[y] = true
		}
	}
	if err := rows.Err(); err != nil {
		return Record{}, err
	}
	idx := map[string]int{}
	for i, h := range out.Hours {
		idx[h.Year] = i
	}
	var x10 = map[string]int64{}
	for _, a := range out.Sessions {
		y := a.HeldOn[:4]
		x10[y] += int64(a.Hours*10 + 0.5)
		out.Hours[idx[y]].Sessions++
	}
	for y, v := range x10 {
		out.Hours[idx[y]].Hours = float64(v) / 10
	}
	return out, nil
}
