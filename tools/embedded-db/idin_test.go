package main

import (
	"bufio"
	"bytes"
	"errors"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

func idIn(vals ...any) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A(vals)}}}}
}

func findIDIn(filter any, rest ...bson.E) bson.D {
	d := bson.D{{Key: "find", Value: "users"}, {Key: "filter", Value: filter}}
	d = append(d, rest...)
	return append(d, bson.E{Key: "$db", Value: "app"})
}

func manyIDs(n int) []any {
	ids := make([]any, n)
	for i := range ids {
		ids[i] = primitive.NewObjectID()
	}
	return ids
}

// withRepeats extends ids to n values by repeating them.
func withRepeats(ids []any, n int) []any {
	for i := 0; len(ids) < n; i++ {
		ids = append(ids, ids[i])
	}
	return ids
}

func TestParseIDInFindEligible(t *testing.T) {
	oid := primitive.NewObjectID()
	lsid := bson.D{{Key: "id", Value: primitive.Binary{Subtype: 4, Data: make([]byte, 16)}}}
	for name, tc := range map[string]struct {
		body bson.D
		want []any
	}{
		"strings":    {findIDIn(idIn("a", "b")), []any{"a", "b"}},
		"ObjectIds":  {findIDIn(idIn(oid)), []any{oid}},
		"mixed":      {findIDIn(idIn("a", oid)), []any{"a", oid}},
		"duplicates": {findIDIn(idIn("b", "a", "b", "a")), []any{"b", "a"}},
		// An ObjectId and a string of the same hex are different values.
		"same text, other type": {findIDIn(idIn(oid, oid.Hex())), []any{oid, oid.Hex()}},
		"driver fields": {findIDIn(idIn("a"),
			bson.E{Key: "projection", Value: bson.D{{Key: "name", Value: 1}}},
			bson.E{Key: "batchSize", Value: int32(2)},
			bson.E{Key: "singleBatch", Value: false},
			bson.E{Key: "comment", Value: "why"},
			bson.E{Key: "maxTimeMS", Value: int64(500)},
			bson.E{Key: "readConcern", Value: bson.D{{Key: "level", Value: "local"}}},
			bson.E{Key: "lsid", Value: lsid},
			bson.E{Key: "$readPreference", Value: bson.D{{Key: "mode", Value: "primaryPreferred"}}},
		), []any{"a"}},
		"batchSize 0":        {findIDIn(idIn("a"), bson.E{Key: "batchSize", Value: int32(0)}), []any{"a"}},
		"batchSize double":   {findIDIn(idIn("a"), bson.E{Key: "batchSize", Value: 5.0}), []any{"a"}},
		"256 distinct":       {findIDIn(idIn(manyIDs(256)...)), nil},
		"300 with repeats":   {findIDIn(idIn(withRepeats(manyIDs(256), 300)...)), nil},
		"element projection": {findIDIn(idIn("a"), bson.E{Key: "projection", Value: bson.D{{Key: "tags", Value: bson.D{{Key: "$slice", Value: 2}}}}}), []any{"a"}},
	} {
		t.Run(name, func(t *testing.T) {
			q, ok := parseIDInFind(buildMsg(t, 7, 0, body(tc.body)))
			if !ok {
				t.Fatal("not eligible")
			}
			if tc.want == nil {
				return
			}
			if len(q.ids) != len(tc.want) {
				t.Fatalf("%d ids, want %d", len(q.ids), len(tc.want))
			}
			for i, v := range tc.want {
				_, raw, _ := bson.MarshalValue(v)
				if !bytes.Equal(q.ids[i].Data, raw) {
					t.Errorf("id %d: %s, want %v", i, q.ids[i], v)
				}
			}
		})
	}
}

