// Package rekey moves sealed values onto the current data key after a key
// rotation, and counts which key seals how many values so an old key is
// retired only when nothing needs it.
package rekey

import (
	"context"
	"fmt"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/secret"
)

// Column is a column of sealed values; each value's context is Prefix + the
// row's id (see the Seal calls of the owning package).
type Column struct{ Table, Name, Prefix string }

// Columns lists every sealed column of the schema. A test checks it against
// the migrations, so a new sealed column cannot be forgotten here.
var Columns = []Column{
	{"users", "totp_secret", "users.totp_secret:"},
	{"events", "reporter_phone", "events.reporter_phone:"},
	{"people", "id_sealed", "pii:people.id_number:"},
	{"people", "phone_sealed", "pii:people.phone:"},
	{"people", "address_sealed", "pii:people.address:"},
	{"houses", "room_sealed", "pii:houses.room:"},
	{"houses", "owner_phone_sealed", "pii:houses.owner_phone:"},
	{"register_units", "phone_sealed", "pii:units.phone:"},
	{"key_persons", "category_sealed", "pii:key_persons.category:"},
	{"visits", "note_sealed", "pii:visits.note:"},
	{"imports", "error_sheet", "imports.error_sheet:"},
	{"petitioners", "id_sealed", "pii:petitioners.id_number:"},
	{"petitioners", "phone_sealed", "pii:petitioners.phone:"},
	{"dispute_parties", "id_sealed", "pii:dispute_parties.id_number:"},
	{"dispute_parties", "phone_sealed", "pii:dispute_parties.phone:"},
	{"mediators", "phone_sealed", "pii:mediator.phone:"},
	{"visit_records", "note_sealed", "pii:visit_records.note:"},
	{"reception_items", "phone_sealed", "pii:reception_items.phone:"},
	{"patrol_points", "note_sealed", "pii:patrol_points.note:"},
	{"assess_offline", "reason_sealed", "pii:assess_offline.reason:"},
	{"duty_tasks", "detail_sealed", "pii:duty_tasks.detail:"},
	{"duty_tasks", "result_sealed", "pii:duty_tasks.result:"},
	{"duty_tasks", "carry_reason_sealed", "pii:duty_tasks.carry_reason:"},
	{"duty_meetings", "minutes_sealed", "pii:duty_meetings.minutes:"},
	{"workers", "phone_sealed", "pii:workers.phone:"},
	{"callkey_numbers", "phone_sealed", "pii:callkey.phone:"},
	{"callkey_numbers", "needs_sealed", "pii:callkey.needs:"},
	{"callkey_alerts", "note_sealed", "pii:callkey.note:"},
	{"psych_records", "group_sealed", "pii:psych.group:"},
	{"psych_records", "level_sealed", "pii:psych.level:"},
	{"psych_entries", "level_sealed", "pii:psych.level:"},
	{"psych_entries", "who_sealed", "pii:psych.who:"},
	{"psych_entries", "note_sealed", "pii:psych.note:"},
	{"party_members", "phone_sealed", "pii:party_members.phone:"},
	{"village_scores", "detail_sealed", "pii:village.detail:"},
	{"village_score_photos", "data_sealed", "pii:village.photo:"},
	{"village_council_members", "phone_sealed", "pii:village.phone:"},
	{"volunteer_clues", "text_sealed", "pii:volunteer_clues.text:"},
	{"drive_clues", "text_sealed", "pii:drive_clues.text:"},
	{"drive_clues", "place_sealed", "pii:drive_clues.place:"},
	{"drive_clues", "contact_sealed", "pii:drive_clues.contact:"},
	{"drive_clues", "by_name_sealed", "pii:drive_clues.by_name:"},
	{"drive_clues", "note_sealed", "pii:drive_clues.note:"},
	{"antifraud_warnings", "name_sealed", "pii:antifraud_warnings.name:"},
	{"antifraud_warnings", "phone_sealed", "pii:antifraud_warnings.phone:"},
	{"antifraud_warnings", "address_sealed", "pii:antifraud_warnings.address:"},
	{"antifraud_warnings", "note_sealed", "pii:antifraud_warnings.note:"},
	{"antifraud_warnings", "result_sealed", "pii:antifraud_warnings.result:"},
	{"situations", "people_sealed", "pii:situations.people:"},
	{"situation_sources", "secret_sealed", "situation_source:"},
	{"party_reports", "phone_sealed", "pii:party_reports.phone:"},
	{"red_orders", "resident_name_sealed", "pii:red_orders.resident_name:"},
	{"red_orders", "resident_phone_sealed", "pii:red_orders.resident_phone:"},
}

// Count returns how many sealed values each key id seals.
func Count(ctx context.Context, d *db.DB) (map[string]int, error) {
	n := map[string]int{}
	for _, c := range Columns {
		rows, err := d.Reader().QueryContext(ctx, fmt.Sprintf(
			`SELECT substr(%[1]s, 4, 8), count(*) FROM %[2]s WHERE %[1]s LIKE 'v1.%%' GROUP BY substr(%[1]s, 4, 8)`, c.Name, c.Table))
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", c.Table, c.Name, err)
		}
		for rows.Next() {
			var id string
			var k int
			if err := rows.Scan(&id, &k); err != nil {
				rows.Close()
				return nil, err
			}
			n[id] += k
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// batch is how many rows one transaction reseals: small enough not to hold
// the SQLite writer for long while the server runs.
const batch = 500

// Reseal seals every value not under the current key anew with it, batch by
// batch; a value changed by someone else meanwhile is left to them (it is
// already sealed with the current key). It returns how many values changed.
func Reseal(ctx context.Context, d *db.DB, keys *secret.Keys) (int, error) {
	total := 0
	for _, c := range Columns {
		after := ""
		for {
			ids, vals, err := stale(ctx, d, c, keys.Current(), after)
			if err != nil {
				return total, err
			}
			if len(ids) == 0 {
				break
			}
			after = ids[len(ids)-1]
			err = d.InTx(ctx, func(tx *db.Tx) error {
				for i, id := range ids {
					fresh, changed, err := keys.Reseal(vals[i], c.Prefix+id)
					if err != nil {
						return fmt.Errorf("%s.%s row %s: %w", c.Table, c.Name, id, err)
					}
					if !changed {
						continue
					}
					if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = ? WHERE id = ? AND %s = ?`, c.Table, c.Name, c.Name),
						fresh, id, vals[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return total, err
			}
			total += len(ids)
		}
	}
	return total, nil
}

// stale reads the next batch of values of c sealed with a key other than current.
func stale(ctx context.Context, d *db.DB, c Column, current, after string) (ids, vals []string, err error) {
	rows, err := d.Reader().QueryContext(ctx, fmt.Sprintf(
		`SELECT id, %[1]s FROM %[2]s WHERE %[1]s LIKE 'v1.%%' AND substr(%[1]s, 4, 8) <> ? AND id > ? ORDER BY id LIMIT %[3]d`,
		c.Name, c.Table, batch), current, after)
	if err != nil {
		return nil, nil, fmt.Errorf("%s.%s: %w", c.Table, c.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, nil, err
		}
		ids, vals = append(ids, id), append(vals, v)
	}
	return ids, vals, rows.Err()
}
