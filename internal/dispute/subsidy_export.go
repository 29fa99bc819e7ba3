package dispute

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/registry"
)

// WriteSheet writes the month's subsidy sheet of q to w as a spreadsheet
// in lang: a row per mediator with the cases by complexity and outcome
// and the amount, the total, then the rates the credits were made at;
// watermarked with who exported it and when, and audited.
func (s *Service) WriteSheet(ctx context.Context, w io.Writer, q SheetQuery, lang string) (int, error) {
	sh, err := s.SubsidySheet(ctx, q)
	if err != nil {
		return 0, err
	}
	t := func(key string) string { return i18n.T(lang, key, nil) }
	sheet := excel.Sheet{Name: t("ui.menu.dispute_subsidies") + " " + q.Month}
	sheet.Columns = []excel.Column{{Title: t("ui.subsidy.mediator"), Width: 12}, {Title: t("ui.mediator.kind_label"), Width: 14}, {Title: t("ui.event.area"), Width: 14}}
	var keys []string
	for _, c := range Complexities {
		for _, o := range SubsidyOutcomes {
			keys = append(keys, c+"."+o)
			sheet.Columns = append(sheet.Columns, excel.Column{Title: t("dispute.complexity."+c) + " " + t("ui.dispute.outcome."+o), Width: 12})
		}
	}
	sheet.Columns = append(sheet.Columns, excel.Column{Title: t("ui.subsidy.cases"), Width: 8}, excel.Column{Title: t("ui.subsidy.amount"), Width: 12})
	p := authz.From(ctx)
	out, err := excel.NewWriter(w, excel.XLSX, sheet, excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(zone)})
	if err != nil {
		return 0, err
	}
	row := func(cells ...string) error {
		for len(cells) < len(sheet.Columns) {
			cells = append(cells, "")
		}
		return out.Row(cells)
	}
	amount := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	for _, r := range sh.Rows {
		cells := []string{r.Name, t("ui.mediator.kind." + r.Kind), r.OrgName}
		for _, k := range keys {
			cells = append(cells, strconv.Itoa(r.Counts[k]))
		}
		if err := row(append(cells, strconv.Itoa(r.Cases), amount(r.Total))...); err != nil {
			out.Close()
			return 0, err
		}
	}
	lines := [][]string{{t("ui.subsidy.total"), "", "", "", "", "", "", "", "", strconv.Itoa(sh.Cases), amount(sh.Total)}, {}, {t("ui.subsidy.rates_used")}}
	for _, u := range sh.Rates {
		lines = append(lines, []string{t("dispute.complexity." + u.Complexity), t("ui.dispute.outcome." + u.Outcome), amount(u.Amount), strconv.Itoa(u.Cases)})
	}
	for _, l := range lines {
		if err := row(l...); err != nil {
			out.Close()
			return 0, err
		}
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	e := auditEntry("subsidy_export", "")
	e.ObjectType, e.Detail = "dispute_subsidy", q.Month+" rows "+strconv.Itoa(len(sh.Rows))
	return len(sh.Rows), s.audit.RecordAlone(ctx, s.db, authz.DisputeSubsidy, e)
}

func sheetQueryOf(r *http.Request) SheetQuery {
	return SheetQuery{Month: r.URL.Query().Get("month"), OrgID: r.URL.Query().Get("org_id")}
}

func (s *Service) exportSheet(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	q := sheetQueryOf(r)
	if _, err := s.WriteSheet(r.Context(), &buf, q, i18n.Lang(r)); err != nil {
		return err
	}
	name := i18n.T(i18n.Lang(r), "ui.menu.dispute_subsidies", nil) + "-" + q.Month + ".xlsx"
	httpx.Download(w, name, httpx.XLSX, buf.Bytes())
	return nil
}

func (s *Service) sheet(r *http.Request) (Sheet, error) {
	return s.SubsidySheet(r.Context(), sheetQueryOf(r))
}

func (s *Service) creditedCases(r *http.Request) (registry.Page[CreditedCase], error) {
	cs, err := s.CreditedCases(r.Context(), r.PathValue("id"), sheetQueryOf(r))
	return registry.Page[CreditedCase]{Items: cs}, err
}

func (s *Service) rateTable(r *http.Request) (RateTable, error) {
	return s.Rates(r.Context(), r.URL.Query().Get("org_id"))
}

func (s *Service) setRates(r *http.Request, in RatesInput) (RateTable, error) {
	return s.SetRates(r.Context(), in)
}