func TestParseIDInFindNotEligible(t *testing.T) {
	a := idIn("a", "b")
	for name, msg := range map[string][]byte{
		"moreToCome":        buildMsg(t, 1, wiremessage.MoreToCome, body(findIDIn(a))),
		"exhaustAllowed":    buildMsg(t, 1, wiremessage.ExhaustAllowed, body(findIDIn(a))),
		"document sequence": buildMsg(t, 1, 0, seq("x", bson.D{}), body(findIDIn(a))),
		"not find":          buildMsg(t, 1, 0, body(bson.D{{Key: "count", Value: "users"}, {Key: "query", Value: a}, {Key: "$db", Value: "app"}})),
		"no filter":         buildMsg(t, 1, 0, body(bson.D{{Key: "find", Value: "users"}, {Key: "$db", Value: "app"}})),
		"find not a string": buildMsg(t, 1, 0, body(bson.D{{Key: "find", Value: 1}, {Key: "filter", Value: a}, {Key: "$db", Value: "app"}})),
		"no values":         buildMsg(t, 1, 0, body(findIDIn(idIn()))),
		"257 distinct":      buildMsg(t, 1, 0, body(findIDIn(idIn(manyIDs(257)...)))),
		"a regex":           buildMsg(t, 1, 0, body(findIDIn(idIn("a", primitive.Regex{Pattern: "^b"})))),
		"a number":          buildMsg(t, 1, 0, body(findIDIn(idIn("a", 1)))),
		"null":              buildMsg(t, 1, 0, body(findIDIn(idIn("a", nil)))),
		"a document":        buildMsg(t, 1, 0, body(findIDIn(idIn(bson.D{{Key: "k", Value: 1}})))),
		"$in not an array":  buildMsg(t, 1, 0, body(findIDIn(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: "a"}}}}))),
		"plain _id":         buildMsg(t, 1, 0, body(findIDIn(bson.D{{Key: "_id", Value: "a"}}))),
		"another operator": buildMsg(t, 1, 0, body(findIDIn(bson.D{{Key: "_id", Value: bson.D{
			{Key: "$in", Value: bson.A{"a"}}, {Key: "$ne", Value: "b"}}}}))),
		"another condition": buildMsg(t, 1, 0, body(findIDIn(append(idIn("a"), bson.E{Key: "status", Value: "active"})))),
		"$and":              buildMsg(t, 1, 0, body(findIDIn(bson.D{{Key: "$and", Value: bson.A{a}}}))),
		"singleBatch":       buildMsg(t, 1, 0, body(findIDIn(a, bson.E{Key: "singleBatch", Value: true}))),
		"negative batch":    buildMsg(t, 1, 0, body(findIDIn(a, bson.E{Key: "batchSize", Value: int32(-1)}))),
		"fractional batch":  buildMsg(t, 1, 0, body(findIDIn(a, bson.E{Key: "batchSize", Value: 1.5}))),
		"positional":        buildMsg(t, 1, 0, body(findIDIn(a, bson.E{Key: "projection", Value: bson.D{{Key: "tags.$", Value: 1}}}))),
	} {
		if _, ok := parseIDInFind(msg); ok {
			t.Errorf("%s: eligible", name)
		}
	}
	for _, key := range []string{"sort", "skip", "limit", "hint", "collation", "min", "max", "returnKey",
		"showRecordId", "tailable", "awaitData", "allowPartialResults", "txnNumber", "startTransaction",
		"autocommit", "let", "oplogReplay", "readOnce"} {
		if _, ok := parseIDInFind(buildMsg(t, 1, 0, body(findIDIn(a, bson.E{Key: key, Value: 1})))); ok {
			t.Errorf("with %s: eligible", key)
		}
	}
	// A checksum (flag and trailing CRC) is not what the front answers.
	msg := buildMsg(t, 1, wiremessage.ChecksumPresent, body(findIDIn(a)))
	msg = bsoncore.UpdateLength(append(msg, 0, 0, 0, 0), 0, int32(len(msg)+4))
	if _, ok := parseIDInFind(msg); ok {
		t.Error("with a checksum: eligible")
	}
}

// scriptedUpstream answers each message read from c with answer(body).
func scriptedUpstream(t *testing.T, c net.Conn, answer func(body bsoncore.Document) (bson.D, []bson.D)) *[]bsoncore.Document {
	t.Helper()
	var got []bsoncore.Document
	go func() {
		r := bufio.NewReader(c)
		for {
			msg, err := readMessage(r, nil)
			if err != nil {
				return
			}
			_, reqID, _, _, _, _ := wiremessage.ReadHeader(msg)
			b, _ := replyBody(msg)
			got = append(got, b)
			reply, batch := answer(b)
			if batch != nil {
				docs := bson.A{}
				for _, d := range batch {
					docs = append(docs, d)
				}
				reply = bson.D{{Key: "cursor", Value: bson.D{{Key: "firstBatch", Value: docs}, {Key: "id", Value: int64(0)},
					{Key: "ns", Value: "app.users"}}}, {Key: "ok", Value: 1.0}}
			}
			doc, _ := bson.Marshal(reply)
			if _, err := c.Write(replyWithDoc(reqID, doc)); err != nil {
				return
			}
		}
	}()
	return &got
}

