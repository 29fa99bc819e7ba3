package e2e

import (
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestRedOrdersAndPointsConsole: the community's party secretary opens 红色订单,
// opens an order still waiting for a member and assigns it to one (the
// order's history shows the assignment); then on 党员积分 they rank the
// volunteers, open a party member's ledger, where each entry names what
// earned it, and take a point off with a reason — a new entry, the old
// ones unchanged.
func TestRedOrdersAndPointsConsole(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	sec := app.Login("party_secretary")
	var orders struct {
		Items []struct{ ID, Need, Status string }
	}
	if st := sec.Do("GET", "/api/v1/red-orders?status=open", nil, &orders); st != 200 {
		t.Fatalf("orders: %d", st)
	}
	var order struct{ ID, Need string }
	for _, o := range orders.Items {
		if o.Status == "placed" && order.ID == "" {
			order.ID, order.Need = o.ID, o.Need
		}
	}
	if order.ID == "" {
		t.Fatalf("the demo has no order waiting for a member: %+v", orders.Items)
	}
	var who struct {
		Members []struct{ ID, Name string }
	}
	if st := sec.Do("GET", "/api/v1/red-orders/"+order.ID+"/assignees", nil, &who); st != 200 || len(who.Members) == 0 {
		t.Fatalf("assignees: %d %+v", st, who)
	}

	p := newPage(t, app.URL)
	acc := app.Account("party_secretary")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.open("/red-orders")
	p.visible("#ro-queue")
	p.clickText("#ro-queue .el-table__row", order.Need)
	p.visible("#ro-detail")
	p.settle() // the drawer slides in
	p.choose("#ro-assignee", who.Members[0].Name)
	p.click("#ro-assign")
	p.waitText("#ro-timeline", "派单")
	p.noRawKeys("red order")
	p.shot("redgrid-01-order-assigned")
	var got struct {
		Status   string `json:"status"`
		MemberID string `json:"member_id"`
	}
	if st := sec.Do("GET", "/api/v1/red-orders/"+order.ID, nil, &got); st != 200 || got.Status != "assigned" || got.MemberID != who.Members[0].ID {
		t.Fatalf("after the assignment: %d %+v, want assigned to %s", st, got, who.Members[0].ID)
	}

	p.open("/points")
	p.visible("#pt-ranking")
	p.clickText("#pt-by .el-radio-button", "按志愿者")
	p.waitFor("the volunteers ranked", `document.querySelectorAll('#pt-ranking .el-table__row').length > 0`, `document.querySelector('#pt-ranking')?.innerText`)
	p.clickText("#pt-by .el-radio-button", "按党员")
	p.waitFor("the members ranked", `document.querySelectorAll('#pt-ranking .el-table__row').length > 0`, `document.querySelector('#pt-ranking')?.innerText`)
	p.click("#pt-ranking .el-table__row")
	p.visible("#pt-ledger")
	p.waitFor("the ledger's sources named", `/红色订单|巡逻|排查线索|培训/.test(document.querySelector('#pt-ledger').innerText)`,
		`document.querySelector('#pt-ledger').innerText.slice(0, 300)`)
	p.typeInto("#pt-fix-reason", "未按时参加支部活动")
	p.click("#pt-fix")
	p.waitText("#pt-ledger .el-table__row", "未按时参加支部活动") // the newest entry first
	p.waitText("#pt-ledger-months .el-table__row", "更正 ×1")
	p.noRawKeys("points ledger")
	p.shot("redgrid-02-ledger-corrected")
}
