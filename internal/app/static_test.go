package app_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// fetch GETs path with the Accept-Encoding given (and other headers),
// undecoded, and returns the answer with its body and the bytes it took on
// the wire (status line, headers and body).
func fetch(t *testing.T, base, path string, headers ...string) (*http.Response, []byte, int) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", resp.Status)
	resp.Header.Write(&head)
	head.WriteString("\r\n")
	return resp, body, head.Len() + len(body)
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// firstVisit lists what a phone opening /#/m for the first time loads:
// index.html, what it names (the entry script, the vendor chunks it
// preloads, the style sheets), and the phone page's chunk with the files
// the entry preloads for it.
func firstVisit(t *testing.T, base string) []string {
	t.Helper()
	_, index, _ := fetch(t, base, "/", "Accept-Encoding", "identity")
	files := []string{"/"}
	var entry string
	for _, m := range regexp.MustCompile(`(src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(string(index), -1) {
		files = append(files, m[2])
		if m[1] == "src" {
			entry = m[2]
		}
	}
	if entry == "" {
		t.Fatalf("no entry script in index.html: %s", index)
	}
	_, js, _ := fetch(t, base, entry, "Accept-Encoding", "identity")
	deps := regexp.MustCompile(`m\.f=\[([^\]]*)\]`).FindSubmatch(js)
	page := regexp.MustCompile(`import\("\./(Mobile-[^"]+\.js)"\),__vite__mapDeps\(\[([0-9,]*)\]\)`).FindSubmatch(js)
	if deps == nil || page == nil {
		t.Fatalf("the entry %s does not name the phone page's chunk and its preloads as the build is expected to", entry)
	}
	all := strings.Split(string(deps[1]), ",")
	add := func(f string) {
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	add("/assets/" + string(page[1]))
	for _, i := range strings.Split(string(page[2]), ",") {
		n, err := strconv.Atoi(i)
		if err != nil || n >= len(all) {
			t.Fatalf("preload %q of %d", i, len(all))
		}
		add("/" + strings.Trim(all[n], `"`))
	}
	return files
}

// The console's files go out gzipped to a browser, with the right length,
// an ETag of each encoding, Vary: Accept-Encoding and the long cache of
// hashed files; the first visit of the phone page takes a fraction of the
// bytes it took uncompressed. Run with -v for the figures in
// docs/benchmarks.md.
func TestStaticCompressedFirstVisit(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	browser := "gzip, deflate, br, zstd" // what Chrome sends
	files := firstVisit(t, a.URL)
	var plainTotal, gzTotal, plainBody, gzBody int
	for _, f := range files {
		rp, plain, np := fetch(t, a.URL, f, "Accept-Encoding", "identity")
		rz, zipped, nz := fetch(t, a.URL, f, "Accept-Encoding", browser)
		if rp.StatusCode != 200 || rz.StatusCode != 200 {
			t.Fatalf("%s: %d / %d", f, rp.StatusCode, rz.StatusCode)
		}
		if rp.Header.Get("Content-Encoding") != "" || rz.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: Content-Encoding %q without and %q with gzip", f, rp.Header.Get("Content-Encoding"), rz.Header.Get("Content-Encoding"))
		}
		if !bytes.Equal(gunzip(t, zipped), plain) {
			t.Fatalf("%s: the gzipped body is not the file", f)
		}
		for _, r := range []*http.Response{rp, rz} {
			if !slices.Contains(r.Header.Values("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q", f, r.Header.Values("Vary"))
			}
			if f != "/" && r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%s: Cache-Control %q", f, r.Header.Get("Cache-Control"))
			}
		}
		if rp.Header.Get("Content-Length") != strconv.Itoa(len(plain)) || rz.Header.Get("Content-Length") != strconv.Itoa(len(zipped)) {
			t.Errorf("%s: Content-Length %s and %s for %d and %d bytes", f, rp.Header.Get("Content-Length"), rz.Header.Get("Content-Length"), len(plain), len(zipped))
		}
		if f != "/" {
			ep, ez := rp.Header.Get("ETag"), rz.Header.Get("ETag")
			if !strings.HasPrefix(ep, `"`) || ep == ez || ez == "" {
				t.Errorf("%s: ETag %s plain, %s gzipped: each encoding needs its own", f, ep, ez)
			}
			if r, body, _ := fetch(t, a.URL, f, "Accept-Encoding", browser, "If-None-Match", ez); r.StatusCode != 304 || len(body) != 0 {
				t.Errorf("%s: revalidation answered %d with %d bytes", f, r.StatusCode, len(body))
			}
		}
		t.Logf("%-44s %9d → %8d bytes", f, np, nz)
		plainTotal, gzTotal, plainBody, gzBody = plainTotal+np, gzTotal+nz, plainBody+len(plain), gzBody+len(zipped)
	}
	t.Logf("first visit of /#/m: %d files, %d bytes uncompressed (%d of bodies), %d gzipped (%d of bodies): %.1f %%",
		len(files), plainTotal, plainBody, gzTotal, gzBody, 100*float64(gzTotal)/float64(plainTotal))
	if gzTotal*3 > plainTotal {
		t.Errorf("the gzipped first visit takes %d of %d bytes, more than a third", gzTotal, plainTotal)
	}

	// A client that refuses gzip gets the file as it is; a missing asset is
	// not found, and not cached for a year.
	js := files[len(files)-1]
	if r, _, _ := fetch(t, a.URL, js, "Accept-Encoding", "gzip;q=0, identity"); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 answered with %q", r.Header.Get("Content-Encoding"))
	}
	if r, _, _ := fetch(t, a.URL, "/assets/nope-00000000.js", "Accept-Encoding", browser); r.StatusCode != 404 || r.Header.Get("Cache-Control") != "" {
		t.Errorf("a missing asset: %d, Cache-Control %q", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	if r, _, _ := fetch(t, a.URL, "/assets/", "Accept-Encoding", browser); r.StatusCode != 404 {
		t.Errorf("the assets folder: %d, want 404 (no listing)", r.StatusCode)
	}
}
