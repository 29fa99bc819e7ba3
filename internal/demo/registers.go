package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
)

// registerGrids is how many grids of each village get register data.
const registerGrids = 2

// Registers fills the base registers of the first county through the
// registers' own spreadsheet import (so the demo data passes the same
// checks as a user's file): per grid, households, their houses and people
// with valid ID numbers, a unit; then key persons with visits, some overdue,
// and care targets. It returns the number of people.
func Registers(ctx context.Context, reg *registry.Service, d *db.DB, countyCode string, seed int64, now time.Time) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "demo", IP: "local"})
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
	people.WriteString("姓名,公民身份号码,人口类型,联系电话,居住地址,详细地址,网格编码,户号,与户主关系,居住方式\n")
	units.WriteString("单位名称,单位类型,法定代表人,联系电话,地址,从业人数,网格编码\n")
	situations := []string{"三代同堂", "夫妻二人，子女在外务工", "独居老人", "单亲家庭", "务农为主", "个体经营"}
	needs := []string{"", "希望解决孩子就近入学", "申请低保", "老人需定期上门看护", "路灯损坏需维修", ""}
	purposes := []string{"自住", "自住", "自住", "出租", "经营"}
	shops := []string{"便利店", "餐馆", "五金店", "理发店", "药店", "物流站"}
	seq, n := 0, 0
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
				fmt.Fprintf(&people, "%s,%s,%s,%s,%s,%s%s房,%s,%s,%s,%s\n", name, pii.MakeID(countyCode[:6], birth, n%500, m%2 == 0), kind, mobile(rng),
					door, door, room, g.code, no, rel, "自有住房")
			}
		}
		fmt.Fprintf(&units, "%s%s,%s,%s,%s,%s,%d,%s\n", g.village, shops[gi%len(shops)], "个体工商户", personName(rng), mobile(rng), street+"2号", 2+rng.IntN(10), g.code)
	}
	for _, f := range []struct{ kind, data string }{{"households", households.String()}, {"houses", houses.String()}, {"people", people.String()}, {"units", units.String()}} {
		_, run, err := reg.StartImport(ctx, registry.ImportInput{Kind: f.kind, Mode: "valid", FileName: "demo-" + f.kind + ".csv", Data: []byte(f.data)})
		if err != nil {
			return 0, err
		}
		// A generated ID number may, rarely, repeat another: that row is
		// rejected like any duplicate and the rest go in.
		if job := run(ctx); job.Status != "done" {
			return 0, fmt.Errorf("demo %s: %v", f.kind, job.Err)
		}
	}
	return n, keyPersons(ctx, reg, d, rng, now)
}

// keyPersons registers about one key person per grid of register data,
// with visits of every office, some overdue, and care targets.
func keyPersons(ctx context.Context, reg *registry.Service, d *db.DB, rng *mrand.Rand, now time.Time) error {
	rows, err := d.Reader().QueryContext(ctx, `SELECT p.id, p.relation FROM people p WHERE p.relation IN ('head', 'spouse') ORDER BY p.grid_id, p.id`)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id, rel string
		if err := rows.Scan(&id, &rel); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	risks := []string{"red", "yellow", "green", "green"}
	methods := []string{"home", "phone", "office"}
	notes := []string{"情绪稳定，按时报到", "近期找到工作，家属配合", "未见异常", "反映生活困难，已转民政", "近期与邻居有口角，需关注"}
	for i := 0; i < len(ids); i += 12 {
		k, err := reg.CreateKeyPerson(ctx, registry.KeyPersonInput{PersonID: ids[i], Category: pii.Categories[(i/12)%len(pii.Categories)], RiskLevel: risks[rng.IntN(len(risks))]})
		if err != nil {
			return err
		}
		// The last visit was some while ago: a share of the clocks run out.
		at := now.Add(-time.Duration(rng.IntN(min(k.VisitEveryDays*2, 85))+1) * 24 * time.Hour).UnixMilli()
		if _, err := reg.AddVisit(ctx, k.ID, registry.VisitInput{Method: methods[rng.IntN(len(methods))], Note: notes[rng.IntN(len(notes))], At: &at}); err != nil {
			return err
		}
		if i+6 < len(ids) {
			if _, err := reg.CreateCareTarget(ctx, registry.CareTargetInput{PersonID: ids[i+6], Kind: registry.CareKinds[(i/12)%len(registry.CareKinds)]}); err != nil {
				return err
			}
		}
	}
	return nil
}

func mobile(rng *mrand.Rand) string {
	return fmt.Sprintf("1%d%d%08d", 3+rng.IntN(7), rng.IntN(10), rng.IntN(100000000))
}
