package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// After the demo, its grid member has visit tasks (走访任务): the key persons
// of the grid the member serves are theirs although the system registered
// them, one visit overdue and one due soon.
func TestDemoGridMemberHasVisitTasks(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	var tasks struct {
		Items []struct {
			Light           string `json:"light"`
			ResponsibleName string `json:"responsible_name"`
		} `json:"items"`
	}
	if st := a.Login("grid_member").Do("GET", "/api/v1/key-persons?mine=true&due_within_days=7", nil, &tasks); st != 200 {
		t.Fatalf("visit tasks: %d", st)
	}
	lights := map[string]int{}
	for _, k := range tasks.Items {
		lights[k.Light]++
	}
	if lights["red"] == 0 || lights["yellow"] == 0 {
		t.Errorf("the demo grid member's visit tasks: %+v, want one overdue and one due soon at least", tasks.Items)
	}
	// Every key person of a grid served by an account has a responsible
	// member.
	var unassigned int
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM key_persons k JOIN people p ON p.id = k.person_id
		WHERE k.responsible_id IS NULL AND p.grid_id IN (SELECT grid_id FROM grid_members WHERE user_id IS NOT NULL)`).Scan(&unassigned)
	if err != nil || unassigned != 0 {
		t.Errorf("%d key persons without a responsible member in a served grid (%v)", unassigned, err)
	}
}

// The demo's field accounts find work on their phones: the grid member
// results to re-check in their grid, the handler hotline matters of their
// department to sign and one being handled; each can act on them.
func TestDemoFieldWork(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	n, err := demo.FieldWork(context.Background(), a.DB, 2026, time.Now())
	if err != nil || n != 7 {
		t.Fatalf("field work: %d events, %v", n, err)
	}
	type list struct {
		Items []struct {
			ID, No, State, Light string
			Version              int
			LeadUnitName         string `json:"lead_unit_name"`
		} `json:"items"`
	}
	gm := a.Login("grid_member")
	var checks list
	gm.Do("GET", "/api/v1/events?state=handled", nil, &checks)
	if len(checks.Items) != 3 {
		t.Fatalf("the grid member's re-checks: %+v, want 3", checks.Items)
	}
	for _, e := range checks.Items {
		if e.Light != "green" && e.Light != "yellow" {
			t.Errorf("re-check %s is %q, want a fresh light", e.No, e.Light)
		}
	}
	var detail struct {
		Timeline []struct{ Action, Note string }
	}
	gm.Do("GET", "/api/v1/events/"+checks.Items[0].ID, nil, &detail)
	if n := len(detail.Timeline); n == 0 || detail.Timeline[n-1].Action != "report_result" || detail.Timeline[n-1].Note == "" {
		t.Errorf("a re-check's timeline ends without the unit's result: %+v", detail.Timeline)
	}
	e := checks.Items[0]
	if st := gm.Do("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "check_pass", "version": e.Version}, nil); st != 200 {
		t.Errorf("check_pass: %d", st)
	}

	h := a.Login("dept_handler")
	var toSign, handling list
	h.Do("GET", "/api/v1/events?state=dispatched", nil, &toSign)
	h.Do("GET", "/api/v1/events?state=handling", nil, &handling)
	if len(toSign.Items) != 3 || len(handling.Items) != 1 {
		t.Fatalf("the handler's inbox: %d to sign, %d handling; want 3 and 1", len(toSign.Items), len(handling.Items))
	}
	if st := h.Do("POST", "/api/v1/events/"+toSign.Items[0].ID+"/actions", map[string]any{"action": "sign", "version": toSign.Items[0].Version}, nil); st != 200 {
		t.Errorf("sign: %d", st)
	}
	e = handling.Items[0]
	if st := h.Do("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "report_result", "version": e.Version, "note": "已清理"}, nil); st != 200 {
		t.Errorf("report_result on the demo's signed order: %d", st)
	}
	// each has a number of its own, after the day's counter
	seen := map[string]bool{}
	for _, l := range []list{checks, toSign, handling} {
		for _, e := range l.Items {
			if seen[e.No] {
				t.Errorf("event number %s twice", e.No)
			}
			seen[e.No] = true
		}
	}
}
