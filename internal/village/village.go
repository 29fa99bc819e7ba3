// Package village keeps a village's self-governance: its score sheet
// (评分表) drawn from the village rules (村规民约) — items with plus or minus
// points and veto items (一票否决), versioned so old scores keep the sheet
// they were given under — the households' monthly scores with their
// evidence and appeals, the monthly list the village reviews and publishes
// on its public page, and its councils (村民理事会, or a compound's
// 邻里议事会): members, meetings with attendance and minutes, proposals
// through consultation (意见征询), the vote and the follow-up of what was
// decided.
//
// It owns village_settings, village_rules, village_sheets,
// village_sheet_items, village_scores, village_score_photos, village_appeals,
// village_months,
// village_councils, village_council_members, village_meetings,
// village_attendance, village_proposals, village_opinions and
// village_follow_ups. It asks registry for the village's households
// (HouseholdRefsIn, HouseholdRefOf) and org for the village's path and kind.
package village

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
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

// Service keeps the score sheets and the councils.
type Service struct {
	db    *db.DB
	audit *audit.Log
	vault *pii.Vault
	reg   *registry.Service
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service over the registers' households.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, reg *registry.Service) *Service {
	return &Service{db: d, audit: log, vault: pii.NewVault(keys), reg: reg, Now: time.Now}
}

var shanghai = time.FixedZone("CST", 8*3600)

// Codes.
var (
	Displays   = []string{"surname", "full", "house_no"}
	ItemKinds  = []string{"plus", "minus", "veto"}
	Evidences  = []string{"photo", "witness", "council"}
	Lodgers    = []string{"household", "grid_member"}
	Councils   = []string{"villagers", "neighbourhood"}
	Roles      = []string{"chair", "member", "supervisor"}
	Attendance = []string{"present", "absent", "excused"}
	Kinds      = []string{"finance", "public_works", "collective", "industry", "other"}
	Stances    = []string{"support", "oppose", "other"}
)

func (s *Service) today() string { return s.Now().In(shanghai).Format("2006-01-02") }

func checkText(f *apperr.Fields, field, v string, max int, required bool) {
	n := len([]rune(strings.TrimSpace(v)))
	if (required && n == 0) || n > max {
		f.Add(field, "validation.length", "min", map[bool]int{true: 1, false: 0}[required], "max", max)
	}
}

func checkOne(f *apperr.Fields, field, v string, values []string) {
	if !slices.Contains(values, v) {
		f.Add(field, "validation.one_of", "values", strings.Join(values, ", "))
	}
}

func checkDay(f *apperr.Fields, field, day string) bool {
	if _, err := time.ParseInLocation("2006-01-02", day, shanghai); err != nil {
		f.Add(field, "village.date_invalid")
		return false
	}
	return true
}

func checkMonth(month string) error {
	if _, err := time.Parse("2006-01", month); err != nil || len(month) != 7 {
		return apperr.Field("month", "village.month_invalid")
	}
	return nil
}

// villagePath is the path of village id when the caller holds perm over
// it and it is a village (or community); otherwise not found under field.
func villagePath(ctx context.Context, q db.Querier, perm authz.Perm, id, field string) (string, error) {
	path, err := org.PathIn(ctx, q, perm, id, field)
	if err != nil {
		return "", err
	}
	kind, err := org.KindOf(ctx, q, id, field)
	if err != nil {
		return "", err
	}
	if kind != "village" {
		return "", apperr.Field(field, "village.not_village")
	}
	return path, nil
}

// anyPathIn is villagePath for a caller holding any of perms.
func anyPathIn(ctx context.Context, q db.Querier, id string, perms ...authz.Perm) (string, error) {
	var err error
	for _, p := range perms {
		var path string
		if path, err = villagePath(ctx, q, p, id, "org_id"); err == nil {
			return path, nil
		}
	}
	return "", err
}

func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, typ, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: typ, ObjectID: id, Detail: detail})
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf(what)
	}
	return err
}

// covers reports whether the caller holds any of perms over path.
func covers(ctx context.Context, path string, perms ...authz.Perm) bool {
	p := authz.From(ctx)
	for _, perm := range perms {
		if p.Covers(perm, path) {
			return true
		}
	}
	return false
}

func auditEntry(action, typ, id, detail string) audit.Entry {
	return audit.Entry{Action: action, ObjectType: typ, ObjectID: id, Detail: detail}
}
