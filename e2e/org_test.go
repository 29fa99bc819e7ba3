package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

const (
	countyCode = "441602"    // 源城区, the county of the demo
	townCode   = "441602001" // 上城街道
	townName   = "上城街道"
)

// treeNode is the selector of an org node's label in the tree.
func treeNode(code string) string {
	return fmt.Sprintf(`#org-tree .tree-node[data-org-code="%s"]`, code)
}

// expandTreeNode clicks the expand arrow of a loaded tree node and waits
// until the node's children (by code) are shown under it.
func (p *page) expandTreeNode(code string, children []orgNode) {
	p.t.Helper()
	p.visible(treeNode(code))
	p.waitFor("the tree to be still", treeStill, "")
	p.click(fmt.Sprintf(`#org-tree .el-tree-node__content:has(.tree-node[data-org-code="%s"]) > .el-tree-node__expand-icon`, code))
	var want []string
	for _, c := range children {
		want = append(want, c.Code)
	}
	p.waitFor(fmt.Sprintf("the %d children of %s in the tree", len(want), code),
		fmt.Sprintf(`(() => {
			const want = %s;
			const node = document.querySelector('#org-tree .el-tree-node:has(> .el-tree-node__content .tree-node[data-org-code="%s"])');
			if (!node || !node.classList.contains('is-expanded')) return false;
			const got = [...node.querySelectorAll(':scope > .el-tree-node__children > .el-tree-node > .el-tree-node__content .tree-node')]
				.filter(e => e.offsetParent !== null).map(e => e.dataset.orgCode);
			// and the expand transition is over (a click on a moving node is lost)
			return got.length === want.length && want.every(c => got.includes(c)) && %s;
		})()`, jsJSON(want), code, treeStill),
		`[...document.querySelectorAll('#org-tree .tree-node')].map(e => e.dataset.orgCode)`)
}

// treeStill is a JavaScript predicate: no animation runs in the org tree.
const treeStill = `(() => document.querySelector('#org-tree').getAnimations({ subtree: true }).length === 0)()`

// selectTreeNode clicks a node's label and waits for its details.
func (p *page) selectTreeNode(n orgNode) {
	p.t.Helper()
	p.visible(treeNode(n.Code))
	p.waitFor("the tree to be still", treeStill, "")
	p.click(treeNode(n.Code))
	p.waitText("#org-detail .org-code", n.Code)
	p.waitText("#org-breadcrumb", n.Name)
}

// mapGrid is a grid polygon as the map shows it.
type mapGrid struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

// waitGrids waits until the map shows exactly the grids of want (id →
// code), each as a path.grid-poly with its data attributes, and returns them.
func (p *page) waitGrids(want map[string]string) []mapGrid {
	p.t.Helper()
	p.visible("#grid-map")
	p.waitFor(fmt.Sprintf("%d grid polygons on the map", len(want)),
		fmt.Sprintf(`(() => {
			const ps = document.querySelectorAll('#grid-map path.grid-poly');
			return ps.length === %d && [...ps].every(e => e.dataset.gridId && e.dataset.gridCode);
		})()`, len(want)),
		`document.querySelectorAll('#grid-map path.grid-poly').length`)
	grids := evalJS[[]mapGrid](p, "grid polygons",
		`[...document.querySelectorAll('#grid-map path.grid-poly')].map(e => ({ id: e.dataset.gridId, code: e.dataset.gridCode }))`)
	seen := map[string]bool{}
	for _, g := range grids {
		if want[g.ID] != g.Code {
			p.t.Errorf("map grid %s has code %s, the API says %q", g.ID, g.Code, want[g.ID])
		}
		if seen[g.ID] {
			p.t.Errorf("map grid %s drawn twice", g.ID)
		}
		seen[g.ID] = true
	}
	return grids
}

