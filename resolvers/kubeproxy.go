package resolvers

import (
	"context"
	"strings"
	"time"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/project"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/kubeproxy"
)

// KubeProxy is what kubeconfigs need to know of BCS's Kubernetes proxy.
type KubeProxy struct {
	// PublicURL is BCS as kubectl reaches it (scheme, host, any path
	// prefix); empty: the scheme and host the kubeconfig query came in on.
	PublicURL string
	// CA (PEM) goes into kubeconfigs when BCS is served over TLS by a CA
	// kubectl does not trust already.
	CA []byte
}

// Kubeconfig tokens live 8h unless asked otherwise, a week at most.
const (
	kubeconfigTTL    = 8 * time.Hour
	kubeconfigMaxTTL = 7 * 24 * time.Hour
)

func kubeconfigExpiry(expiresIn *string) (time.Duration, error) {
	if expiresIn == nil || *expiresIn == "" {
		return kubeconfigTTL, nil
	}
	ttl, err := time.ParseDuration(*expiresIn)
	if err != nil || ttl <= 0 || ttl > kubeconfigMaxTTL {
		return 0, apierr.Invalid("expiresIn", "expiresIn must be a positive duration of at most 168h, such as \"8h\"")
	}
	return ttl, nil
}

// mayDownloadKubeconfig applies the project's kubeconfig switch.
func mayDownloadKubeconfig(v *auth.Viewer, p *ent.Project) error {
	if v.Admin {
		return nil
	}
	role, ok := v.Roles[p.ID]
	if !ok || auth.RoleRank(role) < auth.RoleRank(member.Role(p.KubeconfigMinRole)) {
		e := apierr.Denied("kubeconfig")
		e.Message = "permission denied: kubeconfigs of this project's clusters need the role " + string(p.KubeconfigMinRole) + " or above"
		return e
	}
	return nil
}

func (r *Resolver) kubeconfig(ctx context.Context, clusterID gid.ID, expiresIn *string) (string, error) {
	v, err := viewer(ctx)
	if err != nil {
		return "", err
	}
	c, err := r.usableCluster(ctx, clusterID, auth.ClusterView)
	if err != nil {
		return "", err
	}
	if c.Kind != "K8S" {
		return "", apierr.Invalid("clusterID", "cluster %s is a %s cluster; kubeconfigs are for Kubernetes clusters", c.Name, c.Kind)
	}
	p, err := r.Client.Project.Get(ctx, c.ProjectID)
	if err != nil {
		return "", notFoundAs(err, "project", c.ProjectID)
	}
	if err := mayDownloadKubeconfig(v, p); err != nil {
		return "", err
	}
	ttl, err := kubeconfigExpiry(expiresIn)
	if err != nil {
		return "", err
	}
	base := r.KubeProxy.PublicURL
	if base == "" {
		base = kubeproxy.BaseURL(ctx)
	}
	if base == "" {
		return "", apierr.New(apierr.Internal, "BCS does not know its public URL: start it with --public-url")
	}
	name := "kubeconfig " + c.Name
	if len(name) > 64 { // the token name's limit, in bytes: cut on a character
		name = strings.ToValidUTF8(name[:64], "")
	}
	secret, _, err := auth.IssueClusterToken(ctx, r.Client, v.UserID, name, auth.Expiry(v, ttl), c.ID)
	if err != nil {
		return "", err
	}
	out, err := kubeproxy.Kubeconfig(base, string(c.ID), c.Name, v.UserName, secret, r.KubeProxy.CA)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func (r *Resolver) setKubectlSettings(ctx context.Context, projectID gid.ID, execMin, kubeconfigMin *member.Role) (*ent.Project, error) {
	if err := require(ctx, auth.ProjectDelete, projectID); err != nil { // owners' action
		return nil, err
	}
	upd := r.Client.Project.UpdateOneID(projectID)
	if execMin != nil {
		if err := member.RoleValidator(*execMin); err != nil {
			return nil, apierr.Invalid("execMinRole", "unknown role %s", *execMin)
		}
		upd.SetExecMinRole(project.ExecMinRole(*execMin))
	}
	if kubeconfigMin != nil {
		if err := member.RoleValidator(*kubeconfigMin); err != nil {
			return nil, apierr.Invalid("kubeconfigMinRole", "unknown role %s", *kubeconfigMin)
		}
		upd.SetKubeconfigMinRole(project.KubeconfigMinRole(*kubeconfigMin))
	}
	p, err := upd.Save(ctx)
	if err != nil {
		return nil, notFoundAs(err, "project", projectID)
	}
	return p, nil
}

func apierrInvalidKind(c *ent.Cluster) error {
	return apierr.Invalid("clusterID", "cluster %s is a %s cluster; this is for Kubernetes clusters", c.Name, c.Kind)
}
