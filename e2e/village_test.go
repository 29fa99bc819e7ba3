package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestVillageScoreSheet: the centre's staff define a village's score sheet
// (a veto item given points is refused beside the field), record three
// households' scores, review and publish the month, and the village's
// public page shows the list — names as the village chose, the vetoed
// household last — while a month not published is not there.
func TestVillageScoreSheet(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	ctx := context.Background()
	q := app.DB.Reader()
	// A village of the county with households and no sheet yet.
	var village, code, name string
	if err := q.QueryRowContext(ctx, `SELECT o.id, o.code, o.name FROM org_nodes o WHERE o.kind = 'village' AND o.code LIKE '441602%'
		AND EXISTS (SELECT 1 FROM households h WHERE h.org_id = o.id AND h.status = 'active')
		AND NOT EXISTS (SELECT 1 FROM village_sheets s WHERE s.org_id = o.id) ORDER BY o.code LIMIT 1`).Scan(&village, &code, &name); err != nil {
		t.Fatal(err)
	}
	var hh []string
	rows, err := q.QueryContext(ctx, "SELECT no FROM households WHERE org_id = ? AND status = 'active' ORDER BY no LIMIT 3", village)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var no string
		rows.Scan(&no)
		hh = append(hh, no)
	}
	rows.Close()
	if len(hh) < 3 {
		t.Fatalf("households of %s: %v", name, hh)
	}
	month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")

	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/village?org=" + village)
	p.waitText("#village-name", name)

	// The rules and the sheet: +5 tidied house, −2 domestic violence, and a veto.
	p.click("#village-add-rule")
	p.click("#village-add-rule")
	p.setInput(".village-rule-0 input", "丧事从简，遵守殡葬改革规定。")
	p.setInput(".village-rule-1 input", "家庭和睦，反对家庭暴力；房前屋后整洁。")
	for i, item := range []string{"庭院整洁", "家庭暴力", "违反殡葬规定"} {
		p.click("#village-add-item")
		p.setInput(".village-item-name-"+string(rune('0'+i))+" input", item)
	}
	p.click(".village-item-kind-1 .kind-minus")
	p.click(".village-item-kind-2 .kind-veto")
	p.replaceInput(".village-item-points-0 input", "5")
	p.replaceInput(".village-item-points-1 input", "-2")
	p.replaceInput(".village-item-points-2 input", "3")
	p.click("#village-save-sheet")
	p.waitText("#village-item-error-2-points", "一票否决项不能计分")
	p.shot("village-01-veto-refused")
	p.replaceInput(".village-item-points-2 input", "0")
	p.click("#village-save-sheet")
	p.waitText("#village-version", "现行第 1 版")
	p.noRawKeys("the score sheet")

	// Three households' scores of this month.
	p.click("#tab-scores")
	p.visible("#village-record")
	for i, item := range []string{"庭院整洁", "家庭暴力", "违反殡葬规定"} {
		p.choose("#village-rec-household", hh[i])
		p.choose("#village-rec-item", item)
		p.setInput("#village-rec-detail", "E2E 网格员入户查看，邻居作证")
		p.click("#village-rec-save")
		p.waitFor("the score of "+item, `document.querySelector('#village-scores')?.innerText.includes(`+jsString(item)+`)`, `document.querySelector('#village-scores')?.innerText`)
	}
	p.shot("village-02-scores")

	// The month: review, publish (again changes nothing), the public link.
	p.click("#tab-month")
	p.waitText("#village-month-status", "未审核")
	p.click("#village-review")
	p.waitText("#village-month-status", "已审核待公布")
	p.click("#village-publish")
	p.waitText("#village-month-status", "已公布")
	p.visible("#village-public-link")
	p.noRawKeys("the monthly list")
	p.shot("village-03-published")

	// The public page, as anyone sees it.
	p.open("/p/village/" + code + "/scores/" + month)
	p.visible("#pub-list")
	p.waitText("#pub-title", name)
	lines := evalJS[[]string](p, "the list", `[...document.querySelectorAll('#pub-list tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ').trim())`)
	if len(lines) < 3 || !strings.Contains(lines[0], "5") || !strings.Contains(lines[0], "文明户") || !strings.Contains(lines[len(lines)-1], "一票否决") {
		t.Fatalf("the public list: first %q, last %q", lines[0], lines[len(lines)-1])
	}
	for _, l := range lines {
		if strings.Contains(l, "E2E") || strings.Contains(l, hh[0]) && !strings.Contains(l, "户") {
			t.Fatalf("the public list shows more than the village chose: %q", l)
		}
	}
	if first := p.text("#pub-list tbody tr .pub-name"); !strings.Contains(first, "*") && !strings.HasSuffix(first, "户") {
		t.Errorf("the first household is shown as %q, not by surname", first)
	}
	p.noRawKeys("the public list")
	p.shot("village-04-public")
	p.open("/p/village/" + code + "/scores/2000-01")
	p.visible("#pub-missing")
}

