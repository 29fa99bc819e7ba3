package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
)

// demoWeights are the demo catalogue's points of every indicator at both
// levels: the platform's own figures 64, the units' reported figures 36.
var demoWeights = map[string]int{
	"event_on_time": 10, "satisfaction": 8, "mediation_success": 8, "repeat_petitions": 6, "keyperson_visits": 8, "cell_coverage": 2,
	"place_cell_coverage": 2, "patrol_coverage": 6, "screening_completeness": 6, "task_on_time": 4, "overdue_supervisions": 4,
	"criminal_cases": 8, "police_calls": 4, "fraud_cases": 6, "fraud_losses": 4, "drug_cases": 4,
	"fire_accidents": 4, "traffic_deaths": 3, "work_accidents": 3,
}

// demoTasks are the committee's current tasks: to a town (by its index
// among the county's towns) or a department (by key), due in days from
// now, with milestones due in days from now and how many are done,
// whether progress was reported, and the leader in charge.
var demoTasks = []struct {
	source, title, detail string
	town                  int
	unit, leader          string
	start, due            int
	milestones            []int
	done                  int
	reported              bool
}{
	{"demonstration", "平安建设提质示范镇创建", "对照提质示范标准，完善镇综治中心实体化运行、网格化服务管理和矛盾纠纷多元化解机制，形成可复制的经验。", 6, "", "区委副书记 李明", -60, 120, []int{-20, 30, 90}, 1, true},
	{"problem", "城中村出租屋消防隐患集中整治", "问题清单第3项：出租屋电动车楼道充电、消防通道堵塞问题突出，逐户排查、建立台账、限期整改。", 0, "", "", -45, 15, []int{-10, 10}, 0, true},
	{"rectification", "平安指数红灯指标整改", "整改清单：针对上月亮红灯的群众满意率指标，逐件回访不满意事件，分析原因并落实整改。", 7, "", "区委政法委副书记 陈刚", -20, 10, []int{0, 8}, 1, true},
	{"responsibility", "矛盾纠纷月排查零报告制度落实", "责任清单：各村（社区）每月25日前报送排查结果或零报告，镇综治中心汇总分析。", 3, "", "", -30, 5, nil, 0, false},
	{"letter", "年度平安建设责任书目标：命案防控", "落实平安建设责任书要求，开展重点人员“见面走访”和家庭矛盾排查，杜绝因矛盾激化引发的命案。", 1, "", "", -300, 25, []int{-200, -100, 0}, 3, true},
	{"campaign", "“断卡”行动：涉诈银行卡、电话卡清理", "配合区反诈中心开展“断卡”行动，核查辖区涉诈“两卡”开户人员，开展劝导和惩戒。", -1, "ga", "", -40, 50, []int{-5, 20}, 0, true},
	{"campaign", "岁末年初消防安全大检查", "对辖区人员密集场所、“三小”场所、出租屋开展消防安全检查，建立隐患清单并督促整改。", -1, "yj", "", -15, 40, []int{5, 30}, 0, false},
	{"problem", "背街小巷夜间照明不足", "问题清单第7项：群众反映背街小巷路灯缺失、损坏，夜间治安隐患，排查补装。", 4, "", "", -50, -3, []int{-30}, 1, true},
	{"responsibility", "重点青少年帮扶责任落实", "责任清单：落实重点青少年“一人一档”和结对帮扶责任人，每月走访。", 2, "", "", -10, 80, []int{20, 50}, 0, false},
}

// demoReporters are the department (by key) that reports each figure, and
// its due day of the next month.
var demoReporters = []struct {
	key, unit string
	due       int
}{
	{"criminal_cases", "ga", 5}, {"police_calls", "ga", 5}, {"fraud_cases", "ga", 5}, {"fraud_losses", "ga", 5},
	{"drug_cases", "ga", 5}, {"traffic_deaths", "ga", 5}, {"fire_accidents", "yj", 7}, {"work_accidents", "yj", 7},
}

// demoReported are a town's usual monthly figures: up to max, by a fixed
// draw so the demo is the same on every start.
var demoReported = map[string]int{
	"criminal_cases": 6, "police_calls": 36, "fraud_cases": 4, "fraud_losses": 24, "drug_cases": 2,
	"traffic_deaths": 1, "fire_accidents": 2, "work_accidents": 1,
}

