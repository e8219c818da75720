package zookeeper

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// ErrNoSession reports that the server did not accept the session id: it
// never existed or has already expired.
var ErrNoSession = errors.New("zookeeper: no such session")

// ExpireSession ends the session with the given id on this server, as if its
// client had closed it: its ephemeral znodes vanish at once and its client is
// told the session expired when it next talks to the server. The id is what
// (*zk.Conn).SessionID returns, or an ephemeral znode's Stat.EphemeralOwner,
// so a test can end the session of a leader it does not control.
func (s *Server) ExpireSession(ctx context.Context, sessionID int64) error {
	return ExpireSession(ctx, s.Addr(), sessionID)
}

// ExpireSession is Server.ExpireSession for a server at any address.
//
// It attaches a second connection to the session and closes the session
// from there (the recipe ZooKeeper's FAQ and Curator's KillSession use).
// Attaching needs the session password; go-zookeeper keeps it private, but
// the server derives it from the id (ZooKeeperServer.generatePasswd: a
// java.util.Random seeded with id ^ 0xB3415C00 fills 16 bytes), so the id is
// enough.
func ExpireSession(ctx context.Context, addr string, sessionID int64) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("zookeeper: expire session %#x: %w", sessionID, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)

	if err := attach(conn, sessionID); err != nil {
		return fmt.Errorf("zookeeper: expire session %#x: %w", sessionID, err)
	}
	// closeSession: request header {xid, type=-11}, no body.
	req := make([]byte, 12)
	binary.BigEndian.PutUint32(req[0:], 8)
	binary.BigEndian.PutUint32(req[4:], 1)
	binary.BigEndian.PutUint32(req[8:], opCloseSession)
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("zookeeper: close session %#x: %w", sessionID, err)
	}
	// Reply header {xid, zxid, err}; the server hangs up after it.
	if _, err := readFrame(conn); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("zookeeper: close session %#x: %w", sessionID, err)
	}
	return nil
}

// opCloseSession is ZooKeeper's closeSession opcode, -11, as its
// two's-complement wire form.
const opCloseSession = 0xFFFFFFF5

// attach performs the connect handshake for an existing session.
func attach(conn net.Conn, sessionID int64) error {
	passwd := sessionPassword(sessionID)
	// ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId,
	// passwd (length-prefixed), readOnly.
	body := make([]byte, 0, 45)
	body = binary.BigEndian.AppendUint32(body, 0)
	body = binary.BigEndian.AppendUint64(body, 0)
	body = binary.BigEndian.AppendUint32(body, 30000)
	body = binary.BigEndian.AppendUint64(body, uint64(sessionID))
	body = binary.BigEndian.AppendUint32(body, uint32(len(passwd)))
	body = append(body, passwd...)
	body = append(body, 0)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	if _, err := conn.Write(append(frame, body...)); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	resp, err := readFrame(conn)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return ErrNoSession
		}
		return fmt.Errorf("connect: %w", err)
	}
	// ConnectResponse: protocolVersion, timeOut, sessionId, passwd, readOnly.
	// A refused or expired session comes back with timeOut 0.
	if len(resp) < 16 {
		return fmt.Errorf("connect: short response (%d bytes)", len(resp))
	}
	timeout := int32(binary.BigEndian.Uint32(resp[4:]))
	gotID := int64(binary.BigEndian.Uint64(resp[8:]))
	if timeout <= 0 || gotID != sessionID {
		return ErrNoSession
	}
	return nil
}

func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 1<<20 {
		return nil, fmt.Errorf("frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// sessionPassword reproduces ZooKeeperServer.generatePasswd:
// new java.util.Random(id ^ superSecret).nextBytes(new byte[16]).
func sessionPassword(sessionID int64) []byte {
	const superSecret = 0xB3415C00
	r := newJavaRandom(sessionID ^ superSecret)
	p := make([]byte, 16)
	r.nextBytes(p)
	return p
}

// javaRandom is java.util.Random's 48-bit linear congruential generator.
type javaRandom struct{ seed int64 }

const (
	jrMultiplier = 0x5DEECE66D
	jrAddend     = 0xB
	jrMask       = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ jrMultiplier) & jrMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*jrMultiplier + jrAddend) & jrMask
	return int32(r.seed >> (48 - bits))
}

func (r *javaRandom) nextBytes(b []byte) {
	for i := 0; i < len(b); {
		rnd := r.next(32)
		for n := min(len(b)-i, 4); n > 0; n-- {
			b[i] = byte(rnd)
			i++
			rnd >>= 8
		}
	}
}
