package petition_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/rekey"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/testapp"
)

// A petitioner's sealed phone moves to a new data key with the rest, and
// the revealed value is the one registered.
func TestPetitionersResealedAfterRotation(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	ar := places(t, a)
	clerk := a.LoginAs("xfclerk")
	p := register(t, clerk, newPetition(ar.villageA, day(0), "林则徐", "", "13566667777", 1))
	var revealed struct {
		Phone string `json:"phone"`
	}
	if st := clerk.Do("POST", "/api/v1/petitions/"+p.ID+"/reveal", map[string]any{"seq": 1, "fields": []string{"phone"}, "reason": "回访核实电话"}, &revealed); st != 200 ||
		revealed.Phone != "13566667777" {
		t.Fatalf("reveal: %d %+v", st, revealed)
	}
	if pr := clerk.Fail("POST", "/api/v1/petitions/"+p.ID+"/reveal", map[string]any{"seq": 1, "fields": []string{"phone"}, "reason": "看"}); !hasField(pr, "reason") {
		t.Errorf("a reveal without a reason: %+v", pr)
	}
	if st := a.LoginAs("leader").Do("POST", "/api/v1/petitions/"+p.ID+"/reveal", map[string]any{"seq": 1, "fields": []string{"phone"}, "reason": "回访核实电话"}, nil); st != 403 {
		t.Errorf("the leader (no personal.reveal) revealed: %d", st)
	}
	var n int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'petition.reveal' AND object_id = ? AND detail NOT LIKE '%13566667777%'", p.ID).Scan(&n)
	if n != 1 {
		t.Errorf("reveal audit rows without the value: %d", n)
	}

	keys, err := secret.Rotate(a.Cfg.KeyFile())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rekey.Reseal(ctx, a.DB, keys); err != nil {
		t.Fatal(err)
	}
	var id, sealed string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id, phone_sealed FROM petitioners WHERE petition_id = ?", p.ID).Scan(&id, &sealed)
	if got, err := pii.NewVault(keys).Open("petitioners.phone", id, sealed); err != nil || got != "13566667777" {
		t.Errorf("resealed phone opens to %q, %v", got, err)
	}
	if c, _ := rekey.Count(ctx, a.DB); len(c) != 1 {
		t.Errorf("values under more than the current key: %v", c)
	}
}
