package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := Load("", filepath.Join(t.TempDir(), "k", "bcs.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("apiVersion: v1"))
	if err != nil || bytes.Contains(sealed, []byte("apiVersion")) {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	pt, err := b.Open(sealed)
	if err != nil || string(pt) != "apiVersion: v1" {
		t.Fatalf("open = %q, %v", pt, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered value opened: %v", err)
	}
}

func TestKeyFileIsReusedAndPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bcs.key")
	a, _ := Load("", path)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	sealed, _ := a.Seal([]byte("x"))
	b, _ := Load("", path)
	if pt, err := b.Open(sealed); err != nil || string(pt) != "x" {
		t.Fatal("second Load did not reuse the key")
	}
	if _, err := Load("bm90LTMyLWJ5dGVz", path); err == nil {
		t.Fatal("short env key accepted")
	}
}
