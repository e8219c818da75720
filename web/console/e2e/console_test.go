package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bcs-io/bcs/internal/testenv/kube"
	"github.com/bcs-io/bcs/internal/testenv/registry"
)

// suiteTimeout bounds the whole browser run; each step inside has its own
// Playwright deadline, so a hang fails with the step that hung.
const suiteTimeout = 6 * time.Minute

func TestConsoleInBrowser(t *testing.T) {
	root := repoRoot(t)
	console := filepath.Join(root, "web", "console")
	chromium := requireTools(t, console)
	bin := bcsBinary(t, root)
	// kwok serves the pods' logs from podLog (in the CRI log format) and runs
	// exec locally, for the console's log and terminal pages.
	streams := t.TempDir()
	podLog := filepath.Join(streams, "pod.log")
	if err := os.WriteFile(podLog, []byte("2026-01-01T00:00:00Z stdout F hello from the pod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kwokStreams, err := kube.WriteStreamsConfig(streams, podLog)
	if err != nil {
		t.Fatal(err)
	}
	cluster := kube.StartT(t, kube.Options{Nodes: 2, Kubelet: true, KwokConfigs: []string{kwokStreams}})
	// An OCI registry with a chart in two versions, for the Helm pages.
	reg := registry.New(t, "console", "registry-pw")
	for _, v := range [][2]string{{"0.1.0", "1.0"}, {"0.2.0", "2.0"}} {
		if _, err := reg.PushChart(filepath.Join(root, "internal", "helm", "testdata", "charts", "shop"), "charts", v[0], v[1]); err != nil {
			t.Fatal(err)
		}
	}
	srv := startBcs(t, bin)
	admin := srv.token(t, "admin", true)
	viewer := srv.token(t, "viewer", false)
	url := srv.url
	control := controlServer(t, cluster, srv)

	shots := os.Getenv("BCS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", "e2e/console.test.mjs")
	cmd.Dir = console
	cmd.Env = append(os.Environ(),
		"BCS_URL="+url,
		"BCS_ADMIN_TOKEN="+admin,
		"BCS_VIEWER_TOKEN="+viewer,
		"BCS_KUBECONFIG="+string(cluster.Kubeconfig),
		"BCS_CONTROL_URL="+control,
		"BCS_CHROMIUM="+chromium,
		"BCS_SCREENSHOTS="+shots,
		"BCS_POD_LOG="+podLog,
		"BCS_REGISTRY="+reg.Host,
		"PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1",
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if f := os.Getenv("BCS_E2E_LOG"); f != "" {
		// Follow a long run as it goes: tail -f this file.
		log, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		cmd.Stdout = io.MultiWriter(&out, log)
		cmd.Stderr = cmd.Stdout
	}
	if err := cmd.Run(); err != nil {
		t.Fatalf("browser suite failed: %v\n%s\nbcs log tail:\n%s", err, out.String(), srv.logTail())
	}
	t.Logf("browser suite:\n%s", lastLines(out.String(), 60))
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// requireTools fails (never skips) with the make target that provides
// what is missing: a skipped browser suite would pass unnoticed.
func requireTools(t *testing.T, console string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not on PATH: the console suite runs in Node (Debian package nodejs, v20+)")
	}
	for _, p := range []string{"dist/index.html", "node_modules/playwright-core/package.json", "node_modules/@axe-core/playwright/package.json"} {
		if _, err := os.Stat(filepath.Join(console, p)); err != nil {
			t.Fatalf("web/console/%s is missing: run `make console` (npm ci and the build)", p)
		}
	}
	chromium := os.Getenv("BCS_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no chromium at %s: install Debian's chromium package or set BCS_CHROMIUM", chromium)
	}
	return chromium
}

// bcsBinary builds cmd/bcs (the build cache makes this quick after the
// first time), embedding whatever web/console/dist holds now; BCS_BIN
// names a prebuilt one.
func bcsBinary(t *testing.T, root string) string {
	t.Helper()
	if b := os.Getenv("BCS_BIN"); b != "" {
		return b
	}
	bin := filepath.Join(t.TempDir(), "bcs")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/bcs")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/bcs: %v\n%s", err, out)
	}
	return bin
}

