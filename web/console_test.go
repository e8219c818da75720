package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const fakeIndex = `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>`

var fakeScript = strings.Repeat("export const x = 'console';\n", 200)

func fakeConsole() fstest.MapFS {
	return fstest.MapFS{
		"index.html":             {Data: []byte(fakeIndex)},
		"assets/index-abc123.js": {Data: []byte(fakeScript)},
		"assets/logo-def456.png": {Data: []byte("\x89PNG not really")},
		"assets/app-111.css":     {Data: []byte("body{color:red}")},
		"assets/app-111.css.br":  {Data: []byte("brotli bytes")},
		"favicon.svg":            {Data: []byte("<svg/>")},
	}
}

// "/" and deep links are the console's index.html, never cached stale, under
// a CSP that allows no inline or foreign script and no framing.
func TestConsoleIndexAndDeepLinks(t *testing.T) {
	h := Console(ConsoleOptions{Assets: fakeConsole(), Reserved: []string{"/auth/", "/agent/"}})
	for _, p := range []string{"/", "/projects/prj_1/workloads", "/clusters/cls_x/nodes?x=1", "/tokens/"} {
		res, body := get(t, h, p)
		if res.StatusCode != http.StatusOK || body != fakeIndex {
			t.Fatalf("%s: %d %q", p, res.StatusCode, body)
		}
		hd := res.Header
		if hd.Get("Cache-Control") != "no-cache" || hd.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: cache %q type %q", p, hd.Get("Cache-Control"), hd.Get("Content-Type"))
		}
		csp := hd.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self';", "frame-ancestors 'none'", "default-src 'none'", "connect-src 'self' ws://example.com wss://example.com;"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.Split(csp, "style-src")[0], "unsafe-inline") {
			t.Errorf("%s: CSP allows inline script or eval: %q", p, csp)
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") != "no-referrer" || hd.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: security headers %v", p, hd)
		}
	}
	// Missing files and the API's prefixes are 404, not HTML.
	for _, p := range []string{"/assets/index-old999.js", "/robots.txt", "/auth/nope", "/agent"} {
		if res, body := get(t, h, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %q, want 404", p, res.StatusCode, body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/projects", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// A Host header that is not a host cannot add sources to the policy.
func TestConsoleCSPIgnoresForgedHost(t *testing.T) {
	csp := consoleCSP("evil.example; script-src *")
	if strings.Contains(csp, "evil") || strings.Contains(csp, "script-src *") {
		t.Fatalf("CSP took the forged host: %q", csp)
	}
}

// Hashed assets are cached for a year and sent compressed when accepted:
// gzip made once from the embedded file, brotli when the build shipped it.
func TestConsoleAssets(t *testing.T) {
	h := Console(ConsoleOptions{Assets: fakeConsole()})
	res, body := get(t, h, "/assets/index-abc123.js", "Accept-Encoding", "gzip, deflate, br")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" ||
		res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("headers %v", res.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != fakeScript || len(body) >= len(fakeScript) {
		t.Fatalf("gzip body: %d bytes for %d, decodes equal: %v", len(body), len(fakeScript), string(plain) == fakeScript)
	}
	// Not accepted (or refused with q=0): identity.
	for _, ae := range []string{"", "identity", "gzip;q=0", "br;q=0.0, gzip; q=0"} {
		res, body = get(t, h, "/assets/index-abc123.js", "Accept-Encoding", ae)
		if res.Header.Get("Content-Encoding") != "" || body != fakeScript {
			t.Errorf("Accept-Encoding %q: encoding %q", ae, res.Header.Get("Content-Encoding"))
		}
	}
	// The build's own .br is preferred when accepted, and is no file of its own.
	res, body = get(t, h, "/assets/app-111.css", "Accept-Encoding", "gzip, br")
	if res.Header.Get("Content-Encoding") != "br" || body != "brotli bytes" {
		t.Errorf("css: %q %q", res.Header.Get("Content-Encoding"), body)
	}
	if res, _ := get(t, h, "/assets/app-111.css.br"); res.StatusCode != http.StatusNotFound {
		t.Errorf("the .br sibling is served as a file: %d", res.StatusCode)
	}
	// Conditional requests answer 304 for the representation sent.
	res, _ = get(t, h, "/assets/index-abc123.js", "Accept-Encoding", "gzip")
	etag := res.Header.Get("ETag")
	if res, _ := get(t, h, "/assets/index-abc123.js", "Accept-Encoding", "gzip", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d", etag, res.StatusCode)
	}
	// Binary files stay as they are; unhashed root files revalidate.
	if res, _ := get(t, h, "/assets/logo-def456.png", "Accept-Encoding", "gzip"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("png was compressed")
	}
	if res, body := get(t, h, "/favicon.svg"); body != "<svg/>" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("favicon: %q %q", body, res.Header.Get("Cache-Control"))
	}
}

// Without a build the console explains how to make one, at every path.
func TestConsolePlaceholder(t *testing.T) {
	h := Console(ConsoleOptions{Assets: fstest.MapFS{".keep": {}}})
	for _, p := range []string{"/", "/projects"} {
		res, body := get(t, h, p)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "make console") {
			t.Errorf("%s: %d %q", p, res.StatusCode, body)
		}
	}
	if res, _ := get(t, h, "/.keep"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/.keep: %d", res.StatusCode)
	}
}
