package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

const (
	// frontSocketName is the front's Unix socket, where clients of this
	// user connect.
	frontSocketName = "embedded-db.sock"
	// privateDirPrefix names the directory made for the front's socket
	// when the data directory's path is too long for a socket address.
	privateDirPrefix = "vc-embedded-db-"
)

// frontSocketPath returns where the front's socket goes: inside dataDir
// (0700) when the path fits a socket address, else inside a new private
// directory (mode 0700, random name, like mkdtemp) under the system temp
// directory, whose path is returned as privateDir (removed on stop).
// A relative or /proc/self/fd path would not do here, unlike for
// FerretDB's socket: other processes must reach this one.
func frontSocketPath(dataDir string) (path, privateDir string, err error) {
	path = filepath.Join(dataDir, frontSocketName)
	if len(path) <= maxSocketPath {
		return path, "", nil
	}
	// os.MkdirTemp appends at most 10 digits to the prefix.
	longest := func(base string) int {
		return len(filepath.Join(base, privateDirPrefix+"0123456789", frontSocketName))
	}
	var tried []string
	for _, base := range []string{os.TempDir(), "/tmp"} {
		if longest(base) > maxSocketPath {
			tried = append(tried, base+" (too long)")
			continue
		}
		dir, err := os.MkdirTemp(base, privateDirPrefix)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s (%v)", base, err))
			continue
		}
		// MkdirTemp creates it 0700 minus the umask; never looser.
		if err := os.Chmod(dir, 0o700); err != nil {
			_ = os.Remove(dir)
			return "", "", err
		}
		return filepath.Join(dir, frontSocketName), dir, nil
	}
	return "", "", fmt.Errorf("the data directory's path is too long for a socket address (%d bytes, at most %d) and no private directory could be made in %s",
		len(path), maxSocketPath, strings.Join(tried, ", "))
}

// removeStalePrivateDir removes the private socket directory a previous
// owner recorded and could not remove (it was killed): the stale socket
// in it, then the directory if it is empty. Anything else is left alone.
func removeStalePrivateDir(dir string) {
	if dir == "" || !strings.HasPrefix(filepath.Base(dir), privateDirPrefix) {
		return
	}
	_ = os.Remove(filepath.Join(dir, frontSocketName))
	_ = os.Remove(dir)
}

// listenUnix listens on a Unix socket that only this user may connect to.
func listenUnix(path string) (net.Listener, error) {
	// We own the data directory (flock), so a socket file left there is stale.
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, err
	}
	return ln, nil
}

// multiListener accepts from several listeners as one (the front serves
// its Unix socket and, when asked, a TCP port, under one write lock).
type multiListener struct {
	lns      []net.Listener
	accepted chan acceptResult
	closed   chan struct{}
	once     sync.Once
}

type acceptResult struct {
	conn net.Conn
	err  error
}

func newMultiListener(lns ...net.Listener) *multiListener {
	m := &multiListener{lns: lns, accepted: make(chan acceptResult), closed: make(chan struct{})}
	for _, ln := range lns {
		go m.acceptLoop(ln)
	}
	return m
}

func (m *multiListener) acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		select {
		case m.accepted <- acceptResult{c, err}:
		case <-m.closed:
			if c != nil {
				_ = c.Close()
			}
			return
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
	}
}

// Accept returns the next client of any listener; a temporary error of
// one listener is passed on (the front backs off) and that listener keeps
// accepting.
func (m *multiListener) Accept() (net.Conn, error) {
	select {
	case r := <-m.accepted:
		return r.conn, r.err
	case <-m.closed:
		return nil, net.ErrClosed
	}
}

// Close closes every listener (a Unix listener removes its socket file).
func (m *multiListener) Close() error {
	m.once.Do(func() {
		close(m.closed)
		for _, ln := range m.lns {
			_ = ln.Close()
		}
	})
	return nil
}

// Addr is the first listener's address.
func (m *multiListener) Addr() net.Addr {
	return m.lns[0].Addr()
}
