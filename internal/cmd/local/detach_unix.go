//go:build unix

package local

import "syscall"

// detachedProcess puts the background process in a session of its own, so
// the terminal's Ctrl-C and hang-up do not reach it.
func detachedProcess() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
