//go:build unix

package testapp

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on the file path (made if missing),
// waiting while another process, or another open of it in this one, holds
// it; unlock releases it. A process that dies releases its locks.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}
