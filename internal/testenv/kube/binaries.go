package kube

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// BinDirEnv names a directory holding prebuilt binaries (CI caches); it
// bypasses the build script.
const BinDirEnv = "BCS_KUBE_BIN_DIR"

var binaries struct {
	sync.Mutex
	dir string
}

// Binaries returns the directory holding etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok and kwok-stages.yaml. It runs
// scripts/kube-bins.sh, which answers at once from the cache and otherwise
// builds (about 13 minutes cold on two cores). The build runs in its own
// session so that it finishes, and fills the cache, even when a test timeout
// kills this process; the next run then finds it done or waits on its lock.
func Binaries() (string, error) {
	binaries.Lock()
	defer binaries.Unlock()
	if binaries.dir != "" {
		return binaries.dir, nil
	}
	if dir := os.Getenv(BinDirEnv); dir != "" {
		binaries.dir = dir
		return dir, nil
	}
	script, err := findScript("kube-bins.sh")
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.Command("bash", script)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr // progress shows in `go test -v`
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build kube binaries (%s): %w", script, err)
	}
	dir := strings.TrimSpace(out.String())
	if _, err := os.Stat(filepath.Join(dir, "kube-apiserver")); err != nil {
		return "", fmt.Errorf("kube binaries: %w", err)
	}
	binaries.dir = dir
	return dir, nil
}

// findScript walks up from the working directory (a package directory under
// go test) to the repository's scripts/<name>.
func findScript(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find %s: %w", name, err)
	}
	for {
		p := filepath.Join(dir, "scripts", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find " + name + ": not under the BCS repository; set " + BinDirEnv)
		}
		dir = parent
	}
}
