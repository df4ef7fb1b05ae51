package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirLockSecondOwnerRefused(t *testing.T) {
	dir := t.TempDir()
	l, err := acquireDirLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, lockFileName))
	if strings.TrimSpace(string(b)) != fmt.Sprint(os.Getpid()) {
		t.Fatalf("lock file holds %q", b)
	}

	_, err = acquireDirLock(dir)
	var inUse *errInUse
	if !errors.As(err, &inUse) || inUse.pid != os.Getpid() {
		t.Fatalf("second owner: %v", err)
	}
	want := fmt.Sprintf(`embedded database: data directory %s is in use by process %d; to share one database between several app processes, start it once with "npm run db" and give each process its MONGODB_URI`, dir, os.Getpid())
	if err.Error() != want {
		t.Fatalf("sentence:\n%s\nwant:\n%s", err, want)
	}

	// The CLI exits with 3 and that one sentence on stderr, at once.
	var stdout, stderr bytes.Buffer
	code := run([]string{"--data-dir", dir, "--port", "0"}, func(string) string { return "" }, nil, &stdout, &stderr)
	if code != exitLocked || stdout.Len() != 0 || stderr.String() != want+"\n" {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}

	l.Release()
	l2, err := acquireDirLock(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--port", "x"}, {"--port", "70000"}, {"--nope"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, func(string) string { return "" }, nil, &stdout, &stderr); code != exitUsage || stdout.Len() != 0 {
			t.Errorf("%v: exit %d stdout %q", args, code, stdout.String())
		}
	}
}

func TestSocketPathForLongDir(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	p, f, err := socketPathFor(long)
	if err != nil {
		t.Fatal(err)
	}
	if f != nil {
		defer f.Close()
	}
	if len(p) > maxSocketPath {
		t.Fatalf("socket path too long: %d", len(p))
	}
	short, fs, _ := socketPathFor(dir)
	if fs != nil || short != filepath.Join(dir, socketName) {
		t.Fatalf("short dir: %q", short)
	}
}

func TestFrontSocketPath(t *testing.T) {
	dir := t.TempDir()
	p, private, err := frontSocketPath(dir)
	if err != nil || p != filepath.Join(dir, frontSocketName) || private != "" {
		t.Fatalf("short dir: %q %q %v", p, private, err)
	}

	long := filepath.Join(dir, strings.Repeat("d", 60), strings.Repeat("e", 60))
	p, private, err = frontSocketPath(long)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(private)
	if len(p) > maxSocketPath || filepath.Dir(p) != private || !strings.HasPrefix(filepath.Base(private), privateDirPrefix) {
		t.Fatalf("long dir: %q in %q", p, private)
	}
	if st, err := os.Stat(private); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("private dir: %v %v", st, err)
	}
}

func TestSocketURI(t *testing.T) {
	for path, want := range map[string]string{
		"/tmp/d/embedded-db.sock":         "mongodb://%2Ftmp%2Fd%2Fembedded-db.sock/",
		"/tmp/a b:c@d%e/embedded-db.sock": "mongodb://%2Ftmp%2Fa%20b%3Ac%40d%25e%2Fembedded-db.sock/",
	} {
		if got := socketURI(path); got != want {
			t.Errorf("socketURI(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestTCPPort(t *testing.T) {
	for _, c := range []struct {
		flag, env string
		tcp       bool
		port      int
		ok        bool
	}{
		{"", "", false, 0, true},
		{"", "0", false, 0, true},
		{"", "27017", true, 27017, true},
		{"0", "", true, 0, true},
		{"0", "27017", true, 0, true},
		{"5000", "0", true, 5000, true},
		{"x", "", false, 0, false},
		{"", "70000", false, 70000, false},
	} {
		tcp, port, ok := tcpPort(c.flag, c.env)
		if tcp != c.tcp || port != c.port || ok != c.ok {
			t.Errorf("--port %q EMBEDDED_DB_PORT %q: %v %d %v", c.flag, c.env, tcp, port, ok)
		}
	}
}