// SafetyIndex keeps the county's safety index (平安指数) with nineteen
// indicators at each level — the platform's eleven and eight the police
// and the emergency bureau report — and computes the twelve months before
// now's, each with the units' reports (the emergency bureau's once late),
// publishing each, and the current month unpublished, so the leaders' page
// has a year of history on first start. It returns the months computed.
func SafetyIndex(ctx context.Context, d *db.DB, s *safety.Service, countyCode string, now time.Time) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	var county string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ?", countyCode).Scan(&county); err != nil {
		return 0, err
	}
	units := map[string]string{}
	in := safety.CatalogueInput{}
	for _, r := range demoReporters {
		if units[r.unit] == "" {
			var id string
			if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM units WHERE code = ?", countyCode+"-"+r.unit).Scan(&id); err != nil {
				return 0, err
			}
			units[r.unit] = id
		}
		in.Reporters = append(in.Reporters, safety.Reporter{Source: r.key, UnitID: units[r.unit], DueDay: r.due})
	}
	def, err := s.Catalogue(ctx, county)
	if err != nil {
		return 0, err
	}
	for _, level := range safety.Levels {
		for _, ind := range def.Indicators {
			if ind.Level == level {
				ind.Weight = demoWeights[ind.Code]
				in.Indicators = append(in.Indicators, ind)
			}
		}
		for _, m := range safety.Metrics {
			if g := m.Suggested; g != nil {
				green, red := g.Green, g.Red
				if level == "town" {
					green, red = g.TownGreen, g.TownRed
				}
				in.Indicators = append(in.Indicators, safety.Indicator{Code: m.Code, Name: g.Name, Definition: g.Definition, Direction: g.Direction,
					Weight: demoWeights[m.Code], Green: green, Red: red, Level: level, Source: m.Code})
			}
		}
	}
	if _, err := s.SaveCatalogue(ctx, county, in); err != nil {
		return 0, err
	}
	var towns []string
	rows, err := d.Reader().QueryContext(ctx, "SELECT o.id FROM org_nodes o JOIN org_nodes c ON c.id = o.parent_id WHERE c.id = ? AND o.kind = 'town' ORDER BY o.code", county)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, err
		}
		towns = append(towns, t)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := demoSafetyTasks(ctx, d, county, countyCode, towns, now); err != nil {
		return 0, err
	}
	if err := demoSafetyCells(ctx, d, s, county, now); err != nil {
		return 0, err
	}
	reporters := map[string]string{}
	for key := range units {
		var uid string
		if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = ?", key+"reporter").Scan(&uid); err != nil {
			return 0, err
		}
		reporters[key] = uid
	}

	first := time.Date(now.In(safety.Zone).Year(), now.In(safety.Zone).Month(), 1, 0, 0, 0, 0, safety.Zone)
	rng := rand.New(rand.NewPCG(2026, 18))
	n := 0
	for i := 12; i >= 0; i-- {
		from := first.AddDate(0, -i, 0)
		month := from.Format("2006-01")
		if i > 0 {
			// The police on the 3rd; the emergency bureau on the 5th, but
			// on the 9th (late) two months ago.
			yjDay := 5
			if i == 2 {
				yjDay = 9
			}
			for _, u := range []struct {
				key string
				day int
			}{{"ga", 3}, {"yj", yjDay}} {
				at := from.AddDate(0, 1, u.day-1).Add(10 * time.Hour).UnixMilli()
				if err := demoReport(ctx, d, county, month, units[u.key], u.key, reporters[u.key], towns, at, rng); err != nil {
					return n, err
				}
			}
		}
		if _, err := s.Compute(ctx, county, month); err != nil {
			return n, err
		}
		n++
		if i > 0 {
			m, err := s.Publish(ctx, county, month)
			if err != nil {
				return n, err
			}
			if _, err := s.SaveBulletin(ctx, county, month, safety.BulletinInput{Comments: demoComments(m)}); err != nil {
				return n, err
			}
			if _, err := s.IssueBulletin(ctx, county, month); err != nil {
				return n, err
			}
		}
	}
	if err := demoReviewAndYear(ctx, s, county, towns, first); err != nil {
		return n, err
	}

	// The bulletins before last month's were read long ago; the review's
	// and the year's entries are the office's.
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE inbox SET read_at = created_at WHERE kind = 'safety_bulletin' AND text NOT LIKE ?", "%"+first.AddDate(0, -1, 0).Format("2006-01")+"%"); err != nil {
			return err
		}
		for _, t := range []string{"safety_year_items", "safety_review_decisions"} {
			if _, err := tx.ExecContext(ctx, "UPDATE "+t+" SET by_name = '受理员 陈静' WHERE by_name = ''"); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// demoComments are the committee's comments on a month, as its office
// drafts them: the county's index, the first town, the last with its red
// indicators and what it must do.
func demoComments(m safety.Month) string {
	names := map[string]string{}
	for _, ind := range m.Indicators {
		names[ind.Code] = ind.Name
	}
	var county safety.AreaRow
	var towns []safety.AreaRow
	for _, a := range m.Areas {
		if a.Level == "county" {
			county = a
		} else {
			towns = append(towns, a)
		}
	}
	if len(towns) == 0 {
		return ""
	}
	text := fmt.Sprintf("%s，全区平安指数 %.2f 分", m.Month, county.Score)
	if c := county.Change; c != nil && *c != 0 {
		word := "上升"
		if *c < 0 {
			word = "下降"
		}
		text += fmt.Sprintf("，较上月%s %.2f 分", word, math.Abs(*c))
	}
	first, last := towns[0], towns[len(towns)-1]
	text += fmt.Sprintf("。%s以 %.2f 分排名第一。%s排名末位（%.2f 分）", first.Name, first.Score, last.Name, last.Score)
	var reds []string
	for code, light := range last.Lights {
		if light == safety.Red {
			reds = append(reds, names[code])
		}
	}
	slices.Sort(reds)
	if len(reds) > 0 {
		text += fmt.Sprintf("，%s亮红灯", strings.Join(reds, "、"))
	}
	return text + fmt.Sprintf("，请%s党（工）委于下月10日前将整改措施报区委平安办。\n各乡镇（街道）要对照本期黄灯、红灯指标逐项分析原因、落实整改，下期通报整改情况。", last.Name)
}

// demoReport writes a unit's report of a month, submitted at at: every
// town's figure of each the unit reports, mostly small, now and then a bad
// month.
func demoReport(ctx context.Context, d *db.DB, county, month, unit, key, by string, towns []string, at int64, rng *rand.Rand) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		id := db.NewID()
		evidence := fmt.Sprintf("%s %s月度统计报表（第%s期）", map[string]string{"ga": "公安分局", "yj": "应急管理局"}[key], month, month[5:])
		if _, err := tx.ExecContext(ctx, `INSERT INTO safety_reports (id, root_id, month, unit_id, evidence, submitted_at, submitted_by, updated_at, updated_by, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, id, county, month, unit, evidence, at, by, at, by); err != nil {
			return err
		}
		for _, r := range demoReporters {
			if r.unit != key {
				continue
			}
			for _, t := range towns {
				v := rng.IntN(demoReported[r.key] + 1)
				if rng.IntN(3) > 0 {
					v /= 2 // most months are quieter than the worst
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO safety_report_values (report_id, source, area_id, value) VALUES (?, ?, ?, ?)", id, r.key, t, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// demoSafetyTasks writes the committee's current tasks (demoTasks) and,
// for each of the twelve months before now's, two tasks of towns due in
// that month — most completed on time, some late, one judged failed — so
// the tasks' lights and the index's on-time indicator have a history.
func demoSafetyTasks(ctx context.Context, d *db.DB, county, countyCode string, towns []string, now time.Time) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		var by string
		if err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'intake'").Scan(&by); err != nil {
			return err
		}
		today := time.Date(now.In(safety.Zone).Year(), now.In(safety.Zone).Month(), now.In(safety.Zone).Day(), 0, 0, 0, 0, safety.Zone)
		day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
		ms := func(n int) int64 { return today.AddDate(0, 0, n).Add(15 * time.Hour).UnixMilli() }
		task := func(source, title, detail, area, unit, leader, start, due, status string, closed *int64) (string, error) {
			id := db.NewID()
			var path string
			var err error
			if unit != "" {
				err = tx.QueryRowContext(ctx, "SELECT path FROM units WHERE id = ?", unit).Scan(&path)
			} else {
				err = tx.QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", area).Scan(&path)
			}
			if err != nil {
				return "", err
			}
			created := mustDay(start).UnixMilli()
			_, err = tx.ExecContext(ctx, `INSERT INTO safety_tasks (id, root_id, source, title, detail, area_id, unit_id, path, leader, start_on, due_on, status, closed_at, close_note, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`, id, county, source, title, detail, nullIfEmpty(area), nullIfEmpty(unit), path, leader, start, due, status, closed, by, created, created)
			return id, err
		}
		progress := func(task, text, evidence string, milestone any, completes bool, at int64) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO safety_task_progress (id, task_id, text, evidence, milestone, completes, by_user, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, '受理员 陈静', ?)`,
				db.NewID(), task, text, evidence, milestone, completes, by, at)
			return err
		}
		for _, x := range demoTasks {
			area, unit := "", ""
			if x.unit != "" {
				if err := tx.QueryRowContext(ctx, "SELECT id FROM units WHERE code = ?", countyCode+"-"+x.unit).Scan(&unit); err != nil {
					return err
				}
			} else {
				area = towns[x.town%len(towns)]
			}
			id, err := task(x.source, x.title, x.detail, area, unit, x.leader, day(x.start), day(x.due), safety.TaskOpen, nil)
			if err != nil {
				return err
			}
			for i, m := range x.milestones {
				var done any
				if i < x.done {
					done = ms(m - 1)
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO safety_task_milestones (task_id, seq, title, due_on, done_at) VALUES (?, ?, ?, ?, ?)",
					id, i+1, fmt.Sprintf("第%d阶段", i+1), day(m), done); err != nil {
					return err
				}
				if i < x.done {
					if err := progress(id, fmt.Sprintf("第%d阶段工作已完成，详见工作台账。", i+1), "工作台账、现场照片", i+1, false, ms(m-1)); err != nil {
						return err
					}
				}
			}
			if x.reported && x.done == 0 {
				if err := progress(id, "已召开专题部署会，制定工作方案，明确责任人。", "部署会会议纪要", nil, false, ms(x.start+3)); err != nil {
					return err
				}
			}
		}
		// A year of finished tasks: two a month, due mid-month.
		titles := []string{"重点场所安全隐患排查", "矛盾纠纷化解攻坚", "平安宣传进村入户", "重点人员走访全覆盖", "网格员培训轮训", "信访积案化解"}
		first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, safety.Zone)
		for i := 12; i >= 1; i-- {
			for j := range 2 {
				due := first.AddDate(0, -i, 14+j*6)
				n := (i*2 + j) % len(titles)
				status, closed := safety.TaskDone, due.AddDate(0, 0, -2).Add(16*time.Hour).UnixMilli()
				switch {
				case (i+j)%5 == 0:
					closed = due.AddDate(0, 0, 4).Add(16 * time.Hour).UnixMilli() // late
				case i == 7 && j == 1:
					status, closed = safety.TaskFailed, due.AddDate(0, 0, 10).UnixMilli()
				}
				id, err := task([]string{"letter", "problem", "rectification"}[n%3], titles[n], "按月度工作安排完成。", towns[(i*3+j)%len(towns)], "", "",
					due.AddDate(0, 0, -30).Format("2006-01-02"), due.Format("2006-01-02"), status, &closed)
				if err != nil {
					return err
				}
				if status == safety.TaskDone {
					if err := progress(id, "任务已完成。", "工作总结、台账", nil, true, closed); err != nil {
						return err
					}
				} else if _, err := tx.ExecContext(ctx, "UPDATE safety_tasks SET close_note = '逾期未完成，已约谈镇分管领导' WHERE id = ?", id); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func mustDay(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", s, safety.Zone)
	return t
}

// demoReviewAndYear records the review of the last quarter that has ended
// — its conclusion and two decisions — and three items of this year's
// assessment.
func demoReviewAndYear(ctx context.Context, s *safety.Service, county string, towns []string, first time.Time) error {
	q := first.AddDate(0, -3, 0)
	period := fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())+2)/3)
	r, err := s.Review(ctx, county, period)
	if err != nil {
		return err
	}
	conclusion := "本季度全区平安指数总体平稳。"
	if len(r.Indicators) > 0 && r.Indicators[0].Change != nil {
		conclusion += fmt.Sprintf("%s下滑最明显（较上季度 %.1f 个百分点），需重点关注。", r.Indicators[0].Name, *r.Indicators[0].Change)
	}
	conclusion += "排名靠后的乡镇（街道）要对照红灯指标逐项查找原因，下季度研判时报告整改成效。"
	if _, err := s.SaveReview(ctx, county, period, safety.ReviewInput{Conclusion: conclusion}); err != nil {
		return err
	}
	for _, d := range []safety.DecisionInput{
		{Text: "对连续两个月排名末位的乡镇（街道）开展约谈，限期提交整改方案。", Owner: "区委政法委", DueOn: first.AddDate(0, 0, 14).Format("2006-01-02")},
		{Text: "公安分局牵头开展电信网络诈骗预警劝阻专项行动，每月通报发案情况。", Owner: "公安分局", DueOn: first.AddDate(0, 1, 0).Format("2006-01-02")},
	} {
		if _, err := s.AddDecision(ctx, county, period, d); err != nil {
			return err
		}
	}
	year := strconv.Itoa(first.AddDate(0, -1, 0).Year())
	for _, it := range []safety.YearItemInput{
		{AreaID: towns[6%len(towns)], Kind: "bonus", Points: 3, Reason: "获评省级平安乡镇（街道）"},
		{AreaID: towns[1%len(towns)], Kind: "bonus", Points: 1.5, Reason: "矛盾纠纷多元化解经验在全市推广"},
		{AreaID: towns[7%len(towns)], Kind: "deduction", Points: 5, Reason: "发生一起较大生产安全事故，被市安委会通报"},
	} {
		if _, err := s.AddYearItem(ctx, county, year, it); err != nil {
			return err
		}
	}
	return nil
}

