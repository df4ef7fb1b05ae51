package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
)

// TestIDLookupLatency measures findOne({ _id }) on a users collection of
// 10,000 and 50,000 documents with the _id lookup index off and on. It takes
// a minute or two, so it runs only with EMBEDDED_DB_BENCH=1:
//
//	EMBEDDED_DB_BENCH=1 go test -run IDLookupLatency -v .
func TestIDLookupLatency(t *testing.T) {
	if os.Getenv("EMBEDDED_DB_BENCH") != "1" {
		t.Skip("set EMBEDDED_DB_BENCH=1 to measure")
	}
	for _, n := range []int{10_000, 50_000} {
		for _, off := range []bool{true, false} {
			runs := 500
			if off {
				runs = 40
			}
			p50, p95, seed := measureIDLookup(t, n, off, runs)
			mode := "on"
			if off {
				mode = "off"
			}
			t.Logf("%6d users, index %-3s: findOne({_id}) p50 %8s  p95 %8s  (%d runs; seeding %v)",
				n, mode, p50, p95, runs, seed.Round(time.Millisecond))
		}
	}
}

func measureIDLookup(t *testing.T, n int, off bool, runs int) (p50, p95, seed time.Duration) {
	t.Helper()
	logs := &syncBuffer{}
	dir := t.TempDir()
	if off {
		// Afterwards: how long the start-up pass takes to add the index
		// to the existing collection.
		defer func() {
			t0 := time.Now()
			s, err := startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs})
			if err != nil {
				t.Fatalf("restart: %v\n%s", err, logs)
			}
			t.Logf("%6d users: restart with the index on (builds it) took %v", n, time.Since(t0).Round(time.Millisecond))
			s.Stop()
		}()
	}
	s, err := startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs, noIDIndex: off})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, logs)
	}
	defer s.Stop()
	ctx := context.Background()
	c, err := mongo.Connect(ctx, clientOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	users := c.Database("bench").Collection("users")

	start := time.Now()
	ids := seedUsers(t, users, n)
	seed = time.Since(start)

	rng := rand.New(rand.NewSource(1))
	var times []time.Duration
	for i := 0; i < runs+5; i++ {
		id := ids[rng.Intn(n)]
		t0 := time.Now()
		var got struct {
			ID primitive.ObjectID `bson:"_id"`
		}
		if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil || got.ID != id {
			t.Fatalf("findOne: %v %v", got.ID, err)
		}
		if i >= 5 {
			times = append(times, time.Since(t0))
		}
	}
	p50, p95 = percentiles(times)
	return p50, p95, seed
}

// seedUsers inserts n users with ObjectId _ids (in batches of 1,000) and
// returns their ids.
func seedUsers(t *testing.T, users *mongo.Collection, n int) []primitive.ObjectID {
	t.Helper()
	ids := make([]primitive.ObjectID, n)
	batch := make([]any, 0, 1000)
	for i := range ids {
		ids[i] = primitive.NewObjectID()
		batch = append(batch, bson.D{
			{Key: "_id", Value: ids[i]},
			{Key: "email", Value: "user" + strconv.Itoa(i) + "@example.com"},
			{Key: "name", Value: fmt.Sprintf("User %d", i)},
			{Key: "passwordHash", Value: "$2b$10$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ"},
			{Key: "createdAt", Value: time.Now()},
		})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := users.InsertMany(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return ids
}

// percentiles returns the 50th and 95th percentiles of times (sorted in
// place), rounded to 10 µs.
func percentiles(times []time.Duration) (p50, p95 time.Duration) {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	pct := func(p float64) time.Duration {
		return times[int(p*float64(len(times)-1)+0.5)].Round(10 * time.Microsecond)
	}
	return pct(0.50), pct(0.95)
}
