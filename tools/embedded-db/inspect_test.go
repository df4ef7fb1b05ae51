package main

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

// section is one OP_MSG section for buildMsg: a body (seqID == "") or a
// document sequence.
type section struct {
	seqID string
	docs  []any
}

func body(d any) section { return section{docs: []any{d}} }

func seq(id string, docs ...any) section { return section{seqID: id, docs: docs} }

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildMsg builds an OP_MSG with the given flags and sections, in order.
func buildMsg(t testing.TB, reqID int32, flags wiremessage.MsgFlag, sections ...section) []byte {
	t.Helper()
	idx, b := wiremessage.AppendHeaderStart(nil, reqID, 0, wiremessage.OpMsg)
	b = wiremessage.AppendMsgFlags(b, flags)
	for _, s := range sections {
		if s.seqID == "" {
			b = wiremessage.AppendMsgSectionType(b, wiremessage.SingleDocument)
			b = append(b, marshal(t, s.docs[0])...)
			continue
		}
		b = wiremessage.AppendMsgSectionType(b, wiremessage.DocumentSequence)
		var sidx int32
		sidx, b = bsoncore.ReserveLength(b)
		b = append(b, s.seqID...)
		b = append(b, 0)
		for _, d := range s.docs {
			b = append(b, marshal(t, d)...)
		}
		b = bsoncore.UpdateLength(b, sidx, int32(len(b[sidx:])))
	}
	return bsoncore.UpdateLength(b, idx, int32(len(b)))
}

func cmd(name string, rest ...bson.E) bson.D {
	d := bson.D{{Key: name, Value: "c"}}
	d = append(d, rest...)
	return append(d, bson.E{Key: "$db", Value: "test"})
}

func TestInspectCommandName(t *testing.T) {
	tests := []struct {
		name    string
		msg     []byte
		command string
		write   bool
	}{
		{"find", buildMsg(t, 1, 0, body(cmd("find"))), "find", false},
		{"insert", buildMsg(t, 1, 0, body(cmd("insert", bson.E{Key: "documents", Value: bson.A{bson.D{{Key: "a", Value: 1}}}}))), "insert", true},
		{"insert with sequence first", buildMsg(t, 1, 0,
			seq("documents", bson.D{{Key: "a", Value: 1}}, bson.D{{Key: "a", Value: 2}}),
			body(cmd("insert"))), "insert", true},
		{"update with sequence after body", buildMsg(t, 1, 0,
			body(cmd("update")),
			seq("updates", bson.D{{Key: "q", Value: bson.D{}}, {Key: "u", Value: bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}}}})),
			"update", true},
		{"delete", buildMsg(t, 1, 0, body(cmd("delete"))), "delete", true},
		{"findAndModify", buildMsg(t, 1, 0, body(cmd("findAndModify"))), "findAndModify", true},
		{"findandmodify", buildMsg(t, 1, 0, body(cmd("findandmodify"))), "findandmodify", true},
		{"createIndexes", buildMsg(t, 1, 0, body(cmd("createIndexes"))), "createIndexes", true},
		{"dropDatabase", buildMsg(t, 1, 0, body(bson.D{{Key: "dropDatabase", Value: 1}, {Key: "$db", Value: "test"}})), "dropDatabase", true},
		{"aggregate", buildMsg(t, 1, 0, body(cmd("aggregate", bson.E{Key: "pipeline", Value: bson.A{}}))), "aggregate", false},
		{"aggregate $out", buildMsg(t, 1, 0, body(cmd("aggregate", bson.E{Key: "pipeline", Value: bson.A{bson.D{{Key: "$out", Value: "x"}}}}))), "aggregate", true},
		{"ping", buildMsg(t, 1, 0, body(bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})), "ping", false},
		{"hello", buildMsg(t, 1, 0, body(bson.D{{Key: "hello", Value: 1}, {Key: "$db", Value: "admin"}})), "hello", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := inspect(tc.msg)
			if in.command != tc.command || in.write != tc.write || in.refuse != nil {
				t.Fatalf("got command %q write %v refuse %v; want %q %v nil", in.command, in.write, in.refuse, tc.command, tc.write)
			}
			if in.requestID != 1 || in.opcode != wiremessage.OpMsg {
				t.Fatalf("requestID %d opcode %v", in.requestID, in.opcode)
			}
		})
	}
}

func TestInspectFlags(t *testing.T) {
	in := inspect(buildMsg(t, 7, wiremessage.MoreToCome, body(cmd("insert"))))
	if !in.moreToCome || !in.write {
		t.Fatalf("moreToCome %v write %v", in.moreToCome, in.write)
	}
	in = inspect(buildMsg(t, 7, wiremessage.ExhaustAllowed, body(cmd("find"))))
	if in.moreToCome || in.write {
		t.Fatalf("exhaustAllowed: moreToCome %v write %v", in.moreToCome, in.write)
	}
	// checksumPresent: the last 4 bytes are the checksum, not a section.
	msg := buildMsg(t, 7, wiremessage.ChecksumPresent, body(cmd("update")))
	msg = append(msg, 1, 2, 3, 4)
	msg = bsoncore.UpdateLength(msg, 0, int32(len(msg)))
	if in = inspect(msg); in.command != "update" || !in.write {
		t.Fatalf("checksum: %+v", in)
	}
}

