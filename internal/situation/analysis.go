package situation

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Count is a number of situations on the day and the day before.
type Count struct {
	Key       string `json:"key"` // a kind, "kind/category" or a level
	Count     int    `json:"count"`
	Yesterday int    `json:"yesterday"`
}

// TownCount is a town's situations on the day by kind, and the day before.
type TownCount struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Kinds     map[string]int `json:"kinds"`
	Total     int            `json:"total"`
	Yesterday int            `json:"yesterday"`
}

// Cluster is a group of situations close in space and time: each within
// clusterMeters and clusterHours of another of the group.
type Cluster struct {
	Lat   float64  `json:"lat"`
	Lng   float64  `json:"lng"`
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Kinds []string `json:"kinds"`
	Town  string   `json:"town"`
	Place string   `json:"place"`
	IDs   []string `json:"ids"`
}

// Repeat is a place or a person met again: the day's situations and the
// earlier ones of the window.
type Repeat struct {
	Name  string `json:"name"` // the grid's name or the place; the masked name of a person
	Count int    `json:"count"`
	Refs  []Ref  `json:"refs"`
}

// Ref is a situation as a repeat lists it.
type Ref struct {
	ID    string `json:"id"`
	Day   string `json:"day"`
	Kind  string `json:"kind"`
	Place string `json:"place"`
}

// Judgement is the analyst's word on a day.
type Judgement struct {
	Text      string `json:"text"`
	Analyst   string `json:"analyst"`
	UpdatedAt int64  `json:"updated_at"`
}

// Analysis is a day of an area's situations (研判).
type Analysis struct {
	AreaID        string      `json:"area_id"`
	Day           string      `json:"day"`
	Total         int         `json:"total"`
	Yesterday     int         `json:"yesterday"`
	ByKind        []Count     `json:"by_kind"`
	ByLevel       []Count     `json:"by_level"`
	ByCategory    []Count     `json:"by_category"`
	ByTown        []TownCount `json:"by_town"`
	NewCategories []string    `json:"new_categories"` // seen on the day, not in the 7 days before
	Clusters      []Cluster   `json:"clusters"`
	RepeatPlaces  []Repeat    `json:"repeat_places"`
	RepeatPeople  []Repeat    `json:"repeat_people"`
	Items         []Situation `json:"items"`
	Judgement     *Judgement  `json:"judgement"`
	CanJudge      bool        `json:"can_judge"`
}

// The analysis's windows and distances.
const (
	clusterMeters  = 500
	clusterHours   = 72
	clusterMin     = 3
	clusterDays    = 7
	placeDays      = 30
	placeMin       = 3
	peopleDays     = 90
	categoryWindow = 7
	windowLimit    = 200_000 // a city's month, many times over
)

