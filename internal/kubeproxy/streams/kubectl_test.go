package streams_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bcs-io/bcs/internal/auth"
	"github.com/bcs-io/bcs/internal/kubeproxy/streams"
)

// kubectlPath finds the kubectl that scripts/kubectl-bin.sh builds into
// its own cache ($BCS_KUBECTL overrides). Once the kube test environment
// offers kube.Kubectl(), this is that.
func kubectlPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("BCS_KUBECTL"); p != "" {
		return p
	}
	cache := os.Getenv("BCS_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(home, ".cache", "bcs")
	}
	found, _ := filepath.Glob(filepath.Join(cache, "kubectl", "v1.37.2-*", "kubectl"))
	if len(found) == 0 {
		t.Fatal("no kubectl: build it with `make kubectl` (scripts/kubectl-bin.sh) or set BCS_KUBECTL")
	}
	sort.Strings(found)
	return found[len(found)-1]
}

// kubectl runs the real CLI against the rig's proxy URL with a BCS token.
func (r *rig) kubectl(t *testing.T, stdin io.Reader, args ...string) (string, string, error) {
	t.Helper()
	conf := r.kubeconfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath(t), append([]string{"--kubeconfig", conf}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// kubeconfig points kubectl at the rig's proxy URL with a BCS token.
func (r *rig) kubeconfig(t *testing.T) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "kubeconfig")
	kc := `apiVersion: v1
kind: Config
clusters: [{name: bcs, cluster: {server: "` + r.srv.URL + prefix + `"}}]
users: [{name: me, user: {token: bcs_user_token_never_forwarded}}]
contexts: [{name: bcs, context: {cluster: bcs, user: me, namespace: default}}]
current-context: bcs
`
	if err := os.WriteFile(conf, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

// TestKubectlExecThroughRelay: the real kubectl (websockets, v5) runs a
// command, an interactive one, and is told why BCS ended an idle session.
func TestKubectlExecThroughRelay(t *testing.T) {
	r := newRig(t, streams.Options{IdleTimeout: time.Second})
	out, errOut, err := r.kubectl(t, nil, "exec", "shell", "-c", "main", "--", "echo", "hello")
	if err != nil || out != "hello\n" {
		t.Fatalf("kubectl exec: %q %q %v", out, errOut, err)
	}
	out, errOut, err = r.kubectl(t, strings.NewReader("alice\n"), "exec", "-i", "shell", "-c", "main", "--", "sh", "-c", `read l; echo "hi $l"`)
	if err != nil || out != "hi alice\n" {
		t.Fatalf("kubectl exec -i: %q %q %v", out, errOut, err)
	}
	// An *os.File, handed to kubectl as is: an open stdin that never
	// sends anything (an io.Pipe would hold exec's copying goroutine).
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	defer inR.Close()
	_, errOut, err = r.kubectl(t, inR, "exec", "-i", "shell", "-c", "main", "--", "cat")
	if err == nil || !strings.Contains(errOut, "no input or output for 1s") {
		t.Fatalf("idle kubectl exec: %q %v", errOut, err)
	}
	all := r.waitEnded(t, 3)
	for i, want := range []string{"exit 0", "exit 0", "idle timeout"} {
		if all[i].Status != want || all[i].Protocol != "v5.channel.k8s.io" {
			t.Errorf("session %d: %q over %q, want %q over v5", i, all[i].Status, all[i].Protocol, want)
		}
	}
}

// TestKubectlPortForwardPassesThrough: kubectl port-forward (websockets
// tunnelling SPDY) passes through BCS byte for byte, over the same HTTP/2
// capable upstream transport; the session is audited, never recorded.
func TestKubectlPortForwardPassesThrough(t *testing.T) {
	r := newRig(t, streams.Options{})
	ctx := testCtx(t)
	r.db.Project.UpdateOneID(idOf(r.project)).SetExecRecording(true).ExecX(auth.System(ctx))
	conf := r.kubeconfig(t)
	cmd := exec.CommandContext(ctx, kubectlPath(t), "--kubeconfig", conf, "port-forward", "pod/shell", ":8080")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	defer stop()
	// "Forwarding from 127.0.0.1:40123 -> 8080"
	line, err := bufio.NewReader(out).ReadString('\n')
	local, _, ok := strings.Cut(strings.TrimPrefix(line, "Forwarding from "), " -> ")
	if err != nil || !ok {
		t.Fatalf("kubectl port-forward: %q %v (%s)", line, err, stderr.String())
	}
	conn, err := net.Dial("tcp", local)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "through the tunnel\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if got, err := bufio.NewReader(conn).ReadString('\n'); err != nil || got != "through the tunnel\n" {
		t.Fatalf("echoed %q, %v (%s)", got, err, stderr.String())
	}
	conn.Close()
	stop()
	s := r.waitEnded(t, 1)[0]
	if s.Kind != "PORTFORWARD" || s.Recorded || s.Status != "closed" || !strings.Contains(strings.ToLower(s.Protocol), "websocket") {
		t.Errorf("session %+v", s)
	}
}