// waitFitted waits until every grid polygon is drawn at least 1 px wide and
// high and lies inside the map's box (the map is fitted to the area).
func (p *page) waitFitted() {
	p.t.Helper()
	p.waitFor("the map to fit its grids", `(() => {
		const m = document.querySelector('#grid-map').getBoundingClientRect();
		const ps = [...document.querySelectorAll('#grid-map path.grid-poly')];
		return ps.length > 0 && ps.every(e => { const r = e.getBoundingClientRect();
			return r.width >= 1 && r.height >= 1 && r.left >= m.left - 2 && r.right <= m.right + 2 && r.top >= m.top - 2 && r.bottom <= m.bottom + 2; });
	})()`, `(() => { const m = document.querySelector('#grid-map').getBoundingClientRect();
		return { map: [m.left, m.top, m.right, m.bottom], paths: [...document.querySelectorAll('#grid-map path.grid-poly')].slice(0, 5).map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom] }) } })()`)
}

// TestOrgTree opens 组织机构: the county root 源城区 (under 河源市) is shown
// and selected; expanding it shows its 8 towns, 上城街道 among them.
func TestOrgTree(t *testing.T) {
	t.Parallel()
	chromePath(t) // skip before starting the server when there is no browser
	app := testapp.New(t)
	api := app.Login("leader")
	roots := apiRoots(t, api)
	if len(roots) == 0 {
		t.Fatal("the leader has no org roots")
	}
	county, path := apiNodeByCode(t, api, countyCode)
	towns := apiChildren(t, api, county.ID)
	if len(towns) != 8 {
		t.Fatalf("the API lists %d towns under %s, want 8", len(towns), countyCode)
	}

	p := newPage(t, app.URL)
	p.loginAndWait(app.Account("leader"), "", "政法委 黄书记")
	p.click(`#side-menu [data-menu="org"]`)
	p.waitFor("the org page", `location.hash.startsWith('#/org')`, `location.hash`)

	// The roots of the leader's scope, the first one selected with its ancestors.
	for _, r := range roots {
		p.visible(treeNode(r.Code))
		if got := p.text(treeNode(r.Code)); !strings.Contains(got, r.Name) || !strings.Contains(got, r.Code) {
			t.Errorf("tree root %s shows %q, want its name %s and code", r.Code, got, r.Name)
		}
	}
	p.waitText("#org-detail .org-code", roots[0].Code)
	p.waitText("#org-breadcrumb", roots[0].Name)
	if roots[0].Code == countyCode {
		p.waitText("#org-breadcrumb", "河源市") // the city above the county
	}
	crumbs := p.text("#org-breadcrumb")
	t.Logf("breadcrumb: %q", crumbs)
	if !regexp.MustCompile(`河源市\s*/\s*源城区`).MatchString(crumbs) {
		t.Errorf("breadcrumb %q, want 河源市 / 源城区", crumbs)
	}

	// Down to the county, then its towns.
	for _, n := range path[:len(path)-1] {
		p.expandTreeNode(n.Code, apiChildren(t, api, n.ID))
	}
	p.expandTreeNode(county.Code, towns)
	for _, town := range towns {
		if got := p.text(treeNode(town.Code)); !strings.Contains(got, town.Name) {
			t.Errorf("town %s shows %q, want %s", town.Code, got, town.Name)
		}
	}
	p.visible(treeNode(townCode))
	if got := p.text(treeNode(townCode)); !strings.Contains(got, townName) {
		t.Errorf("town %s shows %q, want %s", townCode, got, townName)
	}
	// The children table of the county lists the same 8 towns.
	p.waitFor("8 rows in the children table", `document.querySelectorAll('#org-children .el-table__body tr.el-table__row').length === 8`,
		`document.querySelectorAll('#org-children .el-table__body tr.el-table__row').length`)
	p.noRawKeys("org page")
	p.shot("02-org-tree")
}

