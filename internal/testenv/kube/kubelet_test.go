package kube_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/bcs-io/bcs/internal/testenv/kube"
)

// TestKubeletLogsAndExec: with Kubelet on, the API server reaches kwok's
// kubelet server, so `logs` and `exec` on a simulated pod work.
func TestKubeletLogsAndExec(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "pod.log")
	if err := os.WriteFile(logs, []byte("2026-01-01T00:00:00Z stdout F first line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf, err := kube.WriteStreamsConfig(dir, logs)
	if err != nil {
		t.Fatal(err)
	}
	c := kube.StartT(t, kube.Options{Nodes: 1, Kubelet: true, KwokConfigs: []string{conf}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kube.RunPodT(ctx, t, c, "default", "shell")

	body, err := c.Client.CoreV1().Pods("default").GetLogs("shell", &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	if !strings.Contains(string(body), "first line") {
		t.Fatalf("logs = %q", body)
	}

	req := c.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("shell").
		SubResource("exec").VersionedParams(&corev1.PodExecOptions{
		Container: "main", Command: []string{"echo", "hello"}, Stdout: true, Stderr: true,
	}, scheme.ParameterCodec)
	exec, err := remotecommand.NewWebSocketExecutor(c.Config, "GET", req.URL().String())
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}); err != nil {
		t.Fatalf("exec: %v (stderr %q)", err, stderr.String())
	}
	if got := stdout.String(); got != "hello\n" {
		t.Fatalf("exec stdout = %q", got)
	}
}
