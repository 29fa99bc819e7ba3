package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/idem"
)

// disputeTexts are the words of the demo's cases by type: a title, the
// facts, the claims, the amount at stake (yuan, 0 for none) and the terms
// an agreement settles on.
var disputeTexts = map[string][]struct {
	title, facts, claims string
	amount               float64
	terms                string
}{
	"neighbour": {
		{"楼上漏水纠纷", "楼上住户卫生间防水层老化，漏水至楼下天花板，楼下住户多次上门协商未果。", "修复防水并赔偿天花板维修费", 3200,
			"楼上住户于十日内请专业人员修复卫生间防水，并赔偿楼下天花板维修费人民币二千八百元"},
		{"排水沟堵塞引发邻里争吵", "两户屋后共用排水沟被一方堆放杂物堵塞，雨天积水倒灌，双方发生争吵。", "清理杂物、疏通排水沟", 0,
			"堆放杂物一方于三日内清理杂物，双方共同疏通排水沟，今后轮流清扫"},
		{"宅基地滴水檐争议", "一方新建房屋滴水檐伸入邻居院落，邻居要求拆除，双方各执一词。", "拆除伸出部分或给予补偿", 5000,
			"建房一方于十五日内加装落水管将雨水引入自家院内，并一次性补偿邻居人民币一千元"},
	},
	"marriage_family": {
		{"赡养老人费用分担纠纷", "三兄妹对母亲赡养费用分担意见不一，母亲到社区求助。", "按月支付赡养费", 36000,
			"三兄妹每人每月支付母亲赡养费人民币一千元，每月五日前转入母亲账户，医疗费凭票据三人均摊"},
		{"离婚后子女探视纠纷", "双方离婚后对子女探视时间安排发生争执，多次冲突。", "明确探视时间和方式", 0,
			"非抚养方每月第二、四周周六上午九时接孩子，周日下午五时前送回，寒暑假另行协商"},
	},
	"land_forest": {
		{"山林界址争议", "两村民小组对交界处山林界址认识不一，一方砍伐林木引发争执。", "确认界址并赔偿林木损失", 12000,
			"双方按一九八三年林权证界线重新确认界址并埋设界桩，砍伐一方赔偿林木损失人民币八千元"},
		{"承包地边界纠纷", "相邻承包户对田埂位置有争议，一方耕种时越界。", "恢复原田埂", 0,
			"双方按土地承包经营权证确定的四至恢复田埂，越界一方退还多耕种部分"},
	},
	"land_acquisition": {
		{"征地青苗补偿分配纠纷", "项目征地后青苗补偿款在承包户与实际耕种人之间分配不一。", "按实际耕种分配补偿款", 18000,
			"青苗补偿款由实际耕种人领取百分之七十，承包户领取百分之三十，由村委会于七日内发放"},
	},
	"labour_wages": {
		{"装修工人追讨工资", "八名装修工人完工后被拖欠工资，包工头称业主未结清工程款。", "支付拖欠工资", 46000,
			"包工头于十五日内分两期支付拖欠工资共计人民币四万六千元，业主直接支付剩余工程款至工人工资专户"},
		{"餐馆员工工资结算纠纷", "员工辞职后餐馆以未提前通知为由扣发半个月工资。", "足额支付工资", 2600,
			"餐馆于五日内一次性支付员工工资人民币二千六百元"},
	},
	"property_mgmt": {
		{"小区停车位收费纠纷", "业主对物业上调停车管理费不满，拒缴物业费。", "停止涨价，恢复原收费标准", 0,
			"物业公司暂缓执行新收费标准，由业主委员会召开业主大会表决，业主于一个月内补缴物业费"},
		{"电梯故障赔偿纠纷", "电梯故障困人致业主受惊就医，业主要求物业赔偿。", "赔偿医疗费和误工费", 4800,
			"物业公司赔偿业主医疗费、误工费共计人民币三千五百元，并于一个月内完成电梯维修检测"},
	},
	"contract_debt": {
		{"民间借贷还款纠纷", "借款人到期未还款，出借人多次催讨无果。", "归还借款及利息", 30000,
			"借款人分六期归还借款人民币三万元，每月十日前还款五千元，出借人放弃利息"},
	},
	"traffic": {
		{"电动车与行人碰撞赔偿纠纷", "电动车驾驶人在村道碰撞行人致轻伤，双方对赔偿数额意见不一。", "赔偿医疗费、护理费", 8600,
			"电动车驾驶人赔偿对方医疗费、护理费、交通费共计人民币六千元，于协议签订当日付清"},
	},
	"medical": {
		{"诊所输液不良反应纠纷", "患者在村诊所输液后出现不良反应转院治疗，家属要求诊所赔偿。", "赔偿治疗费用", 15000,
			"诊所一次性补偿患者治疗费用人民币九千元，双方不再就此事主张其他权利"},
	},
	"other": {
		{"养殖异味纠纷", "一户在房前屋后养鸡鸭，异味和噪音影响邻居休息。", "搬离养殖或减少规模", 0,
			"养殖户于二十日内将鸡鸭移至村集体养殖区，期间每日清理粪便"},
	},
}

