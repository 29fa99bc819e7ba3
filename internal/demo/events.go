package demo

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/workcal"
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
	years, err := workcal.Days(ctx, d.Reader()) // the history counts on the years loaded, as casework does
	if err != nil {
		return 0, err
	}
	cal, err := calendar.New(calendar.Config{Holidays: years.Holidays, Workdays: years.Workdays})
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
	var targets [][]any // recent open events a second report of the same matter is merged into
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
		// a duplicate target: open, of the last three days, its last step
		// three hours old, so that its duplicate comes after that step
		if len(targets) < 8 && ev[13] != "closed" && ev[13] != "refused" && now.Sub(created) < 72*time.Hour &&
			time.UnixMilli(ev[30].(int64)).Before(now.Add(-3*time.Hour)) {
			targets = append(targets, slices.Clone(ev))
		}
		if len(b.rows["events"]) >= 5000 {
			if err := b.flush(); err != nil {
				return i, err
			}
		}
	}
	mine, photos, err := residentReports(ctx, q, b, rng, cal, grids, cats, units, perDay, now)
	if err != nil {
		return total, err
	}
	touched := duplicates(b, targets, perDay, seed, now)
	total += len(touched)
	for day, n := range perDay {
		b.add("counters", "event:"+day, n)
	}
	if err := b.flush(); err != nil {
		return total, err
	}
	if err := addPhotos(ctx, d, photos); err != nil {
		return total, err
	}
	// A target's latest step is now its merged_in step, when that came last.
	return total + mine, d.InTx(ctx, func(tx *db.Tx) error {
		for id, at := range touched {
			if _, err := tx.ExecContext(ctx, "UPDATE events SET updated_at = ? WHERE id = ? AND updated_at < ?", at, id, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// residentPlay is one of the demo resident's own reports: how old it is,
// how far it got, what the handler told the public and whether it is rated.
type residentPlay struct {
	cat, text, reply string
	age              time.Duration
	goal             int
	rating           string
}

var residentPlays = []residentPlay{
	{cat: "0101", text: "小区东门垃圾桶满了，垃圾散落一地", age: 3 * time.Hour},
	{cat: "1403", text: "3栋楼前的路灯不亮，晚上很黑", age: 5 * 24 * time.Hour, goal: 3},
	{cat: "1404", text: "人行道地砖松动，老人容易绊倒", reply: "已更换松动地砖并压实，请您查看", age: 20 * 24 * time.Hour, goal: 5},
	{cat: "0102", text: "楼下空地堆了建筑渣土", reply: "渣土已清运，空地已平整", age: 45 * 24 * time.Hour, goal: 5, rating: "satisfied"},
}

// demoPhoto is an after-photo to store once its event is written.
type demoPhoto struct {
	eventID string
	seq     int
	at      time.Time
}

// residentReports plays the demo resident's own reports (the 我的 tab of
// their phone page): one waiting for the intake desk, one being handled,
// one closed with the handler's public reply and after-photo waiting for
// their rating, one rated. It returns how many it played and the photos
// to store.
func residentReports(ctx context.Context, q db.Querier, b *batch, rng *mrand.Rand, cal *calendar.Calendar, grids []demoGrid,
	cats []demoCategory, units map[string]string, perDay map[string]int, now time.Time) (int, []demoPhoto, error) {
	var userID, name, orgID string
	err := q.QueryRowContext(ctx, "SELECT id, display_name, org_id FROM users WHERE username = 'resident'").Scan(&userID, &name, &orgID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	n := 0
	var home []demoGrid
	for _, g := range grids {
		if g.orgID == orgID {
			home = append(home, g)
		}
	}
	var photos []demoPhoto
	for i, rp := range residentPlays {
		if len(home) == 0 {
			break
		}
		var c demoCategory
		for _, x := range cats {
			if x.code == rp.cat {
				c = x
			}
		}
		if c.code == "" {
			continue
		}
		created := now.Add(-rp.age)
		e := &eventPlay{b: b, rng: rng, cal: cal, g: home[i%len(home)], c: c, ch: "resident", urgency: "normal", id: db.NewID(),
			major: c.code[:2], now: now}
		e.report(created)
		e.text, e.publicDesc = rp.text, rp.text
		// As every demo event, a step that would fall after now is not taken.
		ok := false
		if t := e.advance("intake", false); rp.goal >= 1 && !t.After(now) {
			e.t = t
			e.step(e.t, "file", e.state, "filed", "")
			e.state = "filed"
			ok = e.dispatch(units) && e.sign()
		}
		if rp.goal >= 5 && ok && e.handle(false) {
			b.rows["event_log"][len(b.rows["event_log"])-1][11] = rp.reply // the handler's reply to the public
			photos = append(photos, demoPhoto{e.id, e.seq, e.t})
			if t := e.advance("check", false); !t.After(now) {
				e.t = t
				e.step(e.t, "check_pass", e.state, "closed", "")
				e.state, e.closed, e.resolved = "closed", msPtr(e.t), e.level
				if rp.rating != "" && !t.Add(time.Hour).After(now) {
					e.rating = rp.rating
					e.step(e.t.Add(time.Hour), "rate", e.state, e.state, "")
				}
			}
		}
		day := created.In(cst).Format("20060102")
		perDay[day]++
		row := e.row(fmt.Sprintf("%s%04d", day, perDay[day]), created)
		row[19], row[20] = userID, name // reporter_id, reporter_name
		b.add("events", row...)
		n++
	}
	return n, photos, nil
}

// addPhotos stores the after-photos: a paved path drawn as a JPEG.
func addPhotos(ctx context.Context, d *db.DB, photos []demoPhoto) error {
	if len(photos) == 0 {
		return nil
	}
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			c := color.RGBA{150, 150, 145, 255} // the paving
			if x%80 < 3 || (y+(x/80%2)*20)%40 < 3 {
				c = color.RGBA{95, 95, 90, 255} // the joints
			}
			if y < 120 {
				c = color.RGBA{175, 205, 230, 255} // the sky
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		for _, p := range photos {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_media (id, event_id, log_seq, kind, content_type, size, data, created_by, created_at)
				VALUES (?, ?, ?, 'after', 'image/jpeg', ?, ?, 'demo', ?)`, db.NewID(), p.eventID, p.seq, buf.Len(), buf.Bytes(), p.at.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
}

// duplicates reports each target's matter a second time, from the same
// place a few hours later, and merges the second report into the first at
// intake (合并): the queue then shows merged events linked to the open
// events they went into. It draws from a rng of its own, so the events
// above stay those the seed made. It returns the time each target was
// merged into, by target.
func duplicates(b *batch, targets [][]any, perDay map[string]int, seed int64, now time.Time) map[string]int64 {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 11))
	n := 0
	touched := map[string]int64{}
	for _, t := range targets {
		target, major := t[0].(string), t[3].(string)[:2]
		created := time.UnixMilli(t[30].(int64)).Add(time.Duration(1+rng.IntN(120)) * time.Minute) // after the target's last step
		merged := created.Add(time.Duration(10+rng.IntN(50)) * time.Minute)
		if merged.After(now) {
			continue
		}
		day := created.In(cst).Format("20060102")
		perDay[day]++
		no := fmt.Sprintf("%s%04d", day, perDay[day])
		id := db.NewID()
		desc := descriptions[major]
		row := slices.Clone(t)
		row[0], row[1], row[5] = id, no, desc[rng.IntN(len(desc))]
		row[7], row[8] = t[7].(float64)+(rng.Float64()-0.5)*0.0002, t[8].(float64)+(rng.Float64()-0.5)*0.0002
		// merged at intake: no stage, no unit, nothing published, nothing after
		row[13], row[14], row[15], row[16], row[17], row[18] = "merged", "none", merged.UnixMilli(), nil, nil, nil
		for i := 21; i <= 27; i++ {
			row[i] = nil
		}
		row[28], row[29], row[30], row[31], row[32], row[33], row[34] = 3, created.UnixMilli(), merged.UnixMilli(), "", false, nil, target
		b.add("events", row...)
		b.add("event_log", id, 1, created.UnixMilli(), "demo", "演示", "", "report", "", "reported", nil, "", "")
		b.add("event_log", id, 2, merged.UnixMilli(), "demo", "演示", "", "merge", "reported", "merged", nil, "同一问题重复反映", "")
		// the target's step comes after its own: numbered from the end of its timeline
		b.add("event_log", target, 100+n, merged.UnixMilli(), "demo", "演示", "", "merged_in", t[13], t[13], nil, "合并了事件 "+no, "")
		touched[target] = merged.UnixMilli()
		n++
	}
	return touched
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
// A step that would fall after now is not taken: the event waits in the
// stage it reached, so the demo never writes the future.
func newEvent(b *batch, rng *mrand.Rand, cal *calendar.Calendar, g demoGrid, c demoCategory, ch, urgency string,
	created, now time.Time, no string, units map[string]string) []any {
	e := &eventPlay{b: b, rng: rng, cal: cal, g: g, c: c, ch: ch, urgency: urgency, id: db.NewID(), major: c.code[:2], now: now}
	// A grid member settles about one matter in five of their own on the
	// spot (微事不出网格): closed at report, at grid level.
	if ch == "grid" && rng.IntN(5) == 0 {
		e.selfResolve(created)
		return e.row(no, created)
	}
	e.report(created)
	goal := e.goal(now.Sub(created))
	// Each stage is reached only when the one before it was taken.
	ok := goal >= 1 && e.intake()
	ok = ok && goal >= 2 && e.dispatch(units)
	late := rng.IntN(8) == 0
	ok = ok && goal >= 3 && e.sign()
	ok = ok && goal >= 4 && e.handle(late)
	if ok && goal >= 5 {
		e.check()
	}
	return e.row(no, created)
}

// eventPlay is one event as it is played forward: where it stands after
// each step. The order of the steps, and of their draws from rng, fixes
// the data a seed makes.
type eventPlay struct {
	b           *batch
	rng         *mrand.Rand
	cal         *calendar.Calendar
	g           demoGrid
	c           demoCategory
	ch, urgency string

	id, major   string
	now         time.Time // the build's clock: no step after it
	seq         int
	lat, lng    float64
	level       string
	text        string
	state       string
	t           time.Time // when the current state began
	last        time.Time // of the last step (a rating comes after closing)
	published   bool
	publishedAt any
	publicDesc  string

	dispatched, responseDue, signed, closed, due *int64
	lead, resolved, rating                       any
}

// step records a step in the event's timeline, with a note for the public
// now and then when the event is published.
func (e *eventPlay) step(at time.Time, action, from, to, unit string) {
	e.seq++
	var u any
	if unit != "" {
		u = unit
	}
	note := ""
	if notes := publicNotes[action]; e.published && len(notes) > 0 && e.rng.IntN(4) > 0 {
		note = notes[e.rng.IntN(len(notes))]
	}
	e.last = at
	e.b.add("event_log", e.id, e.seq, at.UnixMilli(), "demo", "演示", "", action, from, to, u, "", note)
}

// report places the event near its grid's centre, picks its text and level,
// and records the report. Publication: a resident's report as written; an
// internal one when the intake desk publishes it with a summary at filing
// (see intake); never a dispute or a security matter.
func (e *eventPlay) report(created time.Time) {
	e.place()
	e.state, e.t = "reported", created
	if publicChannels[e.ch] && e.major != "11" && e.major != "12" {
		e.published, e.publishedAt, e.publicDesc = true, created.UnixMilli(), e.text
	}
	e.step(e.t, "report", "", e.state, "")
}

// place puts the event near its grid's centre and picks its text and level.
func (e *eventPlay) place() {
	e.lat = e.g.lat + (e.rng.Float64()-0.5)*0.0004
	e.lng = e.g.lng + (e.rng.Float64()-0.5)*0.0004
	e.level = "village"
	if e.ch == "hotline" || e.ch == "police110" || e.ch == "petition" || e.ch == "upper" {
		e.level = "county"
	}
	desc := descriptions[e.c.code[:2]]
	e.text = desc[e.rng.IntN(len(desc))]
}

// selfResolve places the event like report does and records it closed on
// the spot by the grid member who found it.
func (e *eventPlay) selfResolve(created time.Time) {
	e.place()
	e.state, e.t = "closed", created
	e.closed, e.resolved = msPtr(created), "grid"
	e.step(created, "self_resolve", "", "closed", "")
}

// goal is how far an event of this age gets: events older than a month are
// nearly all closed.
func (e *eventPlay) goal(age time.Duration) int {
	switch {
	case age < 2*time.Hour:
		return e.rng.IntN(3)
	case age < 3*24*time.Hour:
		return e.rng.IntN(6)
	case age < 30*24*time.Hour && e.rng.IntN(4) == 0:
		return 2 + e.rng.IntN(4)
	}
	return 6
}

// advance is when the stage's step is taken: within its time limit, or
// past it when late.
func (e *eventPlay) advance(stage string, late bool) time.Time {
	d := e.cal.Add(e.t, limitOf(e.c, e.urgency, stage)).Sub(e.t)
	f := 0.1 + e.rng.Float64()*0.8
	if late {
		f = 1.1 + e.rng.Float64()
	}
	return e.t.Add(time.Duration(float64(d) * f))
}

// intake refuses the event now and then, and otherwise files it (most of
// the publishable classes are published with a summary then; help
// requests stay private). It reports whether the event was filed; an
// event whose intake would come after now is still waiting for it.
func (e *eventPlay) intake() bool {
	if e.rng.IntN(20) == 0 {
		t := e.advance("intake", false)
		if t.After(e.now) {
			return false
		}
		e.t = t
		e.step(e.t, "refuse", e.state, "refused", "")
		e.state = "refused"
		return false
	}
	t := e.advance("intake", e.rng.IntN(15) == 0)
	if t.After(e.now) {
		return false
	}
	e.t = t
	if sum := summaries[e.major]; !e.published && len(sum) > 0 && e.rng.IntN(10) < 6 {
		e.published, e.publishedAt, e.publicDesc = true, e.t.UnixMilli(), sum[e.rng.IntN(len(sum))]
	}
	e.step(e.t, "file", e.state, "filed", "")
	e.state = "filed"
	return true
}

// dispatch sends the event to the village's centre, or now and then to the
// town's centre (a neighbours' or family dispute to the town's 司法所 or
// 人民法庭) or the county department of its category. It reports whether it
// was dispatched by now.
func (e *eventPlay) dispatch(units map[string]string) bool {
	unit, level := units[e.g.orgID], e.level
	switch n := e.rng.IntN(100); {
	case n < 10 && (e.c.code == "1101" || e.c.code == "1102") && units[e.g.townID+"-fy"] != "":
		unit, level = units[e.g.townID+"-fy"], "town"
	case n < 25 && (e.c.code == "1101" || e.c.code == "1102") && units[e.g.townID+"-sfs"] != "":
		unit, level = units[e.g.townID+"-sfs"], "town"
	case n < 25:
		unit, level = units[e.g.townID], "town"
	case n < 40 && units[e.g.countyID+"-"+e.c.unit] != "":
		unit, level = units[e.g.countyID+"-"+e.c.unit], "county"
	}
	t := e.advance("dispatch", e.rng.IntN(15) == 0)
	if t.After(e.now) {
		return false
	}
	e.t, e.level = t, level
	e.lead = unit
	e.dispatched = msPtr(e.t)
	e.responseDue = msPtr(e.cal.Add(e.t, limitOf(e.c, e.urgency, "sign")))
	e.due = msPtr(e.cal.Add(e.t, limitOf(e.c, e.urgency, "handle")))
	e.step(e.t, "dispatch", e.state, "dispatched", unit)
	e.state = "dispatched"
	e.b.add("event_units", e.id, unit, true, "dispatched", *e.due, nil, nil)
	return true
}

// sign is the lead unit taking the event on, if it has by now.
func (e *eventPlay) sign() bool {
	t := e.advance("sign", e.rng.IntN(10) == 0)
	if t.After(e.now) {
		return false
	}
	e.t = t
	e.signed = msPtr(e.t)
	e.step(e.t, "sign", e.state, "handling", e.lead.(string))
	e.state = "handling"
	return true
}

// handle is the lead unit reporting its result, late when late, if it
// has by now.
func (e *eventPlay) handle(late bool) bool {
	t := e.advance("handle", late)
	if t.After(e.now) {
		return false
	}
	e.t = t
	e.step(e.t, "report_result", e.state, "handled", e.lead.(string))
	e.state = "handled"
	return true
}

// check passes the result and closes the event, if it has by now; most
// closed events are rated an hour later, those closed in the last hour
// not yet.
func (e *eventPlay) check() {
	t := e.advance("check", false)
	if t.After(e.now) {
		return
	}
	e.t = t
	e.step(e.t, "check_pass", e.state, "closed", "")
	e.state, e.closed, e.resolved = "closed", msPtr(e.t), e.level
	if e.rng.IntN(10) < 7 && !e.t.Add(time.Hour).After(e.now) {
		r := []string{"satisfied", "satisfied", "satisfied", "satisfied", "basically", "basically", "dissatisfied"}
		e.rating = r[e.rng.IntN(len(r))]
		e.step(e.t.Add(time.Hour), "rate", e.state, e.state, "")
	}
}

// row is the events row of the event as it stands, its current stage
// started at its last step.
func (e *eventPlay) row(no string, created time.Time) []any {
	stage := map[string]string{"reported": "intake", "filed": "dispatch", "dispatched": "sign", "handling": "handle", "handled": "check"}[e.state]
	var stageDue, stageWarn any
	if stage == "" {
		stage = "none"
	} else {
		due := e.cal.Add(e.t, limitOf(e.c, e.urgency, stage))
		stageDue = due.UnixMilli()
		stageWarn = e.t.UnixMilli() + (due.UnixMilli()-e.t.UnixMilli())*8/10
	}
	return []any{e.id, no, e.ch, e.c.code, e.urgency, e.text, "", e.lat, e.lng, e.g.id, e.g.orgID, e.g.path, e.level, e.state, stage,
		e.t.UnixMilli(), stageWarn, stageDue, e.lead, "demo", personName(e.rng), e.rating, e.resolved, e.dispatched, e.responseDue,
		e.signed, e.closed, e.due, e.seq + 1, created.UnixMilli(), e.last.UnixMilli(), e.publicDesc, e.published, e.publishedAt, nil}
}

// msPtr is t in Unix milliseconds, for a nullable column.
func msPtr(t time.Time) *int64 { v := t.UnixMilli(); return &v }

var eventTables = map[string][]string{
	"events": {"id", "no", "channel", "category_code", "urgency", "description", "address", "lat", "lng", "grid_id", "org_id", "path", "level",
		"state", "stage", "stage_started_at", "stage_warn_at", "stage_due_at", "lead_unit_id", "reporter_id", "reporter_name", "rating",
		"resolved_level", "dispatched_at", "response_due_at", "signed_at", "closed_at", "due_at", "version", "created_at", "updated_at",
		"public_description", "published", "published_at", "merged_into"},
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
