// Package registry starts a real OCI registry for tests: Debian's
// `docker-registry` (distribution v2) on loopback, with htpasswd basic
// authentication made by `htpasswd` (apache2-utils). Charts pushed to it
// with the Helm SDK's registry client are pulled back by BCS as from any
// registry.
package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ErrNotInstalled reports a machine without the Debian packages.
var ErrNotInstalled = errors.New("docker-registry or htpasswd is missing (apt-get install -y docker-registry apache2-utils; make debian-packages)")

// startTimeout bounds the wait for /v2/ to answer.
const startTimeout = 30 * time.Second

// Registry is a running registry.
type Registry struct {
	// Host is host:port on loopback; charts live at oci://Host/….
	Host string
	// Username and Password are the one account htpasswd knows.
	Username, Password string

	cmd    *exec.Cmd
	exited chan struct{}
}

// Start runs a registry in dir (its storage, config and htpasswd file)
// with one account, on a free loopback port, and waits until it serves.
func Start(ctx context.Context, dir, username, password string) (*Registry, error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	htpasswd, err := exec.LookPath("htpasswd")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	// The registry accepts only bcrypt entries.
	out, err := exec.CommandContext(ctx, htpasswd, "-Bbn", username, password).Output()
	if err != nil {
		return nil, fmt.Errorf("htpasswd: %w", err)
	}
	authFile := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(authFile, out, 0o600); err != nil {
		return nil, err
	}
	// A port another process takes between our probe and the registry's
	// bind makes the registry exit: try again on a new one.
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		r, err := start(ctx, bin, dir, authFile)
		if err == nil {
			r.Username, r.Password = username, password
			return r, nil
		}
		last = err
	}
	return nil, last
}

func start(ctx context.Context, bin, dir, authFile string) (*Registry, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	host := fmt.Sprintf("127.0.0.1:%d", port)
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	config := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
http:
  addr: %q
  secret: %q
auth:
  htpasswd:
    realm: bcs-test
    path: %q
`, filepath.Join(dir, "data"), host, hex.EncodeToString(secret), authFile)
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(config), 0o600); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", cfgFile)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // none outlives its test
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	r := &Registry{Host: host, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); logFile.Close(); close(r.exited) }()
	if err := r.waitReady(ctx); err != nil {
		r.Stop()
		log, _ := os.ReadFile(logFile.Name())
		return nil, fmt.Errorf("docker-registry on %s: %w\n%s", host, err, tail(string(log)))
	}
	return r, nil
}

// waitReady polls /v2/ until it asks for credentials (401): the API is up.
func (r *Registry) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Host+"/v2/", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
			err = fmt.Errorf("/v2/ answered %s", resp.Status)
		}
		last = err
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-r.exited:
			t.Stop()
			return errors.New("the registry exited before it served")
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("not ready: %w (last: %w)", ctx.Err(), last)
		case <-t.C:
		}
	}
}

// Stop ends the registry and waits for it.
func (r *Registry) Stop() {
	if r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

// New starts a registry for t, stopped when t ends.
func New(t testing.TB, username, password string) *Registry {
	t.Helper()
	r, err := Start(context.Background(), t.TempDir(), username, password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
