package zkutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// Session is a ZooKeeper connection whose state changes are broadcast.
type Session struct {
	*zk.Conn
	Timeout time.Duration
	log     *slog.Logger
	acl     []zk.ACL // for the nodes this session creates
	grace   time.Duration

	mu      sync.Mutex
	state   zk.State
	changed chan struct{} // closed and replaced on every state change
}

// Connect opens a session to servers (host:port) and waits, within ctx, for
// the server to accept it.
func Connect(ctx context.Context, servers []string, timeout time.Duration, log *slog.Logger, opts ...Option) (*Session, error) {
	s, err := Dial(servers, timeout, log, opts...)
	if err != nil {
		return nil, err
	}
	if err := s.Wait(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("zookeeper %s: no session: %w", strings.Join(servers, ","), err)
	}
	return s, nil
}

// Dial starts connecting to servers (host:port) and returns at once: a
// process can hand the session to its users before ZooKeeper is reachable,
// and they wait for it (Wait) when they need it.
func Dial(servers []string, timeout time.Duration, log *slog.Logger, opts ...Option) (*Session, error) {
	if log == nil {
		log = slog.Default()
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Session{Timeout: timeout, log: log, changed: make(chan struct{}), acl: o.acl(), grace: o.grace}
	zkOpts := list(zk.WithLogInfo(false), zk.WithLogger(zkLogger{log}), zk.WithEventCallback(s.onEvent))
	if o.dialer != nil {
		zkOpts = append(zkOpts, zk.WithDialer(func(network, address string, timeout time.Duration) (net.Conn, error) {
			d := *o.dialer
			d.Timeout = timeout
			return d.Dial(network, address)
		}))
	}
	conn, _, err := zk.Connect(servers, timeout, zkOpts...)
	if err != nil {
		return nil, fmt.Errorf("zookeeper %s: %w", strings.Join(servers, ","), err)
	}
	if o.user != "" {
		// go-zookeeper keeps the credentials and presents them again on
		// every reconnect.
		if err := conn.AddAuth("digest", []byte(o.user+":"+o.password)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("zookeeper %s: authenticate: %w", strings.Join(servers, ","), err)
		}
	}
	s.Conn = conn
	return s, nil
}

// list names a slice of go-zookeeper's unexported option type.
func list[T any](xs ...T) []T { return xs }

// Wait returns once the session is established, or ctx's error.
func (s *Session) Wait(ctx context.Context) error {
	for {
		ch := s.Changes()
		if s.State() == zk.StateHasSession {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Session) onEvent(ev zk.Event) {
	if ev.Type != zk.EventSession {
		return
	}
	s.mu.Lock()
	s.state = ev.State
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	s.log.Debug("zookeeper session", "state", ev.State.String())
}

// State is the latest session state.
func (s *Session) State() zk.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Changes returns a channel closed at the next state change; read State
// after it fires.
func (s *Session) Changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// EnsurePath creates path and its parents as persistent nodes.
func (s *Session) EnsurePath(path string) error {
	return EnsurePathACL(s.Conn, path, s.ACL())
}

// EnsurePath creates path and its parents as persistent nodes, open to all.
func EnsurePath(conn *zk.Conn, path string) error {
	return EnsurePathACL(conn, path, zk.WorldACL(zk.PermAll))
}

// EnsurePathACL creates path and its parents as persistent nodes with acl.
func EnsurePathACL(conn *zk.Conn, path string, acl []zk.ACL) error {
	if path == "/" || path == "" {
		return nil
	}
	if ok, _, err := conn.Exists(path); err == nil && ok {
		return nil
	}
	cur := ""
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		cur += "/" + part
		_, err := conn.Create(cur, nil, 0, acl)
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("zookeeper create %s: %w", cur, err)
		}
	}
	return nil
}

// ParseURL splits zk://host:port[,host:port]/path into servers and path.
func ParseURL(raw string) (servers []string, path string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "zk" || u.Host == "" {
		return nil, "", fmt.Errorf("bad ZooKeeper URL %q (want zk://host:port[,host:port]/path)", raw)
	}
	path = strings.TrimRight(u.Path, "/")
	if path == "" {
		return nil, "", fmt.Errorf("ZooKeeper URL %q has no path", raw)
	}
	return strings.Split(u.Host, ","), path, nil
}

// zkLogger sends go-zookeeper's printf logging to slog at debug level: it
// reports every reconnect attempt, which is noise unless debugging.
type zkLogger struct{ log *slog.Logger }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debug("zookeeper: " + fmt.Sprintf(format, args...))
}