// TestGridMapOfTown selects 上城街道 in the tree: the map shows one polygon
// for each of its grids (layer zz), the same grids the API returns, all
// inside the map's view; then one of its villages, with its own grids.
func TestGridMapOfTown(t *testing.T) {
	t.Parallel()
	chromePath(t) // skip before starting the server when there is no browser
	app := testapp.New(t)
	api := app.Login("leader")
	county, path := apiNodeByCode(t, api, countyCode)
	town, _ := apiNodeByCode(t, api, townCode)
	townGrids := apiGridCodes(t, api, town.ID)
	if len(townGrids) == 0 {
		t.Fatalf("the API has no grids under %s", townCode)
	}
	villages := apiChildren(t, api, town.ID)
	if len(villages) == 0 {
		t.Fatalf("no villages under %s", townCode)
	}

	p := newPage(t, app.URL)
	p.loginAndWait(app.Account("leader"), "", "政法委 黄书记")
	p.open("/org")
	for _, n := range path[:len(path)-1] {
		p.expandTreeNode(n.Code, apiChildren(t, api, n.ID))
	}
	p.expandTreeNode(county.Code, apiChildren(t, api, county.ID))
	p.selectTreeNode(town)

	grids := p.waitGrids(townGrids)
	p.waitFitted()
	zh := messages(t, app.Anon(), "zh-CN")
	p.waitText(".org-map .toolbar", strings.ReplaceAll(zh["ui.map.grid_count"], "{n}", strconv.Itoa(len(townGrids))))
	t.Logf("%s: %d grid polygons, the API has %d", townName, len(grids), len(townGrids))
	// The village areas are labelled on the town's map.
	p.waitFor("village labels on the map", fmt.Sprintf(`document.querySelectorAll('#grid-map .area-label').length === %d`, len(villages)),
		`[...document.querySelectorAll('#grid-map .area-label')].map(e => e.innerText)`)
	p.noRawKeys("town map")
	p.shot("03-grid-map-town")

	// A village of the town: its own grids only.
	village := villages[0]
	villageGrids := apiGridCodes(t, api, village.ID)
	p.expandTreeNode(town.Code, villages)
	p.selectTreeNode(village)
	p.waitGrids(villageGrids)
	p.waitFitted()
	for id := range villageGrids {
		if _, ok := townGrids[id]; !ok {
			t.Errorf("grid %s of village %s is not among the town's grids", id, village.Code)
		}
	}
	t.Logf("%s: %d grid polygons", village.Name, len(villageGrids))
	p.shot("03-grid-map-village")
}