func TestInspectLegacyAndMalformed(t *testing.T) {
	// OP_QUERY hello on admin.$cmd passes as a read.
	idx, q := wiremessage.AppendHeaderStart(nil, 3, 0, wiremessage.OpQuery)
	q = wiremessage.AppendQueryFlags(q, 0)
	q = wiremessage.AppendQueryFullCollectionName(q, "admin.$cmd")
	q = wiremessage.AppendQueryNumberToSkip(q, 0)
	q = wiremessage.AppendQueryNumberToReturn(q, -1)
	q = append(q, marshal(t, bson.D{{Key: "isMaster", Value: 1}})...)
	q = bsoncore.UpdateLength(q, idx, int32(len(q)))
	if in := inspect(q); in.write || in.refuse != nil || in.opcode != wiremessage.OpQuery {
		t.Fatalf("OP_QUERY: %+v", in)
	}

	// A malformed OP_MSG is forwarded under the lock (FerretDB answers it).
	bad := buildMsg(t, 1, 0, body(cmd("find")))
	bad = append(bad, 5, 0, 0) // unknown section kind
	bad = bsoncore.UpdateLength(bad, 0, int32(len(bad)))
	if in := inspect(bad); !in.write || in.refuse != nil {
		t.Fatalf("malformed: %+v", in)
	}
}

func d(pairs ...any) bson.D {
	var out bson.D
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, bson.E{Key: pairs[i].(string), Value: pairs[i+1]})
	}
	return out
}

func aggregate(stages ...any) bson.D {
	return cmd("aggregate", bson.E{Key: "pipeline", Value: bson.A(stages)}, bson.E{Key: "cursor", Value: bson.D{}})
}

