package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinarySignalsAndExitCodes builds the program and checks the process
// contract: the stdout line, exit 3 for a second owner, exit 1 for a taken
// port, exit 0 within 10 s of SIGTERM.
func TestBinarySignalsAndExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts FerretDB")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "embedded-db")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "data")

	first := exec.Command(bin, "--data-dir", dir, "--port", "0")
	first.Env = append(os.Environ(), "EMBEDDED_DB_PORT=", "DATA_DIR=")
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	stdout, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "MONGODB_URI=mongodb://127.0.0.1:") {
		t.Fatalf("stdout %q %v\n%s", line, err, firstErr.String())
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "MONGODB_URI=mongodb://"), "/")
	if err := pingOnce(addr); err != nil {
		t.Fatal(err)
	}
	port := addr[strings.LastIndex(addr, ":")+1:]

	exitCode := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), so.String(), se.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, so.String(), se.String()
	}

	code, so, se := exitCode("--data-dir", dir, "--port", "0")
	want := fmt.Sprintf("embedded database: data directory %s is in use by process %d; to share one database between several app processes, start it once with \"npm run db\" and give each process its MONGODB_URI\n", dir, first.Process.Pid)
	if code != 3 || so != "" || se != want {
		t.Fatalf("second owner: exit %d stdout %q stderr %q", code, so, se)
	}

	code, so, se = exitCode("--data-dir", filepath.Join(tmp, "other"), "--port", port)
	if code != 1 || so != "" || !strings.Contains(se, "port "+port+" on 127.0.0.1 is already in use") {
		t.Fatalf("taken port: exit %d stdout %q stderr %q", code, so, se)
	}

	start := time.Now()
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v\n%s", err, firstErr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10 s of SIGTERM")
	}
	t.Logf("SIGTERM to exit: %v", time.Since(start))
}
