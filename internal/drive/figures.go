package drive

import (
	"context"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Figures are a campaign's results per town taking part (its villages' and
// grids' assignments count for it) and per unit, with the total: the
// assignments done and overdue, each counted action's total, and the clues
// given in the town and how many the police confirmed.
type Figures struct {
	Actions []Action    `json:"actions"`
	Rows    []FigureRow `json:"rows"`
	Total   FigureRow   `json:"total"`
}

// FigureRow is one town's or unit's figures.
type FigureRow struct {
	Kind      string         `json:"kind"` // town, unit, total
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Assigned  int            `json:"assigned"`
	Done      int            `json:"done"`
	Late      int            `json:"late"`
	Counts    map[string]int `json:"counts"` // action id → the total done of its measure
	Clues     int            `json:"clues"`
	Confirmed int            `json:"confirmed"`
}

// Figures returns a campaign's figures, for those who read its root's
// campaigns: the clues are counted, never shown.
func (s *Service) Figures(ctx context.Context, driveID string) (Figures, error) {
	q := s.db.Reader()
	d, err := s.drive(ctx, q, driveID, authz.DriveRead)
	if err != nil {
		return Figures{}, err
	}
	list, err := s.readAssignments(ctx, q, "s.drive_id = ?", driveID)
	if err != nil {
		return Figures{}, err
	}
	return figuresOf(ctx, q, d, list)
}

// figuresOf rolls the campaign's lines and clues up per town and unit.
func figuresOf(ctx context.Context, q db.Querier, d Drive, list []Assignment) (Figures, error) {
	out := Figures{Actions: d.Actions, Rows: []FigureRow{}, Total: FigureRow{Kind: "total", Counts: map[string]int{}}}
	index := map[string]int{}
	row := func(kind, id, name string) *FigureRow {
		i, ok := index[id]
		if !ok {
			i = len(out.Rows)
			index[id] = i
			out.Rows = append(out.Rows, FigureRow{Kind: kind, ID: id, Name: name, Counts: map[string]int{}})
		}
		return &out.Rows[i]
	}
	for _, t := range d.Towns {
		row("town", t.ID, t.Name)
	}
	for _, u := range d.Units {
		row("unit", u.ID, u.Name)
	}
	for _, a := range list {
		key := a.TownID
		if a.unitID != "" {
			key = a.unitID
		}
		i, ok := index[key]
		if !ok {
			continue
		}
		for _, r := range []*FigureRow{&out.Rows[i], &out.Total} {
			r.Assigned++
			if a.Done {
				r.Done++
			}
			if a.Light == Red {
				r.Late++
			}
			r.Counts[a.ActionID] += a.Count
		}
	}
	rows, err := q.QueryContext(ctx, "SELECT COALESCE(town_id, ''), status, count(*) FROM drive_clues WHERE drive_id = ? GROUP BY town_id, status", d.ID)
	if err != nil {
		return Figures{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var town, status string
		var n int
		if err := rows.Scan(&town, &status, &n); err != nil {
			return Figures{}, err
		}
		targets := []*FigureRow{&out.Total}
		if i, ok := index[town]; ok {
			targets = append(targets, &out.Rows[i])
		}
		for _, r := range targets {
			r.Clues += n
			if status == ClueConfirmed {
				r.Confirmed += n
			}
		}
	}
	return out, rows.Err()
}
