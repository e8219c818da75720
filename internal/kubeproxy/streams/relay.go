package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	cws "github.com/coder/websocket"
	"github.com/gorilla/websocket"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxMessage bounds one websocket message either way. kubectl sends stdin
// in 32 KiB reads plus the channel byte; the API server's output messages
// are smaller.
const maxMessage = 1 << 20

// writeWait bounds a write to the client, so a client that stopped reading
// cannot hold the relay (and the status frame that ends it) forever.
const writeWait = 10 * time.Second

// relay terminates the client's websocket, opens one to the API server
// through up.Transport (coder/websocket, because it dials through an
// http.Client: the upstream's credentials are a RoundTripper, not a TLS
// config) and copies messages both ways, watching them.
func (h *Handler) relay(w http.ResponseWriter, r *http.Request, up Upstream, u *url.URL, s *Session) {
	ctx := r.Context()
	if err := h.begin(ctx, s); err != nil {
		writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "BCS cannot record this session now")
		return
	}
	defer h.end(ctx, s)

	// Dial first: the API server's refusal (RBAC, no such pod or
	// container) reaches the client as the plain HTTP answer kubectl prints.
	dialCtx, cancelDial := context.WithTimeout(ctx, 30*time.Second)
	upConn, resp, err := cws.Dial(dialCtx, u.String(), &cws.DialOptions{
		HTTPClient:      &http.Client{Transport: up.Transport},
		Subprotocols:    []string{s.Protocol},
		CompressionMode: cws.CompressionDisabled,
	})
	cancelDial()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			refused(s, resp.StatusCode, resp.Status)
			copyResponse(w, resp)
			return
		}
		h.log.WarnContext(ctx, "exec session: dial API server", "session", s.ID, "err", err)
		s.Refused, s.Status = true, "error: the cluster's API server cannot be reached"
		writeStatus(w, http.StatusBadGateway, metav1.StatusReasonServiceUnavailable, "the cluster's API server cannot be reached")
		return
	}
	defer upConn.CloseNow()
	if upConn.Subprotocol() != s.Protocol {
		s.Refused, s.Status = true, "error: the API server answered another subprotocol"
		writeStatus(w, http.StatusBadGateway, metav1.StatusReasonServiceUnavailable, "the API server does not speak "+s.Protocol)
		return
	}
	upConn.SetReadLimit(maxMessage)

	up2 := h.upgrader
	up2.Subprotocols = []string{s.Protocol}
	client, err := up2.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade answered the client already.
		s.Refused, s.Status = true, "error: client websocket handshake failed"
		return
	}
	defer client.Close()
	client.SetReadLimit(maxMessage)

	rl := &relayState{h: h, s: s, client: client, upConn: upConn}
	if s.Record {
		rl.rec = newRecorder(s, h.opts.MaxRecordingBytes, s.Started)
	}
	rl.run(ctx)
	if rl.rec != nil {
		s.Recording, s.Truncated = rl.rec.result()
	}
}

