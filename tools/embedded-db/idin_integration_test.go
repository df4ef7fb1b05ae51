package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// FerretDB pushes an _id equality down to SQLite only when _id is the
// filter's sole key, which is why the front splits only { _id: { $in } }
// and leaves { _id: { $in }, status: … } to FerretDB.
func TestIntegrationIDPushdownOnlyForSoleID(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	_, client := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := client.Database("it")
	if _, err := db.Collection("users").InsertOne(ctx, bson.D{{Key: "_id", Value: "u1"}, {Key: "status", Value: "active"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter bson.D
		want   bool
	}{
		{bson.D{{Key: "_id", Value: "u1"}}, true},
		{bson.D{{Key: "_id", Value: primitive.NewObjectID()}}, true},
		{bson.D{{Key: "_id", Value: "u1"}, {Key: "status", Value: "active"}}, false},
		{bson.D{{Key: "status", Value: "active"}, {Key: "_id", Value: "u1"}}, false},
		{idIn("u1"), false},
	} {
		var res struct {
			FilterPushdown bool `bson:"filterPushdown"`
		}
		err := db.RunCommand(ctx, bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: "users"}, {Key: "filter", Value: tc.filter}}}}).Decode(&res)
		if err != nil {
			t.Fatal(err)
		}
		if res.FilterPushdown != tc.want {
			t.Errorf("%v: filterPushdown %v, want %v", tc.filter, res.FilterPushdown, tc.want)
		}
	}
}

// idInFixture is a users collection with ObjectId and string _ids, in
// insertion order.
type idInFixture struct {
	coll *mongo.Collection
	oids []primitive.ObjectID
	strs []string
}

func newIDInFixture(t *testing.T, ctx context.Context, client *mongo.Client) *idInFixture {
	t.Helper()
	f := &idInFixture{coll: client.Database("it").Collection("users")}
	var docs []any
	for i := 0; i < 6; i++ {
		f.oids = append(f.oids, primitive.NewObjectID())
		f.strs = append(f.strs, fmt.Sprintf("s%d", i))
		status := "active"
		if i%2 == 1 {
			status = "blocked"
		}
		for _, id := range []any{f.oids[i], f.strs[i]} {
			docs = append(docs, bson.D{{Key: "_id", Value: id}, {Key: "name", Value: fmt.Sprintf("user %v", id)},
				{Key: "status", Value: status}, {Key: "tags", Value: bson.A{"a", "b", i}}, {Key: "n", Value: i}})
		}
	}
	if _, err := f.coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	return f
}

// findAll runs find and returns the documents as extended JSON, in the
// order received, or the error.
func findAll(ctx context.Context, coll *mongo.Collection, filter any, opts *options.FindOptions) ([]string, error) {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.String()
	}
	return out, nil
}

// Every $in shape gives the documents FerretDB gives for the same
// condition wrapped in $and (a filter the front always forwards).
func TestIntegrationIDInMatchesPlainQuery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	_, client := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f := newIDInFixture(t, ctx, client)
	o, s := f.oids, f.strs
	missing := primitive.NewObjectID()

	over256 := []any{}
	for i := 0; i < 300; i++ {
		over256 = append(over256, fmt.Sprintf("nope%d", i))
	}
	over256 = append(over256, o[0], s[5])

	sorted := func() *options.FindOptions { return options.Find().SetSort(bson.D{{Key: "name", Value: -1}}) }
	for _, tc := range []struct {
		name    string
		filter  bson.D
		opts    *options.FindOptions
		want    int  // documents expected
		ordered bool // compare in order (sorted finds)
	}{
		{name: "ObjectIds", filter: idIn(o[0], o[2], o[4]), want: 3},
		{name: "strings", filter: idIn(s[1], s[3]), want: 2},
		{name: "mixed", filter: idIn(o[1], s[1], s[2]), want: 3},
		{name: "duplicates", filter: idIn(s[1], s[1], o[1], o[1], s[1]), want: 2},
		{name: "hex string is not the ObjectId", filter: idIn(o[0].Hex(), s[0]), want: 1},
		{name: "ids that do not exist", filter: idIn(s[0], missing, "nope", o[5]), want: 2},
		{name: "empty result", filter: idIn(missing, "nope"), want: 0},
		{name: "inclusion projection", filter: idIn(o[0], s[0]), opts: options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}), want: 2},
		{name: "exclusion projection", filter: idIn(o[0], s[0]), opts: options.Find().SetProjection(bson.D{{Key: "tags", Value: 0}, {Key: "_id", Value: 0}}), want: 2},
		{name: "batchSize smaller than the result", filter: idIn(o[0], o[1], o[2], s[0], s[1]), opts: options.Find().SetBatchSize(2), want: 5},
		{name: "comment and maxTimeMS", filter: idIn(o[0], s[3]), opts: options.Find().SetComment("why").SetMaxTime(5 * time.Second), want: 2},
		// Not answered by lookups (forwarded):
		{name: "another condition excluding some", filter: append(idIn(o[0], o[1], s[2], s[3]), bson.E{Key: "status", Value: "active"}), want: 2},
		{name: "sort", filter: idIn(o[0], s[0], o[3], s[3]), opts: sorted(), want: 4, ordered: true},
		{name: "sort and limit", filter: idIn(o[0], s[0], o[3], s[3]), opts: sorted().SetLimit(2), want: 2, ordered: true},
		{name: "sort and skip", filter: idIn(o[0], s[0], o[3], s[3]), opts: sorted().SetSkip(1), want: 3, ordered: true},
		{name: "more than 256 values", filter: idIn(over256...), want: 2},
		{name: "a regex", filter: idIn(primitive.Regex{Pattern: "^s[0-2]$"}, o[4]), want: 4},
		{name: "another operator on _id", filter: bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{s[0], s[1], s[2]}}, {Key: "$ne", Value: s[1]}}}}, want: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := findAll(ctx, f.coll, tc.filter, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := findAll(ctx, f.coll, bson.D{{Key: "$and", Value: bson.A{tc.filter}}}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Errorf("%d documents, want %d: %v", len(got), tc.want, got)
			}
			if !tc.ordered {
				slices.Sort(got)
				slices.Sort(plain)
			}
			if !slices.Equal(got, plain) {
				t.Errorf("got   %v\nplain %v", got, plain)
			}
		})
	}

	// A collection or database that does not exist: no documents.
	for _, coll := range []*mongo.Collection{client.Database("it").Collection("none"), client.Database("nodb").Collection("users")} {
		if got, err := findAll(ctx, coll, idIn(s[0]), nil); err != nil || len(got) != 0 {
			t.Errorf("%s: %v %v", coll.Name(), got, err)
		}
	}
}

