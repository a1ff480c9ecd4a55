//go:build !unix

package local

import "syscall"

// detachedProcess: outside Unix the background process keeps the defaults.
func detachedProcess() *syscall.SysProcAttr { return nil }
