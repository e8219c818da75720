// Package secrets seals credentials at rest with AES-256-GCM. The key comes
// from BCS_SECRET_KEY (base64 of 32 bytes) or from a key file that is
// created, readable by its owner only, on first start; a key file that its
// group or others can read is refused. Separate keys are derived from it
// with HKDF-SHA256 for each use (sealing, replica tokens), so that no two
// uses share a key. Sealed values carry a version byte so the scheme can
// change without a flag day:
//
//	1  legacy: sealed with the key itself, bound to nothing (opened only)
//	2  sealed with the derived sealing key, bound to a name (a cluster ID)
//	   as additional data, so a value copied to another row does not open
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Sealed-value versions.
const (
	legacyVersion = 1
	version       = 2
)

// Box seals and opens values with keys derived from one master key.
type Box struct {
	aead   cipher.AEAD // version 2: the HKDF sealing key
	legacy cipher.AEAD // version 1: the master key itself
	key    []byte      // for Derive
}

// ErrCorrupt is returned for a value that was not sealed with this key (or
// not for this name).
var ErrCorrupt = errors.New("secrets: value cannot be opened with this key")

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: key must be 32 bytes, got %d", len(key))
	}
	legacy, err := gcm(key)
	if err != nil {
		return nil, err
	}
	sealKey, err := hkdf.Key(sha256.New, key, nil, "bcs/seal/v2", 32)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := gcm(sealKey)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, legacy: legacy, key: append([]byte(nil), key...)}, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return aead, nil
}

// Load returns a Box keyed from env (base64) when set, else from keyFile,
// creating keyFile with a fresh random key if it does not exist. An existing
// key file must be readable by its owner only.
func Load(env, keyFile string) (*Box, error) {
	if env != "" {
		key, err := base64.StdEncoding.DecodeString(env)
		if err != nil {
			return nil, fmt.Errorf("secrets: BCS_SECRET_KEY is not base64: %w", err)
		}
		return New(key)
	}
	f, err := os.Open(keyFile)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		enc := base64.StdEncoding.EncodeToString(key) + "\n"
		// O_EXCL: two replicas starting together must not each write a key.
		if err := writeNew(keyFile, []byte(enc)); errors.Is(err, os.ErrExist) {
			return Load(env, keyFile) // another replica won; use its key
		} else if err != nil {
			return nil, fmt.Errorf("secrets: write key file: %w", err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: read key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secrets: read key file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secrets: key file %s is readable by its group or others (mode %04o); "+
			"run `chmod 600 %s` (and rotate the key if others may have read it)", keyFile, perm, keyFile)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("secrets: read key file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(string(trimSpace(b)))
	if err != nil {
		return nil, fmt.Errorf("secrets: key file %s is not base64: %w", keyFile, err)
	}
	return New(key)
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Derive returns a 32-byte secret for label, derived from the master key
// with HKDF-SHA256: every replica holding the same key computes it alike,
// so shared tokens need no configuration of their own. Distinct labels give
// independent secrets, none of them the sealing key.
func (b *Box) Derive(label string) []byte {
	k, err := hkdf.Key(sha256.New, b.key, nil, "bcs/derive/"+label, 32)
	if err != nil {
		panic("secrets: hkdf: " + err.Error()) // only for lengths hkdf cannot give; 32 is fine
	}
	return k
}

// Seal encrypts plaintext bound to name (a cluster ID): the result is
// version | nonce | ciphertext, and opens only with the same name.
func (b *Box) Seal(name string, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, boundData(name)), nil
}

// Open decrypts a value that Seal bound to name. Values sealed before
// binding existed (version 1) still open, whatever the name; Legacy tells
// them apart so that they can be sealed again.
func (b *Box) Open(name string, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, ErrCorrupt
	}
	aead, ad := b.aead, boundData(name)
	if sealed[0] == legacyVersion {
		aead, ad = b.legacy, []byte{legacyVersion}
	} else if sealed[0] != version {
		return nil, ErrCorrupt
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n {
		return nil, ErrCorrupt
	}
	pt, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

// Legacy reports whether sealed predates binding (version 1) and should be
// sealed again.
func Legacy(sealed []byte) bool { return len(sealed) > 0 && sealed[0] == legacyVersion }

func boundData(name string) []byte { return append([]byte{version}, name...) }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
