package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/duty"
	"github.com/gridgov/gridgov/internal/org"
)

// dutyPushed are the tasks a centre pushes to its grid members.
var dutyPushed = []string{"走访独居老人", "核查新迁入人员信息", "排查出租屋消防隐患", "回访矛盾纠纷当事人", "巡查河道护栏", "核实低保户家庭情况",
	"排查燃气使用安全", "张贴反诈宣传海报", "核查空置房屋", "走访留守儿童家庭", "检查小区消防通道", "收集居民意见建议"}

// dutyJoint are the tasks the village police officer and a grid member
// carry out together (警网联合).
var dutyJoint = []string{"联合走访刑满释放人员", "夜间联合巡逻", "联合排查出租屋流动人口", "联合走访社区矫正对象", "校园周边联合巡查"}

// dutyDecisions are a town–police-station meeting's decisions.
var dutyDecisions = []string{"开展出租屋流动人口集中清查", "排查化解邻里矛盾纠纷", "加强学校周边治安巡逻", "开展防诈骗入户宣传",
	"排查重点人员近期动态", "整治夜市周边交通秩序", "排查涉众型经济纠纷", "开展节前安全隐患大排查", "联合调处山林界线纠纷"}

var dutyResults = []string{"已上门走访，情况正常", "已核实并更新台账", "已现场处理完毕", "已联系当事人，情绪稳定", "已整改到位", "已宣传到户，发放资料"}

var dutyReasons = []string{"当事人外出务工，约定明日上门", "户主不在家，已电话预约", "下雨无法现场查看", "需派出所协同，明日联合处理", "临时抽调参加防汛"}

// dutyMember is a roster member on a grid team.
type dutyMember struct {
	worker org.Worker
	role   string
}

// dutyGrid is a main-layer grid with its team.
type dutyGrid struct {
	id, village, path string
	team              []dutyMember
}

func (g dutyGrid) member(role string) (org.Worker, bool) {
	for _, m := range g.team {
		if m.role == role {
			return m.worker, true
		}
	}
	return org.Worker{}, false
}

