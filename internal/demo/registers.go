package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/regsheet"
)

// registerGrids is how many grids of each village get register data.
const registerGrids = 2

// Registers fills the base registers of the first county through the
// registers' own spreadsheet import (so the demo data passes the same
// checks as a user's file): per grid, households, their houses and people
// with valid ID numbers, a unit; then key persons with visits, some overdue,
// and care targets. It returns the number of people.
func Registers(ctx context.Context, deps Deps, countyCode string, seed int64, now time.Time) (int, error) {
	reg, d := deps.Registry, deps.DB
	ctx = authz.WithPrincipal(ctx, authz.System())
	rows, err := d.Reader().QueryContext(ctx, `SELECT g.code, o.name FROM grids g JOIN org_nodes o ON o.id = g.org_id
		WHERE g.layer = 'zz' AND g.code LIKE ? ORDER BY g.code`, countyCode[:6]+"%")
	if err != nil {
		return 0, err
	}
	type grid struct{ code, village string }
	var grids []grid
	perVillage := map[string]int{}
	for rows.Next() {
		var g grid
		if err := rows.Scan(&g.code, &g.village); err != nil {
			rows.Close()
			return 0, err
		}
		if perVillage[g.village] < registerGrids {
			perVillage[g.village]++
			grids = append(grids, g)
		}
	}
	rows.Close()

	rng := mrand.New(mrand.NewPCG(uint64(seed), 7))
	var households, houses, people, units strings.Builder
	households.WriteString("户号,网格编码,地址,家庭情况,诉求与需求\n")
	houses.WriteString("标准地址,房号,房屋用途,建筑面积（平方米）,房主姓名,房主电话,网格编码\n")
	people.WriteString("姓名,公民身份号码,人口类型,联系电话,居住地址,详细地址,网格编码,户号,与户主关系,居住方式,房屋地址,房屋房号\n")
	units.WriteString("单位名称,单位类型,法定代表人,联系电话,地址,从业人数,网格编码\n")
	situations := []string{"三代同堂", "夫妻二人，子女在外务工", "独居老人", "单亲家庭", "务农为主", "个体经营"}
	needs := []string{"", "希望解决孩子就近入学", "申请低保", "老人需定期上门看护", "路灯损坏需维修", ""}
	purposes := []string{"自住", "自住", "自住", "出租", "经营"}
	shops := []string{"便利店", "餐馆", "五金店", "理发店", "药店", "物流站"}
	seq, n := 0, 0
	var heads []head
	for gi, g := range grids {
		street := g.village + []string{"建设路", "新华街", "兴业路", "和平巷"}[gi%4]
		for h := range 6 {
			seq++
			no := fmt.Sprintf("H%s%02d", g.code[12:], h+1)
			door := fmt.Sprintf("%s%d号", street, 10+h*2)
			room := fmt.Sprintf("%d0%d", 1+rng.IntN(6), 1+rng.IntN(4))
			fmt.Fprintf(&households, "%s,%s,%s,%s,%s\n", no, g.code, door, situations[rng.IntN(len(situations))], needs[rng.IntN(len(needs))])
			owner := personName(rng)
			fmt.Fprintf(&houses, "%s,%s,%s,%d,%s,%s,%s\n", door, room, purposes[rng.IntN(len(purposes))], 60+rng.IntN(120), owner, mobile(rng), g.code)
			size := 2 + rng.IntN(3)
			for m := range size {
				rel, age := "户主", 35+rng.IntN(40)
				switch m {
				case 1:
					rel, age = "配偶", 30+rng.IntN(40)
				case 2, 3:
					rel, age = "子女", 1+rng.IntN(25)
				}
				name := owner
				if m > 0 {
					name = personName(rng)
					if m >= 2 {
						name = string([]rune(owner)[0]) + string([]rune(name)[1:])
					}
				}
				birth := now.AddDate(-age, -rng.IntN(12), -rng.IntN(28))
				kind := "户籍人口"
				if rng.IntN(8) == 0 {
					kind = "流动人口"
				}
				n++
				id := pii.MakeID(countyCode[:6], birth, n%500, m%2 == 0)
				if m == 0 {
					heads = append(heads, head{name, id, g.code})
				}
				phone := mobile(rng)
				if h == 1 && m == 1 {
					phone = likelyVictimPhone(g.code) // on the police's anti-fraud list (AntifraudWarnings)
				}
				fmt.Fprintf(&people, "%s,%s,%s,%s,%s,%s%s房,%s,%s,%s,%s,%s,%s\n", name, id, kind, phone,
					door, door, room, g.code, no, rel, "自有住房", door, room)
			}
		}
		fmt.Fprintf(&units, "%s%s,%s,%s,%s,%s,%d,%s\n", g.village, shops[gi%len(shops)], "个体工商户", personName(rng), mobile(rng), street+"2号", 2+rng.IntN(10), g.code)
	}
	for _, f := range []struct{ kind, data string }{{"households", households.String()}, {"houses", houses.String()}, {"people", people.String()}, {"units", units.String()}} {
		_, run, err := deps.Sheets.StartImport(ctx, regsheet.ImportInput{Kind: f.kind, Mode: "valid", FileName: "demo-" + f.kind + ".csv",
			File: strings.NewReader(f.data), Size: int64(len(f.data))})
		if err != nil {
			return 0, err
		}
		// A generated ID number may, rarely, repeat another: that row is
		// rejected like any duplicate and the rest go in.
		if job := run(ctx); job.Status != "done" {
			return 0, fmt.Errorf("demo %s: %v", f.kind, job.Err)
		}
	}
	if err := keyPersons(ctx, deps.KeyPersons, d, rng, now); err != nil {
		return 0, err
	}
	return n, duplicateRegistrations(ctx, reg, d, heads)
}

