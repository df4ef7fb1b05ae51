// Command embedded-db runs the Video Call API's embedded database: FerretDB
// (SQLite backend) on a Unix socket inside the data directory, behind a thin
// MongoDB-wire front on 127.0.0.1 that makes every write command atomic and
// refuses the query shapes FerretDB v1 would answer wrongly.
//
// Usage:
//
//	embedded-db [--data-dir DIR] [--port N] [--exit-on-stdin-close]
//
// When ready it prints exactly one line to stdout:
//
//	MONGODB_URI=mongodb://127.0.0.1:<port>/
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
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	logger := log.New(stderr, "embedded-db: ", 0)

	fs := flag.NewFlagSet("embedded-db", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "data directory (default: $DATA_DIR, else ./.data)")
	portFlag := fs.String("port", "", "TCP port on 127.0.0.1 (default: $EMBEDDED_DB_PORT, else 0 = a free port)")
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
	portStr := *portFlag
	if portStr == "" {
		portStr = getenv("EMBEDDED_DB_PORT")
	}
	port := 0
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 0 || p > 65535 {
			logger.Printf("invalid port %q (expected 0-65535)", portStr)
			return exitUsage
		}
		port = p
	}

	// Catch signals before starting so an early SIGTERM is a clean stop.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	srv, err := startServer(serverConfig{
		dataDir: *dataDir, port: port, logger: logger, logOut: stderr,
		noIDIndex: !idIndexEnabled(getenv("EMBEDDED_DB_ID_INDEX")),
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

	if _, err := fmt.Fprintf(stdout, "MONGODB_URI=%s\n", srv.URI()); err != nil {
		logger.Printf("cannot write to stdout: %v", err)
	}
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	logger.Printf("serving %s from %s", srv.URI(), srv.dataDir)

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

// trimPrefix drops the "embedded database: " sentence prefix, since the
// logger adds its own.
func trimPrefix(s string) string {
	const p = "embedded database: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
