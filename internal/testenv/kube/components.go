package kube

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// portAttempts bounds retries when another process takes a port between
// freePorts and the component binding it.
const portAttempts = 4

func (c *Cluster) startEtcd(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			return err
		}
		client, peer := "http://"+hostPort(ports[0]), "http://"+hostPort(ports[1])
		// A failed attempt may have bootstrapped a member with other URLs.
		if err := os.RemoveAll(filepath.Join(c.Dir, "etcd")); err != nil {
			return fmt.Errorf("etcd data dir: %w", err)
		}
		args := []string{
			"--name=etcd",
			"--data-dir=" + filepath.Join(c.Dir, "etcd"),
			"--listen-client-urls=" + client,
			"--advertise-client-urls=" + client,
			"--listen-peer-urls=" + peer,
			"--initial-advertise-peer-urls=" + peer,
			"--initial-cluster=etcd=" + peer,
			"--unsafe-no-fsync", // test data: durability is not worth the latency
			"--log-level=warn",
		}
		if err := c.startProc("etcd", args); err != nil {
			return err
		}
		err = c.waitHTTP(ctx, "etcd", client+"/health", nil, func(body string) bool {
			return strings.Contains(body, `"health":"true"`)
		})
		if err == nil {
			c.etcdURL = client
			return nil
		}
		if !errors.Is(err, errExited) || !c.proc("etcd").portInUse() || attempt == portAttempts {
			return err
		}
		c.log.Debug("etcd lost a port race, retrying", "attempt", attempt)
	}
}

// startAPIServerFresh picks the API server's port, retrying port races.
func (c *Cluster) startAPIServerFresh(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		c.apiPort = ports[0]
		c.Host = "https://" + hostPort(c.apiPort)
		err = c.StartAPIServer(ctx)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errExited) || !c.proc("kube-apiserver").portInUse() || attempt == portAttempts {
			return err
		}
		c.log.Debug("kube-apiserver lost a port race, retrying", "attempt", attempt)
	}
}

// StartAPIServer starts the kube-apiserver again on its port, after
// StopAPIServer, and waits until /readyz answers ok. Clients made from
// Config keep working once it is back.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	if p := c.proc("kube-apiserver"); p != nil && !p.exited() {
		return errors.New("kube-apiserver is already running")
	}
	if err := c.startProc("kube-apiserver", c.componentArgs("kube-apiserver")); err != nil {
		return err
	}
	return c.waitHTTP(ctx, "kube-apiserver", c.Host+"/readyz", c.httpClient(), func(body string) bool {
		return strings.TrimSpace(body) == "ok"
	})
}

// StopAPIServer stops the kube-apiserver alone; the rest keeps running and
// sees the API as unreachable until StartAPIServer.
func (c *Cluster) StopAPIServer() error {
	if err := c.proc("kube-apiserver").stop(stopGrace); err != nil {
		return fmt.Errorf("stop kube-apiserver: %w", err)
	}
	return nil
}

func (c *Cluster) componentArgs(name string) []string {
	p, kubeconfig := c.pki, c.KubeconfigPath
	switch name {
	case "kube-apiserver":
		return append(c.kubeletClientArgs(), []string{
			"--etcd-servers=" + c.etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(c.apiPort),
			"--cert-dir=" + filepath.Join(c.Dir, "apiserver-certs"),
			"--tls-cert-file=" + p.certFile,
			"--tls-private-key-file=" + p.keyFile,
			"--client-ca-file=" + p.caFile,
			"--token-auth-file=" + p.tokensFile,
			"--authorization-mode=RBAC",
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + p.saPubFile,
			"--service-account-signing-key-file=" + p.saKeyFile,
			"--service-cluster-ip-range=10.96.0.0/16",
			// 1.37 refuses a loopback advertise address with the default
			// reconciler; nothing here needs the kubernetes endpoints.
			"--endpoint-reconciler-type=none",
			"--allow-privileged=true",
			"--enable-priority-and-fairness=false", // no request throttling in tests
			"--profiling=false",
		}...)
	case "kube-controller-manager":
		return []string{
			"--kubeconfig=" + kubeconfig,
			// nodeipam needs a cluster CIDR; the node-lifecycle controller
			// stays on because it clears the not-ready taint.
			"--controllers=*,-nodeipam",
			"--leader-elect=false",
			"--secure-port=0",
			"--cluster-name=" + c.Name,
			"--service-account-private-key-file=" + p.saKeyFile,
			"--root-ca-file=" + p.caFile,
			"--kube-api-qps=100",
			"--kube-api-burst=200",
		}
	case "kube-scheduler":
		return []string{"--kubeconfig=" + kubeconfig, "--leader-elect=false", "--secure-port=0"}
	case "kwok":
		args := []string{
			"--kubeconfig=" + kubeconfig,
			"--config=" + filepath.Join(c.bin, "kwok-stages.yaml"),
			"--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=" + kwokAnnotation + "=fake",
		}
		for _, f := range c.opts.KwokConfigs {
			args = append(args, "--config="+f)
		}
		if c.kubeletPort != 0 {
			// The node stages write NodeIP and NodePort into each node's
			// addresses and kubelet endpoint.
			args = append(args, "--node-ip=127.0.0.1", "--node-port="+strconv.Itoa(c.kubeletPort),
				"--server-address="+hostPort(c.kubeletPort))
		}
		return args
	}
	panic("unknown component " + name)
}

// kubeletClientArgs let the API server reach kwok's kubelet server by the
// node's InternalIP (its Hostname does not resolve). kwok serves a
// self-signed certificate; without --kubelet-certificate-authority the API
// server does not verify it, which is what a loopback test wants.
func (c *Cluster) kubeletClientArgs() []string {
	if c.kubeletPort == 0 {
		return nil
	}
	return []string{"--kubelet-preferred-address-types=InternalIP"}
}

// httpClient trusts the cluster CA and authenticates as admin.
func (c *Cluster) httpClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.pki.caPEM)
	return &http.Client{
		Timeout: 2 * time.Second,
		Transport: &bearer{token: c.pki.token, rt: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		}},
	}
}

type bearer struct {
	token string
	rt    http.RoundTripper
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

// waitHTTP polls url until ok(body) holds with status 200, the component
// exits (errExited) or ctx ends.
func (c *Cluster) waitHTTP(ctx context.Context, name, url string, hc *http.Client, ok func(string) bool) error {
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Second}
	}
	p := c.proc(name)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("%s readiness: %w", name, err)
		}
		if resp, err := hc.Do(req); err != nil {
			last = err.Error()
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && ok(string(body)) {
				return nil
			}
			last = fmt.Sprintf("%s: %.200s", resp.Status, body)
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s: %w (%v)", name, errExited, p.err)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready (last: %s): %w", name, last, ctx.Err())
		case <-tick.C:
		}
	}
}