// TestGridDetailFromMap opens a village's map (deep link #/org?id=…), clicks
// a grid polygon and checks the detail panel: the 15-digit code of that grid
// (village code + 3 digits), its households and its team, as the API has them.
func TestGridDetailFromMap(t *testing.T) {
	t.Parallel()
	chromePath(t) // skip before starting the server when there is no browser
	app := testapp.New(t)
	api := app.Login("leader")
	town, _ := apiNodeByCode(t, api, townCode)
	villages := apiChildren(t, api, town.ID)
	if len(villages) < 2 {
		t.Fatalf("%d villages under %s", len(villages), townCode)
	}
	village := villages[1]
	villageGrids := apiGridCodes(t, api, village.ID)

	p := newPage(t, app.URL)
	p.loginAndWait(app.Account("leader"), "", "政法委 黄书记")
	p.open("/org?id=" + village.ID)
	p.waitText("#org-detail .org-code", village.Code)
	p.waitGrids(villageGrids)
	p.waitFitted()
	p.visible("#grid-detail") // the empty panel, before a click

	// A point inside a grid polygon (not under a control or another polygon).
	type target struct {
		X, Y     float64
		ID, Code string
	}
	// Polled: while Leaflet still moves the map (fitBounds), the point may not hit.
	pick := pollJS[*target](p, "a point inside a grid polygon", `(() => {
		const m = document.querySelector('#grid-map').getBoundingClientRect();
		const ps = [...document.querySelectorAll('#grid-map path.grid-poly')];
		const order = [Math.floor(ps.length / 2), ...ps.keys()];
		for (const i of order) {
			const e = ps[i], r = e.getBoundingClientRect();
			for (let a = 1; a < 10; a++) for (let b = 1; b < 10; b++) {
				const x = r.left + r.width * ((a + 4) % 9 + 1) / 10, y = r.top + r.height * ((b + 4) % 9 + 1) / 10;
				if (x < m.left + 4 || x > m.right - 4 || y < m.top + 4 || y > m.bottom - 4 || y > innerHeight - 4) continue;
				if (document.elementFromPoint(x, y) === e) return { X: x, Y: y, ID: e.dataset.gridId, Code: e.dataset.gridCode };
			}
		}
		return null;
	})()`)
	t.Logf("clicking grid %s at (%.0f, %.0f)", pick.Code, pick.X, pick.Y)
	p.do("click the grid polygon", chromedp.MouseClickXY(pick.X, pick.Y))

	p.waitText("#grid-detail .grid-code", pick.Code)
	code := p.text("#grid-detail .grid-code")
	if !regexp.MustCompile(`^\d{15}$`).MatchString(code) {
		t.Errorf("grid code %q is not 15 digits", code)
	}
	if !strings.HasPrefix(code, village.Code) {
		t.Errorf("grid code %s does not start with the village code %s", code, village.Code)
	}
	if villageGrids[pick.ID] != code {
		t.Errorf("the panel shows %s, the clicked grid %s has %s", code, pick.ID, villageGrids[pick.ID])
	}
	p.waitFor("the clicked polygon to be highlighted",
		fmt.Sprintf(`!!document.querySelector('#grid-map path.grid-poly.selected[data-grid-id="%s"]') && document.querySelectorAll('#grid-map path.grid-poly.selected').length === 1`, pick.ID),
		`[...document.querySelectorAll('#grid-map path.grid-poly.selected')].map(e => e.dataset.gridCode)`)

	// The grid as the API has it.
	var grid struct {
		ID         string `json:"id"`
		Code       string `json:"code"`
		Name       string `json:"name"`
		Households int    `json:"households"`
		OrgID      string `json:"org_id"`
		Team       []struct {
			Role     string `json:"role"`
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"team"`
	}
	if st := api.Do("GET", "/api/v1/grids/"+pick.ID, nil, &grid); st != 200 {
		t.Fatalf("GET /grids/%s: %d", pick.ID, st)
	}
	if grid.Code != code || grid.OrgID != village.ID {
		t.Errorf("API grid %s: code %s org %s, want %s in %s", pick.ID, grid.Code, grid.OrgID, code, village.ID)
	}
	if got := p.text("#grid-detail .gd-name"); got != grid.Name {
		t.Errorf("grid name %q, want %q", got, grid.Name)
	}
	if got := p.text("#grid-detail .gd-households"); got != strconv.Itoa(grid.Households) {
		t.Errorf("households %q, want %d", got, grid.Households)
	}
	if len(grid.Team) == 0 {
		t.Errorf("the API gives grid %s no team", code)
	}
	type row struct{ Role, Name, Username string }
	rows := evalJS[[]row](p, "team rows", `[...document.querySelectorAll('#grid-detail .el-table__body tr.el-table__row')].map(tr => {
		const c = [...tr.querySelectorAll('td')].map(td => td.innerText.trim());
		return { Role: c[0] || '', Name: c[1] || '', Username: c[2] || '' };
	})`)
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	if len(rows) != len(grid.Team) {
		t.Errorf("team table has %d rows %v, the API has %d members", len(rows), rows, len(grid.Team))
	}
	zh := messages(t, app.Anon(), "zh-CN")
	for _, m := range grid.Team {
		i := slices.Index(names, m.Name)
		if i < 0 {
			t.Errorf("team member %s (%s) not in the panel %v", m.Name, m.Role, rows)
			continue
		}
		if want := zh["team_role."+m.Role]; want != "" && rows[i].Role != want {
			t.Errorf("team member %s: role %q, want %q", m.Name, rows[i].Role, want)
		}
	}
	p.noRawKeys("grid detail")
	p.shot("04-grid-detail")
}
