package streams

import "github.com/bcs-io/bcs/internal/kubeproxy"

// Upstream is the proxy's: the stream handler is its Streams hook.
type Upstream = kubeproxy.Upstream
