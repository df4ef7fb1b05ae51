import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mongoose, { Connection, Schema } from 'mongoose';
import {
  EmbeddedDb,
  EmbeddedDbError,
  EmbeddedDbInUseError,
  ensureEmbeddedDbBinary,
  startEmbeddedDb,
} from '../../apps/api/src/core/database/embedded-db';
import { testDatabaseUri } from '../support/app';
import { freePort, listeningTcpPorts, spawnProcess, Spawned, stopProcess } from '../support/processes';

/**
 * The embedded database keeps MongoDB's single-document atomicity for every client, and turns
 * the query shapes FerretDB v1 would answer wrongly into errors (design.md §4).
 */
describe('embedded database: atomic writes through Mongoose', () => {
  let uri: string;
  let main: Connection;
  const extra: Connection[] = [];

  const counterSchema = new Schema({ n: Number, items: [Number] });
  const callSchema = new Schema({ joined: Number, max: Number });
  const accountSchema = new Schema({ email: { type: String, unique: true } });

  beforeAll(async () => {
    uri = testDatabaseUri();
    main = await mongoose.createConnection(uri).asPromise();
  });
  afterAll(async () => {
    await Promise.all([main, ...extra].map((c) => c.close()));
  });

  async function connections(count: number): Promise<Connection[]> {
    const opened = await Promise.all(
      Array.from({ length: count }, () => mongoose.createConnection(uri, { maxPoolSize: 10 }).asPromise()),
    );
    extra.push(...opened);
    return opened;
  }

  it('10 connections × 100 parallel $inc on one document end at exactly 1,000', async () => {
    const Counter = main.model('IncCounter', counterSchema);
    const { _id } = await Counter.create({ n: 0 });
    const clients = await connections(10);
    await Promise.all(
      clients.flatMap((c) => {
        const Model = c.model('IncCounter', counterSchema);
        return Array.from({ length: 100 }, () => Model.updateOne({ _id }, { $inc: { n: 1 } }));
      }),
    );
    expect((await Counter.findById(_id).lean())?.n).toBe(1000);
  });

  it('20 racers for 5 seats with a conditional findOneAndUpdate leave exactly 5 winners', async () => {
    const Call = main.model('SeatCall', callSchema);
    const { _id } = await Call.create({ joined: 0, max: 5 });
    const clients = await connections(4);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        clients[i % clients.length]
          .model('SeatCall', callSchema)
          .findOneAndUpdate({ _id, joined: { $lt: 5 } }, { $inc: { joined: 1 } }, { new: true })
          .lean(),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(5);
    expect((await Call.findById(_id).lean())?.joined).toBe(5);
  });

  it('100 parallel $push on one document keep all 100 elements', async () => {
    const Counter = main.model('PushCounter', counterSchema);
    const { _id } = await Counter.create({ n: 0, items: [] });
    const clients = await connections(5);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        clients[i % clients.length].model('PushCounter', counterSchema).updateOne({ _id }, { $push: { items: i } }),
      ),
    );
    const doc = await Counter.findById(_id).lean();
    expect(doc?.items).toHaveLength(100);
    expect(new Set(doc?.items).size).toBe(100);
  });

  it('20 racing inserts of one unique key store exactly 1', async () => {
    const Account = main.model('RaceAccount', accountSchema);
    await Account.init();
    const email = `race-${Date.now()}@example.com`;
    const clients = await connections(4);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        clients[i % clients.length].model('RaceAccount', accountSchema).create({ email }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason.code).toBe(11000);
    }
    expect(await Account.countDocuments({ email })).toBe(1);
  });
});

