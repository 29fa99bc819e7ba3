package registry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

type exportRow struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Rows       int    `json:"rows"`
	AwaitingMe bool   `json:"awaiting_me"`
}

// addPeople registers n people in the grid member's first grid.
func addPeople(t *testing.T, a *testapp.App, n int) []string {
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	var ids []string
	for i := range n {
		var p person
		body := newPerson("测试"+string(rune('甲'+i)), pii.MakeID("441602", time.Date(1980, 1, 1+i, 0, 0, 0, 0, time.UTC), 40+i, i%2 == 0), grid, nil)
		if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
			t.Fatalf("person %d: %d %+v", i, st, gm.Fail("POST", "/api/v1/people", body))
		}
		ids = append(ids, p.ID)
	}
	return ids
}

// Above the threshold an export waits for a second person; the requester
// cannot approve it, only the requester can download it, and the file
// names the approver.
func TestExportNeedsSecondPerson(t *testing.T) {
	a := testapp.New(t)
	addPeople(t, a, 3)
	sec, gm, leader := a.Login("sec_admin"), a.Login("grid_member"), a.Login("leader")
	if st := sec.Do("PUT", "/api/v1/registry/settings", map[string]int{"export_approval_rows": 2, "retention_days": 1825, "error_sheet_days": 7}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	if pr := sec.Fail("PUT", "/api/v1/registry/settings", map[string]int{"export_approval_rows": 0, "retention_days": 1825, "error_sheet_days": 7}); pr.Errors[0].Field != "export_approval_rows" {
		t.Errorf("threshold 0 accepted: %+v", pr)
	}

	var ex exportRow
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "format": "csv"}, &ex); st != 201 || ex.Status != "pending" || ex.Rows != 3 {
		t.Fatalf("request: %d %+v", st, ex)
	}
	if r := gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil); r.Status != 409 {
		t.Errorf("pending export downloaded: %d", r.Status)
	}
	if r := gm.Raw("POST", "/api/v1/exports/"+ex.ID+"/approve", "application/json", []byte(`{}`)); r.Status != 403 {
		t.Errorf("requester approving own export: %d", r.Status) // grid members lack the permission anyway
	}
	var list page[exportRow]
	leader.Do("GET", "/api/v1/exports", nil, &list)
	if len(list.Items) != 1 || !list.Items[0].AwaitingMe {
		t.Fatalf("leader's queue: %+v", list)
	}
	if st := leader.Do("POST", "/api/v1/exports/"+ex.ID+"/approve", map[string]string{}, &ex); st != 200 || ex.Status != "approved" {
		t.Fatalf("approve: %d %+v", st, ex)
	}
	if st := leader.Do("POST", "/api/v1/exports/"+ex.ID+"/approve", map[string]string{}, nil); st != 409 {
		t.Errorf("second approval: %d", st)
	}
	if r := leader.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil); r.Status == 200 {
		t.Errorf("the approver downloaded the requester's export: %d", r.Status)
	}
	r := gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "经政法委 黄书记审批") || strings.Count(string(r.Body), "********") != 3 {
		t.Fatalf("approved file: %d %s", r.Status, r.Body)
	}

	// A rejection needs a reason.
	gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people"}, &ex)
	if pr := leader.Fail("POST", "/api/v1/exports/"+ex.ID+"/reject", map[string]string{}); pr.Errors[0].Field != "reason" {
		t.Errorf("reject without reason: %+v", pr)
	}
	if st := leader.Do("POST", "/api/v1/exports/"+ex.ID+"/reject", map[string]string{"reason": "范围过大"}, &ex); st != 200 || ex.Status != "rejected" {
		t.Errorf("reject: %d %+v", st, ex)
	}
	if r := gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil); r.Status != 409 {
		t.Errorf("rejected export downloaded: %d", r.Status)
	}
	// Other lists export too; an unknown kind names the field.
	for _, kind := range []string{"households", "houses", "units", "care_targets", "key_persons"} {
		if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": kind}, &ex); st != 201 || ex.Status != "ready" {
			t.Errorf("%s: %d %+v", kind, st, ex)
		}
	}
	if pr := gm.Fail("POST", "/api/v1/exports", map[string]string{"kind": "audit_log"}); pr.Errors[0].Field != "kind" {
		t.Errorf("unknown kind: %+v", pr)
	}
}

type campaign struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Total   int    `json:"total"`
	Pending int    `json:"pending"`
	Checked int    `json:"checked"`
	Gone    int    `json:"gone"`
	New     int    `json:"new"`
	Grids   []struct {
		GridID string `json:"grid_id"`
		Total  int    `json:"total"`
	} `json:"grids"`
}

