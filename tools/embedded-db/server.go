package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

const (
	socketName = "ferretdb.sock"
	// maxSocketPath keeps a Unix socket path under sun_path's 108 bytes
	// (NUL included) on Linux and 104 on macOS.
	maxSocketPath = 100
)

// serverConfig is what startServer needs.
type serverConfig struct {
	dataDir string
	// tcp adds a listener on 127.0.0.1:port (0 = a free port) beside the
	// Unix socket; without it nothing listens on TCP.
	tcp    bool
	port   int
	logger *log.Logger // front's log; lines go to stderr with the "embedded-db: " prefix
	logOut io.Writer   // FerretDB's own log output (warn level and above)
	// noIDIndex switches the _id lookup index off (EMBEDDED_DB_ID_INDEX=off).
	noIDIndex bool
	// noIDIn forwards find { _id: { $in } } unchanged instead of answering
	// it by _id lookups (EMBEDDED_DB_ID_IN=off).
	noIDIn bool
}

// server is one running embedded database: data-dir lock, FerretDB on a
// Unix socket, and the front on its own Unix socket (and on 127.0.0.1
// when asked).
type server struct {
	dataDir  string
	lock     *dirLock
	dirFile  *os.File // keeps /proc/self/fd/N valid when the socket uses it
	sockPath string   // FerretDB's socket
	cancel   context.CancelFunc
	runDone  chan struct{}
	front    *Front
	frontLn  net.Listener // every listener of the front
	idIndex  *idIndexer   // nil when switched off

	frontSock  string // the front's Unix socket
	privateDir string // made for frontSock when dataDir is too long; removed on stop
	tcpLn      net.Listener
	port       int  // the TCP port, 0 without a TCP listener
	published  bool // the address file is written

	stopOnce sync.Once
}

// errPortInUse reports that the front's port is taken.
type errPortInUse struct {
	port int
	err  error
}

func (e *errPortInUse) Error() string {
	return fmt.Sprintf("embedded database: port %d on 127.0.0.1 is already in use; stop what uses it or choose another with --port or EMBEDDED_DB_PORT", e.port)
}

// prefixWriter prefixes every write (one log record each) with a prefix.
type prefixWriter struct {
	mu     sync.Mutex
	prefix []byte
	w      io.Writer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := make([]byte, 0, len(p.prefix)+len(b))
	line = append(append(line, p.prefix...), b...)
	if _, err := p.w.Write(line); err != nil {
		return 0, err
	}
	return len(b), nil
}

// prepareDataDir creates dir (and dir/sqlite) with mode 0700 and returns its
// absolute path.
func prepareDataDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(abs, "sqlite"), 0o700); err != nil {
		return "", err
	}
	return abs, nil
}

// socketPathFor returns a path for FerretDB's Unix socket inside dir that
// fits sun_path. A long dir is reached through /proc/self/fd/N of an open
// directory handle (returned, to keep open), or else by changing into dir
// and using a relative path.
func socketPathFor(dir string) (string, *os.File, error) {
	abs := filepath.Join(dir, socketName)
	if len(abs) <= maxSocketPath {
		return abs, nil, nil
	}
	if d, err := os.Open(dir); err == nil {
		p := "/proc/self/fd/" + strconv.Itoa(int(d.Fd())) + "/" + socketName
		if st, err := os.Stat(filepath.Dir(p)); err == nil && st.IsDir() && os.SameFile(st, mustStat(dir)) {
			return p, d, nil
		}
		_ = d.Close()
	}
	if err := os.Chdir(dir); err != nil {
		return "", nil, err
	}
	return socketName, nil, nil
}

func mustStat(p string) os.FileInfo {
	st, err := os.Stat(p)
	if err != nil {
		return nil
	}
	return st
}

