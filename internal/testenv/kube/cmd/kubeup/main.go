// Command kubeup starts and stops a local Kubernetes control plane with kwok
// nodes for people (make k8s-up / k8s-down / k8s-status). The components run
// in the background and outlive this command; `down` stops them by PID.
//
//	kubeup up -dir DIR [-nodes N]
//	kubeup down -dir DIR
//	kubeup status -dir DIR
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/bcs-io/bcs/internal/testenv/kube"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	verb := os.Args[1]
	fl := flag.NewFlagSet(verb, flag.ExitOnError)
	dir := fl.String("dir", defaultDir(), "state directory")
	nodes := fl.Int("nodes", 2, "kwok nodes to create (up)")
	_ = fl.Parse(os.Args[2:])

	var err error
	switch verb {
	case "up":
		err = up(*dir, *nodes)
	case "down":
		err = down(*dir)
	case "status":
		err = status(*dir)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeup:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kubeup up|down|status [-dir DIR] [-nodes N]")
	os.Exit(2)
}

func defaultDir() string {
	if c := os.Getenv("BCS_CACHE"); c != "" {
		return filepath.Join(c, "k8s-up")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "bcs", "k8s-up")
}

// running reports the recorded cluster when all its components are alive.
func running(dir string) (*kube.State, bool) {
	s, err := kube.ReadState(dir)
	if err != nil {
		return nil, false
	}
	for _, p := range s.Components {
		if !p.Alive() {
			return s, false
		}
	}
	return s, true
}

func up(dir string, nodes int) error {
	if s, ok := running(dir); ok {
		fmt.Printf("already running at %s\n", s.Host)
		printHelp(s.KubeconfigPath)
		return nil
	} else if s != nil {
		// A half-dead cluster from an earlier run: clear it out.
		_ = kube.StopDir(dir)
	}
	// Each up is a fresh cluster: old etcd data would hold stale nodes.
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), kube.StartTimeout)
	defer cancel()
	began := time.Now()
	c, err := kube.Start(ctx, dir, kube.Options{Nodes: nodes, Name: "bcs-local", Detach: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	fmt.Printf("Kubernetes %s ready at %s with %d kwok nodes in %s (logs in %s)\n",
		"v1.37.2", c.Host, nodes, time.Since(began).Round(time.Millisecond), filepath.Join(dir, "logs"))
	printHelp(c.KubeconfigPath)
	return nil
}

func printHelp(kubeconfig string) {
	fmt.Printf(`kubeconfig: %s
  use it:       export KUBECONFIG=%s
  register it:  pass the file's contents as the kubeconfig argument of the
                registerCluster mutation in GraphiQL (kind K8S)
  stop it:      make k8s-down
`, kubeconfig, kubeconfig)
}

func down(dir string) error {
	err := kube.StopDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Println("not running")
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Println("stopped")
	return nil
}

func status(dir string) error {
	s, err := kube.ReadState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Println("not running")
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Printf("cluster %s at %s, kubeconfig %s\n", s.Name, s.Host, s.KubeconfigPath)
	for _, p := range s.Components {
		state := "running"
		if !p.Alive() {
			state = "gone"
		}
		fmt.Printf("  %-24s pid %-8d %s\n", p.Name, p.PID, state)
	}
	return nil
}
