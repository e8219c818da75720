package tunnel

import (
	"context"
	"io"
	"net"
	"testing"
)

// BenchmarkEcho sends 64 KiB through one connection and reads it back,
// through an agent tunnel and directly, to show what the tunnel costs.
func BenchmarkEcho(b *testing.B) {
	r := newRig(b)
	r.agent(b, "k1")
	eventually(b, "the tunnel", func() bool { return r.srv.Connected("cls_1") })
	payload := make([]byte, 64<<10)
	run := func(b *testing.B, dial func() (net.Conn, error)) {
		c, err := dial()
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, len(payload))
		b.SetBytes(int64(len(payload)))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			go func() { _, _ = c.Write(payload) }()
			if _, err := io.ReadFull(c, buf); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("tunnel", func(b *testing.B) {
		run(b, func() (net.Conn, error) { return r.srv.Dial("cls_1")(context.Background(), "tcp", allowed) })
	})
	b.Run("direct", func(b *testing.B) {
		run(b, func() (net.Conn, error) { return net.Dial("tcp", r.echo) })
	})
}
