package safety_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
)

// BenchmarkComputeMonth computes the current month of the demo county and
// its towns (every metric, every record kept for the drill-down) with a
// year of the demo's events added to the test demo's records:
//
//	go test -run '^$' -bench ComputeMonth -benchtime 5x ./internal/safety/
func BenchmarkComputeMonth(b *testing.B) {
	a := testapp.NewWithRegisters(b)
	ctx := system()
	if _, err := demo.Events(context.Background(), a.DB, 5, 2026, time.Now()); err != nil {
		b.Fatal(err)
	}
	var county string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county); err != nil {
		b.Fatal(err)
	}
	month := time.Now().In(safety.Zone).Format("2006-01")
	var records int
	b.ResetTimer()
	for b.Loop() {
		m, err := a.Safety.Compute(ctx, county, month)
		if err != nil {
			b.Fatal(err)
		}
		records = len(m.Areas)
	}
	b.StopTimer()
	var inputs int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM safety_inputs i JOIN safety_months m ON m.id = i.month_id WHERE m.month = ?", month).Scan(&inputs)
	b.ReportMetric(float64(records), "areas")
	b.ReportMetric(float64(inputs), "records")
}
