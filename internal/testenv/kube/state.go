package kube

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// State is what a cluster records in <dir>/state.json so another process
// (make k8s-down) can find and stop it.
type State struct {
	Name           string          `json:"name"`
	Host           string          `json:"host"`
	KubeconfigPath string          `json:"kubeconfigPath"`
	Components     []ComponentProc `json:"components"` // in stop order
}

// ComponentProc is one component's process.
type ComponentProc struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	Bin  string `json:"bin"`
}

func statePath(dir string) string { return filepath.Join(dir, "state.json") }

func (c *Cluster) writeState() error {
	s := State{Name: c.Name, Host: c.Host, KubeconfigPath: c.KubeconfigPath}
	for _, name := range stopOrder {
		if p := c.proc(name); p != nil {
			s.Components = append(s.Components, ComponentProc{Name: name, PID: p.cmd.Process.Pid, Bin: p.cmd.Path})
		}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := os.WriteFile(statePath(c.Dir), data, 0o600); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// ReadState reads the state of the cluster in dir; os.ErrNotExist when none
// was started there (or it was stopped).
func ReadState(dir string) (*State, error) {
	data, err := os.ReadFile(statePath(dir))
	if err != nil {
		return nil, fmt.Errorf("cluster state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("cluster state %s: %w", statePath(dir), err)
	}
	return &s, nil
}

// Alive reports whether the recorded process still runs the recorded
// binary; a recycled PID belongs to someone else and is never signalled.
func (p ComponentProc) Alive() bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p.PID))
	return err == nil && strings.TrimSuffix(exe, " (deleted)") == p.Bin
}

// StopDir stops the cluster recorded in dir, by PID and in stop order
// (SIGTERM, SIGKILL after a grace period), and removes its state file.
func StopDir(dir string) error {
	s, err := ReadState(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range s.Components {
		if err := stopPID(p, stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.Remove(statePath(dir)); err != nil {
		return fmt.Errorf("cluster state: %w", err)
	}
	return nil
}

// stopPID stops a process that is not our child, so it cannot be waited
// for: poll until it is gone.
func stopPID(p ComponentProc, grace time.Duration) error {
	if !p.Alive() {
		return nil
	}
	_ = syscall.Kill(p.PID, syscall.SIGTERM)
	if waitGone(p, grace) {
		return nil
	}
	_ = syscall.Kill(p.PID, syscall.SIGKILL)
	if waitGone(p, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("%s (pid %d) did not exit", p.Name, p.PID)
}

func waitGone(p ComponentProc, d time.Duration) bool {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for p.Alive() {
		select {
		case <-deadline:
			return false
		case <-tick.C:
		}
	}
	return true
}
