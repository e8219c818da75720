//go:build !linux

package zookeeper

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
