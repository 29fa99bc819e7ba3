package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/situation"
)

// demoSituation is a kind of situation the generator writes: its category,
// how often a day, its level's odds and how its summary reads.
type demoSituation struct {
	kind, category string
	perDay         float64
	serious, major float64
	people         int // up to how many people
	texts          []string
}

var (
	demoIssues  = []string{"房屋延期交付", "征地补偿标准", "拖欠农民工工资", "旧城改造安置", "物业费上涨", "小区停车位被占", "学校划片调整", "养殖场污染"}
	demoGroups  = []string{"业主", "村民", "务工人员", "商户", "退役军人"}
	demoOffices = []string{"县信访局", "镇政府", "街道办事处", "县政府门口"}
	demoRoads   = []string{"建设路", "文明路", "新风路", "红星路", "中山街", "东堤路", "和平路", "沿江路"}
)

var demoSituations = []demoSituation{
	{"petition", "collective", 0.35, 0.5, 0.08, 5, []string{"{n}名{group}到{office}集体反映{issue}", "{n}名{group}聚集{office}，要求解决{issue}问题"}},
	{"petition", "over_level", 0.15, 0.6, 0.1, 2, []string{"{group}代表拟赴市反映{issue}，镇村已开展稳控", "{group}到市信访局反映{issue}，已接回"}},
	{"petition", "repeat", 0.3, 0.2, 0, 1, []string{"{group}再次反映{issue}，此前已答复", "{group}就{issue}第{k}次来访"}},
	{"petition", "to_capital", 0.03, 0.2, 0.8, 1, []string{"{group}有赴省进京上访苗头，反映{issue}"}},
	{"petition", "online", 0.6, 0, 0, 1, []string{"网上信访平台收到反映{issue}的来信", "12345转来群众反映{issue}的诉求"}},
	{"police", "criminal", 0.5, 0.15, 0.02, 1, []string{"{place}发生入室盗窃，被盗现金约{amount}元", "{place}一辆电动车被盗", "{place}发生抢夺手机案件"}},
	{"police", "public_order", 0.8, 0.05, 0, 2, []string{"{place}有人酒后滋事", "群众举报{place}有人聚众赌博", "{place}深夜噪音扰民"}},
	{"police", "dispute", 1.0, 0.05, 0, 2, []string{"{place}邻里因漏水发生纠纷", "{place}因宅基地界址发生口角", "{place}顾客与商家因退款发生争执"}},
	{"police", "traffic", 0.7, 0.05, 0, 2, []string{"{place}两车剐蹭，无人员受伤", "{place}电动车与行人相撞，一人轻伤"}},
	{"police", "fire", 0.15, 0.2, 0.05, 0, []string{"{place}电动车充电起火，已扑灭", "{place}一民房厨房起火，无人员伤亡"}},
	{"police", "fraud", 0.4, 0.3, 0, 1, []string{"群众被冒充电商客服诈骗{amount}元", "群众被刷单返利诈骗{amount}元", "群众接到冒充公检法电话，已劝阻未转账"}},
	{"police", "help", 0.6, 0, 0, 1, []string{"{place}一名老人走失，家属求助", "{place}群众钥匙锁在屋内求助"}},
	{"opinion", "negative", 0.25, 0.2, 0, 0, []string{"网帖反映{issue}，阅读量{n}千", "短视频平台有人发布{issue}相关视频，评论较多"}},
	{"opinion", "demand", 0.12, 0.4, 0, 0, []string{"{group}微信群讨论就{issue}集体维权", "业主群酝酿到{office}反映{issue}"}},
	{"opinion", "incident", 0.06, 0.5, 0.1, 0, []string{"网上流传{place}{incident}视频"}},
	{"opinion", "rumor", 0.08, 0.1, 0, 0, []string{"微信群流传“{place}自来水被污染”不实消息", "网传{place}有人贩子，经核实为谣言"}},
}

