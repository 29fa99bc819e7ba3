package drive

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

// WriteFigures writes a campaign's figures per town and unit and every
// line with its report and light as a workbook in lang, watermarked with
// who exported it; audited. Clues are counted only, as on the page.
func (s *Service) WriteFigures(ctx context.Context, w io.Writer, driveID, lang string) error {
	q := s.db.Reader()
	d, err := s.drive(ctx, q, driveID, authz.DriveRead)
	if err != nil {
		return err
	}
	lines, err := s.readAssignments(ctx, q, "s.drive_id = ?", driveID)
	if err != nil {
		return err
	}
	fig, err := figuresOf(ctx, q, d, lines)
	if err != nil {
		return err
	}
	tr := func(key string) string { return i18n.T(lang, key, nil) }
	col := func(keys ...string) []excel.Column {
		var out []excel.Column
		for _, k := range keys {
			out = append(out, excel.Column{Title: tr(k)})
		}
		return out
	}
	byArea := excel.Table{Name: tr("ui.drive.tab_figures"), Columns: col("ui.drive.area", "ui.drive.done", "ui.drive.shown_total", "ui.drive.red")}
	counted := []Action{}
	for _, a := range fig.Actions {
		if a.Target > 0 || a.Measure != "" {
			counted = append(counted, a)
			byArea.Columns = append(byArea.Columns, excel.Column{Title: a.Title + "（" + a.Measure + "）"})
		}
	}
	if d.TakesClues {
		byArea.Columns = append(byArea.Columns, col("ui.drive.clues_given", "ui.drive.clue_status.confirmed")...)
	}
	for _, r := range append(fig.Rows, fig.Total) {
		name := r.Name
		if r.Kind == "total" {
			name = tr("ui.drive.total")
		}
		row := []any{name, r.Done, r.Assigned, r.Late}
		for _, a := range counted {
			row = append(row, r.Counts[a.ID])
		}
		if d.TakesClues {
			row = append(row, r.Clues, r.Confirmed)
		}
		byArea.Rows = append(byArea.Rows, row)
	}
	all := excel.Table{Name: tr("ui.drive.tab_progress"), Columns: col("ui.drive.action", "ui.drive.holder", "ui.drive.due", "ui.drive.target", "ui.drive.measure",
		"ui.drive.count", "ui.drive.state", "ui.drive.note", "ui.drive.by")}
	for _, a := range lines {
		all.Rows = append(all.Rows, []any{a.Title, a.Holder, a.DueOn, a.Target, a.Measure, a.Count, tr("ui.drive.why." + a.Why), a.Note, a.ByName})
	}
	p := authz.From(ctx)
	wm := excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(Zone), Note: d.Name}
	if err := excel.WriteTables(w, wm, []excel.Table{byArea, all}); err != nil {
		return err
	}
	return s.audit.RecordAlone(ctx, s.db, authz.DriveRead, audit.Entry{Action: "drive.export", ObjectType: "drive", ObjectID: d.ID, Detail: d.Name})
}

func (s *Service) exportFigures(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := s.WriteFigures(r.Context(), &buf, r.PathValue("id"), i18n.Lang(r)); err != nil {
		return err
	}
	httpx.Download(w, i18n.T(i18n.Lang(r), "ui.menu.drives", nil)+".xlsx", httpx.XLSX, buf.Bytes())
	return nil
}
