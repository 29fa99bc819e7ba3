package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestPetitionDesk: the county's petition clerk (信访干部, with a second
// factor) registers a visit at the desk, accepts it, records the weekly
// review (每周研判) that names a lead leader for it, finds the decision on
// the petition's timeline, and replies.
func TestPetitionDesk(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	for _, a := range app.Demo.Accounts {
		if a.Username == "xfclerk" {
			p.login(a, app.NextOTP(a))
		}
	}
	p.visible(headerUser)
	p.landed()
	p.click(`#side-menu [data-menu="petitions"]`)
	p.visible("#petitions-table")
	p.settle()
	p.noRawKeys("the petition register")

	// Registration: the county is the clerk's own area, already chosen.
	p.click("#petition-new")
	p.settle()
	p.click("#petition-type")
	p.pickOption("征地拆迁")
	p.typeInto("#petition-title", "E2E 征地补偿款未到位")
	p.typeInto("#petition-content", "反映村里征地补偿款迟迟未发放到户")
	p.typeInto("#petitioner-name-0", "张三丰")
	p.typeInto("#petitioner-phone-0", "13812345678")
	p.shot("petitions-01-new")
	p.click("#petition-register")
	p.waitFor("the new petition", `document.querySelector('#petition-status')?.dataset.status === 'registered'`, `location.hash`)
	no := p.text(".petition-page .no")
	if !strings.HasPrefix(no, "XF") {
		t.Fatalf("petition number %q", no)
	}
	id := evalJS[string](p, "the petition's id", `document.querySelector('.petition-page .no').dataset.petitionId`)
	if body := p.text(".petition-page .petitioners"); !strings.Contains(body, "138****5678") || strings.Contains(body, "13812345678") {
		t.Errorf("the petitioner's phone is not masked: %q", body)
	}

	p.settle()
	p.click("#step-accept")
	p.settle()
	p.click("#step-submit")
	p.waitFor("accepted", `document.querySelector('#petition-status')?.dataset.status === 'accepted'`, `document.querySelector('#petition-status')?.dataset.status`)
	p.settle()

	// The weekly review: the new petition is on the week's list; the
	// meeting names its lead leader.
	p.click(`#side-menu [data-menu="petition-review"]`)
	p.visible("#review-table")
	p.settle()
	p.waitText(`#review-table`, no)
	p.waitText(`[data-count="new"]`, "1")
	p.noRawKeys("the weekly review")
	p.click("#review-meeting")
	p.settle()
	p.typeInto("#meeting-chair", "政法委 黄书记")
	p.typeInto("#meeting-attendees", "信访局、司法局、上城街道")
	p.click("#decision-add")
	p.settle()
	p.typeInto("#decision-value-0", "李副区长")
	p.typeInto("#decision-note-0", "包案化解")
	p.shot("petitions-02-review")
	p.click("#meeting-save")
	p.waitFor("the meeting recorded", `!!document.querySelector('.meeting[data-review-id]')`, `document.querySelector('.review-page')?.innerText`)
	p.waitText(".meeting", "李副区长")
	p.settle()

	// The decision is on the petition; the reply closes the handling.
	p.open("/petitions/" + id)
	p.waitText("#petition-lead-leader", "李副区长")
	p.visible(`#petition-timeline [data-action="review_lead_leader"]`)
	p.settle()
	p.click("#step-reply")
	p.settle()
	p.typeInto("#form-reply", "补偿款已于本周拨付到户。")
	p.click("#step-submit")
	p.waitFor("replied", `document.querySelector('#petition-status')?.dataset.status === 'replied'`, `document.querySelector('#petition-status')?.dataset.status`)
	p.waitText("#petition-reply", "补偿款已于本周拨付到户")
	p.noRawKeys("the petition")
	p.shot("petitions-03-replied")
}

// TestPetitionPagesOnTheDemo: with the demo's year of petitions, the leader
// reads the register with its figures and lights, the Monday supervision
// tab with the orders past their day first in mind, the weekly review of a
// past week with its meeting, and the 面对面 sessions with their problems.
func TestPetitionPagesOnTheDemo(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	if _, err := demo.Petitions(context.Background(), demo.Deps{DB: app.DB, Authn: app.Authn, Petitions: app.Petitions}, "441602", 2026, time.Now()); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, app.URL)
	p.loginAs(app, "leader")
	p.click(`#side-menu [data-menu="petitions"]`)
	p.visible("#petitions-table")
	p.waitFor("the register's rows", `document.querySelectorAll('#petitions-table .petition-row').length === 50`, `document.querySelectorAll('#petitions-table .petition-row').length`)
	p.visible("#petition-figures")
	p.settle()
	p.noRawKeys("the register")
	p.shot("petitions-04-register")
	p.catchDownloads()
	p.click("#petitions-export")
	if d := p.waitDownload(0); !strings.HasSuffix(d.Name, ".xlsx") || !strings.HasPrefix(d.Text, "PK") {
		t.Errorf("petition export: %q, %.20q", d.Name, d.Text)
	}
	p.settle()

	p.click(`#petitions-tab label:nth-child(2)`)
	p.waitFor("the Monday list", `document.querySelectorAll('#monday-table .monday-row').length > 0`, `document.querySelector('#monday-counts')?.innerText`)
	p.waitText("#monday-counts", "督办逾期 2 件")
	p.settle()
	p.noRawKeys("the Monday list")
	p.shot("petitions-05-monday")

	p.click(`#side-menu [data-menu="petition-review"]`)
	p.visible("#review-table")
	p.settle()
	p.shot("petitions-06-review-this-week")

	p.click(`#side-menu [data-menu="face-to-face"]`)
	p.waitFor("the sessions", `document.querySelectorAll('#f2f-sessions [data-session-id]').length === 12 && !!document.querySelector('.problem')`,
		`document.querySelectorAll('#f2f-sessions [data-session-id]').length`)
	p.settle()
	p.noRawKeys("面对面")
	p.shot("petitions-07-face-to-face")

	// In English, every word of the register and of a petition is translated.
	p.click(`#lang-switch label:has(input[value="en"])`)
	p.waitFor("English", `document.documentElement.lang === 'en'`, `document.documentElement.lang`)
	p.click(`#side-menu [data-menu="petitions"]`)
	p.waitText("#petition-figures", "Last 12 months")
	p.settle()
	p.noRawKeys("the register in English")
	p.click("#petitions-table .petition-row")
	p.visible("#petition-timeline")
	p.settle()
	p.noRawKeys("a petition in English")
	p.shot("petitions-08-petition-en")
}
