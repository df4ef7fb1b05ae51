// Command embedded-db runs the Video Call API's embedded database: FerretDB
// (SQLite backend) on a Unix socket inside the data directory, behind a thin
// MongoDB-wire front that makes every write command atomic and refuses the
// query shapes FerretDB v1 would answer wrongly. The front serves a Unix
// socket only this user can reach (<data-dir>/embedded-db.sock), and
// 127.0.0.1 only when asked for (--port, EMBEDDED_DB_PORT).
//
// Usage:
//
//	embedded-db [--data-dir DIR] [--port N] [--exit-on-stdin-close]
//
// When ready it records its address in <data-dir>/embedded-db.json (0600)
// and prints exactly one line to stdout, the TCP address when it has one:
//
//	MONGODB_URI=mongodb://127.0.0.1:<port>/
//	MONGODB_URI=mongodb://%2F<socket path, percent-encoded>/
//
// Exit codes: 0 after SIGTERM/SIGINT (or stdin EOF with
// --exit-on-stdin-close), 1 start-up failure (port taken, FerretDB failed),
// 2 bad usage, 3 data directory in use by another process.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

const (
	exitOK     = 0
	exitFail   = 1
	exitUsage  = 2
	exitLocked = 3
)

func main() {
	// Files FerretDB creates (SQLite databases, the socket) are for this
	// user only.
	syscall.Umask(0o077)
	// When the parent dies, stdin closes (--exit-on-stdin-close) and so do the pipes of stdout and
	// stderr: the shutdown's log lines must fail quietly, not kill the program with SIGPIPE before
	// it has removed its socket and address file.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	logger := log.New(stderr, "embedded-db: ", 0)

	fs := flag.NewFlagSet("embedded-db", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "data directory (default: $DATA_DIR, else ./.data)")
	portFlag := fs.String("port", "", "also serve TCP on 127.0.0.1:N, 0 = a free port (default: $EMBEDDED_DB_PORT unless 0; else no TCP listener)")
	exitOnStdinClose := fs.Bool("exit-on-stdin-close", false, "shut down when stdin reaches EOF")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		logger.Printf("unexpected argument %q", fs.Arg(0))
		return exitUsage
	}

	if *dataDir == "" {
		*dataDir = getenv("DATA_DIR")
	}
	if *dataDir == "" {
		*dataDir = ".data"
	}
	tcp, port, ok := tcpPort(*portFlag, getenv("EMBEDDED_DB_PORT"))
	if !ok {
		logger.Printf("invalid port (expected 0-65535): --port %q, EMBEDDED_DB_PORT %q", *portFlag, getenv("EMBEDDED_DB_PORT"))
		return exitUsage
	}

	// Catch signals before starting so an early SIGTERM is a clean stop.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	srv, err := startServer(serverConfig{
		dataDir: *dataDir, tcp: tcp, port: port, logger: logger, logOut: stderr,
		noIDIndex: !switchedOn(getenv("EMBEDDED_DB_ID_INDEX")),
		noIDIn:    !switchedOn(getenv("EMBEDDED_DB_ID_IN")),
	})
	if err != nil {
		var inUse *errInUse
		if errors.As(err, &inUse) {
			fmt.Fprintln(stderr, err.Error())
			return exitLocked
		}
		var portErr *errPortInUse
		if errors.As(err, &portErr) {
			fmt.Fprintln(stderr, err.Error())
			return exitFail
		}
		logger.Print(trimPrefix(err.Error()))
		return exitFail
	}

	stdinClosed := make(chan struct{})
	if *exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, stdin)
			close(stdinClosed)
		}()
	}

	uri := srv.URI()
	if tcp := srv.TCPURI(); tcp != "" {
		uri = tcp
	}
	if _, err := fmt.Fprintf(stdout, "MONGODB_URI=%s\n", uri); err != nil {
		logger.Printf("cannot write to stdout: %v", err)
	}
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	if tcp := srv.TCPURI(); tcp != "" {
		logger.Printf("serving %s and %s from %s", srv.URI(), tcp, srv.dataDir)
	} else {
		logger.Printf("serving %s from %s", srv.URI(), srv.dataDir)
	}

	select {
	case s := <-sigs:
		logger.Printf("%v: shutting down", s)
	case <-stdinClosed:
		logger.Printf("stdin closed: shutting down")
	}
	srv.Stop()
	logger.Printf("stopped")
	return exitOK
}

// tcpPort decides the TCP listener: --port N asks for 127.0.0.1:N (0 = a
// free port); without the flag, EMBEDDED_DB_PORT asks for one unless it is
// empty or 0. ok is false for a value that is not a port.
func tcpPort(flagValue, envValue string) (tcp bool, port int, ok bool) {
	parse := func(v string) (int, bool) {
		p, err := strconv.Atoi(v)
		return p, err == nil && p >= 0 && p <= 65535
	}
	if flagValue != "" {
		port, ok = parse(flagValue)
		return ok, port, ok
	}
	if envValue == "" {
		return false, 0, true
	}
	port, ok = parse(envValue)
	return ok && port != 0, port, ok
}

// trimPrefix drops the "embedded database: " sentence prefix, since the
// logger adds its own.
func trimPrefix(s string) string {
	const p = "embedded database: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// switchedOn reads an on/off environment switch (EMBEDDED_DB_ID_INDEX,
// EMBEDDED_DB_ID_IN): "off" (or 0/false/no) switches the feature off;
// anything else, or unset, leaves it on.
func switchedOn(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "off", "0", "false", "no":
		return false
	}
	return true
}
