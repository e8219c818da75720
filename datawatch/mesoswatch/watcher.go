// Package mesoswatch feeds a Mesos cluster into the same change log as
// Kubernetes: BCS's applications become MesosApplication workloads and their
// tasks MesosTask pods, so one `changes` subscription shows both
// orchestrators.
//
// It reads what every replica can read, so it runs wherever the cluster's
// datawatch lease is held, leader of the cluster's scheduler or not:
//
//   - tasks from the leading master's operator API (SUBSCRIBE: SUBSCRIBED
//     with get_state, then TASK_ADDED, TASK_UPDATED, AGENT_*, FRAMEWORK_*),
//     restricted to BCS's framework for the cluster (its id is in the
//     scheduler's state). The master is found as the scheduler finds it
//     (master URLs, or the json.info_ nodes in ZooKeeper); a broken or
//     silent stream is reopened with backoff, and every SUBSCRIBED resyncs
//     storage against the full state it carries;
//   - applications from the scheduler's state in ZooKeeper (the
//     orchestrators/mesos/zkstate layout), through watches on the nodes it
//     read, with a full resync whenever the session is (re)established.
//
// Watch callbacks and the stream reader only record what changed; one loop
// each re-reads and submits, and every write goes through changelog.Writer.
package mesoswatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/zkutil"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Kinds written to the change log.
const (
	KindApplication = "MesosApplication"
	KindTask        = "MesosTask"
)

// Watcher syncs one Mesos cluster until its context ends.
type Watcher struct {
	ClusterID, ProjectID gid.ID
	// Config locates the cluster as its scheduler does: ZK and Root for the
	// state, Masters or MasterZK for the masters (see scheduler.Config).
	Config scheduler.Config
	Writer *changelog.Writer
	Log    *slog.Logger
	// BackoffMax caps the wait between operator subscriptions (default
	// 15 s, the reference's advice for schedulers).
	BackoffMax time.Duration

	conn atomic.Pointer[zk.Conn] // the state session, for tests
}

// Run watches until ctx ends; it returns early only if ZooKeeper cannot be
// reached at all.
func (w *Watcher) Run(ctx context.Context) error {
	if w.Log == nil {
		w.Log = slog.Default()
	}
	w.Log = w.Log.With("component", "mesoswatch", "cluster", w.ClusterID)
	if w.BackoffMax <= 0 {
		w.BackoffMax = 15 * time.Second
	}
	cfg := w.Config
	if cfg.Root == "" {
		cfg.Root = zkstate.DefaultRoot(string(w.ClusterID))
	}
	timeout := cfg.ZKSessionTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	apps := newAppsWatch(w, zkstate.Paths{Root: cfg.Root})
	conn, err := dial(ctx, cfg.ZK, timeout, apps.onEvent, apps.session)
	if err != nil {
		return err
	}
	defer conn.Close()
	apps.conn = conn
	w.conn.Store(conn)

	masters, closeMasters, err := w.masterFinder(ctx, conn, cfg, timeout)
	if err != nil {
		return err
	}
	defer closeMasters()
	tasks := &taskWatch{w: w, masters: masters, client: streamClientFor(cfg), frameworkID: func() (string, error) {
		id, _, err := conn.Get(apps.paths.FrameworkID())
		if errors.Is(err, zk.ErrNoNode) {
			return "", nil
		}
		return string(id), err
	}}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		tasks.run(ctx)
	}()
	apps.run(ctx)
	cancel()
	<-done
	return nil
}

// dial opens a ZooKeeper session whose events (session and watches) go to
// onEvent, and waits until the server accepts it. The wait is bounded, so
// that the datawatch lease is given up (and retried) rather than held by a
// watcher that cannot watch.
func dial(ctx context.Context, servers []string, timeout time.Duration, onEvent func(zk.Event), session <-chan struct{}) (*zk.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*timeout)
	defer cancel()
	conn, _, err := zk.Connect(servers, timeout, zk.WithLogInfo(false), zk.WithEventCallback(onEvent),
		zk.WithLogger(zkLogger{}))
	if err != nil {
		return nil, fmt.Errorf("mesoswatch: zookeeper: %w", err)
	}
	select {
	case <-session:
		return conn, nil
	case <-ctx.Done():
		conn.Close()
		return nil, fmt.Errorf("mesoswatch: zookeeper: no session: %w", ctx.Err())
	}
}

// masterFinder returns how to find the leading master's base URL, as the
// scheduler does: the next of the static URLs (a follower redirects), or
// the lowest json.info_ node in ZooKeeper.
func (w *Watcher) masterFinder(ctx context.Context, state *zk.Conn, cfg scheduler.Config, timeout time.Duration) (func() (string, error), func(), error) {
	if cfg.MasterZK == "" {
		if len(cfg.Masters) == 0 {
			return nil, nil, errors.New("mesoswatch: no master configured")
		}
		next := 0
		return func() (string, error) {
			u := cfg.Masters[next%len(cfg.Masters)]
			next++
			return u, nil
		}, func() {}, nil
	}
	servers, path, err := zkutil.ParseURL(cfg.MasterZK)
	if err != nil {
		return nil, nil, fmt.Errorf("mesoswatch: %w", err)
	}
	if cfg.MasterPolicy == nil && slices.Equal(servers, cfg.ZK) {
		return func() (string, error) { return scheduler.LeadingMaster(state, path) }, func() {}, nil
	}
	sess, err := zkutil.Connect(ctx, servers, timeout, w.Log, cfg.MasterZKOptions()...)
	if err != nil {
		return nil, nil, fmt.Errorf("mesoswatch: master detection: %w", err)
	}
	return func() (string, error) { return scheduler.LeadingMaster(sess.Conn, path) }, sess.Close, nil
}

// zkLogger drops go-zookeeper's printf logging: it reports every reconnect
// attempt, and session changes reach onEvent anyway.
type zkLogger struct{}

func (zkLogger) Printf(string, ...any) {}
