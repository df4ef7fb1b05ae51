package main

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

// FerretDB v1.24.2 (SQLite) hands a find filter to SQLite only when it is
// exactly { _id: <string or ObjectId> } (internal/backends/sqlite/
// collection.go checks Filter.Len() == 1): with the _id lookup index
// (idindex.go) that is one index probe. { _id: { $in: [...] } }, which the
// app sends all the time (the users of a call's participants), reads and
// decodes the whole collection instead: 27 ms for 4 ids among 200 users,
// over a second among 10,000.
//
// So the front answers such a find itself with one indexed find per
// distinct value, over the client's own upstream connection, and replies
// with the documents found in one batch. Only filters whose sole key is _id
// qualify: FerretDB does not push { _id: v, status: "active" } down either
// (idin_test.go checks that), so splitting those would gain nothing.

// maxIDInValues bounds the distinct values answered by lookups: each costs
// one round trip to FerretDB (about half a millisecond), so a few hundred
// stay well below one scan of a collection of thousands, while a longer
// list is rare and may as well scan once.
const maxIDInValues = 256

// maxIDInBatch is the most document bytes the front merges into one reply
// (MongoDB's maxBsonObjectSize); a larger result is left to FerretDB, which
// returns it in batches.
const maxIDInBatch = 16 << 20

// idInAllowedKeys are the find fields that leave the result set and its
// batching the front's business. Each is sent unchanged with every lookup
// (so FerretDB validates it as it would for the original), except
// batchSize, which only splits the result into batches and is replaced by
// singleBatch. Anything else may change which documents come back or in
// what order (sort, skip, limit, hint, min, max, collation, returnKey,
// showRecordId, tailable, awaitData, allowPartialResults, the transaction
// fields, …), so a find with it is forwarded.
var idInAllowedKeys = map[string]struct{}{
	"find":                 {},
	"filter":               {},
	"projection":           {},
	"batchSize":            {},
	"singleBatch":          {}, // only false: FerretDB cuts a single batch at batchSize (101 by default)
	"comment":              {},
	"maxTimeMS":            {}, // each lookup gets the whole limit; together they stay far below the scan it guards
	"readConcern":          {}, // ignored by FerretDB v1
	"noCursorTimeout":      {}, // the front's reply leaves no cursor
	"allowDiskUse":         {}, // ignored by FerretDB v1
	"lsid":                 {},
	"$db":                  {},
	"$readPreference":      {},
	"$clusterTime":         {},
	"apiVersion":           {},
	"apiStrict":            {},
	"apiDeprecationErrors": {},
}

// idInFind is an eligible find: its body and the distinct _id values of
// its $in, in the order listed (raw BSON values, string or ObjectId).
type idInFind struct {
	body bsoncore.Document
	ids  []bsoncore.Value
}

// parseIDInFind recognises a find { _id: { $in: [v1, …] } } that the front
// may answer by lookups (see idInAllowedKeys and maxIDInValues): an OP_MSG
// with no flags (no moreToCome, exhaustAllowed or checksum) and one body
// section. msg is not modified; the result refers into it.
func parseIDInFind(msg []byte) (*idInFind, bool) {
	_, _, _, opcode, rem, ok := wiremessage.ReadHeader(msg)
	if !ok || opcode != wiremessage.OpMsg {
		return nil, false
	}
	flags, rem, ok := wiremessage.ReadMsgFlags(rem)
	if !ok || flags != 0 {
		return nil, false
	}
	stype, rem, ok := wiremessage.ReadMsgSectionType(rem)
	if !ok || stype != wiremessage.SingleDocument {
		return nil, false
	}
	body, rem, ok := wiremessage.ReadMsgSectionSingleDocument(rem)
	if !ok || len(rem) != 0 || body.Validate() != nil {
		return nil, false
	}

	elems, err := body.Elements()
	if err != nil || len(elems) == 0 || elems[0].Key() != "find" || elems[0].Value().Type != bsontype.String {
		return nil, false
	}
	var filter bsoncore.Document
	for _, e := range elems {
		if _, ok := idInAllowedKeys[e.Key()]; !ok {
			return nil, false
		}
		v := e.Value()
		switch e.Key() {
		case "filter":
			if filter, ok = v.DocumentOK(); !ok {
				return nil, false
			}
		case "batchSize":
			if !wholeNonNegative(v) {
				return nil, false
			}
		case "singleBatch":
			if b, ok := v.BooleanOK(); !ok || b {
				return nil, false
			}
		case "projection":
			if p, ok := v.DocumentOK(); !ok || hasPositionalProjection(p) {
				return nil, false
			}
		}
	}
	ids, ok := idInValues(filter)
	if !ok {
		return nil, false
	}
	return &idInFind{body: body, ids: ids}, true
}

