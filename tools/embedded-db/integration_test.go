package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// startTestServer runs a real FerretDB behind the front in a temporary
// data directory (deliberately long, so the socket path needs care).
func startTestServer(t *testing.T) (*server, *mongo.Client) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), strings.Repeat("long-data-directory-", 5))
	logs := &syncBuffer{}
	s, err := startServer(serverConfig{dataDir: dir, port: 0, logger: log.New(logs, "embedded-db: ", 0), logOut: logs})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, logs)
	}
	t.Cleanup(s.Stop)

	st, err := os.Stat(s.dataDir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v %v", st.Mode(), err)
	}
	// The data directory is too long for a socket address: the front's
	// socket lives in a private directory of its own, recorded in the
	// address file.
	wantPrivateSocket(t, s)
	if a, ok := readAddressFile(s.dataDir); !ok || a.Socket != s.frontSock || a.PrivateDir != s.privateDir {
		t.Fatalf("address file %+v %v", a, ok)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := mongo.Connect(ctx, clientOptions(s).SetMaxPoolSize(20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	if err := client.Ping(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return s, client
}

// wantPrivateSocket checks that the front's socket of s is in a private
// directory (0700) under the temp directory and is itself 0600.
func wantPrivateSocket(t *testing.T, s *server) {
	t.Helper()
	if s.privateDir == "" || filepath.Dir(s.frontSock) != s.privateDir || len(s.frontSock) > maxSocketPath {
		t.Fatalf("front socket %q (private dir %q)", s.frontSock, s.privateDir)
	}
	if st, err := os.Stat(s.privateDir); err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("private dir: %v %v", st, err)
	}
	if st, err := os.Stat(s.frontSock); err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("front socket: %v %v", st, err)
	}
}

func TestIntegrationAtomicWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	s, _ := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	// Ten separate clients (ten connections at least).
	var clients []*mongo.Client
	for i := 0; i < 10; i++ {
		c, err := mongo.Connect(ctx, clientOptions(s).SetMaxPoolSize(1))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Disconnect(context.Background())
		clients = append(clients, c)
	}
	coll := clients[0].Database("it").Collection("counters")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "c"}, {Key: "n", Value: 0}}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for _, c := range clients {
		wg.Add(1)
		go func(coll *mongo.Collection) {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "c"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
					errs <- err
				}
			}
		}(c.Database("it").Collection("counters"))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got struct{ N int }
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "c"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.N != 1000 {
		t.Fatalf("n = %d after 10 × 100 $inc, want 1000", got.N)
	}

	// 20 racers for 5 seats.
	seats := clients[0].Database("it").Collection("seats")
	if _, err := seats.InsertOne(ctx, bson.D{{Key: "_id", Value: "call"}, {Key: "n", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	var won atomic.Int32
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(coll *mongo.Collection) {
			defer wg.Done()
			err := coll.FindOneAndUpdate(ctx,
				bson.D{{Key: "_id", Value: "call"}, {Key: "n", Value: bson.D{{Key: "$lt", Value: 5}}}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}).Err()
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, mongo.ErrNoDocuments):
			default:
				t.Error(err)
			}
		}(clients[i%10].Database("it").Collection("seats"))
	}
	wg.Wait()
	if err := seats.FindOne(ctx, bson.D{{Key: "_id", Value: "call"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if won.Load() != 5 || got.N != 5 {
		t.Fatalf("%d of 20 racers won, n = %d; want 5 and 5", won.Load(), got.N)
	}
}

func TestIntegrationRefusalsAndNearMisses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	_, client := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	coll := client.Database("it").Collection("docs")
	_, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: 1}, {Key: "k", Value: "a"}, {Key: "n", Value: 2}, {Key: "host", Value: "h1"}, {Key: "tags", Value: bson.A{"x", "y", "z"}}},
		bson.D{{Key: "_id", Value: 2}, {Key: "k", Value: "a"}, {Key: "n", Value: 3}, {Key: "host", Value: "h2"}, {Key: "tags", Value: bson.A{"y"}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	wantRefused := func(name string, err error, substr string) {
		t.Helper()
		var ce mongo.CommandError
		if !errors.As(err, &ce) || ce.Code != 238 || !strings.Contains(ce.Message, substr) {
			t.Errorf("%s: got %v, want refusal containing %q", name, err, substr)
		}
	}

	// $group: two accumulators refused, one accumulator answers right.
	_, err = coll.Aggregate(ctx, bson.A{bson.D{{Key: "$group", Value: bson.D{
		{Key: "_id", Value: "$k"}, {Key: "t", Value: bson.D{{Key: "$sum", Value: "$n"}}}, {Key: "c", Value: bson.D{{Key: "$sum", Value: 1}}},
	}}}})
	wantRefused("two accumulators", err, "one accumulator per $group")
	cur, err := coll.Aggregate(ctx, bson.A{bson.D{{Key: "$group", Value: bson.D{
		{Key: "_id", Value: "$k"}, {Key: "t", Value: bson.D{{Key: "$sum", Value: "$n"}}},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	var groups []struct {
		ID string `bson:"_id"`
		T  int    `bson:"t"`
	}
	if err := cur.All(ctx, &groups); err != nil || len(groups) != 1 || groups[0].T != 5 {
		t.Fatalf("one accumulator: %+v %v", groups, err)
	}

	// Projections.
	_, err = coll.Aggregate(ctx, bson.A{bson.D{{Key: "$project", Value: bson.D{{Key: "h", Value: "$host"}}}}})
	wantRefused("$project field path", err, "inclusion (1/true) or exclusion (0/false)")
	_, err = coll.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "h", Value: "$host"}}))
	wantRefused("find projection field path", err, "rename in code")
	var doc bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}, options.FindOne().SetProjection(bson.D{{Key: "host", Value: 1}})).Decode(&doc); err != nil || doc["host"] != "h1" || doc["n"] != nil {
		t.Fatalf("inclusion projection: %v %v", doc, err)
	}
	doc = nil
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}, options.FindOne().SetProjection(bson.D{{Key: "tags", Value: 0}})).Decode(&doc); err != nil || doc["tags"] != nil || doc["host"] != "h1" {
		t.Fatalf("exclusion projection: %v %v", doc, err)
	}

	// $pull.
	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$pull", Value: bson.D{{Key: "tags", Value: bson.D{{Key: "$in", Value: bson.A{"x"}}}}}}})
	wantRefused("$pull $in", err, "pull exact values")
	_, err = coll.UpdateMany(ctx, bson.D{}, bson.D{{Key: "$pull", Value: bson.D{{Key: "tags", Value: bson.D{{Key: "u", Value: 2}}}}}})
	wantRefused("$pull sub-document", err, "$pull removes only elements equal")
	err = coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$pull", Value: bson.D{{Key: "tags", Value: bson.D{{Key: "$gte", Value: "y"}}}}}}).Err()
	wantRefused("findOneAndUpdate $pull $gte", err, "$pull")
	if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$pull", Value: bson.D{{Key: "tags", Value: "x"}}}}); err != nil {
		t.Fatal(err)
	}
	var tags struct{ Tags []string }
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Decode(&tags); err != nil || strings.Join(tags.Tags, ",") != "y,z" {
		t.Fatalf("$pull plain value: %v %v", tags, err)
	}

	// Bulk updates travel as a document sequence: still inspected.
	_, err = coll.BulkWrite(ctx, []mongo.WriteModel{
		mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: 2}}).SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "a", Value: 1}}}}),
		mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: 2}}).SetUpdate(bson.D{{Key: "$pull", Value: bson.D{{Key: "tags", Value: bson.D{{Key: "$in", Value: bson.A{"y"}}}}}}}),
	})
	wantRefused("bulk $pull", err, "$pull")
}

