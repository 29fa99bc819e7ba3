package demo

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
)

// descriptions give each major class a few plausible reports.
var descriptions = map[string][]string{
	"01": {"小区门口垃圾堆积，散发异味", "路边绿化带内有大量生活垃圾", "河道岸边漂浮垃圾较多"},
	"02": {"楼道内张贴大量小广告", "电线杆上乱贴办证广告"},
	"03": {"夜间施工噪音扰民", "工地未覆盖，扬尘严重"},
	"04": {"商铺占道摆卖", "人行道被车辆占用", "违规搭建铁皮棚"},
	"05": {"路面出现塌陷坑洞", "自来水管破裂，路面积水", "暴雨后道路积水严重"},
	"06": {"其他需协调处理的事项"},
	"11": {"邻里因漏水发生纠纷", "家庭矛盾需调解", "工人反映被拖欠工资", "两村因山林界线发生争议"},
	"12": {"夜间有可疑人员徘徊", "出租屋人员流动频繁，需核查"},
	"13": {"楼道堆放杂物，堵塞消防通道", "老旧房屋墙体开裂", "山体有滑坡迹象"},
	"14": {"小区停水两天未恢复", "路灯不亮已一周", "人行道地砖破损"},
	"15": {"独居老人需要上门帮助", "困难家庭申请临时救助"},
	"16": {"咨询医保缴费政策"},
	"17": {"投诉商户油烟扰民"},
	"18": {"建议增设公交站点"},
}

// summaries are the public summaries the intake desk writes when it
// publishes an internal report of a major class: no names, no numbers.
var summaries = map[string][]string{
	"01": {"群众反映环境卫生问题，已交环卫部门清理", "河道及绿化带垃圾清理"},
	"02": {"清理楼道及电杆小广告"},
	"03": {"施工扰民及扬尘问题督促整改"},
	"04": {"街面占道经营及违规搭建整治"},
	"05": {"道路及供水设施突发问题抢修"},
	"06": {"群众反映事项协调处理"},
	"13": {"安全隐患排查整改"},
	"14": {"民生设施故障维修"},
	"16": {"政策咨询答复"},
	"17": {"商户经营扰民投诉处理"},
	"18": {"公共交通设施建议"},
}

// publicNotes are notes for the public that staff add to some steps.
var publicNotes = map[string][]string{
	"dispatch":      {"已派责任单位处理", "已转相关部门办理"},
	"report_result": {"已处置，待现场核查"},
	"check_pass":    {"经现场核查，问题已解决", "已办结，感谢您的反映"},
	"refuse":        {"经核实不属于受理范围，已告知反映途径"},
}

// publicChannels are the channels whose reports are published as written.
var publicChannels = map[string]bool{"resident": true, "open311": true}

var channelWeights = []struct {
	code string
	w    int
}{{"grid", 45}, {"hotline", 20}, {"resident", 15}, {"police110", 5}, {"petition", 3}, {"video", 5}, {"iot", 3}, {"upper", 2}, {"elderly", 2}}

type demoCategory struct {
	code, unit string
	limits     map[string]map[string]string
}

type demoGrid struct {
	id, orgID, path, townID, countyID string
	lat, lng                          float64
}

// Events writes a year of event history ending at now: perGrid events a
// grid on average, in every state (older ones mostly closed), with their
// timelines, units and ratings, written in batches through multi-row
// INSERTs. It is what the dashboards and the queue are benchmarked on.
func Events(ctx context.Context, d *db.DB, perGrid int, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 7))
	cal, err := calendar.New(calendar.Config{})
	if err != nil {
		return 0, err
	}
	q := d.Reader()
	var cats []demoCategory
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
		cats = append(cats, c)
	}
	rows.Close()
	var grids []demoGrid
	rows, err = q.QueryContext(ctx, `SELECT g.id, g.org_id, g.path, v.parent_id, t.parent_id, g.center_lat, g.center_lng FROM grids g
		JOIN org_nodes v ON v.id = g.org_id JOIN org_nodes t ON t.id = v.parent_id WHERE g.layer = 'zz' AND g.status = 'active' ORDER BY g.code`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var g demoGrid
		if err := rows.Scan(&g.id, &g.orgID, &g.path, &g.townID, &g.countyID, &g.lat, &g.lng); err != nil {
			rows.Close()
			return 0, err
		}
		grids = append(grids, g)
	}
	rows.Close()
	units := map[string]string{} // org id → centre; county id + "-" + key → department
	rows, err = q.QueryContext(ctx, "SELECT id, code, kind, org_id FROM units")
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id, code, kind, org string
		if err := rows.Scan(&id, &code, &kind, &org); err != nil {
			rows.Close()
			return 0, err
		}
		if kind == "center" {
			units[org] = id
		} else {
			units[org+"-"+code[strings.LastIndex(code, "-")+1:]] = id
		}
	}
	rows.Close()
	if len(grids) == 0 || len(cats) == 0 {
		return 0, nil
	}

	total := len(grids) * perGrid
	b := &batch{ctx: ctx, db: d}
	perDay := map[string]int{}
	start := now.AddDate(-1, 0, 0)
	span := now.Sub(start)
	for i := 0; i < total; i++ {
		g := grids[rng.IntN(len(grids))]
		c := cats[rng.IntN(len(cats))]
		ch := pick(rng)
		urgency := "normal"
		if rng.IntN(10) == 0 {
			urgency = "urgent"
		}
		created := start.Add(time.Duration(rng.Int64N(int64(span))))
		if rng.IntN(100) < 3 { // a lively queue: some from the last two days
			created = now.Add(-time.Duration(rng.Int64N(int64(48 * time.Hour))))
		}
		day := created.In(cst).Format("20060102")
		perDay[day]++
		no := fmt.Sprintf("%s%04d", day, perDay[day])
		ev := newEvent(b, rng, cal, g, c, ch, urgency, created, now, no, units)
		b.add("events", ev...)
		if len(b.rows["events"]) >= 5000 {
			if err := b.flush(); err != nil {
				return i, err
			}
		}
	}
	for day, n := range perDay {
		b.add("counters", "event:"+day, n)
	}
	return total, b.flush()
}

