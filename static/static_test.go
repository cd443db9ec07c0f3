package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Assets go out gzipped to browsers that take it (made once, at start-up),
// plain to the rest, each with an ETag a revalidation answers with a 304.
func TestAssetsAreServedCompressedWithETags(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	get := func(accept, ifNoneMatch string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, a.URL(HTMXFile), nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	plainFile, _ := files.ReadFile(HTMXFile)

	plain := get("", "")
	if plain.Code != http.StatusOK || !bytes.Equal(plain.Body.Bytes(), plainFile) || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("plain: %d, %d bytes, encoding %q", plain.Code, plain.Body.Len(), plain.Header().Get("Content-Encoding"))
	}
	if !strings.Contains(plain.Header().Get("Vary"), "Accept-Encoding") || plain.Header().Get("ETag") == "" {
		t.Fatalf("plain headers: %v", plain.Header())
	}
	if ct := plain.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Fatalf("content type %q", ct)
	}

	gz := get("br, gzip;q=0.8", "")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= len(plainFile)/2 {
		t.Fatalf("gzip: encoding %q, %d bytes of %d", gz.Header().Get("Content-Encoding"), gz.Body.Len(), len(plainFile))
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	if back, _ := io.ReadAll(zr); !bytes.Equal(back, plainFile) {
		t.Fatal("the gzip variant is not the file")
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Fatal("both variants have one ETag")
	}
	if got := get("gzip;q=0", ""); got.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip;q=0 refuses gzip")
	}

	for _, v := range []struct{ accept, etag string }{{"", plain.Header().Get("ETag")}, {"gzip", gz.Header().Get("ETag")}} {
		if got := get(v.accept, v.etag); got.Code != http.StatusNotModified || got.Body.Len() != 0 {
			t.Fatalf("revalidating %s: %d, %d bytes", v.etag, got.Code, got.Body.Len())
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "br, gzip;q=0.8": true, "identity": false, "*": true,
		"gzip;q=0": false, "gzip;Q=0": false, "gzip;foo=1;q=0": false, "*, gzip;q=0": false, "*;q=0": false,
		"gzip;q=0, *": false, "gzip;q=junk": false, "x-gzip": true, "deflate, *;q=0.1": true,
	} {
		if got := AcceptsGzip(header); got != want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
