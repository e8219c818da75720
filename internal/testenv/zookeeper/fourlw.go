package zookeeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// FourLetterWord sends one of ZooKeeper's four-letter commands (srvr, ruok,
// stat, cons are enabled) and returns the reply.
func FourLetterWord(ctx context.Context, addr, cmd string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("zookeeper %s: %w", cmd, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	if _, err := io.WriteString(conn, cmd); err != nil {
		return "", fmt.Errorf("zookeeper %s: %w", cmd, err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		return "", fmt.Errorf("zookeeper %s: %w", cmd, err)
	}
	return string(b), nil
}

// waitReady polls `srvr` until the server reports standalone mode. `ruok`
// answers before the server accepts sessions, so it is not used. exited is
// closed if the process dies, which ends the wait early.
func waitReady(ctx context.Context, addr string, exited <-chan struct{}) error {
	const interval = 50 * time.Millisecond
	var last error
	for {
		reply, err := FourLetterWord(ctx, addr, "srvr")
		if err == nil && strings.Contains(reply, "Mode: standalone") {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("srvr answered %q", reply)
		}
		last = err
		t := time.NewTimer(interval)
		select {
		case <-exited:
			t.Stop()
			return errors.New("server process exited before it was ready")
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("not ready: %w (last: %w)", ctx.Err(), last)
		case <-t.C:
		}
	}
}