func dayOffset(day string, n int) string {
	t, _ := time.ParseInLocation("2006-01-02", day, Zone)
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

// Analyse reads the day of the area's situations (an area the caller
// reads: a root, a town): counts by kind, level, category and town beside
// the day before, categories new this week, clusters in space and time,
// places and people met again, and the analyst's judgement.
func (s *Service) Analyse(ctx context.Context, areaID, day string) (Analysis, error) {
	q := s.db.Reader()
	path, err := org.PathIn(ctx, q, authz.SituationRead, areaID, "")
	if err != nil {
		return Analysis{}, err
	}
	if day == "" {
		day = s.Now().In(Zone).Format("2006-01-02")
	} else if _, err := time.Parse("2006-01-02", day); err != nil {
		return Analysis{}, apperr.Field("day", "validation.date")
	}
	under, args := authz.Under("s.path", path)
	// The whole window: its counts and repeats must not stop at a list's length.
	window, err := s.read(ctx, q, windowLimit, under+" AND s.day >= ? AND s.day <= ?", append(args, dayOffset(day, -placeDays+1), day)...)
	if err != nil {
		return Analysis{}, err
	}
	out := Analysis{AreaID: areaID, Day: day, Items: []Situation{}, NewCategories: []string{}}
	yesterday := dayOffset(day, -1)
	kinds, levels, cats := map[string]*Count{}, map[string]*Count{}, map[string]*Count{}
	towns := map[string]*TownCount{}
	seenBefore := map[string]bool{}
	bump := func(m map[string]*Count, key string, today bool) {
		c := m[key]
		if c == nil {
			c = &Count{Key: key}
			m[key] = c
		}
		if today {
			c.Count++
		} else {
			c.Yesterday++
		}
	}
	for _, x := range window {
		cat := x.Kind + "/" + x.Category
		switch {
		case x.Day == day:
			if len(out.Items) < listLimit {
				out.Items = append(out.Items, x)
			}
			out.Total++
		case x.Day == yesterday:
			out.Yesterday++
		}
		if x.Day < day && x.Day >= dayOffset(day, -categoryWindow) {
			seenBefore[cat] = true
		}
		if x.Day != day && x.Day != yesterday {
			continue
		}
		today := x.Day == day
		bump(kinds, x.Kind, today)
		bump(levels, x.Level, today)
		bump(cats, cat, today)
		t := towns[x.TownID]
		if t == nil {
			t = &TownCount{ID: x.TownID, Name: x.TownName, Kinds: map[string]int{}}
			towns[x.TownID] = t
		}
		if today {
			t.Kinds[x.Kind]++
			t.Total++
		} else {
			t.Yesterday++
		}
	}
	out.ByKind, out.ByLevel = ordered(kinds, Kinds), ordered(levels, Levels)
	out.ByCategory = byCount(cats)
	for _, x := range out.ByCategory {
		if x.Count > 0 && !seenBefore[x.Key] {
			out.NewCategories = append(out.NewCategories, x.Key)
		}
	}
	for _, t := range towns {
		out.ByTown = append(out.ByTown, *t)
	}
	sort.Slice(out.ByTown, func(i, j int) bool {
		a, b := out.ByTown[i], out.ByTown[j]
		return a.Total > b.Total || a.Total == b.Total && a.Name < b.Name
	})
	out.Clusters = clusters(window, day)
	out.RepeatPlaces = repeatPlaces(window, day)
	if out.RepeatPeople, err = s.repeatPeople(ctx, q, under, args, out.Items, day); err != nil {
		return out, err
	}
	// The judgement is the root's: a town reads its county's.
	if root, err := org.RootAbove(ctx, q, areaID); err == nil {
		var j Judgement
		err := q.QueryRowContext(ctx, "SELECT judgement, analyst, updated_at FROM situation_days WHERE root_id = ? AND day = ?", root, day).Scan(&j.Text, &j.Analyst, &j.UpdatedAt)
		if err == nil {
			out.Judgement = &j
		}
		out.CanJudge = root == areaID && authz.From(ctx).Covers(authz.SituationSteer, path)
	}
	return out, nil
}

func ordered(m map[string]*Count, keys []string) []Count {
	out := []Count{}
	for _, k := range keys {
		if c := m[k]; c != nil {
			out = append(out, *c)
		} else {
			out = append(out, Count{Key: k})
		}
	}
	return out
}

func byCount(m map[string]*Count) []Count {
	out := []Count{}
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Count > out[j].Count || out[i].Count == out[j].Count && out[i].Key < out[j].Key
	})
	return out
}

// meters is the distance between two points (equirectangular: exact
// enough within a county).
func meters(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	x := (lng2 - lng1) * math.Pi / 180 * math.Cos((lat1+lat2)/2*math.Pi/180)
	y := (lat2 - lat1) * math.Pi / 180
	return r * math.Hypot(x, y)
}

