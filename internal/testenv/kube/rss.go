package kube

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSS returns each running component's resident memory in bytes, read from
// /proc; used to report what a control plane costs.
func (c *Cluster) RSS() (map[string]int64, error) {
	out := map[string]int64{}
	for _, name := range stopOrder {
		p := c.proc(name)
		if p == nil || p.exited() {
			continue
		}
		kb, err := vmRSS(p.cmd.Process.Pid)
		if err != nil {
			return nil, fmt.Errorf("%s rss: %w", name, err)
		}
		out[name] = kb * 1024
	}
	return out, nil
}

func vmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("proc status: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS: %w", err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
