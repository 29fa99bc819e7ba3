package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/party"
)

// compoundNames and propertyCompanies name the communities' compounds.
var (
	compoundNames = []string{"阳光花园", "锦绣小区", "翠苑", "江景华庭", "幸福里", "书香门第", "东江明珠", "丽景湾", "新城花园", "金色家园",
		"康乐小区", "河畔人家", "荷花苑", "桂园", "槎城雅居", "供电宿舍"}
	propertyCompanies = []string{"河源市万家物业服务有限公司", "广东粤信物业管理有限公司", "河源市安居物业有限公司", "源城区和美物业服务中心"}
)

// PartyCounts are what Party wrote.
type PartyCounts struct {
	Compounds, Buildings, Orgs, Members int
}

// Party lays the red grid over the first county (河源 "红色网格"): each
// town's 大工委 (街道) or 党委 (镇); each village's 大党委 (社区) or 党总支
// (村); under it 邻里党支部 — one per compound in a community, one per two
// grids in a village — and a 网格党小组 for every grid; in the first
// community also the 小区—楼栋 form (丹江口), a 楼栋党小组 per building.
// Communities get compounds with buildings, property companies, owners'
// committees and 楼栋长; old compounds have no property company and are
// served by 楼栋邻里长. Every group has members (phones sealed), some of
// them 党员中心户. The demo's party-member account is a member of the first
// grid's group, its party-secretary account the first village's secretary.
func Party(ctx context.Context, d *db.DB, svc *party.Service, countyCode string, seed int64) (PartyCounts, error) {
	var n PartyCounts
	rng := mrand.New(mrand.NewPCG(uint64(seed), 41))
	county, err := pathOfCode(ctx, d.Reader(), countyCode)
	if err != nil {
		return n, err
	}
	type node struct{ id, name, kind, path, parent string }
	under, args := authz.Under("path", county)
	rows, err := d.Reader().QueryContext(ctx, "SELECT id, name, kind, path, COALESCE(parent_id, '') FROM org_nodes WHERE kind IN ('town', 'village') AND "+under+" ORDER BY code", args...)
	if err != nil {
		return n, err
	}
	var towns, villages []node
	for rows.Next() {
		var o node
		if err := rows.Scan(&o.id, &o.name, &o.kind, &o.path, &o.parent); err != nil {
			rows.Close()
			return n, err
		}
		if o.kind == "town" {
			towns = append(towns, o)
		} else {
			villages = append(villages, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, err
	}
	accounts := map[string]string{}
	for _, u := range []string{"partymember", "partysec"} {
		var id string
		if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = ?", u).Scan(&id); err == nil {
			accounts[u] = id
		}
	}

	now := db.Now()
	err = d.InTx(ctx, func(tx *db.Tx) error {
		addOrg := func(parent, name, kind, form, orgID, path string, place map[string]string) (string, error) {
			id := db.NewID()
			var p any
			if parent != "" {
				p = parent
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO party_orgs (id, parent_id, name, kind, form, org_id, path, compound_id, building_id, grid_id,
				secretary, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p, name, kind, form, orgID, path,
				nullIfEmpty(place["compound"]), nullIfEmpty(place["building"]), nullIfEmpty(place["grid"]), personName(rng), now, now)
			n.Orgs++
			return id, err
		}
		addMember := func(partyOrg, path, grid, compound, user string) error {
			id := db.NewID()
			sealed, masked := svc.SealPhone(id, fmt.Sprintf("1%d%d%08d", []int{3, 5, 8}[rng.IntN(3)], rng.IntN(10), rng.IntN(1e8)))
			center := 0
			if rng.IntN(5) == 0 {
				center = 1
			}
			joined := fmt.Sprintf("%d-%02d-%02d", 1972+rng.IntN(52), 1+rng.IntN(12), 1+rng.IntN(28))
			_, err := tx.ExecContext(ctx, `INSERT INTO party_members (id, party_org_id, path, name, phone_sealed, phone_masked, user_id, grid_id,
				compound_id, center_household, joined_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, partyOrg, path, personName(rng), sealed, masked, nullIfEmpty(user), nullIfEmpty(grid), nullIfEmpty(compound), center, joined, now, now)
			n.Members++
			return err
		}
		townOrg := map[string]string{}
		for _, t := range towns {
			name, kind := t.name+"党委", party.Committee
			if strings.HasSuffix(t.name, "街道") {
				name, kind = t.name+"大工委", party.WorkingCommittee
			}
			id, err := addOrg("", name, kind, "area", t.id, t.path, nil)
			if err != nil {
				return err
			}
			townOrg[t.id] = id
		}
		for vi, v := range villages {
			community := strings.HasSuffix(v.name, "社区")
			name, kind := v.name+"党总支", party.GeneralBranch
			if community {
				name, kind = v.name+"大党委", party.Committee
			}
			top, err := addOrg(townOrg[v.parent], name, kind, "area", v.id, v.path, nil)
			if err != nil {
				return err
			}
			grids, err := db.Strings(ctx, tx, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' AND status = 'active' ORDER BY code", v.id)
			if err != nil {
				return err
			}
			gridNames, err := db.Strings(ctx, tx, "SELECT name FROM grids WHERE org_id = ? AND layer = 'zz' AND status = 'active' ORDER BY code", v.id)
			if err != nil {
				return err
			}
			// A branch for each two grids: a compound's in a community, a
			// neighbourhood's in a village.
			for gi := 0; gi < len(grids); gi += 2 {
				pair := grids[gi:min(gi+2, len(grids))]
				place := map[string]string{"grid": pair[0]}
				bname, form := fmt.Sprintf("%s第%s邻里党支部", v.name, cnNumber(gi/2+1)), "area"
				var compound string
				if community {
					compound, err = addCompound(ctx, tx, rng, v.id, v.path, pair[0], gi/2, now, &n)
					if err != nil {
						return err
					}
					var cname string
					if err := tx.QueryRowContext(ctx, "SELECT name FROM compounds WHERE id = ?", compound).Scan(&cname); err != nil {
						return err
					}
					bname, form = cname+"小区党支部", "compound"
					place = map[string]string{"compound": compound}
				}
				branch, err := addOrg(top, bname, party.Branch, form, v.id, v.path, place)
				if err != nil {
					return err
				}
				for range 2 {
					if err := addMember(branch, v.path, pair[0], compound, ""); err != nil {
						return err
					}
				}
				for k, g := range pair {
					group, err := addOrg(branch, gridNames[gi+k]+"党小组", party.Group, "grid", v.id, v.path, map[string]string{"grid": g})
					if err != nil {
						return err
					}
					for m := range 3 + rng.IntN(5) {
						user := ""
						if vi == 0 && gi+k == 0 && m == 0 {
							user = accounts["partymember"]
						}
						if err := addMember(group, v.path, g, compound, user); err != nil {
							return err
						}
					}
				}
				// The first community also shows the 小区—楼栋 form.
				if community && vi == 0 {
					blds, err := db.Strings(ctx, tx, "SELECT id FROM buildings WHERE compound_id = ? ORDER BY name", compound)
					if err != nil {
						return err
					}
					for _, b := range blds {
						var bn string
						if err := tx.QueryRowContext(ctx, "SELECT name FROM buildings WHERE id = ?", b).Scan(&bn); err != nil {
							return err
						}
						group, err := addOrg(branch, bn+"楼栋党小组", party.Group, "building", v.id, v.path, map[string]string{"building": b, "compound": compound})
						if err != nil {
							return err
						}
						if err := addMember(group, v.path, pair[0], compound, ""); err != nil {
							return err
						}
					}
				}
			}
			if vi == 0 && accounts["partysec"] != "" {
				// The secretary's own membership, with the account.
				if err := addMember(top, v.path, "", "", accounts["partysec"]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}

// addCompound adds the k-th compound of a community with its buildings.
func addCompound(ctx context.Context, tx *db.Tx, rng *mrand.Rand, orgID, path, grid string, k int, now int64, n *PartyCounts) (string, error) {
	id := db.NewID()
	name := compoundNames[k%len(compoundNames)]
	if k >= len(compoundNames) {
		name += fmt.Sprintf("%d期", k/len(compoundNames)+1)
	}
	company, committee := propertyCompanies[rng.IntN(len(propertyCompanies))], name+"业主委员会"
	old := rng.IntN(4) == 0 // an old compound: no property company, no owners' committee
	if old {
		company, committee = "", ""
	}
	var lat, lng any
	if err := tx.QueryRowContext(ctx, "SELECT center_lat, center_lng FROM grids WHERE id = ?", grid).Scan(&lat, &lng); err != nil {
		return "", err
	}
	blds := 4 + rng.IntN(6)
	if _, err := tx.ExecContext(ctx, `INSERT INTO compounds (id, org_id, path, grid_id, name, address, lat, lng, property_company, owners_committee,
		households, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, orgID, path, grid, name,
		fmt.Sprintf("%s%d号", streets[rng.IntN(len(streets))], 1+rng.IntN(300)), lat, lng, company, committee, blds*(24+rng.IntN(40)), now, now); err != nil {
		return "", err
	}
	n.Compounds++
	for b := range blds {
		head := personName(rng)
		if _, err := tx.ExecContext(ctx, `INSERT INTO buildings (id, compound_id, path, grid_id, name, floors, head_name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), id, path, grid, fmt.Sprintf("%d栋", b+1), 6+rng.IntN(27), head, now, now); err != nil {
			return "", err
		}
		n.Buildings++
	}
	return id, nil
}

// cnNumber writes 1–99 in Chinese numerals.
func cnNumber(k int) string {
	d := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case k < 10:
		return d[k]
	case k < 20:
		return "十" + d[k%10]
	default:
		return d[k/10] + "十" + d[k%10]
	}
}
