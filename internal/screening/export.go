package screening

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/i18n"
)

type exportColumn struct {
	key   string
	width float64
}

var villageColumns = []exportColumn{
	{"ui.screening.village", 16}, {"ui.screening.report_status", 12}, {"ui.screening.findings", 10}, {"ui.screening.light.red", 12},
	{"ui.screening.light.yellow", 12}, {"ui.screening.status.resolved", 10}, {"ui.screening.status.case", 10}, {"ui.screening.zero_note", 30},
}

var findingColumns = []exportColumn{
	{"ui.screening.light_label", 12}, {"ui.screening.no", 16}, {"ui.screening.village", 14}, {"ui.screening.type", 14},
	{"ui.screening.description", 40}, {"ui.screening.parties", 14}, {"ui.screening.risk_label", 8}, {"ui.screening.leader", 18},
	{"ui.screening.person", 16}, {"ui.screening.measures", 36}, {"ui.screening.deadline", 12}, {"ui.common.status", 10},
	{"ui.screening.result", 30}, {"ui.screening.case_no", 18},
}

func columns(lang string, cols []exportColumn) []excel.Column {
	out := make([]excel.Column, len(cols))
	for i, c := range cols {
		out[i] = excel.Column{Title: i18n.T(lang, c.key, nil), Width: c.width}
	}
	return out
}

// WriteRound writes a round as a workbook in lang: its completeness per
// village and its findings with their lights (the parties' names masked as
// in the list), watermarked with who exported it and when, and audits the
// export. It returns how many findings it wrote.
func (s *Service) WriteRound(ctx context.Context, w io.Writer, id, lang string) (Round, int, error) {
	r, err := s.visibleRound(ctx, id)
	if err != nil {
		return r, 0, err
	}
	comp, err := s.fill(ctx, &r)
	if err != nil {
		return r, 0, err
	}
	list, err := s.Findings(ctx, FindingQuery{RoundID: id})
	if err != nil {
		return r, 0, err
	}
	tr := func(key string) string { return i18n.T(lang, key, nil) }
	villages := excel.Table{Name: tr("ui.screening.by_village"), Columns: columns(lang, villageColumns)}
	for _, v := range comp.Rows {
		villages.Rows = append(villages.Rows, []any{v.OrgName, tr("ui.screening.village_status." + v.Status), v.Findings, v.Red, v.Yellow,
			v.Resolved, v.Cases, v.ZeroNote})
	}
	findings := excel.Table{Name: tr("ui.screening.findings"), Columns: columns(lang, findingColumns)}
	for _, f := range list {
		light := ""
		if f.Light != "" {
			light = tr("ui.screening.light." + f.Light)
		}
		findings.Rows = append(findings.Rows, []any{light, f.No, f.OrgName, tr("dispute.type." + f.Type), f.Description,
			strings.Join(f.Parties, "、"), tr("ui.screening.risk." + f.Risk), f.Leader, f.Person, f.Measures, f.Deadline,
			tr("ui.screening.status." + f.Status), f.ResultNote, f.CaseNo})
	}
	p := authz.From(ctx)
	wm := excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(zone), Note: r.Title}
	if err := excel.WriteTables(w, wm, []excel.Table{villages, findings}); err != nil {
		return r, 0, err
	}
	perm := authz.DisputeRead
	for _, x := range readPerms {
		if p.Has(x) {
			perm = x
			break
		}
	}
	err = s.audit.RecordAlone(ctx, s.db, perm, audit.Entry{Action: "screening.export", ObjectType: "screening_round", ObjectID: id,
		Detail: "rows " + strconv.Itoa(len(list))})
	return r, len(list), err
}
