package kube

import (
	"context"
	"testing"
	"time"

	"fmt"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// WriteStreamsConfig writes a kwok configuration, for Options.KwokConfigs,
// under which every pod's every container answers `logs` (and `logs -f`)
// from logsFile, `attach` with what is appended to logsFile from then on,
// and `exec` by running the command on this machine in dir. The file must
// exist when logs are read; appending to it feeds `logs -f` and `attach`.
func WriteStreamsConfig(dir, logsFile string) (string, error) {
	doc := `apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: bcs-test-logs
spec:
  logs:
  - logsFile: ` + strconv.Quote(logsFile) + `
    follow: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterAttach
metadata:
  name: bcs-test-attach
spec:
  attaches:
  - logsFile: ` + strconv.Quote(logsFile) + `
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: bcs-test-exec
spec:
  execs:
  - local:
      workDir: ` + strconv.Quote(dir) + `
`
	path := filepath.Join(dir, "kwok-streams.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", fmt.Errorf("kwok streams config: %w", err)
	}
	return path, nil
}

// RunPodT creates a one-container pod (container "main") and waits until it
// runs on a kwok node.
func RunPodT(ctx context.Context, t testing.TB, c *Cluster, namespace, name string) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.PodSpec{
			Containers:  []corev1.Container{{Name: "main", Image: "busybox"}},
			Tolerations: []corev1.Toleration{{Key: kwokAnnotation, Operator: corev1.TolerationOpExists}},
		},
	}
	if _, err := c.Client.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s/%s: %v", namespace, name, err)
	}
	err := poll(ctx, 100*time.Millisecond, func() (bool, error) {
		p, err := c.Client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, fmt.Errorf("pod %s/%s: %w", namespace, name, err)
		}
		return p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("pod %s/%s never ran: %v", namespace, name, err)
	}
}

// WritePortForwardConfig writes a kwok configuration, for
// Options.KwokConfigs, under which port-forwarding to podPort of any pod
// reaches target (host:port) on this machine.
func WritePortForwardConfig(dir string, podPort int, target string) (string, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return "", fmt.Errorf("port-forward target: %w", err)
	}
	doc := `apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: bcs-test-port-forward
spec:
  forwards:
  - ports: [` + strconv.Itoa(podPort) + `]
    target:
      port: ` + port + `
      address: ` + strconv.Quote(host) + `
`
	path := filepath.Join(dir, "kwok-port-forward.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", fmt.Errorf("kwok port-forward config: %w", err)
	}
	return path, nil
}
