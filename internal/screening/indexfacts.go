package screening

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// RoundVillagesIn gives, for the safety index (package safety), every
// village of every round under path whose period starts on a day of
// [from, to) (China Standard Time): the round's id, a label of the round's
// title and the village's name, the village's path, and hit when the
// village filed a finding or a zero report in that round. A round covers
// its village, or its town's active villages, as its completeness does.
// Four queries, whatever the number of rounds.
func RoundVillagesIn(ctx context.Context, q db.Querier, path string, from, to time.Time, each func(id, label, path string, hit bool)) error {
	under, args := authz.Under("r.path", path)
	args = append(args, from.In(zone).Format("2006-01-02"), to.In(zone).Format("2006-01-02"))
	cond := " WHERE " + under + " AND r.period_from >= ? AND r.period_from < ?"
	type round struct{ id, title, orgID string }
	var rounds []round
	rows, err := q.QueryContext(ctx, "SELECT r.id, r.title, r.org_id FROM screening_rounds r"+cond+" ORDER BY r.period_from, r.id", args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r round
		if err := rows.Scan(&r.id, &r.title, &r.orgID); err != nil {
			rows.Close()
			return err
		}
		rounds = append(rounds, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(rounds) == 0 {
		return nil
	}
	reported := map[[2]string]bool{}
	for _, query := range []string{
		"SELECT z.round_id, z.org_id FROM screening_zero_reports z JOIN screening_rounds r ON r.id = z.round_id" + cond,
		"SELECT DISTINCT f.round_id, f.org_id FROM screening_findings f JOIN screening_rounds r ON r.id = f.round_id" + cond,
	} {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k [2]string
			if err := rows.Scan(&k[0], &k[1]); err != nil {
				rows.Close()
				return err
			}
			reported[k] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	villages, err := org.AreasUnder(ctx, q, path, "village")
	if err != nil {
		return err
	}
	byParent := map[string][]org.Area{}
	byID := map[string]org.Area{}
	for _, v := range villages {
		byParent[v.ParentID] = append(byParent[v.ParentID], v)
		byID[v.ID] = v
	}
	for _, r := range rounds {
		covered := byParent[r.orgID]
		if v, ok := byID[r.orgID]; ok {
			covered = []org.Area{v}
		}
		for _, v := range covered {
			each(r.id, r.title+" · "+v.Name, v.Path, reported[[2]string{r.id, v.ID}])
		}
	}
	return nil
}
