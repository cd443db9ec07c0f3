// Package static embeds the front-end files (vendored htmx, our CSS and JS)
// and serves them under content-hashed paths, so browsers may cache them for
// a year and still never run a stale copy after an upgrade.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed htmx-4.0.1.min.js app.css app.js favicon.ico
var files embed.FS

// HTMXFile is the vendored htmx build; static/vendor-htmx.sh writes it.
const HTMXFile = "htmx-4.0.1.min.js"

// Favicon is the desk's icon; browsers also ask for it at /favicon.ico.
const Favicon = "favicon.ico"

// Prefix is where the assets are mounted.
const Prefix = "/static/"

// Assets maps each file to its versioned URL and back.
type Assets struct {
	urls  map[string]string // file name → versioned URL
	files map[string]string // versioned path below Prefix → file name
}

// Load hashes every embedded file once, at start-up.
func Load() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, files: map[string]string{}}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		versioned := hex.EncodeToString(sum[:])[:12] + "/" + e.Name()
		a.urls[e.Name()] = Prefix + versioned
		a.files[versioned] = e.Name()
	}
	return a, nil
}

// URL returns the versioned URL of a file; it panics on an unknown name
// because that is a programming error caught by any test that renders a page.
func (a *Assets) URL(name string) string {
	u, ok := a.urls[name]
	if !ok {
		panic(fmt.Sprintf("static: no asset %q", name))
	}
	return u
}

// Serve writes the named file (for /favicon.ico, which browsers ask for by
// that name): cacheable for a day, as its URL never changes.
func (a *Assets) Serve(w http.ResponseWriter, r *http.Request, name string) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFileFS(w, r, files, name)
}

// Handler serves the assets below Prefix. Unknown or outdated versions are
// 404s rather than a stale file under a long-lived cache header.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := a.files[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeFileFS(w, r, files, name)
	})
}
