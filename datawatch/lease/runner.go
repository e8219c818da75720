package lease

import (
	"context"
	"time"
)

// Runner runs fn while holder holds the lease name, as Store.Run describes;
// both the database (*Store) and ZooKeeper (*ZooKeeper) hold leases.
type Runner interface {
	Run(ctx context.Context, name, holder string, ttl time.Duration, fn func(ctx context.Context) error) error
}

var (
	_ Runner = (*Store)(nil)
	_ Runner = (*ZooKeeper)(nil)
)
