package transport

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
)

// The outbound queue. Most subscribers are idle most of the time, so a
// connection keeps no writer goroutine: send starts one when the queue goes
// from empty to non-empty, and it exits once the queue is drained. gorilla
// allows one writer at a time, and a single draining goroutine keeps frames
// in queue order.

// hardLimitFactor bounds the queue outright at this many times SendBuffer,
// so a burst cannot grow it without limit during the SendTimeout grace.
const hardLimitFactor = 16

// outFrame is a queued message; op is set for operation messages so the
// writer can drop them once the client has completed the operation.
type outFrame struct {
	data []byte
	op   *operation
	ping bool // a keep-alive: the protocol's message plus a ping frame
}

// send queues a frame without blocking; it reports false if the connection
// is ending. A queue longer than SendBuffer is a client falling behind: if
// it is still that long SendTimeout later, or grows past the hard limit, the
// connection closes with CloseSlowConsumer so it cannot hold up the
// operations (or the shared executions) feeding it.
func (c *wsConn) send(op *operation, data []byte) bool {
	return c.enqueue(outFrame{data: data, op: op})
}

func (c *wsConn) enqueue(f outFrame) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosing() {
		return false
	}
	c.queue = append(c.queue, f)
	if n := len(c.queue); n > c.t.SendBuffer {
		if n > hardLimitFactor*c.t.SendBuffer {
			c.slowConsumer(n)
			return false
		}
		if c.overflow == nil {
			c.overflow = time.AfterFunc(c.t.SendTimeout, c.checkBacklog)
		}
	}
	c.startWriter()
	return true
}

// checkBacklog runs SendTimeout after the queue first overflowed.
func (c *wsConn) checkBacklog() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.overflow = nil
	if n := len(c.queue); n > c.t.SendBuffer && !c.isClosing() {
		c.slowConsumer(n)
	}
}

// slowConsumer closes the connection; c.wmu is held.
func (c *wsConn) slowConsumer(queued int) {
	c.t.Logger.WarnContext(c.base, "websocket client too slow; closing", "remote", c.remote, "queued", queued)
	c.closeLocked(CloseSlowConsumer, reasonSlowConsumer, false)
}

// startWriter starts the writer unless one runs; c.wmu is held.
func (c *wsConn) startWriter() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// writeLoop writes queued frames until the queue is empty, or finishes the
// connection once it is closing.
func (c *wsConn) writeLoop() {
	var batch []outFrame
	for {
		c.wmu.Lock()
		if c.isClosing() {
			// A pending close wins over queued frames, so a slow client
			// is cut off instead of being fed its backlog first.
			batch, c.queue = c.queue, nil
			c.wmu.Unlock()
			c.finish(batch)
			return
		}
		if len(c.queue) == 0 {
			c.writing = false
			c.wmu.Unlock()
			return
		}
		batch, c.queue = c.queue, batch[:0]
		c.wmu.Unlock()
		for i, f := range batch {
			if err := c.write(f, time.Now().Add(c.t.WriteTimeout)); err != nil {
				c.t.Logger.DebugContext(c.base, "websocket write failed", "remote", c.remote, "err", err)
				c.close(0, "", false)
				_ = c.ws.Close() // unblocks the reader
				c.wmu.Lock()
				c.writing = false
				c.wmu.Unlock()
				close(c.writerDone)
				return
			}
			batch[i] = outFrame{} // release the frame
		}
	}
}

func (c *wsConn) write(f outFrame, deadline time.Time) error {
	if f.ping {
		return c.keepAlive(deadline)
	}
	if f.op != nil && f.op.stopped.Load() {
		return nil // the client completed this operation: nothing more for it
	}
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return fmt.Errorf("set write deadline: %w", err)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	return nil
}

// tickKeepAlive queues a keep-alive and arms the next one. It skips the
// queue limits: a keep-alive never makes a client slow.
func (c *wsConn) tickKeepAlive() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosing() {
		return
	}
	c.queue = append(c.queue, outFrame{ping: true})
	c.startWriter()
	c.keepAliveTimer.Reset(c.t.KeepAlive)
}

// keepAlive sends the protocol's keep-alive message and a websocket ping
// frame; browsers answer the frame themselves, so even clients that ignore
// protocol pings keep the read deadline fresh.
func (c *wsConn) keepAlive(deadline time.Time) error {
	if c.dialect != nil && c.acked.Load() {
		if err := c.write(outFrame{data: c.dialect.keepAlive}, deadline); err != nil {
			return err
		}
	}
	if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
		return fmt.Errorf("write ping: %w", err)
	}
	return nil
}

// finish writes what close asked for: the queued frames when flushing, then
// the close frame, then gives the client closeGrace to answer.
func (c *wsConn) finish(queued []outFrame) {
	defer close(c.writerDone)
	if c.closeCode == 0 {
		return
	}
	// One deadline covers the flush and the close frame, so a client that
	// stopped reading cannot stretch the end of the connection.
	deadline := time.Now().Add(c.t.WriteTimeout)
	if c.closeFlush {
		for _, f := range queued {
			if f.ping {
				continue
			}
			if c.write(f, deadline) != nil {
				break
			}
		}
	}
	msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
	if err := c.ws.WriteControl(websocket.CloseMessage, msg, deadline); err != nil {
		_ = c.ws.Close()
		return
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(closeGrace))
}