var cst = time.FixedZone("CST", 8*3600)

func pick(rng *mrand.Rand) string {
	n := rng.IntN(100)
	for _, c := range channelWeights {
		if n < c.w {
			return c.code
		}
		n -= c.w
	}
	return "grid"
}

func limitOf(c demoCategory, urgency, stage string) calendar.Limit {
	l, err := calendar.ParseLimit(c.limits[urgency][stage])
	if err != nil {
		l, _ = calendar.ParseLimit("1wd")
	}
	return l
}

// newEvent plays one event forward from created until now and records its
// steps, returning the events row (the log and unit rows go to the batch).
func newEvent(b *batch, rng *mrand.Rand, cal *calendar.Calendar, g demoGrid, c demoCategory, ch, urgency string,
	created, now time.Time, no string, units map[string]string) []any {
	id := db.NewID()
	seq := 0
	// Publication: a resident's report as written; an internal one when
	// the intake desk publishes it with a summary at filing (most of the
	// publishable classes; help requests stay private); never a dispute or
	// a security matter.
	major := c.code[:2]
	var published bool
	var publishedAt any
	publicDesc := ""
	step := func(at time.Time, action, from, to, unit string) {
		seq++
		var u any
		if unit != "" {
			u = unit
		}
		note := ""
		if notes := publicNotes[action]; published && len(notes) > 0 && rng.IntN(4) > 0 {
			note = notes[rng.IntN(len(notes))]
		}
		b.add("event_log", id, seq, at.UnixMilli(), "demo", "演示", "", action, from, to, u, "", note)
	}
	lat := g.lat + (rng.Float64()-0.5)*0.0004
	lng := g.lng + (rng.Float64()-0.5)*0.0004
	level := "village"
	if ch == "hotline" || ch == "police110" || ch == "petition" || ch == "upper" {
		level = "county"
	}
	desc := descriptions[c.code[:2]]
	text := desc[rng.IntN(len(desc))]
	state, t := "reported", created
	if publicChannels[ch] && major != "11" && major != "12" {
		published, publishedAt, publicDesc = true, created.UnixMilli(), text
	}
	step(t, "report", "", state, "")
	var dispatched, responseDue, signed, closed, due *int64
	var lead, resolved, rating any
	ms := func(t time.Time) *int64 { v := t.UnixMilli(); return &v }
	// How far it got depends on its age: events older than a month are
	// nearly all closed.
	age := now.Sub(created)
	goal := 6
	switch {
	case age < 2*time.Hour:
		goal = rng.IntN(3)
	case age < 3*24*time.Hour:
		goal = rng.IntN(6)
	case age < 30*24*time.Hour && rng.IntN(4) == 0:
		goal = 2 + rng.IntN(4)
	}
	advance := func(stage string, late bool) time.Time {
		d := cal.Add(t, limitOf(c, urgency, stage)).Sub(t)
		f := 0.1 + rng.Float64()*0.8
		if late {
			f = 1.1 + rng.Float64()
		}
		return t.Add(time.Duration(float64(d) * f))
	}
	if goal >= 1 {
		if rng.IntN(20) == 0 { // refused
			t = advance("intake", false)
			step(t, "refuse", state, "refused", "")
			state, goal = "refused", 0
		} else {
			t = advance("intake", rng.IntN(15) == 0)
			if sum := summaries[major]; !published && len(sum) > 0 && rng.IntN(10) < 6 {
				published, publishedAt, publicDesc = true, t.UnixMilli(), sum[rng.IntN(len(sum))]
			}
			step(t, "file", state, "filed", "")
			state = "filed"
		}
	}
	if goal >= 2 && t.Before(now) {
		unit := units[g.orgID]
		switch n := rng.IntN(100); {
		case n < 25:
			unit, level = units[g.townID], "town"
		case n < 40 && units[g.countyID+"-"+c.unit] != "":
			unit, level = units[g.countyID+"-"+c.unit], "county"
		}
		t = advance("dispatch", rng.IntN(15) == 0)
		lead = unit
		dispatched = ms(t)
		responseDue = ms(cal.Add(t, limitOf(c, urgency, "sign")))
		due = ms(cal.Add(t, limitOf(c, urgency, "handle")))
		step(t, "dispatch", state, "dispatched", unit)
		state = "dispatched"
		b.add("event_units", id, unit, true, "dispatched", *due, nil, nil)
	}
	late := rng.IntN(8) == 0
	if goal >= 3 && t.Before(now) {
		t = advance("sign", rng.IntN(10) == 0)
		signed = ms(t)
		step(t, "sign", state, "handling", lead.(string))
		state = "handling"
	}
	if goal >= 4 && t.Before(now) {
		t = advance("handle", late)
		step(t, "report_result", state, "handled", lead.(string))
		state = "handled"
	}
	if goal >= 5 && t.Before(now) {
		t = advance("check", false)
		step(t, "check_pass", state, "closed", "")
		state, closed, resolved = "closed", ms(t), level
		if rng.IntN(10) < 7 {
			r := []string{"satisfied", "satisfied", "satisfied", "satisfied", "basically", "basically", "dissatisfied"}
			rating = r[rng.IntN(len(r))]
			step(t.Add(time.Hour), "rate", state, state, "")
		}
	}
	if t.After(now) { // the last step would be in the future: stop before it
		t = now
	}
	stage := map[string]string{"reported": "intake", "filed": "dispatch", "dispatched": "sign", "handling": "handle", "handled": "check"}[state]
	var stageDue, stageWarn any
	if stage == "" {
		stage = "none"
	} else {
		due := cal.Add(t, limitOf(c, urgency, stage))
		stageDue = due.UnixMilli()
		stageWarn = t.UnixMilli() + (due.UnixMilli()-t.UnixMilli())*8/10
	}
	return []any{id, no, ch, c.code, urgency, text, "", lat, lng, g.id, g.orgID, g.path, level, state, stage, t.UnixMilli(), stageWarn, stageDue,
		lead, "demo", personName(rng), rating, resolved, dispatched, responseDue, signed, closed, due, seq + 1, created.UnixMilli(), t.UnixMilli(),
		publicDesc, published, publishedAt}
}

