package k8s

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"

	"github.com/bcs-io/bcs/orchestrators"
)

// Probe checks a kubeconfig before BCS stores it: it parses it, reaches
// the API server, and reads the version, node count and capacity, all
// within ProbeTimeout. Errors: ErrBadInput (malformed kubeconfig),
// ErrUnreachable (nothing answers in time, TLS failure), ErrAPI with reason
// Unauthorized or Forbidden (credentials refused).
func Probe(ctx context.Context, kubeconfig []byte) (*orchestrators.ClusterInfo, error) {
	o, err := New(kubeconfig)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return o.Probe(ctx)
}

// Probe reads the cluster's version and capacity within ProbeTimeout.
func (o *Orchestrator) Probe(ctx context.Context) (*orchestrators.ClusterInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	raw, err := o.cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return nil, classify("cluster", err)
	}
	var v version.Info
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, classify("cluster", fmt.Errorf("decode /version: %w", err))
	}
	nodes, err := o.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, classify("cluster", err)
	}
	info := &orchestrators.ClusterInfo{Version: v.GitVersion, Nodes: len(nodes.Items)}
	for _, n := range nodes.Items {
		c := n.Status.Capacity
		info.CPUMilli += c.Cpu().MilliValue()
		info.MemoryBytes += c.Memory().Value()
		info.Pods += c.Pods().Value()
	}
	return info, nil
}
