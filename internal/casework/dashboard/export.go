package dashboard

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
)

// tableColumns are a breakdown sheet's columns: the figures and rates the
// dashboard's tables and cards show, named by the console's message keys.
var tableColumns = []string{"ui.dash.name", "ui.dash.received", "ui.dash.accepted", "ui.dash.closed", "ui.dash.open", "ui.dash.overdue",
	"ui.dash.response", "ui.dash.resolution", "ui.dash.satisfaction", "ui.dash.on_time"}

// WriteTables writes the dashboard of an area over [from, to) as a workbook
// in lang: one sheet for each breakdown (area, category, channel, month),
// each with a total row, watermarked with who made it, the area and the
// window. The figures are counts and rates, nothing personal.
func (s *Service) WriteTables(ctx context.Context, w io.Writer, orgID string, from, to time.Time, lang string) error {
	d, err := s.Dashboard(ctx, orgID, from, to, lang)
	if err != nil {
		return err
	}
	area, _ := org.NameOf(ctx, s.db.Reader(), orgID)
	day := func(t time.Time) string { return t.In(casework.Zone).Format("2006-01-02") }
	p := authz.From(ctx)
	wm := excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.events.Now().In(casework.Zone),
		Note: area + " " + day(from) + " – " + day(to.Add(-time.Millisecond))}
	var cols []excel.Column
	percent := make([]bool, len(tableColumns))
	for i, k := range tableColumns {
		cols = append(cols, excel.Column{Title: i18n.T(lang, k, nil)})
		percent[i] = i >= 6
	}
	cols[0].Width = 24
	row := func(name string, f casework.Figures) []any {
		r := f.Rates()
		return []any{name, f.Received, f.Accepted, f.Closed, f.Open, f.Overdue, rate(r.Response), rate(r.Resolution), rate(r.Satisfaction), rate(r.OnTime)}
	}
	var tables []excel.Table
	for _, b := range []struct {
		key  string
		rows []casework.Row
	}{{"ui.dash.by_area", d.ByArea}, {"ui.dash.by_category", d.ByCategory}, {"ui.dash.by_channel", d.ByChannel}, {"ui.dash.by_month", d.ByMonth}} {
		t := excel.Table{Name: i18n.T(lang, b.key, nil), Columns: cols, Percent: percent}
		for _, r := range b.rows {
			t.Rows = append(t.Rows, row(r.Name, r.Figures))
		}
		t.Rows = append(t.Rows, row(i18n.T(lang, "ui.dash.sum", nil), d.Totals))
		tables = append(tables, t)
	}
	return excel.WriteTables(w, wm, tables)
}

// rate is a rate's cell: empty when it has no denominator.
func rate(r *float64) any {
	if r == nil {
		return nil
	}
	return *r
}

// exportTables answers the dashboard's tables as an xlsx file.
func (s *Service) exportTables(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.window(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	lang := i18n.Lang(r)
	if err := s.WriteTables(r.Context(), &buf, r.URL.Query().Get("org_id"), from, to, lang); err != nil {
		return err
	}
	name := i18n.T(lang, "ui.menu.dashboard", nil) + "-" + s.events.Now().In(casework.Zone).Format("20060102") + ".xlsx"
	httpx.Download(w, name, httpx.XLSX, buf.Bytes())
	return nil
}
