package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/village"
)

// villageRules are the articles of a village's rules (村规民约) the demo
// sheets draw on, after 河源 梅坝村's.
var villageRules = []village.Rule{
	{No: 1, Text: "红白喜事从简办理，遵守殡葬改革规定，不土葬、不大操大办、不燃放大型烟花。"},
	{No: 2, Text: "家庭和睦，夫妻平等，尊老爱幼，反对家庭暴力。"},
	{No: 3, Text: "房前屋后干净整洁，垃圾分类投放，不乱堆乱放。"},
	{No: 4, Text: "孝敬老人，赡养父母，不虐待、不遗弃。"},
	{No: 5, Text: "邻里互助，积极参加志愿服务和村里公益劳动。"},
	{No: 6, Text: "遵纪守法，不参与赌博、不信谣传谣。"},
	{No: 7, Text: "爱护公共设施和村道、水渠，不私搭乱建。"},
}

func ruleNo(n int) *int { return &n }

// villageItems is the demo sheet: −2 for domestic violence, +5 for a tidied
// house, a veto for breaking the funeral rules, and the usual others.
var villageItems = []village.Item{
	{Name: "庭院整洁、垃圾分类到位", Kind: "plus", Points: 5, RuleNo: ruleNo(3)},
	{Name: "参加志愿服务或公益劳动", Kind: "plus", Points: 3, RuleNo: ruleNo(5)},
	{Name: "孝老爱亲事迹", Kind: "plus", Points: 4, RuleNo: ruleNo(4)},
	{Name: "家庭暴力", Kind: "minus", Points: -2, RuleNo: ruleNo(2)},
	{Name: "乱堆乱放、乱扔垃圾", Kind: "minus", Points: -1, RuleNo: ruleNo(3)},
	{Name: "参与赌博", Kind: "minus", Points: -5, RuleNo: ruleNo(6)},
	{Name: "私搭乱建", Kind: "minus", Points: -3, RuleNo: ruleNo(7)},
	{Name: "违反殡葬规定、大操大办", Kind: "veto", RuleNo: ruleNo(1)},
}

var evidenceNotes = map[string][]string{
	"photo":   {"网格员入户拍照留存", "月度卫生评比现场照片"},
	"witness": {"邻居作证，网格员核实", "村民小组长现场见证"},
	"council": {"村民理事会当月例会认定", "理事会评议通过"},
}

// Villages gives three villages of the first county (the demo grid
// member's first) a score sheet with a year of monthly scores, a few
// appeals, published lists for the months past (this month open), and a
// 村民理事会 with meetings, minutes and proposals through consultation and
// votes; a 邻里议事会 for a compound of the first village.
func Villages(ctx context.Context, d Deps, vs *village.Service, countyCode string, seed int64, now time.Time) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	rng := mrand.New(mrand.NewPCG(uint64(seed), 41))
	q := d.DB.Reader()
	var first string
	q.QueryRowContext(ctx, `SELECT o.id FROM org_nodes o JOIN role_assignments a ON a.org_id = o.id JOIN users u ON u.id = a.user_id
		WHERE u.username = 'gridmember' LIMIT 1`).Scan(&first)
	rows, err := q.QueryContext(ctx, `SELECT o.id FROM org_nodes o WHERE o.kind = 'village' AND o.code LIKE ? AND o.id <> ?
		AND EXISTS (SELECT 1 FROM households h WHERE h.org_id = o.id) ORDER BY o.code LIMIT 2`, countyCode+"%", first)
	if err != nil {
		return 0, err
	}
	ids := []string{}
	if first != "" {
		ids = append(ids, first)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	cst := time.FixedZone("CST", 8*3600)
	today := now.In(cst)
	thisMonth := today.Format("2006-01")
	yard, err := yardPhoto()
	if err != nil {
		return 0, err
	}
	n := 0
	for vi, id := range ids {
		name, _ := orgName(ctx, d, id)
		sc, err := vs.SaveScoring(ctx, id, village.ScoringInput{
			Settings: village.Settings{Display: []string{"surname", "full", "house_no"}[vi%3], RecogniseTop: 10, Title: []string{"文明户", "星级文明户", "美丽庭院户"}[vi%3]},
			Rules:    villageRules, SheetTitle: name + "农户文明积分评分表", Items: villageItems})
		if err != nil {
			return n, err
		}
		hs, err := vs.Households(ctx, id)
		if err != nil {
			return n, err
		}
		if len(hs) > 120 {
			hs = hs[:120] // the demo scores the first households; the rest stand at 0
		}
		var load []village.LoadScore
		// The grid member's village leaves this month to its grid member.
		last := 0
		if vi == 0 {
			last = 1
		}
		for m := 12; m >= last; m-- {
			start := time.Date(today.Year(), today.Month()-time.Month(m), 1, 0, 0, 0, 0, cst)
			days := start.AddDate(0, 1, -1).Day()
			if m == 0 {
				days = today.Day()
			}
			for hi, h := range hs {
				k := rng.IntN(10)
				if k >= 6 {
					continue
				}
				item := sc.Sheet.Items[0]
				switch {
				case k < 2:
					item = sc.Sheet.Items[rng.IntN(3)]
				case k == 5 && rng.IntN(6) == 0:
					item = sc.Sheet.Items[3+rng.IntN(4)]
				case k == 5 && hi%37 == 5 && rng.IntN(4) == 0:
					item = sc.Sheet.Items[7] // 一票否决
				}
				ev := []string{"photo", "witness", "council"}[rng.IntN(3)]
				if item.Kind == "veto" {
					ev = "council"
				}
				on := start.AddDate(0, 0, rng.IntN(days)).Format("2006-01-02")
				ls := village.LoadScore{HouseholdID: h.ID, ItemID: item.ID, On: on, Evidence: ev, Detail: evidenceNotes[ev][rng.IntN(2)]}
				if ev == "photo" {
					ls.Photo = yard
				}
				load = append(load, ls)
			}
		}
		if err := vs.LoadScores(ctx, id, load); err != nil {
			return n, err
		}
		n += len(load)
		// A few appeals: decided in the months past, pending this month.
		for m := 12; m >= last; m-- {
			month := time.Date(today.Year(), today.Month()-time.Month(m), 1, 0, 0, 0, 0, cst).Format("2006-01")
			list, err := vs.Scores(ctx, id, month)
			if err != nil {
				return n, err
			}
			appealed := 0
			for _, s := range list {
				if s.Kind != "minus" || appealed == 1 || rng.IntN(2) == 0 {
					continue
				}
				appealed++
				by := []string{"household", "grid_member"}[rng.IntN(2)]
				if _, err := vs.Appeal(ctx, s.ID, village.AppealInput{LodgedBy: by, Reason: "户主称当日外出务工，并非本户所为，请求复核"}); err != nil {
					return n, err
				}
				if month == thisMonth {
					continue
				}
				overturn := rng.IntN(2) == 0
				reason := "经理事会核实，证人证言属实，维持扣分"
				if overturn {
					reason = "经理事会核实，系误记，撤销该条记分"
				}
				if _, err := vs.Decide(ctx, s.ID, village.DecideInput{Overturn: overturn, Reason: reason}); err != nil {
					return n, err
				}
			}
			if month == thisMonth {
				continue
			}
			if _, err := vs.Review(ctx, id, month); err != nil {
				return n, err
			}
			if _, err := vs.Publish(ctx, id, month); err != nil {
				return n, err
			}
		}
		if err := councils(ctx, vs, id, name, vi, today); err != nil {
			return n, err
		}
	}
	return n, nil
}

