package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
)

// fieldChecks are results in the demo grid member's own grid waiting for
// the on-site re-check (核查), with the category they are filed under.
var fieldChecks = []struct{ category, text, result string }{
	{"0101", "小区门口垃圾堆积，散发异味", "已安排保洁员清运垃圾并冲洗地面"},
	{"0402", "商铺占道摆卖", "已劝导商户将货物搬回店内，签订门前三包责任书"},
	{"1403", "路灯不亮已一周", "已更换灯具和线路，路灯恢复照明"},
}

// fieldOrders are 12345 hotline matters sent to the demo handler's
// department: the first ones wait to be signed, the last is being handled.
var fieldOrders = []struct{ category, text string }{
	{"0402", "市民来电反映：东埔路口商铺占道摆卖，影响通行"},
	{"0101", "市民来电反映：河边绿化带内有大量生活垃圾"},
	{"0201", "市民来电反映：小区电杆上乱贴办证小广告"},
	{"0103", "市民来电反映：夜市散场后路面油污垃圾无人清扫"},
}

// FieldWork gives the demo's field accounts work waiting on their phones:
// results in the grid member's grid that wait for the on-site re-check,
// and hotline matters dispatched to the handler's department that wait to
// be signed or are being handled. They are a few hours old, so their
// lights are green or yellow. It returns how many events it wrote.
func FieldWork(ctx context.Context, d *db.DB, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 11))
	cal, err := calendar.New(calendar.Config{})
	if err != nil {
		return 0, err
	}
	q := d.Reader()
	member, err := fieldGrid(ctx, q, "gridmember")
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // no demo accounts (a bench data set)
	}
	if err != nil {
		return 0, err
	}
	var centre, dept, deptKey string
	if err := q.QueryRowContext(ctx, "SELECT id FROM units WHERE org_id = ? AND kind = 'center'", member.orgID).Scan(&centre); err != nil {
		return 0, fmt.Errorf("the village centre: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT u.id, u.code FROM users a JOIN units u ON u.id = a.unit_id WHERE a.username = 'handler'`).Scan(&dept, &deptKey); err != nil {
		return 0, fmt.Errorf("the handler's department: %w", err)
	}
	deptKey = deptKey[len(deptKey)-2:]
	cats := map[string]demoCategory{}
	rows, err := q.QueryContext(ctx, "SELECT code, COALESCE(default_unit_code, ''), limits FROM categories WHERE parent_code IS NOT NULL AND active = ? ORDER BY code", true)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var c demoCategory
		var limits string
		if err := rows.Scan(&c.code, &c.unit, &limits); err != nil {
			rows.Close()
			return 0, err
		}
		json.Unmarshal([]byte(limits), &c.limits)
		cats[c.code] = c
	}
	rows.Close()

	b := &batch{ctx: ctx, db: d}
	numbers := &eventNumbers{q: q, next: map[string]int{}}
	n := 0
	for i, fc := range fieldChecks {
		c, ok := cats[fc.category]
		if !ok {
			return n, fmt.Errorf("no category %s", fc.category)
		}
		e := &eventPlay{b: b, rng: rng, cal: cal, g: member, c: c, ch: "grid", urgency: "normal", id: db.NewID(), major: c.code[:2]}
		created := now.Add(-time.Duration(30+10*i) * time.Hour)
		e.report(created)
		e.text = fc.text
		e.fieldStep(created.Add(20*time.Minute), "file", "filed", "")
		e.fieldDispatch(created.Add(40*time.Minute), centre, "village")
		e.fieldSign(created.Add(3 * time.Hour))
		e.fieldResult(now.Add(-time.Duration(40+30*i)*time.Minute), centre, fc.result)
		e.fieldUnit()
		no, err := numbers.take(ctx, created)
		if err != nil {
			return n, err
		}
		b.add("events", e.row(no, created)...)
		n++
	}
	grids, err := countyGrids(ctx, q, member.countyID)
	if err != nil {
		return n, err
	}
	for i, fo := range fieldOrders {
		c, ok := cats[fo.category]
		if !ok || c.unit != deptKey {
			return n, fmt.Errorf("category %s is not the handler's department's (%s)", fo.category, deptKey)
		}
		g := grids[rng.IntN(len(grids))]
		e := &eventPlay{b: b, rng: rng, cal: cal, g: g, c: c, ch: "hotline", urgency: "normal", id: db.NewID(), major: c.code[:2]}
		created := now.Add(-time.Duration(3+2*i) * time.Hour)
		e.report(created)
		e.text = fo.text
		e.fieldStep(created.Add(15*time.Minute), "file", "filed", "")
		e.fieldDispatch(created.Add(30*time.Minute), dept, "county")
		if i == len(fieldOrders)-1 {
			e.fieldSign(created.Add(50 * time.Minute))
		}
		e.fieldUnit()
		no, err := numbers.take(ctx, created)
		if err != nil {
			return n, err
		}
		b.add("events", e.row(no, created)...)
		n++
	}
	for day, k := range numbers.next {
		b.add("counters", "event:"+day, k)
	}
	return n, b.flush()
}

