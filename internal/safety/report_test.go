package safety_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/xuri/excelize/v2"
)

// A unit reports its figures town by town — by the form or by the
// spreadsheet — with clear errors; another unit cannot see them; the
// committee sees each unit's light; the month's index counts them; a
// published month's report is frozen; and the catalogue names a reporter
// for every reported figure.
func TestReportedFigures(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	ga, yj, intake, leader := a.LoginAs("gareporter"), a.LoginAs("yjreporter"), a.Login("intake"), a.Login("leader")
	var county, gaUnit string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM units WHERE code = '441602-ga'").Scan(&gaUnit)
	now := time.Now().In(safety.Zone)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, safety.Zone)
	month, last, before := first.Format("2006-01"), first.AddDate(0, -1, 0).Format("2006-01"), first.AddDate(0, -2, 0).Format("2006-01")

	var mine safety.Page[safety.ReportRef]
	if st := ga.Do("GET", "/api/v1/safety/reports/mine?month="+month, nil, &mine); st != 200 || len(mine.Items) != 1 ||
		mine.Items[0].Status != safety.ReportPending || mine.Items[0].UnitID != gaUnit || mine.Items[0].RootID != county {
		t.Fatalf("mine: %d %+v", st, mine)
	}
	path := "/api/v1/safety/roots/" + county + "/months/" + month + "/unit-reports/" + gaUnit
	var r safety.Report
	if st := ga.Do("GET", path, nil, &r); st != 200 || len(r.Figures) != 6 || len(r.Towns) != 8 || r.Towns[0].Values["criminal_cases"] != nil {
		t.Fatalf("form: %d %+v", st, r)
	}
	// The emergency bureau neither reads nor writes the police's report.
	if st := yj.Do("GET", path, nil, nil); st != 404 {
		t.Fatalf("another unit reads: %d", st)
	}
	if st := yj.Do("PUT", path, safety.ReportInput{Evidence: "报表"}, nil); st != 404 {
		t.Fatalf("another unit writes: %d", st)
	}
	// The committee reads it, and writes nothing.
	if st := leader.Do("GET", path, nil, nil); st != 200 {
		t.Fatalf("leader reads: %d", st)
	}
	if st := intake.Do("PUT", path, safety.ReportInput{Evidence: "报表"}, nil); st != 403 {
		t.Fatalf("the committee writes: %d", st)
	}

	// Bad input: each problem named; nothing stored.
	neg, big := -1, safety.MaxReported+1
	in := safety.ReportInput{Evidence: " ", Values: []safety.ReportValue{
		{Source: "criminal_cases", AreaID: r.Towns[0].AreaID, Value: &neg},
		{Source: "fire_accidents", AreaID: r.Towns[0].AreaID, Value: &big},
		{Source: "police_calls", AreaID: county, Value: &big},
	}}
	p := ga.Fail("PUT", path, in)
	fields := map[string]string{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Code
	}
	if fields["evidence"] != "validation.length" || fields["values[0].value"] != "safety.report_value" || fields["values[1].source"] != "safety.report_source" ||
		fields["values[2].area_id"] != "safety.report_town" || fields["values"] != "safety.report_missing" {
		t.Fatalf("bad report: %+v", p)
	}

	// The spreadsheet: downloaded, filled, read back into the form.
	sheet := ga.Raw("GET", path+"/sheet", "", nil)
	if sheet.Status != 200 {
		t.Fatalf("sheet: %d", sheet.Status)
	}
	x, err := excelize.OpenReader(bytes.NewReader(sheet.Body))
	if err != nil {
		t.Fatal(err)
	}
	name := x.GetSheetName(0)
	rows, _ := x.GetRows(name)
	head := 0
	for i, row := range rows {
		if len(row) > 0 && (row[0] == "区域代码" || row[0] == "Area code") {
			head = i
		}
	}
	if len(rows) != head+1+8 || len(rows[head]) != 8 {
		t.Fatalf("sheet rows: %v", rows)
	}
	for i := range 8 {
		for c := range 6 {
			cell, _ := excelize.CoordinatesToCellName(3+c, head+2+i)
			x.SetCellValue(name, cell, i+c)
		}
	}
	var filled bytes.Buffer
	x.Write(&filled)
	got := ga.Raw("POST", path+"/sheet", "application/octet-stream", filled.Bytes())
	if got.Status != 200 {
		t.Fatalf("read sheet: %d %s", got.Status, got.Body)
	}
	var fromSheet safety.Report
	json.Unmarshal(got.Body, &fromSheet)
	if v := fromSheet.Towns[2].Values[fromSheet.Figures[1].Source]; v == nil || *v != 3 {
		t.Fatalf("sheet values: %+v", fromSheet.Towns[2])
	}
	// A bad cell and an unknown town are named by row and column.
	cell, _ := excelize.CoordinatesToCellName(3, head+3)
	x.SetCellValue(name, cell, "三起")
	code, _ := excelize.CoordinatesToCellName(1, head+4)
	x.SetCellValue(name, code, "999999")
	filled.Reset()
	x.Write(&filled)
	bad := ga.Raw("POST", path+"/sheet", "application/octet-stream", filled.Bytes())
	if bad.Status != 400 || !bytes.Contains(bad.Body, []byte(`"rows[`)) || !bytes.Contains(bad.Body, []byte("safety.report_town")) ||
		!bytes.Contains(bad.Body, []byte("safety.report_value")) {
		t.Fatalf("bad sheet: %d %s", bad.Status, bad.Body)
	}

	// Submitted from the sheet's figures: on time, and counted.
	in = safety.ReportInput{Evidence: "公安分局月度统计报表"}
	sum := 0
	for _, town := range fromSheet.Towns {
		for src, v := range town.Values {
			in.Values = append(in.Values, safety.ReportValue{Source: src, AreaID: town.AreaID, Value: v})
			if src == "criminal_cases" {
				sum += *v
			}
		}
	}
	if st := ga.Do("PUT", path, in, &r); st != 200 || r.Status != safety.ReportOnTime || r.Light != safety.Green || r.Version != 1 {
		t.Fatalf("submit: %d %+v", st, r.ReportRef)
	}
	if p := ga.Fail("PUT", path, in); p.Code != "safety.report_changed" {
		t.Fatalf("stale version: %+v", p)
	}
	var m safety.Month
	if st := intake.Do("POST", "/api/v1/safety/roots/"+county+"/months/"+month+"/compute", map[string]any{}, &m); st != 200 {
		t.Fatalf("compute: %d", st)
	}
	var area safety.AreaMonth
	intake.Do("GET", "/api/v1/safety/areas/"+county+"/months/"+month, nil, &area)
	for _, v := range area.Values {
		if v.Code == "criminal_cases" && (v.Value == nil || int(*v.Value) != sum) {
			t.Fatalf("county criminal cases: %+v, reported %d", v, sum)
		}
		if v.Code == "fire_accidents" && v.Value != nil {
			t.Fatalf("not reported yet, so left out: %+v", v)
		}
	}
	var d safety.Drill
	intake.Do("GET", "/api/v1/safety/areas/"+r.Towns[2].AreaID+"/months/"+month+"/indicators/police_calls", nil, &d)
	if len(d.Rows) != 1 || d.Rows[0].Hits != 3 || d.Value.Value == nil || *d.Value.Value != 3 || d.Records != "report" {
		t.Fatalf("drill: %+v", d)
	}

	// The committee's list of the month and of two months ago.
	var list safety.Page[safety.ReportRef]
	leader.Do("GET", "/api/v1/safety/roots/"+county+"/months/"+month+"/unit-reports", nil, &list)
	if len(list.Items) != 2 || list.Items[0].Status != safety.ReportOnTime || list.Items[1].Status != safety.ReportPending {
		t.Fatalf("this month's reports: %+v", list)
	}
	leader.Do("GET", "/api/v1/safety/roots/"+county+"/months/"+before+"/unit-reports", nil, &list)
	if len(list.Items) != 2 || list.Items[0].Status != safety.ReportOnTime || list.Items[1].Status != safety.ReportLate || list.Items[1].Light != safety.Yellow {
		t.Fatalf("two months ago: %+v", list)
	}
	// Every figure of a month exports: the ranking, each area's indicators,
	// the units' reports.
	xl := leader.Raw("GET", "/api/v1/safety/roots/"+county+"/months/"+before+"/export", "", nil)
	if xl.Status != 200 {
		t.Fatalf("export: %d", xl.Status)
	}
	book, err := excelize.OpenReader(bytes.NewReader(xl.Body))
	if err != nil {
		t.Fatal(err)
	}
	if names := book.GetSheetList(); len(names) != 3 {
		t.Fatalf("export sheets: %v", names)
	}
	ranked, _ := book.GetRows(book.GetSheetName(0))
	valued, _ := book.GetRows(book.GetSheetName(1))
	if len(ranked) != 2+9 || len(valued) != 2+9*19 {
		t.Fatalf("export rows: %d ranked, %d values", len(ranked), len(valued))
	}

	// Last month is published: its report is frozen.
	if p := ga.Fail("PUT", "/api/v1/safety/roots/"+county+"/months/"+last+"/unit-reports/"+gaUnit, safety.ReportInput{Version: 1, Evidence: "更正"}); p.Code != "safety.month_published" {
		t.Fatalf("published: %+v", p)
	}

	// The catalogue names a reporter for every reported figure, of the area.
	var cat safety.Catalogue
	intake.Do("GET", "/api/v1/safety/roots/"+county+"/catalogue", nil, &cat)
	var otherUnit string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM units WHERE path NOT LIKE (SELECT path FROM org_nodes WHERE id = ?) || '%' LIMIT 1", county).Scan(&otherUnit)
	reporters := append([]safety.Reporter{}, cat.Reporters[1:]...)
	reporters[0].UnitID = otherUnit
	p = intake.Fail("PUT", "/api/v1/safety/roots/"+county+"/catalogue", safety.CatalogueInput{Version: cat.Version, Indicators: cat.Indicators, Reporters: reporters})
	fields = map[string]string{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Code
	}
	if fields["reporters"] != "safety.reporter_missing" || fields["reporters[0].unit_id"] != "safety.reporter_unit" {
		t.Fatalf("bad reporters: %+v", p)
	}
}
