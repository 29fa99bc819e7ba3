package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
)

// TestDuplicateReviewAndLookupLimit: a grid member registers the ID number
// of a person of the neighbouring village (answered as a new person); the
// county's civil-affairs staff find it on 重复登记核查 and reject it with a
// reason. Then the grid member, past the look-up limit, is told on 综合查询
// when to try again.
func TestDuplicateReviewAndLookupLimit(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	gm, ca := app.Login("grid_member"), app.Login("civil_affairs")
	var other string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT code FROM grids WHERE layer = 'zz' AND status = 'active'
		AND org_id <> (SELECT org_id FROM grids WHERE code = ? AND layer = 'zz') AND code LIKE ? ORDER BY code LIMIT 1`, memberGrid, memberGrid[:9]+"%").Scan(&other); err != nil {
		t.Fatal(err)
	}
	idNo := pii.MakeID("441602", time.Date(1959, 2, 3, 0, 0, 0, 0, time.UTC), 77, true)
	if st := ca.Do("POST", "/api/v1/people", map[string]any{"name": "邻村原登记", "id_number": idNo, "kind": "registered", "grid_code": other}, nil); st != 201 {
		t.Fatalf("registered person: %d", st)
	}
	if st := gm.Do("POST", "/api/v1/people", map[string]any{"name": "本村再登记", "id_number": idNo, "kind": "registered", "grid_code": memberGrid}, nil); st != 201 {
		t.Fatalf("duplicate: %d", st)
	}
	zh := messages(t, app.Anon(), "zh-CN")

	p := newPage(t, app.URL)
	p.loginAs(app, "civil_affairs")
	p.open("/duplicate-reviews")
	// The demo's own duplicate registrations are listed too: mark this one.
	p.waitFor("the new review's row", `(() => {
		const r = [...document.querySelectorAll('#duplicates-table .duplicate-row')].find(e => e.innerText.includes('本村再登记'));
		r?.setAttribute('data-e2e-row', '1');
		return !!r;
	})()`, `document.querySelector('#duplicates-table')?.innerText`)
	row := `#duplicates-table [data-e2e-row="1"]`
	p.noRawKeys("duplicate reviews")
	if text := p.text(row); !strings.Contains(text, "邻村原登记") || strings.Contains(text, idNo) {
		t.Errorf("the review row: %q", text)
	}
	p.shot("registry-20-duplicate-review")
	p.click(row + " .dup-reject")
	p.visible("#dup-reject-reason")
	p.typeInto("#dup-reject-reason", "经核实不是同一人")
	p.click("#dup-reject-confirm")
	p.waitFor("the review to leave the list and its dialog to close", `![...document.querySelectorAll('#duplicates-table .duplicate-row')].some(e => e.innerText.includes('本村再登记'))
		&& [...document.querySelectorAll('.el-overlay')].every(o => o.offsetParent === null || getComputedStyle(o).display === 'none')`, "")
	p.settle()

	// The look-up limit, as the grid member sees it.
	for range registry.LookupShortMax {
		if st := gm.Do("POST", "/api/v1/people/lookup", map[string]string{"phone": "13902760000"}, nil); st != 200 {
			t.Fatalf("lookup: %d", st)
		}
	}
	p.logout()
	p.loginAs(app, "grid_member")
	p.open("/registry-search")
	p.visible("#lookup-value")
	p.typeInto("#lookup-value", "13902760000")
	p.click("#lookup-go")
	want := zh["registry.lookup_limited"]
	p.waitText(".lookup-error", want[:strings.Index(want, "（")])
	p.shot("registry-21-lookup-limited")
}
