// Package apikey checks the keys outside systems present (Open311 clients,
// video and IoT platforms). Only a key's SHA-256 is stored; each key has one
// scope.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Scopes of keys.
const (
	Open311 = "open311" // GeoReport v2 clients
	Alerts  = "alerts"  // video (雪亮工程) and IoT alert webhooks
	CallKey = "callkey" // the 9-key (9键) device platform of the elderly
)

// Key is a verified key.
type Key struct {
	ID, Name, Scope string
}

func hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Verify returns the active key of the scope, or a Forbidden error.
func Verify(ctx context.Context, q db.Querier, key, scope string) (Key, error) {
	if key == "" || len(key) > 200 {
		return Key{}, apperr.E(apperr.Forbidden, "apikey.invalid")
	}
	k := Key{Scope: scope}
	err := q.QueryRowContext(ctx, "SELECT id, name FROM api_keys WHERE key_hash = ? AND scope = ? AND status = 'active'", hash(key), scope).Scan(&k.ID, &k.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, apperr.E(apperr.Forbidden, "apikey.invalid")
	}
	return k, err
}

// Principal is the caller a key acts as: it may report events anywhere.
func (k Key) Principal() *authz.Principal {
	return &authz.Principal{UserID: "apikey:" + k.ID, Username: k.Name, DisplayName: k.Name,
		Grants: []authz.Grant{{Role: k.Scope, RoleName: k.Name, OrgPath: "/", Perms: []authz.Perm{authz.EventReport}}}}
}

// Create makes a new key of a scope and returns it; only its hash is kept.
func Create(ctx context.Context, tx *db.Tx, name, scope string) (string, error) {
	b := make([]byte, 20)
	rand.Read(b)
	key := "gg_" + hex.EncodeToString(b)
	_, err := tx.ExecContext(ctx, "INSERT INTO api_keys (id, name, key_hash, scope, created_at) VALUES (?, ?, ?, ?, ?)",
		db.NewID(), name, hash(key), scope, db.Now())
	return key, err
}