// weighted picks from choices by weight.
func weighted(rng *mrand.Rand, choices []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return choices[i]
		}
		n -= w
	}
	return choices[len(choices)-1]
}

// demoActor is a demo account acting through the disputes service.
func demoActor(ctx context.Context, d *db.DB, username string) (context.Context, string, error) {
	var id, name string
	err := d.Reader().QueryRowContext(ctx, "SELECT id, display_name FROM users WHERE username = ?", username).Scan(&id, &name)
	if err != nil {
		return nil, "", err
	}
	grants, err := authn.LoadGrants(ctx, d.Reader(), id)
	if err != nil {
		return nil, "", err
	}
	return authz.WithPrincipal(ctx, &authz.Principal{UserID: id, Username: username, DisplayName: name, Grants: grants}), id, nil
}

// disputePlace is where a case lies and who works it.
type disputePlace struct {
	orgID, name string
	actor       string // username
	townID      string
}

// Disputes writes a year of dispute cases of the county through the
// disputes service, each step at its own date: every source, type and
// route, mostly settled at the village and the town (小事不出村、大事不出镇)
// with sessions, the four heads' joint sessions, written agreements,
// follow-ups and judicial confirmations; some still open, a few past the
// one-month target; and some turned from the year's events of dispute
// categories. The town of the demo accounts (上城街道) and its village
// (下城社区) get the most. It returns the number of cases.
func Disputes(ctx context.Context, d *db.DB, ds *dispute.Service, countyCode string, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 0xd15b07e5))
	q := d.Reader()
	var village, town, townName, villageName string
	err := q.QueryRowContext(ctx, `SELECT v.id, v.name, t.id, t.name FROM users u JOIN role_assignments ra ON ra.user_id = u.id
		JOIN org_nodes v ON v.id = ra.org_id JOIN org_nodes t ON t.id = v.parent_id WHERE u.username = 'vmediator'`).Scan(&village, &villageName, &town, &townName)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // a scale without the demo accounts
	}
	if err != nil {
		return 0, err
	}
	// The villages of the demo town, and those of the county's other towns.
	rows, err := q.QueryContext(ctx, `SELECT v.id, v.name, t.id, t.name FROM org_nodes v JOIN org_nodes t ON t.id = v.parent_id JOIN org_nodes c ON c.id = t.parent_id
		WHERE c.code = ? AND v.kind = 'village' ORDER BY v.code`, countyCode)
	if err != nil {
		return 0, err
	}
	var inTown, elsewhere []disputePlace
	for rows.Next() {
		var p disputePlace
		var tName string
		if err := rows.Scan(&p.orgID, &p.name, &p.townID, &tName); err != nil {
			rows.Close()
			return 0, err
		}
		switch {
		case p.orgID == village:
		case p.townID == town:
			p.actor = "townmediator"
			inTown = append(inTown, p)
		default:
			p.actor = "mediator"
			elsewhere = append(elsewhere, p)
		}
	}
	rows.Close()
	actors := map[string]context.Context{}
	ids := map[string]string{}
	for _, u := range []string{"vmediator", "townmediator", "mediator", "sfschief"} {
		if actors[u], ids[u], err = demoActor(ctx, d, u); err != nil {
			return 0, fmt.Errorf("demo dispute account %s: %w", u, err)
		}
	}
	// The register entries of the acting accounts, and a full-time mediator
	// of each town without an account (a joint session names both).
	entries, fullTime := map[string]string{}, map[string]string{}
	er, err := q.QueryContext(ctx, `SELECT m.id, COALESCE(m.user_id, ''), m.kind, m.org_id FROM mediators m WHERE m.active = 1 ORDER BY m.name, m.id`)
	if err != nil {
		return 0, err
	}
	for er.Next() {
		var id, user, kind, org string
		if err := er.Scan(&id, &user, &kind, &org); err != nil {
			er.Close()
			return 0, err
		}
		if user != "" {
			entries[user] = id
		} else if _, ok := fullTime[org]; !ok && kind == "full_time" {
			fullTime[org] = id
		}
	}
	er.Close()
	// The town's four heads for its joint sessions: its 派出所, 司法所 and 人民法庭 (or 法官工作站).
	unitsOf := map[string][]string{}
	fourHeads := func(townID string) ([]string, error) {
		if u, ok := unitsOf[townID]; ok {
			return u, nil
		}
		r, err := q.QueryContext(ctx, "SELECT id FROM units WHERE org_id = ? AND kind IN ('police_station', 'justice_office', 'tribunal') ORDER BY kind", townID)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var id string
			if err := r.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		unitsOf[townID] = out
		return out, r.Err()
	}
	var clock time.Time
	svc := ds.WithClock(func() time.Time { return clock })
	at := func(t time.Time) time.Time {
		if t.After(now) {
			return now
		}
		return t
	}
	up, cities := mrand.New(mrand.NewPCG(uint64(seed), 0x5ba0)), 0
	count := 0
	// work carries one case from its intake to its end at its own dates.
	work := func(c dispute.Case, p disputePlace, actor context.Context, start time.Time, open bool, overdue bool) error {
		typ := c.Type
		texts := disputeTexts[typ]
		tx := texts[rng.IntN(len(texts))]
		var err error
		if c.Status == "registered" && open && !overdue && (rng.IntN(2) == 0 || start.After(now.AddDate(0, 0, -4))) {
			return nil // a grid member's report awaiting the centre
		}
		if c.Status == "registered" {
			clock = at(start.Add(3 * time.Hour))
			if c, err = svc.Route(actor, c.ID, dispute.RouteInput{Complexity: pickOne(rng, []string{"simple", "simple", "simple", "complex"}),
				Route: "people_mediation", Reason: "事实清楚、争议不大，适宜人民调解"}); err != nil {
				return err
			}
		}
		if rng.IntN(20) == 0 {
			clock = at(start.Add(6 * time.Hour))
			if c, err = svc.Route(actor, c.ID, dispute.RouteInput{Complexity: "complex", Route: pickOne(rng, []string{"admin_mediation", "industry_mediation"}),
				Reason: "涉及行业主管部门职责，转专业调解"}); err != nil {
				return err
			}
		}
		// the n-th day after the intake, in office hours (China time)
		day := func(n int) time.Time {
			d := start.In(cst)
			return at(time.Date(d.Year(), d.Month(), d.Day()+n, 9+rng.IntN(8), 30*rng.IntN(2), 0, 0, cst))
		}
		if open && !overdue && rng.IntN(3) == 0 {
			return nil // accepted, awaiting its first session
		}
		first := 1 + rng.IntN(4)
		clock = day(first)
		place := p.name + "人民调解室"
		if c, err = svc.AddSession(actor, c.ID, dispute.SessionInput{At: clock.UnixMilli(), Place: place, Kind: "mediation",
			Attendees: "双方当事人", Record: "调解员听取双方陈述，核实" + tx.facts + "双方同意继续协商。"}); err != nil {
			return err
		}
		// Rising up (上报): about one case in eight goes from the village to
		// the town's centre, a few on to the county, two to the city; most
		// are settled where they arose. A stream of its own keeps the rest
		// of the year as it was.
		if c.Level == "village" && up.IntN(8) == 0 {
			clock = day(first + 1)
			if c, err = svc.Escalate(actor, c.ID, dispute.EscalateInput{Reason: "涉及多方利益，村调委会调处不成，报镇综治中心"}); err != nil {
				return err
			}
			if up.IntN(2) == 0 {
				if c, err = svc.Escalate(actors["mediator"], c.ID, dispute.EscalateInput{Reason: "需县直部门共同化解，报县综治中心"}); err != nil {
					return err
				}
				if cities == 0 || (cities < 2 && up.IntN(3) == 0) {
					cities++
					if c, err = svc.Escalate(actors["mediator"], c.ID, dispute.EscalateInput{Reason: "跨县域纠纷，报市综治中心协调"}); err != nil {
						return err
					}
				}
			}
		}
		if c.Complexity == "complex" || rng.IntN(6) == 0 {
			units, err := fourHeads(p.townID)
			if err != nil {
				return err
			}
			var in []dispute.UnitIn
			for _, u := range units {
				in = append(in, dispute.UnitIn{UnitID: u, Attended: rng.IntN(8) > 0})
			}
			// the acting mediator's own entry and one of the town's full-time mediators
			mediators := []string{entries[authz.From(actor).UserID]}
			if m, ok := fullTime[p.townID]; ok && m != mediators[0] {
				mediators = append(mediators, m)
			}
			clock = day(first + 2 + rng.IntN(4))
			kind := pickOne(rng, []string{"four_heads", "four_heads", "three_links"})
			if len(in) > 0 {
				if c, err = svc.AddSession(actor, c.ID, dispute.SessionInput{At: clock.UnixMilli(), Place: "镇综治中心联合调解室", Kind: "joint", JointKind: kind,
					MediatorIDs: mediators, Attendees: "双方当事人及亲属", Record: "派出所、司法所、法庭联合调解，释法明理，双方各退一步。", Units: in}); err != nil {
					return err
				}
			}
		}
		if open {
			return nil
		}
		end := first + 3 + rng.IntN(18)
		if rng.IntN(10) == 0 {
			end = 31 + rng.IntN(12) // settled, but past the month
		}
		clock = day(end)
		switch r := rng.IntN(100); {
		case r < 70:
			signed := clock
			if c, err = svc.Agreement(actor, c.ID, dispute.AgreementInput{Facts: tx.facts, Issues: "双方就" + tx.claims + "存在争议。",
				Responsibilities: "经调解，双方确认各自责任，责任较大一方承担主要义务。", Terms: tx.terms, Manner: pickOne(rng, []string{"一次性支付", "分期支付", "当面履行", "银行转账"}),
				Deadline:  signed.AddDate(0, 0, 5+rng.IntN(25)).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02"),
				Committee: p.name + "人民调解委员会", SignedAt: signed.UnixMilli()}); err != nil {
				return err
			}
			if f := signed.AddDate(0, 0, 7+rng.IntN(14)); f.Before(now) && rng.IntN(5) > 0 {
				clock = f
				if _, err = svc.FollowUp(actor, c.ID, dispute.FollowUpInput{At: f.UnixMilli(), Method: pickOne(rng, []string{"visit", "phone"}),
					Performance: weighted(rng, []string{"performed", "partly", "not_performed"}, []int{8, 2, 1}), Note: "回访当事人，了解协议履行情况。"}); err != nil {
					return err
				}
			}
			if rng.IntN(10) < 3 {
				applied := signed.AddDate(0, 0, 2+rng.IntN(20))
				if applied.After(now) {
					return nil
				}
				clock = applied
				if _, err = svc.ApplyConfirmation(actor, c.ID, dispute.ConfirmationInput{Court: "源城区人民法院", AppliedAt: applied.UnixMilli()}); err != nil {
					return err
				}
				decided := applied.AddDate(0, 0, 5+rng.IntN(10))
				if decided.Before(now) && rng.IntN(5) > 0 {
					clock = decided
					dec := "confirmed"
					if rng.IntN(12) == 0 {
						dec = "rejected"
					}
					_, err = svc.DecideConfirmation(actor, c.ID, dispute.DecisionInput{Decision: dec, DecidedAt: decided.UnixMilli(),
						RulingNo: fmt.Sprintf("（%d）粤1602民特%d号", decided.Year(), 100+count)})
				}
			}
			return err
		case r < 85:
			_, err = svc.Outcome(actor, c.ID, dispute.OutcomeInput{Outcome: "oral_agreement", Note: tx.terms + "（口头协议，已即时履行）"})
		default:
			_, err = svc.Outcome(actor, c.ID, dispute.OutcomeInput{Outcome: "failed", NextRoute: pickOne(rng, []string{"litigation", "arbitration", "admin_handling", "petition"}),
				Note: "双方分歧较大，调解不成，告知当事人依法通过其他途径解决。"})
		}
		return err
	}
	types := []string{"neighbour", "marriage_family", "land_forest", "land_acquisition", "labour_wages", "property_mgmt", "contract_debt", "traffic", "medical", "other"}
	typeWeights := []int{30, 16, 10, 3, 12, 10, 7, 6, 2, 4}
	sources := []string{"grid", "walk_in", "hotline", "police", "court_referral", "screening", "petition"}
	sourceWeights := []int{30, 22, 14, 12, 8, 10, 4}
	const cases = 110
	for i := 0; i < cases; i++ {
		var p disputePlace
		switch r := rng.IntN(100); {
		case r < 40:
			p = disputePlace{orgID: village, name: villageName, actor: "vmediator", townID: town}
		case r < 52:
			p = disputePlace{orgID: town, name: townName, actor: "townmediator", townID: town} // 大事不出镇
		case r < 75 && len(inTown) > 0:
			p = inTown[rng.IntN(len(inTown))]
		case len(elsewhere) > 0:
			p = elsewhere[rng.IntN(len(elsewhere))]
		default:
			p = disputePlace{orgID: village, name: villageName, actor: "vmediator", townID: town}
		}
		// Registered over the past year; the last weeks' cases still open,
		// a few older ones past their month.
		ago := rng.IntN(360)
		if rng.IntN(100) < 18 {
			ago = rng.IntN(20)
		}
		open, overdue := ago < 20 && rng.IntN(3) > 0, false
		if !open && ago >= 35 && ago < 70 && rng.IntN(8) == 0 {
			open, overdue = true, true
		}
		d := now.In(cst).AddDate(0, 0, -ago)
		start := at(time.Date(d.Year(), d.Month(), d.Day(), 8+rng.IntN(9), rng.IntN(60), 0, 0, cst))
		typ := weighted(rng, types, typeWeights)
		tx := disputeTexts[typ][rng.IntN(len(disputeTexts[typ]))]
		in := dispute.Intake{Source: weighted(rng, sources, sourceWeights), OrgID: p.orgID, Type: typ, Title: tx.title, Facts: tx.facts, Claims: tx.claims,
			Parties: []dispute.PartyIn{{Role: "applicant", Name: personName(rng), Phone: fmt.Sprintf("139%08d", rng.IntN(100000000))},
				{Role: "respondent", Name: personName(rng), Phone: fmt.Sprintf("137%08d", rng.IntN(100000000))}}}
		if tx.amount > 0 {
			amt := tx.amount
			in.Amount = &amt
		}
		if i < 3 { // this week's grid reports of the demo village, awaiting the centre
			p = disputePlace{orgID: village, name: villageName, actor: "vmediator", townID: town}
			in.OrgID, in.Source, open, overdue = village, "grid", true, false
			start = now.AddDate(0, 0, -i-1)
		}
		if i >= 3 && i < 6 { // and three of the town's cases past their month
			p = disputePlace{orgID: town, name: townName, actor: "townmediator", townID: town}
			if i == 3 {
				p = disputePlace{orgID: village, name: villageName, actor: "vmediator", townID: town}
			}
			in.OrgID, open, overdue = p.orgID, true, true
			start = now.AddDate(0, 0, -33-4*i)
		}
		if in.Source == "court_referral" {
			in.SourceRef = fmt.Sprintf("（%d）粤1602民诉前调%d号", start.Year(), 200+i)
		}
		// The centre classifies at the door most of the time; a grid member's
		// report waits for it.
		if in.Source != "grid" {
			in.Complexity, in.Route, in.RouteReason = pickOne(rng, []string{"simple", "simple", "complex"}), "people_mediation", "邻里、家庭等民间纠纷，适宜人民调解"
		}
		clock = start
		actor := actors[p.actor]
		c, err := svc.Open(actor, in, idem.Key{})
		if err != nil {
			return count, fmt.Errorf("demo dispute %d: %w", i, err)
		}
		count++
		if err := work(c, p, actor, start, open, overdue); err != nil {
			return count, fmt.Errorf("demo dispute %s: %w", c.No, err)
		}
	}
	// The year's events of dispute categories in the demo town: some were
	// turned into cases a day after they came in.
	erows, err := q.QueryContext(ctx, `SELECT e.id, e.created_at, e.org_id, v.name FROM events e JOIN org_nodes v ON v.id = e.org_id
		WHERE e.category_code LIKE '11%' AND (v.parent_id = ? OR v.id = ?) ORDER BY e.created_at LIMIT 12`, town, town)
	if err != nil {
		return count, err
	}
	type ev struct {
		id, org, name string
		at            int64
	}
	var evs []ev
	for erows.Next() {
		var e ev
		if err := erows.Scan(&e.id, &e.at, &e.org, &e.name); err != nil {
			erows.Close()
			return count, err
		}
		evs = append(evs, e)
	}
	erows.Close()
	for _, e := range evs {
		start := at(time.UnixMilli(e.at).Add(24 * time.Hour))
		p := disputePlace{orgID: e.org, name: e.name, actor: "townmediator", townID: town}
		if e.org == village {
			p.actor = "vmediator"
		}
		clock = start
		c, err := svc.FromEvent(actors[p.actor], dispute.FromEventInput{EventID: e.id})
		if err != nil {
			return count, fmt.Errorf("demo dispute from event: %w", err)
		}
		count++
		if err := work(c, p, actors[p.actor], start, now.Sub(start) < 15*24*time.Hour, false); err != nil {
			return count, fmt.Errorf("demo dispute %s: %w", c.No, err)
		}
	}
	return count, nil
}

func pickOne(rng *mrand.Rand, choices []string) string { return choices[rng.IntN(len(choices))] }