// startServer brings the embedded database up and returns once the front
// answers a ping with FerretDB behind it.
func startServer(cfg serverConfig) (s *server, err error) {
	if cfg.logger == nil {
		cfg.logger = log.New(os.Stderr, "embedded-db: ", 0)
	}
	if cfg.logOut == nil {
		cfg.logOut = os.Stderr
	}

	abs, err := prepareDataDir(cfg.dataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded database: cannot prepare data directory %s: %w", cfg.dataDir, err)
	}
	s = &server{dataDir: abs}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()

	if s.lock, err = acquireDirLock(abs); err != nil {
		return s, err
	}

	// A previous owner that was killed may have left its private socket
	// directory behind; its address file says where.
	if prev, ok := readAddressFile(abs); ok {
		removeStalePrivateDir(prev.PrivateDir)
	}
	removeAddressFile(abs)

	s.frontSock, s.privateDir, err = frontSocketPath(abs)
	if err != nil {
		return s, fmt.Errorf("embedded database: cannot place the socket for clients: %w", err)
	}
	unixLn, err := listenUnix(s.frontSock)
	if err != nil {
		return s, fmt.Errorf("embedded database: cannot listen on %s: %w", s.frontSock, err)
	}
	listeners := []net.Listener{unixLn}
	if cfg.tcp {
		s.tcpLn, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.port)))
		if err != nil {
			_ = unixLn.Close()
			if errors.Is(err, syscall.EADDRINUSE) {
				return s, &errPortInUse{port: cfg.port, err: err}
			}
			return s, fmt.Errorf("embedded database: cannot listen on 127.0.0.1:%d: %w", cfg.port, err)
		}
		s.port = s.tcpLn.Addr().(*net.TCPAddr).Port
		listeners = append(listeners, s.tcpLn)
	}
	s.frontLn = newMultiListener(listeners...)

	s.sockPath, s.dirFile, err = socketPathFor(abs)
	if err != nil {
		return s, fmt.Errorf("embedded database: cannot place the database socket in %s: %w", abs, err)
	}
	// We own the directory (flock), so a socket file left there is stale.
	_ = os.Remove(s.sockPath)

	// Before FerretDB starts (nothing else touches the files yet): give
	// every existing collection its _id lookup index (see idindex.go).
	if !cfg.noIDIndex {
		s.idIndex = newIDIndexer(filepath.Join(abs, "sqlite"), cfg.logger)
		s.idIndex.ensureAll()
	}

	sqliteURL := (&url.URL{Scheme: "file", Path: filepath.Join(abs, "sqlite") + "/", OmitHost: true}).String()
	fdbLogger := slog.New(slog.NewTextHandler(
		&prefixWriter{prefix: []byte("embedded-db: ferretdb: "), w: cfg.logOut},
		&slog.HandlerOptions{Level: slog.LevelWarn},
	))
	// Telemetry: the embedded package never starts the reporter and marks
	// telemetry disabled and locked; it has no debug HTTP listener.
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: s.sockPath},
		Logger:    fdbLogger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return s, fmt.Errorf("embedded database: cannot start FerretDB: %w", err)
	}
	_ = os.Chmod(s.sockPath, 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.runDone = make(chan struct{})
	go func() {
		defer close(s.runDone)
		if err := fdb.Run(ctx); err != nil {
			cfg.logger.Printf("FerretDB stopped: %v", err)
		}
	}()

	sock := s.sockPath
	s.front = NewFront(s.frontLn, func() (net.Conn, error) {
		return net.DialTimeout("unix", sock, 5*time.Second)
	}, cfg.logger)
	if s.idIndex != nil {
		s.front.hook = s.idIndex
	}
	s.front.noIDIn = cfg.noIDIn
	go s.front.Serve()

	if err = waitForPing("unix", s.frontSock, 30*time.Second); err != nil {
		return s, fmt.Errorf("embedded database: FerretDB did not answer through the front: %w", err)
	}
	if s.tcpLn != nil {
		if err = waitForPing("tcp", s.tcpLn.Addr().String(), 5*time.Second); err != nil {
			return s, fmt.Errorf("embedded database: FerretDB did not answer through 127.0.0.1:%d: %w", s.port, err)
		}
	}
	err = writeAddressFile(abs, address{
		PID: os.Getpid(), Socket: s.frontSock, URI: s.URI(), TCPURI: s.TCPURI(), PrivateDir: s.privateDir,
	})
	if err != nil {
		return s, fmt.Errorf("embedded database: cannot record its address in %s: %w", abs, err)
	}
	s.published = true
	return s, nil
}

