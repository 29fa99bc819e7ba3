package dispute

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

// MaxExportRows is the most cases one spreadsheet holds.
const MaxExportRows = 5000

var exportColumns = []struct {
	key   string
	width float64
}{
	{"ui.dispute.no", 16}, {"ui.dispute.title", 28}, {"ui.dispute.type", 14}, {"ui.dispute.parties", 20}, {"ui.event.area", 14},
	{"ui.dispute.source", 12}, {"ui.dispute.complexity", 8}, {"ui.dispute.route", 16}, {"ui.dispute.status_label", 10},
	{"ui.dispute.outcome_label", 12}, {"ui.dispute.light", 12}, {"ui.dispute.registered_at", 17}, {"ui.dispute.due", 12},
	{"ui.dispute.amount", 12}, {"ui.dispute.level", 12}, {"ui.dispute.settled_level", 12},
}

// WriteList writes the cases of the list's filters (at most MaxExportRows)
// to w as a spreadsheet in lang — parties masked, facts left out —
// watermarked with who exported it and when; the export is audited with
// its row count.
func (s *Service) WriteList(ctx context.Context, w io.Writer, q Query, lang string) (int, error) {
	var all []Case
	q.Limit = 500
	for len(all) < MaxExportRows {
		page, next, err := s.List(ctx, q)
		if err != nil {
			return 0, err
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		q.After = next
	}
	if len(all) > MaxExportRows {
		all = all[:MaxExportRows]
	}
	p := authz.From(ctx)
	sheet := excel.Sheet{Name: i18n.T(lang, "ui.menu.disputes", nil)}
	for _, c := range exportColumns {
		sheet.Columns = append(sheet.Columns, excel.Column{Title: i18n.T(lang, c.key, nil), Width: c.width})
	}
	out, err := excel.NewWriter(w, excel.XLSX, sheet, excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(zone)})
	if err != nil {
		return 0, err
	}
	word := func(prefix, v string) string {
		if v == "" {
			return ""
		}
		return i18n.T(lang, prefix+v, nil)
	}
	day := func(ms int64) string { return time.UnixMilli(ms).In(zone).Format("2006-01-02 15:04") }
	for _, c := range all {
		amount := ""
		if c.Amount != nil {
			amount = strconv.FormatFloat(*c.Amount, 'f', 2, 64)
		}
		if err := out.Row([]string{c.No, c.Title, word("dispute.type.", c.Type), c.PartiesMasked, c.OrgName, word("dispute.source.", c.Source),
			word("dispute.complexity.", c.Complexity), word("dispute.route.", c.Route), word("ui.dispute.status.", c.Status),
			word("ui.dispute.outcome.", c.Outcome), word("ui.dispute.light.", c.Light), day(c.RegisteredAt), day(c.DueAt)[:10], amount,
			word("level.", c.Level), word("level.", c.SettledLevel)}); err != nil {
			out.Close()
			return 0, err
		}
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	e := auditEntry("export", "")
	e.ObjectType, e.Detail = "dispute_list", "rows "+strconv.Itoa(len(all))
	return len(all), s.audit.RecordAlone(ctx, s.db, authz.DisputeRead, e)
}

func (s *Service) export(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if _, err := s.WriteList(r.Context(), &buf, queryOf(r), i18n.Lang(r)); err != nil {
		return err
	}
	name := i18n.T(i18n.Lang(r), "ui.menu.disputes", nil) + "-" + s.Now().In(zone).Format("20060102") + ".xlsx"
	httpx.Download(w, name, httpx.XLSX, buf.Bytes())
	return nil
}