// runIDIn runs answerIDIn for request against answer, over a pipe.
func runIDIn(t *testing.T, request bson.D, answer func(bsoncore.Document) (bson.D, []bson.D)) ([]byte, []bsoncore.Document, error) {
	t.Helper()
	q, ok := parseIDInFind(buildMsg(t, 42, 0, body(request)))
	if !ok {
		t.Fatal("not eligible")
	}
	front, up := net.Pipe()
	t.Cleanup(func() { front.Close(); up.Close() })
	_ = front.SetDeadline(time.Now().Add(10 * time.Second))
	got := scriptedUpstream(t, up, answer)
	reply, err := answerIDIn(bufio.NewWriter(front), bufio.NewReader(front), q, 42)
	front.Close()
	return reply, *got, err
}

// userByID answers a lookup with the user whose _id is the filter's, if
// it is one of "a", "b", "c".
func userByID(b bsoncore.Document) (bson.D, []bson.D) {
	id := b.Lookup("filter", "_id")
	if s, ok := id.StringValueOK(); ok && strings.Contains("abc", s) && len(s) == 1 {
		return nil, []bson.D{{{Key: "_id", Value: s}, {Key: "name", Value: "user " + s}}}
	}
	return nil, []bson.D{}
}

func TestAnswerIDInMergesLookups(t *testing.T) {
	reply, lookups, err := runIDIn(t, findIDIn(idIn("c", "x", "a", "c"),
		bson.E{Key: "projection", Value: bson.D{{Key: "name", Value: 1}}},
		bson.E{Key: "batchSize", Value: int32(1)},
		bson.E{Key: "comment", Value: "participants"},
	), userByID)
	if err != nil {
		t.Fatal(err)
	}

	// One lookup per distinct value, in the order listed, each the
	// original with filter { _id: v }, without batchSize, singleBatch: true.
	if len(lookups) != 3 {
		t.Fatalf("%d lookups, want 3", len(lookups))
	}
	for i, id := range []string{"c", "x", "a"} {
		want := marshal(t, bson.D{{Key: "find", Value: "users"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: id}}},
			{Key: "projection", Value: bson.D{{Key: "name", Value: 1}}}, {Key: "comment", Value: "participants"},
			{Key: "$db", Value: "app"}, {Key: "singleBatch", Value: true}})
		if !bytes.Equal(lookups[i], want) {
			t.Errorf("lookup %d: %s\nwant %s", i, lookups[i], bsoncore.Document(want))
		}
	}

	_, _, respTo, opcode, _, _ := wiremessage.ReadHeader(reply)
	doc, err := replyBody(reply)
	if err != nil || respTo != 42 || opcode != wiremessage.OpMsg || wiremessage.IsMsgMoreToCome(reply) {
		t.Fatalf("reply: %v responseTo %d opcode %v", err, respTo, opcode)
	}
	want := marshal(t, bson.D{{Key: "cursor", Value: bson.D{
		{Key: "firstBatch", Value: bson.A{
			bson.D{{Key: "_id", Value: "c"}, {Key: "name", Value: "user c"}},
			bson.D{{Key: "_id", Value: "a"}, {Key: "name", Value: "user a"}},
		}},
		{Key: "id", Value: int64(0)},
		{Key: "ns", Value: "app.users"},
	}}, {Key: "ok", Value: 1.0}})
	if !bytes.Equal(doc, want) {
		t.Fatalf("reply %s\nwant %s", doc, bsoncore.Document(want))
	}
}

