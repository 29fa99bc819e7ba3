package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// demoAccount is the demo account named username.
func demoAccount(t *testing.T, app *testapp.App, username string) demo.Account {
	t.Helper()
	for _, a := range app.Demo.Accounts {
		if a.Username == username {
			return a
		}
	}
	t.Fatalf("no demo account %s", username)
	return demo.Account{}
}

type screeningRound struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Villages int    `json:"villages"`
	Reported int    `json:"reported"`
}

// openRound is the demo's open round the client sees (this week's, of the town).
func openRound(t *testing.T, c *testapp.Client) screeningRound {
	t.Helper()
	var rounds struct{ Items []screeningRound }
	if st := c.Do("GET", "/api/v1/screening/rounds?status=open", nil, &rounds); st != 200 || len(rounds.Items) == 0 {
		t.Fatalf("open rounds: %d %+v", st, rounds)
	}
	return rounds.Items[0]
}

// TestMobileScreeningFinding: the demo's grid member, in the field with a
// 390 px phone, opens 排查上报: this week's round of the town is chosen and
// says their village has not reported. They file a finding with one thumb
// (type, risk, description, parties, leader, person, measures, deadline);
// it is sent, and the village counts as reported in the round.
func TestMobileScreeningFinding(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	gm := app.LoginAs("gridmember")
	round := openRound(t, gm)

	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	acc := demoAccount(t, app, "gridmember")
	p.login(acc, app.NextOTP(acc))
	p.visible("#m-tab-screening")
	p.landed()
	p.settle()
	p.click("#m-tab-screening")
	p.waitFor("the open round chosen", `document.querySelector('#s-round')?.value === `+jsString(round.ID), `document.querySelector('#s-round')?.outerHTML`)
	p.waitText("#s-village", "未上报")
	p.visible("#s-zero")
	p.noRawKeys("the screening form")
	p.shot("screening-01-phone-form")

	// Sending an empty form names what is missing, and queues nothing.
	p.click("#s-submit")
	p.waitText("#s-error", "请选择类型")

	p.click(`#s-types .s-chip[data-type="neighbour"]`)
	p.click(`#s-risk button[data-risk="medium"]`)
	p.typeInto("#s-description", "两户因屋后排水沟堵塞互相指责，多次发生口角")
	p.typeInto("#s-parties", "张三丰、李四")
	p.typeInto("#s-leader", "上城街道 王副主任")
	p.typeInto("#s-person", "网格员 张敏")
	p.typeInto("#s-measures", "组织双方现场协商，村委出资疏通排水沟")
	if w := evalJS[float64](p, "the page's width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the form is %v px wide on a 390 px phone", w)
	}
	p.shot("screening-02-phone-filled")
	p.click("#s-submit")
	p.waitFor("the finding sent", `!document.querySelector('#s-queue') && !document.querySelector('#s-error')`, `document.querySelector('#s-queue')?.innerText`)
	p.waitText("#s-village", "已上报")
	p.shot("screening-03-phone-sent")

	// Out of coverage: the next finding waits on the phone and goes once
	// the network is back.
	p.network(false)
	p.click(`#s-types .s-chip[data-type="labour_wages"]`)
	p.click(`#s-risk button[data-risk="high"]`)
	p.typeInto("#s-description", "装修班组工人讨要工钱，与包工头发生争执")
	p.typeInto("#s-leader", "上城街道 王副主任")
	p.typeInto("#s-person", "网格员 张敏")
	p.typeInto("#s-measures", "联系人社所核对工程量，约谈包工头")
	p.click("#s-submit")
	p.waitFor("the finding queued offline", `document.querySelector('#s-queue-count')?.innerText === '1' && !!document.querySelector('#s-queue .m-error')`,
		`document.querySelector('#s-queue')?.innerText`)
	p.shot("screening-04-phone-queued")
	count := func() int {
		var page struct{ Items []any }
		gm.Do("GET", "/api/v1/screening/findings?round_id="+round.ID+"&type=labour_wages", nil, &page)
		return len(page.Items)
	}
	before := count()
	p.network(true)
	p.waitFor("the queue sent when the network is back", `!document.querySelector('#s-queue')`, `document.querySelector('#s-queue')?.innerText`)
	if after := count(); after != before+1 {
		t.Errorf("wage findings after the queue was sent: %d, want %d", after, before+1)
	}

	var findings struct {
		Items []struct {
			RoundID string   `json:"round_id"`
			Type    string   `json:"type"`
			Risk    string   `json:"risk"`
			Parties []string `json:"parties"`
			Person  string   `json:"person"`
		}
	}
	gm.Do("GET", "/api/v1/screening/findings?round_id="+round.ID, nil, &findings)
	found := false
	for _, f := range findings.Items {
		if f.Type == "neighbour" && f.Risk == "medium" && f.Person == "网格员 张敏" && len(f.Parties) == 2 && f.Parties[0] == "张**" {
			found = true
		}
	}
	if !found {
		t.Errorf("the finding is not in the round: %+v", findings.Items)
	}
}

