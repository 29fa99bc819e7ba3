package app

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// asset is one file of the built console as it is served: its bytes, their
// gzip form (made once, the first time the file is asked for, when it pays)
// and a brotli form when the build left a .br file beside it.
type asset struct {
	ctype      string
	plain      []byte
	gz, br     []byte // nil when there is none
	etag       string // of the plain bytes; each encoding adds its suffix
	compressed bool   // an encoding may be chosen: answers vary on Accept-Encoding
}

// assetCache holds the assets of the embedded build. The build does not
// change while the process runs, so one cache serves every App (tests start
// many).
var assetCache struct {
	sync.Mutex
	m map[string]*assetOnce
}

type assetOnce struct {
	once sync.Once
	a    *asset
	err  error
}

// loadAsset reads name from dist and prepares its encodings, once a
// process.
func loadAsset(dist fs.FS, name string) (*asset, error) {
	assetCache.Lock()
	if assetCache.m == nil {
		assetCache.m = map[string]*assetOnce{}
	}
	o := assetCache.m[name]
	if o == nil {
		o = &assetOnce{}
		assetCache.m[name] = o
	}
	assetCache.Unlock()
	o.once.Do(func() { o.a, o.err = prepareAsset(dist, name) })
	return o.a, o.err
}

func prepareAsset(dist fs.FS, name string) (*asset, error) {
	plain, err := fs.ReadFile(dist, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(plain)
	a := &asset{ctype: mime.TypeByExtension(path.Ext(name)), plain: plain, etag: hex.EncodeToString(sum[:12])}
	if a.ctype == "" {
		a.ctype = http.DetectContentType(plain)
	}
	if !compressible(a.ctype) {
		return a, nil // images, fonts, archives: compressed already
	}
	if br, err := fs.ReadFile(dist, name+".br"); err == nil && len(br) < len(plain) {
		a.br = br
	}
	a.gz = gzipped(plain)
	a.compressed = a.gz != nil || a.br != nil
	return a, nil
}

// compressible is true of the text formats; the others (images, fonts,
// archives) are compressed already and would only grow.
func compressible(ctype string) bool {
	ct, _, _ := strings.Cut(ctype, ";")
	switch strings.TrimSpace(ct) {
	case "text/javascript", "application/javascript", "text/css", "text/html", "text/plain", "application/json",
		"image/svg+xml", "application/xml", "text/xml", "application/wasm", "application/manifest+json":
		return true
	}
	return false
}

// gzipped is b compressed at the best level, or nil when that does not save
// at least a tenth (small files).
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	if buf.Len() >= len(b)*9/10 {
		return nil
	}
	return buf.Bytes()
}

// accepts reports whether the Accept-Encoding header takes coding: named
// (or "*") with a q above zero.
func accepts(header, coding string) bool {
	ok := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		q := 1.0
		if k, v, found := strings.Cut(strings.TrimSpace(params), "="); found && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		if name == coding {
			return q > 0 // the coding named outright decides
		}
		ok = q > 0
	}
	return ok
}

// serve writes the asset in the best encoding the request accepts, with
// its length and an ETag of that encoding; http.ServeContent answers
// conditional and HEAD requests, and range requests of the plain file.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	body, etag := a.plain, a.etag
	if a.compressed {
		h.Add("Vary", "Accept-Encoding")
		ae := r.Header.Get("Accept-Encoding")
		switch {
		case a.br != nil && accepts(ae, "br"):
			body, etag = a.br, a.etag+"-br"
			h.Set("Content-Encoding", "br")
		case a.gz != nil && accepts(ae, "gzip"):
			body, etag = a.gz, a.etag+"-gz"
			h.Set("Content-Encoding", "gzip")
		}
	}
	if h.Get("Content-Encoding") != "" {
		// ServeContent leaves the length out of an encoded answer (it cannot
		// know what a wrapper does); ours is the bytes below, whole: a range of
		// a compressed file is of no use to a browser, so Range is ignored.
		h.Set("Content-Length", strconv.Itoa(len(body)))
		r = r.Clone(r.Context())
		r.Header.Del("Range")
	}
	h.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// servePage writes index.html (small, never cached) gzipped when accepted.
func servePage(w http.ResponseWriter, r *http.Request, page, gz []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Encoding")
	if gz != nil && accepts(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		page = gz
	}
	h.Set("Content-Length", strconv.Itoa(len(page)))
	if r.Method != http.MethodHead {
		w.Write(page)
	}
}
