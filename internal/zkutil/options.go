package zkutil

import (
	"errors"
	"fmt"
	"net"
	"path"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// Option adjusts a session.
type Option func(*options)

type options struct {
	dialer         *net.Dialer
	user, password string
	grace          time.Duration
}

// DefaultSessionTimeout is the session timeout BCS asks for: a crashed
// process's ephemeral nodes (its leaderships) go 4 s after it was last
// heard, the least a ZooKeeper with the default tickTime (2 s) grants, so a
// standby takes over in under 5 s.
const DefaultSessionTimeout = 4 * time.Second

// WithElectionGrace sets the DisconnectGrace of the session's elections
// (default a sixth of the session timeout); keep it under a third of the
// timeout, or a disconnected leader may still lead when its session expires
// and a successor starts.
func WithElectionGrace(d time.Duration) Option { return func(o *options) { o.grace = d } }

// WithDialer makes the session connect through d (its timeout is the
// session's), e.g. a dialer confined to the cluster-address policy.
func WithDialer(d *net.Dialer) Option { return func(o *options) { o.dialer = d } }

// WithAuth authenticates the session with ZooKeeper's digest scheme and
// makes the nodes it creates writable by that identity only (readable by
// all, as Curator-style discovery expects): nobody without the credentials
// can take over a lease, the Mesos scheduler's leadership, its state, or
// the discovery entries that replicas forward calls to.
func WithAuth(user, password string) Option {
	return func(o *options) { o.user, o.password = user, password }
}

func (o options) acl() []zk.ACL {
	if o.user == "" {
		return zk.WorldACL(zk.PermAll)
	}
	return append(zk.DigestACL(zk.PermAll, o.user, o.password), zk.WorldACL(zk.PermRead)...)
}

// ParseAuth splits the --zookeeper-auth value user:password.
func ParseAuth(s string) (Option, error) {
	user, password, ok := strings.Cut(s, ":")
	if !ok || user == "" || password == "" {
		return nil, fmt.Errorf("zookeeper auth: want user:password")
	}
	return WithAuth(user, password), nil
}

// ACL is what the session gives the nodes it creates.
func (s *Session) ACL() []zk.ACL {
	if s.acl == nil {
		return zk.WorldACL(zk.PermAll)
	}
	return s.acl
}

// Adopt gives the session's ACL to root and every persistent node under it
// that anyone may change: nodes created before credentials were configured
// (--zookeeper-auth) would otherwise stay open. Ephemeral nodes are left
// alone; they go with their sessions. It answers how many nodes it changed.
func (s *Session) Adopt(root string) (int, error) {
	if s.acl == nil || isOpen(s.acl) {
		return 0, nil // no credentials: nothing to close
	}
	changed := 0
	var walk func(p string) error
	walk = func(p string) error {
		acl, stat, err := s.GetACL(p)
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("zookeeper acl of %s: %w", p, err)
		}
		if stat.EphemeralOwner != 0 {
			return nil
		}
		if isOpen(acl) {
			if _, err := s.SetACL(p, s.acl, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
				return fmt.Errorf("zookeeper set acl of %s: %w", p, err)
			}
			changed++
		}
		children, _, err := s.Children(p)
		if err != nil && !errors.Is(err, zk.ErrNoNode) {
			return fmt.Errorf("zookeeper children of %s: %w", p, err)
		}
		for _, c := range children {
			if err := walk(path.Join(p, c)); err != nil {
				return err
			}
		}
		return nil
	}
	return changed, walk(root)
}

// isOpen reports an ACL that lets anyone change the node.
func isOpen(acl []zk.ACL) bool {
	for _, a := range acl {
		if a.Scheme == "world" && a.Perms&^zk.PermRead != 0 {
			return true
		}
	}
	return false
}
