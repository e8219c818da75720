package scheduler

import (
	"net"
	"net/http"
	"time"

	"github.com/bcs-io/bcs/internal/zkutil"
)

// masterDialTimeout bounds each connection to a master or to the masters'
// ZooKeeper.
const masterDialTimeout = 5 * time.Second

// ConfineTransport confines t to MasterPolicy, if set: every connection to
// a master (a 307 to another master too) is checked on the resolved
// address at connect time, and no proxy connects on BCS's behalf.
func (c Config) ConfineTransport(t *http.Transport) {
	if c.MasterPolicy == nil {
		return
	}
	d := c.MasterPolicy.Dialer(&net.Dialer{Timeout: masterDialTimeout, KeepAlive: 30 * time.Second})
	t.Dial = nil //nolint:staticcheck // mesos-go sets the deprecated field; DialContext must win
	t.DialContext = d.DialContext
	t.Proxy = nil
}

// ConfineTransport confines t as the instance's Config does.
func (s *Service) ConfineTransport(t *http.Transport) { s.cfg.ConfineTransport(t) }

// MasterZKOptions are the session options for the masters' ZooKeeper
// (MasterZK): under MasterPolicy its servers are dialled only where the
// policy permits.
func (c Config) MasterZKOptions() []zkutil.Option {
	if c.MasterPolicy == nil {
		return nil
	}
	return []zkutil.Option{zkutil.WithDialer(c.MasterPolicy.Dialer(&net.Dialer{Timeout: masterDialTimeout}))}
}

// sharesStateZK says master detection may reuse the state session: the
// masters' ZooKeeper is BCS's own, and nobody outside the policy chose it.
func (c Config) sharesStateZK(servers []string) bool {
	return c.MasterPolicy == nil && equal(servers, c.ZK)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
