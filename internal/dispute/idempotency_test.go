package dispute_test

import (
	"encoding/json"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// A grid member's phone sends a dispute again after a lost answer, with the
// same Idempotency-Key: the second answer is the first case, and only one
// case is made. The same key with other fields is refused, and a key of
// another user is theirs alone.
func TestIntakeIdempotent(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	body := map[string]any{"source": "grid", "org_id": pl.village, "type": "neighbour", "title": "邻里噪音纠纷", "facts": "楼上夜间装修噪音扰民。",
		"parties": []map[string]string{{"role": "applicant", "name": "陈一", "phone": "13911112222"}, {"role": "respondent", "name": "王二"}}}
	b, _ := json.Marshal(body)
	send := func(c *testapp.Client, raw []byte) (int, string) {
		t.Helper()
		r := c.RawWith("POST", "/api/v1/disputes", "application/json", raw, map[string]string{"Idempotency-Key": "phone-outbox-1"})
		var out struct{ ID, No string }
		json.Unmarshal(r.Body, &out)
		return r.Status, out.No
	}
	count := func() int {
		var n int
		if err := a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM disputes WHERE title = '邻里噪音纠纷'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	gm := a.LoginAs("gridmember")
	st1, no1 := send(gm, b)
	st2, no2 := send(gm, b)
	if st1 != 201 || st2 != 201 || no1 == "" || no1 != no2 || count() != 1 {
		t.Fatalf("sent twice: %d %q, %d %q; %d cases", st1, no1, st2, no2, count())
	}
	body["facts"] = "另一件事。"
	other, _ := json.Marshal(body)
	if st, _ := send(gm, other); st < 400 || st >= 500 || count() != 1 {
		t.Errorf("the key with other fields: %d, %d cases", st, count())
	}
	// The village mediator's own key of the same name is another request.
	if st, no := send(a.LoginAs("vmediator"), b); st != 201 || no == no1 || count() != 2 {
		t.Errorf("another user's key: %d %q, %d cases", st, no, count())
	}
}
