package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

func TestReadMessage(t *testing.T) {
	msg := buildMsg(t, 1, 0, body(cmd("find")))
	two := append(append([]byte{}, msg...), msg...)
	r := bufio.NewReader(bytes.NewReader(two))
	for i := 0; i < 2; i++ {
		got, err := readMessage(r, nil)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if _, err := readMessage(r, nil); err != io.EOF {
		t.Fatalf("at end: %v, want EOF", err)
	}

	header := func(n int32) []byte {
		h := make([]byte, 16)
		binary.LittleEndian.PutUint32(h, uint32(n))
		return h
	}
	for _, n := range []int32{-1, 0, 15, maxMessageLen + 1} {
		_, err := readMessage(bufio.NewReader(bytes.NewReader(header(n))), nil)
		if !errors.Is(err, errBadHeader) {
			t.Errorf("messageLength %d: %v, want errBadHeader", n, err)
		}
	}
	// Exactly 16 bytes is a (header-only) message.
	if got, err := readMessage(bufio.NewReader(bytes.NewReader(header(16))), nil); err != nil || len(got) != 16 {
		t.Errorf("16-byte message: %v", err)
	}
	// Truncated body.
	if _, err := readMessage(bufio.NewReader(bytes.NewReader(msg[:len(msg)-1])), nil); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated: %v", err)
	}
	// Short header.
	if _, err := readMessage(bufio.NewReader(bytes.NewReader(msg[:10])), nil); err != io.ErrUnexpectedEOF {
		t.Errorf("short header: %v", err)
	}
}

// fakeUpstream stands in for FerretDB: it answers every OP_MSG with
// { ok: 1, cmd: <command> } (none for moreToCome), after delay(command).
type fakeUpstream struct {
	t     *testing.T
	ln    net.Listener
	delay func(cmd string) time.Duration

	mu       sync.Mutex
	received [][]byte

	inflightWrites, maxWrites atomic.Int32
	inflightReads, maxReads   atomic.Int32
}

func newFakeUpstream(t *testing.T, delay func(string) time.Duration) *fakeUpstream {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &fakeUpstream{t: t, ln: ln, delay: delay}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go u.serve(c)
		}
	}()
	return u
}

func raiseMax(max *atomic.Int32, v int32) {
	for {
		m := max.Load()
		if v <= m || max.CompareAndSwap(m, v) {
			return
		}
	}
}

func (u *fakeUpstream) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		msg, err := readMessage(r, nil)
		if err != nil {
			return
		}
		in := inspect(msg)
		u.mu.Lock()
		u.received = append(u.received, msg)
		u.mu.Unlock()

		inflight, max := &u.inflightReads, &u.maxReads
		if in.write {
			inflight, max = &u.inflightWrites, &u.maxWrites
		}
		raiseMax(max, inflight.Add(1))
		if u.delay != nil {
			time.Sleep(u.delay(in.command))
		}
		inflight.Add(-1)

		if in.moreToCome {
			continue
		}
		replies := 1
		if in.command == "exhaustTest" {
			replies = 3
		}
		for i := 0; i < replies; i++ {
			var flags wiremessage.MsgFlag
			if i < replies-1 {
				flags = wiremessage.MoreToCome
			}
			doc, _ := bson.Marshal(bson.D{{Key: "ok", Value: 1.0}, {Key: "cmd", Value: in.command}, {Key: "i", Value: i}})
			idx, b := wiremessage.AppendHeaderStart(nil, 1000, in.requestID, wiremessage.OpMsg)
			b = wiremessage.AppendMsgFlags(b, flags)
			b = wiremessage.AppendMsgSectionType(b, wiremessage.SingleDocument)
			b = append(b, doc...)
			if _, err := c.Write(bsoncore.UpdateLength(b, idx, int32(len(b)))); err != nil {
				return
			}
		}
	}
}

func (u *fakeUpstream) count(command string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, m := range u.received {
		if inspect(m).command == command {
			n++
		}
	}
	return n
}

