package dispute

import (
	"context"
	"strings"

	"github.com/gridgov/gridgov/internal/db"
)

// WideArea is the number of cases from which an area's list is read in
// registration order rather than through its path.
const WideArea = 2000

// listFrom is the FROM clause of the case list over the area cond (with
// its arguments args). PostgreSQL picks the plan from its statistics.
// SQLite has none for a range of paths and always reads every case of the
// area through disputes_path, then sorts them all for the page: at city
// scale ~100 ms for the city's first page. When the area holds at least
// WideArea cases (counted on the path index alone, stopping there), the
// newest cases of the whole list are walked back through
// disputes_registered instead, and the page's cases come first; a small
// area (a town, a village) keeps the path plan, which reads only its own.
// A filter by event or by a sub-area narrows the rows on its own index.
func (s *Service) listFrom(ctx context.Context, q Query, cond string, args []any) (string, error) {
	if s.db.Dialect != db.SQLite || q.EventID != "" || q.OrgID != "" {
		return caseFrom, nil
	}
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM disputes d WHERE "+cond+" LIMIT "+itoa(WideArea)+")", args...).Scan(&n)
	if err != nil || n < WideArea {
		return caseFrom, err
	}
	return strings.Replace(caseFrom, "FROM disputes d", "FROM disputes d INDEXED BY disputes_registered", 1), nil
}
