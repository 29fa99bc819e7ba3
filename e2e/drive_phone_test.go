package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/drive"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestDrivePhone: the demo's grid member, on a 390 px phone, opens 专项行动:
// the running campaigns' assignments of their grids and village, each with
// its light. They report a count with a note on one (done short of the
// target without a word is stopped on the phone), see it sent and still
// there after a reload; report again without signal, which waits on the
// phone and goes when the signal is back; then give the anti-fraud
// campaign an anonymous clue, which leaves the screen at once and shows in
// 我的线索 as 已受理 — the police of the area read it without the giver.
// A report the server refuses (the campaign closed meanwhile) shows its
// words on the phone. The resident follows the clue they gave from their
// own phone.
func TestDrivePhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "grid_member")
	p.visible("#m-tab-drive")
	p.click("#m-tab-drive")
	p.visible("#m-drive")
	p.visible("#dr-tasks .dr-task")
	p.visible("#dr-clue")
	p.noRawKeys("the campaigns tab")
	p.noWiderThan(390, "the campaigns tab")
	p.shot("drive-phone-01-tasks")

	// The grid line of the anti-fraud campaign: a target in households.
	gm := app.Login("grid_member")
	var mine drive.Mine
	if st := gm.Do("GET", "/api/v1/drives/mine", nil, &mine); st != 200 || len(mine.Assignments) == 0 {
		t.Fatalf("the member's campaigns: %d %+v", st, mine)
	}
	var own drive.Assignment
	for _, a := range mine.Assignments {
		if strings.Contains(a.DriveName, "断卡") && a.Level == "grid" && !a.Done && a.Target > 10 {
			own = a
			break
		}
	}
	if own.ID == "" {
		t.Fatalf("no open grid line of the anti-fraud campaign: %+v", mine.Assignments)
	}
	card := fmt.Sprintf(`#dr-tasks .dr-task[data-id="%s"]`, own.ID)
	p.visible(card + " .dr-light")
	p.waitText(card, own.Holder)

	// Done short of the target with no word: the phone says so and keeps the form.
	count := min(own.Count+5, own.Target-1)
	p.click(card + " .dr-report")
	p.visible("#dr-count-" + own.ID)
	p.setInput("#dr-count-"+own.ID, fmt.Sprint(count))
	p.click(card + " .dr-done")
	p.visible(card + " .dr-warn")
	p.click(card + " .dr-send")
	p.visible(card + " .dr-error")
	p.click(card + " .dr-done")
	p.typeInto("#dr-note-"+own.ID, "E2E 已入户宣传，推广反诈APP")
	p.shot("drive-phone-02-report")
	p.click(card + " .dr-send")
	p.waitFor("the report sent", `!document.querySelector('#dr-queue')`, `document.querySelector('#dr-queue')?.innerText`)
	p.waitText(card+" .dr-count", fmt.Sprintf("已完成 %d", count))
	p.waitText(card+" .dr-last", "E2E 已入户宣传")
	check := func(want int, note string) {
		t.Helper()
		mine = drive.Mine{}
		gm.Do("GET", "/api/v1/drives/mine", nil, &mine)
		for _, a := range mine.Assignments {
			if a.ID == own.ID {
				if a.Count != want || a.Note != note || a.Done {
					t.Fatalf("the assignment after the phone's report: %+v", a)
				}
				return
			}
		}
		t.Fatalf("the assignment is gone from the member's page: %+v", mine.Assignments)
	}
	check(count, "E2E 已入户宣传，推广反诈APP")

	// Still there after a reload.
	p.do("reload", chromedp.Reload())
	p.click("#m-tab-drive")
	p.waitText(card+" .dr-count", fmt.Sprintf("已完成 %d", count))

	// No signal: the report waits on the phone, marked on its card, and goes
	// when the signal is back.
	p.network(false)
	p.click(card + " .dr-report")
	p.click(card + " .dr-plus")
	p.click(card + " .dr-plus")
	p.waitFor("the count up by two", fmt.Sprintf(`document.querySelector('#dr-count-%s').value === '%d'`, own.ID, count+2),
		fmt.Sprintf(`document.querySelector('#dr-count-%s').value`, own.ID))
	p.setTextArea("#dr-note-"+own.ID, "E2E 离线补报两户")
	p.click(card + " .dr-send")
	p.waitFor("the report queued", `document.querySelector('#dr-queue-count')?.innerText === '1'`, `document.querySelector('#m-drive')?.innerText`)
	p.visible(card + " .dr-waiting")
	p.shot("drive-phone-03-queued")
	check(count, "E2E 已入户宣传，推广反诈APP")
	p.network(true)
	p.waitFor("the queue sent when the signal is back", `!document.querySelector('#dr-queue')`, `document.querySelector('#dr-queue')?.innerText`)
	p.waitText(card+" .dr-count", fmt.Sprintf("已完成 %d", count+2))
	check(count+2, "E2E 离线补报两户")

	// An anonymous clue: sealed, gone from the screen once sent, followed by its status.
	secret := "E2E 小区门口有人收购银行卡和电话卡，每张给300元"
	before := evalJS[float64](p, "clues before", `document.querySelectorAll('#dr-clues .dr-clue-item').length`)
	p.waitText("#dr-clue-drive", "断卡")
	if !evalJS[bool](p, "anonymous by default", `document.querySelector('#dr-clue .dr-anon').classList.contains('is-checked')`) {
		t.Error("a clue is not anonymous by default")
	}
	p.click("#dr-clue-send") // nothing written yet
	p.visible("#dr-clue-error")
	p.typeInto("#dr-clue-text", secret)
	p.typeInto("#dr-clue-place", "幸福小区北门")
	p.shot("drive-phone-04-clue")
	p.click("#dr-clue-send")
	p.waitFor("the clue sent", `!document.querySelector('#dr-clue-queue')`, `document.querySelector('#dr-clue-queue')?.innerText`)
	p.waitFor("the clue listed", fmt.Sprintf(`document.querySelectorAll('#dr-clues .dr-clue-item').length === %v`, before+1), `document.querySelector('#dr-clues')?.innerText`)
	p.waitText("#dr-clues .dr-clue-item", "已受理")
	p.waitText("#dr-clues .dr-clue-item", "断卡")
	if v := evalJS[string](p, "the clue's text box", `document.querySelector('#dr-clue-text').value`); v != "" {
		t.Errorf("the clue stays on screen: %q", v)
	}
	if strings.Contains(evalJS[string](p, "page text", `document.body.innerText`), "收购银行卡") {
		t.Error("the clue's text is on the page after it was sent")
	}
	p.noWiderThan(390, "the campaigns tab with its clues")
	p.shot("drive-phone-05-clues")

	// The town's police read it, without who gave it.
	police := app.LoginAs("pcschief")
	var clues drive.Page[drive.Clue]
	police.Do("GET", "/api/v1/drive-clues?status=received", nil, &clues)
	var opened drive.Clue
	for _, c := range clues.Items {
		var x drive.Clue
		if police.Do("GET", "/api/v1/drive-clues/"+c.ID, nil, &x); x.Text == secret {
			opened = x
			break
		}
	}
	if opened.ID == "" || !opened.Anonymous || opened.Giver != "" || opened.Place != "幸福小区北门" {
		t.Fatalf("the clue as the police open it: %+v (of %d)", opened, len(clues.Items))
	}

	// A report the server refuses keeps its words on the phone: sent
	// without signal while the centre closes the holiday campaign.
	var holiday drive.Assignment
	for _, a := range mine.Assignments {
		if strings.Contains(a.DriveName, "元旦") && !a.Done {
			holiday = a
			break
		}
	}
	if holiday.ID == "" {
		t.Fatalf("no open line of the holiday campaign: %+v", mine.Assignments)
	}
	late := fmt.Sprintf(`#dr-tasks .dr-task[data-id="%s"]`, holiday.ID)
	p.network(false)
	p.click(late + " .dr-report")
	p.click(late + " .dr-plus")
	p.click(late + " .dr-send")
	p.waitFor("the late report queued", `document.querySelector('#dr-queue-count')?.innerText === '1'`, `document.querySelector('#m-drive')?.innerText`)
	if st := app.Login("intake").Do("POST", "/api/v1/drives/"+holiday.DriveID+"/close", drive.CloseInput{Summary: "E2E 节日期间平安无事"}, nil); st != 200 {
		t.Fatalf("close the holiday campaign: %d", st)
	}
	p.network(true)
	p.waitText("#dr-queue .dr-q-item.failed", "行动不在进行中")
	p.waitFor("the closed campaign's lines gone", fmt.Sprintf(`!document.querySelector(%s)`, jsString(late)), `document.querySelector('#dr-tasks')?.innerText`)
	p.noRawKeys("the refused report")
	p.shot("drive-phone-06-refused")
	p.click("#dr-queue .dr-q-item.failed .el-button--danger")
	p.waitFor("the refused report dropped", `!document.querySelector('#dr-queue')`, `document.querySelector('#dr-queue')?.innerText`)

	// In English too, still 390 px wide.
	p.click(".m-lang")
	p.waitText("#m-tab-drive", "Campaigns")
	p.waitText("#dr-tasks", "Done")
	p.noRawKeys("the campaigns tab in English")
	p.noWiderThan(390, "the campaigns tab in English")
	p.shot("drive-phone-07-english")

	// The resident follows the clue they gave; they have no campaign tasks.
	r := newPage(t, app.URL)
	r.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	r.loginAs(app, "resident")
	r.click("#m-tab-drive")
	r.visible("#dr-clues .dr-clue-item")
	r.waitText("#dr-clues", "断卡")
	if evalJS[bool](r, "the tasks", `!!document.querySelector('#dr-tasks')`) {
		t.Error("a resident has campaign tasks")
	}
	r.noRawKeys("the resident's campaigns tab")
	r.noWiderThan(390, "the resident's campaigns tab")
	r.shot("drive-phone-08-resident")
}

// noWiderThan fails the test when the page scrolls sideways: wider than px.
func (p *page) noWiderThan(px float64, where string) {
	p.t.Helper()
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > px {
		p.t.Errorf("%s is %v px wide", where, w)
	}
}
