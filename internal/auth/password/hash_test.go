package password

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashFormat(t *testing.T) {
	enc, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	parts := strings.Split(enc, "$")
	if len(parts) != 6 {
		t.Fatalf("want 6 fields, got %d in %q", len(parts), enc)
	}
	if salt, _ := b64.DecodeString(parts[4]); len(salt) != 16 {
		t.Errorf("salt length = %d, want 16", len(salt))
	}
	if key, _ := b64.DecodeString(parts[5]); len(key) != 32 {
		t.Errorf("key length = %d, want 32", len(key))
	}
	if strings.ContainsAny(parts[4]+parts[5], "=") {
		t.Errorf("base64 must be unpadded: %q", enc)
	}
}

func TestRoundTrip(t *testing.T) {
	// DefaultParams round trip (slow: 64 MiB per hash).
	enc, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := Verify("correct horse battery staple", enc); err != nil || !ok || rehash {
		t.Errorf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}

	for _, pw := range []string{"correct horse battery staple", "", "密码Abc123!", strings.Repeat("x", 200)} {
		enc, err := HashWith(pw, TestParams)
		if err != nil {
			t.Fatal(err)
		}
		ok, _, err := Verify(pw, enc)
		if err != nil || !ok {
			t.Errorf("Verify(%q) = %v, %v; want true, nil", pw, ok, err)
		}
		ok, rehash, err := Verify(pw+"x", enc)
		if err != nil || ok || rehash {
			t.Errorf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	}
}

func TestSaltIsRandom(t *testing.T) {
	a, _ := HashWith("same", TestParams)
	b, _ := HashWith("same", TestParams)
	if a == b {
		t.Fatal("two hashes of the same password are equal")
	}
}

func TestWrongPassword(t *testing.T) {
	enc, err := HashWith("Tr0ub4dor&3xyz", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"tr0ub4dor&3xyz", "Tr0ub4dor&3xy", "Tr0ub4dor&3xyz ", ""} {
		if ok, _, err := Verify(pw, enc); ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

// Known-answer tests. The expected strings were produced by the argon2
// reference implementation's CLI (Debian package argon2), e.g.
//
//	echo -n password | argon2 0123456789abcdef -id -t 1 -k 64 -p 1 -l 16 -e
func TestKnownAnswer(t *testing.T) {
	salt := []byte("0123456789abcdef")
	p := Params{Memory: 64, Time: 1, Threads: 1, SaltLength: 16, KeyLength: 16}
	key := argon2.IDKey([]byte("password"), salt, p.Time, p.Memory, p.Threads, p.KeyLength)
	const want = "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$J/v5MmIb6KQXDBCdN9L8LQ"
	if got := encode(p, salt, key); got != want {
		t.Fatalf("encode = %q, want %q", got, want)
	}
	if ok, rehash, err := Verify("password", want); !ok || !rehash || err != nil {
		t.Errorf("Verify(reference m=64) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}

	// echo -n "correct horse battery staple" | argon2 gridgovsalt16byt -id -t 3 -m 16 -p 2 -l 32 -e
	const ref = "$argon2id$v=19$m=65536,t=3,p=2$Z3JpZGdvdnNhbHQxNmJ5dA$V1BB6VIgrBzHAZpjhiTdrK5jaq2xpVFzMkRfKXXQ4vk"
	if ok, rehash, err := Verify("correct horse battery staple", ref); !ok || rehash || err != nil {
		t.Errorf("Verify(reference default) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestNeedsRehash(t *testing.T) {
	enc, err := HashWith("pw", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := Verify("pw", enc)
	if err != nil || !ok || !rehash {
		t.Fatalf("TestParams hash: Verify = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	// A wrong password never asks for a rehash.
	if _, rehash, _ := Verify("nope", enc); rehash {
		t.Error("needsRehash set for a wrong password")
	}

	// Each parameter counts. Use cheap defaults to keep this fast.
	saved := DefaultParams
	t.Cleanup(func() { DefaultParams = saved })
	DefaultParams = Params{Memory: 256, Time: 2, Threads: 2, SaltLength: 16, KeyLength: 32}
	same := DefaultParams
	for _, tc := range []struct {
		p      Params
		rehash bool
	}{
		{same, false},
		{Params{Memory: 128, Time: 2, Threads: 2, SaltLength: 16, KeyLength: 32}, true},
		{Params{Memory: 256, Time: 1, Threads: 2, SaltLength: 16, KeyLength: 32}, true},
		{Params{Memory: 256, Time: 2, Threads: 1, SaltLength: 16, KeyLength: 32}, true},
		{Params{Memory: 256, Time: 2, Threads: 2, SaltLength: 16, KeyLength: 16}, true},
		{Params{Memory: 256, Time: 2, Threads: 2, SaltLength: 8, KeyLength: 32}, true},
	} {
		enc, err := HashWith("pw", tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if ok, rehash, err := Verify("pw", enc); !ok || rehash != tc.rehash || err != nil {
			t.Errorf("%+v: Verify = %v, %v, %v; want true, %v, nil", tc.p, ok, rehash, err, tc.rehash)
		}
	}
}

func TestDefaultParamsOverride(t *testing.T) {
	saved := DefaultParams
	t.Cleanup(func() { DefaultParams = saved })
	DefaultParams = TestParams
	enc, err := Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(enc, "$m=1024,t=1,p=1$") {
		t.Fatalf("Hash ignored DefaultParams: %q", enc)
	}
	if ok, rehash, err := Verify("pw", enc); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	DummyVerify("pw")
}

func TestHashWithInvalidParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 1024, Time: 0, Threads: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 1024, Time: 1, Threads: 0, SaltLength: 16, KeyLength: 32},
		{Memory: 7, Time: 1, Threads: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 1024, Time: 1, Threads: 1, SaltLength: 4, KeyLength: 32},
		{Memory: 1024, Time: 1, Threads: 1, SaltLength: 16, KeyLength: 4},
		{Memory: 1<<20 + 1, Time: 1, Threads: 1, SaltLength: 16, KeyLength: 32},
	} {
		if enc, err := HashWith("pw", p); err == nil {
			t.Errorf("HashWith(%+v) = %q, want error", p, enc)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	const salt = "MDEyMzQ1Njc4OWFiY2RlZg"                     // 16 bytes
	const key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" // 32 bytes
	valid := "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key
	if _, _, err := Verify("x", valid); err != nil {
		t.Fatalf("baseline %q: %v", valid, err)
	}
	tests := []struct {
		name, enc   string
		unsupported bool
	}{
		{"empty", "", false},
		{"garbage", "not a hash", false},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", true},
		{"argon2i", "$argon2i$v=19$m=1024,t=1,p=1$" + salt + "$" + key, true},
		{"argon2d", "$argon2d$v=19$m=1024,t=1,p=1$" + salt + "$" + key, true},
		{"version 16", "$argon2id$v=16$m=1024,t=1,p=1$" + salt + "$" + key, true},
		{"missing version", "$argon2id$m=1024,t=1,p=1$" + salt + "$" + key, false},
		{"no leading $", "argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key, false},
		{"trailing $", valid + "$", false},
		{"missing key", "$argon2id$v=19$m=1024,t=1,p=1$" + salt, false},
		{"empty key", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$", false},
		{"empty salt", "$argon2id$v=19$m=1024,t=1,p=1$$" + key, false},
		{"bad version", "$argon2id$v=x$m=1024,t=1,p=1$" + salt + "$" + key, false},
		{"params reordered", "$argon2id$v=19$t=1,m=1024,p=1$" + salt + "$" + key, false},
		{"params missing p", "$argon2id$v=19$m=1024,t=1$" + salt + "$" + key, false},
		{"params extra", "$argon2id$v=19$m=1024,t=1,p=1,k=2$" + salt + "$" + key, false},
		{"params spaces", "$argon2id$v=19$m=1024, t=1, p=1$" + salt + "$" + key, false},
		{"negative m", "$argon2id$v=19$m=-1024,t=1,p=1$" + salt + "$" + key, false},
		{"plus sign", "$argon2id$v=19$m=+1024,t=1,p=1$" + salt + "$" + key, false},
		{"leading zero", "$argon2id$v=19$m=01024,t=1,p=1$" + salt + "$" + key, false},
		{"hex", "$argon2id$v=19$m=0x400,t=1,p=1$" + salt + "$" + key, false},
		{"empty m", "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key, false},
		{"t zero", "$argon2id$v=19$m=1024,t=0,p=1$" + salt + "$" + key, false},
		{"p zero", "$argon2id$v=19$m=1024,t=1,p=0$" + salt + "$" + key, false},
		{"p overflow", "$argon2id$v=19$m=1024,t=1,p=256$" + salt + "$" + key, false},
		{"m overflow", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key, false},
		{"m huge", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key, false},
		{"t huge", "$argon2id$v=19$m=1024,t=4294967295,p=1$" + salt + "$" + key, false},
		{"m below 8p", "$argon2id$v=19$m=8,t=1,p=2$" + salt + "$" + key, false},
		{"salt not base64", "$argon2id$v=19$m=1024,t=1,p=1$!!!!$" + key, false},
		{"salt padded", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "==$" + key, false},
		{"salt url alphabet", "$argon2id$v=19$m=1024,t=1,p=1$__-_MDEyMzQ1Njc4OWFi$" + key, false},
		{"salt too short", "$argon2id$v=19$m=1024,t=1,p=1$MDEy$" + key, false},
		{"key not base64", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "*", false},
		{"key non-canonical bits", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "Z", false},
		{"key too short", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$MDEyMzQ1", false},
		{"key too long", "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + b64.EncodeToString(make([]byte, 200)), false},
		{"too long overall", valid + strings.Repeat("A", 600), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := Verify("x", tc.enc)
			if err == nil || ok || rehash {
				t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, error", tc.enc, ok, rehash, err)
			}
			want := ErrMalformedHash
			if tc.unsupported {
				want = ErrUnsupportedHash
			}
			if !errors.Is(err, want) {
				t.Errorf("error %v does not wrap %v", err, want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg")
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=255$$")
	f.Fuzz(func(t *testing.T, enc string) {
		// Must not panic; keep the cost bounded for the fuzzer.
		if strings.Contains(enc, "m=") && !strings.Contains(enc, "m=64,") {
			return
		}
		ok, _, err := Verify("x", enc)
		if ok && err != nil {
			t.Fatal("ok with error")
		}
	})
}

// TestDummyHashCostsAsMuchAsVerify checks the structure that makes
// DummyVerify take as long as a real verification: its hash decodes cleanly
// (so Verify derives a key instead of failing early) with DefaultParams.
func TestDummyHashCostsAsMuchAsVerify(t *testing.T) {
	p, salt, key, err := decode(dummyHash())
	if err != nil {
		t.Fatalf("dummy hash does not decode: %v", err)
	}
	if p != DefaultParams {
		t.Errorf("dummy hash params %+v, want DefaultParams %+v", p, DefaultParams)
	}
	if len(salt) != int(p.SaltLength) || len(key) != int(p.KeyLength) {
		t.Errorf("salt %d / key %d bytes, want %d / %d", len(salt), len(key), p.SaltLength, p.KeyLength)
	}
	if ok, _, err := Verify("any password", dummyHash()); ok || err != nil {
		t.Errorf("Verify(dummy) = %v, %v; want false, nil", ok, err)
	}
}

func BenchmarkHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashWith("correct horse battery staple", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	enc, err := HashWith("correct horse battery staple", DefaultParams)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = Verify("correct horse battery staple", enc)
	}
}
