package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestRedOrderPhone: a red order from the resident to the rating, on a
// 390 px phone. The demo resident places an order (代买药品) on the phone's
// 红色订单 tab; the community's party secretary gives it to the demo party
// member (支部下单); the member, on their phone, accepts it (接单), records
// the result with a photo; the resident confirms it and gives five stars,
// and the member's points are credited for it.
func TestRedOrderPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	photo := photoFile(t, "代买药品.png")
	mobile := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)

	// The resident places the order.
	res := newPage(t, app.URL)
	res.do("a phone", mobile)
	acc := app.Account("resident")
	res.login(acc, app.NextOTP(acc))
	res.click("#m-tab-red")
	res.click("#red-view-place")
	res.click(`#red-place .red-chip[data-kind="buy_medicine"]`)
	res.setTextArea("#red-need", "帮忙到药店买降压药两盒，钱当面给")
	res.waitFor("the grid chosen", `!!document.querySelector('#red-grid')?.closest('.el-select')?.innerText.trim()`, "")
	res.typeInto("#red-address", "阳光花园3栋402")
	res.noRawKeys("the order form")
	res.shot("redorder-01-place")
	res.click("#red-submit")
	res.visible(`#red-mine .red-card[data-status="placed"]`)
	id := evalJS[string](res, "the order", `document.querySelector('#red-mine .red-card[data-status="placed"]').dataset.id`)
	if w := evalJS[float64](res, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page is %v px wide", w)
	}

	// The secretary gives it to the demo party member.
	var member string
	var user string
	q := app.DB.Reader()
	q.QueryRowContext(context.Background(), "SELECT id FROM users WHERE username = 'partymember'").Scan(&user)
	q.QueryRowContext(context.Background(), "SELECT id FROM party_members WHERE user_id = ?", user).Scan(&member)
	sec := app.Login("party_secretary")
	var o struct {
		Status  string `json:"status"`
		Version int    `json:"version"`
		Rating  *int   `json:"rating"`
	}
	sec.Do("GET", "/api/v1/red-orders/"+id, nil, &o)
	if st := sec.Do("POST", "/api/v1/red-orders/"+id+"/assign", map[string]any{"member_id": member, "version": o.Version}, &o); st != 200 || o.Status != "assigned" {
		t.Fatalf("assign: %d %+v", st, o)
	}

	// The member accepts it, serves and records the result with a photo.
	pm := newPage(t, app.URL)
	pm.do("a phone", mobile)
	macc := app.Account("party_member")
	pm.login(macc, app.NextOTP(macc))
	// The bell tells of the order given; its message opens the red orders.
	pm.waitFor("the bell's unread message", `Number(document.querySelector('#m-bell')?.dataset.unread) > 0`, `document.querySelector('#m-bell')?.outerHTML`)
	pm.click("#m-bell")
	pm.visible(`.m-bell-item[data-kind="red_order_assigned"]`)
	pm.shot("redorder-02a-bell")
	pm.click(`.m-bell-item[data-kind="red_order_assigned"]`)
	card := `#red-tasks .red-card[data-id="` + id + `"]`
	pm.visible(card + " .red-accept")
	pm.noRawKeys("the member's orders")
	pm.shot("redorder-02-tasks")
	pm.click(card + " .red-accept")
	pm.visible(card + " .red-send-result")
	pm.setTextArea(card+" .red-result-text textarea", "药已买好送到家中，收据已交居民")
	pm.do("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#red-photo-"+id), []string{photo}))
	pm.waitFor("the photo's preview", `!!document.querySelector(`+jsString(card+" .red-photo-pick img")+`)`, "")
	pm.shot("redorder-03-result")
	pm.click(card + " .red-send-result")
	pm.visible(card + `[data-status="served"]`)

	// The resident confirms and rates it.
	res.open("/m")
	res.click("#m-tab-red")
	res.click("#red-view-place")
	res.click("#red-view-mine") // opened afresh
	mine := `#red-mine .red-card[data-id="` + id + `"]`
	res.visible(mine + `[data-status="served"] .red-photo`)
	res.click(mine + ` .red-stars button[data-star="5"]`)
	res.noRawKeys("the rating")
	res.shot("redorder-04-rate")
	res.click(mine + " .red-confirm")
	res.visible(mine + `[data-status="done"]`)

	sec.Do("GET", "/api/v1/red-orders/"+id, nil, &o)
	if o.Status != "done" || o.Rating == nil || *o.Rating != 5 {
		t.Fatalf("the order as recorded: %+v", o)
	}
	var pts int
	q.QueryRowContext(context.Background(), "SELECT COALESCE(SUM(points), 0) FROM points_entries WHERE source_id = ?", id).Scan(&pts)
	if pts != 5 {
		t.Errorf("the member got %d points for the order, want 5", pts)
	}
	_ = testapp.OTP
}
