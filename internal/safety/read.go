package safety

import (
	"context"
	"slices"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// MonthRef is a computed month of a root, as the month picker lists it.
type MonthRef struct {
	Month       string `json:"month"`
	Status      string `json:"status"`
	Version     int    `json:"version"` // the catalogue version it was computed with
	ComputedAt  int64  `json:"computed_at"`
	PublishedAt *int64 `json:"published_at"`
}

// Month is a computed month's ranking: the indicators of the catalogue
// version it was computed with and every area's index, rank, change and
// lights.
type Month struct {
	MonthRef
	ID         string      `json:"id"`
	RootID     string      `json:"root_id"`
	RootName   string      `json:"root_name"`
	Indicators []Indicator `json:"indicators"`
	Areas      []AreaRow   `json:"areas"`
}

// AreaRow is one area's line of a ranking.
type AreaRow struct {
	AreaID  string            `json:"area_id"`
	Code    string            `json:"code"`
	Name    string            `json:"name"`
	Level   string            `json:"level"`
	Score   float64           `json:"score"`
	Rank    int               `json:"rank"`
	Of      int               `json:"of"` // the areas of its level ranked
	Change  *float64          `json:"change"`
	Reds    int               `json:"reds"`
	Yellows int               `json:"yellows"`
	Lights  map[string]string `json:"lights"` // indicator code → light
}

// Value is an indicator's figures for one area in a month.
type Value struct {
	Indicator
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
	Value       *float64 `json:"value"`
	Light       string   `json:"light"`
	Points      float64  `json:"points"`
}

// AreaMonth is one area's indicators in a month, and its index over the
// twelve months up to it.
type AreaMonth struct {
	AreaRow
	Month  MonthRef `json:"month"`
	Values []Value  `json:"values"`
	Trend  []Point  `json:"trend"`
}

// Input is one record behind an indicator's value: what it adds to the
// numerator (hits) and to the denominator (total) — 1 and 1 for an event
// counted, 0 and 1 for one that is not; a grid its days patrolled and the
// days of the month.
type Input struct {
	RecordID string `json:"record_id"`
	Label    string `json:"label"`
	Hits     int    `json:"hits"`
	Total    int    `json:"total"`
}

// Drill is the records behind one indicator of an area in a month: their
// hits sum to the numerator and, for a percentage, their totals to the
// denominator.
type Drill struct {
	Value
	AreaID  string  `json:"area_id"`
	Month   string  `json:"month"`
	Records string  `json:"records"` // what a record is: event, dispute, …
	Rows    []Input `json:"rows"`
}

// Months lists the root's computed months, newest first.
func (s *Service) Months(ctx context.Context, rootID string) ([]MonthRef, error) {
	q := s.db.Reader()
	if _, err := rootPath(ctx, q, authz.SafetyRead, rootID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT m.month, m.status, c.version, m.computed_at, m.published_at FROM safety_months m
		JOIN safety_catalogues c ON c.id = m.catalogue_id WHERE m.root_id = ? ORDER BY m.month DESC`, rootID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []MonthRef{}
	for rows.Next() {
		var m MonthRef
		if err := rows.Scan(&m.Month, &m.Status, &m.Version, &m.ComputedAt, &m.PublishedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// monthHead reads a month's row by root and month.
func monthHead(ctx context.Context, q db.Querier, rootID, month string) (Month, string, error) {
	m := Month{RootID: rootID}
	m.Month = month
	var catID string
	err := q.QueryRowContext(ctx, `SELECT m.id, m.status, c.version, m.computed_at, m.published_at, m.catalogue_id FROM safety_months m
		JOIN safety_catalogues c ON c.id = m.catalogue_id WHERE m.root_id = ? AND m.month = ?`, rootID, month).
		Scan(&m.ID, &m.Status, &m.Version, &m.ComputedAt, &m.PublishedAt, &catID)
	return m, catID, notFound(err, "safety_month")
}

// Ranking returns the root's month with its areas of level ("" for both),
// best first.
func (s *Service) Ranking(ctx context.Context, rootID, month, level string) (Month, error) {
	if _, _, err := monthRange(month); err != nil {
		return Month{}, err
	}
	if level != "" && !slices.Contains(Levels, level) {
		return Month{}, apperr.Field("level", "validation.one_of", "values", "county, town")
	}
	q := s.db.Reader()
	if _, err := rootPath(ctx, q, authz.SafetyRead, rootID); err != nil {
		return Month{}, err
	}
	return ranking(ctx, q, rootID, month, level)
}

// ranking reads the root's month with its areas of level; the caller has
// checked the reader.
func ranking(ctx context.Context, q db.Querier, rootID, month, level string) (Month, error) {
	m, catID, err := monthHead(ctx, q, rootID, month)
	if err != nil {
		return m, err
	}
	if m.RootName, err = org.NameOf(ctx, q, rootID); err != nil {
		return m, err
	}
	cat, err := catalogueByID(ctx, q, catID)
	if err != nil {
		return m, err
	}
	m.Indicators = []Indicator{}
	for _, i := range cat.Indicators {
		if level == "" || i.Level == level {
			m.Indicators = append(m.Indicators, i)
		}
	}
	m.Areas, err = areaRows(ctx, q, m.ID, "", level)
	return m, err
}

// areaRows reads a month's areas (one area when areaID is given) with
// their lights, best first within each level.
func areaRows(ctx context.Context, q db.Querier, monthID, areaID, level string) ([]AreaRow, error) {
	cond, args := "a.month_id = ?", []any{monthID}
	if areaID != "" {
		cond, args = cond+" AND a.area_id = ?", append(args, areaID)
	}
	if level != "" {
		cond, args = cond+" AND a.level = ?", append(args, level)
	}
	of := map[string]int{} // the areas ranked at each level
	counts, err := q.QueryContext(ctx, "SELECT level, count(*) FROM safety_areas WHERE month_id = ? GROUP BY level", monthID)
	if err != nil {
		return nil, err
	}
	for counts.Next() {
		var level string
		var n int
		if err := counts.Scan(&level, &n); err != nil {
			counts.Close()
			return nil, err
		}
		of[level] = n
	}
	if err := counts.Close(); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT a.area_id, o.code, o.name, a.level, a.score, a.area_rank, a.prev_score, a.reds, a.yellows
		FROM safety_areas a JOIN org_nodes o ON o.id = a.area_id WHERE `+cond+` ORDER BY CASE a.level WHEN 'county' THEN 0 ELSE 1 END, a.area_rank, o.code`, args...)
	if err != nil {
		return nil, err
	}
	out := []AreaRow{}
	index := map[string]int{}
	for rows.Next() {
		var r AreaRow
		var prev *float64
		if err := rows.Scan(&r.AreaID, &r.Code, &r.Name, &r.Level, &r.Score, &r.Rank, &prev, &r.Reds, &r.Yellows); err != nil {
			rows.Close()
			return nil, err
		}
		r.Of = of[r.Level]
		if prev != nil {
			c := round2(r.Score - *prev)
			r.Change = &c
		}
		r.Lights = map[string]string{}
		index[r.AreaID] = len(out)
		out = append(out, r)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	cond, args = "month_id = ?", []any{monthID}
	if areaID != "" {
		cond, args = cond+" AND area_id = ?", append(args, areaID)
	}
	lights, err := q.QueryContext(ctx, "SELECT area_id, code, light FROM safety_values WHERE "+cond, args...)
	if err != nil {
		return nil, err
	}
	defer lights.Close()
	for lights.Next() {
		var a, code, light string
		if err := lights.Scan(&a, &code, &light); err != nil {
			return nil, err
		}
		if i, ok := index[a]; ok {
			out[i].Lights[code] = light
		}
	}
	return out, lights.Err()
}

// areaMonth finds the month of the area (a county or a town the caller
// reads) computed under its nearest root, with the catalogue it used.
func (s *Service) areaMonth(ctx context.Context, q db.Querier, areaID, month string) (MonthRef, string, string, error) {
	var ref MonthRef
	if _, _, err := monthRange(month); err != nil {
		return ref, "", "", err
	}
	if _, err := org.PathIn(ctx, q, authz.SafetyRead, areaID, ""); err != nil {
		return ref, "", "", err
	}
	var id, catID string
	err := q.QueryRowContext(ctx, `SELECT m.id, m.status, c.version, m.computed_at, m.published_at, m.catalogue_id FROM safety_areas a
		JOIN safety_months m ON m.id = a.month_id JOIN safety_catalogues c ON c.id = m.catalogue_id
		WHERE a.area_id = ? AND m.month = ? ORDER BY length(m.root_path) DESC LIMIT 1`, areaID, month).
		Scan(&id, &ref.Status, &ref.Version, &ref.ComputedAt, &ref.PublishedAt, &catID)
	ref.Month = month
	return ref, id, catID, notFound(err, "safety_month")
}

// Area returns one area's indicators in a month: value, thresholds, light
// and points of each.
func (s *Service) Area(ctx context.Context, areaID, month string) (AreaMonth, error) {
	q := s.db.Reader()
	ref, monthID, catID, err := s.areaMonth(ctx, q, areaID, month)
	if err != nil {
		return AreaMonth{}, err
	}
	rows, err := areaRows(ctx, q, monthID, areaID, "")
	if err != nil {
		return AreaMonth{}, err
	}
	if len(rows) == 0 {
		return AreaMonth{}, apperr.NotFoundf("safety_month")
	}
	out := AreaMonth{AreaRow: rows[0], Month: ref, Values: []Value{}}
	cat, err := catalogueByID(ctx, q, catID)
	if err != nil {
		return out, err
	}
	if out.Values, err = values(ctx, q, monthID, areaID, cat, out.Level, ""); err != nil {
		return out, err
	}
	out.Trend, err = trend(ctx, q, monthID, areaID)
	return out, err
}

// trend is an area's index in the twelve months up to the month's, under
// the month's root.
func trend(ctx context.Context, q db.Querier, monthID, areaID string) ([]Point, error) {
	var rootID, month string
	if err := q.QueryRowContext(ctx, "SELECT root_id, month FROM safety_months WHERE id = ?", monthID).Scan(&rootID, &month); err != nil {
		return nil, err
	}
	from, _, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT m.month, a.score FROM safety_areas a JOIN safety_months m ON m.id = a.month_id
		WHERE m.root_id = ? AND a.area_id = ? AND m.month > ? AND m.month <= ? ORDER BY m.month`, rootID, areaID, from.AddDate(-1, 0, 0).Format("2006-01"), month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Point{}
	for rows.Next() {
		var p Point
		if err := rows.Scan(&p.Month, &p.Score); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// values reads an area's values (one indicator's when code is given) with
// the indicators of its level in the catalogue version the month used.
func values(ctx context.Context, q db.Querier, monthID, areaID string, cat Catalogue, level, code string) ([]Value, error) {
	got := map[string]Value{}
	rows, err := q.QueryContext(ctx, "SELECT code, numerator, denominator, value, light, score FROM safety_values WHERE month_id = ? AND area_id = ?", monthID, areaID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c string
		var v Value
		if err := rows.Scan(&c, &v.Numerator, &v.Denominator, &v.Value, &v.Light, &v.Points); err != nil {
			rows.Close()
			return nil, err
		}
		got[c] = v
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	out := []Value{}
	for _, ind := range cat.Indicators {
		v, ok := got[ind.Code]
		if !ok || ind.Level != level || (code != "" && ind.Code != code) {
			continue
		}
		v.Indicator = ind
		out = append(out, v)
	}
	return out, nil
}

// Drill returns the records behind one indicator of an area in a month:
// for the area's level, the records under its path the month kept.
func (s *Service) Drill(ctx context.Context, areaID, month, code string) (Drill, error) {
	q := s.db.Reader()
	_, monthID, catID, err := s.areaMonth(ctx, q, areaID, month)
	if err != nil {
		return Drill{}, err
	}
	var level string
	if err := q.QueryRowContext(ctx, "SELECT level FROM safety_areas WHERE month_id = ? AND area_id = ?", monthID, areaID).Scan(&level); err != nil {
		return Drill{}, notFound(err, "safety_month")
	}
	cat, err := catalogueByID(ctx, q, catID)
	if err != nil {
		return Drill{}, err
	}
	vs, err := values(ctx, q, monthID, areaID, cat, level, code)
	if err != nil {
		return Drill{}, err
	}
	if len(vs) == 0 {
		return Drill{}, apperr.NotFoundf("safety_indicator")
	}
	d := Drill{Value: vs[0], AreaID: areaID, Month: month, Records: metricOf(vs[0].Source).Records, Rows: []Input{}}
	path, err := org.PathOf(ctx, q, areaID, "")
	if err != nil {
		return d, err
	}
	under, args := authz.Under("path", path)
	// A computed count lists its hits; a percentage or a reported figure
	// every record, hits first.
	cond := ""
	if d.Unit != "percent" && !metricOf(d.Source).Reported {
		cond = " AND hits > 0"
	}
	rows, err := q.QueryContext(ctx, "SELECT record_id, label, hits, total FROM safety_inputs WHERE month_id = ? AND source = ? AND "+under+cond+
		" ORDER BY hits DESC, label, record_id", append([]any{monthID, d.Source}, args...)...)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var in Input
		if err := rows.Scan(&in.RecordID, &in.Label, &in.Hits, &in.Total); err != nil {
			return d, err
		}
		d.Rows = append(d.Rows, in)
	}
	return d, rows.Err()
}
