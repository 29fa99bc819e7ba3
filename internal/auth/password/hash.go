// Package password hashes, verifies and vets user passwords.
//
// Hashes are argon2id (RFC 9106) encoded in the PHC string format
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>
//
// where salt and key are unpadded standard base64. [Hash] uses
// [DefaultParams]; [Verify] reads the parameters from the encoded string, so
// stored hashes keep verifying after the defaults change, and reports
// needsRehash so callers can upgrade a hash after a successful login.
//
// Tests in other packages that create or verify many hashes should switch
// to the cheap [TestParams], either per call with [HashWith] or globally with
//
//	func TestMain(m *testing.M) {
//		password.DefaultParams = password.TestParams
//		os.Exit(m.Run())
//	}
//
// (set it before any test runs; DefaultParams must not be modified
// concurrently with Hash, Verify or DummyVerify, and never in production code).
//
// Each verification allocates Params.Memory KiB (64 MiB by default); callers
// exposed to the network should bound the number of concurrent logins.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters and output sizes.
type Params struct {
	// Memory is the memory cost in KiB (the PHC "m" parameter).
	Memory uint32
	// Time is the number of passes over the memory (the PHC "t" parameter).
	Time uint32
	// Threads is the degree of parallelism (the PHC "p" parameter).
	Threads uint8
	// SaltLength is the length in bytes of the random salt made by Hash.
	SaltLength uint32
	// KeyLength is the length in bytes of the derived key.
	KeyLength uint32
}

// DefaultParams are the production parameters: 64 MiB, 3 passes,
// parallelism 2, a 16-byte salt and a 32-byte key. Hash uses them and Verify
// reports needsRehash for hashes made with anything else. It is a variable
// only so that tests can replace it with [TestParams] in TestMain.
var DefaultParams = Params{
	Memory:     64 * 1024,
	Time:       3,
	Threads:    2,
	SaltLength: 16,
	KeyLength:  32,
}

// TestParams are deliberately cheap parameters (1 MiB, 1 pass) for tests.
// They are far too weak for real passwords.
var TestParams = Params{
	Memory:     1024,
	Time:       1,
	Threads:    1,
	SaltLength: 16,
	KeyLength:  32,
}

// Limits accepted by HashWith and by Verify when parsing an encoded hash.
// They keep a corrupted or hostile stored hash from making Verify allocate
// gigabytes or spin for minutes.
const (
	maxMemory    = 1 << 20 // KiB, i.e. 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 128
	maxEncodeLen = 512
)

const algorithm = "argon2id"

// ErrMalformedHash is returned (wrapped) by Verify when the encoded hash
// cannot be parsed or has out-of-range parameters.
var ErrMalformedHash = errors.New("password: malformed hash")

// ErrUnsupportedHash is returned (wrapped) by Verify when the encoded hash
// uses another algorithm or argon2 version.
var ErrUnsupportedHash = errors.New("password: unsupported hash")

var b64 = base64.RawStdEncoding.Strict()

// Hash returns the PHC-encoded argon2id hash of plain made with
// [DefaultParams] and a fresh random salt.
func Hash(plain string) (string, error) {
	return HashWith(plain, DefaultParams)
}

// HashWith is like [Hash] but uses the given parameters. It returns an error
// if the parameters are out of range (zero time or threads, memory below
// 8 KiB per thread or above 1 GiB, salt shorter than 8 bytes, key shorter
// than 16 bytes, …).
func HashWith(plain string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, p.KeyLength)
	return encode(p, salt, key), nil
}

// Verify reports whether plain matches the encoded hash. The key comparison
// is constant-time. needsRehash is true when the password matched but the
// hash was made with parameters other than [DefaultParams]; the caller should
// then store a fresh [Hash] of plain. A malformed or unsupported encoding
// yields a non-nil error (wrapping [ErrMalformedHash] or
// [ErrUnsupportedHash]) and ok == false; Verify never panics on bad input.
func Verify(plain, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, p.KeyLength)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != DefaultParams, nil
}

// dummySalt is a fixed salt for DummyVerify. Its value does not matter.
var dummySalt = []byte("gridgov-dummy-sa")

// DummyVerify performs the same work as [Verify] does for a hash made with
// [DefaultParams] and discards the result. Call it when the user name is
// unknown so that the response time does not reveal whether an account
// exists.
func DummyVerify(plain string) {
	_, _, _ = Verify(plain, dummyHash())
}

// dummyHash is a well-formed hash with the current DefaultParams, so that
// verifying against it runs the full key derivation.
func dummyHash() string {
	p := DefaultParams
	if p.validate() != nil {
		p = Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLength: 16, KeyLength: 32}
	}
	salt := dummySalt
	if int(p.SaltLength) != len(salt) {
		salt = make([]byte, p.SaltLength)
	}
	return encode(p, salt, make([]byte, p.KeyLength))
}

func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("password: time %d out of range [1,%d]", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("password: threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("password: memory %d KiB out of range [%d,%d]", p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.SaltLength < minSaltLen || p.SaltLength > maxSaltLen:
		return fmt.Errorf("password: salt length %d out of range [%d,%d]", p.SaltLength, minSaltLen, maxSaltLen)
	case p.KeyLength < minKeyLen || p.KeyLength > maxKeyLen:
		return fmt.Errorf("password: key length %d out of range [%d,%d]", p.KeyLength, minKeyLen, maxKeyLen)
	}
	return nil
}

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		algorithm, argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(encoded string) (p Params, salt, key []byte, err error) {
	malformed := func(format string, args ...any) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: "+format, append([]any{ErrMalformedHash}, args...)...)
	}
	if len(encoded) > maxEncodeLen {
		return malformed("too long")
	}
	parts := strings.Split(encoded, "$")
	if len(parts) < 2 || parts[0] != "" || parts[1] == "" {
		return malformed("not a PHC string")
	}
	if parts[1] != algorithm {
		return Params{}, nil, nil, fmt.Errorf("%w: algorithm %q", ErrUnsupportedHash, parts[1])
	}
	if len(parts) != 6 {
		return malformed("want 5 '$'-separated fields")
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return malformed("missing version")
	}
	ver, err := parseDecimal(v, 32)
	if err != nil {
		return malformed("version: %v", err)
	}
	if ver != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: argon2 version %d", ErrUnsupportedHash, ver)
	}

	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return malformed("want parameters m,t,p")
	}
	var vals [3]uint64
	for i, name := range [3]string{"m", "t", "p"} {
		s, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return malformed("parameter %d: want %s=", i+1, name)
		}
		bits := 32
		if name == "p" {
			bits = 8
		}
		if vals[i], err = parseDecimal(s, bits); err != nil {
			return malformed("parameter %s: %v", name, err)
		}
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])

	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return malformed("salt: %v", err)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return malformed("key: %v", err)
	}
	p.SaltLength, p.KeyLength = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return malformed("%v", strings.TrimPrefix(err.Error(), "password: "))
	}
	return p, salt, key, nil
}

// parseDecimal parses a canonical PHC decimal: ASCII digits only, no sign,
// no leading zeros (except "0" itself).
func parseDecimal(s string, bits int) (uint64, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("non-canonical number %q", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("invalid number %q", s)
		}
	}
	return strconv.ParseUint(s, 10, bits)
}
