package clusters

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/clusternode"
	"github.com/bcs-io/bcs/ent/instance"
	"github.com/bcs-io/bcs/ent/namespace"
	"github.com/bcs-io/bcs/ent/pod"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/ent/workload"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/orchestrators"
	"github.com/bcs-io/bcs/orchestrators/k8s"
)

// Errors the service's callers map onto their own (GraphQL) errors.
var (
	// ErrNameTaken: the project has a cluster of that name already.
	ErrNameTaken = errors.New("cluster name taken")
	// ErrMesosDisabled: the server has no ZooKeeper for a Mesos scheduler.
	ErrMesosDisabled = errors.New("this BCS server manages no Mesos clusters")
)

// Service registers, removes and opens clusters. It checks no permission:
// its callers authorize first.
type Service struct {
	Client *ent.Client
	Connector
	// Policy is the cluster-address policy restricted probes dial within.
	Policy *netpolicy.Policy
	// Mesos says Mesos clusters can be registered (BCS has a ZooKeeper for
	// its scheduler state).
	Mesos bool
	Log   *slog.Logger
	// Registered, if set, is told of each Kubernetes cluster registered by
	// kubeconfig (the Kubernetes proxy installs its RBAC bindings).
	Registered func(ctx context.Context, c *ent.Cluster)
}

// Registration is what every way of registering a cluster is told.
type Registration struct {
	ProjectID   gid.ID
	Name        string
	Environment *cluster.Environment
	Labels      map[string]string
	// Restricted holds the cluster to the cluster-address policy (it is
	// registered by someone other than a platform admin).
	Restricted bool
}

func (s *Service) create(reg Registration, id gid.ID, kind cluster.Kind) *ent.ClusterCreate {
	create := s.Client.Cluster.Create().SetRestricted(reg.Restricted).
		SetProjectID(reg.ProjectID).SetName(reg.Name).SetKind(kind)
	if id != "" {
		create.SetID(id)
	}
	if reg.Environment != nil {
		create.SetEnvironment(*reg.Environment)
	}
	return create
}

func saved(c *ent.Cluster, err error) (*ent.Cluster, error) {
	if ent.IsConstraintError(err) {
		return nil, ErrNameTaken
	}
	return c, err
}

// RegisterKubeconfig registers a Kubernetes cluster the kubeconfig reaches.
// A probe failure is an *orchestrators.Error.
func (s *Service) RegisterKubeconfig(ctx context.Context, reg Registration, kubeconfig []byte) (*ent.Cluster, error) {
	info, endpoint, err := s.ProbeKubeconfig(ctx, kubeconfig, reg.Restricted)
	if err != nil {
		return nil, err
	}
	id := gid.New("cls")
	sealed, err := s.Box.Seal(string(id), kubeconfig)
	if err != nil {
		return nil, err
	}
	c, err := saved(s.create(reg, id, cluster.KindK8S).SetLabels(reg.Labels).
		SetStatus(cluster.StatusNORMAL).SetVersion(info.Version).SetEndpoint(endpoint).
		SetCredentials(sealed).SetCapacity(Capacity(info)).SetLastSeenAt(time.Now()).Save(ctx))
	if err == nil && s.Registered != nil {
		s.Registered(ctx, c)
	}
	return c, err
}

// RegisterByAgent records a Kubernetes cluster that `bcs agent` will
// register with the returned one-time token (Registry.Report).
func (s *Service) RegisterByAgent(ctx context.Context, reg Registration) (token string, c *ent.Cluster, err error) {
	secret, hash := auth.NewToken()
	c, err = saved(s.create(reg, "", cluster.KindK8S).
		SetStatus(cluster.StatusREGISTERING).SetStatusMessage("waiting for the first report of bcs agent").
		SetRegisterTokenHash(hash).SetRegisterTokenExpiresAt(time.Now().Add(24 * time.Hour)).Save(ctx))
	if err != nil {
		return "", nil, err
	}
	return secret, c, nil
}

// RegisterMesos registers a Mesos cluster by its masters (http(s):// URLs
// or one zk:// URL), once this replica's scheduler instance of it is ready.
// A failure to reach it is an *orchestrators.Error.
func (s *Service) RegisterMesos(ctx context.Context, reg Registration, masters []string) (*ent.Cluster, error) {
	if s.Router == nil || !s.Mesos {
		return nil, ErrMesosDisabled
	}
	id := gid.New("cls")
	conn := orchestrators.Conn{ClusterID: string(id), Kind: orchestrators.KindMesos, Endpoints: masters, Restricted: reg.Restricted}
	info, err := s.probeConn(ctx, conn)
	if err != nil {
		s.Forget(string(id))
		if reg.Restricted && !orchestrators.IsBadInput(err) {
			err = &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: netpolicy.UnreachableMesos}
		}
		return nil, err
	}
	sealed, err := s.Box.Seal(string(id), []byte(strings.Join(masters, ",")))
	if err != nil {
		return nil, err
	}
	c, err := s.create(reg, id, cluster.KindMESOS).SetLabels(reg.Labels).
		SetStatus(cluster.StatusNORMAL).SetVersion(info.Version).SetEndpoint(netpolicy.Redact(masters[0])).
		SetCredentials(sealed).SetCapacity(Capacity(info)).SetLastSeenAt(time.Now()).Save(ctx)
	if err != nil {
		s.Forget(string(id))
	}
	return saved(c, err)
}

