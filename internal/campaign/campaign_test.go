package campaign_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

// A town checks the rental houses of a grid: members record checked, gone
// and new, and the totals follow.
func TestVerificationCampaign(t *testing.T) {
	t.Parallel()
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
