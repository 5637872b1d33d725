//go:build !linux

package main

import "syscall"

// stopWithParent: only Linux can tie a child's life to its parent's; elsewhere the demo
// stops its servers itself, and Ctrl-C reaches them too.
func stopWithParent() *syscall.SysProcAttr { return nil }
