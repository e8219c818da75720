package main

import (
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcs-io/bcs/internal/server"
)

func TestZooKeeperFlags(t *testing.T) {
	parse := func(args ...string) (server.Config, error) {
		var z zookeeperFlags
		f := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		z.register(f)
		if err := f.Parse(args); err != nil {
			t.Fatal(err)
		}
		var cfg server.Config
		return cfg, z.apply(&cfg)
	}
	cfg, err := parse()
	if err != nil || cfg.ZooKeeperSessionTimeout != 4*time.Second || cfg.ZooKeeperElectionGrace != 0 {
		t.Fatalf("defaults: %v %v %v", cfg.ZooKeeperSessionTimeout, cfg.ZooKeeperElectionGrace, err)
	}
	if cfg, err := parse("--zookeeper-session-timeout=6s", "--zookeeper-election-grace=1s"); err != nil ||
		cfg.ZooKeeperSessionTimeout != 6*time.Second || cfg.ZooKeeperElectionGrace != time.Second {
		t.Fatalf("set: %+v %v", cfg, err)
	}
	// A grace of a third or more would let a leader outlive its session.
	for _, args := range [][]string{
		{"--zookeeper-election-grace=2s"},
		{"--zookeeper-election-grace=-1s"},
		{"--zookeeper-session-timeout=0s"},
	} {
		if _, err := parse(args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
