package resolvers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/chartrepository"
	"github.com/bcs-io/bcs/ent/schema/gid"
	"github.com/bcs-io/bcs/graph/model"
	"github.com/bcs-io/bcs/internal/apierr"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/helm"
	"github.com/bcs-io/bcs/internal/netpolicy"
	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/internal/redact"
	"github.com/bcs-io/bcs/orchestrators"

	release "helm.sh/helm/v4/pkg/release/v1"
)

// Helm release names: DNS-1123 subdomains of at most 53 characters, as the
// helm CLI requires (the release's Secret names add a suffix).
var releaseNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func validateRelease(namespace, name string) error {
	if !clusterNamePattern.MatchString(namespace) && !(len(namespace) == 1 && clusterNamePattern.MatchString(namespace+namespace)) {
		return apierr.Invalid("namespace", "namespace names are DNS labels: lowercase letters, digits and dashes")
	}
	if len(name) > 53 || !releaseNamePattern.MatchString(name) {
		return apierr.Invalid("name", "release names are at most 53 lowercase letters, digits, dashes and dots, starting and ending with a letter or digit")
	}
	return nil
}

// chartRepository loads a repository the caller may act on with action.
func (r *Resolver) chartRepository(ctx context.Context, id gid.ID, action auth.Action) (*ent.ChartRepository, error) {
	repo, err := r.Client.ChartRepository.Get(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "chart repository", id)
	}
	if err := require(ctx, action, repo.ProjectID); err != nil {
		return nil, err
	}
	return repo, nil
}

// openRepository unseals a repository's password. A repository added by
// someone other than a platform admin dials only within the policy.
func (r *Resolver) openRepository(repo *ent.ChartRepository) (*helm.Repository, error) {
	h := &helm.Repository{ID: string(repo.ID), Name: repo.Name, Kind: string(repo.Kind), URL: repo.URL,
		Username: repo.Username, PlainHTTP: repo.PlainHTTP}
	if len(repo.SealedPassword) > 0 {
		pw, err := r.Box.Open(string(repo.ID), repo.SealedPassword)
		if err != nil {
			return nil, err
		}
		h.Password = string(pw)
	}
	if repo.Restricted {
		h.Policy = r.repositoryPolicy()
	}
	return h, nil
}

func (r *Resolver) repositoryPolicy() *netpolicy.Policy {
	if r.Clusters != nil && r.Clusters.Policy != nil {
		return r.Clusters.Policy
	}
	return netpolicy.Default()
}

// repositoryError is what a caller is told of a repository's failure.
func repositoryError(field string, err error) error {
	var oe *orchestrators.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, helm.ErrUnauthorized):
		return &apierr.Error{Code: apierr.BadUserInput, Field: "password", Message: "the chart repository refused the credentials", Err: err}
	case errors.Is(err, helm.ErrNotFound):
		return &apierr.Error{Code: apierr.NotFound, Field: field, Message: notFoundMessage(err), Err: err}
	case errors.Is(err, helm.ErrUnreachable):
		return &apierr.Error{Code: apierr.BadUserInput, Field: "url", Message: helm.ErrUnreachable.Error(), Err: err}
	case errors.As(err, &oe) && oe.Kind == orchestrators.ErrBadInput:
		return apierr.Invalid(field, "%s", oe.Error())
	}
	return err
}

// notFoundMessage keeps the part of a not-found error BCS wrote itself
// (the chart and version asked for).
func notFoundMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, helm.ErrNotFound.Error()); i >= 0 {
		msg = msg[:i+len(helm.ErrNotFound.Error())]
	}
	if !strings.Contains(msg, "chart") {
		return "chart not found"
	}
	return msg
}

// resolveChart finds the project's repository a chart reference names:
// oci://… under an OCI repository's URL, or <repository name>/<chart>.
func (r *Resolver) resolveChart(ctx context.Context, projectID gid.ID, ref string) (*ent.ChartRepository, string, error) {
	ref = strings.TrimSpace(ref)
	repos, err := r.Client.ChartRepository.Query().Where(chartrepository.ProjectID(projectID)).All(ctx)
	if err != nil {
		return nil, "", err
	}
	if strings.HasPrefix(ref, "oci://") {
		var best *ent.ChartRepository
		for _, repo := range repos {
			if repo.Kind == chartrepository.KindOCI && strings.HasPrefix(ref, repo.URL+"/") && (best == nil || len(repo.URL) > len(best.URL)) {
				best = repo
			}
		}
		if best == nil {
			return nil, "", apierr.Invalid("chart", "%s is under none of the project's chart repositories: add the registry first", ref)
		}
		return best, strings.TrimPrefix(ref, best.URL+"/"), nil
	}
	name, chart, ok := strings.Cut(ref, "/")
	if !ok || chart == "" {
		return nil, "", apierr.Invalid("chart", "a chart is oci://registry/path/chart or repository-name/chart")
	}
	for _, repo := range repos {
		if repo.Name == name {
			return repo, chart, nil
		}
	}
	return nil, "", apierr.Invalid("chart", "the project has no chart repository named %q", name)
}

