package casework_test

import (
	"bytes"
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/testapp"
)

// sheetRows opens an xlsx answer and returns its first sheet's rows: the
// watermark line, the header, then the data.
func sheetRows(t *testing.T, r testapp.Response) (sheets []string, rows [][]string) {
	t.Helper()
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export answer: %d %v %.300s", r.Status, r.Header, r.Body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("not an xlsx file: %v", err)
	}
	defer x.Close()
	sheets = x.GetSheetList()
	rows, err = x.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	return sheets, rows
}

// listNos pages through the list with the same filters and returns the
// event numbers.
func listNos(t *testing.T, c *testapp.Client, filters url.Values) []string {
	t.Helper()
	var nos []string
	cursor := ""
	for {
		var page struct {
			Items []struct {
				No string `json:"no"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		q := url.Values{}
		for k, v := range filters {
			q[k] = v
		}
		q.Set("limit", "200")
		q.Set("cursor", cursor)
		if st := c.Do("GET", "/api/v1/events?"+q.Encode(), nil, &page); st != 200 {
			t.Fatalf("list: %d", st)
		}
		for _, e := range page.Items {
			nos = append(nos, e.No)
		}
		if page.NextCursor == "" {
			return nos
		}
		cursor = page.NextCursor
	}
}

// otherVillage is the centre of a grid outside the grid member's village.
func otherVillage(t *testing.T, a *testapp.App) (lat, lng float64) {
	t.Helper()
	if err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT g.center_lat, g.center_lng FROM grids g WHERE g.layer = 'zz' AND g.path NOT LIKE
		(SELECT o.path FROM org_nodes o JOIN users u ON u.org_id = o.id WHERE u.username = ?) || '%' ORDER BY g.code LIMIT 1`,
		a.Account("grid_member").Username).Scan(&lat, &lng); err != nil {
		t.Fatal(err)
	}
	return lat, lng
}

// exportEvents reports the events the export and map tests read: two
// hotline calls (one in the grid member's village, with the caller's name
// and numbers, one in another village) and two of the grid member's own
// (one closed on the spot).
func exportEvents(t *testing.T, a *testapp.App) (own, other, open, closed event) {
	t.Helper()
	intake, gm := a.Login("intake"), a.Login("grid_member")
	lat, lng := otherVillage(t, a)
	for _, r := range []struct {
		c    *testapp.Client
		body map[string]any
		into *event
	}{
		{intake, report(a, map[string]any{"channel": "hotline", "reporter_name": "王小明", "reporter_phone": "13912345678",
			"description": "来电人称楼道堆放杂物堵塞消防通道，回电13912345678，身份证441602199001011234"}), &own},
		{intake, report(a, map[string]any{"channel": "hotline", "lat": lat, "lng": lng, "description": "另一村的路灯不亮"}), &other},
		{gm, report(a, nil), &open},
		{gm, report(a, map[string]any{"self_resolved": true, "description": "井盖松动，已现场复位"}), &closed},
	} {
		if st := r.c.Do("POST", "/api/v1/events", r.body, r.into); st != 201 {
			t.Fatalf("report %v: %d", r.body, st)
		}
	}
	if closed.State != "closed" {
		t.Fatalf("self-resolved: %+v", closed)
	}
	return own, other, open, closed
}

// The event list exports as a real workbook with the list's filters and
// scope: the same events as the list, a reporter's name and the numbers in
// a description masked, the file watermarked and the export audited
// without the rows.
func TestEventListExport(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	intake, gm := a.Login("intake"), a.Login("grid_member")
	e, other, _, closed := exportEvents(t, a)
	zh := map[string]string{"Accept-Language": "zh-CN"}

	// One event found by its number: masked name, masked numbers, the watermark.
	r := intake.RawWith("GET", "/api/v1/events/export?q="+e.No, "", nil, zh)
	sheets, rows := sheetRows(t, r)
	if len(rows) != 3 || sheets[0] != "事件办理" {
		t.Fatalf("one event: sheets %v, %d rows: %v", sheets, len(rows), rows)
	}
	if !strings.Contains(rows[0][0], a.Account("intake").Username) || !strings.Contains(rows[0][0], "q="+e.No) {
		t.Errorf("watermark line: %q", rows[0][0])
	}
	head, row := rows[1], rows[2]
	col := func(title string) string {
		i := slices.Index(head, title)
		if i < 0 || i >= len(row) {
			t.Fatalf("no column %s in %v", title, head)
		}
		return row[i]
	}
	if col("事件编号") != e.No || col("状态") != "待受理" || col("来源渠道") != "12345热线" {
		t.Errorf("row: %v", row)
	}
	if col("上报人") != "王**" {
		t.Errorf("reporter not masked: %q", col("上报人"))
	}
	desc := col("事件描述")
	if strings.Contains(desc, "13912345678") || strings.Contains(desc, "199001011234") || !strings.Contains(desc, "139****5678") || !strings.Contains(desc, "441602") {
		t.Errorf("description not masked: %q", desc)
	}
	if bytes.Contains(r.Body, []byte("13912345678")) || bytes.Contains(r.Body, []byte("王小明")) {
		t.Error("the file holds the phone number or the full name somewhere")
	}
	// English headers and names for an English caller.
	if _, rows := sheetRows(t, intake.RawWith("GET", "/api/v1/events/export?q="+e.No, "", nil, map[string]string{"Accept-Language": "en"})); rows[1][0] != "No." ||
		!slices.Contains(rows[2], "12345 hotline") {
		t.Errorf("English sheet: %v", rows[1:])
	}

	// The audit log has the export with its filters and count, not the rows.
	var detail, user string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT detail, username FROM audit_log WHERE action = 'event.export' ORDER BY seq DESC LIMIT 1").
		Scan(&detail, &user); err != nil {
		t.Fatal(err)
	}
	if user != a.Account("intake").Username || !strings.HasPrefix(detail, "rows 1 ") || strings.Contains(detail, "来电") {
		t.Errorf("audit row: %s %q", user, detail)
	}

	// The area filter is named on the watermark line.
	var roots struct{ Items []struct{ ID, Name string } }
	intake.Do("GET", "/api/v1/org/roots", nil, &roots)
	if _, rows := sheetRows(t, intake.Raw("GET", "/api/v1/events/export?org_id="+roots.Items[0].ID, "", nil)); !strings.Contains(rows[0][0], "org="+roots.Items[0].Name) || len(rows) != 6 {
		t.Errorf("area filter: %q, %d rows", rows[0][0], len(rows))
	}

	// Filters: the file holds exactly the list's events.
	for _, filters := range []url.Values{{"channel": {"grid"}}, {"state": {"closed"}, "channel": {"grid"}}, {"state": {"open"}}, {"category": {"01"}}} {
		want := listNos(t, intake, filters)
		_, rows = sheetRows(t, intake.Raw("GET", "/api/v1/events/export?"+filters.Encode(), "", nil))
		var got []string
		for _, r := range rows[2:] {
			got = append(got, r[0])
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%v: export %v, list %v", filters, got, want)
		}
	}
	if _, rows := sheetRows(t, intake.Raw("GET", "/api/v1/events/export?state=closed", "", nil)); len(rows) != 3 || rows[2][0] != closed.No {
		t.Errorf("closed events: %v", rows[2:])
	}

	// Scope: the grid member's export holds only what their list holds; an
	// event of another village is not in it.
	if _, rows := sheetRows(t, gm.Raw("GET", "/api/v1/events/export?q="+other.No, "", nil)); len(rows) != 2 {
		t.Errorf("another village's event in the grid member's export: %v", rows[2:])
	}
	if _, rows := sheetRows(t, intake.Raw("GET", "/api/v1/events/export?q="+other.No, "", nil)); len(rows) != 3 {
		t.Errorf("the county's intake desk does not find %s: %d rows", other.No, len(rows))
	}
	_, rows = sheetRows(t, gm.Raw("GET", "/api/v1/events/export", "", nil))
	if want := listNos(t, gm, url.Values{}); len(rows)-2 != len(want) || len(want) != 3 {
		t.Errorf("grid member's export %d rows, list %d", len(rows)-2, len(want))
	}

	// A bad filter names its field; a resident exports their own reports only.
	if p := intake.Fail("GET", "/api/v1/events/export?light=purple", nil); p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != "light" {
		t.Errorf("bad light: %+v", p)
	}
	if p := intake.Fail("GET", "/api/v1/events/export?from=yesterday", nil); p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != "from" {
		t.Errorf("bad from: %+v", p)
	}
	if _, rows := sheetRows(t, a.Login("resident").Raw("GET", "/api/v1/events/export", "", nil)); len(rows) != 2 {
		t.Errorf("a resident exports others' reports: %v", rows[2:])
	}
	if r := a.Anon().Raw("GET", "/api/v1/events/export", "", nil); r.Status != 401 {
		t.Errorf("anonymous export: %d", r.Status)
	}
}

// The list's map shows the list's events with a position, in scope.
func TestEventListPoints(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, leader := a.Login("grid_member"), a.Login("leader")
	own, other, open, closed := exportEvents(t, a)
	type points struct {
		Items []struct {
			ID, No, State, Light string
			Lat, Lng             float64
		} `json:"items"`
		Capped bool `json:"capped"`
		Max    int  `json:"max"`
	}
	ids := func(p points) []string {
		var out []string
		for _, it := range p.Items {
			out = append(out, it.ID)
		}
		return out
	}
	var p points
	if st := gm.Do("GET", "/api/v1/events/points?q="+open.No, nil, &p); st != 200 || len(p.Items) != 1 || p.Items[0].ID != open.ID ||
		p.Items[0].Light != "green" || p.Items[0].Lat != a.Demo.Center.Lat || p.Capped || p.Max != casework.MaxMapPoints {
		t.Fatalf("one point: %d %+v", st, p)
	}
	// The list's filters, newest first; closed events too, without a light.
	leader.Do("GET", "/api/v1/events/points?channel=hotline", nil, &p)
	if !slices.Equal(ids(p), []string{other.ID, own.ID}) {
		t.Errorf("leader's hotline points: %+v", p.Items)
	}
	leader.Do("GET", "/api/v1/events/points?state=closed", nil, &p)
	if !slices.Equal(ids(p), []string{closed.ID}) || p.Items[0].Light != "none" {
		t.Errorf("closed points: %+v", p.Items)
	}
	// The grid member's map has no event of another village.
	gm.Do("GET", "/api/v1/events/points?channel=hotline", nil, &p)
	if !slices.Equal(ids(p), []string{own.ID}) {
		t.Errorf("grid member's hotline points: %+v", p.Items)
	}
	if pr := gm.Fail("GET", "/api/v1/events/points?light=blue", nil); pr.Status != 400 || pr.Errors[0].Field != "light" {
		t.Errorf("bad light: %+v", pr)
	}
}

// The dashboard's tables export as a workbook of four sheets whose total
// rows are the dashboard's totals.
func TestDashboardExport(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	exportEvents(t, a)
	leader := a.Login("leader")
	var roots struct{ Items []struct{ ID, Name string } }
	leader.Do("GET", "/api/v1/org/roots", nil, &roots)
	var d struct {
		Totals struct {
			Received int `json:"received"`
		} `json:"totals"`
		ByArea []struct{ Name string } `json:"by_area"`
	}
	if st := leader.Do("GET", "/api/v1/dashboard?org_id="+roots.Items[0].ID, nil, &d); st != 200 || d.Totals.Received == 0 {
		t.Fatalf("dashboard: %d %+v", st, d)
	}
	r := leader.RawWith("GET", "/api/v1/dashboard/export?org_id="+roots.Items[0].ID, "", nil, map[string]string{"Accept-Language": "zh-CN"})
	sheets, rows := sheetRows(t, r)
	if !slices.Equal(sheets, []string{"分区域", "分类别", "分渠道", "分月份"}) {
		t.Fatalf("sheets: %v", sheets)
	}
	if !strings.Contains(rows[0][0], a.Account("leader").Username) || !strings.Contains(rows[0][0], roots.Items[0].Name) {
		t.Errorf("watermark: %q", rows[0][0])
	}
	if len(rows) != 2+len(d.ByArea)+1 || rows[2][0] != d.ByArea[0].Name {
		t.Errorf("area rows: %d for %d areas: %v", len(rows), len(d.ByArea), rows[:3])
	}
	last := rows[len(rows)-1]
	if last[0] != "合计" || last[1] != strconv.Itoa(d.Totals.Received) {
		t.Errorf("total row %v, dashboard received %d", last, d.Totals.Received)
	}
	// The county is not the grid member's to export.
	if p := a.Login("grid_member").Fail("GET", "/api/v1/dashboard/export?org_id="+roots.Items[0].ID, nil); p.Status != 400 || p.Errors[0].Field != "org_id" {
		t.Errorf("grid member exports the county's dashboard: %+v", p)
	}
	if p := leader.Fail("GET", "/api/v1/dashboard/export?org_id="+roots.Items[0].ID+"&from=2026-05-01T00:00:00Z&to=2025-01-01T00:00:00Z", nil); p.Status != 400 || p.Errors[0].Field != "to" {
		t.Errorf("a window ending before it starts: %+v", p)
	}
}
