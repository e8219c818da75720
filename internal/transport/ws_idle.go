package transport

import (
	"bufio"
	"net"
	"net/http"
	"syscall"
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

// idleWait parks the reader until the socket has data. The zero value (a
// TLS connection, a client that sent data with its upgrade request) waits
// for nothing and leaves the wait to gorilla.
type idleWait struct {
	br  *bufio.Reader   // gorilla's read buffer: data there needs no wait
	raw syscall.RawConn // the socket
}

// await returns when a read would not block, the read deadline passed or
// the socket was closed; the read that follows reports the latter two.
func (w idleWait) await() {
	if w.raw == nil || w.br.Buffered() > 0 {
		return
	}
	_ = w.raw.Read(peekReady)
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