// wholeNonNegative reports whether v is a number FerretDB takes as a
// batchSize. Lookups drop batchSize, so any other value is left to
// FerretDB to refuse for the original.
func wholeNonNegative(v bsoncore.Value) bool {
	switch v.Type {
	case bsontype.Int32:
		return v.Int32() >= 0
	case bsontype.Int64:
		return v.Int64() >= 0
	case bsontype.Double:
		f := v.Double()
		return f >= 0 && f == math.Trunc(f) && f <= math.MaxInt32
	}
	return false
}

// hasPositionalProjection reports a positional projection ("a.$"): it
// depends on the filter, which each lookup changes.
func hasPositionalProjection(p bsoncore.Document) bool {
	elems, _ := p.Elements()
	for _, e := range elems {
		if strings.HasSuffix(e.Key(), ".$") {
			return true
		}
	}
	return false
}

// idInValues returns the distinct values of filter { _id: { $in: [...] } }
// in the order listed, when the filter has that shape exactly, every value
// is a string or an ObjectId (what FerretDB pushes down) and there are
// 1 to maxIDInValues of them.
func idInValues(filter bsoncore.Document) ([]bsoncore.Value, bool) {
	fe, err := filter.Elements()
	if err != nil || len(fe) != 1 || fe[0].Key() != "_id" {
		return nil, false
	}
	cond, ok := fe[0].Value().DocumentOK()
	if !ok {
		return nil, false
	}
	ce, err := cond.Elements()
	if err != nil || len(ce) != 1 || ce[0].Key() != "$in" {
		return nil, false
	}
	list, ok := ce[0].Value().ArrayOK()
	if !ok {
		return nil, false
	}
	vals, err := list.Values()
	if err != nil || len(vals) == 0 {
		return nil, false
	}
	seen := make(map[string]struct{}, len(vals))
	var ids []bsoncore.Value
	for _, v := range vals {
		if v.Type != bsontype.String && v.Type != bsontype.ObjectID {
			return nil, false
		}
		key := string(rune(v.Type)) + string(v.Data)
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		if ids = append(ids, v); len(ids) > maxIDInValues {
			return nil, false
		}
	}
	return ids, true
}

// errIDInFallback: the lookups' answers are not what the front can merge
// (too large, or an unexpected reply); the original find is forwarded.
var errIDInFallback = errors.New("forward the original find")

// answerIDIn runs one find { _id: v } per value of q over the client's
// upstream connection and returns the reply to the client (responseTo
// requestID): { cursor: { firstBatch, id: 0, ns }, ok: 1 } with the
// documents in the order of the values as listed (MongoDB promises no
// order for $in, so none is lost), or the first lookup's error reply as
// FerretDB gave it. errIDInFallback means: forward the original instead
// (reads change nothing, so the lookups already run do no harm); any other
// error is the upstream connection's.
func answerIDIn(uw *bufio.Writer, ur *bufio.Reader, q *idInFind, requestID int32) ([]byte, error) {
	idx, out := wiremessage.AppendHeaderStart(nil, wiremessage.NextRequestID(), requestID, wiremessage.OpMsg)
	out = wiremessage.AppendMsgFlags(out, 0)
	out = wiremessage.AppendMsgSectionType(out, wiremessage.SingleDocument)
	didx, out := bsoncore.AppendDocumentStart(out)
	cidx, out := bsoncore.AppendDocumentElementStart(out, "cursor")
	aidx, out := bsoncore.AppendArrayElementStart(out, "firstBatch")

	var ns string
	var req, reply []byte
	found, size := 0, 0
	for _, id := range q.ids {
		reqID := wiremessage.NextRequestID()
		req = lookupRequest(req[:0], reqID, q.body, id)
		if _, err := uw.Write(req); err != nil {
			return nil, err
		}
		if err := uw.Flush(); err != nil {
			return nil, err
		}
		var err error
		if reply, err = readMessage(ur, reply[:0]); err != nil {
			return nil, err
		}
		if err := answers(reply, reqID); err != nil {
			return nil, err
		}
		body, err := replyBody(reply)
		if err != nil || body.Validate() != nil {
			return nil, errIDInFallback
		}
		if !isOK(body) {
			return replyWithDoc(requestID, body), nil
		}
		docs, id, n, ok := cursorBatch(body)
		if !ok || id != 0 {
			return nil, errIDInFallback
		}
		ns = n
		for _, d := range docs {
			if size += len(d); size > maxIDInBatch {
				return nil, errIDInFallback
			}
			out = bsoncore.AppendDocumentElement(out, strconv.Itoa(found), d)
			found++
		}
	}

	out, _ = bsoncore.AppendArrayEnd(out, aidx)
	out = bsoncore.AppendInt64Element(out, "id", 0)
	out = bsoncore.AppendStringElement(out, "ns", ns)
	out, _ = bsoncore.AppendDocumentEnd(out, cidx)
	out = bsoncore.AppendDoubleElement(out, "ok", 1)
	out, _ = bsoncore.AppendDocumentEnd(out, didx)
	return bsoncore.UpdateLength(out, idx, int32(len(out))), nil
}

