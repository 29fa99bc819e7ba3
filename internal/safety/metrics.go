package safety

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/petition"
	"github.com/gridgov/gridgov/internal/screening"
)

// span is the month a metric counts: [From, To) in China Standard Time,
// and End, the month's end or now when the month is still running (the
// moment "at month end" is taken); Root, Month and Catalogue say whose
// month it is, for the figures units report.
type span struct {
	From, To, End          time.Time
	Root, Month, Catalogue string
}

// gather gives every record a metric counts under the root's path, with
// its id, a short label, its area path, what it adds to the numerator
// (hits) and to the denominator (total: 1 for a record in it). One call
// covers every area: the records are grouped by path afterwards.
type gather func(ctx context.Context, q db.Querier, path string, m span, add adder) error

// adder takes one record of a metric.
type adder func(id, label, path string, hits, total int)

// one adapts an adder to the rooms' facts: one record each, a hit or not.
func one(add adder) func(id, label, path string, hit bool) {
	return func(id, label, path string, hit bool) {
		if hit {
			add(id, label, path, 1, 1)
		} else {
			add(id, label, path, 0, 1)
		}
	}
}

// Metric is a figure an indicator takes as its source: one the platform
// computes itself, or one a named unit reports every month (Reported).
// Unit percent: the share of the records that are hits, ×100; unit count
// (or amount, in 万元): the sum of the hits. Records names what a record
// is, for the drill-down's links.
type Metric struct {
	Code     string
	Unit     string // percent, count, amount
	Records  string // event, dispute, petition, key_person, grid, screening, task, village, place_kind, report
	gather   gather
	Reported bool
	// Suggested is a reported figure's indicator as the catalogue editor
	// offers it, with the county's thresholds and the town's red line.
	Suggested *Suggestion
}

// Suggestion is the indicator the catalogue editor offers for a figure the
// default catalogue leaves out: its direction, green and red at county and
// at town level.
type Suggestion struct {
	Name       string  `json:"name"`
	Definition string  `json:"definition"`
	Green      float64 `json:"green"`
	Red        float64 `json:"red"`
	TownGreen  float64 `json:"town_green"`
	TownRed    float64 `json:"town_red"`
	Direction  string  `json:"direction"`
}

// MetricInfo is a metric as the catalogue page lists it.
type MetricInfo struct {
	Code      string      `json:"code"`
	Unit      string      `json:"unit"`
	Records   string      `json:"records"`
	Reported  bool        `json:"reported"`
	Suggested *Suggestion `json:"suggested,omitempty"`
}

