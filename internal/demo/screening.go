package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
)

// screeningCases are what a screening round finds, by dispute type: the
// description, the measures agreed and the result when settled on the spot.
var screeningCases = map[string][]struct{ text, measures, result string }{
	"neighbour": {
		{"两户因屋后排水沟堵塞互相指责，多次发生口角", "组织双方现场协商，村委出资疏通排水沟", "排水沟已疏通，双方握手言和"},
		{"邻居加建二层阳台遮挡采光，对方扬言要拆除", "调解员上门释法，请规划办现场测量", "加建户退让半米，双方签订调解协议"},
		{"楼上住户空调滴水落在楼下窗台，协商未果", "网格员联系物业上门检查，协调加装接水管", "已加装接水管，纠纷化解"},
		{"两家因宅基地边界的一棵荔枝树归属发生争执", "查阅宅基地档案，组织双方及见证人现场指界", "按原始档案确认归属，双方认可"},
	},
	"marriage_family": {
		{"老人三个子女推诿赡养义务，老人到村委哭诉", "召开家庭会议，村调委会主持签订赡养协议", "三子女按月轮流赡养，签订书面协议"},
		{"夫妻因外出务工收入分配长期争吵，女方提出离婚", "妇联干部与调解员上门疏导，开展婚姻家庭辅导", "双方同意分居冷静一个月后再协商"},
		{"兄弟分家时对父母留下的老屋分配不满", "请族中长辈参与调解，依法说明继承份额", "兄弟按份额分配老屋，签订分家协议"},
	},
	"land_forest": {
		{"两村村民对交界山岭的林木采伐权有争议", "镇林业站调取林权证，组织两村代表现场勘界", "按林权证界线立桩，双方认可"},
		{"村民承包的果园与邻组集体山地界线不清", "调取土地承包合同，村组干部现场指界", "重新确认四至并补签合同"},
		{"责任田灌溉水渠改道引发上下游农户争执", "水利站现场查看，协调共用水渠轮灌", "制定轮灌时间表，双方遵守"},
	},
	"land_acquisition": {
		{"道路拓宽项目征地补偿款分配，部分村民认为不公", "镇征拆办公开补偿标准，逐户解释测量结果", "补测两户面积，补发差额"},
		{"拆迁户对过渡安置费发放时间有意见，准备集体上访", "包案领导接访，协调项目方限期发放", "过渡费已全部发放到户"},
	},
	"labour_wages": {
		{"工地十余名工人反映被拖欠三个月工资", "人社所介入，约谈施工单位负责人", "施工单位分两期支付全部欠薪"},
		{"家具厂辞退员工未支付经济补偿", "劳动监察中队调查，组织劳资双方协商", "厂方按规定支付经济补偿金"},
		{"春节前装修班组工人讨要工钱与包工头发生冲突", "派出所与司法所联合调处，核对工程量", "包工头结清工钱，工人返乡"},
	},
	"property_mgmt": {
		{"小区业主对物业费上涨不满，部分业主拒交物业费", "社区组织业委会与物业公司座谈，公开收支", "物业公司暂缓调价，提交业主大会表决"},
		{"小区电梯频繁故障，业主与物业互相指责", "社区协调维保单位检修，申请维修基金", "电梯已大修，恢复正常运行"},
	},
	"contract_debt": {
		{"村民之间民间借贷到期未还，债权人堵门讨债", "调解员约见双方，核对借条和还款记录", "双方约定分期还款，签订还款协议"},
	},
	"traffic": {
		{"电动车与三轮车碰擦，双方对赔偿金额有争议", "交警中队出具责任认定，调解员组织协商", "一次性赔偿医药费和误工费"},
	},
	"medical": {
		{"患者家属对卫生院诊疗结果有异议，在院内吵闹", "医调委介入，请第三方专家解释诊疗过程", "家属接受解释，院方给予人文关怀补助"},
	},
	"other": {
		{"商铺租赁合同到期，租户拒不搬离", "调解员组织双方协商，明确腾退时间", "租户按约定时间搬离"},
	},
}

// The types each kind of round goes over: the seeds' six areas weekly,
// every type monthly, wages and families before the holidays.
var (
	weeklyTypes    = []string{"neighbour", "marriage_family", "land_forest", "land_acquisition", "labour_wages", "property_mgmt"}
	holidayTypes   = []string{"neighbour", "marriage_family", "land_forest", "labour_wages"}
	sensitiveTypes = []string{"land_acquisition", "labour_wages", "property_mgmt"}
)

