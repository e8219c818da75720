package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// fakeAssets stands in for a built dist, so the test does not depend on
// `make web` having run.
func fakeAssets() fstest.MapFS {
	m := fstest.MapFS{}
	for _, name := range assetFiles {
		m[name] = &fstest.MapFile{Data: []byte("/* " + name + " */")}
	}
	return m
}

func get(t *testing.T, h http.Handler, target string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

// assetURLs returns the src/href values that point at our asset prefix.
func assetURLs(page string) []string {
	re := regexp.MustCompile(`(?:src|href)="(/graphiql/assets/[^"]+)"`)
	var urls []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		urls = append(urls, strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	return urls
}

func TestPage(t *testing.T) {
	h := Handler(Options{Title: "BCS test", Assets: fakeAssets()})
	for _, path := range []string{"/graphiql", "/graphiql/"} {
		res, body := get(t, h, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: content type %q", path, ct)
		}
		for _, want := range []string{
			"<title>BCS test</title>",
			"GraphiQL.createFetcher({ url, subscriptionUrl })",
			"isHeadersEditorEnabled: true",
			"GraphiQLPluginExplorer.explorerPlugin()",
			`absolute("/query", false)`, // the endpoint, as a JS string literal
			`absolute("/query", true)`,
			"projects(first: 10)",
			`integrity="sha256-`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", path, want)
			}
		}
		// No CDN, and no absolute URL at all: everything comes from this server.
		if m := regexp.MustCompile(`https?://`).FindString(body); m != "" {
			t.Errorf("%s: page contains an absolute URL (%q)", path, m)
		}
		if got := len(assetURLs(body)); got != len(assetFiles) {
			t.Errorf("%s: %d asset references, want %d", path, got, len(assetFiles))
		}
	}
}

func TestAssets(t *testing.T) {
	h := Handler(Options{Assets: fakeAssets()})
	_, page := get(t, h, "/graphiql")
	for _, u := range assetURLs(page) {
		res, body := get(t, h, u)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", u, res.StatusCode)
		}
		want := "text/javascript; charset=utf-8"
		if strings.Contains(u, ".css") {
			want = "text/css; charset=utf-8"
		}
		if ct := res.Header.Get("Content-Type"); ct != want {
			t.Errorf("%s: content type %q, want %q", u, ct, want)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s: versioned URL not cached long: %q", u, cc)
		}
		if !strings.HasPrefix(body, "/* ") {
			t.Errorf("%s: unexpected body %q", u, body)
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", u)
		}
		if res, _ := get(t, h, u, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation status %d, want 304", u, res.StatusCode)
		}
	}
	// A stale or missing version must not be cached for good.
	res, _ := get(t, h, "/graphiql/assets/graphiql.min.js?v=old")
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("unversioned asset Cache-Control %q", cc)
	}
	for _, u := range []string{"/graphiql/assets/nope.js", "/graphiql/assets/../web.go", "/other", "/"} {
		if res, _ := get(t, h, u); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", u, res.StatusCode)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/graphiql", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /graphiql: status %d, want 405", rec.Code)
	}
}

func TestPlaceholderWhenNotBuilt(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"empty":   {".keep": &fstest.MapFile{}},
		"partial": {"graphiql.min.js": &fstest.MapFile{Data: []byte("x")}},
	} {
		h := Handler(Options{Assets: fsys})
		res, body := get(t, h, "/graphiql")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", name, res.StatusCode)
		}
		if !strings.Contains(body, "make web") {
			t.Errorf("%s: placeholder does not say to run make web:\n%s", name, body)
		}
		if strings.Contains(body, "<script") {
			t.Errorf("%s: placeholder loads scripts", name)
		}
		if res, _ := get(t, h, "/graphiql/assets/graphiql.min.js"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: asset status %d, want 404", name, res.StatusCode)
		}
	}
}

func TestSubscriptionEndpoint(t *testing.T) {
	h := Handler(Options{Endpoint: "/api/query", SubscriptionEndpoint: "/api/ws", Assets: fakeAssets()})
	_, body := get(t, h, "/graphiql")
	for _, want := range []string{`absolute("/api/query", false)`, `absolute("/api/ws", true)`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestEmbedded checks the real embedded dist when `make web` has filled it;
// on a fresh clone it only checks that the placeholder is served.
func TestEmbedded(t *testing.T) {
	h := Handler(Options{})
	_, body := get(t, h, "/graphiql")
	if strings.Contains(body, "make web") {
		t.Skip("web/dist not built (run make web)")
	}
	for _, u := range assetURLs(body) {
		if res, data := get(t, h, u); res.StatusCode != http.StatusOK || len(data) < 1000 {
			t.Errorf("%s: status %d, %d bytes", u, res.StatusCode, len(data))
		}
	}
}