// Duty writes a year of the grid members' tasks of the first county: a
// town–police-station meeting (联席会议) a month in every town with its
// decisions as tasks for the village police officer and a grid member,
// tasks pushed by the centres (weekly in the first town, monthly
// elsewhere, some joint with the police officer), each closed on its day
// or carried with a reason or by the day's close, and today's tasks —
// with yesterday's carry-overs — for the first town's members, the demo
// grid member 张敏 and the demo police officer, whose account this links
// to the first village's police roster entry. It returns how many tasks
// it wrote.
func Duty(ctx context.Context, d Deps, countyCode string, seed int64, now time.Time) (int, error) {
	svc := d.Duty
	q := d.DB.Reader()
	var intakeID, gmWorker, policeUser string
	if err := q.QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'intake'").Scan(&intakeID); err != nil {
		return 0, nil // no demo accounts (a bench data set)
	}
	q.QueryRowContext(ctx, "SELECT w.id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.username = 'gridmember'").Scan(&gmWorker)
	q.QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'police'").Scan(&policeUser)
	p := authz.System()
	p.UserID, p.Username, p.DisplayName = intakeID, "intake", "受理员 陈静"
	ctx = authz.WithPrincipal(ctx, p)
	saved := svc.Now
	defer func() { svc.Now = saved }()
	cst := time.FixedZone("CST", 8*3600)
	at := func(day string, hour int) {
		t, _ := time.ParseInLocation(time.DateOnly, day, cst)
		t = t.Add(time.Duration(hour) * time.Hour)
		svc.Now = func() time.Time { return t }
	}
	today := now.In(cst).Format(time.DateOnly)
	addDays := func(day string, n int) string {
		t, _ := time.Parse(time.DateOnly, day)
		return t.AddDate(0, 0, n).Format(time.DateOnly)
	}
	rng := mrand.New(mrand.NewPCG(uint64(seed), 0xd07))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }

	// The grids of the county with their teams, and the towns.
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.org_id, n.path, n.parent_id, m.role, w.id, w.name, COALESCE(w.user_id, '')
		FROM grids g JOIN org_nodes n ON n.id = g.org_id JOIN grid_members m ON m.grid_id = g.id JOIN workers w ON w.id = m.worker_id
		WHERE g.layer = 'zz' AND g.status = 'active' AND w.status = 'active' AND n.code LIKE ? ORDER BY g.code, m.role, w.id`, countyCode+"%")
	if err != nil {
		return 0, err
	}
	var grids []*dutyGrid
	byID := map[string]*dutyGrid{}
	townOf := map[string]string{}
	var towns []string
	for rows.Next() {
		var gid, village, path, town, role string
		var w org.Worker
		if err := rows.Scan(&gid, &village, &path, &town, &role, &w.ID, &w.Name, &w.UserID); err != nil {
			rows.Close()
			return 0, err
		}
		g := byID[gid]
		if g == nil {
			g = &dutyGrid{id: gid, village: village, path: path}
			byID[gid] = g
			grids = append(grids, g)
		}
		g.team = append(g.team, dutyMember{w, role})
		if _, ok := townOf[village]; !ok {
			townOf[village] = town
			if len(towns) == 0 || towns[len(towns)-1] != town {
				towns = append(towns, town)
			}
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if len(grids) == 0 {
		return 0, nil
	}
	firstTown := towns[0]

	// The demo police officer serves the demo grid member's village.
	if policeUser != "" && gmWorker != "" {
		for _, g := range grids {
			if _, ok := g.member("grid_member"); !ok {
				continue
			}
			if gm, _ := g.member("grid_member"); gm.ID != gmWorker {
				continue
			}
			if pw, ok := g.member("police"); ok {
				err := d.DB.InTx(ctx, func(tx *db.Tx) error {
					if _, err := tx.ExecContext(ctx, "UPDATE workers SET user_id = ? WHERE id = ? AND user_id IS NULL", policeUser, pw.ID); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, "UPDATE grid_members SET user_id = ? WHERE worker_id = ? AND user_id IS NULL", policeUser, pw.ID)
					return err
				})
				if err != nil {
					return 0, err
				}
				for _, h := range grids {
					for i := range h.team {
						if h.team[i].worker.ID == pw.ID {
							h.team[i].worker.UserID = policeUser
						}
					}
				}
			}
			break
		}
	}

	n := 0
	// A meeting a month in every town, its decisions tasks for the police
	// officer and a grid member of a village of the town.
	townGrids := map[string][]*dutyGrid{}
	for _, g := range grids {
		townGrids[townOf[g.village]] = append(townGrids[townOf[g.village]], g)
	}
	for _, town := range towns {
		var pcs string
		q.QueryRowContext(ctx, "SELECT name FROM units WHERE org_id = ? AND code LIKE '%-pcs'", town).Scan(&pcs)
		if pcs == "" {
			pcs = "派出所"
		}
		for m := 11; m >= 0; m-- {
			month := now.In(cst).AddDate(0, -m, 0)
			held := time.Date(month.Year(), month.Month(), 6+rng.IntN(8), 0, 0, 0, 0, cst).Format(time.DateOnly)
			if held > today {
				continue
			}
			at(held, 10)
			var in duty.MeetingInput
			in.OrgID, in.HeldOn, in.Place = town, held, pcs+"会议室"
			in.Officials = []string{pcs + "所长", "镇综治中心主任", "镇司法所所长"}
			in.Minutes = fmt.Sprintf("%d月镇所联席会议：通报上月警情和矛盾纠纷排查情况，研究警网联合工作。", month.Month())
			seen := map[string]bool{}
			for k := 0; k < 2+rng.IntN(2); k++ {
				g := townGrids[town][rng.IntN(len(townGrids[town]))]
				pw, ok1 := g.member("police")
				gm, ok2 := g.member("grid_member")
				if !ok1 || !ok2 {
					continue
				}
				for _, w := range []org.Worker{pw, gm} {
					if !seen[w.ID] {
						seen[w.ID] = true
						in.AttendeeIDs = append(in.AttendeeIDs, w.ID)
					}
				}
				in.Decisions = append(in.Decisions, duty.DecisionInput{Text: pick(dutyDecisions), WorkerIDs: []string{pw.ID, gm.ID}, GridID: g.id,
					DueOn: addDays(held, 3+rng.IntN(8))})
			}
			if len(in.Decisions) == 0 {
				continue
			}
			mt, err := svc.CreateMeeting(ctx, in)
			if err != nil {
				return n, fmt.Errorf("meeting of %s: %w", held, err)
			}
			n += mt.Tasks
		}
	}

	// Tasks pushed by the centres: weekly in the first town, every six
	// weeks elsewhere; one in four joint with the police officer.
	err = d.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, g := range grids {
			gm, ok := g.member("grid_member")
			if !ok {
				continue
			}
			step := 42
			if townOf[g.village] == firstTown {
				step = 7
			}
			for back := 360 - rng.IntN(step); back > 0; back -= step {
				day := addDays(today, -back)
				at(day, 8)
				w := duty.Written{OrgID: g.village, Path: g.path, GridID: g.id, Title: pick(dutyPushed), Source: "pushed", DueOn: day,
					Workers: []org.Worker{gm}}
				if pw, ok := g.member("police"); ok && rng.IntN(4) == 0 {
					w.Title, w.Workers = pick(dutyJoint), []org.Worker{pw, gm}
				}
				if _, err := svc.WriteTx(ctx, tx, w); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}

	// Every task of a past day: closed on its day, or carried with a
	// reason, or left for the day's close; a carry-over is closed the day
	// after.
	settled, err := settlePast(ctx, d.DB, svc, countyCode, today, rng, at)
	if err != nil {
		return n, err
	}
	n += settled

	// Today: the first town's members have tasks (a few done this
	// morning), and yesterday left some carried with their reasons.
	err = d.DB.InTx(ctx, func(tx *db.Tx) error {
		yesterday := addDays(today, -1)
		for _, g := range grids {
			gm, ok := g.member("grid_member")
			if !ok || (townOf[g.village] != firstTown && gm.ID != gmWorker) {
				continue
			}
			pw, hasPolice := g.member("police")
			mine := gm.ID == gmWorker
			k := 1 + rng.IntN(2)
			if mine {
				k = 3
			}
			for i := 0; i < k; i++ {
				at(today, 8)
				w := duty.Written{OrgID: g.village, Path: g.path, GridID: g.id, Title: dutyPushed[(i+rng.IntN(4))%len(dutyPushed)], Source: "pushed", DueOn: today,
					Detail: "请于今日完成并在手机上办结", Workers: []org.Worker{gm}}
				if i == 1 && hasPolice {
					w.Title, w.Workers = pick(dutyJoint), []org.Worker{pw, gm}
				}
				id, err := svc.WriteTx(ctx, tx, w)
				if err != nil {
					return err
				}
				n++
				if !mine && rng.IntN(3) == 0 {
					at(today, 11)
					if err := svc.CloseTx(ctx, tx, id, gm, pick(dutyResults)); err != nil {
						return err
					}
				}
			}
			// yesterday's leftover, carried to today
			if mine || rng.IntN(2) == 0 {
				at(yesterday, 8)
				id, err := svc.WriteTx(ctx, tx, duty.Written{OrgID: g.village, Path: g.path, GridID: g.id, Title: pick(dutyPushed), Source: "pushed",
					DueOn: yesterday, Workers: []org.Worker{gm}})
				if err != nil {
					return err
				}
				at(yesterday, 19)
				by, reason := gm, pick(dutyReasons)
				if !mine && rng.IntN(3) == 0 {
					by, reason = org.Worker{}, "" // left to the day's close
					at(yesterday, 21)
				}
				if _, err := svc.CarryTx(ctx, tx, id, by, reason); err != nil {
					return err
				}
				n += 2
			}
			// the police officer's own task of the day
			if hasPolice && (mine || rng.IntN(4) == 0) {
				at(today, 8)
				if _, err := svc.WriteTx(ctx, tx, duty.Written{OrgID: g.village, Path: g.path, GridID: g.id, Title: "核查可疑出租屋人员", Source: "pushed",
					DueOn: today, Workers: []org.Worker{pw}}); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// settlePast settles every open task of the county due before today.
func settlePast(ctx context.Context, d *db.DB, svc *duty.Service, countyCode, today string, rng *mrand.Rand, at func(string, int)) (int, error) {
	type open struct {
		id, due string
		by      org.Worker
	}
	n := 0
	for round := 0; round < 3; round++ { // carry-overs are settled in the next round
		rows, err := d.Reader().QueryContext(ctx, `SELECT t.id, t.due_on, a.worker_id, a.name FROM duty_tasks t JOIN duty_assignees a ON a.task_id = t.id
			JOIN org_nodes o ON o.id = t.org_id WHERE t.status = 'open' AND t.due_on < ? AND o.code LIKE ? ORDER BY t.id, a.worker_id DESC`, today, countyCode+"%")
		if err != nil {
			return n, err
		}
		var list []open
		for rows.Next() {
			var o open
			if err := rows.Scan(&o.id, &o.due, &o.by.ID, &o.by.Name); err != nil {
				rows.Close()
				return n, err
			}
			if len(list) > 0 && list[len(list)-1].id == o.id {
				continue // a joint task: one of them settles it
			}
			list = append(list, o)
		}
		if err := rows.Close(); err != nil {
			return n, err
		}
		if len(list) == 0 {
			break
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			for _, o := range list {
				r := rng.IntN(100)
				switch {
				case round > 0 || r < 84:
					at(o.due, 17)
					if err := svc.CloseTx(ctx, tx, o.id, o.by, dutyResults[rng.IntN(len(dutyResults))]); err != nil {
						return err
					}
				case r < 95:
					at(o.due, 19)
					if _, err := svc.CarryTx(ctx, tx, o.id, o.by, dutyReasons[rng.IntN(len(dutyReasons))]); err != nil {
						return err
					}
					n++
				default:
					at(o.due, 21)
					if _, err := svc.CarryTx(ctx, tx, o.id, org.Worker{}, ""); err != nil {
						return err
					}
					n++
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
