package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/party"
)

// PartyWorkCounts are what PartyWork wrote.
type PartyWorkCounts struct {
	Houses, Households, Problems, Units, Members, Tasks int
}

var (
	problemTitles = []string{"楼道堆放杂物堵塞消防通道", "小区路灯损坏夜间无照明", "电动车楼道充电存在隐患", "化粪池堵塞污水外溢", "地下车库渗水",
		"小区门禁损坏外来人员随意进出", "高空抛物", "流浪犬伤人隐患", "绿化带被占用种菜", "二次供水水箱未按期清洗", "物业费收缴纠纷",
		"外墙瓷砖脱落", "电梯频繁故障困人", "垃圾分类投放点异味", "广场舞噪音扰民", "车位乱停乱放"}
	problemSteps = []string{"支部牵头召开三方协调会", "业委会入户征求业主意见", "物业公司安排维修人员现场处置", "网格员联系相关部门到场查看",
		"党员志愿者清理楼道", "张贴温馨提示并逐户宣传", "物业公司更换配件", "组织邻里议事会协商费用分摊"}
	reportUnits = []string{"源城区人民法院", "源城区财政局", "源城区教育局", "源城区卫生健康局", "河源市供电局", "河源市自来水公司", "源城区税务局",
		"源城区住房和城乡建设局", "中国建设银行河源分行", "河源市第一中学", "源城区市场监督管理局", "河源日报社", "源城区城市管理和综合执法局",
		"中国移动河源分公司", "源城区人力资源和社会保障局"}
	reportTasks = []string{"参与小区环境整治", "入户走访独居老人", "协助开展反诈宣传", "参与邻里议事会", "周末文明交通劝导", "协助疫苗接种引导",
		"参与防汛值守", "为居民开展法律咨询", "关爱留守儿童课业辅导", "参与垃圾分类督导"}
)

