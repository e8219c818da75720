package helm

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"

	"k8s.io/client-go/rest"
)

// Clusters keeps one Cluster per cluster ID while its configuration stays
// the same, so that the calls of one request, and of many, share the
// cluster's discovery instead of each reading it again. A changed
// configuration (rotated credentials) replaces the entry.
type Clusters struct {
	Log *slog.Logger

	mu sync.Mutex
	m  map[string]cachedCluster
}

type cachedCluster struct {
	fp [32]byte
	c  *Cluster
}

// For returns the Cluster of id over cfg.
func (cs *Clusters) For(id string, cfg *rest.Config) (*Cluster, error) {
	fp := fingerprint(cfg)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if e, ok := cs.m[id]; ok && e.fp == fp {
		return e.c, nil
	}
	c, err := NewCluster(cfg, cs.Log)
	if err != nil {
		return nil, err
	}
	if cs.m == nil {
		cs.m = map[string]cachedCluster{}
	}
	cs.m[id] = cachedCluster{fp: fp, c: c}
	return c, nil
}

// fingerprint covers what decides where and as whom cfg connects, and
// whether it dials within a policy.
func fingerprint(cfg *rest.Config) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%q\x00%q\x00%q\x00%q\x00%q\x00%q\x00%q\x00%t\x00%t", cfg.Host, cfg.BearerToken, cfg.Username, cfg.Password,
		cfg.CertData, cfg.KeyData, cfg.CAData, cfg.Insecure, cfg.Dial != nil)
	return [32]byte(h.Sum(nil))
}