// fieldStep records a step at a fixed time and moves the event to state.
func (e *eventPlay) fieldStep(at time.Time, action, to, unit string) {
	e.t = at
	e.step(at, action, e.state, to, unit)
	e.state = to
}

// fieldResult is the unit's result with its note, waiting for the re-check.
func (e *eventPlay) fieldResult(at time.Time, unit, note string) {
	e.seq++
	e.t, e.last = at, at
	e.b.add("event_log", e.id, e.seq, at.UnixMilli(), "demo", "演示", "", "report_result", e.state, "handled", unit, note, "")
	e.state = "handled"
}

// fieldDispatch sends the event to one unit as its lead.
func (e *eventPlay) fieldDispatch(at time.Time, unit, level string) {
	e.lead, e.level = unit, level
	e.dispatched = msPtr(at)
	e.responseDue = msPtr(e.cal.Add(at, limitOf(e.c, e.urgency, "sign")))
	e.due = msPtr(e.cal.Add(at, limitOf(e.c, e.urgency, "handle")))
	e.fieldStep(at, "dispatch", "dispatched", unit)
}

// fieldSign is the lead unit signing for the event; its unit row says so.
func (e *eventPlay) fieldSign(at time.Time) {
	e.signed = msPtr(at)
	e.fieldStep(at, "sign", "handling", e.lead.(string))
}

// fieldUnit writes the lead unit's row, signed or not.
func (e *eventPlay) fieldUnit() {
	state, signed := "dispatched", any(nil)
	if e.signed != nil {
		state, signed = "signed", *e.signed
	}
	e.b.add("event_units", e.id, e.lead, true, state, *e.due, signed, nil)
}

// fieldGrid is the main-layer grid the account serves as a grid member.
func fieldGrid(ctx context.Context, q db.Querier, username string) (demoGrid, error) {
	var g demoGrid
	err := q.QueryRowContext(ctx, `SELECT g.id, g.org_id, g.path, v.parent_id, t.parent_id, g.center_lat, g.center_lng
		FROM grid_members m JOIN users u ON u.id = m.user_id JOIN grids g ON g.id = m.grid_id
		JOIN org_nodes v ON v.id = g.org_id JOIN org_nodes t ON t.id = v.parent_id
		WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`, username).Scan(&g.id, &g.orgID, &g.path, &g.townID, &g.countyID, &g.lat, &g.lng)
	return g, err
}

// countyGrids are the active main-layer grids under a county.
func countyGrids(ctx context.Context, q db.Querier, countyID string) ([]demoGrid, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.org_id, g.path, v.parent_id, t.parent_id, g.center_lat, g.center_lng FROM grids g
		JOIN org_nodes v ON v.id = g.org_id JOIN org_nodes t ON t.id = v.parent_id
		WHERE g.layer = 'zz' AND g.status = 'active' AND t.parent_id = ? ORDER BY g.code`, countyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []demoGrid
	for rows.Next() {
		var g demoGrid
		if err := rows.Scan(&g.id, &g.orgID, &g.path, &g.townID, &g.countyID, &g.lat, &g.lng); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	if len(out) == 0 && rows.Err() == nil {
		return nil, fmt.Errorf("no grid under the county %s", countyID)
	}
	return out, rows.Err()
}

// eventNumbers draws event numbers (day + 4 digits) after those the
// counters already hold.
type eventNumbers struct {
	q    db.Querier
	next map[string]int
}

func (en *eventNumbers) take(ctx context.Context, created time.Time) (string, error) {
	day := created.In(cst).Format("20060102")
	if _, ok := en.next[day]; !ok {
		var n int
		err := en.q.QueryRowContext(ctx, "SELECT n FROM counters WHERE name = ?", "event:"+day).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		en.next[day] = n
	}
	en.next[day]++
	return fmt.Sprintf("%s%04d", day, en.next[day]), nil
}
