// Package web holds the built web console of gridgov (Vue 3 + Element Plus +
// Leaflet), served by the gridgov server at "/" (index.html) and "/assets/…"
// (content-hashed files that may be cached for ever; index.html must not be
// cached). The server gzips the text files once a process, on their first
// request, and sends a .br file placed beside an asset to browsers that take
// brotli (internal/app/static.go).
//
// The sources live in web/src; `npm ci && npm run build` in web/ rewrites
// web/dist, which is committed so that `go build` needs no Node toolchain.
package web

import (
	"embed"
	"io/fs"
)

// Dist is the built console as embedded: its files are under "dist/"
// (dist/index.html, dist/assets/…). Use FS for a tree rooted at dist.
//
//go:embed all:dist
var Dist embed.FS

// FS returns the built console rooted at dist: "index.html", "assets/…".
func FS() fs.FS {
	sub, err := fs.Sub(Dist, "dist")
	if err != nil {
		panic(err) // cannot happen: "dist" is a valid path
	}
	return sub
}
