package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The grid member's first grid (下城社区第1网格), where new people are put.
const memberGrid = "441602001003001"

// fullIDJS finds a whole 18-character ID number in page text or HTML: a
// masked one (441602************) does not match.
const fullIDJS = `/(^|[^0-9A-Za-z])[0-9]{17}[0-9Xx]([^0-9A-Za-z]|$)/`

// noFullIDs fails the test when the page's HTML holds a whole ID number.
func (p *page) noFullIDs(where string) {
	p.t.Helper()
	found := evalJS[string](p, "full ID numbers in "+where, `(() => {
		const m = document.documentElement.outerHTML.match(`+fullIDJS+`);
		return m ? m[0] : '';
	})()`)
	if found != "" {
		p.t.Errorf("%s: the page holds a whole ID number %q; lists and pages must show masked values", where, strings.Trim(found, "<>\" "))
	}
}

// catchDownloads makes the console's downloads (a blob: link clicked by
// api.js) land in window.__downloads as {name, href, text} instead of on
// disk, so the test can read what the user would have saved. The blob is
// read as it is made: the page's CSP rightly forbids fetching blob: URLs.
func (p *page) catchDownloads() {
	p.t.Helper()
	evalJS[bool](p, "catch downloads", `(() => {
		window.__downloads = [];
		const blobs = new Map();
		const create = URL.createObjectURL.bind(URL);
		URL.createObjectURL = (b) => { const u = create(b); blobs.set(u, b); return u; };
		HTMLAnchorElement.prototype.click = function () {
			const entry = { name: this.download, href: this.href, text: null };
			window.__downloads.push(entry);
			const b = blobs.get(this.href);
			if (b) b.text().then(t => { entry.text = t; });
			else entry.text = '';
		};
		return true;
	})()`)
}

// withRegisters starts gridgov with the county demo and its base registers
// (two grids per village, loaded through the registers' own import): the
// registers of the demo's first county, countyCode.
func withRegisters(t *testing.T) *testapp.App {
	t.Helper()
	return testapp.NewWithRegisters(t)
}

// exportCSV opens a list's 导出 menu and chooses CSV, once the menu has
// stopped moving (a click on a moving item is lost).
func (p *page) exportCSV(list string) {
	p.t.Helper()
	p.settle() // a list still loading lies under its mask: a click there is lost
	p.click(list + " .export-button")
	p.waitFor("the export menu", `(() => {
		const item = [...document.querySelectorAll('.export-csv')].find(e => e.offsetParent !== null);
		return !!item && document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity);
	})()`, `document.querySelectorAll('.export-csv').length`)
	p.click(".export-csv")
}

// noMessageBox waits until no message box (or its fading overlay) covers the page.
func (p *page) noMessageBox() {
	p.t.Helper()
	p.waitFor("the message box to close", `[...document.querySelectorAll('.el-message-box, .el-overlay.is-message-box')].every(e => e.offsetParent === null)`,
		`document.querySelectorAll('.el-message-box').length`)
}

// download is one file the console handed to the user.
type download struct {
	Name string `json:"name"`
	Href string `json:"href"`
	Text string `json:"text"`
}

// waitDownload waits for the n-th (0-based) caught download and returns it.
func (p *page) waitDownload(n int) download {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("download #%d", n+1), fmt.Sprintf(`(window.__downloads || []).length > %d && window.__downloads[%d].text !== null`, n, n),
		`JSON.stringify((window.__downloads || []).map(d => d.name))`)
	return evalJS[download](p, "the download", fmt.Sprintf(`window.__downloads[%d]`, n))
}

// regPerson is the part of a person the tests use.
type regPerson struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	IDMasked    string `json:"id_number_masked"`
	Age         *int   `json:"age"`
	HouseholdNo string `json:"household_no"`
	Members     []struct {
		ID string `json:"id"`
	} `json:"household_members"`
	KeyPersons []struct {
		ID       string `json:"id"`
		Category string `json:"category"`
	} `json:"key_persons"`
}