// PartyWork writes the red grid's year of work over the first county:
// register houses linked to the compounds of their grids, the households
// each 党员中心户 serves, a year of compound problems worked by the three
// (branch, owners' committee, property company), and 双报到 of units and
// members with the communities of the first town, with their tasks.
func PartyWork(ctx context.Context, d *db.DB, svc *party.Service, countyCode string, seed int64) (PartyWorkCounts, error) {
	var n PartyWorkCounts
	rng := mrand.New(mrand.NewPCG(uint64(seed), 43))
	now := time.Now().In(china)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	county, err := pathOfCode(ctx, d.Reader(), countyCode)
	if err != nil {
		return n, err
	}
	type compound struct{ id, path, grid, org string }
	var compounds []compound
	rows, err := d.Reader().QueryContext(ctx, "SELECT id, path, COALESCE(grid_id, ''), org_id FROM compounds WHERE path >= ? AND path < ? ORDER BY path, name", county, county+"~")
	if err != nil {
		return n, err
	}
	for rows.Next() {
		var c compound
		if err := rows.Scan(&c.id, &c.path, &c.grid, &c.org); err != nil {
			rows.Close()
			return n, err
		}
		compounds = append(compounds, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, err
	}
	ms := time.Now().UnixMilli()
	err = d.InTx(ctx, func(tx *db.Tx) error {
		for _, c := range compounds {
			if c.grid == "" {
				continue
			}
			// The register houses of the compound's grid belong to it.
			res, err := tx.ExecContext(ctx, "UPDATE houses SET compound_id = ? WHERE grid_id = ? AND compound_id IS NULL", c.id, c.grid)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n.Houses += int(k)
			// A year of problems.
			for range 8 + rng.IntN(10) {
				raised := now.AddDate(0, 0, -rng.IntN(365))
				age := int(now.Sub(raised).Hours() / 24)
				status, steps, solved, resp := "open", "", "", ""
				switch {
				case age > 30 || rng.IntN(3) > 0:
					status = "solved"
				case age > 3:
					status = "working"
				}
				if status != "open" {
					resp = party.Responsibles[rng.IntN(3)]
					steps = day(raised.AddDate(0, 0, 1)) + " " + problemSteps[rng.IntN(len(problemSteps))]
				}
				if status == "solved" {
					done := raised.AddDate(0, 0, 2+rng.IntN(20))
					if done.After(now) {
						done = now
					}
					solved = day(done)
					steps += "\n" + solved + " " + problemSteps[rng.IntN(len(problemSteps))]
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO compound_problems (id, compound_id, path, raised_by, raised_on, title, detail, responsible, steps, status,
					solved_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), c.id, c.path, party.Raisers[rng.IntN(len(party.Raisers))],
					day(raised), problemTitles[rng.IntN(len(problemTitles))], "", resp, steps, status, solved, ms, ms); err != nil {
					return err
				}
				n.Problems++
			}
		}
		// 党员中心户: each serves a few households of their grid.
		type member struct{ id, grid, path string }
		var centres []member
		rows, err := tx.QueryContext(ctx, "SELECT id, grid_id, path FROM party_members WHERE center_household = 1 AND grid_id IS NOT NULL AND path >= ? AND path < ? ORDER BY id", county, county+"~")
		if err != nil {
			return err
		}
		for rows.Next() {
			var m member
			if err := rows.Scan(&m.id, &m.grid, &m.path); err != nil {
				rows.Close()
				return err
			}
			centres = append(centres, m)
		}
		rows.Close()
		for _, m := range centres {
			hh, err := db.Strings(ctx, tx, "SELECT id FROM households WHERE grid_id = ? AND status = 'active' ORDER BY no LIMIT 5", m.grid)
			if err != nil {
				return err
			}
			for i, h := range hh {
				if i >= 2+rng.IntN(4) {
					break
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO party_center_households (id, member_id, household_id, path, created_at) VALUES (?, ?, ?, ?, ?)",
					db.NewID(), m.id, h, m.path, ms); err != nil {
					return err
				}
				n.Households++
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	err = partyReports(ctx, d, svc, county, rng, now, &n)
	return n, err
}

// partyReports writes 双报到 with the communities of the first town.
func partyReports(ctx context.Context, d *db.DB, svc *party.Service, county string, rng *mrand.Rand, now time.Time, n *PartyWorkCounts) error {
	var town string
	if err := d.Reader().QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE kind = 'town' AND path >= ? AND path < ? ORDER BY code LIMIT 1", county, county+"~").Scan(&town); err != nil {
		return err
	}
	type village struct{ id, path, top string }
	var villages []village
	rows, err := d.Reader().QueryContext(ctx, `SELECT o.id, o.path, COALESCE((SELECT p.id FROM party_orgs p WHERE p.org_id = o.id AND p.form = 'area' ORDER BY p.created_at LIMIT 1), '')
		FROM org_nodes o WHERE o.kind = 'village' AND o.path >= ? AND o.path < ? ORDER BY o.code`, town, town+"~")
	if err != nil {
		return err
	}
	for rows.Next() {
		var v village
		if err := rows.Scan(&v.id, &v.path, &v.top); err != nil {
			rows.Close()
			return err
		}
		villages = append(villages, v)
	}
	rows.Close()
	if len(villages) == 0 {
		return rows.Err()
	}
	ms := now.UnixMilli()
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	return d.InTx(ctx, func(tx *db.Tx) error {
		addTasks := func(report, path string, accepted time.Time) error {
			for t := accepted.AddDate(0, 0, 10+rng.IntN(30)); t.Before(now.AddDate(0, 0, 20)); t = t.AddDate(0, 0, 25+rng.IntN(40)) {
				status, note, hours, doneOn := "open", "", 0.0, ""
				if t.Before(now) && rng.IntN(6) > 0 {
					status, note, hours, doneOn = "done", "已按要求完成", float64(1+rng.IntN(6)), day(t)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO party_report_tasks (id, report_id, path, title, due_on, status, note, hours, done_on, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), report, path, reportTasks[rng.IntN(len(reportTasks))], day(t), status, note, hours, doneOn, ms, ms); err != nil {
					return err
				}
				n.Tasks++
			}
			return nil
		}
		for ui, unit := range reportUnits {
			v := villages[ui%len(villages)]
			accepted := now.AddDate(0, 0, -30-rng.IntN(330))
			report, orgID := db.NewID(), db.NewID()
			status := "accepted"
			if ui == len(reportUnits)-1 {
				status = "pending"
			}
			if status == "accepted" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO party_orgs (id, parent_id, name, kind, form, org_id, path, secretary, created_at, updated_at)
					VALUES (?, ?, ?, 'branch', 'unit', ?, ?, ?, ?, ?)`, orgID, nullIfEmpty(v.top), unit+"机关党支部", v.id, v.path, personName(rng), ms, ms); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO party_reports (id, kind, org_id, path, name, unit, status, party_org_id, decided_at, created_at, updated_at)
				VALUES (?, 'org', ?, ?, ?, ?, ?, ?, ?, ?, ?)`, report, v.id, v.path, unit+"机关党支部", unit, status, nullIfEmpty(map[bool]string{true: orgID}[status == "accepted"]),
				accepted.UnixMilli(), accepted.UnixMilli(), ms); err != nil {
				return err
			}
			if status != "accepted" {
				continue
			}
			n.Units++
			if err := addTasks(report, v.path, accepted); err != nil {
				return err
			}
			// Its members, each with the community where they live.
			for m := range 5 + rng.IntN(4) {
				lv := villages[rng.IntN(len(villages))]
				lgrid, _ := db.Strings(ctx, tx, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' AND status = 'active' ORDER BY code", lv.id)
				rid, mid := db.NewID(), db.NewID()
				name := personName(rng)
				phone := fmt.Sprintf("13%d%08d", rng.IntN(10), rng.IntN(1e8))
				rs, rm := svc.SealReportPhone(rid, phone)
				st, reason := "accepted", ""
				switch {
				case m == 0 && ui%5 == 1:
					st, reason = "declined", "未在本社区居住，请向居住地社区报到"
				case m == 1 && ui%4 == 2:
					st = "pending"
				}
				var g string
				if len(lgrid) > 0 {
					g = lgrid[rng.IntN(len(lgrid))]
				}
				when := accepted.AddDate(0, 0, rng.IntN(20))
				var memberID, gridID any
				if st == "accepted" {
					target := lv.top
					if lv.id == v.id {
						target = orgID
					}
					ps, pm := svc.SealPhone(mid, phone)
					if _, err := tx.ExecContext(ctx, `INSERT INTO party_members (id, party_org_id, path, name, phone_sealed, phone_masked, grid_id, joined_on, created_at, updated_at)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, mid, target, lv.path, name, ps, pm, nullIfEmpty(g), fmt.Sprintf("%d-%02d-01", 1985+rng.IntN(38), 1+rng.IntN(12)), ms, ms); err != nil {
						return err
					}
					memberID, gridID = mid, nullIfEmpty(g)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO party_reports (id, kind, org_id, path, name, unit, own_org, unit_report_id, phone_sealed, phone_masked, address,
					grid_id, status, reason, member_id, party_org_id, decided_at, created_at, updated_at) VALUES (?, 'member', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					rid, lv.id, lv.path, name, unit, unit+"机关党支部", report, rs, rm, fmt.Sprintf("%s%d号", streets[rng.IntN(len(streets))], 1+rng.IntN(300)),
					gridID, st, reason, memberID, nil, when.UnixMilli(), when.UnixMilli(), ms); err != nil {
					return err
				}
				n.Members++
				if st == "accepted" {
					if err := addTasks(rid, lv.path, when); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
