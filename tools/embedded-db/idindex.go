package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite" (the one FerretDB uses)
)

// The _id lookup index.
//
// FerretDB v1.24.2 (SQLite) hands SQLite a filter only when it is exactly
// { _id: <string|ObjectId> } and then queries
//
//	SELECT _ferretdb_sjson FROM "<table>" WHERE _ferretdb_sjson->'$._id' = ?
//
// (the parameter is the _id as JSON text, e.g. "\"u1\""); updates and deletes
// find their documents with the same expression. The unique "_id_" index it
// creates is on _ferretdb_sjson->"_id", a different expression, and SQLite
// uses an expression index only for the identical expression, so every one
// of these statements scans the whole table.
//
// The idIndexer adds, for every collection table, a plain (non-unique) index
// on exactly the expression of those statements. FerretDB never sees it: it
// lists, drops and reports indexes from its own metadata table
// (_ferretdb_collections), and DROP TABLE (drop) or removing the file
// (dropDatabase) takes the extra index away with the table.
const (
	// idLookupExpr is FerretDB's pushed-down _id expression
	// (metadata.IDColumn), character for character.
	idLookupExpr = `_ferretdb_sjson->'$._id'`
	// idIndexPrefix starts the extra index's name. Collection names cannot
	// contain "$", so no FerretDB table or index name (always "<table>" or
	// "<table>_<index name>") can start with it.
	idIndexPrefix = "$id_lookup_"
	// ferretMetaTable maps collection names to table names in each
	// database file.
	ferretMetaTable = "_ferretdb_collections"
	// sqliteExt is FerretDB's database file extension: <db>.sqlite.
	sqliteExt = ".sqlite"
	// idIndexRetry is how long a collection whose index could not be
	// created is left alone before the next attempt.
	idIndexRetry = time.Minute
)

// idIndexName is the extra index's name for a table.
func idIndexName(table string) string {
	return idIndexPrefix + table
}

// quoteIdent quotes an SQLite identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// idIndexer keeps one database/sql handle per database file and remembers
// which collections have their _id lookup index. Its write-side methods run
// under the front's write lock (or before the front serves), so no FerretDB
// write interleaves with them.
type idIndexer struct {
	dir    string // FerretDB's SQLite directory (<data-dir>/sqlite)
	logger *log.Logger
	expr   string // indexed expression; idLookupExpr except in tests

	mu     sync.Mutex
	dbs    map[string]*sql.DB              // database name -> handle
	done   map[string]map[string]struct{}  // database -> collections handled
	failed map[string]map[string]time.Time // database -> collection -> last failure
}

func newIDIndexer(sqliteDir string, logger *log.Logger) *idIndexer {
	return &idIndexer{
		dir:    sqliteDir,
		logger: logger,
		expr:   idLookupExpr,
		dbs:    make(map[string]*sql.DB),
		done:   make(map[string]map[string]struct{}),
		failed: make(map[string]map[string]time.Time),
	}
}

// ensureAll adds the index to every collection of every database file
// (start-up, before the front serves).
func (x *idIndexer) ensureAll() {
	files, err := filepath.Glob(filepath.Join(x.dir, "*"+sqliteExt))
	if err != nil {
		x.logger.Printf("_id index: cannot list databases: %v", err)
		return
	}
	sort.Strings(files)
	for _, f := range files {
		dbName := strings.TrimSuffix(filepath.Base(f), sqliteExt)
		x.mu.Lock()
		db, err := x.handle(dbName)
		var colls []string
		if err == nil && db != nil {
			colls, err = listCollections(db)
		}
		x.mu.Unlock()
		if err != nil {
			x.logger.Printf("_id index: database %s: %v", dbName, err)
			continue
		}
		for _, c := range colls {
			x.ensure(dbName, c)
		}
	}
}