type regKeyPerson struct {
	ID         string `json:"id"`
	PersonID   string `json:"person_id"`
	PersonName string `json:"person_name"`
	Category   string `json:"category"`
	Light      string `json:"light"`
	Last       *int64 `json:"last_visit_at"`
}

// TestRegistryImport imports a people sheet in the console with "only the
// valid rows": one row's ID number has a wrong check digit. The progress
// reaches done, the outcome shows 3 read, 2 imported, 1 rejected, and the
// error report downloads (through the session, as a blob) with the 错误原因
// column naming the bad row; the two good people are in the register.
func TestRegistryImport(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	api := app.Login("grid_member")

	birth := time.Date(1990, 3, 15, 0, 0, 0, 0, time.UTC)
	good1, good2 := pii.MakeID("110101", birth, 11, true), pii.MakeID("110101", birth, 12, false)
	bad := pii.MakeID("110101", birth, 13, true)
	wrong := "0"
	if bad[17] == '0' {
		wrong = "1"
	}
	bad = bad[:17] + wrong
	csv := "姓名,公民身份号码,人口类型,联系电话,居住地址,网格编码\n" +
		"导入甲," + good1 + ",户籍人口,13800138001,下城社区测试路1号," + memberGrid + "\n" +
		"导入乙," + bad + ",户籍人口,13800138002,下城社区测试路1号," + memberGrid + "\n" +
		"导入丙," + good2 + ",流动人口,13800138003,下城社区测试路3号," + memberGrid + "\n"
	file := filepath.Join(t.TempDir(), "人口导入.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")
	p.open("/registry-import")
	p.visible("#imp-form")
	p.catchDownloads()
	p.click(`#imp-kind label:has(input[value="people"])`)
	p.click(`#imp-mode label:has(input[value="valid"])`)
	p.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#imp-file"), []string{file}))
	p.waitText("#imp-file-name", "人口导入.csv")
	p.noRawKeys("import form")
	p.shot("registry-01-import-form")
	p.click("#imp-start")

	p.visible("#imp-job")
	p.waitFor("the import to finish", `document.querySelector('#imp-job')?.dataset.status === 'done'`,
		`document.querySelector('#imp-job')?.dataset.status`)
	if st := evalJS[string](p, "progress", `document.querySelector('#imp-progress').dataset.status`); st != "done" {
		t.Errorf("progress bar status %q, want done", st)
	}
	for sel, want := range map[string]string{"#imp-read": "3", "#imp-imported": "2", "#imp-rejected": "1"} {
		if got := p.text(sel); got != want {
			t.Errorf("%s shows %q, want %s", sel, got, want)
		}
	}
	p.noRawKeys("import outcome")
	p.shot("registry-02-import-outcome")

	// The error report: the rejected row only, with its row number and reason.
	p.click("#imp-errors")
	d := p.waitDownload(0)
	if !strings.HasPrefix(d.Href, "blob:") {
		t.Errorf("the error report came from %q, want a blob made from a fetch with the session", d.Href)
	}
	if !strings.HasSuffix(d.Name, "错误原因.csv") {
		t.Errorf("error report named %q, want …错误原因.csv", d.Name)
	}
	for _, want := range []string{"错误原因", "原行号", "导入乙", bad} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("the error report lacks %q:\n%s", want, d.Text)
		}
	}
	for _, notWant := range []string{"导入甲", "导入丙"} {
		if strings.Contains(d.Text, notWant) {
			t.Errorf("the error report holds the good row %s:\n%s", notWant, d.Text)
		}
	}

	// The register has the two good people and not the bad one.
	for id, want := range map[string]int{good1: 1, good2: 1} {
		var out struct{ Items []regPerson }
		if st := api.Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": id}, &out); st != 200 || len(out.Items) != want {
			t.Errorf("lookup of an imported ID: status %d, %d people, want %d", st, len(out.Items), want)
		}
	}
}

