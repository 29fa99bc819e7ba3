package app

import (
	"bytes"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAccepts(t *testing.T) {
	for _, c := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br", "gzip", true},
		{"gzip, deflate, br", "br", true},
		{"deflate", "gzip", false},
		{"", "gzip", false},
		{"GZIP;q=0.5", "gzip", true},
		{"gzip;q=0, identity", "gzip", false},
		{"*", "br", true},
		{"*;q=0.1, br;q=0", "br", false},
		{"br;q=0, *", "br", false},
		{"gzip ; q=0.000", "gzip", false},
	} {
		if got := accepts(c.header, c.coding); got != c.want {
			t.Errorf("accepts(%q, %q) = %v", c.header, c.coding, got)
		}
	}
}

// An image is sent as it is, with no Vary; a small text file too; a
// brotli file left by the build is preferred when taken; a range is
// answered of the plain file only.
func TestAssetEncodings(t *testing.T) {
	js := []byte(strings.Repeat("export const a = 'gridgov';\n", 200))
	dist := fstest.MapFS{
		"assets/logo-1.png":  {Data: append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 4000)...)},
		"assets/tiny-1.css":  {Data: []byte("a{}")},
		"assets/app-1.js":    {Data: js},
		"assets/app-1.js.br": {Data: []byte("brotli bytes")},
		"assets/other-1.js":  {Data: js},
	}
	get := func(name, ae string, headers ...string) *httptest.ResponseRecorder {
		t.Helper()
		a, err := prepareAsset(dist, name)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/"+name, nil)
		r.Header.Set("Accept-Encoding", ae)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		a.serve(w, r)
		return w
	}
	if w := get("assets/logo-1.png", "gzip, br"); w.Header().Get("Content-Encoding") != "" || w.Header().Get("Vary") != "" ||
		w.Header().Get("Content-Type") != "image/png" || w.Body.Len() != 4008 {
		t.Errorf("png: %v, %d bytes", w.Header(), w.Body.Len())
	}
	if w := get("assets/tiny-1.css", "gzip"); w.Header().Get("Content-Encoding") != "" || w.Body.String() != "a{}" {
		t.Errorf("tiny css: %v", w.Header())
	}
	if w := get("assets/app-1.js", "gzip, br"); w.Header().Get("Content-Encoding") != "br" || w.Body.String() != "brotli bytes" ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("js with br: %v %q", w.Header(), w.Body.String())
	}
	w := get("assets/other-1.js", "gzip, br")
	zipped := w.Body.Bytes()
	if w.Header().Get("Content-Encoding") != "gzip" || len(zipped) >= len(js)/10 {
		t.Fatalf("js without br: %v, %d bytes", w.Header(), len(zipped))
	}
	if w.Header().Get("Content-Length") != strconv.Itoa(len(zipped)) {
		t.Errorf("gzipped Content-Length %q for %d bytes", w.Header().Get("Content-Length"), len(zipped))
	}
	if w := get("assets/other-1.js", "gzip", "Range", "bytes=0-9"); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), zipped) {
		t.Errorf("range of the gzipped file: %d %v", w.Code, w.Header())
	}
	if w := get("assets/other-1.js", "identity", "Range", "bytes=0-9"); w.Code != 206 || !bytes.Equal(w.Body.Bytes(), js[:10]) ||
		w.Header().Get("Content-Length") != "10" {
		t.Errorf("range of the file: %d %v", w.Code, w.Header())
	}
	if w := get("assets/other-1.js", "gzip", "If-None-Match", w.Header().Get("ETag")); w.Code != 304 || w.Body.Len() != 0 {
		t.Errorf("revalidation: %d %v", w.Code, w.Header())
	}
}
