// Package idem makes a retried write answer as the first one did. A client
// names its write with a key (an Idempotency-Key header, Open311's
// update_id); the key, scoped to the caller, is remembered in the same
// transaction as the object the write created, so a crash never keeps the
// one without the other.
//
// A retry is recognised by the fingerprint of its parsed fields, not by its
// bytes: a client that sends the same fields in another order, with other
// whitespace or another multipart boundary is retrying, not reusing the key.
package idem

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
)

// MaxKey is the longest key taken.
const MaxKey = 255

// Keep is how long a key is remembered: phones stay offline for days, not
// weeks.
const Keep = 7 * 24 * time.Hour

// Key identifies one write: whose it is (Scope), the client's name for it
// (Key) and the fingerprint of the request (see Fingerprint). An empty Key
// means the client asked for nothing: every request is a new write.
type Key struct {
	Scope, Key, Fingerprint string
}

// ErrRaced is returned by Do when another transaction remembered the same
// key first. The caller's transaction is spoilt; running the whole write
// again answers as the other one did.
var ErrRaced = errors.New("idempotency key remembered concurrently")

// Fingerprint hashes the parsed request v: its JSON with every object's
// fields sorted by name. A struct, a map of fields (url.Values) and a
// decoded JSON value all serve; what differs only in order or layout
// gives the same fingerprint.
func Fingerprint(v any) string {
	b, err := json.Marshal(v)
	if err == nil {
		// Decode and encode again: encoding/json writes map keys sorted,
		// so struct fields and nested objects come out sorted too.
		var tree any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber() // numbers keep their text, not a float's rounding
		if err = d.Decode(&tree); err == nil {
			b, err = json.Marshal(tree)
		}
	}
	if err != nil {
		// Only a value JSON cannot hold (a channel, a NaN) lands here;
		// its printed form still tells two requests apart.
		b = fmt.Appendf(nil, "%#v", v)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Check validates a key as a client sent it in field (the header or form
// field that carried it).
func Check(field, key string) error {
	if len(key) > MaxKey {
		return apperr.Field(field, "validation.length", "min", 1, "max", MaxKey)
	}
	return nil
}

// Do runs create inside tx unless k was seen before, and remembers the
// result create returns (the id of what it made) under k in the same
// transaction. When k was seen with the same fingerprint it returns the
// remembered result and replayed true without calling create; with another
// fingerprint the key is being reused for a different request and it
// refuses (422 idempotency.key_reused). With an empty k.Key it just calls
// create.
func Do(ctx context.Context, tx *db.Tx, k Key, create func() (string, error)) (result string, replayed bool, err error) {
	if k.Key == "" {
		result, err = create()
		return result, false, err
	}
	var fingerprint string
	err = tx.QueryRowContext(ctx, "SELECT request_hash, body FROM idempotency_keys WHERE scope = ? AND key = ?", k.Scope, k.Key).
		Scan(&fingerprint, &result)
	switch {
	case err == nil && fingerprint != k.Fingerprint:
		return "", false, apperr.E(apperr.Unprocessable, "idempotency.key_reused")
	case err == nil:
		return result, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", false, err
	}
	if result, err = create(); err != nil {
		return "", false, err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) VALUES (?, ?, ?, 201, ?, ?)",
		k.Scope, k.Key, k.Fingerprint, result, db.Now())
	if db.IsUniqueViolation(err) {
		// Both looked before either wrote; the other committed first.
		return "", false, fmt.Errorf("%w: %w", ErrRaced, err)
	}
	return result, false, err
}

// Prune forgets the keys remembered before t.
func Prune(ctx context.Context, tx *db.Tx, t time.Time) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", t.UnixMilli())
	return err
}
