package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Roster makes the first county's roster of the grid workforce look like
// a real one: every entry has a contact phone (sealed); the grids of the
// first town have their 楼栋长, and some their volunteers and party
// members; in the town's second village an assistant also serves the
// neighbouring grid (primary and secondary grid); and a few members of the
// county have left or moved, their places handed to a successor, with the
// history rows that leaves. It returns how many team places it added.
func Roster(ctx context.Context, d *db.DB, svc *org.Service, countyCode string, seed int64) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 37))
	ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: "system", Username: "system", DisplayName: "县综治中心",
		Grants: authz.System().Grants})
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "demo", IP: "local"})
	county, err := pathOfCode(ctx, d.Reader(), countyCode)
	if err != nil {
		return 0, err
	}
	// Phones for every roster entry of the county.
	under, args := authz.Under("path", county)
	ids, err := db.Strings(ctx, d.Reader(), "SELECT id FROM workers WHERE "+under+" ORDER BY id", args...)
	if err != nil {
		return 0, err
	}
	phones := make(map[string]string, len(ids))
	for _, id := range ids {
		phones[id] = fmt.Sprintf("1%d%d%08d", []int{3, 5, 8}[rng.IntN(3)], rng.IntN(10), rng.IntN(1e8))
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error { return svc.LoadPhones(ctx, tx, phones) }); err != nil {
		return 0, err
	}

	// The first town's villages and their main grids, by code.
	var town string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE kind = 'town' AND "+under+" ORDER BY code LIMIT 1", args...).Scan(&town); err != nil {
		return 0, err
	}
	villages, err := db.Strings(ctx, d.Reader(), "SELECT id FROM org_nodes WHERE parent_id = ? AND kind = 'village' ORDER BY code", town)
	if err != nil {
		return 0, err
	}
	added := 0
	place := func(grid, role, employment string) error {
		_, err := svc.AddPlace(ctx, grid, org.PlaceInput{Role: role, NewWorker: &org.WorkerInput{Name: personName(rng), Employment: employment,
			StartedOn: fmt.Sprintf("%d-%02d-%02d", 2019+rng.IntN(7), 1+rng.IntN(12), 1+rng.IntN(28)),
			Phone:     fmt.Sprintf("13%d%08d", 5+rng.IntN(5), rng.IntN(1e8))}})
		added++
		return err
	}
	for vi, v := range villages {
		grids, err := org.MainGridsUnder(ctx, d.Reader(), mustPath(ctx, d, v))
		if err != nil {
			return added, err
		}
		for gi, g := range grids {
			if err := place(g, "building_head", "other"); err != nil {
				return added, err
			}
			if gi%2 == 0 {
				if err := place(g, "volunteer", "other"); err != nil {
					return added, err
				}
			}
			if gi%3 == 0 {
				if err := place(g, "party_member", "other"); err != nil {
					return added, err
				}
			}
		}
		// One assistant of the second village also serves its next grid.
		if vi == 1 && len(grids) > 1 {
			var worker string
			if err := d.Reader().QueryRowContext(ctx, "SELECT worker_id FROM grid_members WHERE grid_id = ? AND role = 'assistant' ORDER BY id LIMIT 1", grids[0]).Scan(&worker); err != nil {
				return added, err
			}
			if _, err := svc.AddPlace(ctx, grids[1], org.PlaceInput{Role: "assistant", WorkerID: worker}); err != nil {
				return added, err
			}
			added++
		}
	}

	// A few members of the county's other towns left or moved; a new
	// person took over their places.
	under2, args2 := authz.Under("w.path", county)
	leavers, err := db.Strings(ctx, d.Reader(), `SELECT w.id FROM workers w JOIN grid_members m ON m.worker_id = w.id
		WHERE m.role IN ('assistant', 'grid_member') AND w.user_id IS NULL AND `+under2+` AND w.org_id NOT IN (SELECT id FROM org_nodes WHERE parent_id = ?)
		ORDER BY w.id LIMIT 8`, append(args2, town)...)
	if err != nil {
		return added, err
	}
	for i, id := range leavers {
		w, err := svc.Worker(ctx, id)
		if err != nil {
			return added, err
		}
		if len(w.Places) == 0 || slices.ContainsFunc(w.Places, func(p org.Place) bool { return p.Role == "police" }) {
			continue
		}
		succ, err := svc.CreateWorker(ctx, org.WorkerInput{OrgID: w.OrgID, Name: personName(rng), Employment: w.Employment,
			Phone: fmt.Sprintf("13%d%08d", 5+rng.IntN(5), rng.IntN(1e8))})
		if err != nil {
			return added, err
		}
		in := org.MoveInput{SuccessorID: succ.ID, Version: w.Version}
		if i%4 == 3 {
			// moved to another grid of the village
			grids, err := org.MainGridsUnder(ctx, d.Reader(), mustPath(ctx, d, w.OrgID))
			if err != nil {
				return added, err
			}
			for _, g := range grids {
				if g != w.Places[0].GridID {
					in.GridID = g
					break
				}
			}
			in.Reason = "工作调整"
		}
		if in.GridID == "" {
			in.Leave, in.Reason = true, []string{"个人原因辞职", "考取公务员", "家庭原因", "退休"}[rng.IntN(4)]
			in.LeftOn = time.Now().AddDate(0, -1-rng.IntN(10), -rng.IntN(28)).Format(time.DateOnly)
		}
		if _, err := svc.MoveWorker(ctx, id, in); err != nil {
			return added, err
		}
		if in.GridID != "" {
			added++ // their place on the new grid
		}
	}
	return added, nil
}

func mustPath(ctx context.Context, d *db.DB, id string) string {
	path, _ := org.PathOf(ctx, d.Reader(), id, "")
	return path
}