// startFront runs a front on 127.0.0.1:0 before the fake upstream and
// returns its address and log.
func startFront(t *testing.T, u *fakeUpstream) (*Front, string, *syncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	addr := u.ln.Addr().String()
	f := NewFront(ln, func() (net.Conn, error) { return net.Dial("tcp", addr) }, log.New(logs, "embedded-db: ", 0))
	go f.Serve()
	t.Cleanup(func() {
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		f.Shutdown(ctx)
	})
	return f, ln.Addr().String(), logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testClient struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialFront(t *testing.T, addr string) *testClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &testClient{t: t, c: c, r: bufio.NewReader(c)}
}

func (tc *testClient) send(msg []byte) {
	tc.t.Helper()
	if _, err := tc.c.Write(msg); err != nil {
		tc.t.Fatal(err)
	}
}

// reply reads one reply and returns its body.
func (tc *testClient) reply() (bsoncore.Document, int32, error) {
	msg, err := readMessage(tc.r, nil)
	if err != nil {
		return nil, 0, err
	}
	_, _, respTo, _, _, _ := wiremessage.ReadHeader(msg)
	doc, err := replyBody(msg)
	return doc, respTo, err
}

// roundTrip sends a command and checks the fake upstream's answer.
func (tc *testClient) roundTrip(reqID int32, command string) {
	tc.t.Helper()
	tc.send(buildMsg(tc.t, reqID, 0, body(cmd(command))))
	doc, respTo, err := tc.reply()
	if err != nil {
		tc.t.Fatalf("%s: %v", command, err)
	}
	if respTo != reqID || doc.Lookup("cmd").StringValue() != command {
		tc.t.Fatalf("%s: reply %s responseTo %d", command, doc, respTo)
	}
}

func TestFrontPassesBytesUnchanged(t *testing.T) {
	u := newFakeUpstream(t, nil)
	_, addr, _ := startFront(t, u)
	c := dialFront(t, addr)

	msg := buildMsg(t, 5, 0,
		seq("documents", d("a", 1), d("b", "x")),
		body(cmd("insert", bson.E{Key: "ordered", Value: true})))
	c.send(msg)
	if doc, respTo, err := c.reply(); err != nil || respTo != 5 || doc.Lookup("cmd").StringValue() != "insert" {
		t.Fatalf("reply %s %d %v", doc, respTo, err)
	}
	u.mu.Lock()
	got := u.received[0]
	u.mu.Unlock()
	if !bytes.Equal(got, msg) {
		t.Fatal("upstream received different bytes")
	}
}

func TestFrontBadHeaderClosesOnlyThatClient(t *testing.T) {
	u := newFakeUpstream(t, nil)
	_, addr, logs := startFront(t, u)

	good := dialFront(t, addr)
	good.roundTrip(1, "find")

	for _, n := range []uint32{8, maxMessageLen + 1, 0xffffffff} {
		bad := dialFront(t, addr)
		h := make([]byte, 16)
		binary.LittleEndian.PutUint32(h, n)
		bad.send(h)
		if _, err := bad.r.ReadByte(); err != io.EOF {
			t.Fatalf("messageLength %d: connection not closed: %v", n, err)
		}
	}

	good.roundTrip(2, "insert")
	good.roundTrip(3, "find")
	if !strings.Contains(logs.String(), "garbled or oversized message header") {
		t.Fatalf("log: %q", logs.String())
	}
	if n := strings.Count(logs.String(), "\n"); n != 3 {
		t.Fatalf("want one log line per bad client, got %d: %q", n, logs.String())
	}
}

