package registry

import (
	"context"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// AreaCounts are the register totals of one area.
type AreaCounts struct {
	OrgID        string `json:"org_id"`
	OrgName      string `json:"org_name"`
	People       int    `json:"people"`
	Floating     int    `json:"floating"`
	Households   int    `json:"households"`
	Houses       int    `json:"houses"`
	Rentals      int    `json:"rentals"`
	Units        int    `json:"units"`
	CareTargets  int    `json:"care_targets"`
	KeyPersons   int    `json:"key_persons"`
	KeyRed       int    `json:"key_red"`
	KeyYellow    int    `json:"key_yellow"`
	VisitsRed    int    `json:"visits_overdue"`
	VisitsYellow int    `json:"visits_due_soon"`
}

// Summary is an area's register totals and the same per child area.
type Summary struct {
	AreaCounts
	Children []AreaCounts `json:"children"`
}

// Summary counts the registers of an area (the caller's first scope when
// orgID is empty) and of each child area. Key-person figures count only the
// categories the caller may see; they are totals, never names.
func (s *Service) Summary(ctx context.Context, orgID string) (Summary, error) {
	who := authz.From(ctx)
	var out Summary
	q := s.db.Reader()
	if orgID == "" {
		scopes := who.Scopes(authz.RegistryRead)
		if len(scopes) == 0 {
			return out, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", string(authz.RegistryRead))
		}
		var err error
		if orgID, err = org.IDAt(ctx, q, scopes[0]); err != nil {
			return out, err
		}
	}
	path, err := org.PathIn(ctx, q, authz.RegistryRead, orgID, "") // another area is not found
	if err != nil {
		return out, err
	}
	if out.OrgName, err = org.NameOf(ctx, q, orgID); err != nil {
		return out, err
	}
	out.OrgID = orgID
	kids, err := org.Children(ctx, q, orgID)
	if err != nil {
		return out, err
	}
	for _, k := range kids {
		out.Children = append(out.Children, AreaCounts{OrgID: k.ID, OrgName: k.Name})
	}
	byID := map[string]*AreaCounts{}
	out.Children = append([]AreaCounts{}, out.Children...)
	for i := range out.Children {
		byID[out.Children[i].OrgID] = &out.Children[i]
	}
	// A child's path is the parent's path plus its 36-character id and "/",
	// so grouping by that prefix counts each child's subtree in one pass.
	child := "substr(x.path, 1, " + strconv.Itoa(len(path)+37) + ")"
	count := func(from, where string, args []any, set func(c *AreaCounts, n int)) error {
		under, uargs := authz.Under("x.path", path)
		rows, err := q.QueryContext(ctx, "SELECT "+child+", count(*) FROM "+from+" WHERE "+under+" "+where+" GROUP BY "+child,
			append(uargs, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p string
			var n int
			if err := rows.Scan(&p, &n); err != nil {
				return err
			}
			set(&out.AreaCounts, n)
			if len(p) == len(path)+37 {
				if c := byID[p[len(path):len(path)+36]]; c != nil {
					set(c, n)
				}
			}
		}
		return rows.Err()
	}
	now := s.Now().UnixMilli()
	kf, kargs, _ := regkit.CategoryFilter(ctx, s.vault, authz.KeyPersonRead, "x")
	kf = " AND " + kf
	red, redArgs, _ := regkit.LightSQL("x", "red", now)
	yellow, yellowArgs, _ := regkit.LightSQL("x", "yellow", now)
	for _, c := range []struct {
		from, where string
		args        []any
		set         func(c *AreaCounts, n int)
	}{
		{"people x", "AND x.status = 'active'", nil, func(c *AreaCounts, n int) { c.People += n }},
		{"people x", "AND x.status = 'active' AND x.kind = 'floating'", nil, func(c *AreaCounts, n int) { c.Floating += n }},
		{"households x", "AND x.status = 'active'", nil, func(c *AreaCounts, n int) { c.Households += n }},
		{"houses x", "AND x.status = 'active'", nil, func(c *AreaCounts, n int) { c.Houses += n }},
		{"houses x", "AND x.status = 'active' AND x.purpose = 'rental'", nil, func(c *AreaCounts, n int) { c.Rentals += n }},
		{"register_units x", "AND x.status = 'active'", nil, func(c *AreaCounts, n int) { c.Units += n }},
		{"care_targets x", "AND x.status = 'active'", nil, func(c *AreaCounts, n int) { c.CareTargets += n }},
		{"key_persons x", "AND x.status = 'active'" + kf, kargs, func(c *AreaCounts, n int) { c.KeyPersons += n }},
		{"key_persons x", "AND x.status = 'active' AND x.risk_level = 'red'" + kf, kargs, func(c *AreaCounts, n int) { c.KeyRed += n }},
		{"key_persons x", "AND x.status = 'active' AND x.risk_level = 'yellow'" + kf, kargs, func(c *AreaCounts, n int) { c.KeyYellow += n }},
		{"key_persons x", "AND x.status = 'active' AND " + red + kf, append(redArgs, kargs...), func(c *AreaCounts, n int) { c.VisitsRed += n }},
		{"key_persons x", "AND x.status = 'active' AND " + yellow + kf, append(yellowArgs, kargs...), func(c *AreaCounts, n int) { c.VisitsYellow += n }},
	} {
		if err := count(c.from, c.where, c.args, c.set); err != nil {
			return out, err
		}
	}
	return out, nil
}
