package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/drive"
	"github.com/gridgov/gridgov/internal/idem"
)

// demoDrive is a campaign of the demo county: its period in days from now,
// whether it is started and closed, and its actions' deadlines in days
// from now.
type demoDrive struct {
	name, kind, aim string
	from, to        int
	clues           bool
	start, close    bool
	summary         string
	actions         []demoAction
}

type demoAction struct {
	title, level, measure string
	target, due           int
}

var demoDrives = []demoDrive{
	{name: "2026年第二季度扫黑除恶线索征集", kind: "anti_gang", aim: "广泛发动群众检举揭发黑恶势力违法犯罪线索，做到有黑扫黑、有恶除恶、有乱治乱。",
		from: -240, to: -150, clues: true, start: true, close: true,
		summary: "各乡镇（街道）召开动员部署会8场，张贴通告、发放宣传资料覆盖全部村（社区）；受理群众举报线索4条，经公安机关核查属实1条、已移交1条。",
		actions: []demoAction{
			{title: "召开扫黑除恶动员部署会", level: "town", due: -225},
			{title: "张贴扫黑除恶通告、公布举报电话", level: "village", target: 2, measure: "处", due: -220},
		}},
	{name: "“断卡”“断流”专项行动", kind: "anti_fraud", aim: "严厉打击非法开办、贩卖电话卡和银行卡违法犯罪，切断电信网络诈骗资金链、信息链，推动国家反诈中心APP注册应装尽装。",
		from: -20, to: 40, clues: true, start: true,
		actions: []demoAction{
			{title: "召开专项行动部署会", level: "town", due: -14},
			{title: "设置反诈宣传点、张贴宣传海报", level: "village", target: 2, measure: "处", due: 10},
			{title: "入户宣传防范电信网络诈骗，推广国家反诈中心APP", level: "grid", target: 40, measure: "户", due: 25},
			{title: "打击整治涉“两卡”违法犯罪", level: "unit", target: 20, measure: "起", due: 38},
		}},
	{name: "元旦春节期间平安守护行动", kind: "holiday", aim: "节日期间加强治安巡逻、消防隐患排查和独居老人、留守儿童关爱走访，确保群众平安过节。",
		from: -3, to: 60, start: true,
		actions: []demoAction{
			{title: "排查出租屋、“三小场所”消防安全隐患", level: "village", target: 20, measure: "处", due: 30},
			{title: "走访独居老人、留守儿童，落实安全提醒", level: "grid", target: 10, measure: "户", due: 2},
		}},
	{name: "禁毒宣传进万家", kind: "anti_drug", aim: "以村（社区）为单位开展禁毒宣传，提高群众识毒、防毒、拒毒能力。",
		from: 10, to: 70, clues: true,
		actions: []demoAction{
			{title: "开展禁毒宣传进村入户", level: "grid", target: 30, measure: "户", due: 60},
		}},
}

// demoClues are the clues of the campaigns that take them: the text, the
// place, the village (by index among the county's), and the police's
// finding ("" still received).
var demoClues = []struct {
	drive       int
	text, place string
	village     int
	status      string
}{
	{0, "有人在村口小卖部后面长期聚众赌博，放高利贷，欠钱不还就上门威胁", "某村小卖部后院", 3, drive.ClueConfirmed},
	{0, "某砂场老板纠集人员强行垄断本地河沙运输", "河堤路砂场", 12, drive.ClueTransferred},
	{0, "有人冒充村干部向村民收取“保护费”", "某村东头", 20, drive.ClueUnfounded},
	{0, "菜市场有几个人强买强卖、欺行霸市", "农贸市场", 30, drive.ClueUnfounded},
	{1, "有人在微信群里高价收购银行卡和电话卡，说是帮人刷流水", "某小区业主群", 0, drive.ClueVerifying},
	{1, "出租屋里住着几个外地人，每天拿着很多手机打电话，可能是诈骗窝点", "某出租屋三楼", 5, drive.ClueReceived},
	{1, "有人让学生出租自己的银行卡，每张给500元", "学校附近奶茶店", 9, drive.ClueReceived},
	{1, "快递点有人大量寄出银行卡", "某快递驿站", 15, drive.ClueConfirmed},
}

