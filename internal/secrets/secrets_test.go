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
