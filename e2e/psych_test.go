package e2e

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestPsychConsole: the health office opens 心理防护 from the grid-work
// menu, finds the red records first, opens one (audited) and records a
// counselling session.
func TestPsychConsole(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.NewWithRegisters(t)
	p := newPage(t, app.URL)
	acc := app.Account("health")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.waitText(`[data-menu-group="gridwork"]`, "心理防护")
	p.open("/psych")
	p.visible("#psych-table .psych-row")
	p.waitText("#psych-table .psych-row .psych-level", "一级·红")
	p.noRawKeys("the psych records")
	p.shot("psych-01-list")
	ctx := context.Background()
	var before int
	app.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'psych.read'").Scan(&before)
	p.click("#psych-table .psych-row")
	p.visible("#psych-entries")
	p.typeInto("#psych-add-who", "志愿心理咨询师 周老师")
	p.setTextArea("#psych-add-note", "E2E 疏导：情绪平稳")
	p.click("#psych-add-save")
	p.waitFor("the session on the record", `document.querySelector('#psych-entries')?.innerText.includes('E2E 疏导')`, `document.querySelector('#psych-entries')?.innerText`)
	p.noRawKeys("a psych record")
	p.shot("psych-02-record")
	var after int
	app.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'psych.read'").Scan(&after)
	if after <= before {
		t.Error("opening the record was not audited")
	}
}
