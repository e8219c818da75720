package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/clusters"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/orchestrators"
)

var clusterNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$`)

func validateClusterName(name string) error {
	if !clusterNamePattern.MatchString(name) {
		return apierr.Invalid("name", "cluster names are 2 to 64 lowercase letters, digits or dashes, starting and ending with a letter or digit")
	}
	return nil
}

// usableCluster loads a cluster the caller may act on with action, and
// refuses clusters that are being or have been removed.
func (r *Resolver) usableCluster(ctx context.Context, id gid.ID, action auth.Action) (*ent.Cluster, error) {
	c, err := r.Client.Cluster.Get(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "cluster", id)
	}
	if err := require(ctx, action, c.ProjectID); err != nil {
		return nil, err
	}
	switch c.Status {
	case cluster.StatusREMOVING, cluster.StatusREMOVED:
		return nil, apierr.New(apierr.Conflict, "cluster %s is %s", c.Name, c.Status)
	case cluster.StatusREGISTERING, cluster.StatusCHECKING:
		return nil, apierr.New(apierr.Conflict, "cluster %s is not registered yet (%s)", c.Name, c.Status)
	}
	return c, nil
}

// restrictedViewer says what the viewer registers is held to the
// cluster-address policy: everyone's but platform admins'.
func restrictedViewer(ctx context.Context) bool {
	v := auth.FromContext(ctx)
	return v == nil || !v.Admin
}

// operate starts an Operation on a usable cluster.
func (r *Resolver) operate(ctx context.Context, clusterID gid.ID, action auth.Action, job operations.Job) (*ent.Operation, error) {
	c, err := r.usableCluster(ctx, clusterID, action)
	if err != nil {
		return nil, err
	}
	job.Cluster = c
	return r.Ops.Start(ctx, job)
}

// userError turns an orchestrator's bad-input error into BAD_USER_INPUT,
// and fields another manager owns into CONFLICT listing them.
func userError(field string, err error) error {
	var oe *orchestrators.Error
	if errors.As(err, &oe) && oe.Kind == orchestrators.ErrConflict {
		return &apierr.Error{Code: apierr.Conflict, Field: field, Message: oe.Error(), Extra: map[string]any{"conflicts": oe.Conflicts}, Err: err}
	}
	if errors.As(err, &oe) && (oe.Kind == orchestrators.ErrBadInput || oe.Kind == orchestrators.ErrUnsupported) {
		return apierr.Invalid(field, "%s", oe.Error())
	}
	if errors.As(err, &oe) {
		return &apierr.Error{Code: apierr.BadUserInput, Field: field, Message: "cannot use the cluster: " + oe.Error(), Err: err}
	}
	return err
}

func workloadRef(ns, kind, name string) (orchestrators.WorkloadRef, error) {
	if ns == "" || name == "" || kind == "" {
		return orchestrators.WorkloadRef{}, apierr.Invalid("name", "namespace, kind and name are required")
	}
	return orchestrators.WorkloadRef{Namespace: ns, Kind: kind, Name: name}, nil
}

func propagation(p *string) string {
	switch {
	case p == nil:
		return orchestrators.PropagationBackground
	case *p == "FOREGROUND":
		return orchestrators.PropagationForeground
	case *p == "ORPHAN":
		return orchestrators.PropagationOrphan
	}
	return orchestrators.PropagationBackground
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// toMap renders an orchestrator result as the operation's JSON result.
func toMap(v any) map[string]any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// checkManifest rejects text that is not YAML or JSON before an operation
// is recorded; what the API server thinks of it lands on the operation.
func checkManifest(manifest string) error {
	dec := yaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	for n := 1; ; n++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return apierr.Invalid("manifest", "document %d is not valid YAML or JSON: %v", n, err)
		}
	}
}

// parseMasters splits a Mesos master list: http(s):// URLs, or one zk:// URL.
func parseMasters(raw string) ([]string, error) {
	var out []string
	for _, m := range strings.Split(raw, ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		u, err := url.Parse(m)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "zk") {
			return nil, apierr.Invalid("masters", "%q is not an http(s):// master URL or a zk://host:port/path", m)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, apierr.Invalid("masters", "name at least one master")
	}
	if strings.HasPrefix(out[0], "zk://") && len(out) > 1 {
		return nil, apierr.Invalid("masters", "give either one zk:// URL or master URLs, not both")
	}
	return out, nil
}

// registration is what the viewer registers a cluster as: held to the
// cluster-address policy unless they are a platform admin.
func registration(ctx context.Context, project gid.ID, name string, env *cluster.Environment, labels map[string]string) clusters.Registration {
	return clusters.Registration{ProjectID: project, Name: name, Environment: env, Labels: labels, Restricted: restrictedViewer(ctx)}
}