// probeConn reaches a cluster through its orchestrator, within a deadline,
// and waits until it can take operations.
func (s *Service) probeConn(ctx context.Context, conn orchestrators.Conn) (*orchestrators.ClusterInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	o, err := s.Router.For(ctx, conn)
	if err != nil {
		return nil, err
	}
	info, err := o.Probe(ctx)
	if err != nil {
		return nil, err
	}
	if r, ok := o.(orchestrators.Readier); ok {
		if err := r.Ready(ctx); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// ProbeKubeconfig checks a kubeconfig reaches its cluster and reads its
// version and capacity, answering the API server's endpoint. Restricted
// probes (non-admins' clusters) dial only within the cluster-address
// policy, and any failure to reach the cluster is one generic error: what
// the address answered, and whether anything listens there, stays here.
// Mistakes in the kubeconfig itself are still reported as they are.
func (s *Service) ProbeKubeconfig(ctx context.Context, kubeconfig []byte, restricted bool) (*orchestrators.ClusterInfo, string, error) {
	return s.ProbeVia(ctx, kubeconfig, restricted, nil)
}

// ProbeVia is ProbeKubeconfig through a cluster's agent tunnel while one
// is connected (a nil tunnel: the address only). It is the Registry's
// Probe: an agent behind NAT reports an address BCS cannot reach.
func (s *Service) ProbeVia(ctx context.Context, kubeconfig []byte, restricted bool, tunnel orchestrators.DialFunc) (*orchestrators.ClusterInfo, string, error) {
	var policy *netpolicy.Policy
	if restricted {
		policy = s.Policy
	}
	cfg, err := k8s.RestConfig(kubeconfig, policy)
	if err != nil {
		return nil, "", err
	}
	o, err := k8s.NewForConfig(k8s.ViaTunnel(cfg, tunnel))
	if err != nil {
		return nil, "", err
	}
	defer o.Close()
	info, err := o.Probe(ctx)
	if err != nil && restricted {
		s.Log.InfoContext(ctx, "restricted cluster probe failed", "host", cfg.Host, "err", err)
		generic := &orchestrators.Error{Kind: orchestrators.ErrUnreachable, Message: netpolicy.UnreachableKubernetes}
		if errors.Is(err, orchestrators.ErrNoTunnel) {
			generic.Err = orchestrators.ErrNoTunnel // says nothing of the address; the monitor needs it
		}
		err = generic
	}
	return info, netpolicy.Redact(cfg.Host), err
}

// Remove marks a cluster REMOVED and drops its credentials, keeping what
// was observed in it; with forgetData it deletes the cluster and all of
// that instead. This replica's orchestrator of it closes at once; other
// replicas drop theirs when their datawatch sees the cluster gone.
func (s *Service) Remove(ctx context.Context, c *ent.Cluster, forgetData bool) (*ent.Cluster, error) {
	if forgetData {
		if err := s.forget(ctx, c.ID); err != nil {
			return nil, err
		}
		c.Status = cluster.StatusREMOVED
		s.Forget(string(c.ID))
		return c, nil
	}
	c, err := c.Update().SetStatus(cluster.StatusREMOVED).SetStatusMessage("removed; its data is kept").
		ClearCredentials().ClearAgentKeyHash().Save(ctx)
	if err == nil {
		s.Forget(string(c.ID))
	}
	return c, err
}

// forget drops a cluster and everything observed in it, in one transaction.
func (s *Service) forget(ctx context.Context, id gid.ID) error {
	return storage.WithTx(ctx, s.Client, func(tx *ent.Tx) error {
		steps := []func() (int, error){
			func() (int, error) { return tx.Pod.Delete().Where(pod.ClusterID(id)).Exec(ctx) },
			func() (int, error) { return tx.Workload.Delete().Where(workload.ClusterID(id)).Exec(ctx) },
			func() (int, error) { return tx.Namespace.Delete().Where(namespace.ClusterID(id)).Exec(ctx) },
			func() (int, error) { return tx.ClusterNode.Delete().Where(clusternode.ClusterID(id)).Exec(ctx) },
			func() (int, error) { return tx.Instance.Delete().Where(instance.ClusterID(id)).Exec(ctx) },
			func() (int, error) { return tx.Cluster.Delete().Where(cluster.ID(id)).Exec(ctx) },
		}
		for _, step := range steps {
			if _, err := step(); err != nil {
				return err
			}
		}
		return nil
	})
}
