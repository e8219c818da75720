package helm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// MaxHistory is how many revisions of a release are kept (the helm CLI's
// own default for upgrades is 10).
const MaxHistory = 10

// Cluster runs Helm actions on one cluster.
type Cluster struct {
	cfg    *rest.Config
	log    *slog.Logger
	disc   discovery.CachedDiscoveryInterface
	mapper meta.RESTMapper
	// Timeout bounds hooks and each action's waits.
	Timeout time.Duration
}

// NewCluster returns the Helm actions over a client configuration (see
// clusters.Service.RestConfig).
func NewCluster(cfg *rest.Config, log *slog.Logger) (*Cluster, error) {
	if log == nil {
		log = slog.Default()
	}
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		// client-go's default (5/s) would pace a 20-object chart to
		// seconds; the same as BCS's orchestrators.
		cfg.QPS, cfg.Burst = 50, 100
	}
	disc, mapper, err := newDiscovery(cfg)
	if err != nil {
		return nil, classify("", err)
	}
	return &Cluster{cfg: cfg, log: log, disc: disc, mapper: mapper, Timeout: 5 * time.Minute}, nil
}

// config is the SDK's configuration for one namespace, with Helm's
// default storage driver: Secrets in the release's namespace.
func (c *Cluster) config(namespace string) (*action.Configuration, error) {
	g := &getter{cfg: c.cfg, namespace: namespace, disc: c.disc, mapper: c.mapper}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(c.log.Handler()))
	if err := cfg.Init(g, namespace, "secret"); err != nil {
		return nil, classify("", err)
	}
	return cfg, nil
}

// LoadChart reads a chart archive.
func LoadChart(archive []byte) (*chart.Chart, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, &badInput{msg: "the chart archive cannot be read: " + err.Error()}
	}
	return ch, nil
}

// Request is an install or upgrade.
type Request struct {
	Namespace, Name string
	Chart           *chart.Chart
	Values          map[string]any
	// DryRun renders and validates on the API server (server-side dry run)
	// and changes nothing, the release's history included.
	DryRun bool
	// Description is kept on the revision (helm history shows it).
	Description string
}

// Install installs a new release. Objects are applied server-side as the
// helm CLI does (field manager "helm").
func (c *Cluster) Install(ctx context.Context, req Request) (*release.Release, error) {
	cfg, err := c.config(req.Namespace)
	if err != nil {
		return nil, err
	}
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace = req.Name, req.Namespace
	in.Timeout = c.Timeout
	in.WaitStrategy = kube.HookOnlyStrategy
	in.Description = req.Description
	// The API server validates what it is sent (BCS's server-side dry run
	// first, then helm's own server-side apply); the SDK's client-side
	// check would download and parse the cluster's OpenAPI documents on
	// every call.
	in.DisableOpenAPIValidation = true
	if req.DryRun {
		in.DryRunStrategy = action.DryRunServer
	}
	rel, err := in.RunWithContext(ctx, req.Chart, req.Values)
	return v1(rel, classify(req.Namespace+"/"+req.Name, err))
}

// Upgrade moves an existing release to a chart version and values; the
// values given replace the previous revision's (helm upgrade's default).
func (c *Cluster) Upgrade(ctx context.Context, req Request) (*release.Release, error) {
	cfg, err := c.config(req.Namespace)
	if err != nil {
		return nil, err
	}
	up := action.NewUpgrade(cfg)
	up.Namespace = req.Namespace
	up.Timeout = c.Timeout
	up.WaitStrategy = kube.HookOnlyStrategy
	up.MaxHistory = MaxHistory
	up.Description = req.Description
	up.DisableOpenAPIValidation = true // as Install
	if req.DryRun {
		up.DryRunStrategy = action.DryRunServer
	}
	rel, err := up.RunWithContext(ctx, req.Name, req.Chart, req.Values)
	return v1(rel, classify(req.Namespace+"/"+req.Name, err))
}