func TestInspectRefusals(t *testing.T) {
	oid := primitive.NewObjectID()
	tests := []struct {
		name   string
		msg    []byte
		refuse string // substring of errmsg; "" = must pass
	}{
		// $group accumulators
		{"group two accumulators", buildMsg(t, 1, 0, body(aggregate(
			d("$match", d("a", 1)),
			d("$group", d("_id", "$k", "t", d("$sum", "$n"), "c", d("$sum", 1)))))), "one accumulator per $group"},
		{"group one accumulator", buildMsg(t, 1, 0, body(aggregate(
			d("$group", d("_id", "$k", "c", d("$sum", 1)))))), ""},
		{"group only _id", buildMsg(t, 1, 0, body(aggregate(d("$group", d("_id", "$k"))))), ""},

		// $project in aggregate
		{"project field path", buildMsg(t, 1, 0, body(aggregate(d("$project", d("h", "$host"))))), "inclusion (1/true) or exclusion (0/false)"},
		{"project $concat", buildMsg(t, 1, 0, body(aggregate(d("$project", d("n", d("$concat", bson.A{"$a", "b"})))))), "inclusion"},
		{"project $literal", buildMsg(t, 1, 0, body(aggregate(d("$project", d("one", d("$literal", 1)))))), "inclusion"},
		{"project nested field path", buildMsg(t, 1, 0, body(aggregate(d("$project", d("a", d("b", "$x")))))), "inclusion"},
		{"project $slice expression", buildMsg(t, 1, 0, body(aggregate(d("$project", d("a", d("$slice", bson.A{"$a", 2})))))), "inclusion"},
		{"project inclusion", buildMsg(t, 1, 0, body(aggregate(d("$project", d("a", 1, "b", true, "_id", 0))))), ""},
		{"project exclusion", buildMsg(t, 1, 0, body(aggregate(d("$project", d("a", 0))))), ""},
		{"project dotted inclusion", buildMsg(t, 1, 0, body(aggregate(d("$project", d("a.b", 1))))), ""},
		{"project sub-document inclusion", buildMsg(t, 1, 0, body(aggregate(d("$project", d("a", d("b", 1)))))), ""},

		// find / findAndModify projections
		{"find projection field path", buildMsg(t, 1, 0, body(cmd("find", bson.E{Key: "projection", Value: d("h", "$host")}))), "inclusion"},
		{"find projection expression", buildMsg(t, 1, 0, body(cmd("find", bson.E{Key: "projection", Value: d("x", d("$literal", 1))}))), "inclusion"},
		{"find projection inclusion", buildMsg(t, 1, 0, body(cmd("find", bson.E{Key: "projection", Value: d("a", 1, "b", true)}))), ""},
		{"find projection exclusion", buildMsg(t, 1, 0, body(cmd("find", bson.E{Key: "projection", Value: d("a", 0, "b", false)}))), ""},
		{"find projection dotted", buildMsg(t, 1, 0, body(cmd("find", bson.E{Key: "projection", Value: d("a.b", 1)}))), ""},
		{"find projection $slice", buildMsg(t, 1, 0, body(cmd("find", bson.E{Key: "projection", Value: d("tags", d("$slice", 2))}))), ""},
		{"find projection $elemMatch", buildMsg(t, 1, 0, body(cmd("find", bson.E{Key: "projection", Value: d("arr", d("$elemMatch", d("$eq", 1)))}))), ""},
		{"findAndModify fields field path", buildMsg(t, 1, 0, body(cmd("findAndModify",
			bson.E{Key: "query", Value: d("_id", 1)}, bson.E{Key: "update", Value: d("$inc", d("n", 1))},
			bson.E{Key: "fields", Value: d("h", "$host")}))), "inclusion"},
		{"findAndModify fields inclusion", buildMsg(t, 1, 0, body(cmd("findAndModify",
			bson.E{Key: "query", Value: d("_id", 1)}, bson.E{Key: "update", Value: d("$inc", d("n", 1))},
			bson.E{Key: "fields", Value: d("n", 1)}))), ""},

		// $pull
		{"update $pull $in", buildMsg(t, 1, 0, body(cmd("update", bson.E{Key: "updates", Value: bson.A{
			d("q", d("_id", 1), "u", d("$pull", d("tags", d("$in", bson.A{"a", "b"})))),
		}}))), "$pull removes only elements equal"},
		{"update $pull $gte", buildMsg(t, 1, 0, body(cmd("update", bson.E{Key: "updates", Value: bson.A{
			d("q", d("_id", 1), "u", d("$set", d("x", 1))),
			d("q", d("_id", 2), "u", d("$pull", d("scores", d("$gte", 5)))),
		}}))), "pull exact values (or $pullAll)"},
		{"update $pull sub-document in sequence", buildMsg(t, 1, 0, body(cmd("update")),
			seq("updates", d("q", d("_id", 1), "u", d("$pull", d("parts", d("u", 2)))))), "$pull"},
		{"update $pull sequence before body", buildMsg(t, 1, 0,
			seq("updates", d("q", d("_id", 1), "u", d("$pull", d("parts", d("u", 2))))), body(cmd("update"))), "$pull"},
		{"findAndModify $pull condition", buildMsg(t, 1, 0, body(cmd("findAndModify",
			bson.E{Key: "query", Value: d("_id", 1)}, bson.E{Key: "update", Value: d("$pull", d("tags", d("$in", bson.A{"x"})))}))), "$pull"},
		{"update $pull plain values", buildMsg(t, 1, 0, body(cmd("update", bson.E{Key: "updates", Value: bson.A{
			d("q", d("_id", 1), "u", d("$pull", d("tags", "a", "n", 5, "ids", oid))),
		}}))), ""},
		{"update $pull plain in sequence", buildMsg(t, 1, 0, body(cmd("update")),
			seq("updates", d("q", d("_id", 1), "u", d("$pull", d("tags", "a"))))), ""},
		{"findAndModify $pull plain", buildMsg(t, 1, 0, body(cmd("findAndModify",
			bson.E{Key: "query", Value: d("_id", 1)}, bson.E{Key: "update", Value: d("$pull", d("ids", oid))}))), ""},
		{"update $pullAll", buildMsg(t, 1, 0, body(cmd("update", bson.E{Key: "updates", Value: bson.A{
			d("q", d("_id", 1), "u", d("$pullAll", d("tags", bson.A{"a", "b"}))),
		}}))), ""},
		{"update pipeline", buildMsg(t, 1, 0, body(cmd("update", bson.E{Key: "updates", Value: bson.A{
			d("q", d("_id", 1), "u", bson.A{d("$set", d("a", 1))}),
		}}))), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := inspect(tc.msg)
			if tc.refuse == "" {
				if in.refuse != nil {
					t.Fatalf("refused a shape that must pass: %s", in.refuse.errmsg)
				}
				return
			}
			if in.refuse == nil {
				t.Fatalf("not refused; want %q", tc.refuse)
			}
			if !strings.Contains(in.refuse.errmsg, tc.refuse) || in.refuse.code != 238 || in.refuse.codeName != "NotImplemented" {
				t.Fatalf("refusal %+v; want errmsg containing %q", in.refuse, tc.refuse)
			}
		})
	}
}

func TestErrorReply(t *testing.T) {
	r := refuseNotImplemented(msgGroupAccumulators)
	reply := errorReply(42, r)
	length, _, respTo, opcode, _, ok := wiremessage.ReadHeader(reply)
	if !ok || int(length) != len(reply) || respTo != 42 || opcode != wiremessage.OpMsg {
		t.Fatalf("header: length %d/%d responseTo %d opcode %v", length, len(reply), respTo, opcode)
	}
	doc, err := replyBody(reply)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK       float64 `bson:"ok"`
		Errmsg   string  `bson:"errmsg"`
		Code     int32   `bson:"code"`
		CodeName string  `bson:"codeName"`
	}
	if err := bson.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	if got.OK != 0 || got.Errmsg != msgGroupAccumulators || got.Code != 238 || got.CodeName != "NotImplemented" {
		t.Fatalf("reply body %+v", got)
	}
}
