package safety

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
)

// The states of a unit's report of a month, and their lights: on time
// (green), late (yellow), missing past its deadline (red), not yet due.
const (
	ReportPending = "pending"
	ReportOnTime  = "on_time"
	ReportLate    = "late"
	ReportMissing = "missing"
)

var reportLights = map[string]string{ReportPending: None, ReportOnTime: Green, ReportLate: Yellow, ReportMissing: Red}

// MaxReported is the largest figure a unit may report for one town.
const MaxReported = 1_000_000

// ReportRef is a unit's report of a month as the lists show it.
type ReportRef struct {
	RootID      string `json:"root_id"`
	RootName    string `json:"root_name"`
	Month       string `json:"month"`
	UnitID      string `json:"unit_id"`
	UnitName    string `json:"unit_name"`
	DueAt       int64  `json:"due_at"` // the deadline: the end of the due day of the next month
	Status      string `json:"status"` // pending, on_time, late, missing
	Light       string `json:"light"`
	SubmittedAt *int64 `json:"submitted_at"`
	UpdatedAt   *int64 `json:"updated_at"`
	Locked      bool   `json:"locked"` // the month is published: the report no longer changes
}

// Report is a unit's report of a month: the figures it reports and each
// town's value of each (nil while not reported).
type Report struct {
	ReportRef
	Evidence string    `json:"evidence"`
	Version  int       `json:"version"`
	Figures  []Figure  `json:"figures"`
	Towns    []TownRow `json:"towns"`
}

// Figure is one figure a unit reports.
type Figure struct {
	Source string `json:"source"`
	Name   string `json:"name"`
	Unit   string `json:"unit"` // count, amount (万元)
}

// TownRow is one town's line of a report.
type TownRow struct {
	AreaID string          `json:"area_id"`
	Code   string          `json:"code"`
	Name   string          `json:"name"`
	Values map[string]*int `json:"values"` // source → value
}

// ReportInput is a report as submitted: every figure of every town, and
// the document the figures come from. Version is the one edited (0 for a
// first submission).
type ReportInput struct {
	Version  int           `json:"version"`
	Evidence string        `json:"evidence"`
	Values   []ReportValue `json:"values"`
}

// ReportValue is one town's value of one figure.
type ReportValue struct {
	Source string `json:"source"`
	AreaID string `json:"area_id"`
	Value  *int   `json:"value"`
}

// reportedIn gives every town's figure of code reported for the month by
// the unit the month's catalogue names, as a record of the report: hits
// the figure, total 1 (a town reported).
func reportedIn(code string) gather {
	return func(ctx context.Context, q db.Querier, path string, m span, add adder) error {
		rows, err := q.QueryContext(ctx, `SELECT r.id, o.name, o.path, v.value FROM safety_report_values v
			JOIN safety_reports r ON r.id = v.report_id
			JOIN safety_reporters p ON p.catalogue_id = ? AND p.source = v.source AND p.unit_id = r.unit_id
			JOIN org_nodes o ON o.id = v.area_id
			WHERE r.root_id = ? AND r.month = ? AND v.source = ? ORDER BY o.code`, m.Catalogue, m.Root, m.Month, code)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, name, p string
			var v int
			if err := rows.Scan(&id, &name, &p, &v); err != nil {
				return err
			}
			add(id, name, p, v, 1)
		}
		return rows.Err()
	}
}

// form is what a unit reports for a root's month: the catalogue the month
// uses (the one it was computed with, or the one in force), the unit's
// figures and deadline, the towns, and whether the month is published.
type form struct {
	path    string
	cat     Catalogue
	mine    []Reporter
	towns   []org.Area
	locked  bool
	from    time.Time
	rootNm  string
	unitNm  string
	dueDays int
}

