package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/antifraud"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
)

// demoRisks are the police's notes on each risk.
var demoRisks = []struct{ risk, note string }{
	{"high", "近期多次接听境外来电，疑似冒充公检法诈骗，正在被诱导转账"},
	{"high", "安装了可疑投资理财APP并已小额入金，疑似刷单返利诈骗"},
	{"medium", "接到冒充电商客服来电，称可办理退款"},
	{"medium", "被拉入“高收益”投资群，群内有人诱导下载APP"},
	{"low", "近期频繁接收贷款、征信修复类短信"},
}

// AntifraudWarnings writes two of the police's lists of likely victims for
// the county: one pushed three days ago, mostly handled (a few dissuaded,
// one already defrauded, one not found), and one pushed this morning,
// still to reach — high risks due within hours, one already overdue.
// Each list names the register resident of every third register grid
// (likelyVictimPhone) — the first grid's on both — and two people no
// register knows, left with the centre. It returns how many people the lists name.
func AntifraudWarnings(ctx context.Context, d *db.DB, s *antifraud.Service, countyCode string, seed int64, now time.Time) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 54))
	ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: "system", Username: "demo", DisplayName: "公安分局反诈中心", Grants: authz.System().Grants})
	var county string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ?", countyCode).Scan(&county); err != nil {
		return 0, err
	}
	rows, err := d.Reader().QueryContext(ctx, `SELECT g.code, g.org_id FROM grids g WHERE g.layer = 'zz' AND g.status = 'active' AND g.code LIKE ? ORDER BY g.code`, countyCode[:6]+"%")
	if err != nil {
		return 0, err
	}
	var codes []string
	perVillage := map[string]int{}
	for rows.Next() {
		var code, village string
		if err := rows.Scan(&code, &village); err != nil {
			rows.Close()
			return 0, err
		}
		if perVillage[village] < registerGrids { // the grids the registers fill
			perVillage[village]++
			codes = append(codes, code)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	total := 0
	for b, ago := range []time.Duration{72 * time.Hour, 90 * time.Minute} {
		in := antifraud.BatchInput{SourceRef: fmt.Sprintf("FZYJ%s-%03d", now.Add(-ago).Format("20060102"), b+1)}
		for i, code := range codes {
			if i > 0 && i%3 != b {
				continue
			}
			r := demoRisks[rng.IntN(len(demoRisks))]
			if i == 0 {
				r = demoRisks[0] // the first grid (the demo grid member's) has a high risk on both lists
			}
			in.People = append(in.People, antifraud.PersonInput{Name: personName(rng), Phone: likelyVictimPhone(code), Address: "", Risk: r.risk, Note: r.note})
		}
		for range 2 {
			r := demoRisks[2+rng.IntN(3)]
			in.People = append(in.People, antifraud.PersonInput{Name: personName(rng), Phone: mobile(rng), Address: "源城区某小区（户籍地外，暂住地不详）", Risk: r.risk, Note: r.note})
		}
		svc := *s
		at := now.Add(-ago)
		svc.Now = func() time.Time { return at }
		batch, err := svc.Import(ctx, county, in, idem.Key{})
		if err != nil {
			return 0, err
		}
		total += batch.Total
		if b == 0 {
			// The older list: handled by the grids' members within the day.
			outcomes := []string{"dissuaded", "reached", "dissuaded", "reached", "defrauded", "dissuaded", "not_found", "reached"}
			ids, err := db.Strings(ctx, d.Reader(), "SELECT id FROM antifraud_warnings WHERE batch_id = ? AND grid_id IS NOT NULL ORDER BY id", batch.ID)
			if err != nil {
				return 0, err
			}
			for i, id := range ids {
				if err := exec(ctx, d, "UPDATE antifraud_warnings SET status = ?, handled_by = ?, handled_at = ? WHERE id = ?",
					outcomes[i%len(outcomes)], "网格员", at.Add(time.Duration(1+i%5)*time.Hour).UnixMilli(), id); err != nil {
					return 0, err
				}
			}
		}
	}
	_, _, err = s.Sweep(ctx) // the overdue escalated
	return total, err
}
