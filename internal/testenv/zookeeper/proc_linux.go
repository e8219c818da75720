package zookeeper

import "syscall"

// sysProcAttr asks the kernel to kill the JVM if the test process dies
// without cleaning up, so that no ZooKeeper outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