var eventTables = map[string][]string{
	"events": {"id", "no", "channel", "category_code", "urgency", "description", "address", "lat", "lng", "grid_id", "org_id", "path", "level",
		"state", "stage", "stage_started_at", "stage_warn_at", "stage_due_at", "lead_unit_id", "reporter_id", "reporter_name", "rating",
		"resolved_level", "dispatched_at", "response_due_at", "signed_at", "closed_at", "due_at", "version", "created_at", "updated_at",
		"public_description", "published", "published_at"},
	"event_log":   {"event_id", "seq", "at", "actor_id", "actor_name", "actor_role", "action", "from_state", "to_state", "unit_id", "note", "public_note"},
	"event_units": {"event_id", "unit_id", "lead", "state", "due_at", "signed_at", "done_at"},
	"counters":    {"name", "n"},
}

// batch collects rows per table and writes them in multi-row INSERTs, one
// transaction per flush, events before the rows that refer to them.
type batch struct {
	ctx  context.Context
	db   *db.DB
	rows map[string][][]any
}

func (b *batch) add(table string, row ...any) {
	if b.rows == nil {
		b.rows = map[string][][]any{}
	}
	b.rows[table] = append(b.rows[table], row)
}

func (b *batch) flush() error {
	return b.db.InTx(b.ctx, func(tx *db.Tx) error {
		for _, table := range []string{"events", "event_log", "event_units", "counters"} {
			cols := eventTables[table]
			rows := b.rows[table]
			per := max(1, 8000/len(cols))
			for len(rows) > 0 {
				n := min(per, len(rows))
				ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
				args := make([]any, 0, n*len(cols))
				parts := make([]string, n)
				for i, r := range rows[:n] {
					parts[i] = ph
					args = append(args, r...)
				}
				q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.Join(parts, ", ")
				if table == "counters" {
					q += " ON CONFLICT (name) DO UPDATE SET n = excluded.n"
				}
				if _, err := tx.ExecContext(b.ctx, q, args...); err != nil {
					return fmt.Errorf("insert %s: %w", table, err)
				}
				rows = rows[n:]
			}
		}
		b.rows = nil
		return nil
	})
}
