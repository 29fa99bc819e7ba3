package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
)

// Mediators gives every town and village of the county its 调解力量: a
// town's two full-time mediators (专职人民调解员); a village's 人民调解委员会
// of a chair, a vice chair and two or three members, and two or three
// 法律明白人; and the county's own full-time mediators. The accounts that
// mediate are linked to their entries: the demo village mediator
// (vmediator) chairs their village's committee, the town mediator
// (townmediator) is one of their town's full-time mediators, and the
// county mediator (mediator) one of the county's. It returns how many it
// wrote.
func Mediators(ctx context.Context, d *db.DB, svc *dispute.Service, countyCode string, seed int64) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 23))
	ctx = authz.WithPrincipal(ctx, authz.System())
	county, err := pathOfCode(ctx, d.Reader(), countyCode)
	if err != nil {
		return 0, err
	}
	under, args := authz.Under("path", county)
	rows, err := d.Reader().QueryContext(ctx, "SELECT id, kind FROM org_nodes WHERE kind IN ('town', 'village') AND "+under+" ORDER BY path", args...)
	if err != nil {
		return 0, err
	}
	type node struct{ id, kind string }
	var nodes []node
	for rows.Next() {
		var n node
		if err := rows.Scan(&n.id, &n.kind); err != nil {
			rows.Close()
			return 0, err
		}
		nodes = append(nodes, n)
	}
	rows.Close()
	// The accounts that mediate, by their home area: the chair of the demo
	// village mediator's village, the first full-time mediator of the town
	// mediator's town and of the county mediator's county are those
	// accounts (a data set without the demo accounts links nobody).
	accounts := map[string]string{} // home org id → user id
	for _, u := range []string{"vmediator", "townmediator", "mediator"} {
		var id, home string
		if err := d.Reader().QueryRowContext(ctx, "SELECT id, org_id FROM users WHERE username = ?", u).Scan(&id, &home); err == nil {
			accounts[home] = id
		}
	}
	var countyID string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE path = ?", county).Scan(&countyID); err != nil {
		return 0, err
	}
	nodes = append([]node{{countyID, "county"}}, nodes...)
	links := map[string]string{} // mediator id → user id
	n := 0
	err = d.InTx(ctx, func(tx *db.Tx) error {
		add := func(in dispute.MediatorInput) (string, error) {
			in.Phone = fmt.Sprintf("139%08d", rng.IntN(1e8))
			in.Since = fmt.Sprintf("%d-%02d-%02d", 2018+rng.IntN(8), 1+rng.IntN(12), 1+rng.IntN(28))
			in.Specialties = []string{dispute.Types[rng.IntN(6)]}
			n++
			return svc.CreateMediatorTx(ctx, tx, in)
		}
		for _, nd := range nodes {
			if nd.kind != "village" {
				for i := range 2 {
					in := dispute.MediatorInput{OrgID: nd.id, Kind: "full_time", Name: personName(rng)}
					user, own := accounts[nd.id]
					own = own && i == 0
					if own && nd.kind == "town" {
						in.Name = "李秀英"
					} else if own {
						in.Name = "周平"
					}
					id, err := add(in)
					if err != nil {
						return err
					}
					if own {
						links[id] = user
					}
				}
				continue
			}
			for i, duty := range []string{"chair", "vice_chair", "member", "member", "member"}[:4+rng.IntN(2)] {
				in := dispute.MediatorInput{OrgID: nd.id, Kind: "committee", Duty: duty, Name: personName(rng)}
				user, own := accounts[nd.id]
				own = own && i == 0
				if own {
					in.Name = "黄桂兰"
				}
				id, err := add(in)
				if err != nil {
					return err
				}
				if own {
					links[id] = user
				}
			}
			for range 2 + rng.IntN(2) {
				if _, err := add(dispute.MediatorInput{OrgID: nd.id, Kind: "legal_helper", Name: personName(rng)}); err != nil {
					return err
				}
			}
		}
		for id, user := range links {
			if _, err := tx.ExecContext(ctx, "UPDATE mediators SET user_id = ? WHERE id = ?", user, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	_, err = svc.SetRates(ctx, dispute.RatesInput{OrgID: countyID, Rates: SubsidyRates})
	return n, err
}

// SubsidyRates are the demo county's 以案定补 table, in yuan per case. No
// public figure was at hand: these are the demo's, in the range counties
// publish (a simple case settled orally 50, in writing 100; a complex one
// in writing 300; a mediation that failed 30).
var SubsidyRates = []dispute.RateIn{
	{Complexity: "simple", Outcome: "oral_agreement", Amount: ptr(50.0)},
	{Complexity: "simple", Outcome: "agreement", Amount: ptr(100.0)},
	{Complexity: "simple", Outcome: "failed", Amount: ptr(30.0)},
	{Complexity: "complex", Outcome: "oral_agreement", Amount: ptr(150.0)},
	{Complexity: "complex", Outcome: "agreement", Amount: ptr(300.0)},
	{Complexity: "complex", Outcome: "failed", Amount: ptr(50.0)},
}

func ptr[T any](v T) *T { return &v }