var demoLeaders = []string{"镇党委副书记", "镇政法委员", "镇人大主席", "镇武装部长", "村党支部书记"}

// screeningRound is a round the demo writes.
type screeningRound struct {
	title, kind        string
	from, to           time.Time
	types              []string
	open               bool
	findingRate        float64 // the chance a village finds something
	unreportedFraction float64 // the share of villages that have not reported (the open round)
}

// Screening writes a year of screening rounds (排查) in the demo county:
// each town's weekly and monthly rounds, the rounds before the Spring
// Festival and the National Day and one before a sensitive date, with the
// villages' findings (most settled on the spot, a few past their deadline)
// and zero reports. This week's round is open, with villages still to
// report; 下城社区 (the demo grid member's village) is among them. No finding
// is turned into a case here: that goes through the dispute room. It
// returns how many findings it wrote.
func Screening(ctx context.Context, d *db.DB, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 27))
	q := d.Reader()
	users := map[string]string{}
	for _, name := range []string{"townmediator", "mediator", "gridmember", "vmediator"} {
		var id string
		err := q.QueryRowContext(ctx, "SELECT id FROM users WHERE username = ?", name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil // no demo accounts (a bench data set)
		}
		if err != nil {
			return 0, err
		}
		users[name] = id
	}
	var homeVillage, homeTown, countyPath, homeGrid string
	if err := q.QueryRowContext(ctx, `SELECT v.id, v.parent_id, c.path FROM users u JOIN org_nodes v ON v.id = u.org_id
		JOIN org_nodes t ON t.id = v.parent_id JOIN org_nodes c ON c.id = t.parent_id WHERE u.id = ?`, users["gridmember"]).Scan(&homeVillage, &homeTown, &countyPath); err != nil {
		return 0, fmt.Errorf("the grid member's village: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT g.id FROM grid_members m JOIN grids g ON g.id = m.grid_id WHERE m.user_id = ? ORDER BY g.code LIMIT 1`,
		users["gridmember"]).Scan(&homeGrid); err != nil {
		return 0, fmt.Errorf("the grid member's grid: %w", err)
	}
	under, args := authz.Under("path", countyPath)
	rows, err := q.QueryContext(ctx, "SELECT id, name, path, COALESCE(parent_id, ''), kind FROM org_nodes WHERE status = 'active' AND kind IN ('town', 'village') AND "+under+" ORDER BY code", args...)
	if err != nil {
		return 0, err
	}
	var towns []areaNode
	villages := map[string][]areaNode{}
	for rows.Next() {
		var n areaNode
		var kind string
		if err := rows.Scan(&n.id, &n.name, &n.path, &n.parent, &kind); err != nil {
			rows.Close()
			return 0, err
		}
		if kind == "town" {
			towns = append(towns, n)
		} else {
			villages[n.parent] = append(villages[n.parent], n)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}

	today := dayStart(now.In(cst))
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	var plan []screeningRound
	for w := 0; w < 52; w++ {
		from := monday.AddDate(0, 0, -7*w)
		_, week := from.ISOWeek()
		plan = append(plan, screeningRound{title: fmt.Sprintf("第%d周矛盾纠纷排查", week), kind: "weekly", from: from, to: from.AddDate(0, 0, 6),
			types: weeklyTypes, open: w == 0, findingRate: 0.12, unreportedFraction: 0.5})
	}
	for m := 1; m <= 12; m++ {
		first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, cst).AddDate(0, -m, 0)
		plan = append(plan, screeningRound{title: fmt.Sprintf("%d年%d月矛盾纠纷集中排查", first.Year(), int(first.Month())), kind: "monthly",
			from: first, to: first.AddDate(0, 1, -1), types: dispute.Types, findingRate: 0.25})
	}
	for _, h := range []struct {
		title, kind string
		month       time.Month
		day, days   int
		types       []string
	}{
		{"春节前矛盾纠纷排查", "holiday", time.February, 2, 12, holidayTypes},
		{"全国两会期间矛盾纠纷排查", "sensitive", time.February, 25, 10, sensitiveTypes},
		{"国庆节前矛盾纠纷排查", "holiday", time.September, 20, 10, holidayTypes},
	} {
		from := time.Date(today.Year(), h.month, h.day, 0, 0, 0, 0, cst)
		if !from.AddDate(0, 0, h.days).Before(today) {
			from = from.AddDate(-1, 0, 0)
		}
		plan = append(plan, screeningRound{title: fmt.Sprintf("%d年%s", from.Year(), h.title), kind: h.kind, from: from,
			to: from.AddDate(0, 0, h.days-1), types: h.types, findingRate: 0.3})
	}

	counters := map[string]int{}
	written := 0
	err = d.InTx(ctx, func(tx *db.Tx) error {
		for _, t := range towns {
			launcher := users["mediator"]
			if t.id == homeTown {
				launcher = users["townmediator"]
			}
			for _, pr := range plan {
				id := db.NewID()
				created := before(pr.from.Add(8*time.Hour+30*time.Minute), now)
				status, closedAt, closedBy := "open", any(nil), any(nil)
				if !pr.open {
					status, closedAt, closedBy = "closed", before(pr.to.AddDate(0, 0, 1).Add(17*time.Hour), now).UnixMilli(), launcher
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO screening_rounds (id, title, kind, org_id, path, period_from, period_to, due_date, types, status,
					created_by, created_at, closed_by, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					id, t.name+pr.title, pr.kind, t.id, t.path, ymd(pr.from), ymd(pr.to), ymd(pr.to), strings.Join(pr.types, ","), status,
					launcher, created.UnixMilli(), closedBy, closedAt); err != nil {
					return err
				}
				for _, v := range villages[t.id] {
					if pr.open && (v.id == homeVillage || rng.Float64() < pr.unreportedFraction) {
						continue // not reported yet
					}
					// The grid member's village finds something more often, so its accounts have work to show.
					rate := pr.findingRate
					if v.id == homeVillage {
						rate *= 3
					}
					if rng.Float64() >= rate {
						if pr.open || rng.Float64() < 0.97 { // a few closed rounds' villages never reported
							at := pr.from.AddDate(0, 0, rng.IntN(int(pr.to.Sub(pr.from).Hours()/24)+1)).Add(time.Duration(9+rng.IntN(8)) * time.Hour)
							if at.After(now) {
								at = now.Add(-time.Hour)
							}
							if _, err := tx.ExecContext(ctx, `INSERT INTO screening_zero_reports (round_id, org_id, path, note, by_user, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
								id, v.id, v.path, "本轮排查未发现矛盾纠纷", users["mediator"], at.UnixMilli()); err != nil {
								return err
							}
						}
						continue
					}
					for range 1 + rng.IntN(2) {
						if err := demoFinding(ctx, tx, rng, pr, id, v.id, v.path, v.id == homeVillage, homeGrid, users, now, counters); err != nil {
							return err
						}
						written++
					}
				}
			}
		}
		// Ad hoc findings of the grid member this week, outside any round:
		// one due soon (yellow), one past its deadline (red).
		for i, deadline := range []time.Time{today.AddDate(0, 0, 2), today.AddDate(0, 0, -3)} {
			pr := screeningRound{from: today.AddDate(0, 0, -10+i), to: today, types: weeklyTypes}
			if err := demoFindingAt(ctx, tx, rng, pr, nil, homeVillage, villagePath(villages[homeTown], homeVillage), true, homeGrid, users, now, before(pr.from.Add(10*time.Hour), now),
				deadline, "open", counters); err != nil {
				return err
			}
			written++
		}
		for day, n := range counters {
			if _, err := tx.ExecContext(ctx, `INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = excluded.n`, "screening:"+day, n); err != nil {
				return err
			}
		}
		return nil
	})
	return written, err
}

// areaNode is a town or a village of the demo county.
type areaNode struct{ id, name, path, parent string }

func villagePath(vs []areaNode, id string) string {
	for _, v := range vs {
		if v.id == id {
			return v.path
		}
	}
	return ""
}

// before is t, or a moment just before now when t is still to come: the
// demo writes nothing dated after its build.
func before(t, now time.Time) time.Time {
	if t.Before(now) {
		return t
	}
	return now.Add(-10 * time.Minute)
}

func ymd(t time.Time) string { return t.Format("2006-01-02") }

func dayStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// demoFinding writes a finding of a round: filed on a day of the round,
// settled on the spot once its deadline is past, but for a few of the last
// two months still open (red); a finding of the open round is open.
func demoFinding(ctx context.Context, tx *db.Tx, rng *mrand.Rand, pr screeningRound, roundID, villageID, path string, home bool, grid string,
	users map[string]string, now time.Time, counters map[string]int) error {
	span := int(pr.to.Sub(pr.from).Hours()/24) + 1
	at := pr.from.AddDate(0, 0, rng.IntN(span)).Add(time.Duration(9+rng.IntN(8))*time.Hour + time.Duration(rng.IntN(60))*time.Minute)
	if at.After(now) {
		at = now.Add(-time.Duration(1+rng.IntN(3)) * time.Hour)
	}
	deadline := dayStart(at).AddDate(0, 0, 3+rng.IntN(18))
	// Older findings are all settled; of the last two months' some are
	// still open past their deadline (red).
	status := "open"
	if !pr.open && deadline.Before(now) && (now.Sub(at) > 60*24*time.Hour || rng.Float64() < 0.85) {
		status = "resolved"
	}
	return demoFindingAt(ctx, tx, rng, pr, roundID, villageID, path, home, grid, users, now, at, deadline, status, counters)
}

func demoFindingAt(ctx context.Context, tx *db.Tx, rng *mrand.Rand, pr screeningRound, roundID any, villageID, path string, home bool, grid string,
	users map[string]string, now, at, deadline time.Time, status string, counters map[string]int) error {
	typ := pr.types[rng.IntN(len(pr.types))]
	cases := screeningCases[typ]
	c := cases[rng.IntN(len(cases))]
	parties := []string{personName(rng), personName(rng)}
	risk := []string{"low", "low", "medium", "medium", "high"}[rng.IntN(5)]
	by, person, gridID := users["mediator"], "村调解员 "+personName(rng), any(nil)
	if home {
		by, person, gridID = users["gridmember"], "网格员 张敏", grid
		if rng.IntN(2) == 0 {
			by, person = users["vmediator"], "村调解员 黄桂兰"
		}
	}
	day := at.In(cst).Format("20060102")
	counters[day]++
	no := fmt.Sprintf("PC%s%04d", day, counters[day])
	var result string
	var closedAt, closedBy any
	if status == "resolved" {
		result = c.result
		closed := at.AddDate(0, 0, 1+rng.IntN(max(1, int(deadline.Sub(at).Hours()/24))))
		closedAt, closedBy = before(closed, now).UnixMilli(), by
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO screening_findings (id, no, round_id, org_id, path, grid_id, type, description, parties, risk,
		leader_name, person_name, measures, deadline, status, result_note, created_by, created_at, closed_by, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		db.NewID(), no, roundID, villageID, path, gridID, typ, c.text, strings.Join(parties, "、"), risk,
		demoLeaders[rng.IntN(len(demoLeaders))]+" "+personName(rng), person, c.measures, ymd(deadline), status, result,
		by, at.UnixMilli(), closedBy, closedAt)
	return err
}

// LinkScreeningCases gives the demo's cases that came from screening the
// finding each came from: for every such case of the first county without
// one, a finding of its village filed in the two weeks before it (the same
// type first; one of the settled ones, so this week's open findings stay as
// they are) is marked as turned into that case, as the screening room's
// to-case step marks it, and the case names the finding. It returns how
// many it linked.
func LinkScreeningCases(ctx context.Context, d *db.DB) (int, error) {
	n := 0
	err := d.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, no, org_id, type, registered_at FROM disputes
			WHERE source = 'screening' AND source_ref = '' ORDER BY registered_at`)
		if err != nil {
			return err
		}
		type kase struct {
			id, no, org, typ string
			at               int64
		}
		var cases []kase
		for rows.Next() {
			var c kase
			if err := rows.Scan(&c.id, &c.no, &c.org, &c.typ, &c.at); err != nil {
				rows.Close()
				return err
			}
			cases = append(cases, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range cases {
			var fid, fno, by string
			err := tx.QueryRowContext(ctx, `SELECT id, no, created_by FROM screening_findings
				WHERE org_id = ? AND status = 'resolved' AND created_at <= ? AND created_at > ?
				ORDER BY CASE WHEN type = ? THEN 0 ELSE 1 END, created_at DESC LIMIT 1`, c.org, c.at, c.at-14*24*3600*1000, c.typ).Scan(&fid, &fno, &by)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE screening_findings SET status = 'case', result_note = '', case_id = ?, case_no = ?,
				closed_by = ?, closed_at = ? WHERE id = ?`, c.id, c.no, by, c.at, fid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE disputes SET source_ref = ? WHERE id = ?", fno, c.id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
