package zkutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// lockPrefix is go-zookeeper's and Curator's lock node name; protected
// creation puts _c_<guid>- in front of it.
const lockPrefix = "lock-"

// ErrLeadershipLost is why a Leadership ended, wrapped with the cause.
var ErrLeadershipLost = errors.New("leadership lost")

// Election is one candidate for leadership under path. Candidates create
// protected ephemeral sequential nodes path/…lock-<seq>; the lowest leads,
// and each other candidate watches only the node just before its own, so a
// change wakes one candidate, not all (the ZooKeeper recipe; go-zookeeper's
// Lock does the same but cannot be cancelled).
type Election struct {
	// DisconnectGrace is how long a leader stays leader while disconnected
	// from ZooKeeper, not knowing whether its session still lives; default
	// the session's WithElectionGrace, else a sixth of the session
	// timeout. go-zookeeper notices a silent connection only two thirds of
	// the timeout after it last heard from the server, and the server may
	// expire the session at the full timeout: a leader then stops about a
	// sixth before a successor can start (half, the old default, let a
	// partitioned Mesos scheduler lead beside its successor).
	DisconnectGrace time.Duration

	s    *Session
	path string
	data []byte
	log  *slog.Logger
}

// NewElection prepares a candidacy; data (e.g. the candidate's address) is
// what Leader returns while this candidate leads.
func NewElection(s *Session, path string, data []byte, log *slog.Logger) *Election {
	if log == nil {
		log = slog.Default()
	}
	return &Election{s: s, path: path, data: data, log: log.With("election", path)}
}

type candidate struct {
	name string
	seq  int
}

func sequence(name string) (int, bool) {
	i := strings.LastIndex(name, lockPrefix)
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(name[i+len(lockPrefix):])
	return n, err == nil
}

