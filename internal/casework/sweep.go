package casework

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
)

// SweepOverdue flags the open events whose stage deadline has passed (red
// light): one timeline step "overdue", a message to the shift leads of the
// area and to the lead unit, each event once per stage. It returns how many
// it flagged.
func (s *Service) SweepOverdue(ctx context.Context) (int, error) {
	now := s.Now()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT e.id FROM events e WHERE e.state IN `+OpenStatesSQL+`
		AND e.parked = ? AND e.overdue_flagged = ? AND e.stage_due_at <= ? ORDER BY e.stage_due_at LIMIT 500`, false, false, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var v int
			if err := tx.QueryRowContext(ctx, "SELECT version FROM events WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); err != nil {
				return err
			}
			e, err := scanEvent(tx.QueryRowContext(ctx, "SELECT "+eventCols+eventFrom+" WHERE e.id = ?", id))
			if err != nil {
				return err
			}
			// Re-check under the lock: someone may have moved it on.
			res, err := tx.ExecContext(ctx, "UPDATE events SET overdue_flagged = ? WHERE id = ? AND overdue_flagged = ? AND stage_due_at <= ?", true, id, false, now.UnixMilli())
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			if _, err := s.appendLog(ctx, tx, id, "overdue", e.State, e.State, e.LeadUnitID, stepNote("overdue", "stage", e.Stage), now); err != nil {
				return err
			}
			text := noticeText("overdue", "no", e.No, "stage", e.Stage)
			if err := s.notify(ctx, tx, &e, "overdue", text, authz.EventApprove, ""); err != nil {
				return err
			}
			if e.LeadUnitID != "" {
				if err := s.notify(ctx, tx, &e, "overdue", text, "", e.LeadUnitID); err != nil {
					return err
				}
			}
			return s.audit.Record(ctx, tx, "", audit.Entry{Username: "system", Action: "event.overdue", ObjectType: "event", ObjectID: id, Detail: e.No + " " + e.Stage})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Sender delivers one outbox message (SMS gateway, webhook); an error
// leaves it for a retry. Delivery is at least once: a node that dies
// between sending and recording leaves the message to be sent again, with
// the same id, so receivers drop what they already have.
type Sender interface {
	Send(ctx context.Context, id, channel, target, payload string) error
}

// LogSender is the default adapter: it writes a line per message, with no
// personal data (targets are user ids, payloads event numbers and kinds).
type LogSender struct{}

// Send logs the message.
func (LogSender) Send(ctx context.Context, id, channel, target, payload string) error {
	slog.Info("notify", "id", id, "channel", channel, "recipients", len(strings.Split(target, ",")), "payload", payload)
	return nil
}

// DeliverOutbox sends due outbox messages; a failure backs off
// exponentially (1 min, 2, 4 … up to 1 h) and never loses the message.
func (s *Service) DeliverOutbox(ctx context.Context, send Sender) (int, error) {
	now := s.Now().UnixMilli()
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, channel, target, payload, attempts FROM outbox WHERE sent_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT 200", now)
	if err != nil {
		return 0, err
	}
	type msg struct {
		id, channel, target, payload string
		attempts                     int
	}
	var due []msg
	for rows.Next() {
		var m msg
		if err := rows.Scan(&m.id, &m.channel, &m.target, &m.payload, &m.attempts); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, m)
	}
	rows.Close()
	sent := 0
	for _, m := range due {
		err := send.Send(ctx, m.id, m.channel, m.target, m.payload)
		q, args := "UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", []any{now, m.id}
		if err != nil {
			backoff := min(time.Minute<<min(m.attempts, 6), time.Hour)
			msg := err.Error()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			q, args = "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?", []any{now + backoff.Milliseconds(), msg, m.id}
		} else {
			sent++
		}
		if err := s.db.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// Prune drops idempotency keys older than a week (phones stay offline for
// days, not weeks) and sent outbox messages older than 30 days.
func (s *Service) Prune(ctx context.Context) error {
	now := s.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := idem.Prune(ctx, tx, now.Add(-idem.Keep)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", now.Add(-30*24*time.Hour).UnixMilli())
		return err
	})
}

// WebhookSender posts each message as JSON to an operator-configured URL
// (an SMS gateway or the city's message bus); any answer but 2xx is a
// failure to retry.
type WebhookSender struct {
	URL    string
	Client *http.Client
}

// Send posts the message, its id as the Idempotency-Key.
func (w WebhookSender) Send(ctx context.Context, id, channel, target, payload string) error {
	body, _ := json.Marshal(map[string]any{"id": id, "channel": channel, "recipients": strings.Split(target, ","), "payload": json.RawMessage(payload)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", id)
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// SweepSupervision marks the open supervision orders (督办单) whose own
// deadline has passed: one timeline step "督办逾期", a message to the lead
// unit (or, before dispatch, to the dispatchers of the area) and to whoever
// supervised, each order once. It returns how many it marked.
func (s *Service) SweepSupervision(ctx context.Context) (int, error) {
	now := s.Now()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT s.id, s.event_id FROM supervisions s JOIN events e ON e.id = s.event_id
		WHERE s.closed_at IS NULL AND s.overdue_at IS NULL AND s.due_at <= ? AND e.state IN `+OpenStatesSQL+`
		ORDER BY s.due_at LIMIT 500`, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	var orders [][2]string
	for rows.Next() {
		var id, event string
		if err := rows.Scan(&id, &event); err != nil {
			rows.Close()
			return 0, err
		}
		orders = append(orders, [2]string{id, event})
	}
	rows.Close()
	n := 0
	for _, o := range orders {
		id, eventID := o[0], o[1]
		marked := false // set by the attempt that commits (InTx may retry)
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			marked = false
			var v int
			if err := tx.QueryRowContext(ctx, "SELECT version FROM events WHERE id = ?"+tx.ForUpdate(), eventID).Scan(&v); err != nil {
				return err
			}
			e, err := scanEvent(tx.QueryRowContext(ctx, "SELECT "+eventCols+eventFrom+" WHERE e.id = ?", eventID))
			if err != nil {
				return err
			}
			if !Open(e.State) { // finished meanwhile: nothing to chase
				return nil
			}
			// Marked under the event's lock: a second node, or the order
			// closed meanwhile, finds nothing left to mark.
			res, err := tx.ExecContext(ctx, "UPDATE supervisions SET overdue_at = ? WHERE id = ? AND overdue_at IS NULL AND closed_at IS NULL AND due_at <= ?",
				now.UnixMilli(), id, now.UnixMilli())
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			var by, byName string
			var due int64
			if err := tx.QueryRowContext(ctx, "SELECT by_user, by_name, due_at FROM supervisions WHERE id = ?", id).Scan(&by, &byName, &due); err != nil {
				return err
			}
			marked = true
			if _, err := s.appendLog(ctx, tx, eventID, "supervise_overdue", e.State, e.State, e.LeadUnitID, stepNote("supervise_overdue", "due", timeText(due), "by", byName), now); err != nil {
				return err
			}
			// The lead unit, or before dispatch the area's dispatchers, and
			// whoever supervised — once, though they be both.
			perm, unit := authz.Perm(""), e.LeadUnitID
			if unit == "" {
				perm = authz.EventDispatch
			}
			users, err := recipients(ctx, tx, &e, perm, unit)
			if err != nil {
				return err
			}
			if ok, err := account.Active(ctx, tx, by); err != nil {
				return err
			} else if ok && !slices.Contains(users, by) {
				users = append(users, by)
			}
			text := noticeText("supervise_overdue", "no", e.No, "due", timeText(due))
			if err := s.send(ctx, tx, &e, "supervise_overdue", text, users); err != nil {
				return err
			}
			return s.audit.Record(ctx, tx, "", audit.Entry{Username: "system", Action: "event.supervise_overdue", ObjectType: "event", ObjectID: eventID, Detail: e.No})
		})
		if err != nil {
			return n, err
		}
		if marked {
			n++
		}
	}
	return n, nil
}
