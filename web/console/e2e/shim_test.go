package e2e

// TEMPORARY, delete when the console-backend branch is merged: with
// BCS_CONSOLE_SHIM=1 the suite runs against this stand-in for what bcs serve
// will do itself (CONSOLE-CONTRACT.md): serve web/console/dist with deep
// links, sign in by token into an HttpOnly cookie session with a CSRF token,
// and pass GraphQL (HTTP and websocket) on to bcs with the session's token.
// The default run uses bcs serve directly.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type shimSession struct{ token, csrf, id, name string }

func startShim(t *testing.T, backend, dist string) string {
	t.Helper()
	target, _ := url.Parse(backend)
	var mu sync.Mutex
	sessions := map[string]*shimSession{}
	random := func() string {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}
	current := func(r *http.Request) *shimSession {
		c, err := r.Cookie("bcs_session")
		if err != nil {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		return sessions[c.Value]
	}
	unauth := func(w http.ResponseWriter) {
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"UNAUTHENTICATED","message":"sign in"}}`))
	}
	reply := func(w http.ResponseWriter, s *shimSession) {
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"user": map[string]string{"id": s.id, "name": s.name}, "csrfToken": s.csrf})
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	mux := http.NewServeMux()
	mux.HandleFunc("/auth/session", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			if s := current(r); s != nil {
				reply(w, s)
				return
			}
			unauth(w)
		case http.MethodPost:
			var in struct{ Token string }
			_ = json.NewDecoder(r.Body).Decode(&in)
			req, _ := http.NewRequest(http.MethodPost, backend+"/query", strings.NewReader(`{"query":"{ me { id name } }"}`))
			req.Header.Set("content-type", "application/json")
			req.Header.Set("authorization", "Bearer "+in.Token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				unauth(w)
				return
			}
			defer res.Body.Close()
			var body struct {
				Data *struct{ Me struct{ ID, Name string } }
			}
			if json.NewDecoder(res.Body).Decode(&body) != nil || body.Data == nil {
				unauth(w)
				return
			}
			s := &shimSession{token: in.Token, csrf: random(), id: body.Data.Me.ID, name: body.Data.Me.Name}
			sid := random()
			mu.Lock()
			sessions[sid] = s
			mu.Unlock()
			http.SetCookie(w, &http.Cookie{Name: "bcs_session", Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			reply(w, s)
		case http.MethodDelete:
			s := current(r)
			if s == nil || r.Header.Get("x-csrf-token") != s.csrf {
				unauth(w)
				return
			}
			c, _ := r.Cookie("bcs_session")
			mu.Lock()
			delete(sessions, c.Value)
			mu.Unlock()
			http.SetCookie(w, &http.Cookie{Name: "bcs_session", Value: "", Path: "/", MaxAge: -1})
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		s := current(r)
		if s == nil {
			unauth(w)
			return
		}
		if r.Method == http.MethodPost && r.Header.Get("x-csrf-token") != s.csrf {
			http.Error(w, `{"errors":[{"message":"missing CSRF token","extensions":{"code":"FORBIDDEN"}}]}`, http.StatusForbidden)
			return
		}
		r.Header.Del("cookie")
		r.Header.Set("authorization", "Bearer "+s.token)
		r.Header.Del("origin")
		proxy.ServeHTTP(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p := filepath.Join(dist, filepath.Clean("/"+r.URL.Path))
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			http.ServeFile(w, r, p)
			return
		}
		http.ServeFile(w, r, filepath.Join(dist, "index.html"))
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s.URL
}
