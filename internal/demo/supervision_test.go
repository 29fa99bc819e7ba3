package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The demo leader's supervision orders show on first start: the 督办清单
// opens with the order past its deadline, whose event says 督办逾期 on its
// timeline and carries the flag, and the sweep finds nothing more to mark.
func TestDemoSupervisionOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of events")
	}
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	if _, err := demo.Events(ctx, a.DB, 5, 2026, time.Now()); err != nil {
		t.Fatal(err)
	}
	n, err := demo.Supervision(ctx, a.DB, time.Now())
	if err != nil || n != 3 {
		t.Fatalf("demo orders: %d %v", n, err)
	}
	if n, err := a.Events.SweepSupervision(ctx); err != nil || n != 0 {
		t.Fatalf("the sweep marked %d demo orders again: %v", n, err)
	}
	lead := a.Login("leader")
	var list struct {
		Items []struct {
			Group, By string
			EventID   string `json:"event_id"`
			OrderID   string `json:"order_id"`
		}
	}
	lead.Do("GET", "/api/v1/supervision", nil, &list)
	// The two orders within their deadline show as supervised, or among the
	// overdue events when their event's own stage is past its deadline.
	groups, orders := map[string]int{}, 0
	for _, r := range list.Items {
		if r.OrderID != "" {
			groups[r.Group]++
			orders++
		}
	}
	if len(list.Items) == 0 || list.Items[0].Group != "order_overdue" || list.Items[0].By != "政法委 黄书记" ||
		groups["order_overdue"] != 1 || orders != 3 {
		t.Fatalf("the demo's supervision list: %v, first %+v", groups, list.Items[0])
	}
	var e struct {
		SuperviseOverdue bool `json:"supervise_overdue"`
		Timeline         []struct{ Action, Note string }
	}
	if st := lead.Do("GET", "/api/v1/events/"+list.Items[0].EventID, nil, &e); st != 200 || len(e.Timeline) == 0 {
		t.Fatalf("the overdue order's event: %d %+v", st, list.Items[0])
	}
	steps := 0
	for _, l := range e.Timeline {
		if l.Action == "supervise_overdue" && l.Note != "" {
			steps++
		}
	}
	if !e.SuperviseOverdue || steps != 1 {
		t.Fatalf("the overdue order's event: %+v", e)
	}
}