// TestVillageScorePhone: the grid member records a household's score of
// the village's sheet on a 390 px phone, with a witness; then, with no
// signal, one with a photo, which waits on the phone and goes once the
// signal is back.
func TestVillageScorePhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "grid_member")
	p.open("/m")
	p.click("#m-tab-vscore")
	p.visible("#vs-household")
	p.waitFor("the households", `document.querySelectorAll('#vs-household option').length > 2`, `document.querySelectorAll('#vs-household option').length`)
	evalJS[bool](p, "pick a household and an item", `(() => {
		for (const id of ['#vs-household', '#vs-item']) {
			const s = document.querySelector(id);
			s.value = s.options[1].value;
			s.dispatchEvent(new Event('change', { bubbles: true }));
		}
		return true;
	})()`)
	p.click(".ev-witness")
	p.do("the witness", chromedp.SendKeys("#vs-detail", "E2E 邻居李大姐作证"))
	p.click("#vs-submit")
	p.waitFor("the score among this month's", `[...document.querySelectorAll('.m-vscore .row')].length > 0`, `document.querySelector('.m-vscore')?.innerText`)

	p.network(false)
	evalJS[bool](p, "the same household, another item", `(() => {
		const s = document.querySelector('#vs-item');
		s.value = s.options[2].value;
		s.dispatchEvent(new Event('change', { bubbles: true }));
		return true;
	})()`)
	p.click(".ev-photo")
	p.do("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#vs-photo"), []string{photoFile(t, "庭院.png")}))
	p.waitFor("the photo's preview", `!!document.querySelector('.vs-photos .pick img')`, `document.querySelector('.m-vscore')?.innerHTML`)
	p.do("what was seen", chromedp.SendKeys("#vs-detail", "E2E 院子打扫得干干净净"))
	p.click("#vs-submit")
	p.waitText("#vs-queue-count", "1")
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the page is %v px wide on a 390 px phone", w)
	}
	p.noRawKeys("the phone's score form")
	evalJS[bool](p, "the queue in view", `(document.querySelector('#vs-queue').scrollIntoView({ block: 'center' }), true)`)
	p.shot("village-05-phone")
	p.network(true)
	p.waitFor("the queued score sent", `!document.querySelector('#vs-queue')`, `document.querySelector('#vs-queue')?.innerText`)
	var village string
	if err := app.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = ?", app.Account("grid_member").OrgCode).Scan(&village); err != nil {
		t.Fatal(err)
	}
	var scores struct {
		Items []struct {
			Detail, Evidence string
			Photos           int
		}
	}
	app.Login("grid_member").Do("GET", "/api/v1/villages/"+village+"/scores?month="+time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01"), nil, &scores)
	sent := 0
	for _, s := range scores.Items {
		if s.Detail == "E2E 院子打扫得干干净净" {
			sent++
			if s.Evidence != "photo" || s.Photos != 1 {
				t.Errorf("the score sent from the queue: %+v", s)
			}
		}
	}
	if sent != 1 {
		t.Errorf("the queued score was recorded %d times", sent)
	}
}

// TestVillageCouncil: the centre's staff open the demo village's 村民理事会
// with its members, proposals and meetings; a resident gives an opinion on
// the proposal open for consultation on a 390 px phone, then changes it.
func TestVillageCouncil(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	var village string
	if err := app.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = ?", app.Account("grid_member").OrgCode).Scan(&village); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, app.URL)
	p.loginAs(app, "intake")
	p.open("/village?org=" + village)
	p.visible("#village-name")
	p.click("#tab-councils")
	p.waitFor("the council's proposals", `document.querySelectorAll('#council-proposals .el-table__row').length >= 4`, `document.querySelector('#council-proposals')?.innerText`)
	p.click("#council-proposals .el-table__row:nth-child(2)")
	p.visible("#proposal-detail")
	p.noRawKeys("a council")
	p.shot("village-06-council")
	p.logout()

	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "resident")
	p.open("/m")
	p.click("#m-tab-opinions")
	p.visible(".proposal-card")
	p.click(".proposal-card .stance-support")
	p.click(".proposal-card .op-send")
	p.waitFor("my opinion", `document.querySelector('.proposal-card .mine')?.innerText.includes('赞成')`, `document.querySelector('.proposal-card')?.innerText`)
	p.click(".proposal-card .stance-oppose")
	p.do("a reason", chromedp.SendKeys(".proposal-card .op-text", "E2E 预算偏高"))
	p.click(".proposal-card .op-send")
	p.waitFor("my changed opinion", `document.querySelector('.proposal-card .mine')?.innerText.includes('反对')`, `document.querySelector('.proposal-card')?.innerText`)
	var n int
	app.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM village_opinions WHERE text = 'E2E 预算偏高'").Scan(&n)
	if n != 1 {
		t.Errorf("one opinion a resident: %d", n)
	}
	p.noRawKeys("the resident's proposals")
	p.shot("village-07-opinion")
}
