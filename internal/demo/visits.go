package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// visitPerson is a person of the first county's registers as the visit
// history needs them.
type visitPerson struct {
	id, label, grid, org, path string
}

// Visits writes a year of home visits (入户走访) for the first county: a
// visit of every registered person as a new arrival, the weekly visits of
// the elderly living alone and the monthly ones of the other care targets,
// most on time; a Wednesday reception day in every village every week;
// then runs the triggers so that today's lists hold the visits due — the
// demo grid member's with a few new arrivals of their grid. It returns the
// visits written.
func Visits(ctx context.Context, d Deps, countyCode string, seed int64, now time.Time) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 34))
	q := d.DB.Reader()
	county, err := org.IDOfCode(ctx, q, countyCode)
	if err != nil {
		return 0, err
	}
	countyPath, err := org.PathOf(ctx, q, county, "")
	if err != nil {
		return 0, err
	}
	keepers, err := org.Keepers(ctx, q, countyPath)
	if err != nil {
		return 0, err
	}
	var memberGrid string
	err = q.QueryRowContext(ctx, `SELECT g.id FROM users u JOIN grid_members m ON m.user_id = u.id JOIN grids g ON g.id = m.grid_id
		WHERE u.username = 'gridmember' AND g.layer = 'zz' ORDER BY g.code LIMIT 1`).Scan(&memberGrid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	rows, err := q.QueryContext(ctx, "SELECT id, name, address, COALESCE(grid_id, ''), org_id, path FROM people WHERE status = 'active' AND path >= ? AND path < ? ORDER BY id",
		countyPath, countyPath+"~")
	if err != nil {
		return 0, err
	}
	people := map[string]visitPerson{}
	var order []string
	for rows.Next() {
		var p visitPerson
		var name, addr string
		if err := rows.Scan(&p.id, &name, &addr, &p.grid, &p.org, &p.path); err != nil {
			rows.Close()
			return 0, err
		}
		p.label = pii.MaskName(name) + " · " + addr
		people[p.id] = p
		order = append(order, p.id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}

	day := func(t time.Time) string { return t.In(china).Format(time.DateOnly) }
	endOfDay := func(s string) int64 {
		t, _ := time.ParseInLocation(time.DateOnly, s, china)
		return t.AddDate(0, 0, 1).UnixMilli() - 1
	}
	methods := []string{"home", "home", "home", "phone", "video"}
	findings := []string{"normal", "normal", "normal", "normal", "attention", "abnormal"}
	notes := []string{"家中情况正常，无新需求", "老人身体尚可，子女每周来电", "反映楼道灯不亮，已上报", "租住人员登记信息已核实", "家庭经济困难，建议申请临时救助", "新生儿已接种疫苗，家长咨询入户政策"}
	type row struct {
		kind string
		p    visitPerson
		fact time.Time
		due  string
		done time.Time
	}
	var hist []row
	kept := 0
	for _, id := range order {
		p := people[id]
		if p.grid == memberGrid && kept < 3 {
			kept++ // left for the sweep: today's new arrivals on the member's phone
			continue
		}
		fact := now.AddDate(0, 0, -30-rng.IntN(330))
		due := day(fact.AddDate(0, 0, 3))
		hist = append(hist, row{"new_arrival", p, fact, due, fact.Add(time.Duration(rng.IntN(5*24)) * time.Hour)})
	}
	care, err := keyperson.ActiveCareTargets(ctx, q, countyPath, []string{"elderly_alone", "low_income", "left_behind_elderly", "left_behind_woman", "left_behind_child", "disabled"})
	if err != nil {
		return 0, err
	}
	for _, c := range care {
		p, ok := people[c.PersonID]
		if !ok {
			continue
		}
		kind, every := "care_target", 30
		switch c.Kind {
		case "elderly_alone":
			kind, every = "elderly_alone", 7
		case "low_income":
			kind = "hardship"
		}
		// Backwards from a last visit a few days ago, a year of visits every period.
		last := now.AddDate(0, 0, -rng.IntN(every))
		for t := last; t.After(now.AddDate(-1, 0, 0)); t = t.AddDate(0, 0, -every) {
			due := day(t.AddDate(0, 0, rng.IntN(3)))
			done := t
			if rng.IntN(8) == 0 {
				done = t.AddDate(0, 0, 3+rng.IntN(4)) // late
			}
			if done.After(now) {
				done = now
			}
			hist = append(hist, row{kind, p, t.AddDate(0, 0, -every), due, done})
		}
	}
	for start := 0; start < len(hist); start += 1000 {
		chunk := hist[start:min(start+1000, len(hist))]
		err := d.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, h := range chunk {
				taskID, recID := db.NewID(), db.NewID()
				worker := keepers[h.p.grid]
				done := h.done.UnixMilli()
				if _, err := tx.ExecContext(ctx, `INSERT INTO visit_tasks (id, trigger_kind, subject_type, subject_id, subject_label, fact_at, grid_id, org_id, path, worker_id,
					due_on, due_at, status, record_id, done_at, created_at) VALUES (?, ?, 'person', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'done', ?, ?, ?)`,
					taskID, h.kind, h.p.id, h.p.label, h.fact.UnixMilli(), nullIfEmpty(h.p.grid), h.p.org, h.p.path, nullIfEmpty(worker),
					h.due, endOfDay(h.due), recID, done, h.fact.UnixMilli()); err != nil {
					return err
				}
				note := ""
				if rng.IntN(3) == 0 {
					note = d.Visits.SealNote(recID, notes[rng.IntN(len(notes))])
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO visit_records (id, task_id, subject_type, subject_id, subject_label, grid_id, org_id, path, worker_id,
					method, finding, note_sealed, visited_at, created_at, updated_at) VALUES (?, ?, 'person', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					recID, taskID, h.p.id, h.p.label, nullIfEmpty(h.p.grid), h.p.org, h.p.path, nullIfEmpty(worker),
					methods[rng.IntN(len(methods))], findings[rng.IntN(len(findings))], note, done, done, done); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("demo visits: %w", err)
		}
	}
	if err := receptionDays(ctx, d, rng, countyPath, now); err != nil {
		return 0, err
	}
	d.Visits.Now = func() time.Time { return now }
	_, err = d.Visits.SweepUnder(ctx, countyPath)
	d.Visits.Now = time.Now
	return len(hist), err
}

var china = time.FixedZone("CST", 8*3600)

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// receptionDays writes a Wednesday reception day (周三接待日) in every
// village of the county for the past year, with who came and the outcome:
// most answered on the spot, some turned into the village's events or
// dispute cases.
func receptionDays(ctx context.Context, d Deps, rng *mrand.Rand, countyPath string, now time.Time) error {
	q := d.DB.Reader()
	rows, err := q.QueryContext(ctx, "SELECT id, path FROM org_nodes WHERE kind = 'village' AND path >= ? AND path < ? ORDER BY code", countyPath, countyPath+"~")
	if err != nil {
		return err
	}
	type village struct{ id, path string }
	var villages []village
	for rows.Next() {
		var v village
		if err := rows.Scan(&v.id, &v.path); err != nil {
			rows.Close()
			return err
		}
		villages = append(villages, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	matters := []struct{ matter, answer string }{
		{"咨询低保申请条件", "已告知申请材料和流程"}, {"反映路灯不亮", ""}, {"咨询医保缴费", "已告知缴费渠道和截止时间"},
		{"邻居装修噪音扰民", ""}, {"咨询子女入学政策", "已告知就近入学规定"}, {"反映村道坑洼", ""}, {"咨询养老金领取认证", "已现场协助认证"},
	}
	// The last Wednesday on or before today.
	wed := now.In(china)
	for wed.Weekday() != time.Wednesday {
		wed = wed.AddDate(0, 0, -1)
	}
	for _, v := range villages {
		workers, err := org.WorkersIn(ctx, q, v.path)
		if err != nil {
			return err
		}
		receivers := "村委值班干部"
		if len(workers) > 0 {
			receivers = workers[0].Name + "、村委值班干部"
		}
		events, err := db.Strings(ctx, q, "SELECT id FROM events WHERE path >= ? AND path < ? ORDER BY created_at DESC LIMIT 20", v.path, v.path+"~")
		if err != nil {
			return err
		}
		cases, err := db.Strings(ctx, q, "SELECT id FROM disputes WHERE path >= ? AND path < ? ORDER BY created_at DESC LIMIT 10", v.path, v.path+"~")
		if err != nil {
			return err
		}
		err = d.DB.InTx(ctx, func(tx *db.Tx) error {
			for w := 0; w < 52; w++ {
				on := wed.AddDate(0, 0, -7*w)
				dayID := db.NewID()
				n := rng.IntN(4)
				at := on.UnixMilli()
				if _, err := tx.ExecContext(ctx, "INSERT INTO reception_days (id, org_id, path, day, receivers, attendees, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
					dayID, v.id, v.path, on.Format(time.DateOnly), receivers, n+rng.IntN(3), at); err != nil {
					return err
				}
				for i := range n {
					m := matters[rng.IntN(len(matters))]
					outcome, answer, ref := "answer", m.answer, ""
					switch {
					case m.answer == "" && len(cases) > 0 && rng.IntN(3) == 0:
						outcome, answer, ref = "dispute", "", cases[rng.IntN(len(cases))]
					case m.answer == "" && len(events) > 0:
						outcome, answer, ref = "event", "", events[rng.IntN(len(events))]
					case m.answer == "":
						answer = "已记录，转村委跟进"
					}
					itemID := db.NewID()
					phone := mobile(rng)
					if _, err := tx.ExecContext(ctx, `INSERT INTO reception_items (id, day_id, seq, name, phone_sealed, phone_masked, matter, outcome, answer, ref_id, created_at)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, itemID, dayID, i+1, personName(rng), d.Visits.SealPhone(itemID, phone), pii.MaskPhone(phone),
						m.matter, outcome, answer, ref, at); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
