package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
)

// The tables of the bulk dispute writer, parents before children.
var (
	disputeCols = []string{"id", "no", "source", "source_ref", "event_id", "org_id", "path", "type", "title", "facts", "claims", "amount_fen",
		"complexity", "route", "route_reason", "status", "outcome", "next_route", "outcome_note", "registered_at", "due_at", "closed_at",
		"created_by", "created_at", "updated_at", "version", "level", "settled_level"}
	partyCols     = []string{"id", "dispute_id", "seq", "role", "name", "person_id", "phone_sealed", "phone_blind", "phone_masked", "id_sealed", "id_blind", "id_masked", "created_at"}
	sessionCols   = []string{"id", "dispute_id", "at", "place", "kind", "joint_kind", "attendees", "record", "created_by", "created_at"}
	agreementCols = []string{"dispute_id", "no", "facts", "issues", "responsibilities", "terms", "manner", "deadline", "committee", "signed_at", "created_by", "created_at"}
	logCols       = []string{"dispute_id", "seq", "at", "actor_id", "actor_name", "action", "note"}
)

// CityMediator is the city-level mediator account the city-scale demo
// adds: it reads every county's cases (the city's view of the case list).
const CityMediator = "citymediator"

// CityDisputes writes a year of dispute cases in every village of the data
// set, perVillage a village on average, in batches: one transaction of
// multi-row INSERTs per county, the same rows the disputes service writes
// step by step (cases, parties with their phones sealed by the service's
// vault, sessions, written agreements, timelines),
// with the case and agreement numbers drawn from the same counters. At
// city scale (tens of thousands of cases) the service's one transaction
// a step would take minutes on SQLite and far longer on PostgreSQL. The
// cases are worked by the demo's county mediator account and the city
// gets its own mediator (CityMediator), added to res.Accounts. It returns
// the number of cases. The sessions name no mediator: a session's
// mediators are entries of the 调解力量 register, which the demo fills for
// the first county alone.
func CityDisputes(ctx context.Context, d Deps, perVillage int, seed int64, now time.Time, res *Result) (int, error) {
	rng := mrand.New(mrand.NewPCG(uint64(seed), 0xc17d15))
	q := d.DB.Reader()
	var actorID, actorName string
	if err := q.QueryRowContext(ctx, "SELECT id, display_name FROM users WHERE username = 'mediator'").Scan(&actorID, &actorName); err != nil {
		return 0, fmt.Errorf("city disputes: the demo mediator: %w", err)
	}
	if err := cityMediator(ctx, d, res); err != nil {
		return 0, err
	}
	// Numbers continue the counters the service has drawn from (the first
	// county's cases written through it).
	counters := map[string]int64{}
	crows, err := q.QueryContext(ctx, "SELECT name, n FROM counters WHERE name LIKE 'dispute%'")
	if err != nil {
		return 0, err
	}
	for crows.Next() {
		var name string
		var n int64
		if err := crows.Scan(&name, &n); err != nil {
			crows.Close()
			return 0, err
		}
		counters[name] = n
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return 0, err
	}
	draw := func(name string) int64 { counters[name]++; return counters[name] }

	type village struct{ id, name, path, county string }
	vrows, err := q.QueryContext(ctx, `SELECT v.id, v.name, v.path, c.id FROM org_nodes v JOIN org_nodes t ON t.id = v.parent_id
		JOIN org_nodes c ON c.id = t.parent_id WHERE v.kind = 'village' ORDER BY c.code, v.code`)
	if err != nil {
		return 0, err
	}
	var villages []village
	for vrows.Next() {
		var v village
		if err := vrows.Scan(&v.id, &v.name, &v.path, &v.county); err != nil {
			vrows.Close()
			return 0, err
		}
		villages = append(villages, v)
	}
	vrows.Close()
	if err := vrows.Err(); err != nil {
		return 0, err
	}

	types := []string{"neighbour", "marriage_family", "land_forest", "land_acquisition", "labour_wages", "property_mgmt", "contract_debt", "traffic", "medical", "other"}
	typeWeights := []int{30, 16, 10, 3, 12, 10, 7, 6, 2, 4}
	sources := []string{"grid", "walk_in", "hotline", "police", "court_referral", "screening", "petition"}
	sourceWeights := []int{30, 22, 14, 12, 8, 10, 4}
	rows := map[string][][]any{}
	add := func(table string, r ...any) { rows[table] = append(rows[table], r) }
	flush := func() error {
		return d.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, t := range []struct {
				name string
				cols []string
			}{{"disputes", disputeCols}, {"dispute_parties", partyCols}, {"dispute_sessions", sessionCols},
				{"dispute_agreements", agreementCols}, {"dispute_log", logCols}} {
				if err := insertRows(ctx, tx, t.name, t.cols, rows[t.name]); err != nil {
					return err
				}
				rows[t.name] = nil
			}
			return nil
		})
	}
	nowMs := now.UnixMilli()
	clamp := func(t time.Time) int64 { return min(t.UnixMilli(), nowMs) }
	count := 0
	for i, v := range villages {
		n := rng.IntN(2*perVillage + 1) // perVillage on average
		for range n {
			ago := rng.IntN(360)
			if rng.IntN(100) < 8 {
				ago = rng.IntN(20)
			}
			day := now.In(cst).AddDate(0, 0, -ago)
			start := time.Date(day.Year(), day.Month(), day.Day(), 8+rng.IntN(9), rng.IntN(60), 0, 0, cst)
			reg := clamp(start)
			// the n-th day after the intake, in office hours
			after := func(n int) int64 {
				return clamp(time.Date(day.Year(), day.Month(), day.Day()+n, 9+rng.IntN(8), 30*rng.IntN(2), 0, 0, cst))
			}
			typ := weighted(rng, types, typeWeights)
			tx := disputeTexts[typ][rng.IntN(len(disputeTexts[typ]))]
			id := db.NewID()
			dayKey := start.In(cst).Format("20060102")
			no := fmt.Sprintf("JF%s%04d", dayKey, draw("dispute:"+dayKey))
			var amount any
			if tx.amount > 0 {
				amount = int64(tx.amount * 100)
			}
			src := weighted(rng, sources, sourceWeights)
			srcRef := ""
			if src == "court_referral" {
				srcRef = fmt.Sprintf("（%d）粤16民诉前调%d号", start.Year(), 1000+count)
			}
			seq := 0
			step := func(at int64, action, note string) {
				seq++
				add("dispute_log", id, seq, at, actorID, actorName, action, note)
			}
			step(reg, "register", "")
			status, complexity, route, reason := "registered", "", "", ""
			outcome, next, outNote, settledAt := "", "", "", ""
			var closed any
			updated := reg
			// Recent cases are still open; a few older ones are past their month.
			open := ago < 20 && rng.IntN(3) > 0 || ago >= 35 && ago < 70 && rng.IntN(12) == 0
			if !(open && src == "grid" && rng.IntN(2) == 0) {
				status, complexity = "accepted", pickOne(rng, []string{"simple", "simple", "simple", "complex"})
				route, reason = "people_mediation", "事实清楚、争议不大，适宜人民调解"
				if rng.IntN(12) == 0 {
					route, reason = pickOne(rng, []string{"admin_mediation", "industry_mediation"}), "涉及行业主管部门职责，转专业调解"
				}
				step(reg, "classify", complexity+" → "+route+": "+reason)
			}
			if status == "accepted" && !(open && rng.IntN(3) == 0) {
				status = "mediating"
				first := 1 + rng.IntN(4)
				sessions := 1 + rng.IntN(2)
				for k := range sessions {
					sid, at := db.NewID(), after(first+3*k)
					place := v.name + "人民调解室"
					add("dispute_sessions", sid, id, at, place, "mediation", "", "双方当事人", "调解员听取双方陈述，核实"+tx.facts+"双方同意继续协商。", actorID, at)
					step(at, "session", place)
					updated = at
				}
				if !open {
					end := after(first + 3*sessions + rng.IntN(15))
					if rng.IntN(10) == 0 {
						end = after(31 + rng.IntN(12)) // settled, but past the month
					}
					switch r := rng.IntN(100); {
					case r < 70:
						signed := time.UnixMilli(end)
						year := signed.In(cst).Format("2006")
						ano := fmt.Sprintf("（%s）调协字第%04d号", year, draw("dispute_agreement:"+year))
						add("dispute_agreements", id, ano, tx.facts, "双方就"+tx.claims+"存在争议。", "经调解，双方确认各自责任，责任较大一方承担主要义务。", tx.terms,
							pickOne(rng, []string{"一次性支付", "分期支付", "当面履行", "银行转账"}), signed.AddDate(0, 0, 5+rng.IntN(25)).In(cst).Format("2006-01-02"),
							v.name+"人民调解委员会", end, actorID, end)
						step(end, "agreement", ano)
						status, outcome, settledAt = "settled", "agreement", "village"
					case r < 85:
						status, outcome, outNote, settledAt = "settled", "oral_agreement", tx.terms+"（口头协议，已即时履行）", "village"
					default:
						status, outcome, next = "failed", "failed", pickOne(rng, []string{"litigation", "arbitration", "admin_handling", "petition"})
						outNote = "双方分歧较大，调解不成，告知当事人依法通过其他途径解决。"
					}
					step(end, "close", outcome)
					closed, updated = end, end
				}
			}
			add("disputes", id, no, src, srcRef, nil, v.id, v.path, typ, tx.title, tx.facts, tx.claims, amount,
				complexity, route, reason, status, outcome, next, outNote, reg, reg+dispute.TargetDays*dispute.Day, closed,
				actorID, reg, updated, seq, "village", settledAt)
			for k, role := range []string{"applicant", "respondent"} {
				pid := db.NewID()
				sealed, blind, masked := d.Disputes.SealPhone(pid, fmt.Sprintf("13%d%08d", 7+2*k, rng.IntN(100000000)))
				add("dispute_parties", pid, id, k+1, role, personName(rng), nil, sealed, blind, masked, "", nil, "", reg)
			}
			count++
		}
		if i+1 == len(villages) || villages[i+1].county != v.county {
			if err := flush(); err != nil {
				return count, fmt.Errorf("city disputes: %w", err)
			}
		}
	}
	// The counters go on from the numbers drawn, for the cases the
	// service opens later.
	return count, d.DB.InTx(ctx, func(tx *db.Tx) error {
		for name, n := range counters {
			if _, err := tx.ExecContext(ctx, `INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = excluded.n`, name, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// cityMediator adds the city's mediator account (at the city's node, in
// its 综治中心), to read every county's cases.
func cityMediator(ctx context.Context, d Deps, res *Result) error {
	var cityID, cityCode string
	if err := d.DB.Reader().QueryRowContext(ctx, "SELECT id, code FROM org_nodes WHERE kind = 'city'").Scan(&cityID, &cityCode); err != nil {
		return fmt.Errorf("city disputes: the city: %w", err)
	}
	hash, err := d.Authn.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	err = d.DB.InTx(ctx, func(tx *db.Tx) error {
		now, id := db.Now(), db.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, org_id, unit_id, password_hash, password_changed_at, must_change_password, totp_secret, created_at, updated_at)
			VALUES (?, ?, ?, ?, (SELECT id FROM units WHERE code = ?), ?, ?, ?, NULL, ?, ?)`, id, CityMediator, "市调解员 刘建华", cityID, cityCode+"-center", hash, now, false, now, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO role_assignments (id, user_id, role_id, org_id, created_at, created_by)
			SELECT ?, ?, id, ?, ?, 'demo' FROM roles WHERE code = 'mediator'`, db.NewID(), id, cityID, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("city disputes: the city's mediator: %w", err)
	}
	res.Accounts = append(res.Accounts, Account{Username: CityMediator, Password: DemoPassword, Role: "mediator", OrgCode: cityCode})
	return nil
}
