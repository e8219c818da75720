package sim

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/bcs-io/bcs/internal/testenv/zookeeper"
)

// buildBCS builds the bcs binary into a temporary directory, or returns
// $BCS_BINARY when that names one already built.
func buildBCS(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("BCS_BINARY"); bin != "" {
		return bin
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go toolchain not found: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "bcs")
	out, err := exec.Command(goBin, "build", "-o", bin, "github.com/bcs-io/bcs/cmd/bcs").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/bcs: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func controlPost(t *testing.T, url, body string, into any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProcess runs `bcs mesos-sim` as a real process registered in a real
// ZooKeeper, drives it with mesos-go and its control API, and stops it with
// SIGTERM.
func TestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bcs binary")
	}
	bin := buildBCS(t)
	zks := zookeeper.StartT(t)
	addr := freeAddr(t)

	var logs bytes.Buffer
	cmd := exec.Command(bin, "mesos-sim", "--listen", addr, "--agents", "3", "--agent-cpus", "4", "--agent-mem", "8192",
		"--zk", "zk://"+zks.Addr()+"/mesos", "--allocation-interval", "50ms",
		"--task-start-delay", "5ms", "--task-run-delay", "5ms", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("mesos-sim output:\n%s", logs.String())
		}
	})

	url := "http://" + addr
	eventually(t, "mesos-sim serving", func() bool {
		select {
		case err := <-exited:
			t.Fatalf("mesos-sim exited: %v", err)
		default:
		}
		resp, err := http.Get(url + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	conn, _, err := zk.Connect([]string{zks.Addr()}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	nodes := masterChildren(t, conn)
	if len(nodes) != 1 {
		t.Fatalf("master nodes %v", nodes)
	}
	data, _, err := conn.Get("/mesos/" + nodes[0])
	if err != nil || leaderAddress(data) != addr {
		t.Fatalf("registered %s (%v), want address %s", data, err, addr)
	}

	fw := subscribeAt(t, url, frameworkInfo("process"), jsonCodec)
	offers := fw.offers(3)
	fw.runTask(offers[0], "t", 1, 128)

	controlPost(t, url+"/sim/agents/"+offers[0].AgentID.Value+"/lose", "", nil)
	lost := fw.update("t", mesos.TASK_LOST)
	if lost.GetReason() != mesos.REASON_AGENT_REMOVED {
		t.Fatalf("lost: %v", lost)
	}
	var added struct {
		AgentIDs []string `json:"agent_ids"`
	}
	controlPost(t, url+"/sim/agents", `{"count":2,"cpus":2,"mem":1024}`, &added)
	if len(added.AgentIDs) != 2 {
		t.Fatalf("added %v", added)
	}
	resp, err := http.Get(url + "/sim/state")
	if err != nil {
		t.Fatal(err)
	}
	var summary StateSummary
	err = json.NewDecoder(resp.Body).Decode(&summary)
	resp.Body.Close()
	if err != nil || len(summary.Agents) != 4 || summary.Mode != ModeLeader {
		t.Fatalf("state %+v (%v)", summary, err)
	}
	fw.next(func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_OFFERS && e.Offers.Offers[0].AgentID.Value == added.AgentIDs[0]
	})

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("mesos-sim ignored SIGTERM")
	}
	fw.streamEnded()
	if nodes := masterChildren(t, conn); len(nodes) != 0 {
		t.Fatalf("master node left behind: %v", nodes)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
