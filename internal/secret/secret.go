// Package secret holds the data keys: it seals small secrets stored in the
// database (TOTP seeds, personal data) with AES-256-GCM and derives the
// audit chain's and the blind indexes' HMAC keys. The keys live in a key file
// (GRIDGOV_SECRET_KEY_FILE, by default in the data dir; production keeps it
// elsewhere) or in GRIDGOV_SECRET_KEY, never in the database, so a copied
// database file alone reveals nothing and cannot be re-chained.
//
// Rotation: the key file holds one key per line, newest first. New values are
// sealed with the first key; a value names the key that sealed it, so any
// listed key still opens. Subkeys are derived from the last (root) key, which
// stays for as long as the deployment lives: blind indexes and the audit
// chain must not change when the sealing key does.
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
	"slices"
	"strings"
)

// FileName is the key file's default name inside the data directory.
const FileName = "secret.key"

// Keys holds the data keys.
type Keys struct {
	order []*key // newest first: order[0] seals, the last derives
	byID  map[string]*key
}

type key struct {
	id   string // short key id written into sealed values
	raw  []byte
	aead cipher.AEAD
}

// Load reads the keys from env (64 hex characters per key, newest first,
// separated by commas or spaces) or from the key file at path, creating that
// file with a fresh random key when neither exists.
func Load(path, env string) (*Keys, error) {
	if env != "" {
		return parse(env)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := writeFile(path, []string{NewKeyHex()}); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return parse(string(b))
}

// NewKeyHex returns a fresh random 32-byte key in hex.
func NewKeyHex() string {
	k := make([]byte, 32)
	rand.Read(k)
	return hex.EncodeToString(k)
}

// parse reads keys separated by newlines, commas or spaces; lines starting
// with # are comments.
func parse(s string) (*Keys, error) {
	var raws [][]byte
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' }) {
			k, err := hex.DecodeString(f)
			if err != nil || len(k) != 32 {
				return nil, errors.New("secret key: want 64 hex characters (32 bytes) per key")
			}
			raws = append(raws, k)
		}
	}
	if len(raws) == 0 {
		return nil, errors.New("secret key: no key found")
	}
	return New(raws...)
}

// New makes Keys from 32-byte keys, newest first.
func New(raws ...[]byte) (*Keys, error) {
	if len(raws) == 0 {
		return nil, errors.New("secret key: no key")
	}
	ks := &Keys{byID: map[string]*key{}}
	for _, raw := range raws {
		if len(raw) != 32 {
			return nil, errors.New("secret key: want 32 bytes")
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(append([]byte("gridgov key id\x00"), raw...))
		k := &key{id: hex.EncodeToString(sum[:4]), raw: raw, aead: aead}
		if ks.byID[k.id] != nil {
			return nil, fmt.Errorf("secret key: key %s is listed twice", k.id)
		}
		ks.order = append(ks.order, k)
		ks.byID[k.id] = k
	}
	return ks, nil
}

// Current is the id of the key new values are sealed with.
func (k *Keys) Current() string { return k.order[0].id }

// Root is the id of the key subkeys are derived from.
func (k *Keys) Root() string { return k.order[len(k.order)-1].id }

// IDs lists the key ids, newest first.
func (k *Keys) IDs() []string {
	ids := make([]string, len(k.order))
	for i, x := range k.order {
		ids[i] = x.id
	}
	return ids
}

// Seal encrypts plain with the current key, binding it to context (e.g.
// "users.totp_secret:ID") so a sealed value copied to another row does not open there.
func (k *Keys) Seal(plain, context string) string {
	cur := k.order[0]
	nonce := make([]byte, cur.aead.NonceSize())
	rand.Read(nonce)
	ct := cur.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return "v1." + cur.id + "." + base64.RawStdEncoding.EncodeToString(ct)
}

// KeyOf returns the id of the key that sealed a value ("" if it is not sealed).
func KeyOf(sealed string) string {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return ""
	}
	return parts[1]
}

// Open decrypts a value made by Seal with the same context, with whichever
// listed key sealed it.
func (k *Keys) Open(sealed, context string) (string, error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", errors.New("secret: not a sealed value")
	}
	x := k.byID[parts[1]]
	if x == nil {
		return "", errors.New("secret: sealed with a key that is not listed")
	}
	ct, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || len(ct) < x.aead.NonceSize() {
		return "", errors.New("secret: malformed sealed value")
	}
	n := x.aead.NonceSize()
	plain, err := x.aead.Open(nil, ct[:n], ct[n:], []byte(context))
	if err != nil {
		return "", errors.New("secret: value does not open (tampered or wrong key)")
	}
	return string(plain), nil
}

// Reseal returns a value sealed with the current key: the same string when
// it already is, else opened with its old key and sealed anew.
func (k *Keys) Reseal(sealed, context string) (string, bool, error) {
	if KeyOf(sealed) == k.Current() {
		return sealed, false, nil
	}
	plain, err := k.Open(sealed, context)
	if err != nil {
		return "", false, err
	}
	return k.Seal(plain, context), true, nil
}

// Derive returns a 32-byte subkey for a purpose ("audit-chain", …) from the
// root key, so it survives rotation of the sealing key.
func (k *Keys) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.order[len(k.order)-1].raw)
	m.Write([]byte("gridgov/" + purpose))
	return m.Sum(nil)
}

// Rotate puts a fresh key first in the key file at path and returns the new
// keys. Values sealed before stay readable until they are resealed.
func Rotate(path string) (*Keys, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	lines = append([]string{NewKeyHex()}, lines...)
	if err := writeFile(path, lines); err != nil {
		return nil, err
	}
	return parse(strings.Join(lines, "\n"))
}

// Retire removes a key from the key file at path. The current key and the
// root key cannot be retired; the caller checks that no value is still sealed
// with it.
func Retire(path, id string) (*Keys, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, err
	}
	ks, err := parse(strings.Join(lines, "\n"))
	if err != nil {
		return nil, err
	}
	i := slices.Index(ks.IDs(), id)
	switch {
	case i < 0:
		return nil, fmt.Errorf("no key %s in %s", id, path)
	case i == 0:
		return nil, fmt.Errorf("key %s seals new values: rotate first", id)
	case i == len(lines)-1:
		return nil, fmt.Errorf("key %s is the root key that blind indexes and the audit chain derive from; it stays", id)
	}
	lines = slices.Delete(lines, i, i+1)
	if err := writeFile(path, lines); err != nil {
		return nil, err
	}
	return parse(strings.Join(lines, "\n"))
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// writeFile replaces the key file atomically (write, sync, rename) so a crash
// never leaves it half-written.
func writeFile(path string, lines []string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	_, err = f.WriteString("# gridgov data keys, newest first; the last line is the root key\n" + strings.Join(lines, "\n") + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write key: %w", err)
	}
	return os.Rename(tmp, path)
}