// TestRunCLI checks the CLI contract in-process: one stdout line, then a
// clean exit when stdin closes.
func TestRunCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	dir := t.TempDir()
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		env := map[string]string{"DATA_DIR": dir}
		done <- run([]string{"--exit-on-stdin-close"}, func(k string) string { return env[k] }, stdinR, stdoutW, stderr)
		stdoutW.Close()
	}()

	sc := bufio.NewScanner(stdoutR)
	lines := make(chan string, 10)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var line string
	select {
	case line = <-lines:
	case code := <-done:
		t.Fatalf("exited %d: %s", code, stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("no MONGODB_URI line")
	}
	// No TCP listener was asked for: the line is the front's socket, only
	// this user's, and the address file (0600) says the same.
	sock := filepath.Join(dir, frontSocketName)
	if line != "MONGODB_URI="+socketURI(sock) {
		t.Fatalf("stdout line %q, want the socket %s", line, sock)
	}
	if err := pingOnce("unix", sock); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sqlite")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{socketName, frontSocketName, addressFileName} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", name, st, err)
		}
	}
	if a, ok := readAddressFile(dir); !ok || a.Socket != sock || a.URI != socketURI(sock) || a.TCPURI != "" || a.PID != os.Getpid() {
		t.Fatalf("address file: %+v %v", a, ok)
	}

	start := time.Now()
	stdinW.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10 s of stdin EOF")
	}
	t.Logf("shutdown took %v", time.Since(start))
	if extra, ok := <-lines; ok {
		t.Fatalf("extra stdout line %q", extra)
	}
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if !strings.HasPrefix(l, "embedded-db: ") {
			t.Errorf("stderr line without prefix: %q", l)
		}
	}
	// The lock is released: the directory can be owned again.
	l, err := acquireDirLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
}

