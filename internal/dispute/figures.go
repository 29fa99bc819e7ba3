package dispute

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
)

// Figures are the counts of the cases registered (受理) in a window: see
// docs/disputes.md "Figures" for each one's definition and the list
// filter that drills down to its cases.
type Figures struct {
	Accepted         int      `json:"accepted"`          // registered in the window
	Mediated         int      `json:"mediated"`          // settled: an agreement, written or oral (调解成功)
	Closed           int      `json:"closed"`            // settled or failed (结案)
	Red              int      `json:"red"`               // open past the one-month target
	Yellow           int      `json:"yellow"`            // open within WarnDays of it
	AvgDays          *float64 `json:"avg_days"`          // calendar days from registration to closing, over the closed
	ConfirmApplied   int      `json:"confirm_applied"`   // applied for judicial confirmation
	Confirmed        int      `json:"confirmed"`         // confirmed by the court
	Referrals        int      `json:"referrals"`         // the courts' pre-litigation referrals taken in (诉前委派)
	ReferralsSettled int      `json:"referrals_settled"` // of them, settled
	Litigation       int      `json:"litigation"`        // routed to litigation at classification
	SentToCourt      int      `json:"sent_to_court"`     // failed mediations sent on to litigation
	SettledVillage   int      `json:"settled_village"`   // settled at each level
	SettledTown      int      `json:"settled_town"`
	SettledCounty    int      `json:"settled_county"`
	SettledCity      int      `json:"settled_city"`
	closedMs         int64
}

// Rates are the figures' shares, nil where the denominator is zero.
type Rates struct {
	Mediation    *float64 `json:"mediation"`     // 调处率 = mediated / accepted
	Closure      *float64 `json:"closure"`       // 结案率 = closed / accepted
	Diversion    *float64 `json:"diversion"`     // 诉前分流率 = referrals / (referrals + litigation + sent to court)
	ReferralRate *float64 `json:"referral_rate"` // referrals settled / referrals
	Village      *float64 `json:"village"`       // 小事不出村 = settled at village / mediated
	Town         *float64 `json:"town"`          // 大事不出镇 = settled at village or town / mediated
}

func (f *Figures) add(g Figures) {
	f.Accepted += g.Accepted
	f.Mediated += g.Mediated
	f.Closed += g.Closed
	f.Red += g.Red
	f.Yellow += g.Yellow
	f.ConfirmApplied += g.ConfirmApplied
	f.Confirmed += g.Confirmed
	f.Referrals += g.Referrals
	f.ReferralsSettled += g.ReferralsSettled
	f.Litigation += g.Litigation
	f.SentToCourt += g.SentToCourt
	f.SettledVillage += g.SettledVillage
	f.SettledTown += g.SettledTown
	f.SettledCounty += g.SettledCounty
	f.SettledCity += g.SettledCity
	f.closedMs += g.closedMs
	f.AvgDays = nil
	if f.Closed > 0 {
		d := float64(f.closedMs) / float64(Day) / float64(f.Closed)
		d = float64(int64(d*10+0.5)) / 10
		f.AvgDays = &d
	}
}