// URI is the connection string of the front's Unix socket.
func (s *server) URI() string {
	return socketURI(s.frontSock)
}

// TCPURI is the connection string of the TCP listener, "" without one.
func (s *server) TCPURI() string {
	if s.tcpLn == nil {
		return ""
	}
	return fmt.Sprintf("mongodb://127.0.0.1:%d/", s.port)
}

// Stop shuts down gracefully: the front stops accepting and lets in-flight
// round trips finish (up to 5 s), FerretDB stops, the lock is released.
func (s *server) Stop() {
	s.stopOnce.Do(func() {
		if s.front != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.front.Shutdown(ctx)
			cancel()
		} else if s.frontLn != nil {
			_ = s.frontLn.Close()
		}
		if s.cancel != nil {
			s.cancel()
			select {
			case <-s.runDone:
			case <-time.After(4 * time.Second):
			}
		}
		if s.idIndex != nil {
			s.idIndex.Close()
		}
		if s.dirFile != nil {
			_ = s.dirFile.Close()
		}
		// While the lock is held, the address file is ours to remove.
		if s.published {
			removeAddressFile(s.dataDir)
		}
		if s.privateDir != "" {
			_ = os.RemoveAll(s.privateDir)
		}
		s.lock.Release()
	})
}

// waitForPing sends { ping: 1 } to the front until it answers ok: 1.
func waitForPing(network, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = pingOnce(network, addr); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

func pingOnce(network, addr string) error {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))

	reqID := wiremessage.NextRequestID()
	if _, err := c.Write(opMsg(reqID, bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})); err != nil {
		return err
	}
	reply, err := readMessage(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	doc, err := replyBody(reply)
	if err != nil {
		return err
	}
	if !isOK(doc) {
		return fmt.Errorf("ping answered %s", doc.String())
	}
	return nil
}

// opMsg builds an OP_MSG request with one body section.
func opMsg(reqID int32, body any) []byte {
	doc, err := bson.Marshal(body)
	if err != nil {
		panic(err)
	}
	idx, b := wiremessage.AppendHeaderStart(nil, reqID, 0, wiremessage.OpMsg)
	b = wiremessage.AppendMsgFlags(b, 0)
	b = wiremessage.AppendMsgSectionType(b, wiremessage.SingleDocument)
	b = append(b, doc...)
	return bsoncore.UpdateLength(b, idx, int32(len(b)))
}

// replyBody returns the body document of an OP_MSG reply.
func replyBody(msg []byte) (bsoncore.Document, error) {
	_, _, _, opcode, rem, ok := wiremessage.ReadHeader(msg)
	if !ok || opcode != wiremessage.OpMsg {
		return nil, fmt.Errorf("unexpected reply opcode %v", opcode)
	}
	_, rem, ok = wiremessage.ReadMsgFlags(rem)
	if !ok {
		return nil, errors.New("short reply")
	}
	body, _, ok := readSections(rem)
	if !ok || body == nil {
		return nil, errors.New("reply without a body")
	}
	return body, nil
}

// isOK reports whether a reply body has ok: 1 (double, int32 or int64).
func isOK(doc bsoncore.Document) bool {
	v := doc.Lookup("ok")
	if f, ok := v.DoubleOK(); ok {
		return f == 1
	}
	if i, ok := v.Int32OK(); ok {
		return i == 1
	}
	if i, ok := v.Int64OK(); ok {
		return i == 1
	}
	return false
}