func listCollections(db *sql.DB) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT name FROM "+quoteIdent(ferretMetaTable))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// handle returns the open handle for a database, opening it if the file
// exists; (nil, nil) when it does not (the file is never created here).
// x.mu must be held.
func (x *idIndexer) handle(dbName string) (*sql.DB, error) {
	if db := x.dbs[dbName]; db != nil {
		return db, nil
	}
	path := filepath.Join(x.dir, dbName+sqliteExt)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, nil
	}
	// mode=rw: never create the file. The busy timeout matches FerretDB's,
	// so this connection and FerretDB's wait for each other's locks.
	q := url.Values{}
	q.Set("mode", "rw")
	q.Add("_pragma", "busy_timeout(10000)")
	u := (&url.URL{Scheme: "file", Path: path, OmitHost: true, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", u)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	x.dbs[dbName] = db
	return db, nil
}

// ensure makes sure one collection's table has the index. For a collection
// already handled it is one map lookup. A failure is logged (one line) and
// never reaches the client.
func (x *idIndexer) ensure(dbName, coll string) {
	if dbName == "" || coll == "" {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.done[dbName][coll]; ok {
		return
	}
	if t, ok := x.failed[dbName][coll]; ok && time.Since(t) < idIndexRetry {
		return
	}

	start := time.Now()
	table, created, err := x.create(dbName, coll)
	switch {
	case err != nil:
		if x.failed[dbName] == nil {
			x.failed[dbName] = make(map[string]time.Time)
		}
		x.failed[dbName][coll] = time.Now()
		x.logger.Printf("_id index: %s.%s: %v (queries by _id on it scan the table)", dbName, coll, err)
	case table == "":
		// No such collection (yet): nothing to do, nothing remembered.
	default:
		delete(x.failed[dbName], coll)
		if x.done[dbName] == nil {
			x.done[dbName] = make(map[string]struct{})
		}
		x.done[dbName][coll] = struct{}{}
		if created {
			if d := time.Since(start); d > 100*time.Millisecond {
				x.logger.Printf("_id index: built for %s.%s in %v", dbName, coll, d.Round(time.Millisecond))
			}
		}
	}
}

// create looks the collection's table up in FerretDB's metadata and creates
// the index if missing. It returns the table name ("" when the database or
// collection does not exist) and whether the index was created now.
// x.mu must be held.
func (x *idIndexer) create(dbName, coll string) (table string, created bool, err error) {
	db, err := x.handle(dbName)
	if err != nil || db == nil {
		return "", false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	err = db.QueryRowContext(ctx,
		"SELECT table_name FROM "+quoteIdent(ferretMetaTable)+" WHERE name = ?", coll).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading collection metadata: %w", err)
	}

	name := idIndexName(table)
	var n int
	if err = db.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ? AND tbl_name = ?", name, table).Scan(&n); err != nil {
		return table, false, fmt.Errorf("reading schema: %w", err)
	}
	if n > 0 {
		return table, false, nil
	}
	q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", quoteIdent(name), quoteIdent(table), x.expr)
	if _, err = db.ExecContext(ctx, q); err != nil {
		return table, false, fmt.Errorf("creating index: %w", err)
	}
	return table, true, nil
}

// forget drops what is remembered about one collection (after drop or
// renameCollection), so the next write checks it again.
func (x *idIndexer) forget(dbName, coll string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.done[dbName], coll)
	delete(x.failed[dbName], coll)
}

// closeDB closes a database's handle and forgets its collections. It runs
// before dropDatabase is forwarded: FerretDB removes the file, and no
// connection of ours may keep it (or its WAL) alive.
func (x *idIndexer) closeDB(dbName string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if db := x.dbs[dbName]; db != nil {
		if err := db.Close(); err != nil {
			x.logger.Printf("_id index: closing database %s: %v", dbName, err)
		}
		delete(x.dbs, dbName)
	}
	delete(x.done, dbName)
	delete(x.failed, dbName)
}

// Close closes every handle.
func (x *idIndexer) Close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for name, db := range x.dbs {
		_ = db.Close()
		delete(x.dbs, name)
	}
}

// beforeWrite runs under the write lock before a write command is forwarded.
func (x *idIndexer) beforeWrite(in *inspection) {
	if in.command == "dropDatabase" {
		x.closeDB(in.db)
	}
}

// afterWrite runs under the write lock once FerretDB has answered a write
// command (whatever the answer: a failed insert may still have created the
// collection).
func (x *idIndexer) afterWrite(in *inspection) {
	switch in.command {
	case "insert", "update", "findAndModify", "findandmodify", "create", "createIndexes":
		x.ensure(in.db, in.target)
	case "drop":
		x.forget(in.db, in.target)
	case "dropDatabase":
		x.closeDB(in.db)
	case "renameCollection":
		// { renameCollection: "<db>.<from>", to: "<db>.<to>" } on admin.
		// The table keeps its name (and index); re-check both names.
		if db, coll, ok := strings.Cut(in.target, "."); ok {
			x.forget(db, coll)
		}
		if db, coll, ok := strings.Cut(in.to, "."); ok {
			x.forget(db, coll)
			x.ensure(db, coll)
		}
	}
}
