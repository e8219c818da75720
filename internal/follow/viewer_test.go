package follow

import (
	"context"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/auth"
)

// The shared poll reads as BCS itself, so each delivery re-checks the
// follower: one whose viewer ended is dropped, the others go on.
func TestEndedFollowerIsDropped(t *testing.T) {
	r := New(context.Background(), 10*time.Millisecond)
	s := &state{}
	s.v.Store("v1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	past := time.Now().Add(-time.Second)
	ended := auth.NewContext(ctx, &auth.Viewer{UserID: "usr_x", ExpiresAt: &past})

	stays := Follow(ctx, r, "k", "v1", s.object())
	goes := Follow(ended, r, "k", "v1", s.object())
	waitFor(t, stays, "v1")
	if v, _ := recv(t, goes); v != "v1" { // checked by the caller before it followed
		t.Fatalf("first state %q", v)
	}
	s.v.Store("v2")
	waitFor(t, stays, "v2")
	if v, ok := recv(t, goes); ok {
		t.Fatalf("an ended follower received %q", v)
	}
	if n := r.Polls(); n != 1 {
		t.Fatalf("%d polls; the remaining follower's should run", n)
	}
}