func (e *Election) candidates() ([]candidate, error) {
	names, _, err := e.s.Children(e.path)
	if err != nil {
		return nil, fmt.Errorf("election %s: list: %w", e.path, err)
	}
	out := make([]candidate, 0, len(names))
	for _, n := range names {
		if seq, ok := sequence(n); ok {
			out = append(out, candidate{n, seq})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out, nil
}

// Campaign waits until this candidate leads, or ctx ends (then it withdraws).
// A lost session during the wait starts the candidacy over.
func (e *Election) Campaign(ctx context.Context) (*Leadership, error) {
	for {
		l, err := e.campaignOnce(ctx)
		if err == nil || ctx.Err() != nil {
			return l, err
		}
		e.log.Warn("election: starting the candidacy over", "err", err)
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

var errSessionChanged = errors.New("session changed")

func (e *Election) campaignOnce(ctx context.Context) (*Leadership, error) {
	if err := e.s.Wait(ctx); err != nil {
		return nil, err
	}
	if err := e.s.EnsurePath(e.path); err != nil {
		return nil, err
	}
	node, err := e.s.CreateProtectedEphemeralSequential(e.path+"/"+lockPrefix, e.data, e.s.ACL())
	if err != nil {
		return nil, fmt.Errorf("election %s: create: %w", e.path, err)
	}
	_, stat, err := e.s.Exists(node)
	if err != nil || stat == nil {
		return nil, fmt.Errorf("election %s: read own node: %w", e.path, errors.Join(err, zk.ErrNoNode))
	}
	owner := stat.EphemeralOwner
	name := node[strings.LastIndex(node, "/")+1:]
	// A node that cannot be deleted now (disconnected) is deleted once the
	// connection returns: its session may survive, and the node with it
	// would stand in line ahead of the next attempt of this very candidate.
	withdraw := func() {
		if err := e.s.Delete(node, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			go removeNode(e.s, node, owner)
		}
	}
	for {
		cs, err := e.candidates()
		if err != nil {
			withdraw()
			return nil, err
		}
		idx := -1
		for i, c := range cs {
			if c.name == name {
				idx = i
			}
		}
		switch idx {
		case -1:
			return nil, fmt.Errorf("election %s: own node vanished", e.path)
		case 0:
			l := newLeadership(e, node, owner, stat.Czxid)
			e.log.Info("elected leader", "node", node, "session", fmt.Sprintf("%#x", owner))
			return l, nil
		}
		// Watch the predecessor only; its disappearance may make us lowest.
		exists, _, watch, err := e.s.ExistsW(e.path + "/" + cs[idx-1].name)
		if err != nil {
			withdraw()
			return nil, fmt.Errorf("election %s: watch: %w", e.path, err)
		}
		if !exists {
			continue
		}
		changes := e.s.Changes()
		select {
		case <-watch:
		case <-changes:
			if e.s.SessionID() != owner || e.s.State() == zk.StateExpired {
				return nil, errSessionChanged
			}
		case <-ctx.Done():
			withdraw()
			return nil, ctx.Err()
		}
	}
}

// Leader returns the data of the current leader's node under path, or
// zk.ErrNoNode when nobody leads.
func Leader(conn *zk.Conn, path string) ([]byte, error) {
	e := &Election{s: &Session{Conn: conn}, path: path}
	for attempt := 0; attempt < 3; attempt++ {
		cs, err := e.candidates()
		if errors.Is(err, zk.ErrNoNode) {
			return nil, zk.ErrNoNode
		}
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return nil, zk.ErrNoNode
		}
		data, _, err := conn.Get(path + "/" + cs[0].name)
		if errors.Is(err, zk.ErrNoNode) {
			continue // it just stepped down; look again
		}
		return data, err
	}
	return nil, zk.ErrNoNode
}

// Leadership is held from Campaign's return until Done closes: when the
// node is deleted, the session expires or is replaced, the connection stays
// down for the election's DisconnectGrace (the server may be expiring us),
// or Resign is called.
type Leadership struct {
	// Node is the leader's znode; Session the id of the session owning it.
	Node    string
	Session int64
	// Czxid is the transaction that created Node. Every later leader's node
	// is created later, so it grows from leader to leader (even if the
	// election's parent node is recreated, unlike the sequence number) and
	// can fence a deposed leader's writes.
	Czxid int64

	e      *Election
	done   chan struct{}
	resign chan struct{}
	once   sync.Once
	mu     sync.Mutex
	cause  error
}

func newLeadership(e *Election, node string, owner, czxid int64) *Leadership {
	l := &Leadership{Node: node, Session: owner, Czxid: czxid, e: e, done: make(chan struct{}), resign: make(chan struct{})}
	go l.monitor()
	return l
}

// Done is closed when leadership ends.
func (l *Leadership) Done() <-chan struct{} { return l.done }

// Err says why leadership ended (nil while it lasts).
func (l *Leadership) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cause
}

// Resign gives leadership up and deletes the node.
func (l *Leadership) Resign() {
	l.once.Do(func() { close(l.resign) })
	<-l.done
}

// Check confirms, with a round trip, that the node still exists and belongs
// to the current session: a fence before acting as leader.
func (l *Leadership) Check() error {
	select {
	case <-l.done:
		return l.Err()
	default:
	}
	_, stat, err := l.e.s.Exists(l.Node)
	switch {
	case err != nil:
		return fmt.Errorf("%w: cannot confirm %s: %w", ErrLeadershipLost, l.Node, err)
	case stat == nil:
		return fmt.Errorf("%w: %s is gone", ErrLeadershipLost, l.Node)
	case stat.EphemeralOwner != l.Session || l.e.s.SessionID() != l.Session:
		return fmt.Errorf("%w: session %#x replaced", ErrLeadershipLost, l.Session)
	}
	return nil
}

func (l *Leadership) end(cause error) {
	l.mu.Lock()
	l.cause = fmt.Errorf("%w: %w", ErrLeadershipLost, cause)
	l.mu.Unlock()
	l.e.log.Warn("leadership ended", "node", l.Node, "cause", cause)
	close(l.done)
}

func (l *Leadership) monitor() {
	s := l.e.s
	var grace <-chan time.Time
	for {
		changes := s.Changes()
		var watch <-chan zk.Event
		var retry <-chan time.Time
		if s.State() == zk.StateHasSession {
			if s.SessionID() != l.Session {
				l.end(errSessionChanged)
				return
			}
			exists, _, w, err := s.ExistsW(l.Node)
			switch {
			case err == nil && !exists:
				l.end(errors.New("leader node deleted"))
				return
			case err == nil:
				watch, grace = w, nil
			default:
				retry = time.After(100 * time.Millisecond)
			}
		}
		if s.State() != zk.StateHasSession && grace == nil {
			d := l.e.DisconnectGrace
			if d <= 0 {
				d = s.grace
			}
			if d <= 0 {
				d = s.Timeout / 6
			}
			grace = time.After(d)
		}
		select {
		case <-retry:
		case ev := <-watch:
			if ev.Type == zk.EventNodeDeleted {
				l.end(errors.New("leader node deleted"))
				return
			}
		case <-changes:
			if st := s.State(); st == zk.StateExpired {
				l.end(errors.New("session expired"))
				return
			}
		case <-grace:
			l.end(errors.New("disconnected from ZooKeeper for too long"))
			// Our node may outlive this (the session can recover); it must
			// not keep others from leading, so delete it once reachable.
			go l.cleanup()
			return
		case <-l.resign:
			err := s.Delete(l.Node, -1)
			l.end(errors.New("resigned"))
			if err != nil && !errors.Is(err, zk.ErrNoNode) {
				// Not deleted (disconnected?): the node would block the next
				// leader until the session ends.
				go l.cleanup()
			}
			return
		}
	}
}

func (l *Leadership) cleanup() { removeNode(l.e.s, l.Node, l.Session) }

// removeNode deletes the ephemeral node of session owner once ZooKeeper
// can be reached, unless that session, and the node with it, is gone.
func removeNode(s *Session, node string, owner int64) {
	for {
		if s.SessionID() != owner && s.State() == zk.StateHasSession {
			return // the session, and the node with it, is gone
		}
		err := s.Delete(node, -1)
		if err == nil || errors.Is(err, zk.ErrNoNode) {
			return
		}
		if errors.Is(err, zk.ErrClosing) {
			return
		}
		<-s.Changes()
	}
}
