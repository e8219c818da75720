package follow

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// state is a stored object stand-in: the tests exercise the sharing, not
// storage, so the object is a value the test changes.
type state struct {
	v     atomic.Value // string
	reads atomic.Int64
	fail  atomic.Bool
}

func (s *state) object() Object[string] {
	return Object[string]{
		Get: func(context.Context) (string, error) {
			s.reads.Add(1)
			if s.fail.Load() {
				return "", errors.New("gone")
			}
			return s.v.Load().(string), nil
		},
		Version: func(v string) string { return v },
		Done:    func(v string) bool { return v == "done" },
	}
}

func recv(t *testing.T, ch <-chan string) (string, bool) {
	t.Helper()
	select {
	case v, ok := <-ch:
		return v, ok
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received")
		return "", false
	}
}

// waitFor receives until want arrives (states in between may be skipped).
func waitFor(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	for {
		v, ok := recv(t, ch)
		if !ok {
			t.Fatalf("closed before %q", want)
		}
		if v == want {
			return
		}
	}
}

func waitPolls(t *testing.T, r *Registry, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.Polls() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d polls; want %d", r.Polls(), n)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

func TestFollowersShareOnePollUntilDone(t *testing.T) {
	r := New(context.Background(), 2*time.Millisecond)
	s := &state{}
	s.v.Store("a")
	ctx := context.Background()
	f1 := Follow(ctx, r, "op:1", "a", s.object())
	f2 := Follow(ctx, r, "op:1", "a", s.object())
	other := Follow(ctx, r, "op:2", "a", s.object())
	if r.Polls() != 2 {
		t.Fatalf("%d polls for 2 keys", r.Polls())
	}
	for _, f := range []<-chan string{f1, f2, other} {
		if v, _ := recv(t, f); v != "a" {
			t.Fatalf("first state %q; want a", v)
		}
	}
	s.v.Store("b")
	waitFor(t, f1, "b")
	waitFor(t, f2, "b")
	s.v.Store("done")
	for _, f := range []<-chan string{f1, f2, other} {
		waitFor(t, f, "done")
		if _, ok := recv(t, f); ok {
			t.Fatal("stream not closed after the final state")
		}
	}
	waitPolls(t, r, 0)

	// A follower arriving with a final state gets it and nothing else.
	f3 := Follow(ctx, r, "op:1", "done", s.object())
	waitFor(t, f3, "done")
	if _, ok := recv(t, f3); ok || r.Polls() != 0 {
		t.Fatalf("a done object still followed (%d polls)", r.Polls())
	}
}

func TestTheLastFollowerOutStopsThePoll(t *testing.T) {
	r := New(context.Background(), 2*time.Millisecond)
	s := &state{}
	s.v.Store("a")
	c1, cancel1 := context.WithCancel(context.Background())
	c2, cancel2 := context.WithCancel(context.Background())
	f1 := Follow(c1, r, "w:1", "a", s.object())
	f2 := Follow(c2, r, "w:1", "a", s.object())
	recv(t, f1)
	recv(t, f2)
	cancel1()
	if _, ok := recv(t, f1); ok {
		t.Fatal("cancelled follower's stream still open")
	}
	s.v.Store("b")
	waitFor(t, f2, "b") // the other goes on
	cancel2()
	waitPolls(t, r, 0)
	n := s.reads.Load()
	s.v.Store("c")
	// A new follower starts a new poll; the old one read nothing more.
	f3 := Follow(context.Background(), r, "w:1", "c", s.object())
	recv(t, f3)
	s.v.Store("d")
	waitFor(t, f3, "d")
	if r.Polls() != 1 || s.reads.Load() <= n {
		t.Fatalf("%d polls, %d reads before, %d after", r.Polls(), n, s.reads.Load())
	}
}

// A follower that does not read holds up nobody and, when it reads, gets
// the newest state.
func TestSlowFollowerGetsTheNewestState(t *testing.T) {
	r := New(context.Background(), time.Millisecond)
	s := &state{}
	s.v.Store("0")
	slow := Follow(context.Background(), r, "i:1", "0", s.object())
	fast := Follow(context.Background(), r, "i:1", "0", s.object())
	recv(t, fast)
	for _, v := range []string{"1", "2", "3"} {
		s.v.Store(v)
		waitFor(t, fast, v)
	}
	// The poll delivers to both under one lock, so by the time fast saw
	// 3, slow holds 2 (its delivery of 3 may still be under way) or 3.
	switch v, _ := recv(t, slow); v {
	case "2":
		waitFor(t, slow, "3")
	case "3":
	default:
		t.Fatalf("slow follower got %q; want the newest state, not a stale one", v)
	}
}

func TestAFailedReadEndsEveryFollower(t *testing.T) {
	r := New(context.Background(), time.Millisecond)
	s := &state{}
	s.v.Store("a")
	f1 := Follow(context.Background(), r, "i:2", "a", s.object())
	f2 := Follow(context.Background(), r, "i:2", "a", s.object())
	recv(t, f1)
	recv(t, f2)
	s.fail.Store(true)
	for _, f := range []<-chan string{f1, f2} {
		if _, ok := recv(t, f); ok {
			t.Fatal("stream open after the object vanished")
		}
	}
	waitPolls(t, r, 0)
}
