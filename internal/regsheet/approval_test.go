package regsheet_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/regsheet"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Splitting an export into requests under the threshold (one per grid, one
// per town) does not dodge approval: a user's rows are summed over the
// rolling window.
func TestExportSplitNeedsApproval(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	addPeople(t, a, 3)
	sec, gm := a.Login("sec_admin"), a.Login("grid_member")
	if st := sec.Do("PUT", "/api/v1/registry/settings", map[string]int{"export_approval_rows": 4, "retention_days": 1825, "error_sheet_days": 7}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	var ex struct {
		exportRow
		WindowRows  int `json:"window_rows"`
		WindowHours int `json:"window_hours"`
		Threshold   int `json:"threshold"`
	}
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "format": "csv"}, &ex); st != 201 || ex.Status != "ready" || ex.Rows != 3 || ex.WindowRows != 0 {
		t.Fatalf("first: %d %+v", st, ex)
	}
	// 3 + 3 > 4: the second part waits for approval, and says why.
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "format": "csv"}, &ex); st != 201 || ex.Status != "pending" ||
		ex.WindowRows != 3 || ex.WindowHours != 24 || ex.Threshold != 4 {
		t.Fatalf("second: %d %+v", st, ex)
	}
	// A pending (not exported) request does not count; a small one still fits.
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "households", "format": "csv"}, &ex); st != 201 || ex.Status != "ready" || ex.WindowRows != 3 {
		t.Fatalf("households: %d %+v", st, ex)
	}
	// After the window, the count starts again.
	a.Registry.Now = func() time.Time { return time.Now().Add(regsheet.ExportWindow + time.Minute) }
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "format": "csv"}, &ex); st != 201 || ex.Status != "ready" {
		t.Fatalf("next day: %d %+v", st, ex)
	}
	var detail string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'registry.export_request' ORDER BY seq LIMIT 1 OFFSET 1").Scan(&detail)
	if !bytes.Contains([]byte(detail), []byte("window 3 pending")) {
		t.Errorf("audit detail: %q", detail)
	}
}

// The dodge the issue names: a county exporter asking for the people of one
// town at a time, each under the threshold.
func TestExportPerTownNeedsApproval(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	sec, ca := a.Login("sec_admin"), a.Login("civil_affairs")
	if st := sec.Do("PUT", "/api/v1/registry/settings", map[string]int{"export_approval_rows": 4, "retention_days": 1825, "error_sheet_days": 7}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	// The civil-affairs officer is also made a register keeper (with exports) over the county.
	var user, role, county string
	db := a.DB.Reader()
	db.QueryRowContext(ctx, "SELECT id, org_id FROM users WHERE username = ?", a.Account("civil_affairs").Username).Scan(&user, &county)
	db.QueryRowContext(ctx, "SELECT id FROM roles WHERE code = 'grid_member'").Scan(&role)
	if st := sec.Do("POST", "/api/v1/users/"+user+"/roles", map[string]string{"role_id": role, "org_id": county}, nil); st >= 300 {
		t.Fatalf("grant: %d %+v", st, sec.Fail("POST", "/api/v1/users/"+user+"/roles", map[string]string{"role_id": role, "org_id": county}))
	}
	ca = a.Login("civil_affairs")
	// Three people in a grid of each of two towns.
	rows, err := db.QueryContext(ctx, `SELECT t.id, MIN(g.code) FROM org_nodes t JOIN org_nodes v ON v.parent_id = t.id JOIN grids g ON g.org_id = v.id
		WHERE t.parent_id = ? AND g.layer = 'zz' GROUP BY t.id ORDER BY t.id LIMIT 2`, county)
	if err != nil {
		t.Fatal(err)
	}
	var towns, grids []string
	for rows.Next() {
		var town, grid string
		rows.Scan(&town, &grid)
		towns, grids = append(towns, town), append(grids, grid)
	}
	rows.Close()
	if len(towns) != 2 {
		t.Fatalf("towns: %v", towns)
	}
	for i, grid := range grids {
		for j := range 3 {
			id := pii.MakeID("441602", time.Date(1975, time.Month(1+i), 1+j, 0, 0, 0, 0, time.UTC), 50+j, j%2 == 0)
			if st := ca.Do("POST", "/api/v1/people", newPerson(fmt.Sprintf("镇%d人%d", i, j), id, grid, nil), nil); st != 201 {
				t.Fatalf("person: %d", st)
			}
		}
	}
	var ex exportRow
	if st := ca.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "org_id": towns[0]}, &ex); st != 201 || ex.Status != "ready" || ex.Rows != 3 {
		t.Fatalf("first town: %d %+v", st, ex)
	}
	if st := ca.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "org_id": towns[1]}, &ex); st != 201 || ex.Status != "pending" || ex.Rows != 3 {
		t.Fatalf("second town: %d %+v", st, ex)
	}
}
