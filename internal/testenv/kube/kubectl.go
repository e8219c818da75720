package kube

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

// KubectlEnv names a prebuilt kubectl (CI caches); it bypasses the build
// script.
const KubectlEnv = "BCS_KUBECTL"

var kubectl struct {
	sync.Mutex
	path string
}

// Kubectl returns the path of a kubectl at the control plane's version. It
// runs scripts/kubectl-bin.sh, which answers at once from its own cache
// ($BCS_CACHE/kubectl) and otherwise builds it (about a minute), in its own
// session for the same reason as Binaries.
func Kubectl() (string, error) {
	kubectl.Lock()
	defer kubectl.Unlock()
	if kubectl.path != "" {
		return kubectl.path, nil
	}
	if p := os.Getenv(KubectlEnv); p != "" {
		kubectl.path = p
		return p, nil
	}
	script, err := findScript("kubectl-bin.sh")
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.Command("bash", script)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build kubectl (%s): %w", script, err)
	}
	p := strings.TrimSpace(out.String())
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("kubectl: %w", err)
	}
	kubectl.path = p
	return p, nil
}
