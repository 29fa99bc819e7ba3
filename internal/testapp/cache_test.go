package testapp

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gridgov/gridgov/internal/demo"
)

// fill sets every field v holds to a value of its own, not zero, so that a
// field the cache lost or mangled shows.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("值-%d", *n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Float64, reflect.Float32:
		v.SetFloat(float64(*n) + 0.125)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 3, 3))
		for i := range v.Len() {
			fill(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n)
			fill(e, n)
			v.SetMapIndex(k, e)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// A demo's result, files and template database come back from the cache
// as they went in: every field of demo.Result that tests read from
// App.Demo (accounts with their passwords and TOTP secrets, API keys, ids,
// counts).
func TestCacheEntryRoundTrip(t *testing.T) {
	var in template
	n := 0
	fill(reflect.ValueOf(&in.res).Elem(), &n)
	in.files = map[string][]byte{"secret.key": []byte("key\n"), "gridgov.db": {0, 1, 2, 255}, "sub/f": {}}
	in.db = "gridgov_cache_0a1b2c3d_demo_0123456789ab"
	dir := t.TempDir()
	if err := in.writeEntry(dir, dir+"/e"); err != nil {
		t.Fatal(err)
	}
	var out template
	if err := out.readEntry(dir + "/e"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in.res, out.res) {
		t.Errorf("result:\n in %+v\nout %+v", in.res, out.res)
	}
	if !reflect.DeepEqual(in.files, out.files) || in.db != out.db {
		t.Errorf("files %v db %q, want %v %q", out.files, out.db, in.files, in.db)
	}
	if len(in.res.Accounts) == 0 || in.res.Accounts[0].TOTPSecret == "" {
		t.Fatal("fill left the accounts empty")
	}
}

// Binaries that need an entry at once: one builds it, the others wait on
// the lock and read it; a second key is built on its own.
func TestCacheBuildsOnce(t *testing.T) {
	dir := t.TempDir()
	var builds atomic.Int64
	var runs sync.Map
	get := func(key string) (*template, error) {
		tp := &template{}
		err := tp.fromCache(dir, key, func(run string) error {
			builds.Add(1)
			runs.Store(run, true)
			tp.res = demo.Result{Scale: key, Accounts: []demo.Account{{Username: "u", Password: "p", Role: "r"}}}
			tp.files = map[string][]byte{"secret.key": []byte(key)}
			return nil
		})
		return tp, err
	}
	tps := make([]*template, 6)
	errs := make([]error, len(tps))
	var wg sync.WaitGroup
	for i := range tps {
		wg.Go(func() { tps[i], errs[i] = get("demo_k1") })
	}
	wg.Wait()
	for i, tp := range tps {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if tp.res.Scale != "demo_k1" || len(tp.res.Accounts) != 1 || string(tp.files["secret.key"]) != "demo_k1" {
			t.Errorf("copy %d: %+v %v", i, tp.res, tp.files)
		}
	}
	if b := builds.Load(); b != 1 {
		t.Fatalf("%d builds of one key, want 1", b)
	}
	if _, err := get("registers_k1"); err != nil {
		t.Fatal(err)
	}
	if b := builds.Load(); b != 2 {
		t.Fatalf("%d builds of two keys, want 2", b)
	}
	n := 0
	runs.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d run ids in one cache, want 1", n)
	}
}

// The key is made from the sources: found from this file, it differs
// between the variants.
func TestCacheKey(t *testing.T) {
	a, okA := cacheKey(false)
	b, okB := cacheKey(true)
	if !okA || !okB || a == b {
		t.Fatalf("keys %q %v, %q %v", a, okA, b, okB)
	}
}