// copyResponse hands the API server's refusal to the client unchanged.
func copyResponse(w http.ResponseWriter, resp *http.Response) {
	for _, k := range []string{"Content-Type", "Content-Length"} {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	if resp.Body != nil {
		_, _ = io.Copy(w, resp.Body)
	}
}

// relayState is one relayed session.
type relayState struct {
	h      *Handler
	s      *Session
	client *websocket.Conn
	upConn *cws.Conn
	rec    *recorder

	writeMu    sync.Mutex // gorilla allows one writer; both pumps and the limits write
	lastActive atomic.Int64
	endOnce    sync.Once
	reason     string // why BCS ended it, when it did
}

func (rl *relayState) touch() { rl.lastActive.Store(time.Now().UnixNano()) }

// run copies until either side ends, a limit is hit or the request's
// context ends (the proxy cancels it when the user's token is revoked or
// their role changes), then closes both.
func (rl *relayState) run(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	rl.touch()
	done := make(chan struct{}, 2)
	go func() { rl.fromClient(ctx); done <- struct{}{} }()
	go func() { rl.fromUpstream(ctx); done <- struct{}{} }()

	idle := rl.h.opts.IdleTimeout
	idleTimer := time.NewTimer(idle)
	defer idleTimer.Stop()
	total := time.NewTimer(rl.h.opts.MaxDuration - time.Since(rl.s.Started))
	defer total.Stop()
	parentDone := parent.Done()
	for open := 2; open > 0; {
		select {
		case <-parentDone:
			parentDone = nil // closed for good: handle it once
			rl.ended(parent)
		case <-done:
			open--
			if parent.Err() != nil { // the pump saw it first
				rl.ended(parent)
			}
			// One side ended: close the other so its pump returns too.
			rl.closeBoth(cws.StatusNormalClosure)
		case <-idleTimer.C:
			since := time.Since(time.Unix(0, rl.lastActive.Load()))
			if since < idle {
				idleTimer.Reset(idle - since)
				continue
			}
			rl.limit("idle timeout", fmt.Sprintf("BCS closed the session: no input or output for %s", idle))
		case <-total.C:
			rl.limit("time limit", fmt.Sprintf("BCS closed the session: it reached the %s limit", rl.h.opts.MaxDuration))
		}
	}
	if rl.reason != "" {
		rl.s.Status = rl.reason
	} else if rl.s.Status == "" {
		rl.s.Status = "closed"
	}
}

// ended tells the client why the proxy took the session away.
func (rl *relayState) ended(parent context.Context) {
	cause := context.Cause(parent)
	rl.limitWith("ended: "+cause.Error(), metav1.StatusReasonForbidden, http.StatusForbidden,
		fmt.Sprintf("BCS closed the session: %v", cause))
}

// limit ends a session BCS's way: a Status frame the client prints, then a
// normal close.
func (rl *relayState) limit(reason, message string) {
	rl.limitWith(reason, metav1.StatusReasonTimeout, http.StatusRequestTimeout, message)
}

func (rl *relayState) limitWith(reason string, why metav1.StatusReason, code int32, message string) {
	rl.endOnce.Do(func() {
		rl.reason = reason
		_ = rl.writeClient(websocket.BinaryMessage, statusFrame(why, code, message))
		if rl.rec != nil {
			rl.rec.event(time.Now(), "m", []byte(message))
		}
	})
	rl.closeBoth(cws.StatusNormalClosure)
}

func (rl *relayState) closeBoth(code cws.StatusCode) {
	rl.writeMu.Lock()
	_ = rl.client.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(code), ""), time.Now().Add(time.Second))
	rl.writeMu.Unlock()
	_ = rl.client.SetReadDeadline(time.Now().Add(time.Second))
	go func() { _ = rl.upConn.Close(code, "") }()
}

func (rl *relayState) writeClient(typ int, data []byte) error {
	rl.writeMu.Lock()
	defer rl.writeMu.Unlock()
	_ = rl.client.SetWriteDeadline(time.Now().Add(writeWait))
	return rl.client.WriteMessage(typ, data)
}

// fromClient copies stdin and resize messages to the API server.
func (rl *relayState) fromClient(ctx context.Context) {
	for {
		typ, data, err := rl.client.ReadMessage()
		if err != nil {
			return
		}
		rl.touch()
		if rl.rec != nil && typ == websocket.BinaryMessage && len(data) > 1 {
			switch data[0] {
			case chanStdin:
				rl.rec.event(time.Now(), "i", data[1:])
			case chanResize:
				var size struct{ Width, Height uint16 }
				if json.Unmarshal(data[1:], &size) == nil {
					rl.rec.event(time.Now(), "r", fmt.Appendf(nil, "%dx%d", size.Width, size.Height))
				}
			}
		}
		if err := rl.upConn.Write(ctx, cws.MessageType(typ), data); err != nil {
			return
		}
	}
}

// fromUpstream copies output and the final status to the client.
func (rl *relayState) fromUpstream(ctx context.Context) {
	for {
		typ, data, err := rl.upConn.Read(ctx)
		if err != nil {
			if cws.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) && rl.s.Status == "" {
				rl.s.Status = "error: the API server connection broke"
			}
			return
		}
		rl.touch()
		if typ == cws.MessageBinary && len(data) > 0 {
			switch data[0] {
			case chanStdout, chanStderr:
				if rl.rec != nil && len(data) > 1 {
					rl.rec.event(time.Now(), "o", data[1:])
				}
			case chanError:
				if len(data) > 1 {
					rl.s.Status, rl.s.ExitCode = exitStatus(data[1:])
				}
			}
		}
		if err := rl.writeClient(int(typ), data); err != nil {
			return
		}
	}
}
