package demo_test

import (
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// The demo's cases from screening name the finding each came from, and
// the finding, turned into a case, names it back: both pages link.
func TestDemoScreeningCasesLinked(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	var cases, linked, back int
	q := a.DB.Reader()
	if err := q.QueryRowContext(t.Context(), "SELECT count(*), COALESCE(sum(CASE WHEN source_ref <> '' THEN 1 ELSE 0 END), 0) FROM disputes WHERE source = 'screening'").
		Scan(&cases, &linked); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(t.Context(), `SELECT count(*) FROM screening_findings f JOIN disputes d ON d.id = f.case_id
		WHERE f.status = 'case' AND d.no = f.case_no AND d.source_ref = f.no AND d.org_id = f.org_id`).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if cases == 0 || linked == 0 || back != linked {
		t.Errorf("cases from screening: %d, naming their finding: %d, findings naming them back: %d", cases, linked, back)
	}
}
