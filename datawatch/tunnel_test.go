package datawatch

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
)

// A replica that holds an agent cluster's lease but not its agent's tunnel
// (and cannot reach the reported address) gives the watch up at once, so
// that the lease goes to a replica that has the tunnel; informers alone
// would wait for their caches forever.
func TestWatchWithoutTheTunnelFailsAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://%s"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, closed)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	c := &ent.Cluster{ID: "cls_edge", Kind: cluster.KindK8S}
	if c.Credentials, err = box.Seal(string(c.ID), []byte(kubeconfig)); err != nil {
		t.Fatal(err)
	}
	m := &Manager{Box: box, Log: slog.New(slog.DiscardHandler), Holder: "b",
		Tunnel: func(*ent.Cluster) orchestrators.DialFunc {
			return func(context.Context, string, string) (net.Conn, error) {
				return nil, fmt.Errorf("cluster cls_edge: %w", orchestrators.ErrNoTunnel)
			}
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.watch(ctx, c); !errors.Is(err, orchestrators.ErrNoTunnel) {
		t.Fatalf("watch without the tunnel: %v, want ErrNoTunnel", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the watch waited for its deadline")
	}
}
