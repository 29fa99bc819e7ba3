package safety

import (
	"context"
	"time"

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
// moment "at month end" is taken).
type span struct{ From, To, End time.Time }

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

// Metric is a figure the platform computes itself. Unit percent: the
// share of the records that are hits, ×100; unit count: the number of
// hits. Records names what a record is, for the drill-down's links.
type Metric struct {
	Code    string
	Unit    string // percent, count
	Records string // event, dispute, petition, key_person, grid, screening
	gather  gather
}

// MetricInfo is a metric as the catalogue page lists it.
type MetricInfo struct {
	Code    string `json:"code"`
	Unit    string `json:"unit"`
	Records string `json:"records"`
}

// Metrics are the computed metrics an indicator may take as its source.
// Each asks the room that keeps the records (one query over the root).
var Metrics = []Metric{
	{"event_on_time", "percent", "event", func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return casework.ClosuresIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{"satisfaction", "percent", "event", func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return casework.RatingsIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{"mediation_success", "percent", "dispute", func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return dispute.ClosedCasesIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{"repeat_petitions", "percent", "petition", func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return petition.PetitionsIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{"keyperson_visits", "percent", "key_person", func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return keyperson.VisitsDueAt(ctx, q, path, m.End, one(add))
	}},
	{"patrol_coverage", "percent", "grid", patrolCoverage},
	{"screening_completeness", "percent", "screening", func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		return screening.RoundVillagesIn(ctx, q, path, m.From, m.To, one(add))
	}},
	{"overdue_supervisions", "count", "event", func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
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

func metricOf(code string) Metric {
	for _, m := range Metrics {
		if m.Code == code {
			return m
		}
	}
	return Metric{}
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
		out = append(out, MetricInfo{m.Code, m.Unit, m.Records})
	}
	return out
}
