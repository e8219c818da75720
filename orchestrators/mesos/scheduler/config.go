package scheduler

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/zkutil"
	"github.com/bcs-io/bcs/orchestrators/mesos/zkstate"
)

// Config sets up a scheduler instance for one Mesos cluster.
type Config struct {
	// Cluster is the BCS cluster id; it names the state root and the
	// discovery entry.
	Cluster string
	// ZK lists the ZooKeeper servers (host:port) holding BCS's state.
	ZK               []string
	ZKSessionTimeout time.Duration // default 10 s
	// ZKOptions adjust the state session (e.g. zkutil.WithAuth).
	ZKOptions []zkutil.Option
	// Root is the state root (default /bcs/mesos/<Cluster>).
	Root string

	// Masters are master base URLs (http://host:5050), tried in turn.
	// MasterZK (zk://host:port/mesos) finds the leading master instead, as
	// Mesos's own detector does. One of the two is required.
	Masters  []string
	MasterZK string
	// MasterPolicy, when set, confines every connection to the masters and
	// to MasterZK's servers to the cluster-address policy (clusters that
	// users who are not platform admins registered). BCS's own ZooKeeper
	// (ZK) is never confined.
	MasterPolicy *netpolicy.Policy

	Framework FrameworkConfig
	Instance  InstanceConfig
	Tuning    Tuning
	Logger    *slog.Logger

	// Retired, if set, is asked when the instance closes whether the
	// cluster has been removed from BCS (or was never stored). If so, the
	// instance marks the cluster retired in ZooKeeper before it resigns,
	// and any instance that wins the election afterwards resigns and
	// campaigns no more: no standby takes over a framework nobody manages
	// in the while before its own replica notices the removal. An error
	// counts as not removed.
	Retired func(ctx context.Context) (bool, error)
}

// FrameworkConfig is what the scheduler tells Mesos about itself.
type FrameworkConfig struct {
	Name      string // default bcs
	User      string // default root
	Role      string // default *
	Principal string
	Hostname  string
	// FailoverTimeout is how long Mesos keeps the tasks of a disconnected
	// scheduler (default 7 days, as the original).
	FailoverTimeout time.Duration
}

// InstanceConfig describes this instance for discovery (and for callers
// that forward requests to the leader).
type InstanceConfig struct {
	ID      string // default a random UUID
	Address string // advertised host
	Port    int
	// DiscoveryBase and ServiceName place the Curator-style registration
	// at <DiscoveryBase>/<ServiceName>/<ID> (defaults /bcs/services and
	// mesos-scheduler-<Cluster>).
	DiscoveryBase string
	ServiceName   string
	Payload       json.RawMessage
	// RPCKey, shared by all instances of a cluster, turns on forwarding:
	// a standby sends API calls to the leader's Handler at
	// http://<Address>:<Port><RPCPath>/<operation>, signed with it (see
	// SignRPC). Without it a standby answers ErrNotLeader.
	RPCKey  []byte
	RPCPath string // default /internal/mesos-scheduler/<Cluster>
	// PeerTLS, set when the instances' replicas serve HTTPS, registers Port
	// as curator's sslPort and verifies the leader's certificate when
	// forwarding (https://…).
	PeerTLS *tls.Config
}

// Tuning holds timings; zero values take the defaults noted.
type Tuning struct {
	// AcceptRefuse filters what an ACCEPT leaves unused (default 1 s, as
	// the original).
	AcceptRefuse time.Duration
	// DeclineRefuse filters offers declined because nothing wanted fits
	// them (default 5 s, the Mesos default).
	DeclineRefuse time.Duration
	// IdleRefuse filters offers declined when nothing is wanted at all
	// (default 2 min; SUPPRESS also stops them).
	IdleRefuse time.Duration
	// ReviveInterval is the least time between REVIVEs for new demand
	// while not suppressed (default 250 ms: a rolling update asks for
	// offers at every step; Marathon waits 5 s, which makes big rolls slow).
	ReviveInterval time.Duration
	// ReconcileRetry resends explicit reconciliation for tasks not yet
	// answered (default 5 s); ReconcileInterval runs an implicit one
	// (default 10 min, as Marathon).
	ReconcileRetry    time.Duration
	ReconcileInterval time.Duration
	// KillRetry resends a KILL that has had no effect (default 10 s).
	KillRetry time.Duration
	// CallTimeout bounds each call to the master (default 10 s).
	CallTimeout time.Duration
	// Workers send calls concurrently (default 16).
	Workers int
	// SubscribeBackoffMax caps the wait between subscription attempts
	// (default 15 s, the reference's advice).
	SubscribeBackoffMax time.Duration
	// MissedHeartbeats without any event make the stream count as broken
	// (default 5).
	MissedHeartbeats int
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.ZKSessionTimeout == 0 {
		c.ZKSessionTimeout = 10 * time.Second
	}
	if c.Root == "" {
		c.Root = zkstate.DefaultRoot(c.Cluster)
	}
	f := &c.Framework
	if f.Name == "" {
		f.Name = "bcs"
	}
	if f.User == "" {
		f.User = "root"
	}
	if f.Role == "" {
		f.Role = "*"
	}
	def(&f.FailoverTimeout, 7*24*time.Hour)
	in := &c.Instance
	if in.ID == "" {
		in.ID = uuid.NewString()
	}
	if in.DiscoveryBase == "" {
		in.DiscoveryBase = "/bcs/services"
	}
	if in.ServiceName == "" {
		in.ServiceName = "mesos-scheduler-" + c.Cluster
	}
	if in.RPCPath == "" {
		in.RPCPath = RPCPrefix + c.Cluster
	}
	t := &c.Tuning
	def(&t.AcceptRefuse, time.Second)
	def(&t.DeclineRefuse, 5*time.Second)
	def(&t.IdleRefuse, 2*time.Minute)
	def(&t.ReviveInterval, 250*time.Millisecond)
	def(&t.ReconcileRetry, 5*time.Second)
	def(&t.ReconcileInterval, 10*time.Minute)
	def(&t.KillRetry, 10*time.Second)
	def(&t.CallTimeout, 10*time.Second)
	def(&t.SubscribeBackoffMax, 15*time.Second)
	if t.Workers == 0 {
		t.Workers = 16
	}
	if t.MissedHeartbeats == 0 {
		t.MissedHeartbeats = 5
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Cluster == "" {
		errs = append(errs, errors.New("cluster is required"))
	}
	if len(c.ZK) == 0 {
		errs = append(errs, errors.New("ZooKeeper servers are required"))
	}
	if len(c.Masters) == 0 && c.MasterZK == "" {
		errs = append(errs, errors.New("a master URL or a master ZooKeeper URL is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mesos scheduler config: %w", err)
	}
	return nil
}
