package demo_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/idem"
)

// The bulk writer of the city's cases writes what the service reads: the
// county's villages get their cases with sealed phones, the city's
// mediator lists them page by page (over 2,000 cases: the list's plan for
// a wide area), newest first, each once, and the service goes on numbering
// after them.
func TestCityDisputesBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~2,500 cases")
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = t.TempDir(), ""
	if dbtest.PostgresURL() != "" {
		cfg.DatabaseURL = dbtest.URL(t)
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Authn.Params = password.TestParams
	scale := demo.Scales["county"]
	scale.DisputesPerVillage = 30
	res, err := demo.Build(ctx, demo.Deps{DB: a.DB, Authn: a.Authn, NoEvents: true, Disputes: a.Disputes}, scale, 2026, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	q := a.DB.Reader()
	var cases, parties, sessions, agreements, logs, clear int
	for _, c := range []struct {
		n *int
		q string
	}{
		{&cases, "SELECT count(*) FROM disputes"},
		{&parties, "SELECT count(*) FROM dispute_parties"},
		{&sessions, "SELECT count(*) FROM dispute_sessions"},
		{&agreements, "SELECT count(*) FROM dispute_agreements"},
		{&logs, "SELECT count(*) FROM dispute_log"},
		// a sealed phone never holds the number in clear
		{&clear, "SELECT count(*) FROM dispute_parties WHERE phone_sealed = '' OR phone_blind IS NULL OR phone_masked NOT LIKE '%****%' OR phone_sealed LIKE '%' || replace(phone_masked, '****', '') || '%'"},
	} {
		if err := q.QueryRowContext(ctx, c.q).Scan(c.n); err != nil {
			t.Fatal(err)
		}
	}
	if cases != res.Disputes || cases < 2000 || parties < 2*cases || sessions < cases/2 || agreements < cases/4 || logs < cases {
		t.Fatalf("cases %d (result %d), parties %d, sessions %d, agreements %d, log rows %d", cases, res.Disputes, parties, sessions, agreements, logs)
	}
	if clear != 0 {
		t.Fatalf("%d parties' phones not sealed and masked", clear)
	}
	var city demo.Account
	for _, acc := range res.Accounts {
		if acc.Username == demo.CityMediator {
			city = acc
		}
	}
	if city.Username == "" {
		t.Fatal("no city mediator in the result's accounts")
	}
	var uid, name string
	if err := q.QueryRowContext(ctx, "SELECT id, display_name FROM users WHERE username = ?", city.Username).Scan(&uid, &name); err != nil {
		t.Fatal(err)
	}
	grants, err := authn.LoadGrants(ctx, q, uid)
	if err != nil {
		t.Fatal(err)
	}
	pctx := authz.WithPrincipal(ctx, &authz.Principal{UserID: uid, Username: city.Username, DisplayName: name, Grants: grants})
	seen, after := 0, ""
	ids := map[string]bool{}
	var last dispute.Case
	for {
		page, next, err := a.Disputes.List(pctx, dispute.Query{After: after, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			if c.PartiesMasked == "" || !strings.Contains(c.PartiesMasked, "*") {
				t.Fatalf("case %s lists its parties as %q", c.No, c.PartiesMasked)
			}
			if ids[c.ID] || last.ID != "" && (c.RegisteredAt > last.RegisteredAt || c.RegisteredAt == last.RegisteredAt && c.ID > last.ID) {
				t.Fatalf("case %s listed twice or out of order after %s", c.No, last.No)
			}
			ids[c.ID], last = true, c
		}
		seen += len(page)
		if after = next; next == "" {
			break
		}
	}
	if seen != cases {
		t.Fatalf("the city's mediator pages through %d of %d cases", seen, cases)
	}
	// The service numbers a new case of today after the bulk's.
	c, err := a.Disputes.Open(pctx, dispute.Intake{Source: "walk_in", OrgID: grants[0].OrgID, Type: "neighbour", Title: "新案", Facts: "事实",
		Parties: []dispute.PartyIn{{Role: "applicant", Name: "张三"}, {Role: "respondent", Name: "李四"}}}, idem.Key{})
	if err != nil {
		t.Fatal(err)
	}
	var dup int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM disputes WHERE no = ?", c.No).Scan(&dup); err != nil || dup != 1 {
		t.Fatalf("case number %s held %d times (%v)", c.No, dup, err)
	}
}