// clusters links the located situations of the last clusterDays days
// (single linkage: within clusterMeters and clusterHours of one another)
// and keeps the groups of at least clusterMin with one on the day.
func clusters(window []Situation, day string) []Cluster {
	var pts []Situation
	from := dayOffset(day, -clusterDays+1)
	for _, x := range window {
		if x.Lat != nil && x.Day >= from {
			pts = append(pts, x)
		}
	}
	parent := make([]int, len(pts))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			a, b := pts[i], pts[j]
			if math.Abs(float64(a.OccurredAt-b.OccurredAt)) <= clusterHours*3600_000 && meters(*a.Lat, *a.Lng, *b.Lat, *b.Lng) <= clusterMeters {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int][]Situation{}
	for i := range pts {
		groups[find(i)] = append(groups[find(i)], pts[i])
	}
	out := []Cluster{}
	for _, g := range groups {
		onDay := false
		for _, x := range g {
			onDay = onDay || x.Day == day
		}
		if len(g) < clusterMin || !onDay {
			continue
		}
		c := Cluster{From: g[0].OccurredAt, To: g[0].OccurredAt, Town: g[0].TownName, Place: g[0].Place, Kinds: []string{}}
		for _, x := range g {
			c.Lat += *x.Lat / float64(len(g))
			c.Lng += *x.Lng / float64(len(g))
			c.From, c.To = min(c.From, x.OccurredAt), max(c.To, x.OccurredAt)
			c.IDs = append(c.IDs, x.ID)
			if !slices.Contains(c.Kinds, x.Kind) {
				c.Kinds = append(c.Kinds, x.Kind)
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		return len(out[i].IDs) > len(out[j].IDs) || len(out[i].IDs) == len(out[j].IDs) && out[i].To > out[j].To
	})
	return out
}

// repeatPlaces are the grids (or, off any grid, the places) with at least
// placeMin situations in the last placeDays days, one of them on the day.
func repeatPlaces(window []Situation, day string) []Repeat {
	groups := map[string]*Repeat{}
	var order []string
	onDay := map[string]bool{}
	for _, x := range window {
		key, name := "g:"+x.GridID, x.GridName
		if x.GridID == "" {
			key, name = "p:"+strings.TrimSpace(x.Place), x.Place
		}
		r := groups[key]
		if r == nil {
			r = &Repeat{Name: name}
			groups[key] = r
			order = append(order, key)
		}
		r.Count++
		r.Refs = append(r.Refs, Ref{ID: x.ID, Day: x.Day, Kind: x.Kind, Place: x.Place})
		onDay[key] = onDay[key] || x.Day == day
	}
	out := []Repeat{}
	for _, k := range order {
		if r := groups[k]; r.Count >= placeMin && onDay[k] {
			out = append(out, *r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// repeatPeople are the people of the day's situations met in other
// situations of the area in the last peopleDays days, by their blind keys:
// no one is opened to find them.
func (s *Service) repeatPeople(ctx context.Context, q db.Querier, under string, args []any, items []Situation, day string) ([]Repeat, error) {
	out := []Repeat{}
	if len(items) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT p.person_key, p.name_masked, s.id, s.day, s.kind, s.place FROM situation_people p JOIN situations s ON s.id = p.situation_id
		WHERE `+under+` AND s.day >= ? AND s.day <= ? AND p.person_key IN (SELECT p2.person_key FROM situation_people p2 JOIN situations s2 ON s2.id = p2.situation_id
		WHERE s2.root_id = ? AND s2.day = ?) ORDER BY p.person_key, s.occurred_at DESC`, append(args, dayOffset(day, -peopleDays+1), day, items[0].RootID, day)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKey := map[string]*Repeat{}
	var order []string
	for rows.Next() {
		var key, name string
		var r Ref
		if err := rows.Scan(&key, &name, &r.ID, &r.Day, &r.Kind, &r.Place); err != nil {
			return nil, err
		}
		x := byKey[key]
		if x == nil {
			x = &Repeat{Name: name}
			byKey[key] = x
			order = append(order, key)
		}
		x.Count++
		x.Refs = append(x.Refs, r)
	}
	for _, k := range order {
		if x := byKey[k]; x.Count >= 2 {
			out = append(out, *x)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out, rows.Err()
}

// JudgementInput is the analyst's word on a day.
type JudgementInput struct {
	Text string `json:"text"`
}

// Judge records (or rewrites) the analyst's judgement of a root's day
// (situation.steer over the root). Audited.
func (s *Service) Judge(ctx context.Context, rootID, day string, in JudgementInput) (Judgement, error) {
	in.Text = strings.TrimSpace(in.Text)
	var f apperr.Fields
	if _, err := time.Parse("2006-01-02", day); err != nil {
		f.Add("day", "validation.date")
	} else if day > s.Now().In(Zone).Format("2006-01-02") {
		f.Add("day", "situation.future")
	}
	if n := len([]rune(in.Text)); n < 4 || n > 5000 {
		f.Add("text", "validation.length", "min", 4, "max", 5000)
	}
	if err := f.Err(); err != nil {
		return Judgement{}, err
	}
	j := Judgement{Text: in.Text, Analyst: authz.From(ctx).DisplayName, UpdatedAt: s.now()}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SituationSteer, rootID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO situation_days (root_id, day, judgement, analyst, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (root_id, day) DO UPDATE SET judgement = excluded.judgement, analyst = excluded.analyst, updated_at = excluded.updated_at`,
			rootID, day, j.Text, j.Analyst, j.UpdatedAt); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SituationSteer, "situation.judge", "situation_day", rootID+"/"+day, "")
	})
	return j, err
}
