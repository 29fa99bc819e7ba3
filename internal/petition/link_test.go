package petition_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// A petitioner who is a register person with a key-petitioner record:
// the petition links the record, shown only to holders of
// pii.sensitive.key_petitioner (the desk's clerk), not to the leader.
func TestKeyPetitionerLink(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the registers")
	}
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	ctx := context.Background()
	ar := places(t, a)
	var personID, keyID string
	rows, err := a.DB.Reader().QueryContext(ctx, "SELECT id FROM people WHERE status = 'active' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		people = append(people, id)
	}
	rows.Close()
	for _, id := range people {
		if keyID, _, err = a.KeyPersons.KeyPetitionerOf(ctx, a.DB.Reader(), id); err != nil {
			t.Fatal(err)
		} else if keyID != "" {
			personID = id
			break
		}
	}
	if personID == "" {
		t.Fatal("the demo has no key petitioner")
	}
	clerk := a.LoginAs("xfclerk")
	in := newPetition(ar.villageA, day(0), "信访人", "", "", 1)
	in["petitioners"] = []map[string]string{{"name": "信访人", "person_id": personID}}
	p := register(t, clerk, in)
	var seen struct {
		KeyPersonID string `json:"key_person_id"`
	}
	clerk.Do("GET", "/api/v1/petitions/"+p.ID, nil, &seen)
	if seen.KeyPersonID != keyID {
		t.Errorf("the clerk sees key person %q, want %q", seen.KeyPersonID, keyID)
	}
	seen.KeyPersonID = ""
	a.LoginAs("leader").Do("GET", "/api/v1/petitions/"+p.ID, nil, &seen)
	if seen.KeyPersonID != "" {
		t.Errorf("the leader sees the key-petitioner link")
	}
	in["petitioners"] = []map[string]string{{"name": "信访人", "person_id": "no-such-person"}}
	if pr := clerk.Fail("POST", "/api/v1/petitions", in); !hasField(pr, "petitioners[0].person_id") {
		t.Errorf("an unknown person: %+v", pr)
	}
}

// A petition routed to mediation opens a dispute case in the same
// transaction, which the dispute room then shows with its source.
func TestPetitionOpensDisputeCase(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ar := places(t, a)
	clerk := a.LoginAs("xfclerk")
	p := register(t, clerk, newPetition(ar.villageA, day(0), "郑十一", "", "13600003333", 1))
	do(t, clerk, "/api/v1/petitions/"+p.ID+"/accept", map[string]any{"accepted": true, "on": day(0)})
	var routed struct {
		CaseID string `json:"case_id"`
		CaseNo string `json:"case_no"`
	}
	if st := clerk.Do("POST", "/api/v1/petitions/"+p.ID+"/route", map[string]any{"route": "people_mediation", "reason": "邻里纠纷宜调解", "open_case": true}, &routed); st != 200 || routed.CaseID == "" {
		t.Fatalf("route with a case: %d %+v", st, routed)
	}
	var c struct {
		Source string `json:"source"`
	}
	if st := clerk.Do("GET", "/api/v1/disputes/"+routed.CaseID, nil, &c); st != 200 || c.Source != "petition" {
		t.Errorf("the dispute case: %d source %q", st, c.Source)
	}
}
