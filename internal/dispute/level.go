package dispute

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Levels from the bottom: the centres (综治中心) a case is handled at
// ("小事不出村、大事不出镇、矛盾不上交"). The city is the last a case can
// rise to.
var Levels = []string{"village", "town", "county", "city"}

// EscalateInput sends a case one level up (上报), with a reason.
type EscalateInput struct {
	Reason string `json:"reason"`
}

// levelOfKind is the level of an area of kind: a province's node counts
// as the city, the last level.
func levelOfKind(kind string) string {
	if kind == "province" {
		return "city"
	}
	return kind
}

// areaLevel is the level a case of area id starts at: its node's.
func areaLevel(ctx context.Context, q db.Querier, id string) (string, error) {
	kind, err := org.KindOf(ctx, q, id, "org_id")
	return levelOfKind(kind), err
}

// levelPath is the path of the node of case c's area at c's level: the
// town above a village case handled at the town. An area without a node
// of that kind above it answers its own path.
func levelPath(ctx context.Context, q db.Querier, c Case) (string, error) {
	ids := strings.Split(strings.Trim(c.path, "/"), "/")
	for i := len(ids) - 1; i >= 0; i-- {
		kind, err := org.KindOf(ctx, q, ids[i], "")
		if err != nil {
			return "", err
		}
		if levelOfKind(kind) == c.Level {
			return "/" + strings.Join(ids[:i+1], "/") + "/", nil
		}
	}
	return c.path, nil
}

// Escalate sends an open case one level up (上报): a village case to the
// town's centre, and so on up to the city, the last level. Only a holder
// of dispute.write over the centre now handling the case may send it up
// (a village mediator sends a village case to the town; a town case goes
// to the county by the town). The case keeps its area: the holders over
// the new level's area covered it already, and those below still read it
// and may record their part.
func (s *Service) Escalate(ctx context.Context, id string, in EscalateInput) (Case, error) {
	var f apperr.Fields
	reason := required(&f, "reason", in.Reason, maxTextShort*5)
	if err := f.Refuse(); err != nil {
		return Case{}, err
	}
	return s.change(ctx, id, func(tx *db.Tx, p *authz.Principal, c Case, now int64) error {
		if err := mustBeOpen(c); err != nil {
			return err
		}
		i := slices.Index(Levels, c.Level)
		if i == len(Levels)-1 {
			return apperr.Refuse("level", "dispute.top_level")
		}
		at, err := levelPath(ctx, tx, c)
		if err != nil {
			return err
		}
		if !p.Covers(authz.DisputeWrite, at) {
			return apperr.E(apperr.Forbidden, "dispute.escalate_level", "level", c.Level)
		}
		up := Levels[i+1]
		if _, err := tx.ExecContext(ctx, "UPDATE disputes SET level = ?, updated_at = ?, version = version + 1 WHERE id = ?", up, now, id); err != nil {
			return err
		}
		return s.step(ctx, tx, p, authz.DisputeWrite, id, "escalate", c.Level+" → "+up+": "+reason, now)
	})
}

func (s *Service) escalate(r *http.Request, in EscalateInput) (Case, error) {
	return s.Escalate(r.Context(), r.PathValue("id"), in)
}

// filter is one condition of the list with its arguments.
type filter struct {
	cond string
	args []any
}

// drillParams are the list's filters the figures drill down with.
var drillParams = []httpx.Param{
	{Name: "level", In: "query", Desc: "village, town, county, city: the level handling the case now"},
	{Name: "settled_level", In: "query", Desc: "the level a settled case was settled at"},
	{Name: "next_route", In: "query", Desc: "where a failed mediation was sent on to"},
	{Name: "confirmation", In: "query", Desc: "applied (any application for judicial confirmation), confirmed"},
	{Name: "from", In: "query", Desc: "YYYY-MM: registered in this month or later"},
	{Name: "to", In: "query", Desc: "YYYY-MM: registered in this month or earlier"},
	{Name: "at_org", In: "query", Desc: "the cases of this area's own node, not of the areas below it"},
}

// drillFilters checks the drill-down filters of q into f and returns
// their conditions.
func drillFilters(f *apperr.Fields, q Query) []filter {
	var out []filter
	regkit.OneOf(f, "level", q.Level, Levels, false)
	regkit.OneOf(f, "settled_level", q.SettledLevel, Levels, false)
	regkit.OneOf(f, "next_route", q.NextRoute, Routes, false)
	regkit.OneOf(f, "confirmation", q.Confirmation, []string{"applied", "confirmed"}, false)
	if q.Level != "" {
		out = append(out, filter{"d.level = ?", []any{q.Level}})
	}
	if q.SettledLevel != "" {
		out = append(out, filter{"d.settled_level = ?", []any{q.SettledLevel}})
	}
	if q.NextRoute != "" {
		out = append(out, filter{"d.next_route = ?", []any{q.NextRoute}})
	}
	switch q.Confirmation {
	case "applied":
		out = append(out, filter{"EXISTS (SELECT 1 FROM dispute_confirmations dc WHERE dc.dispute_id = d.id)", nil})
	case "confirmed":
		out = append(out, filter{"EXISTS (SELECT 1 FROM dispute_confirmations dc WHERE dc.dispute_id = d.id AND dc.status = 'confirmed')", nil})
	}
	if q.From != "" {
		if m, ok := month(f, "from", q.From); ok {
			out = append(out, filter{"d.registered_at >= ?", []any{m.UnixMilli()}})
		}
	}
	if q.To != "" {
		if m, ok := month(f, "to", q.To); ok {
			out = append(out, filter{"d.registered_at < ?", []any{m.AddDate(0, 1, 0).UnixMilli()}})
		}
	}
	if q.AtOrg != "" {
		out = append(out, filter{"d.org_id = ?", []any{q.AtOrg}})
	}
	return out
}
