package sim

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Mode is the simulator's standing as a master.
type Mode string

const (
	// ModeLeader serves the scheduler and operator APIs.
	ModeLeader Mode = "leader"
	// ModeFollower answers 307 with the leader's address (503 if unknown).
	ModeFollower Mode = "follower"
	// ModeRecovering answers 503 "Master has not finished recovery".
	ModeRecovering Mode = "recovering"
)

// Sim is the simulated master and its agents. Handler serves its HTTP APIs;
// Start wraps it in a listening server with ZooKeeper registration. All
// methods are safe for concurrent use.
type Sim struct {
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	closed     bool
	rng        *rand.Rand
	masterID   string
	info       mesos.MasterInfo
	started    time.Time
	elected    time.Time
	mode       Mode
	leaderAddr string // host:port of the leader when following

	nextAgent, nextFramework, nextOffer int

	agents     map[string]*agent
	agentOrder []*agent // registration order, for deterministic offers
	frameworks map[string]*framework
	fwOrder    []*framework
	completed  []*framework // removed frameworks, oldest first, bounded
	// removed agents, for reconciliation answers about their tasks
	unreachableAgents map[string]bool
	goneAgents        map[string]bool
	offers            map[string]*offer
	operators         map[*stream]struct{}

	allocRR  int           // round-robin start among frameworks
	kick     chan struct{} // capacity 1: run an allocation now
	stop     chan struct{}
	loopDone chan struct{}
}

// New builds a simulator with cfg.Agents agents. It serves no network by
// itself: use Handler, or Start for a listening server.
func New(cfg Config) (*Sim, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("mesos sim config: %w", err)
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	now := time.Now()
	s := &Sim{
		cfg:        cfg,
		log:        cfg.Logger.With("component", "mesos-sim"),
		rng:        rand.New(rand.NewPCG(seed, seed>>1|1)),
		masterID:   uuid.NewString(),
		started:    now,
		elected:    now,
		mode:       ModeLeader,
		agents:     map[string]*agent{},
		frameworks: map[string]*framework{},
		offers:     map[string]*offer{},
		operators:  map[*stream]struct{}{},

		unreachableAgents: map[string]bool{},
		goneAgents:        map[string]bool{},
		kick:              make(chan struct{}, 1),
		stop:              make(chan struct{}),
		loopDone:          make(chan struct{}),
	}
	s.setAddressLocked("127.0.0.1", 5050)
	s.mu.Lock()
	for i := 0; i < cfg.Agents; i++ {
		s.addAgentLocked(cfg.Agent)
	}
	s.mu.Unlock()
	go s.allocationLoop()
	return s, nil
}

// Close ends all streams and timers. The simulator answers 503 afterwards.
func (s *Sim) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	for _, fw := range s.frameworks {
		if fw.stream != nil {
			fw.stream.close()
		}
		if fw.failoverTimer != nil {
			fw.failoverTimer.Stop()
		}
		for _, t := range fw.tasks {
			t.stopTimers()
		}
	}
	for st := range s.operators {
		st.close()
	}
	s.mu.Unlock()
	<-s.loopDone
}

// MasterInfo is what SUBSCRIBED, GET_MASTER and ZooKeeper carry.
func (s *Sim) MasterInfo() mesos.MasterInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

// SetAddress sets the address the master advertises (Start does this).
func (s *Sim) SetAddress(host string, port int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setAddressLocked(host, port)
}

func (s *Sim) setAddressLocked(host string, port int) {
	ip := net.ParseIP(host).To4()
	if ip == nil {
		ip = net.IPv4(127, 0, 0, 1).To4()
	}
	p := uint32(port)
	hostname := host
	ipStr := ip.String()
	pid := "master@" + net.JoinHostPort(ipStr, strconv.Itoa(port))
	version := Version
	s.info = mesos.MasterInfo{
		ID: s.masterID,
		// MasterInfo.ip is the in_addr as the master's (little-endian)
		// host stores it: 127.0.0.1 is 16777343.
		IP:       binary.LittleEndian.Uint32(ip),
		Port:     &p,
		PID:      &pid,
		Hostname: &hostname,
		Version:  &version,
		Address:  &mesos.Address{Hostname: &hostname, IP: &ipStr, Port: int32(port)},
	}
}

// SetMode changes leadership: a follower redirects to leader (host:port),
// or answers 503 if leader is empty.
func (s *Sim) SetMode(m Mode, leader string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m == ModeLeader && s.mode != ModeLeader {
		s.elected = time.Now()
		s.kickLocked()
	}
	if m != ModeLeader && s.mode == ModeLeader {
		// A master that loses leadership drops its connections (the real
		// one exits); frameworks resubscribe and are redirected.
		for _, fw := range slices.Clone(s.fwOrder) {
			if fw.connected {
				s.disconnectLocked(fw)
			}
		}
		for st := range s.operators {
			st.close()
			delete(s.operators, st)
		}
	}
	s.mode, s.leaderAddr = m, leader
	s.log.Info("master mode", "mode", m, "leader", leader)
}

// SetModeIfChanged is SetMode without the log line and elected-time bump
// when nothing changes (ZooKeeper watches fire often).
func (s *Sim) SetModeIfChanged(m Mode, leader string) {
	s.mu.Lock()
	same := s.mode == m && s.leaderAddr == leader
	s.mu.Unlock()
	if !same {
		s.SetMode(m, leader)
	}
}

// Mode reports the current leadership mode.
func (s *Sim) Mode() Mode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode
}

// SetLaunchFailureRate changes the fraction of launches that fail.
func (s *Sim) SetLaunchFailureRate(r float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.LaunchFailureRate = min(max(r, 0), 1)
}

func (s *Sim) newOfferID() string {
	s.nextOffer++
	return fmt.Sprintf("%s-O%d", s.masterID, s.nextOffer-1)
}

func newUUID() []byte {
	u := uuid.New()
	return u[:]
}

func timestamp(t time.Time) *float64 {
	f := float64(t.UnixNano()) / 1e9
	return &f
}

func timeInfo(t time.Time) *mesos.TimeInfo {
	return &mesos.TimeInfo{Nanoseconds: t.UnixNano()}
}
