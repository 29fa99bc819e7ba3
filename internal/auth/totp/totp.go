// Package totp implements time-based one-time passwords (RFC 6238) with
// HMAC-SHA1, 6 digits and a 30-second step, the parameters every common
// authenticator app uses by default.
//
// Secrets are base32 (RFC 4648) without padding. A login flow calls
// [Verify] with the last step it accepted for the user and, on success,
// stores the returned step so that the same code cannot be used twice.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

const (
	// Digits is the number of digits in a code.
	Digits = 6
	// Period is the length of one time step.
	Period = 30 * time.Second
	// Skew is the number of steps before and after the current one that
	// Verify also accepts, to allow for clock drift and typing delay.
	Skew = 1
	// SecretBytes is the length of the key made by NewSecret (160 bits,
	// as recommended by RFC 4226).
	SecretBytes = 20
	// MinSecretBytes is the shortest key accepted (128 bits, the RFC 4226
	// minimum).
	MinSecretBytes = 16
)

// ErrInvalidSecret is returned (wrapped) for a secret that is not valid
// base32 or is shorter than MinSecretBytes.
var ErrInvalidSecret = errors.New("totp: invalid secret")

// ErrInvalidTime is returned for times before the Unix epoch.
var ErrInvalidTime = errors.New("totp: time before 1970")

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a new random secret of SecretBytes bytes, encoded as
// upper-case base32 without padding (32 characters).
func NewSecret() (string, error) {
	key := make([]byte, SecretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("totp: reading random secret: %w", err)
	}
	return b32.EncodeToString(key), nil
}

// Code returns the code for secret at time t. The secret is base32, with or
// without padding; case and spaces are ignored.
func Code(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	step, ok := stepAt(t)
	if !ok {
		return "", ErrInvalidTime
	}
	return hotp(key, uint64(step)), nil
}

// Verify checks code against secret at time t, accepting the current time
// step and Skew steps either side, but never a step <= lastStep (pass 0 for
// a user who has not used a code yet). Spaces in code are ignored, so
// "123 456" is accepted; anything else that is not exactly Digits ASCII
// digits is rejected. Codes are compared in constant time and every
// candidate step is checked, so timing does not reveal which one matched.
//
// On success Verify returns the matched step (the latest, should two steps
// share a code) and true; the caller must store that step and pass it as
// lastStep next time. On failure, including an invalid secret, it returns
// 0 and false.
func Verify(secret, code string, t time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != Digits {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, false
	}
	cur, valid := stepAt(t)
	if !valid {
		return 0, false
	}
	matched := int64(-1)
	for s := cur - Skew; s <= cur+Skew; s++ {
		if s < 0 {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(key, uint64(s))), []byte(code)) == 1
		if eq && s > lastStep {
			matched = s
		}
	}
	if matched < 0 {
		return 0, false
	}
	return matched, true
}

// URI returns an otpauth:// key URI (the format authenticator apps read
// from QR codes) of the form
//
//	otpauth://totp/ISSUER:ACCOUNT?secret=SECRET&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded (spaces as %20, and ':' so that
// it cannot be mistaken for the label separator). With an empty issuer the
// label is just the account and the issuer parameter is omitted.
func URI(issuer, account, secret string) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	if issuer != "" {
		b.WriteString(escape(issuer))
		b.WriteByte(':')
	}
	b.WriteString(escape(account))
	b.WriteString("?secret=")
	b.WriteString(escape(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(issuer))
	}
	fmt.Fprintf(&b, "&algorithm=SHA1&digits=%d&period=%d", Digits, int(Period/time.Second))
	return b.String()
}

// escape percent-encodes everything except RFC 3986 unreserved characters.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func decodeSecret(secret string) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, secret)
	s = strings.TrimRight(s, "=")
	switch len(s) % 8 {
	case 1, 3, 6: // no whole number of bytes has this length
		return nil, fmt.Errorf("%w: bad base32 length %d", ErrInvalidSecret, len(s))
	}
	key, err := b32.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSecret, err)
	}
	if len(key) < MinSecretBytes {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", ErrInvalidSecret, len(key), MinSecretBytes)
	}
	return key, nil
}

// stepAt returns the RFC 6238 time step T = floor(unix / 30) for t.
func stepAt(t time.Time) (int64, bool) {
	u := t.Unix()
	if u < 0 {
		return 0, false
	}
	return u / int64(Period/time.Second), true
}

// modulus is 10^Digits.
const modulus = 1_000_000

// hotp is RFC 4226 HOTP with HMAC-SHA1 and dynamic truncation to Digits
// digits.
func hotp(key []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, bin%modulus)
}