describe('embedded database: silently wrong shapes are refused', () => {
  let connection: Connection;

  beforeAll(async () => {
    connection = await mongoose.createConnection(testDatabaseUri()).asPromise();
    await connection.collection('shapes').insertMany([
      { kind: 'a', n: 2, host: 'h1', tags: ['x', 'y', 'z'] },
      { kind: 'a', n: 3, host: 'h2', tags: ['x'] },
      { kind: 'b', n: 5, host: 'h3', tags: [] },
    ]);
  });
  afterAll(() => connection.close());

  const shapes = () => connection.collection<{ kind: string; n: number; host: string; tags: string[] }>('shapes');

  it('refuses a $group with two accumulators, and sums right with one', async () => {
    await expect(
      shapes()
        .aggregate([{ $group: { _id: '$kind', total: { $sum: '$n' }, count: { $sum: 1 } } }])
        .toArray(),
    ).rejects.toThrow(/more than one accumulator/);
    const totals = await shapes()
      .aggregate([{ $group: { _id: '$kind', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(totals).toEqual([
      { _id: 'a', total: 5 },
      { _id: 'b', total: 5 },
    ]);
  });

  it('refuses projections by field path or expression, and keeps inclusion projections', async () => {
    await expect(
      shapes()
        .find({}, { projection: { h: '$host' } })
        .toArray(),
    ).rejects.toThrow(/field path/);
    await expect(
      shapes()
        .aggregate([{ $project: { h: { $concat: ['$host', '!'] } } }])
        .toArray(),
    ).rejects.toThrow(/projection/);
    const included = await shapes()
      .find({ kind: 'a' }, { projection: { host: 1, _id: 0 }, sort: { n: 1 } })
      .toArray();
    expect(included).toEqual([{ host: 'h1' }, { host: 'h2' }]);
  });

  it('refuses $pull with a condition, and pulls a plain value', async () => {
    await expect(shapes().updateOne({ host: 'h1' }, { $pull: { tags: { $in: ['x', 'y'] } } })).rejects.toThrow(
      /\$pull/,
    );
    await shapes().updateOne({ host: 'h1' }, { $pull: { tags: 'y' } });
    expect((await shapes().findOne({ host: 'h1' }))?.tags).toEqual(['x', 'z']);
  });
});

describe('embedded database: ownership, durability and `npm run db`', () => {
  const log = { info: () => undefined, warn: () => undefined };
  const dirs: string[] = [];
  const running: EmbeddedDb[] = [];
  const spawned: Spawned[] = [];

  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vc-edb-'));
    dirs.push(dir);
    return dir;
  }
  afterAll(async () => {
    await Promise.all(running.map((db) => db.stop()));
    await Promise.all(spawned.map((s) => stopProcess(s, 'SIGKILL')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second start on the same DATA_DIR, naming the holder and MONGODB_URI, once', async () => {
    const dir = dataDir();
    const first = await startEmbeddedDb({ dataDir: dir, port: 0, log });
    running.push(first);
    const started = Date.now();
    const secondLog = { info: jest.fn(), warn: jest.fn() };
    const error = await startEmbeddedDb({ dataDir: dir, port: 0, log: secondLog }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedDbInUseError);
    expect((error as Error).message).toMatch(new RegExp(`in use by process ${first.pid}.*npm run db.*MONGODB_URI`));
    // The sentence is the error's message, and nothing else repeats it.
    expect([...secondLog.info.mock.calls, ...secondLog.warn.mock.calls].flat().join('\n')).not.toMatch(/in use/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('serves through a Unix socket of its own user in DATA_DIR, and on no TCP port unless asked', async () => {
    const dir = dataDir();
    const db = await startEmbeddedDb({ dataDir: dir, port: 0, log });
    running.push(db);
    expect(db.socketPath).toBe(join(dir, 'embedded-db.sock'));
    expect(db.uri).toBe(`mongodb://${encodeURIComponent(db.socketPath)}/`);
    expect(db).toMatchObject({ port: 0, tcpUri: undefined });
    expect(statSync(db.socketPath).isSocket()).toBe(true);
    expect(statSync(db.socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(listeningTcpPorts(db.pid)).toEqual([]);
    // Its address, for tools run beside it, is this user's alone and names no TCP port.
    const addressFile = join(dir, 'embedded-db.json');
    expect(statSync(addressFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(addressFile, 'utf8'))).toEqual({ pid: db.pid, socket: db.socketPath, uri: db.uri });

    const connection = await mongoose.createConnection(`${db.uri}through_socket`).asPromise();
    await connection.collection('c').insertOne({ ok: 1 });
    expect(await connection.collection('c').countDocuments()).toBe(1);
    await connection.close();

    // Asked for a port, it listens there as well, and only there.
    const port = await freePort();
    const withTcp = await startEmbeddedDb({ dataDir: dataDir(), port, log });
    running.push(withTcp);
    expect(withTcp).toMatchObject({ port, tcpUri: `mongodb://127.0.0.1:${port}/` });
    expect(listeningTcpPorts(withTcp.pid)).toEqual([port]);
    expect(withTcp.uri).toMatch(/^mongodb:\/\/%2F.*\.sock\/$/);
  });

  it('serves a DATA_DIR too long for a socket address through a private directory of its own', async () => {
    const dir = join(dataDir(), 'a-data-directory-with-a-rather-long-name-'.repeat(3));
    const db = await startEmbeddedDb({ dataDir: dir, port: 0, log });
    // A Unix socket address holds 107 bytes.
    expect(Buffer.byteLength(db.socketPath)).toBeLessThanOrEqual(107);
    const privateDir = dirname(db.socketPath);
    expect(privateDir.startsWith(dir)).toBe(false);
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    expect(statSync(privateDir).uid).toBe(process.getuid!());
    expect(statSync(db.socketPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'embedded-db.json'), 'utf8'))).toMatchObject({ socket: db.socketPath });

    const connection = await mongoose.createConnection(`${db.uri}long_dir`).asPromise();
    await connection.collection('c').insertOne({ ok: 1 });
    await connection.close();
    await db.stop();
    expect(existsSync(privateDir)).toBe(false);
  });

  it('keeps data acknowledged before a kill -9 of the database process', async () => {
    const dir = dataDir();
    const db = await startEmbeddedDb({ dataDir: dir, port: 0, log });
    const connection = await mongoose.createConnection(`${db.uri}durable`).asPromise();
    const docs = Array.from({ length: 50 }, (_, i) => ({ i }));
    await connection.collection('ledger').insertMany(docs);
    await connection.collection('ledger').updateOne({ i: 7 }, { $set: { paid: true } });
    process.kill(db.pid, 'SIGKILL');
    await db.exited;

    const again = await startEmbeddedDb({ dataDir: dir, port: 0, log });
    running.push(again);
    // Closed once the database is back at the same socket: the driver's close of a connection whose
    // server died can wait for it indefinitely.
    await connection.close();
    const reopened = await mongoose.createConnection(`${again.uri}durable`).asPromise();
    expect(await reopened.collection('ledger').countDocuments()).toBe(50);
    expect(await reopened.collection('ledger').findOne({ i: 7 })).toMatchObject({ paid: true });
    await reopened.close();
  });

  it('`npm run db` prints MONGODB_URI= once it answers and stops within 10 s of SIGTERM', async () => {
    const port = await freePort();
    const db = spawnProcess('npm', ['run', '--silent', 'db'], { DATA_DIR: dataDir(), EMBEDDED_DB_PORT: String(port) });
    spawned.push(db);
    const line = await db.waitFor(/^MONGODB_URI=/);
    expect(line).toBe(`MONGODB_URI=mongodb://127.0.0.1:${port}/`);
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:${port}/probe`).asPromise();
    await connection.collection('c').insertOne({ ok: 1 });
    await connection.close();

    const stopping = Date.now();
    await stopProcess(db, 'SIGTERM');
    await db.waitFor(/^embedded-db: stopped$/, 10_000);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    // Nothing is left listening on the port.
    await expect(
      mongoose.createConnection(`mongodb://127.0.0.1:${port}/probe`, { serverSelectionTimeoutMS: 1_000 }).asPromise(),
    ).rejects.toThrow();
  });

  it('`npm run db` listens on a free TCP port when EMBEDDED_DB_PORT is 0', async () => {
    const db = spawnProcess('npm', ['run', '--silent', 'db'], { DATA_DIR: dataDir(), EMBEDDED_DB_PORT: '0' });
    spawned.push(db);
    const line = await db.waitFor(/^MONGODB_URI=/);
    const port = Number(/^MONGODB_URI=mongodb:\/\/127\.0\.0\.1:(\d+)\/$/.exec(line)?.[1]);
    expect(port).toBeGreaterThan(0);
    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:${port}/probe`).asPromise();
    await connection.close();
    await stopProcess(db, 'SIGTERM');
  });
});

describe('embedded database: building it', () => {
  it('says in one sentence what to do when it must be built and Go is missing', async () => {
    const source = mkdtempSync(join(tmpdir(), 'vc-edb-src-'));
    copyFileSync(join(__dirname, '../../tools/embedded-db/go.mod'), join(source, 'go.mod'));
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const log = { info: jest.fn(), warn: jest.fn() };
      const error = await ensureEmbeddedDbBinary(log, source).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddedDbError);
      expect((error as Error).message).toMatch(/^Go is not installed, .*install Go .*or set MONGODB_URI .*\.$/);
      expect((error as Error).message.split('. ')).toHaveLength(1);
    } finally {
      process.env.PATH = path;
      rmSync(source, { recursive: true, force: true });
    }
  });
});
