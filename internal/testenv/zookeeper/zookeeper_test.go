package zookeeper

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestJavaRandomMatchesJava(t *testing.T) {
	// Well-known outputs of new java.util.Random(seed).nextInt().
	for seed, want := range map[int64]int32{0: -1155484576, 42: -1170105035} {
		if got := newJavaRandom(seed).next(32); got != want {
			t.Errorf("Random(%d).nextInt() = %d, want %d", seed, got, want)
		}
	}
}

func connect(t *testing.T, s *Server) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	conn, events, err := zk.Connect([]string{s.Addr()}, 2*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	waitState(t, events, zk.StateHasSession)
	return conn, events
}

// waitState reads session events until the wanted state or a deadline.
func waitState(t *testing.T, events <-chan zk.Event, want zk.State) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Type == zk.EventSession && ev.State == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %v event within the deadline", want)
		}
	}
}

func TestServer(t *testing.T) {
	s := StartT(t)
	ctx := context.Background()

	reply, err := FourLetterWord(ctx, s.Addr(), "srvr")
	if err != nil || !strings.Contains(reply, "Mode: standalone") {
		t.Fatalf("srvr = %q, %v", reply, err)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr() = %q, want loopback", s.Addr())
	}

	leader, leaderEvents := connect(t, s)
	observer, _ := connect(t, s)

	if _, err := leader.Create("/keep", []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	path, err := leader.Create("/leader-", []byte("me"), zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ExpireSession", func(t *testing.T) {
		_, stat, err := observer.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		if stat.EphemeralOwner != leader.SessionID() {
			t.Fatalf("owner %#x, leader session %#x", stat.EphemeralOwner, leader.SessionID())
		}
		// Expire by the znode's owner, as an HA test that only sees the tree would.
		if err := s.ExpireSession(ctx, stat.EphemeralOwner); err != nil {
			t.Fatal(err)
		}
		ok, _, err := observer.Exists(path)
		if err != nil || ok {
			t.Fatalf("ephemeral node still exists (%v, %v)", ok, err)
		}
		waitState(t, leaderEvents, zk.StateExpired)
		// go-zookeeper then opens a fresh session on its own.
		waitState(t, leaderEvents, zk.StateHasSession)

		if err := s.ExpireSession(ctx, stat.EphemeralOwner); !errors.Is(err, ErrNoSession) {
			t.Fatalf("expiring an expired session: %v, want ErrNoSession", err)
		}
	})

	t.Run("Restart", func(t *testing.T) {
		addr := s.Addr()
		if err := s.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		if s.Addr() != addr {
			t.Fatalf("address changed from %s to %s", addr, s.Addr())
		}
		// The existing client reconnects on its own and the data survived.
		poll(t, func() error {
			data, _, err := observer.Get("/keep")
			if err == nil && string(data) != "x" {
				t.Fatalf("/keep = %q", data)
			}
			return err
		})
	})

	t.Run("Stop", func(t *testing.T) {
		s.Stop()
		if _, err := FourLetterWord(ctx, s.Addr(), "ruok"); err == nil {
			t.Fatal("server still answers after Stop")
		}
		s.Stop() // idempotent
		if err := s.Restart(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// poll retries f every 50 ms until it succeeds or 20 s have passed.
func poll(t *testing.T, f func() error) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("still failing at the deadline: %v", err)
		}
	}
}