// TestRegistryPersonAndReveal checks masking and the audited reveal: the
// people list and a key person's page show no whole ID number; 查看完整信息
// refuses to show anything without a reason, then shows the full values in
// its dialog only; the audit log has the reveal with the reason and without
// the value; a leader (no reveal permission) gets no such button.
func TestRegistryPersonAndReveal(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	zh := messages(t, app.Anon(), "zh-CN")

	var kps struct{ Items []regKeyPerson }
	if st := api.Do("GET", "/api/v1/key-persons?limit=50", nil, &kps); st != 200 || len(kps.Items) == 0 {
		t.Fatalf("GET /key-persons: %d, %d items; the demo should give the grid member key persons", st, len(kps.Items))
	}
	var person regPerson
	if st := api.Do("GET", "/api/v1/people/"+kps.Items[0].PersonID, nil, &person); st != 200 {
		t.Fatalf("GET /people/%s: %d", kps.Items[0].PersonID, st)
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")

	// The list: masked values only.
	p.open("/people")
	p.visible("#people-table .person-row")
	masked := evalJS[int](p, "masked IDs", `(document.querySelector('#people-table').innerText.match(/[0-9]{6}\*{12}/g) || []).length`)
	if masked == 0 {
		t.Error("the people list shows no masked ID numbers")
	}
	p.noFullIDs("people list")
	p.noRawKeys("people list")
	p.shot("registry-03-people")

	// A row's name opens the person's page.
	first := evalJS[string](p, "first person", `document.querySelector('#people-table .person-link').dataset.personId`)
	p.click("#people-table .person-link")
	p.waitFor("the first person's page", fmt.Sprintf(`document.querySelector('#person-detail')?.dataset.personId === %s`, jsString(first)),
		`location.hash`)

	// The key person's page: flags, household, history; nothing unmasked.
	p.open("/people/" + person.ID)
	p.waitFor("the person's page", fmt.Sprintf(`document.querySelector('#person-detail')?.dataset.personId === %s`, jsString(person.ID)), `location.hash`)
	p.waitText("#person-detail .person-name", person.Name)
	p.waitText("#person-id-masked", person.IDMasked)
	if person.Age == nil {
		t.Fatalf("the API gives no age for %s", person.Name)
	}
	p.waitText("#person-age", strconv.Itoa(*person.Age))
	p.waitText("#person-detail .flag-key", zh["pii.category."+person.KeyPersons[0].Category])
	p.visible("#person-key-persons .visit-light")
	if n := evalJS[int](p, "members", `document.querySelectorAll('#person-members .side-row').length`); n != len(person.Members) {
		t.Errorf("the page lists %d household members, the API %d", n, len(person.Members))
	}
	if person.HouseholdNo != "" {
		p.waitText("#person-household", person.HouseholdNo)
	}
	p.visible(`#person-history .history-item[data-action="imported"]`)
	p.noFullIDs("person page")
	p.noRawKeys("person page")
	p.shot("registry-04-person")

	// 查看完整信息: no reason, nothing shown.
	p.click("#person-reveal")
	p.visible("#reveal-reason")
	p.settle() // a click on the opening (moving) dialog is lost
	p.click("#reveal-confirm")
	p.waitText("#reveal-form", zh["ui.reg.reveal_reason_short"])
	if evalJS[bool](p, "result", `!!document.querySelector('#reveal-result')`) {
		t.Fatal("the dialog showed values without a reason")
	}
	reason := "入户核实身份信息（测试）"
	p.typeInto("#reveal-reason", reason)
	p.shot("registry-05-reveal-reason")
	p.click("#reveal-confirm")
	p.visible("#reveal-result .reveal-id")
	full := p.text("#reveal-result .reveal-id")
	info, err := pii.ParseID("id", full)
	if err != nil || pii.MaskID(full) != person.IDMasked {
		t.Fatalf("the dialog shows %q for masked %q: want the whole, valid ID number (%v)", full, person.IDMasked, err)
	}
	// The birth date only here, in the revealed (audited) view.
	p.waitText("#reveal-result .reveal-birth", info.Birth.Format("2006-01-02"))
	p.shot("registry-06-revealed")
	where := evalJS[string](p, "URL and storage", `location.href + ' ' + JSON.stringify(localStorage) + ' ' + JSON.stringify(sessionStorage)`)
	if strings.Contains(where, full) {
		t.Errorf("the ID number leaked into the URL or storage: %s", where)
	}
	p.click("#reveal-close")
	p.waitFor("the dialog to close", `!document.querySelector('#reveal-result')`, "")
	p.noFullIDs("person page after the reveal")
	if evalJS[bool](p, "birth date on the page", fmt.Sprintf(`document.documentElement.outerHTML.includes(%s)`, jsString(info.Birth.Format("2006-01-02")))) {
		t.Errorf("the person's page shows the birth date outside the reveal")
	}

	// The audit log has the reveal: who, which fields, why; never the value.
	audit := app.Login("audit_admin")
	var log struct {
		Items []struct {
			Username string `json:"username"`
			Action   string `json:"action"`
			ObjectID string `json:"object_id"`
			Detail   string `json:"detail"`
		}
	}
	q := url.Values{"action": {"registry.person_reveal"}, "object_id": {person.ID}}
	if st := audit.Do("GET", "/api/v1/audit?"+q.Encode(), nil, &log); st != 200 {
		t.Fatalf("GET /audit: %d", st)
	}
	found := false
	for _, e := range log.Items {
		if strings.Contains(e.Detail, full) {
			t.Errorf("the audit row holds the revealed value: %q", e.Detail)
		}
		if e.Username == app.Account("grid_member").Username && e.ObjectID == person.ID && strings.Contains(e.Detail, reason) && strings.Contains(e.Detail, "id_number") {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit row of the reveal with its reason; rows: %+v", log.Items)
	}

	// The key persons list is masked too.
	p.open("/key-persons")
	p.visible("#kp-table .kp-row")
	p.noFullIDs("key persons list")

	// A leader reads the register but may not reveal.
	p.logout()
	p.loginAs(app, "leader")
	p.open("/people/" + person.ID)
	p.waitText("#person-detail .person-name", person.Name)
	if evalJS[bool](p, "reveal button", `!!document.querySelector('#person-reveal')`) {
		t.Error("the leader, without personal.reveal, sees 查看完整信息")
	}
	if evalJS[bool](p, "key person flag", `!!document.querySelector('#person-detail .flag-key')`) {
		t.Error("the leader, granted no key-person category, sees the person's key-person record")
	}
	p.noFullIDs("person page for the leader")
}

// TestRegistryKeyPersonVisit registers two key persons through the API and
// backdates their last visits: one by the police eight days ago (a 7-day
// period: overdue, red), one by the grid member six days ago (due within
// the last fifth: yellow). The list and the visit tasks show them red and
// yellow, red first; the key person's page shows the police follow-up on
// the shared record; recording a visit in the console turns it green.
func TestRegistryKeyPersonVisit(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	api := app.Login("grid_member")
	police := app.Login("police")
	zh := messages(t, app.Anon(), "zh-CN")

	var people struct{ Items []regPerson }
	if st := api.Do("GET", "/api/v1/people?limit=100", nil, &people); st != 200 {
		t.Fatalf("GET /people: %d", st)
	}
	var existing struct{ Items []regKeyPerson }
	api.Do("GET", "/api/v1/key-persons?limit=200", nil, &existing)
	taken := map[string]bool{}
	for _, k := range existing.Items {
		taken[k.PersonID] = true
	}
	var free []regPerson
	for _, ps := range people.Items {
		if !taken[ps.ID] {
			free = append(free, ps)
		}
	}
	if len(free) < 2 {
		t.Fatalf("want two people without a key-person record, have %d", len(free))
	}
	register := func(personID string) regKeyPerson {
		t.Helper()
		var k regKeyPerson
		if st := api.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": personID, "category": "key_petitioner", "risk_level": "red"}, &k); st != 201 {
			t.Fatalf("POST /key-persons: %d", st)
		}
		return k
	}
	visit := func(c *testapp.Client, kpID string, daysAgo int, note string) {
		t.Helper()
		at := time.Now().Add(-time.Duration(daysAgo) * 24 * time.Hour).UnixMilli()
		if st := c.Do("POST", "/api/v1/key-persons/"+kpID+"/visits", map[string]any{"method": "phone", "note": note, "at": at}, nil); st != 200 {
			t.Fatalf("POST visit: %d", st)
		}
	}
	red, yellow := register(free[0].ID), register(free[1].ID)
	visit(police, red.ID, 8, "派出所电话随访，情绪平稳")
	visit(api, yellow.ID, 6, "电话回访")
	for id, want := range map[string]string{red.ID: "red", yellow.ID: "yellow"} {
		var k regKeyPerson
		if api.Do("GET", "/api/v1/key-persons/"+id, nil, &k); k.Light != want {
			t.Fatalf("key person %s is %q after the backdated visit, want %s", id, k.Light, want)
		}
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")

	// The list: red and yellow lights.
	p.open("/key-persons")
	light := func(table, rowClass string) string {
		return evalJS[string](p, "light of "+rowClass, fmt.Sprintf(`document.querySelector('%s .%s .visit-light')?.dataset.light || ''`, table, rowClass))
	}
	p.visible("#kp-table .kp-" + red.ID)
	p.visible("#kp-table .kp-" + yellow.ID)
	if got := light("#kp-table", "kp-"+red.ID); got != "red" {
		t.Errorf("the overdue key person shows light %q, want red", got)
	}
	if got := light("#kp-table", "kp-"+yellow.ID); got != "yellow" {
		t.Errorf("the key person due soon shows light %q, want yellow", got)
	}
	p.waitText("#kp-table .kp-"+red.ID, "已逾期")
	p.noRawKeys("key persons")
	p.shot("registry-07-key-persons")

	// The visit tasks: both, every red one before every yellow one.
	p.open("/visit-tasks")
	p.visible("#tasks-table .task-" + red.ID)
	p.visible("#tasks-table .task-" + yellow.ID)
	order := evalJS[[]string](p, "task lights", `[...document.querySelectorAll('#tasks-table .task-row .visit-light')].map(e => e.dataset.light)`)
	seenYellow := false
	for _, l := range order {
		if l == "yellow" {
			seenYellow = true
		}
		if l == "red" && seenYellow {
			t.Errorf("visit tasks %v: an overdue task after one due soon", order)
			break
		}
	}
	p.noRawKeys("visit tasks")
	p.shot("registry-08-visit-tasks")

	// The shared record: the police follow-up is there; a visit turns it green.
	p.open("/key-persons/" + red.ID)
	p.waitFor("the red key person", `document.querySelector('#kp-detail')?.dataset.light === 'red'`, `document.querySelector('#kp-detail')?.dataset.light`)
	p.waitText(`#kp-visits .visit-agency[data-agency="police"]`, zh["ui.reg.agency.police"])
	p.waitText("#kp-visits", "派出所电话随访")
	// The page may still re-render after its data arrived: click until the form is open.
	p.waitFor("the visit form", `!!document.querySelector('#visit-note')?.offsetParent || (document.querySelector('#kp-visit')?.click(), false)`, `'closed'`)
	p.visible("#visit-note")
	p.click(`#visit-method label:has(input[value="home"])`)
	p.typeInto("#visit-note", "入户走访，本人在家，情况稳定")
	p.shot("registry-09-visit-form")
	p.click("#visit-save")
	p.waitFor("the key person to turn green", `document.querySelector('#kp-detail')?.dataset.light === 'green'`,
		`document.querySelector('#kp-detail')?.dataset.light`)
	p.visible(`#kp-visits .visit-agency[data-agency="grid"]`)
	p.visible(`#kp-visits .visit-agency[data-agency="police"]`)
	p.waitText("#kp-visits", "入户走访，本人在家")
	p.waitText("#kp-due", "天后到期")
	p.noRawKeys("key person page")
	p.shot("registry-10-visited")

	var after regKeyPerson
	if api.Do("GET", "/api/v1/key-persons/"+red.ID, nil, &after); after.Light != "green" || after.Last == nil || time.Since(time.UnixMilli(*after.Last)) > time.Hour {
		t.Errorf("after the visit the API says light %q, last visit %v; want green, just now", after.Light, after.Last)
	}
	// And the list agrees.
	p.open("/key-persons")
	p.visible("#kp-table .kp-" + red.ID)
	if got := light("#kp-table", "kp-"+red.ID); got != "green" {
		t.Errorf("after the visit the list shows light %q, want green", got)
	}
}

// TestRegistryExportApproval exports from the lists with the approval
// threshold at 20 rows: the grid member's 12 houses are ready at once and
// download masked and watermarked; the 37 people wait for a second person;
// the leader approves on 导出审批; the grid member then downloads them there,
// masked, with the approver in the watermark.
func TestRegistryExportApproval(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	sec := app.Login("sec_admin")
	if st := sec.Do("PUT", "/api/v1/registry/settings", map[string]int{"export_approval_rows": 20, "retention_days": 1825, "error_sheet_days": 7}, nil); st != 200 {
		t.Fatalf("PUT /registry/settings: %d", st)
	}
	zh := messages(t, app.Anon(), "zh-CN")

	p := newPage(t, app.URL)
	p.loginAs(app, "grid_member")

	// A small list: ready at once.
	p.open("/houses")
	p.visible("#houses-table .el-table__row")
	p.catchDownloads()
	p.exportCSV(".houses-page")
	houses := p.waitDownload(0)
	if !strings.HasPrefix(houses.Href, "blob:") || !strings.HasSuffix(houses.Name, ".csv") {
		t.Errorf("houses export %q from %q, want a .csv from a blob", houses.Name, houses.Href)
	}
	for _, want := range []string{"仅限工作使用", "标准地址", "****"} {
		if !strings.Contains(houses.Text, want) {
			t.Errorf("the houses export lacks %q:\n%.400s", want, houses.Text)
		}
	}
	if regexp.MustCompile(`(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)`).MatchString(houses.Text) {
		t.Errorf("the houses export holds a whole phone number:\n%.400s", houses.Text)
	}

	// A larger one: awaits approval.
	p.open("/people")
	p.visible("#people-table .person-row")
	p.exportCSV(".people-page")
	p.waitText(".el-message-box", zh["ui.export.pending_title"])
	p.shot("registry-11-export-pending")
	p.click(".el-message-box__btns .el-button--primary") // 查看导出审批
	p.waitFor("the exports page", `location.hash.startsWith('#/exports')`, `location.hash`)
	p.noMessageBox()
	p.visible("#exports-table .export-pending")
	if evalJS[bool](p, "own approve button", `!!document.querySelector('#exports-table .export-approve')`) {
		t.Error("the requester is offered to approve their own export")
	}

	// The leader approves it.
	p.logout()
	p.loginAs(app, "leader")
	p.open("/exports")
	p.visible("#exports-table .export-approve")
	p.noRawKeys("exports awaiting approval")
	p.shot("registry-12-export-approve")
	p.click("#exports-table .export-approve")
	p.click(".el-message-box__btns .el-button--primary")
	p.waitFor("the request to leave the leader's queue", `!document.querySelector('#exports-table .export-approve')`, "")
	p.noMessageBox()

	// The grid member downloads it.
	p.logout()
	p.loginAs(app, "grid_member")
	p.open("/exports")
	p.visible("#exports-table .export-approved .export-download")
	p.settle()
	p.catchDownloads()
	p.click("#exports-table .export-approved .export-download")
	people := p.waitDownload(0)
	leader := evalJS[string](p, "approver", `document.querySelector('#exports-table .export-approved .decider')?.innerText || ''`)
	if leader == "" || !strings.Contains(people.Text, leader) {
		t.Errorf("the approved export's watermark does not name the approver %q:\n%.300s", leader, people.Text)
	}
	if !regexp.MustCompile(`[0-9]{6}\*{12}`).MatchString(people.Text) {
		t.Errorf("the people export has no masked ID numbers:\n%.400s", people.Text)
	}
	if regexp.MustCompile(`(^|[^0-9A-Za-z])[0-9]{17}[0-9X]([^0-9A-Za-z]|$)`).MatchString(people.Text) {
		t.Error("the people export holds a whole ID number")
	}
	p.shot("registry-13-export-approved")
}

// A town's verification campaign: the launch form names its missing fields;
// a grid member records a house as checked, cannot record one as gone
// without saying why, and the totals follow.
func TestRegistryCampaign(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := withRegisters(t)
	zh := messages(t, app.Anon(), "zh-CN")
	var gridID, townID string
	err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT g.id, o.parent_id FROM grids g JOIN grid_members m ON m.grid_id = g.id
		JOIN users u ON u.id = m.user_id JOIN org_nodes o ON o.id = g.org_id WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`,
		app.Account("grid_member").Username).Scan(&gridID, &townID)
	if err != nil {
		t.Fatal(err)
	}

	p := newPage(t, app.URL)
	p.loginAs(app, "leader")
	p.open("/campaigns")
	p.click("#campaign-launch")
	p.settle() // a click on the opening (moving) dialog is lost
	p.click("#campaign-launch-ok")
	p.waitText(".el-dialog .el-form-item__error", zh["registry.required"])
	if errs := evalJS[int](p, "form errors", `document.querySelectorAll('.el-dialog .el-form-item__error').length`); errs != 3 {
		t.Errorf("the empty launch form shows %d field errors, want 3 (name, area, due date)", errs)
	}
	p.shot("registry-14-campaign-launch-errors")
	p.click("#campaign-launch-cancel")
	p.waitFor("the launch form to close", `![...document.querySelectorAll('.el-overlay')].some(e => getComputedStyle(e).display !== 'none')`, "")
	p.logout()

	var c struct {
		ID    string `json:"id"`
		Total int    `json:"total"`
	}
	body := map[string]any{"name": "出租屋集中核查", "kind": "houses", "org_id": townID, "grid_ids": []string{gridID}, "due_date": time.Now().AddDate(0, 1, 0).Format("2006-01-02")}
	if st := app.Login("leader").Do("POST", "/api/v1/campaigns", body, &c); st != 201 || c.Total == 0 {
		t.Fatalf("launch: %d %+v", st, c)
	}

	p.loginAs(app, "grid_member")
	p.open("/campaigns")
	p.waitText("#campaigns-table", "出租屋集中核查")
	p.open("/campaigns/" + c.ID)
	p.visible("#campaign-items .el-table__row")
	p.waitText("#campaign-totals .total-pending", strconv.Itoa(c.Total))

	// checked: the first row's result turns 核实无误
	p.click("#campaign-items .el-table__row:first-child .item-checked")
	p.visible(".el-message-box__input input")
	p.click(".el-message-box__btns .el-button--primary")
	p.noMessageBox()
	p.waitText("#campaign-items .el-table__row:first-child .item-result", zh["ui.campaign.result.checked"])
	p.waitText("#campaign-totals .total-checked", "1")

	// gone needs a reason: the box stays open with the message
	p.click("#campaign-items .el-table__row:nth-child(2) .item-gone")
	p.visible(".el-message-box__input input")
	p.settle() // a click during the box's opening animation can miss the button
	p.click(".el-message-box__btns .el-button--primary")
	p.waitText(".el-message-box__errormsg", zh["ui.campaign.gone_needs_note"])
	p.shot("registry-15-campaign-gone-needs-note")
	p.typeInto(".el-message-box__input input", "已拆除")
	p.click(".el-message-box__btns .el-button--primary")
	p.noMessageBox()
	p.waitText("#campaign-items .el-table__row:nth-child(2) .item-result", zh["ui.campaign.result.gone"])
	p.waitText("#campaign-totals .total-gone", "1")
	p.noRawKeys("campaign page")
	p.shot("registry-16-campaign")
}
