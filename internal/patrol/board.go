package patrol

import (
	"context"
	"sort"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/org"
)

func auditView(id string) audit.Entry {
	return audit.Entry{Action: "patrol.view", ObjectType: "patrol", ObjectID: id}
}

// Today is the member's day on the phone: the windows (tasks) of today,
// the patrol that is on, if any, and today's patrols.
type Today struct {
	Day      string   `json:"day"`
	OnRoster bool     `json:"on_roster"`
	Worker   string   `json:"worker_name,omitempty"`
	Tasks    []Task   `json:"tasks"`
	Open     *Patrol  `json:"open,omitempty"`
	Patrols  []Patrol `json:"patrols"`
}

// MyDay returns the caller's day, making today's tasks when they are not
// made yet.
func (s *Service) MyDay(ctx context.Context) (Today, error) {
	day := s.today()
	out := Today{Day: day, Tasks: []Task{}, Patrols: []Patrol{}}
	w, err := me(ctx, s.db.Reader())
	if apperr.Is(err, "patrol.not_on_roster") {
		return out, nil // the phone says the member is on no roster
	}
	if err != nil {
		return out, err
	}
	out.OnRoster, out.Worker = true, w.Name
	if err := s.ensureDay(ctx, w, day); err != nil {
		return out, err
	}
	if out.Tasks, err = tasksOf(ctx, s.db.Reader(), w.ID, day); err != nil {
		return out, err
	}
	from, to := dayBounds(day)
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+patrolCols+` FROM patrols p
		WHERE p.worker_id = ? AND ((p.started_at >= ? AND p.started_at < ?) OR p.status = 'open') ORDER BY p.started_at`, w.ID, from, to)
	if err != nil {
		return out, err
	}
	var openID string
	for rows.Next() {
		p, err := scanPatrol(rows)
		if err != nil {
			rows.Close()
			return out, err
		}
		p.WorkerName = w.Name
		if p.Status == "open" {
			openID = p.ID
		}
		out.Patrols = append(out.Patrols, p)
	}
	rows.Close()
	if openID != "" {
		p, err := s.Patrol(ctx, openID)
		if err != nil {
			return out, err
		}
		out.Open = &p
	}
	return out, nil
}

// ensureDay makes the member's tasks of day when they are not made yet.
func (s *Service) ensureDay(ctx context.Context, w org.Worker, day string) error {
	if !Planned(w) {
		return nil
	}
	var have int
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM patrol_tasks WHERE worker_id = ? AND day = ?", w.ID, day).Scan(&have); err != nil || have > 0 {
		return err
	}
	_, err := s.Materialise(ctx, w.Path, day)
	return err
}

// dayBounds is the start and end of day in Unix milliseconds.
func dayBounds(day string) (int64, int64) {
	d, _ := time.ParseInLocation(time.DateOnly, day, Zone)
	return d.UnixMilli(), d.AddDate(0, 0, 1).UnixMilli()
}

// Board is the centre's view of an area's day.
type Board struct {
	OrgID   string `json:"org_id"`
	OrgName string `json:"org_name"`
	Day     string `json:"day"`
	Members int    `json:"members"` // planned members
	Due     int    `json:"due"`     // windows planned
	Walked  int    `json:"walked"`  // windows walked
	// Out are the patrols on now (today only), Last each member's last
	// check-in of the day, Grids the windows per grid and Unpatrolled the
	// grids with no check-in that day.
	Out         []Patrol    `json:"out"`
	Last        []LastPoint `json:"last"`
	Grids       []GridDay   `json:"grids"`
	Unpatrolled []GridDay   `json:"unpatrolled"`
	Patrols     []Patrol    `json:"patrols"`
}

// LastPoint is a member's last check-in of the day.
type LastPoint struct {
	WorkerID   string  `json:"worker_id"`
	WorkerName string  `json:"worker_name"`
	PatrolID   string  `json:"patrol_id"`
	GridID     string  `json:"grid_id"`
	Open       bool    `json:"open"`
	At         int64   `json:"at"`
	Lat        float64 `json:"lat"`
	Lng        float64 `json:"lng"`
}

// GridDay is a grid's patrol day: windows planned and walked, patrols and
// check-ins.
type GridDay struct {
	org.GridRef
	Due      int `json:"due"`
	Walked   int `json:"walked"`
	Patrols  int `json:"patrols"`
	Checkins int `json:"checkins"`
}

