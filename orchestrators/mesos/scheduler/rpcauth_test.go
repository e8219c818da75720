package scheduler

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func signed(t *testing.T, key []byte, method, path, body string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://leader:8080"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	SignRPC(req, key, []byte(body), at)
	return req
}

func TestRPCSignatures(t *testing.T) {
	key := []byte("cluster-key")
	now := time.Unix(1_800_000_000, 0)
	path := "/internal/mesos-scheduler/cls_1/listApps"
	v := &RPCVerifier{Now: func() time.Time { return now }}

	req := signed(t, key, http.MethodPost, path, "{}", now)
	if err := v.Verify(req, key, []byte("{}")); err != nil {
		t.Fatalf("a fresh call: %v", err)
	}
	if err := v.Verify(req, key, []byte("{}")); !errors.Is(err, ErrRPCSignature) {
		t.Fatalf("the same call again (a replay) was accepted: %v", err)
	}

	cases := map[string]struct {
		req  *http.Request
		key  []byte
		body string
	}{
		"stale":           {signed(t, key, http.MethodPost, path, "{}", now.Add(-RPCMaxSkew-time.Second)), key, "{}"},
		"from the future": {signed(t, key, http.MethodPost, path, "{}", now.Add(RPCMaxSkew+time.Second)), key, "{}"},
		"another body":    {signed(t, key, http.MethodPost, path, "{}", now), key, `{"app":"x"}`},
		"another key":     {signed(t, []byte("other"), http.MethodPost, path, "{}", now), key, "{}"},
		"no key here":     {signed(t, key, http.MethodPost, path, "{}", now), nil, "{}"},
		"unsigned":        {func() *http.Request { r, _ := http.NewRequest(http.MethodPost, "http://x"+path, nil); return r }(), key, ""},
		"a bearer token": {func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, "http://x"+path, nil)
			r.Header.Set("Authorization", "Bearer cluster-key")
			return r
		}(), key, ""},
	}
	// Another path or method, with the signature of the original call.
	moved := signed(t, key, http.MethodPost, path, "{}", now)
	moved.URL.Path = "/internal/mesos-scheduler/cls_1/deleteApp"
	cases["another path"] = struct {
		req  *http.Request
		key  []byte
		body string
	}{moved, key, "{}"}
	for name, c := range cases {
		if err := v.Verify(c.req, c.key, []byte(c.body)); !errors.Is(err, ErrRPCSignature) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
	// A nonce is forgotten only once its call could no longer be fresh.
	later := &RPCVerifier{Now: func() time.Time { return now }}
	first := signed(t, key, http.MethodPost, path, "{}", now)
	if err := later.Verify(first, key, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	now = now.Add(RPCMaxSkew / 2)
	if err := later.Verify(first, key, []byte("{}")); !errors.Is(err, ErrRPCSignature) {
		t.Fatalf("a replay within the window was accepted: %v", err)
	}
}