// demoPlaces are the places of each kind a town creates, with how many it
// should (its eligible count) and a name pattern (%s: the town's name).
var demoPlaces = []struct {
	kind     string
	eligible int
	names    []string
}{
	{"campus", 5, []string{"%s中心小学", "%s第一中学", "%s第二小学", "%s中心幼儿园", "%s实验学校"}},
	{"hospital", 2, []string{"%s卫生院", "%s社区卫生服务中心"}},
	{"enterprise", 6, []string{"%s电子科技有限公司", "%s食品有限公司", "%s建材有限公司", "%s物流有限公司", "%s纺织有限公司", "%s机械厂"}},
	{"market", 2, []string{"%s农贸市场", "%s综合市场"}},
	{"fengqiao", 2, []string{"%s司法所", "%s人民调解委员会"}},
	{"scenic", 1, []string{"%s湿地公园"}},
	{"family", 20, nil}, // named by the village and a number
}

// demoSafetyCells creates the safe cells of the county: most villages a
// 平安村（社区） and half of them 无邪教, five towns a 平安乡镇, most of each
// town's schools, hospitals, firms, markets and mediation units, approved
// over the past two years, a few applications waiting for inspection or
// decision, one rejected and one revoked by the rule; and each town's
// eligible counts.
func demoSafetyCells(ctx context.Context, d *db.DB, s *safety.Service, county string, now time.Time) error {
	kinds, err := s.CellKinds(ctx, county)
	if err != nil {
		return err
	}
	criteria := map[string][]string{}
	for _, k := range kinds {
		criteria[k.Code] = k.Criteria
	}
	type node struct{ id, name, path, parent string }
	var towns, villages []node
	rows, err := d.Reader().QueryContext(ctx, `SELECT o.id, o.name, o.path, COALESCE(o.parent_id, ''), o.kind FROM org_nodes o JOIN org_nodes c ON c.id = ?
		WHERE o.path > c.path AND o.path < c.path || '~' AND o.kind IN ('town', 'village') AND o.status = 'active' ORDER BY o.code`, county)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n node
		var kind string
		if err := rows.Scan(&n.id, &n.name, &n.path, &n.parent, &kind); err != nil {
			rows.Close()
			return err
		}
		if kind == "town" {
			towns = append(towns, n)
		} else {
			villages = append(villages, n)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	var by string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'intake'").Scan(&by); err != nil {
		return err
	}
	today := now.In(safety.Zone)
	k := 0
	return d.InTx(ctx, func(tx *db.Tx) error {
		cell := func(kind string, area node, name, status string) error {
			k++
			crit := criteria[kind]
			self := make([]map[string]any, len(crit))
			insp := make([]map[string]any, len(crit))
			for i := range crit {
				self[i] = map[string]any{"met": true, "evidence": "工作台账、照片"}
				insp[i] = map[string]any{"passed": !(status == safety.CellRejected && i == 0), "note": "现场核查"}
			}
			if status == safety.CellApplied {
				insp = []map[string]any{}
			}
			cj, _ := json.Marshal(crit)
			sj, _ := json.Marshal(self)
			ij, _ := json.Marshal(insp)
			approved := today.AddDate(0, -(k*7)%22-1, -(k*3)%28)
			applied := approved.AddDate(0, 0, -30)
			var inspectedAt, decidedAt any
			inspector, note, from, until, decideNote := "", "", "", "", ""
			if status != safety.CellApplied {
				inspectedAt, inspector, note = applied.AddDate(0, 0, 14).UnixMilli(), "镇综治中心 刘主任", "经现场检查，各项标准基本达到。"
			}
			switch status {
			case safety.CellApproved, safety.CellRevoked:
				decidedAt, from, until = approved.UnixMilli(), approved.Format("2006-01-02"), approved.AddDate(0, 24, -1).Format("2006-01-02")
			case safety.CellRejected:
				decidedAt, decideNote, note = approved.UnixMilli(), "第1项标准未达到，整改后可重新申请。", "第1项标准未达到。"
			case safety.CellApplied, safety.CellInspected:
				applied = today.AddDate(0, 0, -(k%20)-3)
			}
			var revokedAt any
			reason := ""
			if status == safety.CellRevoked {
				revokedAt, reason = approved.AddDate(0, 3, 0).UnixMilli(), "发生紧急事件（燃气泄漏），按撤销规则撤销"
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO safety_cells (id, root_id, kind, area_id, path, name, criteria, self_check, inspection, inspect_note, status,
				applied_at, applied_by, inspected_at, inspected_by, decided_at, decide_note, valid_from, valid_until, revoked_at, revoke_reason, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), county, kind, area.id, area.path, name, string(cj), string(sj), string(ij),
				note, status, applied.UnixMilli(), by, inspectedAt, inspector, decidedAt, decideNote, from, until, revokedAt, reason, db.Now())
			return err
		}
		statusOf := func(i, n int) string {
			switch {
			case i == n-1:
				return safety.CellApplied
			case i == n-2:
				return safety.CellInspected
			case i%10 == 3:
				return safety.CellRejected
			case i == 5:
				return safety.CellRevoked
			}
			return safety.CellApproved
		}
		for i, v := range villages {
			if i%7 == 6 {
				continue // not applied yet
			}
			if err := cell("village", v, v.name, statusOf(i, len(villages))); err != nil {
				return err
			}
			if i%2 == 0 {
				if err := cell("no_cult", v, v.name, safety.CellApproved); err != nil {
					return err
				}
			}
		}
		for i, t := range towns {
			if i < 5 {
				if err := cell("town", t, t.name, safety.CellApproved); err != nil {
					return err
				}
			}
			var village node
			for _, v := range villages {
				if v.parent == t.id {
					village = v
					break
				}
			}
			for _, p := range demoPlaces {
				if _, err := tx.ExecContext(ctx, "INSERT INTO safety_cell_targets (root_id, kind, area_id, eligible) VALUES (?, ?, ?, ?)", county, p.kind, t.id, p.eligible); err != nil {
					return err
				}
				made := p.eligible - (i+len(p.kind))%3
				if p.kind == "family" {
					made = 12 + (i*5)%8
				}
				for j := 0; j < made && (p.names == nil || j < len(p.names)); j++ {
					status := safety.CellApproved
					if j == made-1 && i%3 == 0 {
						status = safety.CellApplied
					}
					name := fmt.Sprintf("%s第%d户", village.name, 3*j+1)
					if p.names != nil {
						name = fmt.Sprintf(p.names[j], t.name)
					}
					if err := cell(p.kind, village, name, status); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
