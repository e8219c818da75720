//go:build !linux

package transport

import (
	"net"
	"syscall"
)

// rawConn: the idle wait is Linux-only; elsewhere gorilla waits.
func rawConn(net.Conn) syscall.RawConn { return nil }

func peekReady(uintptr) bool { return true }
