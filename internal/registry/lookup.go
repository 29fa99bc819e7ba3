package registry

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// Exact look-ups by ID number or phone are limited per user: a masked phone
// hides 4 digits, so unlimited look-ups would turn a masked list into the
// full values. The counts are read from the user's audit rows, so every
// node of a deployment shares them.
const (
	LookupShortMax    = 20 // look-ups in LookupShortWindow
	LookupShortWindow = 10 * time.Minute
	LookupDailyMax    = 100 // look-ups in LookupDailyWindow
	LookupDailyWindow = 24 * time.Hour
)

// Lookup finds people by exact ID number or phone through the blind index
// (the values travel in a request body, never a URL). It needs
// personal.lookup; each look-up leaves an audit row naming what kind of
// value was looked for and how many records matched, never the value. Past
// the limits it answers registry.lookup_limited (429) with the time the
// caller may try again, and audits the refusal.
func (s *Service) Lookup(ctx context.Context, idNumber, phone string) ([]Person, error) {
	var kind, where string
	var blind any
	limit := 10
	switch {
	case strings.TrimSpace(idNumber) != "":
		info, err := pii.ParseID("id_number", idNumber)
		if err != nil {
			return nil, err
		}
		kind, where, blind = "id_number", " AND p.id_blind = ?", s.vault.Blind("people.id_number", info.Number)
	case strings.TrimSpace(phone) != "":
		p, err := pii.NormalizePhone("phone", phone)
		if err != nil {
			return nil, err
		}
		kind, where, blind, limit = "phone", " AND p.phone_blind = ?", s.vault.Blind("people.phone", p), 50
	default:
		return nil, apperr.Field("id_number", "registry.required")
	}
	who := authz.From(ctx)
	found, err := s.queryPeople(ctx, where, []any{blind}, limit)
	if err != nil {
		return nil, err
	}
	// Only people in the area where the caller may look up.
	people := []Person{}
	for _, p := range found {
		if who.Covers(authz.PersonalLookup, p.path) {
			people = append(people, p)
		}
	}
	var refused *apperr.Error
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// Holding the audit head makes the count and this look-up's row one
		// step, so two nodes cannot both let the 21st look-up through.
		if err := audit.LockHead(ctx, tx); err != nil {
			return err
		}
		if refused, err = s.lookupLimited(ctx, tx, who.UserID); refused != nil || err != nil {
			return err
		}
		objectID := ""
		if len(people) == 1 {
			objectID = people[0].ID
		}
		return s.audit.Record(ctx, tx, authz.PersonalLookup, audit.Entry{At: s.Now().UnixMilli(), Action: "registry.lookup", ObjectType: "person",
			ObjectID: objectID, Detail: kind + " matched " + strconv.Itoa(len(people))})
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		err := s.audit.RecordAlone(ctx, s.db, authz.PersonalLookup, audit.Entry{At: s.Now().UnixMilli(), Action: "registry.lookup", ObjectType: "person",
			Result: audit.Denied, Detail: kind + " limited"})
		if err != nil {
			return nil, err
		}
		return nil, refused
	}
	return people, nil
}

// lookupLimited returns registry.lookup_limited when the user has used up
// either window's look-ups, naming when the oldest counted one leaves the
// window. Refused look-ups are not counted.
func (s *Service) lookupLimited(ctx context.Context, q db.Querier, userID string) (*apperr.Error, error) {
	now := s.Now()
	retry := time.Time{}
	for _, w := range []struct {
		window time.Duration
		max    int
	}{{LookupShortWindow, LookupShortMax}, {LookupDailyWindow, LookupDailyMax}} {
		// The max-th newest look-up in the window, if there is one.
		at, ok, err := audit.NthNewest(ctx, q, userID, "registry.lookup", now.Add(-w.window).UnixMilli(), w.max)
		if err != nil {
			return nil, err
		}
		if t := time.UnixMilli(at).Add(w.window); ok && t.After(retry) {
			retry = t
		}
	}
	if retry.IsZero() {
		return nil, nil
	}
	// The message names the minute: round up, so trying at it succeeds.
	if r := retry.Truncate(time.Minute); !r.Equal(retry) {
		retry = r.Add(time.Minute)
	}
	return apperr.E(apperr.TooMany, "registry.lookup_limited", "max", LookupShortMax, "minutes", int(LookupShortWindow/time.Minute),
		"daily_max", LookupDailyMax, "retry_at", retry.In(regkit.Shanghai).Format("2006-01-02 15:04"),
		"retry_after", int((retry.Sub(now)+time.Second-1)/time.Second)), nil
}
