package petition

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
)

// exportColumns are the sheet's columns, named by the page's keys.
var exportColumns = []struct {
	key   string
	width float64
}{
	{"ui.petition.no", 16}, {"ui.petition.received_on", 12}, {"ui.petition.channel_label", 10}, {"ui.petition.area", 14},
	{"ui.petition.type", 12}, {"ui.petition.title", 30}, {"ui.petition.petitioners", 14}, {"ui.petition.people_count", 6},
	{"ui.petition.flag_label", 16}, {"ui.petition.status_label", 10}, {"ui.petition.due", 12}, {"ui.petition.light_label", 8},
	{"ui.petition.route", 14}, {"ui.petition.unit", 18}, {"ui.petition.lead_leader", 12}, {"ui.petition.satisfaction", 10},
}

// exportMax is the most rows one sheet holds.
const exportMax = 5000

// WriteList writes the petitions of a list query to w as a spreadsheet in
// lang — names masked as in the list, no numbers — watermarked with who
// exported it and when, and audits the export with its row count.
func (s *Service) WriteList(ctx context.Context, w io.Writer, lq ListQuery, lang string) (int, error) {
	lq.Offset, lq.Limit = 0, exportMax
	list, err := s.listUpTo(ctx, lq, exportMax)
	if err != nil {
		return 0, err
	}
	p := authz.From(ctx)
	sheet := excel.Sheet{Name: i18n.T(lang, "ui.menu.petitions", nil)}
	for _, c := range exportColumns {
		sheet.Columns = append(sheet.Columns, excel.Column{Title: i18n.T(lang, c.key, nil), Width: c.width})
	}
	out, err := excel.NewWriter(w, excel.XLSX, sheet, excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(shanghai)})
	if err != nil {
		return 0, err
	}
	word := func(prefix, v string) string {
		if v == "" {
			return ""
		}
		return i18n.T(lang, prefix+v, nil)
	}
	for _, x := range list.Items {
		var names, flags []string
		for _, pt := range x.Petitioners {
			names = append(names, pt.Name)
		}
		if x.Repeated {
			flags = append(flags, word("ui.petition.flag.", "repeat"))
		}
		if x.Collective {
			flags = append(flags, word("ui.petition.flag.", "collective"))
		}
		if x.OverLevel {
			flags = append(flags, word("ui.petition.flag.", "over_level"))
		}
		if err := out.Row([]string{x.No, x.ReceivedOn, word("ui.petition.channel.", x.Channel), x.OrgName, word("dispute.type.", x.Type), x.Title,
			strings.Join(names, "、"), strconv.Itoa(x.PeopleCount), strings.Join(flags, "、"), word("ui.petition.status.", x.Status), x.Due,
			word("light.", x.Light), word("dispute.route.", x.Route), x.UnitName, x.LeadLeader, word("ui.petition.satisfaction.", x.Satisfaction)}); err != nil {
			out.Close()
			return 0, err
		}
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	err = s.audit.RecordAlone(ctx, s.db, authz.PetitionRead, audit.Entry{Action: "petition.export", ObjectType: "petition_list",
		Detail: "rows " + strconv.Itoa(len(list.Items))})
	return len(list.Items), err
}

func (s *Service) export(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if _, err := s.WriteList(r.Context(), &buf, listQuery(r), i18n.Lang(r)); err != nil {
		return err
	}
	name := i18n.T(i18n.Lang(r), "ui.menu.petitions", nil) + "-" + s.Now().In(shanghai).Format("20060102") + ".xlsx"
	httpx.Download(w, name, httpx.XLSX, buf.Bytes())
	return nil
}
