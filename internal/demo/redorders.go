package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/points"
	"github.com/gridgov/gridgov/internal/redorder"
)

// redNeeds are what residents ask for, by kind.
var redNeeds = map[string][]string{
	"buy_medicine":     {"帮忙到药店买降压药两盒", "代买胰岛素针头，老人行动不便", "帮忙买感冒药和体温计"},
	"pay_bills":        {"帮忙代缴本月水电费", "代缴新农合医保费用", "帮忙交燃气费，不会用手机缴费"},
	"escort_medical":   {"陪同到市人民医院复查", "陪老人去社区卫生服务站打针", "陪同到医院做白内障术后检查"},
	"repair":           {"热水器不出热水，需要维修", "家里水龙头漏水", "楼道灯坏了，老人晚上看不清"},
	"policy":           {"咨询高龄津贴怎么申请", "咨询医保异地报销政策", "咨询残疾证办理流程"},
	"elderly_disabled": {"帮助独居老人理发", "帮忙打扫卫生，老人腰不好", "帮助轮椅老人下楼晒太阳"},
	"other":            {"帮忙把旧家具搬到楼下", "帮忙给在外地的孩子寄东西", "帮忙填写老年人优待证表格"},
}

var redResults = []string{"已上门完成，居民表示满意", "已办结，收据已交居民本人", "已陪同完成，安全送回家中", "已维修好，试用正常", "已当面讲解政策并协助准备材料"}

