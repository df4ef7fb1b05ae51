package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const lockFileName = "embedded-db.lock"

// errInUse is returned by acquireDirLock when another process owns the
// data directory.
type errInUse struct {
	dir string
	pid int // 0 when unknown
}

func (e *errInUse) Error() string {
	holder := "another process"
	if e.pid > 0 {
		holder = "process " + strconv.Itoa(e.pid)
	}
	return fmt.Sprintf("embedded database: data directory %s is in use by %s; "+
		"to share one database between several app processes, start it once with \"npm run db\" "+
		"and give each process its MONGODB_URI", e.dir, holder)
}

// dirLock is the exclusive ownership of one data directory: an flock on
// <data-dir>/embedded-db.lock, which holds the owner's pid.
type dirLock struct {
	f *os.File
}

// acquireDirLock takes the data directory's lock without waiting.
func acquireDirLock(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := 0
			if b, rerr := os.ReadFile(path); rerr == nil {
				pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			}
			return nil, &errInUse{dir: dir, pid: pid}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		_ = f.Sync()
	}
	return &dirLock{f: f}, nil
}

// Release gives the data directory up. The file stays (removing it would
// let two processes lock two different files).
func (l *dirLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}
