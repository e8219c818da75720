package streams

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		path string
		want target
		ok   bool
	}{
		{"/clusters/c1/k8s/api/v1/namespaces/ns/pods/p/exec", target{"/api/v1/namespaces/ns/pods/p/exec", "ns", "p", Exec}, true},
		{"/api/v1/namespaces/ns/pods/p/attach", target{"/api/v1/namespaces/ns/pods/p/attach", "ns", "p", Attach}, true},
		{"/api/v1/namespaces/ns/pods/p/portforward", target{"/api/v1/namespaces/ns/pods/p/portforward", "ns", "p", PortForward}, true},
		{"/api/v1/namespaces/ns/pods/p/log", target{}, false},
		{"/api/v1/namespaces/ns/pods/p", target{}, false},
		{"/api/v1/namespaces/ns/services/p/exec", target{}, false},
		{"/api/v1/namespaces//pods/p/exec", target{}, false},
		{"/api/v1/namespaces/ns/pods/p/exec/more", target{}, false},
	} {
		got, err := parseTarget(tc.path)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: %+v, %v", tc.path, got, err)
		}
	}
}

// TestPathMustMatchUpstream: the proxy authorized one pod; a path naming
// another is refused before anything is dialled.
func TestPathMustMatchUpstream(t *testing.T) {
	h := New(Options{})
	dialled := false
	up := Upstream{URL: &url.URL{Scheme: "https", Host: "127.0.0.1:1"}, Namespace: "ns", Pod: "p",
		Transport: roundTripper(func(*http.Request) (*http.Response, error) { dialled = true; return nil, http.ErrServerClosed })}
	for _, path := range []string{"/api/v1/namespaces/other/pods/p/exec", "/api/v1/namespaces/ns/pods/q/attach",
		"/api/v1/namespaces/ns/pods/p/attach"} {
		w := httptest.NewRecorder()
		up := up
		up.Subresource = "exec"
		h.ServeStream(w, httptest.NewRequest(http.MethodGet, path+"?command=sh", nil), up)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"kind":"Status"`) || dialled {
			t.Errorf("%s: %d %s (dialled %v)", path, w.Code, w.Body, dialled)
		}
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestScrubDropsClientCredentials(t *testing.T) {
	h := http.Header{}
	for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Impersonate-User", "Impersonate-Group",
		"Impersonate-Extra-Scopes", "Impersonate-Uid", "X-Remote-User", "X-Remote-Group"} {
		h.Set(k, "x")
	}
	h.Set("Upgrade", "SPDY/3.1")
	h.Set("X-Stream-Protocol-Version", "v4.channel.k8s.io")
	scrub(h)
	if len(h) != 2 || h.Get("Upgrade") == "" || h.Get("X-Stream-Protocol-Version") == "" {
		t.Fatalf("after scrub: %v", h)
	}
}

// TestUpstreamPathWins: the proxy's parsed Path, not the request's own,
// names what is opened.
func TestUpstreamPathWins(t *testing.T) {
	h := New(Options{})
	var dialled string
	up := Upstream{URL: &url.URL{Scheme: "https", Host: "127.0.0.1:1"}, Namespace: "ns", Pod: "p",
		Path: "/api/v1/namespaces/ns/pods/p/exec",
		Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			dialled = r.URL.Path
			return nil, http.ErrServerClosed
		})}
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/clusters/c/k8s/api/v1/namespaces/ns/pods/p/exec?command=sh", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	h.ServeStream(w, req, up)
	if dialled != "/api/v1/namespaces/ns/pods/p/exec" || w.Code != http.StatusBadGateway {
		t.Fatalf("dialled %q, answered %d %s", dialled, w.Code, w.Body)
	}
}
