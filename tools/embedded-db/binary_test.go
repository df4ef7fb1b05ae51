package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinarySignalsAndExitCodes builds the program and checks the process
// contract: the stdout line (the socket, or TCP when asked for), nothing
// listening on TCP unless asked for, exit 3 for a second owner, exit 1 for
// a taken port, exit 0 within 10 s of SIGTERM.
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

	start := func(args ...string) (*exec.Cmd, string, *bytes.Buffer) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "EMBEDDED_DB_PORT=", "DATA_DIR=")
		stderr := &bytes.Buffer{}
		cmd.Stderr = stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatalf("stdout %q %v\n%s", line, err, stderr.String())
		}
		return cmd, strings.TrimSpace(line), stderr
	}

	// Without --port or EMBEDDED_DB_PORT: the socket only.
	first, line, firstErr := start("--data-dir", dir)
	sock := filepath.Join(dir, frontSocketName)
	if line != "MONGODB_URI="+socketURI(sock) {
		t.Fatalf("stdout %q, want the socket %s", line, sock)
	}
	if err := pingOnce("unix", sock); err != nil {
		t.Fatal(err)
	}
	if ports := listeningTCPPorts(t, first.Process.Pid); len(ports) != 0 {
		t.Fatalf("listening on TCP ports %v without being asked", ports)
	}
	a, ok := readAddressFile(dir)
	if !ok || a.PID != first.Process.Pid || a.Socket != sock || a.TCPURI != "" {
		t.Fatalf("address file %+v %v", a, ok)
	}

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

	// With --port 0: TCP on a free port as well, and that is the line.
	withTCP, line, _ := start("--data-dir", filepath.Join(tmp, "tcp"), "--port", "0")
	if !strings.HasPrefix(line, "MONGODB_URI=mongodb://127.0.0.1:") {
		t.Fatalf("stdout %q, want a TCP address", line)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(line, "MONGODB_URI=mongodb://"), "/")
	if err := pingOnce("tcp", addr); err != nil {
		t.Fatal(err)
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	if ports := listeningTCPPorts(t, withTCP.Process.Pid); fmt.Sprint(ports) != "["+port+"]" {
		t.Fatalf("listening on %v, want [%s]", ports, port)
	}

	code, so, se = exitCode("--data-dir", filepath.Join(tmp, "other"), "--port", port)
	if code != 1 || so != "" || !strings.Contains(se, "port "+port+" on 127.0.0.1 is already in use") {
		t.Fatalf("taken port: exit %d stdout %q stderr %q", code, so, se)
	}

	for _, cmd := range []*exec.Cmd{first, withTCP} {
		began := time.Now()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("after SIGTERM: %v\n%s", err, firstErr.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no exit within 10 s of SIGTERM")
		}
		t.Logf("SIGTERM to exit: %v", time.Since(began))
	}
	// A parent that dies closes stdin and the output pipes: a clean stop all the same.
	orphanDir := filepath.Join(tmp, "orphan")
	orphan := exec.Command(bin, "--data-dir", orphanDir, "--exit-on-stdin-close")
	orphan.Env = append(os.Environ(), "EMBEDDED_DB_PORT=", "DATA_DIR=")
	stdin, _ := orphan.StdinPipe()
	orphanOut, _ := orphan.StdoutPipe()
	orphanErr, _ := orphan.StderrPipe()
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = orphan.Process.Kill() })
	if line, err := bufio.NewReader(orphanOut).ReadString('\n'); err != nil {
		t.Fatalf("orphan: %q %v", line, err)
	}
	_ = orphanOut.Close()
	_ = orphanErr.Close()
	_ = stdin.Close()
	if err := orphan.Wait(); err != nil {
		t.Fatalf("orphan: %v", err)
	}
	if _, ok := readAddressFile(orphanDir); ok {
		t.Fatal("orphan left its address file")
	}

	// A clean stop leaves neither the socket nor the address behind.
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket after stop: %v", err)
	}
	if _, ok := readAddressFile(dir); ok {
		t.Fatal("address file left after stop")
	}
}

// listeningTCPPorts lists the TCP ports a process listens on (Linux: its
// socket inodes matched against /proc/net/tcp and tcp6).
func listeningTCPPorts(t *testing.T, pid int) []string {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var ports []string
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, row := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(row)
			// local_address is HEX_IP:HEX_PORT; st 0A is LISTEN; field 9 the inode.
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] {
				continue
			}
			hexPort := f[1][strings.LastIndex(f[1], ":")+1:]
			var p int
			_, _ = fmt.Sscanf(hexPort, "%X", &p)
			ports = append(ports, strconv.Itoa(p))
		}
	}
	return ports
}
