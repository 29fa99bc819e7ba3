package safety

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
)

// Indicator is one indicator of a catalogue version at one level.
type Indicator struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Definition string  `json:"definition"`
	Direction  string  `json:"direction"` // higher, lower: which is better
	Weight     int     `json:"weight"`    // points; a level's weights sum to 100
	Green      float64 `json:"green"`     // at or beyond it (in the better direction): green
	Red        float64 `json:"red"`       // at or beyond it (in the worse direction): red
	Level      string  `json:"level"`     // county, town
	Source     string  `json:"source"`    // a metric code of Metrics
	Unit       string  `json:"unit"`      // the metric's: percent or count
}

// Catalogue is a root area's catalogue version. A root with no saved
// catalogue shows the default one as version 0.
type Catalogue struct {
	ID         string       `json:"id"`
	RootID     string       `json:"root_id"`
	Version    int          `json:"version"`
	CreatedAt  int64        `json:"created_at"`
	Indicators []Indicator  `json:"indicators"`
	Reporters  []Reporter   `json:"reporters"`
	Metrics    []MetricInfo `json:"metrics"`
}

// Reporter is the unit that reports a reported figure every month, and the
// day of the next month by which it must.
type Reporter struct {
	Source   string `json:"source"`
	UnitID   string `json:"unit_id"`
	UnitName string `json:"unit_name"`
	DueDay   int    `json:"due_day"` // 1-28
}

// CatalogueInput is a catalogue to save. Version is the version it was
// edited from: another save in between is a conflict.
type CatalogueInput struct {
	Version    int         `json:"version"`
	Indicators []Indicator `json:"indicators"`
	Reporters  []Reporter  `json:"reporters"`
}

// defaults are the default catalogue: the eight computed indicators at
// both levels (docs/safety-index.md names each in the committee's words).
// Only the supervision orders' red line differs: a county has more of them.
func defaults() []Indicator {
	type d struct {
		code, name, def, dir string
		weight               int
		green, red, townRed  float64
	}
	list := []d{
		{"event_on_time", "事件按期办结率", "当月办结的事件中，在办理时限内办结的比例", "higher", 20, 95, 85, 85},
		{"satisfaction", "群众满意率", "当月作出评价的事件中，评价为满意或基本满意的比例", "higher", 15, 90, 80, 80},
		{"mediation_success", "矛盾纠纷调处成功率", "当月结案的矛盾纠纷中，调解成功（达成书面或口头协议）的比例", "higher", 15, 90, 75, 75},
		{"repeat_petitions", "重复信访占比", "当月登记的信访件中，信访人180天内已来访过的（重复访）比例", "lower", 10, 10, 25, 25},
		{"keyperson_visits", "重点人员走访达标率", "月末在管的重点人员中，走访未逾期的比例", "higher", 15, 95, 80, 80},
		{"patrol_coverage", "网格巡查覆盖率", "当月（截至今日）各网格每日有打卡巡查的网格·日占全部网格·日的比例", "higher", 10, 90, 70, 70},
		{"screening_completeness", "矛盾排查报送率", "当月开始的排查轮次中，已报送排查结果或零报告的村（社区）占应报送村（社区）的比例", "higher", 10, 100, 80, 80},
		{"overdue_supervisions", "督办逾期件数", "月末仍未办结且已超过督办期限的督办单件数", "lower", 5, 0, 5, 2},
	}
	var out []Indicator
	for _, level := range Levels {
		for _, x := range list {
			red := x.red
			if level == "town" {
				red = x.townRed
			}
			out = append(out, Indicator{Code: x.code, Name: x.name, Definition: x.def, Direction: x.dir, Weight: x.weight,
				Green: x.green, Red: red, Level: level, Source: x.code, Unit: metricOf(x.code).Unit})
		}
	}
	return out
}

