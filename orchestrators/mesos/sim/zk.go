package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/bcs-io/bcs/internal/zkutil"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// ZooKeeper membership as a Mesos master does it (src/master/detector,
// src/zookeeper/group.cpp): each master holds an ephemeral sequential znode
// "json.info_<seq>" with its MasterInfo as JSON under the configured path,
// and the lowest sequence is the leader. Others follow it (307).

const (
	zkNodePrefix     = "json.info_"
	zkSessionTimeout = 10 * time.Second // Mesos's --zk_session_timeout
)

type zkMember struct {
	sim    *Sim
	log    *slog.Logger
	path   string
	conn   *zk.Conn
	data   []byte
	node   string // our znode, "" when not registered
	cancel context.CancelFunc
	done   chan struct{}
}

// joinZK registers the simulator under the URL's path, settles leadership
// once, and keeps both up to date until stop.
func joinZK(ctx context.Context, s *Sim, raw string) (*zkMember, error) {
	servers, path, err := zkutil.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	data, err := masterInfoJSON(s.MasterInfo())
	if err != nil {
		return nil, err
	}
	conn, events, err := zk.Connect(servers, zkSessionTimeout, zk.WithLogInfo(false), zk.WithLogger(zkLogger{s.log}))
	if err != nil {
		return nil, fmt.Errorf("zookeeper %s: %w", raw, err)
	}
	if err := waitSession(ctx, events); err != nil {
		conn.Close()
		return nil, fmt.Errorf("zookeeper %s: %w", raw, err)
	}
	go func() { // keep draining session events; the watch loop reacts to expiry
		for range events {
		}
	}()
	m := &zkMember{sim: s, log: s.log.With("zk", raw), path: path, conn: conn, data: data, done: make(chan struct{})}
	if err := m.ensurePath(); err != nil {
		conn.Close()
		return nil, err
	}
	watch, err := m.elect()
	if err != nil {
		conn.Close()
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.loop(loopCtx, watch)
	return m, nil
}

func waitSession(ctx context.Context, events <-chan zk.Event) error {
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("no session: %w", ctx.Err())
		}
	}
}

// masterInfoJSON renders MasterInfo as the master writes it, without the
// null fields mesos-go's encoder emits for empty lists.
func masterInfoJSON(info mesos.MasterInfo) ([]byte, error) {
	b, err := json.Marshal(&info)
	if err != nil {
		return nil, fmt.Errorf("encode MasterInfo: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode MasterInfo: %w", err)
	}
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
	return json.Marshal(m)
}

func (m *zkMember) ensurePath() error {
	p := ""
	for _, part := range strings.Split(strings.Trim(m.path, "/"), "/") {
		p += "/" + part
		if _, err := m.conn.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("zookeeper: create %s: %w", p, err)
		}
	}
	return nil
}

// elect registers if our node is missing (first run, or the session
// expired), then derives the mode from the lowest node. It returns the
// children watch.
func (m *zkMember) elect() (<-chan zk.Event, error) {
	children, _, watch, err := m.conn.ChildrenW(m.path)
	if err != nil {
		return nil, fmt.Errorf("zookeeper: list %s: %w", m.path, err)
	}
	nodes := masterNodes(children)
	if m.node == "" || !containsNode(nodes, m.node[len(m.path)+1:]) {
		if m.node, err = m.register(nodes); err != nil {
			return nil, err
		}
		// Decide with our node included; its creation also fires the
		// watch, and the loop looks again then.
		nodes = masterNodes(append(children, m.node[len(m.path)+1:]))
	}
	leader := nodes[0]
	if m.path+"/"+leader == m.node {
		m.sim.SetModeIfChanged(ModeLeader, "")
		return watch, nil
	}
	data, _, err := m.conn.Get(m.path + "/" + leader)
	if err != nil {
		return watch, nil // it vanished; the watch fires again
	}
	m.sim.SetModeIfChanged(ModeFollower, leaderAddress(data))
	return watch, nil
}

// register creates our node, unless one owned by this session survived a
// failed Create (lost reply), which is reused.
func (m *zkMember) register(nodes []string) (string, error) {
	sid := m.conn.SessionID()
	for _, n := range nodes {
		if _, st, err := m.conn.Get(m.path + "/" + n); err == nil && st.EphemeralOwner == sid {
			return m.path + "/" + n, nil
		}
	}
	node, err := m.conn.Create(m.path+"/"+zkNodePrefix, m.data, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		return "", fmt.Errorf("zookeeper: register under %s: %w", m.path, err)
	}
	m.log.Info("registered in ZooKeeper", "node", node)
	return node, nil
}

func (m *zkMember) loop(ctx context.Context, watch <-chan zk.Event) {
	defer close(m.done)
	retry := time.NewTimer(0)
	retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-watch:
		case <-retry.C:
		}
		w, err := m.elect()
		if err != nil {
			m.log.Warn("ZooKeeper election", "err", err)
			if errors.Is(err, zk.ErrSessionExpired) || errors.Is(err, zk.ErrNoServer) {
				m.sim.SetModeIfChanged(ModeFollower, "")
			}
			watch = nil
			retry.Reset(500 * time.Millisecond)
			continue
		}
		watch = w
	}
}

// stop deletes our node (by closing the session) and ends the loop. The
// connection is closed first so that a call stuck on an unreachable server
// returns.
func (m *zkMember) stop() {
	m.cancel()
	m.conn.Close()
	<-m.done
}

// masterNodes are the json.info_ children sorted by sequence.
func masterNodes(children []string) []string {
	var out []string
	for _, c := range children {
		if strings.HasPrefix(c, zkNodePrefix) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return nodeSeq(out[i]) < nodeSeq(out[j]) })
	return out
}

func nodeSeq(name string) int64 {
	n, _ := strconv.ParseInt(name[strings.LastIndex(name, "_")+1:], 10, 64)
	return n
}

func containsNode(nodes []string, n string) bool {
	for _, x := range nodes {
		if x == n {
			return true
		}
	}
	return false
}

// leaderAddress reads host:port from a MasterInfo JSON node.
func leaderAddress(data []byte) string {
	var info mesos.MasterInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return ""
	}
	host := info.GetAddress().GetIP()
	if host == "" {
		host = info.GetHostname()
	}
	port := int(info.GetPort())
	if a := info.GetAddress(); a != nil && a.Port != 0 {
		port = int(a.Port)
	}
	if host == "" {
		return ""
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// zkLogger sends go-zookeeper's own messages to slog at debug level.
type zkLogger struct{ log *slog.Logger }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...), "source", "go-zookeeper")
}
