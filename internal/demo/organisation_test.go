package demo_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The town's dispute accounts sign in: the mediator reads the events of its
// town and not the county's others; the judge reads only the events sent
// to its court; the heads of the 司法所 and 派出所 work for their units.
func TestTownDisputeAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of events")
	}
	t.Parallel()
	a := testapp.New(t)
	if _, err := demo.Events(context.Background(), a.DB, 5, 2026, time.Now()); err != nil {
		t.Fatal(err)
	}
	type me struct {
		Roles []struct {
			Role    string `json:"role"`
			OrgCode string `json:"org_code"`
		} `json:"roles"`
	}
	var units = map[string]string{"townmediator": "441602001-center", "sfschief": "441602001-sfs", "pcschief": "441602001-pcs", "judge": "441602001-fy"}
	roles := map[string]string{"townmediator": "mediator", "sfschief": "justice", "pcschief": "police", "judge": "judge"}
	for user, unit := range units {
		c := a.LoginAs(user)
		var m me
		if st := c.Do("GET", "/api/v1/me", nil, &m); st != 200 {
			t.Fatalf("%s: me %d", user, st)
		}
		var code string
		if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT u.code FROM users x JOIN units u ON u.id = x.unit_id WHERE x.username = ?",
			user).Scan(&code); err != nil || code != unit {
			t.Errorf("%s works for %q, want %s (%v)", user, code, unit, err)
		}
		if len(m.Roles) != 1 || m.Roles[0].Role != roles[user] || m.Roles[0].OrgCode != "441602001" {
			t.Errorf("%s holds %+v, want %s at the town", user, m.Roles, roles[user])
		}
		// Each lands on the org page at least, which every one of them may open.
		if st := c.Do("GET", "/api/v1/org/roots", nil, nil); st != 200 {
			t.Errorf("%s: org roots %d", user, st)
		}
	}

	type list struct {
		Items []struct {
			ID       string `json:"id"`
			GridCode string `json:"grid_code"`
		} `json:"items"`
		Total int `json:"total"`
	}
	// The mediator: the town's events, none of another town's.
	var mine list
	if st := a.LoginAs("townmediator").Do("GET", "/api/v1/events?limit=200", nil, &mine); st != 200 {
		t.Fatalf("mediator's events: %d", st)
	}
	if len(mine.Items) == 0 {
		t.Fatal("the town's mediator sees no event of its town")
	}
	for _, e := range mine.Items {
		if !strings.HasPrefix(e.GridCode, "441602001") {
			t.Errorf("the town's mediator sees event %s of grid %s", e.ID, e.GridCode)
		}
	}
	var other string
	if err := a.DB.Reader().QueryRowContext(context.Background(),
		"SELECT e.id FROM events e JOIN org_nodes o ON o.id = e.org_id WHERE o.code NOT LIKE '441602001%' LIMIT 1").Scan(&other); err != nil {
		t.Fatal(err)
	}
	if st := a.LoginAs("townmediator").Do("GET", "/api/v1/events/"+other, nil, nil); st != 404 && st != 403 {
		t.Errorf("the town's mediator reads another town's event: %d", st)
	}

	// The judge: only the events sent to the court.
	var court string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM units WHERE code = '441602001-fy'").Scan(&court); err != nil {
		t.Fatal(err)
	}
	var sent []string
	rows, err := a.DB.Reader().QueryContext(context.Background(), "SELECT event_id FROM event_units WHERE unit_id = ?", court)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, id)
	}
	rows.Close()
	if len(sent) == 0 {
		t.Fatal("the demo sends no dispute to the town's 人民法庭")
	}
	var judged list
	if st := a.LoginAs("judge").Do("GET", "/api/v1/events?limit=200", nil, &judged); st != 200 {
		t.Fatalf("judge's events: %d", st)
	}
	if len(judged.Items) == 0 {
		t.Error("the judge sees none of the events sent to the court")
	}
	for _, e := range judged.Items {
		if !slices.Contains(sent, e.ID) {
			t.Errorf("the judge sees event %s, not sent to the court", e.ID)
		}
	}
	if st := a.LoginAs("judge").Do("GET", "/api/v1/events/"+other, nil, nil); st != 404 && st != 403 {
		t.Errorf("the judge reads an event not sent to the court: %d", st)
	}
}
