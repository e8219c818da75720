package zkutil

import (
	"fmt"
	"net"
	"strings"

	"github.com/go-zookeeper/zk"
)

// Option adjusts a session.
type Option func(*options)

type options struct {
	dialer         *net.Dialer
	user, password string
}

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