// helmClusters shares each cluster's discovery among Helm calls; an entry
// is replaced when the cluster's credentials change.
var (
	helmClusters helm.Clusters
	helmLog      sync.Once // the SDK logs to the first server's log
)

// helmCluster is the Helm SDK's view of a cluster.
func (r *Resolver) helmCluster(c *ent.Cluster) (*helm.Cluster, error) {
	cfg, err := r.Clusters.RestConfig(c)
	if err != nil {
		return nil, userError("clusterID", operations.Public(err, c))
	}
	helmLog.Do(func() { helmClusters.Log = r.Clusters.Log })
	hc, err := helmClusters.For(string(c.ID), cfg)
	if err != nil {
		return nil, userError("clusterID", operations.Public(err, c))
	}
	return hc, nil
}

// releaseError is what a caller is told of a release action's failure,
// before or instead of an Operation.
func releaseError(c *ent.Cluster, err error) error {
	var oe *orchestrators.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, helm.ErrNotFound):
		return &apierr.Error{Code: apierr.NotFound, Field: "name", Message: "release not found", Err: err}
	case errors.Is(err, helm.ErrExists):
		return &apierr.Error{Code: apierr.Conflict, Field: "name", Message: "a release of that name is already installed; upgrade it instead", Err: err}
	case errors.Is(err, helm.ErrBusy):
		return &apierr.Error{Code: apierr.Conflict, Field: "name", Message: helm.ErrBusy.Error(), Err: err}
	}
	err = operations.Public(err, c)
	if errors.As(err, &oe) && (oe.Kind == orchestrators.ErrAPI || oe.Kind == orchestrators.ErrBadInput) {
		// What the chart renders was refused: by the SDK, or by the API
		// server's dry run.
		return &apierr.Error{Code: apierr.BadUserInput, Field: "chart", Message: "the release does not validate: " + oe.Error(), Err: err}
	}
	return userError("clusterID", operations.Public(err, c))
}

// mayChangeReleases says the caller reads values and manifests unredacted.
func mayChangeReleases(ctx context.Context, projectID gid.ID) bool {
	v := auth.FromContext(ctx)
	return v != nil && v.Can(auth.ClusterUse, projectID)
}

func releaseModel(c *ent.Cluster, rel *release.Release) *model.HelmRelease {
	name, version, app := helm.ChartOf(rel)
	m := &model.HelmRelease{ClusterID: c.ID, Name: rel.Name, Namespace: rel.Namespace, Revision: rel.Version,
		Status: helm.StatusOf(rel), Chart: name, ChartVersion: version, AppVersion: app, Cluster: c}
	if rel.Info != nil {
		m.Description = rel.Info.Description
		if !rel.Info.LastDeployed.IsZero() {
			t := rel.Info.LastDeployed
			m.Updated = &t
		}
	}
	return m
}

func revisionModel(rel *release.Release) *model.HelmRevision {
	name, version, app := helm.ChartOf(rel)
	m := &model.HelmRevision{Revision: rel.Version, Status: helm.StatusOf(rel), Chart: name, ChartVersion: version, AppVersion: app}
	if rel.Info != nil {
		m.Description = rel.Info.Description
		if !rel.Info.LastDeployed.IsZero() {
			t := rel.Info.LastDeployed
			m.Updated = &t
		}
	}
	return m
}

