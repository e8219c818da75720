package streams_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/bcs-io/bcs/internal/kubeproxy/streams"
)

// benchLogLines is the log a `logs -f` benchmark follows: about 5 MB.
const benchLogLines = 50_000

// BenchmarkLogsFollow: `logs -f` of a 5 MB log, straight from the API
// server and through the proxy's flushing reverse proxy, same run. Bytes/s
// is the throughput a follower sees.
func BenchmarkLogsFollow(b *testing.B) {
	r := newRig(b, streams.Options{})
	c := cluster(b)
	marker := fmt.Sprintf("bench-end-%d", time.Now().UnixNano())
	f, err := os.OpenFile(plane.podLog, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	pad := strings.Repeat("x", 60)
	for i := range benchLogLines {
		fmt.Fprintf(w, "2026-01-01T00:00:02Z stdout F bench %06d %s\n", i, pad)
	}
	fmt.Fprintf(w, "2026-01-01T00:00:03Z stdout F %s\n", marker)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, err := os.Stat(plane.podLog)
	if err != nil {
		b.Fatal(err)
	}
	path := "/api/v1/namespaces/default/pods/shell/log?container=main&follow=true"
	direct, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		url    string
		client *http.Client
	}{
		{"direct", c.Host + path, direct},
		{"proxy", r.srv.URL + prefix + path, http.DefaultClient},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				followUntil(b, tc.client, tc.url, marker)
			}
		})
	}
}

func followUntil(b *testing.B, c *http.Client, url, marker string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.Contains(sc.Text(), marker) {
			return
		}
	}
	b.Fatalf("log ended before the marker: %v", sc.Err())
}

// BenchmarkExecOutput: 8 MiB of exec stdout straight from the API server
// and through the websocket relay (recording off), same run.
func BenchmarkExecOutput(b *testing.B) {
	r := newRig(b, streams.Options{})
	c := cluster(b)
	const size = 8 << 20
	cmd := fmt.Sprintf("command=head&command=-c&command=%d&command=/dev/zero", size)
	path := "/api/v1/namespaces/default/pods/shell/exec?container=main&stdout=true&" + cmd
	for _, tc := range []struct {
		name string
		cfg  *rest.Config
		url  string
	}{
		{"direct", c.Config, c.Host + path},
		{"relay", r.clientConfig(), r.srv.URL + prefix + path},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				ex, err := remotecommand.NewWebSocketExecutor(tc.cfg, "GET", tc.url)
				if err != nil {
					b.Fatal(err)
				}
				n := &countWriter{}
				if err := ex.StreamWithContext(context.Background(), remotecommand.StreamOptions{Stdout: n}); err != nil {
					b.Fatal(err)
				}
				if n.n != size {
					b.Fatalf("read %d bytes", n.n)
				}
			}
		})
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
