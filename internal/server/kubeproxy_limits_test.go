package server

import (
	"testing"
	"time"
)

// One flag, --kube-proxy-max-duration, bounds every stream; exec sessions
// follow it unless --exec-max-duration says otherwise.
func TestExecTimeLimitFollowsTheProxys(t *testing.T) {
	c := DefaultKubeProxy
	c.MaxDuration = 90 * time.Minute
	if got := c.streamOptions().MaxDuration; got != 90*time.Minute {
		t.Fatalf("exec limit %v, want the proxy's 1h30m", got)
	}
	c.Streams.MaxDuration = 8 * time.Hour
	if got := c.streamOptions().MaxDuration; got != 8*time.Hour {
		t.Fatalf("exec limit %v, want its own 8h", got)
	}
}
