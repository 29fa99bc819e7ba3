package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenAndContext(t *testing.T) {
	dir := t.TempDir()
	k, err := Load(filepath.Join(dir, FileName), "")
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
	k2, _ := Load(filepath.Join(dir, FileName), "") // the same file gives the same key
	if _, err := k2.Open(s, "users.totp:1"); err != nil {
		t.Fatalf("reloaded key: %v", err)
	}
	other, _ := Load(filepath.Join(t.TempDir(), FileName), "")
	if _, err := other.Open(s, "users.totp:1"); err == nil {
		t.Fatal("opened with another key")
	}
	if _, err := Load(filepath.Join(dir, FileName), "abc"); err == nil {
		t.Fatal("short env key accepted")
	}
}

func TestRotateResealRetire(t *testing.T) {
	dir := t.TempDir()
	k, err := Load(filepath.Join(dir, FileName), "")
	if err != nil {
		t.Fatal(err)
	}
	root, blind := k.Current(), k.Derive("pii-blind/people.id_number")
	old := k.Seal("440102199001011234", "pii:people.id_number:p1")

	k, err = Rotate(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if k.Current() == root || k.Root() != root || len(k.IDs()) != 2 {
		t.Fatalf("after rotation: current %s root %s ids %v", k.Current(), k.Root(), k.IDs())
	}
	if string(k.Derive("pii-blind/people.id_number")) != string(blind) {
		t.Fatal("a derived key changed with rotation")
	}
	if got, err := k.Open(old, "pii:people.id_number:p1"); err != nil || got != "440102199001011234" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	if KeyOf(k.Seal("x", "c")) != k.Current() {
		t.Fatal("new values are not sealed with the new key")
	}
	fresh, changed, err := k.Reseal(old, "pii:people.id_number:p1")
	if err != nil || !changed || KeyOf(fresh) != k.Current() {
		t.Fatalf("reseal: %v %v %s", changed, err, KeyOf(fresh))
	}
	if again, changed, _ := k.Reseal(fresh, "pii:people.id_number:p1"); changed || again != fresh {
		t.Fatal("a value already under the current key was resealed")
	}
	if _, _, err := k.Reseal(old, "pii:people.id_number:p2"); err == nil {
		t.Fatal("resealed under another context")
	}

	// a third key, so the middle one can go; current and root cannot
	k, _ = Rotate(filepath.Join(dir, FileName))
	middle := k.IDs()[1]
	if _, err := Retire(filepath.Join(dir, FileName), k.Current()); err == nil {
		t.Fatal("retired the current key")
	}
	if _, err := Retire(filepath.Join(dir, FileName), root); err == nil {
		t.Fatal("retired the root key")
	}
	k, err = Retire(filepath.Join(dir, FileName), middle)
	if err != nil || len(k.IDs()) != 2 {
		t.Fatalf("retire middle: %v %v", err, k.IDs())
	}
	if _, err := k.Open(fresh, "pii:people.id_number:p1"); err == nil {
		t.Fatal("a value sealed with a retired key still opens")
	}
	reloaded, err := Load(filepath.Join(dir, FileName), "")
	if err != nil || reloaded.Current() != k.Current() || reloaded.Root() != root {
		t.Fatalf("reload: %v", err)
	}
	env, err := Load("", strings.Join([]string{NewKeyHex(), NewKeyHex()}, ","))
	if err != nil || len(env.IDs()) != 2 {
		t.Fatalf("two keys from env: %v", err)
	}
}
