package casework

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// MaxExportRows is how many events one spreadsheet holds. A larger list is
// refused with the advice to narrow the filters: a county's whole year is
// not a working list, and a file of it is a large leak when it goes astray.
const MaxExportRows = 10000

// MaxMapPoints is how many events the list's map shows at once, the newest
// of the filtered list; the answer says when there were more.
const MaxMapPoints = 2000

// exportColumns are the event sheet's columns, named by the console's own
// message keys so that the sheet and the list read alike.
var exportColumns = []struct {
	key   string
	width float64
}{
	{"ui.event.no", 14}, {"ui.event.created_at", 17}, {"ui.event.state", 10}, {"ui.event.light", 10}, {"ui.event.category", 16},
	{"ui.event.urgency", 8}, {"ui.event.channel", 10}, {"ui.event.description", 40}, {"ui.event.address", 24}, {"ui.event.area", 16},
	{"ui.event.grid", 18}, {"ui.event.lead_unit", 18}, {"ui.event.due", 17}, {"ui.event.closed_at", 17}, {"ui.event.resolved_level", 10},
	{"ui.event.rating", 8}, {"ui.event.reporter", 10},
}

// WriteList writes the events of the list's filters that the caller may
// see (the list's own scope and conditions) to w as a spreadsheet in lang,
// watermarked with who exported it and when. A reporter's name shows its
// first character, and an ID or phone number written into a description or
// an address shows masked, as the registers' exports show them. The export
// is audited with its filters and row count, never with the rows.
func (s *Service) WriteList(ctx context.Context, w io.Writer, f Query, lang string) (int, error) {
	p := authz.From(ctx)
	var rows []Event
	f.Before, f.Limit = "", 200
	for {
		page, next, err := s.List(ctx, f)
		if err != nil {
			return 0, err
		}
		rows = append(rows, page...)
		if len(rows) > MaxExportRows {
			return 0, apperr.E(apperr.Invalid, "event.export_too_many", "max", MaxExportRows)
		}
		if next == "" {
			break
		}
		f.Before = next
	}
	now := s.Now()
	note := f.describe()
	if f.OrgID != "" {
		// The area by its name: an id means nothing on paper.
		if name, err := org.NameOf(ctx, s.db.Reader(), f.OrgID); err == nil {
			note = strings.Replace(note, "org_id="+f.OrgID, "org="+name, 1)
		}
	}
	sheet := excel.Sheet{Name: i18n.T(lang, "ui.menu.events", nil)}
	for _, c := range exportColumns {
		sheet.Columns = append(sheet.Columns, excel.Column{Title: i18n.T(lang, c.key, nil), Width: c.width})
	}
	out, err := excel.NewWriter(w, excel.XLSX, sheet, excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: now.In(Zone), Note: note})
	if err != nil {
		return 0, err
	}
	name := func(prefix, code string) string {
		if code == "" {
			return ""
		}
		return i18n.T(lang, prefix+code, nil)
	}
	for _, e := range rows {
		due := ""
		if e.StageDueAt != nil && Open(e.State) {
			due = name("stage.", e.Stage) + " " + timeText(*e.StageDueAt)
		}
		closed, rating := "", ""
		if e.ClosedAt != nil {
			closed = timeText(*e.ClosedAt)
		}
		if e.Rating != nil {
			rating = name("rating.", *e.Rating)
		}
		level := ""
		if e.State == Closed {
			level = name("level.", e.ResolvedAt)
		}
		if err := out.Row([]string{e.No, timeText(e.CreatedAt), name("state.", e.State), name("light.", e.Light), e.CategoryName,
			name("urgency.", e.Urgency), name("channel.", e.Channel), pii.MaskText(e.Description), pii.MaskText(e.Address), e.OrgName,
			e.GridName, e.LeadUnitName, due, closed, level, rating, pii.MaskName(e.ReporterName)}); err != nil {
			out.Close()
			return 0, err
		}
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	err = s.audit.RecordAlone(ctx, s.db, authz.EventRead, audit.Entry{Action: "event.export", ObjectType: "event_list",
		Detail: "rows " + strconv.Itoa(len(rows)) + " " + f.describe()})
	return len(rows), err
}

// describe is the filters of a query as text, for the watermark and the
// audit row; a search text is masked like any free text kept there.
func (f Query) describe() string {
	var parts []string
	for _, kv := range [][2]string{{"state", f.State}, {"light", f.Light}, {"category", f.Category}, {"channel", f.Channel},
		{"org_id", f.OrgID}, {"rating", f.Rating}, {"resolved_level", f.ResolvedLevel}, {"q", pii.MaskText(f.Q)}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if f.From > 0 {
		parts = append(parts, "from="+timeText(f.From))
	}
	if f.To > 0 {
		parts = append(parts, "to="+timeText(f.To))
	}
	if f.Mine {
		parts = append(parts, "mine")
	}
	return strings.Join(parts, " ")
}

func timeText(ms int64) string { return time.UnixMilli(ms).In(Zone).Format("2006-01-02 15:04") }

// Points answers the list's map: the events of the list's filters that the
// caller may see and that have a position, newest first, at most
// MaxMapPoints of them; capped tells that there were more.
func (s *Service) Points(ctx context.Context, f Query) (points []MapPoint, capped bool, err error) {
	where, args, err := s.filter(ctx, f)
	if err != nil {
		return nil, false, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT e.id, e.no, e.lat, e.lng, e.state, e.stage_warn_at, e.stage_due_at, e.parked, e.category_code
		FROM events e WHERE `+strings.Join(where, " AND ")+` AND e.lat IS NOT NULL ORDER BY e.created_at DESC, e.id DESC LIMIT `+strconv.Itoa(MaxMapPoints+1), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	now := s.Now().UnixMilli()
	points = []MapPoint{}
	for rows.Next() {
		var m MapPoint
		var warn, due *int64
		var parked bool
		if err := rows.Scan(&m.ID, &m.No, &m.Lat, &m.Lng, &m.State, &warn, &due, &parked, &m.Category); err != nil {
			return nil, false, err
		}
		m.Light = Light(m.State, parked, warn, due, now)
		points = append(points, m)
	}
	if len(points) > MaxMapPoints {
		return points[:MaxMapPoints], true, rows.Err()
	}
	return points, false, rows.Err()
}
