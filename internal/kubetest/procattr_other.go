//go:build !linux

package kubetest

import "syscall"

// procAttr is nil off Linux: no parent-death signal there, so a test
// killed by its timeout may leave its children running.
func procAttr() *syscall.SysProcAttr { return nil }
