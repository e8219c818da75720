package transport

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
)

// writeLoop is the connection's only writer of data frames: gorilla allows
// one concurrent writer, and a single goroutine keeps frames in queue order.
func (c *wsConn) writeLoop() {
	defer close(c.writerDone)
	var tick <-chan time.Time
	if c.t.KeepAlive > 0 {
		ticker := time.NewTicker(c.t.KeepAlive)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		// A pending close wins over queued frames, so a slow client is cut
		// off instead of being fed its backlog first.
		if c.isClosing() {
			c.finish()
			return
		}
		var err error
		select {
		case f := <-c.out:
			err = c.write(f, time.Now().Add(c.t.WriteTimeout))
		case <-tick:
			err = c.keepAlive()
		case <-c.closing:
			continue
		}
		if err != nil {
			c.t.Logger.DebugContext(c.base, "websocket write failed", "remote", c.req.RemoteAddr, "err", err)
			c.close(0, "", false)
			_ = c.ws.Close() // unblocks the reader
			return
		}
	}
}

func (c *wsConn) write(f outFrame, deadline time.Time) error {
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

// keepAlive sends the protocol's keep-alive message and a websocket ping
// frame; browsers answer the frame themselves, so even clients that ignore
// protocol pings keep the read deadline fresh.
func (c *wsConn) keepAlive() error {
	if c.dialect != nil && c.acked.Load() {
		if err := c.write(outFrame{data: c.dialect.keepAlive}, time.Now().Add(c.t.WriteTimeout)); err != nil {
			return err
		}
	}
	if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.t.WriteTimeout)); err != nil {
		return fmt.Errorf("write ping: %w", err)
	}
	return nil
}

// finish writes what close asked for: the queued frames when flushing, then
// the close frame, then gives the client closeGrace to answer.
func (c *wsConn) finish() {
	if c.closeCode == 0 {
		return
	}
	// One deadline covers the flush and the close frame, so a client that
	// stopped reading cannot stretch the end of the connection.
	deadline := time.Now().Add(c.t.WriteTimeout)
	if c.closeFlush {
		for drained := false; !drained; {
			select {
			case f := <-c.out:
				if c.write(f, deadline) != nil {
					drained = true
				}
			default:
				drained = true
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
