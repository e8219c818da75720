package auth

import (
	"bytes"
	"testing"
)

// A session secret is shaped like no API token, its CSRF token is stable,
// and neither the CSRF token nor the stored hash gives the other away.
func TestSessionSecrets(t *testing.T) {
	secret, hash := newSessionSecret()
	if checkSessionSecret(secret) != nil {
		t.Fatalf("a fresh secret %q is refused", secret)
	}
	tok, _ := NewToken()
	for _, bad := range []string{"", tok, sessionPrefix, sessionPrefix + "x", secret + "x", secret[:len(secret)-1]} {
		if checkSessionSecret(bad) == nil {
			t.Errorf("%q passes as a session secret", bad)
		}
	}
	if CheckToken(secret) == nil {
		t.Error("a session secret passes as an API token")
	}
	csrf := CSRFToken(secret)
	if csrf != CSRFToken(secret) || csrf == CSRFToken(secret+"x") {
		t.Error("the CSRF token is not a function of the secret")
	}
	if bytes.Contains(hash, []byte(csrf)) || tokenEncoding.EncodeToString(hash) == csrf {
		t.Error("the stored hash is the CSRF token")
	}
	s := &Session{CSRF: csrf}
	if !s.CheckCSRF(csrf) || s.CheckCSRF("") || s.CheckCSRF(csrf[:10]) {
		t.Error("CheckCSRF")
	}
	if (&Session{}).CheckCSRF("") {
		t.Error("an empty CSRF token matched an empty session")
	}
}