// monthCatalogue is the catalogue of a root's month: the one it was
// computed with, else the one in force; and whether it is published.
func monthCatalogue(ctx context.Context, q db.Querier, rootID, month string) (Catalogue, bool, error) {
	var catID, status string
	err := q.QueryRowContext(ctx, "SELECT catalogue_id, status FROM safety_months WHERE root_id = ? AND month = ?", rootID, month).Scan(&catID, &status)
	if errors.Is(err, sql.ErrNoRows) {
		c, err := current(ctx, q, rootID)
		return c, false, err
	}
	if err != nil {
		return Catalogue{}, false, err
	}
	c, err := catalogueByID(ctx, q, catID)
	return c, status == Published, err
}

// reportForm reads the form of unit for the root's month. The committee
// (safety.read over the root) reads every unit's; a unit's reporter
// (safety.report, of that unit) its own, and only its own is written
// (write). A unit the month's catalogue does not name has no form.
func reportForm(ctx context.Context, q db.Querier, rootID, month, unitID string, write bool) (form, error) {
	var f form
	from, _, err := monthRange(month)
	if err != nil {
		return f, err
	}
	f.from = from
	own := unitID != "" && authz.From(ctx).UnitID == unitID
	switch {
	case own:
		f.path, err = rootPath(ctx, q, authz.SafetyReport, rootID)
		if err != nil && !write {
			f.path, err = rootPath(ctx, q, authz.SafetyRead, rootID)
		}
	case write:
		err = apperr.NotFoundf("safety_report")
	default:
		f.path, err = rootPath(ctx, q, authz.SafetyRead, rootID)
	}
	if err != nil {
		return f, err
	}
	if f.cat, f.locked, err = monthCatalogue(ctx, q, rootID, month); err != nil {
		return f, err
	}
	for _, r := range f.cat.Reporters {
		if r.UnitID == unitID {
			f.mine = append(f.mine, r)
			if f.dueDays == 0 || r.DueDay < f.dueDays {
				f.dueDays = r.DueDay
			}
			f.unitNm = r.UnitName
		}
	}
	if len(f.mine) == 0 {
		return f, apperr.NotFoundf("safety_report")
	}
	if f.rootNm, err = org.NameOf(ctx, q, rootID); err != nil {
		return f, err
	}
	f.towns, err = org.AreasUnder(ctx, q, f.path, "town")
	return f, err
}

// due is the end of the due day of the next month.
func (f form) due() time.Time { return f.from.AddDate(0, 1, f.dueDays) }

// ref is the report's line: its state against the deadline now.
func (f form) ref(rootID, month, unitID string, submitted, updated *int64, now time.Time) ReportRef {
	r := ReportRef{RootID: rootID, RootName: f.rootNm, Month: month, UnitID: unitID, UnitName: f.unitNm,
		DueAt: f.due().UnixMilli(), SubmittedAt: submitted, UpdatedAt: updated, Locked: f.locked}
	switch {
	case submitted != nil && *submitted < r.DueAt:
		r.Status = ReportOnTime
	case submitted != nil:
		r.Status = ReportLate
	case now.UnixMilli() >= r.DueAt:
		r.Status = ReportMissing
	default:
		r.Status = ReportPending
	}
	r.Light = reportLights[r.Status]
	return r
}

// figures names the unit's figures as the month's catalogue does (the
// town-level indicator's name, else the suggested one).
func (f form) figures() []Figure {
	var out []Figure
	for _, r := range f.mine {
		m := metricOf(r.Source)
		name := m.Suggested.Name
		for _, ind := range f.cat.Indicators {
			if ind.Source == r.Source {
				name = ind.Name
			}
		}
		out = append(out, Figure{Source: r.Source, Name: name, Unit: m.Unit})
	}
	return out
}

// Report returns a unit's report of a root's month, with every town's
// figures (nil while not reported).
func (s *Service) Report(ctx context.Context, rootID, month, unitID string) (Report, error) {
	q := s.db.Reader()
	f, err := reportForm(ctx, q, rootID, month, unitID, false)
	if err != nil {
		return Report{}, err
	}
	return s.readReport(ctx, q, f, rootID, month, unitID)
}

