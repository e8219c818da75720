package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/ent/auditentry"
	"github.com/bcs-io/bcs/ent/chartrepository"
	"github.com/bcs-io/bcs/ent/member"
	"github.com/bcs-io/bcs/ent/operation"
	"github.com/bcs-io/bcs/internal/testenv/kube"
	"github.com/bcs-io/bcs/internal/testenv/registry"
	"github.com/bcs-io/bcs/resolvers"
)

// The isolation matrix (tenancy_test.go) covers the Helm fields too; each
// tenant has a chart repository ($rid).
func init() {
	for name, q := range map[string]string{
		"chartRepositories": `query($pid: ID!) { chartRepositories(projectID: $pid) { id } }`,
		"charts":            `query($rid: ID!) { charts(repositoryID: $rid) { name } }`,
		"releases":          `query($cid: ID!) { releases(clusterID: $cid) { name } }`,
		"release":           `query($cid: ID!) { release(clusterID: $cid, namespace: "ns", name: "web") { name } }`,
	} {
		rootQueries[name] = q
	}
	for name, q := range map[string]string{
		"addChartRepository":    `mutation($pid: ID!) { addChartRepository(input: {projectID: $pid, name: "evil", url: "oci://127.0.0.1:1/c"}) { id } }`,
		"removeChartRepository": `mutation($rid: ID!) { removeChartRepository(id: $rid) { deletedID } }`,
		"installRelease":        `mutation($cid: ID!) { installRelease(input: {clusterID: $cid, namespace: "ns", name: "web", chart: "repo/shop"}) { id } }`,
		"upgradeRelease":        `mutation($cid: ID!) { upgradeRelease(input: {clusterID: $cid, namespace: "ns", name: "web", chart: "repo/shop"}) { id } }`,
		"rollbackRelease":       `mutation($cid: ID!) { rollbackRelease(clusterID: $cid, namespace: "ns", name: "web", revision: 1) { id } }`,
		"uninstallRelease":      `mutation($cid: ID!) { uninstallRelease(clusterID: $cid, namespace: "ns", name: "web") { id } }`,
	} {
		rootMutations[name] = q
	}
}

const (
	shopChart   = "../helm/testdata/charts/shop"
	brokenChart = "../helm/testdata/charts/broken"
)

// helmCLI is the helm binary scripts/helm-bin.sh builds (once per run).
var helmCLI = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("../../scripts/helm-bin.sh").Output()
	return strings.TrimSpace(string(out)), err
})

