package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/bcs-io/bcs/internal/operations"
	"github.com/bcs-io/bcs/internal/server"
)

// operationFlags decide how soon a surviving replica takes over the
// operations of a replica that crashed while running them, and how long a
// stopping replica lets its operations finish.
type operationFlags struct {
	leaseTTL, reapInterval, shutdownGrace time.Duration
}

func (o *operationFlags) register(f *pflag.FlagSet) {
	f.DurationVar(&o.leaseTTL, "operation-lease-ttl", operations.DefaultLeaseTTL,
		"term of a replica's liveness lease, renewed every third of it: a crashed replica's running operations are taken over this long after its last renewal")
	f.DurationVar(&o.reapInterval, "operation-reap-interval", operations.DefaultReapInterval,
		"how often each replica looks for running operations of replicas whose liveness lease lapsed")
	f.DurationVar(&o.shutdownGrace, "operation-shutdown-grace", operations.DefaultShutdownGrace,
		"on SIGTERM, how long running operations may finish before they are handed back to the other replicas")
}

func (o *operationFlags) apply(cfg *server.Config) error {
	if o.leaseTTL < time.Second {
		return fmt.Errorf("--operation-lease-ttl: want at least 1s (it is renewed every third of it)")
	}
	if o.reapInterval <= 0 || o.shutdownGrace <= 0 {
		return fmt.Errorf("--operation-reap-interval and --operation-shutdown-grace: want positive durations")
	}
	cfg.OperationLeaseTTL, cfg.OperationReapInterval, cfg.OperationShutdownGrace = o.leaseTTL, o.reapInterval, o.shutdownGrace
	return nil
}
