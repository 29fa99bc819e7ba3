package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/volunteer"
)

// vteam is a demo volunteer team with its members.
type vteam struct {
	id, orgID, path, kind string
	members               []string // volunteer ids
	every                 int      // days between its shifts
	hour, length, needed  int
	place                 string
}

// Volunteers writes the first county's volunteers: a 红袖章 patrol team
// (茂名 style) in every town, a 平安志愿者 team in every village of the
// first two towns, 法律明白人 in every second of them and a 邻里志愿队 in the
// demo village; their members on the roster (employment other) with
// sealed phones; a year of patrol shifts with sign-ups and attendance
// (and the next two weeks open for sign-up), hours of other service,
// clues (ordinary ones linked to the villages' events when there are
// any, a fifth for the police), and the year's recognition. The demo
// account volunteer is a member of the demo village's 平安志愿者 team,
// signed up for a shift on now. It returns how many volunteers it wrote.
func Volunteers(ctx context.Context, d *db.DB, s *volunteer.Service, roster *org.Service, countyCode string, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 42))
	q := d.Reader()
	county, err := pathOfCode(ctx, q, countyCode)
	if err != nil {
		return 0, err
	}
	var homeVillage, volUser string
	_ = q.QueryRowContext(ctx, `SELECT u.org_id, u.id FROM users u WHERE u.username = 'volunteer'`).Scan(&homeVillage, &volUser)
	under, args := authz.Under("path", county)
	towns, err := db.Strings(ctx, q, "SELECT id FROM org_nodes WHERE kind = 'town' AND "+under+" ORDER BY code", args...)
	if err != nil || len(towns) == 0 {
		return 0, err
	}
	nowMs := now.UnixMilli()
	var teams []*vteam
	var teamRows, volRows, workerRows, logRows [][]any
	phones := map[string]string{} // roster entry → phone, sealed by the roster
	n := 0
	addTeam := func(orgID, kind, name, duties string, members, every, hour, length, needed int, place string) error {
		path := mustPath(ctx, d, orgID)
		t := &vteam{id: db.NewID(), orgID: orgID, path: path, kind: kind, every: every, hour: hour, length: length, needed: needed, place: place}
		for i := 0; i < members; i++ {
			id, worker := db.NewID(), db.NewID()
			name := personName(rng)
			started := fmt.Sprintf("%d-%02d-%02d", 2020+rng.IntN(5), 1+rng.IntN(12), 1+rng.IntN(28))
			var user any
			if volUser != "" && orgID == homeVillage && kind == "safety" && i == 0 {
				user, name = volUser, "李红梅"
			}
			phone := fmt.Sprintf("13%d%08d", 5+rng.IntN(5), rng.IntN(1e8))
			phones[worker] = phone
			skills := []string{"巡逻", "治安信息员", "普法宣传", "调解", "急救", "消防", "心理疏导"}[rng.IntN(7)]
			workerRows = append(workerRows, []any{worker, orgID, path, name, "other", user, "active", started, 1, nowMs, nowMs})
			logRows = append(logRows, []any{db.NewID(), worker, path, "joined", "", "", "", "", "", "县综治中心", nowMs})
			volRows = append(volRows, []any{id, t.id, orgID, path, "", worker, user, name, pii.MaskPhone(phone), skills, "active", started, 1, nowMs, nowMs})
			t.members = append(t.members, id)
			n++
		}
		teamRows = append(teamRows, []any{t.id, orgID, path, name, kind, t.members[0], duties, "active", 1, nowMs, nowMs})
		teams = append(teams, t)
		return nil
	}
	for ti, town := range towns {
		townName, _ := nameOf(ctx, q, town)
		if err := addTeam(town, "red_armband", townName+"红袖章巡逻队", "夜间巡逻、治安防范、矛盾排查、向派出所提供线索", 10, 7, 19, 2, 6, townName+"主要街道"); err != nil {
			return n, err
		}
		if ti >= 2 {
			continue
		}
		villages, err := db.Strings(ctx, q, "SELECT id FROM org_nodes WHERE parent_id = ? AND kind = 'village' ORDER BY code", town)
		if err != nil {
			return n, err
		}
		for vi, v := range villages {
			vName, _ := nameOf(ctx, q, v)
			if err := addTeam(v, "safety", vName+"平安志愿者服务队", "平安巡防、邻里守望、防诈宣传", 6, 14, 8, 3, 3, vName+"村委会至各村民小组"); err != nil {
				return n, err
			}
			if vi%2 == 0 {
				if err := addTeam(v, "legal", vName+"法律明白人", "普法宣讲、矛盾纠纷调解、法律咨询引导", 3, 30, 14, 2, 2, vName+"村民服务站"); err != nil {
					return n, err
				}
			}
			if v == homeVillage {
				if err := addTeam(v, "neighbour", vName+"邻里志愿队", "关爱独居老人、环境整治、邻里互助", 5, 14, 9, 2, 4, vName+"小区活动中心"); err != nil {
					return n, err
				}
			}
		}
	}
	// Shifts of the year and the next two weeks, with sign-ups and attendance.
	var shiftRows, signRows, hourRows, awardRows [][]any
	day0 := time.Date(now.In(volunteer.Zone).Year()-1, now.In(volunteer.Zone).Month(), now.In(volunteer.Zone).Day(), 0, 0, 0, 0, volunteer.Zone)
	end := now.AddDate(0, 0, 14)
	minutesOf := map[string]int{}
	for _, t := range teams {
		for day := day0.AddDate(0, 0, rng.IntN(t.every)); day.Before(end); day = day.AddDate(0, 0, t.every) {
			start := day.Add(time.Duration(t.hour) * time.Hour)
			stop := start.Add(time.Duration(t.length) * time.Hour)
			id := db.NewID()
			taken := 0
			past := stop.Before(now)
			order := rng.Perm(len(t.members))
			want := min(t.needed, len(t.members))
			if !past {
				want = rng.IntN(want) // upcoming: some places still open
			}
			for _, i := range order[:want] {
				vid := t.members[i]
				var attended, patrol any
				minutes := 0
				if past && rng.Float64() < 0.88 {
					attended, minutes = start.Add(time.Duration(rng.IntN(20))*time.Minute).UnixMilli(), t.length*60
					minutesOf[vid] += minutes
				}
				signRows = append(signRows, []any{db.NewID(), id, vid, t.path, start.UnixMilli(), stop.UnixMilli(), "signed", patrol, attended, minutes, start.Add(-48 * time.Hour).UnixMilli(), nowMs})
				taken++
			}
			shiftRows = append(shiftRows, []any{id, t.id, t.orgID, t.path, t.place, start.UnixMilli(), stop.UnixMilli(), t.needed, taken, "demo", start.Add(-7 * 24 * time.Hour).UnixMilli()})
		}
		// The demo volunteer's team has a shift on now, the volunteer on it.
		if t.orgID == homeVillage && t.kind == "safety" && volUser != "" {
			start, stop := now.Add(-30*time.Minute), now.Add(90*time.Minute)
			id := db.NewID()
			shiftRows = append(shiftRows, []any{id, t.id, t.orgID, t.path, t.place, start.UnixMilli(), stop.UnixMilli(), 3, 1, "demo", now.Add(-72 * time.Hour).UnixMilli()})
			signRows = append(signRows, []any{db.NewID(), id, t.members[0], t.path, start.UnixMilli(), stop.UnixMilli(), "signed", nil, nil, 0, now.Add(-48 * time.Hour).UnixMilli(), nowMs})
		}
		// Other service: the 法律明白人's monthly lectures, others' activities.
		for _, vid := range t.members {
			for m := 1; m <= 12; m++ {
				day := now.AddDate(0, -m, 0).In(volunteer.Zone)
				if t.kind != "legal" && rng.IntN(4) > 0 {
					continue
				}
				reason := []string{"普法宣讲进村组", "协助调解邻里纠纷", "防诈骗宣传入户", "关爱独居老人探访", "环境整治志愿活动"}[rng.IntN(5)]
				mins := 60 + 30*rng.IntN(4)
				hourRows = append(hourRows, []any{db.NewID(), vid, t.path, day.Format(time.DateOnly), mins, reason, "demo", day.UnixMilli()})
				minutesOf[vid] += mins
			}
		}
		// Last year's best two of the team: 优秀志愿者.
		best := append([]string(nil), t.members...)
		for i := 0; i < len(best); i++ {
			for j := i + 1; j < len(best); j++ {
				if minutesOf[best[j]] > minutesOf[best[i]] {
					best[i], best[j] = best[j], best[i]
				}
			}
		}
		for i := 0; i < min(2, len(best)); i++ {
			awardRows = append(awardRows, []any{db.NewID(), best[i], t.path, "excellent", fmt.Sprint(now.In(volunteer.Zone).Year() - 1),
				"全年志愿服务时长居本队前列，巡逻到岗率高", "demo", nowMs})
		}
		awardRows = append(awardRows, []any{db.NewID(), best[0], t.path, "star", now.AddDate(0, -1, 0).In(volunteer.Zone).Format("2006-01"),
			"上月巡逻服务之星", "demo", nowMs})
	}
	// Clues: ordinary ones linked to the villages' events when there are
	// some (their channel becomes volunteer), a fifth for the police.
	var clueRows [][]any
	var events []struct{ id, no, text, orgID, path string }
	rows, err := q.QueryContext(ctx, `SELECT id, no, description, org_id, path FROM events WHERE `+under+
		` AND category_code NOT LIKE '11%' AND category_code NOT LIKE '12%' AND channel = 'grid' ORDER BY id LIMIT 60`, args...)
	if err != nil {
		return n, err
	}
	for rows.Next() {
		var e struct{ id, no, text, orgID, path string }
		if err := rows.Scan(&e.id, &e.no, &e.text, &e.orgID, &e.path); err != nil {
			rows.Close()
			return n, err
		}
		events = append(events, e)
	}
	rows.Close()
	policeTexts := []string{"村口出租屋近期多名陌生人深夜出入，疑似聚集赌博", "有人在集市兜售来路不明的电动车电瓶", "两户因宅基地争执扬言要动手，情绪激动",
		"发现有人向老人推销高价“保健品”，疑似诈骗", "夜间有车辆多次在学校周边徘徊"}
	var relabel []string
	for i := 0; i < 80; i++ {
		t := teams[rng.IntN(len(teams))]
		vid := t.members[rng.IntN(len(t.members))]
		id := db.NewID()
		at := now.Add(-time.Duration(rng.IntN(360*24)) * time.Hour).UnixMilli()
		kind, text, status := "police", policeTexts[rng.IntN(len(policeTexts))], "received"
		var event any
		no := ""
		if i%5 != 0 {
			kind, text, status = "ordinary", []string{"路灯不亮，夜间巡逻看不清路面", "河道边护栏损坏，存在安全隐患", "垃圾堆放占道，影响通行"}[rng.IntN(3)], "new"
			if len(events) > 0 {
				e := events[0]
				events = events[1:]
				event, no, text = e.id, e.no, e.text
				relabel = append(relabel, e.id)
			}
		} else if at > nowMs-7*24*3600*1000 {
			status = "new"
		}
		clueRows = append(clueRows, []any{id, vid, t.orgID, t.path, kind, s.SealClue(id, text), t.place, nil, nil, event, no, status, at})
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		for _, x := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"workers", []string{"id", "org_id", "path", "name", "employment", "user_id", "status", "started_on", "version", "created_at", "updated_at"}, workerRows},
			{"worker_log", []string{"id", "worker_id", "path", "action", "grid_id", "grid_name", "role", "detail", "actor_id", "actor_name", "at"}, logRows},
			{"volunteer_teams", []string{"id", "org_id", "path", "name", "kind", "leader_id", "duties", "status", "version", "created_at", "updated_at"}, teamRows},
			{"volunteers", []string{"id", "team_id", "org_id", "path", "grid_id", "worker_id", "user_id", "name", "phone_masked",
				"skills", "status", "started_on", "version", "created_at", "updated_at"}, volRows},
			{"volunteer_shifts", []string{"id", "team_id", "org_id", "path", "place", "starts_at", "ends_at", "needed", "taken", "created_by", "created_at"}, shiftRows},
			{"volunteer_signups", []string{"id", "shift_id", "volunteer_id", "path", "starts_at", "ends_at", "status", "patrol_id", "attended_at", "minutes", "created_at", "updated_at"}, signRows},
			{"volunteer_hours", []string{"id", "volunteer_id", "path", "day", "minutes", "reason", "recorded_by", "created_at"}, hourRows},
			{"volunteer_clues", []string{"id", "volunteer_id", "org_id", "path", "kind", "text_sealed", "place", "lat", "lng", "event_id", "event_no", "status", "created_at"}, clueRows},
			{"volunteer_awards", []string{"id", "volunteer_id", "path", "title", "period", "reason", "given_by", "created_at"}, awardRows},
		} {
			if err := insertRows(ctx, tx, x.table, x.cols, x.rows); err != nil {
				return fmt.Errorf("%s: %w", x.table, err)
			}
		}
		if roster != nil {
			if err := roster.LoadPhones(ctx, tx, phones); err != nil {
				return err
			}
		}
		for _, id := range relabel {
			if _, err := tx.ExecContext(ctx, "UPDATE events SET channel = 'volunteer' WHERE id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// nameOf is an area's name.
func nameOf(ctx context.Context, q db.Querier, id string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, "SELECT name FROM org_nodes WHERE id = ?", id).Scan(&name)
	return name, err
}
