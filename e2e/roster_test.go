package e2e

import (
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestRosterEditsATeamPlace: the county centre opens the roster (网格员花名册)
// from the menu, finds a grid's assistant, opens their entry, makes them
// the grid's volunteer instead, and reads the change in their history; the
// phone stays masked.
func TestRosterEditsATeamPlace(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	acc := app.Account("intake")
	api := app.LoginAccount(acc)
	var r org.Roster
	if st := api.Do("GET", "/api/v1/workers?role=assistant&size=1", nil, &r); st != 200 || len(r.Items) == 0 {
		t.Fatalf("an assistant: %d %+v", st, r)
	}
	w := r.Items[0]

	p := newPage(t, app.URL)
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.click(`#side-menu [data-menu="roster"]`)
	p.waitFor("the roster", `document.querySelectorAll('#roster-table .roster-row').length > 5`,
		`location.hash + ' ' + document.querySelector('#roster-table')?.innerText`)
	if first := p.text("#roster-table .roster-row:first-child"); !strings.Contains(first, "****") {
		t.Errorf("the first row shows a masked phone: %q", first)
	}
	p.noRawKeys("the roster")
	p.shot("roster-01-list")

	p.setInput("#roster-q", w.Name)
	p.click("#roster-search")
	p.waitFor("the assistant found", `[...document.querySelectorAll('#roster-table .roster-row')].some(r => r.innerText.includes(`+jsString(w.Name)+`))`,
		`document.querySelector('#roster-table')?.innerText`)
	p.settle()
	p.click("#roster-table .roster-" + w.ID + " .roster-name")
	p.waitFor("the entry", `document.querySelectorAll('#roster-drawer .place-row').length > 0`, `document.querySelector('#roster-drawer')?.innerText`)
	p.waitText("#roster-drawer #place-table", "网格辅助员")
	p.settle()
	p.click("#roster-drawer .place-row:first-child .place-role .el-select__wrapper")
	p.pickOption("志愿者")
	p.waitFor("the change in the history", `document.querySelector('#worker-log')?.innerText.includes('职责调整')`, `document.querySelector('#worker-log')?.innerText`)
	p.shot("roster-02-entry")

	var got org.WorkerEntry
	if st := api.Do("GET", "/api/v1/workers/"+w.ID, nil, &got); st != 200 || got.Places[0].Role != "volunteer" {
		t.Fatalf("after the change: %d %+v", st, got.Places)
	}
}

// TestGridTeamEditor: the county centre opens a grid from the map's deep
// link, edits its team and adds a new 楼栋长, who then shows in the panel
// with a link to their roster entry.
func TestGridTeamEditor(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	acc := app.Account("intake")
	api := app.LoginAccount(acc)
	var r org.Roster
	if st := api.Do("GET", "/api/v1/workers?role=grid_chief&size=1", nil, &r); st != 200 || len(r.Items) == 0 {
		t.Fatalf("a grid chief: %d %+v", st, r)
	}
	grid := r.Items[0].Places[0]
	var g org.Grid
	if st := api.Do("GET", "/api/v1/grids/"+grid.GridID, nil, &g); st != 200 {
		t.Fatalf("grid: %d", st)
	}

	p := newPage(t, app.URL)
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.open("/org?id=" + g.OrgID + "&grid=" + g.ID)
	p.waitText("#grid-detail .gd-name", g.Name)
	p.settle()
	// the panel sits over the map, its lower part scrolled: a script click
	evalJS[bool](p, "open the team editor", `(() => { document.querySelector('#grid-team-edit').click(); return true })()`)
	p.visible("#team-edit-table")
	p.click(".team-editor .el-radio:nth-child(2)")
	p.typeInto("#team-add-name", "楼长韦建国")
	p.typeInto("#team-add-phone", "13912345678")
	p.choose("#team-add-role", "楼栋长") // and waits for the list over the button to close
	p.click("#team-add-save")
	p.waitFor("the new building head in the team", `[...document.querySelectorAll('#team-edit-table .team-edit-row')].some(r => r.innerText.includes('楼长韦建国'))`,
		`document.querySelector('.team-editor .el-form-item__error')?.innerText || document.querySelector('#team-edit-table')?.innerText`)
	p.shot("roster-03-team-editor")
	p.click(".team-editor .el-dialog__headerbtn")
	p.waitFor("the panel shows the new member with a roster link", `[...document.querySelectorAll('#grid-detail a.gd-member')].some(a => a.innerText.includes('楼长韦建国'))`,
		`document.querySelector('#grid-detail')?.innerText`)
	p.noRawKeys("the team editor")
}