// BoardOf returns the board of the area orgID (the caller's top area when
// empty) on day (today when empty). Today's tasks are made when they are
// not yet; past days show what was planned then.
func (s *Service) BoardOf(ctx context.Context, orgID, day string) (Board, error) {
	p := authz.From(ctx)
	q := s.db.Reader()
	today := s.today()
	if day == "" {
		day = today
	} else if d, err := time.Parse(time.DateOnly, day); err != nil || d.Format(time.DateOnly) != day {
		return Board{}, apperr.Refuse("day", "patrol.day_invalid")
	}
	var path string
	var err error
	if orgID == "" {
		scopes := p.Scopes(authz.GridworkRead)
		if len(scopes) == 0 {
			return Board{}, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.GridworkRead)
		}
		sort.Slice(scopes, func(i, j int) bool { return len(scopes[i]) < len(scopes[j]) })
		path = scopes[0]
		if orgID, err = org.IDAt(ctx, q, path); err != nil {
			return Board{}, err
		}
	} else if path, err = org.PathIn(ctx, q, authz.GridworkRead, orgID, "org_id"); err != nil {
		return Board{}, err
	}
	if day == today {
		if _, err := s.Materialise(ctx, path, day); err != nil {
			return Board{}, err
		}
	}
	name, err := org.NameOf(ctx, q, orgID)
	if err != nil {
		return Board{}, err
	}
	b := Board{OrgID: orgID, OrgName: name, Day: day, Out: []Patrol{}, Last: []LastPoint{}, Grids: []GridDay{}, Unpatrolled: []GridDay{}, Patrols: []Patrol{}}
	grids, err := org.MainGridRefsUnder(ctx, q, path)
	if err != nil {
		return b, err
	}
	roster, err := org.WorkersIn(ctx, q, path)
	if err != nil {
		return b, err
	}
	names := map[string]string{}
	for _, w := range roster {
		names[w.ID] = w.Name
	}
	byGrid := map[string]*GridDay{}
	for _, g := range grids {
		b.Grids = append(b.Grids, GridDay{GridRef: g})
	}
	for i := range b.Grids {
		byGrid[b.Grids[i].ID] = &b.Grids[i]
	}
	under, uargs := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, `SELECT grid_id, count(*), count(walked_at), count(DISTINCT worker_id) FROM patrol_tasks
		WHERE day = ? AND `+under+` GROUP BY grid_id`, append([]any{day}, uargs...)...)
	if err != nil {
		return b, err
	}
	for rows.Next() {
		var g string
		var due, walked, members int
		if err := rows.Scan(&g, &due, &walked, &members); err != nil {
			rows.Close()
			return b, err
		}
		b.Due, b.Walked, b.Members = b.Due+due, b.Walked+walked, b.Members+members
		if gd := byGrid[g]; gd != nil {
			gd.Due, gd.Walked = due, walked
		}
	}
	rows.Close()
	from, to := dayBounds(day)
	punder, pargs := authz.Under("p.path", path)
	prow, err := q.QueryContext(ctx, "SELECT "+patrolCols+` FROM patrols p
		WHERE `+punder+` AND ((p.started_at >= ? AND p.started_at < ?) OR (p.status = 'open' AND ? = ?)) ORDER BY p.started_at`,
		append(pargs, from, to, day, today)...)
	if err != nil {
		return b, err
	}
	for prow.Next() {
		pt, err := scanPatrol(prow)
		if err != nil {
			prow.Close()
			return b, err
		}
		pt.WorkerName = names[pt.WorkerID]
		if pt.Status == "open" && day == today {
			b.Out = append(b.Out, pt)
		}
		b.Patrols = append(b.Patrols, pt)
		if gd := byGrid[pt.GridID]; gd != nil {
			gd.Patrols++
			gd.Checkins += pt.Checkins
		}
	}
	prow.Close()
	// Each member's last check-in of the day: one row a member.
	lrows, err := q.QueryContext(ctx, `SELECT p.worker_id, p.id, p.grid_id, p.status, pp.at, pp.lat, pp.lng
		FROM patrol_points pp JOIN patrols p ON p.id = pp.patrol_id
		WHERE `+punder+` AND pp.at >= ? AND pp.at < ? AND pp.at = (SELECT max(p2.at) FROM patrol_points p2 JOIN patrols q2 ON q2.id = p2.patrol_id
			WHERE q2.worker_id = p.worker_id AND p2.at >= ? AND p2.at < ?)
		ORDER BY pp.at DESC`, append(pargs, from, to, from, to)...)
	if err != nil {
		return b, err
	}
	seen := map[string]bool{}
	for lrows.Next() {
		var l LastPoint
		var status string
		if err := lrows.Scan(&l.WorkerID, &l.PatrolID, &l.GridID, &status, &l.At, &l.Lat, &l.Lng); err != nil {
			lrows.Close()
			return b, err
		}
		if seen[l.WorkerID] {
			continue
		}
		seen[l.WorkerID] = true
		l.WorkerName = names[l.WorkerID]
		l.Open = status == "open"
		b.Last = append(b.Last, l)
	}
	lrows.Close()
	for _, g := range b.Grids {
		if g.Checkins == 0 {
			b.Unpatrolled = append(b.Unpatrolled, g)
		}
	}
	return b, s.audit.RecordAlone(ctx, s.db, authz.GridworkRead, audit.Entry{Action: "patrol.board", ObjectType: "org", ObjectID: orgID, Detail: day})
}
