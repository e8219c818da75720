package server

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/bcs-io/bcs/datawatch/lease"
	"github.com/bcs-io/bcs/internal/zkutil"
)

// zkTimeout is the replica's ZooKeeper session timeout: how long after a
// replica dies its discovery node, its leases and its Mesos schedulers'
// leaderships go away.
func (s *Server) zkTimeout() time.Duration {
	return cmp.Or(s.cfg.ZooKeeperSessionTimeout, zkutil.DefaultSessionTimeout)
}

// zkOptions are the options of every ZooKeeper session of the replica.
func (s *Server) zkOptions() []zkutil.Option {
	opts := slices.Clone(s.cfg.ZooKeeperAuth)
	if s.cfg.ZooKeeperElectionGrace > 0 {
		opts = append(opts, zkutil.WithElectionGrace(s.cfg.ZooKeeperElectionGrace))
	}
	return opts
}

// sharedSession is the replica's one ZooKeeper session, for discovery and
// leases, dialled on first use: dialling fails only when the servers' names
// do not resolve, which may be temporary, so New cannot do it once and for
// all.
type sharedSession struct {
	mu   sync.Mutex
	sess *zkutil.Session
}

// zkSession returns the shared session, dialling it if need be. The session
// may still be connecting (see zkutil.Session.Wait).
func (s *Server) zkSession() (*zkutil.Session, error) {
	z := &s.zkShared
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.sess == nil {
		sess, err := zkutil.Dial(s.cfg.ZooKeeper, s.zkTimeout(), s.log, s.zkOptions()...)
		if err != nil {
			return nil, err
		}
		z.sess = sess
	}
	return z.sess, nil
}

// adoptZooKeeperNodes closes, once at start, BCS's ZooKeeper nodes that
// were created before --zookeeper-auth was set.
func (s *Server) adoptZooKeeperNodes(ctx context.Context) error {
	sess, err := s.zkSession()
	if err != nil {
		return err
	}
	if err := sess.Wait(ctx); err != nil {
		return nil // shutting down
	}
	n, err := sess.Adopt("/bcs")
	if n > 0 {
		s.log.Info("zookeeper: BCS's existing nodes made writable by its credentials only", "nodes", n)
	}
	return err
}

// closeZooKeeper ends the shared session, once its users have stopped.
func (s *Server) closeZooKeeper() {
	z := &s.zkShared
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.sess != nil {
		z.sess.Close()
		z.sess = nil
	}
}

// zkLeases holds leases in ZooKeeper (lease.ZooKeeper under
// lease.DefaultZooKeeperRoot) on the shared session.
type zkLeases struct{ s *Server }

// Run is lease.ZooKeeper.Run once the session is dialled; it keeps trying
// to dial until ctx ends rather than fail, as contending does.
func (z zkLeases) Run(ctx context.Context, name, holder string, ttl time.Duration, fn func(context.Context) error) error {
	for {
		sess, err := z.s.zkSession()
		if err == nil {
			return lease.NewZooKeeper(sess, lease.DefaultZooKeeperRoot, z.s.log).Run(ctx, name, holder, ttl, fn)
		}
		z.s.log.Warn("leases: no ZooKeeper session", "lease", name, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
	}
}
