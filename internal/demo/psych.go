package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/psych"
)

// Psych opens 三级三色 records for some of the first county's care
// targets — left-behind children, elderly living alone, disabled people,
// two on the demo grid member's grid — each assessed some months ago,
// with counselling sessions and, for the red ones, a referral and a
// reassessment. It returns the records opened.
func Psych(ctx context.Context, d Deps, ps *psych.Service, countyCode string, seed int64, now time.Time) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	rng := mrand.New(mrand.NewPCG(uint64(seed), 28))
	q := d.DB.Reader()
	var countyPath, memberGrid string
	if err := q.QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE code = ?", countyCode).Scan(&countyPath); err != nil {
		return 0, err
	}
	q.QueryRowContext(ctx, `SELECT m.grid_id FROM grid_members m JOIN users u ON u.id = m.user_id
		WHERE u.username = 'gridmember' AND m.role = 'grid_member' LIMIT 1`).Scan(&memberGrid)
	under, args := authz.Under("c.path", countyPath)
	rows, err := q.QueryContext(ctx, `SELECT c.person_id, MIN(c.kind), MAX(CASE WHEN p.grid_id = ? THEN 1 ELSE 0 END) FROM care_targets c
		JOIN people p ON p.id = c.person_id WHERE c.status = 'active' AND p.status = 'active'
		AND c.kind IN ('left_behind_child', 'elderly_alone', 'disabled', 'left_behind_elderly') AND `+under+`
		GROUP BY c.person_id ORDER BY 3 DESC, c.person_id LIMIT 40`, append([]any{memberGrid}, args...)...)
	if err != nil {
		return 0, err
	}
	type target struct{ person, kind string }
	var ts []target
	for rows.Next() {
		var t target
		var mine int
		if err := rows.Scan(&t.person, &t.kind, &mine); err != nil {
			rows.Close()
			return 0, err
		}
		ts = append(ts, t)
	}
	rows.Close()
	reasons := map[string][]string{
		"1": {"多次流露轻生念头，夜间独自外出", "与家人冲突后拒绝进食，情绪激动"},
		"2": {"近期丧偶，情绪低落，睡眠差", "父母长期在外，学业下滑，沉默寡言", "病情加重后焦虑，常打电话给村委"},
		"3": {"情绪平稳，社交正常", "经疏导后状态好转，按时参加活动"},
	}
	assessors := []string{"县心理健康服务中心 王医生", "镇卫生院 心理专干 陈芳", "社工站 李社工"}
	counsellors := []string{"志愿心理咨询师 周老师", "社工站 李社工", "县心理援助热线 吴老师"}
	talks := []string{"倾听近况，约定每周电话联系", "引导其参加村里老年活动", "与家属沟通，建议多陪伴", "讲解情绪调节方法，反馈较好"}
	day := func(t time.Time) string { return t.In(shanghai).Format("2006-01-02") }
	n := 0
	for i, t := range ts {
		level := []string{"3", "3", "2", "2", "1"}[rng.IntN(5)]
		if i < 2 { // the demo grid member's: one red, one yellow
			level = []string{"1", "2"}[i]
		}
		first := now.AddDate(0, -1-rng.IntN(10), -rng.IntN(28))
		startLevel := level
		if level == "1" {
			startLevel = "2"
		}
		r, err := ps.Create(ctx, psych.NewRecord{PersonID: t.person, Group: t.kind, Assessment: psych.Assessment{Level: startLevel,
			Assessor: assessors[rng.IntN(len(assessors))], Reason: reasons[startLevel][rng.IntN(len(reasons[startLevel]))], On: day(first)}})
		if err != nil {
			return n, fmt.Errorf("psych record: %w", err)
		}
		n++
		sessions := map[string]int{"1": 4, "2": 2, "3": 1}[level]
		for k := range sessions {
			on := first.AddDate(0, 0, 7*(k+1))
			if on.After(now) {
				break
			}
			if _, err := ps.AddSession(ctx, r.ID, "counselling", psych.Session{Who: counsellors[rng.IntN(len(counsellors))], On: day(on),
				Note: talks[rng.IntN(len(talks))]}); err != nil {
				return n, err
			}
		}
		if level == "1" {
			on := first.AddDate(0, 0, 10)
			if on.After(now) {
				on = now
			}
			if _, err := ps.Assess(ctx, r.ID, psych.Assessment{Level: "1", Assessor: assessors[0], Reason: reasons["1"][rng.IntN(2)], On: day(on), Version: r.Version}); err != nil {
				return n, err
			}
			if _, err := ps.AddSession(ctx, r.ID, "referral", psych.Session{Who: "市第三人民医院 心理科", On: day(on), Note: "建议专科评估，家属陪同就诊"}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
