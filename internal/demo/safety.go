package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
)

// demoWeights are the demo catalogue's points of every indicator at both
// levels: the platform's own figures 64, the units' reported figures 36.
var demoWeights = map[string]int{
	"event_on_time": 12, "satisfaction": 10, "mediation_success": 10, "repeat_petitions": 6, "keyperson_visits": 10,
	"patrol_coverage": 6, "screening_completeness": 6, "overdue_supervisions": 4,
	"criminal_cases": 8, "police_calls": 4, "fraud_cases": 6, "fraud_losses": 4, "drug_cases": 4,
	"fire_accidents": 4, "traffic_deaths": 3, "work_accidents": 3,
}

// demoReporters are the department (by key) that reports each figure, and
// its due day of the next month.
var demoReporters = []struct {
	key, unit string
	due       int
}{
	{"criminal_cases", "ga", 5}, {"police_calls", "ga", 5}, {"fraud_cases", "ga", 5}, {"fraud_losses", "ga", 5},
	{"drug_cases", "ga", 5}, {"traffic_deaths", "ga", 5}, {"fire_accidents", "yj", 7}, {"work_accidents", "yj", 7},
}

// demoReported are a town's usual monthly figures: up to max, by a fixed
// draw so the demo is the same on every start.
var demoReported = map[string]int{
	"criminal_cases": 6, "police_calls": 36, "fraud_cases": 4, "fraud_losses": 24, "drug_cases": 2,
	"traffic_deaths": 1, "fire_accidents": 2, "work_accidents": 1,
}

// SafetyIndex keeps the county's safety index (平安指数) with sixteen
// indicators — the platform's eight and eight the police and the emergency
// bureau report — and computes the twelve months before now's, each with
// the units' reports (the emergency bureau's once late), publishing each,
// and the current month unpublished, so the leaders' page has a year of
// history on first start. It returns the months computed.
func SafetyIndex(ctx context.Context, d *db.DB, s *safety.Service, countyCode string, now time.Time) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	var county string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ?", countyCode).Scan(&county); err != nil {
		return 0, err
	}
	units := map[string]string{}
	in := safety.CatalogueInput{}
	for _, r := range demoReporters {
		if units[r.unit] == "" {
			var id string
			if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM units WHERE code = ?", countyCode+"-"+r.unit).Scan(&id); err != nil {
				return 0, err
			}
			units[r.unit] = id
		}
		in.Reporters = append(in.Reporters, safety.Reporter{Source: r.key, UnitID: units[r.unit], DueDay: r.due})
	}
	def, err := s.Catalogue(ctx, county)
	if err != nil {
		return 0, err
	}
	for _, level := range safety.Levels {
		for _, ind := range def.Indicators {
			if ind.Level == level {
				ind.Weight = demoWeights[ind.Code]
				in.Indicators = append(in.Indicators, ind)
			}
		}
		for _, m := range safety.Metrics {
			if g := m.Suggested; g != nil {
				green, red := g.Green, g.Red
				if level == "town" {
					green, red = g.TownGreen, g.TownRed
				}
				in.Indicators = append(in.Indicators, safety.Indicator{Code: m.Code, Name: g.Name, Definition: g.Definition, Direction: "lower",
					Weight: demoWeights[m.Code], Green: green, Red: red, Level: level, Source: m.Code})
			}
		}
	}
	if _, err := s.SaveCatalogue(ctx, county, in); err != nil {
		return 0, err
	}
	var towns []string
	rows, err := d.Reader().QueryContext(ctx, "SELECT o.id FROM org_nodes o JOIN org_nodes c ON c.id = o.parent_id WHERE c.id = ? AND o.kind = 'town' ORDER BY o.code", county)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, err
		}
		towns = append(towns, t)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	reporters := map[string]string{}
	for key := range units {
		var uid string
		if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = ?", key+"reporter").Scan(&uid); err != nil {
			return 0, err
		}
		reporters[key] = uid
	}

	first := time.Date(now.In(safety.Zone).Year(), now.In(safety.Zone).Month(), 1, 0, 0, 0, 0, safety.Zone)
	rng := rand.New(rand.NewPCG(2026, 18))
	n := 0
	for i := 12; i >= 0; i-- {
		from := first.AddDate(0, -i, 0)
		month := from.Format("2006-01")
		if i > 0 {
			// The police on the 3rd; the emergency bureau on the 5th, but
			// on the 9th (late) two months ago.
			yjDay := 5
			if i == 2 {
				yjDay = 9
			}
			for _, u := range []struct {
				key string
				day int
			}{{"ga", 3}, {"yj", yjDay}} {
				at := from.AddDate(0, 1, u.day-1).Add(10 * time.Hour).UnixMilli()
				if err := demoReport(ctx, d, county, month, units[u.key], u.key, reporters[u.key], towns, at, rng); err != nil {
					return n, err
				}
			}
		}
		if _, err := s.Compute(ctx, county, month); err != nil {
			return n, err
		}
		n++
		if i > 0 {
			m, err := s.Publish(ctx, county, month)
			if err != nil {
				return n, err
			}
			if _, err := s.SaveBulletin(ctx, county, month, safety.BulletinInput{Comments: demoComments(m)}); err != nil {
				return n, err
			}
			if _, err := s.IssueBulletin(ctx, county, month); err != nil {
				return n, err
			}
		}
	}
	// The bulletins before last month's were read long ago.
	err = d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE inbox SET read_at = created_at WHERE kind = 'safety_bulletin' AND text NOT LIKE ?", "%"+first.AddDate(0, -1, 0).Format("2006-01")+"%")
		return err
	})
	return n, err
}