// Catalogue returns the root's catalogue in force (the default one,
// version 0, when none was saved).
func (s *Service) Catalogue(ctx context.Context, rootID string) (Catalogue, error) {
	q := s.db.Reader()
	if _, err := rootPath(ctx, q, authz.SafetyRead, rootID); err != nil {
		return Catalogue{}, err
	}
	return current(ctx, q, rootID)
}

// current is the root's newest catalogue version, or the default one.
func current(ctx context.Context, q db.Querier, rootID string) (Catalogue, error) {
	c := Catalogue{RootID: rootID, Metrics: metricInfos(), Reporters: []Reporter{}}
	err := q.QueryRowContext(ctx, "SELECT id, version, created_at FROM safety_catalogues WHERE root_id = ? ORDER BY version DESC LIMIT 1", rootID).
		Scan(&c.ID, &c.Version, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		c.Indicators = defaults()
		return c, nil
	}
	if err != nil {
		return c, err
	}
	return c, c.read(ctx, q)
}

// read fills a stored version's indicators and reporters.
func (c *Catalogue) read(ctx context.Context, q db.Querier) error {
	var err error
	if c.Indicators, err = indicatorsOf(ctx, q, c.ID); err != nil {
		return err
	}
	c.Reporters, err = reportersOf(ctx, q, c.ID)
	return err
}

