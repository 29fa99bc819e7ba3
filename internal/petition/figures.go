package petition

import (
	"context"
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

// Figures are the months from..to and their sum.
type Figures struct {
	Months []Month `json:"months"`
	Total  Month   `json:"total"`
}

// Figures counts the petitions of the caller's areas (or org_id's) by
// month, from and to YYYY-MM (the last 12 months when empty).
func (s *Service) Figures(ctx context.Context, from, to, orgID string) (Figures, error) {
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
	scope, args := authz.ScopeSQL("p.path", authz.From(ctx).Scopes(authz.PetitionRead))
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
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT p.received_on, COALESCE(p.closed_on, ''), p.status, p.satisfaction, p.repeated, p.over_level, p.people_count
		FROM petitions p WHERE `+scope+` AND ((p.received_on >= ? AND p.received_on <= ?) OR (p.closed_on >= ? AND p.closed_on <= ?))`,
		append(args, first, last, first, last)...)
	if err != nil {
		return Figures{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var received, closed, status, sat string
		var repeated, over bool
		var people int
		if err := rows.Scan(&received, &closed, &status, &sat, &repeated, &over, &people); err != nil {
			return Figures{}, err
		}
		if i, ok := idx[received[:7]]; ok {
			m := &out.Months[i]
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
		if len(closed) >= 7 {
			if i, ok := idx[closed[:7]]; ok && status == "closed" {
				m := &out.Months[i]
				m.Closed++
				if sat == "satisfied" || sat == "basically" {
					m.Satisfied++
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return Figures{}, err
	}
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

// share is part of whole in whole per cent, rounded half up; nil when
// whole is 0.
func share(part, whole int) *int {
	if whole == 0 {
		return nil
	}
	v := (part*200 + whole) / (2 * whole)
	return &v
}