// RedOrders writes a year of red orders (红色订单) over the branches of the
// first county and the points they earned: most served and rated, some
// late (with the deduction), a few handed on, and the last days' still
// open — some of them on the demo party member's list and the demo
// resident's own. It runs after Party.
func RedOrders(ctx context.Context, d *db.DB, svc *redorder.Service, countyCode string, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 44))
	q := d.Reader()
	county, err := pathOfCode(ctx, q, countyCode)
	if err != nil {
		return 0, err
	}
	users := map[string]string{}
	for _, u := range []string{"resident", "gridmember", "partymember"} {
		var id string
		if err := q.QueryRowContext(ctx, "SELECT id FROM users WHERE username = ?", u).Scan(&id); err == nil {
			users[u] = id
		}
	}
	if users["gridmember"] == "" {
		return 0, nil
	}
	under, args := authz.Under("path", county)
	branches, err := db.Strings(ctx, q, "SELECT id FROM party_orgs WHERE kind = 'branch' AND status = 'active' AND "+under+" ORDER BY path, created_at", args...)
	if err != nil || len(branches) == 0 {
		return 0, err
	}
	var demoMember string
	if users["partymember"] != "" {
		if m, err := party.MemberOfUser(ctx, q, users["partymember"]); err == nil {
			demoMember = m.ID
		}
	}
	type place struct{ grid, orgID, path string }
	type branch struct {
		id      string
		places  []place
		members []party.Member
	}
	var bs []branch
	for _, id := range branches {
		b := branch{id: id}
		grids, err := db.Strings(ctx, q, "SELECT grid_id FROM party_orgs WHERE parent_id = ? AND grid_id IS NOT NULL ORDER BY created_at", id)
		if err != nil {
			return 0, err
		}
		for _, g := range grids {
			var p place
			if err := q.QueryRowContext(ctx, "SELECT id, org_id, path FROM grids WHERE id = ?", g).Scan(&p.grid, &p.orgID, &p.path); err != nil {
				return 0, err
			}
			b.places = append(b.places, p)
		}
		if b.members, err = party.MembersUnder(ctx, q, id); err != nil {
			return 0, err
		}
		if len(b.places) > 0 && len(b.members) > 0 {
			bs = append(bs, b)
		}
	}
	total := 420
	per := max(2, total/max(1, len(bs)))
	kinds := redorder.Kinds
	n := 0
	nowMs := now.UnixMilli()
	const hour = int64(3600_000)
	err = d.InTx(ctx, func(tx *db.Tx) error {
		step := func(order, kind, org, member, user string, at int64) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO red_order_steps (id, order_id, kind, party_org_id, member_id, user_id, note, at) VALUES (?, ?, ?, ?, ?, ?, '', ?)",
				db.NewID(), order, kind, org, member, user, at)
			return err
		}
		credit := func(m party.Member, branchID, orgID, rule, order string, pts int, at int64) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO points_entries (id, subject_kind, subject_id, party_org_id, org_id, path, month, points, rule,
				source_kind, source_id, rule_version, created_by, created_at) VALUES (?, 'party_member', ?, ?, ?, ?, ?, ?, ?, 'red_order', ?, 1, 'system', ?)`,
				db.NewID(), m.ID, branchID, orgID, m.Path, points.MonthOf(at), pts, rule, order, at)
			return err
		}
		for bi, b := range bs {
			count := per
			if bi == 0 {
				count = per + 12 // the demo accounts' own branch is busier
			}
			for k := range count {
				pl := b.places[rng.IntN(len(b.places))]
				m := b.members[rng.IntN(len(b.members))]
				if bi == 0 && demoMember != "" && k%3 == 0 {
					for _, x := range b.members {
						if x.ID == demoMember {
							m = x
						}
					}
				}
				kind := kinds[rng.IntN(len(kinds))]
				need := redNeeds[kind][rng.IntN(len(redNeeds[kind]))]
				// The last orders of the demo branch are the open ones.
				open := k >= count-4
				var placed int64
				if open {
					placed = nowMs - int64(rng.IntN(40))*hour
				} else {
					placed = nowMs - int64(4+rng.IntN(360))*24*hour - int64(rng.IntN(12))*hour
				}
				id := db.NewID()
				channel, placer, nameS, nameM, phoneS, phoneM := "proxy", users["gridmember"], "", "", "", ""
				if bi == 0 && users["resident"] != "" && k%2 == 1 {
					channel, placer = "online", users["resident"]
				} else {
					name := personName(rng)
					phone := fmt.Sprintf("1%d%d%08d", []int{3, 5, 8}[rng.IntN(3)], rng.IntN(10), rng.IntN(1e8))
					nameS, phoneS = svc.SealResident(id, name, phone)
					nameM, phoneM = pii.MaskName(name), pii.MaskPhone(phone)
				}
				status := redorder.Done
				late := rng.IntN(10) == 0
				handed := !open && rng.IntN(25) == 0
				if open {
					status = []string{redorder.Placed, redorder.Assigned, redorder.Accepted, redorder.Served}[k-(count-4)]
				}
				if handed {
					status = redorder.HandedOn
				}
				assigned, accepted := placed+int64(1+rng.IntN(5))*hour, placed+int64(2+rng.IntN(14))*hour
				served := accepted + int64(4+rng.IntN(50))*hour
				if late {
					served = accepted + int64(73+rng.IntN(48))*hour
				}
				done := served + int64(2+rng.IntN(30))*hour
				var memberID, acceptedAt, servedAt, doneAt, rating, serveDue any
				acceptDue := assigned + 24*hour
				result, comment, confirmedBy, handedKind := "", "", "", ""
				switch status {
				case redorder.Assigned:
					memberID = m.ID
				case redorder.Accepted:
					memberID, acceptedAt, serveDue = m.ID, accepted, accepted+72*hour
				case redorder.Served:
					memberID, acceptedAt, servedAt, serveDue = m.ID, accepted, served, accepted+72*hour
					result = redResults[rng.IntN(len(redResults))]
				case redorder.Done:
					memberID, acceptedAt, servedAt, doneAt, serveDue = m.ID, accepted, served, done, accepted+72*hour
					result = redResults[rng.IntN(len(redResults))]
					r := []int{5, 5, 5, 5, 4, 4, 4, 3}[rng.IntN(8)]
					if late {
						r = []int{3, 4, 2}[rng.IntN(3)]
					}
					rating, confirmedBy = r, "resident"
					if channel == "proxy" {
						confirmedBy = "return_visit"
					}
					comment = []string{"很及时，谢谢党员同志", "服务热情", "", "满意", ""}[rng.IntN(5)]
				case redorder.HandedOn:
					handedKind, doneAt = "event", assigned
				}
				if status == redorder.Placed {
					acceptDue = placed + 24*hour
				}
				lateFlag := 0
				if late && (status == redorder.Done || status == redorder.Served) {
					lateFlag = 1
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO red_orders (id, kind, need, address, wanted, grid_id, org_id, path, branch_id, home_branch_id, channel,
					placed_by, resident_name_sealed, resident_name_masked, resident_phone_sealed, resident_phone_masked, status, member_id, accept_due, serve_due,
					placed_at, month, accepted_at, served_at, done_at, result, rating, comment, confirmed_by, late, reminded, handed_kind, updated_at)
					VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					id, kind, need, fmt.Sprintf("%s%d号", streets[rng.IntN(len(streets))], 1+rng.IntN(300)), pl.grid, pl.orgID, pl.path, b.id, b.id, channel,
					placer, nameS, nameM, phoneS, phoneM, status, memberID, acceptDue, serveDue, placed, points.MonthOf(placed), acceptedAt, servedAt, doneAt,
					result, rating, comment, confirmedBy, lateFlag, lateFlag*2, handedKind, placed); err != nil {
					return err
				}
				n++
				if err := step(id, "placed", b.id, "", placer, placed); err != nil {
					return err
				}
				if status == redorder.Placed {
					continue
				}
				if status == redorder.HandedOn {
					if err := step(id, "handed_on", b.id, "", "", assigned); err != nil {
						return err
					}
					continue
				}
				if err := step(id, "assigned", m.PartyOrgID, m.ID, "", assigned); err != nil {
					return err
				}
				if status == redorder.Assigned {
					continue
				}
				if err := step(id, "accepted", m.PartyOrgID, m.ID, "", accepted); err != nil {
					return err
				}
				if status == redorder.Accepted {
					continue
				}
				if late {
					if err := step(id, "overdue", "", m.ID, "", accepted+72*hour); err != nil {
						return err
					}
					if err := credit(m, b.id, pl.orgID, points.OrderOverdue, id, points.DefaultRules.OrderOverdue, accepted+72*hour); err != nil {
						return err
					}
				}
				if err := step(id, "served", m.PartyOrgID, m.ID, "", served); err != nil {
					return err
				}
				if status == redorder.Served {
					continue
				}
				if err := step(id, "confirmed", "", m.ID, "", done); err != nil {
					return err
				}
				if err := credit(m, b.id, pl.orgID, points.OrderDone, id, points.DefaultRules.OrderDone, done); err != nil {
					return err
				}
				if rating.(int) >= 4 {
					if err := credit(m, b.id, pl.orgID, points.OrderGoodRating, id, points.DefaultRules.OrderGoodRating, done); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return n, err
}
