package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The demo's year of events has second reports merged into open events, each
// linked both ways, so the merge links show on first start.
func TestDemoEventsHaveMergedDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of events")
	}
	t.Parallel()
	a := testapp.New(t)
	if _, err := demo.Events(context.Background(), a.DB, 5, 2026, time.Now()); err != nil {
		t.Fatal(err)
	}
	type ref struct{ ID, No, State string }
	var list struct{ Items []struct{ ID, No string } }
	intake := a.Login("intake")
	intake.Do("GET", "/api/v1/events?state=merged&limit=50", nil, &list)
	if len(list.Items) < 3 {
		t.Fatalf("merged demo events: %d", len(list.Items))
	}
	for _, m := range list.Items {
		var e struct {
			MergedInto *ref `json:"merged_into"`
		}
		intake.Do("GET", "/api/v1/events/"+m.ID, nil, &e)
		if e.MergedInto == nil || !strings.Contains("reported filed dispatched handling handled", e.MergedInto.State) {
			t.Fatalf("%s merged into %+v", m.No, e.MergedInto)
		}
		var target struct {
			MergedFrom []ref `json:"merged_from"`
			Timeline   []struct{ Action, Note string }
		}
		intake.Do("GET", "/api/v1/events/"+e.MergedInto.ID, nil, &target)
		found := false
		for _, r := range target.MergedFrom {
			found = found || r.ID == m.ID
		}
		if !found || target.Timeline[len(target.Timeline)-1].Note != "合并了事件 "+m.No {
			t.Fatalf("target of %s: %+v", m.No, target)
		}
	}
}
