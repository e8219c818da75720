package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-zookeeper/zk"
)

// masterSource finds the master to subscribe to: the leader registered in
// ZooKeeper (json.info_<seq> nodes, lowest leads, as Mesos's detector
// reads them), or the next of a static list (a follower answers 307 and
// httpsched follows it for SUBSCRIBE).
type masterSource struct {
	mu     sync.Mutex
	static []string
	cursor int
	zk     *zk.Conn
	path   string
}

const masterNodePrefix = "json.info_"

func (m *masterSource) next(ctx context.Context) (string, error) {
	if m.zk == nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		if len(m.static) == 0 {
			return "", errors.New("no master configured")
		}
		u := m.static[m.cursor%len(m.static)]
		m.cursor++
		return u, nil
	}
	return m.fromZK()
}

func (m *masterSource) fromZK() (string, error) {
	children, _, err := m.zk.Children(m.path)
	if err != nil {
		return "", fmt.Errorf("find the master in %s: %w", m.path, err)
	}
	type member struct {
		name string
		seq  int
	}
	var ms []member
	for _, c := range children {
		if s, ok := strings.CutPrefix(c, masterNodePrefix); ok {
			if n, err := strconv.Atoi(s); err == nil {
				ms = append(ms, member{c, n})
			}
		}
	}
	if len(ms) == 0 {
		return "", fmt.Errorf("no master registered in %s", m.path)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].seq < ms[j].seq })
	data, _, err := m.zk.Get(m.path + "/" + ms[0].name)
	if err != nil {
		return "", fmt.Errorf("read the master in %s: %w", m.path, err)
	}
	return masterURL(data)
}

// masterURL reads a MasterInfo as Mesos writes it to ZooKeeper.
func masterURL(data []byte) (string, error) {
	var info struct {
		Hostname string `json:"hostname"`
		Port     int    `json:"port"`
		Address  struct {
			Hostname string `json:"hostname"`
			IP       string `json:"ip"`
			Port     int    `json:"port"`
		} `json:"address"`
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return "", fmt.Errorf("master info: %w", err)
	}
	host, port := info.Address.IP, info.Address.Port
	if host == "" {
		host = info.Address.Hostname
	}
	if host == "" {
		host, port = info.Hostname, info.Port
	}
	if host == "" || port == 0 {
		return "", fmt.Errorf("master info without an address: %s", data)
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)), nil
}
