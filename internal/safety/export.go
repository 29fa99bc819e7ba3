package safety

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

// WriteMonth writes every figure of a root's month as a workbook in lang:
// the ranking of both levels; each area's value, counts, light and points
// of every indicator (one row each, for pivoting); and the units' reports
// with their lights. Watermarked with who exported it; audited.
func (s *Service) WriteMonth(ctx context.Context, w io.Writer, rootID, month, lang string) error {
	q := s.db.Reader()
	if _, _, err := monthRange(month); err != nil {
		return err
	}
	if _, err := rootPath(ctx, q, authz.SafetyRead, rootID); err != nil {
		return err
	}
	m, err := ranking(ctx, q, rootID, month, "")
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
	ranks := excel.Table{Name: tr("ui.safety.tab.ranking"), Columns: col("ui.safety.level", "ui.safety.rank", "ui.safety.area", "ui.safety.index",
		"ui.safety.change", "ui.safety.light.red", "ui.safety.light.yellow")}
	for _, a := range m.Areas {
		var change any = ""
		if a.Change != nil {
			change = *a.Change
		}
		ranks.Rows = append(ranks.Rows, []any{tr("ui.safety.level." + a.Level), a.Rank, a.Name, a.Score, change, a.Reds, a.Yellows})
	}
	_, catID, err := monthHead(ctx, q, rootID, month)
	if err != nil {
		return err
	}
	cat, err := catalogueByID(ctx, q, catID)
	if err != nil {
		return err
	}
	vals := excel.Table{Name: tr("ui.safety.export.values"), Columns: col("ui.safety.level", "ui.safety.area", "ui.safety.indicator", "ui.safety.value",
		"ui.safety.export.numerator", "ui.safety.export.denominator", "ui.safety.light", "ui.safety.points", "ui.safety.weight")}
	for _, a := range m.Areas {
		vs, err := values(ctx, q, m.ID, a.AreaID, cat, a.Level, "")
		if err != nil {
			return err
		}
		for _, v := range vs {
			var value any = ""
			if v.Value != nil {
				value = *v.Value
			}
			vals.Rows = append(vals.Rows, []any{tr("ui.safety.level." + a.Level), a.Name, v.Name, value, v.Numerator, v.Denominator,
				tr("ui.safety.light." + v.Light), v.Points, v.Weight})
		}
	}
	tables := []excel.Table{ranks, vals}
	if refs, err := s.Reports(ctx, rootID, month); err != nil {
		return err
	} else if len(refs) > 0 {
		reports := excel.Table{Name: tr("ui.safety.tab.reports"), Columns: col("ui.safety.reports.unit", "ui.safety.reports.status", "ui.safety.reports.due", "ui.safety.reports.submitted")}
		for _, r := range refs {
			sub := ""
			if r.SubmittedAt != nil {
				sub = msText(*r.SubmittedAt)
			}
			reports.Rows = append(reports.Rows, []any{r.UnitName, tr("ui.safety.report.status." + r.Status), msText(r.DueAt - 1), sub})
		}
		tables = append(tables, reports)
	}
	p := authz.From(ctx)
	wm := excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(Zone), Note: m.RootName + " " + month}
	if err := excel.WriteTables(w, wm, tables); err != nil {
		return err
	}
	return s.audit.RecordAlone(ctx, s.db, authz.SafetyRead, audit.Entry{Action: "safety.month.export", ObjectType: "safety_month", ObjectID: m.ID, Detail: month})
}

func msText(ms int64) string {
	return time.UnixMilli(ms).In(Zone).Format("2006-01-02 15:04")
}

func (s *Service) exportMonth(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	month := r.PathValue("month")
	if err := s.WriteMonth(r.Context(), &buf, r.PathValue("id"), month, i18n.Lang(r)); err != nil {
		return err
	}
	httpx.Download(w, i18n.T(i18n.Lang(r), "ui.menu.safety", nil)+"-"+month+".xlsx", httpx.XLSX, buf.Bytes())
	return nil
}
