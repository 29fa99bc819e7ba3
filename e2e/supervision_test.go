package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/testapp"
)

// superviseEvent reports an event in the grid member's grid and has the
// leader supervise it: an order of four working hours.
func superviseEvent(t *testing.T, app *testapp.App, text string) (id, no string) {
	t.Helper()
	gm, lead := app.Login("grid_member"), app.Login("leader")
	lat, lng := pointInGrid(t, gm, "441602001003")
	var e struct {
		ID      string `json:"id"`
		No      string `json:"no"`
		Version int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/events", map[string]any{"category_code": "0101", "description": text, "lat": lat, "lng": lng}, &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	if st := lead.Do("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "supervise", "version": e.Version, "hours": 4,
		"note": "周一集中督办：限期办结"}, nil); st != 200 {
		t.Fatalf("supervise: %d", st)
	}
	return e.ID, e.No
}

// TestSupervisionList: the shift lead opens 督办清单 for the Monday
// meeting, sees the supervision order past its deadline first (the sweep
// has marked it) before the one within its deadline, exports the list,
// and opens the overdue event, which carries the 督办逾期 flag.
func TestSupervisionList(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	late, lateNo := superviseEvent(t, app, "E2E 督办 河道垃圾漂浮")
	within, _ := superviseEvent(t, app, "E2E 督办 路灯不亮")
	// The first order was given a week ago with two days to go: its
	// deadline is past, and the sweep marks it.
	ctx := context.Background()
	weekAgo := time.Now().Add(-7 * 24 * time.Hour).UnixMilli()
	if err := app.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE supervisions SET created_at = ?, due_at = ? WHERE event_id = ?", weekAgo, weekAgo+2*24*3600*1000, late)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := app.Events.SweepSupervision(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "shift_lead")
	p.click(`#side-menu [data-menu="supervision"]`)
	p.waitFor("the supervision list", `location.hash.startsWith('#/supervision') && document.querySelectorAll('#supervision-table .group-tag').length === 2`,
		`location.hash + ' ' + document.querySelector('#supervision-table')?.innerText`)
	groups := evalJS[[]string](p, "the lines' groups", `[...document.querySelectorAll('#supervision-table .group-tag')].map(g => g.dataset.group + ' ' + g.dataset.eventId)`)
	if want := []string{"order_overdue " + late, "supervised " + within}; fmt.Sprint(groups) != fmt.Sprint(want) {
		t.Fatalf("the list's lines: %v, want %v", groups, want)
	}
	if first := p.text("#supervision-table .el-table__body tr:first-child"); !strings.Contains(first, lateNo) || !strings.Contains(first, "督办逾期") ||
		!strings.Contains(first, "政法委 黄书记") {
		t.Errorf("first line: %q", first)
	}
	p.waitText("#supervision-counts", "督办逾期 1 件")
	p.noRawKeys("the supervision list")
	p.shot("supervision-01-list")

	p.catchDownloads()
	p.click("#supervision-export")
	if d := p.waitDownload(0); !strings.HasSuffix(d.Name, ".xlsx") || !strings.HasPrefix(d.Text, "PK") {
		t.Errorf("supervision export: %q, %.20q", d.Name, d.Text)
	}

	p.click(fmt.Sprintf(`#supervision-table .group-tag[data-event-id="%s"]`, late))
	p.visible("#event-detail")
	p.waitFor("the overdue event", fmt.Sprintf(`document.querySelector('#event-detail')?.dataset.eventId === %s`, jsString(late)), `location.hash`)
	p.visible("#event-supervise-overdue")
	p.waitText("#event-timeline", "督办逾期（督办时限")
	p.noRawKeys("the overdue event")
	p.shot("supervision-02-event")
}
