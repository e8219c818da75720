package orchestrators

import (
	"context"
	"errors"
	"net"
)

// DialFunc opens a connection as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// ErrNoTunnel is wrapped by a tunnel's dial when no tunnel of the cluster's
// agent is connected to this replica (internal/tunnel); the caller then
// dials the cluster's address directly.
var ErrNoTunnel = errors.New("no tunnel of the cluster's agent is connected to this BCS replica")
