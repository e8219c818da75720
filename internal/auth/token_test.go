package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bcs-io/bcs/ent/member"
)

func TestNewTokenRoundTrips(t *testing.T) {
	secret, hash := NewToken()
	if !strings.HasPrefix(secret, TokenPrefix) || CheckToken(secret) != nil {
		t.Fatalf("bad token %q", secret)
	}
	if !bytes.Equal(HashToken(secret), hash) {
		t.Fatal("hash differs")
	}
	got, err := ParseBearer("Bearer " + secret)
	if err != nil || got != secret {
		t.Fatalf("ParseBearer = %q, %v", got, err)
	}
	if got, _ := ParseBearer("bearer  " + secret + " "); got != secret {
		t.Fatal("scheme should be case-insensitive and spaces trimmed")
	}
}

func TestParseBearerRejects(t *testing.T) {
	for _, h := range []string{"Basic abc", "Bearer", "Bearer x", "Token bcs_abc", "Bearer bcs_" + strings.Repeat("!", 43)} {
		if _, err := ParseBearer(h); !errors.Is(err, ErrMalformedToken) {
			t.Errorf("ParseBearer(%q) err = %v", h, err)
		}
	}
	if tok, err := ParseBearer(""); tok != "" || err != nil {
		t.Errorf("empty header: %q %v", tok, err)
	}
}

func TestRolesNest(t *testing.T) {
	order := []member.Role{member.RoleVIEWER, member.RoleDEVELOPER, member.RoleMAINTAINER, member.RoleOWNER}
	for i := 1; i < len(order); i++ {
		for a := range roleActions[order[i-1]] {
			if !RoleAllows(order[i], a) {
				t.Errorf("%s may %s but %s may not", order[i-1], a, order[i])
			}
		}
	}
	if RoleAllows(member.RoleVIEWER, ProjectEdit) || RoleAllows(member.RoleMAINTAINER, ProjectDelete) {
		t.Error("roles grant too much")
	}
}

// FuzzParseBearer: any header either yields a well-formed token or an error,
// never a panic, and what it yields always passes CheckToken.
func FuzzParseBearer(f *testing.F) {
	secret, _ := NewToken()
	for _, s := range []string{"", "Bearer " + secret, "bearer " + secret, "Basic Zm9vOmJhcg==", "Bearer bcs_", "Bearer  \t", "Bearer " + secret + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tok, err := ParseBearer(header)
		if err == nil && tok != "" && CheckToken(tok) != nil {
			t.Fatalf("ParseBearer(%q) returned malformed %q", header, tok)
		}
	})
}