// TestScreeningRoundPage: the town's mediator opens 矛盾排查 from the menu
// group 矛盾纠纷与信访 and this week's round: the completeness shows how
// many villages reported and names those that have not (下城社区 among
// them), the findings show their lights; a zero report for a village moves
// it out of the missing and the percentage up.
func TestScreeningRoundPage(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	town := app.LoginAs("townmediator")
	round := openRound(t, town)
	var comp struct {
		Rows []struct {
			OrgID   string `json:"org_id"`
			OrgName string `json:"org_name"`
			Status  string `json:"status"`
		}
	}
	town.Do("GET", "/api/v1/screening/rounds/"+round.ID+"/completeness", nil, &comp)
	// A finding due tomorrow in a village that has reported: a yellow
	// light; another village still to report makes its zero report below.
	var village, missing string
	for _, r := range comp.Rows {
		switch {
		case r.Status == "missing" && r.OrgName != "下城社区" && missing == "":
			missing = r.OrgName
		case r.Status != "missing" && village == "":
			village = r.OrgID
		}
	}
	if village == "" || missing == "" {
		t.Fatalf("the demo's open round has too few villages to report: %+v", comp.Rows)
	}
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")
	if st := town.Do("POST", "/api/v1/screening/findings", map[string]any{"round_id": round.ID, "org_id": village, "type": "labour_wages",
		"description": "工地十余名工人反映被拖欠三个月工资", "risk": "high", "leader": "镇党委副书记 刘强", "person": "人社所 陈明",
		"measures": "约谈施工单位负责人，限期支付", "deadline": tomorrow}, nil); st != 201 {
		t.Fatalf("file: %d", st)
	}

	p := newPage(t, app.URL)
	acc := demoAccount(t, app, "townmediator")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.waitText(`[data-menu-group="disputes"]`, "矛盾排查")
	p.open("/screening")
	p.waitText("#rounds-table", round.Title)
	p.noRawKeys("the rounds")
	p.shot("screening-04-rounds")

	p.open("/screening/" + round.ID)
	p.waitText("#round-missing", "下城社区")
	p.waitText("#round-missing", missing)
	p.visible("#round-findings .light-yellow")
	p.waitFor("every village listed", `document.querySelectorAll('#round-villages tbody tr').length === `+jsJSON(len(comp.Rows)), `document.querySelector('#round-villages')?.innerText`)
	p.noRawKeys("the round")
	p.shot("screening-05-round")

	// A zero report for the named village from its row.
	before := evalJS[string](p, "the percentage", `document.querySelector('#round-percent')?.innerText`)
	p.settle()
	js := `(() => { const r = [...document.querySelectorAll('#round-villages tbody tr')].find(tr => tr.innerText.includes(` + jsString(missing) + `));
		r.querySelector('.village-zero').click(); return true })()`
	evalJS[bool](p, "zero report for "+missing, js)
	p.visible(".el-message-box")
	p.settle()
	p.click(".el-message-box__btns .el-button--primary")
	p.waitFor("the village out of the missing", `!document.querySelector('#round-missing')?.innerText.includes(`+jsString(missing)+`)`,
		`document.querySelector('#round-missing')?.innerText`)
	p.waitFor("the percentage up", `document.querySelector('#round-percent')?.innerText !== `+jsString(before), `document.querySelector('#round-percent')?.innerText`)
	// The yellow finding settled on the spot, with its result.
	p.settle()
	p.click("#round-findings tr:has(.light-yellow) .finding-resolve")
	p.visible(".el-message-box textarea")
	p.settle()
	p.typeInto(".el-message-box textarea", "施工单位已当场支付全部欠薪")
	p.click(".el-message-box__btns .el-button--primary")
	p.waitFor("the finding settled", `!document.querySelector('#round-findings .light-yellow')`, `document.querySelector('#round-findings')?.innerText`)

	// Every finding of the town, those filed outside a round too: the
	// demo grid member's overdue one among the red.
	p.open("/screening")
	p.visible("#rounds-table")
	p.settle()
	p.click(`#screening-view label:has(input[value="findings"])`)
	p.visible("#screening-findings .light-red")
	p.waitText("#screening-findings", "日常发现")
	p.noRawKeys("the findings")
	p.shot("screening-06-findings")

	ctx := context.Background()
	var n int
	app.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM screening_zero_reports z JOIN org_nodes o ON o.id = z.org_id WHERE z.round_id = ? AND o.name = ?", round.ID, missing).Scan(&n)
	if n != 1 {
		t.Errorf("zero reports of %s: %d", missing, n)
	}
}
