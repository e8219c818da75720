package kubewatch

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bcs-io/bcs/datawatch/changelog"
	"github.com/bcs-io/bcs/ent"
	"github.com/bcs-io/bcs/ent/change"
	"github.com/bcs-io/bcs/ent/cluster"
	"github.com/bcs-io/bcs/ent/workload"
	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/storage"
	"github.com/bcs-io/bcs/internal/testenv/kube"
)

type rig struct {
	db      *storage.DB
	kc      *kube.Cluster
	cluster *ent.Cluster
}

func newRig(t *testing.T) *rig {
	ctx := auth.System(context.Background())
	kc := kube.StartT(t, kube.Options{Nodes: 2})
	db, err := storage.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "bcs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	p := db.Client.Project.Create().SetName("watched").SetCode("watched").SaveX(ctx)
	c := db.Client.Cluster.Create().SetName("kc").SetKind(cluster.KindK8S).SetProjectID(p.ID).SaveX(ctx)
	return &rig{db: db, kc: kc, cluster: c}
}

// start runs a writer and a watcher until the returned stop is called.
func (r *rig) start(t *testing.T) (stop func()) {
	ctx, cancel := context.WithCancel(auth.System(context.Background()))
	w := changelog.NewWriter(r.db, changelog.Config{Logger: slog.New(slog.DiscardHandler)})
	wdone := make(chan error, 1)
	go func() { wdone <- w.Run(ctx) }()
	watcher := &Watcher{ClusterID: r.cluster.ID, ProjectID: r.cluster.ProjectID, Client: r.kc.Client, Writer: w, Log: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- watcher.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil && ctx.Err() == nil {
			t.Errorf("watcher: %v", err)
		}
		<-wdone
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

func deploy(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "nginx"}}}}},
	}
}

func (r *rig) workloadReady(name string, want int) func() bool {
	return func() bool {
		w, err := r.db.Client.Workload.Query().Where(workload.Name(name)).Only(auth.System(context.Background()))
		return err == nil && w.Ready == want && w.Desired == want
	}
}

// TestWatcherFollowsChangesMadeOutsideBCS changes workloads with client-go
// and sees them in storage and the change log; then it stops the watcher,
// keeps changing the cluster, restarts, and checks that storage matches the
// API server with every change recorded exactly once.
func TestWatcherFollowsChangesMadeOutsideBCS(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	deployments := r.kc.Client.AppsV1().Deployments("default")
	stop := r.start(t)

	if _, err := deployments.Create(ctx, deploy("web", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web ready 2/2 in storage", r.workloadReady("web", 2))
	if _, err := deployments.UpdateScale(ctx, "web", scale("web", 4), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web ready 4/4 in storage", r.workloadReady("web", 4))
	sys := auth.System(ctx)
	if n := r.db.Client.Pod.Query().CountX(sys); n != 4 {
		t.Errorf("%d pods stored, want 4", n)
	}
	stop()

	// Changes while nobody watches.
	if _, err := deployments.Create(ctx, deploy("api", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := deployments.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, r.kc.Client, "web")
	eventually(t, "api running in the cluster", func() bool {
		d, err := deployments.Get(ctx, "api", metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == 1
	})

	stop = r.start(t)
	defer stop()
	eventually(t, "api in storage", r.workloadReady("api", 1))
	eventually(t, "web gone from storage", func() bool {
		return !r.db.Client.Workload.Query().Where(workload.Name("web")).ExistX(sys)
	})
	eventually(t, "pods match the cluster", func() bool {
		pods, _ := r.kc.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		return r.db.Client.Pod.Query().CountX(sys) == len(pods.Items)
	})
	// Exactly one ADDED and one DELETED for web; one ADDED for api.
	for _, tc := range []struct {
		name string
		typ  change.Type
		want int
	}{{"web", change.TypeADDED, 1}, {"web", change.TypeDELETED, 1}, {"api", change.TypeADDED, 1}} {
		n := r.db.Client.Change.Query().Where(change.Kind("Deployment"), change.Name(tc.name), change.TypeEQ(tc.typ)).CountX(sys)
		if n != tc.want {
			t.Errorf("%s %s recorded %d times, want %d", tc.typ, tc.name, n, tc.want)
		}
	}
	// Restart the kube-apiserver under the running watcher: the informers'
	// watches break and relist, and storage converges again.
	if err := r.kc.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	if err := r.kc.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the API server answering", func() bool {
		_, err := r.kc.Client.Discovery().ServerVersion()
		return err == nil
	})
	if _, err := deployments.Create(ctx, deploy("after-restart", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "after-restart in storage", r.workloadReady("after-restart", 1))
	if err := deployments.Delete(ctx, "api", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "api gone from storage", func() bool {
		return !r.db.Client.Workload.Query().Where(workload.Name("api")).ExistX(sys)
	})

	// Revisions are gap-free.
	revs := r.db.Client.Change.Query().Order(ent.Asc(change.FieldRevision)).Select(change.FieldRevision).IntsX(sys)
	for i, rev := range revs {
		if rev != revs[0]+i {
			t.Fatalf("revision gap at %d: %v", i, revs[max(0, i-2):i+1])
		}
	}
}

func waitGone(t *testing.T, cs kubernetes.Interface, name string) {
	eventually(t, fmt.Sprintf("%s deleted", name), func() bool {
		_, err := cs.AppsV1().Deployments("default").Get(context.Background(), name, metav1.GetOptions{})
		return err != nil
	})
}

// TestWatcherReturnsWhenItsResyncFails: a database outage during the first
// resync ends Run with the error, so its caller can start it again; Run
// used to wait for its informers, which only its caller's context stopped.
func TestWatcherReturnsWhenItsResyncFails(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(auth.System(context.Background()))
	defer cancel()
	w := changelog.NewWriter(r.db, changelog.Config{Logger: slog.New(slog.DiscardHandler)})
	go func() { _ = w.Run(ctx) }()
	r.db.SQL.Close()
	watcher := &Watcher{ClusterID: r.cluster.ID, ProjectID: r.cluster.ProjectID, Client: r.kc.Client, Writer: w, Log: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- watcher.Run(ctx) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run returned no error although its resync failed")
		}
	case <-time.After(time.Minute): // a deadline, not a wait: Run returns at once when fixed
		t.Fatal("Run still running a minute after its resync failed")
	}
}
