package callkey

import (
	"context"
	"database/sql"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/tally"
)

// MetricAccept is the 9-key metric of assessment: for each grid member,
// Due is the alerts pushed to them (the first push of each alert raised
// in the period), Done those they accepted themselves within the time the
// alert allowed, and Seconds the total seconds to accept of the Done ones.
const MetricAccept = "callkey.accept"

// Tally counts the period's alerts by the grid member first pushed to.
func (s *Service) Tally(ctx context.Context, p tally.Period) (tally.Sheets, error) {
	under, args := authz.Under("path", p.Path)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT member_id, accepted_by, accept_within, raised_at, accepted_at FROM callkey_alerts
		WHERE member_id <> '' AND raised_at >= ? AND raised_at < ? AND `+under, append([]any{p.From, p.To}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := tally.Sheets{}
	for rows.Next() {
		var member, by string
		var within int
		var raised int64
		var accepted sql.NullInt64
		if err := rows.Scan(&member, &by, &within, &raised, &accepted); err != nil {
			return nil, err
		}
		c := tally.Count{Due: 1}
		if accepted.Valid && by == member && accepted.Int64-raised <= int64(within)*1000 {
			c.Done, c.Seconds = 1, (accepted.Int64-raised)/1000
		}
		out.Add(MetricAccept, member, c)
	}
	return out, rows.Err()
}

var shanghai = time.FixedZone("CST", 8*3600)

// monthSpan is the month YYYY-MM in China Standard Time as Unix milliseconds.
func monthSpan(month string) (from, to int64, ok bool) {
	t, err := time.ParseInLocation("2006-01", month, shanghai)
	if err != nil {
		return 0, 0, false
	}
	return t.UnixMilli(), t.AddDate(0, 1, 0).UnixMilli(), true
}
