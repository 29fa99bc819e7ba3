package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/gridgov/gridgov/internal/workcal"
)

// TestCalendarLoadAYear: with next year's holidays not loaded, a leader's
// dashboard carries a soft note and the system administrator a warning on
// every page with a link to 工作日历. There the administrator chooses a
// file with a wrong line (each bad line is named, nothing is loaded), then
// the right file: the year is listed with its days and its history, and
// the warning goes.
func TestCalendarLoadAYear(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	ctx := context.Background()
	loaded, err := workcal.Days(ctx, app.DB.Reader())
	if err != nil {
		t.Fatal(err)
	}
	missing := workcal.Missing(time.Now(), loaded.Has)
	if len(missing) == 0 {
		t.Fatal("the demo has every year the calendar needs now: nothing to load")
	}
	year := missing[0]
	noteText := fmt.Sprintf("%d 年的节假日安排尚未载入", year)

	leader := newPage(t, app.URL)
	leader.loginAndWait(app.Account("leader"), "", "政法委 黄书记")
	leader.open("/dashboard")
	leader.waitText(".calendar-notice", noteText)
	leader.waitText(".calendar-notice", "待系统管理员载入")
	leader.shot("calendar-01-dashboard-note")

	p := newPage(t, app.URL)
	acc := app.Account("sys_admin")
	p.login(acc, testapp.OTP(acc))
	p.visible(headerUser)
	p.landed()
	p.waitText(".calendar-notice", noteText)
	p.waitText(".calendar-notice", "只按周末计算")
	p.shot("calendar-02-admin-warning")
	p.click(".calendar-notice-link")
	p.visible("#cal-years")
	p.waitText("#cal-years", "2026")

	dir := t.TempDir()
	bad := filepath.Join(dir, "节假日-有误.txt")
	good := filepath.Join(dir, fmt.Sprintf("%d年节假日.txt", year))
	y := func(md string) string { return fmt.Sprintf("%d-%s", year, md) }
	newYear := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	sunday := newYear.AddDate(0, 0, (7-int(newYear.Weekday()))%7+7) // a Sunday in January
	lines := []string{"# 测试用的安排", y("01-01") + " holiday 元旦", sunday.Format("2006-01-02") + " workday 调休上班", y("10-01") + " holiday 国庆节"}
	os.WriteFile(good, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	os.WriteFile(bad, []byte(strings.Join(append(lines, y("02-30")+" holiday", y("03-01")+" vacation"), "\n")), 0o600)

	p.do("choose the bad file", chromedp.SetUploadFiles(chromedp.CSS("#cal-file"), []string{bad}))
	p.waitFor("the file's text", `document.querySelector('#cal-text').value.includes('vacation')`, `document.querySelector('#cal-text').value`)
	p.click("#cal-load")
	p.waitText("#cal-problems", "第 5 行")
	p.waitText("#cal-problems", "第 6 行")
	p.noRawKeys("calendar problems")
	p.shot("calendar-03-bad-lines")
	if h, _ := app.Calendar.History(ctx, year); len(h) != 0 {
		t.Fatalf("a refused file loaded %+v", h)
	}

	p.do("choose the good file", chromedp.SetUploadFiles(chromedp.CSS("#cal-file"), []string{good}))
	p.waitFor("the file's text", `!document.querySelector('#cal-text').value.includes('vacation')`, `document.querySelector('#cal-text').value`)
	p.typeInto("#cal-note", "国务院办公厅通知")
	p.click("#cal-load")
	p.waitText("#cal-years", fmt.Sprint(year))
	p.waitText("#cal-detail", "调休上班")
	p.waitText("#cal-history", "sysadmin")
	if len(missing) == 1 {
		p.waitFor("the warning gone", `!document.querySelector('.calendar-notice')`, `document.querySelector('.calendar-notice')?.innerText`)
	}
	p.noRawKeys("calendar loaded")
	p.shot("calendar-04-loaded")

	h, err := app.Calendar.History(ctx, year)
	if err != nil || len(h) != 1 || h[0].Holidays != 2 || h[0].Workdays != 1 || h[0].LoadedBy != "sysadmin" ||
		h[0].Source != filepath.Base(good) || h[0].Note != "国务院办公厅通知" {
		t.Fatalf("history: %+v %v", h, err)
	}
}
