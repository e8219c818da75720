package zkutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// ServiceInstance is curator-x-discovery's record of one live instance,
// stored as JSON at <base>/<name>/<id>, so Curator-based tools list BCS
// replicas too.
type ServiceInstance struct {
	Name                string          `json:"name"`
	ID                  string          `json:"id"`
	Address             string          `json:"address"`
	Port                *int            `json:"port"`
	SSLPort             *int            `json:"sslPort"`
	Payload             json.RawMessage `json:"payload"`
	RegistrationTimeUTC int64           `json:"registrationTimeUTC"` // ms since the epoch
	ServiceType         string          `json:"serviceType"`         // DYNAMIC: removed with the session
	URISpec             json.RawMessage `json:"uriSpec"`
}

// Registration keeps one instance's ephemeral node in place: it recreates
// the node when the session is replaced or the node is deleted, as the
// original's RegisterDiscover does (after 3 s there; ReregisterDelay here).
type Registration struct {
	s     *Session
	node  string
	data  []byte
	delay time.Duration
	log   *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	owner  int64 // session that owns the node now, 0 if none
}

// ReregisterDelay is how long a Registration waits before recreating a node
// that was deleted while its session lived (someone removed it on purpose,
// so do not fight in a tight loop).
var ReregisterDelay = 3 * time.Second

// Register writes inst (ID and Name required) under base and keeps it
// registered until Close. Port, time and type are filled in when unset.
func Register(ctx context.Context, s *Session, base string, inst ServiceInstance, log *slog.Logger) (*Registration, error) {
	if inst.Name == "" || inst.ID == "" {
		return nil, errors.New("service instance needs a name and an id")
	}
	if inst.RegistrationTimeUTC == 0 {
		inst.RegistrationTimeUTC = time.Now().UnixMilli()
	}
	if inst.ServiceType == "" {
		inst.ServiceType = "DYNAMIC"
	}
	data, err := json.Marshal(inst)
	if err != nil {
		return nil, fmt.Errorf("service instance: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Registration{s: s, node: path.Join(base, inst.Name, inst.ID), data: data, delay: ReregisterDelay,
		log: log.With("discovery", path.Join(base, inst.Name, inst.ID)), done: make(chan struct{})}
	if err := r.create(); err != nil {
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.keep(loopCtx)
	return r, nil
}

// Node is the instance's znode path.
func (r *Registration) Node() string { return r.node }

func (r *Registration) create() error {
	if err := r.s.EnsurePath(path.Dir(r.node)); err != nil {
		return err
	}
	_, err := r.s.Create(r.node, r.data, zk.FlagEphemeral, r.s.ACL())
	if errors.Is(err, zk.ErrNodeExists) {
		// Ours from before a reconnect, or a stale one of an expired
		// session of ours about to vanish: replace it either way.
		_, stat, gerr := r.s.Get(r.node)
		if gerr == nil && stat.EphemeralOwner == r.s.SessionID() {
			err = nil
		} else if gerr == nil {
			_ = r.s.Delete(r.node, stat.Version)
			_, err = r.s.Create(r.node, r.data, zk.FlagEphemeral, r.s.ACL())
		}
	}
	if err != nil {
		return fmt.Errorf("register %s: %w", r.node, err)
	}
	r.mu.Lock()
	r.owner = r.s.SessionID()
	r.mu.Unlock()
	r.log.Debug("registered")
	return nil
}

func (r *Registration) keep(ctx context.Context) {
	defer close(r.done)
	for {
		changes := r.s.Changes()
		var watch <-chan zk.Event
		var retry <-chan time.Time
		if r.s.State() == zk.StateHasSession {
			r.mu.Lock()
			stale := r.owner != r.s.SessionID()
			r.mu.Unlock()
			exists, _, w, err := r.s.ExistsW(r.node)
			switch {
			case err != nil:
				retry = time.After(100 * time.Millisecond)
			case stale || !exists:
				if !stale {
					// Deleted under a live session: someone meant it.
					select {
					case <-time.After(r.delay):
					case <-ctx.Done():
						return
					}
				}
				if err := r.create(); err != nil {
					r.log.Warn("re-register failed", "err", err)
					retry = time.After(time.Second)
				} else {
					continue
				}
			default:
				watch = w
			}
		}
		select {
		case <-watch:
		case <-changes:
		case <-retry:
		case <-ctx.Done():
			return
		}
	}
}

// Close stops keeping the node and deletes it.
func (r *Registration) Close() error {
	r.cancel()
	<-r.done
	err := r.s.Delete(r.node, -1)
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("deregister %s: %w", r.node, err)
	}
	return nil
}

// Instances lists the live instances of a service, oldest registration
// first. Nodes that vanish or hold no valid JSON meanwhile are skipped.
func Instances(conn *zk.Conn, base, name string) ([]ServiceInstance, error) {
	dir := path.Join(base, name)
	ids, _, err := conn.Children(dir)
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	out := make([]ServiceInstance, 0, len(ids))
	for _, id := range ids {
		data, _, err := conn.Get(path.Join(dir, id))
		if errors.Is(err, zk.ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s/%s: %w", dir, id, err)
		}
		var inst ServiceInstance
		if json.Unmarshal(data, &inst) == nil {
			out = append(out, inst)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RegistrationTimeUTC < out[j].RegistrationTimeUTC })
	return out, nil
}

// BaseURL is where the instance answers: https on its sslPort when it
// registered one (it serves TLS), else http on its port; ok is false when
// it registered neither.
func (i ServiceInstance) BaseURL() (u string, ok bool) {
	switch {
	case i.Address == "":
		return "", false
	case i.SSLPort != nil:
		return "https://" + net.JoinHostPort(i.Address, strconv.Itoa(*i.SSLPort)), true
	case i.Port != nil:
		return "http://" + net.JoinHostPort(i.Address, strconv.Itoa(*i.Port)), true
	}
	return "", false
}
