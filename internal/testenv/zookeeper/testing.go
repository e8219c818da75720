package zookeeper

import (
	"context"
	"testing"
)

// StartT starts a server in t.TempDir() and kills it when the test ends.
// It fails the test if ZooKeeper cannot start (CI installs Debian's
// zookeeper package; a missing install is an error, not a skip, so that HA
// tests cannot silently stop running). When the test fails, the tail of the
// server's log is attached.
func StartT(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	s, err := Start(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("start zookeeper: %v", err)
	}
	t.Cleanup(func() {
		// A crash-stop is enough: the data directory is thrown away, and
		// SIGTERM costs the JVM one to three seconds per test.
		s.Kill()
		if t.Failed() {
			t.Logf("zookeeper %s log tail:\n%s", s.Addr(), tail(s.logPath, 4096))
		}
	})
	return s
}