// The front answers in the order the ids are listed (FerretDB's scan
// answers in table order), which shows the lookups ran.
func TestIntegrationIDInAnsweredByLookups(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	_, client := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := newIDInFixture(t, ctx, client)
	o, s := f.oids, f.strs

	ids := func(filter any) []any {
		cur, err := f.coll.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			ID any `bson:"_id"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		var out []any
		for _, d := range docs {
			out = append(out, d.ID)
		}
		return out
	}
	listed := []any{s[5], o[0], "nope", s[2], o[4], s[5]}
	want := []any{s[5], o[0], s[2], o[4]}
	if got := ids(idIn(listed...)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lookups: %v, want %v (the order listed)", got, want)
	}
	tableOrder := []any{o[0], s[2], o[4], s[5]}
	if got := ids(bson.D{{Key: "$and", Value: bson.A{idIn(listed...)}}}); fmt.Sprint(got) != fmt.Sprint(tableOrder) {
		t.Errorf("forwarded: %v, want %v (table order)", got, tableOrder)
	}
}

// A lookup's error reaches the client as FerretDB gives it for the
// original find.
func TestIntegrationIDInErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	_, client := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := newIDInFixture(t, ctx, client)
	db := client.Database("it")

	for name, extra := range map[string]bson.E{
		"mixed projection":  {Key: "projection", Value: bson.D{{Key: "name", Value: 1}, {Key: "tags", Value: 0}}},
		"negative maxTime":  {Key: "maxTimeMS", Value: int32(-1)},
		"noCursorTimeout":   {Key: "noCursorTimeout", Value: true},
		"$slice projection": {Key: "projection", Value: bson.D{{Key: "tags", Value: bson.D{{Key: "$slice", Value: 1}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			run := func(filter bson.D) mongo.CommandError {
				err := db.RunCommand(ctx, bson.D{{Key: "find", Value: "users"}, {Key: "filter", Value: filter}, extra}).Err()
				var ce mongo.CommandError
				if !errors.As(err, &ce) {
					t.Fatalf("%v, want a command error", err)
				}
				return ce
			}
			filter := idIn(f.oids[0], f.strs[0])
			got, plain := run(filter), run(bson.D{{Key: "$and", Value: bson.A{filter}}})
			if got.Code != plain.Code || got.Message != plain.Message || got.Name != plain.Name {
				t.Errorf("got %+v\nplain %+v", got, plain)
			}
		})
	}
}

// Through the Go driver, as the app's driver sees it: one batch, cursor
// id 0, the namespace; concurrent clients get their own answers.
func TestIntegrationIDInThroughTheDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	_, client := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f := newIDInFixture(t, ctx, client)
	o, s := f.oids, f.strs

	var raw bson.Raw
	err := client.Database("it").RunCommand(ctx, bson.D{{Key: "find", Value: "users"}, {Key: "filter", Value: idIn(o[0], s[1], o[2])},
		{Key: "batchSize", Value: 1}}).Decode(&raw)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Cursor struct {
			FirstBatch []bson.Raw `bson:"firstBatch"`
			ID         int64      `bson:"id"`
			NS         string     `bson:"ns"`
		} `bson:"cursor"`
		OK float64 `bson:"ok"`
	}
	if err := bson.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Cursor.FirstBatch) != 3 || res.Cursor.ID != 0 || res.Cursor.NS != "it.users" || res.OK != 1 {
		t.Fatalf("reply %s", raw)
	}

	// Cursor iteration, one at a time.
	cur, err := f.coll.Find(ctx, idIn(s[0], s[1], s[2], s[3]), options.Find().SetBatchSize(1))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for cur.Next(ctx) {
		n++
	}
	if err := cur.Err(); err != nil || n != 4 || cur.ID() != 0 {
		t.Fatalf("iterated %d documents, cursor id %d, %v", n, cur.ID(), err)
	}
	_ = cur.Close(ctx)

	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				a, b := (g+i)%6, (g+2*i+1)%6
				var docs []struct {
					ID any `bson:"_id"`
				}
				cur, err := f.coll.Find(ctx, idIn(o[a], s[b], "nope"))
				if err == nil {
					err = cur.All(ctx, &docs)
				}
				if err != nil || len(docs) != 2 || docs[0].ID != o[a] || docs[1].ID != s[b] {
					t.Errorf("client %d: %v %v, want %v and %v", g, docs, err, o[a], s[b])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}