// head is a household head as the demo registered them.
type head struct{ name, id, grid string }

// duplicateRegistrations has the demo grid member register three household
// heads of other towns again, as people who moved into the member's grid:
// each is answered as a new person and opens a 重复登记核查 review at the
// county, so the page has work in it on first start.
func duplicateRegistrations(ctx context.Context, reg *registry.Service, d *db.DB, heads []head) error {
	var userID, grid string
	err := d.Reader().QueryRowContext(ctx, `SELECT u.id, g.code FROM users u JOIN grid_members m ON m.user_id = u.id
		JOIN grids g ON g.id = m.grid_id WHERE u.username = 'gridmember' AND g.layer = 'zz' ORDER BY g.code LIMIT 1`).Scan(&userID, &grid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // no demo grid member (a scale without accounts)
	}
	if err != nil {
		return err
	}
	grants, err := authn.LoadGrants(ctx, d.Reader(), userID)
	if err != nil {
		return err
	}
	ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: userID, Username: "gridmember", Grants: grants})
	var others []head
	for _, h := range heads {
		if h.grid[:9] != grid[:9] {
			others = append(others, h)
		}
	}
	for i := 1; i <= 3 && len(others) > 0; i++ {
		h := others[i*len(others)/4]
		if _, err := reg.CreatePerson(ctx, registry.PersonInput{Name: h.name, IDNumber: h.id, Kind: "floating",
			Note: "自称从外镇迁入，原籍信息待核", PlaceInput: registry.PlaceInput{GridCode: grid}}, idem.Key{}); err != nil {
			return fmt.Errorf("demo duplicate registration: %w", err)
		}
	}
	return nil
}

// keyPersons registers about one key person per grid of register data,
// with visits of every office, some overdue, and care targets. The grid the
// demo grid member serves gets more, one overdue and one due within a day,
// so the member's 走访任务 has work in it: CreateKeyPerson makes the grid's
// member account responsible although the system registers them.
func keyPersons(ctx context.Context, kp *keyperson.Service, d *db.DB, rng *mrand.Rand, now time.Time) error {
	served := map[string]bool{}
	rows, err := d.Reader().QueryContext(ctx, `SELECT DISTINCT grid_id FROM grid_members WHERE role = 'grid_member' AND user_id IS NOT NULL`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return err
		}
		served[g] = true
	}
	rows.Close()
	rows, err = d.Reader().QueryContext(ctx, `SELECT p.id, p.grid_id FROM people p WHERE p.relation IN ('head', 'spouse') ORDER BY p.grid_id, p.id`)
	if err != nil {
		return err
	}
	var ids, grids []string
	for rows.Next() {
		var id, grid string
		if err := rows.Scan(&id, &grid); err != nil {
			rows.Close()
			return err
		}
		ids, grids = append(ids, id), append(grids, grid)
	}
	rows.Close()
	risks := []string{"red", "yellow", "green", "green"}
	methods := []string{"home", "phone", "office"}
	notes := []string{"情绪稳定，按时报到", "近期找到工作，家属配合", "未见异常", "反映生活困难，已转民政", "近期与邻居有口角，需关注"}
	// Grid members see every category but HIV risk: the member's own key
	// persons are of the others.
	var memberCats []string
	for _, c := range pii.Categories {
		if c != "hiv_risk" {
			memberCats = append(memberCats, c)
		}
	}
	add := func(personID, category, risk string, daysAgo func(every int) time.Duration) error {
		k, err := kp.CreateKeyPerson(ctx, keyperson.KeyPersonInput{PersonID: personID, Category: category, RiskLevel: risk})
		if err != nil {
			return err
		}
		at := now.Add(-daysAgo(k.VisitEveryDays)).UnixMilli()
		_, err = kp.AddVisit(ctx, k.ID, keyperson.VisitInput{Method: methods[rng.IntN(len(methods))], Note: notes[rng.IntN(len(notes))], At: &at})
		return err
	}
	// The last visit was some while ago: a share of the clocks run out.
	someWhileAgo := func(every int) time.Duration { return time.Duration(rng.IntN(min(every*2, 85))+1) * 24 * time.Hour }
	mine := 0
	for i, id := range ids {
		switch {
		case served[grids[i]]:
			if mine%3 == 0 {
				ago, risk := someWhileAgo, risks[rng.IntN(len(risks))]
				switch mine / 3 {
				case 0: // overdue by two days (red: a short period, so the visit stays within 90 days)
					ago, risk = func(every int) time.Duration { return time.Duration(every+2) * 24 * time.Hour }, "red"
				case 1: // due in twelve hours
					ago, risk = func(every int) time.Duration { return time.Duration(every)*24*time.Hour - 12*time.Hour }, "red"
				}
				if err := add(id, memberCats[(mine/3)%len(memberCats)], risk, ago); err != nil {
					return err
				}
			}
			mine++
		case i%12 == 0:
			if err := add(id, pii.Categories[(i/12)%len(pii.Categories)], risks[rng.IntN(len(risks))], someWhileAgo); err != nil {
				return err
			}
		}
		if i%12 == 6 {
			if _, err := kp.CreateCareTarget(ctx, keyperson.CareTargetInput{PersonID: id, Kind: keyperson.CareKinds[(i/12)%len(keyperson.CareKinds)]}); err != nil {
				return err
			}
		}
	}
	return nil
}

// likelyVictimPhone is the phone of one resident of each register grid
// that the police's demo list of likely fraud victims names.
func likelyVictimPhone(gridCode string) string {
	return "137" + gridCode[len(gridCode)-8:]
}

func mobile(rng *mrand.Rand) string {
	return fmt.Sprintf("1%d%d%08d", 3+rng.IntN(7), rng.IntN(10), rng.IntN(100000000))
}
