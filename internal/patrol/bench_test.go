package patrol_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/tally"
)

// BenchmarkCoverageTally counts a month of patrol coverage for 10,000
// members (three windows a day, about three in four walked): the tally the
// monthly assessment of a city asks for.
func BenchmarkCoverageTally(b *testing.B) {
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	const members, days = 10000, 30
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, patrol.Zone)
	org := db.NewID()
	path := "/" + org + "/"
	insert := func(tx *db.Tx, table string, cols []string, rows [][]any) {
		per := 8000 / len(cols)
		ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for len(rows) > 0 {
			n := min(per, len(rows))
			args := []any{}
			var parts []string
			for _, r := range rows[:n] {
				parts = append(parts, ph)
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES "+strings.Join(parts, ", "), args...); err != nil {
				b.Fatal(err)
			}
			rows = rows[n:]
		}
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		insert(tx, "org_nodes", []string{"id", "code", "name", "kind", "path", "status", "created_at", "updated_at"},
			[][]any{{org, "441602", "城市", "city", path, "active", 0, 0}})
		var workers, tasks [][]any
		for w := 0; w < members; w++ {
			id := fmt.Sprintf("w%05d", w)
			workers = append(workers, []any{id, org, path, "网格员", "full_time", "active", "", 1, 0, 0})
			for day := 0; day < days; day++ {
				dd := month.AddDate(0, 0, day)
				for k, win := range patrol.DefaultWindows {
					from, _ := time.Parse("15:04", win.From)
					starts := dd.Add(time.Duration(from.Hour())*time.Hour + time.Duration(from.Minute())*time.Minute).UnixMilli()
					var walked any
					if (w+day+k)%4 != 0 {
						walked = starts + 600000
					}
					tasks = append(tasks, []any{fmt.Sprintf("%s-%d-%d", id, day, k), id, "", path, dd.Format(time.DateOnly), win.Slot(), starts, starts + 5400000, 0, walked})
				}
			}
		}
		insert(tx, "workers", []string{"id", "org_id", "path", "name", "employment", "status", "started_on", "version", "created_at", "updated_at"}, workers)
		insert(tx, "patrol_tasks", append(append([]string{}, patrol.TaskCols...), "walked_at"), tasks)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	p := tally.Period{From: month.UnixMilli(), To: month.AddDate(0, 1, 0).UnixMilli(), Path: path}
	b.ResetTimer()
	for b.Loop() {
		sh, err := patrol.CoverageTally(ctx, d.Reader(), p)
		if err != nil {
			b.Fatal(err)
		}
		if c := sh[patrol.MetricCoverage]["w00000"]; len(sh[patrol.MetricCoverage]) != members || c.Due != 3*days {
			b.Fatalf("%d members, %+v", len(sh[patrol.MetricCoverage]), c)
		}
	}
}
