package demo_test

import (
	"context"
	"testing"

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