// Drives writes the demo county's special campaigns: one closed with its
// results and clues, two running with their assignments reported in part
// (the grid member's among them) and clues with the police, and a draft
// to be started. The first village's resident gave one of the clues.
func Drives(ctx context.Context, d *db.DB, s *drive.Service, countyCode string, now time.Time) (int, error) {
	rng := rand.New(rand.NewPCG(2026, 53))
	q := d.Reader()
	var county, ga string
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ?", countyCode).Scan(&county); err != nil {
		return 0, err
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM units WHERE code = ?", countyCode+"-ga").Scan(&ga); err != nil {
		return 0, err
	}
	towns, err := db.Strings(ctx, q, "SELECT o.id FROM org_nodes o JOIN org_nodes c ON c.id = o.parent_id WHERE c.id = ? AND o.kind = 'town' ORDER BY o.code", county)
	if err != nil {
		return 0, err
	}
	villages, err := db.Strings(ctx, q, "SELECT v.id FROM org_nodes v JOIN org_nodes t ON t.id = v.parent_id WHERE t.parent_id = ? AND v.kind = 'village' ORDER BY v.code", county)
	if err != nil {
		return 0, err
	}
	day := func(n int) string { return now.In(drive.Zone).AddDate(0, 0, n).Format("2006-01-02") }
	office := &authz.Principal{UserID: "system", Username: "demo", DisplayName: "区委政法委", Grants: authz.System().Grants}
	var ids []string
	n := 0
	for _, dd := range demoDrives {
		// A closed campaign is planned, started and reported as of its own days.
		at := now
		if dd.close {
			at = now.AddDate(0, 0, dd.from+1)
		}
		svc := *s
		svc.Now = func() time.Time { return at }
		sys := authz.WithPrincipal(ctx, office)
		in := drive.Input{RootID: county, Name: dd.name, Kind: dd.kind, Aim: dd.aim, StartsOn: day(dd.from), EndsOn: day(dd.to), TakesClues: dd.clues, TownIDs: towns}
		for _, a := range dd.actions {
			in.Actions = append(in.Actions, drive.ActionInput{Title: a.title, Level: a.level, Target: a.target, Measure: a.measure, DueOn: day(a.due)})
			if a.level == "unit" {
				in.UnitIDs = []string{ga}
			}
		}
		dr, err := svc.Create(sys, in)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", dd.name, err)
		}
		ids = append(ids, dr.ID)
		if !dd.start {
			continue
		}
		if _, err := svc.Start(sys, dr.ID); err != nil {
			return 0, fmt.Errorf("%s: %w", dd.name, err)
		}
		list, err := svc.Assignments(sys, dr.ID, drive.Filter{})
		if err != nil {
			return 0, err
		}
		// The holders' reports, written in one transaction (the demo's
		// ~1,400 lines one by one through the service took seconds).
		err = d.InTx(ctx, func(tx *db.Tx) error {
			at := at.UnixMilli()
			for i, a := range list {
				var count int
				var note string
				var done bool
				switch {
				case i%9 == 4 && (dd.close || a.DueOn < day(0)):
					continue // the odd one left undone
				case dd.close || a.DueOn < day(0):
					count, note, done = a.Target+rng.IntN(3), "已按要求完成", true
				case rng.IntN(10) < 7:
					// Under way: most have reported part of the target, a few are done.
					count = rng.IntN(a.Target + 1)
					note = fmt.Sprintf("已完成%d%s", count, a.Measure)
					if count >= a.Target && a.Target > 0 {
						done, note = true, "已完成目标任务"
					}
				default:
					continue
				}
				var doneAt any
				if done {
					doneAt = at
				}
				if _, err := tx.ExecContext(ctx, "UPDATE drive_assignments SET done_count = ?, note = ?, done_at = ?, reported_by = ?, reported_at = ? WHERE id = ?",
					count, note, doneAt, a.Holder+demoReporterOf[a.Level], at, a.ID); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("%s: %w", dd.name, err)
		}
	}
	// The clues: given by the first village's resident (the first of the
	// running campaign's) or anonymously by residents of other villages.
	resident, _, err := demoActor(ctx, d, "resident")
	if err != nil {
		return 0, err
	}
	for i, c := range demoClues {
		dd := demoDrives[c.drive]
		at := now.AddDate(0, 0, dd.from+5+i)
		if !dd.close {
			at = now.AddDate(0, 0, -8+i)
		}
		svc := *s
		svc.Now = func() time.Time { return at }
		giver := authz.WithPrincipal(ctx, office)
		in := drive.ClueInput{Text: c.text, Place: c.place, AreaID: villages[c.village%len(villages)], Anonymous: true}
		if c.drive == 1 && c.village == 0 {
			giver, in.Anonymous, in.Contact = resident, false, "13926620415"
		}
		clue, err := svc.GiveClue(giver, ids[c.drive], in, idem.Key{})
		if err == nil && c.status != drive.ClueReceived {
			_, err = svc.HandleClue(authz.WithPrincipal(ctx, &authz.Principal{UserID: "system", DisplayName: "公安分局 刑侦大队", Grants: authz.System().Grants}),
				clue.ID, drive.HandleInput{Status: c.status, Note: demoClueFindings[c.status]})
		}
		if err != nil {
			return 0, fmt.Errorf("clue %d: %w", i, err)
		}
		if err := exec(ctx, d, "UPDATE drive_clues SET created_at = ?, handled_at = CASE WHEN handled_at IS NULL THEN NULL ELSE CAST(? AS BIGINT) END WHERE id = ?",
			at.UnixMilli(), at.Add(36*time.Hour).UnixMilli(), clue.ID); err != nil {
			return 0, err
		}
	}
	// The closed campaign is closed at its end, with its results.
	for i, dd := range demoDrives {
		if !dd.close {
			continue
		}
		svc := *s
		svc.Now = func() time.Time { return now.AddDate(0, 0, dd.to) }
		if _, err := svc.Close(authz.WithPrincipal(ctx, office), ids[i], drive.CloseInput{Summary: dd.summary}); err != nil {
			return 0, err
		}
		started, closed := now.AddDate(0, 0, dd.from), now.AddDate(0, 0, dd.to+3)
		if err := exec(ctx, d, "UPDATE drives SET created_at = ?, started_at = ?, closed_at = ? WHERE id = ?",
			started.AddDate(0, 0, -7).UnixMilli(), started.UnixMilli(), closed.UnixMilli(), ids[i]); err != nil {
			return 0, err
		}
		done := started.AddDate(0, 0, 12).UnixMilli()
		if err := exec(ctx, d, "UPDATE drive_assignments SET reported_at = ?, done_at = CASE WHEN done_at IS NULL THEN NULL ELSE CAST(? AS BIGINT) END WHERE drive_id = ? AND reported_at IS NOT NULL",
			done, done, ids[i]); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func exec(ctx context.Context, d *db.DB, query string, args ...any) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}

// demoReporterOf names who reports a line, after its holder's name.
var demoReporterOf = map[string]string{"town": "综治中心", "village": "综治专干", "grid": "网格员", "unit": " 治安大队"}

// demoClueFindings is the police's note of each finding.
var demoClueFindings = map[string]string{
	drive.ClueVerifying:   "已安排民警核查",
	drive.ClueConfirmed:   "经核查属实，已立案侦查",
	drive.ClueUnfounded:   "经走访核查，未发现反映的问题",
	drive.ClueTransferred: "涉及非法采砂，已移交水利、自然资源部门依法处理",
}
