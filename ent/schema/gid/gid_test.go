package gid

import (
	"errors"
	"testing"
)

func TestNewParsesBack(t *testing.T) {
	id := New("prj")
	got, err := Parse(string(id))
	if err != nil || got != id {
		t.Fatalf("Parse(%q) = %q, %v", id, got, err)
	}
	if id.Prefix() != "prj" {
		t.Fatalf("prefix = %q", id.Prefix())
	}
}

func TestIDsAreOrdered(t *testing.T) {
	prev := New("x")
	for range 1000 {
		next := New("x")
		if next <= prev {
			t.Fatalf("%q not after %q", next, prev)
		}
		prev = next
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "prj", "prj_", "p_0000000000000000000000000a", "prj_!!!!!!!!!!!!!!!!!!!!!!!!!!", "prj_0123", "12345"} {
		if _, err := Parse(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) err = %v, want ErrInvalid", s, err)
		}
	}
}
