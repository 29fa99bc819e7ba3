package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

var offlineReasons = []struct {
	points float64
	text   string
}{
	{3, "周三接待日主动化解一起邻里纠纷，双方签订协议"},
	{2, "协助派出所排查出租屋安全隐患 12 处"},
	{5, "台风期间连续值守，协助转移群众 20 余人"},
	{3, "入户走访发现独居老人突发疾病，及时送医"},
	{2, "信息采集准确率高，获镇综治中心通报表扬"},
	{-2, "月度例会无故缺席"},
	{-3, "巡查记录补录，与实际巡查时间不符"},
	{-1, "上报事件信息不全被退回两次"},
	{-2, "走访台账未按时更新"},
	{-1, "群众反映工作时间联系不上"},
}

var trainingTopics = []string{"矛盾纠纷排查化解实务", "入户走访与八必访", "出租屋与流动人口信息采集", "反诈宣传进万家",
	"心理危机识别与转介", "消防安全隐患排查", "平安建设政策解读", "网格通手机端操作"}

var trainers = []string{"县委政法委 黄科长", "镇综治中心 刘主任", "派出所 陈警官", "镇司法所 林所长", "县心理咨询中心 周老师", "消防救援大队 王教员"}

// Assessment writes a year of grid-member assessment for the county: its
// weights, offline scores (线下考核) of the past twelve months, 网格学堂
// sessions of the county and of each town with their attendance, and each
// past month's 十佳网格员 chosen from the ranking. Months are left open:
// the work rooms' demo data may come after. Returns the awards chosen.
func Assessment(ctx context.Context, s *assess.Service, d *db.DB, countyCode string, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 0x5eed0a55e55))
	ctx = audit.WithMeta(authz.WithPrincipal(ctx, &authz.Principal{UserID: "system", Username: "demo", DisplayName: "县综治中心 陈静",
		Grants: []authz.Grant{{Role: "system", OrgPath: "/", Perms: []authz.Perm{authz.AssessRead, authz.AssessWrite, authz.WorkforceRead}}}}),
		audit.Meta{RequestID: "demo", IP: "local"})
	q := d.Reader()
	countyID, err := org.IDOfCode(ctx, q, countyCode)
	if err != nil {
		return 0, err
	}
	countyPath, err := org.PathOf(ctx, q, countyID, "")
	if err != nil {
		return 0, err
	}
	// The county weighs patrols and the 9-key call above the defaults.
	w := func(v float64) *float64 { return &v }
	if _, err := s.SetWeights(ctx, assess.WeightsInput{OrgID: countyID, Weights: []assess.WeightIn{
		{Metric: "patrol.coverage", Kind: assess.Rate, Weight: w(30)},
		{Metric: "visit.on_time", Kind: assess.Rate, Weight: w(20)},
		{Metric: "callkey.accept", Kind: assess.Time, Weight: w(10), TargetS: 180, LimitS: 1200},
		{Metric: "register.corrections", Kind: assess.Count, Weight: w(5), PerItem: 0.5},
	}}); err != nil {
		return 0, err
	}
	workers, err := org.WorkersIn(ctx, q, countyPath)
	if err != nil {
		return 0, err
	}
	byTown := map[string][]string{} // town id → its ranked members
	townAt := map[string]string{}   // roster path → its town
	var towns []string
	for _, wk := range workers {
		if !assess.Ranked(wk.Employment) {
			continue
		}
		town, ok := townAt[wk.Path]
		if !ok {
			if town, err = townOf(ctx, q, wk.Path); err != nil {
				return 0, err
			}
			townAt[wk.Path] = town
		}
		if _, ok := byTown[town]; !ok {
			towns = append(towns, town)
		}
		byTown[town] = append(byTown[town], wk.ID)
	}
	zone := time.FixedZone("CST", 8*3600)
	today := now.In(zone)
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, zone)
	awards := 0
	for back := 12; back >= 1; back-- {
		start := first.AddDate(0, -back, 0)
		month := start.Format("2006-01")
		at := start.AddDate(0, 1, -3).Add(10 * time.Hour) // the town's review near the month's end
		sc := s.WithClock(func() time.Time { return at })
		// 线下考核: a few members of each town a month.
		for _, town := range towns {
			ms := byTown[town]
			for range max(1, len(ms)/12) {
				r := offlineReasons[rng.IntN(len(offlineReasons))]
				if _, err := sc.AddOffline(ctx, assess.OfflineInput{WorkerID: ms[rng.IntN(len(ms))], Month: month, Points: w(r.points), Reason: r.text}); err != nil {
					return 0, err
				}
			}
		}
		// 网格学堂: the county's session every quarter for all, each town's
		// every other month for its own members.
		held := start.AddDate(0, 0, 9+rng.IntN(10))
		if back%3 == 0 {
			if err := training(ctx, sc, rng, countyID, held, 3, workersOf(byTown, towns), 0.7); err != nil {
				return 0, err
			}
		}
		if back%2 == 0 {
			for _, town := range towns {
				if err := training(ctx, sc, rng, town, held.AddDate(0, 0, rng.IntN(5)), 2, byTown[town], 0.85); err != nil {
					return 0, err
				}
			}
		}
		// 十佳网格员 of the month, chosen at the start of the next from the
		// county's ranking.
		pick := s.WithClock(func() time.Time { return start.AddDate(0, 1, 2).Add(9 * time.Hour) })
		rk, err := pick.Ranking(ctx, assess.RankingQuery{Month: month, OrgID: countyID})
		if err != nil {
			return 0, err
		}
		var ids []string
		for _, c := range rk.Candidates {
			if len(ids) < assess.AwardSize {
				ids = append(ids, c.ID)
			}
		}
		if len(ids) > 0 {
			if _, err := pick.ChooseTopTen(ctx, assess.ChooseInput{OrgID: countyID, Month: month, WorkerIDs: ids}); err != nil {
				return 0, err
			}
			awards += len(ids)
		}
	}
	// and this month's first entries, so the running month's board has some
	if today.Day() > 1 {
		sc := s.WithClock(func() time.Time { return now.Add(-time.Hour) })
		for _, town := range towns {
			ms := byTown[town]
			r := offlineReasons[rng.IntN(len(offlineReasons))]
			if _, err := sc.AddOffline(ctx, assess.OfflineInput{WorkerID: ms[rng.IntN(len(ms))], Month: first.Format("2006-01"), Points: w(r.points), Reason: r.text}); err != nil {
				return 0, err
			}
		}
	}
	return awards, nil
}

