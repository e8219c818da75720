package transport

import (
	"bufio"
	"net"
	"net/http"
	"syscall"

	"github.com/gorilla/websocket"
)

// An idle socket's reader goroutine is the bulk of what it costs: parked
// inside gorilla's NextReader (frame parsing, bufio, net, poll), it uses
// more than a quarter of an 8 KiB stack, which the runtime then never
// shrinks. Between messages the reader instead parks in a readiness wait
// on the socket itself (syscall.RawConn.Read with a peek), a few frames
// deep, and only calls gorilla once a byte has arrived; the stack then
// shrinks to 4 KiB at the next collection.

// readBufferSize is each connection's read buffer: client messages are
// few and small, and larger ones are read in pieces. It is the smallest
// gorilla takes as its reader (over 256 bytes; below, it allocates 4 KiB
// of its own), rounded up to the allocation size class.
const readBufferSize = 288

// idleWait is what the reader needs to park until the socket has data
// (wsConn.awaitMessage). The zero value (a
// TLS connection, a client that sent data with its upgrade request) waits
// for nothing and leaves the wait to gorilla.
type idleWait struct {
	br  *bufio.Reader   // gorilla's read buffer: data there needs no wait
	raw syscall.RawConn // the socket
}

// awaitMessage returns when a read would not block, the read deadline
// passed or the socket was closed; the read that follows reports the latter
// two. Pong frames (a client's answer to every keep-alive) are consumed
// here: handed to gorilla, the one read that handles them would go on to
// park deep inside it, waiting for the next message.
func (c *wsConn) awaitMessage() {
	w := c.idle
	if w.raw == nil {
		return
	}
	for {
		if w.br.Buffered() == 0 && w.raw.Read(peekReady) != nil {
			return
		}
		if !w.skipPong() {
			return
		}
		c.refreshReadDeadline() // what gorilla's pong handler (ours) would do
	}
}

// skipPong consumes a pong frame at the head of the buffer. Only a frame
// gorilla would accept as it is (final, no reserved bits, masked as a
// client's must be, a control payload of at most 125 bytes) is taken, and
// only between messages, where gorilla keeps no frame state; anything else
// is gorilla's to read, or to refuse.
func (w idleWait) skipPong() bool {
	h, err := w.br.Peek(2)
	if err != nil || h[0] != 0x80|websocket.PongMessage || h[1]&0x80 == 0 || h[1]&0x7f > 125 {
		return false
	}
	n := 2 + 4 + int(h[1]&0x7f) // header, mask, payload (ignored, as our pong handler does)
	if _, err := w.br.Peek(n); err != nil {
		return false
	}
	_, _ = w.br.Discard(n)
	return true
}

// hijackTap hands gorilla a read buffer of ours at the upgrade, so the
// reader can tell an empty buffer (wait on the socket) from a message
// already read from it.
type hijackTap struct {
	http.ResponseWriter
	idle idleWait
}

func (h *hijackTap) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		// Data sent ahead of the handshake stays in net/http's reader,
		// which gorilla then reads from; no idle wait.
		return conn, brw, err
	}
	br := bufio.NewReaderSize(conn, readBufferSize)
	h.idle = idleWait{br: br, raw: rawConn(conn)}
	if h.idle.raw == nil {
		h.idle = idleWait{}
	}
	return conn, bufio.NewReadWriter(br, brw.Writer), nil
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (h *hijackTap) Unwrap() http.ResponseWriter { return h.ResponseWriter }
