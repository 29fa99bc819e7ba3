package idem_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/idem"
)

// Do remembers a key with what the write made, in the write's transaction:
// the same fingerprint replays it, another is refused, and a write that
// fails leaves no key behind.
func TestDo(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	ctx := context.Background()
	made := 0
	run := func(k idem.Key, fail error) (string, bool, error) {
		var out string
		var replayed bool
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			out, replayed, err = idem.Do(ctx, tx, k, func() (string, error) {
				if fail != nil {
					return "", fail
				}
				made++
				return "obj-" + string(rune('0'+made)), nil
			})
			return err
		})
		return out, replayed, err
	}
	k := idem.Key{Scope: "user:1", Key: "k", Fingerprint: idem.Fingerprint(map[string]string{"a": "1"})}
	if _, _, err := run(k, apperr.Field("a", "validation.required")); !apperr.Is(err, "validation.required") {
		t.Fatalf("failed write: %v", err)
	}
	first, replayed, err := run(k, nil)
	if err != nil || replayed || first != "obj-1" {
		t.Fatalf("first: %q %v %v", first, replayed, err)
	}
	again, replayed, err := run(k, nil)
	if err != nil || !replayed || again != first || made != 1 {
		t.Fatalf("retry: %q %v %v (made %d)", again, replayed, err, made)
	}
	other := k
	other.Fingerprint = idem.Fingerprint(map[string]string{"a": "2"})
	if _, _, err := run(other, nil); !apperr.Is(err, "idempotency.key_reused") {
		t.Fatalf("another request under the key: %v", err)
	}
	// The same key in another scope is another key; no key, no memory.
	if out, replayed, err := run(idem.Key{Scope: "user:2", Key: "k", Fingerprint: "x"}, nil); err != nil || replayed || out != "obj-2" {
		t.Fatalf("other scope: %q %v %v", out, replayed, err)
	}
	for range 2 {
		if _, replayed, err := run(idem.Key{}, nil); err != nil || replayed {
			t.Fatalf("no key: %v %v", replayed, err)
		}
	}
	if made != 4 {
		t.Fatalf("made %d objects, want 4", made)
	}
}
