package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestPatrolPhoneOffline: the grid member starts a patrol on a 390 px
// phone, checks in, reports an event from inside it, loses the network
// half-way, checks in twice more (once with a photo from the camera) and
// ends the patrol while offline; nothing arrives until the network is
// back, then the queue drains and the centre's board shows the patrol with
// its three check-ins and the photo. A second patrol is walked without
// signal from its start.
func TestPatrolPhoneOffline(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	gm := app.Login("grid_member")
	lat, lng := pointInGrid(t, gm, "441602001003")
	p := newPage(t, app.URL)
	p.phone(app.URL, lat, lng)
	acc := app.Account("grid_member")
	p.login(acc, app.NextOTP(acc))
	p.visible("#m-today") // the grid member lands on 今日, the patrols (巡查) next to it
	p.click("#m-tab-patrol")
	p.visible("#m-patrol")
	p.waitFor("today's windows", `document.querySelectorAll('#p-windows .p-window').length === 3`, `document.querySelector('#m-patrol')?.innerText`)
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page is %v px wide", w)
	}
	p.noRawKeys("the patrol tab")
	p.shot("patrol-01-day")

	p.click("#p-start-adhoc")
	p.visible("#p-recording")
	p.waitText("#p-recording", "位置记录中")
	p.click("#p-checkin")
	p.waitText("#p-count", "1")
	p.waitFor("the first check-in sent", `!document.querySelector('#p-queue')`, `document.querySelector('#p-queue')?.innerText`)
	patrolID := evalJS[string](p, "the open patrol", `localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('gridgov.patrol.open.')))`)
	if patrolID == "" {
		t.Fatal("no open patrol on the phone")
	}
	p.shot("patrol-02-on")

	// An event reported from inside the patrol is linked to it.
	p.click("#p-report")
	p.visible("#m-common .m-chip[data-code]")
	p.click("#m-common .m-chip[data-code]")
	p.typeInto("#m-description", "E2E 巡查中发现：路灯不亮")
	p.click("#m-locate")
	p.visible(".m-point")
	p.click("#m-submit")
	p.waitFor("the report sent", `!document.querySelector('#m-queue')`, `document.querySelector('#m-queue')?.innerText`)
	p.click("#m-tab-patrol")
	p.visible("#p-recording")
	var linked struct {
		Reports int `json:"reports"`
		Links   []struct{ Kind, Ref string }
	}
	gm.Do("GET", "/api/v1/patrol/patrols/"+patrolID, nil, &linked)
	if linked.Reports != 1 || len(linked.Links) != 1 || linked.Links[0].Kind != "event" || linked.Links[0].Ref == "" {
		t.Fatalf("the report from inside the patrol: %+v", linked)
	}

	// No signal: two more check-ins (one with a photo) and the end wait on the phone.
	p.network(false)
	p.typeInto("#p-note", "E2E 桥头护栏松动")
	p.do("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#p-photo"), []string{photoFile(t, "护栏.png")}))
	p.waitFor("the photo's preview", `!!document.querySelector('#p-open .pick img')`, `document.querySelector('#p-open')?.innerHTML`)
	if w := evalJS[float64](p, "page width with a photo", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page with a photo is %v px wide", w)
	}
	p.shot("patrol-02b-photo")
	p.click("#p-checkin")
	p.waitText("#p-count", "2")
	p.waitText("#p-queue-count", "1")
	p.waitFor("the photo taken with the check-in", `!document.querySelector('#p-open .pick img')`, `document.querySelector('#p-open')?.innerHTML`)
	p.click("#p-checkin")
	p.waitText("#p-count", "3")
	p.waitText("#p-queue-count", "2")
	p.click("#p-end")
	p.waitText("#p-queue-count", "3")
	p.waitFor("the banner gone once the patrol is ended", `!document.querySelector('#p-recording')`, `document.querySelector('#m-patrol')?.innerText`)
	p.noRawKeys("the patrol queued offline")
	p.shot("patrol-03-offline-queued")
	var pt struct {
		Status   string `json:"status"`
		Checkins int    `json:"checkins"`
		Points   []struct {
			Note   string   `json:"note"`
			Photos []string `json:"photos"`
		} `json:"points"`
	}
	gm.Do("GET", "/api/v1/patrol/patrols/"+patrolID, nil, &pt)
	if pt.Checkins != 1 || pt.Status != "open" {
		t.Fatalf("offline, yet the server has %d check-ins, %s", pt.Checkins, pt.Status)
	}

	// The network is back: the queue drains in order.
	p.network(true)
	p.waitFor("the queue sent when the network is back", `!document.querySelector('#p-queue')`, `document.querySelector('#p-queue')?.innerText`)
	gm.Do("GET", "/api/v1/patrol/patrols/"+patrolID, nil, &pt)
	if pt.Checkins != 3 || pt.Status != "ended" || len(pt.Points) != 3 || pt.Points[1].Note != "E2E 桥头护栏松动" || len(pt.Points[1].Photos) != 1 ||
		len(pt.Points[0].Photos)+len(pt.Points[2].Photos) != 0 {
		t.Fatalf("after the sync: %+v", pt)
	}
	p.waitFor("today's patrols listed", `!!document.querySelector('.p-row[data-id="`+patrolID+`"]')`, `document.querySelector('#m-patrol')?.innerText`)
	p.shot("patrol-04-synced")

	// Without signal from the start: the phone starts the patrol itself and
	// the whole walk waits for the network.
	p.network(false)
	p.click("#p-start-adhoc")
	p.visible("#p-recording")
	p.click("#p-checkin")
	p.waitText("#p-count", "1")
	p.click("#p-end")
	p.waitText("#p-queue-count", "3")
	second := evalJS[string](p, "the phone's patrol id", `JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('gridgov.patrol.outbox.'))))[0].patrolId`)
	p.network(true)
	p.waitFor("the offline patrol sent", `!document.querySelector('#p-queue')`, `document.querySelector('#p-queue')?.innerText`)
	gm.Do("GET", "/api/v1/patrol/patrols/"+second, nil, &pt)
	if pt.Checkins != 1 || pt.Status != "ended" {
		t.Fatalf("the patrol started offline: %+v", pt)
	}

	// The centre's board shows the patrol with its three check-ins and the photo.
	village, _ := apiNodeByCode(t, gm, "441602001003")
	c := newPage(t, app.URL)
	intake := app.Account("intake")
	c.loginAndWait(intake, app.NextOTP(intake), "受理员 陈静")
	c.landed()
	c.open("/patrols?org_id=" + village.ID)
	c.visible("#pb-grids")
	c.waitText(`.pb-checkins[data-id="`+patrolID+`"]`, "3")
	c.waitFor("the member's last check-in on the map", `document.querySelectorAll('#pb-map .patrol-dot').length >= 1`, `document.querySelector('#pb-stats')?.innerText`)
	c.waitFor("the grids on the map, one patrolled", `document.querySelectorAll('#pb-map .grid-patrolled').length === 1 && document.querySelectorAll('#pb-map .grid-unpatrolled').length >= 1`, `document.querySelectorAll('#pb-map path').length`)
	c.noRawKeys("the patrol board")
	c.shot("patrol-05-board")
	c.click(`.pb-view[data-id="` + patrolID + `"]`)
	c.visible("#pb-detail")
	c.waitFor("the check-ins with the photo shown", `document.querySelectorAll('#pb-detail .pb-point').length === 3 &&
		[...document.querySelectorAll('#pb-detail .pb-thumb img')].some(i => i.complete && i.naturalWidth > 0)`, `document.querySelector('#pb-detail')?.innerHTML`)
	c.waitText("#pb-detail", "E2E 桥头护栏松动")
	c.noRawKeys("a patrol's check-ins")
	c.shot("patrol-06-checkin-photo")
}
