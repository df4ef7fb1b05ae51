package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// pushedDownIDQuery is the statement FerretDB v1.24.2 runs for
// find({ _id: <string|ObjectId> }) (internal/backends/sqlite/collection.go).
func pushedDownIDQuery(table string) string {
	return `SELECT _ferretdb_sjson FROM ` + quoteIdent(table) + ` WHERE _ferretdb_sjson->'$._id' = ?`
}

// sqliteRO opens a database file of a running server read-only. Close it
// right after use: an open connection would keep a dropped database's
// WAL files alive.
func sqliteRO(t *testing.T, dataDir, dbName string) *sql.DB {
	t.Helper()
	path := filepath.Join(dataDir, "sqlite", dbName+sqliteExt)
	u := (&url.URL{Scheme: "file", Path: path, OmitHost: true, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", u)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// tableOf returns a collection's table from FerretDB's metadata.
func tableOf(t *testing.T, db *sql.DB, coll string) string {
	t.Helper()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM "_ferretdb_collections" WHERE name = ?`, coll).Scan(&table); err != nil {
		t.Fatalf("table of %s: %v", coll, err)
	}
	return table
}

// idPlan returns EXPLAIN QUERY PLAN of the pushed-down _id query.
func idPlan(t *testing.T, db *sql.DB, table string, id string) string {
	t.Helper()
	arg, _ := json.Marshal(id)
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+pushedDownIDQuery(table), string(arg))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var a, b, c int
		var d string
		if err := rows.Scan(&a, &b, &c, &d); err != nil {
			t.Fatal(err)
		}
		details = append(details, d)
	}
	return strings.Join(details, "; ")
}

// wantIDIndex checks that the pushed-down _id query on coll uses the extra
// index, both in SQLite's plan and in FerretDB's own explain.
func wantIDIndex(t *testing.T, s *server, client *mongo.Client, dbName, coll string) {
	t.Helper()
	ro := sqliteRO(t, s.dataDir, dbName)
	defer ro.Close()
	table := tableOf(t, ro, coll)
	plan := idPlan(t, ro, table, "x")
	if !strings.Contains(plan, "USING INDEX "+idIndexName(table)) {
		t.Fatalf("%s.%s: plan %q, want USING INDEX %s", dbName, coll, plan, idIndexName(table))
	}
	// A statement run on a FerretDB connection loads the new schema there;
	// EXPLAIN alone does not (it shows the plan of the schema the connection
	// last loaded), so run a real _id query first.
	_ = client.Database(dbName).Collection(coll).FindOne(context.Background(), bson.D{{Key: "_id", Value: "x"}}).Err()
	var res bson.Raw
	err := client.Database(dbName).RunCommand(context.Background(), bson.D{
		{Key: "explain", Value: bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: bson.D{{Key: "_id", Value: "x"}}}}},
	}).Decode(&res)
	if err != nil {
		t.Fatal(err)
	}
	if qp := res.Lookup("queryPlanner").String(); !strings.Contains(qp, "USING INDEX "+idIndexName(table)) {
		t.Fatalf("%s.%s: FerretDB explain %s, want the _id lookup index", dbName, coll, res)
	}
}

func indexNames(t *testing.T, coll *mongo.Collection) []string {
	t.Helper()
	cur, err := coll.Indexes().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var specs []struct {
		Name string `bson:"name"`
	}
	if err := cur.All(context.Background(), &specs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return names
}

func sqliteIndexes(t *testing.T, s *server, dbName, coll string) []string {
	t.Helper()
	ro := sqliteRO(t, s.dataDir, dbName)
	defer ro.Close()
	rows, err := ro.Query(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? ORDER BY name`, tableOf(t, ro, coll))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	return names
}

func TestIDIndexLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	s, client := startTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	db := client.Database("it")
	users := db.Collection("users")

	oid := primitive.NewObjectID()
	docs := []any{bson.D{{Key: "_id", Value: oid}, {Key: "email", Value: "oid@x"}}}
	for i := 0; i < 50; i++ {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("u%d", i)}, {Key: "email", Value: fmt.Sprintf("u%d@x", i)}})
	}
	if _, err := users.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "users")

	// Finds by _id (string and ObjectId) return the right document;
	// updates and deletes by _id still work.
	var got struct {
		ID    any    `bson:"_id"`
		Email string `bson:"email"`
	}
	if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: "u7"}}).Decode(&got); err != nil || got.Email != "u7@x" {
		t.Fatalf("find u7: %+v %v", got, err)
	}
	if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: oid}}).Decode(&got); err != nil || got.Email != "oid@x" {
		t.Fatalf("find ObjectId: %+v %v", got, err)
	}
	if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: "nope"}}).Err(); err != mongo.ErrNoDocuments {
		t.Fatalf("find missing: %v", err)
	}
	if r, err := users.UpdateOne(ctx, bson.D{{Key: "_id", Value: "u8"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "email", Value: "new@x"}}}}); err != nil || r.ModifiedCount != 1 {
		t.Fatalf("update: %+v %v", r, err)
	}
	if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: "u8"}}).Decode(&got); err != nil || got.Email != "new@x" {
		t.Fatalf("after update: %+v %v", got, err)
	}
	if r, err := users.DeleteOne(ctx, bson.D{{Key: "_id", Value: "u9"}}); err != nil || r.DeletedCount != 1 {
		t.Fatalf("delete: %+v %v", r, err)
	}
	// A duplicate _id is still refused (FerretDB's unique _id_ index).
	if _, err := users.InsertOne(ctx, bson.D{{Key: "_id", Value: "u1"}}); !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("duplicate _id: %v", err)
	}

	// Indexes as the client sees them: only its own.
	if _, err := users.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatal(err)
	}
	if n := indexNames(t, users); strings.Join(n, ",") != "_id_,email_1" {
		t.Fatalf("listIndexes: %v", n)
	}
	if _, err := users.Indexes().DropOne(ctx, "email_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := users.Indexes().DropAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := indexNames(t, users); strings.Join(n, ",") != "_id_" {
		t.Fatalf("listIndexes after drops: %v", n)
	}
	if _, err := users.Indexes().DropOne(ctx, idIndexName("x")); err == nil {
		t.Fatal("dropping the hidden index by name should fail like any unknown index")
	}
	ro := sqliteRO(t, s.dataDir, "it")
	tbl := tableOf(t, ro, "users")
	_ = ro.Close()
	if n := sqliteIndexes(t, s, "it", "users"); strings.Join(n, ",") != idIndexName(tbl)+","+tbl+"__id_" {
		t.Fatalf("SQLite indexes: %v", n)
	}
	// collStats and compact still answer.
	if err := db.RunCommand(ctx, bson.D{{Key: "collStats", Value: "users"}}).Err(); err != nil {
		t.Fatalf("collStats: %v", err)
	}
	if err := db.RunCommand(ctx, bson.D{{Key: "compact", Value: "users"}}).Err(); err != nil {
		t.Fatalf("compact: %v", err)
	}
	wantIDIndex(t, s, client, "it", "users")

	// Drop and re-create: same table name, index again.
	if err := users.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := users.InsertOne(ctx, bson.D{{Key: "_id", Value: "again"}}); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "users")

	// Collections created by an upsert, findAndModify upsert, create,
	// createIndexes.
	if _, err := db.Collection("up").UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: 1}}}}, options.Update().SetUpsert(true)); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "up")
	if err := db.Collection("fam").FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: 1}}}}, options.FindOneAndUpdate().SetUpsert(true)).Err(); err != nil && err != mongo.ErrNoDocuments {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "fam")
	if err := db.CreateCollection(ctx, "created"); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "created")
	if _, err := db.Collection("byindex").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "byindex")

	// renameCollection keeps the table and its index; the old name can be
	// used again.
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "renameCollection", Value: "it.up"}, {Key: "to", Value: "it.renamed"}}).Err(); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "renamed")
	if err := db.Collection("renamed").FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("up").InsertOne(ctx, bson.D{{Key: "_id", Value: "b"}}); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "up")

	// dropDatabase removes the file; the database comes back with the index.
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	// No connection of ours keeps the dropped file or its WAL alive
	// (a leftover WAL next to a new file of the same name is dangerous).
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(filepath.Join(s.dataDir, "sqlite", "it"+sqliteExt+suffix)); !os.IsNotExist(err) {
			t.Fatalf("it%s%s after dropDatabase: %v", sqliteExt, suffix, err)
		}
	}
	if _, err := users.InsertOne(ctx, bson.D{{Key: "_id", Value: "back"}}); err != nil {
		t.Fatal(err)
	}
	wantIDIndex(t, s, client, "it", "users")
	if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: "back"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := users.CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Fatalf("after dropDatabase: %d documents, %v", n, err)
	}
	if names, err := client.ListDatabaseNames(ctx, bson.D{}); err != nil || strings.Join(names, ",") != "it" {
		t.Fatalf("databases: %v %v", names, err)
	}
}