func share(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// Rates computes the shares of f.
func (f Figures) Rates() Rates {
	return Rates{
		Mediation:    share(f.Mediated, f.Accepted),
		Closure:      share(f.Closed, f.Accepted),
		Diversion:    share(f.Referrals, f.Referrals+f.Litigation+f.SentToCourt),
		ReferralRate: share(f.ReferralsSettled, f.Referrals),
		Village:      share(f.SettledVillage, f.Mediated),
		Town:         share(f.SettledVillage+f.SettledTown, f.Mediated),
	}
}

// FigureRow is one group of the figures: Drill holds the case list's
// filters that select exactly its cases (with the window's and area's).
type FigureRow struct {
	Key     string            `json:"key"`
	Name    string            `json:"name"`
	Figures Figures           `json:"figures"`
	Rates   Rates             `json:"rates"`
	Drill   map[string]string `json:"drill"`
}

// FigureTable is the answer of the figures: one row per group and the
// total, with the window and the area they cover.
type FigureTable struct {
	OrgID string      `json:"org_id"`
	From  string      `json:"from"`
	To    string      `json:"to"`
	By    string      `json:"by"`
	Rows  []FigureRow `json:"rows"`
	Total FigureRow   `json:"total"`
}

// FigureQuery chooses the figures: the area, the months From..To of
// registration (YYYY-MM, China time, both included) and the grouping.
type FigureQuery struct {
	OrgID, From, To, By string
}

// FigureBys are the groupings of the figures.
var FigureBys = []string{"area", "type", "route", "source", "month"}

// maxFigureMonths bounds the window of the figures.
const maxFigureMonths = 36

var figureParams = []httpx.Param{{Name: "org_id", In: "query", Desc: "the area (default: the caller's)"},
	{Name: "from", In: "query", Desc: "YYYY-MM (default: January of this year)"}, {Name: "to", In: "query", Desc: "YYYY-MM (default: this month)"},
	{Name: "by", In: "query", Desc: "area (the child areas), type, route, source, month"}}

func month(f *apperr.Fields, name, v string) (time.Time, bool) {
	m, err := time.ParseInLocation("2006-01", v, zone)
	if err != nil {
		f.Add(name, "dispute.month_format")
		return m, false
	}
	return m, true
}

// figureSums are the sums of one group; ? are now, now, now+WarnDays.
const figureSums = `count(*),
	COALESCE(sum(CASE WHEN d.status = 'settled' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.status IN ('settled', 'failed') THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.status IN ('registered', 'accepted', 'mediating') AND d.due_at <= ? THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.status IN ('registered', 'accepted', 'mediating') AND d.due_at > ? AND d.due_at <= ? THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.status IN ('settled', 'failed') THEN d.closed_at - d.registered_at ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN dc.dispute_id IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN dc.status = 'confirmed' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.source = 'court_referral' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.source = 'court_referral' AND d.status = 'settled' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.route = 'litigation' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.next_route = 'litigation' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.settled_level = 'village' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.settled_level = 'town' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.settled_level = 'county' THEN 1 ELSE 0 END), 0),
	COALESCE(sum(CASE WHEN d.settled_level = 'city' THEN 1 ELSE 0 END), 0)`

// Figures counts the cases registered in the window under an area in the
// caller's dispute.read scope, grouped as asked, with a total row. By
// area the groups are the area's children (and the area's own node, for
// the cases taken in at its own centre).
func (s *Service) Figures(ctx context.Context, q FigureQuery, lang string) (FigureTable, error) {
	now := s.Now().In(zone)
	if q.From == "" {
		q.From = now.Format("2006") + "-01"
	}
	if q.To == "" {
		q.To = now.Format("2006-01")
	}
	if q.By == "" {
		q.By = "area"
	}
	out := FigureTable{From: q.From, To: q.To, By: q.By, Rows: []FigureRow{}}
	var f apperr.Fields
	from, okFrom := month(&f, "from", q.From)
	to, okTo := month(&f, "to", q.To)
	if okFrom && okTo {
		if to.Before(from) {
			f.Add("to", "dispute.window_order")
		} else if to.AddDate(0, 1-maxFigureMonths, 0).After(from) {
			f.Add("to", "dispute.window_long", "months", maxFigureMonths)
		}
	}
	if !slices.Contains(FigureBys, q.By) {
		f.Add("by", "dispute.code_unknown", "value", q.By)
	}
	p := authz.From(ctx)
	if q.OrgID == "" {
		if sc := p.Scopes(authz.DisputeRead); len(sc) > 0 {
			ids := strings.Split(strings.Trim(sc[0], "/"), "/")
			q.OrgID = ids[len(ids)-1]
		}
	}
	if err := f.Refuse(); err != nil {
		return out, err
	}
	rd := s.db.Reader()
	// Another area's id answers 404 as an unknown one does.
	path, err := org.PathIn(ctx, rd, authz.DisputeRead, q.OrgID, "")
	if err != nil {
		return out, err
	}
	out.OrgID = q.OrgID
	end := to.AddDate(0, 1, 0)
	var months []time.Time
	key := ""
	switch q.By {
	case "area":
		key = "substr(d.path, 1, " + strconv.Itoa(len(path)+37) + ")" // the child node's path (ids are 36 characters)
	case "type", "route", "source":
		key = "d." + q.By
	case "month":
		key = "CASE"
		for m := from; m.Before(end); m = m.AddDate(0, 1, 0) {
			months = append(months, m)
			key += " WHEN d.registered_at < " + strconv.FormatInt(m.AddDate(0, 1, 0).UnixMilli(), 10) + " THEN '" + m.Format("2006-01") + "'"
		}
		key += " END"
	}
	under, in := authz.Under("d.path", path)
	ms := now.UnixMilli()
	args := append([]any{ms, ms, ms + WarnDays*Day}, in...)
	args = append(args, from.UnixMilli(), end.UnixMilli())
	index, err := s.figuresIndex(ctx, under, in)
	if err != nil {
		return out, err
	}
	rows, err := rd.QueryContext(ctx, "SELECT "+key+", "+figureSums+` FROM disputes d`+index+` LEFT JOIN dispute_confirmations dc ON dc.dispute_id = d.id
		WHERE `+under+" AND d.registered_at >= ? AND d.registered_at < ? GROUP BY "+key, args...)
	if err != nil {
		return out, err
	}
	groups := map[string]*Figures{}
	for rows.Next() {
		var k string
		var g Figures
		if err := rows.Scan(&k, &g.Accepted, &g.Mediated, &g.Closed, &g.Red, &g.Yellow, &g.closedMs, &g.ConfirmApplied, &g.Confirmed,
			&g.Referrals, &g.ReferralsSettled, &g.Litigation, &g.SentToCourt, &g.SettledVillage, &g.SettledTown, &g.SettledCounty, &g.SettledCity); err != nil {
			rows.Close()
			return out, err
		}
		if groups[k] == nil {
			groups[k] = &Figures{}
		}
		groups[k].add(g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	base := map[string]string{"org_id": q.OrgID, "from": q.From, "to": q.To}
	drill := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	addRow := func(k, name string, g Figures, d map[string]string) {
		out.Rows = append(out.Rows, FigureRow{Key: k, Name: name, Figures: g, Rates: g.Rates(), Drill: d})
	}
	word := func(prefix, v string) string { return i18n.T(lang, prefix+v, nil) }
	switch q.By {
	case "month":
		for _, m := range months {
			k := m.Format("2006-01")
			g := Figures{}
			if groups[k] != nil {
				g = *groups[k]
			}
			addRow(k, k, g, drill("from", k, "to", k))
		}
	case "area":
		keys := sortedKeys(groups)
		for _, k := range keys {
			ids := strings.Split(strings.Trim(k, "/"), "/")
			id := ids[len(ids)-1]
			name, _ := org.NameOf(ctx, rd, id) // an area gone since keeps its figures
			d := drill("org_id", id)
			if k == path { // the cases of the area's own centre
				name = i18n.T(lang, "ui.dispute.figures.own_level", map[string]any{"name": name})
				d = drill("at_org", id)
			}
			addRow(id, name, *groups[k], d)
		}
	default:
		vocab := map[string][]string{"type": Types, "route": Routes, "source": Sources}[q.By]
		prefix := "dispute." + q.By + "."
		for _, k := range vocab {
			if groups[k] != nil {
				addRow(k, word(prefix, k), *groups[k], drill(q.By, k))
			}
		}
		if groups[""] != nil && q.By == "route" { // not yet classified
			addRow("", i18n.T(lang, "ui.dispute.status.registered", nil), *groups[""], drill("status", "registered"))
		}
	}
	var total Figures
	for _, g := range groups {
		total.add(*g)
	}
	out.Total = FigureRow{Key: "total", Name: i18n.T(lang, "ui.dash.sum", nil), Figures: total, Rates: total.Rates(), Drill: drill()}
	return out, nil
}

func sortedKeys(m map[string]*Figures) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func figureQueryOf(r *http.Request) FigureQuery {
	q := r.URL.Query()
	return FigureQuery{OrgID: q.Get("org_id"), From: q.Get("from"), To: q.Get("to"), By: q.Get("by")}
}

func (s *Service) figures(r *http.Request) (FigureTable, error) {
	return s.Figures(r.Context(), figureQueryOf(r), i18n.Lang(r))
}

// figureColumns are the sheet's columns, named by the console's keys;
// those from rateFrom on are percentages.
var figureColumns = []string{"ui.dash.name", "ui.dispute.figures.accepted", "ui.dispute.figures.mediated", "ui.dispute.figures.closed",
	"ui.dispute.figures.avg_days", "ui.dispute.figures.confirm_applied", "ui.dispute.figures.confirmed", "ui.dispute.figures.referrals",
	"ui.dispute.figures.referrals_settled", "ui.dispute.figures.litigation", "ui.dispute.figures.sent_to_court",
	"ui.dispute.figures.settled_village", "ui.dispute.figures.settled_town", "ui.dispute.figures.settled_county", "ui.dispute.figures.settled_city",
	"ui.dispute.figures.red", "ui.dispute.figures.yellow",
	"ui.dispute.figures.mediation_rate", "ui.dispute.figures.closure_rate", "ui.dispute.figures.diversion_rate",
	"ui.dispute.figures.village_share", "ui.dispute.figures.town_share"}

const rateFrom = 17

// WriteFigures writes the figures as a workbook in lang, watermarked with
// who made it, the area and the window, and audits the export. The
// figures are counts and rates, nothing personal.
func (s *Service) WriteFigures(ctx context.Context, w io.Writer, q FigureQuery, lang string) error {
	t, err := s.Figures(ctx, q, lang)
	if err != nil {
		return err
	}
	area, _ := org.NameOf(ctx, s.db.Reader(), t.OrgID)
	p := authz.From(ctx)
	wm := excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(zone), Note: area + " " + t.From + " – " + t.To}
	cols := make([]excel.Column, len(figureColumns))
	percent := make([]bool, len(figureColumns))
	for i, k := range figureColumns {
		cols[i] = excel.Column{Title: i18n.T(lang, k, nil)}
		percent[i] = i >= rateFrom
	}
	cols[0].Width = 24
	rate := func(r *float64) any {
		if r == nil {
			return nil
		}
		return *r
	}
	row := func(r FigureRow) []any {
		f, x := r.Figures, r.Rates
		var avg any
		if f.AvgDays != nil {
			avg = *f.AvgDays
		}
		return []any{r.Name, f.Accepted, f.Mediated, f.Closed, avg, f.ConfirmApplied, f.Confirmed, f.Referrals, f.ReferralsSettled,
			f.Litigation, f.SentToCourt, f.SettledVillage, f.SettledTown, f.SettledCounty, f.SettledCity, f.Red, f.Yellow,
			rate(x.Mediation), rate(x.Closure), rate(x.Diversion), rate(x.Village), rate(x.Town)}
	}
	table := excel.Table{Name: i18n.T(lang, "ui.dispute.figures.by."+t.By, nil), Columns: cols, Percent: percent}
	for _, r := range t.Rows {
		table.Rows = append(table.Rows, row(r))
	}
	table.Rows = append(table.Rows, row(t.Total))
	if err := excel.WriteTables(w, wm, []excel.Table{table}); err != nil {
		return err
	}
	e := auditEntry("figures_export", "")
	e.ObjectType, e.Detail = "dispute_figures", t.OrgID+" "+t.From+".."+t.To+" by "+t.By
	return s.audit.RecordAlone(ctx, s.db, authz.DisputeRead, e)
}

func (s *Service) exportFigures(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	lang := i18n.Lang(r)
	if err := s.WriteFigures(r.Context(), &buf, figureQueryOf(r), lang); err != nil {
		return err
	}
	name := i18n.T(lang, "ui.menu.dispute_figures", nil) + "-" + s.Now().In(zone).Format("20060102") + ".xlsx"
	httpx.Download(w, name, httpx.XLSX, buf.Bytes())
	return nil
}