// TestIntegrationRestartKeepsData stops the server and starts it again on
// the same data directory (stale socket, lock released).
func TestIntegrationRestartKeepsData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for round := 0; round < 2; round++ {
		logs := &syncBuffer{}
		s, err := startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs})
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, logs)
		}
		client, err := mongo.Connect(ctx, clientOptions(s))
		if err != nil {
			t.Fatal(err)
		}
		coll := client.Database("it").Collection("kept")
		if round == 0 {
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}, {Key: "v", Value: 42}}); err != nil {
				t.Fatal(err)
			}
		} else {
			var got struct{ V int }
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "x"}}).Decode(&got); err != nil || got.V != 42 {
				t.Fatalf("after restart: %+v %v", got, err)
			}
		}
		_ = client.Disconnect(ctx)
		s.Stop()
		// The driver's endSessions on disconnect is answered by the front,
		// so FerretDB logs no error reply for it.
		if strings.Contains(logs.String(), "endSessions") {
			t.Fatalf("round %d: endSessions reached FerretDB:\n%s", round, logs)
		}
	}
}

// TestIntegrationLongDataDirPrivateSocket: a data directory too long for a
// socket address is served through a private directory that goes away with
// a clean stop, and that a killed owner's successor cleans up.
func TestIntegrationLongDataDirPrivateSocket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	dir := filepath.Join(t.TempDir(), strings.Repeat("a-rather-long-data-directory-", 5))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	logs := &syncBuffer{}
	s, err := startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, logs)
	}
	wantPrivateSocket(t, s)
	client, err := mongo.Connect(ctx, clientOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Database("it").Collection("c").InsertOne(ctx, bson.D{{Key: "v", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	_ = client.Disconnect(ctx)
	first := s.privateDir
	s.Stop()
	if _, err := os.Stat(first); !os.IsNotExist(err) {
		t.Fatalf("private dir after stop: %v", err)
	}

	// A killed owner leaves its private directory and address file; the
	// next owner removes that directory and makes its own.
	stale, err := os.MkdirTemp("", privateDirPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAddressFile(s.dataDir, address{PID: 1, Socket: filepath.Join(stale, frontSocketName), PrivateDir: stale}); err != nil {
		t.Fatal(err)
	}
	s, err = startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs})
	if err != nil {
		t.Fatalf("restart: %v\n%s", err, logs)
	}
	defer s.Stop()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale private dir kept: %v", err)
	}
	wantPrivateSocket(t, s)
}
