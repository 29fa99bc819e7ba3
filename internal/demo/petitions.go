package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/petition"
	"github.com/gridgov/gridgov/internal/pii"
)

// petitionMatters are plausible petitions by dispute type: a title and
// what the petitioner says.
var petitionMatters = map[string][][2]string{
	"land_acquisition": {{"征地补偿款未足额发放", "反映村里项目征地补偿款至今未足额发放到户，要求尽快兑现。"},
		{"拆迁安置房迟迟未交付", "拆迁后安置房逾期两年未交付，过渡费停发，要求说明原因。"}},
	"labour_wages": {{"农民工工资被拖欠", "在工地务工半年，包工头拖欠工资，多次讨要未果。"},
		{"企业停产拖欠工资社保", "公司停产后拖欠员工三个月工资及社保，要求协调解决。"}},
	"property_mgmt": {{"物业服务差收费高", "小区物业服务不到位，电梯经常停运，物业费却年年上涨。"},
		{"业主委员会选举纠纷", "反映小区业委会选举程序不规范，要求街道监督重新选举。"}},
	"land_forest":     {{"山林界线争议", "与邻村因山林界线发生争议，林权证与实际不符，要求确权。"}},
	"neighbour":       {{"邻居违建影响采光", "邻居加建楼层严重影响我家采光通风，多次协商无果。"}},
	"marriage_family": {{"赡养纠纷", "子女不履行赡养义务，老人生活无着，请求帮助。"}},
	"contract_debt":   {{"工程款结算纠纷", "为村里修路垫付工程款，村委会迟迟不予结算。"}},
	"medical":         {{"医疗纠纷", "家属在医院手术后出现并发症，对医院处理结果不满。"}},
	"traffic":         {{"交通事故赔偿未履行", "交通事故调解协议签订后对方未按期赔偿。"}},
	"other":           {{"低保资格认定有异议", "认为自家符合低保条件却未被认定，要求重新审核。"}},
}

// petitionTypes weigh the types as a county desk sees them: land and
// wages first.
var petitionTypes = []string{"land_acquisition", "land_acquisition", "labour_wages", "labour_wages", "labour_wages", "property_mgmt", "property_mgmt",
	"land_forest", "neighbour", "marriage_family", "contract_debt", "medical", "traffic", "other", "other"}

// f2fThemes are the monthly 面对面 themes, newest month first, each with
// problems raised and the unit that answers for them.
var f2fThemes = []struct {
	theme    string
	problems [][2]string
}{
	{"物业管理", [][2]string{{"老旧小区电梯频繁故障", "区住房和城乡建设局"}, {"物业费收支不公开", "上城街道"}, {"小区停车位不足", "区城市管理和综合执法局"}}},
	{"征地拆迁补偿", [][2]string{{"安置房交付延期", "区自然资源局"}, {"过渡费发放不及时", "区财政局"}}},
	{"农民工工资", [][2]string{{"在建项目拖欠工资", "区人力资源和社会保障局"}, {"工资保证金未落实", "区住房和城乡建设局"}}},
	{"看病难", [][2]string{{"社区卫生服务站缺医生", "区卫生健康局"}, {"慢性病药品供应不足", "区卫生健康局"}}},
	{"饮水难", [][2]string{{"山区村自来水压力不足", "水务公司"}, {"旱季供水中断", "水务公司"}}},
	{"上学难", [][2]string{{"学位紧张", "区教育局"}, {"校车线路覆盖不足", "区教育局"}}},
	{"出行难", [][2]string{{"村道破损", "区交通运输局"}, {"公交班次太少", "区交通运输局"}}},
	{"养老难", [][2]string{{"居家养老服务覆盖不足", "区民政局"}, {"老年食堂选址", "区民政局"}}},
	{"物业管理", [][2]string{{"小区绿化被侵占", "区城市管理和综合执法局"}, {"二次供水设施老化", "水务公司"}}},
	{"农民工工资", [][2]string{{"欠薪维权渠道不畅", "区人力资源和社会保障局"}}},
	{"征地拆迁补偿", [][2]string{{"青苗补偿标准不一", "区自然资源局"}, {"集体土地收益分配", "上城街道"}}},
	{"看病难", [][2]string{{"医保报销手续繁琐", "区医疗保障局"}}},
}

