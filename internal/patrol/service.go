// Package patrol runs the grid members' daily dispatch and patrols (一日三巡).
// A town or village centre sets the patrol windows of its area's day (a
// standing plan and plans for single days); each roster member with a
// primary grid gets one task a window. The member starts a patrol on the
// phone, checks in at points (position, time, what was seen), reports
// events and screening findings from inside it and ends it; a task is
// walked when a check-in of the member's falls inside its window. The
// centre's board shows who is out, each member's last check-in, the windows
// walked and missed per grid and the grids nobody patrolled. Owns
// patrol_plans, patrol_tasks, patrols, patrol_points, patrol_photos and
// patrol_reports.
//
// Positions are personal information: recorded only during a patrol the
// member started, deleted after the retention in the settings with the
// check-in's photos (the patrol keeps its counts), never logged; notes are
// sealed. A check-in may carry a few photos, taken in through the events'
// photo pipeline (package casework/photo) and shown only to those who may
// see the patrol. It asks the org tree
// (package org) for areas, grids and the roster.
package patrol

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
)

// Service runs plans, tasks and patrols.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	// PhotoQuota is the bytes of photos one user may store in 30 days
	// (0: photo.DefaultQuota); OtherPhotos counts the user's photos of the
	// other rooms (the events'): one quota holds for all of them.
	PhotoQuota  int64
	OtherPhotos photo.Usage
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), Now: time.Now}
}

// Zone is the county's clock: days and windows are its days and hours.
var Zone = time.FixedZone("CST", 8*3600)

const (
	minute = int64(60 * 1000)
	hour   = 60 * minute
	// skew is how far a phone's clock may run ahead of the server's.
	skew = 5 * minute
	// MaxHours is the longest a patrol stays open: the daily sweep ends
	// one left open at its last check-in.
	MaxHours = 12
	maxNote  = 500
)

func (s *Service) now() int64 { return s.Now().UnixMilli() }

// today is the current day as YYYY-MM-DD in the county's zone.
func (s *Service) today() string { return s.Now().In(Zone).Format(time.DateOnly) }

// record audits one action inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// SealNote seals a check-in's note as CheckIn does; the demo's patrols
// are written in bulk.
func (s *Service) SealNote(pointID, note string) string {
	return s.vault.Seal("patrol_points.note", pointID, note)
}
