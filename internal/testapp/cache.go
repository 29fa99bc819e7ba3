package testapp

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
)

// CacheEnv names a directory the test binaries of one run share their demo
// templates through. The first binary that needs a template builds it and
// stores it there; the others — `go test ./...` runs two at a time — wait
// for it on a file lock and copy it instead of building their own. Without
// the variable each binary builds its own, as before.
//
// An entry is keyed by the variant (with or without registers), the
// database (SQLite, or the PostgreSQL server), the Go version, the day
// (the demo's dates are relative to it) and a hash of the module's sources
// and embedded files (the migrations among them) but the tests', so a
// changed demo, service or migration makes a new entry. Still, the cache
// is meant for one run: give each run a fresh directory (.ci/run makes one
// per step) or none. On PostgreSQL a template is a database named
// dbtest.SharedPrefix + the cache's run id (the file "run" in the
// directory) + "_…", which no binary owns: drop them when the run ends
// (dbtest.DropShared; .ci/run does).
const CacheEnv = "GRIDGOV_TEST_CACHE"

// entryFile is demo.json of an entry: the demo's result and the template
// database's name. An entry's directory holds it and data/, the files of
// the demo's data directory.
type entryFile struct {
	Result   demo.Result `json:"result"`
	Database string      `json:"database,omitempty"`
}

// fromCache fills tp from the cache in dir, building the entry first (with
// build, given the PostgreSQL run id the template database is named with)
// when no binary has.
func (tp *template) fromCache(dir, key string, build func(run string) error) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(dir, key+".lock"))
	if err != nil {
		return fmt.Errorf("test cache: %w", err)
	}
	defer unlock()
	path := filepath.Join(dir, key)
	if err := tp.readEntry(path); !errors.Is(err, fs.ErrNotExist) {
		return err // read, or broken
	}
	run, err := runID(dir)
	if err != nil {
		return fmt.Errorf("test cache: %w", err)
	}
	if err := build(run); err != nil {
		return err
	}
	return tp.writeEntry(dir, path)
}

// writeEntry stores tp as the entry path (in dir) at once: written beside
// it and renamed, so a reader finds all of it or nothing.
func (tp *template) writeEntry(dir, path string) error {
	tmp, err := os.MkdirTemp(dir, filepath.Base(path)+".tmp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone once renamed
	meta, err := json.Marshal(entryFile{Result: tp.res, Database: tp.db})
	if err != nil {
		return err
	}
	if err := writeFiles(filepath.Join(tmp, "data"), tp.files); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "demo.json"), meta, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readEntry fills tp from the entry path; fs.ErrNotExist when there is none.
func (tp *template) readEntry(path string) error {
	b, err := os.ReadFile(filepath.Join(path, "demo.json"))
	if err != nil {
		return err
	}
	var meta entryFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&meta); err != nil {
		return fmt.Errorf("test cache %s: %w", path, err)
	}
	tp.res, tp.db = meta.Result, meta.Database
	tp.files = map[string][]byte{}
	data := filepath.Join(path, "data")
	return filepath.WalkDir(data, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(data, p)
		tp.files[rel], err = os.ReadFile(p)
		return err
	})
}

// runID is the cache's id, made by the first binary that needs it: the
// PostgreSQL templates of the cache are named with it.
func runID(dir string) (string, error) {
	path := filepath.Join(dir, "run")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	var r [4]byte
	rand.Read(r[:])
	tmp, err := os.CreateTemp(dir, "run.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(r[:]) + "\n")
	if err := errors.Join(err, tmp.Close()); err != nil {
		return "", err
	}
	// A link is made only if nothing has the name: of two binaries making
	// the id at once, the second reads the first's.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

// cacheKey names the entry of a variant; ok is false when the module's
// sources cannot be read (a binary moved or built with -trimpath): then no
// key could tell a stale entry, and the binary builds its own demo.
func cacheKey(registers bool) (key string, ok bool) {
	src, err := sourceHash()
	if err != nil {
		return "", false
	}
	variant := "demo"
	if registers {
		variant = "registers"
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n%s\n", variant, dbtest.PostgresURL(), runtime.Version(), time.Now().UTC().Format(time.DateOnly), src)
	return variant + "_" + hex.EncodeToString(h.Sum(nil))[:12], true
}

var source struct {
	once sync.Once
	hash string
	err  error
}

// sourceHash hashes the module's code and embedded files under cmd/ and
// internal/ — sources, migrations, seeds — but the tests' and their
// testdata, with go.mod and go.sum.
func sourceHash() (string, error) {
	source.once.Do(func() {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			source.err = errors.New("no source path")
			return
		}
		root := filepath.Join(filepath.Dir(file), "..", "..")
		h := sha256.New()
		add := func(path string) error {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			rel, _ := filepath.Rel(root, path)
			fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
			_, err = io.Copy(h, f)
			return err
		}
		for _, name := range []string{"go.mod", "go.sum"} {
			if source.err = add(filepath.Join(root, name)); source.err != nil {
				return
			}
		}
		for _, top := range []string{"cmd", "internal"} {
			var paths []string
			source.err = filepath.WalkDir(filepath.Join(root, top), func(p string, e fs.DirEntry, err error) error {
				switch {
				case err != nil:
					return err
				case e.IsDir() && e.Name() == "testdata":
					return filepath.SkipDir
				case e.IsDir() || strings.HasSuffix(e.Name(), "_test.go"):
					return nil
				}
				paths = append(paths, p)
				return nil
			})
			if source.err != nil {
				return
			}
			slices.Sort(paths)
			for _, p := range paths {
				if source.err = add(p); source.err != nil {
					return
				}
			}
		}
		source.hash = hex.EncodeToString(h.Sum(nil))
	})
	return source.hash, source.err
}
