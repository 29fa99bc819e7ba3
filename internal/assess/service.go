// Package assess scores the grid workforce (线上评分 + 线下考核, 日清周评月考核):
// online scores computed from what the work rooms tally for each roster
// member, weighed by the county's formulas, plus the offline points the
// town enters with a reason; daily, weekly and monthly boards per member,
// grid, village and town; the monthly ranking with its 十佳网格员 kept on
// the member's record; and the 网格学堂 (training sessions and the hours
// each member took). Owns assess_weights, assess_offline, assess_closes,
// assess_results, assess_awards, assess_trainings and assess_attendance.
//
// It reads no other room's tables: the work comes from Sources (the rooms'
// Tally functions, wired by app), the roster and the tree from org.
package assess

import (
	"context"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/tally"
)

// Source is a room that tallies its work per roster member over a period
// (casework: reports and re-checks; the registers: corrections; patrols,
// visits, the 9-key call, tasks).
type Source interface {
	Tally(ctx context.Context, p tally.Period) (tally.Sheets, error)
}

// Service runs assessment. Now is the clock, replaceable in tests and by
// the demo.
type Service struct {
	db      *db.DB
	audit   *audit.Log
	vault   *pii.Vault
	sources []Source
	Now     func() time.Time
}

// New makes the service over the sources whose tallies it scores.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, sources ...Source) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), sources: sources, Now: time.Now}
}

// WithClock returns a copy of the service reading time from now: the demo
// writes a past year through it.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.Now = now
	return &c
}

// AddSource adds a room's tally to those scored.
func (s *Service) AddSource(src Source) { s.sources = append(s.sources, src) }

// zone is China time: days, weeks and months begin at midnight there.
var zone = time.FixedZone("CST", 8*3600)

func (s *Service) now() int64 { return s.Now().UnixMilli() }

func (s *Service) record(ctx context.Context, tx db.Querier, action, objType, id, detail string) error {
	return s.audit.Record(ctx, tx, authz.AssessWrite, audit.Entry{Action: "assess." + action, ObjectType: objType, ObjectID: id, Detail: detail})
}

func byName(p *authz.Principal) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Username
}

// hundredths are points kept exactly: 1234 is 12.34 points.
func points(x100 int64) float64 { return float64(x100) / 100 }

func fmtPoints(x100 int64) string {
	sign := ""
	if x100 < 0 {
		sign, x100 = "-", -x100
	}
	return sign + strconv.FormatInt(x100/100, 10) + "." + pad2(x100%100)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
