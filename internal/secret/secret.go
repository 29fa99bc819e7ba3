// Package secret holds the data key: it seals small secrets stored in the
// database (TOTP seeds now, personal data later) with AES-256-GCM and derives
// the audit chain's HMAC key. The key lives in a file in the data dir or in
// GRIDGOV_SECRET_KEY, never in the database, so a copied database file alone
// reveals nothing and cannot be re-chained.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Keys holds the data key.
type Keys struct {
	id   string // short key id written into sealed values, for rotation
	key  []byte
	aead cipher.AEAD
}

// Load reads the key from env (hex, 64 chars) or from dir/secret.key,
// creating that file with a fresh random key when neither exists.
func Load(dir, env string) (*Keys, error) {
	if env != "" {
		return fromHex(strings.TrimSpace(env))
	}
	path := filepath.Join(dir, "secret.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := make([]byte, 32)
		rand.Read(k)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write key: %w", err)
		}
		return New(k)
	}
	if err != nil {
		return nil, err
	}
	return fromHex(strings.TrimSpace(string(b)))
}

func fromHex(s string) (*Keys, error) {
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, errors.New("secret key: want 64 hex characters (32 bytes)")
	}
	return New(k)
}

// New makes Keys from a 32-byte key.
func New(key []byte) (*Keys, error) {
	if len(key) != 32 {
		return nil, errors.New("secret key: want 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("gridgov key id\x00"), key...))
	return &Keys{id: hex.EncodeToString(sum[:4]), key: key, aead: aead}, nil
}

// Seal encrypts plain, binding it to context (e.g. "users.totp_secret:ID") so
// a sealed value copied to another row does not open there.
func (k *Keys) Seal(plain, context string) string {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	ct := k.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return "v1." + k.id + "." + base64.RawStdEncoding.EncodeToString(ct)
}

// Open decrypts a value made by Seal with the same context.
func (k *Keys) Open(sealed, context string) (string, error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", errors.New("secret: not a sealed value")
	}
	if parts[1] != k.id {
		return "", errors.New("secret: sealed with another key")
	}
	ct, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || len(ct) < k.aead.NonceSize() {
		return "", errors.New("secret: malformed sealed value")
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, ct[:n], ct[n:], []byte(context))
	if err != nil {
		return "", errors.New("secret: value does not open (tampered or wrong key)")
	}
	return string(plain), nil
}

// Derive returns a 32-byte subkey for a purpose ("audit-chain", …).
func (k *Keys) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("gridgov/" + purpose))
	return m.Sum(nil)
}
