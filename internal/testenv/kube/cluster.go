package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options configures a cluster. The zero value is a control plane without
// nodes.
type Options struct {
	// Nodes is the number of kwok nodes ready before Start returns, named
	// kwok-node-0, kwok-node-1, …
	Nodes int
	// Name names the cluster and context in the kubeconfig; "bcs-test" when empty.
	Name string
	// BinDir holds the binaries; Binaries() when empty.
	BinDir string
	// Detach lets the components outlive the starting process (make k8s-up).
	// StopDir stops them later by PID.
	Detach bool
	// Logger receives progress; slog.Default() when nil.
	Logger *slog.Logger
	// Kubelet makes kwok serve the kubelet API (logs, exec, attach,
	// port-forward) on a loopback port that every node advertises, and lets
	// the API server reach it. Off by default: most tests never stream.
	Kubelet bool
	// KwokConfigs are extra kwok configuration files (ClusterLogs,
	// ClusterExec, Logs, Exec … in kwok.x-k8s.io/v1alpha1), read at start.
	KwokConfigs []string
}

// Cluster is a running control plane. Its exported fields are read-only.
type Cluster struct {
	Name  string
	Dir   string // state: pki, etcd data, logs, kubeconfig
	Host  string // https://127.0.0.1:<port>
	Token string // admin bearer token (group system:masters)
	CAPEM []byte // CA that signed the API server's certificate

	KubeconfigPath string
	Kubeconfig     []byte
	Config         *rest.Config // copy it (rest.CopyConfig) before changing it
	Client         kubernetes.Interface

	opts    Options
	log     *slog.Logger
	bin     string
	pki     *pki
	apiPort int
	etcdURL string
	// kubeletPort is kwok's server, the nodes' kubelet endpoint (Kubelet).
	kubeletPort int

	mu      sync.Mutex
	procs   map[string]*proc
	stopped bool
}

// Stop order: clients of the API server first, and the API server before
// etcd, because an API server whose etcd vanished can ignore SIGTERM for a
// minute.
var stopOrder = []string{"kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"}

// stopGrace is how long a component gets after SIGTERM before SIGKILL. An
// API server whose watchers are still connected stops listening at once but
// lingers ~10 s before exiting; nothing here needs that wait (etcd runs
// without fsync, and killing a process loses nothing the page cache holds).
const stopGrace = 3 * time.Second

// Start starts a control plane whose state lives in dir (created if needed)
// and returns once the API server is ready, controllers run and opts.Nodes
// nodes are Ready. On error everything started is stopped again and the
// error carries the tails of the component logs.
func Start(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	began := time.Now()
	c := &Cluster{Name: opts.Name, Dir: dir, opts: opts, log: opts.Logger, procs: map[string]*proc{}}
	if c.Name == "" {
		c.Name = "bcs-test"
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("cluster", c.Name)
	if err := c.start(ctx); err != nil {
		err = fmt.Errorf("start kube cluster in %s: %w%s", dir, err, c.logTails())
		_ = c.Stop()
		return nil, err
	}
	c.log.Info("kube cluster ready", "host", c.Host, "nodes", opts.Nodes, "elapsed", time.Since(began).Round(time.Millisecond))
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	c.bin = c.opts.BinDir
	if c.bin == "" {
		var err error
		if c.bin, err = Binaries(); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(c.Dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	var err error
	if c.pki, err = newPKI(c.Dir); err != nil {
		return err
	}
	if c.opts.Kubelet {
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		c.kubeletPort = ports[0]
	}
	if err := c.startEtcd(ctx); err != nil {
		return err
	}
	if err := c.startAPIServerFresh(ctx); err != nil {
		return err
	}
	if err := c.writeKubeconfig(); err != nil {
		return err
	}
	for _, name := range []string{"kube-controller-manager", "kube-scheduler", "kwok"} {
		if err := c.startProc(name, c.componentArgs(name)); err != nil {
			return err
		}
	}
	if err := c.waitControllers(ctx); err != nil {
		return err
	}
	for i := range c.opts.Nodes {
		if err := c.AddNode(ctx, fmt.Sprintf("kwok-node-%d", i)); err != nil {
			return err
		}
	}
	return c.writeState()
}

// startProc starts a component and records it for Stop.
func (c *Cluster) startProc(name string, args []string) error {
	var env []string
	if name == "kwok" {
		// kwok reads ~/.kwok/kwok.yaml when present; keep it to our config.
		env = append(env, "HOME="+filepath.Join(c.Dir, "kwok-home"))
	}
	p, err := startProc(name, filepath.Join(c.bin, name), args, env, filepath.Join(c.Dir, "logs", name+".log"), c.opts.Detach)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.procs[name] = p
	c.mu.Unlock()
	return nil
}

func (c *Cluster) proc(name string) *proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[name]
}

// Stop stops all components (by PID, bounded waits) and removes the state
// file. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil
	}
	c.stopped = true
	c.mu.Unlock()
	var errs []error
	for _, name := range stopOrder {
		if err := c.proc(name).stop(stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	_ = os.Remove(statePath(c.Dir))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop kube cluster %s: %w", c.Name, err)
	}
	return nil
}

// logTails formats the end of every component log, for failure messages.
func (c *Cluster) logTails() string {
	var b strings.Builder
	for _, name := range stopOrder {
		if p := c.proc(name); p != nil {
			fmt.Fprintf(&b, "\n--- %s (%s) ---\n%s", name, p.logPath, p.tail(3000))
		}
	}
	return b.String()
}

// LogTails returns the end of each component's log; tests print it on failure.
func (c *Cluster) LogTails() string { return c.logTails() }
