package main

import (
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

// writeCommands are the commands whose whole round trip (request sent to
// FerretDB … reply received) runs under the process-wide write lock.
//
// FerretDB v1 runs update and findAndModify as read–modify–write with
// nothing holding other writers off, so every command that changes
// documents, collections, indexes or users is serialized here:
//
//   - documents:   insert, update, delete, findAndModify (also the
//     lower-case alias findandmodify), bulkWrite
//   - collections: create, drop, dropDatabase, renameCollection, collMod,
//     convertToCapped, cloneCollectionAsCapped, compact, reIndex
//   - indexes:     createIndexes, dropIndexes (and its alias deleteIndexes)
//   - users:       createUser, updateUser, dropUser, dropAllUsersFromDatabase
//
// An aggregate whose pipeline ends in $out or $merge writes too and takes the
// lock as well (see inspectOpMsg). Everything else (find, getMore, count,
// distinct, aggregate, listCollections, hello, ping, …) is a read and runs
// concurrently without the lock.
var writeCommands = map[string]struct{}{
	"insert":                   {},
	"update":                   {},
	"delete":                   {},
	"findAndModify":            {},
	"findandmodify":            {},
	"bulkWrite":                {},
	"create":                   {},
	"drop":                     {},
	"dropDatabase":             {},
	"renameCollection":         {},
	"collMod":                  {},
	"convertToCapped":          {},
	"cloneCollectionAsCapped":  {},
	"compact":                  {},
	"reIndex":                  {},
	"createIndexes":            {},
	"dropIndexes":              {},
	"deleteIndexes":            {},
	"createUser":               {},
	"updateUser":               {},
	"dropUser":                 {},
	"dropAllUsersFromDatabase": {},
}

// localCommands are answered { ok: 1 } by the front without forwarding.
// FerretDB v1 has no sessions: it answers endSessions, which every driver
// sends when it disconnects, with CommandNotFound and logs that reply at
// warn level, so every client leaving wrote a warning into the log. Ending
// sessions that do not exist has nothing to do.
var localCommands = map[string]struct{}{
	"endSessions": {},
}

// Error codes used in refusals (MongoDB's numbering).
const (
	codeNotImplemented = 238
)

// Refusal messages: each names the limitation and what to do instead.
const (
	msgGroupAccumulators = "embedded database: a $group stage with more than one accumulator returns wrong values on FerretDB v1; " +
		"use one accumulator per $group (run several aggregations)"
	msgProjection = "embedded database: a projection with a field path (\"$field\") or an expression returns wrong values on FerretDB v1; " +
		"project by inclusion (1/true) or exclusion (0/false) only and rename in code"
	msgPull = "embedded database: $pull removes only elements equal to the given value on FerretDB v1 " +
		"(a condition or a sub-document match removes nothing); pull exact values (or $pullAll)"
)

// refusal is an error answered by the front itself instead of FerretDB.
type refusal struct {
	code     int32
	codeName string
	errmsg   string
}

func refuseNotImplemented(msg string) *refusal {
	return &refusal{code: codeNotImplemented, codeName: "NotImplemented", errmsg: msg}
}

// inspection is what the front needs to know about one client message.
type inspection struct {
	opcode     wiremessage.OpCode
	requestID  int32
	command    string // first key of the OP_MSG body; empty for other opcodes
	write      bool   // take the write lock for the round trip
	moreToCome bool   // OP_MSG moreToCome: the client expects no reply
	refuse     *refusal
	// answerOK: the front answers { ok: 1 } itself (see localCommands).
	answerOK bool

	// For write commands only (the _id lookup index needs them):
	db     string // "$db"
	target string // the command's string value: the collection, or "<db>.<coll>" for renameCollection
	to     string // renameCollection's "to"
}

// inspect looks at one complete wire message (header included).
// It never modifies msg.
func inspect(msg []byte) inspection {
	_, reqID, _, opcode, rem, ok := wiremessage.ReadHeader(msg)
	in := inspection{opcode: opcode, requestID: reqID}
	if !ok || opcode != wiremessage.OpMsg {
		// OP_QUERY (legacy hello/isMaster handshake), OP_COMPRESSED (never
		// negotiated: FerretDB advertises no compressors) and anything else
		// pass through unchanged.
		return in
	}

	flags, rem, ok := wiremessage.ReadMsgFlags(rem)
	if !ok {
		// Malformed: let FerretDB answer it, but do not let it race writes.
		in.write = true
		return in
	}
	in.moreToCome = flags&wiremessage.MoreToCome != 0
	if flags&wiremessage.ChecksumPresent != 0 {
		if len(rem) < 4 {
			in.write = true
			return in
		}
		rem = rem[:len(rem)-4]
	}

	body, seqs, ok := readSections(rem)
	if !ok || body == nil {
		in.write = true
		return in
	}

	elem, err := body.IndexErr(0)
	if err != nil {
		in.write = true
		return in
	}
	in.command = elem.Key()
	_, in.answerOK = localCommands[in.command]
	_, in.write = writeCommands[in.command]
	if in.write {
		in.target, _ = elem.Value().StringValueOK()
		in.db, _ = body.Lookup("$db").StringValueOK()
		if in.command == "renameCollection" {
			in.to, _ = body.Lookup("to").StringValueOK()
		}
	}

	switch in.command {
	case "aggregate":
		pipeline, _ := body.Lookup("pipeline").ArrayOK()
		if pipelineWrites(pipeline) {
			in.write = true
		}
		in.refuse = checkPipeline(pipeline)
	case "find":
		if p, ok := body.Lookup("projection").DocumentOK(); ok {
			in.refuse = checkProjection(p, true)
		}
	case "findAndModify", "findandmodify":
		for _, key := range []string{"fields", "projection"} {
			if p, ok := body.Lookup(key).DocumentOK(); ok && in.refuse == nil {
				in.refuse = checkProjection(p, true)
			}
		}
		if u, ok := body.Lookup("update").DocumentOK(); ok && in.refuse == nil {
			in.refuse = checkUpdateDoc(u)
		}
	case "update":
		if arr, ok := body.Lookup("updates").ArrayOK(); ok {
			vals, _ := arr.Values()
			for _, v := range vals {
				if d, ok := v.DocumentOK(); ok && in.refuse == nil {
					in.refuse = checkUpdateStatement(d)
				}
			}
		}
		for _, d := range seqs["updates"] {
			if in.refuse == nil {
				in.refuse = checkUpdateStatement(d)
			}
		}
	}

	return in
}

// readSections splits an OP_MSG payload (after the flags) into its body
// (kind 0) and its document sequences (kind 1) by identifier. The body may
// come after document sequences.
func readSections(rem []byte) (body bsoncore.Document, seqs map[string][]bsoncore.Document, ok bool) {
	for len(rem) > 0 {
		var stype wiremessage.SectionType
		stype, rem, ok = wiremessage.ReadMsgSectionType(rem)
		if !ok {
			return nil, nil, false
		}
		switch stype {
		case wiremessage.SingleDocument:
			var doc bsoncore.Document
			doc, rem, ok = wiremessage.ReadMsgSectionSingleDocument(rem)
			if !ok || body != nil {
				return nil, nil, false
			}
			body = doc
		case wiremessage.DocumentSequence:
			var id string
			var docs []bsoncore.Document
			id, docs, rem, ok = wiremessage.ReadMsgSectionDocumentSequence(rem)
			if !ok {
				return nil, nil, false
			}
			if seqs == nil {
				seqs = make(map[string][]bsoncore.Document, 1)
			}
			seqs[id] = append(seqs[id], docs...)
		default:
			return nil, nil, false
		}
	}
	return body, seqs, true
}

// pipelineWrites reports whether an aggregation pipeline writes ($out, $merge).
func pipelineWrites(pipeline bsoncore.Array) bool {
	stages, _ := pipeline.Values()
	for _, s := range stages {
		d, ok := s.DocumentOK()
		if !ok {
			continue
		}
		if e, err := d.IndexErr(0); err == nil {
			if k := e.Key(); k == "$out" || k == "$merge" {
				return true
			}
		}
	}
	return false
}

// checkPipeline refuses the aggregation shapes FerretDB v1 answers wrongly.
func checkPipeline(pipeline bsoncore.Array) *refusal {
	stages, _ := pipeline.Values()
	for _, s := range stages {
		d, ok := s.DocumentOK()
		if !ok {
			continue
		}
		elems, err := d.Elements()
		if err != nil || len(elems) == 0 {
			continue
		}
		spec, ok := elems[0].Value().DocumentOK()
		if !ok {
			continue
		}
		switch elems[0].Key() {
		case "$group":
			fields, _ := spec.Elements()
			accumulators := 0
			for _, f := range fields {
				if f.Key() != "_id" {
					accumulators++
				}
			}
			if accumulators > 1 {
				return refuseNotImplemented(msgGroupAccumulators)
			}
		case "$project":
			if r := checkProjection(spec, false); r != nil {
				return r
			}
		}
	}
	return nil
}

// findProjectionOperators are projection operators of find/findAndModify;
// they are not computed values, so FerretDB either supports them or says so.
var findProjectionOperators = map[string]struct{}{
	"$elemMatch": {},
	"$slice":     {},
	"$meta":      {},
}

// checkProjection refuses a projection that computes values: a field-path
// string ("$field") or an expression (a document whose first key starts
// with "$"), at any depth. Inclusion, exclusion and sub-document inclusion
// ({ a: { b: 1 } }) pass. With find set, $elemMatch, $slice and $meta are
// allowed as projection operators.
func checkProjection(p bsoncore.Document, find bool) *refusal {
	elems, err := p.Elements()
	if err != nil {
		return nil
	}
	for _, e := range elems {
		if computedValue(e.Value(), find) {
			return refuseNotImplemented(msgProjection)
		}
	}
	return nil
}

func computedValue(v bsoncore.Value, find bool) bool {
	switch v.Type {
	case bsontype.String:
		return strings.HasPrefix(v.StringValue(), "$")
	case bsontype.EmbeddedDocument:
		d := v.Document()
		elems, err := d.Elements()
		if err != nil || len(elems) == 0 {
			return false
		}
		if first := elems[0].Key(); strings.HasPrefix(first, "$") {
			if _, ok := findProjectionOperators[first]; ok && find {
				return false
			}
			return true
		}
		for _, e := range elems {
			if computedValue(e.Value(), find) {
				return true
			}
		}
	case bsontype.Array:
		vals, _ := v.Array().Values()
		for _, x := range vals {
			if computedValue(x, false) {
				return true
			}
		}
	}
	return false
}

// checkUpdateStatement checks one entry of an update command's updates.
func checkUpdateStatement(stmt bsoncore.Document) *refusal {
	u, ok := stmt.Lookup("u").DocumentOK()
	if !ok {
		return nil // a pipeline update or a replacement is FerretDB's business
	}
	return checkUpdateDoc(u)
}

// checkUpdateDoc refuses a $pull whose condition is a document (an operator
// condition such as { $in: [...] } or a sub-document match): FerretDB v1
// removes only elements equal to the value as a whole, so it removes nothing.
func checkUpdateDoc(u bsoncore.Document) *refusal {
	pull, ok := u.Lookup("$pull").DocumentOK()
	if !ok {
		return nil
	}
	elems, err := pull.Elements()
	if err != nil {
		return nil
	}
	for _, e := range elems {
		if e.Value().Type == bsontype.EmbeddedDocument {
			return refuseNotImplemented(msgPull)
		}
	}
	return nil
}

// errorReply builds an OP_MSG reply { ok: 0, errmsg, code, codeName }
// answering the request with the given requestID.
func errorReply(requestID int32, r *refusal) []byte {
	return replyWith(requestID, bson.D{
		{Key: "ok", Value: 0.0},
		{Key: "errmsg", Value: r.errmsg},
		{Key: "code", Value: r.code},
		{Key: "codeName", Value: r.codeName},
	})
}

// okReply builds an OP_MSG reply { ok: 1 } answering requestID.
func okReply(requestID int32) []byte {
	return replyWith(requestID, bson.D{{Key: "ok", Value: 1.0}})
}

func replyWith(requestID int32, body bson.D) []byte {
	doc, err := bson.Marshal(body)
	if err != nil {
		panic(err) // cannot happen: fixed, well-typed document
	}
	return replyWithDoc(requestID, doc)
}

// replyWithDoc builds an OP_MSG reply with body doc answering requestID.
func replyWithDoc(requestID int32, doc bsoncore.Document) []byte {
	idx, b := wiremessage.AppendHeaderStart(nil, wiremessage.NextRequestID(), requestID, wiremessage.OpMsg)
	b = wiremessage.AppendMsgFlags(b, 0)
	b = wiremessage.AppendMsgSectionType(b, wiremessage.SingleDocument)
	b = append(b, doc...)
	return bsoncore.UpdateLength(b, idx, int32(len(b)))
}
