package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := Load("", filepath.Join(t.TempDir(), "k", "bcs.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal("cls_1", []byte("apiVersion: v1"))
	if err != nil || bytes.Contains(sealed, []byte("apiVersion")) {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	pt, err := b.Open("cls_1", sealed)
	if err != nil || string(pt) != "apiVersion: v1" {
		t.Fatalf("open = %q, %v", pt, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open("cls_1", sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered value opened: %v", err)
	}
}

// A sealed value copied onto another cluster's row does not open there.
func TestSealedValuesAreBoundToTheirName(t *testing.T) {
	b, _ := New(bytes.Repeat([]byte{3}, 32))
	sealed, err := b.Seal("cls_a", []byte("token-a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open("cls_b", sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a value sealed for cls_a opened as cls_b: %v", err)
	}
	if Legacy(sealed) {
		t.Error("a new value reads as legacy")
	}
}

// sealLegacy seals as BCS did before values were bound: the master key
// itself, version 1, the version byte as additional data.
func sealLegacy(t *testing.T, key, plaintext []byte) []byte {
	t.Helper()
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return aead.Seal(append([]byte{1}, nonce...), nonce, plaintext, []byte{1})
}

// Rows sealed the old way keep opening (so they can be sealed again).
func TestLegacyValuesStillOpen(t *testing.T) {
	key := bytes.Repeat([]byte{4}, 32)
	b, _ := New(key)
	old := sealLegacy(t, key, []byte("old kubeconfig"))
	if !Legacy(old) {
		t.Fatal("legacy value not recognised")
	}
	pt, err := b.Open("cls_any", old)
	if err != nil || string(pt) != "old kubeconfig" {
		t.Fatalf("legacy open = %q, %v", pt, err)
	}
	other, _ := New(bytes.Repeat([]byte{5}, 32))
	if _, err := other.Open("cls_any", old); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("legacy value opened with another key: %v", err)
	}
}

// The sealing key is derived, not the master key: a value sealed now does
// not open with the master key used directly.
func TestSealingKeyIsDerived(t *testing.T) {
	key := bytes.Repeat([]byte{6}, 32)
	b, _ := New(key)
	sealed, _ := b.Seal("cls_1", []byte("x"))
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	n := aead.NonceSize()
	for _, ad := range [][]byte{{2}, append([]byte{2}, "cls_1"...)} {
		if _, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad); err == nil {
			t.Fatal("the master key opens a new value: the sealing key is not derived")
		}
	}
	for _, label := range []string{"mesos-rpc/cls_1", "seal/v2", ""} {
		if bytes.Equal(b.Derive(label), key) {
			t.Errorf("Derive(%q) is the master key", label)
		}
	}
}

func TestKeyFileIsReusedAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bcs.key")
	a, _ := Load("", path)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	sealed, _ := a.Seal("c", []byte("x"))
	b, _ := Load("", path)
	if pt, err := b.Open("c", sealed); err != nil || string(pt) != "x" {
		t.Fatal("second Load did not reuse the key")
	}
	if _, err := Load("bm90LTMyLWJ5dGVz", path); err == nil {
		t.Fatal("short env key accepted")
	}
}

func TestReadableKeyFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bcs.key")
	if _, err := Load("", path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Load("", path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("", path); err != nil {
		t.Errorf("owner-only read-only key refused: %v", err)
	}
}

func TestDerive(t *testing.T) {
	a, _ := New(bytes.Repeat([]byte{1}, 32))
	a2, _ := New(bytes.Repeat([]byte{1}, 32))
	b, _ := New(bytes.Repeat([]byte{2}, 32))
	if !bytes.Equal(a.Derive("mesos-rpc/x"), a2.Derive("mesos-rpc/x")) {
		t.Error("the same key and label must give the same secret on every replica")
	}
	if bytes.Equal(a.Derive("mesos-rpc/x"), a.Derive("mesos-rpc/y")) {
		t.Error("different labels gave the same secret")
	}
	if bytes.Equal(a.Derive("mesos-rpc/x"), b.Derive("mesos-rpc/x")) {
		t.Error("different keys gave the same secret")
	}
}
