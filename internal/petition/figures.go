package petition

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/org"
)

// Month is one month's figures of the petition desk.
type Month struct {
	Month       string `json:"month"`        // YYYY-MM
	Received    int    `json:"received"`     // received in the month
	Closed      int    `json:"closed"`       // closed (办结) in the month
	Satisfied   int    `json:"satisfied"`    // of those closed: 满意 or 基本满意
	Repeat      int    `json:"repeat"`       // of those received: repeat (重复访)
	Collective  int    `json:"collective"`   // of those received: five people or more (集体访)
	OverLevel   int    `json:"over_level"`   // of those received: over-level (越级)
	Share       *int   `json:"share_pct"`    // satisfied of closed, in whole per cent; none when nothing closed
	NotAccepted int    `json:"not_accepted"` // of those received: not accepted
}

// Figures are the months from..to, the same window's groups when asked
// for by area or type, and their sum.
type Figures struct {
	Months []Month `json:"months"`
	Groups []Group `json:"groups,omitempty"`
	Total  Month   `json:"total"`
}

// Group is the window's figures of one child area or one type.
type Group struct {
	Key    string `json:"key"`  // the child area's id (the area's own for petitions lodged at its level), or the type
	Name   string `json:"name"` // the area's name; a type is named by the console
	Counts Month  `json:"counts"`
}

// FigureBys are the groupings besides the months.
var FigureBys = []string{"area", "type"}

// Figures counts the petitions of the caller's areas (or org_id's) by
// month, from and to YYYY-MM (the last 12 months when empty), and by child
// area or by type when by names one.
func (s *Service) Figures(ctx context.Context, from, to, orgID, by string) (Figures, error) {
	var f apperr.Fields
	now := s.Now().In(shanghai)
	if to == "" {
		to = now.Format("2006-01")
	}
	if from == "" {
		from = now.AddDate(0, -11, 0).Format("2006-01")
	}
	ft, err1 := time.Parse("2006-01", from)
	tt, err2 := time.Parse("2006-01", to)
	if err1 != nil {
		f.Add("from", "petition.date_invalid")
	}
	if err2 != nil {
		f.Add("to", "petition.date_invalid")
	}
	if err1 == nil && err2 == nil && (tt.Before(ft) || tt.After(ft.AddDate(5, 0, 0))) {
		f.Add("to", "petition.range_invalid")
	}
	if by != "" && !slices.Contains(FigureBys, by) {
		f.Add("by", "petition.value_unknown", "value", by)
	}
	p := authz.From(ctx)
	scope, args := authz.ScopeSQL("p.path", p.Scopes(authz.PetitionRead))
	areaPath := "" // the area whose children the groups by area are
	if sc := p.Scopes(authz.PetitionRead); len(sc) > 0 {
		areaPath = sc[0]
	}
	if orgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.PetitionRead, orgID, "org_id")
		if e := apperr.As(err); err != nil && e != nil && e.Kind == apperr.Invalid {
			f = append(f, e.Fields...)
		} else if err != nil {
			return Figures{}, err
		} else {
			c, a := authz.Under("p.path", path)
			scope += " AND " + c
			args = append(args, a...)
			areaPath = path
		}
	}
	if err := f.Err(); err != nil {
		return Figures{}, err
	}
	out := Figures{Months: []Month{}}
	idx := map[string]int{}
	for m := ft; !m.After(tt); m = m.AddDate(0, 1, 0) {
		idx[m.Format("2006-01")] = len(out.Months)
		out.Months = append(out.Months, Month{Month: m.Format("2006-01")})
	}
	first, last := from+"-01", tt.AddDate(0, 1, -1).Format(time.DateOnly)
	groups := map[string]*Group{}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT p.received_on, COALESCE(p.closed_on, ''), p.status, p.satisfaction, p.repeated, p.over_level, p.people_count,
		p.path, p.type
		FROM petitions p WHERE `+scope+` AND ((p.received_on >= ? AND p.received_on <= ?) OR (p.closed_on >= ? AND p.closed_on <= ?))`,
		append(args, first, last, first, last)...)
	if err != nil {
		return Figures{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var received, closed, status, sat, path, typ string
		var repeated, over bool
		var people int
		if err := rows.Scan(&received, &closed, &status, &sat, &repeated, &over, &people, &path, &typ); err != nil {
			return Figures{}, err
		}
		var g *Month
		if by != "" {
			key := typ
			if by == "area" {
				key = childOf(areaPath, path)
			}
			if groups[key] == nil {
				groups[key] = &Group{Key: key}
			}
			g = &groups[key].Counts
		}
		if i, ok := idx[received[:7]]; ok {
			for _, m := range []*Month{&out.Months[i], g} {
				if m != nil {
					m.received(repeated, over, people, status)
				}
			}
		}
		if i, ok := idx[closed[:min(7, len(closed))]]; ok && status == "closed" {
			for _, m := range []*Month{&out.Months[i], g} {
				if m != nil {
					m.closed(sat)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return Figures{}, err
	}
	for _, g := range groups {
		g.Counts.Share = share(g.Counts.Satisfied, g.Counts.Closed)
		if by == "area" {
			if g.Name, err = org.NameOf(ctx, s.db.Reader(), g.Key); err != nil {
				return Figures{}, err
			}
		}
		out.Groups = append(out.Groups, *g)
	}
	slices.SortFunc(out.Groups, func(a, b Group) int { return strings.Compare(a.Key, b.Key) })
	t := &out.Total
	t.Month = from + ".." + to
	for i := range out.Months {
		m := &out.Months[i]
		m.Share = share(m.Satisfied, m.Closed)
		t.Received += m.Received
		t.Closed += m.Closed
		t.Satisfied += m.Satisfied
		t.Repeat += m.Repeat
		t.Collective += m.Collective
		t.OverLevel += m.OverLevel
		t.NotAccepted += m.NotAccepted
	}
	t.Share = share(t.Satisfied, t.Closed)
	return out, nil
}

// received counts a petition received in the month.
func (m *Month) received(repeated, over bool, people int, status string) {
	m.Received++
	if repeated {
		m.Repeat++
	}
	if people >= CollectiveSize {
		m.Collective++
	}
	if over {
		m.OverLevel++
	}
	if status == "not_accepted" {
		m.NotAccepted++
	}
}

// closed counts a petition closed in the month with its satisfaction.
func (m *Month) closed(sat string) {
	m.Closed++
	if sat == "satisfied" || sat == "basically" {
		m.Satisfied++
	}
}

// childOf is the id of the child of the area at parent that path lies in,
// or the area's own id for a path at the area itself (paths are the ids
// from the root, each followed by "/").
func childOf(parent, path string) string {
	rest := strings.TrimPrefix(path, parent)
	if rest == "" || rest == path {
		ids := strings.Split(strings.Trim(parent, "/"), "/")
		return ids[len(ids)-1]
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// share is part of whole in whole per cent, rounded half up; nil when
// whole is 0.
func share(part, whole int) *int {
	if whole == 0 {
		return nil
	}
	v := (part*200 + whole) / (2 * whole)
	return &v
}
