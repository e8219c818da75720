package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bcs-io/bcs/internal/zkutil"
	"github.com/bcs-io/bcs/orchestrators/mesos/scheduler/spec"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Service is one scheduler instance: it registers for discovery, takes
// part in the leader election and, while leading, runs the Engine. Its API
// methods act on the leader's state; on a standby they return ErrNotLeader
// (LeaderInstance says where the leader is).
type Service struct {
	cfg     Config
	log     *slog.Logger
	sess    *zkutil.Session
	mSess   *zkutil.Session // master detection, when on other servers
	reg     *zkutil.Registration
	self    zkutil.ServiceInstance
	broker  *broker
	masters *masterSource
	rpcAuth RPCVerifier  // forwarded calls this instance took
	rpc     *http.Client // forwards calls to the leader

	engine atomic.Pointer[Engine]
	lead   atomic.Pointer[zkutil.Leadership]
	cancel context.CancelFunc
	done   chan struct{}
}

// Start connects to ZooKeeper (ctx bounds the wait), registers the
// instance and begins campaigning in the background.
func Start(ctx context.Context, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "mesos-scheduler", "cluster", cfg.Cluster, "instance", cfg.Instance.ID)
	sess, err := zkutil.Connect(ctx, cfg.ZK, cfg.ZKSessionTimeout, log, cfg.ZKOptions...)
	if err != nil {
		return nil, fmt.Errorf("mesos scheduler: %w", err)
	}
	s := &Service{cfg: cfg, log: log, sess: sess, broker: newBroker(), done: make(chan struct{}), rpc: rpcClientFor(cfg.Instance.PeerTLS)}
	if s.masters, err = s.masterSource(ctx); err != nil {
		s.closeSessions()
		return nil, err
	}
	port := cfg.Instance.Port
	s.self = zkutil.ServiceInstance{Name: cfg.Instance.ServiceName, ID: cfg.Instance.ID, Address: cfg.Instance.Address,
		Payload: instancePayload(cfg)}
	switch {
	case port != 0 && cfg.Instance.PeerTLS != nil:
		s.self.SSLPort = &port
	case port != 0:
		s.self.Port = &port
	}
	if s.reg, err = zkutil.Register(ctx, sess, cfg.Instance.DiscoveryBase, s.self, log); err != nil {
		s.closeSessions()
		return nil, fmt.Errorf("mesos scheduler: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(runCtx)
	return s, nil
}

func instancePayload(cfg Config) json.RawMessage {
	if len(cfg.Instance.Payload) > 0 {
		return cfg.Instance.Payload
	}
	b, _ := json.Marshal(map[string]string{"cluster": cfg.Cluster, "role": "mesos-scheduler"})
	return b
}

func (s *Service) masterSource(ctx context.Context) (*masterSource, error) {
	if s.cfg.MasterZK == "" {
		return &masterSource{static: s.cfg.Masters}, nil
	}
	servers, path, err := zkutil.ParseURL(s.cfg.MasterZK)
	if err != nil {
		return nil, fmt.Errorf("mesos scheduler: %w", err)
	}
	conn := s.sess
	for _, server := range servers {
		if err := s.cfg.MasterPolicy.CheckHost(ctx, server); err != nil {
			return nil, fmt.Errorf("mesos scheduler: master detection: %w", err)
		}
	}
	if !s.cfg.sharesStateZK(servers) {
		if s.mSess, err = zkutil.Connect(ctx, servers, s.cfg.ZKSessionTimeout, s.log, s.cfg.MasterZKOptions()...); err != nil {
			return nil, fmt.Errorf("mesos scheduler: master detection: %w", err)
		}
		conn = s.mSess
	}
	return &masterSource{zk: conn.Conn, path: path}, nil
}

func (s *Service) closeSessions() {
	if s.mSess != nil {
		s.mSess.Close()
	}
	s.sess.Close()
}

// Close resigns leadership, deregisters and disconnects.
//
// Resigning and deregistering need ZooKeeper; if it is unreachable they
// give up after a while and closing the session ends them (the server then
// removes the nodes when the session times out).
func (s *Service) Close() error {
	s.markRetired()
	s.cancel()
	var err error
	regDone := make(chan struct{})
	go func() {
		defer close(regDone)
		select {
		case <-s.done:
		case <-time.After(closeGrace):
		}
		err = s.reg.Close()
	}()
	select {
	case <-regDone:
	case <-time.After(2 * closeGrace):
		s.log.Warn("closing without ZooKeeper; its session timeout will clean up")
	}
	s.closeSessions()
	<-s.done
	<-regDone
	return err
}

// closeGrace bounds each ZooKeeper step of Close.
const closeGrace = 5 * time.Second

func (s *Service) run(ctx context.Context) {
	defer close(s.done)
	data, _ := json.Marshal(s.self)
	election := zkutil.NewElection(s.sess, zkstate.Paths{Root: s.cfg.Root}.Leader(), data, s.log)
	for ctx.Err() == nil {
		l, err := election.Campaign(ctx)
		if err != nil {
			continue // ctx ended, or Campaign already retried
		}
		if s.isRetired() {
			l.Resign()
			s.log.Info("the cluster was removed: not leading it")
			<-ctx.Done()
			return
		}
		err = s.term(ctx, l)
		s.log.Warn("leadership term ended", "err", err)
		select { // do not flap straight back into the election
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// isRetired reports the retired mark (Config.Retired). A leader of a
// removed cluster marks it before it resigns, so whoever wins next finds
// the mark.
func (s *Service) isRetired() bool {
	ok, _, err := s.sess.Conn.Exists(zkstate.Paths{Root: s.cfg.Root}.Retired())
	return err == nil && ok
}

// markRetired leaves the retired mark when Config.Retired says the cluster
// is gone.
func (s *Service) markRetired() {
	if s.cfg.Retired == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	gone, err := s.cfg.Retired(ctx)
	if err != nil || !gone {
		return
	}
	done := make(chan error, 1)
	go func() { done <- s.sess.EnsurePath(zkstate.Paths{Root: s.cfg.Root}.Retired()) }()
	select {
	case err = <-done:
	case <-time.After(closeGrace):
		err = errors.New("ZooKeeper did not answer")
	}
	if err != nil {
		s.log.Warn("cannot mark the removed cluster retired; standbys may lead it until their replicas notice", "err", err)
	}
}

// term runs the engine for one leadership term.
func (s *Service) term(ctx context.Context, l *zkutil.Leadership) error {
	defer l.Resign()
	store, err := zkstate.Open(s.sess.Conn, s.cfg.Root, l.Node, s.log, s.sess.ACL()...)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-l.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	eng := newEngine(s.cfg, store, l.Check, s.publish, s.masters)
	s.lead.Store(l)
	s.engine.Store(eng)
	defer s.lead.Store(nil)
	defer s.engine.Store(nil)
	return eng.run(ctx)
}

func (s *Service) publish(ev Event) {
	ev.Cluster = s.cfg.Cluster
	s.broker.publish(ev)
}

// Events subscribes to changes made while this instance leads (a RESYNC
// event marks the start of each term). Call the returned function to stop;
// the channel is then closed.
func (s *Service) Events() (<-chan Event, func()) { return s.broker.subscribe() }

// IsLeader reports whether this instance is leading now.
func (s *Service) IsLeader() bool { return s.engine.Load() != nil }

// SessionID is this instance's ZooKeeper session (tests expire it).
func (s *Service) SessionID() int64 { return s.sess.SessionID() }

// ID is this instance's discovery id.
func (s *Service) ID() string { return s.cfg.Instance.ID }

// Instances lists the live scheduler instances of this cluster.
func (s *Service) Instances() ([]zkutil.ServiceInstance, error) {
	return zkutil.Instances(s.sess.Conn, s.cfg.Instance.DiscoveryBase, s.cfg.Instance.ServiceName)
}

// LeaderInstance returns the leading instance's registration.
func (s *Service) LeaderInstance() (*zkutil.ServiceInstance, error) {
	data, err := zkutil.Leader(s.sess.Conn, zkstate.Paths{Root: s.cfg.Root}.Leader())
	if err != nil {
		return nil, fmt.Errorf("mesos scheduler: no leader: %w", err)
	}
	var inst zkutil.ServiceInstance
	if err := json.Unmarshal(data, &inst); err != nil {
		return nil, fmt.Errorf("mesos scheduler: leader record: %w", err)
	}
	return &inst, nil
}

// IsUserError reports whether err is the caller's to fix (invalid spec,
// unknown application, task or version, conflicting request).
func IsUserError(err error) bool {
	var ve *spec.ValidationError
	return errors.As(err, &ve) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) || errors.Is(err, ErrConflict)
}

// MasterURL returns the base URL of the master this instance would
// subscribe to (for operator API calls such as a probe).
func (s *Service) MasterURL(ctx context.Context) (string, error) {
	return s.masters.next(ctx)
}

// Cluster is the cluster id this instance schedules for.
func (s *Service) Cluster() string { return s.cfg.Cluster }
