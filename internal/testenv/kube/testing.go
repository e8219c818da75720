package kube

import (
	"context"
	"testing"
	"time"
)

// StartTimeout bounds StartT: a cold start takes a few seconds, the rest is
// headroom for loaded CI machines.
const StartTimeout = 2 * time.Minute

// StartT starts a cluster in t.TempDir() and stops it when the test ends,
// printing the component logs' tails if the test failed.
func StartT(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "bcs-test"
	}
	dir := t.TempDir() // registered first, so removed after Stop below
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	c, err := Start(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster %s logs:%s", c.Name, c.LogTails())
		}
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	return c
}