// Situations writes a year of the first county's 三情 and its
// 平安稳定专报: the petition
// system's, the 110 system's and the monitoring service's records pushed
// through their feeds (day by day for the last fortnight, so the feeds'
// traffic shows, week by week before), a cluster around a housing estate
// whose delivery is late building up over the last ten days (petitions,
// police calls and posts, the same owners' representative among them, the
// last today), the analyst's judgement of the last weeks' working days,
// eight weeks of held scheduling meetings whose tasks the towns worked,
// and this week's meeting open. It returns how many situations it wrote.
func Situations(ctx context.Context, d *db.DB, s *situation.Service, tasks *safety.Service, countyCode string, seed int64, now time.Time) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 55))
	ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: "system", Username: "demo", DisplayName: "县委政法委 三情研判室", Grants: authz.System().Grants})
	q := d.Reader()
	county, err := org.IDOfCode(ctx, q, countyCode)
	if err != nil {
		return 0, err
	}
	path, err := org.PathOf(ctx, q, county, "")
	if err != nil {
		return 0, err
	}
	grids, err := org.MainGridRefsUnder(ctx, q, path)
	if err != nil || len(grids) == 0 {
		return 0, err
	}
	villages := map[string]string{}
	if areas, err := org.AreasUnder(ctx, q, path, "village"); err == nil {
		for _, a := range areas {
			villages[a.ID] = a.Name
		}
	}
	sources := map[string]string{}
	for _, src := range []struct{ kind, name string }{{"petition", "信访信息系统"}, {"police", "110接处警系统"}, {"opinion", "网络舆情监测平台"}} {
		n, err := s.CreateSource(ctx, county, situation.SourceInput{Name: src.name, Kind: src.kind})
		if err != nil {
			return 0, err
		}
		sources[src.kind] = n.ID
	}
	zone := situation.Zone
	today := now.In(zone)
	dayStart := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, zone)
	seq := 0
	text := func(t string, place string) string {
		r := strings.NewReplacer("{n}", fmt.Sprint(3+rng.IntN(20)), "{group}", pickOne(rng, demoGroups), "{office}", pickOne(rng, demoOffices),
			"{issue}", pickOne(rng, demoIssues), "{place}", place, "{amount}", fmt.Sprint((1+rng.IntN(60))*500), "{k}", fmt.Sprint(2+rng.IntN(4)),
			"{incident}", pickOne(rng, []string{"两车相撞", "商铺起火", "多人聚集", "河道有死鱼"}))
		return r.Replace(t)
	}
	record := func(k demoSituation, at time.Time) situation.Input {
		g := grids[rng.IntN(len(grids))]
		lat, lng := g.Lat+(rng.Float64()-0.5)*0.0006, g.Lng+(rng.Float64()-0.5)*0.0006
		place := fmt.Sprintf("%s%s%d号", villages[g.OrgID], pickOne(rng, demoRoads), 1+rng.IntN(120))
		level := "general"
		switch r := rng.Float64(); {
		case r < k.major:
			level = "major"
		case r < k.major+k.serious:
			level = "serious"
		}
		in := situation.Input{ExternalID: fmt.Sprintf("%s-%s-%05d", strings.ToUpper(k.kind[:2]), at.Format("20060102"), seq), Kind: k.kind, Category: k.category, Level: level,
			OccurredAt: at.Format(time.RFC3339), Place: place, Lat: &lat, Lng: &lng, Area: g.OrgID, Summary: text(pickOne(rng, k.texts), place)}
		seq++
		for i := range rng.IntN(k.people + 1) {
			p := situation.Person{Name: personName(rng), Role: "当事人"}
			if i == 0 && k.kind == "petition" {
				p.Role = "反映人"
				p.IDNumber = pii.MakeID(countyCode, time.Date(1950+rng.IntN(50), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC), rng.IntN(500), rng.IntN(2) == 0)
			}
			in.People = append(in.People, p)
		}
		return in
	}
	// feed pushes one source's records as of a moment, its clock set there.
	feed := func(kind string, at time.Time, items []situation.Input) (int, error) {
		if len(items) == 0 {
			return 0, nil
		}
		svc := *s
		svc.Now = func() time.Time { return at }
		if at.Before(now.Add(-24 * time.Hour)) {
			svc.Notices = nil // the towns were told then; the inboxes hold the last day's
		}
		ans, err := svc.Feed(ctx, county, sources[kind], kind, items)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, r := range ans.Results {
			if r.Status == "rejected" {
				return 0, fmt.Errorf("demo situation %s rejected: %+v", r.ExternalID, r.Errors)
			}
			n++
		}
		return n, nil
	}
	total := 0
	// A year, oldest first: a week per push until the last fortnight, then
	// each day (today's up to now).
	for start := dayStart.AddDate(0, 0, -364); !start.After(dayStart); {
		days := 7
		if start.After(dayStart.AddDate(0, 0, -14)) {
			days = 1
		}
		end := start.AddDate(0, 0, days)
		pushAt := end.Add(-time.Minute)
		if pushAt.After(now) {
			pushAt = now
		}
		batch := map[string][]situation.Input{}
		for day := start; day.Before(end) && !day.After(dayStart); day = day.AddDate(0, 0, 1) {
			for _, k := range demoSituations {
				n := int(k.perDay)
				if rng.Float64() < k.perDay-float64(n) {
					n++
				}
				for range n {
					at := day.Add(time.Duration(6*60+rng.IntN(17*60)) * time.Minute)
					if at.After(pushAt) {
						continue
					}
					batch[k.kind] = append(batch[k.kind], record(k, at))
				}
			}
		}
		for _, kind := range situation.Kinds {
			n, err := feed(kind, pushAt, batch[kind])
			if err != nil {
				return 0, err
			}
			total += n
		}
		start = end
	}
	n, err := estateCluster(grids[0], villages[grids[0].OrgID], countyCode, feed, now)
	if err != nil {
		return 0, err
	}
	total += n
	if err := judgements(ctx, d, s, county, now); err != nil {
		return 0, err
	}
	if err := meetings(ctx, d, s, tasks, county, now); err != nil {
		return 0, err
	}
	// Most of what is more than a fortnight old has been dealt with.
	if err := exec(ctx, d, `UPDATE situations SET status = 'closed', close_note = '已依法处置，当事人息诉罢访', updated_at = ?
		WHERE root_id = ? AND day < ? AND external_id NOT LIKE '%0'`, now.UnixMilli(), county, now.In(situation.Zone).AddDate(0, 0, -14).Format("2006-01-02")); err != nil {
		return 0, err
	}
	return total, briefings(ctx, d, s, county, now)
}

