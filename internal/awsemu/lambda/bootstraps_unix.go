//go:build unix

package lambda

import (
	"os"
	"path/filepath"
	"syscall"
)

// claimDir marks dir as this process's for as long as it lives: it holds
// flock(2) on dir/lock, which the kernel lets go of when the process
// ends, however it ends. The returned func lets go sooner.
func claimDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// sweepAbandoned removes the directories of processes that ended without
// closing their emulators (a command that exits right after Server.Close,
// which does not wait): a directory whose lock nobody holds. Directories
// without a lock (still being made, or of older versions) are left alone.
func sweepAbandoned() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), rootPattern))
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "lock")); err != nil {
			continue
		}
		if release, err := claimDir(dir); err == nil {
			_ = os.RemoveAll(dir)
			release()
		}
	}
}