// helmRun runs the helm CLI against a test cluster, with its own
// configuration directories so the machine's play no part.
func helmRun(t *testing.T, c *kube.Cluster, args ...string) string {
	t.Helper()
	bin, err := helmCLI()
	if err != nil {
		t.Fatalf("helm-bin.sh: %v", err)
	}
	home := t.TempDir()
	cmd := exec.Command(bin, append(args, "--kubeconfig", c.KubeconfigPath)...)
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

type helmListEntry struct {
	Name, Namespace, Revision, Status, Chart string
	AppVersion                               string `json:"app_version"`
}

func helmList(t *testing.T, c *kube.Cluster, ns string) []helmListEntry {
	var out []helmListEntry
	if err := json.Unmarshal([]byte(helmRun(t, c, "list", "-n", ns, "--deployed", "--failed", "--pending", "-o", "json")), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type helmHistoryEntry struct {
	Revision    int
	Status      string
	Chart       string
	Description string
}

func helmHistory(t *testing.T, c *kube.Cluster, ns, name string) []helmHistoryEntry {
	var out []helmHistoryEntry
	if err := json.Unmarshal([]byte(helmRun(t, c, "history", name, "-n", ns, "-o", "json")), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// helmProject is a project with a registered cluster and a user in each role.
type helmProject struct {
	*tenant
	cluster string
	kube    *kube.Cluster
}

func (e *testEnv) helmProject(t *testing.T, code string, c *kube.Cluster) helmProject {
	t.Helper()
	tn := e.newTenant(t, code)
	var cl struct{ ID, Status string }
	e.do(t, registerK8s, map[string]any{"in": map[string]any{"projectID": tn.project, "name": code, "kubeconfig": string(c.Kubeconfig)}}).field(t, "registerCluster", &cl)
	if cl.Status != "NORMAL" {
		t.Fatalf("cluster %+v", cl)
	}
	return helmProject{tenant: tn, cluster: cl.ID, kube: c}
}

func createNamespace(t *testing.T, c *kube.Cluster, name string) {
	t.Helper()
	_, err := c.Client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

const (
	addRepo   = `mutation($in: AddChartRepositoryInput!) { addChartRepository(input: $in) { id name url kind username hasPassword plainHTTP } }`
	installRe = `mutation($in: HelmReleaseInput!) { installRelease(input: $in) { ` + opFields + ` request } }`
	upgradeRe = `mutation($in: HelmReleaseInput!) { upgradeRelease(input: $in) { ` + opFields + ` request } }`
)

type repoView struct {
	ID, Name, URL, Kind, Username string
	HasPassword, PlainHTTP        bool
}

// A chart from a real registry through its life: install, upgrade,
// rollback, uninstall; the helm CLI sees each step, and BCS sees what the
// CLI does.
func TestHelmReleaseLifecycle(t *testing.T) {
	a, _ := kubeClusters(t)
	reg := registry.New(t, "bcs", "registry-pw-1")
	for _, v := range [][2]string{{"0.1.0", "1.0"}, {"0.2.0", "2.0"}} {
		if _, err := reg.PushChart(shopChart, "charts", v[0], v[1]); err != nil {
			t.Fatal(err)
		}
	}
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	hp := env.helmProject(t, "helm-life", a)
	maintainer, dev, viewer := env.as(hp.tokens[member.RoleMAINTAINER]), env.as(hp.tokens[member.RoleDEVELOPER]), env.as(hp.tokens[member.RoleVIEWER])
	url := "oci://" + reg.Host + "/charts"

	// Only maintainers add repositories; a wrong password stores nothing.
	in := map[string]any{"projectID": hp.project, "name": "main", "url": url, "username": "bcs", "password": "registry-pw-1", "plainHTTP": true}
	if res := dev.do(t, addRepo, map[string]any{"in": in}); res.code() != "FORBIDDEN" {
		t.Fatalf("developer added a repository: %s", res.raw)
	}
	wrong := map[string]any{}
	for k, v := range in {
		wrong[k] = v
	}
	wrong["password"] = "not-it"
	if res := maintainer.do(t, addRepo, map[string]any{"in": wrong}); res.code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "password" {
		t.Fatalf("wrong registry password: %s", res.raw)
	}
	if n := env.db.Client.ChartRepository.Query().Where(chartrepository.Name("main")).CountX(system()); n != 0 {
		t.Fatalf("a refused repository was stored (%d)", n)
	}
	var repo repoView
	maintainer.do(t, addRepo, map[string]any{"in": in}).field(t, "addChartRepository", &repo)
	if repo.Kind != "OCI" || !repo.HasPassword || repo.URL != url || repo.Username != "bcs" {
		t.Fatalf("added %+v", repo)
	}
	if res := maintainer.do(t, addRepo, map[string]any{"in": in}); res.code() != "CONFLICT" {
		t.Fatalf("same name twice: %s", res.raw)
	}
	// The password is nowhere to be read: not a field, not at rest, not in the audit log.
	if res := viewer.do(t, `query($p: ID!) { chartRepositories(projectID: $p) { password } }`, map[string]any{"p": hp.project}); len(res.Errors) == 0 {
		t.Fatalf("password is a field: %s", res.raw)
	}
	stored := env.db.Client.ChartRepository.Query().Where(chartrepository.Name("main")).OnlyX(system())
	if strings.Contains(string(stored.SealedPassword), "registry-pw-1") || len(stored.SealedPassword) == 0 {
		t.Fatal("password not sealed at rest")
	}
	for _, e := range env.db.Client.AuditEntry.Query().Where(auditentry.Action("addChartRepository")).AllX(system()) {
		if strings.Contains(string(mustJSON(e.Arguments)), "registry-pw-1") || strings.Contains(string(mustJSON(e.Arguments)), "not-it") {
			t.Fatalf("audit entry keeps the password: %v", e.Arguments)
		}
	}
	var repos []repoView
	viewer.do(t, `query($p: ID!) { chartRepositories(projectID: $p) { id name hasPassword } }`, map[string]any{"p": hp.project}).field(t, "chartRepositories", &repos)
	if len(repos) != 2 || repos[0].ID != repo.ID || !repos[0].HasPassword || repos[1].HasPassword { // main, and newTenant's repo
		t.Fatalf("repositories: %+v", repos)
	}

	// Charts, with default values redacted for viewers.
	chartsQ := `query($r: ID!) { charts(repositoryID: $r) { name reference versions { version appVersion description defaultValues } } }`
	var charts []struct {
		Name, Reference string
		Versions        []struct{ Version, AppVersion, Description, DefaultValues string }
	}
	viewer.do(t, chartsQ, map[string]any{"r": repo.ID}).field(t, "charts", &charts)
	if len(charts) != 1 || charts[0].Reference != url+"/shop" || len(charts[0].Versions) != 2 || charts[0].Versions[0].Version != "0.2.0" || charts[0].Versions[0].AppVersion != "2.0" {
		t.Fatalf("charts: %+v", charts)
	}
	if dv := charts[0].Versions[0].DefaultValues; strings.Contains(dv, "changeme") || !strings.Contains(dv, "[REDACTED]") || !strings.Contains(dv, "replicaCount") {
		t.Fatalf("viewer's default values: %s", dv)
	}
	dev.do(t, chartsQ, map[string]any{"r": repo.ID}).field(t, "charts", &charts)
	if dv := charts[0].Versions[0].DefaultValues; !strings.Contains(dv, "changeme") {
		t.Fatalf("developer's default values: %s", dv)
	}
	// One version's values, as the console asks for them; and a query that
	// would pull every version many times over is cut at the budget.
	oneQ := `query($r: ID!, $v: String) { charts(repositoryID: $r) { versions(version: $v) { version defaultValues } } }`
	dev.do(t, oneQ, map[string]any{"r": repo.ID, "v": "0.1.0"}).field(t, "charts", &charts)
	if len(charts[0].Versions) != 1 || charts[0].Versions[0].Version != "0.1.0" || !strings.Contains(charts[0].Versions[0].DefaultValues, "replicaCount") {
		t.Fatalf("versions(version: 0.1.0): %+v", charts)
	}
	if dev.do(t, oneQ, map[string]any{"r": repo.ID, "v": "9.9.9"}).field(t, "charts", &charts); len(charts[0].Versions) != 0 {
		t.Fatalf("versions(version: 9.9.9): %+v", charts)
	}
	var many strings.Builder
	many.WriteString(`query($r: ID!) {`)
	for i := range 6 { // 6 × 2 versions: 12 fetches, 2 past the budget
		fmt.Fprintf(&many, ` c%d: charts(repositoryID: $r) { versions { defaultValues } }`, i)
	}
	many.WriteString(` }`)
	res := dev.do(t, many.String(), map[string]any{"r": repo.ID})
	if len(res.Errors) != 12-resolvers.MaxChartFetchesPerOperation || res.code() != "BAD_USER_INPUT" {
		t.Fatalf("12 chart fetches in one request: %s", res.raw)
	}

	createNamespace(t, a, "shop")
	release := func(version, values string, dry bool) map[string]any {
		return map[string]any{"in": map[string]any{"clusterID": hp.cluster, "namespace": "shop", "name": "shop",
			"chart": url + "/shop", "version": version, "values": values, "dryRun": dry}}
	}
	if res := viewer.do(t, installRe, release("0.1.0", "", false)); res.code() != "FORBIDDEN" {
		t.Fatalf("viewer installed: %s", res.raw)
	}

	// A dry run renders and validates, and leaves nothing behind.
	var dry operationView
	dev.do(t, installRe, release("0.1.0", "replicaCount: 2", true)).field(t, "installRelease", &dry)
	if dry.Status != "SUCCEEDED" || !strings.Contains(string(mustJSON(dry.Result)), `"Deployment"`) {
		t.Fatalf("dry run: %+v", dry)
	}
	if l := helmList(t, a, "shop"); len(l) != 0 {
		t.Fatalf("dry run left a release: %+v", l)
	}

	// Install: pods Running, helm list agrees, the secret value stays hidden.
	op := dev.mutateOp(t, installRe, "installRelease", release("0.1.0", "replicaCount: 2\ndb:\n  password: db-pw-42\n", false))
	if op.Status != "SUCCEEDED" || op.Result["revision"] != float64(1) {
		t.Fatalf("install: %+v", op)
	}
	eventually(t, "2 shop pods Running", func() bool { return runningPods(t, a.Client, "shop", "shop") == 2 })
	// Objects a release creates are workloads like any others.
	eventually(t, "the release's Deployment among the workloads", func() bool {
		res := viewer.do(t, `{ workloads(where: {name: "shop", namespace: "shop"}) { edges { node { kind ready } } } }`, nil)
		return strings.Contains(res.raw, `"kind":"DEPLOYMENT"`)
	})
	if l := helmList(t, a, "shop"); len(l) != 1 || l[0].Revision != "1" || l[0].Status != "deployed" || l[0].Chart != "shop-0.1.0" {
		t.Fatalf("helm list after install: %+v", l)
	}
	var ops struct {
		Edges []struct {
			Node struct{ Request map[string]any }
		}
	}
	viewer.do(t, `{ operations(where: {action: "HELM_INSTALL"}) { edges { node { request } } } }`, nil).field(t, "operations", &ops)
	if raw := string(mustJSON(ops)); strings.Contains(raw, "db-pw-42") || !strings.Contains(raw, "[REDACTED]") || len(ops.Edges) != 2 {
		t.Fatalf("operations show the values: %s", raw)
	}
	if raw := string(mustJSON(env.db.Client.AuditEntry.Query().Where(auditentry.Action("installRelease")).AllX(system()))); strings.Contains(raw, "db-pw-42") {
		t.Fatalf("audit keeps the values: %s", raw)
	}
	if res := dev.do(t, installRe, release("0.1.0", "", false)); res.code() != "CONFLICT" {
		t.Fatalf("install over an installed release: %s", res.raw)
	}

	// Upgrade to the new version with new values: rolled out.
	op = dev.mutateOp(t, upgradeRe, "upgradeRelease", release("0.2.0", "replicaCount: 3\nmessage: hi\ndb:\n  password: db-pw-43\n", false))
	if op.Status != "SUCCEEDED" || op.Result["revision"] != float64(2) || op.Result["chartVersion"] != "0.2.0" {
		t.Fatalf("upgrade: %+v", op)
	}
	eventually(t, "3 shop pods Running", func() bool { return runningPods(t, a.Client, "shop", "shop") == 3 })
	eventually(t, "the upgrade rolled out", func() bool {
		d, err := a.Client.AppsV1().Deployments("shop").Get(context.Background(), "shop", metav1.GetOptions{})
		cm, err2 := a.Client.CoreV1().ConfigMaps("shop").Get(context.Background(), "shop", metav1.GetOptions{})
		return err == nil && err2 == nil && d.Status.UpdatedReplicas == 3 && d.Status.ObservedGeneration >= d.Generation && cm.Data["CHART_VERSION"] == "0.2.0"
	})
	if h := helmHistory(t, a, "shop", "shop"); len(h) != 2 || h[0].Status != "superseded" || h[1].Status != "deployed" || h[1].Chart != "shop-0.2.0" {
		t.Fatalf("helm history after upgrade: %+v", h)
	}

	// BCS's view: the release, its history, values, manifest and a diff.
	relQ := `query($c: ID!) { releases(clusterID: $c, namespace: "shop") { name namespace revision status chart chartVersion appVersion updated
		history { revision status chartVersion description } v1: values(revision: 1) values manifest diff: valuesDiff(from: 1, to: 2) } }`
	type relView struct {
		Name, Namespace, Status, Chart, ChartVersion, AppVersion, Updated string
		Revision                                                          int
		History                                                           []struct {
			Revision                          int
			Status, ChartVersion, Description string
		}
		V1, Values, Manifest, Diff string
	}
	var rels []relView
	viewer.do(t, relQ, map[string]any{"c": hp.cluster}).field(t, "releases", &rels)
	if len(rels) != 1 || rels[0].Revision != 2 || rels[0].ChartVersion != "0.2.0" || rels[0].AppVersion != "2.0" || rels[0].Status != "deployed" || len(rels[0].History) != 2 || rels[0].Updated == "" {
		t.Fatalf("releases: %+v", rels)
	}
	r := rels[0]
	if strings.Contains(r.V1+r.Values+r.Manifest+r.Diff, "db-pw-4") || !strings.Contains(r.Values, "[REDACTED]") || !strings.Contains(r.Manifest, "kind: Deployment") {
		t.Fatalf("a viewer reads secret values: %+v", r)
	}
	if !strings.Contains(r.Diff, "-replicaCount: 2") || !strings.Contains(r.Diff, "+replicaCount: 3") || !strings.Contains(r.Diff, "+message: hi") {
		t.Fatalf("values diff: %s", r.Diff)
	}
	dev.do(t, relQ, map[string]any{"c": hp.cluster}).field(t, "releases", &rels)
	if !strings.Contains(rels[0].V1, "db-pw-42") || !strings.Contains(rels[0].Manifest, "db-pw-43") {
		t.Fatalf("a developer reads the values: %+v", rels[0])
	}

	// Roll back to revision 1: a new revision with the old chart.
	rollback := `mutation($c: ID!, $rev: Int!) { rollbackRelease(clusterID: $c, namespace: "shop", name: "shop", revision: $rev) { ` + opFields + ` } }`
	if res := dev.do(t, rollback, map[string]any{"c": hp.cluster, "rev": 7}); res.code() != "NOT_FOUND" {
		t.Fatalf("rollback to a missing revision: %s", res.raw)
	}
	if op := dev.mutateOp(t, rollback, "rollbackRelease", map[string]any{"c": hp.cluster, "rev": 1}); op.Status != "SUCCEEDED" || op.Result["revision"] != float64(3) {
		t.Fatalf("rollback: %+v", op)
	}
	eventually(t, "revision 1's objects back", func() bool {
		cm, err := a.Client.CoreV1().ConfigMaps("shop").Get(context.Background(), "shop", metav1.GetOptions{})
		return err == nil && cm.Data["CHART_VERSION"] == "0.1.0" && runningPods(t, a.Client, "shop", "shop") == 2
	})
	if h := helmHistory(t, a, "shop", "shop"); len(h) != 3 || h[2].Status != "deployed" || h[2].Chart != "shop-0.1.0" || !strings.Contains(h[2].Description, "Rollback to 1") {
		t.Fatalf("helm history after rollback: %+v", h)
	}

	// What the helm CLI does, BCS shows.
	helmRun(t, a, "rollback", "shop", "2", "-n", "shop")
	viewer.do(t, relQ, map[string]any{"c": hp.cluster}).field(t, "releases", &rels)
	if rels[0].Revision != 4 || rels[0].ChartVersion != "0.2.0" || len(rels[0].History) != 4 {
		t.Fatalf("BCS after helm rollback: %+v", rels[0])
	}

	// Uninstall: objects and history gone.
	uninstall := `mutation($c: ID!) { uninstallRelease(clusterID: $c, namespace: "shop", name: "shop") { ` + opFields + ` } }`
	if res := viewer.do(t, uninstall, map[string]any{"c": hp.cluster}); res.code() != "FORBIDDEN" {
		t.Fatalf("viewer uninstalled: %s", res.raw)
	}
	if op := dev.mutateOp(t, uninstall, "uninstallRelease", map[string]any{"c": hp.cluster}); op.Status != "SUCCEEDED" {
		t.Fatalf("uninstall: %+v", op)
	}
	ctx := context.Background()
	eventually(t, "the release's objects gone", func() bool {
		_, e1 := a.Client.AppsV1().Deployments("shop").Get(ctx, "shop", metav1.GetOptions{})
		_, e2 := a.Client.CoreV1().Services("shop").Get(ctx, "shop", metav1.GetOptions{})
		_, e3 := a.Client.CoreV1().ConfigMaps("shop").Get(ctx, "shop", metav1.GetOptions{})
		_, e4 := a.Client.CoreV1().Secrets("shop").Get(ctx, "shop-db", metav1.GetOptions{})
		return apierrors.IsNotFound(e1) && apierrors.IsNotFound(e2) && apierrors.IsNotFound(e3) && apierrors.IsNotFound(e4)
	})
	if l := helmList(t, a, "shop"); len(l) != 0 {
		t.Fatalf("helm list after uninstall: %+v", l)
	}
	viewer.do(t, relQ, map[string]any{"c": hp.cluster}).field(t, "releases", &rels)
	if len(rels) != 0 {
		t.Fatalf("releases after uninstall: %+v", rels)
	}
	if res := viewer.do(t, `query($c: ID!) { release(clusterID: $c, namespace: "shop", name: "shop") { name } }`, map[string]any{"c": hp.cluster}); res.code() != "NOT_FOUND" {
		t.Fatalf("uninstalled release: %s", res.raw)
	}
}

// Bad input is a typed error before any Operation, and nothing is
// installed: a wrong password, an unknown chart or version, values that
// are not YAML, a chart the API server refuses.
func TestHelmBadInputInstallsNothing(t *testing.T) {
	a, _ := kubeClusters(t)
	reg := registry.New(t, "bcs", "registry-pw-2")
	if _, err := reg.PushChart(shopChart, "charts", "0.1.0", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.PushChart(brokenChart, "charts", "0.1.0", ""); err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	hp := env.helmProject(t, "helm-bad", a)
	url := "oci://" + reg.Host + "/charts"
	var repo repoView
	env.as(hp.tokens[member.RoleMAINTAINER]).do(t, addRepo, map[string]any{"in": map[string]any{"projectID": hp.project, "name": "main",
		"url": url, "username": "bcs", "password": "registry-pw-2", "plainHTTP": true}}).field(t, "addChartRepository", &repo)
	createNamespace(t, a, "bad")
	dev := env.as(hp.tokens[member.RoleDEVELOPER])
	opsBefore := env.db.Client.Operation.Query().Where(operation.ClusterID(ID(hp.cluster))).CountX(system())

	for _, c := range []struct {
		name, chart, version, values, code, field, says string
	}{
		{"unknown chart", url + "/nosuch", "", "", "NOT_FOUND", "chart", "nosuch"},
		{"unknown version", url + "/shop", "9.9.9", "", "NOT_FOUND", "chart", "9.9.9"},
		{"chart outside the repositories", "oci://" + reg.Host + "/elsewhere/shop", "", "", "BAD_USER_INPUT", "chart", "none of the project's chart repositories"},
		{"values that are not YAML", url + "/shop", "", "replicaCount: 2\nimage: [nginx\n", "BAD_USER_INPUT", "values", "line"},
		{"a rendering the API server refuses", url + "/broken", "", "", "BAD_USER_INPUT", "chart", "99999"},
	} {
		res := dev.do(t, installRe, map[string]any{"in": map[string]any{"clusterID": hp.cluster, "namespace": "bad", "name": "bad",
			"chart": c.chart, "version": c.version, "values": c.values}})
		if res.code() != c.code || res.Errors[0].Extensions["field"] != c.field || !strings.Contains(res.Errors[0].Message, c.says) {
			t.Errorf("%s: %s", c.name, res.raw)
		}
	}
	// Upgrading a release that is not installed.
	if res := dev.do(t, upgradeRe, map[string]any{"in": map[string]any{"clusterID": hp.cluster, "namespace": "bad", "name": "bad", "chart": url + "/shop"}}); res.code() != "NOT_FOUND" {
		t.Errorf("upgrade of a missing release: %s", res.raw)
	}
	// The registry's password changed since the repository was added.
	env.db.Client.ChartRepository.UpdateOneID(ID(repo.ID)).SetSealedPassword(mustSeal(t, env, repo.ID, "stale")).ExecX(system())
	res := dev.do(t, installRe, map[string]any{"in": map[string]any{"clusterID": hp.cluster, "namespace": "bad", "name": "bad", "chart": url + "/shop"}})
	if res.code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "password" {
		t.Errorf("stale registry password: %s", res.raw)
	}

	if n := env.db.Client.Operation.Query().Where(operation.ClusterID(ID(hp.cluster))).CountX(system()); n != opsBefore {
		t.Errorf("bad input recorded %d operations", n-opsBefore)
	}
	if l := helmList(t, a, "bad"); len(l) != 0 {
		t.Errorf("bad input left a release: %+v", l)
	}
	if _, err := a.Client.CoreV1().ConfigMaps("bad").Get(context.Background(), "bad", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the broken chart's ConfigMap was created: %v", err)
	}
}

func mustSeal(t *testing.T, env *testEnv, id, password string) []byte {
	sealed, err := env.server.cfg.Secrets.Seal(id, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// A repository URL that points where the address policy forbids is
// refused for non-admins, and nothing is dialled or echoed. (With flags
// that allow loopback, TestHelmReleaseLifecycle's maintainer adds one.)
func TestChartRepositoryOutsideTheNetworks(t *testing.T) {
	inside := startInside(t)
	env := newEnvWith(t, "sqlite://"+t.TempDir()+"/bcs.db", func(c *Config) { c.ClusterNetworks = nil })
	tn := env.newTenant(t, "helm-np")
	maintainer := env.as(tn.tokens[member.RoleMAINTAINER])
	for _, u := range []string{"oci://127.0.0.1:" + inside.port() + "/charts", inside.URL + "/charts", "oci://[::1]:" + inside.port() + "/c",
		"oci://169.254.169.254/latest", "http://0.0.0.0:" + inside.port()} {
		res := maintainer.do(t, addRepo, map[string]any{"in": map[string]any{"projectID": tn.project, "name": "evil", "url": u, "password": "x"}})
		if res.code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "url" || strings.Contains(res.raw, insideSecret) || strings.Contains(res.raw, "127.0.0.1") {
			t.Errorf("%s: %s", u, res.raw)
		}
	}
	if n := inside.hits.Load(); n != 0 {
		t.Fatalf("BCS dialled the inside service %d times", n)
	}
	if n := env.db.Client.ChartRepository.Query().Where(chartrepository.Name("evil")).CountX(system()); n != 0 {
		t.Fatalf("refused repositories stored: %d", n)
	}
}

// Every new field, as an outsider, a viewer and with a revoked token.
func TestHelmFieldsRefuseOutsidersViewersAndRevokedTokens(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	tn := env.newTenant(t, "helm-acl")
	outsider := env.nonAdmin(t, "helm-outsider")
	viewer, revoked := env.as(tn.tokens[member.RoleVIEWER]), env.as(revokedToken(t, env, tn))
	repo := tn.objects[12]
	cid := tn.objects[1]
	vars := map[string]any{"p": tn.project, "r": repo, "c": cid}
	reads := map[string]string{
		"chartRepositories": `query($p: ID!) { chartRepositories(projectID: $p) { id } }`,
		"charts":            `query($r: ID!) { charts(repositoryID: $r) { name } }`,
		"releases":          `query($c: ID!) { releases(clusterID: $c) { name } }`,
		"release":           `query($c: ID!) { release(clusterID: $c, namespace: "ns", name: "web") { name } }`,
	}
	writes := map[string]string{
		"addChartRepository":    `mutation($p: ID!) { addChartRepository(input: {projectID: $p, name: "x", url: "oci://r.example.com/c"}) { id } }`,
		"removeChartRepository": `mutation($r: ID!) { removeChartRepository(id: $r) { deletedID } }`,
		"installRelease":        `mutation($c: ID!) { installRelease(input: {clusterID: $c, namespace: "ns", name: "web", chart: "repo/shop"}) { id } }`,
		"upgradeRelease":        `mutation($c: ID!) { upgradeRelease(input: {clusterID: $c, namespace: "ns", name: "web", chart: "repo/shop"}) { id } }`,
		"rollbackRelease":       `mutation($c: ID!) { rollbackRelease(clusterID: $c, namespace: "ns", name: "web", revision: 1) { id } }`,
		"uninstallRelease":      `mutation($c: ID!) { uninstallRelease(clusterID: $c, namespace: "ns", name: "web") { id } }`,
	}
	for name, q := range reads {
		if res := outsider.do(t, q, vars); res.code() != "NOT_FOUND" && res.code() != "FORBIDDEN" {
			t.Errorf("outsider %s: %s", name, res.raw)
		}
		if res := revoked.do(t, q, vars); res.code() != "UNAUTHENTICATED" {
			t.Errorf("revoked %s: %s", name, res.raw)
		}
	}
	for name, q := range writes {
		for who, as := range map[string]*testEnv{"outsider": outsider, "viewer": viewer} {
			if res := as.do(t, q, vars); res.code() != "NOT_FOUND" && res.code() != "FORBIDDEN" {
				t.Errorf("%s %s: %s", who, name, res.raw)
			}
		}
		if res := revoked.do(t, q, vars); res.code() != "UNAUTHENTICATED" {
			t.Errorf("revoked %s: %s", name, res.raw)
		}
	}
	if n := env.db.Client.ChartRepository.Query().CountX(system()); n != 1 {
		t.Fatalf("repositories changed: %d", n)
	}
}

// revokedToken is a token of the tenant's developer, revoked.
func revokedToken(t *testing.T, env *testEnv, tn *tenant) string {
	var created struct {
		Secret string
		Token  struct{ ID string }
	}
	dev := env.as(tn.tokens[member.RoleDEVELOPER])
	dev.do(t, `mutation { createToken(input: {name: "helm-gone"}) { secret token { id } } }`, nil).field(t, "createToken", &created)
	env.as(created.Secret).do(t, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": created.Token.ID})
	return created.Secret
}

// A deleted project takes its repositories' sealed passwords with it.
func TestDeletingAProjectDropsItsChartRepositories(t *testing.T) {
	env := newEnv(t, "sqlite://"+t.TempDir()+"/bcs.db")
	p := env.createProject(t, "Charts", "charts")
	env.db.Client.ChartRepository.Create().SetName("main").SetURL("oci://r.example.com/c").SetKind(chartrepository.KindOCI).
		SetProjectID(ID(p.ID)).SetSealedPassword(mustSeal(t, env, "crp_x", "pw")).SaveX(system())
	if res := env.do(t, `mutation($id: ID!) { deleteProject(id: $id) { deletedID } }`, map[string]any{"id": p.ID}); len(res.Errors) > 0 {
		t.Fatal(res.raw)
	}
	if n := env.db.Client.ChartRepository.Query().CountX(system()); n != 0 {
		t.Fatalf("%d repositories outlived their project", n)
	}
}