func TestFrontWritesSerializedReadsConcurrent(t *testing.T) {
	u := newFakeUpstream(t, func(string) time.Duration { return 20 * time.Millisecond })
	_, addr, _ := startFront(t, u)

	clients := make([]*testClient, 8)
	for i := range clients {
		clients[i] = dialFront(t, addr)
	}
	var wg sync.WaitGroup
	// Mixed: writes and reads from every client at once.
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *testClient) {
			defer wg.Done()
			for j := 0; j < 3; j++ {
				c.roundTrip(int32(10*i+j), []string{"insert", "update", "findAndModify"}[j])
				c.roundTrip(int32(100+10*i+j), "find")
			}
		}(i, c)
	}
	wg.Wait()
	// Reads only, all at once.
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *testClient) {
			defer wg.Done()
			c.roundTrip(int32(1000+i), "find")
		}(i, c)
	}
	wg.Wait()
	if m := u.maxWrites.Load(); m != 1 {
		t.Fatalf("writes reached FerretDB %d at a time, want 1", m)
	}
	if m := u.maxReads.Load(); m < 2 {
		t.Fatalf("reads never overlapped (max %d)", m)
	}
}

func TestFrontMoreToCome(t *testing.T) {
	u := newFakeUpstream(t, nil)
	f, addr, _ := startFront(t, u)
	c := dialFront(t, addr)

	// An unacknowledged insert: no reply is awaited or relayed.
	c.send(buildMsg(t, 1, wiremessage.MoreToCome, body(cmd("insert"))))
	// The next reply on this connection belongs to the next request.
	c.roundTrip(2, "find")
	if u.count("insert") != 1 {
		t.Fatal("insert not forwarded")
	}
	// The lock is free: another client's write completes.
	waitLockFree(t, f)
	dialFront(t, addr).roundTrip(3, "update")
}

func TestFrontExhaustRelaysAllReplies(t *testing.T) {
	u := newFakeUpstream(t, nil)
	_, addr, _ := startFront(t, u)
	c := dialFront(t, addr)
	c.send(buildMsg(t, 9, wiremessage.ExhaustAllowed, body(cmd("exhaustTest"))))
	for i := 0; i < 3; i++ {
		doc, respTo, err := c.reply()
		if err != nil || respTo != 9 || doc.Lookup("i").Int32() != int32(i) {
			t.Fatalf("reply %d: %s %v", i, doc, err)
		}
	}
	c.roundTrip(10, "find")
}

