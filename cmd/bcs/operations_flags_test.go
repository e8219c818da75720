package main

import (
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcs-io/bcs/internal/server"
)

func TestOperationFlags(t *testing.T) {
	parse := func(args ...string) (server.Config, error) {
		var o operationFlags
		f := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		o.register(f)
		if err := f.Parse(args); err != nil {
			t.Fatal(err)
		}
		var cfg server.Config
		return cfg, o.apply(&cfg)
	}
	cfg, err := parse()
	// The defaults take a crashed replica's operations over within about 15 s.
	if err != nil || cfg.OperationLeaseTTL+cfg.OperationReapInterval > 15*time.Second || cfg.OperationShutdownGrace <= 0 {
		t.Fatalf("defaults: %v %v %v %v", cfg.OperationLeaseTTL, cfg.OperationReapInterval, cfg.OperationShutdownGrace, err)
	}
	if cfg, err := parse("--operation-lease-ttl=3s", "--operation-reap-interval=500ms", "--operation-shutdown-grace=1s"); err != nil ||
		cfg.OperationLeaseTTL != 3*time.Second || cfg.OperationReapInterval != 500*time.Millisecond || cfg.OperationShutdownGrace != time.Second {
		t.Fatalf("set: %+v %v", cfg, err)
	}
	for _, args := range [][]string{
		{"--operation-lease-ttl=500ms"},
		{"--operation-reap-interval=0s"},
		{"--operation-shutdown-grace=-1s"},
	} {
		if _, err := parse(args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
