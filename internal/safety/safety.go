// Package safety keeps the safety index (平安指数): a catalogue of
// indicators per root area (a county or a city) with versions, the months
// computed for every county and town under the root — each indicator's
// value, light and score, each area's index, rank and change — published
// and then frozen, and the drill-down from every value to the records it
// counted. See docs/safety-index.md.
//
// Around the index it keeps 平安创建: the figures units report (report.go),
// the monthly bulletin (bulletin.go), the quarterly review and the year's
// assessment (review.go, year.go), the committee's tasks and their lights
// (task.go) and the safe cells (cells.go).
//
// It owns safety_catalogues, safety_indicators, safety_months,
// safety_areas, safety_values and safety_inputs; safety_reporters,
// safety_reports and safety_report_values; safety_bulletins; safety_tasks,
// safety_task_milestones and safety_task_progress; safety_reviews,
// safety_review_decisions, safety_year_items and safety_years;
// safety_cell_kinds, safety_cells and safety_cell_targets. It asks the
// rooms that keep the records for them (casework.ClosuresIn,
// dispute.ClosedCasesIn, petition.PetitionsIn, keyperson.VisitsDueAt,
// patrol.PatrolledDaysIn, screening.RoundVillagesIn …) and org for the
// areas and grids.
package safety

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Service keeps the catalogues and the months.
type Service struct {
	db    *db.DB
	audit *audit.Log
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// Notices sends an issued bulletin to its readers' inboxes.
	Notices notifier
}

// New makes the service.
func New(d *db.DB, log *audit.Log) *Service {
	return &Service{db: d, audit: log, Now: time.Now}
}

// Zone is China Standard Time: a month is its calendar month there.
var Zone = time.FixedZone("CST", 8*3600)

// Levels are the levels of area an indicator applies to.
var Levels = []string{"county", "town"}

// Directions say which way an indicator is better.
var Directions = []string{"higher", "lower"}

// Month statuses.
const (
	Computed  = "computed"
	Published = "published"
)

// Lights of a value.
const (
	Green  = "green"
	Yellow = "yellow"
	Red    = "red"
	None   = "none" // nothing to count this month
)

// rootPath is the path of the root area id (a county or a city) when the
// caller holds perm over it; otherwise not found.
func rootPath(ctx context.Context, q db.Querier, perm authz.Perm, id string) (string, error) {
	path, err := org.PathIn(ctx, q, perm, id, "")
	if err != nil {
		return "", err
	}
	kind, err := org.KindOf(ctx, q, id, "")
	if err != nil {
		return "", err
	}
	if kind != "county" && kind != "city" {
		return "", apperr.Field("id", "safety.not_root")
	}
	return path, nil
}

// rootOrBelow is rootPath for perm safety.read, falling back, when the
// caller does not read the root itself, to a caller holding below over an
// area under it (a town's reader of its county's bulletins, a town's
// centre of its county's safe cells); below reports which.
func rootOrBelow(ctx context.Context, q db.Querier, rootID string, below authz.Perm) (path string, under bool, err error) {
	path, err = rootPath(ctx, q, authz.SafetyRead, rootID)
	if err == nil || apperr.As(err).Kind != apperr.NotFound {
		return path, false, err
	}
	p, e := org.PathOf(ctx, q, rootID, "")
	if e != nil || !slices.ContainsFunc(authz.From(ctx).Scopes(below), func(s string) bool { return strings.HasPrefix(s, p) }) {
		return "", false, err
	}
	return p, true, nil
}

// monthRange is the month's first moment and the next month's, in China
// Standard Time; a malformed month is refused under field "month".
func monthRange(month string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", month, Zone)
	if err != nil || len(month) != 7 {
		return time.Time{}, time.Time{}, apperr.Field("month", "safety.month_invalid")
	}
	return t, t.AddDate(0, 1, 0), nil
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf(what)
	}
	return err
}

func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, typ, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: typ, ObjectID: id, Detail: detail})
}
