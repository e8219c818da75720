// Package zookeeper starts a real, standalone Apache ZooKeeper on loopback for
// tests: Debian's `zookeeper` package (apt-get install -y zookeeper) run as
// `java … org.apache.zookeeper.server.ZooKeeperServerMain zoo.cfg`.
//
// A Server keeps its port and data directory across Stop and Restart, so that
// clients reconnect to the same address and find their znodes (and, within the
// session timeout, their sessions) again. ExpireSession ends any client's
// session from the outside, which is how HA tests take leadership away from a
// process they do not control.
package zookeeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// DefaultStartTimeout bounds how long Start waits for the server to serve.
// A cold JVM usually needs about a second; a loaded CI machine much more.
const DefaultStartTimeout = 60 * time.Second

// stopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopGrace = 10 * time.Second

// Server is one running (or stopped) standalone ZooKeeper.
type Server struct {
	dir     string
	port    int
	javaCmd []string // java binary and its arguments, without the config path
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start writes a zoo.cfg under dir (which must exist and be writable), starts
// ZooKeeper on a free loopback port and waits until it serves. The server's
// own log goes to dir/zookeeper.log.
func Start(ctx context.Context, dir string) (*Server, error) {
	java, classpath, err := locate()
	if err != nil {
		return nil, err
	}
	s := &Server{
		dir:     dir,
		logPath: filepath.Join(dir, "zookeeper.log"),
		javaCmd: []string{
			java,
			// These keep a short-lived test JVM small and quick to start.
			"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
			"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
			"-Dzookeeper.admin.enableServer=false",
			"-cp", classpath,
			"org.apache.zookeeper.server.ZooKeeperServerMain",
		},
	}
	// The free port is found by binding and releasing it, which can race with
	// other processes; a few attempts make a collision harmless.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
		if err := s.writeConfig(); err != nil {
			return nil, err
		}
		if lastErr = s.start(ctx); lastErr == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// Addr is the client address, "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Dir is the directory holding zoo.cfg, the data directory and the log.
func (s *Server) Dir() string { return s.dir }

// LogPath is the file that receives the server's output.
func (s *Server) LogPath() string { return s.logPath }

// Stop terminates the server (SIGTERM, then SIGKILL after a grace period) and
// waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGTERM)
}

// Kill ends the server with SIGKILL, as a crash would, and waits for it.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGKILL)
}

// Restart stops the server and starts it again on the same port with the same
// data, waiting until it serves.
func (s *Server) Restart(ctx context.Context) error {
	s.Stop()
	return s.start(ctx)
}

func (s *Server) stopLocked(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(stopGrace):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// start launches the JVM and waits for readiness; on failure the process is
// killed and the error carries the tail of the server's log.
func (s *Server) start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("zookeeper: already running")
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("zookeeper: open log: %w", err)
	}
	defer logf.Close() // the child holds its own descriptor

	args := append(append([]string{}, s.javaCmd[1:]...), filepath.Join(s.dir, "zoo.cfg"))
	cmd := exec.Command(s.javaCmd[0], args...)
	cmd.Dir = s.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("zookeeper: start java: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	started := time.Now()
	if err := waitReady(ctx, s.Addr(), done); err != nil {
		s.stopLocked(syscall.SIGKILL)
		return fmt.Errorf("zookeeper on %s: %w\n%s", s.Addr(), err, tail(s.logPath, 2048))
	}
	slog.Debug("zookeeper ready", "addr", s.Addr(), "pid", cmd.Process.Pid, "after", time.Since(started))
	return nil
}

// writeConfig writes zoo.cfg for the current port. tickTime 500 ms lets
// clients use session timeouts down to 1 s (2 ticks), which keeps expiry
// tests quick; forceSync=no because test data need not survive power loss.
func (s *Server) writeConfig() error {
	data := filepath.Join(s.dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return fmt.Errorf("zookeeper: data dir: %w", err)
	}
	cfg := fmt.Sprintf(`tickTime=500
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,stat,cons
forceSync=no
`, data, s.port)
	if err := os.WriteFile(filepath.Join(s.dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		return fmt.Errorf("zookeeper: write zoo.cfg: %w", err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("zookeeper: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string, n int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return string(b)
}
