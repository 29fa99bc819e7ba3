package demo

import (
	"context"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
)

// SafetyIndex computes the safety index (平安指数) of the county and its
// towns with the default catalogue for the twelve months before now's,
// publishing each, and computes the current month unpublished, so the
// leaders' page has a year of history on first start. It returns the
// months computed.
func SafetyIndex(ctx context.Context, d *db.DB, s *safety.Service, countyCode string, now time.Time) (int, error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	var county string
	if err := d.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = ?", countyCode).Scan(&county); err != nil {
		return 0, err
	}
	first := time.Date(now.In(safety.Zone).Year(), now.In(safety.Zone).Month(), 1, 0, 0, 0, 0, safety.Zone)
	n := 0
	for i := 12; i >= 0; i-- {
		month := first.AddDate(0, -i, 0).Format("2006-01")
		if _, err := s.Compute(ctx, county, month); err != nil {
			return n, err
		}
		n++
		if i > 0 {
			if _, err := s.Publish(ctx, county, month); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
