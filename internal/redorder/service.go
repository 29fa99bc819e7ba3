// Package redorder keeps the red orders (红色订单) and their offline form,
// 红色代办: a resident places an order from the phone (居民点单) — or a
// party member or grid member enters it for an elderly or unconnected
// resident, whose name and phone are sealed — and it lands with the party
// branch over its grid. The branch gives it to a member or a group (支部下单)
// or hands it on as an event or a dispute case when it is not a service; a
// member of the branch accepts it (党员接单), serves and records the result
// with photos; the resident confirms and rates it, or, for an order entered
// on their behalf, a grid member does on a return visit. Each stage has its
// time (accept within N hours, serve within M days, county settings) and a
// light; a job gives an order nobody accepted back to the branch, then up
// to the committee above, reminds the member of an order near its time,
// and marks the late ones. A completed order credits the member's points
// in the same transaction (package points); an accepted order left past
// its time deducts them.
//
// It owns red_orders, red_order_steps and red_order_photos. It asks party
// for the branch over a grid and the tree, casework and dispute to take
// the orders handed on.
package redorder

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Kinds are the services a red order asks for (代办).
var Kinds = []string{"buy_medicine", "pay_bills", "escort_medical", "repair", "policy", "elderly_disabled", "other"}

// Statuses of an order.
const (
	Placed   = "placed"    // with the branch, nobody assigned
	Assigned = "assigned"  // given to a member or a group (下单)
	Accepted = "accepted"  // a member took it (接单)
	Served   = "served"    // the result is recorded; waiting for the resident
	Done     = "done"      // confirmed and rated
	HandedOn = "handed_on" // not a service: an event or a dispute case now
)

// Service runs the red orders.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	vault    *pii.Vault
	grids    casework.Locator
	events   *casework.Service
	disputes *dispute.Service
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service over the grids (an order's place), casework and the
// dispute room (orders handed on).
func New(d *db.DB, log *audit.Log, keys *secret.Keys, grids casework.Locator, events *casework.Service, disputes *dispute.Service) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), grids: grids, events: events, disputes: disputes, Now: time.Now}
}

// Times are the county's times for an order: to accept (from placing, or
// from being given back) and to serve (from accepting).
type Times struct {
	AcceptHours int `json:"accept_hours"`
	ServeDays   int `json:"serve_days"`
	Version     int `json:"version"`
}

// DefaultTimes hold until the county sets its own.
var DefaultTimes = Times{AcceptHours: 24, ServeDays: 3, Version: 1}

const timesKey = "redorder.times"

func timesIn(ctx context.Context, q db.Querier) (Times, error) {
	t := DefaultTimes
	err := db.LoadSetting(ctx, q, timesKey, &t)
	return t, err
}

// Times returns the times in force.
func (s *Service) Times(ctx context.Context) (Times, error) { return timesIn(ctx, s.db.Reader()) }

// SetTimes changes the county's times; the version must be the current one.
func (s *Service) SetTimes(ctx context.Context, in Times) (Times, error) {
	var f apperr.Fields
	if in.AcceptHours < 1 || in.AcceptHours > 168 {
		f.Add("accept_hours", "validation.range", "min", 1, "max", 168)
	}
	if in.ServeDays < 1 || in.ServeDays > 60 {
		f.Add("serve_days", "validation.range", "min", 1, "max", 60)
	}
	if err := f.Err(); err != nil {
		return Times{}, err
	}
	var out Times
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := timesIn(ctx, tx)
		if err != nil {
			return err
		}
		if in.Version != cur.Version {
			return apperr.E(apperr.Conflict, "redorder.stale", "version", cur.Version)
		}
		out = in
		out.Version = cur.Version + 1
		if _, err := db.SaveSetting(ctx, tx, timesKey, out); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.EventConfig, "redorder.times", "redorder_times", timesKey, "")
	})
	return out, err
}

func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// Light is an open order's light at now: green, yellow (less than a
// quarter of the stage's time left), red (past it); done for a finished
// or handed-on order, waiting for one served and not yet confirmed.
func Light(status string, acceptDue, serveDue *int64, now int64, t Times) string {
	var due *int64
	var window int64
	switch status {
	case Placed, Assigned:
		due, window = acceptDue, int64(t.AcceptHours)*3600_000
	case Accepted:
		due, window = serveDue, int64(t.ServeDays)*24*3600_000
	case Served:
		return "waiting"
	default:
		return "done"
	}
	switch {
	case due == nil:
		return "green"
	case now > *due:
		return "red"
	case *due-now < window/4:
		return "yellow"
	}
	return "green"
}

// SealResident seals an order's resident name and phone as Place does,
// for the demo's bulk writer.
func (s *Service) SealResident(orderID, name, phone string) (nameSealed, phoneSealed string) {
	return s.vault.Seal("red_orders.resident_name", orderID, name), s.vault.Seal("red_orders.resident_phone", orderID, phone)
}

func errForbidden() error {
	return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", "redorder.manage")
}
