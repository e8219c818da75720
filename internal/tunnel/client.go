package tunnel

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rancher/remotedialer"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Path is where BCS serves the agents' tunnels.
const Path = "/agent/v1/tunnel"

// Client is the agent's side of a tunnel.
type Client struct {
	// Server is BCS's base URL (http or https).
	Server string
	// Key is the agent key BCS handed back on the first report.
	Key string
	// Allow is the one host:port BCS may ask the agent to dial: the API
	// server address the agent reports. Every other address is refused.
	Allow string
	// Target is where such dials really go: the API server as the agent
	// reaches it (often the same as Allow).
	Target string
	// TLS configures the websocket's TLS to BCS (nil: system roots).
	TLS *tls.Config
	Log *slog.Logger
	// OnConnect runs each time the tunnel is (re)connected.
	OnConnect func()
	// BackoffMax caps the wait between reconnections; default 30 s.
	BackoffMax time.Duration
}

// Run keeps the tunnel connected until ctx ends, reconnecting with
// exponential backoff (reset once a connection was up for a while).
func (c *Client) Run(ctx context.Context) {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	bridgeLogrus(c.Log)
	if c.BackoffMax <= 0 {
		c.BackoffMax = 30 * time.Second
	}
	wsURL, err := WebsocketURL(c.Server)
	if err != nil {
		c.Log.Error("agent tunnel disabled", "err", err)
		return
	}
	initial := wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.2, Cap: c.BackoffMax, Steps: math.MaxInt32}
	backoff := initial
	for ctx.Err() == nil {
		up, err := c.once(ctx, wsURL)
		if ctx.Err() != nil {
			return
		}
		if up > time.Minute {
			backoff = initial
		}
		d := backoff.Step()
		if up > 0 {
			c.Log.Warn("agent tunnel disconnected; reconnecting", "err", err, "after", up.Round(time.Millisecond), "in", d)
		} else {
			c.Log.Warn("agent tunnel could not connect; retrying", "err", err, "in", d)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// once runs one tunnel connection and says how long it was up (0: it
// never connected). It drives remotedialer's client session itself rather
// than through ConnectToProxy, whose helper goroutines race with the
// session's shutdown.
func (c *Client) once(ctx context.Context, wsURL string) (time.Duration, error) {
	dialer := &websocket.Dialer{HandshakeTimeout: 10 * time.Second, TLSClientConfig: c.TLS, Proxy: http.ProxyFromEnvironment}
	ws, res, err := dialer.DialContext(ctx, wsURL, http.Header{"Authorization": {"Bearer " + c.Key}})
	if err != nil {
		if res != nil {
			b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<10))
			_ = res.Body.Close()
			return 0, fmt.Errorf("BCS answered %s: %s", res.Status, bytes.TrimSpace(b))
		}
		return 0, err
	}
	start := time.Now()
	c.Log.Info("agent tunnel connected", "server", c.Server)
	if c.OnConnect != nil {
		c.OnConnect()
	}
	session := remotedialer.NewClientSessionWithDialer(allowTCP, ws, c.dial)
	stop := context.AfterFunc(ctx, func() { _ = ws.Close() })
	_, err = session.Serve(ctx)
	stop()
	session.Close()
	_ = ws.Close()
	return time.Since(start), err
}

// allowTCP lets BCS open TCP connections only; what address they go to is
// the dialer's decision, so that a refused address fails that one
// connection instead of the whole tunnel.
func allowTCP(proto, _ string) bool { return proto == "tcp" }

// dial connects BCS's connection to the API server, and to nothing else:
// BCS (or whoever took its place) cannot use the agent to reach other
// addresses on the cluster's network.
func (c *Client) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if address != c.Allow {
		c.Log.Warn("agent tunnel: refused a dial to an address other than the API server's", "address", address, "allowed", c.Allow)
		return nil, fmt.Errorf("the agent dials only its API server %s, not %s", c.Allow, address)
	}
	return (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext(ctx, network, c.Target)
}

// WebsocketURL is the tunnel's websocket URL on a BCS base URL.
func WebsocketURL(server string) (string, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil {
		return "", fmt.Errorf("BCS server URL: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("BCS server URL %q: want http or https", server)
	}
	u.Path += Path
	return u.String(), nil
}
