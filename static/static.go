// Package static embeds the front-end files (vendored htmx, our CSS and JS)
// and serves them under content-hashed paths, so browsers may cache them for
// a year and still never run a stale copy after an upgrade.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed htmx-4.0.1.min.js app.css app.js favicon.ico
var files embed.FS

// HTMXFile is the vendored htmx build; static/vendor-htmx.sh writes it.
const HTMXFile = "htmx-4.0.1.min.js"

// Favicon is the desk's icon; browsers also ask for it at /favicon.ico.
const Favicon = "favicon.ico"

// Prefix is where the assets are mounted.
const Prefix = "/static/"

// Assets maps each file to its versioned URL and back, and holds each file
// ready to send: as is, and gzipped once at start-up where that pays.
type Assets struct {
	urls  map[string]string // file name → versioned URL
	files map[string]*asset // versioned path below Prefix → the file
	named map[string]*asset // file name → the file
}

type asset struct {
	name string
	data []byte
	gz   []byte // nil when gzip would not make it smaller
	etag string // strong, from the content hash; the gzip variant adds "-gz"
}

// Load hashes (and compresses) every embedded file once, at start-up.
func Load() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, files: map[string]*asset{}, named: map[string]*asset{}}
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
		hash := hex.EncodeToString(sum[:])[:12]
		versioned := hash + "/" + e.Name()
		f := &asset{name: e.Name(), data: data, etag: `"` + hash + `"`}
		if f.gz, err = gzipped(data); err != nil {
			return nil, err
		}
		a.urls[e.Name()] = Prefix + versioned
		a.files[versioned] = f
		a.named[e.Name()] = f
	}
	return a, nil
}

// gzipped compresses data as hard as gzip can (once, so the time is
// spent at start-up); nil when that saves under a tenth.
func gzipped(data []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if b.Len() > len(data)*9/10 {
		return nil, nil
	}
	return b.Bytes(), nil
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
	f, ok := a.named[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	f.serve(w, r)
}

// Handler serves the assets below Prefix. Unknown or outdated versions are
// 404s rather than a stale file under a long-lived cache header.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := a.files[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		f.serve(w, r)
	})
}

// serve answers with the gzip variant when the browser takes it, with an
// ETag either way (so a revalidation is a 304), and ranges and HEAD as
// http.ServeContent does them.
func (f *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	data, etag := f.data, f.etag
	if f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if AcceptsGzip(r.Header.Get("Accept-Encoding")) {
			data, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	if ct := mimeTypes[path.Ext(f.name)]; ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(data))
}

var mimeTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".ico": "image/x-icon",
}

// AcceptsGzip reads an Accept-Encoding header (RFC 9110, 12.5.3): gzip is
// taken when it is listed with a q-value above zero, or when it is not
// listed and "*" is, with a q-value above zero.
func AcceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		params := strings.Split(part, ";")
		coding := strings.ToLower(strings.TrimSpace(params[0]))
		q := 1.0
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				} else {
					q = 0 // unreadable: not a yes
				}
			}
		}
		switch coding {
		case "gzip", "x-gzip":
			gzipQ = max(gzipQ, q)
		case "*":
			starQ = max(starQ, q)
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