// estateCluster writes the last ten days around 阳光花园, a housing estate
// in the first grid whose delivery is late: the owners' petitions (their
// representative 陈志明 each time), the posts and the police calls, ending
// with today's gathering at the estate — the cluster the day's analysis
// finds, and the person it meets again.
func estateCluster(g org.GridRef, village, countyCode string, feed func(string, time.Time, []situation.Input) (int, error), now time.Time) (int, error) {
	rep := situation.Person{Name: "陈志明", IDNumber: pii.MakeID(countyCode, time.Date(1978, 5, 12, 0, 0, 0, 0, time.UTC), 37, true), Phone: "13902761458", Role: "业主代表"}
	items := []struct {
		ago                   time.Duration
		kind, category, level string
		dLat, dLng            float64
		place, summary        string
		withRep               bool
	}{
		{9 * 24 * time.Hour, "opinion", "demand", "general", 0.0004, 0.0002, "阳光花园业主群", "阳光花园业主群讨论交房延期，酝酿集体维权", false},
		{8 * 24 * time.Hour, "petition", "collective", "serious", 0.0002, 0.0001, "阳光花园售楼部", "12名业主到售楼部要求说明交房延期原因", true},
		{6 * 24 * time.Hour, "police", "dispute", "general", 0.0003, -0.0002, "阳光花园售楼部", "业主与售楼部工作人员发生推搡，民警到场处置", false},
		{5 * 24 * time.Hour, "petition", "repeat", "serious", 0.0001, 0.0003, "阳光花园", "业主代表再次反映交房延期，要求开发商公开工程进度", true},
		{3 * 24 * time.Hour, "opinion", "negative", "serious", 0.0002, 0.0002, "阳光花园", "短视频平台发布“阳光花园烂尾”视频，评论两千余条", false},
		{2 * 24 * time.Hour, "petition", "over_level", "serious", 0.0001, 0.0001, "阳光花园", "业主代表拟组织业主赴市反映交房延期问题", true},
		{150 * time.Minute, "police", "public_order", "general", 0.0002, -0.0001, "阳光花园大门", "部分业主在小区门口拉横幅，民警现场维持秩序", false},
		{40 * time.Minute, "petition", "collective", "major", 0.0001, 0.0001, "阳光花园大门", "约30名业主聚集小区门口，要求开发商当面答复交房时间", true},
	}
	total := 0
	dayStart := time.Date(now.In(situation.Zone).Year(), now.In(situation.Zone).Month(), now.In(situation.Zone).Day(), 0, 0, 1, 0, situation.Zone)
	for i, it := range items {
		at := now.Add(-it.ago)
		if it.ago < 24*time.Hour && at.Before(dayStart) {
			at = dayStart // today's stay today, whatever the hour
		}
		lat, lng := g.Lat+it.dLat, g.Lng+it.dLng
		in := situation.Input{ExternalID: fmt.Sprintf("YGHY-%02d", i+1), Kind: it.kind, Category: it.category, Level: it.level, OccurredAt: at.Format(time.RFC3339),
			Place: village + it.place, Lat: &lat, Lng: &lng, Area: g.OrgID, Summary: it.summary}
		if it.withRep {
			in.People = []situation.Person{rep, {Name: "刘桂芳", Role: "业主"}}
		}
		pushed := at.Add(4 * time.Minute) // each pushed as it came
		if pushed.After(now) {
			pushed = now
		}
		n, err := feed(it.kind, pushed, []situation.Input{in})
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// judgements writes the analyst's word on each working day of the last
// three weeks, from the day's counts.
func judgements(ctx context.Context, d *db.DB, s *situation.Service, county string, now time.Time) error {
	for ago := 21; ago >= 1; ago-- {
		day := now.In(situation.Zone).AddDate(0, 0, -ago)
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			continue
		}
		date := day.Format("2006-01-02")
		var p, c, o, serious int
		if err := d.Reader().QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN kind = 'petition' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN kind = 'police' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN kind = 'opinion' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN level <> 'general' THEN 1 ELSE 0 END), 0)
			FROM situations WHERE root_id = ? AND day = ?`, county, date).Scan(&p, &c, &o, &serious); err != nil {
			return err
		}
		text := fmt.Sprintf("当日新增三情 %d 起：访情 %d 起、警情 %d 起、舆情 %d 起，其中较大以上 %d 起。", p+c+o, p, c, o, serious)
		switch {
		case serious > 1:
			text += "较大以上事项已推送属地镇街，请于次日反馈稳控和处置情况；涉房地产交付、欠薪类诉求要提前介入，防止聚集升级。"
		case c > 5:
			text += "警情偏多，矛盾纠纷类占比较高，建议各镇街结合网格走访开展一次纠纷排查。"
		default:
			text += "总体平稳，未发现异常聚集苗头，继续做好日常研判。"
		}
		svc := *s
		at := time.Date(day.Year(), day.Month(), day.Day(), 17, 30, 0, 0, situation.Zone)
		svc.Now = func() time.Time { return at }
		if _, err := svc.Judge(ctx, county, date, situation.JudgementInput{Text: text}); err != nil {
			return err
		}
	}
	return nil
}

// meetings holds the last eight weeks' scheduling meetings, each deciding
// on up to three of its fortnight's serious or major situations with a
// task to their town — the older ones' tasks completed, the last two
// weeks' still worked on — and opens this week's.
func meetings(ctx context.Context, d *db.DB, s *situation.Service, tasks *safety.Service, county string, now time.Time) error {
	today := now.In(situation.Zone)
	monday := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, situation.Zone).AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	for w := 8; w >= 0; w-- {
		week := monday.AddDate(0, 0, -7*w)
		held := week.AddDate(0, 0, 1) // Tuesdays
		if w == 0 && held.After(today) {
			held = week
		}
		svc := *s
		at := time.Date(held.Year(), held.Month(), held.Day(), 9, 0, 0, 0, situation.Zone)
		if at.After(now) {
			at = now
		}
		svc.Now = func() time.Time { return at }
		m, err := svc.OpenMeeting(ctx, county, situation.MeetingInput{WeekOf: week.Format("2006-01-02"), HeldOn: held.Format("2006-01-02"),
			Chair: "县委政法委副书记 黄书记", Attendees: "县信访局、公安分局、司法局、住建局，各镇（街道）政法委员"})
		if err != nil {
			return err
		}
		if w == 0 {
			break // this week's is open, its agenda waiting
		}
		decided := 0
		for _, x := range m.Agenda {
			if decided == 3 || x.OccurredAt > at.UnixMilli() {
				continue // at most three, and none the meeting could not know of
			}
			decided++
			decision := "由属地镇（街道）牵头包案，" + map[string]string{"petition": "信访局三日内答复诉求", "police": "公安分局加强巡逻防控", "opinion": "网信部门做好回应引导"}[x.Kind] + "，两周内办结。"
			due := held.AddDate(0, 0, 14)
			if w <= 2 && due.Before(today.AddDate(0, 0, 5)) {
				due = today.AddDate(0, 0, 5) // the last fortnight's still in time
			}
			m, err = svc.Decide(ctx, m.ID, situation.DecisionInput{SituationID: x.ID, Decision: decision,
				Task: &situation.TaskOrder{AreaID: x.TownID, DueOn: due.Format("2006-01-02")}})
			if err != nil {
				return err
			}
		}
		minutes := fmt.Sprintf("会议听取了第 %d 周三情研判情况，对 %d 件较大以上事项逐一调度，明确责任单位和办结时限。", weekNumber(week), len(m.Decisions))
		if m, err = svc.SaveMeeting(ctx, m.ID, situation.MeetingInput{HeldOn: m.HeldOn, Chair: m.Chair, Attendees: m.Attendees, Minutes: minutes, Version: m.Version}, true); err != nil {
			return err
		}
		for _, dec := range m.Decisions {
			if dec.Task == nil {
				continue
			}
			in := safety.ProgressInput{Text: "已落实包案责任人，当面听取诉求并答复", Completes: w > 2}
			if w > 2 {
				in.Text, in.Evidence = "诉求已答复，当事人表示认可，事项办结", "答复意见书及当事人签收回执"
			}
			if _, err := tasks.ReportProgress(ctx, dec.Task.ID, in); err != nil {
				return err
			}
			// The town answered within the week, not the day the demo was built.
			answered := time.Date(held.Year(), held.Month(), held.Day(), 16, 0, 0, 0, situation.Zone).AddDate(0, 0, 6).UnixMilli()
			if err := exec(ctx, d, "UPDATE safety_task_progress SET at = ? WHERE task_id = ?", answered, dec.Task.ID); err != nil {
				return err
			}
			if in.Completes {
				if err := exec(ctx, d, "UPDATE safety_tasks SET closed_at = ?, updated_at = ? WHERE id = ?", answered, answered, dec.Task.ID); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// weekNumber is the ISO week of day.
func weekNumber(day time.Time) int {
	_, w := day.ISOWeek()
	return w
}

// briefingTitles are the demo's 平安稳定专报 subjects, the newest first.
var briefingTitles = []string{
	"阳光花园交房延期引发群体性诉求的研判", "岁末年初欠薪类矛盾风险提示", "近期电信网络诈骗警情分析", "国庆期间平安稳定形势",
	"征地补偿类信访苗头及稳控建议", "汛期安全与群众求助警情分析", "中考高考期间校园周边治安形势", "物业纠纷类诉求上升情况分析",
	"五一期间平安稳定形势", "清明节期间重点人员稳控情况", "网络谣言处置情况通报", "春节期间平安稳定形势", "元旦期间平安稳定形势",
}

// briefings writes a year of the county's 平安稳定专报, one every four
// weeks, each drafted by the centre from its four weeks' 三情, signed off
// by the leader and issued to the towns' centres, the police and the
// petition bureau, most read within the day and some answered; and this
// period's, drafted and waiting for sign-off.
func briefings(ctx context.Context, d *db.DB, s *situation.Service, county string, now time.Time) error {
	units, err := db.Strings(ctx, d.Reader(), `SELECT u.id FROM units u JOIN org_nodes c ON c.id = ? WHERE u.path LIKE c.path || '%'
		AND ((u.kind = 'center' AND u.level = 'town') OR u.code LIKE '%-ga') ORDER BY u.code`, county)
	if err != nil {
		return err
	}
	today := now.In(situation.Zone)
	for i := len(briefingTitles) - 1; i >= 0; i-- {
		to := today.AddDate(0, 0, -1-28*i)
		from := to.AddDate(0, 0, -27)
		drafted := time.Date(to.Year(), to.Month(), to.Day(), 10, 0, 0, 0, situation.Zone).AddDate(0, 0, 1)
		if drafted.After(now) {
			drafted = now
		}
		svc := *s
		svc.Notices = nil
		svc.Now = func() time.Time { return drafted }
		in := situation.BriefingInput{Title: briefingTitles[i], PeriodFrom: from.Format("2006-01-02"), PeriodTo: to.Format("2006-01-02")}
		b, err := svc.DraftBriefing(ctx, county, in)
		if err != nil {
			return err
		}
		f := b.Figures
		kinds := map[string]int{}
		for _, k := range f.ByKind {
			kinds[k.Key] = k.Count
		}
		trend := "持平"
		switch {
		case f.Total > f.Before:
			trend = fmt.Sprintf("上升 %d 起", f.Total-f.Before)
		case f.Total < f.Before:
			trend = fmt.Sprintf("下降 %d 起", f.Before-f.Total)
		}
		top := ""
		if len(f.ByTown) > 0 {
			top = f.ByTown[0].Name
		}
		in.Body = fmt.Sprintf("一、总体情况\n%s至%s，全区共收集三情 %d 起，其中访情 %d 起、警情 %d 起、舆情 %d 起，较上期%s；较大以上 %d 起，已办结 %d 起。%s数量居各镇（街道）之首。\n\n"+
			"二、需要关注的问题\n%s相关诉求集中，部分事项存在反复，个别有越级上访苗头。\n\n三、工作建议\n请各镇（街道）落实包案责任，对较大以上事项逐件跟进；公安分局加强重点部位巡逻防控；信访部门做好政策解释和依法答复。",
			in.PeriodFrom, in.PeriodTo, f.Total, kinds["petition"], kinds["police"], kinds["opinion"], trend, f.Serious, f.Closed, top, strings.TrimSuffix(strings.SplitN(in.Title, "引发", 2)[0], "的研判"))
		in.Version = b.Version
		if _, err := svc.SaveBriefing(ctx, b.ID, in); err != nil {
			return err
		}
		if _, err := svc.SubmitBriefing(ctx, b.ID); err != nil {
			return err
		}
		if i == 0 {
			break // this period's waits for the leader
		}
		signed := drafted.Add(6 * time.Hour)
		svc.Now = func() time.Time { return signed }
		if _, err := svc.IssueBriefing(ctx, b.ID, situation.IssueInput{UnitIDs: units}); err != nil {
			return err
		}
		for j, u := range units {
			if j%5 == 4 && i < 3 {
				continue // a few of the latest not read yet
			}
			read := signed.Add(time.Duration(1+j) * time.Hour).UnixMilli()
			if err := exec(ctx, d, "UPDATE situation_briefing_units SET read_at = ?, read_by = '值班人员' WHERE briefing_id = ? AND unit_id = ?", read, b.ID, u); err != nil {
				return err
			}
			if j%3 == 0 {
				if err := exec(ctx, d, "UPDATE situation_briefing_units SET reply = '已传达学习，按要求落实包案稳控和巡逻防控。', replied_at = ?, replied_by = '值班人员' WHERE briefing_id = ? AND unit_id = ?",
					read+3600_000, b.ID, u); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
