package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// TokenPrefix starts every BCS API token, so leaked tokens are easy to spot.
const TokenPrefix = "bcs_"

const tokenBytes = 32

var tokenEncoding = base64.RawURLEncoding

// ErrMalformedToken is returned for a credential that cannot be a BCS token.
var ErrMalformedToken = errors.New("malformed API token")

// NewToken returns a fresh secret and the hash to store for it.
func NewToken() (secret string, hash []byte) {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	secret = TokenPrefix + tokenEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// HashToken is what storage keeps of a token.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CheckToken reports whether s has the shape of a BCS token.
func CheckToken(s string) error {
	body, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok || len(body) != tokenEncoding.EncodedLen(tokenBytes) {
		return ErrMalformedToken
	}
	if _, err := tokenEncoding.DecodeString(body); err != nil {
		return ErrMalformedToken
	}
	return nil
}

// ParseBearer extracts the token from an Authorization header value. An
// empty header yields "" and no error: the caller is anonymous.
func ParseBearer(header string) (string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", nil
	}
	scheme, rest, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMalformedToken
	}
	tok := strings.TrimSpace(rest)
	if err := CheckToken(tok); err != nil {
		return "", err
	}
	return tok, nil
}