// Metrics are the computed metrics an indicator may take as its source.
// Each asks the room that keeps the records (one query over the root).
var Metrics = []Metric{
	{Code: "event_on_time", Unit: "percent", Records: "event", gather: func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return casework.ClosuresIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{Code: "satisfaction", Unit: "percent", Records: "event", gather: func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return casework.RatingsIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{Code: "mediation_success", Unit: "percent", Records: "dispute", gather: func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return dispute.ClosedCasesIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{Code: "repeat_petitions", Unit: "percent", Records: "petition", gather: func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return petition.PetitionsIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{Code: "keyperson_visits", Unit: "percent", Records: "key_person", gather: func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return keyperson.VisitsDueAt(ctx, q, path, m.End, one(add))
	}},
	{Code: "patrol_coverage", Unit: "percent", Records: "grid", gather: patrolCoverage},
	{Code: "screening_completeness", Unit: "percent", Records: "screening", gather: func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return screening.RoundVillagesIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{Code: "task_on_time", Unit: "percent", Records: "task", gather: tasksOnTime,
		Suggested: &Suggestion{"平安建设任务按期完成率", "当月到期的平安建设任务中，在期限内完成的比例", 95, 80, 95, 80, "higher"}},
	{Code: "cell_coverage", Unit: "percent", Records: "village", gather: cellCoverage,
		Suggested: &Suggestion{"平安村（社区）创建覆盖率", "月末有效的平安村（社区）占村（社区）总数的比例", 90, 60, 90, 60, "higher"}},
	{Code: "place_cell_coverage", Unit: "percent", Records: "place_kind", gather: placeCellCoverage,
		Suggested: &Suggestion{"平安单位（场所）创建覆盖率", "月末有效的平安校园、医院、企业、市场、景区等单位场所占平安办核定的应创建数的比例，按乡镇（街道）和类型计，超出应创建数的不计", 80, 50, 80, 50, "higher"}},
	{Code: "overdue_supervisions", Unit: "count", Records: "event", gather: func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return casework.OverdueSupervisionsAt(ctx, q, path, m.End, one(add))
	}},
}

// patrolCoverage gives every active main-layer grid with the days of the
// month so far (up to End) as its total and the days a patrol with a
// check-in was started on it as its hits: the grid-days, one record a
// grid so a county's month keeps hundreds of rows, not a grid a day.
func patrolCoverage(ctx context.Context, q db.Querier, path string, m span, add adder) error {
	walked := map[[2]string]bool{}
	if err := patrol.PatrolledDaysIn(ctx, q, path, m.From, m.End, func(grid, day string) { walked[[2]string{grid, day}] = true }); err != nil {
		return err
	}
	grids, err := org.MainGridRefsUnder(ctx, q, path)
	if err != nil {
		return err
	}
	var days []string
	for d := m.From; d.Before(m.End); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format("2006-01-02"))
	}
	for _, g := range grids {
		hits := 0
		for _, day := range days {
			if walked[[2]string{g.ID, day}] {
				hits++
			}
		}
		add(g.ID, g.Name, g.Path, hits, len(days))
	}
	return nil
}

// reportedMetric is a figure a unit reports, town by town.
func reportedMetric(code, unit string, sug Suggestion) Metric {
	return Metric{Code: code, Unit: unit, Records: "report", gather: reportedIn(code), Reported: true, Suggested: &sug}
}

// The figures the platform does not hold, reported by the police, the
// emergency bureau and the like (the committee names the unit of each).
func init() {
	Metrics = append(Metrics,
		reportedMetric("criminal_cases", "count", Suggestion{"刑事案件立案数", "当月公安机关刑事案件立案起数", 20, 50, 2, 6, "lower"}),
		reportedMetric("police_calls", "count", Suggestion{"刑事治安警情数", "当月接报的有效刑事、治安警情起数", 150, 400, 15, 40, "lower"}),
		reportedMetric("fraud_cases", "count", Suggestion{"电信网络诈骗立案数", "当月电信网络诈骗案件立案起数", 10, 30, 1, 4, "lower"}),
		reportedMetric("fraud_losses", "amount", Suggestion{"电信网络诈骗损失金额", "当月电信网络诈骗案件群众损失金额（万元，取整）", 50, 200, 5, 30, "lower"}),
		reportedMetric("drug_cases", "count", Suggestion{"涉毒案件数", "当月查处的涉毒违法犯罪案件起数", 2, 10, 0, 3, "lower"}),
		reportedMetric("fire_accidents", "count", Suggestion{"火灾事故起数", "当月发生的火灾事故起数", 3, 10, 0, 2, "lower"}),
		reportedMetric("traffic_deaths", "person", Suggestion{"道路交通事故死亡人数", "当月道路交通事故死亡人数", 1, 5, 0, 2, "lower"}),
		reportedMetric("work_accidents", "count", Suggestion{"生产安全事故起数", "当月发生的生产安全事故起数", 0, 3, 0, 1, "lower"}),
	)
}

// endDay is the month's last day as far as it has run (the day of End),
// YYYY-MM-DD: the day "at the month's end" is taken on.
func (m span) endDay() string {
	return m.End.Add(-time.Millisecond).In(Zone).Format("2006-01-02")
}

// validCellsAt calls fn with the kind, area and path of every cell of the
// given kinds under path that is valid on day (YYYY-MM-DD): approved, not
// revoked, and within its validity.
func validCellsAt(ctx context.Context, q db.Querier, path, day string, kinds []string, fn func(kind, areaID, path string)) error {
	if len(kinds) == 0 {
		return nil
	}
	under, args := authz.Under("path", path)
	in := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	for _, k := range kinds {
		args = append(args, k)
	}
	rows, err := q.QueryContext(ctx, "SELECT kind, area_id, path FROM safety_cells WHERE "+under+" AND kind IN ("+in+") AND status = ? AND valid_from <= ? AND valid_until >= ?",
		append(args, CellApproved, day, day)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, area, p string
		if err := rows.Scan(&kind, &area, &p); err != nil {
			return err
		}
		fn(kind, area, p)
	}
	return rows.Err()
}

// cellCoverage gives every active village under the root: a hit when it
// is a valid 平安村（社区） at the month's end (approved, not revoked, within
// its validity).
func cellCoverage(ctx context.Context, q db.Querier, path string, m span, add adder) error {
	villages, err := org.AreasUnder(ctx, q, path, "village")
	if err != nil {
		return err
	}
	valid := map[string]bool{}
	if err := validCellsAt(ctx, q, path, m.endDay(), []string{"village"}, func(_, area, _ string) { valid[area] = true }); err != nil {
		return err
	}
	hit := one(add)
	for _, v := range villages {
		hit(v.ID, v.Name, v.Path, valid[v.ID])
	}
	return nil
}

// placeCellCoverage gives, for every active town under the root and every
// place kind of the root (a school, a hospital, a market …) the committee
// set an eligible count above 0 for, one record labelled "town · kind":
// the eligible count as its total and the kind's cells in the town valid
// at the month's end as its hits, at most the eligible count — a town
// that made more places than it should does not make up for a kind or a
// town short of its count.
func placeCellCoverage(ctx context.Context, q db.Querier, path string, m span, add adder) error {
	kinds, err := cellKinds(ctx, q, m.Root)
	if err != nil {
		return err
	}
	eligible, err := placeEligible(ctx, q, m.Root, kinds)
	if err != nil {
		return err
	}
	var places []string
	for _, k := range kinds {
		if k.Subject == "place" {
			places = append(places, k.Code)
		}
	}
	towns, err := org.AreasUnder(ctx, q, path, "town")
	if err != nil {
		return err
	}
	townOf := map[string]string{} // path: id
	for _, t := range towns {
		townOf[t.Path] = t.ID
	}
	valid := map[[2]string]int{} // town id, kind: cells valid
	err = validCellsAt(ctx, q, path, m.endDay(), places, func(kind, _, p string) {
		// The cell counts for the town whose path is a prefix of its own.
		for i := 1; i < len(p); i++ {
			if p[i] != '/' {
				continue
			}
			if id, ok := townOf[p[:i+1]]; ok {
				valid[[2]string{id, kind}]++
			}
		}
	})
	if err != nil {
		return err
	}
	for _, t := range towns {
		for _, k := range kinds {
			n := eligible[t.ID][k.Code]
			if n <= 0 {
				continue
			}
			add(t.ID+"/"+k.Code, t.Name+" · "+k.Name, t.Path, min(valid[[2]string{t.ID, k.Code}], n), n)
		}
	}
	return nil
}

func metricOf(code string) Metric {
	for _, m := range Metrics {
		if m.Code == code {
			return m
		}
	}
	return Metric{}
}

func metricIndex(code string) int {
	return slices.IndexFunc(Metrics, func(m Metric) bool { return m.Code == code })
}

func metricCodes() []string {
	var out []string
	for _, m := range Metrics {
		out = append(out, m.Code)
	}
	return out
}

func metricInfos() []MetricInfo {
	var out []MetricInfo
	for _, m := range Metrics {
		out = append(out, MetricInfo{m.Code, m.Unit, m.Records, m.Reported, m.Suggested})
	}
	return out
}
