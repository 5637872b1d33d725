package main

import "syscall"

// stopWithParent has the kernel send SIGTERM to a server when the demo dies without
// stopping it (killed, or its output pipe closed), so that nothing is left running.
func stopWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
