package clusters

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
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
)

// fakeTunnels stands for internal/tunnel.Server: no tunnel is connected.
type fakeTunnels struct{ dropped []string }

func (f *fakeTunnels) Dial(id string) orchestrators.DialFunc {
	return func(context.Context, string, string) (net.Conn, error) {
		return nil, fmt.Errorf("cluster %s: %w", id, orchestrators.ErrNoTunnel)
	}
}

func (f *fakeTunnels) Drop(id string) { f.dropped = append(f.dropped, id) }

func agentCluster(t *testing.T, client *ent.Client, box *secrets.Box, status cluster.Status) (*ent.Cluster, string) {
	t.Helper()
	ctx := auth.System(context.Background())
	p, err := client.Project.Query().Only(ctx)
	if ent.IsNotFound(err) {
		p = client.Project.Create().SetName("p").SetCode("p").SaveX(ctx)
	}
	key, hash := auth.NewToken()
	c := client.Cluster.Create().SetProjectID(p.ID).SetName("edge-" + string(status) + key[len(key)-6:]).SetKind(cluster.KindK8S).
		SetStatus(status).SetAgentKeyHash(hash).SetLastSeenAt(time.Now()).SaveX(ctx)
	sealed, err := box.Seal(string(c.ID), []byte("kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	return c.Update().SetCredentials(sealed).SaveX(ctx), key
}

// Only an agent key of a cluster that is not being removed opens a tunnel.
func TestAgentClusterTakesAgentKeysOnly(t *testing.T) {
	client := openDB(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, _ := secrets.New(key)
	r := &Registry{Client: client, Box: box}
	ctx := context.Background()
	c, agentKey := agentCluster(t, client, box, cluster.StatusNORMAL)
	if got, err := r.AgentCluster(ctx, agentKey); err != nil || got.ID != c.ID {
		t.Fatalf("agent key: %v %v", got, err)
	}
	register, _ := auth.NewToken()
	_, removedKey := agentCluster(t, client, box, cluster.StatusREMOVED)
	for name, k := range map[string]string{"empty": "", "garbage": "x", "unknown token": register, "removed cluster's key": removedKey} {
		if _, err := r.AgentCluster(ctx, k); !errors.Is(err, ErrUnknownAgent) {
			t.Errorf("%s: %v, want ErrUnknownAgent", name, err)
		}
	}
	// A kubeconfig cluster gets no tunnel dial; an agent cluster does, and
	// Forget drops its tunnels.
	tun := &fakeTunnels{}
	k := Connector{Tunnels: tun}
	if k.Tunnel(c) == nil {
		t.Fatal("an agent cluster has no tunnel dial")
	}
	plain := client.Cluster.Create().SetProjectID(c.ProjectID).SetName("kubeconfig").SetKind(cluster.KindK8S).SaveX(auth.System(ctx))
	if k.Tunnel(plain) != nil {
		t.Fatal("a kubeconfig cluster got a tunnel dial")
	}
	k.Forget(string(c.ID))
	if len(tun.dropped) != 1 || tun.dropped[0] != string(c.ID) {
		t.Fatalf("Forget dropped %v", tun.dropped)
	}
}

// A replica without the cluster's tunnel leaves its status alone instead
// of marking it UNREACHABLE while the replica holding the tunnel marks it
// NORMAL; any other probe failure still marks it UNREACHABLE.
func TestMonitorLeavesTunnelledClustersToTheirReplica(t *testing.T) {
	client := openDB(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, _ := secrets.New(key)
	c, _ := agentCluster(t, client, box, cluster.StatusNORMAL)
	var probeErr error
	m := &Monitor{Log: slog.New(slog.DiscardHandler), Registry: &Registry{Client: client, Box: box,
		Tunnel: Connector{Tunnels: &fakeTunnels{}}.Tunnel,
		Probe: func(ctx context.Context, _ []byte, _ bool, tunnel orchestrators.DialFunc) (*orchestrators.ClusterInfo, string, error) {
			if tunnel == nil {
				t.Fatal("an agent cluster probed without its tunnel")
			}
			return nil, "", probeErr
		}}}
	ctx := auth.System(context.Background())
	probeErr = &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: "generic", Err: orchestrators.ErrNoTunnel}
	if status, _ := m.check(ctx, c); status != cluster.StatusNORMAL {
		t.Fatalf("no tunnel on this replica: %s, want NORMAL kept", status)
	}
	probeErr = errors.New("connection refused")
	if status, _ := m.check(ctx, c); status != cluster.StatusUNREACHABLE {
		t.Fatalf("probe failure: %s, want UNREACHABLE", status)
	}
}
