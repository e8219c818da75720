package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent/member"
)

func tracked(a *Authenticator, user, tok ID) *Viewer {
	v := &Viewer{UserID: user, TokenID: tok, Roles: map[ID]member.Role{"prj_a": member.RoleDEVELOPER}, hash: string(tok), life: &life{}}
	a.mu.Lock()
	if a.cache == nil {
		a.cache = map[string]cached{}
	}
	a.cache[v.hash] = cached{viewer: v, expires: time.Now().Add(time.Hour)}
	a.mu.Unlock()
	return v
}

// Events end exactly the viewers they concern, in the cache and held by
// sockets, and run each socket's hook once; a grant only drops the cache.
func TestEventsEndTheViewersTheyConcern(t *testing.T) {
	a := &Authenticator{}
	var broadcast []string
	a.Broadcast = func(_ context.Context, e string) { broadcast = append(broadcast, e) }
	alice1, alice2, bob := tracked(a, "usr_alice", "tok_1"), tracked(a, "usr_alice", "tok_2"), tracked(a, "usr_bob", "tok_3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ended [3]atomic.Int32
	for i, v := range []*Viewer{alice1, alice2, bob} {
		a.Watch(ctx, v, func(error) { ended[i].Add(1) })
	}

	a.Apply("auth:bogus:usr_alice")
	a.Apply("auth:token:")
	a.Apply("something else")
	a.MembershipAdded(ctx, "usr_alice")
	if alice1.Err() != nil || alice2.Err() != nil {
		t.Fatal("a grant ended viewers")
	}
	a.TokenRevoked(ctx, "tok_1")
	if !errors.Is(alice1.Err(), ErrRevoked) || alice2.Err() != nil || bob.Err() != nil {
		t.Fatalf("after revoking tok_1: %v %v %v", alice1.Err(), alice2.Err(), bob.Err())
	}
	a.MembershipChanged(ctx, "usr_alice")
	a.MembershipChanged(ctx, "usr_alice")
	if !errors.Is(alice1.Err(), ErrInvalidToken) || !errors.Is(alice2.Err(), ErrScopeChanged) || bob.Err() != nil {
		t.Fatalf("after alice's memberships changed: %v %v %v", alice1.Err(), alice2.Err(), bob.Err())
	}
	if ended[0].Load() != 1 || ended[1].Load() != 1 || ended[2].Load() != 0 {
		t.Fatalf("hooks ran %d %d %d times", ended[0].Load(), ended[1].Load(), ended[2].Load())
	}
	if len(broadcast) != 4 || broadcast[1] != "auth:token:tok_1" {
		t.Fatalf("broadcast %v", broadcast)
	}
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.mu.Lock()
		n := len(a.watched)
		a.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d viewers still watched after their sockets ended", n)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// A watched viewer ends when its token expires.
func TestWatchedViewerEndsAtExpiry(t *testing.T) {
	a := &Authenticator{}
	exp := time.Now().Add(50 * time.Millisecond)
	v := &Viewer{UserID: "usr_a", TokenID: "tok_a", ExpiresAt: &exp, life: &life{}}
	done := make(chan error, 1)
	a.Watch(context.Background(), v, func(err error) { done <- err })
	select {
	case err := <-done:
		if !errors.Is(err, ErrExpired) {
			t.Fatalf("ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the viewer outlived its token")
	}
}

// A viewer covers another when it grants at least as much.
func TestCovers(t *testing.T) {
	v := func(admin bool, roles map[ID]member.Role) *Viewer { return &Viewer{Admin: admin, Roles: roles} }
	dev := map[ID]member.Role{"prj_a": member.RoleDEVELOPER}
	for _, tc := range []struct {
		cur, old *Viewer
		want     bool
	}{
		{v(false, dev), v(false, dev), true},
		{v(false, map[ID]member.Role{"prj_a": member.RoleOWNER, "prj_b": member.RoleVIEWER}), v(false, dev), true},
		{v(false, map[ID]member.Role{"prj_a": member.RoleVIEWER}), v(false, dev), false},
		{v(false, nil), v(false, dev), false},
		{v(false, dev), v(true, dev), false},
		{v(true, nil), v(false, dev), false}, // a membership lost even so
	} {
		if got := tc.cur.covers(tc.old); got != tc.want {
			t.Errorf("%+v covers %+v = %v", tc.cur, tc.old, got)
		}
	}
}

// BenchmarkRecheck is what every operation started on a socket pays while
// nothing changed: a cached lookup and an atomic load.
func BenchmarkRecheck(b *testing.B) {
	a := &Authenticator{}
	v := tracked(a, "usr_a", "tok_a")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Recheck(ctx, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkViewerErr is what each delivery (hub, shared poll) pays.
func BenchmarkViewerErr(b *testing.B) {
	exp := time.Now().Add(time.Hour)
	for _, v := range []*Viewer{{life: &life{}}, {life: &life{}, ExpiresAt: &exp}} {
		b.Run(map[bool]string{true: "expiring", false: "permanent"}[v.ExpiresAt != nil], func(b *testing.B) {
			for b.Loop() {
				if v.Err() != nil {
					b.Fatal("ended")
				}
			}
		})
	}
}

// Recheck of one viewer that finds the memberships narrowed (no event
// told) ends every viewer of the user, keeps one whose scope only grew, and
// acts with the fresher viewer.
func TestRecheckFindsChangesNoEventAnnounced(t *testing.T) {
	a := &Authenticator{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	old := &Viewer{UserID: "usr_a", TokenID: "tok_a", Roles: map[ID]member.Role{"prj_a": member.RoleOWNER}, hash: "h", life: &life{}}
	sibling := &Viewer{UserID: "usr_a", TokenID: "tok_b", Roles: old.Roles, hash: "h2", life: &life{}}
	a.Watch(ctx, old, func(error) {})
	a.Watch(ctx, sibling, func(error) {})

	grown := tracked(a, "usr_a", "tok_a")
	grown.hash, grown.Roles = "h", map[ID]member.Role{"prj_a": member.RoleOWNER, "prj_b": member.RoleVIEWER}
	a.cache = map[string]cached{"h": {viewer: grown, expires: time.Now().Add(time.Hour)}}
	if cur, err := a.Recheck(ctx, old); err != nil || cur != grown {
		t.Fatalf("a grown scope: %v, %v", cur, err)
	}

	narrowed := &Viewer{UserID: "usr_a", TokenID: "tok_a", Roles: map[ID]member.Role{"prj_a": member.RoleVIEWER}, hash: "h", life: &life{}}
	a.cache["h"] = cached{viewer: narrowed, expires: time.Now().Add(time.Hour)}
	if _, err := a.Recheck(ctx, old); !errors.Is(err, ErrScopeChanged) {
		t.Fatalf("a narrowed scope: %v", err)
	}
	if !errors.Is(sibling.Err(), ErrScopeChanged) || narrowed.Err() != nil {
		t.Fatalf("the user's other viewer: %v; the current one: %v", sibling.Err(), narrowed.Err())
	}
}

// A viewer that went on to act with a grown scope is held to it: the grant
// taken back with no event ends it, though its own narrower roles still hold.
func TestRecheckHoldsAViewerToTheScopeItActedWith(t *testing.T) {
	a := &Authenticator{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	socket := &Viewer{UserID: "usr_a", TokenID: "tok_a", Roles: map[ID]member.Role{"prj_a": member.RoleVIEWER}, hash: "h", life: &life{}}
	a.Watch(ctx, socket, func(error) {})
	grown := &Viewer{UserID: "usr_a", TokenID: "tok_a", Roles: map[ID]member.Role{"prj_a": member.RoleVIEWER, "prj_b": member.RoleVIEWER}, hash: "h", life: &life{}}
	a.cache = map[string]cached{"h": {viewer: grown, expires: time.Now().Add(time.Hour)}}
	if cur, err := a.Recheck(ctx, socket); err != nil || cur != grown {
		t.Fatalf("a grown scope: %v, %v", cur, err)
	}
	if cur, err := a.Recheck(ctx, socket); err != nil || cur != grown {
		t.Fatalf("the same grown scope again: %v, %v", cur, err)
	}
	back := &Viewer{UserID: "usr_a", TokenID: "tok_a", Roles: map[ID]member.Role{"prj_a": member.RoleVIEWER}, hash: "h", life: &life{}}
	a.cache["h"] = cached{viewer: back, expires: time.Now().Add(time.Hour)}
	if _, err := a.Recheck(ctx, socket); !errors.Is(err, ErrScopeChanged) || !errors.Is(socket.Err(), ErrScopeChanged) {
		t.Fatalf("the grant taken back: %v; the socket's viewer: %v", err, socket.Err())
	}
}
