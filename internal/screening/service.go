// Package screening runs the screening rounds of disputes (矛盾纠纷排查): a
// village or town team goes over its area weekly, monthly, before holidays
// and sensitive dates; each village of a round files what it found
// (findings) or says it found nothing (零报告). A finding carries its
// responsible leader (包案领导) and person (责任人), the measures and a
// deadline, and a risk level; it is closed on the spot (就地化解) or turned
// into a dispute case. Owns screening_rounds, screening_zero_reports and
// screening_findings.
//
// It takes the words of the dispute types from package dispute and opens
// cases through its OpenTx, inside the finding's transaction; it asks the
// org tree (package org) for areas.
package screening

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
)

// Service runs the rounds and their findings.
type Service struct {
	db    *db.DB
	audit *audit.Log
	cases *dispute.Service
	// Now is the clock (tests move it).
	Now func() time.Time
	// YellowDays is how many days before its deadline an open finding
	// turns yellow.
	YellowDays int
}

// New makes the service; cases opens the dispute cases findings turn into.
func New(d *db.DB, log *audit.Log, cases *dispute.Service) *Service {
	return &Service{db: d, audit: log, cases: cases, Now: time.Now, YellowDays: 3}
}

// zone is the county's clock: dates and deadlines are its days.
var zone = time.FixedZone("CST", 8*3600)

// today is the current day as YYYY-MM-DD in the county's zone.
func (s *Service) today() string { return s.Now().In(zone).Format("2006-01-02") }

// record audits one action inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// readPerms are the permissions that let a caller see the rounds and
// findings of an area: the grid member files findings (dispute.report)
// and sees the rounds of their village without reading cases.
var readPerms = []authz.Perm{authz.DisputeRead, authz.DisputeReport, authz.DisputeWrite}

// readScopes are the paths where the caller may read screening work.
func readScopes(p *authz.Principal) []string {
	var out []string
	for _, perm := range readPerms {
		out = append(out, p.Scopes(perm)...)
	}
	return out
}

// mayRead refuses a caller who holds none of readPerms anywhere.
func mayRead(p *authz.Principal) error {
	if len(readScopes(p)) == 0 {
		return apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.DisputeRead)
	}
	return nil
}

// covers reports whether the caller may read screening work at path.
func covers(p *authz.Principal, path string) bool {
	for _, perm := range readPerms {
		if p.Covers(perm, path) {
			return true
		}
	}
	return false
}
