package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/mediator"
)

// Mediators gives every town and village of the county its 调解力量: a
// town's two full-time mediators (专职人民调解员); a village's 人民调解委员会
// of a chair, a vice chair and two or three members, and two or three
// 法律明白人. The demo village mediator (vmediator) chairs their village's
// committee. It returns how many it wrote.
func Mediators(ctx context.Context, d *db.DB, svc *mediator.Service, countyCode string, seed int64) (int, error) {
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
	// The chair of the demo village mediator's own village is that account.
	var chair, vmediator, home string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id, org_id FROM users WHERE username = 'vmediator'").Scan(&vmediator, &home); err != nil {
		vmediator = "" // a data set without the demo accounts
	}
	n := 0
	err = d.InTx(ctx, func(tx *db.Tx) error {
		add := func(in mediator.Input) (string, error) {
			in.Phone = fmt.Sprintf("139%08d", rng.IntN(1e8))
			in.Since = fmt.Sprintf("%d-%02d-%02d", 2018+rng.IntN(8), 1+rng.IntN(12), 1+rng.IntN(28))
			in.Specialties = []string{dispute.Types[rng.IntN(6)]}
			n++
			return svc.CreateTx(ctx, tx, in)
		}
		for _, nd := range nodes {
			if nd.kind == "town" {
				for range 2 {
					if _, err := add(mediator.Input{OrgID: nd.id, Kind: "full_time", Name: personName(rng)}); err != nil {
						return err
					}
				}
				continue
			}
			for i, duty := range []string{"chair", "vice_chair", "member", "member", "member"}[:4+rng.IntN(2)] {
				in := mediator.Input{OrgID: nd.id, Kind: "committee", Duty: duty, Name: personName(rng)}
				own := i == 0 && nd.id == home
				if own {
					in.Name = "黄桂兰"
				}
				id, err := add(in)
				if err != nil {
					return err
				}
				if own {
					chair = id
				}
			}
			for range 2 + rng.IntN(2) {
				if _, err := add(mediator.Input{OrgID: nd.id, Kind: "legal_helper", Name: personName(rng)}); err != nil {
					return err
				}
			}
		}
		if chair == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, "UPDATE mediators SET user_id = ? WHERE id = ?", vmediator, chair)
		return err
	})
	return n, err
}
