package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// BenchmarkKubeProxyLogsFollow follows a kwok pod's ~5 MB log to its last
// line straight from the API server and through BCS's whole proxy
// (/clusters/{id}/k8s over TLS: token lookup, project role, impersonation,
// the flushing reverse proxy, the idle-limit writer), same run.
func BenchmarkKubeProxyLogsFollow(b *testing.B) {
	c, podLog := streamsCluster(b)
	marker := fmt.Sprintf("bench-end-%d", time.Now().UnixNano())
	f, err := os.OpenFile(podLog, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	pad := strings.Repeat("x", 60)
	for i := range 50_000 {
		fmt.Fprintf(w, "2026-01-01T00:00:02Z stdout F bench %06d %s\n", i, pad)
	}
	fmt.Fprintf(w, "2026-01-01T00:00:03Z stdout F %s\n", marker)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, err := os.Stat(podLog)
	if err != nil {
		b.Fatal(err)
	}

	env, base := kubeProxyEnv(b)
	p := env.createProject(b, "Logs bench", "logsbench")
	var cl struct{ ID string }
	env.do(b, registerK8s, map[string]any{"in": map[string]any{"projectID": p.ID, "name": "kwok", "kubeconfig": string(c.Kubeconfig)}}).field(b, "registerCluster", &cl)
	eventually(b, "BCS's bindings installed", func() bool {
		_, err := c.Client.RbacV1().ClusterRoleBindings().Get(context.Background(), "bcs:admin", metav1.GetOptions{})
		return err == nil
	})
	direct, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		b.Fatal(err)
	}
	path := "/api/v1/namespaces/default/pods/shell/log?container=main&follow=true"
	for _, tc := range []struct {
		name, url, token string
		client           *http.Client
	}{
		{"direct", c.Host + path, "", direct},
		{"bcs", base + "/clusters/" + cl.ID + "/k8s" + path, env.token, tlsClient},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				followLog(b, tc.client, tc.url, tc.token, marker)
			}
		})
	}
}

// followLog reads a followed log until the line holding marker.
func followLog(b *testing.B, c *http.Client, url, token, marker string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.Contains(sc.Text(), marker) {
			return
		}
	}
	b.Fatalf("the log ended before %s: %v", marker, sc.Err())
}