func training(ctx context.Context, s *assess.Service, rng *mrand.Rand, orgID string, on time.Time, hours float64, members []string, share float64) error {
	var came []string
	for _, m := range members {
		if rng.Float64() < share {
			came = append(came, m)
		}
	}
	_, err := s.CreateTraining(ctx, assess.TrainingInput{OrgID: orgID, Title: "网格学堂：" + trainingTopics[rng.IntN(len(trainingTopics))],
		HeldOn: on.Format("2006-01-02"), Hours: &hours, Trainer: trainers[rng.IntN(len(trainers))], WorkerIDs: came})
	return err
}

func workersOf(byTown map[string][]string, towns []string) []string {
	var out []string
	for _, t := range towns {
		out = append(out, byTown[t]...)
	}
	return out
}

// townOf is the town at or above path: the area whose kind is town.
func townOf(ctx context.Context, q db.Querier, path string) (string, error) {
	for i := len(path); i > 1; i-- {
		if path[i-1] != '/' {
			continue
		}
		id, err := org.IDAt(ctx, q, path[:i])
		if err != nil {
			continue
		}
		if kind, err := org.KindOf(ctx, q, id, ""); err == nil && kind == "town" {
			return id, nil
		}
	}
	return "", fmt.Errorf("no town above %s", path)
}
