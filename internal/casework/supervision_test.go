package casework_test

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

type supervisionRow struct {
	Group        string `json:"group"`
	EventID      string `json:"event_id"`
	No           string `json:"no"`
	LeadUnitName string `json:"lead_unit_name"`
	OrderDueAt   *int64 `json:"order_due_at"`
	OrderOverdue bool   `json:"order_overdue"`
	By           string `json:"by"`
	SupervisedAt *int64 `json:"supervised_at"`
	Note         string `json:"note"`
}

// leaderName is the demo leader's name, as the timeline and the list show it.
const leaderName = "政法委 黄书记"

func supervisionList(t *testing.T, c *testapp.Client, query string) []supervisionRow {
	t.Helper()
	var list struct{ Items []supervisionRow }
	if st := c.Do("GET", "/api/v1/supervision"+query, nil, &list); st != 200 {
		t.Fatalf("supervision list: %d", st)
	}
	return list.Items
}

// A supervision order's own deadline is checked by the sweep: past it, the
// order is marked once (whichever node sweeps, however often), the event's
// timeline says 督办逾期 in words, the lead unit and the leader who
// supervised are told, the event shows the red flag, and the supervision
// list puts the order first, before events that are only overdue.
func TestSupervisionOrderDeadline(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, intake, disp := a.Login("grid_member"), a.Login("intake"), a.Login("dispatcher")
	handler, lead, shift := a.Login("dept_handler"), a.Login("leader"), a.Login("shift_lead")

	var e, other event
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	gm.Do("POST", "/api/v1/events", report(a, map[string]any{"description": "路口井盖缺失，存在安全隐患"}), &other)
	act(t, intake, &e, "file", map[string]any{"urgency": "normal"})
	cg := unitID(t, disp, "441602-cg")
	act(t, disp, &e, "dispatch", map[string]any{"unit_ids": []string{cg}, "lead_unit_id": cg})
	act(t, lead, &e, "supervise", map[string]any{"hours": 4, "note": "周一集中督办，限期办结"})

	// Within the order's deadline: one line, supervised, with who and when.
	rows := supervisionList(t, shift, "")
	if len(rows) != 1 || rows[0].Group != "supervised" || rows[0].EventID != e.ID || rows[0].OrderOverdue || rows[0].OrderDueAt == nil ||
		rows[0].SupervisedAt == nil || rows[0].By != leaderName || rows[0].LeadUnitName == "" || rows[0].Note != "周一集中督办，限期办结" {
		t.Fatalf("supervised: %+v", rows)
	}
	if n, err := a.Events.SweepSupervision(t.Context()); err != nil || n != 0 {
		t.Fatalf("sweep before the deadline: %d %v", n, err)
	}

	// Three days on (four working hours have passed whatever the day):
	// two nodes sweep at once, and the order is marked once.
	later := time.Now().Add(3 * 24 * time.Hour)
	a.Events.Now = func() time.Time { return later }
	defer func() { a.Events.Now = time.Now }()
	var wg sync.WaitGroup
	var mu sync.Mutex
	marked := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := a.Events.SweepSupervision(t.Context())
			if err != nil {
				t.Errorf("sweep: %v", err)
			}
			mu.Lock()
			marked += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n, _ := a.Events.SweepSupervision(t.Context()); marked != 1 || n != 0 {
		t.Fatalf("marked %d, then %d again", marked, n)
	}

	var got struct {
		SuperviseOverdue bool `json:"supervise_overdue"`
		Timeline         []struct{ Action, Note string }
	}
	shift.Do("GET", "/api/v1/events/"+e.ID, nil, &got)
	steps := 0
	for _, l := range got.Timeline {
		if l.Action == "supervise_overdue" {
			steps++
			if !strings.Contains(l.Note, "督办逾期") || !strings.Contains(l.Note, leaderName) {
				t.Errorf("timeline note: %q", l.Note)
			}
			if m := regexp.MustCompile(`[A-Za-z_]{2,}`).FindString(l.Note); m != "" {
				t.Errorf("timeline note %q shows the code %q", l.Note, m)
			}
		}
	}
	if !got.SuperviseOverdue || steps != 1 {
		t.Fatalf("event after the sweep: flag %v, %d steps", got.SuperviseOverdue, steps)
	}
	var list struct {
		Items []struct {
			ID               string `json:"id"`
			SuperviseOverdue bool   `json:"supervise_overdue"`
		}
	}
	shift.Do("GET", "/api/v1/events?state=open", nil, &list)
	for _, it := range list.Items {
		if it.SuperviseOverdue != (it.ID == e.ID) {
			t.Errorf("list flag of %s: %v", it.ID, it.SuperviseOverdue)
		}
	}
	for name, c := range map[string]*testapp.Client{"lead unit": handler, "who supervised": lead} {
		var inbox struct{ Items []struct{ Kind, Text string } }
		c.Do("GET", "/api/v1/inbox", nil, &inbox)
		n := 0
		for _, m := range inbox.Items {
			if m.Kind == "supervise_overdue" {
				n++
				if !strings.Contains(m.Text, e.No) || !strings.Contains(m.Text, "督办逾期") {
					t.Errorf("%s: %q", name, m.Text)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d messages of the overdue order", name, n)
		}
	}

	// The Monday list: the overdue order first, then the event that is only overdue.
	rows = supervisionList(t, lead, "")
	if len(rows) != 2 || rows[0].Group != "order_overdue" || rows[0].EventID != e.ID || !rows[0].OrderOverdue ||
		rows[1].Group != "event_overdue" || rows[1].EventID != other.ID || rows[1].OrderDueAt != nil {
		t.Fatalf("Monday list: %+v", rows)
	}
	if p := lead.Fail("GET", "/api/v1/supervision?org_id=nope", nil); p.Status/100 != 4 {
		t.Fatalf("unknown area: %+v", p)
	}
	sheets, sheet := sheetRows(t, shift.RawWith("GET", "/api/v1/supervision/export", "", nil, map[string]string{"Accept-Language": "zh-CN"}))
	if sheets[0] != "督办清单" || len(sheet) != 4 || sheet[2][0] != "督办逾期" || sheet[2][1] != e.No || sheet[3][0] != "事件超期" || sheet[3][1] != other.No {
		t.Fatalf("sheet %v: %v", sheets, sheet)
	}

	// A department's handler reads their unit's orders, not the centre's list.
	if p := handler.Fail("GET", "/api/v1/supervision", nil); p.Status != 403 {
		t.Fatalf("handler: %+v", p)
	}
	// Closing the event closes its order: it leaves the list.
	act(t, handler, &e, "sign", nil)
	act(t, handler, &e, "report_result", map[string]any{"note": "已清运"})
	act(t, gm, &e, "check_pass", nil)
	if rows := supervisionList(t, shift, ""); len(rows) != 1 || rows[0].EventID != other.ID {
		t.Fatalf("after closing: %+v", rows)
	}
}