// TestIDIndexAtStartup: collections written with the index switched off
// get it when the server starts with it on.
func TestIDIndexAtStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	start := func(off bool) (*server, *mongo.Client, *syncBuffer) {
		logs := &syncBuffer{}
		s, err := startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs, noIDIndex: off})
		if err != nil {
			t.Fatalf("start: %v\n%s", err, logs)
		}
		c, err := mongo.Connect(ctx, clientOptions(s))
		if err != nil {
			t.Fatal(err)
		}
		return s, c, logs
	}

	s, c, _ := start(true)
	for _, dbName := range []string{"a", "b"} {
		for _, coll := range []string{"users", "calls"} {
			if _, err := c.Database(dbName).Collection(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ro := sqliteRO(t, s.dataDir, "a")
	if plan := idPlan(t, ro, tableOf(t, ro, "users"), "x"); !strings.Contains(plan, "SCAN") || strings.Contains(plan, "INDEX") {
		t.Fatalf("switched off: plan %q, want a table scan", plan)
	}
	_ = ro.Close()
	_ = c.Disconnect(ctx)
	s.Stop()

	s, c, logs := start(false)
	defer s.Stop()
	defer c.Disconnect(ctx)
	for _, dbName := range []string{"a", "b"} {
		for _, coll := range []string{"users", "calls"} {
			wantIDIndex(t, s, c, dbName, coll)
		}
	}
	if strings.Contains(logs.String(), "_id index:") && strings.Contains(logs.String(), "creating") {
		t.Fatalf("unexpected failure log: %s", logs)
	}
}

// TestIDIndexFailureIsHarmless: when the index cannot be created the
// client's command still succeeds and one line is logged.
func TestIDIndexFailureIsHarmless(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB")
	}
	dir := t.TempDir()
	logs := &syncBuffer{}
	s, err := startServer(serverConfig{dataDir: dir, logger: log.New(logs, "embedded-db: ", 0), logOut: logs})
	if err != nil {
		t.Fatalf("start: %v\n%s", err, logs)
	}
	defer s.Stop()
	s.idIndex.mu.Lock()
	s.idIndex.expr = "no_such_column" // CREATE INDEX fails
	s.idIndex.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := mongo.Connect(ctx, clientOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	coll := c.Database("it").Collection("users")
	for i := 0; i < 3; i++ {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("u%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "u1"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "_id index: it.users:"); n != 1 {
		t.Fatalf("%d failure lines, want 1:\n%s", n, logs)
	}
}

func TestIDIndexEnabled(t *testing.T) {
	for v, want := range map[string]bool{"": true, "on": true, "1": true, "off": false, "OFF": false, "0": false, "false": false, "no": false} {
		if got := switchedOn(v); got != want {
			t.Errorf("EMBEDDED_DB_ID_INDEX=%q: %v, want %v", v, got, want)
		}
	}
	if n := idIndexName("users_1234abcd"); n != "$id_lookup_users_1234abcd" {
		t.Errorf("index name %q", n)
	}
}
