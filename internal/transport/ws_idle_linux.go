package transport

import (
	"errors"
	"net"
	"syscall"
)

func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil // TLS, or a wrapper: gorilla waits
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// peekReady reports whether a read on fd would not block, without reading:
// false makes RawConn.Read wait for readability and ask again.
func peekReady(fd uintptr) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return !errors.Is(err, syscall.EAGAIN) // anything else: the read tells
}