func (s *Service) readReport(ctx context.Context, q db.Querier, f form, rootID, month, unitID string) (Report, error) {
	var id string
	var submitted, updated *int64
	out := Report{Figures: f.figures(), Towns: []TownRow{}}
	err := q.QueryRowContext(ctx, "SELECT id, evidence, submitted_at, updated_at, version FROM safety_reports WHERE root_id = ? AND month = ? AND unit_id = ?",
		rootID, month, unitID).Scan(&id, &out.Evidence, &submitted, &updated, &out.Version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, err
	}
	out.ReportRef = f.ref(rootID, month, unitID, submitted, updated, s.Now())
	got := map[[2]string]int{}
	if id != "" {
		rows, err := q.QueryContext(ctx, "SELECT source, area_id, value FROM safety_report_values WHERE report_id = ?", id)
		if err != nil {
			return out, err
		}
		for rows.Next() {
			var src, area string
			var v int
			if err := rows.Scan(&src, &area, &v); err != nil {
				rows.Close()
				return out, err
			}
			got[[2]string{src, area}] = v
		}
		if err := rows.Close(); err != nil {
			return out, err
		}
	}
	for _, t := range f.towns {
		row := TownRow{AreaID: t.ID, Code: t.Code, Name: t.Name, Values: map[string]*int{}}
		for _, fg := range out.Figures {
			if v, ok := got[[2]string{fg.Source, t.ID}]; ok {
				row.Values[fg.Source] = &v
			} else {
				row.Values[fg.Source] = nil
			}
		}
		out.Towns = append(out.Towns, row)
	}
	return out, nil
}