func chartModels(repo *ent.ChartRepository, charts []helm.Chart) []*model.HelmChart {
	out := make([]*model.HelmChart, 0, len(charts))
	for _, c := range charts {
		m := &model.HelmChart{Name: c.Name, Reference: c.Reference, Description: c.Description}
		for _, v := range c.Versions {
			m.Versions = append(m.Versions, &model.HelmChartVersion{Version: v.Version, AppVersion: v.AppVersion,
				Description: v.Description, Repository: repo, Chart: c.Name})
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// releaseCluster loads the cluster a release action targets: cluster and
// namespace permissions, a usable Kubernetes cluster, a valid name.
func (r *Resolver) releaseCluster(ctx context.Context, clusterID gid.ID, namespace, name string, change bool) (*ent.Cluster, error) {
	if err := validateRelease(namespace, name); err != nil && (change || name != "") {
		return nil, err
	}
	clusterAction, nsAction := auth.ClusterView, auth.NamespaceView
	if change {
		clusterAction, nsAction = auth.ClusterUse, auth.NamespaceUse
	}
	c, err := r.usableCluster(ctx, clusterID, clusterAction)
	if err != nil {
		return nil, err
	}
	if err := require(ctx, nsAction, c.ProjectID); err != nil {
		return nil, err
	}
	return c, nil
}

// installOrUpgrade checks everything it can before an Operation is
// recorded (the chart and version exist, the values parse, the release
// renders and passes the API server's dry run), so that bad input is a
// typed error and nothing is half-installed; then installs or upgrades in
// an Operation (dry runs: one that has already finished).
func (r *Resolver) installOrUpgrade(ctx context.Context, input model.HelmReleaseInput, upgrade bool) (*ent.Operation, error) {
	c, err := r.releaseCluster(ctx, input.ClusterID, input.Namespace, input.Name, true)
	if err != nil {
		return nil, err
	}
	vals, err := helm.ParseValues(deref(input.Values))
	if err != nil {
		return nil, repositoryError("values", err)
	}
	repo, chartName, err := r.resolveChart(ctx, c.ProjectID, input.Chart)
	if err != nil {
		return nil, err
	}
	h, err := r.openRepository(repo)
	if err != nil {
		return nil, err
	}
	archive, version, err := h.Pull(ctx, chartName, deref(input.Version))
	if err != nil {
		return nil, repositoryError("chart", err)
	}
	ch, err := helm.LoadChart(archive)
	if err != nil {
		return nil, repositoryError("chart", err)
	}
	hc, err := r.helmCluster(c)
	if err != nil {
		return nil, err
	}
	action, verb := "HELM_INSTALL", "Install"
	if upgrade {
		action, verb = "HELM_UPGRADE", "Upgrade"
	}
	v := auth.FromContext(ctx)
	req := helm.Request{Namespace: input.Namespace, Name: input.Name, Chart: ch, Values: vals}
	if v != nil {
		req.Description = fmt.Sprintf("%s complete (by %s through BCS)", verb, v.UserName)
	}
	run := hc.Install
	if upgrade {
		run = hc.Upgrade
	}
	// Helm's install dry run does not look for a release of the same name.
	exists, err := hc.Exists(ctx, input.Namespace, input.Name)
	if err != nil {
		return nil, releaseError(c, err)
	}
	if exists && !upgrade {
		return nil, releaseError(c, helm.ErrExists)
	}
	if !exists && upgrade {
		return nil, releaseError(c, helm.ErrNotFound)
	}
	dry := req
	dry.DryRun = true
	preview, err := run(ctx, dry)
	if err != nil {
		return nil, releaseError(c, err)
	}
	if err := hc.Validate(ctx, input.Namespace, preview.Manifest); err != nil {
		return nil, releaseError(c, err)
	}
	digest := redact.KeyedBy(r.Box)
	request := map[string]any{"chart": strings.TrimSpace(input.Chart), "version": version, "dryRun": deref(input.DryRun),
		// Every member reads operations: the values as a viewer sees them.
		"values": redact.Values(vals), "valuesDigest": digest.Digest(deref(input.Values))["digest"]}
	job := operations.Job{Cluster: c, Action: action, Kind: "HelmRelease", Namespace: input.Namespace, Name: input.Name, Request: request}
	if deref(input.DryRun) {
		result := map[string]any{"dryRun": true, "revision": preview.Version, "chartVersion": version, "objects": helm.Objects(digest, preview.Manifest)}
		if upgrade {
			if cur, err := hc.Get(ctx, input.Namespace, input.Name, 0); err == nil {
				result["valuesDiff"] = helm.Diff("current", helm.ValuesYAML(redact.Values(cur.Config)), "new", helm.ValuesYAML(redact.Values(vals)))
			}
		}
		job.Wait = true
		job.Do = func(context.Context, orchestrators.Orchestrator) (map[string]any, error) { return result, nil }
		return r.Ops.Start(ctx, job)
	}
	job.Do = func(ctx context.Context, _ orchestrators.Orchestrator) (map[string]any, error) {
		rel, err := run(ctx, req)
		if err != nil {
			return nil, err
		}
		name, chartVersion, app := helm.ChartOf(rel)
		return map[string]any{"revision": rel.Version, "status": helm.StatusOf(rel), "chart": name, "chartVersion": chartVersion,
			"appVersion": app, "objects": helm.Objects(digest, rel.Manifest)}, nil
	}
	return r.Ops.Start(ctx, job)
}
