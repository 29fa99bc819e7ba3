package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestVolunteerPhone: the demo volunteer, on a 390 px phone, signs up for
// tomorrow's shift their team's centre published, walks the shift on now
// as a patrol (the 位置记录中 banner on while it is on) with a check-in that
// counts as the shift's attendance, ends it, then reports a clue for the police, which
// the 派出所 sees and the centre does not. The console's register, shifts
// and police list show it all.
func TestVolunteerPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	intake := app.Login("intake")
	var vols struct {
		Items []struct {
			TeamID string `json:"team_id"`
		} `json:"items"`
	}
	if st := intake.Do("GET", "/api/v1/volunteer/volunteers?q=李红梅", nil, &vols); st != 200 || len(vols.Items) != 1 {
		t.Fatalf("the demo volunteer: %d %+v", st, vols)
	}
	start := time.Now().Add(26 * time.Hour).UnixMilli()
	var shift struct {
		ID string `json:"id"`
	}
	if st := intake.Do("POST", "/api/v1/volunteer/shifts", map[string]any{"team_id": vols.Items[0].TeamID, "place": "E2E 村口至小学巡逻",
		"starts_at": start, "ends_at": start + 2*3600*1000, "needed": 2}, &shift); st != 201 {
		t.Fatalf("publish a shift: %d", st)
	}
	lat, lng := pointInGrid(t, app.Login("grid_member"), "441602001003")

	p := newPage(t, app.URL)
	p.phone(app.URL, lat, lng)
	acc := app.Account("volunteer")
	p.login(acc, "")
	p.visible("#m-vshifts") // a volunteer lands on the phone pages, their shifts first
	p.visible("#v-hours")
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the phone page is %v px wide", w)
	}
	open := fmt.Sprintf(`.v-open[data-id="%s"]`, shift.ID)
	p.visible(open)
	p.noRawKeys("the volunteer's shifts")
	p.shot("volunteer-01-shifts")

	// Sign up for tomorrow's shift: it moves to "my shifts", to be given up
	// before it starts.
	p.click(open + " .v-signup")
	p.visible(fmt.Sprintf(`.v-shift[data-id="%s"] .v-cancel`, shift.ID))
	// The shift on now (the demo's, the volunteer on it) is walked as a patrol.
	p.visible(".v-shift .v-walk-btn")
	now := evalJS[string](p, "the shift on now", `document.querySelector('.v-walk-btn').closest('.v-shift').dataset.id`)
	mine := fmt.Sprintf(`.v-shift[data-id="%s"]`, now)
	p.click(mine + " .v-walk-btn")
	p.visible("#v-recording")
	p.waitText("#v-recording", "位置记录中")
	p.click("#v-checkin")
	p.waitText("#v-count", "1")
	p.waitFor("the walk sent", `!document.querySelector('#v-queue')`, `document.querySelector('#v-queue')?.innerText`)
	p.shot("volunteer-02-walking")
	p.click("#v-end")
	p.waitFor("the banner gone once the patrol is ended", `!document.querySelector('#v-recording')`, `document.querySelector('#m-vshifts')?.innerText`)
	p.waitFor("the end sent", `!document.querySelector('#v-queue')`, `document.querySelector('#v-queue')?.innerText`)
	p.waitText(mine+" .v-ok", "已到岗")

	var shifts []struct {
		ID       string `json:"id"`
		Taken    int    `json:"taken"`
		Attended int    `json:"attended"`
	}
	intake.Do("GET", fmt.Sprintf("/api/v1/volunteer/shifts?team_id=%s&from=%d", vols.Items[0].TeamID, time.Now().Add(-24*time.Hour).UnixMilli()), nil, &shifts)
	found := false
	for _, s := range shifts {
		if s.ID == now {
			found = s.Attended == 1
		}
		if s.ID == shift.ID && s.Taken != 1 {
			t.Errorf("tomorrow's shift: %+v", s)
		}
	}
	if !found {
		t.Fatalf("the shift after the walk: %+v", shifts)
	}

	// A clue for the police: the police station sees it, the centre does not.
	p.click("#m-tab-vclue")
	p.visible("#m-vclue")
	p.click("#c-police")
	p.typeInto("#c-text", "E2E 出租屋深夜多名陌生人出入")
	p.typeInto("#c-place", "村口出租屋")
	p.click("#c-locate")
	p.waitFor("the position taken", `!document.querySelector('#c-locate').innerText.includes('获取')`, `document.querySelector('#c-locate').innerText`)
	p.click("#c-send")
	p.waitFor("the clue sent", `!document.querySelector('#c-queue')`, `document.querySelector('#c-queue')?.innerText`)
	p.visible(`.c-item[data-kind="police"]`)
	if w := evalJS[float64](p, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the clue page is %v px wide", w)
	}
	p.noRawKeys("the clue tab")
	p.shot("volunteer-03-clue")

	var clues []struct {
		Text string `json:"text"`
	}
	if st := app.LoginAs("pcschief").Do("GET", "/api/v1/volunteer/police-clues", nil, &clues); st != 200 || !hasText(clues, "E2E 出租屋") {
		t.Fatalf("the police station's list: %d %+v", st, clues)
	}
	intake.Do("GET", "/api/v1/volunteer/clues", nil, &clues)
	if hasText(clues, "E2E 出租屋") {
		t.Fatal("the centre sees the police clue")
	}

	// The console: the centre's register and shifts, the police's list.
	c := newPage(t, app.URL)
	ia := app.Account("intake")
	c.loginAndWait(ia, app.NextOTP(ia), "受理员 陈静")
	c.landed()
	c.open("/volunteers")
	c.visible("#vol-table .vol-row")
	c.noRawKeys("the volunteer register")
	c.shot("volunteer-04-register")
	// An entry edited: its skills; the account it signs in with stays.
	c.click("#vol-table .vol-row .vol-edit")
	c.setInput("#vol-form-skills", "E2E 持急救证")
	c.visible("#vol-form-username")
	c.click("#vol-save")
	c.waitText("#vol-table .vol-row", "E2E 持急救证")
}

func hasText(clues []struct {
	Text string `json:"text"`
}, s string) bool {
	for _, c := range clues {
		if strings.Contains(c.Text, s) {
			return true
		}
	}
	return false
}