// Reports lists every unit's report of a root's month with its light, for
// the committee: late and missing ones stand out.
func (s *Service) Reports(ctx context.Context, rootID, month string) ([]ReportRef, error) {
	q := s.db.Reader()
	if _, _, err := monthRange(month); err != nil {
		return nil, err
	}
	if _, err := rootPath(ctx, q, authz.SafetyRead, rootID); err != nil {
		return nil, err
	}
	cat, _, err := monthCatalogue(ctx, q, rootID, month)
	if err != nil {
		return nil, err
	}
	out := []ReportRef{}
	seen := map[string]bool{}
	for _, r := range cat.Reporters {
		if seen[r.UnitID] {
			continue
		}
		seen[r.UnitID] = true
		ref, err := s.reportRef(ctx, q, rootID, month, r.UnitID, false)
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

// reportRef is one unit's line of a month.
func (s *Service) reportRef(ctx context.Context, q db.Querier, rootID, month, unitID string, write bool) (ReportRef, error) {
	f, err := reportForm(ctx, q, rootID, month, unitID, write)
	if err != nil {
		return ReportRef{}, err
	}
	var submitted, updated *int64
	err = q.QueryRowContext(ctx, "SELECT submitted_at, updated_at FROM safety_reports WHERE root_id = ? AND month = ? AND unit_id = ?",
		rootID, month, unitID).Scan(&submitted, &updated)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ReportRef{}, err
	}
	return f.ref(rootID, month, unitID, submitted, updated, s.Now()), nil
}

// MyReports lists the caller's unit's reports of a month: one for every
// root whose catalogue names the unit.
func (s *Service) MyReports(ctx context.Context, month string) ([]ReportRef, error) {
	if _, _, err := monthRange(month); err != nil {
		return nil, err
	}
	unit := authz.From(ctx).UnitID
	out := []ReportRef{}
	if unit == "" {
		return out, nil
	}
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT c.root_id FROM safety_reporters p JOIN safety_catalogues c ON c.id = p.catalogue_id
		WHERE p.unit_id = ? ORDER BY c.root_id`, unit)
	if err != nil {
		return nil, err
	}
	var roots []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		roots = append(roots, id)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	for _, root := range roots {
		ref, err := s.reportRef(ctx, q, root, month, unit, true)
		if apperr.As(err).Kind == apperr.NotFound {
			continue // named by an older version only, or out of the caller's area
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

// SaveReport submits (or corrects) the caller's unit's report of a root's
// month: every figure of every town, a whole number from 0, and the
// document they come from. Refused once the month is published. The first
// submission's time decides whether the report was on time. Audited.
func (s *Service) SaveReport(ctx context.Context, rootID, month, unitID string, in ReportInput) (Report, error) {
	var out Report
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		f, err := reportForm(ctx, tx, rootID, month, unitID, true)
		if err != nil {
			return err
		}
		if f.locked {
			return apperr.E(apperr.Conflict, "safety.month_published", "month", month)
		}
		if f.from.After(s.Now()) {
			return apperr.Field("month", "safety.month_future")
		}
		values, err := checkReport(f, &in)
		if err != nil {
			return err
		}
		var id string
		var version int
		err = tx.QueryRowContext(ctx, "SELECT id, version FROM safety_reports WHERE root_id = ? AND month = ? AND unit_id = ?", rootID, month, unitID).Scan(&id, &version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if in.Version != version {
			return apperr.E(apperr.Conflict, "safety.report_changed", "version", version)
		}
		now, uid := db.Now(), authz.From(ctx).UserID
		action := "safety.report.submit"
		if id == "" {
			id = db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO safety_reports (id, root_id, month, unit_id, evidence, submitted_at, submitted_by, updated_at, updated_by, version)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, id, rootID, month, unitID, in.Evidence, now, uid, now, uid); err != nil {
				return err
			}
		} else {
			action = "safety.report.correct"
			if _, err := tx.ExecContext(ctx, "UPDATE safety_reports SET evidence = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ?",
				in.Evidence, now, uid, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM safety_report_values WHERE report_id = ?", id); err != nil {
				return err
			}
		}
		b := batch{ctx: ctx, tx: tx, head: "INSERT INTO safety_report_values (report_id, source, area_id, value) VALUES ", cols: 4}
		for _, v := range values {
			if err := b.add(id, v.Source, v.AreaID, *v.Value); err != nil {
				return err
			}
		}
		if err := b.flush(); err != nil {
			return err
		}
		if err := s.record(ctx, tx, authz.SafetyReport, action, "safety_report", id, fmt.Sprintf("%s, %d figures", month, len(values))); err != nil {
			return err
		}
		out, err = s.readReport(ctx, tx, f, rootID, month, unitID)
		return err
	})
	return out, err
}

// checkReport checks a report against its form: every figure of every
// town once, a whole number from 0 to MaxReported, and the evidence. It
// returns the values in the form's order.
func checkReport(f form, in *ReportInput) ([]ReportValue, error) {
	var fe apperr.Fields
	in.Evidence = strings.TrimSpace(in.Evidence)
	if n := len([]rune(in.Evidence)); n < 2 || n > 500 {
		fe.Add("evidence", "validation.length", "min", 2, "max", 500)
	}
	figures, towns := f.figures(), map[string]string{}
	for _, t := range f.towns {
		towns[t.ID] = t.Name
	}
	got := map[[2]string]ReportValue{}
	for i, v := range in.Values {
		field := fmt.Sprintf("values[%d].", i)
		key := [2]string{v.Source, v.AreaID}
		switch {
		case !slices.ContainsFunc(figures, func(x Figure) bool { return x.Source == v.Source }):
			fe.Add(field+"source", "safety.report_source")
		case towns[v.AreaID] == "":
			fe.Add(field+"area_id", "safety.report_town")
		case got[key].Source != "":
			fe.Add(field+"area_id", "safety.report_twice")
		case v.Value == nil || *v.Value < 0 || *v.Value > MaxReported:
			fe.Add(field+"value", "safety.report_value", "max", MaxReported)
		}
		got[key] = v
	}
	var out []ReportValue
	for _, t := range f.towns {
		for _, fg := range figures {
			v, ok := got[[2]string{fg.Source, t.ID}]
			if !ok {
				fe.Add("values", "safety.report_missing", "town", t.Name, "figure", fg.Name)
				continue
			}
			out = append(out, v)
		}
	}
	return out, fe.Err()
}

// sheetOf is the spreadsheet of a unit's report: a town a row, a figure a
// column, headed by the town's code and name.
func sheetOf(f form, lang string) excel.Sheet {
	sh := excel.Sheet{Name: i18n.T(lang, "ui.safety.report.sheet", nil), Columns: []excel.Column{
		{Key: "code", Title: i18n.T(lang, "ui.safety.report.town_code", nil), Required: true, Width: 16},
		{Key: "name", Title: i18n.T(lang, "ui.safety.report.town", nil), Width: 16},
	}}
	for _, fg := range f.figures() {
		sh.Columns = append(sh.Columns, excel.Column{Key: fg.Source, Title: fg.Name + "（" + i18n.T(lang, "ui.safety.unit."+fg.Unit, nil) + "）",
			Required: true, Note: i18n.T(lang, "safety.report_value", map[string]any{"max": MaxReported})})
	}
	return sh
}

// WriteReportSheet writes the report's spreadsheet, filled with what was
// reported so far: the template a unit fills in and uploads.
func (s *Service) WriteReportSheet(ctx context.Context, w io.Writer, rootID, month, unitID, lang string) error {
	q := s.db.Reader()
	f, err := reportForm(ctx, q, rootID, month, unitID, false)
	if err != nil {
		return err
	}
	r, err := s.readReport(ctx, q, f, rootID, month, unitID)
	if err != nil {
		return err
	}
	p := authz.From(ctx)
	out, err := excel.NewWriter(w, excel.XLSX, sheetOf(f, lang), excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(Zone),
		Note: f.rootNm + " " + month + " " + f.unitNm})
	if err != nil {
		return err
	}
	for _, t := range r.Towns {
		cells := []string{t.Code, t.Name}
		for _, fg := range r.Figures {
			if v := t.Values[fg.Source]; v != nil {
				cells = append(cells, strconv.Itoa(*v))
			} else {
				cells = append(cells, "")
			}
		}
		if err := out.Row(cells); err != nil {
			out.Close()
			return err
		}
	}
	return out.Close()
}

// ReadReportSheet reads a filled spreadsheet into the report's towns
// without saving it: the unit looks at the figures and submits them. Each
// bad cell is named by its row and figure (rows[5].criminal_cases).
func (s *Service) ReadReportSheet(ctx context.Context, rootID, month, unitID string, body []byte, lang string) (Report, error) {
	q := s.db.Reader()
	f, err := reportForm(ctx, q, rootID, month, unitID, true)
	if err != nil {
		return Report{}, err
	}
	r, err := s.readReport(ctx, q, f, rootID, month, unitID)
	if err != nil {
		return r, err
	}
	byCode := map[string]int{}
	for i, t := range r.Towns {
		byCode[t.Code] = i
	}
	var fe apperr.Fields
	seen := map[string]bool{}
	_, err = excel.Read(bytes.NewReader(body), int64(len(body)), excel.XLSX, sheetOf(f, lang), excel.Limits{MaxBytes: 2 << 20, MaxRows: 5000}, func(row excel.Row) error {
		field := fmt.Sprintf("rows[%d].", row.Num)
		for _, p := range row.Problems {
			p.Field = field + p.Field
			fe = append(fe, p)
		}
		code := row.Values["code"]
		i, ok := byCode[code]
		switch {
		case len(row.Problems) > 0:
			return nil
		case !ok:
			fe.Add(field+"code", "safety.report_town")
			return nil
		case seen[code]:
			fe.Add(field+"code", "safety.report_twice")
			return nil
		}
		seen[code] = true
		for _, fg := range r.Figures {
			v, err := strconv.Atoi(row.Values[fg.Source])
			if err != nil || v < 0 || v > MaxReported {
				fe.Add(field+fg.Source, "safety.report_value", "max", MaxReported)
				continue
			}
			r.Towns[i].Values[fg.Source] = &v
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	return r, fe.Err()
}