// A town checks the rental houses of a grid: members record checked, gone
// and new, and the totals follow.
func TestVerificationCampaign(t *testing.T) {
	a := testapp.New(t)
	ctx := context.Background()
	gm, leader, grid := a.Login("grid_member"), a.Login("leader"), gridCode(t, a)
	house := func(addr, purpose string) string {
		var h struct{ ID string }
		if st := gm.Do("POST", "/api/v1/houses", map[string]any{"address": addr, "room": "101", "purpose": purpose, "grid_code": grid}, &h); st != 201 {
			t.Fatalf("house: %d", st)
		}
		return h.ID
	}
	house("新风路1号", "rental")
	r2, own := house("新风路2号", "rental"), house("新风路3号", "self_use")
	var gridID, townID string
	a.DB.Reader().QueryRowContext(ctx, `SELECT g.id, o.parent_id FROM grids g JOIN org_nodes o ON o.id = g.org_id WHERE g.code = ? AND g.layer = 'zz'`, grid).Scan(&gridID, &townID)

	if pr := leader.Fail("POST", "/api/v1/campaigns", map[string]any{"name": "", "kind": "cars", "org_id": townID, "due_date": "2026-13-01"}); len(pr.Errors) != 3 {
		t.Errorf("bad campaign: %+v", pr)
	}
	past := time.Now().AddDate(0, 0, -2).Format("2006-01-02")
	if pr := leader.Fail("POST", "/api/v1/campaigns", map[string]any{"name": "x", "kind": "houses", "due_date": past}); len(pr.Errors) != 2 ||
		pr.Errors[0].Code != "registry.due_date_invalid" || pr.Errors[1].Code != "registry.required" {
		t.Errorf("a past due date and no area: %+v", pr)
	}
	if st := gm.Do("POST", "/api/v1/campaigns", map[string]any{"name": "x", "kind": "houses", "org_id": townID, "due_date": time.Now().AddDate(0, 1, 0).Format("2006-01-02")}, nil); st != 403 {
		t.Errorf("a grid member launched a campaign: %d", st)
	}
	var c campaign
	body := map[string]any{"name": "出租屋集中核查", "kind": "rental_houses", "org_id": townID, "grid_ids": []string{gridID}, "due_date": time.Now().AddDate(0, 1, 0).Format("2006-01-02")}
	if st := leader.Do("POST", "/api/v1/campaigns", body, &c); st != 201 || c.Total != 2 || c.Pending != 2 || len(c.Grids) != 1 {
		t.Fatalf("launch: %d %+v", st, c)
	}
	var items page[struct {
		ID       string `json:"id"`
		RecordID string `json:"record_id"`
		Label    string `json:"label"`
		Result   string `json:"result"`
	}]
	gm.Do("GET", "/api/v1/campaigns/"+c.ID+"/items", nil, &items)
	if len(items.Items) != 2 {
		t.Fatalf("items: %+v", items)
	}
	for _, it := range items.Items {
		result := "checked"
		if it.RecordID == r2 {
			result = "gone"
		}
		if st := gm.Do("POST", "/api/v1/campaigns/"+c.ID+"/items/"+it.ID, map[string]string{"result": result, "note": "已上门"}, nil); st != 200 {
			t.Fatalf("record %s: %d", result, st)
		}
		if result == "gone" {
			if st := gm.Do("POST", "/api/v1/campaigns/"+c.ID+"/items/"+it.ID, map[string]string{"result": "checked"}, nil); st != 409 {
				t.Errorf("a gone item changed again: %d", st)
			}
		}
	}
	var houses page[struct{ ID string }]
	gm.Do("GET", "/api/v1/houses?kind=rental", nil, &houses)
	if len(houses.Items) != 1 {
		t.Errorf("the gone house is still listed: %+v", houses)
	}
	// A new rental house found on site; a self-use house is not one.
	r3 := house("新风路4号", "rental")
	if st := gm.Do("POST", "/api/v1/campaigns/"+c.ID+"/items", map[string]string{"record_id": r3, "note": "新发现"}, nil); st != 200 {
		t.Fatalf("new: %d", st)
	}
	if pr := gm.Fail("POST", "/api/v1/campaigns/"+c.ID+"/items", map[string]string{"record_id": own}); pr.Errors[0].Field != "record_id" {
		t.Errorf("self-use house added to a rental check: %+v", pr)
	}
	gm.Do("GET", "/api/v1/campaigns/"+c.ID, nil, &c)
	if c.Total != 3 || c.Checked != 1 || c.Gone != 1 || c.New != 1 || c.Pending != 0 {
		t.Errorf("totals: %+v", c)
	}
	if st := leader.Do("POST", "/api/v1/campaigns/"+c.ID+"/close", nil, &c); st != 200 || c.Status != "closed" {
		t.Fatalf("close: %d %+v", st, c)
	}
	if st := gm.Do("POST", "/api/v1/campaigns/"+c.ID+"/items", map[string]string{"record_id": r3}, nil); st != 409 {
		t.Errorf("closed campaign took a result: %d", st)
	}
}

// People who moved out longer ago than the retention period are deleted
// for good by the scheduled job; the others stay.
func TestRetentionDeletesMovedOut(t *testing.T) {
	a := testapp.New(t)
	ctx := context.Background()
	ids := addPeople(t, a, 2)
	gm := a.Login("grid_member")
	if st := gm.Do("POST", "/api/v1/people/"+ids[0]+"/status", map[string]any{"status": "moved_out", "version": 1}, nil); st != 200 {
		t.Fatalf("move out: %d", st)
	}
	if n, err := a.Registry.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("expired too early: %d %v", n, err)
	}
	a.Registry.Now = func() time.Time { return time.Now().Add(1826 * 24 * time.Hour) }
	defer func() { a.Registry.Now = time.Now }()
	if n, err := a.Registry.Expire(ctx); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	var left int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM people WHERE id IN (?, ?)", ids[0], ids[1]).Scan(&left)
	if left != 1 {
		t.Errorf("want only the active person left, have %d", left)
	}
	if st := gm.Do("GET", "/api/v1/people/"+ids[0], nil, nil); st != 404 {
		t.Errorf("expired person still readable: %d", st)
	}
}
