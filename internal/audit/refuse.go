package audit

// Refused requests (a record of another area, a missing permission, a
// missing or forged CSRF token, a session cookie that matches nothing) are
// what a probe looks like, so they are audited; but a flood of them must not
// fill the log. They are counted in memory per (actor or source address,
// action, route) and written as one row per key and minute, carrying the
// count, by FlushRefusals.

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Actions of refused requests.
const (
	ActionDenied         = "access.denied"        // a permission the caller lacks
	ActionNotFound       = "access.not_found"     // a record not there, or in another area
	ActionCSRF           = "access.csrf"          // a missing or wrong CSRF token
	ActionSessionUnknown = "auth.session_unknown" // a session cookie that matches no session
)

// Refusal is one refused request.
type Refusal struct {
	Action   string
	Route    string     // the route pattern: "GET /api/v1/people/{id}"
	ObjectID string     // the record asked for, if any (an id, never a query value)
	Perm     authz.Perm // the permission exercised, to fill the role
	Detail   string     // a short reason code
}

// maxRefusalKeys bounds the memory a flood from many addresses can take;
// past it, refusals are counted under the source "*".
const maxRefusalKeys = 10000

// maxRefusalIDs is how many distinct object ids a row names.
const maxRefusalIDs = 5

type refusals struct {
	flushMu sync.Mutex // one flush at a time, so a failed one is merged back before the next
	mu      sync.Mutex
	open    map[string]*refusalCount
}

type refusalCount struct {
	e     Entry
	count int64
	last  int64
	ids   []string
}

// Refuse counts a refused request; the row is written by the next
// FlushRefusals. The actor is the signed-in user, else the source address.
func (l *Log) Refuse(ctx context.Context, r Refusal) {
	e := Entry{Action: r.Action, ObjectType: "route", ObjectID: r.Route, Result: Denied, At: db.Now(), Username: "-"}
	if p := authz.From(ctx); p != nil {
		e.UserID, e.Username, e.Role = p.UserID, p.Username, p.RoleFor(r.Perm)
	}
	m := MetaFrom(ctx)
	e.IP, e.RequestID = m.IP, m.RequestID
	actor := e.UserID
	if actor == "" {
		actor = "ip:" + e.IP
	}
	key := actor + "|" + r.Action + "|" + r.Route + "|" + r.Detail
	rs := &l.refusals
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.open == nil {
		rs.open = map[string]*refusalCount{}
	}
	c := rs.open[key]
	if c == nil && len(rs.open) >= maxRefusalKeys {
		key = "*|" + r.Action + "|" + r.Route + "|" + r.Detail
		c = rs.open[key]
		if c == nil {
			e.UserID, e.Username, e.Role, e.IP = "", "*", "", "*"
		}
	}
	if c == nil {
		c = &refusalCount{e: e}
		if r.Detail != "" {
			c.e.Detail = r.Detail
		}
		rs.open[key] = c
	}
	c.count++
	c.last = e.At
	if r.ObjectID != "" && len(c.ids) < maxRefusalIDs && !slices.Contains(c.ids, r.ObjectID) {
		c.ids = append(c.ids, r.ObjectID)
	}
}

// FlushRefusals writes the counted refusals, one row per key, in one
// transaction. On failure they stay counted for the next flush.
func (l *Log) FlushRefusals(ctx context.Context, d *db.DB) error {
	rs := &l.refusals
	rs.flushMu.Lock()
	defer rs.flushMu.Unlock()
	rs.mu.Lock()
	open := rs.open
	rs.open = nil
	rs.mu.Unlock()
	if len(open) == 0 {
		return nil
	}
	list := make([]*refusalCount, 0, len(open))
	for _, c := range open {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b *refusalCount) int { return int(a.e.At - b.e.At) })
	// The rows name who was refused, never whoever flushes.
	ctx = authz.WithPrincipal(WithMeta(ctx, Meta{}), nil)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for _, c := range list {
			e := c.e
			e.Detail = refusalDetail(c)
			if err := l.Record(ctx, tx, "", e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		rs.mu.Lock()
		if rs.open == nil {
			rs.open = map[string]*refusalCount{}
		}
		for k, c := range open {
			if n := rs.open[k]; n != nil {
				n.count += c.count
			} else {
				rs.open[k] = c
			}
		}
		rs.mu.Unlock()
	}
	return err
}

// refusalDetail is "reason count=N last=TIME ids=a,b".
func refusalDetail(c *refusalCount) string {
	var b strings.Builder
	if c.e.Detail != "" {
		b.WriteString(c.e.Detail + " ")
	}
	fmt.Fprintf(&b, "count=%d last=%s", c.count, time.UnixMilli(c.last).UTC().Format(time.RFC3339))
	if len(c.ids) > 0 {
		b.WriteString(" ids=" + strings.Join(c.ids, ","))
	}
	return b.String()
}

// FlushRefusalsEvery flushes the counted refusals every period until ctx
// ends. Each node flushes its own; the caller flushes once more at shutdown.
func (l *Log) FlushRefusalsEvery(ctx context.Context, d *db.DB, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.FlushRefusals(ctx, d); err != nil && ctx.Err() == nil {
				slog.Error("audit: writing refusals failed", "err", err)
			}
		}
	}
}
