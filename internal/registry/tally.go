package registry

import (
	"context"

	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/tally"
)

// Tally counts, per roster member of the area, the register records they
// corrected or updated in the period, for assessment (register.corrections:
// Done = distinct records changed, moved in or out, or marked deceased;
// Due = 0). The register log names its writer by account; the roster maps
// accounts to members. One grouped query.
func (s *Service) Tally(ctx context.Context, p tally.Period) (tally.Sheets, error) {
	q := s.db.Reader()
	byUser, err := org.WorkerAccounts(ctx, q, p.Path)
	if err != nil {
		return nil, err
	}
	out := tally.Sheets{}
	if len(byUser) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id, count(DISTINCT record_type || ':' || record_id) FROM register_log
		WHERE user_id IS NOT NULL AND at >= ? AND at < ? AND action IN ('changed', 'moved_in', 'moved_out', 'deceased') GROUP BY user_id`, p.From, p.To)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var user string
		var n int
		if err := rows.Scan(&user, &n); err != nil {
			return nil, err
		}
		if w, ok := byUser[user]; ok {
			out.Add("register.corrections", w, tally.Count{Done: n})
		}
	}
	return out, rows.Err()
}