// Rollback returns a release to a revision, as a new revision.
func (c *Cluster) Rollback(_ context.Context, namespace, name string, revision int, dryRun bool) error {
	cfg, err := c.config(namespace)
	if err != nil {
		return err
	}
	if _, err := c.get(cfg, name, revision); err != nil {
		return err
	}
	rb := action.NewRollback(cfg)
	rb.Version = revision
	rb.Timeout = c.Timeout
	rb.WaitStrategy = kube.HookOnlyStrategy
	rb.MaxHistory = MaxHistory
	if dryRun {
		rb.DryRunStrategy = action.DryRunServer
	}
	return classify(namespace+"/"+name, rb.Run(name))
}

// Uninstall deletes a release's objects and its history.
func (c *Cluster) Uninstall(_ context.Context, namespace, name string) error {
	cfg, err := c.config(namespace)
	if err != nil {
		return err
	}
	un := action.NewUninstall(cfg)
	un.Timeout = c.Timeout
	un.WaitStrategy = kube.HookOnlyStrategy
	_, err = un.Run(name)
	return classify(namespace+"/"+name, err)
}

// List lists the latest revision of every release in namespace ("" for
// all namespaces), whatever its status, by namespace and name.
func (c *Cluster) List(_ context.Context, namespace string) ([]*release.Release, error) {
	cfg, err := c.config(namespace)
	if err != nil {
		return nil, err
	}
	l := action.NewList(cfg)
	l.All = true
	l.AllNamespaces = namespace == ""
	l.SetStateMask()
	rels, err := l.Run()
	if err != nil {
		return nil, classify("", err)
	}
	out := make([]*release.Release, 0, len(rels))
	for _, r := range rels {
		if v, ok := r.(*release.Release); ok {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// History lists every kept revision of a release, oldest first.
func (c *Cluster) History(_ context.Context, namespace, name string) ([]*release.Release, error) {
	cfg, err := c.config(namespace)
	if err != nil {
		return nil, err
	}
	rels, err := cfg.Releases.History(name)
	if err != nil {
		return nil, classify(namespace+"/"+name, err)
	}
	if len(rels) == 0 {
		return nil, fmt.Errorf("release %s/%s: %w", namespace, name, ErrNotFound)
	}
	out := make([]*release.Release, 0, len(rels))
	for _, r := range rels {
		if v, ok := r.(*release.Release); ok {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Get reads one revision of a release (0: the latest).
func (c *Cluster) Get(_ context.Context, namespace, name string, revision int) (*release.Release, error) {
	cfg, err := c.config(namespace)
	if err != nil {
		return nil, err
	}
	return c.get(cfg, name, revision)
}

func (c *Cluster) get(cfg *action.Configuration, name string, revision int) (*release.Release, error) {
	var r ri.Releaser
	var err error
	if revision <= 0 {
		r, err = cfg.Releases.Last(name)
	} else {
		r, err = cfg.Releases.Get(name, revision)
	}
	if err != nil {
		return nil, classify(name, err)
	}
	return v1(r, nil)
}

func v1(r ri.Releaser, err error) (*release.Release, error) {
	if err != nil {
		return nil, err
	}
	rel, ok := r.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("release of type %T", r)
	}
	return rel, nil
}

// Exists reports whether a release has any revision.
func (c *Cluster) Exists(ctx context.Context, namespace, name string) (bool, error) {
	_, err := c.Get(ctx, namespace, name, 0)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ChartOf names a release's chart as name-version.
func ChartOf(r *release.Release) (name, version, appVersion string) {
	if r.Chart == nil || r.Chart.Metadata == nil {
		return "", "", ""
	}
	m := r.Chart.Metadata
	return m.Name, m.Version, m.AppVersion
}

// StatusOf is a release's status as the helm CLI prints it (deployed,
// superseded, failed, pending-upgrade, …).
func StatusOf(r *release.Release) string {
	if r.Info == nil {
		return "unknown"
	}
	return strings.ToLower(string(r.Info.Status))
}

// The SDK names its field manager after the running program unless told
// otherwise; as "helm", objects BCS applied are the helm CLI's to change
// too (and the other way round) without server-side apply conflicts.
func init() { kube.ManagedFieldsManager = "helm" }
