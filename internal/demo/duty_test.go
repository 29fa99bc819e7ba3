package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/duty"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The demo's year of member tasks: a town–police-station meeting a month
// in every town with its decisions as tasks, pushed tasks closed or
// carried, and today's list on the demo grid member's and the demo
// police officer's phones, with yesterday's carry-overs on the board.
func TestDemoDuty(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of member tasks")
	}
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	start := time.Now()
	n, err := demo.Duty(ctx, demo.Deps{DB: a.DB, Authn: a.Authn, Duty: a.Duty}, "441602", 2026, time.Now())
	if err != nil || n < 500 {
		t.Fatalf("tasks: %d, %v", n, err)
	}
	t.Logf("%d tasks in %v", n, time.Since(start).Round(time.Millisecond))
	var meetings, towns, carried, auto int
	q := a.DB.Reader()
	q.QueryRowContext(ctx, "SELECT count(*) FROM duty_meetings").Scan(&meetings)
	q.QueryRowContext(ctx, "SELECT count(*) FROM org_nodes WHERE kind = 'town' AND code LIKE '441602%'").Scan(&towns)
	q.QueryRowContext(ctx, "SELECT count(*) FROM duty_tasks WHERE status = 'carried' AND carried_auto = 0").Scan(&carried)
	q.QueryRowContext(ctx, "SELECT count(*) FROM duty_tasks WHERE status = 'carried' AND carried_auto = 1").Scan(&auto)
	if meetings < towns*11 || carried == 0 || auto == 0 {
		t.Errorf("%d meetings for %d towns, %d carried with a reason, %d by the day's close", meetings, towns, carried, auto)
	}
	var today duty.Today
	if st := a.Login("grid_member").Do("GET", "/api/v1/duty/today", nil, &today); st != 200 || len(today.Tasks) < 4 || today.ToClose < 3 || len(today.Carried) != 1 {
		t.Fatalf("the grid member's day: %d %+v", st, today)
	}
	var police duty.Today
	if st := a.Login("police").Do("GET", "/api/v1/duty/today", nil, &police); st != 200 || len(police.Tasks) < 2 || len(police.Shared) == 0 {
		t.Fatalf("the police officer's day: %d %+v", st, police)
	}
	var board duty.Board
	if st := a.Login("intake").Do("GET", "/api/v1/duty/board", nil, &board); st != 200 || board.Total.Due == 0 || len(board.CarriedIn) == 0 {
		t.Fatalf("the county's board: %d %+v", st, board.Total)
	}
}
