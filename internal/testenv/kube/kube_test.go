package kube_test

import (
	"context"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/bcs-io/bcs/internal/testenv/kube"
)

func TestDeploymentPodsRun(t *testing.T) {
	began := time.Now()
	c := kube.StartT(t, kube.Options{Nodes: 2})
	t.Logf("start to ready (2 nodes): %s", time.Since(began).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := c.Client.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.37.2" {
		t.Errorf("server version %q, want v1.37.2", v.GitVersion)
	}

	created := time.Now()
	if _, err := c.Client.AppsV1().Deployments("default").Create(ctx, deployment("web", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRunning(ctx, t, c.Client, "default", "app=web", 3)
	t.Logf("deployment created to 3 pods Running: %s", time.Since(created).Round(time.Millisecond))

	rss, err := c.RSS()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for name, b := range rss {
		total += b
		t.Logf("rss %-24s %4d MiB", name, b>>20)
	}
	t.Logf("rss total %d MiB", total>>20)
}

func TestTwoClustersAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), kube.StartTimeout)
	defer cancel()
	clusters := make([]*kube.Cluster, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range clusters {
		dir := t.TempDir()
		wg.Go(func() { clusters[i], errs[i] = kube.Start(ctx, dir, kube.Options{Nodes: 1}) })
	}
	wg.Wait()
	for i, c := range clusters {
		if c != nil {
			t.Cleanup(func() {
				if err := c.Stop(); err != nil {
					t.Error(err)
				}
			})
		}
		if errs[i] != nil {
			t.Fatalf("cluster %d: %v", i, errs[i])
		}
	}
	a, b := clusters[0], clusters[1]
	if a.Host == b.Host {
		t.Fatalf("both clusters at %s", a.Host)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "only-in-a"}}
	if _, err := a.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace of cluster a seen in cluster b: err=%v", err)
	}
	for _, c := range clusters {
		if _, err := c.Client.AppsV1().Deployments("default").Create(ctx, deployment("app", 2), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range clusters {
		waitRunning(ctx, t, c.Client, "default", "app=app", 2)
	}
}

func TestAPIServerRestart(t *testing.T) {
	c := kube.StartT(t, kube.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	began := time.Now()
	if err := c.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	t.Logf("kube-apiserver stopped in %s", time.Since(began).Round(time.Millisecond))
	if _, err := c.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err == nil {
		t.Fatal("API answered while stopped")
	}
	began = time.Now()
	if err := c.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("kube-apiserver ready again in %s", time.Since(began).Round(time.Millisecond))
	if _, err := c.Client.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func deployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "nginx:1.27"}}},
			},
		},
	}
}

// waitRunning polls until want pods matching selector are Running.
func waitRunning(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, selector string, want int) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		running := 0
		if err == nil {
			for _, p := range pods.Items {
				if p.Status.Phase == corev1.PodRunning {
					running++
				}
			}
			if running == want {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d/%d pods %s Running before deadline (last err %v)", running, want, selector, err)
		case <-tick.C:
		}
	}
}
