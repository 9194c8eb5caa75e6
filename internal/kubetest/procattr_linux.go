package kubetest

import "syscall"

// procAttr makes the kernel kill the child when the test binary's thread
// that started it dies, so that a test killed by its timeout leaves no
// etcd or kube-apiserver behind (t.Cleanup does not run then).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