// lookupRequest appends to dst an OP_MSG find: body with its filter
// replaced by { _id: id }, batchSize and singleBatch dropped and
// singleBatch: true added (_id is unique, so the one batch holds the only
// match, and FerretDB keeps no cursor open).
func lookupRequest(dst []byte, reqID int32, body bsoncore.Document, id bsoncore.Value) []byte {
	idx, dst := wiremessage.AppendHeaderStart(dst, reqID, 0, wiremessage.OpMsg)
	dst = wiremessage.AppendMsgFlags(dst, 0)
	dst = wiremessage.AppendMsgSectionType(dst, wiremessage.SingleDocument)
	didx, dst := bsoncore.AppendDocumentStart(dst)
	elems, _ := body.Elements() // validated by parseIDInFind
	for _, e := range elems {
		switch e.Key() {
		case "filter":
			fidx, d := bsoncore.AppendDocumentElementStart(dst, "filter")
			d = bsoncore.AppendValueElement(d, "_id", id)
			dst, _ = bsoncore.AppendDocumentEnd(d, fidx)
		case "batchSize", "singleBatch":
		default:
			dst = append(dst, e...)
		}
	}
	dst = bsoncore.AppendBooleanElement(dst, "singleBatch", true)
	dst, _ = bsoncore.AppendDocumentEnd(dst, didx)
	return bsoncore.UpdateLength(dst, idx, int32(len(dst)))
}

// answers checks that reply is the one reply to the lookup reqID. Any
// other means the connection is out of step: an error that closes the
// client, as a broken connection would.
func answers(reply []byte, reqID int32) error {
	_, _, responseTo, _, _, ok := wiremessage.ReadHeader(reply)
	if !ok || responseTo != reqID || wiremessage.IsMsgMoreToCome(reply) {
		return fmt.Errorf("unexpected reply to a lookup (responseTo %d, want %d)", responseTo, reqID)
	}
	return nil
}

// cursorBatch returns cursor.firstBatch, cursor.id and cursor.ns of a find
// reply.
func cursorBatch(body bsoncore.Document) (docs []bsoncore.Document, id int64, ns string, ok bool) {
	cursor, ok := body.Lookup("cursor").DocumentOK()
	if !ok {
		return nil, 0, "", false
	}
	batch, ok := cursor.Lookup("firstBatch").ArrayOK()
	if !ok {
		return nil, 0, "", false
	}
	if id, ok = cursor.Lookup("id").Int64OK(); !ok {
		return nil, 0, "", false
	}
	if ns, ok = cursor.Lookup("ns").StringValueOK(); !ok {
		return nil, 0, "", false
	}
	vals, err := batch.Values()
	if err != nil {
		return nil, 0, "", false
	}
	for _, v := range vals {
		d, ok := v.DocumentOK()
		if !ok {
			return nil, 0, "", false
		}
		docs = append(docs, d)
	}
	return docs, id, ns, true
}
