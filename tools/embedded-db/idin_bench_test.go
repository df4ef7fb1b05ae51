package main

import (
	"context"
	"log"
	"math/rand"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
)

// TestIDInLatency measures find({ _id: { $in: [...] } }) of 4 and of 50
// existing ids on a users collection of 10,000 documents, forwarded to
// FerretDB (EMBEDDED_DB_ID_IN=off) and answered by _id lookups. It runs
// only with EMBEDDED_DB_BENCH=1:
//
//	EMBEDDED_DB_BENCH=1 go test -run IDInLatency -v .
func TestIDInLatency(t *testing.T) {
	if os.Getenv("EMBEDDED_DB_BENCH") != "1" {
		t.Skip("set EMBEDDED_DB_BENCH=1 to measure")
	}
	const n = 10_000
	dir := t.TempDir()
	var ids []primitive.ObjectID
	for _, off := range []bool{true, false} {
		logs := &syncBuffer{}
		s, err := startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs, noIDIn: off})
		if err != nil {
			t.Fatalf("start: %v\n%s", err, logs)
		}
		c, err := mongo.Connect(context.Background(), clientOptions(s))
		if err != nil {
			t.Fatal(err)
		}
		users := c.Database("bench").Collection("users")
		if ids == nil {
			ids = seedUsers(t, users, n)
		}
		mode := "lookups"
		runs := 200
		if off {
			mode, runs = "forwarded", 15
		}
		for _, k := range []int{4, 50} {
			p50, p95 := measureIDIn(t, users, ids, k, runs)
			t.Logf("%d users, $in of %2d ids, %-9s: p50 %9s  p95 %9s  (%d runs)", n, k, mode, p50, p95, runs)
		}
		_ = c.Disconnect(context.Background())
		s.Stop()
	}
}

func measureIDIn(t *testing.T, users *mongo.Collection, ids []primitive.ObjectID, k, runs int) (p50, p95 time.Duration) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewSource(int64(k)))
	var times []time.Duration
	for i := 0; i < runs+3; i++ {
		want := map[primitive.ObjectID]bool{}
		for len(want) < k {
			want[ids[rng.Intn(len(ids))]] = true
		}
		list := bson.A{}
		for id := range want {
			list = append(list, id)
		}
		t0 := time.Now()
		cur, err := users.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: list}}}})
		if err != nil {
			t.Fatal(err)
		}
		var got []bson.Raw
		if err := cur.All(ctx, &got); err != nil || len(got) != k {
			t.Fatalf("found %d of %d: %v", len(got), k, err)
		}
		if i >= 3 {
			times = append(times, time.Since(t0))
		}
	}
	return percentiles(times)
}
