package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenAndContext(t *testing.T) {
	dir := t.TempDir()
	k, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	s := k.Seal("JBSWY3DPEHPK3PXP", "users.totp:1")
	if strings.Contains(s, "JBSWY3DPEHPK3PXP") {
		t.Fatal("sealed value contains the plain text")
	}
	if got, err := k.Open(s, "users.totp:1"); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := k.Open(s, "users.totp:2"); err == nil {
		t.Fatal("opened under another context")
	}
	k2, _ := Load(dir, "") // the same file gives the same key
	if _, err := k2.Open(s, "users.totp:1"); err != nil {
		t.Fatalf("reloaded key: %v", err)
	}
	other, _ := Load(t.TempDir(), "")
	if _, err := other.Open(s, "users.totp:1"); err == nil {
		t.Fatal("opened with another key")
	}
	if _, err := Load(dir, "abc"); err == nil {
		t.Fatal("short env key accepted")
	}
}