var receivingLeaders = []string{"区委书记 黄书记", "区长 陈区长", "政法委 黄书记", "信访局 刘局长", "常务副区长 李副区长"}

// Petitions writes a year of the petition desk's work through its service:
// petitions of the county's villages (channels mixed, some repeat, 越级 and
// collective, most replied with the petitioner satisfied), supervision
// orders (one past its deadline, marked by the sweep), weekly reviews of
// the recent weeks with their decisions, and a 面对面 session a month with
// its problems and follow-ups. With the registers filled, a few petitions
// are of the demo's key petitioners. It returns how many petitions it
// wrote.
func Petitions(ctx context.Context, d Deps, countyCode string, seed int64, now time.Time) (int, error) {
	svc := d.Petitions
	q := d.DB.Reader()
	var clerkID, clerkName, county string
	if err := q.QueryRowContext(ctx, `SELECT u.id, u.display_name FROM users u WHERE u.username = 'xfclerk'`).Scan(&clerkID, &clerkName); err != nil {
		return 0, nil // no demo accounts (a bench data set)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ?", countyCode).Scan(&county); err != nil {
		return 0, err
	}
	// The desk acts as its clerk, with every right over the tree so the
	// demo writes no matter which grants the accounts hold.
	p := authz.System()
	p.UserID, p.Username, p.DisplayName = clerkID, "xfclerk", clerkName
	ctx = authz.WithPrincipal(ctx, p)
	saved := svc.Now
	defer func() { svc.Now = saved }()
	at := func(t time.Time) { svc.Now = func() time.Time { return t } }
	cst := time.FixedZone("CST", 8*3600)
	dayOf := func(t time.Time) string { return t.In(cst).Format("2006-01-02") }

	type village struct{ id, code, town string }
	rows, err := q.QueryContext(ctx, `SELECT v.id, v.code, t.code FROM org_nodes v JOIN org_nodes t ON t.id = v.parent_id
		WHERE v.kind = 'village' AND v.code LIKE ? ORDER BY v.code`, countyCode+"%")
	if err != nil {
		return 0, err
	}
	var villages []village
	for rows.Next() {
		var v village
		if err := rows.Scan(&v.id, &v.code, &v.town); err != nil {
			rows.Close()
			return 0, err
		}
		villages = append(villages, v)
	}
	rows.Close()
	if len(villages) == 0 {
		return 0, nil
	}
	unitOf := map[string]string{}
	for _, v := range villages {
		if _, ok := unitOf[v.town]; ok {
			continue
		}
		var id string
		if err := q.QueryRowContext(ctx, "SELECT id FROM units WHERE code = ?", v.town+"-center").Scan(&id); err == nil {
			unitOf[v.town] = id
		}
	}
	// The key petitioners among the register's people, when filled.
	var keyPeople []struct{ id, name string }
	if d.KeyPersons != nil {
		prow, err := q.QueryContext(ctx, "SELECT id, name FROM people WHERE status = 'active' ORDER BY id")
		if err != nil {
			return 0, err
		}
		type person struct{ id, name string }
		var people []person
		for prow.Next() {
			var x person
			if err := prow.Scan(&x.id, &x.name); err != nil {
				prow.Close()
				return 0, err
			}
			people = append(people, x)
		}
		prow.Close()
		for _, x := range people {
			kid, _, err := d.KeyPersons.KeyPetitionerOf(ctx, q, x.id)
			if err != nil {
				return 0, err
			}
			if kid != "" {
				keyPeople = append(keyPeople, struct{ id, name string }{x.id, x.name})
			}
			if len(keyPeople) == 6 {
				break
			}
		}
	}

	rng := mrand.New(mrand.NewPCG(uint64(seed), 0x5f1a))
	type who struct{ name, id, phone string }
	var pool []who // petitioners who may come again
	newWho := func() who {
		birth := time.Date(1950+rng.IntN(50), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		w := who{name: personName(rng), phone: fmt.Sprintf("13%d%08d", 5+rng.IntN(5), rng.IntN(100000000))}
		if rng.IntN(3) > 0 {
			w.id = pii.MakeID("441602", birth, 1+rng.IntN(998), rng.IntN(2) == 0)
		}
		return w
	}
	channels := []string{"visit", "visit", "visit", "letter", "online", "online", "online", "hotline", "hotline"}
	routes := []string{"admin_handling", "admin_handling", "admin_handling", "people_mediation", "people_mediation", "petition", "admin_mediation", "litigation", "arbitration"}
	type open struct {
		id       string
		received time.Time
	}
	var opens []open
	n := 0
	start := now.AddDate(-1, 0, 0)
	for t := start; t.Before(now); t = t.Add(time.Duration(20+rng.IntN(24)) * time.Hour) {
		received := time.Date(t.Year(), t.Month(), t.Day(), 9+rng.IntN(8), rng.IntN(60), 0, 0, cst)
		if received.After(now) {
			break
		}
		v := villages[rng.IntN(len(villages))]
		typ := petitionTypes[rng.IntN(len(petitionTypes))]
		m := petitionMatters[typ][rng.IntN(len(petitionMatters[typ]))]
		var w who
		if len(pool) > 5 && rng.IntN(100) < 12 {
			w = pool[rng.IntN(len(pool))] // comes again
		} else {
			w = newWho()
			pool = append(pool, w)
		}
		in := petition.PetitionInput{ReceivedOn: dayOf(received), Channel: channels[rng.IntN(len(channels))], OrgID: v.id, Type: typ, Title: m[0], Content: m[1],
			PeopleCount: 1, Petitioners: []petition.PetitionerInput{{Name: w.name, IDNumber: w.id, Phone: w.phone}}, OverLevel: rng.IntN(100) < 5}
		if rng.IntN(100) < 6 {
			in.PeopleCount = 5 + rng.IntN(26) // a collective visit
			in.Channel = "visit"
		} else if rng.IntN(100) < 15 {
			in.PeopleCount = 2 + rng.IntN(3)
		}
		if len(keyPeople) > 0 && rng.IntN(100) < 4 {
			k := keyPeople[rng.IntN(len(keyPeople))]
			in.Petitioners = []petition.PetitionerInput{{Name: k.name, PersonID: k.id, Phone: w.phone}}
		}
		at(received)
		x, err := svc.Register(ctx, in)
		if err != nil {
			return n, fmt.Errorf("petition %s: %w", in.ReceivedOn, err)
		}
		n++
		age := now.Sub(received)
		step := func(days int) time.Time { return received.Add(time.Duration(days)*24*time.Hour + 2*time.Hour) }
		if age < time.Duration(2+rng.IntN(6))*24*time.Hour {
			opens = append(opens, open{x.ID, received})
			continue // still to be accepted
		}
		accepted := step(1 + rng.IntN(4))
		if accepted.After(now) {
			opens = append(opens, open{x.ID, received})
			continue
		}
		at(accepted)
		if rng.IntN(100) < 3 {
			if _, err := svc.Accept(ctx, x.ID, petition.AcceptInput{On: dayOf(accepted), Reason: "已通过诉讼途径解决，不属于信访受理范围"}); err != nil {
				return n, err
			}
			continue
		}
		if _, err := svc.Accept(ctx, x.ID, petition.AcceptInput{Accepted: true, On: dayOf(accepted)}); err != nil {
			return n, err
		}
		route := routes[rng.IntN(len(routes))]
		if _, err := svc.RouteTo(ctx, x.ID, petition.RouteInput{Route: route, Reason: "按职责分流办理", UnitID: unitOf[v.town]}); err != nil {
			return n, err
		}
		if in.Channel == "visit" && rng.IntN(100) < 25 {
			if _, err := svc.Reception(ctx, x.ID, petition.ReceptionInput{Leader: receivingLeaders[rng.IntN(len(receivingLeaders))], On: dayOf(accepted)}); err != nil {
				return n, err
			}
		}
		replied := step(10 + rng.IntN(60))
		if replied.After(now) || (age < 70*24*time.Hour && rng.IntN(3) == 0) {
			opens = append(opens, open{x.ID, received})
			continue
		}
		at(replied)
		if _, err := svc.Reply(ctx, x.ID, petition.ReplyInput{Reply: "经调查核实，已责成" + "责任单位依法依规处理，并将处理结果当面告知信访人。", On: dayOf(replied)}); err != nil {
			return n, err
		}
		closed := replied.Add(time.Duration(1+rng.IntN(5)) * 24 * time.Hour)
		if closed.After(now) || rng.IntN(100) < 4 {
			continue // the satisfaction not yet asked
		}
		sat := "satisfied"
		switch r := rng.IntN(100); {
		case r < 12:
			sat = "dissatisfied"
		case r < 30:
			sat = "basically"
		}
		at(closed)
		if _, err := svc.Close(ctx, x.ID, petition.CloseInput{Satisfaction: sat, On: dayOf(closed)}); err != nil {
			return n, err
		}
	}

	// The weekly reviews of the last six weeks, each deciding on open
	// petitions received before it.
	for w := 6; w >= 1; w-- {
		mon := now.AddDate(0, 0, -7*w)
		mon = time.Date(mon.Year(), mon.Month(), mon.Day()-(int(mon.Weekday())+6)%7, 9, 0, 0, 0, cst)
		var ds []petition.DecisionInput
		for _, o := range opens {
			if o.received.Before(mon) && len(ds) < 3 && rng.IntN(2) == 0 {
				switch len(ds) {
				case 0:
					ds = append(ds, petition.DecisionInput{PetitionID: o.id, Kind: "lead_leader", Value: receivingLeaders[rng.IntN(len(receivingLeaders))], Note: "包案化解"})
				case 1:
					ds = append(ds, petition.DecisionInput{PetitionID: o.id, Kind: "note", Note: "责任单位本周内上门走访，书面报告进展"})
				default:
					ds = append(ds, petition.DecisionInput{PetitionID: o.id, Kind: "lead_leader", Value: "政法委 黄书记", Note: "重点督办"})
				}
			}
		}
		at(mon)
		if _, err := svc.RecordReview(ctx, petition.ReviewInput{Week: dayOf(mon), HeldOn: dayOf(mon), OrgID: county, Chair: "政法委 黄书记",
			Attendees: "区信访局、区司法局、公安分局、人社局、住建局、各街道综治中心", Notes: "研判本周新增、逾期和重复信访事项", Decisions: ds}); err != nil {
			return n, err
		}
	}

	// Supervision orders on four open petitions: two run out (the sweep
	// marks them), two within their time.
	for i, o := range opens {
		if i == 4 {
			break
		}
		given := now.AddDate(0, 0, -5+i)
		due := given.AddDate(0, 0, 2+i)
		at(given)
		if _, err := svc.Supervise(ctx, o.id, petition.SuperviseInput{Due: dayOf(due), Note: "周一集中督办：限期办结并书面报告"}); err != nil {
			return n, err
		}
	}
	at(now)
	if _, err := svc.SweepSupervision(ctx); err != nil {
		return n, err
	}

	// A 面对面 session a month, each with its problems; the older ones
	// followed up and closed.
	for i, th := range f2fThemes {
		held := now.AddDate(0, -i, 0)
		held = time.Date(held.Year(), held.Month(), min(15, now.Day()), 14, 30, 0, 0, cst)
		if held.After(now) {
			held = now.Add(-time.Hour)
		}
		var ps []petition.ProblemInput
		for _, pr := range th.problems {
			ps = append(ps, petition.ProblemInput{Description: pr[0], Unit: pr[1], DueOn: dayOf(held.AddDate(0, 0, 30))})
		}
		at(held)
		leader := []string{"区委书记 黄书记", "区长 陈区长"}[i%2]
		s, err := svc.CreateSession(ctx, petition.SessionInput{Month: held.Format("2006-01"), Theme: th.theme, Leader: leader, Place: "区群众诉求服务中心",
			OrgID: county, Participants: "相关职能部门负责人、街道（镇）负责人、群众代表", Residents: 8 + rng.IntN(20), Problems: ps})
		if err != nil {
			return n, err
		}
		for _, pr := range s.Problems {
			follow := held.AddDate(0, 0, 7+rng.IntN(10))
			if follow.After(now) {
				continue
			}
			at(follow)
			if _, err := svc.FollowUp(ctx, s.ID, pr.ID, petition.FollowUpInput{Note: "责任单位已实地调查，制定整改方案"}); err != nil {
				return n, err
			}
			closeOn := held.AddDate(0, 0, 20+rng.IntN(25))
			if i == 0 || closeOn.After(now) {
				continue
			}
			at(closeOn)
			if _, err := svc.FollowUp(ctx, s.ID, pr.ID, petition.FollowUpInput{Note: "整改完成，回访群众代表", Close: true, Result: "问题已解决，群众代表表示认可"}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