// bcs is one `bcs serve` on SQLite; it can be stopped and started again on
// the same address and database, as an upgrade or a crash would.
type bcs struct {
	bin, dir, db, addr, url, log string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

func (b *bcs) token(t *testing.T, user string, admin bool) string {
	t.Helper()
	args := []string{"token", "create", "--user", user, "--database", b.db}
	if admin {
		args = append(args, "--admin")
	}
	out, err := exec.Command(b.bin, args...).Output()
	if err != nil {
		t.Fatalf("bcs token create --user %s: %v", user, err)
	}
	return strings.TrimSpace(string(out))
}

func (b *bcs) logTail() string {
	data, _ := os.ReadFile(b.log)
	return lastLines(string(data), 40)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func startBcs(t *testing.T, bin string) *bcs {
	t.Helper()
	dir := t.TempDir()
	b := &bcs{bin: bin, dir: dir, db: "sqlite://" + filepath.Join(dir, "bcs.db"), log: filepath.Join(dir, "bcs.log")}
	// The first token migrates the database, as a new user's would.
	b.token(t, "bootstrap", true)
	b.addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	b.url = "http://" + b.addr
	t.Cleanup(func() { _ = b.stop() })
	if err := b.start(); err != nil {
		t.Fatal(err)
	}
	return b
}

// start runs bcs serve and returns once /readyz answers 200.
func (b *bcs) start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	logf, err := os.OpenFile(b.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(b.bin, "serve", "--listen", b.addr, "--database", b.db)
	cmd.Dir = b.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	b.cmd, b.exited = cmd, exited
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("bcs serve exited before ready:\n%s", b.logTail())
		default:
		}
		if res, err := http.Get(b.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bcs serve not ready in 30 s:\n%s", b.logTail())
		}
		// Poll interval, bounded by the deadline above.
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends bcs serve (SIGINT, then SIGKILL after 10 s) and waits for it.
func (b *bcs) stop() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return nil
	}
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
	b.cmd = nil
	return nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// controlServer lets the suite act behind the console's back: POST /scale
// {"namespace","name","replicas"} sets a Deployment's replicas straight on
// the API server, as an operator with kubectl would (POST /namespace
// {"name"} makes a namespace); POST /bcs/stop and
// /bcs/start take the server away and bring it back (every socket drops).
func controlServer(t *testing.T, c *kube.Cluster, b *bcs) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /bcs/stop", func(w http.ResponseWriter, r *http.Request) {
		_ = b.stop()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /bcs/start", func(w http.ResponseWriter, r *http.Request) {
		if err := b.start(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /scale", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Namespace, Name string
			Replicas        int32
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: in.Name, Namespace: in.Namespace}, Spec: autoscalingv1.ScaleSpec{Replicas: in.Replicas}}
		if _, err := c.Client.AppsV1().Deployments(in.Namespace).UpdateScale(r.Context(), in.Name, s, metav1.UpdateOptions{FieldManager: "kubectl"}); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /namespace", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: in.Name}}
		if _, err := c.Client.CoreV1().Namespaces().Create(r.Context(), ns, metav1.CreateOptions{}); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /deployment", func(w http.ResponseWriter, r *http.Request) {
		var d *appsv1.Deployment
		d, err := c.Client.AppsV1().Deployments(r.URL.Query().Get("namespace")).Get(r.Context(), r.URL.Query().Get("name"), metav1.GetOptions{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"replicas": d.Spec.Replicas, "image": d.Spec.Template.Spec.Containers[0].Image,
			"revision": d.Annotations["deployment.kubernetes.io/revision"]})
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s.URL
}