func orgName(ctx context.Context, d Deps, id string) (string, error) {
	return org.NameOf(ctx, d.DB.Reader(), id)
}

// councils makes a village's 村民理事会 (and for the first village a
// compound's 邻里议事会) with a year of meetings and proposals.
func councils(ctx context.Context, vs *village.Service, id, name string, vi int, today time.Time) error {
	day := func(back int) string { return today.AddDate(0, 0, -back).Format("2006-01-02") }
	members := []village.MemberInput{{Name: "张德明", Role: "chair", Phone: "13926581234"}, {Name: "李秀兰", Role: "member", Phone: "13726583456"},
		{Name: "王建国", Role: "member"}, {Name: "陈桂英", Role: "member"}, {Name: "刘志强", Role: "member", Phone: "15816582345"},
		{Name: "黄美玲", Role: "supervisor"}, {Name: "赵国平", Role: "supervisor"}}
	c, err := vs.CreateCouncil(ctx, id, village.CouncilInput{Kind: "villagers", Name: name + "村民理事会", QuorumPercent: 50, PassPercent: 50, Members: members})
	if err != nil {
		return err
	}
	type plan struct {
		kind, title, body string
		back              int // days ago the consultation opened
		votes             [3]int
		steps             []string
	}
	plans := []plan{
		{"public_works", "村东组村道硬化", "村东组至主干道村道 1.2 公里硬化，预算 36 万元，其中上级补助 24 万元、村集体 8 万元、村民自筹 4 万元。", 300, [3]int{5, 0, 1},
			[]string{"公开招标确定施工队", "施工并由理事会监督质量", "竣工验收并公示账目"}},
		{"finance", "2026 年村集体经费预算", "村集体年度经费 18 万元：环境卫生 6 万元、公益岗位 5 万元、困难群众慰问 3 万元、办公 4 万元。", 200, [3]int{6, 0, 0},
			[]string{"预算在村务公开栏公示", "每季度公开收支明细"}},
		{"industry", "成立油茶种植合作社", "以村集体牵头、农户自愿入股方式成立油茶种植合作社，首期流转土地 200 亩。", 120, [3]int{2, 3, 1}, nil},
		{"collective", "村集体鱼塘承包方案", "村集体鱼塘 30 亩公开竞价承包 5 年，底价每年 1.5 万元，收益纳入村集体经济。", 60, [3]int{5, 1, 0},
			[]string{"发布竞价公告", "组织公开竞价并签订合同"}},
	}
	for _, p := range plans {
		held := day(p.back - 14)
		att := map[string]string{}
		for i, m := range c.Members {
			att[m.ID] = "present"
			if i == 6 {
				att[m.ID] = "excused"
			}
		}
		pr, err := vs.AddProposal(ctx, c.ID, village.ProposalInput{Kind: p.kind, Title: p.title, Body: p.body, OpensOn: day(p.back), ClosesOn: day(p.back - 10)})
		if err != nil {
			return err
		}
		for i, o := range []village.OpinionInput{{Name: "村民 李大伯", Stance: "support", Text: "这件事大家盼了很久，支持。"},
			{Name: "村民 陈阿姨", Stance: "other", Text: "希望账目按月公开，让大家放心。"}, {Name: "村民 王小军", Stance: "oppose", Text: "预算偏高，建议再压一压。"}} {
			if i == 2 && p.kind == "finance" {
				continue
			}
			if _, err := vs.RecordOpinion(ctx, pr.ID, o); err != nil {
				return err
			}
		}
		if _, err := vs.CloseConsultation(ctx, pr.ID); err != nil {
			return err
		}
		c, err = vs.AddMeeting(ctx, c.ID, village.MeetingInput{HeldOn: held, Place: "村委会议室", Agenda: "审议：" + p.title,
			Minutes:    fmt.Sprintf("应到 7 人，实到 6 人。意见征询期间收集意见 %d 条，逐条讨论后表决：同意 %d 票，反对 %d 票，弃权 %d 票。", 3, p.votes[0], p.votes[1], p.votes[2]),
			Attendance: att})
		if err != nil {
			return err
		}
		decision := "同意" + p.title + "，按方案实施。"
		if p.votes[0]*2 <= 6 {
			decision = "暂缓实施，待进一步征求意见后再议。"
		}
		pr, err = vs.Vote(ctx, pr.ID, village.VoteInput{MeetingID: c.Meetings[0].ID, For: p.votes[0], Against: p.votes[1], Abstain: p.votes[2], Decision: decision})
		if err != nil {
			return err
		}
		for i, st := range p.steps {
			pr, err = vs.AddFollowUp(ctx, pr.ID, village.FollowUpInput{Step: st, DueOn: day(p.back - 40 - 30*i)})
			if err != nil {
				return err
			}
		}
		for i, fu := range pr.FollowUps {
			if i < len(pr.FollowUps)-1 || p.back > 150 {
				if _, err := vs.FollowUpDone(ctx, fu.ID, village.DoneInput{DoneOn: minDay(fu.DueOn, day(0))}); err != nil {
					return err
				}
			}
		}
	}
	// One proposal open now: residents give their opinions on /m.
	if _, err := vs.AddProposal(ctx, c.ID, village.ProposalInput{Kind: "public_works", Title: "村文化广场增设路灯",
		Body: "拟在村文化广场及周边道路增设太阳能路灯 24 盏，预算 4.8 万元，由村集体经费列支。请村民提出意见。", OpensOn: day(3), ClosesOn: day(-12)}); err != nil {
		return err
	}
	if vi == 0 {
		nc, err := vs.CreateCouncil(ctx, id, village.CouncilInput{Kind: "neighbourhood", Name: "翠苑小区邻里议事会", Compound: "翠苑小区", QuorumPercent: 50, PassPercent: 50,
			Members: []village.MemberInput{{Name: "周建华", Role: "chair", Phone: "13602581111"}, {Name: "吴丽芳", Role: "member"}, {Name: "郑海波", Role: "member"}, {Name: "孙婷", Role: "supervisor"}}})
		if err != nil {
			return err
		}
		if _, err := vs.AddProposal(ctx, nc.ID, village.ProposalInput{Kind: "other", Title: "小区电动车集中充电棚建设",
			Body: "在小区东门空地建设电动车集中充电棚，杜绝飞线充电，费用由维修资金列支。", OpensOn: day(2), ClosesOn: day(-8)}); err != nil {
			return err
		}
	}
	return nil
}

func minDay(a, b string) string {
	if a < b {
		return a
	}
	return b
}

// yardPhoto is the demo's evidence photo of a household's score: a swept
// courtyard with its wall, gate and flower pots, drawn as a small JPEG.
func yardPhoto() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			c := color.RGBA{205, 200, 190, 255} // the swept ground
			switch {
			case y < 60:
				c = color.RGBA{185, 210, 230, 255} // the sky
			case y < 130:
				c = color.RGBA{225, 222, 215, 255} // the whitewashed wall
				if x >= 130 && x < 190 {
					c = color.RGBA{150, 40, 35, 255} // the red gate
				}
			case y >= 170 && y < 200 && x%70 >= 20 && x%70 < 45:
				c = color.RGBA{150, 90, 60, 255} // a flower pot
			case y >= 150 && y < 170 && x%70 >= 15 && x%70 < 50:
				c = color.RGBA{60, 140, 60, 255} // its plant
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75})
	return buf.Bytes(), err
}
