package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

const (
	headerLen = 16
	// maxMessageLen is the MongoDB wire limit (maxMessageSizeBytes).
	maxMessageLen = 48_000_000
	// bufSize is the size of each buffered reader/writer.
	bufSize = 64 << 10
	// keepBufMax is the largest message buffer a connection keeps between
	// messages; larger ones are dropped after use.
	keepBufMax = 1 << 20
)

var errBadHeader = errors.New("garbled or oversized message header")

// readMessage reads one complete wire message into buf (grown if needed)
// and returns it.
func readMessage(r *bufio.Reader, buf []byte) ([]byte, error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int32(binary.LittleEndian.Uint32(hdr[:4]))
	if n < headerLen || n > maxMessageLen {
		return nil, fmt.Errorf("%w (messageLength %d)", errBadHeader, n)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	copy(buf, hdr[:])
	if _, err := io.ReadFull(r, buf[headerLen:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// Front is the MongoDB-wire front before FerretDB: it relays each client's
// messages over its own upstream connection and serializes write commands
// with one process-wide lock.
type Front struct {
	ln     net.Listener
	dial   func() (net.Conn, error)
	logger *log.Logger

	// writeMu is held for the whole round trip of every write command.
	writeMu sync.Mutex
	// hook, if set, runs under writeMu around every acknowledged write
	// command (set before Serve).
	hook writeHook
	// noIDIn forwards find { _id: { $in } } unchanged instead of answering
	// it by _id lookups (idin.go; set before Serve).
	noIDIn bool

	mu      sync.Mutex
	conns   map[*frontConn]struct{}
	closing bool
	wg      sync.WaitGroup
	done    chan struct{}
}

// writeHook is called under the write lock: beforeWrite before a write
// command is forwarded, afterWrite once its reply has arrived (not for
// moreToCome requests, which get no reply).
type writeHook interface {
	beforeWrite(in *inspection)
	afterWrite(in *inspection)
}

type frontConn struct {
	client net.Conn
	mu     sync.Mutex
	up     net.Conn
}

func (c *frontConn) closeAll() {
	_ = c.client.Close()
	c.mu.Lock()
	if c.up != nil {
		_ = c.up.Close()
	}
	c.mu.Unlock()
}

// NewFront creates a front serving ln and dialing upstream with dial.
func NewFront(ln net.Listener, dial func() (net.Conn, error), logger *log.Logger) *Front {
	if logger == nil {
		logger = log.New(os.Stderr, "embedded-db: ", 0)
	}
	return &Front{
		ln:     ln,
		dial:   dial,
		logger: logger,
		conns:  make(map[*frontConn]struct{}),
		done:   make(chan struct{}),
	}
}

// Serve accepts clients until the listener is closed (by Shutdown).
func (f *Front) Serve() {
	defer close(f.done)
	var delay time.Duration
	for {
		c, err := f.ln.Accept()
		if err != nil {
			f.mu.Lock()
			closing := f.closing
			f.mu.Unlock()
			if closing || errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary failure (e.g. out of file descriptors): back off.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay < time.Second {
				delay *= 2
			}
			f.logger.Printf("accepting a client failed: %v", err)
			time.Sleep(delay)
			continue
		}
		delay = 0

		fc := &frontConn{client: c}
		f.mu.Lock()
		if f.closing {
			f.mu.Unlock()
			_ = c.Close()
			return
		}
		f.conns[fc] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()

		go func() {
			defer f.wg.Done()
			defer func() {
				f.mu.Lock()
				delete(f.conns, fc)
				f.mu.Unlock()
			}()
			f.serveConn(fc)
		}()
	}
}

// Shutdown stops accepting, lets in-flight round trips finish (until ctx is
// done), then closes every client and upstream connection.
func (f *Front) Shutdown(ctx context.Context) {
	f.mu.Lock()
	f.closing = true
	_ = f.ln.Close()
	for c := range f.conns {
		// Wake connections waiting for their client's next message;
		// a connection inside a round trip finishes it first.
		_ = c.client.SetReadDeadline(time.Now())
	}
	f.mu.Unlock()

	idle := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(idle)
	}()
	select {
	case <-idle:
	case <-ctx.Done():
		f.mu.Lock()
		for c := range f.conns {
			c.closeAll()
		}
		f.mu.Unlock()
		<-idle
	}
	<-f.done
}

func (f *Front) isClosing() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closing
}

// serveConn relays one client's messages, one round trip at a time.
func (f *Front) serveConn(fc *frontConn) {
	client := fc.client
	defer client.Close()

	up, err := f.dial()
	if err != nil {
		f.logger.Printf("cannot reach the database for client %s: %v", clientName(client), err)
		return
	}
	fc.mu.Lock()
	fc.up = up
	fc.mu.Unlock()
	defer up.Close()

	cr := bufio.NewReaderSize(client, bufSize)
	cw := bufio.NewWriterSize(client, bufSize)
	ur := bufio.NewReaderSize(up, bufSize)
	uw := bufio.NewWriterSize(up, bufSize)

	var buf []byte
	for {
		if f.isClosing() {
			return
		}
		msg, err := readMessage(cr, buf)
		if err != nil {
			if errors.Is(err, errBadHeader) {
				f.logger.Printf("closing client %s: %v", clientName(client), err)
			}
			return
		}

		in := inspect(msg)
		if in.refuse != nil {
			if in.moreToCome {
				// The client reads no reply: dropping the write silently
				// would hide the problem, so close the connection.
				f.logger.Printf("closing client %s: refused unacknowledged %s: %s",
					clientName(client), in.command, in.refuse.errmsg)
				return
			}
			if _, err := cw.Write(errorReply(in.requestID, in.refuse)); err != nil {
				return
			}
			if err := cw.Flush(); err != nil {
				return
			}
			continue
		}

		if in.answerOK {
			if in.moreToCome {
				continue
			}
			if _, err := cw.Write(okReply(in.requestID)); err != nil {
				return
			}
			if err := cw.Flush(); err != nil {
				return
			}
			continue
		}

		if !in.write && in.command == "find" && !f.noIDIn {
			if q, ok := parseIDInFind(msg); ok {
				reply, err := answerIDIn(uw, ur, q, in.requestID)
				if err != nil && !errors.Is(err, errIDInFallback) {
					f.logger.Printf("closing client %s: database connection: %v", clientName(client), err)
					return
				}
				if err == nil {
					if _, err := cw.Write(reply); err != nil {
						return
					}
					if err := cw.Flush(); err != nil {
						return
					}
					continue
				}
			}
		}

		reply, err := f.roundTrip(uw, ur, msg, in)
		if err != nil {
			f.logger.Printf("closing client %s: database connection: %v", clientName(client), err)
			return
		}
		if reply == nil { // moreToCome: no reply expected
			buf = keep(msg)
			continue
		}
		if err := f.relayReplies(cw, ur, reply); err != nil {
			return
		}
		buf = keep(reply)
	}
}

// keep returns b for reuse as the next message buffer unless it is large.
func keep(b []byte) []byte {
	if cap(b) > keepBufMax {
		return nil
	}
	return b[:0]
}

// roundTrip sends msg upstream and, unless the client set moreToCome, reads
// exactly one reply. Write commands hold writeMu from before the request is
// sent until the reply is received (or the upstream connection fails); the
// lock never depends on the client, which may already be gone.
// The reply reuses msg's buffer.
func (f *Front) roundTrip(uw *bufio.Writer, ur *bufio.Reader, msg []byte, in inspection) ([]byte, error) {
	hook := f.hook
	if in.write {
		f.writeMu.Lock()
		defer f.writeMu.Unlock()
		if hook != nil {
			hook.beforeWrite(&in)
		}
	}
	if _, err := uw.Write(msg); err != nil {
		return nil, err
	}
	if err := uw.Flush(); err != nil {
		return nil, err
	}
	if in.moreToCome {
		return nil, nil
	}
	reply, err := readMessage(ur, msg[:0])
	if err != nil {
		return nil, err
	}
	if in.write && hook != nil {
		hook.afterWrite(&in)
	}
	return reply, nil
}

// relayReplies writes reply to the client. If the reply is an OP_MSG with
// moreToCome (exhaust, after the client set exhaustAllowed), the following
// replies are relayed as well until one without moreToCome.
func (f *Front) relayReplies(cw *bufio.Writer, ur *bufio.Reader, reply []byte) error {
	for {
		if _, err := cw.Write(reply); err != nil {
			return err
		}
		if err := cw.Flush(); err != nil {
			return err
		}
		if !wiremessage.IsMsgMoreToCome(reply) {
			return nil
		}
		var err error
		reply, err = readMessage(ur, reply[:0])
		if err != nil {
			return err
		}
	}
}

// clientName names a client in log lines: its TCP address, or the socket
// it came through (a Unix client's own address is unnamed).
func clientName(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.UnixAddr); ok && a.Name == "" {
		return "on " + c.LocalAddr().String()
	}
	return c.RemoteAddr().String()
}
