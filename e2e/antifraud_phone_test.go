package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/antifraud"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestAntifraudPhone: the demo's grid member, on a 390 px phone, opens
// 反诈劝导 right after 今日: the high-risk person the police pushed this
// morning for their grid, the name and phone masked, the time left. They
// open the person — the name in clear and a button to call appear, and the
// opening is in the audit log — and record 已劝阻 with a note: the task
// moves to the done ones. On another task 未找到 without a note is stopped
// on the phone; without signal the outcome waits (待发送) and goes when
// the signal is back. An outcome the server refuses (someone recorded
// another meanwhile) shows its words and is dropped. Nothing of the person
// in clear stays on the phone.
func TestAntifraudPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	gm := app.Login("grid_member")
	mine := func() []antifraud.Warning {
		t.Helper()
		var page antifraud.Page[antifraud.Warning]
		if st := gm.Do("GET", "/api/v1/antifraud/mine", nil, &page); st != 200 {
			t.Fatalf("the member's tasks: %d", st)
		}
		return page.Items
	}
	find := func(id string) antifraud.Warning {
		t.Helper()
		for _, w := range mine() {
			if w.ID == id {
				return w
			}
		}
		t.Fatalf("task %s is gone from the member's list", id)
		return antifraud.Warning{}
	}

	// A resident of the member's grid on the police's lists: the demo's
	// (this morning's high-risk one, and the older list's done ones).
	before := mine()
	if len(before) == 0 {
		t.Fatal("the demo's lists name no one of the grid member's grids")
	}
	police := app.Login("police")
	var clear antifraud.Warning
	if st := police.Do("GET", "/api/v1/antifraud/warnings/"+before[0].ID, nil, &clear); st != 200 || clear.Phone == "" {
		t.Fatalf("the police open a task: %d %+v", st, clear)
	}
	var rootID string
	if err := app.DB.Reader().QueryRowContext(context.Background(), "SELECT root_id FROM antifraud_warnings WHERE id = ?", clear.ID).Scan(&rootID); err != nil {
		t.Fatal(err)
	}

	// The police push a list naming the resident four times more, so that
	// there are tasks of every risk to record the outcomes on, and one to
	// let run late.
	list := antifraud.BatchInput{SourceRef: "E2E-FZYJ-001", People: []antifraud.PersonInput{
		{Name: clear.Name, Phone: clear.Phone, Risk: "high", Note: "E2E 近期多次接听境外来电，疑似冒充公检法诈骗"},
		{Name: clear.Name, Phone: clear.Phone, Risk: "high", Note: "E2E 安装了可疑投资理财APP"},
		{Name: clear.Name, Phone: clear.Phone, Address: "E2E 幸福小区3栋", Risk: "medium", Note: "E2E 接到冒充电商客服来电"},
		{Name: clear.Name, Phone: clear.Phone, Risk: "low", Note: "E2E 频繁接收贷款类短信"},
	}}
	body, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	pushed := time.Now().UnixMilli()
	if r := police.RawWith("POST", "/api/v1/antifraud/roots/"+rootID+"/batches", "application/json", body, map[string]string{"Idempotency-Key": "e2e-antifraud-phone"}); r.Status != 201 {
		t.Fatalf("push a list: %d %s", r.Status, r.Body)
	}

	// own is the first high-risk task: the demo's of this morning when the
	// member's grid has one (the nearest deadline comes first), else a
	// pushed one.
	var own, second, third, late antifraud.Warning
	for _, w := range mine() {
		switch {
		case w.Status != antifraud.Open:
		case w.Risk == "high" && own.ID == "":
			own = w
		case w.CreatedAt < pushed:
		case w.Risk == "high" && late.ID == "":
			late = w
		case w.Risk == "medium" && second.ID == "":
			second = w
		case w.Risk == "low" && third.ID == "":
			third = w
		}
	}
	if own.ID == "" || second.ID == "" || third.ID == "" || late.ID == "" {
		t.Fatalf("the pushed list did not reach the member: %+v", mine())
	}
	if own.CreatedAt >= pushed {
		t.Log("the demo gives the grid member's grid no open high-risk task: the pushed one is used")
	}

	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "grid_member")
	p.visible("#m-tab-antifraud")
	tabs := evalJS[string](p, "the tabs", `[...document.querySelectorAll('.m-tabs button')].map(b => b.id).join(' ')`)
	if !strings.Contains(tabs, "m-tab-today m-tab-antifraud") {
		t.Errorf("反诈劝导 is not right after 今日: %s", tabs)
	}
	p.click("#m-tab-antifraud")
	p.visible("#m-antifraud")
	card := fmt.Sprintf(`#af-tasks .af-task[data-id="%s"]`, own.ID)
	p.visible(card)
	p.waitText(card+" .af-name", own.NameMasked)
	p.waitText(card+" .af-phone", own.PhoneMasked)
	p.waitText(card+" .af-risk", "高风险")
	p.waitText(card+" .af-grid", own.GridName)
	if own.DueAt > time.Now().UnixMilli() {
		p.waitText(card+" .af-left", "还剩")
	} else {
		p.waitText(card+" .af-left", "已超时")
	}
	p.waitText("#af-open-count", fmt.Sprint(countOpen(mine())))
	if n := evalJS[float64](p, "the done tasks", `document.querySelectorAll('#af-done .af-task.done').length`); n == 0 {
		t.Log("no done task of the last 30 days on the member's grids")
	}
	p.visible(card + " .af-audited")
	p.noRawKeys("the warnings tab")
	p.noWiderThan(390, "the warnings tab")
	p.shot("antifraud-phone-01-tasks")

	// Opened: the person in clear, a button to call, the opening audited.
	opened := func(id string) int {
		t.Helper()
		var n int
		if err := app.DB.Reader().QueryRowContext(context.Background(),
			"SELECT COUNT(*) FROM audit_log WHERE action = 'antifraud.open' AND object_id = ? AND username = ?", id, app.Account("grid_member").Username).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := opened(own.ID); n != 0 {
		t.Fatalf("the task was opened before the tap: %d audit rows", n)
	}
	p.click(card + " .af-open")
	p.visible(card + " .af-clear-name")
	name := p.text(card + " .af-clear-name")
	if strings.Contains(name, "*") || utf8.RuneCountInString(name) < 2 || !strings.HasPrefix(own.NameMasked, string([]rune(name)[:1])) {
		t.Errorf("the name in clear %q for the masked %q", name, own.NameMasked)
	}
	tel := evalJS[string](p, "the call button", fmt.Sprintf(`document.querySelector(%s)?.getAttribute('href') || ''`, jsString(card+" a.af-call")))
	phone := strings.TrimPrefix(tel, "tel:")
	if !strings.HasPrefix(tel, "tel:") || len(phone) != 11 || phone[:3] != own.PhoneMasked[:3] || phone[7:] != own.PhoneMasked[7:] {
		t.Errorf("the call button %q for the masked phone %q", tel, own.PhoneMasked)
	}
	p.waitText(card+" .af-note-police", "诈骗")
	if n := opened(own.ID); n != 1 {
		t.Errorf("opening the task wrote %d audit rows antifraud.open, want 1", n)
	}
	p.noWiderThan(390, "the person opened")
	p.shot("antifraud-phone-02-opened")

	// 已劝阻 with a note: sent, the task among the done ones.
	p.click(card + ` .af-outcome[data-outcome="dissuaded"]`)
	p.typeInto("#af-note-"+own.ID, "E2E 已电话联系本人，讲解冒充公检法诈骗手法")
	p.shot("antifraud-phone-03-outcome")
	p.click(card + " .af-send")
	done := func(id, status, words string) {
		t.Helper()
		sel := fmt.Sprintf(`#af-done .af-task[data-id="%s"]`, id)
		p.waitFor("the task "+id+" done", fmt.Sprintf(`document.querySelector(%s)?.dataset.status === %s`, jsString(sel), jsString(status)),
			`document.querySelector('#m-antifraud')?.innerText`)
		p.waitText(sel+" .af-result", words)
		if w := find(id); w.Status != status {
			t.Errorf("task %s is %s, want %s", id, w.Status, status)
		}
	}
	done(own.ID, "dissuaded", "已劝阻")
	p.waitFor("the task gone from the open ones", fmt.Sprintf(`!document.querySelector(%s)`, jsString(card)), `document.querySelector('#af-tasks')?.innerText`)
	stored := evalJS[string](p, "the phone's storage", `JSON.stringify(Object.assign({}, localStorage))`)
	text := evalJS[string](p, "the page", `document.body.innerText`)
	for _, s := range []string{name, phone} {
		if strings.Contains(stored, s) {
			t.Errorf("the phone's storage holds %q", s)
		}
		if strings.Contains(text, s) {
			t.Errorf("the page still shows %q after the card closed", s)
		}
	}

	// 未找到 without a note is stopped on the phone.
	card2 := fmt.Sprintf(`#af-tasks .af-task[data-id="%s"]`, second.ID)
	p.waitText(card2+" .af-risk", "中风险")
	p.click(card2 + " .af-open")
	p.visible(card2 + " .af-clear-name")
	p.waitText(card2+" .af-address", "E2E 幸福小区3栋")
	p.click(card2 + ` .af-outcome[data-outcome="not_found"]`)
	p.visible(card2 + " .af-need")
	p.click(card2 + " .af-send")
	p.waitText(card2+" .af-error", "请在情况说明中写明情况")
	if evalJS[bool](p, "the queue", `!!document.querySelector('#af-queue')`) {
		t.Error("an outcome with no note was queued")
	}
	p.noRawKeys("the outcome stopped")
	p.shot("antifraud-phone-04-note-needed")

	// No signal: the outcome waits on the phone, marked on its card, and
	// goes when the signal is back.
	p.network(false)
	p.typeInto("#af-note-"+second.ID, "E2E 上门两次无人，邻居称已外出务工")
	p.click(card2 + " .af-send")
	p.waitFor("the outcome queued", `document.querySelector('#af-queue-count')?.innerText === '1'`, `document.querySelector('#m-antifraud')?.innerText`)
	p.visible(card2 + " .af-waiting")
	p.waitText(card2+" .af-waiting", "待发送")
	p.waitText("#af-queue .af-q-item", "未找到")
	if w := find(second.ID); w.Status != antifraud.Open {
		t.Errorf("the queued outcome reached the server offline: %+v", w)
	}
	stored = evalJS[string](p, "the phone's storage", `JSON.stringify(Object.assign({}, localStorage))`)
	if !strings.Contains(stored, "E2E 上门两次无人") || strings.Contains(stored, name) || strings.Contains(stored, phone) {
		t.Errorf("the outbox on the phone: %s", stored)
	}
	p.noWiderThan(390, "the queued outcome")
	p.shot("antifraud-phone-05-queued")
	p.network(true)
	p.waitFor("the queue sent when the signal is back", `!document.querySelector('#af-queue')`, `document.querySelector('#af-queue')?.innerText`)
	done(second.ID, "not_found", "未找到")

	// Opened without signal: no contact details, the outcome still recorded;
	// meanwhile the task is recorded from elsewhere, so the server refuses
	// the phone's, which shows the server's words and is dropped.
	card3 := fmt.Sprintf(`#af-tasks .af-task[data-id="%s"]`, third.ID)
	p.network(false)
	p.click(card3 + " .af-open")
	p.waitText(card3+" .af-person-error", "离线")
	p.click(card3 + ` .af-outcome[data-outcome="reached"]`)
	p.click(card3 + " .af-send")
	p.waitFor("the outcome queued", `document.querySelector('#af-queue-count')?.innerText === '1'`, `document.querySelector('#m-antifraud')?.innerText`)
	if st := gm.Do("POST", "/api/v1/antifraud/warnings/"+third.ID+"/outcome", antifraud.OutcomeInput{Outcome: "defrauded", Note: "E2E 已被骗 2 万元，已报警"}, nil); st != 200 {
		t.Fatalf("record the third task: %d", st)
	}
	p.network(true)
	p.waitText("#af-queue .af-q-item.failed", "已经办结")
	done(third.ID, "defrauded", "已被骗")
	if evalJS[bool](p, "the edit button", `!!document.querySelector('#af-queue .af-q-edit')`) {
		t.Error("a refused outcome of a done task can be edited")
	}
	p.noRawKeys("the refused outcome")
	p.noWiderThan(390, "the refused outcome")
	// the queue heads the tab: back at the top, out from under the header's sticky call alert
	evalJS[bool](p, "scroll to the top", `(window.scrollTo(0, 0), true)`)
	p.shot("antifraud-phone-06-refused")
	p.click("#af-queue .af-q-remove")
	p.waitFor("the refused outcome dropped", `!document.querySelector('#af-queue')`, `document.querySelector('#af-queue')?.innerText`)
	p.shot("antifraud-phone-07-done")

	// A task past its hours, escalated by the sweep: late in red, with the
	// escalation, counted in the header.
	ctx := context.Background()
	if err := app.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE antifraud_warnings SET due_at = ? WHERE id = ?", time.Now().Add(-75*time.Minute).UnixMilli(), late.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, _, err := app.Antifraud.Sweep(ctx); err != nil || n == 0 {
		t.Fatalf("the sweep: %d escalated, %v", n, err)
	}
	p.do("reload", chromedp.Reload())
	p.click("#m-tab-antifraud")
	card4 := fmt.Sprintf(`#af-tasks .af-task[data-id="%s"]`, late.ID)
	p.waitText(card4+" .af-left", "已超时 1 小时")
	p.waitText(card4+" .af-escalated", "已升级至综治中心")
	p.waitText("#af-late-count", "1 人已超时")
	if color := evalJS[string](p, "the late colour", fmt.Sprintf(`getComputedStyle(document.querySelector(%s)).color`, jsString(card4+" .af-left"))); color != "rgb(198, 40, 40)" {
		t.Errorf("the time past the deadline is in %s, not red", color)
	}
	p.noWiderThan(390, "the late task")
	p.shot("antifraud-phone-08-late")

	// In English too, still 390 px wide.
	p.click(".m-lang")
	p.waitText("#m-tab-antifraud", "Fraud warnings")
	p.waitText("#af-done", "Dissuaded")
	p.noRawKeys("the warnings tab in English")
	p.noWiderThan(390, "the warnings tab in English")
	p.shot("antifraud-phone-09-english")
}

// countOpen is how many of the tasks are open.
func countOpen(list []antifraud.Warning) int {
	n := 0
	for _, w := range list {
		if w.Status == antifraud.Open {
			n++
		}
	}
	return n
}