func waitLockFree(t *testing.T, f *Front) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f.writeMu.TryLock() {
		if time.Now().After(deadline) {
			t.Fatal("write lock still held")
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.writeMu.Unlock()
}

func TestFrontClientDropsMidMessage(t *testing.T) {
	u := newFakeUpstream(t, nil)
	f, addr, _ := startFront(t, u)

	c := dialFront(t, addr)
	msg := buildMsg(t, 1, 0, body(cmd("update", bson.E{Key: "updates", Value: bson.A{d("q", d(), "u", d("$inc", d("n", 1)))}})))
	c.send(msg[:len(msg)/2])
	c.c.Close()

	waitLockFree(t, f)
	other := dialFront(t, addr)
	other.roundTrip(2, "update")
	if n := u.count("update"); n != 1 {
		t.Fatalf("upstream saw %d updates, want 1 (the half message must not be forwarded)", n)
	}
}

func TestFrontClientDropsMidRoundTrip(t *testing.T) {
	u := newFakeUpstream(t, func(cmd string) time.Duration {
		if cmd == "insert" {
			return 200 * time.Millisecond
		}
		return 0
	})
	f, addr, _ := startFront(t, u)

	c := dialFront(t, addr)
	c.send(buildMsg(t, 1, 0, body(cmd("insert"))))
	time.Sleep(50 * time.Millisecond) // the insert is now in FerretDB's hands
	c.c.Close()

	other := dialFront(t, addr)
	other.roundTrip(2, "delete")
	waitLockFree(t, f)
	if u.count("insert") != 1 || u.count("delete") != 1 {
		t.Fatalf("upstream saw insert %d delete %d", u.count("insert"), u.count("delete"))
	}
}

func TestFrontUpstreamGoneReleasesLock(t *testing.T) {
	u := newFakeUpstream(t, nil)
	f, addr, _ := startFront(t, u)
	c := dialFront(t, addr)
	c.roundTrip(1, "find")

	// Kill the upstream side of every connection.
	u.ln.Close()
	f.mu.Lock()
	for fc := range f.conns {
		fc.mu.Lock()
		fc.up.Close()
		fc.mu.Unlock()
	}
	f.mu.Unlock()

	c.send(buildMsg(t, 2, 0, body(cmd("insert"))))
	if _, _, err := c.reply(); err == nil {
		t.Fatal("expected the client connection to close")
	}
	waitLockFree(t, f)
}

func TestFrontRefusalNotForwarded(t *testing.T) {
	u := newFakeUpstream(t, nil)
	_, addr, _ := startFront(t, u)
	c := dialFront(t, addr)

	c.send(buildMsg(t, 77, 0, body(aggregate(d("$group", d("_id", nil, "a", d("$sum", 1), "b", d("$sum", "$x")))))))
	doc, respTo, err := c.reply()
	if err != nil || respTo != 77 {
		t.Fatalf("reply: %v responseTo %d", err, respTo)
	}
	if isOK(doc) || doc.Lookup("code").Int32() != 238 || !strings.Contains(doc.Lookup("errmsg").StringValue(), "one accumulator per $group") {
		t.Fatalf("reply %s", doc)
	}
	// The connection stays usable; near misses go through.
	c.roundTrip(78, "find")
	c.send(buildMsg(t, 79, 0, body(aggregate(d("$group", d("_id", nil, "a", d("$sum", 1)))))))
	if doc, _, err := c.reply(); err != nil || doc.Lookup("cmd").StringValue() != "aggregate" {
		t.Fatalf("one accumulator: %s %v", doc, err)
	}
	if n := u.count("aggregate"); n != 1 {
		t.Fatalf("upstream saw %d aggregates, want 1", n)
	}

	// A refused unacknowledged write closes the connection (it cannot be answered).
	c2 := dialFront(t, addr)
	c2.send(buildMsg(t, 80, wiremessage.MoreToCome, body(cmd("update")),
		seq("updates", d("q", d(), "u", d("$pull", d("tags", d("$in", bson.A{"a"})))))))
	if _, err := c2.r.ReadByte(); err != io.EOF {
		t.Fatalf("want closed connection, got %v", err)
	}
	if n := u.count("update"); n != 0 {
		t.Fatalf("refused update forwarded")
	}
}

func TestFrontShutdownFinishesInFlight(t *testing.T) {
	u := newFakeUpstream(t, func(cmd string) time.Duration {
		if cmd == "insert" {
			return 300 * time.Millisecond
		}
		return 0
	})
	f, addr, _ := startFront(t, u)
	idle := dialFront(t, addr)
	idle.roundTrip(1, "find")
	busy := dialFront(t, addr)
	busy.send(buildMsg(t, 2, 0, body(cmd("insert"))))
	time.Sleep(50 * time.Millisecond)

	start := time.Now()
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	f.Shutdown(ctx)
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("shutdown took %v", el)
	}
	if doc, _, err := busy.reply(); err != nil || doc.Lookup("cmd").StringValue() != "insert" {
		t.Fatalf("in-flight insert lost: %v", err)
	}
	if _, err := idle.r.ReadByte(); err != io.EOF {
		t.Fatalf("idle client not closed: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("still accepting")
	}
}

// TestFrontAnswersEndSessions: FerretDB v1 answers endSessions (sent by
// every driver on disconnect) with an error it logs as a warning; the front
// answers it itself, acknowledged or not, and forwards nothing.
func TestFrontAnswersEndSessions(t *testing.T) {
	u := newFakeUpstream(t, nil)
	_, addr, _ := startFront(t, u)
	c := dialFront(t, addr)

	endSessions := body(bson.D{{Key: "endSessions", Value: bson.A{}}, {Key: "$db", Value: "admin"}})
	c.send(buildMsg(t, 90, wiremessage.MoreToCome, endSessions))
	c.send(buildMsg(t, 91, 0, endSessions))
	doc, respTo, err := c.reply()
	if err != nil || respTo != 91 || !isOK(doc) {
		t.Fatalf("reply %s responseTo %d: %v", doc, respTo, err)
	}
	c.roundTrip(92, "find")
	if n := u.count("endSessions"); n != 0 {
		t.Fatalf("upstream saw %d endSessions, want 0", n)
	}
}