// demoComments are the committee's comments on a month, as its office
// drafts them: the county's index, the first town, the last with its red
// indicators and what it must do.
func demoComments(m safety.Month) string {
	names := map[string]string{}
	for _, ind := range m.Indicators {
		names[ind.Code] = ind.Name
	}
	var county safety.AreaRow
	var towns []safety.AreaRow
	for _, a := range m.Areas {
		if a.Level == "county" {
			county = a
		} else {
			towns = append(towns, a)
		}
	}
	if len(towns) == 0 {
		return ""
	}
	text := fmt.Sprintf("%s，全区平安指数 %.2f 分", m.Month, county.Score)
	if c := county.Change; c != nil && *c != 0 {
		word := "上升"
		if *c < 0 {
			word = "下降"
		}
		text += fmt.Sprintf("，较上月%s %.2f 分", word, math.Abs(*c))
	}
	first, last := towns[0], towns[len(towns)-1]
	text += fmt.Sprintf("。%s以 %.2f 分排名第一。%s排名末位（%.2f 分）", first.Name, first.Score, last.Name, last.Score)
	var reds []string
	for code, light := range last.Lights {
		if light == safety.Red {
			reds = append(reds, names[code])
		}
	}
	slices.Sort(reds)
	if len(reds) > 0 {
		text += fmt.Sprintf("，%s亮红灯", strings.Join(reds, "、"))
	}
	return text + fmt.Sprintf("，请%s党（工）委于下月10日前将整改措施报区委平安办。\n各乡镇（街道）要对照本期黄灯、红灯指标逐项分析原因、落实整改，下期通报整改情况。", last.Name)
}

// demoReport writes a unit's report of a month, submitted at at: every
// town's figure of each the unit reports, mostly small, now and then a bad
// month.
func demoReport(ctx context.Context, d *db.DB, county, month, unit, key, by string, towns []string, at int64, rng *rand.Rand) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		id := db.NewID()
		evidence := fmt.Sprintf("%s %s月度统计报表（第%s期）", map[string]string{"ga": "公安分局", "yj": "应急管理局"}[key], month, month[5:])
		if _, err := tx.ExecContext(ctx, `INSERT INTO safety_reports (id, root_id, month, unit_id, evidence, submitted_at, submitted_by, updated_at, updated_by, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, id, county, month, unit, evidence, at, by, at, by); err != nil {
			return err
		}
		for _, r := range demoReporters {
			if r.unit != key {
				continue
			}
			for _, t := range towns {
				v := rng.IntN(demoReported[r.key] + 1)
				if rng.IntN(3) > 0 {
					v /= 2 // most months are quieter than the worst
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO safety_report_values (report_id, source, area_id, value) VALUES (?, ?, ?, ?)", id, r.key, t, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