func reportersOf(ctx context.Context, q db.Querier, catalogueID string) ([]Reporter, error) {
	rows, err := q.QueryContext(ctx, "SELECT source, unit_id, due_day FROM safety_reporters WHERE catalogue_id = ? ORDER BY source", catalogueID)
	if err != nil {
		return nil, err
	}
	out := []Reporter{}
	for rows.Next() {
		var r Reporter
		if err := rows.Scan(&r.Source, &r.UnitID, &r.DueDay); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	// Ordered as the metrics are, each with its unit's name.
	slices.SortStableFunc(out, func(a, b Reporter) int { return metricIndex(a.Source) - metricIndex(b.Source) })
	for i := range out {
		if out[i].UnitName, _, err = casework.UnitAt(ctx, q, out[i].UnitID); errors.Is(err, sql.ErrNoRows) {
			err = nil // a unit closed since: the id stays, the name is gone
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// catalogueByID is one stored version.
func catalogueByID(ctx context.Context, q db.Querier, id string) (Catalogue, error) {
	c := Catalogue{ID: id, Metrics: metricInfos()}
	err := q.QueryRowContext(ctx, "SELECT root_id, version, created_at FROM safety_catalogues WHERE id = ?", id).Scan(&c.RootID, &c.Version, &c.CreatedAt)
	if err != nil {
		return c, notFound(err, "safety_catalogue")
	}
	return c, c.read(ctx, q)
}

func indicatorsOf(ctx context.Context, q db.Querier, catalogueID string) ([]Indicator, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name, definition, direction, weight, green, red, level, source FROM safety_indicators
		WHERE catalogue_id = ? ORDER BY CASE level WHEN 'county' THEN 0 ELSE 1 END, seq`, catalogueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Indicator{}
	for rows.Next() {
		var i Indicator
		if err := rows.Scan(&i.Code, &i.Name, &i.Definition, &i.Direction, &i.Weight, &i.Green, &i.Red, &i.Level, &i.Source); err != nil {
			return nil, err
		}
		i.Unit = metricOf(i.Source).Unit
		out = append(out, i)
	}
	return out, rows.Err()
}

// SaveCatalogue checks a catalogue and, when it differs from the one in
// force, saves it as the next version; months already computed keep
// theirs. Audited.
func (s *Service) SaveCatalogue(ctx context.Context, rootID string, in CatalogueInput) (Catalogue, error) {
	var out Catalogue
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		// The area first: a caller outside it learns nothing of the input.
		path, err := rootPath(ctx, tx, authz.SafetyWrite, rootID)
		if err != nil {
			return err
		}
		list, err := checkCatalogue(in.Indicators)
		if err != nil {
			return err
		}
		reporters, err := checkReporters(ctx, tx, path, list, in.Reporters)
		if err != nil {
			return err
		}
		cur, err := current(ctx, tx, rootID)
		if err != nil {
			return err
		}
		if in.Version != cur.Version {
			return apperr.E(apperr.Conflict, "safety.catalogue_changed", "version", cur.Version)
		}
		if slices.Equal(list, cur.Indicators) && sameReporters(reporters, cur.Reporters) && cur.ID != "" {
			out = cur
			return nil
		}
		if out, err = s.addVersion(ctx, tx, rootID, cur.Version+1, list, reporters); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.catalogue.save", "safety_catalogue", out.ID, fmt.Sprintf("version %d, %d indicators", out.Version, len(list)))
	})
	return out, err
}

// addVersion writes a catalogue version.
func (s *Service) addVersion(ctx context.Context, tx *db.Tx, rootID string, version int, list []Indicator, reporters []Reporter) (Catalogue, error) {
	c := Catalogue{ID: db.NewID(), RootID: rootID, Version: version, CreatedAt: db.Now(), Indicators: list, Reporters: reporters, Metrics: metricInfos()}
	if _, err := tx.ExecContext(ctx, "INSERT INTO safety_catalogues (id, root_id, version, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
		c.ID, rootID, version, authz.From(ctx).UserID, c.CreatedAt); err != nil {
		return c, err
	}
	for i, ind := range list {
		if _, err := tx.ExecContext(ctx, `INSERT INTO safety_indicators (catalogue_id, level, code, seq, name, definition, direction, weight, green, red, source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, ind.Level, ind.Code, i, ind.Name, ind.Definition, ind.Direction, ind.Weight, ind.Green, ind.Red, ind.Source); err != nil {
			return c, err
		}
	}
	for _, r := range reporters {
		if _, err := tx.ExecContext(ctx, "INSERT INTO safety_reporters (catalogue_id, source, unit_id, due_day) VALUES (?, ?, ?, ?)",
			c.ID, r.Source, r.UnitID, r.DueDay); err != nil {
			return c, err
		}
	}
	return c, nil
}

// inForce is the root's catalogue version in force, written from the
// default one on first use.
func (s *Service) inForce(ctx context.Context, tx *db.Tx, rootID string) (Catalogue, error) {
	c, err := current(ctx, tx, rootID)
	if err != nil || c.ID != "" {
		return c, err
	}
	return s.addVersion(ctx, tx, rootID, 1, c.Indicators, nil)
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// checkCatalogue checks every indicator, naming the field of each problem
// (indicators[3].weight), and returns the list as it will be stored.
func checkCatalogue(in []Indicator) ([]Indicator, error) {
	var f apperr.Fields
	if len(in) == 0 || len(in) > 80 {
		f.Add("indicators", "validation.range", "min", 1, "max", 80)
		return nil, f.Err()
	}
	out := make([]Indicator, len(in))
	seen := map[string]bool{}
	sums := map[string]int{}
	for i, ind := range in {
		field := fmt.Sprintf("indicators[%d].", i)
		ind.Code, ind.Name, ind.Definition = strings.TrimSpace(ind.Code), strings.TrimSpace(ind.Name), strings.TrimSpace(ind.Definition)
		if !codeRE.MatchString(ind.Code) {
			f.Add(field+"code", "safety.code_invalid")
		} else if seen[ind.Level+"/"+ind.Code] {
			f.Add(field+"code", "safety.code_taken")
		}
		seen[ind.Level+"/"+ind.Code] = true
		if n := len([]rune(ind.Name)); n == 0 || n > 40 {
			f.Add(field+"name", "validation.length", "min", 1, "max", 40)
		}
		if len([]rune(ind.Definition)) > 500 {
			f.Add(field+"definition", "validation.length", "min", 0, "max", 500)
		}
		if !slices.Contains(Levels, ind.Level) {
			f.Add(field+"level", "validation.one_of", "values", strings.Join(Levels, ", "))
		}
		if !slices.Contains(Directions, ind.Direction) {
			f.Add(field+"direction", "validation.one_of", "values", strings.Join(Directions, ", "))
		}
		m := metricOf(ind.Source)
		if m.Code == "" {
			f.Add(field+"source", "validation.one_of", "values", strings.Join(metricCodes(), ", "))
		}
		if ind.Weight < 0 || ind.Weight > 100 {
			f.Add(field+"weight", "validation.range", "min", 0, "max", 100)
		}
		sums[ind.Level] += ind.Weight
		max := 100.0
		if m.Unit != "percent" {
			max = 1e6
		}
		okGreen, okRed := inRange(ind.Green, max), inRange(ind.Red, max)
		if !okGreen {
			f.Add(field+"green", "validation.range", "min", 0, "max", max)
		}
		if !okRed {
			f.Add(field+"red", "validation.range", "min", 0, "max", max)
		}
		if okGreen && okRed && ((ind.Direction == "higher" && ind.Green <= ind.Red) || (ind.Direction == "lower" && ind.Green >= ind.Red)) {
			f.Add(field+"red", "safety.thresholds_direction")
		}
		ind.Unit = m.Unit
		out[i] = ind
	}
	for _, level := range Levels {
		if sums[level] != 100 {
			f.Add("indicators", "safety.weights_sum", "level", level, "sum", sums[level])
		}
	}
	// Stored and compared in the display order: county first, then town.
	slices.SortStableFunc(out, func(a, b Indicator) int { return slices.Index(Levels, a.Level) - slices.Index(Levels, b.Level) })
	return out, f.Err()
}

// checkReporters checks that every reported figure the indicators use has
// exactly one reporter — an active unit of the root's area, due by a day
// from 1 to 28 — and that no other figure has one; fields are named as
// reporters[1].unit_id.
func checkReporters(ctx context.Context, q db.Querier, rootPath string, list []Indicator, in []Reporter) ([]Reporter, error) {
	var f apperr.Fields
	used := map[string]bool{}
	for _, ind := range list {
		if metricOf(ind.Source).Reported {
			used[ind.Source] = true
		}
	}
	out := []Reporter{}
	seen := map[string]bool{}
	for i, r := range in {
		field := fmt.Sprintf("reporters[%d].", i)
		switch {
		case !used[r.Source]:
			f.Add(field+"source", "safety.reporter_unused")
		case seen[r.Source]:
			f.Add(field+"source", "safety.reporter_twice")
		}
		seen[r.Source] = true
		name, path, err := casework.UnitAt(ctx, q, r.UnitID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(path, rootPath)) {
			f.Add(field+"unit_id", "safety.reporter_unit")
		} else if err != nil {
			return nil, err
		}
		if r.DueDay < 1 || r.DueDay > 28 {
			f.Add(field+"due_day", "validation.range", "min", 1, "max", 28)
		}
		out = append(out, Reporter{Source: r.Source, UnitID: r.UnitID, UnitName: name, DueDay: r.DueDay})
	}
	for _, m := range Metrics {
		if used[m.Code] && !seen[m.Code] {
			f.Add("reporters", "safety.reporter_missing", "source", m.Suggested.Name)
		}
	}
	slices.SortStableFunc(out, func(a, b Reporter) int { return metricIndex(a.Source) - metricIndex(b.Source) })
	return out, f.Err()
}

func sameReporters(a, b []Reporter) bool {
	return slices.EqualFunc(a, b, func(x, y Reporter) bool { return x.Source == y.Source && x.UnitID == y.UnitID && x.DueDay == y.DueDay })
}

func inRange(v, max float64) bool { return !math.IsNaN(v) && v >= 0 && v <= max }
