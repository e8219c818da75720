package clusters

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/secrets"
	"github.com/bcs-io/bcs/orchestrators"
)

// Report is what `bcs agent` sends every interval.
type Report struct {
	// Token is the one-time register token on the first report, the agent
	// key afterwards.
	Token               string `json:"token"`
	APIServer           string `json:"apiServer"`
	CAData              string `json:"caData"` // base64 PEM
	ServiceAccountToken string `json:"serviceAccountToken"`
}

// Ack answers a report.
type Ack struct {
	ClusterID string `json:"clusterID"`
	// AgentKey is set once, on the report that consumed the register token.
	AgentKey string `json:"agentKey,omitempty"`
}

// ErrUnknownAgent covers unknown, expired or used tokens alike.
var ErrUnknownAgent = errors.New("unknown, expired or already used agent token")

// Probe checks a kubeconfig and reads the cluster's version and capacity;
// restricted confines it to the cluster-address policy, with an error that
// says nothing about what answered (netpolicy.UnreachableKubernetes).
// tunnel, when not nil, is the cluster's agent tunnel (k8s.ViaTunnel).
type Probe func(ctx context.Context, kubeconfig []byte, restricted bool, tunnel orchestrators.DialFunc) (*orchestrators.ClusterInfo, string, error)

// Registry applies agent reports to storage.
type Registry struct {
	// Tunnel is the dial through a cluster's agent tunnel
	// (Connector.Tunnel); nil: clusters are probed at their address only.
	Tunnel func(*ent.Cluster) orchestrators.DialFunc

	Client *ent.Client
	Box    *secrets.Box
	Probe  Probe
	// Registered, if set, is told of a cluster whose agent's credentials
	// start to work (registration, or back from unreachable): the
	// Kubernetes proxy (re)installs its RBAC bindings.
	Registered func(ctx context.Context, c *ent.Cluster)
}

// Report records one agent report: it binds a REGISTERING cluster on the
// first one, stores the credentials the agent manages (sealed) once they
// prove they reach the API server, and refreshes last-seen.
func (r *Registry) Report(ctx context.Context, rep Report) (*Ack, error) {
	ctx = auth.System(ctx)
	if auth.CheckToken(rep.Token) != nil {
		return nil, ErrUnknownAgent
	}
	hash := auth.HashToken(rep.Token)
	c, err := r.Client.Cluster.Query().Where(cluster.Or(cluster.RegisterTokenHash(hash), cluster.AgentKeyHash(hash))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrUnknownAgent
	}
	if err != nil {
		return nil, fmt.Errorf("find agent's cluster: %w", err)
	}
	first := isSet(c.RegisterTokenHash) && bytes.Equal(*c.RegisterTokenHash, hash)
	if first && (c.RegisterTokenExpiresAt == nil || time.Now().After(*c.RegisterTokenExpiresAt) || c.Status != cluster.StatusREGISTERING) {
		return nil, ErrUnknownAgent
	}
	if c.Status == cluster.StatusREMOVED || c.Status == cluster.StatusREMOVING {
		return nil, ErrUnknownAgent
	}
	kubeconfig, err := kubeconfigFor(rep)
	if err != nil {
		return nil, err
	}
	upd := c.Update().SetLastSeenAt(time.Now())
	info, endpoint, perr := r.Probe(ctx, kubeconfig, c.Restricted, r.tunnel(c))
	if perr != nil {
		upd.SetStatus(statusAfterFailure(c.Status)).SetStatusMessage("the agent's credentials do not reach the API server: " + perr.Error())
	} else {
		sealed, err := r.Box.Seal(string(c.ID), kubeconfig)
		if err != nil {
			return nil, err
		}
		upd.SetStatus(cluster.StatusNORMAL).SetStatusMessage("").SetCredentials(sealed).
			SetVersion(info.Version).SetEndpoint(endpoint).SetCapacity(Capacity(info))
	}
	ack := &Ack{ClusterID: string(c.ID)}
	if first {
		key, keyHash := auth.NewToken()
		upd.SetAgentKeyHash(keyHash).ClearRegisterTokenHash().ClearRegisterTokenExpiresAt()
		ack.AgentKey = key
	}
	wasNormal := c.Status == cluster.StatusNORMAL
	if c, err = upd.Save(ctx); err != nil {
		return nil, fmt.Errorf("record agent report: %w", err)
	}
	if perr == nil && !wasNormal && r.Registered != nil {
		r.Registered(ctx, c)
	}
	return ack, nil
}

func statusAfterFailure(cur cluster.Status) cluster.Status {
	if cur == cluster.StatusREGISTERING {
		return cluster.StatusCHECKING
	}
	return cluster.StatusUNREACHABLE
}

// kubeconfigFor builds the kubeconfig BCS keeps from an agent's report.
func kubeconfigFor(rep Report) ([]byte, error) {
	ca, err := base64.StdEncoding.DecodeString(rep.CAData)
	if err != nil {
		return nil, fmt.Errorf("agent report: caData is not base64: %w", err)
	}
	if rep.APIServer == "" || rep.ServiceAccountToken == "" {
		return nil, errors.New("agent report: apiServer and serviceAccountToken are required")
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["cluster"] = &clientcmdapi.Cluster{Server: rep.APIServer, CertificateAuthorityData: ca}
	cfg.AuthInfos["bcs-agent"] = &clientcmdapi.AuthInfo{Token: rep.ServiceAccountToken}
	cfg.Contexts["bcs"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: "bcs-agent"}
	cfg.CurrentContext = "bcs"
	return clientcmd.Write(*cfg)
}

// Capacity renders a cluster's capacity as stored on the Cluster row.
func Capacity(info *orchestrators.ClusterInfo) map[string]string {
	return map[string]string{
		"nodes":  fmt.Sprint(info.Nodes),
		"cpu":    fmt.Sprintf("%dm", info.CPUMilli),
		"memory": fmt.Sprint(info.MemoryBytes),
		"pods":   fmt.Sprint(info.Pods),
	}
}