func TestAnswerIDInPassesTheFirstError(t *testing.T) {
	failure := bson.D{{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: "bad projection"}, {Key: "code", Value: int32(31254)}, {Key: "codeName", Value: "Location31254"}}
	reply, lookups, err := runIDIn(t, findIDIn(idIn("a", "b", "c")), func(b bsoncore.Document) (bson.D, []bson.D) {
		if b.Lookup("filter", "_id").StringValue() == "b" {
			return failure, nil
		}
		return userByID(b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lookups) != 2 {
		t.Errorf("%d lookups, want 2 (none after the error)", len(lookups))
	}
	_, _, respTo, _, _, _ := wiremessage.ReadHeader(reply)
	doc, _ := replyBody(reply)
	if respTo != 42 || !bytes.Equal(doc, marshal(t, failure)) {
		t.Fatalf("reply %s responseTo %d, want the lookup's error", doc, respTo)
	}
}

func TestAnswerIDInFallsBack(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	for name, answer := range map[string]func(bsoncore.Document) (bson.D, []bson.D){
		"an open cursor": func(bsoncore.Document) (bson.D, []bson.D) {
			return bson.D{{Key: "cursor", Value: bson.D{{Key: "firstBatch", Value: bson.A{}}, {Key: "id", Value: int64(5)},
				{Key: "ns", Value: "app.users"}}}, {Key: "ok", Value: 1.0}}, nil
		},
		"no cursor": func(bsoncore.Document) (bson.D, []bson.D) {
			return bson.D{{Key: "ok", Value: 1.0}}, nil
		},
		"more than 16 MiB": func(b bsoncore.Document) (bson.D, []bson.D) {
			return nil, []bson.D{{{Key: "_id", Value: b.Lookup("filter", "_id")}, {Key: "blob", Value: big}}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			ids := make([]any, 20)
			for i := range ids {
				ids[i] = strings.Repeat("i", i+1)
			}
			_, _, err := runIDIn(t, findIDIn(idIn(ids...)), answer)
			if !errors.Is(err, errIDInFallback) {
				t.Fatalf("%v, want a fallback", err)
			}
		})
	}
}

func TestAnswerIDInUpstreamOutOfStep(t *testing.T) {
	q, _ := parseIDInFind(buildMsg(t, 42, 0, body(findIDIn(idIn("a")))))
	front, up := net.Pipe()
	defer front.Close()
	go func() {
		defer up.Close()
		if _, err := readMessage(bufio.NewReader(up), nil); err != nil {
			return
		}
		_, _ = up.Write(replyWithDoc(12345, marshal(t, bson.D{{Key: "ok", Value: 1.0}})))
	}()
	_, err := answerIDIn(bufio.NewWriter(front), bufio.NewReader(front), q, 42)
	if err == nil || errors.Is(err, errIDInFallback) {
		t.Fatalf("%v, want a connection error", err)
	}
}

// startFrontIDIn is startFront with the lookups switched on or off.
func startFrontIDIn(t *testing.T, u *fakeUpstream, noIDIn bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := u.ln.Addr().String()
	f := NewFront(ln, func() (net.Conn, error) { return net.Dial("tcp", addr) }, log.New(&syncBuffer{}, "", 0))
	f.noIDIn = noIDIn
	go f.Serve()
	t.Cleanup(func() {
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		f.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// The fake upstream answers finds without a cursor: the front falls back
// to forwarding the client's bytes, and the client gets that answer.
func TestFrontIDInFallsBackToForwarding(t *testing.T) {
	for _, noIDIn := range []bool{false, true} {
		u := newFakeUpstream(t, nil)
		c := dialFront(t, startFrontIDIn(t, u, noIDIn))
		msg := buildMsg(t, 9, 0, body(findIDIn(idIn("a", "b", "a"))))
		c.send(msg)
		doc, respTo, err := c.reply()
		if err != nil || respTo != 9 || doc.Lookup("cmd").StringValue() != "find" {
			t.Fatalf("reply %s responseTo %d %v", doc, respTo, err)
		}
		u.mu.Lock()
		received := u.received
		u.mu.Unlock()
		want := 2 // the first lookup (no cursor in its answer), then the original
		if noIDIn {
			want = 1
		}
		if len(received) != want || !bytes.Equal(received[want-1], msg) {
			t.Fatalf("noIDIn %v: upstream received %d messages, want %d ending with the original", noIDIn, len(received), want)
		}
	}
}
